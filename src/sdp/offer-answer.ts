/**
 * The offer/answer model (RFC 3264) for a gateway's single audio stream:
 * PCMU/PCMA (RFC 3551) with telephone-event (RFC 4733), ptime, direction
 * attributes and hold (RFC 3264 §8.4). Every m-line of an offer is answered
 * in place; the ones we cannot use are rejected with port 0 (RFC 3264 §6).
 */
import type { AudioFormat, AudioStream, Direction, LocalAudio, LocalOrigin, OtherStream, SessionDescription } from "./session-description.js";
import { writeSdp } from "./session-description.js";

export type VoiceCodec = "PCMU" | "PCMA";

export interface AudioPolicy {
  /** Voice codecs we accept, most preferred first. */
  readonly codecs: readonly VoiceCodec[];
  /** RFC 4733 events we offer/accept; null disables telephone-event. */
  readonly telephoneEvent: { readonly payloadType: number; readonly events: string } | null;
  /** Packetization we offer and fall back to (10, 20 or 30 ms). */
  readonly ptimeMs: 10 | 20 | 30;
}

export interface LocalEndpoint {
  readonly address: string;
  readonly port: number;
  /** What we want for this stream; `sendonly` puts the far end on hold. */
  readonly direction: Direction;
}

/** What the media engine needs once offer and answer agree. */
export interface NegotiatedAudio {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly payloadType: number;
  readonly codec: VoiceCodec;
  readonly telephoneEventPt: number | null;
  readonly ptimeMs: 10 | 20 | 30;
  /** Whether we send media, and whether we expect to receive it. */
  readonly send: boolean;
  readonly receive: boolean;
  /** The direction of the stream as we described it. */
  readonly localDirection: Direction;
}

export type NegotiationResult = { readonly ok: true; readonly audio: NegotiatedAudio } | { readonly ok: false; readonly status: 488 | 400; readonly reason: string };

const STATIC_PT: Readonly<Record<VoiceCodec, number>> = { PCMU: 0, PCMA: 8 };
const PTIMES = [10, 20, 30] as const;

function voiceFormat(c: VoiceCodec): AudioFormat {
  return { payloadType: STATIC_PT[c], encoding: c, clockRate: 8000, channels: 1 };
}

function pickPtime(offered: number | undefined, fallback: 10 | 20 | 30): 10 | 20 | 30 {
  return (PTIMES as readonly number[]).includes(offered ?? -1) ? (offered as 10 | 20 | 30) : fallback;
}

/** RFC 3264 §6.1: the direction of the answer given the offer's and what we want. */
export function answerDirection(offered: Direction, wanted: Direction): Direction {
  const offerSends = offered === "sendrecv" || offered === "sendonly";
  const offerReceives = offered === "sendrecv" || offered === "recvonly";
  const weSend = (wanted === "sendrecv" || wanted === "sendonly") && offerReceives;
  const weReceive = (wanted === "sendrecv" || wanted === "recvonly") && offerSends;
  return weSend && weReceive ? "sendrecv" : weSend ? "sendonly" : weReceive ? "recvonly" : "inactive";
}

function flow(d: Direction): { send: boolean; receive: boolean } {
  return { send: d === "sendrecv" || d === "sendonly", receive: d === "sendrecv" || d === "recvonly" };
}

/** Keeps o= stable across a session: the version moves only when the description changes (RFC 3264 §8). */
export class LocalSession {
  private version: bigint;
  private lastBody: string | undefined;
  constructor(
    private readonly origin: Omit<LocalOrigin, "sessionVersion">,
    initialVersion = 1n,
  ) {
    this.version = initialVersion;
  }

  describe(streams: readonly (LocalAudio | OtherStream)[]): string {
    const probe = writeSdp({ ...this.origin, sessionVersion: 0n }, streams);
    if (this.lastBody !== undefined && probe !== this.lastBody) this.version += 1n;
    this.lastBody = probe;
    return writeSdp({ ...this.origin, sessionVersion: this.version }, streams);
  }

  get sessionVersion(): bigint {
    return this.version;
  }
}

/** Our offer: every voice codec of the policy, then telephone-event. */
export function localOfferAudio(policy: AudioPolicy, local: LocalEndpoint): LocalAudio {
  const formats = policy.codecs.map(voiceFormat);
  if (policy.telephoneEvent) {
    formats.push({ payloadType: policy.telephoneEvent.payloadType, encoding: "TELEPHONE-EVENT", clockRate: 8000, channels: 1, fmtp: policy.telephoneEvent.events });
  }
  return { address: local.address, port: local.port, formats, direction: local.direction, ptimeMs: policy.ptimeMs };
}

function chooseVoice(stream: AudioStream, policy: AudioPolicy): AudioFormat | undefined {
  // Honour the offerer's preference order among the codecs we accept (RFC 3264 §5.1, §6.1).
  return stream.formats.find((f) => f.clockRate === 8000 && f.channels === 1 && (policy.codecs as readonly string[]).includes(f.encoding));
}

