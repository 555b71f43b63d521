/**
 * Link state control (LSC), Q.703 §12 (LSC diagram), with the processor
 * outage procedure of §8 and the alignment ready timer T1 of §7.
 *
 *  +----------+ PowerOn +--------------+ Start  +------------------+
 *  | PowerOff | ------> | OutOfService | -----> | InitialAlignment |
 *  +----------+  (SIOS) +--------------+        +------------------+
 *                         ^  Stop, link failure, T1,      | alignment complete
 *                         |  SIO/SIOS (SIN/SIE in service) | (SUERM, T1; FISU or SIPO)
 *                         |                               v
 *                         |   LPO (SIPO)   +--------------+  LPR (FISU)   +-----------------+
 *                         +--------------- | AlignedReady | <-----------> | AlignedNotReady |
 *                         |                +--------------+  LPO (SIPO)   +-----------------+
 *                         |      FISU/MSU received |  | SIPO received       | FISU/MSU or SIPO received
 *                         |                        v  v                     v
 *                         |               +-----------+  LPO, SIPO  +-----------------+
 *                         +-------------- | InService | ----------> | ProcessorOutage |
 *                                         +-----------+ <---------- +-----------------+
 *                                                  local and remote outage both cleared
 *
 * Local processor outage (LPO) comes from Level 3 or management; remote
 * processor outage is SIPO from the far end, cleared by FISU/MSU (§8).
 */
import type { Clock } from "../../core/clock.js";
import { FsmInstance } from "../../core/fsm.js";
import type { FsmDefinition } from "../../core/fsm.js";
import type { Logger } from "../../core/logger.js";
import type { AlignmentFailure } from "./iac.js";
import type { RunQueue } from "./run-queue.js";
import { serialized } from "./run-queue.js";
import type { Mtp2TimerValues } from "./timers.js";

export type LscState = "PowerOff" | "OutOfService" | "InitialAlignment" | "AlignedReady" | "AlignedNotReady" | "InService" | "ProcessorOutage";

export type LscEvent =
  | "PowerOn"
  | "Start"
  | "Stop"
  | "Emergency"
  | "EmergencyCeases"
  | "LocalProcessorOutage"
  | "LocalProcessorRecovered"
  | "AlignmentComplete"
  | "AlignmentNotPossible"
  | "FisuMsuReceived"
  | "SIO"
  | "SIN"
  | "SIE"
  | "SIOS"
  | "SIPO"
  | "LinkFailure"
  | "T1";

/** Why the link went out of service, as reported to Level 3 (Q.703 §12, Q.704 §3.2.2). */
export type Mtp2FailureReason =
  | AlignmentFailure
  | "T1 expired"
  | "SIO received"
  | "SIN received"
  | "SIE received"
  | "abnormal BSN received"
  | "abnormal FIB received"
  | "T7 expired (excessive delay of acknowledgement)"
  | "T6 expired (excessive remote congestion)"
  | "SUERM threshold reached"
  | "stopped by level 3";

const failures: readonly LscEvent[] = ["Stop", "LinkFailure", "SIO", "SIOS", "T1"];

