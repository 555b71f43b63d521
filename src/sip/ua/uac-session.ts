/**
 * The caller's side of an INVITE session, RFC 3261 §13.2 (UAC processing),
 * §12.1.2 (early dialogs from 1xx with a To tag, one per fork; the 2xx
 * confirms its dialog and recomputes the route set, §13.2.2.4), §13.2.2.4
 * (the ACK for each 2xx, sent end to end by this core and again for each
 * retransmitted 2xx; a 2xx from another fork is ACKed then released with
 * BYE), §9.1 (CANCEL, only once a provisional response has arrived; a 200
 * racing the CANCEL wins: ACK, then BYE; 64*T1 without a final response
 * ends the attempt), §12.3 (early dialogs end with the transaction), §15.
 *
 * Retries of the INVITE (a new transaction: CSeq one more, a new branch,
 * Call-ID, From tag and To kept): a 401/407 answered with the
 * authenticator's credentials, once per kind (§8.1.3.5, §22.2); a 422 with a
 * larger Min-SE (RFC 4028 §7.3, §7.4).
 *
 * Reliable provisional responses, RFC 3262 §4: a 1xx with Require: 100rel
 * and RSeq is answered with PRACK (RAck) in its early dialog; a
 * retransmission (same RSeq) or one out of order (not last+1) is discarded;
 * a session description in it is an answer (or the offer, answered in the
 * PRACK), §5. Session timers (RFC 4028 §7.2): the 2xx says the interval and
 * the refresher; a 2xx without Session-Expires to our INVITE with one means
 * we refresh.
 *
 *        +---------+ 1xx  +------------+
 *  INV ->| Calling |----->| Proceeding |<--+ 1xx
 *        +---------+      +------------+---+
 *          |  |  |          |    |    |
 *          |  |  | cancel() |    |    | cancel(): CANCEL
 *          |  |  +------+   |    |    V
 *          |  |         +---|----|-->+------------+ 1xx: CANCEL if not yet sent
 *          |  |             |    |   | Cancelling | 64*T1 (B): give up
 *          |  |   2xx: ACK  |    |   +------------+----------------------+
 *          |  +-------------+    |          | 2xx: ACK, BYE              |
 *          |                |    |          V                            |
 *          |                V    |   +-------------+  BYE response       |
 *          |       +-----------+ |   | Terminating |---------------+     |
 *          |       | Confirmed |-|-->+-------------+               |     |
 *          |       +-----------+ |    bye(): BYE                   V     |
 *          |             | BYE received: 200          +------------+     |
 *          |             +--------------------------->| Terminated |<----+
 *          | 3xx-6xx, timeout (B), transport error    +------------+
 *          +--------------------------------------------->^
 */
import type { FsmActions, FsmDefinition } from "../../core/fsm.js";
import type { Dialog } from "../dialog/dialog.js";
import { dialogKey, uacDialog } from "../dialog/dialog.js";
import type { SipMessage } from "../syntax/message.js";
import { OwnedFsm } from "../transaction/context.js";
import type { BodyInit, HeaderInit } from "../transaction/messages.js";
import { buildResponse, cancelFor } from "../transaction/messages.js";
import type { ClientTransaction, ClientTransactionUser, ServerTransaction } from "../transaction/types.js";
import type { OutboundRequest, SendTarget, TransportFailure } from "../transport/types.js";
import type { SessionEvent, SessionEvents, SessionPayload } from "./invite-session.js";
import { InviteSession } from "./invite-session.js";
import type { DigestAuthenticator } from "./request-retry.js";
import { Credentials, retryRequest } from "./request-retry.js";
import { bodyCarriesSession, sessionBodyOf, sessionDescriptionOf } from "./session-body.js";
import type { BodyRole, CallFailure, RequestOptions, RequestOutcome, SessionHost } from "./session-host.js";
import { minSEOf422, uacNegotiated } from "./session-timer.js";

export type UacState = "Calling" | "Proceeding" | "Cancelling" | "Confirmed" | "Terminating" | "Terminated";

