/**
 * One call on a QSIG / Q.931 primary rate D-channel: call establishment
 * (Q.931 §5.1 outgoing, §5.2 incoming; ECMA-143 §10.1-§10.2), overlap sending
 * and receiving (Q.931 §5.1.3, §5.2.4), clearing in every state including
 * clear collision (Q.931 §5.3; ECMA-143 §10.3), status enquiry and status
 * (Q.931 §5.8.10, §5.8.11), unexpected messages (Q.931 §5.8.4), and data link
 * reset and failure (Q.931 §5.8.8, §5.8.9). The state table is CALL_FSM in
 * call-states.ts; the Q.931 entity (layer3.ts) routes messages here by call
 * reference and owns what calls share (B-channels, the data link).
 */
import { FsmInstance } from "../../../core/fsm.js";
import type { FsmActions } from "../../../core/fsm.js";
import type { Logger } from "../../../core/logger.js";
import type { Clock } from "../../../core/clock.js";
import type { ChannelIdentification } from "../codec/information-elements.js";
import { findIe, ie } from "../codec/q931-codec.js";
import type { Q931Ie, Q931Message } from "../codec/q931-codec.js";
import { messageTypeCode } from "../codec/message-types.js";
import type { Q931MessageName } from "../codec/message-types.js";
import { CALL_FSM, COMPATIBLE_PEER_STATES, stateOfValue } from "./call-states.js";
import type { CallEvent, CallState } from "./call-states.js";
import type { BChannelPool } from "./channels.js";
import { CAUSE, causeIe, channelIe, putIe } from "./messages.js";

/** Indications from call control to its user (Q.931 Annex A primitive names). */
export type CallIndication =
  | {
      readonly primitive:
        | "SETUP.ind"
        | "MORE-INFO.ind"
        | "PROCEEDING.ind"
        | "ALERTING.ind"
        | "PROGRESS.ind"
        | "SETUP.conf"
        | "SETUP-COMPLETE.ind"
        | "INFO.ind"
        | "NOTIFY.ind"
        | "FACILITY.ind"
        | "DISCONNECT.ind"
        | "STATUS.ind";
      readonly call: Q931Call;
      readonly message: Q931Message;
    }
  /** The call is back in the Null state. RELEASE.conf when the user asked for the clearing, RELEASE.ind otherwise. */
  | { readonly primitive: "RELEASE.ind" | "RELEASE.conf"; readonly call: Q931Call; readonly cause: number; readonly message?: Q931Message };

/** What a call needs from the Q.931 entity that owns it. */
export interface CallContext {
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: Readonly<Record<string, number>>;
  readonly pool: BChannelPool;
  /** Q.931 numbering of our states in STATUS, and the one the peer uses. */
  readonly numbering: Readonly<Record<CallState, number>>;
  readonly peerNumbering: Readonly<Record<CallState, number>>;
  /** Q.850 location for causes we generate. */
  readonly causeLocation: number;
  readonly callReferenceLength: number;
  /** The incoming side waits for CONNECT ACKNOWLEDGE (ECMA-143, Q.931 user side); a Q.931 network side does not. */
  readonly awaitConnectAck: boolean;
  send(msg: Q931Message): void;
  indicate(ind: CallIndication): void;
  /** The call entered Null; the entity forgets it. */
  ended(call: Q931Call): void;
  /** A channel the call could not release cleanly (second T308 expiry): restart it (Q.931 §5.3, §5.5). */
  restartChannel(channel: number): void;
}

interface Payload {
  readonly message?: Q931Message;
  readonly ies?: readonly Q931Ie[];
  readonly cause?: number;
  /** Cause for the clearing message we send in answer (Q.931 §5.8.6.1, §5.8.7.1). */
  readonly answerCause?: number;
  readonly diagnostics?: Uint8Array;
}

/** A STATUS ENQUIRY is sent this many times before the call is cleared (Q.931 §5.8.10 leaves the count open). */
const STATUS_ENQUIRY_ATTEMPTS = 2;

