/**
 * MTP3 timers, Q.704 §16.8 and Q.707 §5.5 (the signalling link test), as
 * used by this signalling end point (no STP function; link inhibiting is
 * answered but never started here, so T12-T14 and T22-T23 are absent).
 */
import { defineTimerTable } from "../../core/timers.js";
import type { TimerValues } from "../../core/timers.js";

export const mtp3Timers = defineTimerTable("mtp3", {
  T1: { defaultMs: 800, minMs: 500, maxMs: 1_200, description: "delay to avoid message mis-sequencing on changeover", clause: "Q.704 §16.8, §5" },
  T2: { defaultMs: 1_400, minMs: 700, maxMs: 2_000, description: "waiting for changeover acknowledgement", clause: "Q.704 §16.8, §5" },
  T4: { defaultMs: 800, minMs: 500, maxMs: 1_200, description: "waiting for changeback acknowledgement (first attempt)", clause: "Q.704 §16.8, §6" },
  T5: { defaultMs: 800, minMs: 500, maxMs: 1_200, description: "waiting for changeback acknowledgement (second attempt)", clause: "Q.704 §16.8, §6" },
  T6: { defaultMs: 800, minMs: 500, maxMs: 1_200, description: "delay to avoid message mis-sequencing on controlled rerouting", clause: "Q.704 §16.8, §8" },
  T10: { defaultMs: 30_000, minMs: 30_000, maxMs: 60_000, description: "waiting to repeat signalling route set test message", clause: "Q.704 §16.8, §13" },
  T17: { defaultMs: 1_000, minMs: 800, maxMs: 1_500, description: "delay to avoid oscillation of initial alignment failure and link restart", clause: "Q.704 §16.8, §12" },
  T21: { defaultMs: 64_000, minMs: 63_000, maxMs: 65_000, description: "restart supervision at a signalling point adjacent to a restarting one (waiting for TRA)", clause: "Q.704 §16.8, §9" },
  SLT_T1: { defaultMs: 8_000, minMs: 4_000, maxMs: 12_000, description: "supervision timer for the signalling link test acknowledgement", clause: "Q.707 §5.5, §2.2" },
  SLT_T2: { defaultMs: 60_000, minMs: 30_000, maxMs: 90_000, description: "interval between signalling link tests of a link in service", clause: "Q.707 §5.5, §2.2" },
});

export type Mtp3TimerName = keyof typeof mtp3Timers.specs;
export type Mtp3TimerValues = TimerValues<Mtp3TimerName>;
