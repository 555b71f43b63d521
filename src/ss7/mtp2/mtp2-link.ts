/**
 * One MTP2 signalling link, Q.703: the functional blocks of §12 (LSC, IAC,
 * AERM, SUERM, TXC, RC, CC) wired together over a SignallingChannel, and the
 * Level 2 / Level 3 interface (Q.703 §1.4, Q.704 §3.2, §5.4): start, stop,
 * emergency, message for transmission, processor outage, BSNT and buffer
 * retrieval for changeover; in service, out of service with its reason,
 * remote processor outage/recovered and received messages.
 *
 * Deviation: on a real line FISUs (or LSSUs) are sent back to back whenever
 * there is nothing else to send. This channel is a frame interface (a DAHDI
 * HDLC channel in MTP2 mode, a socket to a simulated far end), so a fill-in
 * signal unit is sent only when it differs from the last signal unit sent:
 * a new LSSU status, or a FISU whose BSN/BIB or FSN/FIB changed (after an
 * accepted MSU, a negative acknowledgement, a retransmission). An MSU carries
 * the same header, so an MSU in reply makes that FISU unnecessary. SIB is
 * repeated every T5 as §9 asks. `fillInRepeatMs` re-sends the current
 * fill-in at that interval for far ends that want a steady stream. This is
 * what libss7 (SS7_TRANSPORT_DAHDIMTP2) sends and expects: it acts on changes
 * only, and keeps the link in service as long as every MSU is acknowledged
 * within its T7.
 * Deviation: for the same reason the last fill-in received is taken to be
 * still on the line: when LSC or IAC changes state, it is presented once more,
 * as the next repetition on a real line would be.
 */
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { resolveTimers } from "../../core/timers.js";
import { BasicErrorCorrection } from "./basic-error-correction.js";
import { CongestionControl } from "./congestion-control.js";
import { Aerm, Suerm } from "./error-rate-monitors.js";
import { InitialAlignmentControl } from "./iac.js";
import type { IacEvent } from "./iac.js";
import { LinkStateControl } from "./lsc.js";
import type { LscEvent, LscState, Mtp2FailureReason } from "./lsc.js";
import { RunQueue } from "./run-queue.js";
import type { SignallingChannel } from "./signalling-channel.js";
import { decodeSignalUnit, encodeSignalUnit } from "./su-codec.js";
import type { Fisu, LssuStatus, Msu, SignalUnit } from "./su-codec.js";
import { mtp2Timers } from "./timers.js";
import type { Mtp2TimerValues } from "./timers.js";

/** Level 2 to Level 3 indications (Q.704 §3.2.2, §5, §8). */
export type Mtp2Indication =
  | { readonly type: "in-service" }
  | { readonly type: "out-of-service"; readonly reason: Mtp2FailureReason }
  | { readonly type: "remote-processor-outage" }
  | { readonly type: "remote-processor-recovered" }
  | { readonly type: "message"; readonly payload: Uint8Array };

/** What MTP3 needs of a signalling link (implemented by Mtp2Link). */
export interface Mtp2Service {
  readonly id: string;
  readonly state: LscState;
  start(): void;
  stop(): void;
  setEmergency(on: boolean): void;
  /** Message for transmission: SIO + SIF. */
  transmit(payload: Uint8Array): void;
  /** BSNT (FSN of the last MSU accepted), or undefined when not retrievable (Q.704 §5.4.1). */
  retrieveBsnt(): number | undefined;
  /**
   * Retrieval request and FSNC (Q.704 §5.4): the MSUs after FSNC, then the
   * unsent ones; without FSNC the unsent ones only (the sent ones are
   * discarded and counted). Empty while the link is in service.
   */
  retrieveMessages(fsnc: number | undefined): Uint8Array[];
  localProcessorOutage(): void;
  localProcessorRecovered(): void;
  flushBuffers(): void;
  onIndication(cb: (ind: Mtp2Indication) => void): void;
}

export interface Mtp2LinkOptions {
  /** Link name in logs, e.g. "ls-stp1/0". */
  readonly id: string;
  readonly channel: SignallingChannel;
  readonly clock: Clock;
  readonly log: Logger;
  /** Effective timer values; defaults from the Q.703 table. */
  readonly timers?: Mtp2TimerValues;
  /** Re-send the current fill-in every this many ms; 0 sends it only when it changes. */
  readonly fillInRepeatMs?: number;
}