export class Q931Call {
  readonly callReference: number;
  /** Which end allocated the call reference: we did (outgoing call) or the peer did (incoming call). */
  readonly originator: "local" | "remote";
  readonly key: string;
  private readonly ctx: CallContext;
  private readonly fsm: FsmInstance<CallState, CallEvent, Payload>;
  private ch: number | undefined;
  private offeredExclusive = true;
  private firstResponseDone = false;
  private setupMessage: Q931Message | undefined;
  private t303Expiries = 0;
  private t308Expiries = 0;
  private enquiries = 0;
  /** Cause of the DISCONNECT or RELEASE we sent, for retransmissions (Q.931 §5.3.3). */
  private clearingCause: number = CAUSE.normalClearing;
  private userCleared = false;
  /** Cause that replaces the user's in our RELEASE after a DISCONNECT with element errors. */
  private answerCause: number | undefined;
  /** Cause of the DISCONNECT received, the default for our RELEASE (Q.931 §5.3.4). */
  private receivedCause: number | undefined;

  constructor(ctx: CallContext, callReference: number, originator: "local" | "remote") {
    this.ctx = ctx;
    this.callReference = callReference;
    this.originator = originator;
    this.key = `${originator === "local" ? "out" : "in"}:${callReference}`;
    this.fsm = new FsmInstance<CallState, CallEvent, Payload>(CALL_FSM, {
      id: `cr=${callReference},${originator === "local" ? "out" : "in"}`,
      clock: ctx.clock,
      log: ctx.log,
      timers: ctx.timers,
      actions: this.actions(),
      onTerminate: () => this.ctx.ended(this),
    });
  }

  get state(): CallState {
    return this.fsm.state;
  }

  /** The call state value a STATUS reports for this call (Q.931 §4.5.7). */
  get callStateValue(): number {
    return this.ctx.numbering[this.fsm.state];
  }

  /** The B-channel the call holds, if any. */
  get channel(): number | undefined {
    return this.ch;
  }

  // --- Requests from the call control user (Q.931 Annex A primitives) ---------------------

  /** SETUP ACKNOWLEDGE: ask for more call information (overlap receiving, Q.931 §5.2.4). */
  moreInfo(ies: readonly Q931Ie[] = []): boolean {
    return this.fsm.dispatch("MORE_INFO_REQ", { ies });
  }
  /** CALL PROCEEDING (Q.931 §5.2.5.2). */
  proceeding(ies: readonly Q931Ie[] = []): boolean {
    return this.fsm.dispatch("PROCEEDING_REQ", { ies });
  }
  /** ALERTING (Q.931 §5.2.5.2). */
  alerting(ies: readonly Q931Ie[] = []): boolean {
    return this.fsm.dispatch("ALERTING_REQ", { ies });
  }
  /** PROGRESS, e.g. in-band information available (Q.931 §5.2.6). */
  progress(ies: readonly Q931Ie[]): boolean {
    return this.fsm.dispatch("PROGRESS_REQ", { ies });
  }
  /** CONNECT: answer the call (Q.931 §5.2.8). */
  connect(ies: readonly Q931Ie[] = []): boolean {
    return this.fsm.dispatch("SETUP_RESP", { ies });
  }
  /** INFORMATION: overlap sending digits (Q.931 §5.1.3) or other call information. */
  information(ies: readonly Q931Ie[]): boolean {
    return this.fsm.dispatch("INFO_REQ", { ies });
  }
  notify(ies: readonly Q931Ie[]): boolean {
    return this.fsm.dispatch("NOTIFY_REQ", { ies });
  }
  /** FACILITY with supplementary service components (Q.932 §8). */
  facility(ies: readonly Q931Ie[]): boolean {
    return this.fsm.dispatch("FACILITY_REQ", { ies });
  }
  /** Clear the call (Q.931 §5.3.2); an incoming call not yet answered at all is rejected with RELEASE COMPLETE (Q.931 §5.2.5). */
  disconnect(cause: number, ies: readonly Q931Ie[] = []): boolean {
    this.userCleared = true;
    return this.fsm.dispatch("DISCONNECT_REQ", { cause, ies });
  }
  /** RELEASE: after DISCONNECT.ind (by default with the DISCONNECT's cause), or to abort the call from any state. */
  release(cause?: number, ies: readonly Q931Ie[] = []): boolean {
    this.userCleared = true;
    return this.fsm.dispatch("RELEASE_REQ", { ...(cause !== undefined ? { cause } : {}), ies });
  }
  /** STATUS ENQUIRY (Q.931 §5.8.10). */
  statusEnquiry(): boolean {
    return this.fsm.dispatch("STATUS_ENQUIRY_REQ");
  }

