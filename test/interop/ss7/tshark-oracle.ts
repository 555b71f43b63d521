/**
 * tshark as the oracle for what the gateway put on the signalling link
 * (PEERS.md): every ISUP MSU it sent is written as an MTP2 frame (FCS
 * placeholder removed) into a pcap (`text2pcap -l 140`) and decoded by
 * tshark; MTP2 (Q.703 §2.3: LI), MTP3 (Q.704 §14.2: SIO, routing label) and
 * ISUP (Q.763: CIC, message type, parameter codes, and the fields below) are
 * compared one by one with what was meant: the label and SLS our
 * configuration and Q.704 §2.2.3 call for, and the message ISUP encoded.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toHex } from "../../../src/core/bytes.js";
import type { SignallingFrame } from "../../../src/cli/ss7-card-channel.js";
import type { IsupMessage } from "../../../src/ss7/isup/codec/index.js";
import { decodeIsup, isDecoded } from "../../../src/ss7/isup/codec/index.js";
import { profileOf } from "../../../src/ss7/isup/codec/profiles.js";

export const TSHARK_MISSING = ["tshark", "text2pcap"].filter((c) => spawnSync(c, ["--version"], { stdio: "ignore", timeout: 10_000 }).status !== 0);

const FIELDS = [
  "mtp2.li",
  "mtp3.service_indicator",
  "mtp3.network_indicator",
  "mtp3.opc",
  "mtp3.dpc",
  "mtp3.sls",
  "isup.cic",
  "isup.message_type",
  "isup.parameter_type",
  "isup.called",
  "isup.calling",
  "isup.cause_indicator",
  "isup.calling_partys_category",
  "isup.transmission_medium_requirement",
  "isup.continuity_check_indicator",
  "isup.forw_call_isdn_user_part_indicator",
  "isup.called_partys_status_indicator",
  "isup.charge_indicator",
  "isup.range_indicator",
  "isup.cgs_message_type",
  "isup.bitbucket",
  "_ws.malformed",
  "_ws.expert.message",
] as const;
type Field = (typeof FIELDS)[number];

/** Expert notes tshark adds to well-formed messages. */
const BENIGN_EXPERT = new Set(["No optional parameters are possible with this message type", "Status subfield is not present with this message type"]);

/** An ISUP message the gateway sent, as it left on the link. */
export interface SentIsup {
  readonly frame: Uint8Array;
  /** MTP2 forward sequence number: a retransmission repeats it (Q.703 §5.2). */
  readonly fsn: number;
  /** SIO + routing label + ISUP, as MTP3 put it in the signal unit. */
  readonly sio: number;
  readonly opc: number;
  readonly dpc: number;
  readonly sls: number;
  readonly message: IsupMessage;
}

/** The ISUP MSUs (SI 5) among frames the gateway sent, decoded with our codec (ITU label: Q.704 §2.2). */
export function sentIsup(frames: readonly SignallingFrame[]): SentIsup[] {
  const out: SentIsup[] = [];
  for (const f of frames) {
    if (f.direction !== "tx") continue;
    const su = f.frame.subarray(0, f.frame.length - 2);
    if (su.length < 3 || ((su[2] as number) & 0x3f) < 3) continue; // FISU or LSSU (Q.703 §2.3.3)
    const sio = su[3] as number;
    if ((sio & 0x0f) !== 5) continue;
    const label = su.subarray(4, 8);
    const word = (label[0] as number) | ((label[1] as number) << 8) | ((label[2] as number) << 16) | ((label[3] as number) << 24);
    const r = decodeIsup(su.subarray(8), { variant: "itu" });
    if (!r.ok) throw new Error(`the gateway sent ISUP our own codec cannot decode: ${r.error.reason} (${toHex(su)})`);
    out.push({ frame: su, fsn: (su[1] as number) & 0x7f, sio, dpc: word & 0x3fff, opc: (word >>> 14) & 0x3fff, sls: (word >>> 28) & 0x0f, message: r.value });
  }
  return out;
}

function statusOctets(status: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < status.length; i += 8) {
    let v = 0;
    for (let j = 0; j < 8 && i + j < status.length; j++) if (status[i + j] === "1") v |= 1 << j;
    out.push(String(v));
  }
  return out;
}

