/**
 * MTP2 timers, Q.703 §12.3, values for 64 kbit/s signalling links.
 * T4 has two values (normal and emergency proving period), so it appears as
 * T4n and T4e. The composition root may override any value within its range.
 */
import { defineTimerTable } from "../../core/timers.js";
import type { TimerValues } from "../../core/timers.js";

export const mtp2Timers = defineTimerTable("mtp2", {
  T1: { defaultMs: 45_000, minMs: 40_000, maxMs: 50_000, description: "alignment ready (aligned ready/not ready until in service)", clause: "Q.703 §12.3, §7" },
  T2: { defaultMs: 50_000, minMs: 5_000, maxMs: 150_000, description: "not aligned (waiting for SIO/SIN/SIE after sending SIO)", clause: "Q.703 §12.3, §7" },
  T3: { defaultMs: 1_500, minMs: 1_000, maxMs: 1_500, description: "aligned (waiting for SIN/SIE after sending SIN/SIE)", clause: "Q.703 §12.3, §7" },
  T4n: { defaultMs: 8_200, minMs: 7_500, maxMs: 9_500, description: "normal proving period Pn (2^16 octet times at 64 kbit/s)", clause: "Q.703 §12.3, §7" },
  T4e: { defaultMs: 500, minMs: 400, maxMs: 600, description: "emergency proving period Pe (2^12 octet times at 64 kbit/s)", clause: "Q.703 §12.3, §7" },
  T5: { defaultMs: 100, minMs: 80, maxMs: 120, description: "sending SIB (interval between SIBs during receive congestion)", clause: "Q.703 §12.3, §9" },
  T6: { defaultMs: 5_000, minMs: 3_000, maxMs: 6_000, description: "remote congestion (longest SIB period before link failure)", clause: "Q.703 §12.3, §9" },
  T7: { defaultMs: 1_000, minMs: 500, maxMs: 2_000, description: "excessive delay of acknowledgement", clause: "Q.703 §12.3, §5.3" },
});

export type Mtp2TimerName = keyof typeof mtp2Timers.specs;
export type Mtp2TimerValues = TimerValues<Mtp2TimerName>;
