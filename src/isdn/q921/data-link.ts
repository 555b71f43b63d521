/**
 * Q.921 data link entity for one point-to-point data link with a fixed TEI,
 * as a primary rate D-channel uses it (Q.921 §5.3.1 non-automatic TEI
 * assignment, §5.5-§5.8 multiple frame operation, Annex B SDL).
 *
 *                         DL-ESTABLISH.req / SABME P
 *   +---------------+ ---------------------------------> +------------------+
 *   | TeiAssigned   |  <--- DM F=1, N200 x T200 (G) ---  | AwaitingEstab-   |
 *   |     (4)       |                                    | lishment (5)     |
 *   +---------------+  --- SABME / UA --+                +------------------+
 *     ^        ^                        |                   | UA F=1
 *     |        | UA, DM F=1,            v                   v
 *     |        | N200 x T200 (H)   +------------------------------------+
 *     |   +-----------------+ <--- | MultipleFrameEstablished (7)       |
 *     |   | AwaitingRelease |  DL- |  T203 expiry / T200 expiry:        |
 *     |   |      (6)        | REL. |  enquiry                           |
 *     |   +-----------------+ req  +------------------------------------+
 *     |                                 |  ^ RR/RNR/REJ F=1   | FRMR, DM, N(R) error,
 *     |   DISC / UA                     v  |                  | N200 x T200 (I):
 *     +------------------------ +--------------------+        | re-establish -> (5)
 *                               | TimerRecovery (8)  | -------+
 *                               +--------------------+
 *
 * Layer 3 talks to it through the DL primitives (DataLinkService); the
 * D-channel through LapdChannel. Timers T200/T203 come from `q921Timers`,
 * N200/N201/k from Q921Parameters. The receiver is never busy (layer 3 takes
 * every message at once), so this entity never sends RNR; it honours RNR
 * from the peer (Q.921 §5.6.5).
 */
import type { Clock } from "../../core/clock.js";
import { FsmInstance } from "../../core/fsm.js";
import type { FsmActions, FsmDefinition } from "../../core/fsm.js";
import type { Logger } from "../../core/logger.js";
import type { TimerValues } from "../../core/timers.js";
import type { LapdChannel } from "./channel.js";
import { crBit, describeControl, decodeLapdFrame, encodeLapdFrame, isCommand, SAPI_CALL_CONTROL } from "./codec/lapd-frame.js";
import type { LapdControl, LapdFrame, SupervisoryType, UnnumberedType } from "./codec/lapd-frame.js";
import { MDL_ERROR_TEXT } from "./primitives.js";
import type { DataLinkService, DlIndication, MdlErrorCode, MdlErrorIndication } from "./primitives.js";
import type { Q921Parameters } from "./timers.js";

export type DataLinkState = "TeiAssigned" | "AwaitingEstablishment" | "AwaitingRelease" | "MultipleFrameEstablished" | "TimerRecovery";

type Ev =
  | "DL_ESTABLISH_REQ"
  | "DL_RELEASE_REQ"
  | "DL_DATA_REQ"
  | "DL_UNIT_DATA_REQ"
  | "PH_DEACTIVATE"
  | "T200"
  | "T203"
  | "SABME"
  | "DISC"
  | "UA"
  | "DM"
  | "FRMR"
  | "UI"
  | "XID"
  | "I"
  | "RR"
  | "RNR"
  | "REJ"
  | "FRAME_ERROR";

interface Payload {
  readonly frame?: LapdFrame;
  readonly command?: boolean;
  readonly data?: Uint8Array;
  readonly error?: MdlErrorCode;
}

const ALWAYS: readonly Ev[] = ["DL_ESTABLISH_REQ", "DL_RELEASE_REQ", "DL_DATA_REQ", "DL_UNIT_DATA_REQ", "PH_DEACTIVATE", "SABME", "DISC", "UA", "DM", "FRMR", "UI", "XID", "I", "RR", "RNR", "REJ", "FRAME_ERROR"];