export interface Mtp2Counters {
  framesTx: number;
  framesRx: number;
  msuTx: number;
  msuRx: number;
  suErrors: number;
}

type TxStatus = "SIOS" | "SIO" | "SIN" | "SIE" | "SIPO" | "FISU";
type RxStatus = LssuStatus | "FISU";

/** Bound on fill-in replays between two received frames (each state change may replay once). */
const MAX_REPLAYS = 8;

export class Mtp2Link implements Mtp2Service {
  readonly id: string;
  readonly counters: Mtp2Counters = { framesTx: 0, framesRx: 0, msuTx: 0, msuRx: 0, suErrors: 0 };
  private readonly channel: SignallingChannel;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly queue: RunQueue;
  private readonly lsc: LinkStateControl;
  private readonly iac: InitialAlignmentControl;
  private readonly aerm: Aerm;
  private readonly suerm: Suerm;
  private readonly bec: BasicErrorCorrection;
  private readonly cc: CongestionControl;
  private readonly listeners: ((ind: Mtp2Indication) => void)[] = [];
  private txStatus: TxStatus = "SIOS";
  private lastSent: SignalUnit | undefined;
  private lastRx: RxStatus | undefined;
  private replays = 0;
  private readonly fillInRepeatMs: number;
  private repeatTimer: TimerHandle | undefined;

  constructor(opts: Mtp2LinkOptions) {
    this.id = opts.id;
    this.channel = opts.channel;
    this.clock = opts.clock;
    this.log = opts.log;
    this.fillInRepeatMs = opts.fillInRepeatMs ?? 0;
    const timers = opts.timers ?? resolveTimers(mtp2Timers);
    this.queue = new RunQueue(() => this.flushFillIn());
    const base = { id: opts.id, clock: opts.clock, log: opts.log };
    const fsmBase = { ...base, timers, queue: this.queue };

    this.aerm = new Aerm(base, () => this.queue.post(() => this.dispatchIac("AbortProving")));
    this.suerm = new Suerm(base, () => this.queue.post(() => this.linkFailure("SUERM threshold reached")));
    this.bec = new BasicErrorCorrection(fsmBase, {
      sendMsu: (su) => this.emit(su),
      deliver: (payload) => {
        this.counters.msuRx++;
        this.queue.post(() => this.indicate({ type: "message", payload }));
      },
      linkFailure: (reason) => this.linkFailure(reason),
      mayTransmit: () => this.lsc.state === "InService" && this.txStatus === "FISU",
    });
    this.cc = new CongestionControl(fsmBase, {
      sendSib: () => this.emit({ kind: "LSSU", status: "SIB", statusOctets: 1, ...this.bec.header() }),
      setDiscarding: (on) => this.bec.setDiscarding(on),
    });
    this.iac = new InitialAlignmentControl(fsmBase, {
      sendStatus: (s) => {
        this.txStatus = s;
      },
      aermStart: (emergency) => this.aerm.start(emergency),
      aermStop: () => this.aerm.stop(),
      alignmentComplete: () => this.queue.post(() => this.dispatchLsc("AlignmentComplete")),
      alignmentNotPossible: (reason) => this.queue.post(() => this.dispatchLsc("AlignmentNotPossible", reason)),
    });
    this.lsc = new LinkStateControl(fsmBase, {
      sendStatus: (s) => {
        this.txStatus = s;
        this.bec.setDiscarding(s === "SIPO" || this.cc.state === "Busy");
        if (s === "FISU") this.bec.pump();
      },
      startAlignment: (emergency) => {
        this.bec.start();
        this.lastSent = undefined;
        this.iac.fsm.dispatch(emergency ? "Emergency" : "EmergencyCeases");
        this.iac.fsm.dispatch("Start");
      },
      iacEmergency: (on) => this.iac.fsm.dispatch(on ? "Emergency" : "EmergencyCeases"),
      startMonitoring: () => this.suerm.start(),
      stopAll: () => {
        if (this.iac.state !== "Idle") this.iac.fsm.dispatch("Stop");
        this.aerm.stop();
        this.suerm.stop();
        this.bec.stop();
        this.cc.fsm.dispatch("Stop");
      },
      l3InService: () => this.queue.post(() => this.indicate({ type: "in-service" })),
      l3OutOfService: (reason) => this.queue.post(() => this.indicate({ type: "out-of-service", reason })),
      l3RemoteProcessorOutage: () => this.queue.post(() => this.indicate({ type: "remote-processor-outage" })),
      l3RemoteProcessorRecovered: () => this.queue.post(() => this.indicate({ type: "remote-processor-recovered" })),
    });
    this.channel.onFrame((frame) => this.receive(frame));
    this.channel.onIndication?.((ind) =>
      this.queue.run(() => {
        if (ind.type === "su-error") this.suInError(ind.count);
        else if (ind.type === "su-repeated") this.suerm.correctSus(ind.count);
        else {
          this.counters.suErrors++;
          this.aerm.octetCounting(ind.octets);
          this.suerm.octetCounting(ind.octets);
        }
      }),
    );
  }

