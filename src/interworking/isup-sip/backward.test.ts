import { describe, expect, it } from "vitest";
import { decodeIsup, encodeIsup, getParameter } from "../../ss7/isup/codec/index.js";
import type { IsupMessage, IsupVariant } from "../../ss7/isup/codec/index.js";
import { ACM_TO_SIP, CPG_TO_SIP, SIP_TO_ISUP_FIRST, SIP_TO_ISUP_LATER } from "../../../mappings/rfc3398-events.js";
import { answerMessage, backwardToProvisional, defaultBackwardCallIndicators, provisionalToBackward } from "./backward.js";
import type { BackwardOptions } from "./backward.js";

const OPTS: BackwardOptions = { variant: "itu", acmSent: false, inband: false, echoControlDevice: 0 };

/** Every message built must encode (both variants) and decode back to itself. */
function roundTrips(m: IsupMessage, variant: IsupVariant = "itu"): void {
  const octets = encodeIsup(m, { variant, sipt: true });
  const back = decodeIsup(octets, { variant, sipt: true });
  expect(back.ok).toBe(true);
  if (back.ok) expect(encodeIsup(back.value, { variant, sipt: true })).toEqual(octets);
}

function acmWith(status: number, extra: Partial<Record<string, number>> = {}, obciInband?: number): IsupMessage {
  const bci = defaultBackwardCallIndicators(status, { echoControlDevice: 0 });
  const value = { ...(bci as { value: Record<string, number> }).value, ...extra };
  return {
    messageType: "ACM",
    parameters: [
      { name: "backwardCallIndicators", value },
      ...(obciInband !== undefined ? [{ name: "optionalBackwardCallIndicators", value: { inBandInformationIndicator: obciInband, callDiversionMayOccurIndicator: 0, simpleSegmentationIndicator: 0, mlppUserIndicator: 0 } }] : []),
    ],
  };
}

function cpgWith(event: number, obciInband?: number): IsupMessage {
  return {
    messageType: "CPG",
    parameters: [
      { name: "eventInformation", value: { eventIndicator: event, eventPresentationRestrictedIndicator: 0 } },
      ...(obciInband !== undefined ? [{ name: "optionalBackwardCallIndicators", value: { inBandInformationIndicator: obciInband, callDiversionMayOccurIndicator: 0, simpleSegmentationIndicator: 0, mlppUserIndicator: 0 } }] : []),
    ],
  };
}

describe("ACM / CPG -> provisional response (RFC 3398 §7.2.5, §7.2.6, §7.2.9)", () => {
  for (const row of ACM_TO_SIP) {
    it(`ACM called party's status ${row.calledPartysStatus} -> ${row.sipStatus}`, () => {
      expect(backwardToProvisional(acmWith(row.calledPartysStatus))).toEqual({ sipStatus: row.sipStatus, earlyMedia: false, ref: row.ref });
    });
  }
  it("ACM with a spare status -> 183 (default)", () => {
    expect(backwardToProvisional(acmWith(3))).toMatchObject({ sipStatus: 183, earlyMedia: false, ref: expect.stringMatching(/default/) });
  });
  it("ACM with in-band information or interworking encountered -> 183 with early media (§7.2.6)", () => {
    expect(backwardToProvisional(acmWith(1, {}, 1))).toEqual({ sipStatus: 183, earlyMedia: true, ref: "RFC 3398 §7.2.6" });
    expect(backwardToProvisional(acmWith(1, { interworkingIndicator: 1 }))).toMatchObject({ sipStatus: 183, earlyMedia: true });
    expect(backwardToProvisional(acmWith(1, {}, 0))).toMatchObject({ sipStatus: 180, earlyMedia: false });
  });
  for (const row of CPG_TO_SIP) {
    if (row.event === null) continue;
    it(`CPG event ${row.event} -> ${row.sipStatus}${row.inband ? " with early media" : ""}`, () => {
      expect(backwardToProvisional(cpgWith(row.event as number))).toEqual({ sipStatus: row.sipStatus, earlyMedia: row.inband, ref: row.ref });
    });
  }
  it("CPG without event information (a malformed one) -> 183 per the no-event row", () => {
    expect(backwardToProvisional({ messageType: "CPG", parameters: [] })).toMatchObject({ sipStatus: 183, earlyMedia: false });
  });
  it("CPG with a spare event -> no response; other messages -> none", () => {
    expect(backwardToProvisional(cpgWith(0x40))).toBeUndefined();
    expect(backwardToProvisional({ messageType: "ANM", parameters: [] })).toBeUndefined();
  });
  it("CPG alerting with in-band information indicated -> 183 with early media", () => {
    expect(backwardToProvisional(cpgWith(1, 1))).toMatchObject({ sipStatus: 183, earlyMedia: true });
  });
  it("a trunk row overrides the table", () => {
    expect(backwardToProvisional(acmWith(0), { acm: [{ calledPartysStatus: 0, sipStatus: 180, ref: "trunk" }] })).toEqual({ sipStatus: 180, earlyMedia: false, ref: "trunk" });
  });
});

