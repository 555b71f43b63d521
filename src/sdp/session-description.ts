/**
 * SDP for a telephony gateway: audio only, PCMU/PCMA and telephone-event.
 * RFC 4566 (SDP) fields, RFC 3264 (offer/answer) rules, RFC 4733
 * telephone-event, RFC 3551 static payload types. The text form is read and
 * written with sdp-transform; this module checks what it needs and never
 * throws on a received description.
 */
import sdpTransform from "sdp-transform";
import type { DecodeResult } from "../core/result.js";

export type Direction = "sendrecv" | "sendonly" | "recvonly" | "inactive";

export interface AudioFormat {
  readonly payloadType: number;
  /** Encoding name as in a=rtpmap, upper-cased: "PCMU", "PCMA", "TELEPHONE-EVENT", ... */
  readonly encoding: string;
  readonly clockRate: number;
  readonly channels: number;
  /** a=fmtp parameters as text, e.g. "0-15" for telephone-event. */
  readonly fmtp?: string;
}

export interface AudioStream {
  /** Index of the m-line in the description. */
  readonly index: number;
  /** 0 = rejected or disabled stream (RFC 3264 §5.1, §6). */
  readonly port: number;
  /** Connection address for this stream (media-level c= or the session's). */
  readonly address: string;
  readonly addressFamily: 4 | 6;
  readonly protocol: string;
  /** Formats in the order of the m-line. */
  readonly formats: readonly AudioFormat[];
  readonly direction: Direction;
  readonly ptimeMs?: number;
  readonly maxptimeMs?: number;
  /** a=rtcp port if given (RFC 3605). */
  readonly rtcpPort?: number;
}

export interface OtherStream {
  readonly index: number;
  readonly type: string;
  readonly port: number;
  readonly protocol: string;
  readonly formats: string;
}

export interface SessionDescription {
  readonly originUser: string;
  readonly sessionId: string;
  readonly sessionVersion: bigint;
  readonly originAddress: string;
  readonly sessionName: string;
  readonly audio: readonly AudioStream[];
  /** m-lines we do not handle (video, image/T.38 ...), kept so an answer can reject them in place. */
  readonly other: readonly OtherStream[];
  /** Total number of m-lines, in order. */
  readonly mediaCount: number;
}

/** RFC 3551 Table 4: the static audio payload types a gateway meets. */
const STATIC_AUDIO: Readonly<Record<number, { encoding: string; clockRate: number }>> = {
  0: { encoding: "PCMU", clockRate: 8000 },
  3: { encoding: "GSM", clockRate: 8000 },
  4: { encoding: "G723", clockRate: 8000 },
  8: { encoding: "PCMA", clockRate: 8000 },
  9: { encoding: "G722", clockRate: 8000 },
  13: { encoding: "CN", clockRate: 8000 },
  18: { encoding: "G729", clockRate: 8000 },
};

const DIRECTIONS: readonly Direction[] = ["sendrecv", "sendonly", "recvonly", "inactive"];

function fail(field: string, reason: string, clause: string): DecodeResult<SessionDescription> {
  return { ok: false, error: { offset: 0, field, reason, clause } };
}

function isIpv4(s: string): boolean {
  return /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(s);
}

function isIpv6(s: string): boolean {
  return /^[0-9a-fA-F:.]+$/.test(s) && s.includes(":");
}