export const lscDefinition: FsmDefinition<LscState, LscEvent> = {
  name: "MTP2-LSC",
  initial: "PowerOff",
  states: {
    PowerOff: { accepts: ["PowerOn"], to: ["OutOfService"] },
    OutOfService: {
      accepts: ["Start", "Stop", "Emergency", "EmergencyCeases", "LocalProcessorOutage", "LocalProcessorRecovered"],
      to: ["InitialAlignment"],
    },
    InitialAlignment: {
      accepts: ["Stop", "Emergency", "EmergencyCeases", "LocalProcessorOutage", "LocalProcessorRecovered", "AlignmentComplete", "AlignmentNotPossible"],
      to: ["OutOfService", "AlignedReady", "AlignedNotReady"],
    },
    AlignedReady: {
      accepts: [...failures, "Emergency", "EmergencyCeases", "LocalProcessorOutage", "FisuMsuReceived", "SIPO"],
      to: ["OutOfService", "AlignedNotReady", "InService", "ProcessorOutage"],
    },
    AlignedNotReady: {
      accepts: [...failures, "Emergency", "EmergencyCeases", "LocalProcessorOutage", "LocalProcessorRecovered", "FisuMsuReceived", "SIPO"],
      to: ["OutOfService", "AlignedReady", "ProcessorOutage"],
    },
    InService: {
      accepts: ["Stop", "LinkFailure", "SIO", "SIN", "SIE", "SIOS", "SIPO", "Emergency", "EmergencyCeases", "LocalProcessorOutage"],
      to: ["OutOfService", "ProcessorOutage"],
    },
    ProcessorOutage: {
      accepts: ["Stop", "LinkFailure", "SIO", "SIN", "SIE", "SIOS", "SIPO", "Emergency", "EmergencyCeases", "LocalProcessorOutage", "LocalProcessorRecovered", "FisuMsuReceived"],
      to: ["OutOfService", "InService"],
    },
  },
};

/** What LSC asks of the other functional blocks and of Level 3. */
export interface LscContext {
  /** The fill-in TXC sends from now on (Q.703 §11.2). */
  sendStatus(status: "SIOS" | "SIPO" | "FISU"): void;
  /** Reset TXC/RC (sequence numbers, buffers) and start IAC (Q.703 §12 LSC "Start"). */
  startAlignment(emergency: boolean): void;
  iacEmergency(on: boolean): void;
  /** Alignment complete: start SUERM (Q.703 §10.2). */
  startMonitoring(): void;
  /** Stop IAC, AERM, SUERM, RC, TXC timers and congestion control. */
  stopAll(): void;
  l3InService(): void;
  l3OutOfService(reason: Mtp2FailureReason): void;
  l3RemoteProcessorOutage(): void;
  l3RemoteProcessorRecovered(): void;
}

export interface LscOptions {
  readonly id: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: Mtp2TimerValues;
  readonly queue: RunQueue;
}

type Inst = FsmInstance<LscState, LscEvent, Mtp2FailureReason>;

export class LinkStateControl {
  readonly fsm: Inst;
  private emergency = false;
  private localPo = false;
  private remotePo = false;

