/**
 * The INVITE server transaction, RFC 3261 §17.2.1 as changed by RFC 6026
 * §7.1 and Figure 5 (the Accepted state, Timer L, and transport errors that
 * no longer destroy the transaction), with §17.2.4 (transport errors
 * reported to the TU) and §17.2.1's 100 Trying when the TU has not answered
 * within 200 ms.
 *
 *                                     |INVITE
 *                                     |pass INV to TU
 *            INVITE                   V send 100 if TU won't in 200 ms
 *            send response+------------+
 *                +--------|            |--------+ 101-199 from TU
 *                |        |            |        | send response
 *                +------->|            |<-------+
 *                         | Proceeding |
 *                         |            |--------+ Transport Err.
 *                         |            |        | Inform TU
 *                         |            |<-------+
 *                         +------------+
 *            300-699 from TU |    |2xx from TU
 *            send response   |    |send response
 *             +--------------+    +------------+
 *             |                                |
 *    INVITE   V          Timer G fires         |
 *    send +-----------+  send response         |
 *    resp.|           |--------+               |
 *    +----| Completed |        |               |
 *    |    |           |<-------+               |
 *    +--->+-----------+                        V
 *          |  |  |  ^  Transport Err.   +-----------+ INVITE: -
 *          |  |  |  +--Inform TU        |           |-------+
 *          |  |  |                      | Accepted  |<------+
 *          |  |  |ACK                   |           | 2xx from TU
 *          |  |  |-                     |           | send response
 *          |  |  V                      |           | ACK: to TU
 *          |  | +-----------+           |           | Transport Err.
 *          |  | |           |           |           | Inform TU
 *          |  | | Confirmed |           +-----------+
 *          |  | |           |                  |
 *          |  | +-----------+                  |
 *          |  |    |  ^ ACK, INVITE: -         |
 *          |  |    +--+                        |
 *          |  |    | Timer I fires             | Timer L fires
 *          |  |    | -                         | -
 *   Timer H|  |    V                           |
 *   fires, |  |  +------------+                |
 *   inform |  +->|            |<---------------+
 *   TU     |     | Terminated |
 *          +---->|            |
 *                +------------+
 *
 * Timer G runs only over unreliable transports (T1 doubling to T2); Timer I
 * is T4 over UDP and 0 over reliable transports.
 */
import type { FsmActions, FsmDefinition } from "../../core/fsm.js";
import type { SipMessage } from "../syntax/message.js";
import type { Origin, OutboundResponse, SendOutcome, TransportFailure } from "../transport/types.js";
import type { TransactionContext } from "./context.js";
import { OwnedFsm, detach, timersFor } from "./context.js";
import { buildResponse } from "./messages.js";
import type { ServerTransaction, ServerTransactionState, ServerTransactionUser } from "./types.js";

export type IstState = "Proceeding" | "Completed" | "Confirmed" | "Accepted" | "Terminated";
export type IstEvent = "INVITE" | "ACK" | "1xx" | "2xx" | "300-699" | "Trying" | "TimerG" | "TimerH" | "TimerI" | "TimerL" | "TransportError";

interface IstPayload {
  readonly message?: SipMessage;
  readonly error?: TransportFailure;
}

/** §17.2.1: the TU has 200 ms to send a provisional or final response before the transaction sends 100. */
export const TRYING_DELAY_MS = 200;

export const istDefinition: FsmDefinition<IstState, IstEvent> = {
  name: "SIP-IST",
  initial: "Proceeding",
  states: {
    Proceeding: { accepts: ["INVITE", "1xx", "2xx", "300-699", "Trying", "TransportError"], to: ["Completed", "Accepted"] },
    Completed: { accepts: ["INVITE", "ACK", "TimerG", "TimerH", "TransportError"], to: ["Confirmed", "Terminated"], timer: { name: "H", expiry: "TimerH" } },
    Confirmed: { accepts: ["INVITE", "ACK", "TimerI"], to: ["Terminated"], timer: { name: "I", expiry: "TimerI" } },
    Accepted: { accepts: ["INVITE", "ACK", "2xx", "TimerL", "TransportError"], to: ["Terminated"], timer: { name: "L", expiry: "TimerL" } },
    Terminated: { accepts: [], to: [], final: true },
  },
};

