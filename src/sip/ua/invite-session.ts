/**
 * What the caller's and the callee's INVITE sessions share, RFC 3261 §12-§15
 * with RFC 3311 (UPDATE) and RFC 6086 (INFO):
 *
 *  - requests within the dialog (§12.2.1.1) and their responses: 481 or 408
 *    ends the dialog (§12.2.1.2);
 *  - requests received within the dialog (§12.2.2: CSeq order, target
 *    refresh): BYE (§15.1.2), re-INVITE (§14.2: 491 while our own INVITE is
 *    pending, 500 with Retry-After while theirs is), UPDATE (RFC 3311 §5.2),
 *    INFO (RFC 6086 §5.2.2: 469 for a package not in Recv-Info), OPTIONS;
 *  - the 2xx to a re-INVITE retransmitted until its ACK (§13.3.1.4);
 *  - re-INVITE and UPDATE sent with the §14.1 glare backoff after a 491
 *    (2.1-4 s when we own the Call-ID, 0-2 s otherwise, in 10 ms units);
 *  - offer/answer tracking (offer-answer.ts); bodies pass through untouched;
 *  - a 401/407 to a request in the dialog answered once per kind with the
 *    authenticator's credentials (RFC 3261 §22.2: CSeq one more, new branch);
 *  - session timers (RFC 4028, session-timer.ts): Session-Expires on our
 *    re-INVITEs and UPDATEs and in our 2xx to theirs, 422 for too small an
 *    interval (§9) and a retry after one (§7.3); the refresh by UPDATE when
 *    the peer allows it, else by re-INVITE with our last session
 *    description unchanged (§7.4); at expiry without refresh, BYE with
 *    Reason: SIP;cause=408;text="Session expired" (§10).
 *
 * Each session is a state machine (the subclasses hold the tables); the
 * requests and answers within a confirmed dialog do not change its state.
 */
import type { FsmInstance } from "../../core/fsm.js";
import type { Dialog } from "../dialog/dialog.js";
import { reasonHeader, sipReason } from "../headers/reason.js";
import type { SipMessage } from "../syntax/message.js";
import type { BodyInit, HeaderInit } from "../transaction/messages.js";
import { buildResponse } from "../transaction/messages.js";
import type { ClientTransaction, ServerTransaction, ServerTransactionUser } from "../transaction/types.js";
import type { OutboundRequest, SendTarget, TransportFailure } from "../transport/types.js";
import { AnswerRetransmitter } from "./answer-retransmitter.js";
import { Emitter } from "./emitter.js";
import { OfferAnswer } from "./offer-answer.js";
import type { DigestAuthenticator } from "./request-retry.js";
import { Credentials } from "./request-retry.js";
import { bodyCarriesSession, sessionDescriptionOf } from "./session-body.js";
import type { BodyRole, CallFailure, RequestOptions, RequestOutcome, ResponseOptions, SessionEnd, SessionHost, SessionOwner } from "./session-host.js";
import type { Negotiated } from "./session-timer.js";
import { SessionTimer, minSEOf422, minSEOfRequest, tooSmallInterval, uacNegotiated, uasNegotiate } from "./session-timer.js";

export type SessionEvent =
  | "Provisional"
  | "Answer"
  | "Failure"
  | "Cancel"
  | "CancelTimeout"
  | "Progress"
  | "Accept"
  | "Reject"
  | "Cancelled"
  | "Ack"
  | "AckTimeout"
  | "Bye"
  | "ByeReceived"
  | "ByeDone"
  | "PrackTimeout";

/** Events both kinds of session emit. */
export interface SessionEvents {
  /** The far end sent BYE (its Reason header tells why, RFC 3326). */
  bye: (request: SipMessage) => void;
  /** The session is over. */
  ended: (end: SessionEnd) => void;
  /** A re-INVITE: answer with accept() or reject(); rejected with 488 when nobody listens. */
  reinvite: (incoming: IncomingRequest) => void;
  /** An UPDATE (RFC 3311): rejected with 488 when it carries an offer and nobody listens, else 200. */
  update: (incoming: IncomingRequest) => void;
  /** An INFO (RFC 6086); 200 when nobody listens. */
  info: (incoming: IncomingRequest) => void;
  /** The ACK to a 2xx we sent for a re-INVITE, with what its body is. */
  ack: (ack: SipMessage, role: BodyRole) => void;
  /** A 2xx to a session refresh request settled the session timer (RFC 4028 §7.2, §9); undefined: no session expiration. */
  sessionTimer: (negotiated: Negotiated | undefined) => void;
  /** No refresh came in time (RFC 4028 §10): BYE with Reason SIP;cause=408 is on its way; `ended` follows. */
  sessionExpired: () => void;
}

