/**
 * Test support: two Mtp2Links joined by a LoopbackChannelPair under a
 * ManualClock, with every frame and every Level 3 indication in the
 * transcript. Used by the MTP2 and MTP3 unit tests; not used by the gateway.
 */
import { toHex } from "../../core/bytes.js";
import { ManualClock } from "../../core/clock.js";
import { resolveTimers } from "../../core/timers.js";
import { LoopbackChannelPair } from "./loopback-channel.js";
import { Mtp2Link } from "./mtp2-link.js";
import type { Mtp2Indication } from "./mtp2-link.js";
import { decodeSignalUnit, describeSignalUnit } from "./su-codec.js";
import { TranscriptLogger } from "./test-support.js";
import { mtp2Timers } from "./timers.js";

export function describeIndication(ind: Mtp2Indication): string {
  switch (ind.type) {
    case "out-of-service":
      return `out-of-service (${ind.reason})`;
    case "message":
      return `message ${toHex(ind.payload)}`;
    default:
      return ind.type;
  }
}

export interface LinkPairOptions {
  readonly timers?: Record<string, number>;
  readonly fillInRepeatMs?: number;
  /** Leave frames out of the transcript (long runs). */
  readonly quietFrames?: boolean;
}

export function linkPair(opts: LinkPairOptions = {}) {
  const clock = new ManualClock();
  const log = new TranscriptLogger(clock);
  const lb = new LoopbackChannelPair(clock, 1);
  const timers = resolveTimers(mtp2Timers, opts.timers ?? {});
  const common = { clock, log, timers, fillInRepeatMs: opts.fillInRepeatMs ?? 0 };
  const a = new Mtp2Link({ id: "A", channel: lb.a, ...common });
  const b = new Mtp2Link({ id: "B", channel: lb.b, ...common });
  const received: Record<"A" | "B", Uint8Array[]> = { A: [], B: [] };
  const indications: Record<"A" | "B", Mtp2Indication[]> = { A: [], B: [] };
  let quiet = opts.quietFrames ?? false;
  lb.tap = (dir, frame) => {
    if (quiet) return;
    const r = decodeSignalUnit(frame);
    log.note(`${dir === "a->b" ? "A->B" : "B->A"} ${r.ok ? describeSignalUnit(r.value) : `undecodable ${toHex(frame)}`}`);
  };
  for (const [name, link] of [["A", a], ["B", b]] as const) {
    link.onIndication((ind) => {
      indications[name].push(ind);
      if (ind.type === "message") received[name].push(ind.payload);
      log.note(`${name} L3 <- ${describeIndication(ind)}`);
    });
  }
  return {
    clock,
    log,
    lb,
    a,
    b,
    received,
    indications,
    setQuiet(on: boolean) {
      quiet = on;
    },
  };
}

/** An SIO+SIF of `n` octets (SIO 0x85: national, ISUP) whose octets count up from `seed`. */
export function msuPayload(n: number, seed = 0): Uint8Array {
  const p = new Uint8Array(n);
  p[0] = 0x85;
  for (let i = 1; i < n; i++) p[i] = (seed + i) & 0xff;
  return p;
}
