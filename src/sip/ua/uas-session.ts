/**
 * The callee's side of an INVITE session, RFC 3261 §13.3 (UAS processing),
 * §12.1.1 (dialogs from responses: early with a 1xx, confirmed with the 2xx),
 * §13.3.1.4 (2xx retransmitted until ACK; BYE after 64*T1 without it),
 * §9.2 (CANCEL: 487 for the INVITE), §15 and §15.1.2 (BYE; not sent before
 * the ACK; BYE on an early dialog: 200, then 487 for the INVITE).
 *
 * Reliable provisional responses, RFC 3262 §3 and §5: a 1xx goes reliably
 * (Require: 100rel, RSeq from a random start below 2^31, one more each time)
 * when the INVITE requires 100rel, or supports it and progress() or the UA's
 * mode asks; it is retransmitted (T1 doubling) until its PRACK (200) and
 * after 64*T1 the INVITE gets 500; one is unacknowledged at a time (later
 * ones wait in order); a PRACK matching none gets 481; an answer (or offer)
 * in a reliable 1xx counts in the offer/answer exchange, and a 2xx waits for
 * the PRACK of a reliable 1xx that carried a session description. Session
 * timers (RFC 4028 §9): the 2xx says the interval and the refresher.
 *
 *            progress(1xx)
 *             +----+
 *             |    V
 *        +------------+ reject(3xx-6xx), CANCEL (487), BYE (early)
 *   INV->| Proceeding |--------------------------------------------+
 *        +------------+                                            |
 *             | accept(): 2xx, retransmitted until ACK             |
 *             V                                                    |
 *        +------------+  no ACK in 64*T1: BYE   +-------------+    |
 *        |  Accepted  |------------------------>| Terminating |    |
 *        +------------+  (bye() waits for ACK)  +-------------+    |
 *             | ACK (then a deferred bye())        ^     | BYE     |
 *             V                                    |     | response|
 *        +------------+  bye(): BYE                |     | or timeout
 *        | Confirmed  |----------------------------+     V         |
 *        +------------+                              +------------+|
 *             |  BYE received: 200                   | Terminated |<+
 *             +------------------------------------->+------------+
 */
import type { FsmActions, FsmDefinition } from "../../core/fsm.js";
import type { Dialog } from "../dialog/dialog.js";
import { uasDialog } from "../dialog/dialog.js";
import type { SipMessage } from "../syntax/message.js";
import type { HeaderInit } from "../transaction/messages.js";
import { buildResponse } from "../transaction/messages.js";
import { OwnedFsm } from "../transaction/context.js";
import type { ServerTransaction, ServerTransactionUser } from "../transaction/types.js";
import type { OutboundResponse, SendTarget, TransportFailure } from "../transport/types.js";
import type { SessionEvent, SessionEvents, SessionPayload } from "./invite-session.js";
import { IncomingRequest, InviteSession } from "./invite-session.js";
import { ReliableProvisional } from "./reliable-provisional.js";
import { bodyCarriesSession, sessionDescriptionOf } from "./session-body.js";
import type { BodyRole, RequestOptions, ResponseOptions, SessionEnd, SessionHost } from "./session-host.js";
import { uasNegotiate } from "./session-timer.js";

/** How progress() sent a provisional response (RFC 3262). */
export type ProvisionalDelivery = "unreliable" | "reliable" | "queued";

export interface ProgressOptions extends ResponseOptions {
  /**
   * Send it reliably (RFC 3262 §3) when the INVITE supports 100rel; the UA's
   * mode decides when absent. An INVITE that requires 100rel gets every
   * non-100 provisional reliably whatever this says.
   */
  readonly reliable?: boolean;
}

export type UasState = "Proceeding" | "Accepted" | "Confirmed" | "Terminating" | "Terminated";

export const uasSessionDefinition: FsmDefinition<UasState, SessionEvent> = {
  name: "SIP-UAS",
  initial: "Proceeding",
  states: {
    Proceeding: { accepts: ["Progress", "Accept", "Reject", "Cancelled", "ByeReceived", "PrackTimeout"], to: ["Accepted", "Terminated"] },
    Accepted: { accepts: ["Ack", "AckTimeout", "Bye", "ByeReceived"], to: ["Confirmed", "Terminating", "Terminated"] },
    Confirmed: { accepts: ["Bye", "ByeReceived"], to: ["Terminating", "Terminated"] },
    Terminating: { accepts: ["ByeDone", "ByeReceived"], to: ["Terminated"] },
    Terminated: { accepts: [], to: [], final: true },
  },
};