export const uacSessionDefinition: FsmDefinition<UacState, SessionEvent> = {
  name: "SIP-UAC",
  initial: "Calling",
  states: {
    Calling: { accepts: ["Provisional", "Answer", "Failure", "Cancel"], to: ["Proceeding", "Cancelling", "Confirmed", "Terminated"] },
    Proceeding: { accepts: ["Provisional", "Answer", "Failure", "Cancel"], to: ["Cancelling", "Confirmed", "Terminated"] },
    Cancelling: { accepts: ["Provisional", "Answer", "Failure", "Cancel", "CancelTimeout"], to: ["Terminating", "Terminated"], timer: { name: "B", expiry: "CancelTimeout" } },
    Confirmed: { accepts: ["Bye", "ByeReceived"], to: ["Terminating", "Terminated"] },
    Terminating: { accepts: ["ByeDone", "ByeReceived"], to: ["Terminated"] },
    Terminated: { accepts: [], to: [], final: true },
  },
};

export interface UacSessionEvents extends SessionEvents {
  /** A provisional response; `dialog` is its early dialog when it carried a To tag. */
  progress: (response: SipMessage, dialog: Dialog | undefined, role: BodyRole) => void;
  /** A new early dialog (a fork answered provisionally). */
  earlyDialog: (dialog: Dialog, response: SipMessage) => void;
  /** The 2xx: the dialog is confirmed and ACKed; `role` says what its body is. */
  answered: (response: SipMessage, dialog: Dialog, role: BodyRole) => void;
  /** The attempt ended without a call (rejected, timed out, transport error, cancelled). */
  failed: (failure: CallFailure) => void;
  /** The INVITE goes again as `request` after `response` (401/407 with credentials, RFC 3261 §22.2; 422, RFC 4028 §7.3). */
  retried: (response: SipMessage, request: SipMessage) => void;
  /** The PRACK for a reliable provisional response (RFC 3262 §4) completed; a 2xx outcome means it was acknowledged. */
  prack: (provisional: SipMessage, outcome: RequestOutcome) => void;
}

export interface UacSessionOptions {
  /** The answer for the ACK when the INVITE had no offer and the 2xx carries one (§13.2.1). */
  readonly ackBody?: (response: SipMessage) => BodyInit | undefined;
  /** The answer for the PRACK when the INVITE had no offer and a reliable 1xx carries one (RFC 3262 §5); `ackBody` otherwise. */
  readonly prackBody?: (response: SipMessage) => BodyInit | undefined;
  /** Answers 401/407 to the INVITE and to the requests of its dialog; the UA's otherwise. */
  readonly authenticator?: DigestAuthenticator;
}

type Fsm = OwnedFsm<UacState, SessionEvent, SessionPayload, InviteClientSession>;

const actions: FsmActions<UacState, SessionEvent, SessionPayload> = {
  Calling: {
    Provisional: (f, p) => {
      f.transition("Proceeding");
      (f as Fsm).owner.doProvisional(p);
    },
    Answer: (f, p) => {
      f.transition("Confirmed");
      (f as Fsm).owner.doAnswered(p);
    },
    Failure: (f, p) => {
      f.transition("Terminated");
      (f as Fsm).owner.doFailed(p, false);
    },
    // §9.1: no CANCEL before a provisional response: it goes out when one arrives.
    Cancel: (f, p) => {
      (f as Fsm).owner.noteCancel(p);
      f.transition("Cancelling");
    },
  },
  Proceeding: {
    Provisional: (f, p) => (f as Fsm).owner.doProvisional(p),
    Answer: (f, p) => {
      f.transition("Confirmed");
      (f as Fsm).owner.doAnswered(p);
    },
    Failure: (f, p) => {
      f.transition("Terminated");
      (f as Fsm).owner.doFailed(p, false);
    },
    Cancel: (f, p) => {
      const s = (f as Fsm).owner;
      s.noteCancel(p);
      f.transition("Cancelling");
      s.sendCancel();
    },
  },
  Cancelling: {
    Provisional: (f, p) => {
      const s = (f as Fsm).owner;
      s.doProvisional(p);
      s.sendCancel();
    },
    // The 200 won the race with the CANCEL: ACK (already sent), then BYE.
    Answer: (f, p) => {
      const s = (f as Fsm).owner;
      f.transition("Terminating");
      s.doAnsweredAfterCancel(p);
    },
    Failure: (f, p) => {
      f.transition("Terminated");
      (f as Fsm).owner.doFailed(p, true);
    },
    Cancel: () => undefined,
    // §9.1: no final response 64*T1 after the CANCEL: the INVITE transaction is given up.
    CancelTimeout: (f) => {
      const s = (f as Fsm).owner;
      f.transition("Terminated");
      s.doCancelTimeout();
    },
  },
  Confirmed: {
    Bye: (f, p) => {
      (f as Fsm).owner.doHangup(p);
      f.transition("Terminating");
    },
    ByeReceived: (f, p) => {
      f.transition("Terminated");
      (f as Fsm).owner.doRemoteBye(p);
    },
  },
  Terminating: {
    ByeDone: (f) => f.transition("Terminated"),
    ByeReceived: () => undefined,
  },
};

