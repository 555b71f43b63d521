/**
 * The media worker thread: owns the native engine and calls its tick once per block, paced by
 * the bearer when it keeps time (a real-time card) or else on its own absolute schedule (no
 * drift: tick n is due at start + n * period). Between ticks it drains
 * control requests from its MessagePort synchronously and sleeps on a shared word (Atomics.wait)
 * that the main thread can notify to stop it. Blocks missed by more than a period are skipped
 * (the engine advances its RTP clocks by the gap) and counted.
 */
import { performance } from "node:perf_hooks";
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import type { TdmBearer, TdmBearerModule } from "../../src/media/types.js";
import { MediaEngineError, NativeMediaEngine } from "./native-engine.js";
import { SharedTdmBearer } from "./shared-bearer.js";
import { TickTiming } from "./tick-timing.js";
import type { MediaOp, MediaRequestMessage, MediaWorkerInit, MediaWorkerMessage } from "./worker-protocol.js";

const init = workerData as MediaWorkerInit;
const post = (m: MediaWorkerMessage): void => parentPort?.postMessage(m);

const engine = NativeMediaEngine.open(init.engine);
const channels = init.engine.maxChannels;
const block = init.engine.blockSamples;
let bearer: TdmBearer;
if (init.bearerModule !== undefined) {
  const mod = (await import(init.bearerModule)) as TdmBearerModule;
  bearer = mod.createTdmBearer(init.bearerOptions ?? {}, channels, block);
} else if (init.shared !== undefined) {
  bearer = new SharedTdmBearer(init.shared);
} else {
  throw new Error("media worker needs a bearer module or shared TDM buffers");
}

const periodMs = block / 8;
const timing = new TickTiming(periodMs);
const wake = new Int32Array(init.wake);
const rx = new Uint8Array(channels * block);
for (let ch = 0; ch < channels; ch++) {
  const law = typeof init.engine.tdmLaw === "string" ? init.engine.tdmLaw : init.engine.tdmLaw[ch];
  rx.fill(law === "ulaw" ? 0xff : 0xd5, ch * block, (ch + 1) * block);
}
const tx = new Uint8Array(channels * block);
const eventEvery = init.eventEveryTicks ?? 5;

function perform(op: MediaOp): unknown {
  switch (op.op) {
    case "openPort":
      return engine.openPort(op.request);
    case "closePort":
      return engine.closePort(op.portId);
    case "addStream":
      return engine.addStream(op.config);
    case "modifyStream":
      return engine.modifyStream(op.streamId, op.config);
    case "removeStream":
      return engine.removeStream(op.streamId);
    case "crossConnect":
      return engine.crossConnect(op.channelA, op.channelB);
    case "clearCrossConnect":
      return engine.clearCrossConnect(op.channel);
    case "startTone":
      return engine.startTone(op.channel, op.side, op.tone);
    case "stopTone":
      return engine.stopTone(op.channel, op.side);
    case "sendDtmf":
      return engine.sendDtmf(op.channel, op.side, op.digit, op.durationMs);
    case "setTdmLaw":
      return engine.setTdmLaw(op.channel, op.law);
    case "counters":
      return engine.counters();
    case "timing":
      return timing.snapshot();
  }
}

function drainControl(): void {
  for (;;) {
    const m = receiveMessageOnPort(init.control);
    if (m === undefined) return;
    const req = m.message as MediaRequestMessage;
    try {
      post({ kind: "reply", id: req.id, ok: true, value: perform(req.body) });
    } catch (e) {
      const code = e instanceof MediaEngineError ? e.code : undefined;
      post({ kind: "reply", id: req.id, ok: false, error: e instanceof Error ? e.message : String(e), ...(code !== undefined ? { code } : {}) });
    }
  }
}

/** One block: bearer exchange, engine tick, events now and then. */
function runTick(tick: number): void {
  engine.tick(rx, tx, tick);
  if (tick % eventEvery === 0) {
    const events = engine.events();
    if (events.length > 0) post({ kind: "events", events });
  }
}

post({ kind: "ready" });
if (bearer.pacing === "bearer") {
  // The card's clock paces: exchange() blocks until each block; lateness is measured against
  // the schedule implied by the first block.
  let first: { tick: bigint; at: number } | undefined;
  for (;;) {
    drainControl();
    if (Atomics.load(wake, 0) !== 0) break;
    const t = bearer.exchange(rx, tx, first?.tick ?? 0n);
    const now = performance.now();
    first ??= { tick: t, at: now };
    const n = Number(t - first.tick);
    timing.record(now - (first.at + n * periodMs));
    runTick(n);
  }
} else {
  const start = performance.now();
  let tick = 0;
  for (;;) {
    drainControl();
    if (Atomics.load(wake, 0) !== 0) break;
    const due = start + tick * periodMs;
    const wait = due - performance.now();
    if (wait > 0) Atomics.wait(wake, 0, 0, wait);
    if (Atomics.load(wake, 0) !== 0) break;
    const now = performance.now();
    if (now < due) continue; // woken early: drain and sleep again
    const late = now - due;
    if (late >= periodMs) {
      const missed = Math.floor(late / periodMs);
      timing.skip(missed);
      tick += missed;
    }
    timing.record(now - (start + tick * periodMs));
    bearer.exchange(rx, tx, BigInt(tick));
    runTick(tick);
    tick++;
  }
}
bearer.close();
const events = engine.events();
if (events.length > 0) post({ kind: "events", events });
engine.destroy();
post({ kind: "stopped", timing: timing.snapshot() });
