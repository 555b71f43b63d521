/**
 * The card contract: what the gateway needs from an E1/T1 + FXS/FXO card.
 * Types only. It mirrors hardware/abi/sipt_card.h (ABI 1.x); drivers/card
 * implements it over any C library implementing that header.
 *
 * Standards behind the names: ITU-T G.703 (line codes), G.704 (framing,
 * CRC-4, ESF), G.711 (companding), G.775 (LOS/AIS/LOF/RAI defects), G.822
 * (controlled slips), Q.703 / Q.921 (the HDLC users of signalling channels).
 *
 * Synchronous calls never wait: they return as soon as the card has taken
 * the request. Calls that wait (the bearer tick, close) return promises.
 * Failures throw a CardError (code from the ABI, the operation, the reason).
 */

export type SpanType = "E1" | "T1";
/** G.704: E1 double frame (no CRC-4) or CRC-4 multiframe; T1 superframe (D4) or extended superframe. */
export type Framing = "E1-DF" | "E1-CRC4" | "T1-D4" | "T1-ESF";
/** G.703 line codes: HDB3 and AMI on E1, B8ZS and AMI on T1. */
export type LineCode = "HDB3" | "AMI" | "B8ZS";
/** master: the card times this span; recovered: the card may take its timing from it. */
export type ClockMode = "master" | "recovered";
export type Companding = "alaw" | "ulaw";
export type PacingMode = "realtime" | "freerun";
/** G.775 defects as the card reports them. */
export type Alarm = "LOS" | "LOF" | "AIS" | "RAI";
export type PortKind = "FXS" | "FXO";

/** ABI error names (SIPT_CARD_E*). */
export type CardErrorCode =
  | "EINVAL"
  | "ENOENT"
  | "EBUSY"
  | "ESTATE"
  | "EAGAIN"
  | "ETIMEDOUT"
  | "ENOMEM"
  | "EIO"
  | "EMSGSIZE"
  | "ENOTSUP"
  | "EPROFILE"
  | "EINTR"
  | "ELAYOUT"
  | "EABI"
  | "ECLOSED"
  | "EUNKNOWN";

/**
 * What a failing card call throws. `code` is the ABI error ("EABI" for a
 * library of the wrong ABI version, "ECLOSED" for a call on a closed card),
 * `operation` the call that failed, e.g. "configureSpan(1)".
 */
export interface CardError extends Error {
  readonly name: "CardError";
  readonly code: CardErrorCode;
  readonly operation: string;
}

export interface AbiVersion {
  readonly major: number;
  readonly minor: number;
}

export interface CardInfo {
  readonly driver: string;
  readonly model: string;
  readonly serial: string;
  readonly abi: AbiVersion;
  readonly spanCount: number;
  readonly portCount: number;
  /** Octets per bearer channel per block (160 = 20 ms at 8000 samples/s). */
  readonly blockBytes: number;
  readonly mode: PacingMode;
}

export interface SpanInfo {
  /** From 1. */
  readonly span: number;
  readonly name: string;
  readonly type: SpanType;
  /** 31 on E1 (timeslots 1..31), 24 on T1 (1..24). */
  readonly timeslots: number;
  readonly configured: boolean;
}

export interface SpanConfig {
  readonly framing: Framing;
  readonly lineCode: LineCode;
  readonly clock: ClockMode;
  /** recovered: 1 = preferred timing reference, 2 = next ...; master: 0. */
  readonly clockPriority: number;
  readonly companding: Companding;
  /** Timeslots moved by the bearer exchange, ascending. */
  readonly bearerTimeslots: readonly number[];
  /** Timeslots that may carry an HDLC channel; disjoint from bearerTimeslots. */
  readonly signallingTimeslots: readonly number[];
}

export interface SpanStatus {
  readonly span: number;
  readonly configured: boolean;
  readonly alarms: readonly Alarm[];
  /** This span is the card's timing reference now. */
  readonly clockSource: boolean;
  readonly slips: number;
  readonly bipolarViolations: number;
  readonly crcErrors: number;
  readonly fasErrors: number;
  readonly rxBlocks: number;
  readonly txBlocks: number;
}

export interface SignallingStatus {
  readonly span: number;
  readonly timeslot: number;
  readonly rxQueued: number;
  readonly rxFrames: number;
  readonly txFrames: number;
  readonly rxCrcErrors: number;
  readonly rxInvalid: number;
  readonly rxOverflows: number;
  readonly txDropped: number;
}

/**
 * An HDLC channel on one timeslot. Frames, both ways, are the octets between
 * the flags followed by two FCS octets (the DAHDI convention libss7 and
 * libpri follow): send() needs them as placeholders, received frames carry
 * them (content unspecified). Frames with a bad FCS never arrive; they are
 * counted (rxCrcErrors) and reported ("sig-crc" events).
 */
export interface SignallingChannel {
  readonly span: number;
  readonly timeslot: number;
  /** Queue one frame for transmission (4..1024 octets with the FCS). Never waits. */
  send(frame: Uint8Array): void;
  /** Receive frames; returns a function that removes the listener. Frames are fresh copies. */
  onFrame(listener: (frame: Uint8Array) => void): () => void;
  status(): SignallingStatus;
  /** Release the channel; queued frames are discarded. Idempotent. */
  close(): void;
}

export type BearerChannel =
  | { readonly index: number; readonly kind: "span"; readonly span: number; readonly timeslot: number; readonly companding: Companding }
  | { readonly index: number; readonly kind: "port"; readonly port: number; readonly companding: Companding };