/** The state table (Q.921 Annex B, Figures B.3-B.9). */
export const DATA_LINK_FSM: FsmDefinition<DataLinkState, Ev> = {
  name: "Q921-DL",
  initial: "TeiAssigned",
  states: {
    TeiAssigned: { accepts: ALWAYS, to: ["AwaitingEstablishment", "MultipleFrameEstablished"] },
    AwaitingEstablishment: { accepts: [...ALWAYS, "T200"], to: ["TeiAssigned", "MultipleFrameEstablished"] },
    AwaitingRelease: { accepts: [...ALWAYS, "T200"], to: ["TeiAssigned"] },
    MultipleFrameEstablished: { accepts: [...ALWAYS, "T200", "T203"], to: ["TeiAssigned", "AwaitingEstablishment", "AwaitingRelease", "TimerRecovery"] },
    TimerRecovery: { accepts: [...ALWAYS, "T200"], to: ["TeiAssigned", "AwaitingEstablishment", "AwaitingRelease", "MultipleFrameEstablished"] },
  },
};

export interface DataLinkOptions {
  readonly channel: LapdChannel;
  /** True when this end is the network side of the interface (decides C/R bits, Table 1/Q.921). */
  readonly networkSide: boolean;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: TimerValues<"T200" | "T203">;
  readonly parameters: Q921Parameters;
  /** Instance id in log lines, e.g. the span name. */
  readonly id: string;
  /** TEI of the point-to-point link; 0 on a primary rate access (Q.921 §3.3.4.2). */
  readonly tei?: number;
  readonly sapi?: number;
  /** FCS placeholder octets on the channel (default 2). */
  readonly fcsOctets?: 0 | 2;
  /** MDL-ERROR indications for the connection management entity. */
  readonly onMdlError?: (e: MdlErrorIndication) => void;
}

/** Counters of what the entity saw; never logged per frame. */
export interface DataLinkCounters {
  framesIn: number;
  framesOut: number;
  invalidFrames: number;
  otherAddress: number;
  retransmittedI: number;
}

const MOD = 128;
const inc = (v: number): number => (v + 1) % MOD;

export class DataLink implements DataLinkService {
  private readonly fsm: FsmInstance<DataLinkState, Ev, Payload>;
  private readonly o: DataLinkOptions;
  private readonly sapi: number;
  private readonly tei: number;
  private indicationCb: ((ind: DlIndication) => void) | undefined;
  // State variables (Q.921 §3.5).
  private vs = 0;
  private va = 0;
  private vr = 0;
  private rc = 0;
  // Exception conditions (Q.921 §5.8).
  private peerBusy = false;
  private rejectException = false;
  private ackPending = false;
  private layer3Initiated = false;
  private releaseHeld = false;
  private closed = false;
  /** I frames sent and not yet acknowledged; index 0 carries N(S) = V(A). */
  private readonly sent: Uint8Array[] = [];
  /** I frames waiting to be sent. */
  private readonly queue: Uint8Array[] = [];
  readonly counters: DataLinkCounters = { framesIn: 0, framesOut: 0, invalidFrames: 0, otherAddress: 0, retransmittedI: 0 };

  constructor(opts: DataLinkOptions) {
    this.o = opts;
    this.sapi = opts.sapi ?? SAPI_CALL_CONTROL;
    this.tei = opts.tei ?? 0;
    this.fsm = new FsmInstance<DataLinkState, Ev, Payload>(DATA_LINK_FSM, {
      id: opts.id,
      clock: opts.clock,
      log: opts.log,
      timers: opts.timers,
      actions: this.actions(),
    });
    opts.channel.onFrame((f) => this.receive(f));
  }

  get state(): DataLinkState {
    return this.fsm.state;
  }

  get established(): boolean {
    return this.fsm.state === "MultipleFrameEstablished" || this.fsm.state === "TimerRecovery";
  }

  /** V(S), V(A), V(R) for tests and management. */
  get variables(): { vs: number; va: number; vr: number; queued: number; unacknowledged: number; peerBusy: boolean } {
    return { vs: this.vs, va: this.va, vr: this.vr, queued: this.queue.length, unacknowledged: this.sent.length, peerBusy: this.peerBusy };
  }

  onIndication(cb: (ind: DlIndication) => void): void {
    this.indicationCb = cb;
  }

  establish(): void {
    if (this.closed) return;
    this.fsm.dispatch("DL_ESTABLISH_REQ");
  }

  release(): void {
    if (this.closed) return;
    this.fsm.dispatch("DL_RELEASE_REQ");
  }

  data(message: Uint8Array): void {
    if (this.closed) return;
    this.fsm.dispatch("DL_DATA_REQ", { data: message });
    this.afterEvent();
  }

  unitData(message: Uint8Array): void {
    if (this.closed) return;
    this.fsm.dispatch("DL_UNIT_DATA_REQ", { data: message });
  }