  // --- Entry points for the Q.931 entity --------------------------------------------------

  /** Start an outgoing call on `channel` (already reserved) with the user's SETUP elements. */
  startOutgoing(channel: number, exclusive: boolean, ies: readonly Q931Ie[]): void {
    this.ch = channel;
    this.offeredExclusive = exclusive;
    this.fsm.dispatch("SETUP_REQ", { ies });
  }

  /** Start an incoming call on `channel` (already reserved) for a SETUP the entity has checked. */
  startIncoming(channel: number, setup: Q931Message): void {
    this.ch = channel;
    this.fsm.dispatch("SETUP", { message: setup });
  }

  /** A message for this call. Returns false when the state does not take it (the entity then applies Q.931 §5.8.4). */
  receive(event: CallEvent, message: Q931Message, extra: Omit<Payload, "message"> = {}): boolean {
    if (!this.fsm.accepts(event)) {
      this.unexpected(message);
      return false;
    }
    return this.fsm.dispatch(event, { message, ...extra });
  }

  /** An event that is not a message: data link, restart. */
  signal(event: "DL_RELEASED" | "DL_ESTABLISHED" | "DL_RESET" | "RESTARTED"): void {
    if (this.fsm.accepts(event)) this.fsm.dispatch(event);
  }

  /** End the call without signalling (its Q.931 entity is stopping): timers stopped, the channel released, no indication. */
  abandon(): void {
    if (this.ch !== undefined) this.ctx.pool.release(this.ch, this.key);
    this.fsm.terminate("entity stopped");
  }

  /** The incoming call lost its channel to ours, or ours lost it to an incoming call (Q.931 Annex D.3). */
  loseChannel(): void {
    this.ch = undefined;
  }

  // --- Sending ------------------------------------------------------------------------------

  private send(type: Q931MessageName, ies: readonly Q931Ie[] = []): Q931Message {
    const msg: Q931Message = {
      protocolDiscriminator: 8,
      callReference: { length: this.ctx.callReferenceLength, value: this.callReference, flag: this.originator === "remote" },
      messageType: type,
      ies,
    };
    this.ctx.send(msg);
    return msg;
  }

  private cause(value: number, diagnostics?: Uint8Array): Q931Ie {
    return causeIe(value, this.ctx.causeLocation, diagnostics);
  }

  /** Incoming side: the first response to SETUP carries the channel (Q.931 §5.2.3.1, ECMA-143). */
  private firstResponse(ies: readonly Q931Ie[]): readonly Q931Ie[] {
    if (this.firstResponseDone || this.ch === undefined) return ies;
    this.firstResponseDone = true;
    return putIe(ies, channelIe(this.ch, true));
  }

  private sendStatus(cause: number, diagnostics?: Uint8Array): void {
    this.send("STATUS", [this.cause(cause, diagnostics), ie("callState", { codingStandard: 0, value: this.callStateValue })]);
  }

  // --- Common procedures --------------------------------------------------------------------

  private indicate(primitive: Exclude<CallIndication["primitive"], "RELEASE.ind" | "RELEASE.conf">, message: Q931Message): void {
    this.ctx.indicate({ primitive, call: this, message });
  }

  /** Enter Null: release the channel and the call reference (Q.931 §5.3.3, §5.3.4). */
  private toNull(cause: number, message?: Q931Message, keepChannelOutOfService = false): void {
    this.fsm.stopTimer("T310");
    this.fsm.stopTimer("T322");
    this.fsm.stopTimer("T309");
    const ch = this.ch;
    if (ch !== undefined) {
      if (keepChannelOutOfService) this.ctx.pool.setMaintenance(ch);
      else this.ctx.pool.release(ch, this.key);
    }
    this.fsm.transition("Null");
    this.ctx.indicate({ primitive: this.userCleared ? "RELEASE.conf" : "RELEASE.ind", call: this, cause, ...(message ? { message } : {}) });
  }

