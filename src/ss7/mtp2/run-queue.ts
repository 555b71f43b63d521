/**
 * Run-to-completion for the MTP2 functional blocks (the SDL of Q.703 §12
 * exchanges signals between processes; each signal is handled after the
 * current one is finished). Signals between blocks are posted; an entry
 * point (received frame, Level 3 request, timer expiry) runs its handler and
 * then every signal it posted, in order.
 */
import type { FsmActions } from "../../core/fsm.js";

export class RunQueue {
  private readonly queue: (() => void)[] = [];
  private running = false;
  private readonly onIdle: (() => void) | undefined;

  /** `onIdle` runs after each outermost handler and its posted signals (e.g. to send the fill-in). */
  constructor(onIdle?: () => void) {
    this.onIdle = onIdle;
  }

  /** Run `fn` now (inline if already running) and then everything posted meanwhile. */
  run(fn: () => void): void {
    if (this.running) {
      fn();
      return;
    }
    this.running = true;
    try {
      fn();
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) next();
      this.onIdle?.();
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) next();
    } finally {
      this.running = false;
      this.queue.length = 0;
    }
  }

  /** Queue `fn` after the handler now running; run it at once when nothing runs. */
  post(fn: () => void): void {
    if (this.running) this.queue.push(fn);
    else this.run(fn);
  }
}

/** Wrap every action so that timer expiries, too, run to completion. */
export function serialized<S extends string, E extends string, P>(q: RunQueue, actions: FsmActions<S, E, P>): FsmActions<S, E, P> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [state, byEvent] of Object.entries(actions) as [string, Record<string, ((...a: never[]) => void) | undefined>][]) {
    const wrapped: Record<string, unknown> = {};
    for (const [event, fn] of Object.entries(byEvent)) {
      if (fn) wrapped[event] = (...args: never[]) => q.run(() => fn(...args));
    }
    out[state] = wrapped;
  }
  return out as FsmActions<S, E, P>;
}
