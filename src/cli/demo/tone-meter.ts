/**
 * What the demo measures of a tone: its frequency (interpolated rising zero
 * crossings), its level in dBm0 (RMS against a 0 dBm0 sine, G.711 §3) and
 * its purity (the share of the signal's power at that frequency, by a
 * Goertzel filter tuned to it), and the synthesis of a test tone.
 */
import type { G711Law } from "./g711.js";
import { encodeG711, sinePeakFor, zeroDbm0Rms } from "./g711.js";

export const SAMPLE_RATE_HZ = 8000;

export interface ToneMeasurement {
  /** Frequency from the rising zero crossings; NaN when fewer than two. */
  readonly hz: number;
  readonly dbm0: number;
  /** 0..1: power at `hz` over all power (1 for a clean sine). */
  readonly purity: number;
  readonly samples: number;
}

/** Goertzel power at `hz` over `x`, normalised so that a pure sine at `hz` gives its power share 1. */
function powerShareAt(x: Float64Array, hz: number): number {
  const n = x.length;
  let energy = 0;
  for (let i = 0; i < n; i++) energy += (x[i] as number) ** 2;
  if (energy === 0 || !Number.isFinite(hz)) return 0;
  const w = (2 * Math.PI * hz) / SAMPLE_RATE_HZ;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = (x[i] as number) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const re = s1 - s2 * Math.cos(w);
  const im = s2 * Math.sin(w);
  return Math.min(1, (2 * (re * re + im * im)) / (n * energy));
}

/** Measure the tone in `x` (16-bit scale samples of a G.711 channel of law `law`). */
export function measureTone(x: Float64Array, law: G711Law): ToneMeasurement {
  const n = x.length;
  if (n === 0) return { hz: Number.NaN, dbm0: Number.NEGATIVE_INFINITY, purity: 0, samples: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (x[i] as number) ** 2;
  const rms = Math.sqrt(sum / n);
  const dbm0 = rms > 0 ? 20 * Math.log10(rms / zeroDbm0Rms(law)) : Number.NEGATIVE_INFINITY;
  // Remove the mean so a DC offset does not move the crossings.
  const mean = x.reduce((a, v) => a + v, 0) / n;
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 1; i < n; i++) {
    const a = (x[i - 1] as number) - mean;
    const b = (x[i] as number) - mean;
    if (a < 0 && b >= 0) {
      const at = i - 1 + -a / (b - a);
      if (first < 0) first = at;
      last = at;
      count++;
    }
  }
  const hz = count >= 2 && last > first ? ((count - 1) * SAMPLE_RATE_HZ) / (last - first) : Number.NaN;
  return { hz, dbm0, purity: powerShareAt(x, hz), samples: n };
}

/** A sine generator keeping its phase across frames. */
export class ToneSource {
  private sample = 0;
  private readonly peak: number;

  constructor(
    readonly hz: number,
    readonly dbm0: number,
    private readonly law: G711Law,
  ) {
    this.peak = sinePeakFor(dbm0, law);
  }

  /** Fill `out` with the next `out.length` samples, G.711 encoded. */
  next(out: Uint8Array): void {
    const w = (2 * Math.PI * this.hz) / SAMPLE_RATE_HZ;
    for (let i = 0; i < out.length; i++) out[i] = encodeG711(this.law, this.peak * Math.sin(w * (this.sample + i)));
    this.sample += out.length;
  }
}