  /** The physical layer reports the D-channel lost (alarm): links are released and I queues discarded (Q.921 Annex B, persistent deactivation). */
  physicalDeactivated(): void {
    if (this.closed) return;
    this.fsm.dispatch("PH_DEACTIVATE");
  }

  /**
   * Stop the entity for good (the owner is shutting down): timers stopped,
   * queues discarded, nothing more sent or indicated. No DISC is sent: the
   * peer sees the link go silent, as when the equipment is switched off.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.discardIQueue();
    this.fsm.terminate("closed");
  }

  /** One frame from the channel (with its FCS placeholder octets unless configured without). */
  receive(bytes: Uint8Array): void {
    if (this.closed) return;
    this.counters.framesIn++;
    const res = decodeLapdFrame(bytes, { fcsOctets: this.o.fcsOctets ?? 2 });
    if (!res.ok) {
      // Q.921 §2.9: invalid frames are discarded without notification to the sender.
      this.counters.invalidFrames++;
      this.fsm.log.debug({ fsm: "Q921-DL", error: res.error }, `${this.prefix()}: invalid frame discarded: ${res.error.reason}`);
      return;
    }
    const frame = res.value;
    if (frame.sapi !== this.sapi || frame.tei !== this.tei) {
      this.counters.otherAddress++;
      this.fsm.log.debug({ fsm: "Q921-DL", sapi: frame.sapi, tei: frame.tei }, `${this.prefix()}: frame for SAPI ${frame.sapi} TEI ${frame.tei} discarded`);
      return;
    }
    const command = isCommand(frame, !this.o.networkSide);
    this.fsm.log.debug({ fsm: "Q921-DL", dir: "rx" }, `${this.prefix()}: rx ${describeControl(frame.control, command)}${frame.info.length ? ` (${frame.info.length} octets)` : ""}`);
    const error = this.frameError(frame, command);
    if (error !== undefined) {
      this.fsm.dispatch("FRAME_ERROR", { frame, command, error });
    } else {
      const c = frame.control as Exclude<LapdControl, { format: "undefined" }>;
      this.fsm.dispatch(c.format === "I" ? "I" : c.type, { frame, command });
    }
    this.afterEvent();
  }

  /** Q.921 §5.8.5 frame rejection conditions, and C/R use Table 5/Q.921 does not define. */
  private frameError(f: LapdFrame, command: boolean): MdlErrorCode | undefined {
    const c = f.control;
    if (c.format === "undefined") return "L";
    if (c.format === "I") {
      if (!command) return "L";
      if (f.info.length > this.o.parameters.n201) return "O";
      return undefined;
    }
    if (c.format === "S") return f.info.length > 0 ? "N" : undefined;
    switch (c.type) {
      case "SABME":
      case "DISC":
        if (!command) return "L";
        return f.info.length > 0 ? "M" : undefined;
      case "UA":
      case "DM":
        if (command) return "L";
        return f.info.length > 0 ? "M" : undefined;
      case "FRMR":
        return command ? "L" : undefined;
      case "UI":
        if (!command) return "L";
        return f.info.length > this.o.parameters.n201 ? "O" : undefined;
      case "XID":
        return undefined;
    }
  }

  private prefix(): string {
    return `Q921-DL(${this.o.id}){${this.fsm.state}}`;
  }

  // --- Frame transmission -------------------------------------------------

  private transmit(control: LapdControl, command: boolean, info: Uint8Array = new Uint8Array(0)): void {
    const frame: LapdFrame = { sapi: this.sapi, cr: crBit(command, this.o.networkSide), tei: this.tei, control, info };
    this.fsm.log.debug({ fsm: "Q921-DL", dir: "tx" }, `${this.prefix()}: tx ${describeControl(control, command)}${info.length ? ` (${info.length} octets)` : ""}`);
    this.counters.framesOut++;
    this.o.channel.send(encodeLapdFrame(frame, { fcsOctets: this.o.fcsOctets ?? 2 }));
  }

  private sendU(type: UnnumberedType, command: boolean, pf: boolean, info?: Uint8Array): void {
    this.transmit({ format: "U", type, pf }, command, info);
  }

  private sendS(type: SupervisoryType, command: boolean, pf: boolean): void {
    this.transmit({ format: "S", type, nr: this.vr, pf }, command);
  }

  // --- Procedures shared by the SDL diagrams --------------------------------

