/**
 * CardDriver over any C library implementing hardware/abi/sipt_card.h,
 * loaded with koffi.
 *
 * Receive path without blocking the event loop: one background loop per card
 * calls `sipt_card_wait` as a koffi *async* call (it runs on a libuv worker
 * thread, never on the event loop) with a bounded slice; when it reports
 * readiness, the event loop drains every open signalling channel and the
 * event queue with non-blocking calls and hands frames and events to the
 * listeners. close() calls `sipt_card_interrupt`, so the pending wait returns
 * at once, and only then closes the card: no native call ever sees a freed
 * handle. A koffi.register callback from a C thread was the alternative; the
 * wait loop keeps the ABI free of callbacks and the ordering of frames and
 * events identical to the card's queues.
 *
 * The bearer exchange is a koffi async call too (exchange()), or a plain
 * blocking call (exchangeBlocking()) for a dedicated media worker thread.
 */
import type {
  Alarm,
  BearerChannel,
  BearerExchange,
  BearerLayout,
  BearerStatus,
  CardDriver,
  CardError,
  CardErrorCode,
  CardEvent,
  CardInfo,
  ClockMode,
  Companding,
  Framing,
  FxoControl,
  FxsControl,
  LineCode,
  PacingMode,
  PortInfo,
  PortStatus,
  SignallingChannel,
  SignallingStatus,
  SpanConfig,
  SpanInfo,
  SpanStatus,
} from "../api/card.js";
import koffi from "koffi";
import { AbiMismatch, ERROR_CODES, RC, loadCardLibrary, type CardAbi, type LoadedLibrary } from "./native.js";

const SIG_MAX_FRAME = 1024;

export class KoffiCardError extends Error implements CardError {
  override readonly name = "CardError" as const;
  readonly code: CardErrorCode;
  readonly operation: string;
  constructor(code: CardErrorCode, operation: string, reason: string) {
    super(`${operation}: ${reason} (${code})`);
    this.code = code;
    this.operation = operation;
  }
}

export function isCardError(e: unknown): e is CardError {
  return e instanceof Error && e.name === "CardError" && typeof (e as { code?: unknown }).code === "string";
}

/** Native handle of an open card, for library-specific extensions (sim-control.ts). */
export type NativeCardHandle = unknown;

/** The bearer exchange of an open card, lent to another thread (KoffiCard.leaseBearer). */
export interface BearerLease {
  /** Path of the card library: the borrowing thread loads the same (already loaded) library. */
  readonly library: string;
  /** Address of the sipt_card_t handle, valid until release() (the card cannot close before). */
  readonly handle: bigint;
  /** realtime: the exchange blocks until each tick; freerun: it returns once blocks are moved. */
  readonly mode: PacingMode;
  /** Octets per channel per block (samples at 8 kHz). */
  readonly blockBytes: number;
  /** Gives the bearer back; call once the borrowing thread has made its last exchange. */
  release(): void;
}

export interface OpenCardOptions {
  /** Path of the shared library implementing the card ABI. */
  readonly library: string;
  /** Open parameters: `key=value;...` string or an object of keys. */
  readonly params: string | Readonly<Record<string, string | number>>;
  /** Longest a background wait blocks before re-arming, ms (default 500). */
  readonly waitSliceMs?: number;
}

// ---- enumerations of the header, both ways ---------------------------------

const FRAMING: Readonly<Record<Framing, number>> = { "E1-DF": 1, "E1-CRC4": 2, "T1-D4": 3, "T1-ESF": 4 };
const LINE_CODE: Readonly<Record<LineCode, number>> = { HDB3: 1, AMI: 2, B8ZS: 3 };
const CLOCK: Readonly<Record<ClockMode, number>> = { master: 1, recovered: 2 };
const LAW: Readonly<Record<Companding, number>> = { alaw: 1, ulaw: 2 };
const ALARM_BITS: ReadonlyArray<readonly [Alarm, number]> = [
  ["LOS", 0x01],
  ["LOF", 0x02],
  ["AIS", 0x04],
  ["RAI", 0x08],
];

