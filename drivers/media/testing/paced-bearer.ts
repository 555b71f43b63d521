/**
 * A TDM bearer module for the worker tests that keeps time like a real-time card: exchange()
 * blocks until the next 20 ms block and returns its tick number. Channel 0 receives a continuous
 * 1004 Hz tone (A-law); the other channels idle.
 */
import { performance } from "node:perf_hooks";
import type { TdmBearer } from "../../../src/media/types.js";
import { ToneSource } from "./dsp.js";

export function createTdmBearer(_options: Readonly<Record<string, unknown>>, channels: number, blockSamples: number): TdmBearer {
  const tone = new ToneSource([1004], -10, "alaw");
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const periodMs = blockSamples / 8;
  const start = performance.now();
  let next = 0n;
  return {
    pacing: "bearer",
    exchange(rx: Uint8Array, _tx: Uint8Array): bigint {
      const due = start + Number(next) * periodMs;
      const wait = due - performance.now();
      if (wait > 0) Atomics.wait(sleeper, 0, 0, wait);
      rx.fill(0xd5);
      rx.set(tone.block(blockSamples), 0);
      if (channels < 1) throw new RangeError("no channel");
      return next++;
    },
    close(): void {},
  };
}