  private indicate(ind: DlIndication): void {
    if (ind.primitive === "DL-DATA.ind" || ind.primitive === "DL-UNIT-DATA.ind") {
      this.fsm.log.debug({ fsm: "Q921-DL", primitive: ind.primitive }, `${this.prefix()}: ${ind.primitive} (${ind.data.length} octets)`);
    } else {
      this.fsm.log.info({ fsm: "Q921-DL", primitive: ind.primitive }, `${this.prefix()}: ${ind.primitive}`);
    }
    this.indicationCb?.(ind);
  }

  private mdlError(code: MdlErrorCode): void {
    const text = MDL_ERROR_TEXT[code];
    this.fsm.log.warn({ fsm: "Q921-DL", mdlError: code }, `${this.prefix()}: MDL-ERROR.ind (${code}) ${text}`);
    this.o.onMdlError?.({ primitive: "MDL-ERROR.ind", code, text });
  }

  private startT200(): void {
    this.fsm.startTimer("T200", "T200");
  }
  private stopT200(): void {
    this.fsm.stopTimer("T200");
  }
  private startT203(): void {
    this.fsm.startTimer("T203", "T203");
  }
  private stopT203(): void {
    this.fsm.stopTimer("T203");
  }

  private clearExceptionConditions(): void {
    this.peerBusy = false;
    this.rejectException = false;
    this.ackPending = false;
  }

  private discardIQueue(): void {
    this.queue.length = 0;
    this.sent.length = 0;
  }

  /** "Establish data link" (Annex B): SABME P=1 with T200, T203 stopped. */
  private establishDataLink(): void {
    this.clearExceptionConditions();
    this.rc = 0;
    this.sendU("SABME", true, true);
    this.stopT203();
    this.startT200();
  }

  private toState(next: DataLinkState): void {
    if (next !== "MultipleFrameEstablished") this.stopT203();
    if (next === "TeiAssigned") this.stopT200();
    this.fsm.transition(next);
  }

  private resetVariables(): void {
    this.vs = 0;
    this.va = 0;
    this.vr = 0;
  }

  /** Enquiry (Q.921 §5.6.7 a): RR command with P = 1, T200 restarted. */
  private transmitEnquiry(): void {
    this.sendS("RR", true, true);
    this.ackPending = false;
    this.startT200();
  }

  /** Enquiry response: RR response with F = 1 (Annex B). */
  private enquiryResponse(): void {
    this.sendS("RR", false, true);
    this.ackPending = false;
  }

  /** V(A) <= N(R) <= V(S), modulo 128 (Q.921 §5.8.2). */
  private nrValid(nr: number): boolean {
    return (nr - this.va + MOD) % MOD <= (this.vs - this.va + MOD) % MOD;
  }

  private updateVa(nr: number): void {
    const acked = (nr - this.va + MOD) % MOD;
    this.sent.splice(0, acked);
    this.va = nr;
  }

  /** Q.921 §5.6.4, §5.7: retransmit from N(R) = V(A). */
  private invokeRetransmission(nr: number): void {
    this.counters.retransmittedI += this.sent.length;
    this.queue.unshift(...this.sent.splice(0));
    this.vs = nr;
  }

  /** N(R) error recovery (Q.921 §5.7.3, MDL-ERROR J): re-establish. */
  private nrErrorRecovery(): void {
    this.mdlError("J");
    this.establishDataLink();
    this.layer3Initiated = false;
    this.toState("AwaitingEstablishment");
  }

  /** "I frame queued up" in the multiple frame established state (Annex B). */
  private pump(): void {
    let sentAny = false;
    while (this.queue.length > 0 && !this.peerBusy && this.vs !== (this.va + this.o.parameters.k) % MOD) {
      const info = this.queue.shift() as Uint8Array;
      this.transmit({ format: "I", ns: this.vs, nr: this.vr, pf: false }, true, info);
      this.sent.push(info);
      this.vs = inc(this.vs);
      sentAny = true;
    }
    if (sentAny) {
      this.ackPending = false;
      if (!this.fsm.timerRunning("T200")) {
        this.stopT203();
        this.startT200();
      }
    }
  }

  /** After every event: send what the window allows, then any pending acknowledgement (Annex B). */
  private afterEvent(): void {
    if (this.fsm.state === "MultipleFrameEstablished") this.pump();
    if ((this.fsm.state === "MultipleFrameEstablished" || this.fsm.state === "TimerRecovery") && this.ackPending) {
      this.ackPending = false;
      this.sendS("RR", false, false);
    }
  }

