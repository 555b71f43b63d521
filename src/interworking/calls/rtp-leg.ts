/**
 * The RTP side of one call: a local port, the SDP offer/answer for it
 * (RFC 3264 via src/sdp), and the media engine stream that switches it to
 * the call's TDM channel. SDP and media meet here, once per call; the engine
 * then moves the audio without JavaScript (src/media).
 *
 *  - PSTN-originated calls: `offer()` before the INVITE, `answered()` for
 *    the SDP answer in a reliable or unreliable 18x or the 2xx (RFC 3261
 *    §13.2.1: the first answer counts; later copies are the same).
 *  - SIP-originated calls: `answerOffer()` for the INVITE's offer, the
 *    stream starts at once so early media flows as soon as the PSTN sends it.
 *  - A re-INVITE or UPDATE offer: `answerOffer()` again; the stream is
 *    modified in place (RTP sequence and timestamp continue, RFC 3550 §5.1).
 *  - The call moving to another circuit (Q.764 §2.8.1 repeat attempt):
 *    `moveTo()`.
 */
import type { Logger } from "../../core/logger.js";
import type { AudioPolicy, NegotiatedAudio, VoiceCodec } from "../../sdp/offer-answer.js";
import { answerOffer, applyAnswer, LocalSession, localOfferAudio } from "../../sdp/offer-answer.js";
import type { LocalAudio } from "../../sdp/session-description.js";
import { parseSdp } from "../../sdp/session-description.js";
import type { G711Law, MediaDirection, MediaPort, RtpStreamConfig } from "../../media/types.js";
import type { CallMediaPlane } from "./media-plane.js";

/** RFC 4733 §7.1.1: the dynamic payload type we offer for telephone-event, events 0-15 (DTMF). */
export const TELEPHONE_EVENT_PT = 101;

export type SdpOutcome = { readonly ok: true; readonly sdp: string } | { readonly ok: false; readonly status: number; readonly reason: string };

/** Codecs in the order we prefer them: the TDM law's own codec first, so no transcoding when the far end agrees. */
export function audioPolicyFor(law: G711Law, ptimeMs: 10 | 20 | 30): AudioPolicy {
  const codecs: VoiceCodec[] = law === "alaw" ? ["PCMA", "PCMU"] : ["PCMU", "PCMA"];
  return { codecs, telephoneEvent: { payloadType: TELEPHONE_EVENT_PT, events: "0-15" }, ptimeMs };
}

function direction(a: NegotiatedAudio): MediaDirection {
  return a.send && a.receive ? "sendrecv" : a.send ? "sendonly" : a.receive ? "recvonly" : "inactive";
}

let sessionCounter = 0;

export class RtpLeg {
  private port: MediaPort | undefined;
  private streamId: number | undefined;
  private offered: LocalAudio | undefined;
  private negotiated: NegotiatedAudio | undefined;
  private readonly session: LocalSession;
  private readonly policy: AudioPolicy;
  private closed = false;
  /** Engine operations run one after another, in the order the call asked for them. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly plane: CallMediaPlane,
    private channel: number,
    law: G711Law,
    private readonly log: Logger,
  ) {
    this.policy = audioPolicyFor(law, plane.defaults.ptimeMs);
    const id = `${Date.now()}${(sessionCounter++ % 1000).toString().padStart(3, "0")}`;
    this.session = new LocalSession({ user: "sipt-gw", sessionId: id, address: plane.rtpBindAddress, sessionName: "sipt-gw" });
  }

  /** The negotiated stream, once offer and answer agree. */
  get audio(): NegotiatedAudio | undefined {
    return this.negotiated;
  }