export interface UasSessionEvents extends SessionEvents {
  /** The caller cancelled (RFC 3261 §9.2); the INVITE got 487. The CANCEL's Reason (RFC 3326) is in the request. */
  cancelled: (cancel: SipMessage) => void;
  /** The ACK for our 2xx arrived: the dialog is confirmed; `role` says whether it carried the answer to an offer in the 2xx. */
  confirmed: (ack: SipMessage, role: BodyRole) => void;
  /** The INVITE server transaction could not send a response (RFC 3261 §17.2.4). */
  transportError: (error: TransportFailure) => void;
  /**
   * A PRACK acknowledged a reliable provisional response (RFC 3262 §3). Without an offer in it the
   * 200 is already sent; with one (§5) answer it with `incoming.accept({ body })` (488 when nobody listens).
   */
  prack: (incoming: IncomingRequest, provisional: SipMessage) => void;
  /** No PRACK within 64*T1 for a reliable provisional response: the INVITE got 500 (RFC 3262 §3); `ended` follows. */
  prackTimeout: (provisional: SipMessage) => void;
}

type Fsm = OwnedFsm<UasState, SessionEvent, SessionPayload, InviteServerSession>;

const actions: FsmActions<UasState, SessionEvent, SessionPayload> = {
  Proceeding: {
    Progress: (f, p) => (f as Fsm).owner.doProgress(p),
    Accept: (f, p) => {
      (f as Fsm).owner.doAccept(p);
      f.transition("Accepted");
    },
    Reject: (f, p) => {
      (f as Fsm).owner.doReject(p);
      f.transition("Terminated");
    },
    Cancelled: (f, p) => {
      (f as Fsm).owner.doCancelled(p);
      f.transition("Terminated");
    },
    // §15.1.2: BYE on an early dialog: 200 (sent by the session), then 487 for the INVITE.
    ByeReceived: (f, p) => {
      (f as Fsm).owner.doEarlyBye(p);
      f.transition("Terminated");
    },
    // RFC 3262 §3: no PRACK within 64*T1: the INVITE is rejected with a 5xx.
    PrackTimeout: (f, p) => {
      (f as Fsm).owner.doPrackTimeout(p);
      f.transition("Terminated");
    },
  },
  Accepted: {
    Ack: (f, p) => {
      const s = (f as Fsm).owner;
      f.transition("Confirmed");
      s.doConfirmed(p);
    },
    AckTimeout: (f) => {
      const s = (f as Fsm).owner;
      s.doHangup(undefined);
      f.transition("Terminating");
    },
    // §15: the callee does not send BYE before the ACK (or its timeout): remembered until then.
    Bye: (f, p) => (f as Fsm).owner.deferBye(p),
    ByeReceived: (f, p) => {
      (f as Fsm).owner.doRemoteBye(p);
      f.transition("Terminated");
    },
  },
  Confirmed: {
    Bye: (f, p) => {
      (f as Fsm).owner.doHangup(p);
      f.transition("Terminating");
    },
    ByeReceived: (f, p) => {
      (f as Fsm).owner.doRemoteBye(p);
      f.transition("Terminated");
    },
  },
  Terminating: {
    ByeDone: (f) => f.transition("Terminated"),
    ByeReceived: () => undefined,
  },
};

export class InviteServerSession extends InviteSession<UasState, UasSessionEvents> implements ServerTransactionUser {
  /** The INVITE as received (received/rport added to its top Via). */
  readonly request: SipMessage;
  /** Its server transaction. */
  readonly transaction: ServerTransaction;
  /** What the INVITE's body is: an offer, or none (delayed offer: the 2xx must carry one). */
  readonly bodyRole: BodyRole;
  readonly localTag: string;
  protected readonly fsm: Fsm;
  private deferredBye: RequestOptions | undefined;
  private endCause: "local-bye" | "no-ack" = "local-bye";
  private settledHooks: (() => void)[] | undefined;
  /** What the INVITE said of 100rel (RFC 3262 §3). */
  private readonly peer100rel: "required" | "supported" | "none";
  /** The RSeq of the next reliable provisional response (§3: random start below 2^31, then one more each). */
  private nextRSeq: number | undefined;
  /** The reliable provisional response not yet PRACKed (at most one, §3); kept after the final response to match a late PRACK. */
  private inFlight: ReliableProvisional | undefined;
  /** Reliable provisional responses waiting for the PRACK of the one in flight. */
  private readonly queued: { status: number; opts: ProgressOptions }[] = [];
  /** accept() while a reliable 1xx with a session description awaits its PRACK (RFC 3262 §5). */
  private deferredAccept: ResponseOptions | undefined;

