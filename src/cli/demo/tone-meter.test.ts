import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeG711 } from "./g711.js";
import { measureTone, ToneSource } from "./tone-meter.js";

function tone(hz: number, dbm0: number, law: "alaw" | "ulaw", n: number): Float64Array {
  const src = new ToneSource(hz, dbm0, law);
  const octets = new Uint8Array(n);
  // In 160-sample frames, as the telephone sends them: the phase carries across frames.
  for (let i = 0; i < n; i += 160) src.next(octets.subarray(i, Math.min(n, i + 160)));
  const x = new Float64Array(n);
  decodeG711(law, octets, x);
  return x;
}

describe("tone measurement", () => {
  it("measures frequency, level and purity of G.711 tones", () => {
    for (const law of ["alaw", "ulaw"] as const) {
      for (const [hz, dbm0] of [
        [1000, -10],
        [1004, 0],
        [425, -20],
        [2600, -6],
      ] as const) {
        const m = measureTone(tone(hz, dbm0, law, 4800), law);
        expect(Math.abs(m.hz - hz), `${law} ${hz}`).toBeLessThan(0.5);
        expect(Math.abs(m.dbm0 - dbm0), `${law} ${hz} level`).toBeLessThan(0.3);
        expect(m.purity, `${law} ${hz} purity`).toBeGreaterThan(0.99);
      }
    }
  });

  it("tells a mixture from a tone", () => {
    const a = tone(1000, -10, "alaw", 4800);
    const b = tone(1633, -10, "alaw", 4800);
    const mix = a.map((v, i) => v + (b[i] as number));
    expect(measureTone(mix, "alaw").purity).toBeLessThan(0.7);
  });

  it("reports silence and emptiness without a frequency", () => {
    expect(Number.isNaN(measureTone(new Float64Array(0), "alaw").hz)).toBe(true);
    const silent = measureTone(new Float64Array(800), "ulaw");
    expect(Number.isNaN(silent.hz)).toBe(true);
    expect(silent.dbm0).toBe(Number.NEGATIVE_INFINITY);
  });

  it("never throws on any samples", () => {
    fc.assert(
      fc.property(fc.float64Array({ maxLength: 400, noNaN: true, min: -40000, max: 40000 }), fc.constantFrom("alaw" as const, "ulaw" as const), (x, law) => {
        const m = measureTone(x, law);
        return m.samples === x.length && m.purity >= 0 && m.purity <= 1;
      }),
      { numRuns: 500 },
    );
  });
});
