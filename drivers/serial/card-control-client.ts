/**
 * The gateway's client of the card control protocol (hardware/proto) over a
 * serial port: requests with correlation ids and timeouts, unsolicited
 * AlarmEvents, and link supervision that reopens a port that failed, went
 * away or fell silent, with exponential backoff. Nothing the port or the
 * card does can throw out of this class; failures reach the caller as
 * rejected requests (CardControlError) and as events.
 *
 * Connection state machine (one transition table, src/core/fsm.ts):
 *
 *            start               opened
 *    Idle ─────────▶ Opening ───────────▶ Open
 *                     ▲   │ openFailed      │ portLost / silent
 *       backoffExpired│   ▼                 ▼
 *                    Backoff ◀──────────────┘
 *    any state ──stop──▶ Closed (final)
 *
 * The backoff starts at timers.reconnectInitial and doubles up to
 * timers.reconnectMax; it falls back to the start once a valid frame
 * arrives on a connection (so a port that opens and fails at once does
 * not spin).
 *
 * Keepalive: when nothing has arrived for timers.keepalive and no request
 * is outstanding, an Identify checks the link. A card that stops answering
 * is caught by the timeouts (reopenAfterTimeouts in a row: "silent"); a
 * port that can no longer be written (a hung-up pty: serialport's reader
 * sees only end-of-file there and never reports the loss) by the failed
 * write ("portLost").
 */
import type { Clock, TimerHandle } from "../../src/core/clock.js";
import type { FsmDefinition } from "../../src/core/fsm.js";
import { FsmInstance } from "../../src/core/fsm.js";
import type { Logger } from "../../src/core/logger.js";
import type { DecodeError } from "../../src/core/result.js";
import { formatDecodeError } from "../../src/core/result.js";
import type { TimerValues } from "../../src/core/timers.js";
import type {
  AlarmEvent,
  BodyTypes,
  CardError,
  Envelope,
  Fault,
  IdentifyResponse,
  QueryStatusResponse,
  RequestKind,
  ResponseKind,
  SpanConfig,
} from "./card-control-messages.js";
import { RESPONSE_OF, decodeEnvelope, encodeEnvelope, enumName } from "./card-control-messages.js";
import type { ControlPort, PortOpener } from "./control-port.js";
import { FrameDecoder, encodeFrame } from "./frame-codec.js";
import type { CardControlTimer } from "./timers.js";

export type ControlState = "Idle" | "Opening" | "Open" | "Backoff" | "Closed";
type ControlEvent = "start" | "opened" | "openFailed" | "portLost" | "silent" | "keepaliveDue" | "backoffExpired" | "stop";

export const CARD_CONTROL_FSM: FsmDefinition<ControlState, ControlEvent> = {
  name: "CARD-CTL",
  initial: "Idle",
  states: {
    Idle: { accepts: ["start", "stop"], to: ["Opening", "Closed"] },
    Opening: { accepts: ["opened", "openFailed", "stop"], to: ["Open", "Backoff", "Closed"] },
    Open: { accepts: ["portLost", "silent", "keepaliveDue", "stop"], to: ["Backoff", "Closed"] },
    Backoff: { accepts: ["backoffExpired", "stop"], to: ["Opening", "Closed"] },
    Closed: { accepts: [], to: [], final: true },
  },
};

export type CardControlFailure =
  /** no response within timers.response */
  | "timeout"
  /** the port closed or failed while the request was outstanding */
  | "closed"
  /** the port is not open now */
  | "not-connected"
  /** the card answered with an Error */
  | "card"
  /** the card answered with something else than the request's response */
  | "protocol";

export class CardControlError extends Error {
  readonly failure: CardControlFailure;
  /** ErrorCode and SIPT_CARD_E* code when failure is "card". */
  readonly code: number | undefined;
  readonly cardError: number | undefined;
  constructor(failure: CardControlFailure, message: string, card?: CardError) {
    super(message);
    this.name = "CardControlError";
    this.failure = failure;
    this.code = card?.code;
    this.cardError = card?.cardError;
  }
}

