import { describe, expect, it } from "vitest";
import { toHex } from "../../../core/bytes.js";
import { field, fieldValues, tsharkDecodeLapd, tsharkMissing } from "../../q921/tshark-oracle.test-support.js";
import { decodeQ931, findIe, ie, SENDING_COMPLETE } from "../codec/q931-codec.js";
import { messageTypeCode } from "../codec/message-types.js";
import { qsigFacilityOf } from "../../qsig/facility.js";
import { nameFromText } from "../../qsig/names.js";
import { harness } from "./test-harness.test-support.js";

const missing = tsharkMissing();
if (missing && !process.env.CI) console.warn(`call control tshark oracle skipped: ${missing}`);

const SPEECH = ie("bearerCapability", { codingStandard: 0, informationTransferCapability: 16, transferMode: 0, informationTransferRate: 0x10, layer1: { protocol: 3, additional: new Uint8Array(0) } });
const called = (digits: string) => ie("calledPartyNumber", { typeOfNumber: 2, numberingPlan: 1, digits });

describe("messages call control sends, against tshark", () => {
  it.skipIf(missing !== undefined && !process.env.CI)("tshark decodes every message kind we send to the same fields", () => {
    if (missing) throw new Error(`tshark oracle required in CI: ${missing}`);
    const h = harness();
    const r = h.A.setup([SPEECH, called("30")]);
    if (!r.ok) throw new Error(r.reason);
    h.clock.advance(2);
    const inc = h.ind.B.find((i) => i.primitive === "SETUP.ind")?.call;
    if (!inc) throw new Error("no SETUP.ind");
    inc.moreInfo();
    h.clock.advance(2);
    r.call.information([called("12"), SENDING_COMPLETE]);
    h.clock.advance(2);
    inc.proceeding();
    inc.progress([ie("progressIndicator", { codingStandard: 0, location: 1, description: 8 })]);
    inc.alerting([ie("facility", qsigFacilityOf([{ operation: "calledName", argument: { name: nameFromText("Bob"), sequence: false } }], 1))]);
    inc.connect([ie("connectedNumber", { typeOfNumber: 4, numberingPlan: 9, presentation: 0, screening: 3, digits: "201" })]);
    h.clock.advance(2);
    r.call.notify([ie("notificationIndicator", { description: 0, extension: new Uint8Array(0) })]);
    r.call.statusEnquiry();
    h.clock.advance(2);
    inc.disconnect(17);
    h.clock.advance(2);
    h.ind.A.find((i) => i.primitive === "DISCONNECT.ind")?.call.release();
    h.clock.advance(2);
    h.B.requestRestart([4]);
    h.A.requestRestart("all");
    h.clock.advance(5);
    const kinds = new Set(h.link.sent.map((b) => b[4]));
    // SETUP, SETUP ACK, INFORMATION, CALL PROC, PROGRESS, ALERTING, CONNECT, CONNECT ACK, NOTIFY,
    // STATUS ENQUIRY, STATUS, DISCONNECT, RELEASE, RELEASE COMPLETE, RESTART, RESTART ACK.
    expect(kinds.size).toBe(16);

    const packets = tsharkDecodeLapd(h.link.sent.map((m) => Uint8Array.from([0x00, 0x01, 0x00, 0x00, ...m])));
    h.link.sent.forEach((bytes, i) => {
      const d = decodeQ931(bytes);
      if (!d.ok) throw new Error(d.error.reason);
      const m = d.value;
      const p = packets[i] ?? [];
      const label = `${i}: ${toHex(bytes)}`;
      expect(Number(field(p, "q931.message_type")), label).toBe(messageTypeCode(m.messageType));
      expect(parseInt((field(p, "q931.call_ref") ?? "").replace(/:/g, ""), 16), label).toBe(m.callReference.value);
      expect(field(p, "q931.call_ref_flag"), label).toBe(m.callReference.flag ? "1" : "0");
      expect(fieldValues(p, "q931.channel.number").map(Number), label).toEqual([...(findIe(m, "channelIdentification")?.channels?.numbers ?? [])]);
      expect(field(p, "q931.cause_value"), label).toBe(findIe(m, "cause")?.value.toString());
      expect(field(p, "q931.called_party_number.digits"), label).toBe(findIe(m, "calledPartyNumber")?.digits);
      expect(field(p, "q931.connected_number.digits"), label).toBe(findIe(m, "connectedNumber")?.digits);
      const cs = findIe(m, "callState");
      expect(field(p, "q931.call_state"), label).toBe(cs ? `0x${cs.value.toString(16).padStart(2, "0")}` : undefined);
      const ri = findIe(m, "restartIndicator");
      expect(field(p, "q931.restart_indicator"), label).toBe(ri ? `0x${ri.restartClass.toString(16).padStart(2, "0")}` : undefined);
      const pi = findIe(m, "progressIndicator");
      expect(field(p, "q931.progress_indicator.description"), label).toBe(pi ? `0x${pi.description.toString(16).padStart(2, "0")}` : undefined);
      if (findIe(m, "facility")) expect(field(p, "qsig.na.namePresentationAllowedSimple"), label).toBe("Bob");
      expect(p.filter((f) => f.name === "_ws.malformed" || f.name === "_ws.expert"), label).toEqual([]);
    });
  });
});
