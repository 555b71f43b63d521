/**
 * What every transaction of one transaction layer shares: the transport, the
 * clock, the logger and the timer values (one set for unreliable and one for
 * reliable transports, RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2).
 */
import type { Clock } from "../../core/clock.js";
import type { FsmDefinition, FsmOptions } from "../../core/fsm.js";
import { FsmInstance } from "../../core/fsm.js";
import type { Logger } from "../../core/logger.js";
import type { TimerValues } from "../../core/timers.js";
import type { TransportProtocol } from "../transport/types.js";
import type { SipTimerName } from "./timers.js";
import type { TransactionTransport } from "./types.js";

export interface TransactionContext {
  readonly transport: TransactionTransport;
  readonly clock: Clock;
  readonly log: Logger;
  readonly unreliable: TimerValues<SipTimerName>;
  readonly reliable: TimerValues<SipTimerName>;
  /** Called once by each transaction when it terminates: the layer forgets it. */
  readonly forget: (tx: object) => void;
}

export function timersFor(ctx: TransactionContext, protocol: TransportProtocol): TimerValues<SipTimerName> {
  return protocol === "udp" ? ctx.unreliable : ctx.reliable;
}

/** A state machine that knows the transaction it drives, so one action table serves every instance. */
export class OwnedFsm<S extends string, E extends string, P, T> extends FsmInstance<S, E, P> {
  readonly owner: T;
  constructor(def: FsmDefinition<S, E>, opts: FsmOptions<S, E, P>, owner: T) {
    super(def, opts);
    this.owner = owner;
  }
}

export { detach } from "../transport/addresses.js";
