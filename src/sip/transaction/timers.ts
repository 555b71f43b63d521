/**
 * SIP transaction timers: RFC 3261 §17 and Table 4 (Appendix A), with the
 * RFC 6026 §8.7 Timer L and Timer M. T1, T2 and T4 are the base values the
 * others derive from; configuration sets them within the ranges below.
 *
 * `transactionTimers(overrides)` gives the effective values: a timer that is
 * not overridden follows the base it is defined from (A, E, G = T1; B, F, H,
 * J, L, M = 64*T1; I, K = T4), so setting T1 alone scales them as Table 4
 * says. Over reliable transports D, I, J and K are zero (`reliableTimers`).
 */
import type { TimerValues } from "../../core/timers.js";
import { defineTimerTable, resolveTimers } from "../../core/timers.js";

export const sipTimers = defineTimerTable("sip", {
  T1: { defaultMs: 500, minMs: 50, maxMs: 10_000, description: "RTT estimate", clause: "RFC 3261 §17.1.1.1, Table 4" },
  T2: { defaultMs: 4_000, minMs: 1_000, maxMs: 40_000, description: "maximum retransmit interval for non-INVITE requests and INVITE responses", clause: "RFC 3261 §17.1.2.2, Table 4" },
  T4: { defaultMs: 5_000, minMs: 1_000, maxMs: 50_000, description: "maximum duration a message remains in the network", clause: "RFC 3261 §17.1.2.2, Table 4" },
  B: { defaultMs: 32_000, minMs: 1_000, maxMs: 320_000, description: "INVITE transaction timeout (64*T1)", clause: "RFC 3261 §17.1.1.2" },
  C: { defaultMs: 180_000, minMs: 180_000, maxMs: 900_000, description: "proxy INVITE transaction timeout, > 3 min", clause: "RFC 3261 §16.6 step 11" },
  D: { defaultMs: 32_000, minMs: 32_000, maxMs: 320_000, description: "wait time for response retransmits (UDP), >= 32 s", clause: "RFC 3261 §17.1.1.2" },
  F: { defaultMs: 32_000, minMs: 1_000, maxMs: 320_000, description: "non-INVITE transaction timeout (64*T1)", clause: "RFC 3261 §17.1.2.2" },
  H: { defaultMs: 32_000, minMs: 1_000, maxMs: 320_000, description: "wait time for ACK receipt (64*T1)", clause: "RFC 3261 §17.2.1" },
  L: { defaultMs: 32_000, minMs: 1_000, maxMs: 320_000, description: "wait time for accepted INVITE request retransmits (64*T1)", clause: "RFC 6026 §8.7" },
  M: { defaultMs: 32_000, minMs: 1_000, maxMs: 320_000, description: "wait time for retransmission of 2xx to INVITE (64*T1)", clause: "RFC 6026 §8.7" },
  A: { defaultMs: 500, minMs: 50, maxMs: 10_000, description: "INVITE request retransmit interval, UDP only (initially T1, doubling)", clause: "RFC 3261 §17.1.1.2" },
  E: { defaultMs: 500, minMs: 50, maxMs: 10_000, description: "non-INVITE request retransmit interval, UDP only (initially T1, doubling to T2)", clause: "RFC 3261 §17.1.2.2" },
  G: { defaultMs: 500, minMs: 50, maxMs: 10_000, description: "INVITE response retransmit interval (initially T1, doubling to T2)", clause: "RFC 3261 §17.2.1" },
  I: { defaultMs: 5_000, minMs: 1_000, maxMs: 50_000, description: "wait time for ACK retransmits (T4 for UDP, 0 for reliable)", clause: "RFC 3261 §17.2.1" },
  J: { defaultMs: 32_000, minMs: 1_000, maxMs: 320_000, description: "wait time for non-INVITE request retransmits (64*T1 for UDP, 0 for reliable)", clause: "RFC 3261 §17.2.2" },
  K: { defaultMs: 5_000, minMs: 1_000, maxMs: 50_000, description: "wait time for response retransmits (T4 for UDP, 0 for reliable)", clause: "RFC 3261 §17.1.2.2" },
});

export type SipTimerName = keyof typeof sipTimers.specs;

/** Effective values of every SIP timer; derived timers follow T1 / T4 unless set themselves. */
export function transactionTimers(overrides: Readonly<Record<string, number>> = {}): TimerValues<SipTimerName> {
  const base = resolveTimers(sipTimers, overrides);
  const t1 = base.T1;
  const t4 = base.T4;
  const pick = (name: SipTimerName, derived: number): number => overrides[name] ?? derived;
  return {
    ...base,
    A: pick("A", t1),
    E: pick("E", t1),
    G: pick("G", t1),
    B: pick("B", 64 * t1),
    F: pick("F", 64 * t1),
    H: pick("H", 64 * t1),
    J: pick("J", 64 * t1),
    L: pick("L", 64 * t1),
    M: pick("M", 64 * t1),
    I: pick("I", t4),
    K: pick("K", t4),
  };
}

/** The values over a reliable transport: no waiting for retransmissions (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2). */
export function reliableTimers(t: TimerValues<SipTimerName>): TimerValues<SipTimerName> {
  return { ...t, D: 0, I: 0, J: 0, K: 0 };
}
