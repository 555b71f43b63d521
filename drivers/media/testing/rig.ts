/**
 * A test rig around one NativeMediaEngine: owns the TDM buffers, fills tdm_rx per channel,
 * ticks, and keeps what every channel was given in tdm_tx.
 */
import type { NativeMediaEngine } from "../native-engine.js";
import { pause } from "./rtp-peer.js";
import type { Law } from "./dsp.js";

export const IDLE: Readonly<Record<Law, number>> = { alaw: 0xd5, ulaw: 0xff };

export class Rig {
  readonly rx: Uint8Array;
  readonly tx: Uint8Array;
  readonly sent: Uint8Array[][];
  private readonly txLog: Uint8Array[][];
  tickNo = 0;

  constructor(
    readonly engine: NativeMediaEngine,
    private readonly laws: readonly Law[],
  ) {
    const size = engine.channels * engine.blockSamples;
    this.rx = new Uint8Array(size);
    this.tx = new Uint8Array(size);
    this.txLog = laws.map(() => []);
    this.sent = laws.map(() => []);
  }

  get block(): number {
    return this.engine.blockSamples;
  }

  /** One tick: `fill` gives the block a channel receives (idle code when undefined). */
  async step(fill: (channel: number) => Uint8Array | undefined = () => undefined, pauseMs = 1): Promise<number> {
    const n = this.block;
    this.laws.forEach((law, ch) => {
      const b = fill(ch) ?? new Uint8Array(n).fill(IDLE[law]);
      this.rx.set(b, ch * n);
      this.sent[ch]?.push(b);
    });
    const sent = this.engine.tick(this.rx, this.tx, this.tickNo++);
    this.laws.forEach((_, ch) => this.txLog[ch]?.push(this.tx.slice(ch * n, (ch + 1) * n)));
    if (pauseMs > 0) await pause(pauseMs);
    return sent;
  }

  async run(ticks: number, fill?: (channel: number, i: number) => Uint8Array | undefined, pauseMs = 1): Promise<void> {
    for (let i = 0; i < ticks; i++) await this.step(fill ? (ch) => fill(ch, i) : undefined, pauseMs);
  }

  /** Everything channel `ch` was given in tdm_tx, concatenated. */
  txStream(ch: number): Uint8Array {
    const blocks = this.txLog[ch] ?? [];
    const out = new Uint8Array(blocks.length * this.block);
    blocks.forEach((b, i) => out.set(b, i * this.block));
    return out;
  }

  txBlocks(ch: number): readonly Uint8Array[] {
    return this.txLog[ch] ?? [];
  }
}

export function concat(blocks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(blocks.reduce((s, b) => s + b.length, 0));
  let o = 0;
  for (const b of blocks) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

/** Index of `needle` in `hay`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