  constructor(opts: LscOptions, ctx: LscContext) {
    const toOutOfService = (i: Inst, reason: Mtp2FailureReason): void => {
      i.stopTimer("T1");
      ctx.stopAll();
      ctx.sendStatus("SIOS");
      this.emergency = false;
      this.remotePo = false;
      i.transition("OutOfService");
      ctx.l3OutOfService(reason);
    };
    const failuresFrom = {
      Stop: (i: Inst) => toOutOfService(i, "stopped by level 3"),
      LinkFailure: (i: Inst, reason: Mtp2FailureReason | undefined) => toOutOfService(i, reason ?? "stopped by level 3"),
      SIO: (i: Inst) => toOutOfService(i, "SIO received"),
      SIOS: (i: Inst) => toOutOfService(i, "SIOS received"),
      T1: (i: Inst) => toOutOfService(i, "T1 expired"),
      Emergency: () => {
        this.emergency = true;
      },
      EmergencyCeases: () => {
        this.emergency = false;
      },
    };
    const remoteOutage = (i: Inst): void => {
      i.stopTimer("T1");
      if (!this.remotePo) {
        this.remotePo = true;
        ctx.l3RemoteProcessorOutage();
      }
      if (i.state !== "ProcessorOutage") i.transition("ProcessorOutage");
    };
    this.fsm = new FsmInstance(lscDefinition, {
      id: opts.id,
      clock: opts.clock,
      log: opts.log,
      timers: opts.timers,
      actions: serialized(opts.queue, {
        PowerOff: {
          PowerOn: (i) => {
            ctx.sendStatus("SIOS");
            this.localPo = false;
            this.emergency = false;
            i.transition("OutOfService");
          },
        },
        OutOfService: {
          Start: (i) => {
            this.remotePo = false;
            ctx.startAlignment(this.emergency);
            i.transition("InitialAlignment");
          },
          Stop: () => undefined,
          Emergency: () => {
            this.emergency = true;
          },
          EmergencyCeases: () => {
            this.emergency = false;
          },
          LocalProcessorOutage: () => {
            this.localPo = true;
          },
          LocalProcessorRecovered: () => {
            this.localPo = false;
          },
        },
        InitialAlignment: {
          Stop: (i) => toOutOfService(i, "stopped by level 3"),
          Emergency: () => {
            this.emergency = true;
            ctx.iacEmergency(true);
          },
          EmergencyCeases: () => {
            this.emergency = false;
            ctx.iacEmergency(false);
          },
          LocalProcessorOutage: () => {
            this.localPo = true;
          },
          LocalProcessorRecovered: () => {
            this.localPo = false;
          },
          AlignmentComplete: (i) => {
            ctx.startMonitoring();
            i.startTimer("T1", "T1");
            ctx.sendStatus(this.localPo ? "SIPO" : "FISU");
            i.transition(this.localPo ? "AlignedNotReady" : "AlignedReady");
          },
          AlignmentNotPossible: (i, reason) => toOutOfService(i, reason ?? "T2 expired"),
        },
        AlignedReady: {
          ...failuresFrom,
          LocalProcessorOutage: (i) => {
            this.localPo = true;
            ctx.sendStatus("SIPO");
            i.transition("AlignedNotReady");
          },
          FisuMsuReceived: (i) => {
            i.stopTimer("T1");
            i.transition("InService");
            ctx.l3InService();
          },
          SIPO: (i) => remoteOutage(i),
        },
        AlignedNotReady: {
          ...failuresFrom,
          LocalProcessorOutage: () => {
            this.localPo = true;
          },
          LocalProcessorRecovered: (i) => {
            this.localPo = false;
            ctx.sendStatus("FISU");
            i.transition("AlignedReady");
          },
          FisuMsuReceived: (i) => {
            // Q.703 §8: the far end is in service while we are in local outage.
            i.stopTimer("T1");
            i.transition("ProcessorOutage");
            ctx.l3InService();
          },
          SIPO: (i) => remoteOutage(i),
        },
        InService: {
          ...failuresFrom,
          SIN: (i) => toOutOfService(i, "SIN received"),
          SIE: (i) => toOutOfService(i, "SIE received"),
          LocalProcessorOutage: (i) => {
            this.localPo = true;
            ctx.sendStatus("SIPO");
            i.transition("ProcessorOutage");
          },
          SIPO: (i) => remoteOutage(i),
        },
        ProcessorOutage: {
          ...failuresFrom,
          SIN: (i) => toOutOfService(i, "SIN received"),
          SIE: (i) => toOutOfService(i, "SIE received"),
          LocalProcessorOutage: () => {
            if (!this.localPo) {
              this.localPo = true;
              ctx.sendStatus("SIPO");
            }
          },
          LocalProcessorRecovered: (i) => {
            if (!this.localPo) return;
            this.localPo = false;
            ctx.sendStatus("FISU");
            if (!this.remotePo) i.transition("InService");
          },
          SIPO: (i) => remoteOutage(i),
          FisuMsuReceived: (i) => {
            if (!this.remotePo) return;
            this.remotePo = false;
            ctx.l3RemoteProcessorRecovered();
            if (!this.localPo) i.transition("InService");
          },
        },
      }),
    });
  }

  get state(): LscState {
    return this.fsm.state;
  }
  get localProcessorOutage(): boolean {
    return this.localPo;
  }
  get remoteProcessorOutage(): boolean {
    return this.remotePo;
  }
  get emergencySet(): boolean {
    return this.emergency;
  }
}
