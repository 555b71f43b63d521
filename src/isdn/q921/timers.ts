/**
 * Q.921 data link layer timers and system parameters (Q.921 §5.9), for
 * SAPI 0 on a primary rate D-channel (64 kbit/s).
 */
import { defineTimerTable } from "../../core/timers.js";

export const q921Timers = defineTimerTable("q921", {
  T200: { defaultMs: 1_000, minMs: 500, maxMs: 5_000, description: "awaiting acknowledgement of a frame sent with P = 1 or of outstanding I frames", clause: "Q.921 §5.9.1" },
  T203: { defaultMs: 10_000, minMs: 2_000, maxMs: 60_000, description: "maximum time without frames exchanged before the link is polled; must exceed T200", clause: "Q.921 §5.9.8" },
});

/** Q.921 system parameters other than timers (Q.921 §5.9.2-§5.9.5). */
export interface Q921Parameters {
  /** Maximum number of retransmissions of a frame (N200, Q.921 §5.9.2). */
  readonly n200: number;
  /** Maximum number of octets in an information field (N201, Q.921 §5.9.3). */
  readonly n201: number;
  /** Maximum number of outstanding I frames (k, Q.921 §5.9.5). */
  readonly k: number;
}

/** The values Q.921 §5.9 gives for SAPI 0 on a primary rate access. */
export const Q921_DEFAULT_PARAMETERS: Q921Parameters = { n200: 3, n201: 260, k: 7 };

/** Problems with a parameter set, empty when it is acceptable (k must stay below the modulus, 128). */
export function checkQ921Parameters(p: Q921Parameters): string[] {
  const out: string[] = [];
  if (!Number.isInteger(p.n200) || p.n200 < 1 || p.n200 > 16) out.push(`N200 ${p.n200} is outside 1..16 (Q.921 §5.9.2)`);
  if (!Number.isInteger(p.n201) || p.n201 < 1 || p.n201 > 260) out.push(`N201 ${p.n201} is outside 1..260 octets (Q.921 §5.9.3)`);
  if (!Number.isInteger(p.k) || p.k < 1 || p.k > 127) out.push(`k ${p.k} is outside 1..127 (modulo 128, Q.921 §5.9.5)`);
  return out;
}
