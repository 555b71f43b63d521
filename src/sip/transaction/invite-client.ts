/**
 * The INVITE client transaction, RFC 3261 §17.1.1 as changed by RFC 6026
 * §7.2 (the Accepted state and Timer M), with §17.1.1.3 (the ACK for a
 * non-2xx final response is built and sent here) and §17.1.4 / §8.1.3.1
 * (transport errors reported to the TU).
 *
 *                               |INVITE from TU
 *             Timer A fires     |INVITE sent       Timer B fires
 *             Reset A,          V                  or Transport Err.
 *             INVITE sent +-----------+            inform TU
 *               +---------|           |---------------------------+
 *               |         |  Calling  |                           |
 *               +-------->|           |--------------+            |
 *                         +-----------+ 2xx          |            |
 *                            |  |       2xx to TU    |            |
 *                            |  |1xx                 |            |
 *    300-699 +---------------+  |1xx to TU           |            |
 *   ACK sent |                  |                    |            |
 * resp. to TU|  1xx             V                    |            |
 *            |  1xx to TU +-----------+              |            |
 *            |  +---------|           |              |            |
 *            |  |         |Proceeding |              |            |
 *            |  +-------->|           |              |            |
 *            |            +-----------+ 2xx          |            |
 *            |   300-699     |    2xx to TU          |            |
 *            |   ACK sent,   |                       |            |
 *            |   resp. to TU |                       |            |
 *            |               |                       V            |
 *            |               |                 +-----------+      |
 *            V               V                 |           |      |
 *         +-----------+                        | Accepted  |<-+   |
 *         |           |<--+ 300-699            |           |  |2xx|
 *         | Completed |   | ACK sent           +-----------+--+to TU
 *         |           |---+                          |            |
 *         +-----------+                              |Timer M     |
 *           |       |Transport Err.                  |fires       |
 *   Timer D |       |inform TU                       |            |
 *   fires   |       |                                |            |
 *           V       V                                V            |
 *         +---------------------------------------------+         |
 *         |                  Terminated                 |<--------+
 *         +---------------------------------------------+
 *
 * Timer A runs only over unreliable transports (T1, doubling, no cap);
 * Timer D is 32 s over UDP and 0 over reliable transports.
 */
import type { FsmActions, FsmDefinition } from "../../core/fsm.js";
import type { SipMessage } from "../syntax/message.js";
import type { OutboundRequest, SendOutcome, SendTarget, TransportFailure } from "../transport/types.js";
import type { TransactionContext } from "./context.js";
import { OwnedFsm, timersFor } from "./context.js";
import { ackForNon2xx } from "./messages.js";
import type { ClientTransaction, ClientTransactionState, ClientTransactionUser } from "./types.js";

export type IctState = "Calling" | "Proceeding" | "Completed" | "Accepted" | "Terminated";
export type IctEvent = "1xx" | "2xx" | "300-699" | "TimerA" | "TimerB" | "TimerD" | "TimerM" | "TransportError";

interface IctPayload {
  readonly response?: SipMessage;
  readonly error?: TransportFailure;
}

export const ictDefinition: FsmDefinition<IctState, IctEvent> = {
  name: "SIP-ICT",
  initial: "Calling",
  states: {
    Calling: { accepts: ["1xx", "2xx", "300-699", "TimerA", "TimerB", "TransportError"], to: ["Proceeding", "Completed", "Accepted", "Terminated"], timer: { name: "B", expiry: "TimerB" } },
    Proceeding: { accepts: ["1xx", "2xx", "300-699", "TransportError"], to: ["Completed", "Accepted", "Terminated"] },
    Completed: { accepts: ["300-699", "TimerD", "TransportError"], to: ["Terminated"], timer: { name: "D", expiry: "TimerD" } },
    Accepted: { accepts: ["2xx", "TimerM"], to: ["Terminated"], timer: { name: "M", expiry: "TimerM" } },
    Terminated: { accepts: [], to: [], final: true },
  },
};

type Fsm = OwnedFsm<IctState, IctEvent, IctPayload, InviteClientTransaction>;

const ownerTerminated = (f: unknown): void => (f as Fsm).owner.terminated();

