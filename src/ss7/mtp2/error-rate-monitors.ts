/**
 * Signalling link error monitoring, Q.703 §10: the alignment error rate
 * monitor (AERM, §10.3) used while proving, and the signal unit error rate
 * monitor (SUERM, §10.2) used from alignment complete until the link fails.
 *
 *   AERM / SUERM:   +------+   Start    +------------+
 *                   | Idle | ---------> | Monitoring | --+ SuInError (count)
 *                   +------+ <--------- +------------+ <-+
 *                              Stop
 *
 * AERM: Ca counts errored signal units (and each N octets in octet counting
 * mode); when Ca reaches Ti (Tin = 4 normal, Tie = 1 emergency) it reports
 * "abort proving" once. SUERM: a leaky bucket; Cs counts errored signal units
 * (and each N octets in octet counting mode) and loses one for every D signal
 * units received; when Cs reaches T it reports link failure.
 *
 * Counting correct signal units is not an FSM event (one per frame, no log).
 */
import type { Clock } from "../../core/clock.js";
import { FsmInstance } from "../../core/fsm.js";
import type { FsmDefinition } from "../../core/fsm.js";
import type { Logger } from "../../core/logger.js";

/** Q.703 §10.2.4 and §10.3.4 constants for 64 kbit/s links. */
export const Q703_MONITOR = {
  /** AERM threshold, normal proving. */
  Tin: 4,
  /** AERM threshold, emergency proving. */
  Tie: 1,
  /** Proving attempts before alignment is declared not possible (§7). */
  M: 5,
  /** Octets counted as one error in octet counting mode. */
  N: 16,
  /** SUERM threshold. */
  T: 64,
  /** SUERM leak: one count off per D signal units received. */
  D: 256,
} as const;

export type MonitorState = "Idle" | "Monitoring";
export type MonitorEvent = "Start" | "Stop" | "SuInError";

export const aermDefinition: FsmDefinition<MonitorState, MonitorEvent> = {
  name: "MTP2-AERM",
  initial: "Idle",
  states: {
    Idle: { accepts: ["Start", "Stop"], to: ["Monitoring"] },
    Monitoring: { accepts: ["Start", "Stop", "SuInError"], to: ["Idle", "Monitoring"] },
  },
};

export const suermDefinition: FsmDefinition<MonitorState, MonitorEvent> = {
  name: "MTP2-SUERM",
  initial: "Idle",
  states: {
    Idle: { accepts: ["Start", "Stop"], to: ["Monitoring"] },
    Monitoring: { accepts: ["Start", "Stop", "SuInError"], to: ["Idle", "Monitoring"] },
  },
};

export interface MonitorOptions {
  readonly id: string;
  readonly clock: Clock;
  readonly log: Logger;
}

/** Number of errors that `octets` received in octet counting mode add, carrying the remainder. */
function octetErrors(state: { carry: number }, octets: number): number {
  const total = state.carry + octets;
  state.carry = total % Q703_MONITOR.N;
  return Math.floor(total / Q703_MONITOR.N);
}

/** Alignment error rate monitor, Q.703 §10.3. */
export class Aerm {
  private readonly fsm: FsmInstance<MonitorState, MonitorEvent, number>;
  private ca = 0;
  private ti: number = Q703_MONITOR.Tin;
  private readonly ocm = { carry: 0 };

  constructor(opts: MonitorOptions, onAbortProving: () => void) {
    this.fsm = new FsmInstance(aermDefinition, {
      ...opts,
      timers: {},
      actions: {
        Idle: {
          Start: (i) => i.transition("Monitoring"),
          Stop: () => undefined,
        },
        Monitoring: {
          Start: (i) => i.transition("Monitoring"),
          Stop: (i) => i.transition("Idle"),
          SuInError: (i, n = 1) => {
            for (let k = 0; k < n; k++) {
              this.ca++;
              // Q.703 §10.3: proving is aborted when Ca reaches Ti (once per proving period).
              if (this.ca === this.ti) {
                i.log.info({ ca: this.ca, ti: this.ti }, `MTP2-AERM(${i.id}): Ca reached Ti=${this.ti}, abort proving`);
                onAbortProving();
              }
            }
          },
        },
      },
      onStateChange: (_i, _from, to) => {
        if (to === "Monitoring") {
          this.ca = 0;
          this.ocm.carry = 0;
        }
      },
    });
  }

