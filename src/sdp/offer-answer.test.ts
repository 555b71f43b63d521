import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { answerDirection, answerOffer, applyAnswer, LocalSession, localOfferAudio } from "./offer-answer.js";
import type { AudioPolicy } from "./offer-answer.js";
import { parseSdp } from "./session-description.js";
import type { Direction } from "./session-description.js";

const policy: AudioPolicy = { codecs: ["PCMA", "PCMU"], telephoneEvent: { payloadType: 101, events: "0-16" }, ptimeMs: 20 };
const crlf = (lines: string[]) => lines.join("\r\n") + "\r\n";

// Shaped like what a carrier SBC offers: several codecs, telephone-event on 101, ptime 20.
const sbcOffer = crlf([
  "v=0",
  "o=- 3849276312 3849276312 IN IP4 127.0.0.1",
  "s=SBC",
  "c=IN IP4 127.0.0.1",
  "t=0 0",
  "m=audio 40000 RTP/AVP 18 0 8 101",
  "a=rtpmap:18 G729/8000",
  "a=fmtp:18 annexb=no",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:8 PCMA/8000",
  "a=rtpmap:101 telephone-event/8000",
  "a=fmtp:101 0-15",
  "a=ptime:20",
  "a=sendrecv",
]);

function parsed(text: string) {
  const r = parseSdp(text);
  if (!r.ok) throw new Error(`test SDP does not parse: ${r.error.reason}`);
  return r.value;
}

describe("SDP parse (RFC 4566)", () => {
  it("reads an offer's audio stream, formats and attributes", () => {
    const d = parsed(sbcOffer);
    expect(d.audio).toHaveLength(1);
    const a = d.audio[0]!;
    expect(a).toMatchObject({ port: 40000, address: "127.0.0.1", addressFamily: 4, direction: "sendrecv", ptimeMs: 20 });
    expect(a.formats.map((f) => `${f.payloadType}/${f.encoding}`)).toEqual(["18/G729", "0/PCMU", "8/PCMA", "101/TELEPHONE-EVENT"]);
    expect(a.formats[3]!.fmtp).toBe("0-15");
    expect(d.sessionVersion).toBe(3849276312n);
  });

  it("takes static payload types without rtpmap and IPv6 connection addresses", () => {
    const d = parsed(crlf(["v=0", "o=x 1 1 IN IP6 ::1", "s=-", "c=IN IP6 ::1", "t=0 0", "m=audio 5004 RTP/AVP 8 0"]));
    expect(d.audio[0]).toMatchObject({ addressFamily: 6, address: "::1" });
    expect(d.audio[0]!.formats.map((f) => f.encoding)).toEqual(["PCMA", "PCMU"]);
  });

  it.each([
    ["no v=", "o=- 1 1 IN IP4 127.0.0.1\r\n", "v="],
    ["no media", crlf(["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0"]), "m="],
    ["no connection", crlf(["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0", "m=audio 4000 RTP/AVP 0"]), "c="],
    ["bad address", crlf(["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 host.example", "t=0 0", "m=audio 4000 RTP/AVP 0"]), "c="],
    ["bad payload type", crlf(["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0", "m=audio 4000 RTP/AVP 200"]), "m=[0]"],
  ])("rejects %s with the field named", (_name, text, field) => {
    const r = parseSdp(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.field).toBe(field);
  });

  it("keeps loosely typed rtpmap fields (regression: codec read back as a number)", () => {
    const text = sbcOffer.replace("a=rtpmap:0 PCMU/8000", "a=rtpmap:0 0 ");
    expect(typeof parseSdp(text).ok).toBe("boolean");
  });

  it("never throws on arbitrary or mutated input", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        expect(typeof parseSdp(s).ok).toBe("boolean");
        expect(typeof parseSdp(`v=0\r\n${s}`).ok).toBe("boolean");
      }),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sbcOffer.length - 1 }), fc.string({ maxLength: 8 }), (at, ins) => {
        expect(typeof parseSdp(sbcOffer.slice(0, at) + ins + sbcOffer.slice(at + 1)).ok).toBe("boolean");
      }),
      { numRuns: 400 },
    );
  });
});

