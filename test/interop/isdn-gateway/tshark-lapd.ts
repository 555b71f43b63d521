/**
 * tshark as the oracle for every frame the gateway sends on a D-channel: the
 * LAPD address (SAPI, C/R, TEI: Q.921 §3.3), the control field (frame kind,
 * N(S), N(R), P/F: Q.921 §3.4-§3.6) and, for I frames, the Q.931 message
 * (message type, call reference and flag, channel, cause, numbers, call
 * state, restart indicator, progress, QSIG names) are compared field by field
 * with what our own decoders say was meant; tshark must report no malformed
 * packet and no expert warning.
 */
import { toHex } from "../../../src/core/bytes.js";
import type { DChannelFrame } from "../../../src/cli/isdn-card-channel.js";
import { field, fieldValues, tsharkDecodeLapd } from "../../../src/isdn/q921/tshark-oracle.test-support.js";
import type { PdmlPacket } from "../../../src/isdn/q921/tshark-oracle.test-support.js";
import { decodeLapdFrame } from "../../../src/isdn/q921/codec/lapd-frame.js";
import type { LapdFrame } from "../../../src/isdn/q921/codec/lapd-frame.js";
import { messageTypeCode } from "../../../src/isdn/q931/codec/message-types.js";
import { decodeQ931, findIe } from "../../../src/isdn/q931/codec/q931-codec.js";
import type { Q931Message } from "../../../src/isdn/q931/codec/q931-codec.js";
import { decodeQsigFacility, operationsOf } from "../../../src/isdn/qsig/facility.js";
import { nameText } from "../../../src/isdn/qsig/names.js";

export interface OracleReport {
  /** One line per frame: "SABME", "I 3/5 SETUP cr=1" ... */
  readonly frames: string[];
  readonly mismatches: string[];
}

/** How tshark's "Control field:" text reads for a frame (P/F shown as "P" for both). */
function controlText(f: LapdFrame): string {
  const c = f.control;
  switch (c.format) {
    case "I":
      return `I${c.pf ? " P" : ""}, N(R)=${c.nr}, N(S)=${c.ns}`;
    case "S":
      return `S${c.pf ? " P" : ""}, func=${c.type}, N(R)=${c.nr}`;
    case "U":
      return `U${c.pf ? " P" : ""}, func=${c.type}`;
    default:
      return "undefined";
  }
}

function hex2(v: number): string {
  return `0x${v.toString(16).padStart(2, "0")}`;
}

function compareQ931(p: PdmlPacket, m: Q931Message, out: string[], label: string): void {
  const eq = (what: string, got: unknown, want: unknown): void => {
    if (JSON.stringify(got) !== JSON.stringify(want)) out.push(`${label}: ${what}: tshark ${JSON.stringify(got)}, meant ${JSON.stringify(want)}`);
  };
  eq("message type", Number(field(p, "q931.message_type")), messageTypeCode(m.messageType));
  eq("call reference", parseInt((field(p, "q931.call_ref") ?? "").replace(/:/g, ""), 16), m.callReference.value);
  eq("call reference flag", field(p, "q931.call_ref_flag"), m.callReference.flag ? "1" : "0");
  eq("channel", fieldValues(p, "q931.channel.number").map(Number), [...(findIe(m, "channelIdentification")?.channels?.numbers ?? [])]);
  const ci = findIe(m, "channelIdentification");
  eq("channel exclusive", field(p, "q931.channel.exclusive"), ci ? (ci.exclusive ? "1" : "0") : undefined);
  eq("cause", field(p, "q931.cause_value"), findIe(m, "cause")?.value.toString());
  eq("cause location", field(p, "q931.cause_location"), findIe(m, "cause")?.location.toString());
  eq("called number", field(p, "q931.called_party_number.digits"), findIe(m, "calledPartyNumber")?.digits);
  eq("calling number", field(p, "q931.calling_party_number.digits"), findIe(m, "callingPartyNumber")?.digits);
  eq("connected number", field(p, "q931.connected_number.digits"), findIe(m, "connectedNumber")?.digits);
  const cs = findIe(m, "callState");
  eq("call state", field(p, "q931.call_state"), cs ? hex2(cs.value) : undefined);
  const ri = findIe(m, "restartIndicator");
  eq("restart indicator", field(p, "q931.restart_indicator"), ri ? hex2(ri.restartClass) : undefined);
  const pi = findIe(m, "progressIndicator");
  eq("progress description", field(p, "q931.progress_indicator.description"), pi ? hex2(pi.description) : undefined);
  const fac = findIe(m, "facility");
  if (fac) {
    const d = decodeQsigFacility(fac);
    const names = d.ok ? operationsOf(d.value).flatMap((o) => ("name" in o.argument ? [nameText(o.argument.name)] : [])) : [];
    eq("QSIG names", fieldValues(p, "qsig.na.namePresentationAllowedSimple"), names);
  }
}

/** Decode every frame the gateway sent with tshark and compare. */
export function tsharkCompare(frames: readonly DChannelFrame[]): OracleReport {
  const sent = frames.filter((f) => f.direction === "tx");
  // The two FCS placeholder octets are the card's; tshark gets the frame without them.
  const packets = tsharkDecodeLapd(sent.map((f) => f.frame.subarray(0, f.frame.length - 2)));
  const lines: string[] = [];
  const mismatches: string[] = [];
  sent.forEach((f, i) => {
    const p = packets[i] ?? [];
    const label = `frame ${i} (${toHex(f.frame)})`;
    const d = decodeLapdFrame(f.frame);
    if (!d.ok) {
      mismatches.push(`${label}: our own decoder refuses it: ${d.error.reason}`);
      return;
    }
    const l = d.value;
    const eq = (what: string, got: unknown, want: unknown): void => {
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${label}: ${what}: tshark ${JSON.stringify(got)}, meant ${JSON.stringify(want)}`);
    };
    eq("SAPI", field(p, "lapd.sapi"), String(l.sapi));
    eq("TEI", field(p, "lapd.tei"), String(l.tei));
    eq("C/R", field(p, "lapd.cr"), String(l.cr));
    const ctl = p.find((x) => x.name === "lapd.control")?.showname.replace(/^Control field: /, "").replace(/ \(0x[0-9a-f]+\)$/i, "");
    eq("control", ctl, controlText(l));
    let line = controlText(l).replace(/, /g, " ");
    if (l.control.format === "I") {
      const m = decodeQ931(l.info);
      if (!m.ok) mismatches.push(`${label}: Q.931 does not decode: ${m.error.reason}`);
      else {
        compareQ931(p, m.value, mismatches, label);
        line = `I ${String(m.value.messageType)} cr=${m.value.callReference.value}${m.value.callReference.flag ? "'" : ""}`;
      }
    }
    const bad = p.filter((x) => x.name === "_ws.malformed" || x.name === "_ws.expert");
    if (bad.length > 0) mismatches.push(`${label}: tshark reports ${bad.map((b) => b.showname).join("; ")}`);
    lines.push(line);
  });
  return { frames: lines, mismatches };
}
