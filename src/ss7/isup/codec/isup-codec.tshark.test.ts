/**
 * tshark as the oracle (PEERS.md): every message type of both variants,
 * built from the tables (samples.ts) and encoded here, is written behind an
 * MTP3 routing label into a pcap (`text2pcap -l 141`) and decoded by tshark;
 * the fields tshark reports are compared one by one with the message we
 * meant. The vectors in vectors/ go through the same check, and a SIP-T body
 * (RFC 3204) is checked inside a SIP INVITE over UDP.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ByteWriter, fromHex, toHex } from "../../../core/bytes.js";
import type { FieldValues } from "./field-codecs.js";
import { decodeIsup, encodeIsup } from "./isup-codec.js";
import { profileOf } from "./profiles.js";
import { allSampleMessages, sampleMessage } from "./samples.js";
import type { IsupMessage, IsupVariant } from "./types.js";
import { isDecoded } from "./types.js";

function have(cmd: string): boolean {
  const r = spawnSync(cmd, ["--version"], { stdio: "ignore", timeout: 10_000 });
  return r.status === 0;
}
const missing = ["tshark", "text2pcap"].filter((c) => !have(c));
const skip = missing.length > 0 && !process.env["CI"];
if (skip) console.warn(`isup-codec tshark oracle skipped: ${missing.join(", ")} not installed (apt-get install tshark)`);

const dir = skip ? "" : mkdtempSync(join(tmpdir(), "isup-tshark-"));
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** SIO (national, ISUP) and a routing label: ITU 4 octets, ANSI 7 (3-octet point codes + SLS). */
const LABEL: Record<IsupVariant, string> = { itu: "85 01 00 00 00", ansi: "85 01 00 00 02 00 00 00" };

const FIELDS = [
  "isup.cic",
  "isup.message_type",
  "isup.parameter_type",
  "isup.called",
  "isup.calling",
  "isup.cause_indicator",
  "ansi_isup.cause_indicator",
  "isup.calling_partys_category",
  "isup.transmission_medium_requirement",
  "isup.hop_counter",
  "isup.propagation_delay_counter",
  "isup.subsequent_number",
  "isup.connected_number",
  "isup.event_ind",
  "isup.range_indicator",
  "isup.cgs_message_type",
  "isup.continuity_indicator",
  "isup.suspend_resume_indicator",
  "isup.call_identity",
  "isup.automatic_congestion_level",
  "isup.satellite_indicator",
  "isup.echo_control_device_indicator",
  "isup.charge_indicator",
  "isup.inband_information_ind",
  "isup.charge_number",
  "isup.jurisdiction",
  "isup.upgraded_parameter",
  "isup.user_service_information",
  "isup.originating_line_info",
  "isup.continuity_check_indicator",
  "isup.forw_call_natnl_inatnl_call_indicator",
  "isup.forw_call_end_to_end_method_indicator",
  "isup.forw_call_interworking_indicator",
  "isup.forw_call_isdn_user_part_indicator",
  "isup.forw_call_preferences_indicator",
  "isup.forw_call_isdn_access_indicator",
  "isup.forw_call_sccp_method_indicator",
  "isup.called_party_nature_of_address_indicator",
  "isup.inn_indicator",
  "isup.calling_party_address_request_indicator",
  "isup.calling_partys_category_request_indicator",
  "isup.calling_party_address_response_indicator",
  "isup.solicited_indicator",
  "isup.called_partys_status_indicator",
  "isup.called_partys_category_indicator",
  "isup.backw_call_isdn_user_part_indicator",
  "isup.backw_call_isdn_access_indicator",
  "isup.backw_call_echo_control_device_indicator",
  "_ws.malformed",
  "_ws.expert.message",
] as const;
type Field = (typeof FIELDS)[number];

/** Expert notes tshark adds for well-formed messages. */
const BENIGN_EXPERT = new Set([
  "No optional parameters are possible with this message type",
  "Status subfield is not present with this message type",
  "Format is a national matter",
]);

