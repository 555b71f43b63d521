/**
 * The non-INVITE client transaction, RFC 3261 §17.1.2 (Figure 6), with
 * §17.1.4 / §8.1.3.1 (transport errors reported to the TU).
 *
 *                                   |Request from TU
 *                                   |send request
 *               Timer E             V
 *               send request  +-----------+
 *                   +---------|           |-------------------+
 *                   |         |  Trying   |  Timer F          |
 *                   +-------->|           |  or Transport Err.|
 *                             +-----------+  inform TU        |
 *                200-699         |  |                         |
 *                resp. to TU     |  |1xx                      |
 *                +---------------+  |resp. to TU              |
 *                |                  |                         |
 *                |   Timer E        V       Timer F           |
 *                |   send req +-----------+ or Transport Err. |
 *                |  +---------|           | inform TU         |
 *                |  |         |Proceeding |------------------>|
 *                |  +-------->|           |-----+             |
 *                |            +-----------+     |1xx          |
 *                |              |      ^        |resp to TU   |
 *                | 200-699      |      +--------+             |
 *                | resp. to TU  |                             |
 *                |              |                             |
 *                |              V                             |
 *                |            +-----------+                   |
 *                |            |           |                   |
 *                |            | Completed |                   |
 *                |            |           |                   |
 *                |            +-----------+                   |
 *                |              ^   |                         |
 *                |              |   | Timer K                 |
 *                +--------------+   | -                       |
 *                                   |                         |
 *                                   V                         |
 *             NOTE:           +-----------+                   |
 *                             |           |                   |
 *         transitions         | Terminated|<------------------+
 *         labeled with        |           |
 *         the event           +-----------+
 *         over the action
 *         to take
 *
 * Timer E runs only over unreliable transports: T1 doubling to T2 in Trying,
 * T2 in Proceeding. Timer F runs across Trying and Proceeding. Timer K is T4
 * over UDP and 0 over reliable transports.
 */
import type { FsmActions, FsmDefinition } from "../../core/fsm.js";
import type { SipMessage } from "../syntax/message.js";
import type { OutboundRequest, SendOutcome, SendTarget, TransportFailure } from "../transport/types.js";
import type { TransactionContext } from "./context.js";
import { OwnedFsm, timersFor } from "./context.js";
import type { ClientTransaction, ClientTransactionState, ClientTransactionUser } from "./types.js";

export type NictState = "Trying" | "Proceeding" | "Completed" | "Terminated";
export type NictEvent = "1xx" | "200-699" | "TimerE" | "TimerF" | "TimerK" | "TransportError";

interface NictPayload {
  readonly response?: SipMessage;
  readonly error?: TransportFailure;
}

export const nictDefinition: FsmDefinition<NictState, NictEvent> = {
  name: "SIP-NICT",
  initial: "Trying",
  states: {
    Trying: { accepts: ["1xx", "200-699", "TimerE", "TimerF", "TransportError"], to: ["Proceeding", "Completed", "Terminated"] },
    Proceeding: { accepts: ["1xx", "200-699", "TimerE", "TimerF", "TransportError"], to: ["Completed", "Terminated"] },
    Completed: { accepts: ["200-699", "TimerK"], to: ["Terminated"], timer: { name: "K", expiry: "TimerK" } },
    Terminated: { accepts: [], to: [], final: true },
  },
};

type Fsm = OwnedFsm<NictState, NictEvent, NictPayload, NonInviteClientTransaction>;

function final(f: Fsm, p: NictPayload | undefined): void {
  f.stopTimer("E");
  f.stopTimer("F");
  f.transition("Completed");
  f.owner.up(p);
}

function timeout(f: Fsm): void {
  f.stopTimer("E");
  f.owner.user.onTimeout(f.owner);
  f.transition("Terminated");
}

const ownerTerminated = (f: unknown): void => (f as Fsm).owner.terminated();

