/**
 * SIP parse (+ serialize) throughput on one core, for test/bench/sip-parse.ts
 * and test/bench/sip/run.ts: src/sip/syntax against the parsers of JsSIP
 * (lib/Parser.js parseMessage) and SIP.js (lib/core/messages/parser.js
 * Parser.parseMessage), over a realistic mix:
 * INVITE with SDP, 180, 200 with SDP, ACK, BYE, 200 to BYE, REGISTER with
 * Authorization, and a SIP-T INVITE with a multipart body (SDP + binary ISUP
 * IAM, RFC 3204).
 *
 * Ours gets octets (what a transport receives) and, per message, parses it
 * (Via, From, To, Call-ID, CSeq, Max-Forwards, Content-Length checked), reads
 * Contact, Record-Route, Content-Type and the multipart body when there is
 * one (what the transaction and dialog layers and JsSIP's parser read), then
 * serializes it. JsSIP and SIP.js get the message already as a string and
 * only parse it: the comparison leans against us.
 */
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { parseSipMessage } from "../../../src/sip/syntax/parse-message.js";
import { serializeSipMessage } from "../../../src/sip/syntax/serialize-message.js";

const require = createRequire(import.meta.url);

const CRLF = "\r\n";
const lines = (...l: string[]): string => l.join(CRLF);