  /** Entering multiple frame established from awaiting establishment on UA, or on a peer SABME. */
  private linkUp(): void {
    this.stopT200();
    this.startT203();
    this.resetVariables();
    this.toState("MultipleFrameEstablished");
  }

  /** A received I frame in states 7 and 8 (Annex B Figures B.7, B.8; Q.921 §5.6.2). */
  private receiveI(p: Payload, timerRecovery: boolean): void {
    const f = p.frame as LapdFrame;
    const c = f.control as { format: "I"; ns: number; nr: number; pf: boolean };
    let deliver = false;
    if (c.ns === this.vr) {
      this.vr = inc(this.vr);
      this.rejectException = false;
      deliver = true;
      if (c.pf) {
        this.sendS("RR", false, true);
        this.ackPending = false;
      } else {
        this.ackPending = true;
      }
    } else if (this.rejectException) {
      // Q.921 §5.6.2.1: sequence error already reported; answer a poll only.
      if (c.pf) {
        this.sendS("RR", false, true);
        this.ackPending = false;
      }
    } else {
      // Q.921 §5.8.1: N(S) sequence error, REJ with F = P.
      this.rejectException = true;
      this.sendS("REJ", false, c.pf);
      this.ackPending = false;
    }
    if (!this.nrValid(c.nr)) {
      this.nrErrorRecovery();
    } else if (timerRecovery || this.peerBusy) {
      this.updateVa(c.nr);
    } else if (c.nr === this.vs) {
      this.updateVa(c.nr);
      this.stopT200();
      this.startT203();
    } else if (c.nr !== this.va) {
      this.updateVa(c.nr);
      this.startT200();
    }
    if (deliver) this.indicate({ primitive: "DL-DATA.ind", data: f.info });
  }

  /** RR and REJ in the multiple frame established state (Annex B Figure B.7; Q.921 §5.6.3, §5.6.4). */
  private rrRejEstablished(p: Payload, rej: boolean): void {
    const f = p.frame as LapdFrame;
    const c = f.control as { format: "S"; nr: number; pf: boolean };
    this.peerBusy = false;
    if (p.command) {
      if (c.pf) this.enquiryResponse();
    } else if (c.pf) {
      this.mdlError("A");
    }
    if (!this.nrValid(c.nr)) {
      this.nrErrorRecovery();
      return;
    }
    if (rej) {
      this.updateVa(c.nr);
      this.stopT200();
      this.startT203();
      this.invokeRetransmission(c.nr);
    } else if (c.nr === this.vs) {
      this.updateVa(c.nr);
      this.stopT200();
      this.startT203();
    } else if (c.nr !== this.va) {
      this.updateVa(c.nr);
      this.startT200();
    }
  }

  /** RR and REJ in timer recovery (Annex B Figure B.8). */
  private rrRejRecovery(p: Payload): void {
    const f = p.frame as LapdFrame;
    const c = f.control as { format: "S"; nr: number; pf: boolean };
    this.peerBusy = false;
    if (p.command && c.pf) this.enquiryResponse();
    if (!this.nrValid(c.nr)) {
      this.nrErrorRecovery();
      return;
    }
    this.updateVa(c.nr);
    if (!p.command && c.pf) {
      this.stopT200();
      this.startT203();
      this.invokeRetransmission(c.nr);
      this.toState("MultipleFrameEstablished");
    }
  }

  private rnr(p: Payload, timerRecovery: boolean): void {
    const f = p.frame as LapdFrame;
    const c = f.control as { format: "S"; nr: number; pf: boolean };
    // Q.921 §5.6.5: peer receiver busy.
    this.peerBusy = true;
    if (p.command) {
      if (c.pf) this.enquiryResponse();
    } else if (c.pf && !timerRecovery) {
      this.mdlError("A");
    }
    if (!this.nrValid(c.nr)) {
      this.nrErrorRecovery();
      return;
    }
    this.updateVa(c.nr);
    if (!timerRecovery) {
      this.stopT203();
      this.startT200();
    } else if (!p.command && c.pf) {
      this.startT200();
      this.invokeRetransmission(c.nr);
      this.toState("MultipleFrameEstablished");
    }
  }

  /** SABME in states 7 and 8 (Q.921 §5.7.1, MDL-ERROR F). */
  private sabmeWhileEstablished(p: Payload): void {
    const pf = (p.frame?.control as { pf: boolean }).pf;
    this.sendU("UA", false, pf);
    this.clearExceptionConditions();
    this.mdlError("F");
    const lost = this.vs !== this.va;
    if (lost) this.discardIQueue();
    this.stopT200();
    this.resetVariables();
    if (this.fsm.state === "TimerRecovery") this.toState("MultipleFrameEstablished");
    this.startT203();
    if (lost) this.indicate({ primitive: "DL-ESTABLISH.ind" });
  }

