/**
 * The default TDM bearer of the media worker: blocks exchanged through shared memory with
 * whoever drives the channels from another thread (tests, a card driver running elsewhere).
 * At each tick the worker takes `rx` as the channels' input and publishes the blocks the
 * previous tick produced in `tx` (a card transmits them during the next block, as here), then
 * stores the tick number and notifies waiters on it.
 */
import type { TdmBearer } from "../../src/media/types.js";
import type { SharedTdm } from "./worker-protocol.js";

export class SharedTdmBearer implements TdmBearer {
  readonly pacing = "worker" as const;
  private readonly rx: Uint8Array;
  private readonly tx: Uint8Array;
  private readonly tick: BigInt64Array;

  constructor(shared: SharedTdm) {
    this.rx = new Uint8Array(shared.rx);
    this.tx = new Uint8Array(shared.tx);
    this.tick = new BigInt64Array(shared.tick);
  }

  exchange(rx: Uint8Array, tx: Uint8Array, tick: bigint): bigint {
    rx.set(this.rx);
    this.tx.set(tx);
    Atomics.store(this.tick, 0, tick);
    Atomics.notify(this.tick, 0);
    return tick;
  }

  close(): void {}
}

/** Allocates the shared memory for `channels` channels of `blockSamples` samples. */
export function allocateSharedTdm(channels: number, blockSamples: number): SharedTdm {
  return {
    rx: new SharedArrayBuffer(channels * blockSamples),
    tx: new SharedArrayBuffer(channels * blockSamples),
    tick: new SharedArrayBuffer(8),
  };
}