/** What tshark must show for one sent message: from the signal unit's length, the expected label, and the message meant. */
export function expectedFields(s: SentIsup, label: { opc: number; dpc: number; ni: number }): Partial<Record<Field, string>> {
  const m = s.message;
  const profile = profileOf("itu");
  const cm = profile.messagesByMnemonic.get(m.messageType);
  if (!cm) throw new Error(`message ${m.messageType} is not in the ITU profile`);
  const out: Partial<Record<Field, string>> = {
    "mtp2.li": String(Math.min(63, s.frame.length - 3)),
    "mtp3.service_indicator": "0x05",
    "mtp3.network_indicator": `0x${label.ni.toString(16).padStart(2, "0")}`,
    "mtp3.opc": String(label.opc),
    "mtp3.dpc": String(label.dpc),
    // Q.764 §2.9.1 / Q.704 §2.2.3: the SLS is the 4 least significant bits of the CIC.
    "mtp3.sls": String((m.cic ?? 0) & 0x0f),
    "isup.cic": String(m.cic),
    "isup.message_type": String(cm.def.code),
    "_ws.malformed": "",
  };
  const add = (f: Field, v: string): void => {
    out[f] = out[f] === undefined ? v : `${out[f]},${v}`;
  };
  const codes: number[] = [];
  for (const p of m.parameters) {
    const def = profile.parametersByName.get(p.name);
    codes.push(def ? def.code : (p as { code: number }).code);
    if (!isDecoded(p)) continue;
    const v = p.value;
    switch (p.name) {
      case "calledPartyNumber":
        add("isup.called", String(v["digits"]));
        break;
      case "callingPartyNumber":
        add("isup.calling", String(v["digits"]));
        break;
      case "causeIndicators":
        add("isup.cause_indicator", String(v["causeValue"]));
        break;
      case "callingPartysCategory":
        add("isup.calling_partys_category", `0x${(v["callingPartysCategory"] as number).toString(16).padStart(2, "0")}`);
        break;
      case "transmissionMediumRequirement":
        add("isup.transmission_medium_requirement", String(v["transmissionMediumRequirement"]));
        break;
      case "natureOfConnectionIndicators":
        add("isup.continuity_check_indicator", `0x${(v["continuityCheckIndicator"] as number).toString(16).padStart(2, "0")}`);
        break;
      case "forwardCallIndicators":
        add("isup.forw_call_isdn_user_part_indicator", String(v["isdnUserPartIndicator"]));
        break;
      case "backwardCallIndicators":
        add("isup.charge_indicator", `0x${(v["chargeIndicator"] as number).toString(16).padStart(4, "0")}`);
        add("isup.called_partys_status_indicator", `0x${(v["calledPartysStatusIndicator"] as number).toString(16).padStart(4, "0")}`);
        break;
      case "rangeAndStatus":
        // tshark shows the number of circuits, range + 1 (Q.763 §3.43 a)), and each status octet.
        add("isup.range_indicator", String((v["range"] as number) + 1));
        if (typeof v["status"] === "string") for (const o of statusOctets(v["status"])) add("isup.bitbucket", o);
        break;
      case "circuitGroupSupervisionMessageType":
        add("isup.cgs_message_type", String(v["typeIndicator"]));
        break;
    }
  }
  if (cm.def.optionalPart && (m.parameters.length > cm.fixed.length + cm.variable.length || m.emptyOptionalPart === true)) codes.push(0);
  out["isup.parameter_type"] = codes.join(",");
  return out;
}

export interface OracleReport {
  /** One line per message: "CIC n MSG" */
  readonly messages: string[];
  /** Every field where tshark and the meaning differ: empty when they agree. */
  readonly mismatches: string[];
}

/** Decode `sent` with tshark and compare field by field. */
export function tsharkCompare(sent: readonly SentIsup[], label: { opc: number; dpc: number; ni: number }): OracleReport {
  if (sent.length === 0) return { messages: [], mismatches: ["no ISUP message was sent"] };
  const dir = mkdtempSync(join(tmpdir(), "ss7-oracle-"));
  try {
    const txt = join(dir, "sent.txt");
    const pcap = join(dir, "sent.pcap");
    writeFileSync(txt, sent.map((s) => `0000 ${toHex(s.frame, " ")}\n`).join(""));
    const t2p = spawnSync("text2pcap", ["-q", "-l", "140", txt, pcap], { encoding: "utf8", timeout: 20_000 });
    if (t2p.status !== 0) throw new Error(`text2pcap failed: ${t2p.stderr}`);
    const args = ["-r", pcap, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-E", "separator=/t"];
    for (const f of FIELDS) args.push("-e", f);
    const ts = spawnSync("tshark", args, { encoding: "utf8", timeout: 60_000 });
    if (ts.status !== 0) throw new Error(`tshark failed: ${ts.stderr}`);
    const lines = ts.stdout.split("\n").filter((l) => l.length > 0);
    const mismatches: string[] = [];
    if (lines.length !== sent.length) mismatches.push(`tshark decoded ${lines.length} frames, ${sent.length} were written`);
    sent.forEach((s, i) => {
      const cols = (lines[i] ?? "").split("\t");
      const seen = new Map(FIELDS.map((f, k) => [f, cols[k] ?? ""]));
      const want = expectedFields(s, label);
      const where = `#${i} CIC ${s.message.cic} ${s.message.messageType}`;
      for (const f of FIELDS) {
        if (f === "_ws.expert.message") continue;
        const w = want[f] ?? "";
        const g = seen.get(f) ?? "";
        if (w !== g) mismatches.push(`${where}: ${f}: tshark ${JSON.stringify(g)}, meant ${JSON.stringify(w)}`);
      }
      const notes = (seen.get("_ws.expert.message") ?? "").split(",").filter((n) => n.length > 0 && !BENIGN_EXPERT.has(n));
      if (notes.length > 0) mismatches.push(`${where}: tshark notes ${JSON.stringify(notes)}`);
    });
    return { messages: sent.map((s) => `CIC ${s.message.cic} ${s.message.messageType}`), mismatches };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