/** The Reason of the BYE at session expiry (RFC 4028 §10, RFC 3326 §2). */
export const SESSION_EXPIRED_REASON = reasonHeader(sipReason(408, "Session expired"));

export interface ReinviteOptions extends RequestOptions {
  /** The answer for the ACK when the 2xx carries an offer (re-INVITE without an offer). */
  readonly ackBody?: (response: SipMessage) => RequestOptions["body"];
  /** How many times to try again after 491 (RFC 3261 §14.1). Default 3. */
  readonly glareRetries?: number;
}

/** A request received within the dialog, for the application to answer. */
export class IncomingRequest implements ServerTransactionUser {
  readonly request: SipMessage;
  /** What its body is in the offer/answer exchange. */
  readonly bodyRole: BodyRole;
  private readonly owner: { respondIncoming(inc: IncomingRequest, status: number, opts: ResponseOptions): void };
  readonly tx: ServerTransaction;
  private finalSent = false;

  constructor(owner: { respondIncoming(inc: IncomingRequest, status: number, opts: ResponseOptions): void }, tx: ServerTransaction, bodyRole: BodyRole) {
    this.owner = owner;
    this.tx = tx;
    this.request = tx.request;
    this.bodyRole = bodyRole;
  }

  get responded(): boolean {
    return this.finalSent;
  }

  /** Send a response; a final one only once. */
  respond(status: number, opts: ResponseOptions = {}): void {
    if (this.finalSent) throw new Error(`${this.request.method} already has a final response`);
    if (status >= 200) this.finalSent = true;
    this.owner.respondIncoming(this, status, opts);
    // Done with the transaction: it must not keep the session alive while it waits out its timers.
    if (status >= 200 && this.tx.user === this) this.tx.user = undefined;
  }

  accept(opts: ResponseOptions = {}): void {
    this.respond(200, opts);
  }

  reject(status: number, opts: ResponseOptions = {}): void {
    if (status < 300) throw new Error(`reject() takes a status of 300 or more, not ${status}`);
    this.respond(status, opts);
  }

  /** §9.2: a CANCEL of a re-INVITE not yet answered: 487. */
  onCancel(): void {
    if (!this.finalSent && this.request.method === "INVITE") this.respond(487);
  }
}

type Resolve = (o: RequestOutcome) => void;

export abstract class InviteSession<S extends string, M extends SessionEvents> extends Emitter<M> implements SessionOwner {
  protected readonly host: SessionHost;
  /** The confirmed (or, before that, current early) dialog. */
  dialog: Dialog | undefined;
  /** Offer/answer state of the session. */
  readonly offerAnswer = new OfferAnswer();
  readonly callId: string;
  protected abstract readonly fsm: FsmInstance<S, SessionEvent, SessionPayload>;
  /** Where requests go when the remote target gives no next hop (a tel: Contact): where the INVITE went or came from. */
  protected abstract fallbackTarget(): SendTarget | undefined;
  private localInvite: ClientTransaction | undefined;
  private remoteInvite: IncomingRequest | undefined;
  private readonly retransmitters: AnswerRetransmitter[] = [];
  /** ACKs sent for 2xx to our re-INVITEs, by CSeq; made with the first (most calls have none). */
  private reinviteAcks: Map<number, OutboundRequest> | undefined;
  private glareTimer: { cancel(): void } | undefined;
  private ended = false;
  /** RFC 4028: created with the first 2xx to a session refresh request when session timers are on. */
  protected timer: SessionTimer | undefined;
  /** The last session description we sent, for a re-INVITE refresh that changes nothing (RFC 4028 §7.4). */
  protected lastLocalSession: BodyInit | undefined;
  /** The peer listed UPDATE in Allow (RFC 4028 §7.4: refresh with UPDATE then). */
  protected peerAllowsUpdate = false;

  constructor(host: SessionHost, callId: string) {
    super();
    this.host = host;
    this.callId = callId;
  }

