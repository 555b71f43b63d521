/**
 * The state-machine runtime (STYLE.md, after Osmocom's osmo_fsm). A machine
 * is data: each state lists the events it accepts, the states it may go to,
 * and optionally a timer started on entry and stopped on exit. The runtime
 * rejects (and logs) an event a state does not accept and a transition the
 * table does not allow, and logs one canonical line per step:
 *
 *   ISUP-CIC(12){AwaitAcm}: Received Event ACM
 *   ISUP-CIC(12){AwaitAcm}: State change to AwaitAnswer (T9, 90000 ms)
 *
 * Protocol code supplies an action per (state, event); the action decides the
 * next state by calling `inst.transition(...)`.
 */
import type { Clock, TimerHandle } from "./clock.js";
import type { LogLevel, Logger } from "./logger.js";
import { silentLogger } from "./logger.js";

export interface StateTimer<E extends string> {
  /** Timer name in the layer's timer table, e.g. "T9". */
  readonly name: string;
  /** Event dispatched when it expires; the state must accept it. */
  readonly expiry: E;
}

export interface StateDef<S extends string, E extends string> {
  readonly accepts: readonly E[];
  readonly to: readonly S[];
  readonly timer?: StateTimer<E>;
  /** Entering a final state terminates the instance. */
  readonly final?: boolean;
}

export interface FsmDefinition<S extends string, E extends string> {
  /** Name in log lines, e.g. "ISUP-CIC". */
  readonly name: string;
  readonly initial: S;
  readonly states: Readonly<Record<S, StateDef<S, E>>>;
}

export type FsmAction<S extends string, E extends string, P> = (inst: FsmInstance<S, E, P>, payload: P | undefined) => void;

export type FsmActions<S extends string, E extends string, P> = {
  readonly [St in S]?: { readonly [Ev in E]?: FsmAction<S, E, P> };
};

export interface FsmOptions<S extends string, E extends string, P> {
  /** Instance id in log lines: ISUP-CIC(<id>). */
  readonly id: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** Effective timer values by name (from the layer's timer table). */
  readonly timers: Readonly<Record<string, number>>;
  readonly actions: FsmActions<S, E, P>;
  /** Called once when a final state is entered or `terminate()` is called. */
  readonly onTerminate?: (inst: FsmInstance<S, E, P>, cause: string) => void;
  /** Called after every state change. */
  readonly onStateChange?: (inst: FsmInstance<S, E, P>, from: S, to: S) => void;
}

/**
 * Whether `log` keeps records of `level`, so a line that would be dropped
 * costs no string building: false for the silent logger, the logger's own
 * answer when it can tell (pino's `isLevelEnabled`), true otherwise.
 */
function levelOn(log: Logger, level: LogLevel): boolean {
  if (log === silentLogger) return false;
  return log.isLevelEnabled ? log.isLevelEnabled(level) !== false : true;
}

/** Definitions already checked: a definition is a constant shared by every instance, checked once. */
const validated = new WeakSet<object>();

/** Checks a definition for internal consistency. Throws on our own bug. */
export function validateDefinition<S extends string, E extends string>(def: FsmDefinition<S, E>): void {
  const names = Object.keys(def.states) as S[];
  if (!names.includes(def.initial)) throw new Error(`${def.name}: initial state ${def.initial} is not declared`);
  for (const s of names) {
    const st = def.states[s];
    for (const t of st.to) {
      if (!names.includes(t)) throw new Error(`${def.name}: state ${s} goes to undeclared state ${t}`);
    }
    if (st.timer && !st.accepts.includes(st.timer.expiry)) {
      throw new Error(`${def.name}: state ${s} starts ${st.timer.name} but does not accept its expiry event ${st.timer.expiry}`);
    }
  }
}

export class FsmInstance<S extends string, E extends string, P = unknown> {
  private cur: S;
  private stateTimer: TimerHandle | undefined;
  /** Timers outside the state table, made on the first `startTimer` (most instances never run one). */
  private extraTimers: Map<string, TimerHandle> | undefined;
  private terminated = false;
  private readonly def: FsmDefinition<S, E>;
  private readonly opts: FsmOptions<S, E, P>;
  readonly log: Logger;

  constructor(def: FsmDefinition<S, E>, opts: FsmOptions<S, E, P>) {
    if (!validated.has(def)) {
      validateDefinition(def);
      validated.add(def);
    }
    this.def = def;
    this.opts = opts;
    this.cur = def.initial;
    this.log = opts.log;
    this.armStateTimer();
  }

  get state(): S {
    return this.cur;
  }

  get isTerminated(): boolean {
    return this.terminated;
  }

  get id(): string {
    return this.opts.id;
  }