export class InviteClientSession extends InviteSession<UacState, UacSessionEvents> implements ClientTransactionUser {
  /** The INVITE as built, the latest when it was sent again (the transaction holds it as sent). */
  private current: SipMessage;
  readonly target: SendTarget;
  protected readonly fsm: Fsm;
  private readonly opts: UacSessionOptions;
  private ict: ClientTransaction | undefined;
  private readonly earlyDialogs = new Map<string, Dialog>();
  /** ACKs sent per dialog key, sent again for each retransmitted 2xx (§13.2.2.4). */
  private readonly acks = new Map<string, OutboundRequest>();
  private cancelHeaders: readonly HeaderInit[] | undefined;
  private cancelSent = false;
  private provisionalSeen = false;
  private readonly offered: boolean;
  /** Credentials gathered for the INVITE (§22.2). */
  private readonly credentials = new Credentials();
  /** 422s taken: each retry must ask for more (RFC 4028 §7.4). */
  private sessionIntervalRetries = 0;
  /** RFC 3262 §4: the RSeq of the last in-order reliable 1xx, per early dialog (remote tag). */
  private readonly lastRSeq = new Map<string, number>();
  private reliableSeen = false;

  constructor(host: SessionHost, request: SipMessage, target: SendTarget, opts: UacSessionOptions) {
    super(host, request.callId);
    this.current = request;
    this.target = target;
    this.opts = opts;
    this.offered = sessionDescriptionOf(request) !== undefined;
    if (this.offered) {
      this.offerAnswer.step("sendOffer");
      this.lastLocalSession = sessionBodyOf(request);
    }
    this.fsm = new OwnedFsm(uacSessionDefinition, { id: `${request.callId};${request.from.tag ?? ""}`, clock: host.clock, log: host.log, timers: host.timers, actions }, this);
  }

  /** The INVITE as built; after a retry (401/407/422), the one sent last. */
  get request(): SipMessage {
    return this.current;
  }

  protected override authenticator(): DigestAuthenticator | undefined {
    return this.opts.authenticator ?? this.host.authenticator;
  }

  /** Send the INVITE (called by the core once listeners can be attached). */
  start(): void {
    this.ict = this.host.transactions.sendRequest(this.request, this.target, this);
  }

  /** The attempt could not start (no route, no transport). */
  failBeforeStart(failure: CallFailure): void {
    this.fsm.dispatch("Failure", { failure });
  }

  protected fallbackTarget(): SendTarget | undefined {
    return this.ict?.target ?? this.target;
  }

  /** Cancel the attempt (§9.1); Reason headers (RFC 3326) in `headers`. False when it is too late. */
  cancel(opts: { readonly headers?: readonly HeaderInit[] } = {}): boolean {
    if (!this.fsm.accepts("Cancel")) return false;
    return this.fsm.dispatch("Cancel", { options: opts });
  }

  // ------------------------------------------------- ClientTransactionUser