function invert<K extends string>(m: Readonly<Record<K, number>>): ReadonlyMap<number, K> {
  return new Map(Object.entries(m).map(([k, v]) => [v as number, k as K]));
}
const FRAMING_OF = invert(FRAMING);
const LINE_CODE_OF = invert(LINE_CODE);
const CLOCK_OF = invert(CLOCK);
const LAW_OF = invert(LAW);

function alarmsOf(bits: number): Alarm[] {
  return ALARM_BITS.filter(([, b]) => (bits & b) !== 0).map(([a]) => a);
}

function lawOf(v: number): Companding {
  return LAW_OF.get(v) ?? "alaw";
}

function modeOf(v: number): PacingMode {
  return v === 2 ? "freerun" : "realtime";
}

function paramsString(p: OpenCardOptions["params"]): string {
  if (typeof p === "string") return p;
  return Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(";");
}

interface StatusRecord {
  [k: string]: number | bigint | string | unknown;
}

const n = (v: unknown): number => Number(v);

// ---- the driver --------------------------------------------------------------

class KoffiSignallingChannel implements SignallingChannel {
  readonly listeners = new Set<(frame: Uint8Array) => void>();
  open = true;
  constructor(
    private readonly card: KoffiCard,
    readonly handle: number,
    readonly span: number,
    readonly timeslot: number,
  ) {}
  send(frame: Uint8Array): void {
    if (!this.open) throw new KoffiCardError("ECLOSED", `send(${this.span}/${this.timeslot})`, "channel closed");
    this.card.call(`send(${this.span}/${this.timeslot})`, (abi, h) => abi.sigSend(h, this.handle, frame, frame.length));
  }
  onFrame(listener: (frame: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  status(): SignallingStatus {
    const s: StatusRecord = {};
    this.card.call(`signallingStatus(${this.span}/${this.timeslot})`, (abi, h) => abi.sigStatus(h, this.handle, s));
    return {
      span: n(s["span"]),
      timeslot: n(s["timeslot"]),
      rxQueued: n(s["rx_queued"]),
      rxFrames: n(s["rx_frames"]),
      txFrames: n(s["tx_frames"]),
      rxCrcErrors: n(s["rx_crc_errors"]),
      rxInvalid: n(s["rx_invalid"]),
      rxOverflows: n(s["rx_overflows"]),
      txDropped: n(s["tx_dropped"]),
    };
  }
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.card.forgetChannel(this);
    if (!this.card.closed) this.card.call(`closeSignalling(${this.span}/${this.timeslot})`, (abi, h) => abi.sigClose(h, this.handle));
  }
}

export class KoffiCard implements CardDriver {
  readonly bearer: BearerExchange;
  readonly fxs: FxsControl;
  readonly fxo: FxoControl;
  private readonly abi: CardAbi;
  private readonly channels = new Map<number, KoffiSignallingChannel>();
  private readonly eventListeners = new Set<(e: CardEvent) => void>();
  private readonly rxFrame = new Uint8Array(SIG_MAX_FRAME);
  private readonly rxLen: number[] = [0];
  private closing = false;
  private closePromise: Promise<void> | undefined;
  private pumpDone: Promise<void> = Promise.resolve();
  private exchangeInflight: Promise<unknown> | undefined;
  private readonly tickOut: number[] = [0];
  private lease: { readonly holder: string; readonly released: Promise<void> } | undefined;

  private constructor(
    readonly library: LoadedLibrary,
    private readonly handle: NativeCardHandle,
    private readonly waitSliceMs: number,
  ) {
    this.abi = library.abi;
    this.bearer = {
      layout: () => this.layout(),
      exchange: (tx, rx) => this.exchange(tx, rx),
      exchangeBlocking: (tx, rx) => this.exchangeBlocking(tx, rx),
      status: () => this.bearerStatus(),
    };
    this.fxs = {
      ringStart: (port, cadenceMs) => {
        const cad = Uint32Array.from(cadenceMs);
        this.call(`ringStart(${port})`, (abi, h) => abi.fxsRingStart(h, port, cad, cad.length));
      },
      ringStop: (port) => this.call(`ringStop(${port})`, (abi, h) => abi.fxsRingStop(h, port)),
      setPolarity: (port, reversed) =>
        this.call(`setPolarity(${port})`, (abi, h) => abi.fxsPolarity(h, port, reversed ? 1 : 0)),
      setBattery: (port, on) => this.call(`setBattery(${port})`, (abi, h) => abi.fxsBattery(h, port, on ? 1 : 0)),
    };
    this.fxo = {
      setHook: (port, offHook) => this.call(`setHook(${port})`, (abi, h) => abi.fxoHook(h, port, offHook ? 1 : 0)),
      flash: (port, ms) => this.call(`flash(${port})`, (abi, h) => abi.fxoFlash(h, port, ms)),
    };
  }