const actions: FsmActions<NictState, NictEvent, NictPayload> = {
  Trying: {
    TimerE: (f) => (f as Fsm).owner.retransmit(false),
    "1xx": (f, p) => {
      f.transition("Proceeding");
      (f as Fsm).owner.up(p);
    },
    "200-699": (f, p) => final(f as Fsm, p),
    TimerF: (f) => timeout(f as Fsm),
    TransportError: (f, p) => (f as Fsm).owner.failed(p),
  },
  Proceeding: {
    TimerE: (f) => (f as Fsm).owner.retransmit(true),
    "1xx": (f, p) => (f as Fsm).owner.up(p),
    "200-699": (f, p) => final(f as Fsm, p),
    TimerF: (f) => timeout(f as Fsm),
    TransportError: (f, p) => (f as Fsm).owner.failed(p),
  },
  Completed: {
    // Retransmitted final responses are absorbed (§17.1.2.2).
    "200-699": () => undefined,
    TimerK: (f) => f.transition("Terminated"),
  },
};

export class NonInviteClientTransaction implements ClientTransaction {
  readonly kind = "nict" as const;
  readonly branch: string;
  readonly user: ClientTransactionUser;
  private readonly ctx: TransactionContext;
  private readonly sent: OutboundRequest;
  private readonly fsm: Fsm;
  private eMs: number;
  private readonly t2: number;

  constructor(ctx: TransactionContext, request: SipMessage, target: SendTarget, user: ClientTransactionUser) {
    const branch = request.branch;
    if (branch === undefined) throw new Error("non-INVITE client transaction: the request has no Via branch");
    if (request.method === "ACK") throw new Error("ACK is not sent in a client transaction (RFC 3261 §17)");
    this.ctx = ctx;
    this.branch = branch;
    this.user = user;
    this.sent = ctx.transport.sendRequest(request, target, this);
    const timers = timersFor(ctx, this.sent.target.protocol);
    this.eMs = timers.E;
    this.t2 = timers.T2;
    this.fsm = new OwnedFsm(nictDefinition, { id: branch, clock: ctx.clock, log: ctx.log, timers, actions, onTerminate: ownerTerminated }, this);
    this.fsm.startTimer("F", "TimerF", timers.F);
    if (this.sent.target.protocol === "udp") this.fsm.startTimer("E", "TimerE", this.eMs);
  }

  /** The transport's report on a send (§17.1.4, §17.2.4). */
  sendOutcome(o: SendOutcome): void {
    if (!o.ok && this.fsm.accepts("TransportError")) this.fsm.dispatch("TransportError", { error: o.error });
  }

  get request(): SipMessage {
    return this.sent.message;
  }

  get method(): string {
    return this.sent.message.method;
  }

  get target(): SendTarget {
    return this.sent.target;
  }

  get state(): ClientTransactionState {
    return this.fsm.state;
  }

  receiveResponse(response: SipMessage): void {
    const ev: NictEvent = (response.status ?? 0) < 200 ? "1xx" : "200-699";
    if (this.fsm.accepts(ev)) this.fsm.dispatch(ev, { response });
  }

  terminate(cause: string): void {
    this.fsm.terminate(cause);
  }

  /** §17.1.2.2: E doubles up to T2 in Trying; in Proceeding it is T2. */
  retransmit(proceeding: boolean): void {
    this.ctx.transport.resendRequest(this.sent, this);
    this.eMs = proceeding ? this.t2 : Math.min(2 * this.eMs, this.t2);
    this.fsm.startTimer("E", "TimerE", this.eMs);
  }

  up(p: NictPayload | undefined): void {
    if (p?.response !== undefined) this.user.onResponse(p.response, this);
  }

  failed(p: NictPayload | undefined): void {
    this.fsm.stopTimer("E");
    this.fsm.stopTimer("F");
    if (p?.error !== undefined) this.user.onTransportError(this, p.error);
    this.fsm.transition("Terminated");
  }

  /** Called once when the state machine ends. */
  terminated(): void {
    this.ctx.forget(this);
    this.user.onTerminated?.(this);
  }
}
