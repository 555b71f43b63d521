/**
 * G.711 A-law and mu-law companding for test far ends and measurements
 * (ITU-T G.711 §2, Tables 1a/2a: segment/quantisation layout; A-law even
 * bits inverted, i.e. XOR 0x55; mu-law all bits inverted, bias 33 on the
 * 14-bit scale). Linear values are on a 16-bit scale (13-bit A-law and
 * 14-bit mu-law values shifted left), so full scale is +/-32768.
 *
 * Reference levels (G.711 §3, "theoretical load capacity"): a sine whose
 * peak reaches the coder's overload point has +3.14 dBm0 (A-law) or
 * +3.17 dBm0 (mu-law). A 0 dBm0 sine therefore has peak 32768*10^(-3.14/20)
 * (A-law).
 */

export const ALAW_TMAX_DBM0 = 3.14;
export const ULAW_TMAX_DBM0 = 3.17;

/** Peak of a sine at `dbm0` on the 16-bit scale. */
export function sinePeak(dbm0: number, law: "alaw" | "ulaw" = "alaw"): number {
  const tmax = law === "alaw" ? ALAW_TMAX_DBM0 : ULAW_TMAX_DBM0;
  return 32768 * 10 ** ((dbm0 - tmax) / 20);
}

/** Level in dBm0 of samples on the 16-bit scale (RMS against a 0 dBm0 sine). */
export function levelDbm0(samples: Float64Array, law: "alaw" | "ulaw" = "alaw"): number {
  let sum = 0;
  for (const x of samples) sum += x * x;
  const rms = Math.sqrt(sum / samples.length);
  const rms0 = sinePeak(0, law) / Math.SQRT2;
  return 20 * Math.log10(rms / rms0);
}

export function alawEncode(pcm16: number): number {
  let v = Math.max(-32768, Math.min(32767, Math.round(pcm16))) >> 3; // 13-bit
  let mask: number;
  if (v >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    v = -v - 1;
  }
  let seg = 0;
  while (seg < 8 && v > (0x20 << seg) - 1) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  const mantissa = seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
  return ((seg << 4) | mantissa) ^ mask;
}

export function alawDecode(a: number): number {
  const v = a ^ 0x55;
  const seg = (v & 0x70) >> 4;
  let t = (v & 0x0f) << 4;
  if (seg === 0) t += 8;
  else t = (t + 0x108) << (seg - 1);
  return v & 0x80 ? t : -t;
}

export function ulawEncode(pcm16: number): number {
  const BIAS = 0x84;
  let v = Math.max(-32768, Math.min(32767, Math.round(pcm16))) >> 2; // 14-bit
  let mask: number;
  if (v < 0) {
    v = -v;
    mask = 0x7f;
  } else mask = 0xff;
  v = Math.min(v + (BIAS >> 2), 0x1fff);
  let seg = 0;
  while (seg < 8 && v > (0x40 << seg) - 1) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((v >> (seg + 1)) & 0x0f)) ^ mask;
}

export function ulawDecode(u: number): number {
  const v = ~u & 0xff;
  let t = ((v & 0x0f) << 3) + 0x84;
  t <<= (v & 0x70) >> 4;
  return v & 0x80 ? 0x84 - t : t - 0x84;
}