function runTshark(variant: IsupVariant, packets: readonly Uint8Array[], name: string): Map<Field, string>[] {
  const txt = join(dir, `${name}.txt`);
  const pcap = join(dir, `${name}.pcap`);
  writeFileSync(txt, packets.map((p) => `0000 ${LABEL[variant]} ${toHex(p, " ")}\n`).join(""));
  const t2p = spawnSync("text2pcap", ["-q", "-l", "141", txt, pcap], { encoding: "utf8", timeout: 20_000 });
  expect(t2p.status, t2p.stderr).toBe(0);
  const args = ["-r", pcap, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-E", "separator=/t"];
  if (variant === "ansi") args.push("-o", "mtp3.standard:ANSI");
  for (const f of FIELDS) args.push("-e", f);
  const ts = spawnSync("tshark", args, { encoding: "utf8", timeout: 60_000 });
  expect(ts.status, ts.stderr).toBe(0);
  const lines = ts.stdout.split("\n").filter((l) => l.length > 0);
  expect(lines.length).toBe(packets.length);
  return lines.map((l) => {
    const cols = l.split("\t");
    return new Map(FIELDS.map((f, i) => [f, cols[i] ?? ""]));
  });
}

const dec = (v: unknown): string => String(v);
const hex2 = (v: unknown): string => `0x${(v as number).toString(16).padStart(2, "0")}`;
const hex4 = (v: unknown): string => `0x${(v as number).toString(16).padStart(4, "0")}`;

/** Single bit fields tshark shows: its field, our parameter and field, its number format. */
const BIT_FIELDS: readonly [Field, string, string, (v: unknown) => string][] = [
  ["isup.continuity_check_indicator", "natureOfConnectionIndicators", "continuityCheckIndicator", hex2],
  ["isup.forw_call_natnl_inatnl_call_indicator", "forwardCallIndicators", "nationalInternationalCallIndicator", dec],
  ["isup.forw_call_end_to_end_method_indicator", "forwardCallIndicators", "endToEndMethodIndicator", hex4],
  ["isup.forw_call_interworking_indicator", "forwardCallIndicators", "interworkingIndicator", dec],
  ["isup.forw_call_isdn_user_part_indicator", "forwardCallIndicators", "isdnUserPartIndicator", dec],
  ["isup.forw_call_preferences_indicator", "forwardCallIndicators", "isdnUserPartPreferenceIndicator", hex4],
  ["isup.forw_call_isdn_access_indicator", "forwardCallIndicators", "isdnAccessIndicator", dec],
  ["isup.forw_call_sccp_method_indicator", "forwardCallIndicators", "sccpMethodIndicator", hex4],
  ["isup.called_party_nature_of_address_indicator", "calledPartyNumber", "natureOfAddressIndicator", dec],
  ["isup.inn_indicator", "calledPartyNumber", "internalNetworkNumberIndicator", dec],
  ["isup.calling_party_address_request_indicator", "informationRequestIndicators", "callingPartyAddressRequestIndicator", dec],
  ["isup.calling_partys_category_request_indicator", "informationRequestIndicators", "callingPartysCategoryRequestIndicator", dec],
  ["isup.calling_party_address_response_indicator", "informationIndicators", "callingPartyAddressResponseIndicator", hex4],
  ["isup.solicited_indicator", "informationIndicators", "solicitedInformationIndicator", dec],
  ["isup.called_partys_status_indicator", "backwardCallIndicators", "calledPartysStatusIndicator", hex4],
  ["isup.called_partys_category_indicator", "backwardCallIndicators", "calledPartysCategoryIndicator", hex4],
  ["isup.backw_call_isdn_user_part_indicator", "backwardCallIndicators", "isdnUserPartIndicator", dec],
  ["isup.backw_call_isdn_access_indicator", "backwardCallIndicators", "isdnAccessIndicator", dec],
  ["isup.backw_call_echo_control_device_indicator", "backwardCallIndicators", "echoControlDeviceIndicator", dec],
];

function paramContentHex(variant: IsupVariant, name: string, value: FieldValues): string {
  const def = profileOf(variant).parametersByName.get(name);
  if (!def?.codec) throw new Error(`no layout for ${name}`);
  const w = new ByteWriter();
  def.codec.encode(value, w, name);
  return toHex(w.finish());
}

/** What tshark should report for a message, field by field. */
function expected(variant: IsupVariant, m: IsupMessage): Partial<Record<Field, string>> {
  const profile = profileOf(variant);
  const cm = profile.messagesByMnemonic.get(m.messageType);
  const code = cm ? cm.def.code : (m.messageTypeCode as number);
  const out: Partial<Record<Field, string>> = { "isup.cic": String(m.cic), "_ws.malformed": "" };
  if (m.messageType === "PAM" && m.body !== undefined) {
    // tshark dissects the embedded message too.
    out["isup.message_type"] = `${code},${parseInt(m.body.slice(0, 2), 16)}`;
    return out;
  }
  out["isup.message_type"] = String(code);
  if (!cm || cm.def.opaqueBody) return out;
  const codes: number[] = [];
  const add = (f: Field, v: string): void => {
    out[f] = out[f] === undefined ? v : `${out[f]},${v}`;
  };
  for (const p of m.parameters) {
    const def = profile.parametersByName.get(p.name);
    codes.push(def ? def.code : (p as { code: number }).code);
    if (!isDecoded(p)) continue;
    const v = p.value;
    const n = (k: string): string => String(v[k]);
    for (const [tf, param, key, fmt] of BIT_FIELDS) if (param === p.name) add(tf, fmt(v[key]));
    switch (p.name) {
      case "calledPartyNumber":
        add("isup.called", n("digits"));
        break;
      case "callingPartyNumber":
        add("isup.calling", n("digits"));
        break;
      case "causeIndicators":
        add(variant === "ansi" ? "ansi_isup.cause_indicator" : "isup.cause_indicator", n("causeValue"));
        break;
      case "callingPartysCategory":
        add("isup.calling_partys_category", `0x${(v["callingPartysCategory"] as number).toString(16).padStart(2, "0")}`);
        break;
      case "transmissionMediumRequirement":
        add("isup.transmission_medium_requirement", n("transmissionMediumRequirement"));
        break;
      case "hopCounter":
        add("isup.hop_counter", n("hopCounter"));
        break;
      case "propagationDelayCounter":
        add("isup.propagation_delay_counter", n("propagationDelayValue"));
        break;
      case "subsequentNumber":
        add("isup.subsequent_number", n("digits"));
        break;
      case "connectedNumber":
        add("isup.connected_number", n("digits"));
        break;
      case "eventInformation":
        add("isup.event_ind", n("eventIndicator"));
        break;
      case "rangeAndStatus":
        // tshark shows the number of circuits, range + 1 (Q.763 §3.43 a)).
        add("isup.range_indicator", String((v["range"] as number) + 1));
        break;
      case "circuitGroupSupervisionMessageType":
        add("isup.cgs_message_type", n("typeIndicator"));
        break;
      case "continuityIndicators":
        add("isup.continuity_indicator", n("continuityIndicator"));
        break;
      case "suspendResumeIndicators":
        add("isup.suspend_resume_indicator", n("suspendResumeIndicator"));
        break;
      case "callReference":
        // tshark 4.0 shows the call reference point code read big-endian in
        // its field (its item text reads it little-endian, as Q.763 §3.8);
        // the call identity is compared here, the point code by the vectors.
        add("isup.call_identity", n("callIdentity"));
        break;
      case "automaticCongestionLevel":
        add("isup.automatic_congestion_level", n("automaticCongestionLevel"));
        break;
      case "natureOfConnectionIndicators":
        add("isup.satellite_indicator", `0x${(v["satelliteIndicator"] as number).toString(16).padStart(2, "0")}`);
        add("isup.echo_control_device_indicator", n("echoControlDeviceIndicator"));
        break;
      case "backwardCallIndicators":
        add("isup.charge_indicator", `0x${(v["chargeIndicator"] as number).toString(16).padStart(4, "0")}`);
        break;
      case "optionalBackwardCallIndicators":
        add("isup.inband_information_ind", n("inBandInformationIndicator"));
        break;
      case "chargeNumber":
        add("isup.charge_number", n("digits"));
        break;
      case "jurisdictionInformation":
        add("isup.jurisdiction", n("digits"));
        break;
      case "originatingLineInformation":
        add("isup.originating_line_info", n("originatingLineInformation"));
        break;
      case "parameterCompatibilityInformation":
        for (const i of v["instructions"] as readonly FieldValues[]) add("isup.upgraded_parameter", String(i["parameterCode"]));
        break;
      case "userServiceInformation":
        add("isup.user_service_information", paramContentHex(variant, p.name, v));
        break;
    }
  }
  const hasOptional = cm.def.optionalPart && (m.parameters.length > cm.fixed.length + cm.variable.length || m.emptyOptionalPart === true);
  if (hasOptional) codes.push(0);
  out["isup.parameter_type"] = codes.join(",");
  return out;
}

function compare(variant: IsupVariant, m: IsupMessage, got: Map<Field, string>, what: string): void {
  const want = expected(variant, m);
  for (const f of FIELDS) {
    if (f === "_ws.expert.message") continue;
    const w = want[f] ?? "";
    expect(got.get(f), `${what}: tshark field ${f}`).toBe(w);
  }
  const expert = (got.get("_ws.expert.message") ?? "").split(",").filter((s) => s.length > 0);
  // tshark 4.0 has no dissector for the ANSI exit message's body.
  const unknownOk = variant === "ansi" && m.messageType === "EXM";
  for (const e of expert) {
    if (unknownOk && e.startsWith("Unknown Message type")) continue;
    expect(BENIGN_EXPERT.has(e), `${what}: tshark expert note "${e}"`).toBe(true);
  }
}

describe.each(["itu", "ansi"] as const)("tshark decodes what we encode (%s)", (variant) => {
  it.skipIf(skip)(`every ${variant} message type, field by field`, () => {
    if (missing.length) throw new Error(`tshark oracle needs ${missing.join(", ")}`);
    const messages = allSampleMessages(variant, variant === "itu" ? 4095 : 16383).concat(allSampleMessages(variant, 1));
    const packets = messages.map((m) => encodeIsup(m, { variant }));
    const rows = runTshark(variant, packets, `samples-${variant}`);
    expect(profileOf(variant).messages.length * 2).toBe(rows.length);
    messages.forEach((m, i) => compare(variant, m, rows[i] as Map<Field, string>, `${m.messageType} cic ${m.cic}`));
  });
});

/** The call-setup messages again with other values in every field tshark shows. */
function alternateMessages(variant: IsupVariant): IsupMessage[] {
  const set = (m: IsupMessage, name: string, value: FieldValues): IsupMessage => ({
    ...m,
    parameters: m.parameters.map((p) => (p.name === name && isDecoded(p) ? { name, value: { ...p.value, ...value } } : p)),
  });
  let iam = sampleMessage(variant, "IAM", 2);
  iam = set(iam, "natureOfConnectionIndicators", { satelliteIndicator: 2, continuityCheckIndicator: 1, echoControlDeviceIndicator: 0 });
  iam = set(iam, "forwardCallIndicators", {
    nationalInternationalCallIndicator: 1,
    endToEndMethodIndicator: 2,
    interworkingIndicator: 1,
    endToEndInformationIndicator: 1,
    isdnUserPartIndicator: 0,
    isdnUserPartPreferenceIndicator: 2,
    isdnAccessIndicator: 0,
    sccpMethodIndicator: 3,
  });
  iam = set(iam, "calledPartyNumber", { natureOfAddressIndicator: 4, internalNetworkNumberIndicator: 1, digits: "4420794601" });
  let acm = sampleMessage(variant, "ACM", 3);
  acm = set(acm, "backwardCallIndicators", {
    chargeIndicator: 1,
    calledPartysStatusIndicator: 2,
    calledPartysCategoryIndicator: 2,
    isdnUserPartIndicator: 0,
    isdnAccessIndicator: 0,
    echoControlDeviceIndicator: 1,
  });
  let inr = sampleMessage(variant, "INR", 4);
  inr = set(inr, "informationRequestIndicators", { callingPartyAddressRequestIndicator: 0, callingPartysCategoryRequestIndicator: 0 });
  let inf = sampleMessage(variant, "INF", 5);
  inf = set(inf, "informationIndicators", { callingPartyAddressResponseIndicator: 1, solicitedInformationIndicator: 0 });
  let rel = sampleMessage(variant, "REL", 6);
  rel = set(rel, "causeIndicators", { location: 4, causeValue: 34 });
  return [iam, acm, inr, inf, rel];
}

describe.each(["itu", "ansi"] as const)("tshark reads every field where we put it (%s)", (variant) => {
  it.skipIf(skip)("call-setup messages with other values", () => {
    if (missing.length) throw new Error(`tshark oracle needs ${missing.join(", ")}`);
    const messages = alternateMessages(variant);
    const rows = runTshark(variant, messages.map((m) => encodeIsup(m, { variant })), `alternate-${variant}`);
    messages.forEach((m, i) => compare(variant, m, rows[i] as Map<Field, string>, `${m.messageType} (alternate values)`));
  });
});

interface Vector {
  readonly description: string;
  readonly source: string;
  readonly variant: IsupVariant;
  readonly sipt?: boolean;
  readonly hex: string;
  readonly decoded?: IsupMessage;
  readonly notes?: readonly { readonly message: string }[];
  readonly error?: string;
}

const vectorDir = join(import.meta.dirname, "vectors");
const vectors: { file: string; v: Vector }[] = readdirSync(vectorDir)
  .filter((f) => f.endsWith(".json"))
  .map((file) => ({ file, v: JSON.parse(readFileSync(join(vectorDir, file), "utf8")) as Vector }));

describe("tshark agrees with the vectors", () => {
  it.skipIf(skip)("every decodable MTP3 vector", () => {
    if (missing.length) throw new Error(`tshark oracle needs ${missing.join(", ")}`);
    for (const variant of ["itu", "ansi"] as const) {
      // Left out: unrecognised messages (tshark cannot know them either) and
      // vectors with a deliberately malformed optional parameter, at which
      // tshark stops dissecting.
      const list = vectors.filter(
        ({ v }) =>
          v.variant === variant &&
          !v.sipt &&
          v.decoded !== undefined &&
          v.decoded.messageType !== "unrecognised" &&
          !(v.notes ?? []).some((n) => n.message.startsWith("content error")),
      );
      if (list.length === 0) continue;
      const rows = runTshark(
        variant,
        list.map(({ v }) => fromHex(v.hex) as Uint8Array),
        `vectors-${variant}`,
      );
      list.forEach(({ file, v }, i) => compare(variant, v.decoded as IsupMessage, rows[i] as Map<Field, string>, file));
    }
  });
});

describe("tshark decodes a SIP-T body (RFC 3204)", () => {
  it.skipIf(skip)("an IAM carried as application/ISUP in an INVITE", () => {
    if (missing.length) throw new Error(`tshark oracle needs ${missing.join(", ")}`);
    const iam = sampleMessage("itu", "IAM");
    const body = encodeIsup(iam, { variant: "itu", sipt: true });
    const back = decodeIsup(body, { variant: "itu", sipt: true });
    expect(back.ok && back.value.messageType).toBe("IAM");
    const head =
      "INVITE sip:2125551234@127.0.0.1 SIP/2.0\r\n" +
      "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-isup-1\r\n" +
      "From: <sip:3125550100@127.0.0.1>;tag=1\r\nTo: <sip:2125551234@127.0.0.1>\r\n" +
      "Call-ID: isup-sipt-1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n" +
      "Content-Type: application/ISUP;version=itu-t92+\r\nContent-Disposition: signal;handling=required\r\n" +
      `Content-Length: ${body.length}\r\n\r\n`;
    const packet = new Uint8Array([...new TextEncoder().encode(head), ...body]);
    const txt = join(dir, "sipt.txt");
    const pcap = join(dir, "sipt.pcap");
    writeFileSync(txt, `0000 ${toHex(packet, " ")}\n`);
    const t2p = spawnSync("text2pcap", ["-q", "-4", "127.0.0.1,127.0.0.1", "-u", "5070,5060", txt, pcap], { encoding: "utf8", timeout: 20_000 });
    expect(t2p.status, t2p.stderr).toBe(0);
    const ts = spawnSync("tshark", ["-r", pcap, "-T", "fields", "-E", "separator=/t", "-e", "sip.Method", "-e", "isup.message_type", "-e", "isup.called", "-e", "isup.calling"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(ts.status, ts.stderr).toBe(0);
    expect(ts.stdout.trim().split("\t")).toEqual(["INVITE", "1", "2125551234", "3125550100"]);
  });
});
