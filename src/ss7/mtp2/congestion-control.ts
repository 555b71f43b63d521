/**
 * Congestion control (CC), level 2 flow control at the receiving end,
 * Q.703 §9: while receive congestion lasts, SIB is sent every T5 and
 * incoming MSUs are not acknowledged (they are discarded, see
 * basic-error-correction.ts); when it ends, normal acknowledgements resume.
 *
 *   +------+  Congestion (SIB)   +------+ --+ T5 (SIB again)
 *   | Idle | ------------------> | Busy | <-+
 *   +------+ <------------------ +------+
 *             NoCongestion, Stop
 */
import type { Clock } from "../../core/clock.js";
import { FsmInstance } from "../../core/fsm.js";
import type { FsmDefinition } from "../../core/fsm.js";
import type { Logger } from "../../core/logger.js";
import type { RunQueue } from "./run-queue.js";
import { serialized } from "./run-queue.js";
import type { Mtp2TimerValues } from "./timers.js";

export type CcState = "Idle" | "Busy";
export type CcEvent = "Congestion" | "NoCongestion" | "Stop" | "T5";

export const ccDefinition: FsmDefinition<CcState, CcEvent> = {
  name: "MTP2-CC",
  initial: "Idle",
  states: {
    Idle: { accepts: ["Congestion", "NoCongestion", "Stop"], to: ["Busy"] },
    Busy: { accepts: ["Congestion", "NoCongestion", "Stop", "T5"], to: ["Idle", "Busy"], timer: { name: "T5", expiry: "T5" } },
  },
};

export interface CcContext {
  sendSib(): void;
  /** Start or stop discarding received MSUs unacknowledged. */
  setDiscarding(on: boolean): void;
}

export interface CcOptions {
  readonly id: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: Mtp2TimerValues;
  readonly queue: RunQueue;
}

export class CongestionControl {
  readonly fsm: FsmInstance<CcState, CcEvent>;

  constructor(opts: CcOptions, ctx: CcContext) {
    const leave = (i: FsmInstance<CcState, CcEvent>): void => {
      i.transition("Idle");
      ctx.setDiscarding(false);
    };
    this.fsm = new FsmInstance(ccDefinition, {
      id: opts.id,
      clock: opts.clock,
      log: opts.log,
      timers: opts.timers,
      actions: serialized(opts.queue, {
        Idle: {
          Congestion: (i) => {
            ctx.setDiscarding(true);
            ctx.sendSib();
            i.transition("Busy");
          },
          NoCongestion: () => undefined,
          Stop: () => undefined,
        },
        Busy: {
          Congestion: () => undefined,
          NoCongestion: (i) => leave(i),
          Stop: (i) => leave(i),
          T5: (i) => {
            ctx.sendSib();
            i.transition("Busy");
          },
        },
      }),
    });
  }

  get state(): CcState {
    return this.fsm.state;
  }
}
