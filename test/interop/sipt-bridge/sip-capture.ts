/**
 * The SIP datagrams the relay recorded, read twice: by our parser (SIP
 * message, multipart body, application/ISUP part per RFC 3204) and by tshark
 * from a pcap made with text2pcap (PEERS.md). The two readings are put side
 * by side, one row per datagram, for the test to compare.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { toHex } from "../../../src/core/bytes.js";
import { readBodies } from "../../../src/interworking/sip-t/read-bodies.js";
import { parseSipMessage } from "../../../src/sip/syntax/parse-message.js";
import type { IsupMessage } from "../../../src/ss7/isup/codec/index.js";
import { decodeIsup } from "../../../src/ss7/isup/codec/index.js";
import type { RelayedDatagram } from "./sip-relay.js";

/** Q.763 Table 4 message type codes, as tshark prints isup.message_type. */
export const MESSAGE_TYPE_CODE: Readonly<Record<string, number>> = { IAM: 0x01, INR: 0x03, INF: 0x04, ACM: 0x06, CON: 0x07, ANM: 0x09, REL: 0x0c, CPG: 0x2c, USR: 0x2d, FAC: 0x33 };

/** Our reading of one datagram. */
export interface OurReading {
  readonly datagram: RelayedDatagram;
  /** "INVITE", "BYE", ... or the status code of a response. */
  readonly what: string;
  /** The method a response answers (CSeq, RFC 3261 §8.1.1.5). */
  readonly cseqMethod: string;
  readonly callId: string;
  /** The encapsulated ISUP message, when the datagram carried one. */
  readonly isup?: IsupMessage;
  /** Its octets as carried (RFC 3204 §3.1: from the message type code). */
  readonly isupOctets?: Uint8Array;
  /** RFC 3204 §6 handling parameter of the ISUP part. */
  readonly handling?: string;
  readonly sdp: boolean;
  /** From and Privacy header field values as sent. */
  readonly from: string;
  readonly privacy: string;
}

export function readDatagram(d: RelayedDatagram): OurReading {
  const r = parseSipMessage(d.octets, { limits: { maxMessageBytes: 65_535, maxHeaders: 256 }, eager: true });
  if (!r.ok) throw new Error(`datagram ${d.index} from ${d.from} is not SIP: ${r.error.reason}`);
  const m = r.value;
  const what = m.status !== undefined ? String(m.status) : m.method;
  const b = readBodies(m.get("Content-Type"), m.get("Content-Disposition"), m.body, { isupVersions: ["itu-t92+"] });
  if (!b.ok) throw new Error(`datagram ${d.index} (${what}): body not readable: ${b.reason}`);
  let isup: IsupMessage | undefined;
  if (b.isup) {
    const dec = decodeIsup(b.isup.octets, { variant: "itu", sipt: true });
    if (!dec.ok) throw new Error(`datagram ${d.index} (${what}): application/ISUP not decodable: ${dec.error.reason} (${toHex(b.isup.octets)})`);
    isup = dec.value;
  }
  return {
    datagram: d,
    what,
    cseqMethod: m.cseq.method,
    callId: m.callId,
    ...(isup && b.isup ? { isup, isupOctets: b.isup.octets } : {}),
    ...(b.isup ? { handling: b.isup.handling } : {}),
    sdp: b.sdp !== undefined,
    from: m.get("From") ?? "",
    privacy: m.get("Privacy") ?? "",
  };
}

export const TSHARK_FIELDS = [
  "sip.Method",
  "sip.Status-Code",
  "sip.CSeq.method",
  "isup.message_type",
  "isup.called",
  "isup.calling",
  "isup.calling_partys_category",
  "isup.address_presentation_restricted_indicator",
  "isup.cause_indicator",
  "_ws.malformed",
  "_ws.expert.severity",
  "_ws.expert.message",
] as const;
export type TsharkField = (typeof TSHARK_FIELDS)[number];
export type TsharkRow = ReadonlyMap<TsharkField, string>;

/**
 * The datagrams as the gateways sent them, one UDP packet each (text2pcap,
 * 127.0.0.1 port 5060 both ways so tshark takes them as SIP), dissected by
 * tshark; one row per datagram, in order.
 */
export function tsharkRows(datagrams: readonly RelayedDatagram[], dir: string, name: string): TsharkRow[] {
  const txt = join(dir, `${name}.txt`);
  const pcap = join(dir, `${name}.pcap`);
  writeFileSync(txt, datagrams.map((d) => `0000 ${toHex(d.octets, " ")}\n`).join(""));
  const t2p = spawnSync("text2pcap", ["-q", "-4", "127.0.0.1,127.0.0.1", "-u", "5060,5060", txt, pcap], { encoding: "utf8", timeout: 20_000 });
  if (t2p.status !== 0) throw new Error(`text2pcap failed: ${t2p.stderr}`);
  const args = ["-r", pcap, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=|", ...TSHARK_FIELDS.flatMap((f) => ["-e", f])];
  const ts = spawnSync("tshark", args, { encoding: "utf8", timeout: 60_000 });
  if (ts.status !== 0) throw new Error(`tshark failed: ${ts.stderr}`);
  const lines = ts.stdout.split("\n").filter((l) => l.length > 0);
  return lines.map((l) => {
    const cols = l.split("\t");
    return new Map(TSHARK_FIELDS.map((f, i) => [f, cols[i] ?? ""]));
  });
}
