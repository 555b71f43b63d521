/**
 * tshark (Wireshark 4.0) as the oracle for what our UA puts on the wire.
 * A set of calls runs between two UA cores on the loopback network under the
 * manual clock (deterministic): INVITE with SDP and a reliable 183 with PRACK
 * (RFC 3262), a session refresh by UPDATE (RFC 4028), INFO (RFC 6086), BYE
 * with a Q.850 Reason (RFC 3326), a CANCEL with a Reason, OPTIONS, an INVITE
 * challenged with 407 and sent again with Proxy-Authorization (RFC 3261
 * §22.2), and a BYE at session expiry with Reason SIP;cause=408. Every packet
 * the two UAs sent is written as an IPv4/UDP frame into a pcap (text2pcap,
 * raw IP link type: live capture would need privileges CI may not have) and
 * decoded by tshark; for each one tshark's sip fields (method or status,
 * CSeq, top Via branch, RSeq, RAck, Session-Expires, Reason cause) must equal
 * what we sent, and no frame may be malformed or carry an expert error.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { q850Reason, reasonHeader, reasonsOf } from "../../../src/sip/headers/reason.js";
import type { SipMessage } from "../../../src/sip/syntax/message.js";
import { parseSipMessage } from "../../../src/sip/syntax/parse-message.js";
import { buildResponse } from "../../../src/sip/transaction/messages.js";
import type { LoopbackPacket } from "../../../src/sip/transport/loopback.js";
import { LoopbackTransport } from "../../../src/sip/transport/loopback.js";
import type { Origin } from "../../../src/sip/transport/types.js";
import type { DigestAuthenticator } from "../../../src/sip/ua/request-retry.js";
import { makeKit, sdp } from "../../../src/sip/ua/ua-kit.test-support.js";
import { PEERS, describeWithPeers } from "../../support/peers.js";

const OURS = new Set(["192.0.2.1", "192.0.2.2"]);

/** One IPv4/UDP datagram (RFC 791, RFC 768), header checksum computed, UDP checksum 0 (none). */
function ipv4Udp(p: LoopbackPacket, id: number): Uint8Array {
  const ip = (a: string): number[] => a.split(".").map(Number);
  const udpLen = 8 + p.bytes.length;
  const total = 20 + udpLen;
  const h = [0x45, 0, total >> 8, total & 0xff, (id >> 8) & 0xff, id & 0xff, 0x40, 0, 64, 17, 0, 0, ...ip(p.fromAddress), ...ip(p.toAddress)];
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += ((h[i] as number) << 8) | (h[i + 1] as number);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  h[10] = c >> 8;
  h[11] = c & 0xff;
  const udp = [p.fromPort >> 8, p.fromPort & 0xff, p.toPort >> 8, p.toPort & 0xff, udpLen >> 8, udpLen & 0xff, 0, 0];
  const out = new Uint8Array(total);
  out.set([...h, ...udp]);
  out.set(p.bytes, 28);
  return out;
}

