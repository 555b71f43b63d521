/**
 * Acknowledged circuit supervision procedures (ITU-T Q.764 §2.8.2, §2.8.3,
 * §2.9.3, §2.9.6, Table A.1/Q.764): a message is sent and repeated until its
 * acknowledgement arrives. Each kind has a short and a long timer:
 *
 *   BLO  T12 / T13 (awaiting BLA)     CGB  T18 / T19 (awaiting CGBA)
 *   UBL  T14 / T15 (awaiting UBA)     CGU  T20 / T21 (awaiting CGUA)
 *   RSC  T16 / T17 (awaiting RLC)     GRS  T22 / T23 (awaiting GRA)
 *   CQM  T28 only  (awaiting CQR; not repeated)
 *
 * Both timers start with the first message. On expiry of the short one the
 * message is sent again and the short timer restarted. On expiry of the long
 * one maintenance is alerted, the short timer stopped, the message sent again
 * and from then on repeated each time the long timer expires. The procedure
 * ends when acknowledged or cancelled. An RSC sent because T5 expired starts
 * directly with the long timer (Q.764 §2.9.6: T17 only).
 *
 *          start                        start (long only)
 *            |                                 |
 *            v        long: resend, alert      v
 *       +----------+ ----------------------> +------------------+
 *       | AwaitAck |                         | AwaitAckRepeated |<--+
 *       |  (short) |<--+                     |      (long)      |---+ long: resend, alert
 *       +----------+---+ short: resend       +------------------+
 *          |  | \                                  |     |
 *      ack |  |  \ expiry (no long timer)      ack |     | cancel
 *          v  |   v                                v     v
 *  +--------------+  +--------+          +--------------+  +-----------+
 *  | Acknowledged |  | Failed |          | Acknowledged |  | Cancelled |
 *  +--------------+  +--------+          +--------------+  +-----------+
 *        (final)      (final)                                 (final)
 *
 * The machine is ISUP-<kind>(<cic>), e.g. `ISUP-BLO(12){AwaitAck}: ...`.
 */
import type { Clock } from "../../../core/clock.js";
import type { FsmActions, FsmDefinition } from "../../../core/fsm.js";
import { FsmInstance } from "../../../core/fsm.js";
import type { Logger } from "../../../core/logger.js";

export type ProcedureKind = "BLO" | "UBL" | "RSC" | "CGB" | "CGU" | "GRS" | "CQM";

export type ProcedureState = "AwaitAck" | "AwaitAckRepeated" | "Acknowledged" | "Failed" | "Cancelled";
type ProcedureEvent = "ack" | "cancel" | "short" | "long";

export interface ProcedureTimers {
  readonly short: string;
  readonly long?: string;
}

/** Q.764 Table A.1: the timers of each kind. */
export const PROCEDURE_TIMERS: Readonly<Record<ProcedureKind, ProcedureTimers>> = {
  BLO: { short: "T12", long: "T13" },
  UBL: { short: "T14", long: "T15" },
  RSC: { short: "T16", long: "T17" },
  CGB: { short: "T18", long: "T19" },
  CGU: { short: "T20", long: "T21" },
  GRS: { short: "T22", long: "T23" },
  CQM: { short: "T28" },
};

function definition(kind: ProcedureKind): FsmDefinition<ProcedureState, ProcedureEvent> {
  const t = PROCEDURE_TIMERS[kind];
  const long = t.long;
  return {
    name: `ISUP-${kind}`,
    initial: "AwaitAck",
    states: {
      AwaitAck: {
        accepts: long ? ["ack", "cancel", "short", "long"] : ["ack", "cancel", "short"],
        to: long ? ["AwaitAck", "AwaitAckRepeated", "Acknowledged", "Cancelled"] : ["Acknowledged", "Failed", "Cancelled"],
        timer: { name: t.short, expiry: "short" },
      },
      AwaitAckRepeated: long
        ? { accepts: ["ack", "cancel", "long"], to: ["AwaitAckRepeated", "Acknowledged", "Cancelled"], timer: { name: long, expiry: "long" } }
        : { accepts: ["cancel"], to: ["Cancelled"] },
      Acknowledged: { accepts: [], to: [], final: true },
      Failed: { accepts: [], to: [], final: true },
      Cancelled: { accepts: [], to: [], final: true },
    },
  };
}

