/**
 * ISUP call control and circuit supervision timers: Q.764 Annex A, Table A.1/Q.764
 * (ITU-T values). Ranges are the ones Table A.1 gives; where it gives a single
 * value we allow a band around it for networks that tune it.
 */
import { defineTimerTable } from "../../../core/timers.js";

const S = 1_000;
const M = 60_000;

export type IsupTimerName = keyof typeof isupTimers.specs;

export const isupTimers = defineTimerTable("isup", {
  T1: { defaultMs: 15 * S, minMs: 15 * S, maxMs: 60 * S, description: "awaiting RLC after sending REL; on expiry REL is resent", clause: "Q.764 §2.3.1, Table A.1" },
  T2: { defaultMs: 3 * M, minMs: 3 * M, maxMs: 3 * M, description: "awaiting RES (user) after SUS (user) received", clause: "Q.764 §2.5.1, Table A.1" },
  T4: { defaultMs: 5 * M, minMs: 5 * M, maxMs: 15 * M, description: "user part unavailable (MTP-STATUS); on expiry UPT is sent and T4 restarted", clause: "Q.764 §2.14, Table A.1" },
  T5: { defaultMs: 5 * M, minMs: 5 * M, maxMs: 15 * M, description: "awaiting RLC after first REL; on expiry RSC is sent and maintenance alerted", clause: "Q.764 §2.10.8.2, Table A.1" },
  T6: { defaultMs: 30 * S, minMs: 10 * S, maxMs: 120 * S, description: "awaiting RES (network) after SUS (network) received; value set per Q.118", clause: "Q.764 §2.5.2, Table A.1, Q.118" },
  T7: { defaultMs: 25 * S, minMs: 20 * S, maxMs: 30 * S, description: "awaiting ACM/CON after the latest address message sent", clause: "Q.764 §2.1.4.7, Table A.1" },
  T8: { defaultMs: 12 * S, minMs: 10 * S, maxMs: 15 * S, description: "awaiting COT after IAM with continuity check required", clause: "Q.764 §2.1.8, Table A.1" },
  T9: { defaultMs: 90 * S, minMs: 90 * S, maxMs: 180 * S, description: "awaiting ANM at the outgoing international or controlling exchange", clause: "Q.764 §2.1.7.3, Table A.1" },
  T11: { defaultMs: 17 * S, minMs: 15 * S, maxMs: 20 * S, description: "awaiting an address-complete indication before sending an early ACM (interworking)", clause: "Q.764 §2.1.4.6, Table A.1" },
  T12: { defaultMs: 15 * S, minMs: 15 * S, maxMs: 60 * S, description: "awaiting BLA after BLO", clause: "Q.764 §2.8.2.1, Table A.1" },
  T13: { defaultMs: 5 * M, minMs: 5 * M, maxMs: 15 * M, description: "awaiting BLA after first BLO", clause: "Q.764 §2.8.2.1, Table A.1" },
  T14: { defaultMs: 15 * S, minMs: 15 * S, maxMs: 60 * S, description: "awaiting UBA after UBL", clause: "Q.764 §2.8.2.2, Table A.1" },
  T15: { defaultMs: 5 * M, minMs: 5 * M, maxMs: 15 * M, description: "awaiting UBA after first UBL", clause: "Q.764 §2.8.2.2, Table A.1" },
  T16: { defaultMs: 15 * S, minMs: 15 * S, maxMs: 60 * S, description: "awaiting RLC after RSC", clause: "Q.764 §2.10.3.1, Table A.1" },
  T17: { defaultMs: 5 * M, minMs: 5 * M, maxMs: 15 * M, description: "awaiting RLC after first RSC", clause: "Q.764 §2.10.3.1, Table A.1" },
  T18: { defaultMs: 15 * S, minMs: 15 * S, maxMs: 60 * S, description: "awaiting CGBA after CGB", clause: "Q.764 §2.8.2.3, Table A.1" },
  T19: { defaultMs: 5 * M, minMs: 5 * M, maxMs: 15 * M, description: "awaiting CGBA after first CGB", clause: "Q.764 §2.8.2.3, Table A.1" },
  T20: { defaultMs: 15 * S, minMs: 15 * S, maxMs: 60 * S, description: "awaiting CGUA after CGU", clause: "Q.764 §2.8.2.3, Table A.1" },
  T21: { defaultMs: 5 * M, minMs: 5 * M, maxMs: 15 * M, description: "awaiting CGUA after first CGU", clause: "Q.764 §2.8.2.3, Table A.1" },
  T22: { defaultMs: 15 * S, minMs: 15 * S, maxMs: 60 * S, description: "awaiting GRA after GRS", clause: "Q.764 §2.10.3.2, Table A.1" },
  T23: { defaultMs: 5 * M, minMs: 5 * M, maxMs: 15 * M, description: "awaiting GRA after first GRS", clause: "Q.764 §2.10.3.2, Table A.1" },
  T24: { defaultMs: 1_800, minMs: 500, maxMs: 1_999, description: "awaiting the backward continuity check tone", clause: "Q.764 §2.1.8, Table A.1" },
  T25: { defaultMs: 5 * S, minMs: 1 * S, maxMs: 10 * S, description: "delay before the first repeated continuity check", clause: "Q.764 §2.1.8, Table A.1" },
  T26: { defaultMs: 2 * M, minMs: 1 * M, maxMs: 3 * M, description: "delay before subsequent repeated continuity checks", clause: "Q.764 §2.1.8, Table A.1" },
  T27: { defaultMs: 4 * M, minMs: 4 * M, maxMs: 8 * M, description: "awaiting a continuity recheck after a failed check", clause: "Q.764 §2.1.8, Table A.1" },
  T28: { defaultMs: 10 * S, minMs: 5 * S, maxMs: 20 * S, description: "awaiting CQR after CQM", clause: "Q.764 §2.8.3, Table A.1" },
  T29: { defaultMs: 300, minMs: 300, maxMs: 600, description: "after a congestion indication: further indications are ignored while it runs", clause: "Q.764 §2.11, Table A.1" },
  T30: { defaultMs: 5 * S, minMs: 5 * S, maxMs: 10 * S, description: "after a congestion indication: on expiry traffic is restored by one step", clause: "Q.764 §2.11, Table A.1" },
  T33: { defaultMs: 14 * S, minMs: 12 * S, maxMs: 15 * S, description: "awaiting INF after INR", clause: "Q.764 §2.1.6, Table A.1" },
  T34: { defaultMs: 3 * S, minMs: 2 * S, maxMs: 4 * S, description: "awaiting the continuation of a segmented message (SGM)", clause: "Q.764 §2.1.12, Table A.1" },
  T35: { defaultMs: 20 * S, minMs: 15 * S, maxMs: 20 * S, description: "awaiting further address digits in overlap receiving (inter-digit)", clause: "Q.764 §2.1.1.2, Table A.1" },
  T38: { defaultMs: 125 * S, minMs: 120 * S, maxMs: 130 * S, description: "awaiting RES (network) at the international exchange", clause: "Q.764 §2.5.3, Table A.1" },
});