  get state(): LscState {
    return this.lsc.state;
  }
  /** IAC state, for management display and tests. */
  get alignmentState(): string {
    return this.iac.state;
  }
  get localProcessorOutageSet(): boolean {
    return this.lsc.localProcessorOutage;
  }
  get remoteProcessorOutageSet(): boolean {
    return this.lsc.remoteProcessorOutage;
  }
  get retransmissionBufferLength(): number {
    return this.bec.retransmissionBufferLength;
  }
  get transmissionBufferLength(): number {
    return this.bec.transmissionBufferLength;
  }
  get receiveCongestion(): boolean {
    return this.cc.state === "Busy";
  }

  onIndication(cb: (ind: Mtp2Indication) => void): void {
    this.listeners.push(cb);
  }

  /** Q.703 §12 LSC "power on": SIOS until started. */
  powerOn(): void {
    this.queue.run(() => {
      if (this.lsc.state !== "PowerOff") return;
      this.dispatchLsc("PowerOn");
      if (this.fillInRepeatMs > 0 && this.repeatTimer === undefined) this.armRepeat();
    });
  }

  start(): void {
    if (this.lsc.state === "PowerOff") this.powerOn();
    this.queue.run(() => this.dispatchLsc("Start"));
  }

  stop(): void {
    this.queue.run(() => {
      if (this.lsc.fsm.accepts("Stop")) this.dispatchLsc("Stop");
    });
  }

  setEmergency(on: boolean): void {
    if (this.lsc.state === "PowerOff") this.powerOn();
    this.queue.run(() => {
      const ev = on ? "Emergency" : "EmergencyCeases";
      if (this.lsc.fsm.accepts(ev)) this.dispatchLsc(ev);
    });
  }

  /** Stop the link and the fill-in repetition timer; the link may be started again. */
  close(): void {
    this.stop();
    this.repeatTimer?.cancel();
    this.repeatTimer = undefined;
  }

  transmit(payload: Uint8Array): void {
    this.queue.run(() => this.bec.submit(payload));
  }

  localProcessorOutage(): void {
    this.queue.run(() => this.dispatchLsc("LocalProcessorOutage"));
  }

  localProcessorRecovered(): void {
    this.queue.run(() => this.dispatchLsc("LocalProcessorRecovered"));
  }

  flushBuffers(): void {
    this.queue.run(() => this.bec.flush());
  }

  /** Receive congestion from Level 3 or management (Q.703 §9). */
  setReceiveCongestion(on: boolean): void {
    this.queue.run(() => {
      if (on && this.lsc.state !== "InService" && this.lsc.state !== "ProcessorOutage") return;
      this.cc.fsm.dispatch(on ? "Congestion" : "NoCongestion");
    });
  }

  retrieveBsnt(): number | undefined {
    if (this.lsc.state !== "OutOfService" && this.lsc.state !== "ProcessorOutage") return undefined;
    return this.bec.lastAcceptedFsn;
  }

  retrieveMessages(fsnc: number | undefined): Uint8Array[] {
    if (this.lsc.state === "InService") return [];
    let out: Uint8Array[] = [];
    this.queue.run(() => {
      const r = this.bec.retrieve(fsnc);
      if (r.discarded > 0) this.log.warn({ link: this.id, discarded: r.discarded }, `MTP2(${this.id}): ${r.discarded} MSU(s) sent but not known to be delivered discarded at retrieval`);
      out = r.messages;
    });
    return out;
  }

  private indicate(ind: Mtp2Indication): void {
    for (const l of this.listeners) l(ind);
  }

  private dispatchLsc(ev: LscEvent, reason?: Mtp2FailureReason): void {
    const before = this.lsc.state;
    this.lsc.fsm.dispatch(ev, reason);
    if (this.lsc.state !== before) this.queue.post(() => this.replay());
  }

