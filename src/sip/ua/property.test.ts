/**
 * Property tests across transport, transaction layer and UA core: any octets
 * and any mutation of real SIP messages, delivered to a UA over the loopback
 * network, never make it throw, and every transaction they start ends once
 * the timers have run (no state is left hanging).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readInbound } from "../transport/inbound.js";
import { LoopbackTransport } from "../transport/loopback.js";
import type { Origin } from "../transport/types.js";
import type { Kit } from "./ua-kit.test-support.js";
import { makeKit, sdp } from "./ua-kit.test-support.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

const BASE: readonly string[] = [
  "INVITE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.3:5060;branch=z9hG4bKp1;rport\r\nMax-Forwards: 70\r\nFrom: <sip:c@192.0.2.3>;tag=c1\r\nTo: <sip:bob@192.0.2.2>\r\nCall-ID: prop1\r\nCSeq: 1 INVITE\r\nContact: <sip:c@192.0.2.3>\r\nContent-Type: application/sdp\r\nContent-Length: 24\r\n\r\nv=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
  "ACK sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.3:5060;branch=z9hG4bKp2\r\nMax-Forwards: 70\r\nFrom: <sip:c@192.0.2.3>;tag=c1\r\nTo: <sip:bob@192.0.2.2>;tag=TAG\r\nCall-ID: prop1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
  "BYE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.3:5060;branch=z9hG4bKp3\r\nMax-Forwards: 70\r\nFrom: <sip:c@192.0.2.3>;tag=c1\r\nTo: <sip:bob@192.0.2.2>;tag=TAG\r\nCall-ID: prop1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
  "CANCEL sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.3:5060;branch=z9hG4bKp1;rport\r\nMax-Forwards: 70\r\nFrom: <sip:c@192.0.2.3>;tag=c1\r\nTo: <sip:bob@192.0.2.2>\r\nCall-ID: prop1\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n",
  "UPDATE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.3:5060;branch=z9hG4bKp4\r\nMax-Forwards: 70\r\nFrom: <sip:c@192.0.2.3>;tag=c1\r\nTo: <sip:bob@192.0.2.2>;tag=TAG\r\nCall-ID: prop1\r\nCSeq: 3 UPDATE\r\nContact: <sip:c@192.0.2.3>\r\nContent-Length: 0\r\n\r\n",
  "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKbob1\r\nFrom: <sip:bob@192.0.2.2>;tag=b1\r\nTo: <sip:c@192.0.2.3>;tag=c9\r\nCall-ID: prop2\r\nCSeq: 1 INVITE\r\nContact: <sip:c@192.0.2.3>\r\nContent-Length: 0\r\n\r\n",
  "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKbob1\r\nFrom: <sip:bob@192.0.2.2>;tag=b1\r\nTo: <sip:c@192.0.2.3>;tag=c9\r\nCall-ID: prop2\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
];

type Edit = { kind: "set"; at: number; byte: number } | { kind: "insert"; at: number; bytes: number[] } | { kind: "delete"; at: number; len: number } | { kind: "dupLine"; at: number } | { kind: "crlf"; at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant("dupLine" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("crlf" as const), at: fc.nat() }),
);

function mutate(text: string, edits: readonly Edit[]): Uint8Array {
  let b = Array.from(enc.encode(text));
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % b.length;
    if (e.kind === "set") b[at] = e.byte;
    else if (e.kind === "insert") b.splice(at, 0, ...e.bytes);
    else if (e.kind === "delete") b.splice(at, e.len);
    else if (e.kind === "crlf") b.splice(at, 0, 0x0d, 0x0a);
    else {
      const s = dec.decode(new Uint8Array(b));
      const lines = s.split("\r\n");
      const i = at % Math.max(1, lines.length - 2);
      lines.splice(i + 1, 0, lines[i + 1] ?? "");
      b = Array.from(enc.encode(lines.join("\r\n")));
    }
  }
  return new Uint8Array(b);
}

const origin: Origin = { protocol: "udp", remoteAddress: "192.0.2.3", remotePort: 5060, localAddress: "192.0.2.2", localPort: 5060, listenerId: 0, connectionId: undefined };

/** Requests that use the extensions: 100rel and a session interval, a PRACK, an UPDATE refreshing the session. */
const EXT: readonly string[] = [
  "INVITE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.3:5060;branch=z9hG4bKx1;rport\r\nMax-Forwards: 70\r\nFrom: <sip:c@192.0.2.3>;tag=c1\r\nTo: <sip:bob@192.0.2.2>\r\nCall-ID: prop3\r\nCSeq: 1 INVITE\r\nContact: <sip:c@192.0.2.3>\r\nSupported: 100rel, timer\r\nRequire: 100rel\r\nSession-Expires: 90;refresher=uac\r\nMin-SE: 90\r\nContent-Type: application/sdp\r\nContent-Length: 24\r\n\r\nv=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
  "PRACK sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.3:5060;branch=z9hG4bKx2\r\nMax-Forwards: 70\r\nFrom: <sip:c@192.0.2.3>;tag=c1\r\nTo: <sip:bob@192.0.2.2>;tag=TAG\r\nCall-ID: prop3\r\nCSeq: 2 PRACK\r\nRAck: 1073741824 1 INVITE\r\nContent-Length: 0\r\n\r\n",
  "UPDATE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.3:5060;branch=z9hG4bKx3\r\nMax-Forwards: 70\r\nFrom: <sip:c@192.0.2.3>;tag=c1\r\nTo: <sip:bob@192.0.2.2>;tag=TAG\r\nCall-ID: prop3\r\nCSeq: 3 UPDATE\r\nContact: <sip:c@192.0.2.3>\r\nSupported: timer\r\nSession-Expires: 90;refresher=uac\r\nContent-Length: 0\r\n\r\n",
];

