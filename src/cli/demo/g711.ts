/**
 * G.711 companding for the demo's telephone (ITU-T G.711 (11/88)):
 *  - A-law, Table 1a: 13-bit signed magnitude, segment 0 and 1 with
 *    quantising interval 2, segment s >= 2 with interval 2^s; even bits
 *    inverted on the line (XOR 0x55); bit 8 is 1 for positive values.
 *  - mu-law, Table 2a: 14-bit signed magnitude biased by 33, segment s
 *    covering [32*2^s, 64*2^s) of the biased value; every bit inverted on
 *    the line; bit 8 is 1 for positive values.
 * Linear samples are on a 16-bit scale: the A-law 13-bit value times 8, the
 * mu-law 14-bit value times 4.
 *
 * Levels (G.711 §3, theoretical load capacity): a sine whose peak is the
 * coder's overload point is +3.14 dBm0 (A-law) or +3.17 dBm0 (mu-law). The
 * overload point is 4096 on the A-law 13-bit scale and 8159 on the mu-law
 * 14-bit scale (Table 2a's last decision value).
 */

export type G711Law = "alaw" | "ulaw";

/** Peak, on the 16-bit scale, of a sine at the theoretical load capacity. */
const OVERLOAD_PEAK: Readonly<Record<G711Law, number>> = { alaw: 4096 * 8, ulaw: 8159 * 4 };
/** G.711 §3: the level of that sine. */
const LOAD_CAPACITY_DBM0: Readonly<Record<G711Law, number>> = { alaw: 3.14, ulaw: 3.17 };

/** Peak (16-bit scale) of a sine at `dbm0` for this law. */
export function sinePeakFor(dbm0: number, law: G711Law): number {
  return OVERLOAD_PEAK[law] * 10 ** ((dbm0 - LOAD_CAPACITY_DBM0[law]) / 20);
}

/** RMS (16-bit scale) of a 0 dBm0 sine for this law. */
export function zeroDbm0Rms(law: G711Law): number {
  return sinePeakFor(0, law) / Math.SQRT2;
}

function clamp16(x: number): number {
  const v = Math.round(x);
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** Index of the highest set bit (v > 0). */
function topBit(v: number): number {
  return 31 - Math.clz32(v);
}

export function alawFromLinear(sample: number): number {
  const x = clamp16(sample);
  const positive = x >= 0;
  // The negative side is the one's complement of the positive one (G.711 Table 1a is symmetric).
  const mag = Math.min((positive ? x : ~x) >> 3, 4095);
  let seg: number;
  let mant: number;
  if (mag < 32) {
    seg = 0;
    mant = mag >> 1;
  } else {
    seg = topBit(mag) - 4;
    mant = (mag >> seg) & 0x0f;
  }
  return ((positive ? 0x80 : 0) | (seg << 4) | mant) ^ 0x55;
}

export function alawToLinear(code: number): number {
  const c = (code & 0xff) ^ 0x55;
  const seg = (c >> 4) & 0x07;
  const mant = c & 0x0f;
  // The decoder's output is the middle of the quantising interval.
  const mag = seg === 0 ? 2 * mant + 1 : (2 * mant + 33) << (seg - 1);
  return (c & 0x80) !== 0 ? mag * 8 : -mag * 8;
}

const MU_BIAS = 33;
/** The largest biased magnitude a code represents (segment 7, step 15). */
const MU_MAX_BIASED = 8191;

export function ulawFromLinear(sample: number): number {
  const x = clamp16(sample);
  const positive = x >= 0;
  const biased = Math.min(((positive ? x : ~x) >> 2) + MU_BIAS, MU_MAX_BIASED);
  const seg = topBit(biased) - 5;
  const mant = (biased >> (seg + 1)) & 0x0f;
  return (positive ? 0x80 : 0) | (~((seg << 4) | mant) & 0x7f);
}

export function ulawToLinear(code: number): number {
  const c = ~code & 0xff;
  const seg = (c >> 4) & 0x07;
  const mant = c & 0x0f;
  const mag = ((2 * mant + MU_BIAS) << seg) - MU_BIAS;
  // Both zero codes (0xFF, 0x7F) decode to 0.
  return (c & 0x80) !== 0 && mag !== 0 ? -mag * 4 : mag * 4;
}

const ALAW_TABLE = Int16Array.from({ length: 256 }, (_, i) => alawToLinear(i));
const ULAW_TABLE = Int16Array.from({ length: 256 }, (_, i) => ulawToLinear(i));

/** Decode G.711 octets into `out` (same length) on the 16-bit scale. */
export function decodeG711(law: G711Law, octets: Uint8Array, out: Float64Array, at = 0): void {
  const t = law === "alaw" ? ALAW_TABLE : ULAW_TABLE;
  for (let i = 0; i < octets.length; i++) out[at + i] = t[octets[i] as number] as number;
}

export function encodeG711(law: G711Law, sample: number): number {
  return law === "alaw" ? alawFromLinear(sample) : ulawFromLinear(sample);
}