  onResponse(response: SipMessage, tx: ClientTransaction): void {
    // A transaction of an earlier attempt (before a retry) has nothing more to say.
    if (tx !== this.ict) return;
    const status = response.status ?? 0;
    if ((status === 401 || status === 407 || status === 422) && this.retryInvite(response)) return;
    if (status < 200) {
      if (this.fsm.accepts("Provisional")) this.fsm.dispatch("Provisional", { message: response });
      return;
    }
    if (status < 300) {
      this.on2xx(response, tx);
      return;
    }
    // §12.3: a non-2xx final ends every early dialog.
    if (this.fsm.accepts("Failure")) this.fsm.dispatch("Failure", { failure: { cause: "rejected", status, reason: response.startLine.kind === "response" ? response.startLine.reason : "", response } });
  }

  onTimeout(): void {
    if (this.fsm.accepts("Failure")) this.fsm.dispatch("Failure", { failure: { cause: "timeout", status: 408, reason: "Request Timeout" } });
  }

  onTransportError(_tx: ClientTransaction, error: TransportFailure): void {
    if (this.fsm.accepts("Failure")) this.fsm.dispatch("Failure", { failure: { cause: "transport-error", status: 503, reason: `Service Unavailable (${error.reason})`, error } });
  }

  onTerminated(tx: ClientTransaction): void {
    if (tx !== this.ict) return;
    // §12.3 / RFC 6026 §7.2: with the INVITE transaction gone, early dialogs that never got a 2xx are over.
    for (const d of this.earlyDialogs.values()) {
      if (d !== this.dialog) {
        this.host.unregisterDialog(d);
        d.terminate("INVITE transaction ended");
      }
    }
    this.earlyDialogs.clear();
    this.acks.clear();
  }

  /**
   * The INVITE again after a 401/407 (credentials, §22.2) or a 422 (larger
   * Session-Expires and Min-SE, RFC 4028 §7.4): a new client transaction with
   * CSeq one more and a new branch; early dialogs of the refused attempt end
   * (§12.3). False when it is not retried (the response then fails the call).
   */
  private retryInvite(response: SipMessage): boolean {
    // Only while the attempt is live and no reliable 1xx moved the offer/answer exchange on.
    if (!this.fsm.accepts("Provisional") || this.fsm.state === "Cancelling" || this.reliableSeen) return false;
    const status = response.status ?? 0;
    const add: HeaderInit[] = [];
    const replace: string[] = [];
    if (status === 422) {
      const min = minSEOf422(response);
      const sent = this.current.sessionExpires();
      const sentS = sent.ok ? sent.value?.deltaSeconds : undefined;
      if (min === undefined || this.host.sessionTimer === undefined || this.sessionIntervalRetries >= 2 || (sentS !== undefined && min <= sentS)) return false;
      this.sessionIntervalRetries++;
      add.push({ name: "Session-Expires", value: String(min) }, { name: "Min-SE", value: String(min) });
      replace.push("Session-Expires", "Min-SE");
    } else if (!this.credentials.take(this.authenticator(), response).ok) {
      this.host.log.info({ callId: this.callId, status }, "challenge to the INVITE not answered (none given, or a second one of its kind)");
      return false;
    }
    // Every retry answers every challenge met so far afresh (the 422 retry of a challenged INVITE too).
    const answers = this.credentials.headersFor(this.authenticator(), this.current);
    if (!answers.ok) {
      this.host.log.info({ callId: this.callId, status, reason: answers.reason }, "challenge to the INVITE not answered");
      return false;
    }
    replace.push("Authorization", "Proxy-Authorization");
    const via = this.host.via(this.target);
    if (via === undefined) return false;
    const next = retryRequest(this.current, via, this.current.cseq.seq + 1, [...add, ...answers.headers], replace);
    this.host.log.info({ callId: this.callId, status, cseq: next.cseq.seq }, "INVITE sent again");
    for (const d of this.earlyDialogs.values()) {
      this.host.unregisterDialog(d);
      d.terminate(`INVITE refused with ${status}`);
    }
    this.earlyDialogs.clear();
    this.lastRSeq.clear();
    this.dialog = undefined;
    this.provisionalSeen = false;
    this.current = next;
    this.ict = this.host.transactions.sendRequest(next, this.target, this);
    this.emit("retried", response, next);
    return true;
  }

  // ---------------------------------------------------------- actions