describe("offer/answer (RFC 3264)", () => {
  it("answers with the offerer's first acceptable codec and its telephone-event type", () => {
    const session = new LocalSession({ user: "sipt-gw", sessionId: "42", address: "127.0.0.1", sessionName: "sipt-gw" });
    const r = answerOffer(parsed(sbcOffer), policy, { address: "127.0.0.1", port: 30000, direction: "sendrecv" }, session);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.audio).toEqual({ remoteAddress: "127.0.0.1", remotePort: 40000, payloadType: 0, codec: "PCMU", telephoneEventPt: 101, ptimeMs: 20, send: true, receive: true, localDirection: "sendrecv" });
    const ans = parsed(r.sdp);
    expect(ans.audio[0]!.formats.map((f) => f.payloadType)).toEqual([0, 101]);
    expect(ans.audio[0]!.port).toBe(30000);
    expect(r.sdp).toContain("a=fmtp:101 0-15");
  });

  it("rejects extra m-lines in place with port 0 and keeps their count", () => {
    const offer = sbcOffer + crlf(["m=video 40002 RTP/AVP 96", "a=rtpmap:96 H264/90000", "m=image 40004 udptl t38"]);
    const session = new LocalSession({ user: "-", sessionId: "1", address: "127.0.0.1", sessionName: "-" });
    const r = answerOffer(parsed(offer), policy, { address: "127.0.0.1", port: 30000, direction: "sendrecv" }, session);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const ans = parsed(r.sdp);
    expect(ans.mediaCount).toBe(3);
    expect(ans.other.map((o) => [o.type, o.port])).toEqual([["video", 0], ["image", 0]]);
  });

  it("gives 488 naming what was offered when no codec fits", () => {
    const offer = crlf(["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0", "m=audio 4000 RTP/AVP 18", "a=rtpmap:18 G729/8000"]);
    const r = answerOffer(parsed(offer), policy, { address: "127.0.0.1", port: 1, direction: "sendrecv" }, new LocalSession({ user: "-", sessionId: "1", address: "127.0.0.1", sessionName: "-" }));
    expect(r).toEqual({ ok: false, status: 488, reason: "no acceptable audio codec offered (offered G729; accepted PCMA, PCMU)" });
  });

  it.each<[Direction, Direction, Direction]>([
    ["sendrecv", "sendrecv", "sendrecv"],
    ["sendonly", "sendrecv", "recvonly"],
    ["recvonly", "sendrecv", "sendonly"],
    ["inactive", "sendrecv", "inactive"],
    ["sendrecv", "sendonly", "sendonly"],
    ["sendonly", "sendonly", "inactive"],
  ])("offer %s with local wish %s is answered %s (RFC 3264 §6.1)", (offered, wanted, answered) => {
    expect(answerDirection(offered, wanted)).toBe(answered);
  });

  it("treats c=0.0.0.0 as hold (RFC 3264 §8.4) and does not send to it", () => {
    const offer = sbcOffer.replace("c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0");
    const r = answerOffer(parsed(offer), policy, { address: "127.0.0.1", port: 30000, direction: "sendrecv" }, new LocalSession({ user: "-", sessionId: "1", address: "127.0.0.1", sessionName: "-" }));
    expect(r.ok && r.audio).toMatchObject({ send: false, receive: true, localDirection: "recvonly" });
  });

  it("moves the o= version only when the description changes (RFC 3264 §8)", () => {
    const session = new LocalSession({ user: "-", sessionId: "7", address: "127.0.0.1", sessionName: "-" });
    const a = localOfferAudio(policy, { address: "127.0.0.1", port: 30000, direction: "sendrecv" });
    const v1 = parsed(session.describe([a])).sessionVersion;
    const v1again = parsed(session.describe([a])).sessionVersion;
    const hold = parsed(session.describe([{ ...a, direction: "sendonly" }]));
    expect(v1again).toBe(v1);
    expect(hold.sessionVersion).toBe(v1 + 1n);
    expect(hold.audio[0]!.direction).toBe("sendonly");
  });

  it("applies an answer to our offer, including a hold answer", () => {
    const ours = localOfferAudio(policy, { address: "127.0.0.1", port: 30000, direction: "sendrecv" });
    const answer = crlf(["v=0", "o=- 5 5 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0", "m=audio 41000 RTP/AVP 8 101", "a=rtpmap:101 telephone-event/8000", "a=ptime:30", "a=recvonly"]);
    const r = applyAnswer(ours, parsed(answer), policy);
    expect(r).toEqual({ ok: true, audio: { remoteAddress: "127.0.0.1", remotePort: 41000, payloadType: 8, codec: "PCMA", telephoneEventPt: 101, ptimeMs: 30, send: true, receive: false, localDirection: "sendonly" } });
    const rejected = applyAnswer(ours, parsed(answer.replace("m=audio 41000", "m=audio 0")), policy);
    expect(rejected).toMatchObject({ ok: false, status: 488 });
    const foreign = applyAnswer(ours, parsed(answer.replace("RTP/AVP 8 101", "RTP/AVP 18 101")), policy);
    expect(foreign).toMatchObject({ ok: false, status: 488 });
  });

  it("an answer to our offer always round-trips through our own parser", () => {
    fc.assert(
      fc.property(
        fc.subarray(["PCMU", "PCMA"] as const, { minLength: 1 }),
        fc.constantFrom<Direction>("sendrecv", "sendonly", "recvonly", "inactive"),
        fc.integer({ min: 1024, max: 65534 }),
        fc.constantFrom(10, 20, 30),
        (codecs, dir, port, ptime) => {
          const p: AudioPolicy = { codecs, telephoneEvent: { payloadType: 101, events: "0-16" }, ptimeMs: ptime as 10 | 20 | 30 };
          const s = new LocalSession({ user: "-", sessionId: "1", address: "127.0.0.1", sessionName: "-" });
          const offerText = s.describe([localOfferAudio(p, { address: "127.0.0.1", port, direction: dir })]);
          const r = answerOffer(parsed(offerText), policy, { address: "127.0.0.1", port: 30000, direction: "sendrecv" }, new LocalSession({ user: "-", sessionId: "2", address: "127.0.0.1", sessionName: "-" }));
          expect(r.ok).toBe(true);
          if (r.ok) {
            expect(r.audio.codec).toBe(codecs[0]);
            expect(r.audio.ptimeMs).toBe(ptime);
            expect(r.audio.localDirection).toBe(answerDirection(dir, "sendrecv"));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