describe("provisional -> ACM / CPG (RFC 3398 §8.2.3)", () => {
  for (const row of SIP_TO_ISUP_FIRST) {
    it(`first ${row.sipStatus} -> ${row.isup.message ?? "nothing"}`, () => {
      const r = provisionalToBackward(row.sipStatus, OPTS);
      expect(r.ref).toBe(row.ref);
      const types = r.messages.map((m) => m.messageType);
      if (row.isup.message === null) {
        expect(types).toEqual([]);
        expect(r.acmSent).toBe(false);
        return;
      }
      expect(r.acmSent).toBe(true);
      if (row.isup.message === "ACM") {
        expect(types).toEqual(["ACM"]);
        expect(getParameter(r.messages[0] as IsupMessage, "backwardCallIndicators")?.calledPartysStatusIndicator).toBe(row.isup.calledPartysStatus);
      } else if (row.isup.message === "ACM+CPG") {
        expect(types).toEqual(["ACM", "CPG"]);
        expect(getParameter(r.messages[0] as IsupMessage, "backwardCallIndicators")?.calledPartysStatusIndicator).toBe(0);
        expect(getParameter(r.messages[1] as IsupMessage, "eventInformation")?.eventIndicator).toBe(row.isup.event);
      }
      for (const m of r.messages) roundTrips(m);
    });
  }
  for (const row of SIP_TO_ISUP_LATER) {
    it(`later ${row.sipStatus} -> ${row.isup.message ?? "nothing"}`, () => {
      const r = provisionalToBackward(row.sipStatus, { ...OPTS, acmSent: true });
      expect(r.acmSent).toBe(true);
      if (row.isup.message !== "CPG") {
        expect(r.messages).toEqual([]);
        return;
      }
      expect(r.messages.map((m) => m.messageType)).toEqual(["CPG"]);
      expect(getParameter(r.messages[0] as IsupMessage, "eventInformation")?.eventIndicator).toBe(row.isup.event);
      for (const m of r.messages) roundTrips(m);
    });
  }
  it("an unlisted 18x: ACM no indication first, CPG progress later (defaults)", () => {
    expect(getParameter(provisionalToBackward(188, OPTS).messages[0] as IsupMessage, "backwardCallIndicators")?.calledPartysStatusIndicator).toBe(0);
    expect(getParameter(provisionalToBackward(188, { ...OPTS, acmSent: true }).messages[0] as IsupMessage, "eventInformation")?.eventIndicator).toBe(2);
  });
  it("backward media playing: ACM gets the in-band indicator, CPG progress becomes event 3, alerting keeps event 1 with the indicator", () => {
    const a = provisionalToBackward(183, { ...OPTS, inband: true }).messages[0] as IsupMessage;
    expect(getParameter(a, "optionalBackwardCallIndicators")?.inBandInformationIndicator).toBe(1);
    roundTrips(a);
    expect(getParameter(provisionalToBackward(183, { ...OPTS, acmSent: true, inband: true }).messages[0] as IsupMessage, "eventInformation")?.eventIndicator).toBe(3);
    const c = provisionalToBackward(180, { ...OPTS, acmSent: true, inband: true }).messages[0] as IsupMessage;
    expect(getParameter(c, "eventInformation")?.eventIndicator).toBe(1);
    expect(getParameter(c, "optionalBackwardCallIndicators")?.inBandInformationIndicator).toBe(1);
    roundTrips(c, "ansi");
  });
  it("ACM backward call indicators are the §8.2.3 defaults, with the echo control device and the interworking option", () => {
    const m = provisionalToBackward(180, { ...OPTS, echoControlDevice: 1 }).messages[0] as IsupMessage;
    expect(getParameter(m, "backwardCallIndicators")).toEqual({
      chargeIndicator: 2,
      calledPartysStatusIndicator: 1,
      calledPartysCategoryIndicator: 1,
      endToEndMethodIndicator: 0,
      interworkingIndicator: 0,
      endToEndInformationIndicator: 0,
      isdnUserPartIndicator: 1,
      holdingIndicator: 0,
      isdnAccessIndicator: 0,
      echoControlDeviceIndicator: 1,
      sccpMethodIndicator: 0,
    });
    const iw = provisionalToBackward(180, { ...OPTS, interworkingEncountered: true }).messages[0] as IsupMessage;
    expect(getParameter(iw, "backwardCallIndicators")).toMatchObject({ interworkingIndicator: 1, isdnUserPartIndicator: 0 });
  });
});

describe("2xx -> ANM / CON (RFC 3398 §8.2.4, §13)", () => {
  it("ANM after an ACM, CON before (ITU), ANM before (ANSI)", () => {
    expect(answerMessage({ ...OPTS, acmSent: true })).toEqual({ message: { messageType: "ANM", parameters: [] }, ref: "RFC 3398 §8.2.4" });
    const con = answerMessage(OPTS);
    expect(con.message.messageType).toBe("CON");
    roundTrips(con.message);
    expect(answerMessage({ ...OPTS, variant: "ansi" }).message.messageType).toBe("ANM");
    roundTrips(answerMessage({ ...OPTS, acmSent: true }).message, "ansi");
  });
});