  /** Load the library (ABI version checked) and open a card. */
  static async open(opts: OpenCardOptions): Promise<KoffiCard> {
    let lib: LoadedLibrary;
    try {
      lib = loadCardLibrary(opts.library);
    } catch (e) {
      if (e instanceof AbiMismatch) throw new KoffiCardError("EABI", "openCard", e.message);
      throw new KoffiCardError("ENOENT", "openCard", `cannot load card library ${opts.library}: ${(e as Error).message}`);
    }
    const params = paramsString(opts.params);
    const out: unknown[] = [null];
    const rc = await new Promise<number>((resolve, reject) =>
      lib.abi.open.async(params, out, (err: unknown, r: number) => (err ? reject(err as Error) : resolve(r))),
    );
    if (rc !== RC.OK) {
      throw new KoffiCardError(codeOf(rc), "openCard", `${String(lib.abi.strerror(rc))} (params "${params}")`);
    }
    const card = new KoffiCard(lib, out[0], opts.waitSliceMs ?? 500);
    card.pumpDone = card.pump();
    return card;
  }

  get closed(): boolean {
    return this.closing;
  }

  /** The native card handle, for library-specific extensions. */
  get native(): NativeCardHandle {
    if (this.closing) throw new KoffiCardError("ECLOSED", "native", "card closed");
    return this.handle;
  }

  /**
   * Hands the bearer exchange to another thread of this process (the media worker), which
   * attaches to the same card through the library path and the handle's address. The ABI lets
   * sipt_card_bearer_exchange run on any one thread at a time, concurrently with every other
   * call except sipt_card_close (hardware/abi/sipt_card.h, "Thread safety"). So, until the
   * lease is released: exchange() and exchangeBlocking() here fail with EBUSY, and close()
   * waits for the release before it closes the card. The holder must stop exchanging before
   * it calls release().
   */
  leaseBearer(holder: string): BearerLease {
    const op = `leaseBearer(${holder})`;
    if (this.closing) throw new KoffiCardError("ECLOSED", op, "card closed");
    if (this.lease) throw new KoffiCardError("EBUSY", op, `the bearer is already leased to ${this.lease.holder}`);
    if (this.exchangeInflight) throw new KoffiCardError("EBUSY", op, "an exchange is in progress on this thread");
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const lease = { holder, released };
    this.lease = lease;
    const info = this.info();
    return {
      library: this.library.path,
      handle: koffi.address(this.handle),
      mode: info.mode,
      blockBytes: info.blockBytes,
      release: () => {
        if (this.lease === lease) this.lease = undefined;
        release();
      },
    };
  }

  /** Run one non-waiting ABI call; throw a CardError on a negative result. */
  call(operation: string, fn: (abi: CardAbi, handle: NativeCardHandle) => number): number {
    if (this.closing) throw new KoffiCardError("ECLOSED", operation, "card closed");
    const rc = fn(this.abi, this.handle);
    if (rc < 0) throw new KoffiCardError(codeOf(rc), operation, String(this.abi.strerror(rc)));
    return rc;
  }

  forgetChannel(ch: KoffiSignallingChannel): void {
    this.channels.delete(ch.handle);
  }

  info(): CardInfo {
    const i: StatusRecord = {};
    this.call("info", (abi, h) => abi.info(h, i));
    const v = n(i["abi_version"]);
    return {
      driver: String(i["driver"]),
      model: String(i["model"]),
      serial: String(i["serial"]),
      abi: { major: v >>> 16, minor: v & 0xffff },
      spanCount: n(i["span_count"]),
      portCount: n(i["port_count"]),
      blockBytes: n(i["block_bytes"]),
      mode: modeOf(n(i["mode"])),
    };
  }