  get tdmChannel(): number {
    return this.channel;
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.chain.then(op, op);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async ensurePort(): Promise<MediaPort> {
    if (this.port) return this.port;
    const port = await this.plane.media.openPort({ bindAddress: this.plane.rtpBindAddress, rtcpMux: false, dscp: 46 });
    if (this.closed) {
      // The call ended while the port was opening: it is closed here, and only here.
      await this.plane.media.closePort(port.portId);
      throw new Error("call ended while its RTP port was opening");
    }
    this.port = port;
    return port;
  }

  /**
   * Our SDP offer: for a PSTN-originated call (the port is bound, no stream
   * yet: nothing to send to), or a new offer in the call (`sendonly` puts the
   * far end on hold, RFC 3264 §8.4; `sendrecv` takes it off again).
   */
  offer(direction: MediaDirection = "sendrecv"): Promise<string> {
    return this.serial(async () => {
      const port = await this.ensurePort();
      this.offered = localOfferAudio(this.policy, { address: this.plane.rtpBindAddress, port: port.rtpPort, direction });
      return this.session.describe([this.offered]);
    });
  }

  /** The far end no longer wants our audio (its offer or answer is sendonly/inactive, RFC 3264 §8.4). */
  get heldByRemote(): boolean {
    return this.negotiated !== undefined && !this.negotiated.send;
  }

  /** The SDP answer to our offer arrived (in a 18x or the 2xx). Starts or updates the stream. */
  answered(sdpText: string): Promise<SdpOutcome> {
    return this.serial(async () => {
      if (!this.offered) return { ok: false, status: 400, reason: "an SDP answer arrived but no offer was sent" } as const;
      const parsed = parseSdp(sdpText);
      if (!parsed.ok) return { ok: false, status: 400, reason: `bad SDP answer: ${parsed.error.reason}` } as const;
      const r = applyAnswer(this.offered, parsed.value, this.policy);
      if (!r.ok) return { ok: false, status: r.status, reason: r.reason } as const;
      await this.applyNegotiated(r.audio);
      return { ok: true, sdp: sdpText } as const;
    });
  }

  /** Answer an offer (SIP-originated call, or a re-INVITE/UPDATE offer). Starts or updates the stream. */
  answerOffer(sdpText: string, wanted: MediaDirection = "sendrecv"): Promise<SdpOutcome> {
    return this.serial(async () => {
      const parsed = parseSdp(sdpText);
      if (!parsed.ok) return { ok: false, status: 400, reason: `bad SDP offer: ${parsed.error.reason}` } as const;
      const port = await this.ensurePort();
      const r = answerOffer(parsed.value, this.policy, { address: this.plane.rtpBindAddress, port: port.rtpPort, direction: wanted }, this.session);
      if (!r.ok) return { ok: false, status: r.status, reason: r.reason } as const;
      await this.applyNegotiated(r.audio);
      return { ok: true, sdp: r.sdp } as const;
    });
  }

  private streamConfig(a: NegotiatedAudio, port: MediaPort): RtpStreamConfig {
    const d = this.plane.defaults;
    return {
      tdmChannel: this.channel,
      portId: port.portId,
      ...(a.remotePort !== 0 && a.remoteAddress !== "0.0.0.0" ? { remote: { address: a.remoteAddress, rtpPort: a.remotePort } } : {}),
      direction: direction(a),
      codec: a.codec,
      payloadType: a.payloadType,
      ...(a.telephoneEventPt !== null ? { telephoneEventPt: a.telephoneEventPt } : {}),
      ptimeMs: a.ptimeMs,
      dtmfMode: d.dtmfMode,
      echoCanceller: d.echoCanceller,
      latch: true,
      ...(d.jitterBuffer ? { jitterBuffer: d.jitterBuffer } : {}),
    };
  }

  private async applyNegotiated(a: NegotiatedAudio): Promise<void> {
    if (this.closed) return;
    const port = await this.ensurePort();
    const cfg = this.streamConfig(a, port);
    if (this.streamId === undefined) this.streamId = await this.plane.media.addStream(cfg);
    else await this.plane.media.modifyStream(this.streamId, cfg);
    this.negotiated = a;
    this.log.debug({ channel: this.channel, codec: a.codec, remote: `${a.remoteAddress}:${a.remotePort}`, direction: cfg.direction }, "RTP stream set");
  }

  /** The call moved to another TDM channel (a repeat attempt on another circuit). */
  moveTo(channel: number): Promise<void> {
    return this.serial(async () => {
      this.channel = channel;
      if (this.streamId !== undefined && this.negotiated && this.port) await this.plane.media.modifyStream(this.streamId, this.streamConfig(this.negotiated, this.port));
    });
  }

  /** Stop the stream and free the port; safe to call more than once. */
  close(): Promise<void> {
    if (this.closed) return this.chain.then(() => undefined);
    this.closed = true;
    return this.serial(async () => {
      if (this.streamId !== undefined) await this.plane.media.removeStream(this.streamId).catch((e: Error) => this.log.warn({ err: e.message }, "RTP stream removal failed"));
      if (this.port) await this.plane.media.closePort(this.port.portId).catch((e: Error) => this.log.warn({ err: e.message }, "RTP port close failed"));
      this.streamId = undefined;
      this.port = undefined;
    });
  }
}