  private classifyProvisional(response: SipMessage): BodyRole {
    if (sessionDescriptionOf(response) === undefined) return "none";
    // Without reliable provisional responses (RFC 3262) a body here previews the answer (or the offer of the 2xx).
    return this.offerAnswer.state === "LocalOffer" ? "answer" : "offer";
  }

  /** RFC 3262 §4: a 101-199 with Require: 100rel and an RSeq, when we support 100rel. */
  private reliableRSeq(response: SipMessage): number | undefined {
    const status = response.status ?? 0;
    if (status <= 100 || this.host.reliable === "never" || response.to.tag === undefined) return undefined;
    const req = response.require();
    if (!req.ok || req.value === undefined || !req.value.some((t) => t.toLowerCase() === "100rel")) return undefined;
    const rseq = response.rseq();
    if (!rseq.ok || rseq.value === undefined) {
      this.host.log.warn({ callId: this.callId, status }, "reliable provisional response without a valid RSeq: taken as unreliable (RFC 3262 §7.1)");
      return undefined;
    }
    return rseq.value;
  }

  /**
   * RFC 3262 §4-§5 for an accepted reliable 1xx: its body in the offer/answer
   * exchange, then the PRACK (with the answer when it carried the offer).
   */
  private prack(response: SipMessage, dialog: Dialog, rseq: number): BodyRole {
    let role: BodyRole = "none";
    let body: BodyInit | undefined;
    if (sessionDescriptionOf(response) !== undefined) {
      if (this.offerAnswer.state === "LocalOffer") {
        this.offerAnswer.step("receiveAnswer");
        role = "answer";
      } else if (this.offerAnswer.state === "Initial") {
        this.offerAnswer.step("receiveOffer");
        role = "offer";
        body = (this.opts.prackBody ?? this.opts.ackBody)?.(response);
        if (bodyCarriesSession(body)) {
          this.offerAnswer.step("sendAnswer");
          this.lastLocalSession = body;
        } else this.host.log.warn({ callId: this.callId }, "no answer for the offer in the reliable provisional response (RFC 3262 §5): give prackBody");
      }
    }
    this.reliableSeen = true;
    const rack = `${rseq} ${response.cseq.seq} ${response.cseq.method}`;
    let done = false;
    const report = (o: RequestOutcome): void => {
      if (done) return;
      done = true;
      this.emit("prack", response, o);
    };
    const r = this.sendInDialog(dialog, "PRACK", { headers: [{ name: "RAck", value: rack }], ...(body !== undefined ? { body } : {}) }, {
      response: (resp) => {
        if ((resp.status ?? 0) >= 200) report({ kind: "response", response: resp });
      },
      timeout: () => report({ kind: "timeout" }),
      transportError: (error) => report({ kind: "transport-error", error }),
    });
    if (typeof r === "string") queueMicrotask(() => report({ kind: "not-sent", reason: r }));
    return role;
  }

  doProvisional(p: SessionPayload | undefined): void {
    const response = p?.message;
    if (response === undefined) return;
    this.provisionalSeen = true;
    let dialog: Dialog | undefined;
    const tag = response.to.tag;
    if (tag !== undefined && (response.status ?? 0) > 100) {
      dialog = this.earlyDialogs.get(tag);
      if (dialog === undefined) {
        dialog = uacDialog(this.request, response, { early: true, overTls: this.target.protocol === "tls", clock: this.host.clock, log: this.host.log });
        if (dialog !== undefined) {
          this.earlyDialogs.set(tag, dialog);
          this.dialog ??= dialog;
          this.host.registerDialog(dialog, this);
          this.emit("earlyDialog", dialog, response);
        }
      }
    }
    const rseq = dialog !== undefined ? this.reliableRSeq(response) : undefined;
    if (rseq !== undefined && dialog !== undefined) {
      const tagKey = dialog.id.remoteTag;
      const last = this.lastRSeq.get(tagKey);
      // §4: a retransmission (same RSeq) is discarded; one not exactly last+1 is neither PRACKed nor processed.
      if (last !== undefined && rseq !== last + 1) {
        this.host.log.debug({ callId: this.callId, rseq, last }, rseq === last ? "reliable provisional retransmission discarded" : "reliable provisional response out of order discarded (RFC 3262 §4)");
        return;
      }
      this.lastRSeq.set(tagKey, rseq);
      this.emit("progress", response, dialog, this.prack(response, dialog, rseq));
      return;
    }
    this.emit("progress", response, dialog, this.classifyProvisional(response));
  }

