/**
 * The receive path shared by every transport (inbound.ts) and the response
 * route (response-route.ts): RFC 3261 §18.1.2, §18.2.1, §18.2.2, RFC 3581 §4.
 */
import { describe, expect, it } from "vitest";
import { parseSipMessage } from "../syntax/parse-message.js";
import { canonicalAddress, sameAddress } from "./addresses.js";
import { readInbound, receivedVia } from "./inbound.js";
import { responseTarget } from "./response-route.js";
import type { Origin } from "./types.js";

const LIMITS = { maxMessageBytes: 65_535, maxHeaders: 256 };
const enc = new TextEncoder();
const dec = new TextDecoder();

function bytes(lines: string[], body = ""): Uint8Array {
  return enc.encode(`${lines.join("\r\n")}\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
}

const origin: Origin = { protocol: "udp", remoteAddress: "198.51.100.9", remotePort: 40123, localAddress: "192.0.2.1", localPort: 5060, listenerId: 0, connectionId: undefined };

function request(via: string): Uint8Array {
  return bytes(["OPTIONS sip:gw@192.0.2.1 SIP/2.0", `Via: ${via}`, "Max-Forwards: 70", "From: <sip:a@x>;tag=1", "To: <sip:gw@192.0.2.1>", "Call-ID: abc", "CSeq: 1 OPTIONS"]);
}

const opts = { stream: false, limits: LIMITS, isOurSentBy: (h: string, p: number | undefined) => h === "192.0.2.1" && (p ?? 5060) === 5060, makeTag: () => "t1" };

function topVia(b: Uint8Array): string {
  const r = readInbound(b, origin, opts);
  if (r.kind !== "message") throw new Error(`expected a message, got ${r.kind}`);
  return r.message.get("Via") ?? "";
}

describe("§18.2.1 received and RFC 3581 rport", () => {
  it("adds received when the sent-by address differs from the source", () => {
    expect(topVia(request("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1"))).toBe("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=198.51.100.9");
  });

  it("adds received when the sent-by is a host name", () => {
    expect(topVia(request("SIP/2.0/UDP pc.example.com;branch=z9hG4bK1"))).toBe("SIP/2.0/UDP pc.example.com;branch=z9hG4bK1;received=198.51.100.9");
  });

  it("leaves the Via alone when the sent-by is the source and no rport is asked", () => {
    expect(topVia(request("SIP/2.0/UDP 198.51.100.9:40123;branch=z9hG4bK1"))).toBe("SIP/2.0/UDP 198.51.100.9:40123;branch=z9hG4bK1");
  });

  it("fills rport with the source port and adds received even when equal (RFC 3581 §4)", () => {
    expect(topVia(request("SIP/2.0/UDP 198.51.100.9:5060;rport;branch=z9hG4bK1"))).toBe("SIP/2.0/UDP 198.51.100.9:5060;rport=40123;branch=z9hG4bK1;received=198.51.100.9");
  });

  it("rewrites only the first value of a Via line carrying several", () => {
    const v = topVia(request("SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.6;branch=z9hG4bK2"));
    expect(v).toBe("SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK1;received=198.51.100.9, SIP/2.0/UDP 10.0.0.6;branch=z9hG4bK2");
  });

  it("compares IPv6 sent-by and source in canonical form", () => {
    const r = parseSipMessage(request("SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1"), { limits: LIMITS });
    if (!r.ok) throw new Error(r.error.reason);
    const top = r.value.via[0];
    if (top === undefined) throw new Error("no Via");
    expect(receivedVia(top, { ...origin, remoteAddress: "2001:db8:0:0:0:0:0:1" })).toBe(top);
    expect(sameAddress("[2001:DB8::1]", "2001:db8::0:1")).toBe(true);
    expect(canonicalAddress("::ffff:192.0.2.1")).toBe("0000:0000:0000:0000:0000:ffff:c000:0201");
  });
});

describe("malformed input (§8.2, §18.1.2)", () => {
  it("answers a request that does not parse with the syntax layer's status and reason", () => {
    const b = bytes(["INVITE sip:gw@192.0.2.1 SIP/2.0", "Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK9", "Max-Forwards: 70", "From: <sip:a@x>;tag=1", "To: <sip:gw@192.0.2.1>", "Call-ID: abc", "CSeq: one INVITE"]);
    const r = readInbound(b, origin, opts);
    expect(r.kind).toBe("answer");
    if (r.kind !== "answer") return;
    const text = dec.decode(r.bytes);
    expect(text.startsWith("SIP/2.0 400 Bad Request - Invalid CSeq")).toBe(true);
    expect(text).toContain("To: <sip:gw@192.0.2.1>;tag=t1\r\n");
    expect(text).toContain("Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK9\r\n");
    expect(text.endsWith("Content-Length: 0\r\n\r\n")).toBe(true);
  });

  it("answers a request from another SIP version with 505", () => {
    const b = bytes(["OPTIONS sip:gw@192.0.2.1 SIP/7.0", "Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK9", "Max-Forwards: 70", "From: <sip:a@x>;tag=1", "To: <sip:gw@192.0.2.1>", "Call-ID: abc", "CSeq: 1 OPTIONS"]);
    const r = readInbound(b, origin, opts);
    expect(r.kind === "answer" ? r.status : r.kind).toBe(505);
  });

  it("never answers a broken ACK", () => {
    const b = bytes(["ACK sip:gw@192.0.2.1 SIP/2.0", "Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK9", "Max-Forwards: 70", "From: <sip:a@x>;tag=1", "To: <sip:gw@192.0.2.1>", "Call-ID: abc", "CSeq: x ACK"]);
    expect(readInbound(b, origin, opts)).toMatchObject({ kind: "drop", counter: "badRequestsDropped" });
  });

  it("drops a request too broken to answer", () => {
    expect(readInbound(enc.encode("INVITE\r\n\r\n"), origin, opts)).toMatchObject({ kind: "drop", counter: "badRequestsDropped" });
  });

  it("drops a response that does not parse, and one whose sent-by is not ours", () => {
    const bad = bytes(["SIP/2.0 200 OK", "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1", "From: <sip:a@x>;tag=1", "To: <sip:b@y>;tag=2", "Call-ID: abc", "CSeq: 1"]);
    expect(readInbound(bad, origin, opts)).toMatchObject({ kind: "drop", counter: "badResponsesDropped" });
    const foreign = bytes(["SIP/2.0 200 OK", "Via: SIP/2.0/UDP 203.0.113.1;branch=z9hG4bK1", "From: <sip:a@x>;tag=1", "To: <sip:b@y>;tag=2", "Call-ID: abc", "CSeq: 1 OPTIONS"]);
    expect(readInbound(foreign, origin, opts)).toMatchObject({ kind: "drop", counter: "misroutedResponsesDropped" });
    const ours = bytes(["SIP/2.0 200 OK", "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1", "From: <sip:a@x>;tag=1", "To: <sip:b@y>;tag=2", "Call-ID: abc", "CSeq: 1 OPTIONS"]);
    expect(readInbound(ours, origin, opts).kind).toBe("message");
  });

  it("answers a message above the size limit with 513", () => {
    const big = bytes(["OPTIONS sip:gw@192.0.2.1 SIP/2.0", "Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK9", "Max-Forwards: 70", "From: <sip:a@x>;tag=1", "To: <sip:gw@192.0.2.1>", "Call-ID: abc", "CSeq: 1 OPTIONS"], "x".repeat(2000));
    const r = readInbound(big, origin, { ...opts, limits: { maxMessageBytes: 1000, maxHeaders: 50 } });
    expect(r.kind === "answer" ? r.status : r.kind).toBe(513);
  });
});

describe("§18.2.2 response destination", () => {
  function via(v: string) {
    const r = parseSipMessage(request(v), { limits: LIMITS });
    if (!r.ok || r.value.via[0] === undefined) throw new Error("bad test Via");
    return r.value.via[0];
  }

  it("UDP with received: that address at the sent-by port", () => {
    expect(responseTarget(via("SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK1;received=198.51.100.9"), origin)).toEqual({ protocol: "udp", host: "198.51.100.9", port: 5070 });
  });

  it("UDP with rport filled (RFC 3581 §4): received address and rport port", () => {
    expect(responseTarget(via("SIP/2.0/UDP 10.0.0.5:5070;rport=40123;branch=z9hG4bK1;received=198.51.100.9"), origin)).toEqual({ protocol: "udp", host: "198.51.100.9", port: 40123 });
  });

  it("UDP without received: the sent-by, default port 5060", () => {
    expect(responseTarget(via("SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK1"), origin)).toEqual({ protocol: "udp", host: "10.0.0.5", port: 5060 });
  });

  it("maddr: that address at the sent-by port", () => {
    expect(responseTarget(via("SIP/2.0/UDP 10.0.0.5:5062;maddr=239.1.1.1;ttl=1;branch=z9hG4bK1"), origin)).toEqual({ protocol: "udp", host: "239.1.1.1", port: 5062 });
  });

  it("TCP: the connection the request came on while open, else received at the sent-by port", () => {
    const tcp: Origin = { ...origin, protocol: "tcp", connectionId: 4 };
    expect(responseTarget(via("SIP/2.0/TCP 10.0.0.5:5070;branch=z9hG4bK1;received=198.51.100.9"), tcp)).toEqual({ protocol: "tcp", host: "198.51.100.9", port: 5070, connectionId: 4 });
    expect(responseTarget(via("SIP/2.0/TLS [2001:db8::5];branch=z9hG4bK1"), { ...tcp, protocol: "tls" })).toEqual({ protocol: "tls", host: "2001:db8::5", port: 5061, connectionId: 4 });
  });
});