  private dispatchIac(ev: IacEvent): void {
    if (!this.iac.fsm.accepts(ev)) return;
    const before = this.iac.state;
    this.iac.fsm.dispatch(ev);
    if (this.iac.state !== before) this.queue.post(() => this.replay());
  }

  private linkFailure(reason: Mtp2FailureReason): void {
    if (this.lsc.fsm.accepts("LinkFailure")) this.dispatchLsc("LinkFailure", reason);
  }

  private suInError(count: number): void {
    this.counters.suErrors += count;
    this.aerm.suInError(count);
    this.suerm.suInError(count);
  }

  private receive(frame: Uint8Array): void {
    this.queue.run(() => {
      if (this.lsc.state === "PowerOff") return;
      this.counters.framesRx++;
      const r = decodeSignalUnit(frame);
      if (!r.ok) {
        // Q.703 §11.1.2: a spare status indication is not an error, only not understood.
        if (r.error.field !== "status field") this.suInError(1);
        this.log.debug({ link: this.id, error: r.error }, `MTP2(${this.id}): discarded received frame: ${r.error.reason}`);
        return;
      }
      this.suerm.correctSus(1);
      this.replays = 0;
      const su = r.value;
      if (su.kind === "LSSU") {
        if (su.status !== "SIB") this.lastRx = su.status;
        this.receiveStatus(su.status);
        return;
      }
      this.lastRx = "FISU";
      this.receiveFisuMsu(su);
    });
  }

  private receiveStatus(status: LssuStatus): void {
    switch (this.lsc.state) {
      case "InitialAlignment":
        if (status === "SIO" || status === "SIN" || status === "SIE" || status === "SIOS") this.dispatchIac(status);
        return;
      case "AlignedReady":
      case "AlignedNotReady":
      case "InService":
      case "ProcessorOutage":
        if (status === "SIB") {
          if (this.lsc.state === "InService" || this.lsc.state === "ProcessorOutage") this.bec.sibReceived();
          return;
        }
        if (this.lsc.fsm.accepts(status)) this.dispatchLsc(status);
        return;
      default:
        return;
    }
  }

  private receiveFisuMsu(su: Fisu | Msu): void {
    const st = this.lsc.state;
    if (st !== "AlignedReady" && st !== "AlignedNotReady" && st !== "InService" && st !== "ProcessorOutage") return;
    if (!this.bec.processAcknowledgement(su)) return;
    if (this.lsc.fsm.accepts("FisuMsuReceived")) this.dispatchLsc("FisuMsuReceived");
    this.bec.processSequence(su, this.lsc.state === "InService" || (this.lsc.state === "ProcessorOutage" && !this.lsc.localProcessorOutage));
  }

  /** Present the last received fill-in again after a state change (see the deviation above). */
  private replay(): void {
    const rx = this.lastRx;
    if (rx === undefined || this.replays >= MAX_REPLAYS) return;
    this.replays++;
    if (rx === "FISU") {
      const st = this.lsc.state;
      if ((st === "AlignedReady" || st === "AlignedNotReady" || st === "ProcessorOutage") && this.lsc.fsm.accepts("FisuMsuReceived")) {
        this.dispatchLsc("FisuMsuReceived");
      }
      return;
    }
    this.receiveStatus(rx);
  }

  private currentFillIn(): SignalUnit {
    const h = this.bec.header();
    return this.txStatus === "FISU" ? { kind: "FISU", ...h } : { kind: "LSSU", status: this.txStatus, statusOctets: 1, ...h };
  }

  /** Send the fill-in if it differs from the last signal unit sent (see the deviation above). */
  private flushFillIn(): void {
    if (this.lsc.state === "PowerOff") return;
    const su = this.currentFillIn();
    const last = this.lastSent;
    if (last !== undefined) {
      if (su.kind === "LSSU" && last.kind === "LSSU" && last.status === su.status) return;
      if (su.kind === "FISU" && last.kind !== "LSSU" && last.bsn === su.bsn && last.bib === su.bib && last.fsn === su.fsn && last.fib === su.fib) return;
    }
    this.emit(su);
  }

  private armRepeat(): void {
    this.repeatTimer = this.clock.setTimer(this.fillInRepeatMs, () => {
      this.queue.run(() => this.emit(this.currentFillIn()));
      this.armRepeat();
    });
  }

  private emit(su: SignalUnit): void {
    this.lastSent = su;
    this.counters.framesTx++;
    if (su.kind === "MSU") this.counters.msuTx++;
    this.channel.send(encodeSignalUnit(su));
  }
}
