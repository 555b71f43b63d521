import { describe, expect, it } from "vitest";
import { QSIG_TO_SIP, SIP_TO_QSIG } from "../../../mappings/rfc4497-causes.js";
import { decodeQ931, ie } from "../../isdn/q931/codec/q931-codec.js";
import type { Q931Message } from "../../isdn/q931/codec/q931-codec.js";
import { qsigCauseToSip, sipStatusToQsig } from "./causes.js";
import { clearingCause, gatewayClearing, qsigClearingToSip, sipFinalToQsig, sipRequestClearingToQsig } from "./clearing.js";

/** Table 1 of RFC 4497 §8.4.1, as printed. */
const TABLE_1: readonly [number, number | string][] = [
  [1, 404], [2, 404], [3, 404], [16, "NOTE 3"], [17, 486], [18, 408], [19, 480], [20, 480], [21, "603/403"], [22, "301/410"], [23, 410],
  [27, 502], [28, 484], [29, 501], [31, 480], [34, 503], [38, 503], [41, 503], [42, 503], [47, 503], [55, 403], [57, 403], [58, 503],
  [65, 488], [69, 501], [70, 488], [79, 501], [87, 403], [88, 503], [102, 504],
];

/** Table 2 of RFC 4497 §8.4.4, as printed. */
const TABLE_2: readonly [number, number | null][] = [
  [400, 41], [401, 21], [402, 21], [403, 21], [404, 1], [405, 63], [406, 79], [407, 21], [408, 102], [410, 22], [413, 127], [414, 127],
  [415, 79], [416, 127], [420, 127], [421, 127], [423, 127], [480, 18], [481, 41], [482, 25], [483, 25], [484, 28], [485, 1], [486, 17],
  [487, null], [488, 31], [500, 41], [501, 79], [502, 38], [503, 41], [504, 102], [505, 127], [513, 127], [600, 17], [603, 21], [604, 1], [606, 31],
];

describe("QSIG cause -> SIP final response (RFC 4497 §8.4.1 Table 1)", () => {
  for (const [cause, status] of TABLE_1) {
    if (typeof status !== "number") continue;
    it(`cause ${cause} -> ${status}`, () => {
      expect(qsigCauseToSip(cause)).toMatchObject({ qsigCause: cause, sipStatus: status, isDefault: false, byeOrCancel: false, ref: "RFC 4497 §8.4.1 Table 1" });
    });
  }
  it("covers every cause of the printed table, and no other", () => {
    expect([...new Set(QSIG_TO_SIP.map((r) => r.qsigCause))]).toEqual(TABLE_1.map(([c]) => c));
  });
  it("cause 21: 603 when the location is user, 403 otherwise", () => {
    expect(qsigCauseToSip(21, { location: 0 }).sipStatus).toBe(603);
    expect(qsigCauseToSip(21, { location: 1 }).sipStatus).toBe(403);
    expect(qsigCauseToSip(21).sipStatus).toBe(403);
  });
  it("cause 22: 301 when the diagnostic gives a Contact, 410 otherwise", () => {
    expect(qsigCauseToSip(22, { diagnosticGivesContact: true }).sipStatus).toBe(301);
    expect(qsigCauseToSip(22).sipStatus).toBe(410);
  });
  it("cause 16 (NOTE 3): BYE or CANCEL, the default 500 if a response must be sent", () => {
    expect(qsigCauseToSip(16)).toMatchObject({ sipStatus: 500, byeOrCancel: true, isDefault: true });
  });
  it("cause 44 (NOTE 2) when no other channel can be tried: 503 as congestion", () => {
    expect(qsigCauseToSip(44)).toMatchObject({ sipStatus: 503, ref: "RFC 4497 §8.4.1 NOTE 2, §8.3.1" });
  });
  it("causes not in the table: 500 (default)", () => {
    for (const c of [0, 6, 26, 81, 100, 111, 127]) expect(qsigCauseToSip(c)).toMatchObject({ sipStatus: 500, isDefault: true, ref: "RFC 4497 §8.4.1 (default)" });
  });
  it("a trunk override row wins", () => {
    expect(qsigCauseToSip(17, {}, [{ qsigCause: 17, sipStatus: 600, ref: "trunk" }])).toMatchObject({ sipStatus: 600, ref: "trunk" });
  });
});