  private causeOf(message: Q931Message | undefined): number {
    return (message && findIe(message, "cause")?.value) ?? CAUSE.normalUnspecified;
  }

  /** Clear with DISCONNECT (Q.931 §5.3.2), or RELEASE COMPLETE before the first response to an incoming SETUP. */
  private clear(cause: number, ies: readonly Q931Ie[] = [], diagnostics?: Uint8Array): void {
    this.fsm.stopTimer("T310");
    if (this.fsm.state === "CallPresent") {
      this.send("RELEASE COMPLETE", putIe(ies, this.cause(cause, diagnostics)));
      this.toNull(cause);
      return;
    }
    this.clearingCause = cause;
    this.send("DISCONNECT", putIe(ies, this.cause(cause, diagnostics)));
    this.fsm.transition("DisconnectRequest");
  }

  /** Send RELEASE and wait for RELEASE COMPLETE under T308 (Q.931 §5.3.3, §5.3.4). */
  private sendRelease(cause: number, ies: readonly Q931Ie[] = []): void {
    this.fsm.stopTimer("T310");
    this.clearingCause = cause;
    this.t308Expiries = 0;
    this.send("RELEASE", putIe(ies, this.cause(cause)));
    this.fsm.transition("ReleaseRequest");
  }

  /** RELEASE received: answer RELEASE COMPLETE and enter Null (Q.931 §5.3.3, §5.3.4). */
  private onRelease(p: Payload): void {
    const message = p.message as Q931Message;
    const answer = p.answerCause;
    this.send("RELEASE COMPLETE", answer !== undefined ? [this.cause(answer, p.diagnostics)] : []);
    this.toNull(this.causeOf(message), message);
  }

  private onReleaseComplete(p: Payload): void {
    // RELEASE COMPLETE after our RELEASE usually has no cause; report the clearing cause then.
    const own = p.message && findIe(p.message, "cause")?.value;
    this.toNull(own ?? (this.fsm.state === "ReleaseRequest" ? this.clearingCause : CAUSE.normalUnspecified), p.message);
  }

  /** DISCONNECT received: indicate it; the user answers with release() (Q.931 §5.3.4). */
  private onDisconnect(p: Payload): void {
    const message = p.message as Q931Message;
    this.fsm.stopTimer("T310");
    if (p.answerCause !== undefined && p.answerCause !== CAUSE.ieNonExistent) {
      // Q.931 §5.8.6.1: cause missing or invalid, act as for cause 31 and answer RELEASE with the error cause.
      this.sendRelease(p.answerCause, []);
      this.indicate("DISCONNECT.ind", message);
      return;
    }
    this.answerCause = p.answerCause;
    this.receivedCause = this.causeOf(message);
    this.fsm.transition("DisconnectIndication");
    this.indicate("DISCONNECT.ind", message);
  }

  /** Q.931 §5.8.4: a message the state does not take gets STATUS with cause 101 and changes nothing. */
  private unexpected(message: Q931Message): void {
    if (this.fsm.state === "Null") return;
    this.fsm.log.info({ fsm: "Q931-CALL" }, `Q931-CALL(${this.fsm.id}){${this.fsm.state}}: ${String(message.messageType)} not expected in this state`);
    this.sendStatus(CAUSE.messageNotCompatibleWithState, Uint8Array.of(messageCode(message)));
  }

