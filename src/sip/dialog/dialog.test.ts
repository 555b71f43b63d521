/**
 * Dialog state and routing, RFC 3261 §12.1.1, §12.1.2, §12.2.1.1 (loose
 * routing and the strict-router fallback), §12.2.2 (CSeq order, target
 * refresh), §8.1.2 / §19.1.1 next hop.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { RecordingLogger } from "../../core/logger.js";
import { makeVia } from "../syntax/header-values.js";
import type { SipMessage } from "../syntax/message.js";
import { param } from "../syntax/params.js";
import { parseSipMessage } from "../syntax/parse-message.js";
import { formatUri } from "../syntax/uri.js";
import type { Uri } from "../syntax/uri.js";
import { parseUri } from "../syntax/uri.js";
import { buildResponse } from "../transaction/messages.js";
import { uacDialog, uasDialog } from "./dialog.js";
import { nextHopFor } from "./next-hop.js";

function parse(lines: string[]): SipMessage {
  const r = parseSipMessage(new TextEncoder().encode(`${lines.join("\r\n")}\r\nContent-Length: 0\r\n\r\n`), { limits: { maxMessageBytes: 65_535, maxHeaders: 256 } });
  if (!r.ok) throw new Error(r.error.reason);
  return r.value;
}

function uri(text: string): Uri {
  const r = parseUri(text);
  if (!r.ok) throw new Error(r.error.reason);
  return r.value;
}

const env = () => ({ clock: new ManualClock(), log: new RecordingLogger(), overTls: false });
const via = makeVia("UDP", "192.0.2.1", "ipv4", 5060, [param("branch", "z9hG4bKd1")]);

const invite = parse([
  "INVITE sip:bob@biloxi.example.com SIP/2.0",
  "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKx",
  "Max-Forwards: 68",
  "Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>",
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl",
  "To: Bob <sip:bob@biloxi.example.com>",
  "Call-ID: 3848276298220188511@atlanta.example.com",
  "CSeq: 314159 INVITE",
  "Contact: <sip:alice@client.atlanta.example.com>",
]);

describe("RFC 3261 §12.1.1: the UAS dialog", () => {
  it("takes the route set from Record-Route in order and the remote target from Contact", () => {
    const d = uasDialog(invite, "8321234356", { early: false, ...env() });
    if (d === undefined) throw new Error("no dialog");
    expect(d.routeSet.map((r) => formatUri(r.uri))).toEqual(["sip:p2.example.com;lr", "sip:p1.example.com;lr"]);
    expect(formatUri(d.remoteTarget)).toBe("sip:alice@client.atlanta.example.com");
    expect(d.id).toEqual({ callId: "3848276298220188511@atlanta.example.com", localTag: "8321234356", remoteTag: "9fxced76sl" });
    expect([d.remoteSeq, d.localSeq, d.state]).toEqual([314159, undefined, "Confirmed"]);
    // §12.2.1.1: loose routing: Request-URI is the remote target, Route the whole set, next hop the first route.
    const bye = d.createRequest("BYE", via);
    expect(formatUri(bye.requestUri as Uri)).toBe("sip:alice@client.atlanta.example.com");
    expect(bye.get("Route")).toBe("<sip:p2.example.com;lr>, <sip:p1.example.com;lr>");
    expect(bye.cseq).toEqual({ seq: 1, method: "BYE" });
    expect(bye.get("From")).toBe('"Bob" <sip:bob@biloxi.example.com>;tag=8321234356');
    expect(bye.get("To")).toBe('"Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl');
    expect(d.routing().target).toEqual({ protocol: "udp", host: "p2.example.com", port: 5060 });
  });

  it("§12.2.2: a lower CSeq is refused; an equal or higher one taken", () => {
    const d = uasDialog(invite, "t", { early: false, ...env() });
    if (d === undefined) throw new Error("no dialog");
    const req = (n: number): SipMessage => parse(["BYE sip:bob@biloxi.example.com SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKy", "Max-Forwards: 70", "From: <sip:alice@atlanta.example.com>;tag=9fxced76sl", "To: <sip:bob@biloxi.example.com>;tag=t", "Call-ID: 3848276298220188511@atlanta.example.com", `CSeq: ${n} BYE`]);
    expect(d.acceptRemoteCSeq(req(314158))).toBe(false);
    expect(d.acceptRemoteCSeq(req(314160))).toBe(true);
    expect(d.remoteSeq).toBe(314160);
  });
});

describe("RFC 3261 §12.1.2: the UAC dialog", () => {
  it("reverses the Record-Route of the response; §12.2.1.1 strict-router fallback", () => {
    const ok = buildResponse(invite, 200, { toTag: "b7", headers: [{ name: "Contact", value: "<sip:bob@192.0.2.4>" }], recordRoute: true });
    const d = uacDialog(invite, ok, { early: false, ...env() });
    if (d === undefined) throw new Error("no dialog");
    expect(d.routeSet.map((r) => formatUri(r.uri))).toEqual(["sip:p1.example.com;lr", "sip:p2.example.com;lr"]);
    expect(d.localSeq).toBe(314159);
    expect(d.nextCSeq()).toBe(314160);

    const strict = buildResponse(invite, 200, { toTag: "b8", headers: [{ name: "Record-Route", value: "<sip:p2.example.com;lr>, <sip:p1.example.com;method=INVITE>" }, { name: "Contact", value: "<sip:bob@192.0.2.4>" }] });
    const s = uacDialog(invite, strict, { early: false, ...env() });
    if (s === undefined) throw new Error("no dialog");
    const bye = s.createRequest("BYE", via);
    // The strict router's URI (without method) is the Request-URI; the rest of the set, then the remote target, in Route.
    expect(formatUri(bye.requestUri as Uri)).toBe("sip:p1.example.com");
    expect(bye.get("Route")).toBe("<sip:p2.example.com;lr>, <sip:bob@192.0.2.4>");
    expect(s.routing().target).toEqual({ protocol: "udp", host: "p1.example.com", port: 5060 });
  });

  it("§12.2.1.2: a target refresh moves the remote target", () => {
    const ok = buildResponse(invite, 200, { toTag: "b7", headers: [{ name: "Contact", value: "<sip:bob@192.0.2.4>" }] });
    const d = uacDialog(invite, ok, { early: false, ...env() });
    if (d === undefined) throw new Error("no dialog");
    d.refreshTarget(buildResponse(invite, 200, { toTag: "b7", headers: [{ name: "Contact", value: "<sip:bob@192.0.2.44:5070;transport=tcp>" }] }));
    expect(d.routing().target).toEqual({ protocol: "tcp", host: "192.0.2.44", port: 5070, protocolFixed: true });
  });

  it("an early dialog is confirmed by confirm(); terminate() ends it once", () => {
    const log = new RecordingLogger();
    const causes: string[] = [];
    const ringing = buildResponse(invite, 180, { toTag: "b9", headers: [{ name: "Contact", value: "<sip:bob@192.0.2.4>" }] });
    const d = uacDialog(invite, ringing, { early: true, clock: new ManualClock(), log, overTls: false, onTerminate: (_d, c) => causes.push(c) });
    if (d === undefined) throw new Error("no dialog");
    expect(d.state).toBe("Early");
    d.confirm();
    d.terminate("BYE");
    d.terminate("again");
    expect(d.state).toBe("Terminated");
    expect(causes).toEqual(["BYE"]);
  });
});

describe("next hop (RFC 3261 §8.1.2, §19.1.1; RFC 3263 §4 without DNS records)", () => {
  it("reads transport, sips, maddr and default ports", () => {
    expect(nextHopFor(uri("sip:gw@192.0.2.1"))).toEqual({ protocol: "udp", host: "192.0.2.1", port: 5060 });
    expect(nextHopFor(uri("sip:gw@192.0.2.1;transport=TCP"))).toEqual({ protocol: "tcp", host: "192.0.2.1", port: 5060, protocolFixed: true });
    expect(nextHopFor(uri("sips:gw@example.com"))).toEqual({ protocol: "tls", host: "example.com", port: 5061 });
    expect(nextHopFor(uri("sip:gw@example.com:5080;maddr=192.0.2.7"))).toEqual({ protocol: "udp", host: "192.0.2.7", port: 5080 });
    expect(nextHopFor(uri("sip:gw@[2001:db8::1]:5090"))).toEqual({ protocol: "udp", host: "[2001:db8::1]", port: 5090 });
    expect(nextHopFor(uri("tel:+15551234567"))).toBeUndefined();
    expect(nextHopFor(uri("sip:gw@example.com;transport=sctp"))).toBeUndefined();
  });
});

describe("§12.2.1.1 across early and confirmed dialogs (RFC 3262 PRACK, RFC 3311 UPDATE)", () => {
  it("the dialog the 2xx confirms continues the CSeq numbers the early one used; never goes back", () => {
    const ringing = buildResponse(invite, 183, { toTag: "b7", headers: [{ name: "Contact", value: "<sip:bob@192.0.2.4>" }] });
    const ok = buildResponse(invite, 200, { toTag: "b7", headers: [{ name: "Contact", value: "<sip:bob@192.0.2.4>" }] });
    const early = uacDialog(invite, ringing, { early: true, ...env() });
    const confirmed = uacDialog(invite, ok, { early: false, ...env() });
    if (early === undefined || confirmed === undefined) throw new Error("no dialog");
    expect(early.createRequest("PRACK", via).cseq.seq).toBe(314160);
    early.acceptRemoteCSeq(parse(["UPDATE sip:alice@client.atlanta.example.com SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKu", "Max-Forwards: 70", "From: <sip:bob@biloxi.example.com>;tag=b7", "To: <sip:alice@atlanta.example.com>;tag=9fxced76sl", "Call-ID: 3848276298220188511@atlanta.example.com", "CSeq: 7 UPDATE"]));
    confirmed.continueFrom(early);
    expect([confirmed.localSeq, confirmed.remoteSeq]).toEqual([314160, 7]);
    expect(confirmed.createRequest("BYE", via).cseq.seq).toBe(314161);
    // An early dialog behind the confirmed one changes nothing.
    const stale = uacDialog(invite, ringing, { early: true, ...env() });
    if (stale === undefined) throw new Error("no dialog");
    confirmed.continueFrom(stale);
    expect(confirmed.localSeq).toBe(314161);
  });
});
