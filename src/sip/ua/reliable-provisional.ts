/**
 * The UAS core's retransmission of a reliable provisional response until
 * its PRACK, RFC 3262 §3: passed to the transaction layer again after T1,
 * the interval doubling each time without the T2 cap of 2xx
 * retransmissions; after 64*T1 without a PRACK the owner rejects the INVITE
 * with a 5xx. One instance per reliable 1xx in flight (the UAS core keeps
 * at most one unacknowledged, §3).
 *
 *        +---------+  retransmit (T1, 2*T1, 4*T1 ...): the 1xx again
 *        |         |<---+
 *  1xx ->| Waiting |----+
 *        |         |-----------------------------+
 *        +---------+  PRACK / final sent         | 64*T1
 *             |                                  V
 *             V                             +---------+
 *        +---------+                        | GaveUp  |
 *        | Stopped |                        +---------+
 *        +---------+
 */
import type { Clock } from "../../core/clock.js";
import type { FsmActions, FsmDefinition } from "../../core/fsm.js";
import { FsmInstance } from "../../core/fsm.js";
import type { Logger } from "../../core/logger.js";
import type { SipMessage } from "../syntax/message.js";

type State = "Waiting" | "Stopped" | "GaveUp";
type Event = "Retransmit" | "Stop" | "GiveUp";

export const reliableProvisionalDefinition: FsmDefinition<State, Event> = {
  name: "SIP-100REL",
  initial: "Waiting",
  states: {
    Waiting: { accepts: ["Retransmit", "Stop", "GiveUp"], to: ["Stopped", "GaveUp"], timer: { name: "GiveUp", expiry: "GiveUp" } },
    Stopped: { accepts: [], to: [], final: true },
    GaveUp: { accepts: [], to: [], final: true },
  },
};

class Fsm extends FsmInstance<State, Event, unknown> {
  owner: ReliableProvisional | undefined;
}

const actions: FsmActions<State, Event, unknown> = {
  Waiting: {
    Retransmit: (f) => (f as Fsm).owner?.retransmit(),
    Stop: (f) => f.transition("Stopped"),
    GiveUp: (f) => {
      f.transition("GaveUp");
      (f as Fsm).owner?.gaveUp();
    },
  },
};

/** One reliable provisional response: its RSeq, the response as sent, and its retransmissions. */
export class ReliableProvisional {
  readonly rseq: number;
  readonly response: SipMessage;
  /** It carries a session description (RFC 3262 §5: the 2xx waits for its PRACK). */
  readonly carriesSession: boolean;
  private readonly fsm: Fsm;
  private intervalMs: number;
  private readonly resend: () => void;
  private readonly onGiveUp: () => void;

  constructor(a: { id: string; rseq: number; response: SipMessage; carriesSession: boolean; clock: Clock; log: Logger; t1: number; resend: () => void; onGiveUp: () => void }) {
    this.rseq = a.rseq;
    this.response = a.response;
    this.carriesSession = a.carriesSession;
    this.intervalMs = a.t1;
    this.resend = a.resend;
    this.onGiveUp = a.onGiveUp;
    // §3: "If a reliable provisional response is retransmitted for 64*T1 seconds without reception of a corresponding PRACK ...".
    this.fsm = new Fsm(reliableProvisionalDefinition, { id: `${a.id};rseq=${a.rseq}`, clock: a.clock, log: a.log, timers: { GiveUp: 64 * a.t1 }, actions });
    this.fsm.owner = this;
    this.fsm.startTimer("Retransmit", "Retransmit", this.intervalMs);
  }

  get waiting(): boolean {
    return this.fsm.state === "Waiting" && !this.fsm.isTerminated;
  }

  /** The PRACK arrived, a final response went out, or the session ended: no more retransmissions. */
  stop(): void {
    if (this.fsm.accepts("Stop")) this.fsm.dispatch("Stop");
    else this.fsm.terminate("stopped");
  }

  /** §3: whether a PRACK's RAck (response-num, CSeq-num, method) names this response. */
  matches(rack: { rseq: number; cseq: number; method: string }): boolean {
    return rack.rseq === this.rseq && rack.cseq === this.response.cseq.seq && rack.method === this.response.cseq.method;
  }

  retransmit(): void {
    this.resend();
    // §3: "an interval that starts at T1 seconds and doubles for each retransmission".
    this.intervalMs *= 2;
    this.fsm.startTimer("Retransmit", "Retransmit", this.intervalMs);
  }

  gaveUp(): void {
    this.onGiveUp();
  }
}