  private prefix(): string {
    return `${this.def.name}(${this.opts.id}){${this.cur}}`;
  }

  /** Whether the current state accepts `event`. */
  accepts(event: E): boolean {
    return !this.terminated && this.def.states[this.cur].accepts.includes(event);
  }

  /**
   * Deliver an event. Returns false (and logs) when the current state does
   * not accept it or the instance has terminated.
   */
  dispatch(event: E, payload?: P): boolean {
    if (this.terminated) {
      if (levelOn(this.log, "warn")) this.log.warn({ fsm: this.def.name, event }, `${this.prefix()}: Event ${event} after termination, ignored`);
      return false;
    }
    const st = this.def.states[this.cur];
    if (!st.accepts.includes(event)) {
      if (levelOn(this.log, "warn")) this.log.warn({ fsm: this.def.name, state: this.cur, event }, `${this.prefix()}: Event ${event} not permitted`);
      return false;
    }
    if (levelOn(this.log, "debug")) this.log.debug({ fsm: this.def.name, state: this.cur, event }, `${this.prefix()}: Received Event ${event}`);
    const action = this.opts.actions[this.cur]?.[event];
    if (action) action(this, payload);
    return true;
  }

  /**
   * Change state. Returns false (and logs an error) when the table does not
   * allow the transition; the state is then unchanged.
   */
  transition(next: S): boolean {
    if (this.terminated) return false;
    const from = this.cur;
    const st = this.def.states[from];
    if (!st.to.includes(next)) {
      if (levelOn(this.log, "error")) this.log.error({ fsm: this.def.name, state: from, to: next }, `${this.prefix()}: State change to ${next} not permitted`);
      return false;
    }
    this.stopStateTimer();
    this.cur = next;
    const nst = this.def.states[next];
    if (levelOn(this.log, "info")) {
      const timer = nst.timer;
      const ms = timer ? this.opts.timers[timer.name] : undefined;
      const timerText = timer ? ` (${timer.name}, ${ms ?? "?"} ms)` : "";
      this.log.info({ fsm: this.def.name, from, state: next }, `${this.def.name}(${this.opts.id}){${from}}: State change to ${next}${timerText}`);
    }
    this.armStateTimer();
    this.opts.onStateChange?.(this, from, next);
    if (nst.final) this.terminate("final state");
    return true;
  }

  /** Start (or restart) a named timer outside the state table; `expiry` is dispatched when it fires. */
  startTimer(name: string, expiry: E, ms = this.opts.timers[name]): void {
    if (ms === undefined) throw new Error(`${this.def.name}: timer ${name} has no value`);
    const timers = (this.extraTimers ??= new Map());
    const old = timers.get(name);
    if (old) old.cancel();
    const h = this.opts.clock.setTimer(ms, () => {
      timers.delete(name);
      if (levelOn(this.log, "info")) this.log.info({ fsm: this.def.name, timer: name }, `${this.prefix()}: Timeout of ${name}`);
      this.dispatch(expiry);
    });
    timers.set(name, h);
  }

  stopTimer(name: string): void {
    const h = this.extraTimers?.get(name);
    if (h) {
      h.cancel();
      this.extraTimers?.delete(name);
    }
  }

  timerRunning(name: string): boolean {
    if (this.extraTimers?.get(name)?.active) return true;
    const st = this.def.states[this.cur];
    return st.timer?.name === name && this.stateTimer?.active === true;
  }

  /** Stop all timers and end the instance. */
  terminate(cause: string): void {
    if (this.terminated) return;
    this.stopStateTimer();
    const timers = this.extraTimers;
    if (timers !== undefined) {
      for (const h of timers.values()) h.cancel();
      timers.clear();
    }
    this.terminated = true;
    if (levelOn(this.log, "info")) this.log.info({ fsm: this.def.name, state: this.cur, cause }, `${this.prefix()}: Terminating (cause = ${cause})`);
    this.opts.onTerminate?.(this, cause);
  }

  private armStateTimer(): void {
    const timer = this.def.states[this.cur].timer;
    if (!timer) return;
    const ms = this.opts.timers[timer.name];
    if (ms === undefined) throw new Error(`${this.def.name}: state ${this.cur} timer ${timer.name} has no value`);
    const stateAtArm = this.cur;
    this.stateTimer = this.opts.clock.setTimer(ms, () => {
      this.stateTimer = undefined;
      if (this.cur !== stateAtArm || this.terminated) return;
      if (levelOn(this.log, "info")) this.log.info({ fsm: this.def.name, timer: timer.name }, `${this.prefix()}: Timeout of ${timer.name}`);
      this.dispatch(timer.expiry);
    });
  }

  private stopStateTimer(): void {
    this.stateTimer?.cancel();
    this.stateTimer = undefined;
  }
}
