/**
 * The numbering of the media engine's TDM channels on a card, defined once for the gateway:
 * the call logic asks for a span's timeslot (or an analog port) and gets the engine channel; the
 * card bearer in the media worker routes each block of the card's bearer layout to that channel.
 *
 * Numbering (fixed for the life of the engine, whatever the span configuration):
 *   for each span in span order, every addressable timeslot 1..N (E1: N = 31, G.704 §2.3 —
 *   timeslot 0 carries framing and is never addressable; T1: N = 24, G.704 §3.1), then every
 *   analog port in port order.
 * This is the card ABI's bearer layout order (hardware/abi/sipt_card.h, "bearer channels") with
 * every timeslot present. Timeslots outside a span's bearer mask (signalling, unconfigured)
 * keep their channel number but carry no audio (idle code in, transmit discarded), so a
 * reconfiguration never renumbers live channels.
 */
import type { G711Law } from "./types.js";

/** A span of the card as the map needs it: its number and how many timeslots it addresses. */
export interface TdmSpanTopology {
  readonly span: number;
  /** 31 on an E1, 24 on a T1. */
  readonly timeslots: number;
}

/** The card's spans and analog ports (plain data: it crosses to the media worker). */
export interface TdmTopology {
  readonly spans: readonly TdmSpanTopology[];
  /** Analog port numbers. */
  readonly ports: readonly number[];
}

/** What an engine channel is on the card; the same shape as an entry of the card's bearer layout. */
export type TdmChannelKey =
  | { readonly kind: "span"; readonly span: number; readonly timeslot: number }
  | { readonly kind: "port"; readonly port: number };

/** One entry of a card bearer layout (drivers/api BearerChannel fits). */
export type BearerLayoutEntry =
  | { readonly kind: "span"; readonly span: number; readonly timeslot: number; readonly companding: G711Law }
  | { readonly kind: "port"; readonly port: number; readonly companding: G711Law };

const MAX_TIMESLOTS = 31;

export class TdmChannelMap {
  /** Number of engine channels. */
  readonly size: number;
  private readonly spanBase = new Map<number, { readonly base: number; readonly timeslots: number }>();
  private readonly portChannel = new Map<number, number>();
  private readonly keys: TdmChannelKey[] = [];

  /** Throws RangeError on a topology no card can have (a bug of whoever built it). */
  constructor(readonly topology: TdmTopology) {
    const spans = [...topology.spans].sort((a, b) => a.span - b.span);
    for (const s of spans) {
      if (!Number.isInteger(s.span) || s.span < 1) throw new RangeError(`span number ${s.span} is not a positive integer`);
      if (this.spanBase.has(s.span)) throw new RangeError(`span ${s.span} is listed twice`);
      if (!Number.isInteger(s.timeslots) || s.timeslots < 1 || s.timeslots > MAX_TIMESLOTS)
        throw new RangeError(`span ${s.span} has ${s.timeslots} timeslots; a span addresses 1 to ${MAX_TIMESLOTS}`);
      this.spanBase.set(s.span, { base: this.keys.length, timeslots: s.timeslots });
      for (let ts = 1; ts <= s.timeslots; ts++) this.keys.push({ kind: "span", span: s.span, timeslot: ts });
    }
    for (const p of [...topology.ports].sort((a, b) => a - b)) {
      if (!Number.isInteger(p) || p < 1) throw new RangeError(`port number ${p} is not a positive integer`);
      if (this.portChannel.has(p)) throw new RangeError(`port ${p} is listed twice`);
      this.portChannel.set(p, this.keys.length);
      this.keys.push({ kind: "port", port: p });
    }
    this.size = this.keys.length;
  }

  /** The engine channel of a span's timeslot; undefined when the card has no such timeslot. */
  channelOf(span: number, timeslot: number): number | undefined {
    const s = this.spanBase.get(span);
    if (s === undefined || !Number.isInteger(timeslot) || timeslot < 1 || timeslot > s.timeslots) return undefined;
    return s.base + timeslot - 1;
  }

  /** The engine channel of an analog port. */
  channelOfPort(port: number): number | undefined {
    return this.portChannel.get(port);
  }

  /** What an engine channel is on the card. */
  keyOf(channel: number): TdmChannelKey | undefined {
    return this.keys[channel];
  }

  /** The engine channel of a bearer layout entry, if the card it describes is this one. */
  channelOfKey(key: TdmChannelKey): number | undefined {
    return key.kind === "span" ? this.channelOf(key.span, key.timeslot) : this.channelOfPort(key.port);
  }

  /**
   * The route of a card bearer layout: entry i of the layout goes to engine channel route[i]
   * (-1: a channel this map does not know, fed idle code and its receive discarded).
   */
  route(layout: readonly TdmChannelKey[]): Int32Array {
    const r = new Int32Array(layout.length);
    const seen = new Set<number>();
    layout.forEach((k, i) => {
      const ch = this.channelOfKey(k);
      // A layout naming one channel twice is malformed: the second copy is not routed.
      r[i] = ch === undefined || seen.has(ch) ? -1 : ch;
      if (ch !== undefined) seen.add(ch);
    });
    return r;
  }

  /** True when the layout is exactly the engine numbering (blocks can be exchanged in place). */
  isIdentity(route: Int32Array): boolean {
    if (route.length !== this.size) return false;
    for (let i = 0; i < route.length; i++) if (route[i] !== i) return false;
    return true;
  }
}

/** Idle code of a G.711 channel as the card ABI defines it (SIPT_LAW_ALAW 0xD5, SIPT_LAW_ULAW 0xFF). */
export function idleCode(law: G711Law): number {
  return law === "ulaw" ? 0xff : 0xd5;
}
