/**
 * The non-INVITE server transaction, RFC 3261 §17.2.2 (Figure 8), with
 * §17.2.4 (transport errors reported to the TU).
 *
 *                                   |Request received
 *                                   |pass to TU
 *                                   V
 *                             +-----------+
 *                             |           |
 *                             | Trying    |-------------+
 *                             |           |             |
 *                             +-----------+             |200-699 from TU
 *                                   |                   |send response
 *                                   |1xx from TU        |
 *                                   |send response      |
 *                                   |                   |
 *                Request            V      1xx from TU  |
 *                send response+-----------+send response|
 *                    +--------|           |--------+    |
 *                    |        | Proceeding|        |    |
 *                    +------->|           |<-------+    |
 *             +<--------------|           |             |
 *             |Trnsprt Err    +-----------+             |
 *             |Inform TU            |                   |
 *             |                     |                   |
 *             |                     |200-699 from TU    |
 *             |                     |send response      |
 *             |  Request            V                   |
 *             |  send response+-----------+             |
 *             |      +--------|           |             |
 *             |      |        | Completed |<------------+
 *             |      +------->|           |
 *             +<--------------|           |
 *             |Trnsprt Err    +-----------+
 *             |Inform TU            |
 *             |                     |Timer J fires
 *             |                     |-
 *             |                     |
 *             |                     V
 *             |               +-----------+
 *             |               |           |
 *             +-------------->| Terminated|
 *                             |           |
 *                             +-----------+
 *
 * Timer J is 64*T1 over UDP and 0 over reliable transports.
 */
import type { FsmActions, FsmDefinition } from "../../core/fsm.js";
import type { SipMessage } from "../syntax/message.js";
import type { Origin, OutboundResponse, SendOutcome, TransportFailure } from "../transport/types.js";
import type { TransactionContext } from "./context.js";
import { OwnedFsm, detach, timersFor } from "./context.js";
import type { ServerTransaction, ServerTransactionState, ServerTransactionUser } from "./types.js";

export type NistState = "Trying" | "Proceeding" | "Completed" | "Terminated";
export type NistEvent = "Request" | "1xx" | "200-699" | "TimerJ" | "TransportError";

interface NistPayload {
  readonly message?: SipMessage;
  readonly error?: TransportFailure;
}

export const nistDefinition: FsmDefinition<NistState, NistEvent> = {
  name: "SIP-NIST",
  initial: "Trying",
  states: {
    Trying: { accepts: ["Request", "1xx", "200-699"], to: ["Proceeding", "Completed"] },
    Proceeding: { accepts: ["Request", "1xx", "200-699", "TransportError"], to: ["Completed", "Terminated"] },
    Completed: { accepts: ["Request", "TimerJ", "TransportError"], to: ["Terminated"], timer: { name: "J", expiry: "TimerJ" } },
    Terminated: { accepts: [], to: [], final: true },
  },
};

type Fsm = OwnedFsm<NistState, NistEvent, NistPayload, NonInviteServerTransaction>;

function failed(f: Fsm, p: NistPayload | undefined): void {
  if (p?.error !== undefined) f.owner.user?.onTransportError?.(f.owner, p.error);
  f.transition("Terminated");
}

const ownerTerminated = (f: unknown): void => (f as Fsm).owner.terminated();

const actions: FsmActions<NistState, NistEvent, NistPayload> = {
  Trying: {
    // §17.2.2: retransmissions in Trying are discarded.
    Request: () => undefined,
    "1xx": (f, p) => {
      (f as Fsm).owner.send(p);
      f.transition("Proceeding");
    },
    "200-699": (f, p) => {
      (f as Fsm).owner.send(p);
      f.transition("Completed");
    },
  },
  Proceeding: {
    Request: (f) => (f as Fsm).owner.resendLast(),
    "1xx": (f, p) => (f as Fsm).owner.send(p),
    "200-699": (f, p) => {
      (f as Fsm).owner.send(p);
      f.transition("Completed");
    },
    TransportError: (f, p) => failed(f as Fsm, p),
  },
  Completed: {
    Request: (f) => (f as Fsm).owner.resendLast(),
    TimerJ: (f) => f.transition("Terminated"),
    TransportError: (f, p) => failed(f as Fsm, p),
  },
};

export class NonInviteServerTransaction implements ServerTransaction {
  readonly kind = "nist" as const;
  readonly origin: Origin;
  readonly requestToTag: string | undefined;
  /** Matching (§17.2.3): RFC 2543 key or branch, method, sent-by. */
  readonly legacy: boolean;
  readonly method: string;
  readonly sentByHost: string;
  readonly sentByPort: number | undefined;
  readonly key: string;
  user: ServerTransactionUser | undefined;
  toTag: string | undefined;
  finalSent = false;
  private readonly ctx: TransactionContext;
  private readonly fsm: Fsm;
  private last: OutboundResponse | undefined;
  private req: SipMessage | undefined;

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
    this.fsm = new OwnedFsm(nistDefinition, { id: id === key ? this.key : detach(id), clock: ctx.clock, log: ctx.log, timers: timersFor(ctx, origin.protocol), actions, onTerminate: ownerTerminated }, this);
  }

  get request(): SipMessage {
    if (this.req === undefined) throw new Error(`${this.kind.toUpperCase()} ${this.key}: the request is released once the final response is sent`);
    return this.req;
  }

  /** Send the last response again. */
  retransmit(): void {
    this.resendLast();
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
    const ev: NistEvent = status < 200 ? "1xx" : "200-699";
    if (!this.fsm.accepts(ev)) throw new Error(`non-INVITE server transaction ${this.fsm.id} in ${this.fsm.state} cannot send a ${status} (RFC 3261 §17.2.2)`);
    this.fsm.dispatch(ev, { message: response });
  }

  canRespond(status: number): boolean {
    return this.fsm.accepts(status < 200 ? "1xx" : "200-699");
  }

  /** A retransmission of the request matched this transaction (§17.2.3). */
  receiveRequest(): void {
    if (this.fsm.accepts("Request")) this.fsm.dispatch("Request");
  }

  send(p: NistPayload | undefined): void {
    const m = p?.message;
    if (m === undefined) return;
    if (m.to.tag !== undefined) this.toTag = m.to.tag;
    this.last = this.ctx.transport.sendResponse(m, this.origin, this);
    if ((m.status ?? 0) >= 200) {
      this.finalSent = true;
      this.req = undefined;
    }
  }

  resendLast(): void {
    if (this.last !== undefined) this.ctx.transport.resendResponse(this.last, this);
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
