/**
 * Initial alignment control (IAC), Q.703 §7 and the IAC diagram of §12.
 *
 *           Start (send SIO)
 *   +------+ ------------> +------------+  SIO/SIN/SIE (send SIN or SIE)  +---------+
 *   | Idle |               | NotAligned | ------------------------------> | Aligned |
 *   +------+ <------------ +------------+                                 +---------+
 *      ^      Stop, T2 (alignment not possible)                  SIN/SIE |   ^  T3, SIOS, Stop
 *      |                                                  (start AERM, T4)|   |  -> Idle
 *      |          T4 expired, no further proving                         v   | SIO
 *      +------- alignment complete ------ +---------------+  SIE or  +------------------+
 *      |                                  | ProvingNormal | -------> | ProvingEmergency |
 *      +-- SIOS, Stop, M aborts --------- +---------------+ Emergency+------------------+
 *                                          (T4 = Pn)                   (T4 = Pe)
 *
 * The proving period is Pe when this end is in emergency or the far end sends
 * SIE, else Pn (§7.3). AERM "abort proving" counts an attempt (Cp); after M
 * (5) attempts alignment is not possible; otherwise proving restarts when T4
 * expires ("further proving", §7.3).
 */
import type { Clock } from "../../core/clock.js";
import { FsmInstance } from "../../core/fsm.js";
import type { FsmDefinition } from "../../core/fsm.js";
import type { Logger } from "../../core/logger.js";
import { Q703_MONITOR } from "./error-rate-monitors.js";
import type { RunQueue } from "./run-queue.js";
import { serialized } from "./run-queue.js";
import type { Mtp2TimerValues } from "./timers.js";

export type IacState = "Idle" | "NotAligned" | "Aligned" | "ProvingNormal" | "ProvingEmergency";
export type IacEvent = "Start" | "Stop" | "Emergency" | "EmergencyCeases" | "SIO" | "SIN" | "SIE" | "SIOS" | "T2" | "T3" | "T4" | "AbortProving";

export const iacDefinition: FsmDefinition<IacState, IacEvent> = {
  name: "MTP2-IAC",
  initial: "Idle",
  states: {
    Idle: { accepts: ["Start", "Stop", "Emergency", "EmergencyCeases"], to: ["NotAligned"] },
    NotAligned: {
      accepts: ["Stop", "Emergency", "EmergencyCeases", "SIO", "SIN", "SIE", "T2"],
      to: ["Idle", "Aligned"],
      timer: { name: "T2", expiry: "T2" },
    },
    Aligned: {
      accepts: ["Stop", "Emergency", "EmergencyCeases", "SIN", "SIE", "SIOS", "T3"],
      to: ["Idle", "ProvingNormal", "ProvingEmergency"],
      timer: { name: "T3", expiry: "T3" },
    },
    ProvingNormal: {
      accepts: ["Stop", "Emergency", "EmergencyCeases", "SIO", "SIE", "SIOS", "T4", "AbortProving"],
      to: ["Idle", "Aligned", "ProvingNormal", "ProvingEmergency"],
      timer: { name: "T4n", expiry: "T4" },
    },
    ProvingEmergency: {
      accepts: ["Stop", "Emergency", "EmergencyCeases", "SIO", "SIOS", "T4", "AbortProving"],
      to: ["Idle", "Aligned", "ProvingEmergency"],
      timer: { name: "T4e", expiry: "T4" },
    },
  },
};

/** Why alignment failed, reported to LSC and from there to Level 3. */
export type AlignmentFailure = "T2 expired" | "T3 expired" | "SIOS received" | "proving failed M times";

export interface IacContext {
  /** Change the LSSU that TXC sends (Q.703 §7.2). */
  sendStatus(status: "SIO" | "SIN" | "SIE"): void;
  aermStart(emergency: boolean): void;
  aermStop(): void;
  alignmentComplete(): void;
  alignmentNotPossible(reason: AlignmentFailure): void;
}

export interface IacOptions {
  readonly id: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: Mtp2TimerValues;
  readonly queue: RunQueue;
}

export class InitialAlignmentControl {
  readonly fsm: FsmInstance<IacState, IacEvent>;
  private localEmergency = false;
  private remoteEmergency = false;
  /** Proving attempts aborted by the AERM in this alignment (Cp). */
  private cp = 0;
  private furtherProving = false;