  spans(): readonly SpanInfo[] {
    const count = this.info().spanCount;
    const out: SpanInfo[] = [];
    for (let s = 1; s <= count; s++) {
      const r: StatusRecord = {};
      this.call(`spanInfo(${s})`, (abi, h) => abi.spanInfo(h, s, r));
      out.push({
        span: n(r["span"]),
        name: String(r["name"]),
        type: n(r["type"]) === 2 ? "T1" : "E1",
        timeslots: n(r["timeslots"]),
        configured: n(r["configured"]) !== 0,
      });
    }
    return out;
  }

  ports(): readonly PortInfo[] {
    const count = this.info().portCount;
    const out: PortInfo[] = [];
    for (let p = 1; p <= count; p++) {
      const r: StatusRecord = {};
      this.call(`portInfo(${p})`, (abi, h) => abi.portInfo(h, p, r));
      out.push({
        port: n(r["port"]),
        name: String(r["name"]),
        kind: n(r["kind"]) === 2 ? "FXO" : "FXS",
        companding: lawOf(n(r["companding"])),
      });
    }
    return out;
  }

  configureSpan(span: number, config: SpanConfig): void {
    const op = `configureSpan(${span})`;
    const mask = (list: readonly number[], what: string): number => {
      let m = 0;
      for (const t of list) {
        if (!Number.isInteger(t) || t < 1 || t > 31)
          throw new KoffiCardError("EINVAL", op, `${what} timeslot ${t} is not an integer from 1 to 31`);
        m |= 1 << t;
      }
      return m >>> 0;
    };
    const cfg = {
      framing: FRAMING[config.framing] ?? 0,
      line_code: LINE_CODE[config.lineCode] ?? 0,
      clock: CLOCK[config.clock] ?? 0,
      clock_priority: config.clockPriority,
      companding: LAW[config.companding] ?? 0,
      bearer_mask: mask(config.bearerTimeslots, "bearer"),
      sig_mask: mask(config.signallingTimeslots, "signalling"),
      reserved: [0, 0, 0, 0, 0],
    };
    if (!Number.isInteger(config.clockPriority) || config.clockPriority < 0 || config.clockPriority > 0xffff)
      throw new KoffiCardError("EINVAL", op, `clockPriority ${config.clockPriority} is out of range`);
    this.call(op, (abi, h) => abi.spanConfigure(h, span, cfg));
  }

  spanConfig(span: number): SpanConfig | undefined {
    if (this.closing) throw new KoffiCardError("ECLOSED", `spanConfig(${span})`, "card closed");
    const r: StatusRecord = {};
    const rc = this.abi.spanGetConfig(this.handle, span, r) as number;
    if (rc === -4) return undefined; // ESTATE: not configured
    if (rc < 0) throw new KoffiCardError(codeOf(rc), `spanConfig(${span})`, String(this.abi.strerror(rc)));
    const slots = (m: number) => Array.from({ length: 31 }, (_, i) => i + 1).filter((t) => ((m >>> t) & 1) === 1);
    return {
      framing: FRAMING_OF.get(n(r["framing"])) ?? "E1-DF",
      lineCode: LINE_CODE_OF.get(n(r["line_code"])) ?? "AMI",
      clock: CLOCK_OF.get(n(r["clock"])) ?? "master",
      clockPriority: n(r["clock_priority"]),
      companding: lawOf(n(r["companding"])),
      bearerTimeslots: slots(n(r["bearer_mask"])),
      signallingTimeslots: slots(n(r["sig_mask"])),
    };
  }

  spanStatus(span: number): SpanStatus {
    const r: StatusRecord = {};
    this.call(`spanStatus(${span})`, (abi, h) => abi.spanStatus(h, span, r));
    return {
      span: n(r["span"]),
      configured: n(r["configured"]) !== 0,
      alarms: alarmsOf(n(r["alarms"])),
      clockSource: n(r["clock_source"]) !== 0,
      slips: n(r["slips"]),
      bipolarViolations: n(r["bpv"]),
      crcErrors: n(r["crc_errors"]),
      fasErrors: n(r["fas_errors"]),
      rxBlocks: n(r["rx_blocks"]),
      txBlocks: n(r["tx_blocks"]),
    };
  }

