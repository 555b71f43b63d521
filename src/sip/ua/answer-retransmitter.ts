/**
 * The UAS core's retransmission of a 2xx to an INVITE until its ACK
 * arrives, RFC 3261 §13.3.1.4: the 2xx is passed to the transport again
 * after T1, doubling up to T2, over any transport; after 64*T1 without an
 * ACK the session is over (the owner then sends BYE). One per 2xx (the
 * initial INVITE and each re-INVITE).
 *
 *        +---------+  retransmit (T1, 2*T1 .. T2): 2xx again
 *        |         |<---+
 *  2xx ->| Waiting |----+
 *        |         |------------------------+
 *        +---------+  ACK                   | 64*T1 (Timer H value)
 *             |                             V
 *             V                        +---------+
 *        +---------+                   | Expired |
 *        |  Acked  |                   +---------+
 *        +---------+
 */
import type { Clock } from "../../core/clock.js";
import type { FsmActions, FsmDefinition } from "../../core/fsm.js";
import { FsmInstance } from "../../core/fsm.js";
import type { Logger } from "../../core/logger.js";

type State = "Waiting" | "Acked" | "Expired";
type Event = "Retransmit" | "Ack" | "TimerH";

export const answerRetransmitterDefinition: FsmDefinition<State, Event> = {
  name: "SIP-2XX",
  initial: "Waiting",
  states: {
    Waiting: { accepts: ["Retransmit", "Ack", "TimerH"], to: ["Acked", "Expired"], timer: { name: "H", expiry: "TimerH" } },
    Acked: { accepts: [], to: [], final: true },
    Expired: { accepts: [], to: [], final: true },
  },
};

class Fsm extends FsmInstance<State, Event, unknown> {
  owner: AnswerRetransmitter | undefined;
}

const actions: FsmActions<State, Event, unknown> = {
  Waiting: {
    Retransmit: (f) => (f as Fsm).owner?.retransmit(),
    Ack: (f) => f.transition("Acked"),
    TimerH: (f) => {
      f.transition("Expired");
      (f as Fsm).owner?.expired();
    },
  },
};

export class AnswerRetransmitter {
  /** CSeq number of the INVITE the 2xx answers (the ACK carries the same, §13.2.2.4). */
  readonly cseq: number;
  private readonly fsm: Fsm;
  private intervalMs: number;
  private readonly t2: number;
  private readonly resend: () => void;
  private readonly onExpired: () => void;

  constructor(a: { id: string; cseq: number; clock: Clock; log: Logger; t1: number; t2: number; h: number; resend: () => void; onExpired: () => void }) {
    this.cseq = a.cseq;
    this.intervalMs = a.t1;
    this.t2 = a.t2;
    this.resend = a.resend;
    this.onExpired = a.onExpired;
    this.fsm = new Fsm(answerRetransmitterDefinition, { id: a.id, clock: a.clock, log: a.log, timers: { H: a.h }, actions });
    this.fsm.owner = this;
    this.fsm.startTimer("G", "Retransmit", this.intervalMs);
  }

  get waiting(): boolean {
    return this.fsm.state === "Waiting" && !this.fsm.isTerminated;
  }

  /** The ACK arrived: stop. */
  acked(): void {
    if (this.fsm.accepts("Ack")) this.fsm.dispatch("Ack");
  }

  /** Stop without an outcome (the session ended otherwise). */
  cancel(): void {
    this.fsm.terminate("session ended");
  }

  retransmit(): void {
    this.resend();
    this.intervalMs = Math.min(2 * this.intervalMs, this.t2);
    this.fsm.startTimer("G", "Retransmit", this.intervalMs);
  }

  expired(): void {
    this.onExpired();
  }
}