  /** Every 2xx (first, retransmitted, or from another fork) is ACKed (§13.2.2.4). */
  private on2xx(response: SipMessage, _tx: ClientTransaction): void {
    const tag = response.to.tag ?? "";
    const key = dialogKey(this.request.callId, this.request.from.tag ?? "", tag);
    const sent = this.acks.get(key);
    if (sent !== undefined) {
      this.host.transactions.transport.resendRequest(sent);
      return;
    }
    const first = this.fsm.accepts("Answer");
    // §13.2.2.4: the dialog is confirmed with the route set of the 2xx.
    const dialog = uacDialog(this.request, response, { early: false, overTls: this.target.protocol === "tls", clock: this.host.clock, log: this.host.log });
    if (dialog === undefined) {
      this.host.log.warn({ callId: this.callId }, "2xx without a To tag: cannot be ACKed (RFC 3261 §8.2.6.2)");
      return;
    }
    const early = this.earlyDialogs.get(tag);
    if (early !== undefined) {
      dialog.continueFrom(early);
      this.host.unregisterDialog(early);
      this.earlyDialogs.delete(tag);
      early.terminate("confirmed by 2xx");
    }
    let role: BodyRole = "none";
    let ackBody: BodyInit | undefined;
    if (first) {
      if (this.offerAnswer.state === "Stable") {
        // The exchange completed in reliable provisional responses (RFC 3262 §5): a session description
        // here repeats the answer already taken, it is no new offer.
      } else if (this.offerAnswer.state === "LocalOffer") {
        if (sessionDescriptionOf(response) !== undefined) {
          this.offerAnswer.step("receiveAnswer");
          role = "answer";
        } else this.host.log.warn({ callId: this.callId }, "2xx without the answer to the INVITE's offer (RFC 3261 §13.2.1)");
      } else if (sessionDescriptionOf(response) !== undefined) {
        this.offerAnswer.step("receiveOffer");
        role = "offer";
        ackBody = this.opts.ackBody?.(response);
        if (bodyCarriesSession(ackBody)) {
          this.offerAnswer.step("sendAnswer");
          this.lastLocalSession = ackBody;
        }
      }
    }
    this.sendAck(dialog, key, ackBody);
    if (first) {
      this.dialog = dialog;
      this.host.registerDialog(dialog, this);
      const allow = response.allow();
      this.peerAllowsUpdate = allow.ok && allow.value !== undefined && allow.value.some((m) => m.toUpperCase() === "UPDATE");
      if (this.host.sessionTimer !== undefined) {
        // RFC 4028 §7.2: the session expiration runs from the reception of the 2xx.
        const sent = this.current.sessionExpires();
        this.refreshed(uacNegotiated(response, sent.ok ? sent.value?.deltaSeconds : undefined));
      }
      this.fsm.dispatch("Answer", { message: response, role });
      return;
    }
    // Another fork answered after the call was set up (or given up): ACK, then release it (§13.2.2.4).
    this.host.log.info({ callId: this.callId, tag }, "2xx from another fork: ACK and BYE");
    this.sendBye(dialog, undefined, () => dialog.terminate("released fork"));
  }

  private sendAck(dialog: Dialog, key: string, body: BodyInit | undefined): void {
    const target = this.targetOf(dialog);
    const via = target !== undefined ? this.host.via(target) : undefined;
    if (target === undefined || via === undefined) {
      this.host.log.warn({ callId: this.callId }, "no next hop for the ACK");
      return;
    }
    const ack = dialog.createRequest("ACK", via, { cseq: this.current.cseq.seq, headers: this.host.requestHeaders, ...(body !== undefined ? { body } : {}) });
    this.acks.set(key, this.host.transactions.sendStateless(ack, target));
  }

  doAnswered(p: SessionPayload | undefined): void {
    const dialog = this.dialog;
    if (p?.message !== undefined && dialog !== undefined) this.emit("answered", p.message, dialog, p.role ?? "none");
  }