  get state(): MonitorState {
    return this.fsm.state;
  }
  get count(): number {
    return this.ca;
  }

  /** Start monitoring with Tin (normal) or Tie (emergency), Q.703 §10.3. */
  start(emergency: boolean): void {
    this.ti = emergency ? Q703_MONITOR.Tie : Q703_MONITOR.Tin;
    this.fsm.dispatch("Start");
  }
  stop(): void {
    if (this.fsm.state !== "Idle") this.fsm.dispatch("Stop");
  }
  suInError(count = 1): void {
    if (this.fsm.state === "Monitoring" && count > 0) this.fsm.dispatch("SuInError", count);
  }
  octetCounting(octets: number): void {
    if (this.fsm.state !== "Monitoring") return;
    this.suInError(octetErrors(this.ocm, octets));
  }
}

/** Signal unit error rate monitor, Q.703 §10.2. */
export class Suerm {
  private readonly fsm: FsmInstance<MonitorState, MonitorEvent, { n: number; su: boolean }>;
  private cs = 0;
  private ns = 0;
  private readonly ocm = { carry: 0 };

  constructor(opts: MonitorOptions, onThreshold: () => void) {
    this.fsm = new FsmInstance(suermDefinition, {
      ...opts,
      timers: {},
      actions: {
        Idle: {
          Start: (i) => i.transition("Monitoring"),
          Stop: () => undefined,
        },
        Monitoring: {
          Start: (i) => i.transition("Monitoring"),
          Stop: (i) => i.transition("Idle"),
          SuInError: (i, p) => {
            const n = p?.n ?? 1;
            for (let k = 0; k < n && i.state === "Monitoring"; k++) {
              this.cs++;
              if (p?.su !== false) this.leak(1);
              // Q.703 §10.2: link failure when Cs reaches T.
              if (this.cs >= Q703_MONITOR.T) {
                i.log.info({ cs: this.cs }, `MTP2-SUERM(${i.id}): Cs reached T=${Q703_MONITOR.T}, link failure`);
                i.transition("Idle");
                onThreshold();
              }
            }
          },
        },
      },
      onStateChange: (_i, _from, to) => {
        if (to === "Monitoring") {
          this.cs = 0;
          this.ns = 0;
          this.ocm.carry = 0;
        }
      },
    });
  }

  get state(): MonitorState {
    return this.fsm.state;
  }
  get count(): number {
    return this.cs;
  }

  private leak(sus: number): void {
    this.ns += sus;
    while (this.ns >= Q703_MONITOR.D) {
      this.ns -= Q703_MONITOR.D;
      if (this.cs > 0) this.cs--;
    }
  }

  start(): void {
    this.fsm.dispatch("Start");
  }
  stop(): void {
    if (this.fsm.state !== "Idle") this.fsm.dispatch("Stop");
  }
  /** Correct signal units received (delivered or reported as repeated by the channel). */
  correctSus(count: number): void {
    if (this.fsm.state === "Monitoring") this.leak(count);
  }
  suInError(count = 1): void {
    if (this.fsm.state === "Monitoring" && count > 0) this.fsm.dispatch("SuInError", { n: count, su: true });
  }
  /** Q.703 §10.2: in octet counting mode, one error per N octets; these are not received signal units. */
  octetCounting(octets: number): void {
    if (this.fsm.state !== "Monitoring") return;
    const errors = octetErrors(this.ocm, octets);
    if (errors > 0) this.fsm.dispatch("SuInError", { n: errors, su: false });
  }
}