/** Parse and check an SDP body. Problems give an error that fits a 488/400 reason. */
export function parseSdp(text: string): DecodeResult<SessionDescription> {
  if (text.length > 65_536) return fail("SDP", `body of ${text.length} characters exceeds 65536`, "RFC 4566 §5");
  if (!/^v=0\r?\n/.test(text)) return fail("v=", "an SDP body starts with v=0", "RFC 4566 §5.1");
  let raw: sdpTransform.SessionDescription;
  try {
    raw = sdpTransform.parse(text);
  } catch (e) {
    return fail("SDP", `unparseable: ${(e as Error).message}`, "RFC 4566 §5");
  }
  const o = raw.origin as Partial<sdpTransform.SessionDescription["origin"]> | undefined;
  if (!o || o.sessionId === undefined || o.sessionVersion === undefined || !o.address) {
    return fail("o=", "missing or malformed origin line", "RFC 4566 §5.2");
  }
  const versionText = String(o.sessionVersion);
  if (!/^\d{1,20}$/.test(versionText)) return fail("o=", `session version ${JSON.stringify(versionText)} is not a number`, "RFC 4566 §5.2");
  const sessionDirection = (raw as { direction?: string }).direction;
  const sessionConn = (raw as { connection?: { version: number; ip: string } }).connection;
  const audio: AudioStream[] = [];
  const other: OtherStream[] = [];
  const media = Array.isArray(raw.media) ? raw.media : [];
  for (let i = 0; i < media.length; i++) {
    const m = media[i] as sdpTransform.MediaDescription & { direction?: string; connection?: { version: number; ip: string } };
    if (typeof m.port !== "number" || !Number.isInteger(m.port) || m.port < 0 || m.port > 65535) {
      return fail(`m=[${i}]`, "malformed media line (port)", "RFC 4566 §5.14");
    }
    if (m.type !== "audio" || !/^RTP\/(S)?AVP(F)?$/.test(m.protocol ?? "")) {
      other.push({ index: i, type: String(m.type), port: m.port, protocol: String(m.protocol), formats: String(m.payloads ?? "") });
      continue;
    }
    const conn = m.connection ?? sessionConn;
    if (!conn || typeof conn.ip !== "string") return fail(`c=`, `no connection address for m-line ${i}`, "RFC 4566 §5.7");
    const ip = conn.ip.split("/")[0] ?? "";
    const fam = conn.version === 6 ? 6 : 4;
    if (fam === 4 ? !isIpv4(ip) : !isIpv6(ip)) {
      return fail("c=", `connection address ${JSON.stringify(conn.ip)} is not an IPv${fam} address (host names are not resolved here)`, "RFC 4566 §5.7");
    }
    const pts = String(m.payloads ?? "")
      .trim()
      .split(/\s+/)
      .filter((s) => s.length > 0);
    const formats: AudioFormat[] = [];
    for (const p of pts) {
      if (!/^\d{1,3}$/.test(p) || Number(p) > 127) return fail(`m=[${i}]`, `payload type ${JSON.stringify(p)} is not 0..127`, "RFC 3551 §6");
      const pt = Number(p);
      const map = (m.rtp ?? []).find((r) => r.payload === pt);
      const fmtpRaw = (m.fmtp ?? []).find((f) => f.payload === pt)?.config;
      const fmtp = fmtpRaw === undefined ? undefined : String(fmtpRaw);
      // sdp-transform types what it reads loosely (a codec "0" comes back as a number): normalise.
      const base = map
        ? { encoding: String(map.codec).toUpperCase(), clockRate: Number(map.rate ?? 8000) || 8000, channels: Number(map.encoding ?? 1) || 1 }
        : STATIC_AUDIO[pt]
          ? { encoding: STATIC_AUDIO[pt].encoding, clockRate: STATIC_AUDIO[pt].clockRate, channels: 1 }
          : undefined;
      if (!base) continue; // dynamic type without rtpmap: unusable, not fatal (RFC 4566 §6)
      formats.push(fmtp !== undefined ? { payloadType: pt, ...base, fmtp } : { payloadType: pt, ...base });
    }
    const dirText = m.direction ?? sessionDirection ?? "sendrecv";
    let direction: Direction = DIRECTIONS.includes(dirText as Direction) ? (dirText as Direction) : "sendrecv";
    // RFC 3264 §8.4: c=0.0.0.0 is the RFC 2543 way to put a stream on hold.
    if (ip === "0.0.0.0" && direction === "sendrecv") direction = "sendonly";
    audio.push({
      index: i,
      port: m.port,
      address: ip,
      addressFamily: fam,
      protocol: String(m.protocol),
      formats,
      direction,
      ...(typeof m.ptime === "number" && m.ptime > 0 ? { ptimeMs: m.ptime } : {}),
      ...(typeof m.maxptime === "number" && m.maxptime > 0 ? { maxptimeMs: m.maxptime } : {}),
      ...(m.rtcp && typeof m.rtcp.port === "number" ? { rtcpPort: m.rtcp.port } : {}),
    });
  }
  if (media.length === 0) return fail("m=", "no media lines", "RFC 3264 §5");
  return {
    ok: true,
    value: {
      originUser: String(o.username ?? "-"),
      sessionId: String(o.sessionId),
      sessionVersion: BigInt(versionText),
      originAddress: String(o.address),
      sessionName: String(raw.name ?? "-"),
      audio,
      other,
      mediaCount: media.length,
    },
    notes: [],
  };
}

export interface LocalAudio {
  readonly address: string;
  readonly port: number;
  readonly formats: readonly AudioFormat[];
  readonly direction: Direction;
  readonly ptimeMs: number;
  readonly maxptimeMs?: number;
}

export interface LocalOrigin {
  readonly user: string;
  readonly sessionId: string;
  readonly sessionVersion: bigint;
  readonly address: string;
  readonly sessionName: string;
}

function ipVer(address: string): 4 | 6 {
  return address.includes(":") ? 6 : 4;
}

/** Write a description: one audio stream, plus rejected (port 0) copies of m-lines we answer but do not handle. */
export function writeSdp(origin: LocalOrigin, streams: readonly (LocalAudio | OtherStream)[]): string {
  const media = streams.map((s) => {
    if ("formats" in s && typeof s.formats !== "string") {
      const a = s as LocalAudio;
      return {
        type: "audio",
        port: a.port,
        protocol: "RTP/AVP",
        payloads: a.formats.map((f) => f.payloadType).join(" "),
        connection: { version: ipVer(a.address), ip: a.address },
        rtp: a.formats.map((f) => ({ payload: f.payloadType, codec: f.encoding === "TELEPHONE-EVENT" ? "telephone-event" : f.encoding, rate: f.clockRate })),
        fmtp: a.formats.filter((f) => f.fmtp !== undefined).map((f) => ({ payload: f.payloadType, config: f.fmtp as string })),
        ptime: a.ptimeMs,
        ...(a.maxptimeMs !== undefined ? { maxptime: a.maxptimeMs } : {}),
        direction: a.direction,
      };
    }
    const o = s as OtherStream;
    return { type: o.type, port: 0, protocol: o.protocol, payloads: o.formats, rtp: [], fmtp: [] };
  });
  const desc = {
    version: 0,
    origin: { username: origin.user, sessionId: origin.sessionId, sessionVersion: origin.sessionVersion.toString(), netType: "IN", ipVer: ipVer(origin.address), address: origin.address },
    name: origin.sessionName,
    timing: { start: 0, stop: 0 },
    media,
  };
  return sdpTransform.write(desc as unknown as sdpTransform.SessionDescription);
}