describe("SIP final response -> QSIG cause and location (RFC 4497 §8.4.4 Table 2)", () => {
  for (const [status, cause] of TABLE_2) {
    it(`${status} -> ${String(cause)}, location ${status >= 600 ? "user" : "private network serving the remote user"}`, () => {
      expect(sipStatusToQsig(status)).toMatchObject({ sipStatus: status, qsigCause: cause, location: status >= 600 ? 0 : 5, isDefault: false });
    });
  }
  it("covers every status of the printed table, and no other", () => {
    expect(SIP_TO_QSIG.map((r) => r.sipStatus)).toEqual(TABLE_2.map(([s]) => s));
  });
  it("488 and 606 (NOTE 8): 65 when the Warning says the media are the problem, 31 otherwise", () => {
    expect(sipStatusToQsig(488, { warningCode: 304 }).qsigCause).toBe(65);
    expect(sipStatusToQsig(606, { warningCode: 370 }).qsigCause).toBe(65);
    expect(sipStatusToQsig(488, { warningCode: 399 }).qsigCause).toBe(31);
    expect(sipStatusToQsig(606).qsigCause).toBe(31);
  });
  it("statuses not in the table: 31 (default)", () => {
    for (const s of [409, 422, 499, 580, 599, 605, 699]) expect(sipStatusToQsig(s)).toMatchObject({ qsigCause: 31, isDefault: true });
  });
});

function msg(type: Q931Message["messageType"], cause?: number, location = 1): Q931Message {
  return { protocolDiscriminator: 8, callReference: { length: 2, value: 5, flag: false }, messageType: type, ies: cause === undefined ? [] : [ie("cause", { codingStandard: 0, location, value: cause, diagnostics: new Uint8Array(0) })] };
}

describe("QSIG clearing -> SIP (RFC 4497 §8.4.1)", () => {
  it("cases 1-4 by the state of the SIP leg", () => {
    expect(qsigClearingToSip(msg("DISCONNECT", 16), "confirmed")).toEqual({ action: "bye", ref: "RFC 4497 §8.4.1 1)" });
    expect(qsigClearingToSip(msg("RELEASE", 16), "awaiting-ack")).toEqual({ action: "bye-after-ack", ref: "RFC 4497 §8.4.1 2)" });
    expect(qsigClearingToSip(msg("DISCONNECT", 17), "invite-sent-provisional")).toEqual({ action: "cancel", ref: "RFC 4497 §8.4.1 3)" });
    expect(qsigClearingToSip(msg("RELEASE COMPLETE", 17), "invite-sent-no-response")).toEqual({ action: "await-response", ref: "RFC 4497 §8.4.1 4)" });
  });
  it("case 5: a final response from the cause, 500 without one", () => {
    expect(qsigClearingToSip(msg("DISCONNECT", 17), "invite-received")).toMatchObject({ action: "final-response", sipStatus: 486 });
    expect(qsigClearingToSip(msg("RELEASE COMPLETE", 21, 0), "invite-received")).toMatchObject({ action: "final-response", sipStatus: 603 });
    expect(qsigClearingToSip(msg("RELEASE COMPLETE", 34), "invite-received")).toMatchObject({ action: "final-response", sipStatus: 503 });
    expect(qsigClearingToSip(msg("RELEASE COMPLETE"), "invite-received")).toMatchObject({ action: "final-response", sipStatus: 500, isDefault: true });
    expect(clearingCause(msg("DISCONNECT"))).toBe(31);
    expect(clearingCause(msg("DISCONNECT", 17))).toBe(17);
  });
  it("works on a decoded DISCONNECT from the wire", () => {
    const d = decodeQ931(Uint8Array.from([0x08, 0x02, 0x80, 0x05, 0x45, 0x08, 0x02, 0x81, 0x91]));
    if (!d.ok) throw new Error(d.error.reason);
    expect(qsigClearingToSip(d.value, "invite-received")).toMatchObject({ sipStatus: 486 });
  });
});

describe("SIP clearing -> QSIG DISCONNECT (RFC 4497 §8.4.2-§8.4.5)", () => {
  it("BYE and CANCEL: cause 16", () => {
    expect(sipRequestClearingToQsig("BYE")).toEqual({ cause: 16, ref: "RFC 4497 §8.4.2" });
    expect(sipRequestClearingToQsig("CANCEL")).toEqual({ cause: 16, ref: "RFC 4497 §8.4.3" });
  });
  it("final responses by Table 2, with location", () => {
    expect(sipFinalToQsig(486)).toEqual({ cause: 17, location: 5, ref: "RFC 4497 §8.4.4 Table 2" });
    expect(sipFinalToQsig(603)).toEqual({ cause: 21, location: 0, ref: "RFC 4497 §8.4.4 Table 2" });
    expect(sipFinalToQsig(487).cause).toBeNull();
    expect(() => sipFinalToQsig(200)).toThrow(RangeError);
  });
  it("gateway-initiated clearing (§8.4.5)", () => {
    expect(gatewayClearing("qsig-t301")).toMatchObject({ sipStatus: 480 });
    expect(gatewayClearing("qsig-timer")).toMatchObject({ sipStatus: 408 });
    expect(gatewayClearing("qsig-restart")).toMatchObject({ sipStatus: 500 });
    expect(gatewayClearing("qsig-error")).toMatchObject({ sipStatus: 500 });
    expect(gatewayClearing("sip-timer")).toMatchObject({ qsigCause: 102 });
    expect(gatewayClearing("sip-error")).toMatchObject({ qsigCause: 41 });
  });
});