function bobKit(extensions = false): { k: Kit; inject: (bytes: Uint8Array) => void } {
  const k = makeKit(extensions ? { ua: { reliable: "supported", sessionTimer: { expiresS: 120 } } } : {});
  let n = 0;
  k.bob.ua.onInvite((s) => {
    n++;
    // Vary what the application does: answer, reject, ring and give up after a minute (an INVITE
    // server transaction has no timer in Proceeding: ending an unanswered call is the application's part).
    if (n % 3 === 0) s.reject(486);
    else if (n % 3 === 1) s.accept({ body: sdp(1, "192.0.2.2") });
    else {
      s.progress(183, { body: sdp(1, "192.0.2.2"), reliable: extensions });
      k.clock.setTimer(60_000, () => {
        if (s.pending) s.reject(480);
      });
    }
  });
  const raw = new LoopbackTransport(k.net, { address: "192.0.2.3" });
  raw.setUser({ receiveMessage: () => undefined });
  return {
    k,
    inject: (bytes) => {
      // Straight onto the network: the packet goes through bob's transport receive path.
      k.net.send(raw, "udp", "192.0.2.2", 5060, bytes);
      k.clock.advance(20);
    },
  };
}

describe("property: malformed and mutated input never throws or hangs", () => {
  it("readInbound: any octets give a message, an answer or a drop", () => {
    const opts = { stream: false, limits: { maxMessageBytes: 4096, maxHeaders: 64 }, isOurSentBy: () => true, makeTag: () => "t" };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const r = readInbound(bytes, origin, opts);
        expect(["message", "answer", "drop"]).toContain(r.kind);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...BASE), fc.array(edit, { maxLength: 6 }), (text, edits) => {
        const r = readInbound(mutate(text, edits), origin, { ...opts, stream: true });
        expect(["message", "answer", "drop"]).toContain(r.kind);
      }),
      { numRuns: 2000 },
    );
  });

  it("the whole stack: mutated requests and responses into a UA", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...BASE), fc.array(edit, { maxLength: 4 })), { minLength: 1, maxLength: 12 }), (msgs) => {
        const { k, inject } = bobKit();
        for (const [text, edits] of msgs) inject(mutate(text, edits));
        // Everything the messages started is over once the longest timers (64*T1, and 64*T1 more for a BYE) ran.
        k.clock.advance(200_000);
        expect(k.bob.transactions.serverCount).toBe(0);
        expect(k.bob.transactions.clientCount).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("the whole stack with 100rel and session timers on: mutated INVITE, PRACK, UPDATE, ACK, BYE; every transaction ends", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...EXT, ...BASE), fc.array(edit, { maxLength: 3 })), { minLength: 1, maxLength: 10 }), (msgs) => {
        const { k, inject } = bobKit(true);
        for (const [text, edits] of msgs) inject(mutate(text, edits));
        // A reliable 1xx gives up at 64*T1; a session refresh to nobody times out and its BYE too.
        k.clock.advance(300_000);
        expect(k.bob.transactions.serverCount).toBe(0);
        expect(k.bob.transactions.clientCount).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it("the whole stack: random octets into a UA", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 10 }), (packets) => {
        const { k, inject } = bobKit();
        for (const p of packets) inject(p);
        k.clock.advance(200_000);
        expect(k.bob.transactions.serverCount).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
