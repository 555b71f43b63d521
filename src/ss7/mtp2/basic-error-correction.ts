/**
 * Basic error correction, Q.703 §5: transmission control (TXC) with the
 * retransmission buffer, positive and negative acknowledgement, T7 (excessive
 * delay of acknowledgement) and remote congestion with T6 (§9); reception
 * control (RC) with FSN/FIB acceptance, negative acknowledgement and the
 * abnormal BSN / abnormal FIB rules (§5.3).
 *
 *   TXC:  +------+ Start +-----------+ SIB received  +------------------+
 *         | Idle | ----> | InService | ------------> | RemoteCongestion |  (T6: link failure)
 *         +------+ <---- +-----------+ <------------ +------------------+
 *                  Stop               ack or NACK received
 *
 *   RC:   +------+ Start +-----------+ NACK sent     +------------------------+
 *         | Idle | ----> | InService | ------------> | AwaitingRetransmission |
 *         +------+ <---- +-----------+ <------------ +------------------------+
 *                  Stop               FIB = BIB again (retransmission started)
 *
 * Sequence numbers are modulo 128. Initial values after "start" are
 * FSN = BSN = 127 and FIB = BIB = 1 (Q.703 §5.2). Up to 127 MSUs may await
 * acknowledgement; further MSUs wait in the transmission buffer.
 *
 * Receive congestion (level 2 flow control, §9) uses "congestion discard":
 * MSUs received while busy are discarded unacknowledged; when congestion ends
 * the far end is asked to retransmit if it is ahead.
 */
import type { Clock } from "../../core/clock.js";
import { FsmInstance } from "../../core/fsm.js";
import type { FsmDefinition } from "../../core/fsm.js";
import type { Logger } from "../../core/logger.js";
import type { RunQueue } from "./run-queue.js";
import { serialized } from "./run-queue.js";
import type { Bit, Fisu, Msu, SuHeader } from "./su-codec.js";
import type { Mtp2TimerValues } from "./timers.js";

export type TxcState = "Idle" | "InService" | "RemoteCongestion";
export type TxcEvent = "Start" | "Stop" | "SibReceived" | "CongestionEnded" | "T6" | "T7";
export type RcState = "Idle" | "InService" | "AwaitingRetransmission";
export type RcEvent = "Start" | "Stop" | "NackSent" | "RetransmissionStarted";

export const txcDefinition: FsmDefinition<TxcState, TxcEvent> = {
  name: "MTP2-TXC",
  initial: "Idle",
  states: {
    Idle: { accepts: ["Start", "Stop"], to: ["InService"] },
    InService: { accepts: ["Start", "Stop", "SibReceived", "T7"], to: ["Idle", "InService", "RemoteCongestion"] },
    RemoteCongestion: {
      accepts: ["Start", "Stop", "SibReceived", "CongestionEnded", "T6", "T7"],
      to: ["Idle", "InService"],
      timer: { name: "T6", expiry: "T6" },
    },
  },
};

export const rcDefinition: FsmDefinition<RcState, RcEvent> = {
  name: "MTP2-RC",
  initial: "Idle",
  states: {
    Idle: { accepts: ["Start", "Stop"], to: ["InService"] },
    InService: { accepts: ["Start", "Stop", "NackSent"], to: ["Idle", "InService", "AwaitingRetransmission"] },
    AwaitingRetransmission: { accepts: ["Start", "Stop", "RetransmissionStarted"], to: ["Idle", "InService"] },
  },
};

/** The most MSUs awaiting acknowledgement (FSN space of 128 less one, Q.703 §5.2.1). */
export const RTB_CAPACITY = 127;

export type CorrectionFailure = "abnormal BSN received" | "abnormal FIB received" | "T7 expired (excessive delay of acknowledgement)" | "T6 expired (excessive remote congestion)";

export interface BecContext {
  /** Send one MSU now (header included). */
  sendMsu(su: Msu): void;
  /** Deliver an accepted MSU's SIO+SIF to Level 3. */
  deliver(payload: Uint8Array): void;
  linkFailure(reason: CorrectionFailure): void;
  /** Whether new MSUs may be sent now (LSC in service, no processor outage). */
  mayTransmit(): boolean;
}

