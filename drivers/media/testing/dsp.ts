/**
 * Signal helpers for the media tests: G.711 coding (ITU-T G.711 Tables 1a/1b/2a/2b, the
 * segment/quantisation rules written out independently of spandsp), tone and noise generators,
 * and measurements (Goertzel power, frequency by a fine DFT scan, power in dB).
 */

/** G.711 A-law encoding of a 16-bit linear sample (13-bit magnitude, even bits inverted). */
export function linearToAlaw(sample: number): number {
  let pcm = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3; // 13-bit
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  let seg = 0;
  for (let v = pcm >> 5; v > 0 && seg < 8; v >>= 1) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  const mant = seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f;
  return ((seg << 4) | mant) ^ mask;
}

/** G.711 A-law decoding to a 16-bit linear sample (segment midpoints). */
export function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  t += 8;
  if (seg > 0) t += 0x100;
  if (seg > 1) t <<= seg - 1;
  return a & 0x80 ? t : -t;
}

/** G.711 mu-law encoding (bias 0x84). */
export function linearToUlaw(sample: number): number {
  let pcm = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = pcm < 0 ? 0x7f : 0xff;
  if (pcm < 0) pcm = -pcm;
  pcm = Math.min(pcm + 0x84, 0x7fff);
  let seg = 0;
  for (let v = pcm >> 7; v > 1 && seg < 7; v >>= 1) seg++;
  const mant = (pcm >> (seg + 3)) & 0x0f;
  return ((seg << 4) | mant) ^ sign;
}

/** G.711 mu-law decoding. */
export function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  let t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  t -= 0x84;
  return u & 0x80 ? -t : t;
}

export type Law = "alaw" | "ulaw";
export const encode = (law: Law, s: number): number => (law === "alaw" ? linearToAlaw(s) : linearToUlaw(s));
export const decode = (law: Law, c: number): number => (law === "alaw" ? alawToLinear(c) : ulawToLinear(c));

/** Amplitude of a sine at `dbm0` (G.711: 0 dBm0 = 3.14 dBov, full scale sine of 32767 is +3.14 dBm0). */
export function dbm0ToAmplitude(dbm0: number): number {
  return 32767 * Math.pow(10, (dbm0 - 3.14) / 20);
}

/** A continuous multi-tone oscillator producing G.711 blocks. */
export class ToneSource {
  private n = 0;
  constructor(
    private readonly freqsHz: readonly number[],
    private readonly dbm0: number,
    private readonly law: Law,
  ) {}

  linear(count: number): Float64Array {
    const out = new Float64Array(count);
    const amp = dbm0ToAmplitude(this.dbm0);
    for (let i = 0; i < count; i++, this.n++) {
      let v = 0;
      for (const f of this.freqsHz) v += amp * Math.sin((2 * Math.PI * f * this.n) / 8000);
      out[i] = v;
    }
    return out;
  }

  block(count: number): Uint8Array {
    return Uint8Array.from(this.linear(count), (v) => encode(this.law, v));
  }
}

/** Deterministic Gaussian-ish noise (sum of uniforms) for echo tests. */
export class NoiseSource {
  private state: number;
  constructor(seed: number, private readonly rms: number) {
    this.state = seed >>> 0 || 1;
  }
  private uniform(): number {
    // xorshift32
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x / 0x100000000;
  }
  next(): number {
    let s = 0;
    for (let i = 0; i < 12; i++) s += this.uniform();
    return (s - 6) * this.rms;
  }
}

/** Goertzel power of `freq` in a block of linear samples. */
export function goertzelPower(samples: ArrayLike<number>, freqHz: number): number {
  const k = (2 * Math.PI * freqHz) / 8000;
  const coeff = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = (samples[i] ?? 0) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/** Frequency of the strongest component between lo and hi Hz (step Hz resolution). */
export function peakFrequency(samples: ArrayLike<number>, loHz: number, hiHz: number, stepHz = 0.25): number {
  let best = loHz;
  let bestP = -1;
  for (let f = loHz; f <= hiHz; f += stepHz) {
    const p = goertzelPower(samples, f);
    if (p > bestP) {
      bestP = p;
      best = f;
    }
  }
  return best;
}

export function meanPower(samples: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < samples.length; i++) s += (samples[i] ?? 0) ** 2;
  return samples.length > 0 ? s / samples.length : 0;
}

export const powerDb = (p: number): number => 10 * Math.log10(Math.max(p, 1e-12));