function chooseEvent(stream: AudioStream, policy: AudioPolicy): AudioFormat | undefined {
  if (!policy.telephoneEvent) return undefined;
  return stream.formats.find((f) => f.encoding === "TELEPHONE-EVENT" && f.clockRate === 8000);
}

/**
 * Answer an offer. The first usable audio stream is accepted; every other
 * m-line is answered with port 0. No usable stream: 488 (RFC 3261 §13.3.1.1).
 */
export function answerOffer(
  offer: SessionDescription,
  policy: AudioPolicy,
  local: LocalEndpoint,
  session: LocalSession,
): { ok: true; sdp: string; audio: NegotiatedAudio } | { ok: false; status: 488; reason: string } {
  let chosen: { stream: AudioStream; voice: AudioFormat; event: AudioFormat | undefined } | undefined;
  for (const s of offer.audio) {
    if (s.port === 0) continue;
    const voice = chooseVoice(s, policy);
    if (voice) {
      chosen = { stream: s, voice, event: chooseEvent(s, policy) };
      break;
    }
  }
  if (!chosen) {
    const offered = offer.audio.flatMap((s) => s.formats.map((f) => f.encoding));
    return { ok: false, status: 488, reason: `no acceptable audio codec offered (offered ${offered.join(", ") || "none"}; accepted ${policy.codecs.join(", ")})` };
  }
  const direction = answerDirection(chosen.stream.direction, local.direction);
  const ptimeMs = pickPtime(chosen.stream.ptimeMs, policy.ptimeMs);
  const formats = chosen.event ? [chosen.voice, chosen.event] : [chosen.voice];
  const streams: (LocalAudio | OtherStream)[] = [];
  for (let i = 0; i < offer.mediaCount; i++) {
    if (i === chosen.stream.index) {
      streams.push({ address: local.address, port: local.port, formats, direction, ptimeMs });
      continue;
    }
    const a = offer.audio.find((s) => s.index === i);
    const o = offer.other.find((s) => s.index === i);
    if (a) streams.push({ index: i, type: "audio", port: 0, protocol: a.protocol, formats: a.formats.map((f) => f.payloadType).join(" ") || "0" });
    else if (o) streams.push(o);
  }
  const f = flow(direction);
  return {
    ok: true,
    sdp: session.describe(streams),
    audio: {
      remoteAddress: chosen.stream.address,
      remotePort: chosen.stream.port,
      payloadType: chosen.voice.payloadType,
      codec: chosen.voice.encoding as VoiceCodec,
      telephoneEventPt: chosen.event?.payloadType ?? null,
      ptimeMs,
      send: f.send && chosen.stream.address !== "0.0.0.0",
      receive: f.receive,
      localDirection: direction,
    },
  };
}

/** Apply the answer to an offer we sent (RFC 3264 §7). */
export function applyAnswer(offered: LocalAudio, answer: SessionDescription, policy: AudioPolicy): NegotiationResult {
  const stream = answer.audio[0];
  if (!stream || stream.index !== 0) return { ok: false, status: 400, reason: "answer has no audio stream in the place of the offered one (RFC 3264 §6)" };
  if (answer.mediaCount !== 1) return { ok: false, status: 400, reason: `answer has ${answer.mediaCount} m-lines for an offer of 1 (RFC 3264 §6)` };
  if (stream.port === 0) return { ok: false, status: 488, reason: "the audio stream was rejected (port 0)" };
  const offeredPts = new Set(offered.formats.map((f) => f.payloadType));
  const voice = stream.formats.find((f) => offeredPts.has(f.payloadType) && (policy.codecs as readonly string[]).includes(f.encoding));
  if (!voice) return { ok: false, status: 488, reason: `answer chose no codec we offered (${stream.formats.map((f) => f.encoding).join(", ") || "none"})` };
  const event = stream.formats.find((f) => f.encoding === "TELEPHONE-EVENT");
  // The answer's direction is the answerer's view (RFC 3264 §6.1): we send what it receives.
  const answererReceives = stream.direction === "sendrecv" || stream.direction === "recvonly";
  const answererSends = stream.direction === "sendrecv" || stream.direction === "sendonly";
  const wanted = flow(offered.direction);
  const send = wanted.send && answererReceives;
  const receive = wanted.receive && answererSends;
  const localDirection: Direction = send && receive ? "sendrecv" : send ? "sendonly" : receive ? "recvonly" : "inactive";
  return {
    ok: true,
    audio: {
      remoteAddress: stream.address,
      remotePort: stream.port,
      payloadType: voice.payloadType,
      codec: voice.encoding as VoiceCodec,
      telephoneEventPt: event && policy.telephoneEvent ? event.payloadType : null,
      ptimeMs: pickPtime(stream.ptimeMs, offered.ptimeMs as 10 | 20 | 30),
      send: send && stream.address !== "0.0.0.0",
      receive,
      localDirection,
    },
  };
}