  /** Outgoing side: check the channel in the first response to SETUP (Q.931 §5.1.2; Annex D.3). */
  private acceptFirstResponse(message: Q931Message): boolean {
    if (this.firstResponseDone) return true;
    this.firstResponseDone = true;
    const ci = findIe(message, "channelIdentification");
    const offered = this.ch;
    const indicated = ci ? singleChannel(ci) : undefined;
    if (!ci) {
      if (offered !== undefined) {
        // Deviation: Q.931 §5.1.2 requires the channel in the first response; a missing
        // element is taken as acceptance of the channel offered, as common PBXs expect.
        this.fsm.log.info({ fsm: "Q931-CALL" }, `Q931-CALL(${this.fsm.id}){${this.fsm.state}}: no channel in first response, keeping B-channel ${offered}`);
        return true;
      }
    } else if (indicated !== undefined) {
      if (indicated === offered) return true;
      if (!this.offeredExclusive || offered === undefined) {
        if (this.ctx.pool.isIdle(indicated)) {
          if (offered !== undefined) this.ctx.pool.release(offered, this.key);
          this.ctx.pool.reserve(indicated, this.key);
          this.ch = indicated;
          return true;
        }
      }
    }
    // Q.931 §5.1.2: the channel indicated is not acceptable.
    this.clear(CAUSE.channelUnacceptable);
    return false;
  }

  /** Q.931 §5.8.11: STATUS received. */
  private onStatus(p: Payload): void {
    const message = p.message as Q931Message;
    this.fsm.stopTimer("T322");
    this.enquiries = 0;
    const value = findIe(message, "callState")?.value;
    const state = this.fsm.state;
    if (value === 0) {
      // Q.931 §5.8.11 c): the peer is in Null: release all resources.
      this.toNull(CAUSE.temporaryFailure, message);
      return;
    }
    if (state === "ReleaseRequest") return; // Q.931 §5.8.11 b)
    const peer = value === undefined ? undefined : stateOfValue(value, this.ctx.peerNumbering);
    const compatible = peer !== undefined && (COMPATIBLE_PEER_STATES[state as keyof typeof COMPATIBLE_PEER_STATES] ?? []).includes(peer);
    if (!compatible) {
      // Q.931 §5.8.11 a): clear with cause 101.
      this.fsm.log.warn({ fsm: "Q931-CALL", peerState: value }, `Q931-CALL(${this.fsm.id}){${state}}: STATUS reports peer state ${String(value)}, incompatible`);
      this.sendRelease(CAUSE.messageNotCompatibleWithState);
      return;
    }
    this.indicate("STATUS.ind", message);
  }

  private onStatusEnquiry(): void {
    // Q.931 §5.8.10: answer with STATUS, cause 30, our call state.
    this.sendStatus(CAUSE.responseToStatusEnquiry);
  }

  private onNotifyOrFacility(p: Payload, primitive: "NOTIFY.ind" | "FACILITY.ind"): void {
    this.indicate(primitive, p.message as Q931Message);
  }

  private sendEnquiry(): void {
    this.enquiries++;
    this.send("STATUS ENQUIRY");
    this.fsm.startTimer("T322", "T322");
  }

  /** Q.931 §5.8.9: data link failure. */
  private onDlReleased(): void {
    if (this.fsm.state === "Active") {
      if (!this.fsm.timerRunning("T309")) this.fsm.startTimer("T309", "T309");
      return;
    }
    // Calls not active are cleared internally.
    this.toNull(CAUSE.temporaryFailure);
  }

  private onDlEstablished(): void {
    if (!this.fsm.timerRunning("T309")) return;
    this.fsm.stopTimer("T309");
    this.sendStatus(CAUSE.normalUnspecified);
  }

  /** Q.931 §5.8.8: spontaneous data link reset; calls in overlap are cleared, the others kept. */
  private onDlReset(): void {
    const s = this.fsm.state;
    if (s === "OverlapSending" || s === "OverlapReceiving") this.clear(CAUSE.temporaryFailure);
  }