/** text2pcap's input: each packet as offset-prefixed hex lines (offset 0 starts a packet). */
function hexDump(frames: readonly Uint8Array[]): string {
  const lines: string[] = [];
  for (const f of frames) {
    for (let off = 0; off < f.length; off += 16) {
      const row = Array.from(f.subarray(off, off + 16), (b) => b.toString(16).padStart(2, "0")).join(" ");
      lines.push(`${off.toString(16).padStart(6, "0")}  ${row}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function parse(bytes: Uint8Array): SipMessage {
  const r = parseSipMessage(bytes, { limits: { maxMessageBytes: 65_535, maxHeaders: 256 } });
  if (!r.ok) throw new Error(r.error.reason);
  return r.value;
}

/** The calls; returns every packet our two UAs sent, in order. */
function runCalls(): LoopbackPacket[] {
  const timer = { sessionTimer: { expiresS: 90, minSE: 90 } };
  const k = makeKit({ ua: { reliable: "supported", ...timer } });
  const sent: LoopbackPacket[] = [];
  k.net.addFault((p) => {
    if (OURS.has(p.fromAddress)) sent.push(p);
    return undefined;
  });
  const cancelReason = reasonHeader(q850Reason(16, "Normal call clearing"));
  let n = 0;
  k.bob.ua.onInvite((s) => {
    n++;
    if (n === 1) {
      // Call 1: reliable 183 with the answer, the 2xx after the PRACK.
      s.progress(183, { reliable: true, body: sdp(1, "192.0.2.2") });
      s.accept();
    } else if (n === 2) {
      s.progress(180);
    } else {
      s.accept({ body: sdp(1, "192.0.2.2") });
    }
  });
  // Call 1: INVITE/183 rel/PRACK/200/ACK, a refresh UPDATE at 45 s, INFO, BYE with Q.850 Reason.
  const c1 = k.alice.ua.invite({ uri: "sip:bob@192.0.2.2", from: "<sip:alice@192.0.2.1>", to: "<sip:bob@192.0.2.2>", body: sdp(1) });
  k.clock.advance(50_000);
  void c1.info({ body: { contentType: "application/dtmf-relay", content: "Signal=5\r\nDuration=160\r\n" } });
  k.clock.advance(1000);
  c1.bye({ headers: [reasonHeader(q850Reason(16, "Normal call clearing"))] });
  k.clock.advance(1000);
  // Call 2: ringing, cancelled with a Reason.
  const c2 = k.alice.ua.invite({ uri: "sip:bob@192.0.2.2", from: "<sip:alice@192.0.2.1>", to: "<sip:bob@192.0.2.2>", body: sdp(1) });
  k.clock.advance(100);
  c2.cancel({ headers: [cancelReason] });
  k.clock.advance(1000);
  // OPTIONS out of dialog.
  void k.alice.ua.request({ method: "OPTIONS", uri: "sip:bob@192.0.2.2", from: "<sip:alice@192.0.2.1>", to: "<sip:bob@192.0.2.2>" });
  k.clock.advance(1000);
  // Call 3: a proxy challenges with 407; the INVITE goes again with Proxy-Authorization.
  const proxy = new LoopbackTransport(k.net, { address: "192.0.2.5" });
  const origin: Origin = { protocol: "udp", remoteAddress: "192.0.2.1", remotePort: 5060, localAddress: "192.0.2.5", localPort: 5060, listenerId: 0, connectionId: undefined };
  proxy.setUser({
    receiveMessage: (m) => {
      if (m.method !== "INVITE") return;
      if (m.get("Proxy-Authorization") === undefined) proxy.sendResponse(buildResponse(m, 407, { toTag: "px", headers: [{ name: "Proxy-Authenticate", value: 'Digest realm="proxy.example", nonce="5a1b", algorithm=MD5, qop="auth"' }] }), origin);
      else proxy.sendResponse(buildResponse(m, 486, { toTag: "px" }), origin);
    },
  });
  const auth: DigestAuthenticator = {
    answer: (_r, req) => ({ ok: true, header: { name: "Proxy-Authorization", value: `Digest username="gw", realm="proxy.example", nonce="5a1b", uri="${req.uri}", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, qop=auth, nc=00000001, cnonce="0a4f113b"` } }),
  };
  k.alice.ua.invite({ uri: "sip:bob@192.0.2.5", from: "<sip:alice@192.0.2.1>", to: "<sip:bob@192.0.2.5>", body: sdp(1), authenticator: auth });
  k.clock.advance(1000);
  // Call 4: refreshes lost: bob's UPDATEs dropped, alice sends BYE at expiry with Reason SIP;cause=408.
  k.net.addFault((p) => (p.summary.startsWith("UPDATE") && p.fromAddress === "192.0.2.2" ? { drop: true } : undefined));
  k.alice.ua.invite({ uri: "sip:bob@192.0.2.2", from: "<sip:alice@192.0.2.1>", to: "<sip:bob@192.0.2.2>", body: sdp(1) });
  k.clock.advance(100_000);
  return sent;
}

interface Layers {
  readonly [field: string]: readonly string[] | undefined;
}

const FIELDS = ["frame.number", "sip.Method", "sip.Status-Code", "sip.CSeq.seq", "sip.CSeq.method", "sip.Via.branch", "sip.RSeq", "sip.RAck.RSeq.seq", "sip.RAck.CSeq.seq", "sip.RAck.CSeq.method", "sip.Session-Expires", "sip.reason_cause_q850", "sip.reason_cause_sip", "_ws.malformed", "_ws.expert.message", "_ws.expert.severity"];

function tshark(frames: readonly Uint8Array[]): Layers[] {
  const dir = mkdtempSync(join(tmpdir(), "sipt-tshark-"));
  try {
    const hex = join(dir, "in.txt");
    const pcap = join(dir, "out.pcap");
    writeFileSync(hex, hexDump(frames));
    // Link type 101: raw IP (LINKTYPE_RAW).
    const t2p = spawnSync("text2pcap", ["-q", "-l", "101", hex, pcap], { encoding: "utf8", timeout: 20_000 });
    if (t2p.status !== 0) throw new Error(`text2pcap failed: ${t2p.stderr}`);
    const r = spawnSync("tshark", ["-r", pcap, "-T", "json", ...FIELDS.flatMap((f) => ["-e", f])], { encoding: "utf8", timeout: 60_000, maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { _source: { layers: Layers } }[]).map((x) => x._source.layers);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const first = (l: Layers, f: string): string | undefined => l[f]?.[0];
/** PI_ERROR in epan/proto.h: expert items of this severity mean a protocol error. */
const PI_ERROR = 0x00800000;

describeWithPeers("tshark decodes every SIP message our UA sends (RFC 3261, 3262, 3326, 4028)", [PEERS.tshark, PEERS.text2pcap], () => {
  it("method/status, CSeq, Via branch, RSeq, RAck, Session-Expires, Reason cause as meant; nothing malformed", () => {
    const sent = runCalls();
    const ours = sent.map((p) => parse(p.bytes));
    const decoded = tshark(sent.map((p, i) => ipv4Udp(p, i + 1)));
    expect(decoded.length).toBe(sent.length);

    const problems: string[] = [];
    decoded.forEach((l, i) => {
      const m = ours[i] as SipMessage;
      const where = `frame ${i + 1} (${sent[i]?.summary ?? ""})`;
      const want: Record<string, string | undefined> = {
        "sip.Method": m.isRequest ? m.method : undefined,
        "sip.Status-Code": m.status !== undefined ? String(m.status) : undefined,
        "sip.CSeq.seq": String(m.cseq.seq),
        "sip.CSeq.method": m.cseq.method,
        "sip.Via.branch": m.branch,
        "sip.RSeq": m.get("RSeq"),
        "sip.RAck.RSeq.seq": m.get("RAck")?.split(" ")[0],
        "sip.RAck.CSeq.seq": m.get("RAck")?.split(" ")[1],
        "sip.RAck.CSeq.method": m.get("RAck")?.split(" ")[2],
      };
      for (const [f, v] of Object.entries(want)) if (first(l, f) !== v) problems.push(`${where}: ${f} is ${first(l, f) ?? "absent"}, we sent ${v ?? "none"}`);
      const se = m.sessionExpires();
      const seGot = first(l, "sip.Session-Expires");
      if ((se.ok && se.value !== undefined ? String(se.value.deltaSeconds) : undefined) !== (seGot === undefined ? undefined : /^\d+/.exec(seGot)?.[0])) problems.push(`${where}: Session-Expires ${seGot ?? "absent"}`);
      const reasons = reasonsOf(m);
      const q850 = reasons?.ok === true ? reasons.value.find((r) => r.protocol === "Q.850")?.cause : undefined;
      const sipCause = reasons?.ok === true ? reasons.value.find((r) => r.protocol === "SIP")?.cause : undefined;
      if (first(l, "sip.reason_cause_q850") !== (q850 === undefined ? undefined : String(q850))) problems.push(`${where}: Q.850 cause ${first(l, "sip.reason_cause_q850") ?? "absent"}, sent ${q850 ?? "none"}`);
      if (first(l, "sip.reason_cause_sip") !== (sipCause === undefined ? undefined : String(sipCause))) problems.push(`${where}: SIP cause ${first(l, "sip.reason_cause_sip") ?? "absent"}, sent ${sipCause ?? "none"}`);
      if (l["_ws.malformed"] !== undefined) problems.push(`${where}: malformed`);
      (l["_ws.expert.severity"] ?? []).forEach((sev, j) => {
        if (Number(sev) >= PI_ERROR) problems.push(`${where}: expert error: ${l["_ws.expert.message"]?.[j] ?? ""}`);
      });
    });
    expect(problems).toEqual([]);

    // The set covers what it says it does.
    const summary = ours.map((m) => (m.isRequest ? m.method : `${m.status ?? 0} ${m.cseq.method}`));
    for (const x of ["INVITE", "183 INVITE", "PRACK", "200 PRACK", "ACK", "UPDATE", "200 UPDATE", "INFO", "BYE", "180 INVITE", "CANCEL", "487 INVITE", "OPTIONS"]) expect(summary, x).toContain(x);
    expect(ours.filter((m) => m.get("Proxy-Authorization") !== undefined).map((m) => m.cseq.seq)).toEqual([2]);
    expect(decoded.filter((l) => first(l, "sip.reason_cause_sip") === "408").length).toBe(1);
    expect(decoded.filter((l) => first(l, "sip.reason_cause_q850") === "16").length).toBe(2);
    expect(decoded.some((l) => first(l, "sip.RAck.RSeq.seq") !== undefined && first(l, "sip.RAck.RSeq.seq") === decoded.find((d) => first(d, "sip.RSeq") !== undefined)?.["sip.RSeq"]?.[0])).toBe(true);
  });
});
