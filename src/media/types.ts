/**
 * Types of the media plane as the gateway sees it: RTP streams bound to TDM channels,
 * TDM-to-TDM cross-connects, tones and DTMF, counters and events. The native engine in
 * drivers/media implements {@link MediaSwitch}; the gateway only ever holds this interface.
 *
 * References: RFC 3550 (RTP/RTCP), RFC 3551 §4.5.14 and Table 4 (PCMU/PCMA, static payload
 * types 0 and 8), RFC 3264 §5.1 and RFC 4566 §6 (direction attributes), RFC 4733 (telephone
 * events), RFC 5761 (rtcp-mux), RFC 4961 (symmetric RTP), ITU-T G.711 (A-law / mu-law).
 */

/** ITU-T G.711 companding law of a TDM channel: A-law on E1, mu-law on T1. */
export type G711Law = "alaw" | "ulaw";

/** RTP audio payload formats the engine switches (RFC 3551 §4.5.14). */
export type AudioCodec = "PCMU" | "PCMA";

/** Media direction, seen from the gateway (RFC 3264 §5.1, RFC 4566 §6). */
export type MediaDirection = "sendrecv" | "sendonly" | "recvonly" | "inactive";

/**
 * DTMF toward the IP side. `rfc4733`: digits detected on TDM leave as RFC 4733 events and the
 * in-band tone is muted; `inband`: audio passes untouched; `both`: events and audio.
 * Incoming RFC 4733 events are always played into TDM when a telephone-event PT is set.
 */
export type DtmfMode = "rfc4733" | "inband" | "both";

/** Where a tone or digit goes: toward the TDM channel or toward the RTP peer. */
export type MediaSide = "tdm" | "rtp";

/** Packetization times the engine sends (RFC 4566 §6 a=ptime); it receives any. */
export type PtimeMs = 10 | 20 | 30;

/** A local UDP port pair (RTP, RTCP) or one rtcp-mux port, bound before SDP is written. */
export interface MediaPortRequest {
  /** Literal IPv4 or IPv6 address to bind. */
  readonly bindAddress: string;
  /** 0 or absent: an even ephemeral port (with the next one free unless rtcpMux). */
  readonly port?: number;
  /** RTCP on the RTP port (RFC 5761). */
  readonly rtcpMux: boolean;
  /** DiffServ code point (RFC 2474); 46 = EF (RFC 3246). */
  readonly dscp?: number;
}

export interface MediaPort {
  readonly portId: number;
  readonly bindAddress: string;
  readonly rtpPort: number;
  readonly rtcpPort: number;
  readonly rtcpMux: boolean;
}

export interface RemoteRtpAddress {
  /** Literal IPv4 or IPv6 address from the SDP c= line. */
  readonly address: string;
  readonly rtpPort: number;
  /** a=rtcp (RFC 3605); default rtpPort + 1, or rtpPort with rtcp-mux. */
  readonly rtcpPort?: number;
}

export interface EchoCancellerConfig {
  readonly enabled: boolean;
  /** Echo tail in ms, 8..128 (ITU-T G.168 §6: tail capacity). */
  readonly tailMs: number;
}

/** One RTP stream switched to one TDM channel. */
export interface RtpStreamConfig {
  readonly tdmChannel: number;
  readonly portId: number;
  /** Absent until the remote's SDP is known: the stream then only latches. */
  readonly remote?: RemoteRtpAddress;
  readonly direction: MediaDirection;
  readonly codec: AudioCodec;
  /** RTP payload type of the codec: 0 for PCMU, 8 for PCMA, or a dynamic number. */
  readonly payloadType: number;
  /** telephone-event payload type (RFC 4733 §7.1.1), absent when not negotiated. */
  readonly telephoneEventPt?: number;
  readonly ptimeMs: PtimeMs;
  readonly dtmfMode: DtmfMode;
  readonly echoCanceller: EchoCancellerConfig;
  /** Symmetric RTP latching to the first valid source (RFC 4961, RFC 7362 §4). */
  readonly latch: boolean;
  /** RTP SSRC (RFC 3550 §8.1); absent: random. */
  readonly ssrc?: number;
  /** Adaptive jitter buffer bounds in ms (defaults 20 / 200, at most 400). */
  readonly jitterBuffer?: { readonly minMs: number; readonly maxMs: number };
  /** Silence of the latched source, in ms, after which another source may take over (default 2000). */
  readonly relatchMs?: number;
  /** RTCP SDES CNAME (RFC 3550 §6.5.1), at most 31 octets. */
  readonly cname?: string;
}