export interface CardControlEvents {
  connected: [];
  disconnected: [reason: string];
  alarm: [event: AlarmEvent];
  /** AlarmEvent sequence numbers were skipped: that many events never arrived. */
  eventsLost: [count: number];
  /** A framing or decoding problem on the received stream. */
  protocolError: [error: DecodeError];
  /** An Error from the card that answers no outstanding request. */
  remoteError: [error: CardError, id: number];
}

export interface CardControlStats {
  framesIn: number;
  framesOut: number;
  frameErrors: number;
  malformed: number;
  timeouts: number;
  unmatched: number;
  eventsLost: number;
  opens: number;
}

export interface CardControlClientOptions {
  /** Device or pty path (also the instance id in log lines). */
  readonly path: string;
  readonly openPort: PortOpener;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: TimerValues<CardControlTimer>;
  /** Consecutive request timeouts after which the port is closed and reopened; 0 never. */
  readonly reopenAfterTimeouts: number;
}

interface Pending {
  readonly expect: string;
  readonly request: string;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: CardControlError) => void;
  readonly timer: TimerHandle;
}

interface Payload {
  readonly port?: ControlPort;
  readonly reason?: string;
}

type Listeners = { [K in keyof CardControlEvents]: Set<(...args: CardControlEvents[K]) => void> };

const MAX_ID = 0xffffffff;

export class CardControlClient {
  private readonly opts: CardControlClientOptions;
  private readonly log: Logger;
  private readonly fsm: FsmInstance<ControlState, ControlEvent, Payload>;
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners: Listeners = {
    connected: new Set(),
    disconnected: new Set(),
    alarm: new Set(),
    eventsLost: new Set(),
    protocolError: new Set(),
    remoteError: new Set(),
  };
  private port: ControlPort | undefined;
  /** Bumped whenever a port is given up: callbacks of older ports are ignored. */
  private generation = 0;
  private nextId = 1;
  private backoffMs: number;
  private consecutiveTimeouts = 0;
  private lastSequence: number | undefined;
  private lastRxMs = 0;
  private lastFailure = "not started";
  private closing: Promise<void> | undefined;
  private readonly counters: CardControlStats = { framesIn: 0, framesOut: 0, frameErrors: 0, malformed: 0, timeouts: 0, unmatched: 0, eventsLost: 0, opens: 0 };

  constructor(opts: CardControlClientOptions) {
    this.opts = opts;
    this.log = opts.log.child({ port: opts.path });
    this.decoder = new FrameDecoder(opts.timers.interOctet);
    this.backoffMs = opts.timers.reconnectInitial;
    this.fsm = new FsmInstance(CARD_CONTROL_FSM, {
      id: opts.path,
      clock: opts.clock,
      log: this.log,
      timers: { backoff: opts.timers.reconnectInitial },
      actions: {
        Idle: {
          start: (f) => {
            f.transition("Opening");
            this.openPort();
          },
          stop: (f) => f.transition("Closed"),
        },
        Opening: {
          opened: (f, p) => {
            this.port = p?.port;
            this.counters.opens++;
            this.consecutiveTimeouts = 0;
            this.lastRxMs = this.opts.clock.now();
            f.transition("Open");
            f.startTimer("keepalive", "keepaliveDue", this.opts.timers.keepalive);
            this.emit("connected");
          },
          openFailed: (f, p) => {
            this.lastFailure = p?.reason ?? "open failed";
            this.dropPort(this.lastFailure);
            this.enterBackoff(f);
          },
          stop: (f) => this.stopFrom(f),
        },
        Open: {
          portLost: (f, p) => {
            this.lastFailure = p?.reason ?? "port lost";
            this.dropPort(this.lastFailure);
            this.enterBackoff(f);
            this.emit("disconnected", this.lastFailure);
          },
          keepaliveDue: (f) => {
            const idleMs = this.opts.clock.now() - this.lastRxMs;
            if (this.pending.size === 0 && idleMs >= this.opts.timers.keepalive) {
              this.identify().catch((e: unknown) => this.log.debug({ err: e instanceof Error ? e.message : String(e) }, "keepalive Identify failed"));
            }
            f.startTimer("keepalive", "keepaliveDue", this.opts.timers.keepalive);
          },
          silent: (f, p) => {
            this.lastFailure = p?.reason ?? "card silent";
            this.dropPort(this.lastFailure);
            this.enterBackoff(f);
            this.emit("disconnected", this.lastFailure);
          },
          stop: (f) => {
            this.stopFrom(f);
            this.emit("disconnected", "stopped");
          },
        },
        Backoff: {
          backoffExpired: (f) => {
            f.transition("Opening");
            this.openPort();
          },
          stop: (f) => this.stopFrom(f),
        },
      },
    });
  }

