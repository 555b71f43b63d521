/**
 * SIP transaction timers: RFC 3261 §17 and Table 4 (Appendix A), with the
 * RFC 6026 §8.7 Timer L and Timer M. T1, T2 and T4 are the base values the
 * others derive from; configuration sets them within the ranges below.
 */
import { defineTimerTable } from "../../core/timers.js";

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
});
