/**
 * The media plane as the gateway's call logic holds it: the media switch, where a circuit's
 * timeslot sits in it, the G.711 law of a span, the address RTP is bound to, and the product
 * defaults for new RTP streams. The composition root (src/cli/media-component.ts) provides it
 * once the card and the media worker run.
 */
import type { DtmfMode, EchoCancellerConfig, G711Law, MediaSwitch, PtimeMs } from "./types.js";

/** Defaults for new RTP streams, from the configuration's `media` section. */
export interface GatewayMediaDefaults {
  readonly dtmfMode: DtmfMode;
  readonly echoCanceller: EchoCancellerConfig;
  readonly ptimeMs: PtimeMs;
  /** Adaptive jitter buffer bounds; absent: the engine's own (20 / 200 ms). */
  readonly jitterBuffer?: { readonly minMs: number; readonly maxMs: number };
}

export interface GatewayMedia {
  readonly media: MediaSwitch;
  /**
   * The engine TDM channel of a span's bearer timeslot; undefined when the card has no such
   * span or timeslot, or the timeslot is not a bearer now (signalling, not configured).
   */
  channelOf(span: number, timeslot: number): number | undefined;
  /** G.711 law of a span's bearers: A-law on E1, mu-law on T1 (the span's configured companding). */
  lawOf(span: number): G711Law;
  /** Literal address RTP ports are bound to (and written in SDP); configuration, default 127.0.0.1. */
  readonly rtpBindAddress: string;
  readonly defaults: GatewayMediaDefaults;
}