export interface BecOptions {
  readonly id: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: Mtp2TimerValues;
  readonly queue: RunQueue;
}

const mod = (n: number): number => ((n % 128) + 128) % 128;

interface RtbEntry {
  fsn: number;
  payload: Uint8Array;
}

/** Two of the last three received signal units flagged (Q.703 §5.3: abnormal BSN/FIB). */
class TwoOfThree {
  private readonly last: boolean[] = [];
  record(bad: boolean): boolean {
    this.last.push(bad);
    if (this.last.length > 3) this.last.shift();
    return this.last.filter(Boolean).length >= 2;
  }
  reset(): void {
    this.last.length = 0;
  }
}

export class BasicErrorCorrection {
  readonly txc: FsmInstance<TxcState, TxcEvent>;
  readonly rc: FsmInstance<RcState, RcEvent>;
  private readonly ctx: BecContext;

  // Transmission control
  private fsnLastSent = 127;
  private fsnLastAcked = 127;
  private fib: Bit = 1;
  private rtb: RtbEntry[] = [];
  private tb: Uint8Array[] = [];
  // Reception control
  private fsnLastAccepted = 127;
  private bib: Bit = 1;
  /** FSN of the last FISU/MSU received with a valid FIB, for the check when congestion or outage ends. */
  private lastRxFsn = 127;
  private discarding = false;
  private readonly abnormalBsn = new TwoOfThree();
  private readonly abnormalFib = new TwoOfThree();

  constructor(opts: BecOptions, ctx: BecContext) {
    this.ctx = ctx;
    const base = { id: opts.id, clock: opts.clock, log: opts.log, timers: opts.timers };
    this.txc = new FsmInstance(txcDefinition, {
      ...base,
      actions: serialized(opts.queue, {
        Idle: { Start: (i) => i.transition("InService"), Stop: () => undefined },
        InService: {
          Start: (i) => i.transition("InService"),
          Stop: (i) => i.transition("Idle"),
          SibReceived: (i) => {
            // Q.703 §9: first SIB starts T6; every SIB restarts T7.
            if (this.rtb.length > 0) i.startTimer("T7", "T7");
            i.transition("RemoteCongestion");
          },
          T7: () => ctx.linkFailure("T7 expired (excessive delay of acknowledgement)"),
        },
        RemoteCongestion: {
          Start: (i) => i.transition("InService"),
          Stop: (i) => i.transition("Idle"),
          SibReceived: (i) => {
            if (this.rtb.length > 0) i.startTimer("T7", "T7");
          },
          CongestionEnded: (i) => i.transition("InService"),
          T6: () => ctx.linkFailure("T6 expired (excessive remote congestion)"),
          T7: () => ctx.linkFailure("T7 expired (excessive delay of acknowledgement)"),
        },
      }),
      onStateChange: (i, _from, to) => {
        if (to === "Idle") i.stopTimer("T7");
      },
    });
    this.rc = new FsmInstance(rcDefinition, {
      ...base,
      actions: serialized(opts.queue, {
        Idle: { Start: (i) => i.transition("InService"), Stop: () => undefined },
        InService: {
          Start: (i) => i.transition("InService"),
          Stop: (i) => i.transition("Idle"),
          NackSent: (i) => i.transition("AwaitingRetransmission"),
        },
        AwaitingRetransmission: {
          Start: (i) => i.transition("InService"),
          Stop: (i) => i.transition("Idle"),
          RetransmissionStarted: (i) => i.transition("InService"),
        },
      }),
    });
  }

  /** Q.703 §5.2: initial values, empty buffers; TXC and RC running. */
  start(): void {
    this.fsnLastSent = 127;
    this.fsnLastAcked = 127;
    this.fib = 1;
    this.rtb = [];
    this.tb = [];
    this.fsnLastAccepted = 127;
    this.lastRxFsn = 127;
    this.bib = 1;
    this.discarding = false;
    this.abnormalBsn.reset();
    this.abnormalFib.reset();
    this.txc.dispatch("Start");
    this.rc.dispatch("Start");
  }