  constructor(opts: IacOptions, ctx: IacContext) {
    const emergency = (): boolean => this.localEmergency || this.remoteEmergency;
    const fail = (i: FsmInstance<IacState, IacEvent>, reason: AlignmentFailure): void => {
      ctx.aermStop();
      i.transition("Idle");
      ctx.alignmentNotPossible(reason);
    };
    const toAligned = (i: FsmInstance<IacState, IacEvent>): void => {
      ctx.sendStatus(emergency() ? "SIE" : "SIN");
      i.transition("Aligned");
    };
    const startProving = (i: FsmInstance<IacState, IacEvent>): void => {
      this.cp = 0;
      this.furtherProving = false;
      ctx.aermStart(emergency());
      i.transition(emergency() ? "ProvingEmergency" : "ProvingNormal");
    };
    const toEmergencyProving = (i: FsmInstance<IacState, IacEvent>): void => {
      ctx.aermStart(true);
      i.transition("ProvingEmergency");
    };
    const proving = {
      Stop: (i: FsmInstance<IacState, IacEvent>) => {
        ctx.aermStop();
        i.transition("Idle");
      },
      EmergencyCeases: () => {
        this.localEmergency = false;
      },
      SIO: (i: FsmInstance<IacState, IacEvent>) => {
        // Q.703 §7.3: SIO during proving sends the link back to "aligned".
        ctx.aermStop();
        i.transition("Aligned");
      },
      SIOS: (i: FsmInstance<IacState, IacEvent>) => fail(i, "SIOS received"),
      T4: (i: FsmInstance<IacState, IacEvent>) => {
        if (this.furtherProving) {
          this.furtherProving = false;
          ctx.aermStart(i.state === "ProvingEmergency");
          i.transition(i.state);
          return;
        }
        ctx.aermStop();
        i.transition("Idle");
        ctx.alignmentComplete();
      },
      AbortProving: (i: FsmInstance<IacState, IacEvent>) => {
        this.cp++;
        if (this.cp >= Q703_MONITOR.M) {
          i.log.info({ cp: this.cp }, `MTP2-IAC(${i.id}){${i.state}}: proving aborted ${this.cp} times`);
          fail(i, "proving failed M times");
        } else {
          this.furtherProving = true;
        }
      },
    };
    this.fsm = new FsmInstance(iacDefinition, {
      id: opts.id,
      clock: opts.clock,
      log: opts.log,
      timers: opts.timers,
      actions: serialized(opts.queue, {
        Idle: {
          Start: (i) => {
            this.remoteEmergency = false;
            ctx.sendStatus("SIO");
            i.transition("NotAligned");
          },
          Stop: () => undefined,
          Emergency: () => {
            this.localEmergency = true;
          },
          EmergencyCeases: () => {
            this.localEmergency = false;
          },
        },
        NotAligned: {
          Stop: (i) => i.transition("Idle"),
          Emergency: () => {
            this.localEmergency = true;
          },
          EmergencyCeases: () => {
            this.localEmergency = false;
          },
          SIO: (i) => toAligned(i),
          SIN: (i) => toAligned(i),
          SIE: (i) => {
            this.remoteEmergency = true;
            toAligned(i);
          },
          T2: (i) => fail(i, "T2 expired"),
        },
        Aligned: {
          Stop: (i) => i.transition("Idle"),
          Emergency: () => {
            this.localEmergency = true;
            ctx.sendStatus("SIE");
          },
          EmergencyCeases: () => {
            this.localEmergency = false;
          },
          SIN: (i) => startProving(i),
          SIE: (i) => {
            this.remoteEmergency = true;
            startProving(i);
          },
          SIOS: (i) => fail(i, "SIOS received"),
          T3: (i) => fail(i, "T3 expired"),
        },
        ProvingNormal: {
          ...proving,
          Emergency: (i) => {
            this.localEmergency = true;
            ctx.sendStatus("SIE");
            toEmergencyProving(i);
          },
          SIE: (i) => {
            this.remoteEmergency = true;
            toEmergencyProving(i);
          },
        },
        ProvingEmergency: {
          ...proving,
          Emergency: () => {
            this.localEmergency = true;
          },
        },
      }),
    });
  }

  get state(): IacState {
    return this.fsm.state;
  }
  /** Proving attempts aborted so far in this alignment. */
  get provingAttempts(): number {
    return this.cp;
  }
}
