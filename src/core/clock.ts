/**
 * The Clock: the only way protocol code learns the time or waits
 * (STYLE.md "Inject the clock"). The gateway uses SystemClock; tests use
 * ManualClock and advance time by hand, so timer behaviour is deterministic.
 */

export interface TimerHandle {
  cancel(): void;
  /** False once fired or cancelled. */
  readonly active: boolean;
}

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Wall-clock milliseconds since the epoch, for records (CDRs, logs). */
  wallNow(): number;
  /** Run `fn` once after `ms`. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

export class SystemClock implements Clock {
  now(): number {
    return performance.now();
  }
  wallNow(): number {
    return Date.now();
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    let active = true;
    const t = setTimeout(() => {
      active = false;
      fn();
    }, Math.max(0, ms));
    return {
      cancel() {
        if (active) {
          active = false;
          clearTimeout(t);
        }
      },
      get active() {
        return active;
      },
    };
  }
}

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  active: boolean;
}

/**
 * A clock that moves only when told. Timers due at the same instant fire in
 * the order they were set. A timer set by a firing timer, and due within the
 * advanced span, fires in the same `advance()`.
 */
export class ManualClock implements Clock {
  private t: number;
  private readonly wallBase: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(startMs = 0, wallBaseMs = Date.UTC(2026, 0, 1)) {
    this.t = startMs;
    this.wallBase = wallBaseMs;
  }

  now(): number {
    return this.t;
  }

  wallNow(): number {
    return this.wallBase + this.t;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const p: Pending = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, active: true };
    this.pending.push(p);
    return {
      cancel: () => {
        p.active = false;
      },
      get active() {
        return p.active;
      },
    };
  }

  /** Number of timers still armed. */
  get armed(): number {
    return this.pending.filter((p) => p.active).length;
  }

  /** Move time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError("ManualClock cannot go backwards");
    const target = this.t + ms;
    for (;;) {
      this.pending = this.pending.filter((p) => p.active);
      let next: Pending | undefined;
      for (const p of this.pending) {
        if (p.at <= target && (next === undefined || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      }
      if (next === undefined) break;
      this.t = next.at;
      next.active = false;
      next.fn();
    }
    this.t = target;
  }

  /** Advance to the next armed timer and fire it (and any due at the same time). Returns false if none. */
  runNext(): boolean {
    const active = this.pending.filter((p) => p.active);
    if (active.length === 0) return false;
    const at = Math.min(...active.map((p) => p.at));
    this.advance(at - this.t);
    return true;
  }
}
