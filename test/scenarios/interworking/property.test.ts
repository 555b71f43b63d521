/**
 * Whatever the SIP side answers (any status, bodies that are not SDP or are
 * broken, provisional responses in any order, an answer or none) and whenever
 * either side hangs up, a call through the interworking unit ends with every
 * circuit idle on both ISUP nodes, no call left in the unit and no RTP port or
 * stream left in the media switch; nothing throws.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { InviteServerSession } from "../../../src/sip/ua/index.js";
import { allIdle, iam } from "../isup/harness.js";
import { makeBench } from "./harness.js";

const SDP_OK = "v=0\r\no=- 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 30000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n";

type Body = { contentType: string; content: string } | undefined;
const bodies = fc.constantFrom<Body>(
  undefined,
  { contentType: "application/sdp", content: SDP_OK },
  { contentType: "application/sdp", content: "v=0\r\nm=audio x RTP/AVP\r\n" },
  { contentType: "application/sdp", content: SDP_OK.replace("RTP/AVP 8", "RTP/AVP 18").replace("PCMA", "G729") },
  { contentType: "text/plain", content: "hello" },
  { contentType: "multipart/mixed;boundary=zz", content: "--zz\r\nContent-Type: application/ISUP;version=nope\r\nContent-Disposition: signal;handling=required\r\n\r\n\x01\x02\r\n--zz--\r\n" },
);

type Step = { kind: "progress"; status: number; body: Body } | { kind: "final"; status: number; body: Body } | { kind: "wait"; ms: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("progress" as const), status: fc.constantFrom(180, 181, 182, 183, 199), body: bodies }),
  fc.record({ kind: fc.constant("final" as const), status: fc.constantFrom(200, 200, 200, 403, 404, 408, 480, 486, 487, 488, 500, 503, 600, 603), body: bodies }),
  fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 400 }) }),
);

describe("ISUP -> SIP calls under any SIP behaviour", () => {
  it("always end with idle circuits, no call and no media left", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 6 }), fc.constantFrom("isup", "sip", "none"), fc.integer({ min: 0, max: 800 }), async (steps, hangup, hangupAt) => {
        const b = makeBench();
        b.pair.startBoth();
        let callee: InviteServerSession | undefined;
        b.peer.onInvite((s) => {
          callee = s;
        });
        const out = b.pair.b.node.setupRequest({ group: "to-A", iam: iam("itu", "2125551234") });
        if (!out.ok) throw new Error(out.reason);
        await b.run(100);
        let elapsed = 0;
        for (const s of steps) {
          if (hangup !== "none" && elapsed >= hangupAt) break;
          if (s.kind === "wait") {
            await b.run(s.ms);
            elapsed += s.ms;
            continue;
          }
          const c = callee;
          if (!c || c.isEnded || c.state !== "Proceeding") break;
          // The peer is this project's UA: what it refuses to send (a 2xx without the answer the
          // offer needs) is sent in its nearest legal form instead.
          try {
            if (s.kind === "progress") c.progress(s.status, s.body ? { body: s.body } : {});
            else if (s.status === 200) c.accept(s.body ? { body: s.body } : {});
            else c.reject(s.status, s.body ? { body: s.body } : {});
          } catch {
            if (s.kind === "final" && s.status === 200) c.accept({ body: { contentType: "application/sdp", content: SDP_OK } });
          }
          await b.run(50);
          elapsed += 50;
        }
        if (hangup === "isup") b.pair.b.node.releaseRequest(out.call, { cause: 16, location: 0 });
        else if (hangup === "sip" && callee && !callee.isEnded) {
          if (callee.state === "Proceeding") callee.reject(486);
          else callee.bye();
        } else if (hangup === "none") b.pair.b.node.releaseRequest(out.call, { cause: 16, location: 0 });
        // T1/T5 of ISUP and SIP timer B/H at most: a minute of manual time settles everything.
        await b.run(70_000);
        expect(allIdle(b.pair)).toEqual([]);
        expect(b.unit.list()).toEqual([]);
        expect(b.media.streams.size).toBe(0);
        expect([...b.media.openPorts]).toEqual([]);
        b.pair.stop();
      }),
      { numRuns: 60, seed: 20261122 },
    );
  }, 120_000);
});

type IsupStep = { kind: "acm" } | { kind: "cpg"; event: number } | { kind: "anm" } | { kind: "rel"; cause: number } | { kind: "wait"; ms: number };
const isupStep: fc.Arbitrary<IsupStep> = fc.oneof(
  fc.constant({ kind: "acm" as const }),
  fc.record({ kind: fc.constant("cpg" as const), event: fc.constantFrom(1, 2, 3, 4, 6, 0x40) }),
  fc.constant({ kind: "anm" as const }),
  fc.record({ kind: fc.constant("rel" as const), cause: fc.constantFrom(1, 16, 17, 18, 21, 31, 34, 44, 88, 99, 127) }),
  fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 400 }) }),
);

const OFFER = "v=0\r\no=- 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n";

describe("SIP -> ISUP calls under any exchange behaviour", () => {
  it("always end with idle circuits, no call and no media left", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(isupStep, { maxLength: 6 }), fc.constantFrom("cancel-or-bye", "none"), fc.integer({ min: 0, max: 800 }), async (steps, hangup, hangupAt) => {
        const b = makeBench();
        b.pair.startBoth();
        let incoming: number | undefined;
        b.pair.b.user.onIndication = (ind) => {
          if (ind.primitive === "SETUP.ind") incoming = ind.call;
        };
        const call = b.peer.invite({ uri: "sip:5551234@192.0.2.1", from: "<sip:3125550100@192.0.2.2>", to: "<sip:5551234@192.0.2.1>", target: { protocol: "udp", host: "192.0.2.1", port: 5060 }, body: { contentType: "application/sdp", content: OFFER } });
        let answered = false;
        call.on("answered", () => (answered = true));
        await b.run(100);
        let elapsed = 0;
        for (const s of steps) {
          if (hangup !== "none" && elapsed >= hangupAt) break;
          if (s.kind === "wait") {
            await b.run(s.ms);
            elapsed += s.ms;
            continue;
          }
          const c = incoming;
          if (c === undefined) break;
          const node = b.pair.b.node;
          // Requests the far exchange's call control refuses in its state are simply not sent.
          if (s.kind === "acm") node.addressCompleteRequest(c, b.pair.sample("ACM"));
          else if (s.kind === "cpg") node.progressRequest(c, { messageType: "CPG", parameters: [{ name: "eventInformation", value: { eventIndicator: s.event, eventPresentationRestrictedIndicator: 0 } }] });
          else if (s.kind === "anm") node.answerRequest(c, b.pair.sample("ANM"));
          else node.releaseRequest(c, { cause: s.cause, location: 0 });
          await b.run(50);
          elapsed += 50;
        }
        if (hangup === "cancel-or-bye") {
          if (answered) call.bye();
          else call.cancel();
        } else if (incoming !== undefined) b.pair.b.node.releaseRequest(incoming, { cause: 16, location: 0 });
        await b.run(70_000);
        expect(allIdle(b.pair)).toEqual([]);
        expect(b.unit.list()).toEqual([]);
        expect(b.media.streams.size).toBe(0);
        expect([...b.media.openPorts]).toEqual([]);
        b.pair.stop();
      }),
      { numRuns: 60, seed: 20261122 },
    );
  }, 120_000);
});
