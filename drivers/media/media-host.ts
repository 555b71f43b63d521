/**
 * The main-thread side of the media worker: implements the gateway's MediaSwitch by sending
 * requests to the worker over a MessagePort and resolving them with its replies; relays the
 * engine's events to listeners. The composition root starts it with the engine options and,
 * for real hardware, the URL of the module that creates the card's TDM bearer.
 */
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import type { Logger } from "../../src/core/logger.js";
import type {
  G711Law,
  MediaCounters,
  MediaEvent,
  MediaPort,
  MediaPortRequest,
  MediaSide,
  MediaSwitch,
  MediaTiming,
  RtpStreamConfig,
  ToneSpec,
} from "../../src/media/types.js";
import type { NativeEngineOptions } from "./native-engine.js";
import { allocateSharedTdm } from "./shared-bearer.js";
import { bootstrapSource, runningFromSource } from "./ts-loader.js";
import type { MediaOp, MediaOpResult, MediaWorkerInit, MediaWorkerMessage, SharedTdm } from "./worker-protocol.js";

export interface MediaHostOptions {
  readonly engine: NativeEngineOptions;
  readonly log: Logger;
  /** URL of a module exporting createTdmBearer (src/media/types.ts TdmBearerModule). Without
   *  it the worker exchanges TDM blocks through the shared memory of {@link MediaEngineHost.tdm}. */
  readonly bearerModule?: string;
  readonly bearerOptions?: Readonly<Record<string, unknown>>;
}

/** Shared TDM blocks of the default bearer, seen from the main thread. */
export interface SharedTdmView {
  /** Written here, read by the worker at its next tick (channel c at c * blockSamples). */
  readonly rx: Uint8Array;
  /** Written by the worker at each tick: what the previous tick produced. */
  readonly tx: Uint8Array;
  /** The last tick done; Atomics.waitAsync(tick, 0, value) wakes after the next one. */
  readonly tick: BigInt64Array;
}

