/**
 * SDP audio codec choice for the G.711 media engine: which payload the answer takes from an
 * offer, which telephone-event payload type, what packetization time to send with, and the
 * answer's direction.
 *
 * RFC 3264 §6.1 (answer: formats from the offer, direction reversed: sendonly <-> recvonly),
 * RFC 3551 §6 Table 4 (static PT 0 = PCMU, 8 = PCMA at 8000 Hz), RFC 4855 §3 (subtype names
 * are case-insensitive), RFC 4566 §6 (a=ptime / a=maxptime are what the SDP's author wants to
 * receive), RFC 4733 §2.4.1 and §7.1.1 (telephone-event/8000; no fmtp means events 0-15).
 *
 * The input is the structural shape sdp-transform gives for one m= section.
 */
import type { AudioCodec, G711Law, MediaDirection, PtimeMs } from "./types.js";

export interface SdpRtpMap {
  readonly payload: number;
  readonly codec: string;
  readonly rate?: number;
  readonly encoding?: number | string;
}

export interface SdpFmtp {
  readonly payload: number;
  readonly config: string;
}

/** One audio m= section, as sdp-transform parses it. */
export interface SdpAudioMedia {
  readonly type: string;
  readonly port: number;
  readonly payloads?: string | number;
  readonly rtp: readonly SdpRtpMap[];
  readonly fmtp: readonly SdpFmtp[];
  readonly ptime?: number;
  readonly maxptime?: number;
  readonly direction?: MediaDirection;
}

export interface CodecPreferences {
  /** Law of the TDM channel: the matching codec avoids transcoding. */
  readonly tdmLaw: G711Law;
  /** Codecs acceptable here, most preferred first (default: the TDM law's codec, then the other). */
  readonly codecs?: readonly AudioCodec[];
  /** Take the offer's first acceptable codec even when it needs transcoding (default false). */
  readonly honourOfferOrder?: boolean;
  /** Offer telephone-event when the peer does (default true). */
  readonly dtmfEvents?: boolean;
  /** Our own direction limit, e.g. "recvonly" while only listening (default sendrecv). */
  readonly localDirection?: MediaDirection;
}

export interface AudioChoice {
  readonly codec: AudioCodec;
  readonly payloadType: number;
  readonly telephoneEventPt?: number;
  /** What we send with (the offerer asked for it with a=ptime, bounded by a=maxptime). */
  readonly ptimeMs: PtimeMs;
  /** The answer's direction, which is also the stream's direction seen from the gateway. */
  readonly direction: MediaDirection;
  readonly transcoding: boolean;
}

export type AudioChoiceResult =
  | { readonly ok: true; readonly value: AudioChoice }
  | { readonly ok: false; readonly reason: string; readonly clause: string };

const STATIC_PT: Readonly<Record<number, AudioCodec>> = { 0: "PCMU", 8: "PCMA" };

export function lawCodec(law: G711Law): AudioCodec {
  return law === "alaw" ? "PCMA" : "PCMU";
}

/** Payload types of the m= line in offer order (sdp-transform keeps them as a string). */
export function offeredPayloads(media: SdpAudioMedia): number[] {
  const raw = media.payloads;
  if (raw === undefined) return media.rtp.map((r) => r.payload);
  return String(raw)
    .trim()
    .split(/\s+/)
    .filter((t) => /^[0-9]{1,3}$/.test(t))
    .map(Number)
    .filter((n) => n <= 127);
}

function rtpmapOf(media: SdpAudioMedia, pt: number): SdpRtpMap | undefined {
  return media.rtp.find((r) => r.payload === pt);
}

function isMono8k(map: SdpRtpMap): boolean {
  const channels = map.encoding === undefined ? 1 : Number(map.encoding);
  return (map.rate ?? 8000) === 8000 && channels === 1;
}

/** The codec a payload type stands for here, if it is one we switch. */
export function codecOfPayload(media: SdpAudioMedia, pt: number): AudioCodec | undefined {
  const map = rtpmapOf(media, pt);
  if (map === undefined) return STATIC_PT[pt];
  if (!isMono8k(map)) return undefined;
  const name = map.codec.toUpperCase();
  return name === "PCMU" || name === "PCMA" ? name : undefined;
}

/** Events 0-15 (the DTMF digits) within an RFC 4733 §2.4.1 event list such as "0-15,66,70". */
export function coversDtmf(fmtpConfig: string | undefined): boolean {
  if (fmtpConfig === undefined || fmtpConfig.trim() === "") return true;
  const have = new Set<number>();
  for (const part of fmtpConfig.split(",")) {
    const m = /^\s*([0-9]{1,3})(?:\s*-\s*([0-9]{1,3}))?\s*$/.exec(part);
    if (m === null) return false;
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    for (let e = lo; e <= Math.min(hi, 15); e++) have.add(e);
  }
  for (let e = 0; e <= 15; e++) if (!have.has(e)) return false;
  return true;
}