  private discWhileEstablished(p: Payload): void {
    const pf = (p.frame?.control as { pf: boolean }).pf;
    this.discardIQueue();
    this.sendU("UA", false, pf);
    this.toState("TeiAssigned");
    this.indicate({ primitive: "DL-RELEASE.ind" });
  }

  private reestablishAfter(code: MdlErrorCode): void {
    this.mdlError(code);
    this.establishDataLink();
    this.layer3Initiated = false;
    this.toState("AwaitingEstablishment");
  }

  private releaseRequestEstablished(): void {
    this.discardIQueue();
    this.rc = 0;
    this.sendU("DISC", true, true);
    this.stopT203();
    this.startT200();
    this.toState("AwaitingRelease");
  }

  private establishRequestEstablished(): void {
    this.discardIQueue();
    this.establishDataLink();
    this.layer3Initiated = true;
    this.toState("AwaitingEstablishment");
  }

  private uiReceived(p: Payload): void {
    this.indicate({ primitive: "DL-UNIT-DATA.ind", data: (p.frame as LapdFrame).info });
  }

  private uiRequest(p: Payload): void {
    this.sendU("UI", true, false, p.data as Uint8Array);
  }

  private uaUnexpected(p: Payload): void {
    this.mdlError((p.frame?.control as { pf: boolean }).pf ? "C" : "D");
  }

  private physicalDown(indication: "DL-RELEASE.ind" | "DL-RELEASE.conf" | undefined): void {
    this.discardIQueue();
    this.toState("TeiAssigned");
    if (indication) this.indicate({ primitive: indication });
  }

  private xidIgnored(): void {
    // Parameter negotiation by XID (Q.921 Appendix IV) is optional and not offered: XID frames are discarded.
    this.fsm.log.debug({ fsm: "Q921-DL" }, `${this.prefix()}: XID discarded (parameter negotiation not offered)`);
  }

  private frameErrorOutsideMultipleFrame(p: Payload): void {
    this.mdlError(p.error as MdlErrorCode);
  }