  private actions(): FsmActions<CallState, CallEvent, Payload> {
    const msgOf = (p: Payload | undefined): Q931Message => p?.message as Q931Message;
    const iesOf = (p: Payload | undefined): readonly Q931Ie[] => p?.ies ?? [];
    // Handlers every state but Null shares; states override some.
    const common = {
      RELEASE: (_i: unknown, p: Payload | undefined) => this.onRelease(p as Payload),
      RELEASE_COMPLETE: (_i: unknown, p: Payload | undefined) => this.onReleaseComplete(p as Payload),
      DISCONNECT: (_i: unknown, p: Payload | undefined) => this.onDisconnect(p as Payload),
      STATUS: (_i: unknown, p: Payload | undefined) => this.onStatus(p as Payload),
      STATUS_ENQUIRY: () => this.onStatusEnquiry(),
      NOTIFY: (_i: unknown, p: Payload | undefined) => this.onNotifyOrFacility(p as Payload, "NOTIFY.ind"),
      FACILITY: (_i: unknown, p: Payload | undefined) => this.onNotifyOrFacility(p as Payload, "FACILITY.ind"),
      RELEASE_REQ: (_i: unknown, p: Payload | undefined) => this.sendRelease(p?.cause ?? CAUSE.normalClearing, iesOf(p)),
      STATUS_ENQUIRY_REQ: () => {
        if (!this.fsm.timerRunning("T322")) this.sendEnquiry();
      },
      NOTIFY_REQ: (_i: unknown, p: Payload | undefined) => void this.send("NOTIFY", iesOf(p)),
      FACILITY_REQ: (_i: unknown, p: Payload | undefined) => void this.send("FACILITY", iesOf(p)),
      DISCONNECT_REQ: (_i: unknown, p: Payload | undefined) => this.clear(p?.cause ?? CAUSE.normalClearing, iesOf(p)),
      INFORMATION: (_i: unknown, p: Payload | undefined) => this.indicate("INFO.ind", msgOf(p)),
      INFO_REQ: (_i: unknown, p: Payload | undefined) => void this.send("INFORMATION", iesOf(p)),
      PROGRESS: (_i: unknown, p: Payload | undefined) => this.indicate("PROGRESS.ind", msgOf(p)),
      T322: () => {
        // Q.931 §5.8.10: retransmit, then clear with cause 41.
        if (this.enquiries < STATUS_ENQUIRY_ATTEMPTS) this.sendEnquiry();
        else {
          this.enquiries = 0;
          this.clear(CAUSE.temporaryFailure);
        }
      },
      T309: () => this.toNull(CAUSE.destinationOutOfOrder), // Q.931 §5.8.9
      DL_RELEASED: () => this.onDlReleased(),
      DL_ESTABLISHED: () => this.onDlEstablished(),
      DL_RESET: () => this.onDlReset(),
      // Q.931 §5.5.2: a restarted channel's call is cleared without messages.
      RESTARTED: () => this.toNull(CAUSE.temporaryFailure),
    };

    /** Outgoing side, CONNECT received: CONNECT ACKNOWLEDGE and Active (Q.931 §5.1.8). */
    const connected = (p: Payload | undefined): void => {
      const m = msgOf(p);
      if (!this.acceptFirstResponse(m)) return;
      this.fsm.stopTimer("T310");
      this.send("CONNECT ACKNOWLEDGE");
      this.fsm.transition("Active");
      this.indicate("SETUP.conf", m);
    };
    const proceedingReceived = (p: Payload | undefined): void => {
      const m = msgOf(p);
      if (!this.acceptFirstResponse(m)) return;
      this.fsm.transition("OutgoingCallProceeding");
      this.fsm.startTimer("T310", "T310"); // Q.931 §5.1.6
      this.indicate("PROCEEDING.ind", m);
    };
    const alertingReceived = (p: Payload | undefined): void => {
      const m = msgOf(p);
      if (!this.acceptFirstResponse(m)) return;
      this.fsm.stopTimer("T310");
      this.fsm.transition("CallDelivered");
      this.indicate("ALERTING.ind", m);
    };
    /** Incoming side answers: CONNECT, then wait for CONNECT ACKNOWLEDGE under T313 where the protocol has it (Q.931 §5.2.8). */
    const answer = (p: Payload | undefined): void => {
      this.send("CONNECT", this.firstResponse(iesOf(p)));
      this.fsm.transition(this.ctx.awaitConnectAck ? "ConnectRequest" : "Active");
    };
    const progressOut = (p: Payload | undefined): void => void this.send("PROGRESS", iesOf(p));

    return {
      Null: {
        SETUP_REQ: (_i, p) => {
          // Q.931 §5.1.1: SETUP with the channel, T303 started by the state table.
          const ies = putIe(iesOf(p), channelIe(this.ch as number, this.offeredExclusive));
          this.t303Expiries = 0;
          this.fsm.transition("CallInitiated");
          this.setupMessage = this.send("SETUP", ies);
        },
        SETUP: (_i, p) => {
          this.fsm.transition("CallPresent");
          this.indicate("SETUP.ind", msgOf(p));
        },
      },
      CallInitiated: {
        ...common,
        SETUP_ACK: (_i, p) => {
          const m = msgOf(p);
          if (!this.acceptFirstResponse(m)) return;
          this.fsm.transition("OverlapSending");
          this.indicate("MORE-INFO.ind", m);
        },
        CALL_PROCEEDING: (_i, p) => proceedingReceived(p),
        ALERTING: (_i, p) => alertingReceived(p),
        CONNECT: (_i, p) => connected(p),
        T303: () => {
          this.t303Expiries++;
          if (this.t303Expiries === 1 && this.setupMessage) {
            // Q.931 §5.1.1: first expiry, SETUP sent again and T303 restarted.
            this.ctx.send(this.setupMessage);
            this.fsm.transition("CallInitiated");
            return;
          }
          // Second expiry: RELEASE COMPLETE with cause 102, back to Null.
          this.send("RELEASE COMPLETE", [this.cause(CAUSE.recoveryOnTimerExpiry, timerDiagnostic("T303"))]);
          this.toNull(CAUSE.recoveryOnTimerExpiry);
        },
      },
      OverlapSending: {
        ...common,
        CALL_PROCEEDING: (_i, p) => proceedingReceived(p),
        ALERTING: (_i, p) => alertingReceived(p),
        CONNECT: (_i, p) => connected(p),
        INFO_REQ: (_i, p) => {
          // Q.931 §5.1.3: each INFORMATION restarts T304.
          this.send("INFORMATION", iesOf(p));
          this.fsm.transition("OverlapSending");
        },
        T304: () => this.clear(CAUSE.recoveryOnTimerExpiry, [], timerDiagnostic("T304")),
      },
      OutgoingCallProceeding: {
        ...common,
        ALERTING: (_i, p) => alertingReceived(p),
        CONNECT: (_i, p) => connected(p),
        PROGRESS: (_i, p) => {
          // Q.931 §5.1.6: interworking (progress description 1 or 2) stops T310.
          const d = findIe(msgOf(p), "progressIndicator")?.description;
          if (d === 1 || d === 2) this.fsm.stopTimer("T310");
          this.indicate("PROGRESS.ind", msgOf(p));
        },
        T310: () => this.clear(CAUSE.recoveryOnTimerExpiry, [], timerDiagnostic("T310")),
      },
      CallDelivered: {
        ...common,
        CONNECT: (_i, p) => connected(p),
        T301: () => this.clear(CAUSE.noAnswer),
      },
      CallPresent: {
        ...common,
        MORE_INFO_REQ: (_i, p) => {
          this.send("SETUP ACKNOWLEDGE", this.firstResponse(iesOf(p)));
          this.fsm.transition("OverlapReceiving");
        },
        PROCEEDING_REQ: (_i, p) => {
          this.send("CALL PROCEEDING", this.firstResponse(iesOf(p)));
          this.fsm.transition("IncomingCallProceeding");
        },
        ALERTING_REQ: (_i, p) => {
          this.send("ALERTING", this.firstResponse(iesOf(p)));
          this.fsm.transition("CallReceived");
        },
        SETUP_RESP: (_i, p) => answer(p),
      },
      OverlapReceiving: {
        ...common,
        INFORMATION: (_i, p) => {
          // Q.931 §5.2.4: each INFORMATION restarts T302.
          this.fsm.transition("OverlapReceiving");
          this.indicate("INFO.ind", msgOf(p));
        },
        PROCEEDING_REQ: (_i, p) => {
          this.send("CALL PROCEEDING", iesOf(p));
          this.fsm.transition("IncomingCallProceeding");
        },
        ALERTING_REQ: (_i, p) => {
          this.send("ALERTING", iesOf(p));
          this.fsm.transition("CallReceived");
        },
        SETUP_RESP: (_i, p) => answer(p),
        PROGRESS_REQ: (_i, p) => progressOut(p),
        // Q.931 §5.2.4: call information incomplete at T302 expiry, clear with cause 28.
        T302: () => this.clear(CAUSE.invalidNumberFormat),
      },
      IncomingCallProceeding: {
        ...common,
        ALERTING_REQ: (_i, p) => {
          this.send("ALERTING", iesOf(p));
          this.fsm.transition("CallReceived");
        },
        SETUP_RESP: (_i, p) => answer(p),
        PROGRESS_REQ: (_i, p) => progressOut(p),
      },
      CallReceived: {
        ...common,
        SETUP_RESP: (_i, p) => answer(p),
        PROGRESS_REQ: (_i, p) => progressOut(p),
      },
      ConnectRequest: {
        ...common,
        CONNECT_ACK: (_i, p) => {
          this.fsm.transition("Active");
          this.indicate("SETUP-COMPLETE.ind", msgOf(p));
        },
        T313: () => this.clear(CAUSE.recoveryOnTimerExpiry, [], timerDiagnostic("T313")), // Q.931 §5.2.8
      },
      Active: {
        ...common,
        // A Q.931 network side is Active once it sent CONNECT; a late CONNECT ACKNOWLEDGE needs nothing.
        CONNECT_ACK: () => undefined,
      },
      DisconnectRequest: {
        ...common,
        // Q.931 §5.3.5: clear collision, both sent DISCONNECT; answer with RELEASE.
        DISCONNECT: () => this.sendRelease(this.clearingCause),
        DISCONNECT_REQ: () => undefined,
        T305: () => this.sendRelease(this.clearingCause), // Q.931 §5.3.3
      },
      DisconnectIndication: {
        ...common,
        DISCONNECT: () => undefined,
        RELEASE_REQ: (_i, p) => this.sendRelease(this.answerCause ?? p?.cause ?? this.receivedCause ?? CAUSE.normalClearing, iesOf(p)),
        DISCONNECT_REQ: (_i, p) => this.sendRelease(this.answerCause ?? p?.cause ?? this.receivedCause ?? CAUSE.normalClearing, iesOf(p)),
      },
      ReleaseRequest: {
        ...common,
        DISCONNECT: () => undefined,
        RELEASE_REQ: () => undefined,
        // Q.931 §5.3.5: clear collision, both sent RELEASE; Null without RELEASE COMPLETE.
        RELEASE: (_i, p) => this.toNull(this.causeOf(p?.message), p?.message),
        STATUS: (_i, p) => this.onStatus(p as Payload),
        T308: () => {
          this.t308Expiries++;
          if (this.t308Expiries === 1) {
            // Q.931 §5.3.3: RELEASE sent again, T308 restarted.
            this.send("RELEASE", [this.cause(this.clearingCause)]);
            this.fsm.transition("ReleaseRequest");
            return;
          }
          // Second expiry: the channel goes out of service and is restarted; the call reference is released.
          const ch = this.ch;
          this.toNull(CAUSE.recoveryOnTimerExpiry, undefined, true);
          if (ch !== undefined) this.ctx.restartChannel(ch);
        },
      },
    };
  }
}

/** The one B-channel a Channel identification names, if it names exactly one by number. */
export function singleChannel(ci: ChannelIdentification): number | undefined {
  if (ci.interfaceType !== "primary" || ci.dChannel || ci.channelSelection !== 1) return undefined;
  const n = ci.channels?.numbers;
  return ci.channels?.elementType === 3 && n && n.length === 1 ? n[0] : undefined;
}

function messageCode(m: Q931Message): number {
  return messageTypeCode(m.messageType);
}

/** Q.850 diagnostic of cause 102: the timer number in IA5 characters. */
function timerDiagnostic(timer: string): Uint8Array {
  return Uint8Array.from(timer.slice(1), (c) => c.charCodeAt(0));
}