/** RFC 3264 §6.1 answer direction, limited by our own. */
export function answerDirection(offered: MediaDirection | undefined, local: MediaDirection = "sendrecv"): MediaDirection {
  const off = offered ?? "sendrecv";
  const weSend = (off === "sendrecv" || off === "recvonly") && (local === "sendrecv" || local === "sendonly");
  const weRecv = (off === "sendrecv" || off === "sendonly") && (local === "sendrecv" || local === "recvonly");
  return weSend && weRecv ? "sendrecv" : weSend ? "sendonly" : weRecv ? "recvonly" : "inactive";
}

/** The ptime we send with: the offerer's a=ptime if we can, else 20 ms, never above a=maxptime. */
export function choosePtime(ptime: number | undefined, maxptime: number | undefined): PtimeMs {
  const allowed: PtimeMs[] = [10, 20, 30];
  const cap = maxptime !== undefined && maxptime > 0 ? maxptime : Infinity;
  if (ptime !== undefined && (allowed as number[]).includes(ptime) && ptime <= cap) return ptime as PtimeMs;
  const wanted = ptime !== undefined && ptime > 0 ? ptime : 20;
  const fitting = allowed.filter((p) => p <= cap);
  if (fitting.length === 0) return 10;
  return fitting.reduce((best, p) => (Math.abs(p - wanted) < Math.abs(best - wanted) ? p : best));
}

/** Picks the answer's audio format from an offer's m= section. */
export function chooseAudio(media: SdpAudioMedia, prefs: CodecPreferences): AudioChoiceResult {
  if (media.type !== "audio") return { ok: false, reason: `m=${media.type} is not audio`, clause: "RFC 3264 §6" };
  const native = lawCodec(prefs.tdmLaw);
  const acceptable = prefs.codecs ?? [native, native === "PCMA" ? "PCMU" : "PCMA"];
  const offered = offeredPayloads(media);
  const candidates = offered
    .map((pt) => ({ pt, codec: codecOfPayload(media, pt) }))
    .filter((c): c is { pt: number; codec: AudioCodec } => c.codec !== undefined && acceptable.includes(c.codec));
  if (candidates.length === 0) {
    return { ok: false, reason: `none of the offered payload types (${offered.join(" ")}) is ${acceptable.join(" or ")}`, clause: "RFC 3264 §6.1" };
  }
  let pick = candidates[0];
  if (prefs.honourOfferOrder !== true) {
    const rank = (c: AudioCodec): number => acceptable.indexOf(c);
    pick = candidates.reduce((best, c) => (rank(c.codec) < rank(best.codec) ? c : best));
  }
  if (pick === undefined) return { ok: false, reason: "no codec", clause: "RFC 3264 §6.1" };
  let telephoneEventPt: number | undefined;
  if (prefs.dtmfEvents !== false) {
    for (const pt of offered) {
      const map = rtpmapOf(media, pt);
      if (map === undefined || map.codec.toLowerCase() !== "telephone-event" || (map.rate ?? 0) !== 8000) continue;
      const fmtp = media.fmtp.find((f) => f.payload === pt)?.config;
      if (coversDtmf(fmtp)) {
        telephoneEventPt = pt;
        break;
      }
    }
  }
  return {
    ok: true,
    value: {
      codec: pick.codec,
      payloadType: pick.pt,
      ...(telephoneEventPt !== undefined ? { telephoneEventPt } : {}),
      ptimeMs: choosePtime(media.ptime, media.maxptime),
      direction: answerDirection(media.direction, prefs.localDirection),
      transcoding: pick.codec !== native,
    },
  };
}

/** The rtpmap/fmtp/ptime lines of an answer (or offer) carrying a choice, in sdp-transform shape. */
export function mediaAttributes(choice: Pick<AudioChoice, "codec" | "payloadType" | "telephoneEventPt" | "ptimeMs" | "direction">): {
  payloads: string;
  rtp: SdpRtpMap[];
  fmtp: SdpFmtp[];
  ptime: number;
  direction: MediaDirection;
} {
  const rtp: SdpRtpMap[] = [{ payload: choice.payloadType, codec: choice.codec, rate: 8000 }];
  const fmtp: SdpFmtp[] = [];
  const pts = [choice.payloadType];
  if (choice.telephoneEventPt !== undefined) {
    rtp.push({ payload: choice.telephoneEventPt, codec: "telephone-event", rate: 8000 });
    fmtp.push({ payload: choice.telephoneEventPt, config: "0-15" });
    pts.push(choice.telephoneEventPt);
  }
  return { payloads: pts.join(" "), rtp, fmtp, ptime: choice.ptimeMs, direction: choice.direction };
}