  /** Stop TXC and RC; buffers stay for retrieval by Level 3 (Q.704 §5.4). */
  stop(): void {
    if (this.txc.state !== "Idle") this.txc.dispatch("Stop");
    if (this.rc.state !== "Idle") this.rc.dispatch("Stop");
  }

  /** Header for the next FISU or LSSU (Q.703 §5.2.1: FISU repeats the FSN of the last MSU sent). */
  header(): SuHeader {
    return { bsn: this.fsnLastAccepted, bib: this.bib, fsn: this.fsnLastSent, fib: this.fib };
  }

  fisu(): Fisu {
    return { kind: "FISU", ...this.header() };
  }

  get retransmissionBufferLength(): number {
    return this.rtb.length;
  }
  get transmissionBufferLength(): number {
    return this.tb.length;
  }
  /** BSNT: FSN of the last MSU accepted (Q.704 §5.4.1, retrieved for COO/COA). */
  get lastAcceptedFsn(): number {
    return this.fsnLastAccepted;
  }

  /** Queue an MSU (SIO+SIF) and send what may be sent. */
  submit(payload: Uint8Array): void {
    this.tb.push(payload);
    this.pump();
  }

  /** Send new MSUs while allowed (Q.703 §11.2 priorities: new MSUs after retransmissions). */
  pump(): void {
    // Q.703 §9.3: remote congestion restarts T7 and runs T6; it does not stop transmission.
    while (this.tb.length > 0 && this.txc.state !== "Idle" && this.rtb.length < RTB_CAPACITY && this.ctx.mayTransmit()) {
      const payload = this.tb.shift() as Uint8Array;
      this.fsnLastSent = mod(this.fsnLastSent + 1);
      this.rtb.push({ fsn: this.fsnLastSent, payload });
      if (!this.txc.timerRunning("T7")) this.txc.startTimer("T7", "T7");
      this.ctx.sendMsu({ kind: "MSU", ...this.header(), payload });
    }
  }

  /** SIB received from the far end (Q.703 §9). */
  sibReceived(): void {
    if (this.txc.state !== "Idle") this.txc.dispatch("SibReceived");
  }

  /**
   * BSN/BIB of a received FISU or MSU (Q.703 §5.3). Returns false when the
   * signal unit is to be discarded (abnormal BSN).
   */
  processAcknowledgement(su: SuHeader): boolean {
    const span = mod(this.fsnLastSent - this.fsnLastAcked);
    const off = mod(su.bsn - this.fsnLastAcked);
    if (off > span) {
      // Q.703 §5.3.1: BSN outside [last acknowledged, last sent]: discard; 2 of 3 -> link failure.
      this.txc.log.info({ bsn: su.bsn, acked: this.fsnLastAcked, sent: this.fsnLastSent }, `MTP2-TXC(${this.txc.id}): abnormal BSN ${su.bsn}`);
      if (this.abnormalBsn.record(true)) this.ctx.linkFailure("abnormal BSN received");
      return false;
    }
    this.abnormalBsn.record(false);
    const acked = off > 0;
    if (acked) this.acknowledge(su.bsn);
    if (su.bib !== this.fib) {
      // Q.703 §5.3.2: negative acknowledgement: invert FIB, retransmit everything after BSN.
      this.fib = (this.fib ^ 1) as Bit;
      this.txc.log.info({ bsn: su.bsn, count: this.rtb.length }, `MTP2-TXC(${this.txc.id}): negative acknowledgement, retransmitting ${this.rtb.length} MSU(s)`);
      for (const e of this.rtb) this.ctx.sendMsu({ kind: "MSU", ...this.header(), fsn: e.fsn, payload: e.payload });
      if (this.txc.state === "RemoteCongestion") this.txc.dispatch("CongestionEnded");
    } else if (acked && this.txc.state === "RemoteCongestion") {
      this.txc.dispatch("CongestionEnded");
    }
    this.pump();
    return true;
  }