const actions: FsmActions<IctState, IctEvent, IctPayload> = {
  Calling: {
    TimerA: (f) => (f as Fsm).owner.retransmit(),
    "1xx": (f, p) => {
      const tx = (f as Fsm).owner;
      f.stopTimer("A");
      f.transition("Proceeding");
      tx.up(p);
    },
    "2xx": (f, p) => {
      f.stopTimer("A");
      f.transition("Accepted");
      (f as Fsm).owner.up(p);
    },
    "300-699": (f, p) => {
      const tx = (f as Fsm).owner;
      f.stopTimer("A");
      tx.sendAck(p);
      f.transition("Completed");
      tx.up(p);
    },
    TimerB: (f) => {
      const tx = (f as Fsm).owner;
      f.stopTimer("A");
      tx.user.onTimeout(tx);
      f.transition("Terminated");
    },
    TransportError: (f, p) => (f as Fsm).owner.failed(p),
  },
  Proceeding: {
    "1xx": (f, p) => (f as Fsm).owner.up(p),
    "2xx": (f, p) => {
      f.transition("Accepted");
      (f as Fsm).owner.up(p);
    },
    "300-699": (f, p) => {
      const tx = (f as Fsm).owner;
      tx.sendAck(p);
      f.transition("Completed");
      tx.up(p);
    },
    TransportError: (f, p) => (f as Fsm).owner.failed(p),
  },
  Completed: {
    // A retransmitted final response: the same ACK again, nothing to the TU (§17.1.1.2).
    "300-699": (f) => (f as Fsm).owner.resendAck(),
    TimerD: (f) => f.transition("Terminated"),
    TransportError: (f, p) => (f as Fsm).owner.failed(p),
  },
  Accepted: {
    // RFC 6026 §7.2: every 2xx (retransmission or another fork) goes to the TU, which ACKs it.
    "2xx": (f, p) => (f as Fsm).owner.up(p),
    TimerM: (f) => f.transition("Terminated"),
  },
};

export class InviteClientTransaction implements ClientTransaction {
  readonly kind = "ict" as const;
  readonly branch: string;
  readonly user: ClientTransactionUser;
  private readonly ctx: TransactionContext;
  private sent: OutboundRequest | undefined;
  private readonly sentTarget: SendTarget;
  private readonly fsm: Fsm;
  private aMs: number;
  private ack: OutboundRequest | undefined;

  constructor(ctx: TransactionContext, request: SipMessage, target: SendTarget, user: ClientTransactionUser) {
    const branch = request.branch;
    if (branch === undefined) throw new Error("INVITE client transaction: the request has no Via branch");
    this.ctx = ctx;
    this.branch = branch;
    this.user = user;
    const sent = ctx.transport.sendRequest(request, target, this);
    this.sent = sent;
    this.sentTarget = sent.target;
    const timers = timersFor(ctx, sent.target.protocol);
    this.aMs = timers.A;
    this.fsm = new OwnedFsm(
      ictDefinition,
      { id: branch, clock: ctx.clock, log: ctx.log, timers, actions, onTerminate: ownerTerminated },
      this,
    );
    // §17.1.1.2: Timer A only over unreliable transports.
    if (sent.target.protocol === "udp") this.fsm.startTimer("A", "TimerA", this.aMs);
  }

  /** The transport's report on a send (§17.1.4, §17.2.4). */
  sendOutcome(o: SendOutcome): void {
    if (!o.ok && this.fsm.accepts("TransportError")) this.fsm.dispatch("TransportError", { error: o.error });
  }

  /** The INVITE as sent, until a final response arrives (then released: only the ACK is kept). */
  get request(): SipMessage {
    if (this.sent === undefined) throw new Error(`ICT ${this.branch}: the request is released once a final response arrived`);
    return this.sent.message;
  }

  readonly method = "INVITE";

  get target(): SendTarget {
    return this.sentTarget;
  }

  get state(): ClientTransactionState {
    return this.fsm.state;
  }

  /** A response matched to this transaction (§17.1.3). */
  receiveResponse(response: SipMessage): void {
    const status = response.status ?? 0;
    const ev: IctEvent = status < 200 ? "1xx" : status < 300 ? "2xx" : "300-699";
    // Late provisional responses and the like are dropped quietly: they are normal on a network.
    if (this.fsm.accepts(ev)) this.fsm.dispatch(ev, { response });
  }

  terminate(cause: string): void {
    this.fsm.terminate(cause);
  }

  retransmit(): void {
    if (this.sent === undefined) return;
    this.ctx.transport.resendRequest(this.sent, this);
    // §17.1.1.2: Timer A doubles each time, without a cap.
    this.aMs *= 2;
    this.fsm.startTimer("A", "TimerA", this.aMs);
  }

  up(p: IctPayload | undefined): void {
    // A final response: the INVITE is no longer needed (its ACK, if any, is built).
    if ((p?.response?.status ?? 0) >= 200) this.sent = undefined;
    if (p?.response !== undefined) this.user.onResponse(p.response, this);
  }

  failed(p: IctPayload | undefined): void {
    this.fsm.stopTimer("A");
    if (p?.error !== undefined) this.user.onTransportError(this, p.error);
    this.fsm.transition("Terminated");
  }

  /** §17.1.1.3: the ACK goes where the INVITE went. */
  sendAck(p: IctPayload | undefined): void {
    if (p?.response === undefined || this.sent === undefined) return;
    const ack = ackForNon2xx(this.sent.message, p.response);
    this.ack = this.ctx.transport.sendRequest(ack, this.sentTarget, this);
  }

  resendAck(): void {
    if (this.ack !== undefined) this.ctx.transport.resendRequest(this.ack, this);
  }

  /** Called once when the state machine ends. */
  terminated(): void {
    this.ctx.forget(this);
    this.user.onTerminated?.(this);
  }
}