  constructor(host: SessionHost, tx: ServerTransaction, localTag: string) {
    super(host, tx.request.callId);
    this.request = tx.request;
    this.transaction = tx;
    this.localTag = localTag;
    const offer = sessionDescriptionOf(tx.request) !== undefined;
    this.bodyRole = offer ? "offer" : "none";
    if (offer) this.offerAnswer.step("receiveOffer");
    const tags = (r: ReturnType<SipMessage["require"]>): string[] => (r.ok && r.value !== undefined ? r.value.map((t) => t.toLowerCase()) : []);
    // Read only when the extension is on: the plain UAS path parses nothing more (bench: test/bench/sip).
    this.peer100rel = host.reliable === "never" ? "none" : tags(tx.request.require()).includes("100rel") ? "required" : tags(tx.request.supported()).includes("100rel") ? "supported" : "none";
    this.peerAllowsUpdate = host.sessionTimer !== undefined && tags(tx.request.allow()).includes("update");
    this.fsm = new OwnedFsm(uasSessionDefinition, { id: `${tx.request.callId};${localTag}`, clock: host.clock, log: host.log, timers: host.timers, actions, onStateChange: (_f, from) => {
      if (from === "Proceeding") this.runSettled();
    } }, this);
    tx.user = this;
  }

  protected fallbackTarget(): SendTarget | undefined {
    const o = this.transaction.origin;
    return o.connectionId !== undefined
      ? { protocol: o.protocol, host: o.remoteAddress, port: o.remotePort, connectionId: o.connectionId }
      : { protocol: o.protocol, host: o.remoteAddress, port: o.remotePort };
  }

  protected override finish(end: SessionEnd | undefined): void {
    this.inFlight?.stop();
    this.queued.length = 0;
    this.deferredAccept = undefined;
    super.finish(end);
    // The INVITE transaction outlives the session by up to 64*T1: it must not hold it.
    if (this.transaction.user === this) this.transaction.user = undefined;
  }

  private responseTarget(): SendTarget {
    const o = this.transaction.origin;
    return { protocol: o.protocol, host: o.remoteAddress, port: o.remotePort };
  }

  /**
   * A provisional response (180 by default; 183 with early media). Creates the early dialog
   * (§12.1.1). Sent reliably per RFC 3262 when the INVITE and `opts.reliable` / the UA's mode say
   * so; a reliable one waits ("queued") while another is unacknowledged.
   */
  progress(status = 180, opts: ProgressOptions = {}): ProvisionalDelivery {
    if (status < 100 || status > 199) throw new Error(`progress() takes a 1xx, not ${status}`);
    if (!this.fsm.accepts("Progress")) throw new Error(`cannot send ${status}: the session is ${this.fsm.state}`);
    const reliable = this.wantsReliable(status, opts);
    if (reliable) {
      // RFC 3262 §5: the first reliable 1xx to an INVITE without an offer carries one.
      const first = this.nextRSeq === undefined && this.queued.length === 0;
      if (first && this.offerAnswer.state === "Initial" && !bodyCarriesSession(opts.body)) {
        throw new Error("the first reliable provisional response to an INVITE without an offer must carry one (RFC 3262 §5)");
      }
      if (this.inFlight?.waiting === true || this.queued.length > 0) {
        // §3: "MUST NOT send a second reliable provisional response until the first is acknowledged".
        this.queued.push({ status, opts });
        return "queued";
      }
    }
    this.fsm.dispatch("Progress", { status, options: { ...opts, reliable } });
    return reliable ? "reliable" : "unreliable";
  }

  /** RFC 3262 §3: whether this 1xx goes reliably. */
  private wantsReliable(status: number, opts: ProgressOptions): boolean {
    if (status === 100 || this.host.reliable === "never" || this.peer100rel === "none") {
      if (opts.reliable === true && status !== 100) this.host.log.info({ callId: this.callId, status }, "provisional response sent unreliably: the INVITE does not support 100rel (RFC 3262 §3)");
      return false;
    }
    if (this.peer100rel === "required") return true;
    return opts.reliable ?? this.host.reliable === "required";
  }