  private acknowledge(bsn: number): void {
    this.rtb.splice(0, mod(bsn - this.fsnLastAcked));
    this.fsnLastAcked = bsn;
    // Q.703 §5.3.1: T7 restarts on each positive acknowledgement while MSUs remain unacknowledged.
    if (this.rtb.length > 0) this.txc.startTimer("T7", "T7");
    else this.txc.stopTimer("T7");
  }

  /**
   * FSN/FIB of a received FISU or MSU (Q.703 §5.2.2). `accept` is false while
   * MSUs must be discarded (not in service, local processor outage).
   */
  processSequence(su: Fisu | Msu, accept: boolean): void {
    if (this.rc.state === "Idle") return;
    if (su.fib !== this.bib) {
      if (this.rc.state === "AwaitingRetransmission") return; // still waiting for the far end to react to our NACK
      this.rc.log.info({ fib: su.fib, bib: this.bib }, `MTP2-RC(${this.rc.id}): abnormal FIB`);
      if (this.abnormalFib.record(true)) this.ctx.linkFailure("abnormal FIB received");
      return;
    }
    this.abnormalFib.record(false);
    if (this.rc.state === "AwaitingRetransmission") this.rc.dispatch("RetransmissionStarted");
    this.lastRxFsn = su.fsn;
    if (!accept || this.discarding) return;
    if (su.kind === "FISU") {
      // A FISU repeats the FSN of the far end's last MSU: if that is not the last accepted, one was lost.
      if (su.fsn !== this.fsnLastAccepted) this.nack();
      return;
    }
    if (su.fsn === this.fsnLastAccepted) return; // duplicate, discarded
    if (su.fsn === mod(this.fsnLastAccepted + 1)) {
      this.fsnLastAccepted = su.fsn;
      this.ctx.deliver(su.payload);
      return;
    }
    this.nack();
  }

  /** Q.703 §5.2.2: invert BIB and give the last accepted FSN as BSN. */
  private nack(): void {
    if (this.rc.state !== "InService") return;
    this.bib = (this.bib ^ 1) as Bit;
    this.rc.log.info({ bsn: this.fsnLastAccepted }, `MTP2-RC(${this.rc.id}): negative acknowledgement, BSN ${this.fsnLastAccepted}`);
    this.rc.dispatch("NackSent");
  }

  /**
   * Receive congestion or local processor outage (Q.703 §8, §9): MSUs are
   * discarded unacknowledged while set. When cleared and the far end is
   * ahead, ask it to retransmit.
   */
  setDiscarding(on: boolean): void {
    if (this.discarding === on) return;
    this.discarding = on;
    if (!on && this.lastRxFsn !== this.fsnLastAccepted) this.nack();
  }

  /**
   * Retrieval for changeover (Q.704 §5.4, Q.703 "retrieval request and FSNC").
   * With FSNC (the far end's last accepted FSN): the MSUs after it, then the
   * transmission buffer. Without (emergency or time-controlled changeover,
   * no buffer updating possible): the transmission buffer only; MSUs already
   * sent are discarded, as their delivery cannot be known. Empties both.
   */
  retrieve(fsnc: number | undefined): { messages: Uint8Array[]; discarded: number } {
    let from = this.rtb.length;
    if (fsnc !== undefined) {
      // MSUs up to FSNC reached the far end; when FSNC is outside the buffer, all are sent again.
      const acked = mod(fsnc - this.fsnLastAcked);
      from = acked <= this.rtb.length ? acked : 0;
    }
    const discarded = fsnc === undefined ? this.rtb.length : 0;
    const messages = [...this.rtb.slice(from).map((e) => e.payload), ...this.tb];
    this.rtb = [];
    this.tb = [];
    this.txc.stopTimer("T7");
    return { messages, discarded };
  }

  /** Discard both buffers (Level 3 "flush buffers", Q.703 §8). */
  flush(): void {
    this.rtb = [];
    this.tb = [];
    this.txc.stopTimer("T7");
  }
}
