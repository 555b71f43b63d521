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

/**
 * One timer of the SystemClock: a link in the queue of its duration. Arming
 * one makes no closure and no Node timer: a gateway keeps tens of thousands
 * armed (RFC 3261 Timers J and L hold every transaction 32 s), and each
 * Node Timeout would cost far more than this.
 */
class SystemTimer implements TimerHandle {
  fn: (() => void) | undefined;
  /** performance.now() at which it falls due. */
  readonly due: number;
  prev: SystemTimer | undefined;
  next: SystemTimer | undefined;
  queue: TimerQueue | undefined;

  constructor(fn: () => void, due: number, queue: TimerQueue) {
    this.fn = fn;
    this.due = due;
    this.prev = undefined;
    this.next = undefined;
    this.queue = queue;
  }

  cancel(): void {
    if (this.fn === undefined) return;
    this.fn = undefined;
    this.queue?.remove(this);
  }

  get active(): boolean {
    return this.fn !== undefined;
  }
}

/**
 * The armed timers of one duration. Armed one after the other on a
 * monotonic clock, they fall due in the order armed, so a list kept in that
 * order needs one Node timer, for its head (the shape of Node's own timer
 * lists). A timer never fires before its due time: a Node timer that comes
 * early (Node counts from the start of the event-loop turn) or was set for a
 * head since cancelled is set again for the head's rest. While the list is
 * empty its Node timer (if still set) does not keep the process alive
 * (unref), and the list is dropped when that timer ends with nothing to run.
 */
class TimerQueue {
  private head: SystemTimer | undefined;
  private tail: SystemTimer | undefined;
  private node: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly owner: Map<number, TimerQueue>,
    readonly ms: number,
  ) {}

  add(fn: () => void): SystemTimer {
    const t = new SystemTimer(fn, performance.now() + this.ms, this);
    const tail = this.tail;
    if (tail === undefined) {
      this.head = t;
      this.tail = t;
      this.arm();
    } else {
      tail.next = t;
      t.prev = tail;
      this.tail = t;
    }
    return t;
  }

  remove(t: SystemTimer): void {
    const { prev, next } = t;
    if (prev !== undefined) prev.next = next;
    else this.head = next;
    if (next !== undefined) next.prev = prev;
    else this.tail = prev;
    t.prev = undefined;
    t.next = undefined;
    t.queue = undefined;
    if (this.head === undefined) this.node?.unref();
  }

  /** Make sure a Node timer is set, for the head or earlier (every later timer falls due after it). */
  private arm(): void {
    const head = this.head;
    if (head === undefined) return;
    if (this.node !== undefined) {
      this.node.ref();
      return;
    }
    // Node takes at most 2^31 - 1 ms at once; a longer wait is set again for the rest when it ends.
    this.node = setTimeout(runTimerQueue, Math.min(MAX_NODE_DELAY_MS, Math.max(0, Math.ceil(head.due - performance.now()))), this);
  }

  /** The Node timer fired: run every timer due now, in order, then set it for the next. */
  run(): void {
    this.node = undefined;
    const now = performance.now();
    try {
      for (let t = this.head; t !== undefined && t.due <= now; t = this.head) {
        const fn = t.fn as () => void;
        t.fn = undefined;
        this.remove(t);
        fn();
      }
    } finally {
      if (this.head !== undefined) this.arm();
      else if (this.node === undefined && this.owner.get(this.ms) === this) this.owner.delete(this.ms);
    }
  }
}

const MAX_NODE_DELAY_MS = 0x7fffffff;

function runTimerQueue(q: TimerQueue): void {
  q.run();
}

export class SystemClock implements Clock {
  private readonly queues = new Map<number, TimerQueue>();

  now(): number {
    return performance.now();
  }
  wallNow(): number {
    return Date.now();
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const d = Math.max(0, ms);
    let q = this.queues.get(d);
    if (q === undefined) {
      q = new TimerQueue(this.queues, d);
      this.queues.set(d, q);
    }
    return q.add(fn);
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