  get state(): ControlState {
    return this.fsm.state;
  }

  get connected(): boolean {
    return this.fsm.state === "Open";
  }

  /** Why the port is not open (the last open failure or loss). */
  get lastError(): string {
    return this.lastFailure;
  }

  stats(): Readonly<CardControlStats> {
    return { ...this.counters };
  }

  on<K extends keyof CardControlEvents>(event: K, fn: (...args: CardControlEvents[K]) => void): () => void {
    const set = this.listeners[event] as Set<(...args: CardControlEvents[K]) => void>;
    set.add(fn);
    return () => set.delete(fn);
  }

  start(): void {
    this.fsm.dispatch("start");
  }

  /** Close the port for good; resolves once it is closed. */
  stop(): Promise<void> {
    if (!this.fsm.isTerminated) this.fsm.dispatch("stop");
    return this.closing ?? Promise.resolve();
  }

  /** Resolves when the port is open; rejects after `timeoutMs` with the reason it is not. */
  waitConnected(timeoutMs: number): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const off = this.on("connected", () => {
        timer.cancel();
        off();
        resolve();
      });
      const timer = this.opts.clock.setTimer(timeoutMs, () => {
        off();
        reject(new CardControlError("not-connected", `card control port ${this.opts.path} not open after ${timeoutMs} ms: ${this.lastFailure}`));
      });
    });
  }

  /** Send one request; resolves with its response. */
  request<K extends RequestKind>(kind: K, value: BodyTypes[K]): Promise<BodyTypes[ResponseKind<K>]> {
    const port = this.port;
    if (this.fsm.state !== "Open" || port === undefined) {
      return Promise.reject(new CardControlError("not-connected", `${kind}: card control port ${this.opts.path} is not open (${this.lastFailure})`));
    }
    const id = this.allocateId();
    const frame = encodeFrame(encodeEnvelope({ id, body: { kind, value } as Envelope["body"] & object }));
    return new Promise<BodyTypes[ResponseKind<K>]>((resolve, reject) => {
      const timer = this.opts.clock.setTimer(this.opts.timers.response, () => this.onTimeout(id));
      this.pending.set(id, { expect: RESPONSE_OF[kind], request: kind, resolve: resolve as (v: unknown) => void, reject, timer });
      const gen = this.generation;
      port.write(frame, (err) => {
        if (err === undefined) return;
        this.settle(id, new CardControlError("closed", `${kind}: write to ${this.opts.path} failed: ${err.message}`));
        // A port that cannot be written is gone, whether or not it said so.
        if (gen === this.generation && this.fsm.state === "Open") this.fsm.dispatch("portLost", { reason: `write failed: ${err.message}` });
      });
      this.counters.framesOut++;
    });
  }

  identify(): Promise<IdentifyResponse> {
    return this.request("identifyRequest", {});
  }

  queryStatus(): Promise<QueryStatusResponse> {
    return this.request("queryStatusRequest", {});
  }

  async configureSpan(span: number, config: SpanConfig): Promise<void> {
    await this.request("configureSpanRequest", { span, config });
  }

  async setLoopback(span: number, mode: number): Promise<void> {
    await this.request("setLoopbackRequest", { span, mode });
  }

  async injectFault(span: number, fault: Fault): Promise<void> {
    await this.request("injectFaultRequest", { span, fault });
  }

  // ---- internals ------------------------------------------------------------

  private emit<K extends keyof CardControlEvents>(event: K, ...args: CardControlEvents[K]): void {
    for (const fn of [...this.listeners[event]] as ((...a: CardControlEvents[K]) => void)[]) {
      try {
        fn(...args);
      } catch (e) {
        // A listener's bug must not break the link.
        this.log.error({ event, err: e instanceof Error ? e.message : String(e) }, "card control listener threw");
      }
    }
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id === MAX_ID ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  private enterBackoff(f: FsmInstance<ControlState, ControlEvent, Payload>): void {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.timers.reconnectMax);
    f.transition("Backoff");
    this.log.info({ delayMs: delay, reason: this.lastFailure }, "card control port: reopening after a wait");
    f.startTimer("backoff", "backoffExpired", delay);
  }

  private stopFrom(f: FsmInstance<ControlState, ControlEvent, Payload>): void {
    this.lastFailure = "stopped";
    this.closing = this.dropPort("stopped");
    f.transition("Closed");
  }

  private openPort(): void {
    const gen = ++this.generation;
    let port: ControlPort;
    try {
      port = this.opts.openPort(this.opts.path, {
        data: (chunk) => {
          if (gen === this.generation) this.onData(chunk);
        },
        close: (err) => {
          if (gen === this.generation) this.onPortGone(`port closed${err ? `: ${err.message}` : ""}`);
        },
        error: (err) => {
          if (gen === this.generation) this.onPortGone(`port error: ${err.message}`);
          else this.log.debug({ err: err.message }, "error from a port already given up");
        },
      });
    } catch (e) {
      // serialport throws on arguments it cannot use (an empty path, a bad baud rate)
      const reason = `cannot open ${this.opts.path}: ${e instanceof Error ? e.message : String(e)}`;
      this.fsm.dispatch("openFailed", { reason });
      return;
    }
    this.port = port;
    port.open((err) => {
      if (gen !== this.generation) {
        if (err === undefined) port.close(() => undefined);
        return;
      }
      if (err !== undefined) {
        this.fsm.dispatch("openFailed", { reason: `cannot open ${this.opts.path}: ${err.message}` });
        return;
      }
      // Stale octets from before this open are not ours to answer.
      port.flush((flushErr) => {
        if (gen !== this.generation) return;
        if (flushErr !== undefined) this.log.debug({ err: flushErr.message }, "flush failed; stale input is resynchronised instead");
        // Assert DTR/RTS for cards that want them; a pty cannot (ENOTTY), which is fine.
        port.setModemLines({ dtr: true, rts: true }, (setErr) => {
          if (setErr !== undefined) this.log.debug({ err: setErr.message }, "modem control lines not settable on this port");
        });
        this.fsm.dispatch("opened", { port });
      });
    });
  }

  /** Give up the current port: reject what is outstanding, close it. */
  private dropPort(reason: string): Promise<void> {
    this.generation++;
    this.fsm.stopTimer("keepalive");
    for (const item of this.decoder.end()) if (item.kind === "error") this.onFrameError(item.error);
    for (const id of [...this.pending.keys()]) this.settle(id, new CardControlError("closed", `card control port ${this.opts.path} closed: ${reason}`));
    const port = this.port;
    this.port = undefined;
    if (port === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        port.close((err) => {
          if (err !== undefined) this.log.debug({ err: err.message }, "closing the card control port");
          resolve();
        });
      } catch (e) {
        this.log.debug({ err: e instanceof Error ? e.message : String(e) }, "closing the card control port");
        resolve();
      }
    });
  }

  private onPortGone(reason: string): void {
    if (this.fsm.state === "Open") this.fsm.dispatch("portLost", { reason });
    else if (this.fsm.state === "Opening") this.fsm.dispatch("openFailed", { reason });
  }

  private onTimeout(id: number): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.counters.timeouts++;
    this.consecutiveTimeouts++;
    this.settle(id, new CardControlError("timeout", `${p.request} ${id}: no response from ${this.opts.path} within ${this.opts.timers.response} ms`));
    const limit = this.opts.reopenAfterTimeouts;
    if (limit > 0 && this.consecutiveTimeouts >= limit && this.fsm.state === "Open") {
      this.fsm.dispatch("silent", { reason: `no response to ${this.consecutiveTimeouts} requests in a row` });
    }
  }

  private settle(id: number, outcome: CardControlError | { value: unknown }): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    p.timer.cancel();
    if (outcome instanceof CardControlError) p.reject(outcome);
    else p.resolve(outcome.value);
  }

  private onFrameError(error: DecodeError): void {
    this.counters.frameErrors++;
    this.log.debug({ offset: error.offset, field: error.field }, formatDecodeError(error));
    this.emit("protocolError", error);
  }

  private onData(chunk: Uint8Array): void {
    for (const item of this.decoder.push(chunk, this.opts.clock.now())) {
      if (item.kind === "error") {
        this.onFrameError(item.error);
        continue;
      }
      this.counters.framesIn++;
      const r = decodeEnvelope(item.payload);
      if (!r.ok) {
        this.counters.malformed++;
        this.log.warn({ offset: r.error.offset, field: r.error.field }, formatDecodeError(r.error));
        this.emit("protocolError", r.error);
        continue;
      }
      // A valid envelope: the card is there and talking.
      this.lastRxMs = this.opts.clock.now();
      this.consecutiveTimeouts = 0;
      this.backoffMs = this.opts.timers.reconnectInitial;
      this.onEnvelope(r.value);
    }
  }

  private onEnvelope(env: Envelope): void {
    const body = env.body;
    if (body === undefined) {
      this.counters.malformed++;
      this.emit("protocolError", { offset: 0, field: "Envelope.body", reason: `envelope ${env.id} has no body this client knows` });
      return;
    }
    if (body.kind === "alarmEvent") {
      this.onAlarm(body.value);
      return;
    }
    const p = this.pending.get(env.id);
    if (body.kind === "error") {
      const e = body.value;
      if (p === undefined) {
        this.log.warn({ id: env.id, code: enumName("ErrorCode", e.code), text: e.text }, "card reported an error");
        this.emit("remoteError", e, env.id);
        return;
      }
      this.settle(env.id, new CardControlError("card", `${p.request} ${env.id}: card error ${enumName("ErrorCode", e.code)}: ${e.text}`, e));
      return;
    }
    if (p === undefined) {
      this.counters.unmatched++;
      this.log.debug({ id: env.id, kind: body.kind }, "response to no outstanding request (late or duplicate)");
      return;
    }
    if (body.kind !== p.expect) {
      this.settle(env.id, new CardControlError("protocol", `${p.request} ${env.id}: answered with ${body.kind} instead of ${p.expect}`));
      return;
    }
    this.settle(env.id, { value: body.value });
  }

  private onAlarm(ev: AlarmEvent): void {
    const last = this.lastSequence;
    if (last !== undefined && ev.sequence > last + 1) {
      const lost = ev.sequence - last - 1;
      this.counters.eventsLost += lost;
      this.log.warn({ lost, sequence: ev.sequence }, "alarm events lost");
      this.emit("eventsLost", lost);
    }
    // A sequence at or below the last one: the card's endpoint restarted.
    this.lastSequence = ev.sequence;
    this.emit("alarm", ev);
  }
}