export interface BearerLayout {
  /** In channel-index order: span timeslots (span order, ascending), then analog ports. */
  readonly channels: readonly BearerChannel[];
  readonly blockBytes: number;
  /** channels.length * blockBytes: the length of the tx and rx buffers. */
  readonly bufferBytes: number;
}

export interface BearerStatus {
  readonly ticks: number;
  readonly lateTicks: number;
  readonly channels: number;
  readonly blockBytes: number;
  readonly mode: PacingMode;
  /** Span providing timing, 0 for the card's own oscillator. */
  readonly clockSource: number;
}

/**
 * Bearer I/O: one call per tick moves one block for every bearer channel.
 * Buffers are channel-major: octets [i*blockBytes, (i+1)*blockBytes) belong
 * to channel index i. Real-time cards pace the call by their 8 kHz clock.
 */
export interface BearerExchange {
  /** The current layout; re-read it after a "bearer-layout" event. */
  layout(): BearerLayout;
  /**
   * Send tx and fill rx with one block per channel, off the calling thread;
   * resolves with the tick number of the block. The caller owns both buffers
   * and must not touch them until the promise settles. One exchange at a time.
   */
  exchange(tx: Uint8Array, rx: Uint8Array): Promise<bigint>;
  /**
   * The same, blocking the calling thread until the tick (up to one block
   * period in real time). For a dedicated media worker thread only.
   */
  exchangeBlocking(tx: Uint8Array, rx: Uint8Array): bigint;
  status(): BearerStatus;
}

export interface PortInfo {
  readonly port: number;
  readonly name: string;
  readonly kind: PortKind;
  readonly companding: Companding;
}

export interface PortStatus {
  readonly port: number;
  readonly kind: PortKind;
  /** FXS: the telephone's hook; FXO: the card's own hook on the line. */
  readonly offHook: boolean;
  /** FXS: ring cadence running; FXO: ringing voltage present now. */
  readonly ringing: boolean;
  readonly polarityReversed: boolean;
  /** FXS: battery fed; FXO: battery detected. */
  readonly battery: boolean;
  readonly loopCurrentMa: number;
}

export type CardEvent =
  | { readonly type: "span-alarm"; readonly span: number; readonly alarms: readonly Alarm[]; readonly changed: readonly Alarm[]; readonly timeNs: bigint }
  | { readonly type: "span-slip" | "span-bpv" | "span-crc" | "span-fas"; readonly span: number; readonly delta: number; readonly total: number; readonly timeNs: bigint }
  | { readonly type: "clock-source"; readonly span: number; readonly timeNs: bigint }
  | { readonly type: "sig-crc" | "sig-overflow"; readonly span: number; readonly timeslot: number; readonly delta: number; readonly total: number; readonly timeNs: bigint }
  | { readonly type: "bearer-layout"; readonly timeNs: bigint }
  | { readonly type: "bearer-late"; readonly skipped: number; readonly total: number; readonly timeNs: bigint }
  | { readonly type: "port-hook"; readonly port: number; readonly offHook: boolean; readonly timeNs: bigint }
  | { readonly type: "port-flash"; readonly port: number; readonly durationMs: number; readonly timeNs: bigint }
  | { readonly type: "port-ring"; readonly port: number; readonly ringing: boolean; readonly timeNs: bigint }
  | { readonly type: "port-polarity"; readonly port: number; readonly reversed: boolean; readonly timeNs: bigint }
  | { readonly type: "port-battery"; readonly port: number; readonly present: boolean; readonly timeNs: bigint }
  | { readonly type: "port-loop"; readonly port: number; readonly currentMa: number; readonly timeNs: bigint }
  | { readonly type: "port-ring-trip"; readonly port: number; readonly timeNs: bigint }
  | { readonly type: "events-lost"; readonly count: number; readonly timeNs: bigint }
  | { readonly type: "unknown"; readonly code: number; readonly timeNs: bigint };

export interface FxsControl {
  /** Ring with a cadence of on/off durations in ms (2..8 values, even count, 50..10000 each) until stopped or answered. */
  ringStart(port: number, cadenceMs: readonly number[]): void;
  ringStop(port: number): void;
  setPolarity(port: number, reversed: boolean): void;
  setBattery(port: number, on: boolean): void;
}

export interface FxoControl {
  setHook(port: number, offHook: boolean): void;
  /** Timed on-hook (register recall), 50..2000 ms; returns at once. */
  flash(port: number, durationMs: number): void;
}

export interface CardDriver {
  info(): CardInfo;
  spans(): readonly SpanInfo[];
  ports(): readonly PortInfo[];
  configureSpan(span: number, config: SpanConfig): void;
  /** undefined while the span is not configured. */
  spanConfig(span: number): SpanConfig | undefined;
  spanStatus(span: number): SpanStatus;
  openSignalling(span: number, timeslot: number): SignallingChannel;
  readonly bearer: BearerExchange;
  readonly fxs: FxsControl;
  readonly fxo: FxoControl;
  portStatus(port: number): PortStatus;
  /** Card events in the order the card queued them; returns a function that removes the listener. */
  onEvent(listener: (event: CardEvent) => void): () => void;
  /** Wait for an exchange in progress, stop event delivery, release everything. Idempotent. */
  close(): Promise<void>;
  readonly closed: boolean;
}