type Fsm = OwnedFsm<IstState, IstEvent, IstPayload, InviteServerTransaction>;

const ownerTerminated = (f: unknown): void => (f as Fsm).owner.terminated();

const actions: FsmActions<IstState, IstEvent, IstPayload> = {
  Proceeding: {
    INVITE: (f) => (f as Fsm).owner.resendLast(),
    Trying: (f) => (f as Fsm).owner.sendTrying(),
    "1xx": (f, p) => {
      f.stopTimer("Trying");
      (f as Fsm).owner.send(p);
    },
    "2xx": (f, p) => {
      f.stopTimer("Trying");
      (f as Fsm).owner.send(p);
      f.transition("Accepted");
    },
    "300-699": (f, p) => {
      const tx = (f as Fsm).owner;
      f.stopTimer("Trying");
      tx.send(p);
      f.transition("Completed");
      tx.startG();
    },
    TransportError: (f, p) => (f as Fsm).owner.transportError(p),
  },
  Completed: {
    INVITE: (f) => (f as Fsm).owner.resendLast(),
    ACK: (f) => {
      f.stopTimer("G");
      f.transition("Confirmed");
    },
    TimerG: (f) => (f as Fsm).owner.retransmitG(),
    TimerH: (f) => {
      const tx = (f as Fsm).owner;
      f.stopTimer("G");
      tx.user?.onTimeout?.(tx);
      f.transition("Terminated");
    },
    TransportError: (f, p) => (f as Fsm).owner.transportError(p),
  },
  Confirmed: {
    INVITE: () => undefined,
    ACK: () => undefined,
    TimerI: (f) => f.transition("Terminated"),
  },
  Accepted: {
    // RFC 6026 §7.1: retransmitted INVITEs are absorbed; 2xx retransmissions come from the TU; ACKs go up.
    INVITE: () => undefined,
    "2xx": (f, p) => {
      const tx = (f as Fsm).owner;
      if (p?.message !== undefined) tx.send(p);
      else tx.resendLast();
    },
    ACK: (f, p) => {
      const tx = (f as Fsm).owner;
      if (p?.message !== undefined) tx.user?.onAck?.(p.message, tx);
    },
    TimerL: (f) => f.transition("Terminated"),
    TransportError: (f, p) => (f as Fsm).owner.transportError(p),
  },
};

export class InviteServerTransaction implements ServerTransaction {
  readonly kind = "ist" as const;
  readonly origin: Origin;
  readonly requestToTag: string | undefined;
  /** Matching (§17.2.3): RFC 2543 key or branch, method, sent-by. */
  readonly legacy: boolean;
  readonly method: string;
  readonly sentByHost: string;
  readonly sentByPort: number | undefined;
  /** Matching key in the transaction layer. */
  readonly key: string;
  user: ServerTransactionUser | undefined;
  toTag: string | undefined;
  finalSent = false;
  private readonly ctx: TransactionContext;
  private readonly fsm: Fsm;
  private last: OutboundResponse | undefined;
  private req: SipMessage | undefined;
  private gMs: number;
  private readonly t2: number;

  constructor(ctx: TransactionContext, request: SipMessage, origin: Origin, key: string, id: string, legacy: boolean) {
    this.ctx = ctx;
    this.req = request;
    this.requestToTag = request.to.tag === undefined ? undefined : detach(request.to.tag);
    this.origin = origin;
    this.key = detach(key);
    this.legacy = legacy;
    this.method = request.method;
    const top = request.via[0];
    this.sentByHost = top === undefined ? "" : detach(top.host.toLowerCase());
    this.sentByPort = top?.port;
    const timers = timersFor(ctx, origin.protocol);
    this.gMs = timers.G;
    this.t2 = timers.T2;
    this.fsm = new OwnedFsm(istDefinition, { id: id === key ? this.key : detach(id), clock: ctx.clock, log: ctx.log, timers, actions, onTerminate: ownerTerminated }, this);
  }