  /** The 2xx: with the answer when the INVITE carried an offer, else with an offer (its answer comes in the ACK). */
  accept(opts: ResponseOptions = {}): void {
    const carries = bodyCarriesSession(opts.body);
    const st = this.offerAnswer.state;
    if (st === "RemoteOffer" && !carries) throw new Error("accept() must carry the answer to the INVITE's offer (RFC 3261 §13.2.1)");
    if (st === "Initial" && !carries) throw new Error("accept() must carry an offer: the INVITE had none (RFC 3261 §13.2.1)");
    if (!this.fsm.accepts("Accept") || this.deferredAccept !== undefined) throw new Error(`cannot accept: the session is ${this.fsm.state}${this.deferredAccept !== undefined ? " and already accepted" : ""}`);
    if (this.sessionAwaitingPrack()) {
      // RFC 3262 §5: "the UAS MUST delay sending the 2xx until the provisional response is acknowledged".
      this.deferredAccept = opts;
      return;
    }
    this.fsm.dispatch("Accept", { status: 200, options: opts });
  }

  /** A reliable 1xx with a session description not yet PRACKed: in flight or waiting its turn. */
  private sessionAwaitingPrack(): boolean {
    return (this.inFlight?.waiting === true && this.inFlight.carriesSession) || this.queued.some((q) => bodyCarriesSession(q.opts.body));
  }

  /** A final non-2xx response (RFC 3261 §13.3.1.3); Reason headers (RFC 3326) in `opts.headers`. */
  reject(status: number, opts: ResponseOptions = {}): void {
    if (status < 300 || status > 699) throw new Error(`reject() takes a 3xx-6xx status, not ${status}`);
    if (!this.fsm.dispatch("Reject", { status, options: opts })) throw new Error(`cannot reject: the session is ${this.fsm.state}`);
  }

  /** Run `fn` once the INVITE has its final response (or the session is dropped). */
  settled(fn: () => void): void {
    (this.settledHooks ??= []).push(fn);
  }

  private runSettled(): void {
    const hooks = this.settledHooks;
    this.settledHooks = undefined;
    if (hooks !== undefined) for (const h of hooks) h();
  }

  /** Whether accept/reject/progress are still possible. */
  get pending(): boolean {
    return this.fsm.state === "Proceeding" && !this.fsm.isTerminated;
  }

  private makeDialog(early: boolean): Dialog {
    if (this.dialog !== undefined) {
      if (!early) this.dialog.confirm();
      return this.dialog;
    }
    const d = uasDialog(this.request, this.localTag, { early, overTls: this.transaction.origin.protocol === "tls", clock: this.host.clock, log: this.host.log });
    // The core refuses an INVITE without a usable Contact (§8.1.1.8) before a session exists.
    if (d === undefined) throw new Error("INVITE without Contact reached the session");
    this.dialog = d;
    this.host.registerDialog(d, this);
    return d;
  }

  private respondWith(status: number, opts: ResponseOptions | undefined, withDialog: boolean): SipMessage {
    const headers: HeaderInit[] = [];
    if (withDialog) {
      const c = this.host.contactHeader(this.responseTarget(), this.dialog?.secure ?? false);
      if (c !== undefined) headers.push(c);
      headers.push(...this.host.responseHeaders);
    }
    if (opts?.headers !== undefined) headers.push(...opts.headers);
    const response = buildResponse(this.request, status, {
      toTag: this.localTag,
      recordRoute: withDialog,
      headers,
      ...(opts?.reason !== undefined ? { reason: opts.reason } : {}),
      ...(opts?.body !== undefined ? { body: opts.body } : {}),
    });
    this.transaction.respond(response);
    return response;
  }

  doProgress(p: SessionPayload | undefined): void {
    const status = p?.status ?? 180;
    const opts = p?.options as ProgressOptions | undefined;
    // 100 carries no tag and creates no dialog (§8.2.6.2, §12.1.1).
    if (status > 100) this.makeDialog(true);
    if (opts?.reliable === true) this.sendReliable(status, opts);
    else this.respondWith(status, opts, status > 100);
  }

