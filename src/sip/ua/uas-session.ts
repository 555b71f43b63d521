/**
 * The callee's side of an INVITE session, RFC 3261 §13.3 (UAS processing),
 * §12.1.1 (dialogs from responses: early with a 1xx, confirmed with the 2xx),
 * §13.3.1.4 (2xx retransmitted until ACK; BYE after 64*T1 without it),
 * §9.2 (CANCEL: 487 for the INVITE), §15 and §15.1.2 (BYE; not sent before
 * the ACK; BYE on an early dialog: 200, then 487 for the INVITE).
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
import type { SendTarget, TransportFailure } from "../transport/types.js";
import type { SessionEvent, SessionEvents, SessionPayload } from "./invite-session.js";
import { InviteSession } from "./invite-session.js";
import { bodyCarriesSession, sessionDescriptionOf } from "./session-body.js";
import type { BodyRole, ResponseOptions, SessionEnd, SessionHost } from "./session-host.js";

export type UasState = "Proceeding" | "Accepted" | "Confirmed" | "Terminating" | "Terminated";

export const uasSessionDefinition: FsmDefinition<UasState, SessionEvent> = {
  name: "SIP-UAS",
  initial: "Proceeding",
  states: {
    Proceeding: { accepts: ["Progress", "Accept", "Reject", "Cancelled", "ByeReceived"], to: ["Accepted", "Terminated"] },
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
  private deferredBye: { headers?: readonly HeaderInit[] } | undefined;
  private endCause: "local-bye" | "no-ack" = "local-bye";
  private settledHooks: (() => void)[] | undefined;

  constructor(host: SessionHost, tx: ServerTransaction, localTag: string) {
    super(host, tx.request.callId);
    this.request = tx.request;
    this.transaction = tx;
    this.localTag = localTag;
    const offer = sessionDescriptionOf(tx.request) !== undefined;
    this.bodyRole = offer ? "offer" : "none";
    if (offer) this.offerAnswer.step("receiveOffer");
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
    super.finish(end);
    // The INVITE transaction outlives the session by up to 64*T1: it must not hold it.
    if (this.transaction.user === this) this.transaction.user = undefined;
  }

  private responseTarget(): SendTarget {
    const o = this.transaction.origin;
    return { protocol: o.protocol, host: o.remoteAddress, port: o.remotePort };
  }

  /** A provisional response (180 by default; 183 with early media). Creates the early dialog (§12.1.1). */
  progress(status = 180, opts: ResponseOptions = {}): void {
    if (status < 100 || status > 199) throw new Error(`progress() takes a 1xx, not ${status}`);
    if (!this.fsm.dispatch("Progress", { status, options: opts })) throw new Error(`cannot send ${status}: the session is ${this.fsm.state}`);
  }

  /** The 2xx: with the answer when the INVITE carried an offer, else with an offer (its answer comes in the ACK). */
  accept(opts: ResponseOptions = {}): void {
    if (this.bodyRole === "offer" && !bodyCarriesSession(opts.body)) throw new Error("accept() must carry the answer to the INVITE's offer (RFC 3261 §13.2.1)");
    if (this.bodyRole === "none" && !bodyCarriesSession(opts.body)) throw new Error("accept() must carry an offer: the INVITE had none (RFC 3261 §13.2.1)");
    if (!this.fsm.dispatch("Accept", { status: 200, options: opts })) throw new Error(`cannot accept: the session is ${this.fsm.state}`);
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
    // 100 carries no tag and creates no dialog (§8.2.6.2, §12.1.1).
    if (status > 100) this.makeDialog(true);
    this.respondWith(status, p?.options, status > 100);
  }

  doAccept(p: SessionPayload | undefined): void {
    this.makeDialog(false);
    if (this.bodyRole === "offer") this.offerAnswer.step("sendAnswer");
    else this.offerAnswer.step("sendOffer");
    const response = this.respondWith(200, p?.options, true);
    this.retransmit2xx(this.transaction, response, this.request.cseq.seq);
  }

  doReject(p: SessionPayload | undefined): void {
    this.respondWith(p?.status ?? 480, p?.options, false);
    this.finish(undefined);
  }

  doCancelled(p: SessionPayload | undefined): void {
    // §9.2: the INVITE gets 487.
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
    this.deferredBye = (p?.options as { headers?: readonly HeaderInit[] } | undefined) ?? {};
  }

  doHangup(p: SessionPayload | undefined): void {
    const dialog = this.dialog;
    const headers = (p?.options as { headers?: readonly HeaderInit[] } | undefined)?.headers ?? this.deferredBye?.headers;
    if (dialog === undefined) return;
    this.sendBye(dialog, headers, () => {
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