  openSignalling(span: number, timeslot: number): SignallingChannel {
    const h = this.call(`openSignalling(${span}/${timeslot})`, (abi, hd) => abi.sigOpen(hd, span, timeslot));
    const ch = new KoffiSignallingChannel(this, h, span, timeslot);
    this.channels.set(h, ch);
    return ch;
  }

  portStatus(port: number): PortStatus {
    const r: StatusRecord = {};
    this.call(`portStatus(${port})`, (abi, h) => abi.portStatus(h, port, r));
    return {
      port: n(r["port"]),
      kind: n(r["kind"]) === 2 ? "FXO" : "FXS",
      offHook: n(r["off_hook"]) !== 0,
      ringing: n(r["ringing"]) !== 0,
      polarityReversed: n(r["polarity"]) !== 0,
      battery: n(r["battery"]) !== 0,
      loopCurrentMa: n(r["loop_ma"]),
    };
  }

  onEvent(listener: (event: CardEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closing = true;
    this.abi.interrupt(this.handle);
    this.closePromise = (async () => {
      await this.pumpDone;
      if (this.exchangeInflight) await this.exchangeInflight.catch(() => undefined);
      // A thread holding the bearer may be inside sipt_card_bearer_exchange: wait for it.
      if (this.lease) await this.lease.released;
      for (const ch of [...this.channels.values()]) {
        ch.open = false;
        this.abi.sigClose(this.handle, ch.handle);
      }
      this.channels.clear();
      this.eventListeners.clear();
      this.abi.close(this.handle);
    })();
    return this.closePromise;
  }

  // ---- bearer ----------------------------------------------------------------

  private layout(): BearerLayout {
    const count: number[] = [0];
    const block: number[] = [0];
    this.call("bearerLayout", (abi, h) => abi.bearerLayout(h, null, 0, count, block));
    const max = n(count[0]);
    const recs: StatusRecord[] = Array.from({ length: max }, () => ({}));
    if (max > 0) this.call("bearerLayout", (abi, h) => abi.bearerLayout(h, recs, max, count, block));
    const channels: BearerChannel[] = recs.slice(0, Math.min(max, n(count[0]))).map((r, index) =>
      n(r["kind"]) === 2
        ? { index, kind: "port", port: n(r["port"]), companding: lawOf(n(r["companding"])) }
        : { index, kind: "span", span: n(r["span"]), timeslot: n(r["timeslot"]), companding: lawOf(n(r["companding"])) },
    );
    const blockBytes = n(block[0]);
    return { channels, blockBytes, bufferBytes: channels.length * blockBytes };
  }

  private checkBuffers(op: string, tx: Uint8Array, rx: Uint8Array): void {
    if (this.closing) throw new KoffiCardError("ECLOSED", op, "card closed");
    if (tx.length !== rx.length)
      throw new KoffiCardError("EINVAL", op, `tx is ${tx.length} octets but rx is ${rx.length}; both must be the layout's bufferBytes`);
    if (this.exchangeInflight) throw new KoffiCardError("EBUSY", op, "an exchange is already in progress");
    if (this.lease) throw new KoffiCardError("EBUSY", op, `the bearer is leased to ${this.lease.holder}`);
  }

  private exchange(tx: Uint8Array, rx: Uint8Array): Promise<bigint> {
    this.checkBuffers("exchange", tx, rx);
    const tick: number[] = [0];
    const p = new Promise<bigint>((resolve, reject) => {
      this.abi.bearerExchange.async(this.handle, tx, rx, rx.length, tick, (err: unknown, rc: number) => {
        this.exchangeInflight = undefined;
        if (err) reject(err as Error);
        else if (rc < 0) reject(new KoffiCardError(codeOf(rc), "exchange", String(this.abi.strerror(rc))));
        else resolve(BigInt(n(tick[0])));
      });
    });
    this.exchangeInflight = p;
    return p;
  }

  private exchangeBlocking(tx: Uint8Array, rx: Uint8Array): bigint {
    this.checkBuffers("exchangeBlocking", tx, rx);
    this.call("exchangeBlocking", (abi, h) => abi.bearerExchange(h, tx, rx, rx.length, this.tickOut));
    return BigInt(n(this.tickOut[0]));
  }

  private bearerStatus(): BearerStatus {
    const r: StatusRecord = {};
    this.call("bearerStatus", (abi, h) => abi.bearerStatus(h, r));
    return {
      ticks: n(r["ticks"]),
      lateTicks: n(r["late_ticks"]),
      channels: n(r["channels"]),
      blockBytes: n(r["block_bytes"]),
      mode: modeOf(n(r["mode"])),
      clockSource: n(r["clock_source"]),
    };
  }

  // ---- receive loop ------------------------------------------------------------

  private waitAsync(timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) =>
      this.abi.wait.async(this.handle, timeoutMs, (err: unknown, rc: number) => (err ? reject(err as Error) : resolve(rc))),
    );
  }