  /**
   * §17.2.1: unless the TU has already answered (as it usually does at once,
   * within the call that handed it the INVITE), send 100 after 200 ms.
   */
  armTrying(): void {
    if (this.last === undefined && this.fsm.state === "Proceeding") this.fsm.startTimer("Trying", "Trying", TRYING_DELAY_MS);
  }

  get request(): SipMessage {
    if (this.req === undefined) throw new Error(`${this.kind.toUpperCase()} ${this.key}: the request is released once the final response is sent`);
    return this.req;
  }

  /** Send the last response again (in Accepted: the TU's 2xx retransmission, RFC 6026 §7.1). */
  retransmit(): void {
    if (this.fsm.state === "Accepted" && this.fsm.accepts("2xx")) this.fsm.dispatch("2xx");
    else this.resendLast();
  }

  /** The transport's report on a send (§17.1.4, §17.2.4). */
  sendOutcome(o: SendOutcome): void {
    if (!o.ok && this.fsm.accepts("TransportError")) this.fsm.dispatch("TransportError", { error: o.error });
  }

  get state(): ServerTransactionState {
    return this.fsm.state;
  }

  respond(response: SipMessage): void {
    const status = response.status;
    if (status === undefined) throw new Error("respond() takes a response");
    const ev: IstEvent = status < 200 ? "1xx" : status < 300 ? "2xx" : "300-699";
    if (!this.fsm.accepts(ev)) throw new Error(`INVITE server transaction ${this.fsm.id} in ${this.fsm.state} cannot send a ${status} (RFC 3261 §17.2.1)`);
    this.fsm.dispatch(ev, { message: response });
  }

  /** Whether a response of this class can still be sent. */
  canRespond(status: number): boolean {
    return this.fsm.accepts(status < 200 ? "1xx" : status < 300 ? "2xx" : "300-699");
  }

  /** A retransmission of the INVITE matched this transaction (§17.2.3). */
  receiveInvite(): void {
    if (this.fsm.accepts("INVITE")) this.fsm.dispatch("INVITE");
  }

  /** An ACK matched this transaction (§17.2.3; RFC 6026 §6 for RFC 2543 ACKs in Accepted). */
  receiveAck(ack: SipMessage): void {
    if (this.fsm.accepts("ACK")) this.fsm.dispatch("ACK", { message: ack });
  }

  send(p: IstPayload | undefined): void {
    const m = p?.message;
    if (m === undefined) return;
    if (m.to.tag !== undefined) this.toTag = m.to.tag;
    this.last = this.ctx.transport.sendResponse(m, this.origin, this);
    if ((m.status ?? 0) >= 200) {
      this.finalSent = true;
      // From here on only the octets of the final response are needed (retransmissions).
      this.req = undefined;
    }
  }

  sendTrying(): void {
    this.send({ message: buildResponse(this.request, 100) });
  }

  resendLast(): void {
    if (this.last !== undefined) this.ctx.transport.resendResponse(this.last, this);
  }

  startG(): void {
    if (this.origin.protocol === "udp") this.fsm.startTimer("G", "TimerG", this.gMs);
  }

  /** §17.2.1: G doubles up to T2. */
  retransmitG(): void {
    this.resendLast();
    this.gMs = Math.min(2 * this.gMs, this.t2);
    this.fsm.startTimer("G", "TimerG", this.gMs);
  }

  /** RFC 6026 §7.1: a transport error does not end the transaction; the TU hears of it. */
  transportError(p: IstPayload | undefined): void {
    if (p?.error !== undefined) this.user?.onTransportError?.(this, p.error);
  }

  terminate(cause: string): void {
    this.fsm.terminate(cause);
  }

  /** Called once when the state machine ends. */
  terminated(): void {
    this.ctx.forget(this);
    this.user?.onTerminated?.(this);
  }
}