  doAnsweredAfterCancel(p: SessionPayload | undefined): void {
    const dialog = this.dialog;
    const response = p?.message;
    if (dialog === undefined) return;
    this.sendBye(dialog, this.cancelHeaders !== undefined ? { headers: this.cancelHeaders } : undefined, () => {
      if (this.fsm.accepts("ByeDone")) this.fsm.dispatch("ByeDone");
      this.finish(undefined);
    });
    this.emit("failed", { cause: "cancelled", status: response?.status ?? 200, reason: "answered while being cancelled: released with BYE", ...(response !== undefined ? { response } : {}) });
  }

  doFailed(p: SessionPayload | undefined, cancelling: boolean): void {
    const f = p?.failure ?? { cause: "rejected", status: 500, reason: "unknown" };
    this.finishEarly();
    this.emit("failed", cancelling && f.cause === "rejected" ? { ...f, cause: "cancelled" } : f);
  }

  doCancelTimeout(): void {
    this.ict?.terminate("no final response 64*T1 after CANCEL");
    this.finishEarly();
    this.emit("failed", { cause: "cancelled", status: 408, reason: "no final response after CANCEL (RFC 3261 §9.1)" });
  }

  private finishEarly(): void {
    for (const d of this.earlyDialogs.values()) {
      this.host.unregisterDialog(d);
      d.terminate("call attempt ended");
    }
    this.earlyDialogs.clear();
    this.dialog = undefined;
    this.finish(undefined);
  }

  noteCancel(p: SessionPayload | undefined): void {
    this.cancelHeaders = (p?.options as { headers?: readonly HeaderInit[] } | undefined)?.headers;
  }

  /** §9.1: the CANCEL, built from the INVITE as sent, to the same place, once. */
  sendCancel(): void {
    const ict = this.ict;
    if (this.cancelSent || ict === undefined || !this.provisionalSeen) return;
    this.cancelSent = true;
    const cancel = cancelFor(ict.request, this.cancelHeaders ?? []);
    this.host.transactions.sendRequest(cancel, ict.target, {
      onResponse: () => undefined,
      onTimeout: () => this.host.log.info({ callId: this.callId }, "no response to CANCEL"),
      onTransportError: (_t, e) => this.host.log.warn({ callId: this.callId, reason: e.reason }, "CANCEL not sent"),
    });
  }

  doHangup(p: SessionPayload | undefined): void {
    const dialog = this.dialog;
    if (dialog === undefined) return;
    this.sendBye(dialog, p?.options as RequestOptions | undefined, () => {
      if (this.fsm.accepts("ByeDone")) this.fsm.dispatch("ByeDone");
      this.finish({ cause: "local-bye" });
    });
  }

  doRemoteBye(p: SessionPayload | undefined): void {
    this.finish(p?.message !== undefined ? { cause: "remote-bye", request: p.message } : { cause: "remote-bye" });
  }

  protected override canModify(): boolean {
    return this.fsm.state === "Confirmed";
  }

  protected receiveBye(tx: ServerTransaction, dialog: Dialog): void {
    const bye = tx.request;
    tx.respond(buildResponse(bye, 200));
    if (dialog !== this.dialog || this.fsm.state !== "Confirmed" && this.fsm.state !== "Terminating") {
      // BYE on an early dialog (§15: the callee may end an early dialog): only that dialog ends.
      this.host.unregisterDialog(dialog);
      this.earlyDialogs.delete(dialog.id.remoteTag);
      dialog.terminate("BYE received on early dialog");
      if (this.dialog === dialog) this.dialog = undefined;
      return;
    }
    this.emit("bye", bye);
    if (this.fsm.accepts("ByeReceived")) this.fsm.dispatch("ByeReceived", { message: bye });
  }

  protected acked(ack: SipMessage, role: BodyRole): void {
    this.emit("ack", ack, role);
  }

  /** Tear down without messages (shutdown). */
  abandon(): void {
    this.ict?.terminate("shutdown");
    this.finishEarly();
    this.fsm.terminate("shutdown");
  }
}
