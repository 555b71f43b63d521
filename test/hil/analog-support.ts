/**
 * The gateway's part for the analog tests: a bearer pump that moves one block
 * per tick through the card contract (what the media engine will do), card
 * event capture, and spandsp-free DSP to check what the far ends put on the
 * line: a DTMF receiver (Goertzel on the eight Q.23 frequencies, 20 ms
 * blocks), a DTMF generator, a tone generator and a tone-share meter.
 */
import type { CardDriver, CardEvent } from "../../drivers/api/card.js";
import { alawDecode, alawEncode, sinePeak } from "./g711.js";

export const RATE = 8000;

/** Goertzel power at `hz`, normalised to the block's total power (1 for a pure tone at hz). */
export function goertzelShare(x: ArrayLike<number>, hz: number, from = 0, n = x.length - from): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / RATE);
  let s1 = 0;
  let s2 = 0;
  let total = 0;
  for (let i = from; i < from + n; i++) {
    const v = x[i] ?? 0;
    const s0 = v + k * s1 - s2;
    s2 = s1;
    s1 = s0;
    total += v * v;
  }
  if (total === 0) return 0;
  const p = s1 * s1 + s2 * s2 - k * s1 * s2;
  return (2 * p) / (n * total);
}

const ROWS = [697, 770, 852, 941] as const;
const COLS = [1209, 1336, 1477, 1633] as const;
const KEYS = ["123A", "456B", "789C", "*0#D"] as const;

/**
 * DTMF receiver over 20 ms blocks (ITU-T Q.23 frequencies): a block holds a
 * digit when its strongest row and column frequencies together carry at
 * least 70 % of the power, each at least 15 %, and the block is above
 * -30 dBm0-ish energy; a digit is reported after two such blocks and must be
 * followed by a block without it before it can repeat (Q.24 interdigit pause).
 */
export class DtmfReceiver {
  readonly digits: string[] = [];
  private last = "";
  private count = 0;
  private reported = false;

  /** Feeds one block of linear samples (any length; 160 expected). */
  block(x: ArrayLike<number>): void {
    let energy = 0;
    for (let i = 0; i < x.length; i++) energy += (x[i] ?? 0) ** 2;
    const meanSquare = energy / x.length;
    let digit = "";
    if (meanSquare > 50_000) {
      const best = (freqs: readonly number[]): [number, number] => {
        let bi = 0;
        let bs = -1;
        freqs.forEach((f, i) => {
          const s = goertzelShare(x, f);
          if (s > bs) {
            bs = s;
            bi = i;
          }
        });
        return [bi, bs];
      };
      const [r, rs] = best(ROWS);
      const [c, cs] = best(COLS);
      if (rs >= 0.15 && cs >= 0.15 && rs + cs >= 0.7) digit = KEYS[r]?.[c] ?? "";
    }
    if (digit !== "" && digit === this.last) {
      this.count++;
      if (this.count >= 2 && !this.reported) {
        this.digits.push(digit);
        this.reported = true;
      }
    } else {
      this.last = digit;
      this.count = digit === "" ? 0 : 1;
      this.reported = false;
    }
  }
}

/** A DTMF string as A-law samples: each digit on_ms of row+column (-7 dBm0 / -5 dBm0 high group), off_ms silence. */
export function dtmfAlaw(digits: string, onMs = 80, offMs = 80): Uint8Array {
  const on = (onMs * RATE) / 1000;
  const off = (offMs * RATE) / 1000;
  const out = new Uint8Array(digits.length * (on + off)).fill(0xd5);
  const lowPeak = sinePeak(-7);
  const highPeak = sinePeak(-5);
  let pos = 0;
  for (const d of digits) {
    const r = KEYS.findIndex((row) => row.includes(d));
    const c = r >= 0 ? (KEYS[r] ?? "").indexOf(d) : -1;
    const fr = ROWS[r];
    const fc = COLS[c];
    if (fr === undefined || fc === undefined) throw new Error(`'${d}' is not a DTMF digit`);
    for (let i = 0; i < on; i++) {
      const t = i / RATE;
      out[pos + i] = alawEncode(lowPeak * Math.sin(2 * Math.PI * fr * t) + highPeak * Math.sin(2 * Math.PI * fc * t));
    }
    pos += on + off;
  }
  return out;
}

/** A tone with a cadence (on/off ms, repeated), A-law, `seconds` long. */
export function toneAlaw(hz: number, dbm0: number, cadenceMs: readonly number[], seconds: number): Uint8Array {
  const n = Math.round(seconds * RATE);
  const out = new Uint8Array(n).fill(0xd5);
  const peak = sinePeak(dbm0);
  const period = cadenceMs.reduce((a, b) => a + b, 0);
  for (let i = 0; i < n; i++) {
    let t = ((i * 1000) / RATE) % (period || 1);
    let on = cadenceMs.length === 0;
    for (let k = 0; k < cadenceMs.length; k++) {
      const d = cadenceMs[k] ?? 0;
      if (t < d) {
        on = k % 2 === 0;
        break;
      }
      t -= d;
    }
    if (on) out[i] = alawEncode(peak * Math.sin((2 * Math.PI * hz * i) / RATE));
  }
  return out;
}