  /** RFC 3262 §3: Require: 100rel and RSeq; retransmitted until PRACK; its body counts in the offer/answer exchange (§5). */
  private sendReliable(status: number, opts: ProgressOptions): void {
    const rseq = this.nextRSeq ?? 1 + Math.floor(this.host.random() * 0x7ffffffe);
    this.nextRSeq = rseq + 1;
    const carries = bodyCarriesSession(opts.body);
    if (carries) {
      if (this.offerAnswer.state === "RemoteOffer") this.offerAnswer.step("sendAnswer");
      else if (this.offerAnswer.state === "Initial") this.offerAnswer.step("sendOffer");
      this.lastLocalSession = opts.body;
    }
    const headers: HeaderInit[] = [{ name: "Require", value: "100rel" }, { name: "RSeq", value: String(rseq) }, ...(opts.headers ?? [])];
    const response = this.respondWith(status, { ...opts, headers }, true);
    let sent: OutboundResponse | undefined;
    const transport = this.host.transactions.transport;
    this.inFlight = new ReliableProvisional({
      id: this.callId,
      rseq,
      response,
      carriesSession: carries,
      clock: this.host.clock,
      log: this.host.log,
      t1: this.host.timers.T1,
      resend: () => {
        if (sent === undefined) sent = transport.sendResponse(response, this.transaction.origin);
        else transport.resendResponse(sent);
      },
      onGiveUp: () => {
        if (this.fsm.accepts("PrackTimeout")) this.fsm.dispatch("PrackTimeout", { message: response });
      },
    });
  }

  /** RFC 3262 §3: a PRACK in the dialog: 200 when it matches the reliable 1xx in flight, 481 otherwise. */
  protected override receivePrack(tx: ServerTransaction, _dialog: Dialog): void {
    const m = tx.request;
    const rack = m.rack();
    if (!rack.ok || rack.value === undefined) {
      tx.respond(buildResponse(m, 400, { reason: rack.ok ? "Bad Request - Missing RAck" : "Bad Request - Invalid RAck" }));
      return;
    }
    const r = this.inFlight;
    if (r === undefined || !r.matches(rack.value)) {
      tx.respond(buildResponse(m, 481));
      return;
    }
    r.stop();
    this.inFlight = undefined;
    let role: BodyRole = "none";
    if (sessionDescriptionOf(m) !== undefined) {
      // §5: the answer to the offer in the reliable 1xx, or a new offer after the exchange completed.
      if (this.offerAnswer.state === "LocalOffer") {
        this.offerAnswer.step("receiveAnswer");
        role = "answer";
      } else if (this.offerAnswer.state === "Stable") {
        this.offerAnswer.step("receiveOffer");
        role = "offer";
      }
    } else if (this.offerAnswer.state === "LocalOffer" && r.carriesSession) {
      this.host.log.warn({ callId: this.callId, rseq: r.rseq }, "PRACK without the answer to the offer in the reliable provisional response (RFC 3262 §5)");
    }
    const inc = new IncomingRequest(this, tx, role);
    if (role !== "offer") inc.accept();
    else tx.user = inc;
    if (!this.emit("prack", inc, r.response) && !inc.responded) inc.reject(488);
    this.afterPrack();
  }

  /** The next queued reliable 1xx, or the deferred 2xx. */
  private afterPrack(): void {
    if (!this.fsm.accepts("Progress")) return;
    const next = this.queued.shift();
    if (next !== undefined) {
      this.fsm.dispatch("Progress", { status: next.status, options: { ...next.opts, reliable: true } });
      return;
    }
    const deferred = this.deferredAccept;
    if (deferred !== undefined && !this.sessionAwaitingPrack()) {
      this.deferredAccept = undefined;
      this.fsm.dispatch("Accept", { status: 200, options: deferred });
    }
  }

  /** §3: a final response ends retransmissions of the reliable 1xx (a late PRACK still matches) and the queue. */
  private stopProvisionals(): void {
    this.inFlight?.stop();
    this.queued.length = 0;
  }

  doAccept(p: SessionPayload | undefined): void {
    this.makeDialog(false);
    const opts = (p?.options ?? {}) as ResponseOptions;
    const st = this.offerAnswer.state;
    if (st === "RemoteOffer") this.offerAnswer.step("sendAnswer");
    else if (st === "Initial") this.offerAnswer.step("sendOffer");
    if (bodyCarriesSession(opts.body)) this.lastLocalSession = opts.body;
    this.stopProvisionals();
    const cfg = this.host.sessionTimer;
    const timer = cfg !== undefined ? uasNegotiate(this.request, cfg) : undefined;
    const response = this.respondWith(200, timer !== undefined ? { ...opts, headers: [...(opts.headers ?? []), ...timer.headers] } : opts, true);
    this.retransmit2xx(this.transaction, response, this.request.cseq.seq);
    // RFC 4028 §9: the session expiration runs from the transmission of the 2xx.
    if (timer !== undefined) this.refreshed(timer.negotiated);
  }