  private actions(): FsmActions<DataLinkState, Ev, Payload> {
    const pfOf = (p: Payload | undefined): boolean => (p?.frame?.control as { pf?: boolean } | undefined)?.pf === true;
    return {
      // Annex B Figure B.3: TEI assigned.
      TeiAssigned: {
        DL_ESTABLISH_REQ: () => {
          this.establishDataLink();
          this.layer3Initiated = true;
          this.toState("AwaitingEstablishment");
        },
        DL_RELEASE_REQ: () => this.indicate({ primitive: "DL-RELEASE.conf" }),
        DL_DATA_REQ: (_i, p) => {
          // Deviation: Q.921 discards a DL-DATA.req while the link is down; a PRI
          // D-channel is meant to be up, so the message is queued and the link
          // established on behalf of layer 3, which then gets DL-ESTABLISH.conf.
          this.queue.push(p?.data as Uint8Array);
          this.establishDataLink();
          this.layer3Initiated = true;
          this.toState("AwaitingEstablishment");
        },
        DL_UNIT_DATA_REQ: (_i, p) => this.uiRequest(p as Payload),
        PH_DEACTIVATE: () => undefined,
        SABME: (_i, p) => {
          this.sendU("UA", false, pfOf(p));
          this.clearExceptionConditions();
          this.linkUp();
          this.indicate({ primitive: "DL-ESTABLISH.ind" });
        },
        DISC: (_i, p) => this.sendU("DM", false, pfOf(p)),
        UA: (_i, p) => this.uaUnexpected(p as Payload),
        DM: (_i, p) => {
          // Q.921 §5.5.1: DM F=0 asks this side to establish the link.
          if (pfOf(p)) return;
          this.establishDataLink();
          this.layer3Initiated = true;
          this.toState("AwaitingEstablishment");
        },
        FRMR: () => undefined,
        UI: (_i, p) => this.uiReceived(p as Payload),
        XID: () => this.xidIgnored(),
        // Q.921 §5.4: in the TEI-assigned state, a command with P = 1 gets DM F = 1; other frames are ignored.
        I: (_i, p) => {
          if (pfOf(p)) this.sendU("DM", false, true);
        },
        RR: (_i, p) => {
          if (p?.command && pfOf(p)) this.sendU("DM", false, true);
        },
        RNR: (_i, p) => {
          if (p?.command && pfOf(p)) this.sendU("DM", false, true);
        },
        REJ: (_i, p) => {
          if (p?.command && pfOf(p)) this.sendU("DM", false, true);
        },
        FRAME_ERROR: (_i, p) => this.frameErrorOutsideMultipleFrame(p as Payload),
      },
      // Annex B Figure B.5: awaiting establishment.
      AwaitingEstablishment: {
        DL_ESTABLISH_REQ: () => {
          this.discardIQueue();
          this.layer3Initiated = true;
        },
        DL_RELEASE_REQ: () => {
          // Deviation: Q.921 does not act on a release request while SABME is outstanding;
          // it is held and carried out once the link comes up (or dropped if it does not).
          this.releaseHeld = true;
        },
        DL_DATA_REQ: (_i, p) => {
          if (this.layer3Initiated) this.queue.push(p?.data as Uint8Array);
          else this.fsm.log.warn({ fsm: "Q921-DL" }, `${this.prefix()}: DL-DATA.req discarded during re-establishment`);
        },
        DL_UNIT_DATA_REQ: (_i, p) => this.uiRequest(p as Payload),
        PH_DEACTIVATE: () => {
          this.releaseHeld = false;
          this.physicalDown("DL-RELEASE.ind");
        },
        T200: () => {
          if (this.rc === this.o.parameters.n200) {
            this.discardIQueue();
            this.mdlError("G");
            this.releaseHeld = false;
            this.toState("TeiAssigned");
            this.indicate({ primitive: "DL-RELEASE.ind" });
          } else {
            this.rc++;
            this.sendU("SABME", true, true);
            this.startT200();
          }
        },
        // Q.921 §5.5.1.3: SABME collision, each side answers UA and waits for its own UA.
        SABME: (_i, p) => this.sendU("UA", false, pfOf(p)),
        DISC: (_i, p) => this.sendU("DM", false, pfOf(p)),
        UA: (_i, p) => {
          if (!pfOf(p)) {
            this.mdlError("D");
            return;
          }
          let ind: DlIndication | undefined;
          if (this.layer3Initiated) {
            this.layer3Initiated = false;
            ind = { primitive: "DL-ESTABLISH.conf" };
          } else if (this.vs !== this.va) {
            this.discardIQueue();
            ind = { primitive: "DL-ESTABLISH.ind" };
          }
          this.linkUp();
          if (ind) this.indicate(ind);
          if (this.releaseHeld) {
            this.releaseHeld = false;
            this.releaseRequestEstablished();
          }
        },
        DM: (_i, p) => {
          if (!pfOf(p)) return;
          this.discardIQueue();
          this.releaseHeld = false;
          this.toState("TeiAssigned");
          this.indicate({ primitive: "DL-RELEASE.ind" });
        },
        FRMR: () => undefined,
        UI: (_i, p) => this.uiReceived(p as Payload),
        XID: () => this.xidIgnored(),
        I: () => undefined,
        RR: () => undefined,
        RNR: () => undefined,
        REJ: () => undefined,
        FRAME_ERROR: (_i, p) => this.frameErrorOutsideMultipleFrame(p as Payload),
      },
      // Annex B Figure B.6: awaiting release.
      AwaitingRelease: {
        DL_ESTABLISH_REQ: () => this.fsm.log.warn({ fsm: "Q921-DL" }, `${this.prefix()}: DL-ESTABLISH.req ignored while releasing`),
        DL_RELEASE_REQ: () => undefined,
        DL_DATA_REQ: () => this.fsm.log.warn({ fsm: "Q921-DL" }, `${this.prefix()}: DL-DATA.req discarded while releasing`),
        DL_UNIT_DATA_REQ: (_i, p) => this.uiRequest(p as Payload),
        PH_DEACTIVATE: () => this.physicalDown("DL-RELEASE.conf"),
        T200: () => {
          if (this.rc === this.o.parameters.n200) {
            this.mdlError("H");
            this.toState("TeiAssigned");
            this.indicate({ primitive: "DL-RELEASE.conf" });
          } else {
            this.rc++;
            this.sendU("DISC", true, true);
            this.startT200();
          }
        },
        SABME: (_i, p) => this.sendU("DM", false, pfOf(p)),
        DISC: (_i, p) => this.sendU("UA", false, pfOf(p)),
        UA: (_i, p) => {
          if (!pfOf(p)) {
            this.mdlError("D");
            return;
          }
          this.toState("TeiAssigned");
          this.indicate({ primitive: "DL-RELEASE.conf" });
        },
        DM: (_i, p) => {
          if (!pfOf(p)) return;
          this.toState("TeiAssigned");
          this.indicate({ primitive: "DL-RELEASE.conf" });
        },
        FRMR: () => undefined,
        UI: (_i, p) => this.uiReceived(p as Payload),
        XID: () => this.xidIgnored(),
        I: () => undefined,
        RR: () => undefined,
        RNR: () => undefined,
        REJ: () => undefined,
        FRAME_ERROR: (_i, p) => this.frameErrorOutsideMultipleFrame(p as Payload),
      },
      // Annex B Figure B.7: multiple frame established.
      MultipleFrameEstablished: {
        DL_ESTABLISH_REQ: () => this.establishRequestEstablished(),
        DL_RELEASE_REQ: () => this.releaseRequestEstablished(),
        DL_DATA_REQ: (_i, p) => {
          this.queue.push(p?.data as Uint8Array);
        },
        DL_UNIT_DATA_REQ: (_i, p) => this.uiRequest(p as Payload),
        PH_DEACTIVATE: () => this.physicalDown("DL-RELEASE.ind"),
        T200: () => {
          // Q.921 §5.6.7: enter timer recovery and poll with an enquiry.
          this.rc = 0;
          this.transmitEnquiry();
          this.rc++;
          this.toState("TimerRecovery");
        },
        T203: () => {
          // Q.921 §5.6.6: no frames for T203, poll the peer.
          this.rc = 0;
          this.transmitEnquiry();
          this.rc++;
          this.toState("TimerRecovery");
        },
        SABME: (_i, p) => this.sabmeWhileEstablished(p as Payload),
        DISC: (_i, p) => this.discWhileEstablished(p as Payload),
        UA: (_i, p) => this.uaUnexpected(p as Payload),
        DM: (_i, p) => {
          if (pfOf(p)) this.mdlError("B");
          else this.reestablishAfter("E");
        },
        FRMR: () => this.reestablishAfter("K"),
        UI: (_i, p) => this.uiReceived(p as Payload),
        XID: () => this.xidIgnored(),
        I: (_i, p) => this.receiveI(p as Payload, false),
        RR: (_i, p) => this.rrRejEstablished(p as Payload, false),
        REJ: (_i, p) => this.rrRejEstablished(p as Payload, true),
        RNR: (_i, p) => this.rnr(p as Payload, false),
        // Q.921 §5.8.5: frame rejection condition, MDL-ERROR and re-establishment.
        FRAME_ERROR: (_i, p) => this.reestablishAfter(p?.error as MdlErrorCode),
      },
      // Annex B Figure B.8: timer recovery.
      TimerRecovery: {
        DL_ESTABLISH_REQ: () => this.establishRequestEstablished(),
        DL_RELEASE_REQ: () => this.releaseRequestEstablished(),
        DL_DATA_REQ: (_i, p) => {
          this.queue.push(p?.data as Uint8Array);
        },
        DL_UNIT_DATA_REQ: (_i, p) => this.uiRequest(p as Payload),
        PH_DEACTIVATE: () => this.physicalDown("DL-RELEASE.ind"),
        T200: () => {
          if (this.rc === this.o.parameters.n200) {
            this.reestablishAfter("I");
          } else {
            this.transmitEnquiry();
            this.rc++;
          }
        },
        SABME: (_i, p) => this.sabmeWhileEstablished(p as Payload),
        DISC: (_i, p) => this.discWhileEstablished(p as Payload),
        UA: (_i, p) => this.uaUnexpected(p as Payload),
        DM: (_i, p) => this.reestablishAfter(pfOf(p) ? "B" : "E"),
        FRMR: () => this.reestablishAfter("K"),
        UI: (_i, p) => this.uiReceived(p as Payload),
        XID: () => this.xidIgnored(),
        I: (_i, p) => this.receiveI(p as Payload, true),
        RR: (_i, p) => this.rrRejRecovery(p as Payload),
        REJ: (_i, p) => this.rrRejRecovery(p as Payload),
        RNR: (_i, p) => this.rnr(p as Payload, true),
        FRAME_ERROR: (_i, p) => this.reestablishAfter(p?.error as MdlErrorCode),
      },
    };
  }
}