export function decodeAlaw(block: Uint8Array): Float64Array {
  const x = new Float64Array(block.length);
  for (let i = 0; i < block.length; i++) x[i] = alawDecode(block[i] ?? 0xd5);
  return x;
}

/**
 * Moves bearer blocks through the card in the gateway's place: for each
 * analog port it plays queued A-law samples (idle code otherwise) and hands
 * every received block to the port's listeners.
 */
export class BearerPump {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly queues = new Map<number, { data: Uint8Array; pos: number }[]>();
  private readonly sinks = new Map<number, ((block: Uint8Array) => void)[]>();
  blocks = 0;

  constructor(private readonly card: CardDriver) {}

  private portIndex(port: number): number {
    const ch = this.card.bearer.layout().channels.find((c) => c.kind === "port" && c.port === port);
    if (!ch) throw new Error(`port ${port} has no bearer channel`);
    return ch.index;
  }

  /** Queues samples to send on a port (after what is already queued). */
  play(port: number, alaw: Uint8Array): void {
    const q = this.queues.get(port) ?? [];
    q.push({ data: alaw, pos: 0 });
    this.queues.set(port, q);
  }

  /** Drops what is queued for a port. */
  silence(port: number): void {
    this.queues.set(port, []);
  }

  onBlock(port: number, sink: (block: Uint8Array) => void): () => void {
    const list = this.sinks.get(port) ?? [];
    list.push(sink);
    this.sinks.set(port, list);
    return () => {
      const l = this.sinks.get(port) ?? [];
      this.sinks.set(port, l.filter((s) => s !== sink));
    };
  }

  /**
   * Cross-connects two ports one way, as the gateway's media path would:
   * every block received from `from` is sent to `to` on the next tick.
   */
  connect(from: number, to: number): () => void {
    return this.onBlock(from, (block) => this.play(to, block));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const layout = this.card.bearer.layout();
    const tx = new Uint8Array(layout.bufferBytes);
    const rx = new Uint8Array(layout.bufferBytes);
    const b = layout.blockBytes;
    const ports = layout.channels.filter((c) => c.kind === "port").map((c) => ({ port: c.kind === "port" ? c.port : 0, index: c.index }));
    this.loop = (async () => {
      while (this.running) {
        tx.fill(0xd5);
        for (const { port, index } of ports) {
          const q = this.queues.get(port);
          let filled = 0;
          while (q && q.length > 0 && filled < b) {
            const head = q[0];
            if (!head) break;
            const take = Math.min(b - filled, head.data.length - head.pos);
            tx.set(head.data.subarray(head.pos, head.pos + take), index * b + filled);
            head.pos += take;
            filled += take;
            if (head.pos >= head.data.length) q.shift();
          }
        }
        await this.card.bearer.exchange(tx, rx);
        this.blocks++;
        for (const { port, index } of ports) {
          const sinks = this.sinks.get(port);
          if (!sinks || sinks.length === 0) continue;
          const block = rx.slice(index * b, index * b + b);
          for (const s of sinks) s(block);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** Records the card's events; waits for one that matches. */
export class CardEvents {
  readonly events: { event: CardEvent; atMs: number }[] = [];
  private readonly off: () => void;

  constructor(card: CardDriver) {
    this.off = card.onEvent((event) => this.events.push({ event, atMs: performance.now() }));
  }

  mark(): number {
    return this.events.length;
  }

  async waitFor<T extends CardEvent>(
    pred: (e: CardEvent) => e is T,
    timeoutMs: number,
    from = 0,
    what = "card event",
  ): Promise<{ event: T; atMs: number }> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.events.length; i++) {
        const r = this.events[i];
        if (r && pred(r.event)) return { event: r.event, atMs: r.atMs };
      }
      if (Date.now() >= end) {
        const seen = this.events.slice(from).map((r) => r.event.type).join(", ");
        throw new Error(`no ${what} within ${timeoutMs} ms (seen: ${seen || "nothing"})`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  all(from = 0): CardEvent[] {
    return this.events.slice(from).map((r) => r.event);
  }

  dispose(): void {
    this.off();
  }
}

/** Type guard for a card event of one type. */
export function isEvent<K extends CardEvent["type"]>(type: K, port?: number) {
  return (e: CardEvent): e is Extract<CardEvent, { type: K }> =>
    e.type === type && (port === undefined || ("port" in e && e.port === port));
}