  doPrackTimeout(p: SessionPayload | undefined): void {
    this.host.log.warn({ callId: this.callId }, "no PRACK within 64*T1 for the reliable provisional response: 500 (RFC 3262 §3)");
    this.stopProvisionals();
    this.respondWith(500, undefined, false);
    if (p?.message !== undefined) this.emit("prackTimeout", p.message);
    this.finish({ cause: "dialog-gone" });
  }

  doReject(p: SessionPayload | undefined): void {
    this.stopProvisionals();
    this.respondWith(p?.status ?? 480, p?.options, false);
    this.finish(undefined);
  }

  doCancelled(p: SessionPayload | undefined): void {
    // §9.2: the INVITE gets 487.
    this.stopProvisionals();
    this.respondWith(487, undefined, false);
    this.finish(undefined);
    if (p?.message !== undefined) this.emit("cancelled", p.message);
  }

  doEarlyBye(p: SessionPayload | undefined): void {
    this.respondWith(487, undefined, false);
    this.finish(p?.message !== undefined ? { cause: "remote-bye", request: p.message } : { cause: "remote-bye" });
  }

  doConfirmed(p: SessionPayload | undefined): void {
    if (p?.message !== undefined) this.emit("confirmed", p.message, p.role ?? "none");
    const deferred = this.deferredBye;
    if (deferred !== undefined) {
      this.deferredBye = undefined;
      this.fsm.dispatch("Bye", { options: deferred });
    }
  }

  deferBye(p: SessionPayload | undefined): void {
    this.deferredBye = (p?.options as RequestOptions | undefined) ?? {};
  }

  doHangup(p: SessionPayload | undefined): void {
    const dialog = this.dialog;
    const opts = (p?.options as RequestOptions | undefined) ?? this.deferredBye;
    if (dialog === undefined) return;
    this.sendBye(dialog, opts, () => {
      if (this.fsm.accepts("ByeDone")) this.fsm.dispatch("ByeDone");
      this.finish({ cause: this.endCause });
    });
  }

  doRemoteBye(p: SessionPayload | undefined): void {
    this.finish(p?.message !== undefined ? { cause: "remote-bye", request: p.message } : { cause: "remote-bye" });
  }

  protected override canModify(): boolean {
    return this.fsm.state === "Confirmed";
  }

  protected receiveBye(tx: ServerTransaction, _dialog: Dialog): void {
    const bye = tx.request;
    tx.respond(buildResponse(bye, 200));
    this.emit("bye", bye);
    if (this.fsm.accepts("ByeReceived")) this.fsm.dispatch("ByeReceived", { message: bye });
  }

  protected acked(ack: SipMessage, role: BodyRole): void {
    if (ack.cseq.seq === this.request.cseq.seq && this.fsm.accepts("Ack")) {
      this.fsm.dispatch("Ack", { message: ack, role });
    } else {
      this.emit("ack", ack, role);
    }
  }

  protected override ackTimeout(cseq: number): void {
    if (cseq !== this.request.cseq.seq || !this.fsm.accepts("AckTimeout")) {
      super.ackTimeout(cseq);
      return;
    }
    this.removeRetransmitter(cseq);
    this.host.log.warn({ callId: this.callId }, "no ACK for the 2xx to the INVITE within 64*T1: BYE (RFC 3261 §13.3.1.4)");
    this.endCause = "no-ack";
    this.fsm.dispatch("AckTimeout");
  }

  /** The core received a CANCEL matching our INVITE (§9.2). */
  onCancel(cancel: SipMessage): void {
    if (this.fsm.accepts("Cancelled")) this.fsm.dispatch("Cancelled", { message: cancel });
  }

  onTransportError(_tx: ServerTransaction, error: TransportFailure): void {
    this.emit("transportError", error);
  }

  /** Tear down without messages (shutdown). */
  abandon(): void {
    this.runSettled();
    this.finish({ cause: "shutdown" });
    this.fsm.terminate("shutdown");
  }
}
