import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { alawFromLinear, alawToLinear, decodeG711, ulawFromLinear, ulawToLinear } from "./g711.js";
import { measureTone } from "./tone-meter.js";

describe("G.711 companding", () => {
  it("codes the ends of the range and zero as G.711 Tables 1a/2a give them", () => {
    // A-law: even bits inverted; the smallest positive step is 0xD5, the largest 0xAA.
    expect(alawFromLinear(0)).toBe(0xd5);
    expect(alawFromLinear(-1)).toBe(0x55);
    expect(alawFromLinear(32767)).toBe(0xaa);
    expect(alawFromLinear(-32768)).toBe(0x2a);
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
    // mu-law: every bit inverted; zero is 0xFF, the ends 0x80 and 0x00.
    expect(ulawFromLinear(0)).toBe(0xff);
    expect(ulawFromLinear(32767)).toBe(0x80);
    expect(ulawFromLinear(-32768)).toBe(0x00);
    expect(ulawToLinear(0xff)).toBe(0);
    expect(ulawToLinear(0x7f)).toBe(0);
    // Table 2a: the last interval (decision values 7903..8159) decodes to 8031.
    expect(ulawToLinear(0x80)).toBe(8031 * 4);
    expect(alawToLinear(0xaa)).toBe(4032 * 8);
  });

  it("encodes every decoded value back to its code (the decoder outputs lie inside their intervals)", () => {
    for (let c = 0; c < 256; c++) {
      expect(alawFromLinear(alawToLinear(c))).toBe(c);
      // mu-law has two zeros (0xFF and 0x7F); the encoder writes 0xFF.
      if (c !== 0x7f) expect(ulawFromLinear(ulawToLinear(c))).toBe(c);
    }
  });

  it("is monotonic and within half a quantising step of the input", () => {
    fc.assert(
      fc.property(fc.integer({ min: -32768, max: 32766 }), (x) => {
        for (const [enc, dec] of [
          [alawFromLinear, alawToLinear],
          [ulawFromLinear, ulawToLinear],
        ] as const) {
          const y = dec(enc(x));
          const y1 = dec(enc(x + 1));
          if (y1 < y) return false;
          // The largest interval is 2^7 (A-law segment 7) on the 13-bit scale: 1024 on the 16-bit one; outside the overload point only clipping.
          if (Math.abs(x) < 32000 && Math.abs(y - x) > 512 + 8) return false;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it("decodes the digital milliwatt of G.711 Tables 5 and 6 as 1000 Hz at 0 dBm0", () => {
    const alawDmw = Uint8Array.from({ length: 1600 }, (_, i) => [0x34, 0x21, 0x21, 0x34, 0xb4, 0xa1, 0xa1, 0xb4][i % 8] as number);
    const ulawDmw = Uint8Array.from({ length: 1600 }, (_, i) => [0x1e, 0x0b, 0x0b, 0x1e, 0x9e, 0x8b, 0x8b, 0x9e][i % 8] as number);
    for (const [law, octets] of [
      ["alaw", alawDmw],
      ["ulaw", ulawDmw],
    ] as const) {
      const x = new Float64Array(octets.length);
      decodeG711(law, octets, x);
      const m = measureTone(x, law);
      expect(Math.abs(m.hz - 1000), law).toBeLessThan(0.01);
      expect(Math.abs(m.dbm0), law).toBeLessThan(0.05);
      expect(m.purity, law).toBeGreaterThan(0.99);
    }
  });
});
