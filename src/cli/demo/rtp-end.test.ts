import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { measureTone } from "./tone-meter.js";
import { parseRtp, PT_PCMA, PT_PCMU, RtpEnd } from "./rtp-end.js";

describe("the telephone's RTP end", () => {
  it("reads the payload after CSRCs and a header extension, without padding (RFC 3550 §5.1, §5.3.1)", () => {
    const pkt = Uint8Array.of(0xb1, 0x08, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 1, /* CSRC */ 0, 0, 0, 2, /* ext */ 0xbe, 0xde, 0, 1, 1, 2, 3, 4, /* payload */ 0xd5, 0xd4, /* padding */ 0, 2);
    expect(parseRtp(pkt)).toEqual({ pt: 8, seq: 0x1234, payload: Uint8Array.of(0xd5, 0xd4) });
    expect(parseRtp(Uint8Array.of(0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))).toBeUndefined();
    expect(parseRtp(Uint8Array.of(0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 200))).toBeUndefined();
  });

  it("never throws on any datagram", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const r = parseRtp(b);
        return r === undefined || r.payload.length <= b.length;
      }),
      { numRuns: 3000 },
    );
  });

  it("sends a paced tone that another end receives and measures, in either law", async () => {
    const now = (): number => performance.now();
    const a = await RtpEnd.open("127.0.0.1", now);
    const b = await RtpEnd.open("127.0.0.1", now);
    try {
      for (const pt of [PT_PCMA, PT_PCMU]) {
        const t0 = now();
        a.startTone({ address: "127.0.0.1", port: b.port, payloadType: pt }, 1000, -10);
        await new Promise((r) => setTimeout(r, 300));
        a.stopTone();
        await new Promise((r) => setTimeout(r, 30));
        const pkts = b.packetsBetween(pt, t0, now());
        // 20 ms packets for 300 ms, paced by the clock: 15 or 16 of them (fewer when the event loop is starved).
        expect(pkts.length).toBeGreaterThanOrEqual(12);
        expect(pkts.length).toBeLessThanOrEqual(17);
        const m = measureTone(b.audioBetween(pt, t0, now()), pt === PT_PCMA ? "alaw" : "ulaw");
        expect(Math.abs(m.hz - 1000)).toBeLessThan(0.5);
        expect(Math.abs(m.dbm0 + 10)).toBeLessThan(0.3);
      }
    } finally {
      a.close();
      b.close();
    }
  });
});