const sdpOffer = lines("v=0", "o=- 20518 0 IN IP4 192.0.2.10", "s=-", "c=IN IP4 192.0.2.10", "t=0 0", "m=audio 49170 RTP/AVP 8 0 101", "a=rtpmap:8 PCMA/8000", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15", "a=ptime:20", "a=sendrecv", "");
const sdpAnswer = lines("v=0", "o=- 81712 0 IN IP4 198.51.100.7", "s=-", "c=IN IP4 198.51.100.7", "t=0 0", "m=audio 30000 RTP/AVP 8 101", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15", "a=ptime:20", "a=sendrecv", "");

/** An IAM-shaped ISUP octet string (message type 0x01 first, RFC 3204 §3), with NUL, CR and LF octets. */
const isupIam = Buffer.from("0100600a0302090783901032547600000a0703139032547698000d0a0f00", "hex");

function message(head: string[], body: string | Buffer = ""): Buffer {
  const b = typeof body === "string" ? Buffer.from(body, "latin1") : body;
  return Buffer.concat([Buffer.from(lines(...head, `Content-Length: ${b.length}`, "", ""), "latin1"), b]);
}

const dialog = [
  "From: \"Alice\" <sip:+441632960001@gw1.example.net;user=phone>;tag=9fxced76sl",
  "To: <sip:+15555550100@carrier.example.com;user=phone>",
  "Call-ID: 3848276298220188511@gw1.example.net",
];
const dialogTagged = [dialog[0] as string, "To: <sip:+15555550100@carrier.example.com;user=phone>;tag=314159", dialog[2] as string];
const viaUac = "Via: SIP/2.0/UDP gw1.example.net:5060;branch=z9hG4bK74bf9;rport";
const viaUacReceived = "Via: SIP/2.0/UDP gw1.example.net:5060;branch=z9hG4bK74bf9;rport=5060;received=192.0.2.10";

const boundary = "unique-boundary-1";
const multipartBody = Buffer.concat([
  Buffer.from(`--${boundary}\r\nContent-Type: application/sdp\r\n\r\n${sdpOffer}\r\n--${boundary}\r\nContent-Type: application/ISUP;version=itu-t92+;base=itu-t92+\r\nContent-Disposition: signal;handling=optional\r\n\r\n`, "latin1"),
  isupIam,
  Buffer.from(`\r\n--${boundary}--\r\n`, "latin1"),
]);

const mix: Buffer[] = [
  message(["INVITE sip:+15555550100@carrier.example.com;user=phone SIP/2.0", viaUac, "Max-Forwards: 70", ...dialog, "CSeq: 1 INVITE", "Contact: <sip:gw1.example.net:5060>", "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE, INFO", "Supported: 100rel, timer", "Session-Expires: 1800", "User-Agent: sipt-gw", "Content-Type: application/sdp"], sdpOffer),
  message(["SIP/2.0 180 Ringing", "Record-Route: <sip:proxy.carrier.example.com;lr>", viaUacReceived, ...dialogTagged, "CSeq: 1 INVITE", "Contact: <sip:198.51.100.7:5060>"]),
  message(["SIP/2.0 200 OK", "Record-Route: <sip:proxy.carrier.example.com;lr>", viaUacReceived, ...dialogTagged, "CSeq: 1 INVITE", "Contact: <sip:198.51.100.7:5060>", "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS", "Supported: timer", "Content-Type: application/sdp"], sdpAnswer),
  message(["ACK sip:198.51.100.7:5060 SIP/2.0", "Via: SIP/2.0/UDP gw1.example.net:5060;branch=z9hG4bK74bfa;rport", "Route: <sip:proxy.carrier.example.com;lr>", "Max-Forwards: 70", ...dialogTagged, "CSeq: 1 ACK"]),
  message(["BYE sip:198.51.100.7:5060 SIP/2.0", "Via: SIP/2.0/UDP gw1.example.net:5060;branch=z9hG4bK74bfb;rport", "Route: <sip:proxy.carrier.example.com;lr>", "Max-Forwards: 70", ...dialogTagged, "CSeq: 2 BYE", "Reason: Q.850;cause=16;text=\"Normal call clearing\""]),
  message(["SIP/2.0 200 OK", "Via: SIP/2.0/UDP gw1.example.net:5060;branch=z9hG4bK74bfb;rport=5060;received=192.0.2.10", ...dialogTagged, "CSeq: 2 BYE"]),
  message([
    "REGISTER sip:carrier.example.com SIP/2.0",
    "Via: SIP/2.0/UDP gw1.example.net:5060;branch=z9hG4bK5a2b1;rport",
    "Max-Forwards: 70",
    "From: <sip:trunk17@carrier.example.com>;tag=6f2e1a",
    "To: <sip:trunk17@carrier.example.com>",
    "Call-ID: 8c1d0f3e2b@gw1.example.net",
    "CSeq: 2 REGISTER",
    "Contact: <sip:trunk17@gw1.example.net:5060>;expires=3600",
    'Authorization: Digest username="trunk17", realm="carrier.example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", uri="sip:carrier.example.com", response="dfe56131d1958046689d83306477ecc", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001',
    "Expires: 3600",
  ]),
  message(["INVITE sip:+15555550100@carrier.example.com;user=phone SIP/2.0", viaUac, "Max-Forwards: 70", ...dialog, "CSeq: 1 INVITE", "Contact: <sip:gw1.example.net:5060>", "MIME-Version: 1.0", `Content-Type: multipart/mixed;boundary=${boundary}`], multipartBody),
];
const mixText = mix.map((b) => b.toString("latin1"));

const limits = { maxMessageBytes: 65535, maxHeaders: 256 };

function oursOne(i: number): boolean {
  const r = parseSipMessage(mix[i] as Buffer, { limits });
  if (!r.ok) return false;
  const m = r.value;
  if (!m.contact().ok || !m.recordRoute().ok || !m.contentType().ok) return false;
  const mp = m.multipart();
  if (mp !== undefined && !mp.ok) return false;
  return serializeSipMessage(m).length > 0;
}

type ParseFn = (text: string) => unknown;
const silent = { error() {}, warn() {}, log() {}, debug() {} };

function loadJsSip(): ParseFn {
  const mod = require("jssip/lib/Parser.js") as { parseMessage: (data: string, ua: unknown) => unknown };
  return (text) => mod.parseMessage(text, {});
}

async function loadSipJs(): Promise<ParseFn> {
  const mod = (await import("sip.js/lib/core/messages/parser.js")) as { Parser: { parseMessage: (data: string, logger: unknown) => unknown } };
  return (text) => mod.Parser.parseMessage(text, silent);
}

/** Messages per second for `seconds`, rotating through the mix. */
function measure(name: string, one: (i: number) => boolean, seconds: number, print: (line: string) => void): number {
  for (let i = 0; i < mix.length; i++) if (!one(i)) throw new Error(`${name} rejects message ${i + 1} of the mix`);
  const warmEnd = performance.now() + 300;
  let k = 0;
  while (performance.now() < warmEnd) for (let j = 0; j < 64; j++) one(k++ % mix.length);
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    for (let j = 0; j < 256; j++) one(n++ % mix.length);
    now = performance.now();
  }
  const perS = Math.round((n / (now - start)) * 1000);
  print(`${name}: ${perS} msg/s (${n} messages in ${((now - start) / 1000).toFixed(2)} s)`);
  return perS;
}

export interface ParseFigures {
  /** Messages per second: ours (parse + reads + serialize), JsSIP's and SIP.js's parsers. */
  readonly ours: number;
  readonly jssip: number;
  readonly sipjs: number;
  /** Ours over the faster of the other two. */
  readonly ratio: number;
}

/** Each parser over the mix for `seconds`, one after the other; `print` gets one line per parser. */
export async function measureParsers(seconds: number, print: (line: string) => void): Promise<ParseFigures> {
  const jssip = loadJsSip();
  const sipjs = await loadSipJs();
  print(`mix: ${mix.length} messages (INVITE+SDP, 180, 200+SDP, ACK, BYE, 200, REGISTER with Authorization, SIP-T INVITE multipart SDP+ISUP), ${mix.reduce((a, b) => a + b.length, 0)} octets`);
  const ours = measure("sipt-gw parse+serialize", oursOne, seconds, print);
  const j = measure("jssip parseMessage", (i) => jssip(mixText[i] as string) !== undefined, seconds, print);
  const s = measure("sip.js Parser.parseMessage", (i) => sipjs(mixText[i] as string) !== undefined, seconds, print);
  return { ours, jssip: j, sipjs: s, ratio: ours / Math.max(j, s) };
}
