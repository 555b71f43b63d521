/**
 * A bounded, time-stamped record of things seen (switch events, ISUP
 * messages on the link, SIP messages at the telephone) that a call model can
 * wait on: positions (`mark`) stay valid when old entries are dropped, and
 * every wait ends by its deadline.
 */

export interface Stamped<T> {
  readonly atMs: number;
  readonly value: T;
}

export class Journal<T> {
  private readonly items: Stamped<T>[] = [];
  private readonly waiters = new Set<() => void>();
  private dropped = 0;
  private ended = false;

  constructor(
    private readonly now: () => number,
    private readonly max = 20_000,
  ) {}

  push(value: T): void {
    if (this.items.length >= this.max) {
      this.items.shift();
      this.dropped++;
    }
    this.items.push({ atMs: this.now(), value });
    for (const w of [...this.waiters]) w();
  }

  /** Nothing more will come: pending waits end now. */
  end(): void {
    this.ended = true;
    for (const w of [...this.waiters]) w();
  }

  /** The position after the last entry. */
  mark(): number {
    return this.dropped + this.items.length;
  }

  /** Entries from position `from` on that satisfy `pred`. */
  find(pred: (v: T) => boolean, from = 0): Stamped<T>[] {
    return this.items.slice(Math.max(0, from - this.dropped)).filter((x) => pred(x.value));
  }

  /** The first entry from `from` on satisfying `pred`, within `timeoutMs`; undefined when none came. */
  waitFor(pred: (v: T) => boolean, timeoutMs: number, from = this.mark()): Promise<Stamped<T> | undefined> {
    return new Promise((resolve) => {
      const first = this.find(pred, from)[0];
      if (first !== undefined || this.ended) {
        resolve(first);
        return;
      }
      const onItem = (): void => {
        const hit = this.find(pred, from)[0];
        if (hit === undefined && !this.ended) return;
        clearTimeout(timer);
        this.waiters.delete(onItem);
        resolve(hit);
      };
      this.waiters.add(onItem);
      const timer = setTimeout(() => {
        this.waiters.delete(onItem);
        resolve(undefined);
      }, timeoutMs);
    });
  }
}