  private async pump(): Promise<void> {
    while (!this.closing) {
      const rc = await this.waitAsync(this.waitSliceMs);
      if (this.closing) return;
      if (rc === RC.OK) this.drain();
      else if (rc !== RC.ETIMEDOUT && rc !== RC.EINTR) {
        // The wait itself failed (EIO): report it as an event-less failure by
        // retrying after a short pause rather than spinning.
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private drain(): void {
    for (const ch of [...this.channels.values()]) {
      for (;;) {
        if (!ch.open || this.closing) break;
        const rc = this.abi.sigRecv(this.handle, ch.handle, this.rxFrame, this.rxFrame.length, this.rxLen) as number;
        if (rc !== RC.OK) break; // EAGAIN: empty; a frame larger than the ABI maximum cannot be queued
        const frame = this.rxFrame.slice(0, n(this.rxLen[0]));
        for (const l of ch.listeners) deliver(() => l(frame));
      }
    }
    const ev: StatusRecord = {};
    while (!this.closing && this.abi.nextEvent(this.handle, ev) === RC.OK) {
      const e = toEvent(ev);
      for (const l of this.eventListeners) deliver(() => l(e));
    }
  }
}

/** A listener's exception must not stop delivery to the others. */
function deliver(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    queueMicrotask(() => {
      throw e;
    });
  }
}

function codeOf(rc: number): CardErrorCode {
  return (ERROR_CODES.get(rc) as CardErrorCode | undefined) ?? "EUNKNOWN";
}

function toEvent(r: StatusRecord): CardEvent {
  const type = n(r["type"]);
  const span = n(r["span"]);
  const port = n(r["port"]);
  const value = n(r["value"]);
  const total = n(r["count"]);
  const timeNs = BigInt(r["time_ns"] as number | bigint);
  switch (type) {
    case 1:
      return { type: "span-alarm", span, alarms: alarmsOf(value), changed: alarmsOf(n(r["changed"])), timeNs };
    case 2:
      return { type: "span-slip", span, delta: value, total, timeNs };
    case 3:
      return { type: "span-bpv", span, delta: value, total, timeNs };
    case 4:
      return { type: "span-crc", span, delta: value, total, timeNs };
    case 5:
      return { type: "span-fas", span, delta: value, total, timeNs };
    case 6:
      return { type: "clock-source", span: value, timeNs };
    case 7:
      return { type: "sig-crc", span, timeslot: n(r["timeslot"]), delta: value, total, timeNs };
    case 8:
      return { type: "sig-overflow", span, timeslot: n(r["timeslot"]), delta: value, total, timeNs };
    case 9:
      return { type: "bearer-layout", timeNs };
    case 10:
      return { type: "bearer-late", skipped: value, total, timeNs };
    case 20:
      return { type: "port-hook", port, offHook: value !== 0, timeNs };
    case 21:
      return { type: "port-flash", port, durationMs: value, timeNs };
    case 22:
      return { type: "port-ring", port, ringing: value !== 0, timeNs };
    case 23:
      return { type: "port-polarity", port, reversed: value !== 0, timeNs };
    case 24:
      return { type: "port-battery", port, present: value !== 0, timeNs };
    case 25:
      return { type: "port-loop", port, currentMa: value, timeNs };
    case 26:
      return { type: "port-ring-trip", port, timeNs };
    case 255:
      return { type: "events-lost", count: total, timeNs };
    default:
      return { type: "unknown", code: type, timeNs };
  }
}

/** Open a card through a library implementing hardware/abi/sipt_card.h. */
export function openCard(opts: OpenCardOptions): Promise<KoffiCard> {
  return KoffiCard.open(opts);
}