/** One cadence step of a tone (ITU-T E.180 §2). */
export interface ToneStep {
  readonly f1Hz: number;
  /** Second frequency; absent for a single frequency. */
  readonly f2Hz?: number;
  /** Amplitude modulation frequency instead of a second frequency (e.g. 400 Hz * 25 Hz). */
  readonly amHz?: number;
  /** Modulation depth in percent with amHz. */
  readonly amDepthPercent?: number;
  readonly levelDbm0: number;
  /** Level of f2 (defaults to levelDbm0). */
  readonly level2Dbm0?: number;
  /** 0: a steady tone (the only step). */
  readonly onMs: number;
  readonly offMs: number;
}

export interface ToneSpec {
  /** 1..4 steps played in turn. */
  readonly steps: readonly ToneStep[];
  /** Repeat the cadence until stopped. */
  readonly repeat: boolean;
}

export type ToneName = "dial" | "ringback" | "busy" | "congestion" | "sit";

export type MediaEventKind =
  | "dtmf-tdm-start"
  | "dtmf-tdm-end"
  | "dtmf-rtp-start"
  | "dtmf-rtp-end"
  | "latched"
  | "ssrc-changed"
  | "tone-done"
  | "rtcp-bye"
  | "dtmf-sent";

export interface MediaEvent {
  readonly kind: MediaEventKind;
  /** The engine tick (block counter) when it happened. */
  readonly tick: bigint;
  /** Absent when the event concerns a TDM channel only. */
  readonly streamId?: number;
  readonly channel: number;
  /** Digit for DTMF events ("0"-"9", "*", "#", "A"-"D", or "event-NN"), side for tone-done. */
  readonly detail?: string;
  /** Duration in ms for *-end, level in dBm0 for *-start, new SSRC for ssrc-changed. */
  readonly value: number;
}

/** Counters by name, as the engine reports them (names are snake_case, units in the names). */
export type CounterRow = Readonly<Record<string, number>>;

export interface MediaCounters {
  readonly global: CounterRow;
  /** One row per live stream; row.stream_id is the stream id. */
  readonly streams: readonly CounterRow[];
}

/** Tick timing of the media worker. */
export interface MediaTiming {
  readonly ticks: number;
  readonly lateTicks: number;
  readonly skippedTicks: number;
  readonly p99LateMs: number;
  readonly maxLateMs: number;
}

/**
 * What the gateway needs from the media plane. Every operation takes effect at the next tick
 * boundary; a rejected operation rejects its promise with an error naming the operation and
 * the reason.
 */
export interface MediaSwitch {
  openPort(request: MediaPortRequest): Promise<MediaPort>;
  closePort(portId: number): Promise<void>;
  addStream(config: RtpStreamConfig): Promise<number>;
  /** RTP sequence number, timestamp and SSRC continue across the change (RFC 3550 §5.1). */
  modifyStream(streamId: number, config: RtpStreamConfig): Promise<void>;
  removeStream(streamId: number): Promise<void>;
  crossConnect(channelA: number, channelB: number): Promise<void>;
  clearCrossConnect(channel: number): Promise<void>;
  startTone(channel: number, side: MediaSide, tone: ToneSpec): Promise<void>;
  stopTone(channel: number, side: MediaSide): Promise<void>;
  sendDtmf(channel: number, side: MediaSide, digit: string, durationMs: number): Promise<void>;
  setTdmLaw(channel: number, law: G711Law): Promise<void>;
  counters(): Promise<MediaCounters>;
  timing(): Promise<MediaTiming>;
  /** Returns a function that removes the listener. */
  onEvent(listener: (event: MediaEvent) => void): () => void;
  close(): Promise<void>;
}

/**
 * The TDM side of the media worker: once per block it sends `tx` (the blocks the previous tick
 * produced) and fills `rx` with what the channels received, channel c at c * blockSamples (the
 * channel-major layout of the card contract's bearer exchange, channel index = engine channel).
 * The card driver's bulk bearer exchange implements it; the composition root names the module
 * that creates it.
 */
export interface TdmBearer {
  /**
   * "bearer": exchange() blocks until the next block is due (a real-time card's 8 kHz clock
   * paces the worker); "worker": exchange() returns at once and the worker keeps time itself.
   */
  readonly pacing: "bearer" | "worker";
  /** Moves one block per channel; returns the tick number of the block. */
  exchange(rx: Uint8Array, tx: Uint8Array, tick: bigint): bigint;
  close(): void;
}

/** A module the media worker imports to obtain its bearer (by URL, from the composition root). */
export interface TdmBearerModule {
  createTdmBearer(options: Readonly<Record<string, unknown>>, channels: number, blockSamples: number): TdmBearer;
}