  get state(): S {
    return this.fsm.state;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  protected emitShared<K extends keyof SessionEvents>(event: K, ...args: Parameters<SessionEvents[K]>): boolean {
    return (this.emit as unknown as (e: K, ...a: Parameters<SessionEvents[K]>) => boolean)(event, ...args);
  }

  // ----------------------------------------------------------- sending

  protected targetOf(dialog: Dialog): SendTarget | undefined {
    return dialog.routing().target ?? this.fallbackTarget();
  }

  /** Who answers 401/407 on requests of this session (RFC 3261 §22.2). */
  protected authenticator(): DigestAuthenticator | undefined {
    return this.host.authenticator;
  }

  /**
   * A request in `dialog` through a client transaction, or why it cannot be
   * sent. A 401/407 is answered once per kind with new credentials and the
   * request sent again with the next CSeq (RFC 3261 §22.2); the handlers
   * hear of that attempt's responses. Returns the first transaction.
   */
  protected sendInDialog(
    dialog: Dialog,
    method: string,
    opts: RequestOptions & { contact?: boolean; cseq?: number },
    on: { response: (r: SipMessage) => void; timeout: () => void; transportError: (e: TransportFailure) => void },
  ): ClientTransaction | string {
    // Made at the first challenge: most requests never meet one.
    let credentials: Credentials | undefined;
    const attempt = (cseq: number | undefined, answers: readonly HeaderInit[]): ClientTransaction | string => {
      const target = this.targetOf(dialog);
      if (target === undefined) return `no next hop for the remote target of dialog ${dialog.id.callId}`;
      const via = this.host.via(target);
      if (via === undefined) return `no ${target.protocol.toUpperCase()} transport for ${target.host}`;
      const contact = opts.contact === true ? this.host.contact(target, dialog.secure) : undefined;
      const supported = this.host.supportedHeader;
      const headers: HeaderInit[] = [...this.host.requestHeaders, ...(supported !== undefined ? [supported] : []), ...(opts.headers ?? []), ...answers];
      const request = dialog.createRequest(method, via, {
        headers,
        ...(opts.body !== undefined ? { body: opts.body } : {}),
        ...(contact !== undefined ? { contact } : {}),
        ...(cseq !== undefined ? { cseq } : {}),
      });
      return this.host.transactions.sendRequest(request, target, {
        onResponse: (r) => {
          const status = r.status ?? 0;
          if (status === 401 || status === 407) {
            credentials ??= new Credentials();
            const a = credentials.retry(this.authenticator(), r, request);
            if (a.ok && typeof attempt(undefined, a.headers) !== "string") return;
            if (!a.ok) this.host.log.info({ callId: this.callId, method, status, reason: a.reason }, "challenge not answered");
          }
          on.response(r);
        },
        onTimeout: () => on.timeout(),
        onTransportError: (_tx, e) => on.transportError(e),
      });
    };
    return attempt(opts.cseq, []);
  }

  /** Send BYE in the dialog (§15.1.1); `done` when it completes in any way. */
  protected sendBye(dialog: Dialog, opts: RequestOptions | undefined, done: (response: SipMessage | undefined) => void): void {
    let finished = false;
    const finish = (r: SipMessage | undefined): void => {
      if (finished) return;
      finished = true;
      done(r);
    };
    const r = this.sendInDialog(dialog, "BYE", { ...(opts?.headers !== undefined ? { headers: opts.headers } : {}), ...(opts?.body !== undefined ? { body: opts.body } : {}) }, {
      response: (resp) => {
        if ((resp.status ?? 0) >= 200) finish(resp);
      },
      timeout: () => finish(undefined),
      transportError: () => finish(undefined),
    });
    if (typeof r === "string") {
      this.host.log.warn({ callId: this.callId, reason: r }, "BYE not sent");
      queueMicrotask(() => finish(undefined));
    }
  }

  /** End the session once: stop retransmissions, forget dialogs, tell the application. */
  protected finish(end: SessionEnd | undefined): void {
    if (this.ended) return;
    this.ended = true;
    for (const r of this.retransmitters) r.cancel();
    this.retransmitters.length = 0;
    this.glareTimer?.cancel();
    this.timer?.stop();
    this.releaseDialogs(end?.cause ?? "session ended");
    if (end !== undefined) this.emitShared("ended", end);
  }

  /** Terminate and unregister every dialog the session holds. */
  protected releaseDialogs(cause: string): void {
    if (this.dialog !== undefined) {
      this.host.unregisterDialog(this.dialog);
      this.dialog.terminate(cause);
    }
  }

  /** Hang up (§15.1.1). Reason headers (RFC 3326) go in `headers`. */
  /** Hang up (§15.1.1). Reason headers (RFC 3326) go in `headers`; a body (e.g. SIP-T's encapsulated REL, RFC 3372) in `body`. */
  bye(opts: { readonly headers?: readonly HeaderInit[]; readonly body?: BodyInit } = {}): boolean {
    if (!this.fsm.accepts("Bye")) return false;
    return this.fsm.dispatch("Bye", { options: opts });
  }

  /** §14.1 glare backoff: 2.1-4 s when this side chose the Call-ID (the dialog's UAC), 0-2 s otherwise, in 10 ms units. */
  glareBackoffMs(): number {
    const r = this.host.random();
    return this.dialog?.role === "uac" ? 2100 + 10 * Math.floor(r * 191) : 10 * Math.floor(r * 201);
  }

  /** A re-INVITE (§14.1): new offer in `body`, or none to ask the far end for one (then `ackBody` answers it). */
  reinvite(opts: ReinviteOptions = {}): Promise<RequestOutcome> {
    return new Promise((resolve) => this.startReinvite(opts, resolve, opts.glareRetries ?? 3));
  }

  private startReinvite(opts: ReinviteOptions, resolve: Resolve, retries: number): void {
    const dialog = this.dialog;
    if (dialog === undefined || dialog.state !== "Confirmed" || this.ended || !this.canModify()) {
      resolve({ kind: "not-sent", reason: "the session is not confirmed" });
      return;
    }
    // §14.1: not while another INVITE transaction is in progress in either direction, nor while an offer is outstanding.
    if (this.localInvite !== undefined || this.remoteInvite !== undefined || this.offerAnswer.pending) {
      resolve({ kind: "not-sent", reason: "an INVITE or an offer is pending (RFC 3261 §14.1)" });
      return;
    }
    const offering = bodyCarriesSession(opts.body);
    if (offering) {
      this.offerAnswer.step("sendOffer");
      this.lastLocalSession = opts.body;
    }
    const refresh = this.refreshHeaders();
    let done = false;
    const settle = (o: RequestOutcome): void => {
      if (done) return;
      done = true;
      this.localInvite = undefined;
      resolve(o);
    };
    const r = this.sendInDialog(dialog, "INVITE", { ...opts, headers: [...(opts.headers ?? []), ...(refresh?.headers ?? [])], contact: true }, {
      response: (resp) => {
        const status = resp.status ?? 0;
        if (status < 200) return;
        if (status < 300) {
          const first = !done;
          this.ackReinvite(dialog, resp, opts, offering, done);
          if (first) {
            dialog.refreshTarget(resp);
            if (refresh !== undefined) this.refreshed(uacNegotiated(resp, refresh.sentS));
            settle({ kind: "response", response: resp });
          }
          return;
        }
        if (done) return;
        if (offering) this.offerAnswer.step("rollback");
        if (status === 422 && retries > 0 && this.raiseMinSE(resp, refresh?.sentS)) {
          // RFC 4028 §7.3, §10: again at once with the larger Min-SE.
          done = true;
          this.localInvite = undefined;
          this.startReinvite(opts, resolve, retries - 1);
          return;
        }
        if (status === 491 && retries > 0) {
          // §14.1: try again after the backoff.
          done = true;
          this.localInvite = undefined;
          this.glareTimer = this.host.clock.setTimer(this.glareBackoffMs(), () => this.startReinvite(opts, resolve, retries - 1));
          return;
        }
        settle({ kind: "response", response: resp });
        this.dialogFailure(resp);
      },
      timeout: () => {
        if (offering && !done) this.offerAnswer.step("rollback");
        settle({ kind: "timeout" });
        this.dialogFailure(undefined);
      },
      transportError: (error) => {
        if (offering && !done) this.offerAnswer.step("rollback");
        settle({ kind: "transport-error", error });
      },
    });
    if (typeof r === "string") {
      if (offering) this.offerAnswer.step("rollback");
      settle({ kind: "not-sent", reason: r });
      return;
    }
    this.localInvite = r;
  }

  /** §13.2.2.4: ACK every 2xx to our re-INVITE (retransmissions get the same ACK). */
  private ackReinvite(dialog: Dialog, resp: SipMessage, opts: ReinviteOptions, offering: boolean, already: boolean): void {
    const seq = resp.cseq.seq;
    const sent = this.reinviteAcks?.get(seq);
    if (sent !== undefined) {
      this.host.transactions.transport.resendRequest(sent);
      return;
    }
    if (already) return;
    const carries = sessionDescriptionOf(resp) !== undefined;
    let body: RequestOptions["body"];
    if (offering) {
      if (carries) this.offerAnswer.step("receiveAnswer");
      else this.host.log.warn({ callId: this.callId }, "2xx to a re-INVITE with an offer carries no answer (RFC 3261 §13.2.1)");
    } else if (carries) {
      this.offerAnswer.step("receiveOffer");
      body = opts.ackBody?.(resp);
      if (bodyCarriesSession(body)) {
        this.offerAnswer.step("sendAnswer");
        this.lastLocalSession = body;
      }
    }
    const target = this.targetOf(dialog);
    const via = target !== undefined ? this.host.via(target) : undefined;
    if (target === undefined || via === undefined) return;
    const ack = dialog.createRequest("ACK", via, { cseq: seq, headers: this.host.requestHeaders, ...(body !== undefined ? { body } : {}) });
    const acks = (this.reinviteAcks ??= new Map());
    acks.set(seq, this.host.transactions.sendStateless(ack, target));
    // Keep only the last few: older re-INVITEs are over.
    if (acks.size > 4) acks.delete(acks.keys().next().value as number);
  }

  /** §12.2.1.2: a 481 or 408 (or timeout) to a request in the dialog ends it. */
  private dialogFailure(resp: SipMessage | undefined): void {
    const status = resp?.status ?? 408;
    if (status !== 481 && status !== 408) return;
    const dialog = this.dialog;
    if (dialog === undefined || this.ended) return;
    if (status === 408 && dialog.state === "Confirmed") this.sendBye(dialog, undefined, () => undefined);
    this.finish(resp !== undefined ? { cause: "dialog-gone", response: resp } : { cause: "dialog-gone" });
    this.fsm.terminate("dialog gone");
  }

  /** Whether the session is in a state where the dialog can be modified (overridden by roles). */
  protected canModify(): boolean {
    return true;
  }

  /** An UPDATE (RFC 3311) in the early or confirmed dialog. */
  update(opts: RequestOptions & { readonly glareRetries?: number } = {}): Promise<RequestOutcome> {
    return new Promise((resolve) => this.startUpdate(opts, resolve, opts.glareRetries ?? 3));
  }

  private startUpdate(opts: RequestOptions, resolve: Resolve, retries: number): void {
    const dialog = this.dialog;
    if (dialog === undefined || this.ended) {
      resolve({ kind: "not-sent", reason: "no dialog" });
      return;
    }
    const offering = bodyCarriesSession(opts.body);
    if (offering && this.offerAnswer.pending) {
      resolve({ kind: "not-sent", reason: "an offer is outstanding (RFC 3311 §5.1)" });
      return;
    }
    if (offering) {
      this.offerAnswer.step("sendOffer");
      this.lastLocalSession = opts.body;
    }
    // RFC 4028 §7.4: an UPDATE in the confirmed dialog is a session refresh request.
    const refresh = dialog.state === "Confirmed" ? this.refreshHeaders() : undefined;
    const r = this.sendInDialog(dialog, "UPDATE", { ...opts, headers: [...(opts.headers ?? []), ...(refresh?.headers ?? [])], contact: true }, {
      response: (resp) => {
        const status = resp.status ?? 0;
        if (status < 200) return;
        if (status < 300) {
          if (offering) {
            if (sessionDescriptionOf(resp) !== undefined) this.offerAnswer.step("receiveAnswer");
            else this.offerAnswer.step("rollback");
          }
          dialog.refreshTarget(resp);
          if (refresh !== undefined) this.refreshed(uacNegotiated(resp, refresh.sentS));
          resolve({ kind: "response", response: resp });
          return;
        }
        if (offering) this.offerAnswer.step("rollback");
        if (status === 422 && retries > 0 && this.raiseMinSE(resp, refresh?.sentS)) {
          this.startUpdate(opts, resolve, retries - 1);
          return;
        }
        if (status === 491 && retries > 0) {
          this.glareTimer = this.host.clock.setTimer(this.glareBackoffMs(), () => this.startUpdate(opts, resolve, retries - 1));
          return;
        }
        resolve({ kind: "response", response: resp });
        this.dialogFailure(resp);
      },
      timeout: () => {
        if (offering) this.offerAnswer.step("rollback");
        resolve({ kind: "timeout" });
        this.dialogFailure(undefined);
      },
      transportError: (error) => {
        if (offering) this.offerAnswer.step("rollback");
        resolve({ kind: "transport-error", error });
      },
    });
    if (typeof r === "string") {
      if (offering) this.offerAnswer.step("rollback");
      resolve({ kind: "not-sent", reason: r });
    }
  }

  // ------------------------------------------------------ session timers

  /** The session timer of the dialog, made on first use (RFC 4028 state is bound to the dialog, §7.2). */
  protected ensureTimer(): SessionTimer {
    if (this.timer === undefined) {
      this.timer = new SessionTimer({
        id: this.callId,
        clock: this.host.clock,
        log: this.host.log,
        refresh: () => this.refreshSession(),
        expire: () => this.expireSession(),
      });
    }
    return this.timer;
  }

  /** Session-Expires / Min-SE for a session refresh request we send (§7.4); undefined when timers are off. */
  private refreshHeaders(): { headers: HeaderInit[]; sentS: number } | undefined {
    const cfg = this.host.sessionTimer;
    return cfg === undefined ? undefined : this.ensureTimer().refreshHeaders(cfg);
  }

  /** A 422 to our refresh request: keep its Min-SE (§7.4); true when it asks for more than we sent (worth a retry, §7.3). */
  private raiseMinSE(resp: SipMessage, sentS: number | undefined): boolean {
    const min = minSEOf422(resp);
    if (min === undefined || sentS === undefined || this.host.sessionTimer === undefined) return false;
    this.ensureTimer().noteMinSE(min);
    return min > sentS;
  }

  /** A 2xx to a session refresh request was sent or received (§7.2, §9). */
  protected refreshed(n: Negotiated | undefined): void {
    if (this.ended || this.host.sessionTimer === undefined) return;
    this.ensureTimer().negotiate(n);
    this.emitShared("sessionTimer", n);
  }

  /** §7.4: UPDATE without a body when the peer allows it, else a re-INVITE offering our last session description unchanged. */
  protected refreshSession(): void {
    if (this.ended) return;
    const viaUpdate = this.peerAllowsUpdate || this.lastLocalSession === undefined;
    this.host.log.info({ callId: this.callId, method: viaUpdate ? "UPDATE" : "INVITE" }, "session refresh (RFC 4028 §10)");
    const p = viaUpdate ? this.update({}) : this.reinvite({ body: this.lastLocalSession as BodyInit });
    void p.then((o) => {
      if (o.kind !== "response" || (o.response.status ?? 0) >= 300) this.host.log.warn({ callId: this.callId, outcome: o.kind === "response" ? o.response.status : o.kind }, "session refresh failed; the session expires unless one succeeds");
    });
  }

  /** §10: no refresh before the expiry: BYE with the reason, and tell the application. */
  protected expireSession(): void {
    if (this.ended) return;
    this.host.log.warn({ callId: this.callId }, "session expired without refresh: BYE (RFC 4028 §10)");
    this.emitShared("sessionExpired");
    this.bye({ headers: [SESSION_EXPIRED_REASON] });
  }

  /** RFC 4028 §9 on a session refresh request received: refused with 422/400, or its Min-SE noted. False when refused. */
  private checkRefreshRequest(tx: ServerTransaction, dialog: Dialog): boolean {
    const cfg = this.host.sessionTimer;
    if (cfg === undefined || dialog.state !== "Confirmed") return true;
    const m = tx.request;
    const small = tooSmallInterval(m, cfg);
    if (small !== undefined) {
      tx.respond(buildResponse(m, small.status, { headers: small.headers, ...(small.reason !== undefined ? { reason: small.reason } : {}) }));
      return false;
    }
    this.ensureTimer().noteMinSE(minSEOfRequest(m));
    return true;
  }

  /** An INFO (RFC 6086 §4.2.1); name its package with an Info-Package header in `headers`. */
  info(opts: RequestOptions = {}): Promise<RequestOutcome> {
    return new Promise((resolve) => {
      const dialog = this.dialog;
      if (dialog === undefined || this.ended) {
        resolve({ kind: "not-sent", reason: "no dialog" });
        return;
      }
      const r = this.sendInDialog(dialog, "INFO", opts, {
        response: (resp) => {
          if ((resp.status ?? 0) < 200) return;
          resolve({ kind: "response", response: resp });
          this.dialogFailure(resp);
        },
        timeout: () => {
          resolve({ kind: "timeout" });
          this.dialogFailure(undefined);
        },
        transportError: (error) => resolve({ kind: "transport-error", error }),
      });
      if (typeof r === "string") resolve({ kind: "not-sent", reason: r });
    });
  }

  // --------------------------------------------------------- receiving

  /** SessionOwner: a request within one of our dialogs. */
  receiveInDialog(tx: ServerTransaction, dialog: Dialog): void {
    const m = tx.request;
    // §12.2.2: a lower CSeq than the last one is refused.
    if (!dialog.acceptRemoteCSeq(m)) {
      tx.respond(buildResponse(m, 500, { reason: "CSeq Out of Order" }));
      return;
    }
    switch (m.method) {
      case "BYE":
        this.receiveBye(tx, dialog);
        return;
      case "INVITE":
        this.receiveReinvite(tx, dialog);
        return;
      case "UPDATE":
        this.receiveUpdate(tx, dialog);
        return;
      case "INFO":
        this.receiveInfo(tx);
        return;
      case "OPTIONS":
        tx.respond(this.host.optionsResponse(m));
        return;
      case "PRACK":
        this.receivePrack(tx, dialog);
        return;
      default:
        tx.respond(buildResponse(m, 405, { headers: this.host.responseHeaders.filter((h) => h.name === "Allow") }));
    }
  }

  /** RFC 3262 §3: a PRACK; only the callee's side has reliable provisional responses to match, so here: 481. */
  protected receivePrack(tx: ServerTransaction, _dialog: Dialog): void {
    tx.respond(buildResponse(tx.request, 481));
  }

  /** §15.1.2: BYE received; the role decides what it means in its state. */
  protected abstract receiveBye(tx: ServerTransaction, dialog: Dialog): void;

  private retryAfter(): HeaderInit {
    return { name: "Retry-After", value: String(Math.floor(this.host.random() * 11)) };
  }

  private receiveReinvite(tx: ServerTransaction, dialog: Dialog): void {
    const m = tx.request;
    if (dialog.state !== "Confirmed" || !this.canModify()) {
      // A re-INVITE before the initial INVITE completed: §14.2 asks for 500 with Retry-After.
      tx.respond(buildResponse(m, 500, { headers: [this.retryAfter()] }));
      return;
    }
    // §14.2: our own INVITE pending: 491; theirs still unanswered: 500 with Retry-After (0-10 s).
    if (this.localInvite !== undefined) {
      tx.respond(buildResponse(m, 491));
      return;
    }
    if (this.remoteInvite !== undefined) {
      tx.respond(buildResponse(m, 500, { headers: [this.retryAfter()] }));
      return;
    }
    const offer = sessionDescriptionOf(m) !== undefined;
    if (this.offerAnswer.state === "LocalOffer") {
      tx.respond(buildResponse(m, 491));
      return;
    }
    if (this.offerAnswer.state === "RemoteOffer") {
      tx.respond(buildResponse(m, 500, { headers: [this.retryAfter()] }));
      return;
    }
    if (!this.checkRefreshRequest(tx, dialog)) return;
    if (offer) this.offerAnswer.step("receiveOffer");
    // §12.2.2: a target refresh request moves the remote target.
    dialog.refreshTarget(m);
    const inc = new IncomingRequest(this, tx, offer ? "offer" : "none");
    tx.user = inc;
    this.remoteInvite = inc;
    if (!this.emitShared("reinvite", inc) && !inc.responded) inc.reject(488);
  }

  private receiveUpdate(tx: ServerTransaction, dialog: Dialog): void {
    const m = tx.request;
    const offer = sessionDescriptionOf(m) !== undefined;
    if (offer) {
      // RFC 3311 §5.2: our offer outstanding: 491; theirs unanswered: 500 with Retry-After.
      if (this.offerAnswer.state === "LocalOffer") {
        tx.respond(buildResponse(m, 491));
        return;
      }
      if (this.offerAnswer.state === "RemoteOffer") {
        tx.respond(buildResponse(m, 500, { headers: [this.retryAfter()] }));
        return;
      }
      if (!this.checkRefreshRequest(tx, dialog)) return;
      this.offerAnswer.step("receiveOffer");
    } else if (!this.checkRefreshRequest(tx, dialog)) return;
    dialog.refreshTarget(m);
    const inc = new IncomingRequest(this, tx, offer ? "offer" : "none");
    tx.user = inc;
    if (!this.emitShared("update", inc) && !inc.responded) {
      if (offer) inc.reject(488);
      else inc.accept();
    }
  }

  private receiveInfo(tx: ServerTransaction): void {
    const m = tx.request;
    const pkg = m.get("Info-Package");
    if (pkg !== undefined) {
      // RFC 6086 §5.2.2: a package we did not list in Recv-Info gets 469 with our Recv-Info.
      const name = pkg.split(";")[0]?.trim().toLowerCase() ?? "";
      if (!this.host.recvInfo.has(name)) {
        tx.respond(buildResponse(m, 469, { headers: [{ name: "Recv-Info", value: [...this.host.recvInfo].join(", ") }] }));
        return;
      }
    }
    const inc = new IncomingRequest(this, tx, "none");
    tx.user = inc;
    if (!this.emitShared("info", inc) && !inc.responded) inc.accept();
  }

  /** Responses the application gives to an IncomingRequest. */
  respondIncoming(inc: IncomingRequest, status: number, opts: ResponseOptions): void {
    const m = inc.request;
    const method = m.method;
    const dialog = this.dialog;
    const headers: HeaderInit[] = [...(opts.headers ?? [])];
    const refresh = (method === "INVITE" || method === "UPDATE") && status >= 200 && status < 300;
    let negotiated: Negotiated | undefined;
    const cfg = this.host.sessionTimer;
    if (refresh && dialog !== undefined) {
      // §12.1.1 / RFC 3311 §5.2: the 2xx to a target refresh request carries Contact.
      const target = this.targetOf(dialog);
      const c = target !== undefined ? this.host.contactHeader(target, dialog.secure) : undefined;
      if (c !== undefined) headers.push(c);
      headers.push(...this.host.responseHeaders);
      if (cfg !== undefined && dialog.state === "Confirmed") {
        // RFC 4028 §9: the 2xx to a session refresh request says the interval and who refreshes.
        const n = uasNegotiate(m, cfg);
        headers.push(...n.headers);
        negotiated = n.negotiated;
      }
    }
    if (status >= 200 && (method === "INVITE" || method === "UPDATE" || (method === "PRACK" && inc.bodyRole === "offer"))) {
      if (status < 300) {
        const carries = bodyCarriesSession(opts.body);
        if (carries) this.lastLocalSession = opts.body;
        if (inc.bodyRole === "offer") {
          if (!carries) throw new Error(`the 2xx to an ${method} with an offer must carry the answer (RFC 3261 §13.2.1, RFC 3311 §5.2)`);
          this.offerAnswer.step("sendAnswer");
        } else if (carries) {
          this.offerAnswer.step("sendOffer");
        } else if (method === "INVITE") {
          throw new Error("the 2xx to a re-INVITE without an offer must carry one (RFC 3261 §14.2)");
        }
      } else if (inc.bodyRole === "offer") {
        // §14.2: a rejected offer leaves the session as it was.
        this.offerAnswer.step("rollback");
      }
      if (method === "INVITE") this.remoteInvite = undefined;
    }
    const response = buildResponse(m, status, {
      ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
      headers,
      ...(opts.body !== undefined ? { body: opts.body } : {}),
    });
    const tx = inc.tx;
    tx.respond(response);
    if (method === "INVITE" && status >= 200 && status < 300) this.retransmit2xx(tx, response, m.cseq.seq);
    if (negotiated !== undefined) this.refreshed(negotiated);
  }

  /** §13.3.1.4: retransmit the 2xx until the ACK; without one after 64*T1, BYE. */
  protected retransmit2xx(tx: ServerTransaction, response: SipMessage, cseq: number): AnswerRetransmitter {
    const t = this.host.timers;
    const r = new AnswerRetransmitter({
      id: `${this.callId};${cseq}`,
      cseq,
      clock: this.host.clock,
      log: this.host.log,
      t1: t.T1,
      t2: t.T2,
      h: t.H,
      resend: () => {
        // RFC 6026 §7.1: through the server transaction while it is in Accepted.
        if (tx.state === "Accepted") tx.retransmit();
        else this.host.transactions.transport.sendResponse(response, tx.origin);
      },
      onExpired: () => this.ackTimeout(cseq),
    });
    this.retransmitters.push(r);
    return r;
  }

  /** No ACK for the 2xx with this CSeq within 64*T1. */
  protected ackTimeout(cseq: number): void {
    this.removeRetransmitter(cseq);
    const dialog = this.dialog;
    if (dialog === undefined || this.ended) return;
    this.host.log.warn({ callId: this.callId, cseq }, "no ACK for the 2xx within 64*T1: ending the session (RFC 3261 §13.3.1.4)");
    this.sendBye(dialog, undefined, () => undefined);
    this.finish({ cause: "no-ack" });
    this.fsm.terminate("no ACK");
  }

  protected removeRetransmitter(cseq: number): AnswerRetransmitter | undefined {
    const i = this.retransmitters.findIndex((r) => r.cseq === cseq);
    if (i < 0) return undefined;
    const r = this.retransmitters[i];
    this.retransmitters.splice(i, 1);
    return r;
  }

  /** SessionOwner: an ACK for one of our 2xx responses (§13.3.1.4, §17.2.3). */
  receiveAck(ack: SipMessage, dialog: Dialog): void {
    const r = this.removeRetransmitter(ack.cseq.seq);
    if (r === undefined) return; // a retransmitted ACK
    r.acked();
    let role: BodyRole = "none";
    if (this.offerAnswer.state === "LocalOffer") {
      if (sessionDescriptionOf(ack) !== undefined) {
        this.offerAnswer.step("receiveAnswer");
        role = "answer";
      } else {
        this.host.log.warn({ callId: this.callId }, "ACK without the answer to the offer in our 2xx (RFC 3261 §13.2.1)");
      }
    }
    this.acked(ack, role, dialog);
  }

  /** The ACK for a 2xx arrived; the role decides what it means. */
  protected abstract acked(ack: SipMessage, role: BodyRole, dialog: Dialog): void;
}

/** The payload session state machines carry with their events. */
export interface SessionPayload {
  readonly message?: SipMessage;
  readonly options?: RequestOptions | ResponseOptions | (ResponseOptions & { readonly reliable?: boolean });
  readonly status?: number;
  readonly tx?: ServerTransaction;
  readonly error?: TransportFailure;
  readonly role?: BodyRole;
  readonly failure?: CallFailure;
}

