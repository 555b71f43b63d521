/**
 * Messages between the gateway's main thread and the media worker. Requests travel on a
 * dedicated MessagePort that the worker polls between ticks (receiveMessageOnPort), so table
 * edits never wait for an event loop that the tick loop keeps busy; replies and events come
 * back on the worker's parentPort.
 */
import type {
  G711Law,
  MediaCounters,
  MediaEvent,
  MediaPort,
  MediaPortRequest,
  MediaSide,
  MediaTiming,
  RtpStreamConfig,
  ToneSpec,
} from "../../src/media/types.js";
import type { MessagePort } from "node:worker_threads";
import type { NativeEngineOptions } from "./native-engine.js";

export type MediaOp =
  | { readonly op: "openPort"; readonly request: MediaPortRequest }
  | { readonly op: "closePort"; readonly portId: number }
  | { readonly op: "addStream"; readonly config: RtpStreamConfig }
  | { readonly op: "modifyStream"; readonly streamId: number; readonly config: RtpStreamConfig }
  | { readonly op: "removeStream"; readonly streamId: number }
  | { readonly op: "crossConnect"; readonly channelA: number; readonly channelB: number }
  | { readonly op: "clearCrossConnect"; readonly channel: number }
  | { readonly op: "startTone"; readonly channel: number; readonly side: MediaSide; readonly tone: ToneSpec }
  | { readonly op: "stopTone"; readonly channel: number; readonly side: MediaSide }
  | { readonly op: "sendDtmf"; readonly channel: number; readonly side: MediaSide; readonly digit: string; readonly durationMs: number }
  | { readonly op: "setTdmLaw"; readonly channel: number; readonly law: G711Law }
  | { readonly op: "counters" }
  | { readonly op: "timing" };

/** What each operation answers with. */
export interface MediaOpResult {
  openPort: MediaPort;
  closePort: undefined;
  addStream: number;
  modifyStream: undefined;
  removeStream: undefined;
  crossConnect: undefined;
  clearCrossConnect: undefined;
  startTone: undefined;
  stopTone: undefined;
  sendDtmf: undefined;
  setTdmLaw: undefined;
  counters: MediaCounters;
  timing: MediaTiming;
}

export interface MediaRequestMessage {
  readonly id: number;
  readonly body: MediaOp;
}

export type MediaWorkerMessage =
  | { readonly kind: "ready" }
  | { readonly kind: "reply"; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: "reply"; readonly id: number; readonly ok: false; readonly error: string; readonly code?: string }
  | { readonly kind: "events"; readonly events: readonly MediaEvent[] }
  | { readonly kind: "stopped"; readonly timing: MediaTiming };

/** Shared memory of the default bearer: TDM blocks the main thread exchanges with the worker. */
export interface SharedTdm {
  /** What the channels receive: read by the worker at each tick. */
  readonly rx: SharedArrayBuffer;
  /** What the channels transmit: written by the worker at each tick. */
  readonly tx: SharedArrayBuffer;
  /** [0]: the last tick done (BigInt64), notified after every tick. */
  readonly tick: SharedArrayBuffer;
}

export interface MediaWorkerInit {
  readonly engine: NativeEngineOptions;
  readonly control: MessagePort;
  /** Int32 [0]: 1 asks the worker to stop; the worker sleeps on it between ticks. */
  readonly wake: SharedArrayBuffer;
  readonly bearerModule?: string;
  readonly bearerOptions?: Readonly<Record<string, unknown>>;
  readonly shared?: SharedTdm;
  /** Events are posted at most every this many ticks (default 5). */
  readonly eventEveryTicks?: number;
}