/** A request the worker refused. */
export class MediaRequestError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = "MediaRequestError";
    this.code = code;
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class MediaEngineHost implements MediaSwitch {
  readonly tdm: SharedTdmView | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: MediaEvent) => void>();
  private nextId = 1;
  private stoppedTiming: MediaTiming | undefined;
  private closing: Promise<void> | undefined;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    private readonly control: MessagePort,
    private readonly wake: Int32Array,
    shared: SharedTdm | undefined,
    private readonly log: Logger,
  ) {
    this.tdm = shared !== undefined ? { rx: new Uint8Array(shared.rx), tx: new Uint8Array(shared.tx), tick: new BigInt64Array(shared.tick) } : undefined;
    worker.on("message", (m: MediaWorkerMessage) => this.onMessage(m));
    worker.on("error", (err) => {
      this.log.error({ err: err.message }, "media worker failed");
      this.failAll(err);
    });
    worker.on("exit", (code) => {
      this.exited = true;
      if (code !== 0) this.log.error({ code }, "media worker exited");
      this.failAll(new Error(`media worker exited with code ${code}`));
    });
  }

  /** Starts the worker and resolves once its engine is open and ticking. */
  static async start(opts: MediaHostOptions): Promise<MediaEngineHost> {
    const { port1, port2 } = new MessageChannel();
    const wake = new SharedArrayBuffer(4);
    const shared = opts.bearerModule === undefined ? allocateSharedTdm(opts.engine.maxChannels, opts.engine.blockSamples) : undefined;
    if (shared !== undefined) {
      const rx = new Uint8Array(shared.rx);
      const laws = opts.engine.tdmLaw;
      for (let ch = 0; ch < opts.engine.maxChannels; ch++) {
        const law = typeof laws === "string" ? laws : laws[ch];
        rx.fill(law === "ulaw" ? 0xff : 0xd5, ch * opts.engine.blockSamples, (ch + 1) * opts.engine.blockSamples);
      }
    }
    const init: MediaWorkerInit = {
      engine: opts.engine,
      control: port2,
      wake,
      ...(opts.bearerModule !== undefined ? { bearerModule: opts.bearerModule } : {}),
      ...(opts.bearerOptions !== undefined ? { bearerOptions: opts.bearerOptions } : {}),
      ...(shared !== undefined ? { shared } : {}),
    };
    const entry = runningFromSource() ? new URL("./media-worker.ts", import.meta.url) : new URL("./media-worker.js", import.meta.url);
    const url = runningFromSource() ? new URL(`data:text/javascript,${encodeURIComponent(bootstrapSource(entry.href))}`) : entry;
    const worker = new Worker(url, { workerData: init, transferList: [port2] });
    const host = new MediaEngineHost(worker, port1, new Int32Array(wake), shared, opts.log);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: MediaWorkerMessage): void => {
        if (m.kind === "ready") {
          worker.off("message", onMessage);
          resolve();
        }
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`media worker exited with code ${code} before it was ready`)));
    });
    opts.log.info({ channels: opts.engine.maxChannels, blockSamples: opts.engine.blockSamples }, "media worker started");
    return host;
  }

  private onMessage(m: MediaWorkerMessage): void {
    switch (m.kind) {
      case "reply": {
        const p = this.pending.get(m.id);
        if (p === undefined) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.value);
        else p.reject(new MediaRequestError(m.error, m.code));
        return;
      }
      case "events":
        for (const e of m.events) for (const l of this.listeners) l(e);
        return;
      case "stopped":
        this.stoppedTiming = m.timing;
        return;
      case "ready":
        return;
    }
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private request<K extends MediaOp["op"]>(body: Extract<MediaOp, { op: K }>): Promise<MediaOpResult[K]> {
    if (this.closing !== undefined) return Promise.reject(new Error(`media worker is stopping; ${body.op} refused`));
    const id = this.nextId++;
    return new Promise<MediaOpResult[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.control.postMessage({ id, body });
    });
  }

  openPort(request: MediaPortRequest): Promise<MediaPort> {
    return this.request({ op: "openPort", request });
  }
  closePort(portId: number): Promise<void> {
    return this.request({ op: "closePort", portId });
  }
  addStream(config: RtpStreamConfig): Promise<number> {
    return this.request({ op: "addStream", config });
  }
  modifyStream(streamId: number, config: RtpStreamConfig): Promise<void> {
    return this.request({ op: "modifyStream", streamId, config });
  }
  removeStream(streamId: number): Promise<void> {
    return this.request({ op: "removeStream", streamId });
  }
  crossConnect(channelA: number, channelB: number): Promise<void> {
    return this.request({ op: "crossConnect", channelA, channelB });
  }
  clearCrossConnect(channel: number): Promise<void> {
    return this.request({ op: "clearCrossConnect", channel });
  }
  startTone(channel: number, side: MediaSide, tone: ToneSpec): Promise<void> {
    return this.request({ op: "startTone", channel, side, tone });
  }
  stopTone(channel: number, side: MediaSide): Promise<void> {
    return this.request({ op: "stopTone", channel, side });
  }
  sendDtmf(channel: number, side: MediaSide, digit: string, durationMs: number): Promise<void> {
    return this.request({ op: "sendDtmf", channel, side, digit, durationMs });
  }
  setTdmLaw(channel: number, law: G711Law): Promise<void> {
    return this.request({ op: "setTdmLaw", channel, law });
  }
  counters(): Promise<MediaCounters> {
    return this.request({ op: "counters" });
  }
  timing(): Promise<MediaTiming> {
    if (this.stoppedTiming !== undefined) return Promise.resolve(this.stoppedTiming);
    return this.request({ op: "timing" });
  }

  onEvent(listener: (event: MediaEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the tick loop, closes the engine and waits for the worker to end. */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      // A worker that already ended (it failed) has nothing left to stop.
      if (this.exited) return resolve();
      this.worker.once("exit", () => resolve());
      Atomics.store(this.wake, 0, 1);
      Atomics.notify(this.wake, 0);
    }).then(() => {
      this.control.close();
      this.log.info({ timing: this.stoppedTiming }, "media worker stopped");
    });
    return this.closing;
  }
}