const DEFINITIONS: Readonly<Record<ProcedureKind, FsmDefinition<ProcedureState, ProcedureEvent>>> = {
  BLO: definition("BLO"),
  UBL: definition("UBL"),
  RSC: definition("RSC"),
  CGB: definition("CGB"),
  CGU: definition("CGU"),
  GRS: definition("GRS"),
  CQM: definition("CQM"),
};

export interface RepeatingProcedureOptions {
  readonly kind: ProcedureKind;
  /** Id in log lines (the CIC the message is sent on). */
  readonly id: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: Readonly<Record<string, number>>;
  /** Sends the message (first time and every repetition). */
  readonly send: () => void;
  /** Maintenance alert on each long-timer expiry (Q.764 §2.9.6, §2.9.4 and the T13/T15/T17/T19/T21/T23 rows of Table A.1). */
  readonly alert: (kind: ProcedureKind, repetitions: number) => void;
  /** Called once the procedure has ended, however it ended. */
  readonly done?: (outcome: "Acknowledged" | "Failed" | "Cancelled") => void;
  /** Start with the long timer only (RSC after T5). */
  readonly longOnly?: boolean;
}

class ProcedureFsm extends FsmInstance<ProcedureState, ProcedureEvent> {
  repetitions = 0;
  owner!: RepeatingProcedure;
}

function resend(inst: FsmInstance<ProcedureState, ProcedureEvent>): ProcedureFsm {
  const p = inst as ProcedureFsm;
  p.repetitions++;
  p.owner.options.send();
  return p;
}

const ACTIONS: FsmActions<ProcedureState, ProcedureEvent, unknown> = {
  AwaitAck: {
    ack: (i) => i.transition("Acknowledged"),
    cancel: (i) => i.transition("Cancelled"),
    short: (i) => {
      const p = i as ProcedureFsm;
      if (p.owner.timers.long === undefined) {
        i.transition("Failed");
        return;
      }
      resend(i);
      i.transition("AwaitAck");
    },
    long: (i) => {
      const p = resend(i);
      p.owner.options.alert(p.owner.kind, p.repetitions);
      i.transition("AwaitAckRepeated");
    },
  },
  AwaitAckRepeated: {
    ack: (i) => i.transition("Acknowledged"),
    cancel: (i) => i.transition("Cancelled"),
    long: (i) => {
      const p = resend(i);
      p.owner.options.alert(p.owner.kind, p.repetitions);
      i.transition("AwaitAckRepeated");
    },
  },
};

/** One procedure in progress: the message is sent at once. */
export class RepeatingProcedure {
  readonly kind: ProcedureKind;
  readonly options: RepeatingProcedureOptions;
  readonly timers: ProcedureTimers;
  private readonly fsm: ProcedureFsm;

  constructor(options: RepeatingProcedureOptions) {
    this.kind = options.kind;
    this.options = options;
    this.timers = PROCEDURE_TIMERS[options.kind];
    const def = DEFINITIONS[options.kind];
    this.fsm = new ProcedureFsm(def, {
      id: options.id,
      clock: options.clock,
      log: options.log,
      timers: options.timers,
      actions: ACTIONS,
      onTerminate: (inst) => {
        const s = inst.state;
        options.done?.(s === "Acknowledged" || s === "Failed" ? s : "Cancelled");
      },
    });
    this.fsm.owner = this;
    options.send();
    if (this.timers.long !== undefined) {
      if (options.longOnly) this.fsm.transition("AwaitAckRepeated");
      else this.fsm.startTimer(this.timers.long, "long");
    }
  }

  get state(): ProcedureState {
    return this.fsm.state;
  }

  get active(): boolean {
    return !this.fsm.isTerminated;
  }

  /** Number of times the message was sent again. */
  get repetitions(): number {
    return this.fsm.repetitions;
  }

  /** A timer of this procedure is armed (for audits). */
  get timerRunning(): boolean {
    const t = this.timers;
    return this.fsm.timerRunning(t.short) || (t.long !== undefined && this.fsm.timerRunning(t.long));
  }

  acknowledge(): void {
    if (this.active) this.fsm.dispatch("ack");
  }

  cancel(): void {
    if (this.active) this.fsm.dispatch("cancel");
  }
}
