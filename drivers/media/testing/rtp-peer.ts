/**
 * A Node dgram RTP peer for the media tests: bound to 127.0.0.1 (or ::1) on an ephemeral port, it
 * records what it receives (RTP per RFC 3550 §5.1, RTCP told apart by packet type 200-204) and
 * sends hand-built RTP, RFC 4733 events and raw bytes.
 */
import dgram from "node:dgram";

export interface RtpPacket {
  readonly version: number;
  readonly marker: boolean;
  readonly pt: number;
  readonly seq: number;
  readonly ts: number;
  readonly ssrc: number;
  readonly payload: Uint8Array;
}

export interface Rfc4733Event {
  readonly event: number;
  readonly end: boolean;
  readonly volume: number;
  readonly duration: number;
}

export function parseRtp(b: Uint8Array): RtpPacket | undefined {
  if (b.length < 12 || b[0] === undefined || b[0] >> 6 !== 2) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const cc = b[0] & 0x0f;
  const hdr = 12 + 4 * cc;
  if (hdr > b.length) return undefined;
  const m = b[1] ?? 0;
  return { version: 2, marker: (m & 0x80) !== 0, pt: m & 0x7f, seq: v.getUint16(2), ts: v.getUint32(4), ssrc: v.getUint32(8), payload: b.subarray(hdr) };
}

export function parseEvent(p: Uint8Array): Rfc4733Event | undefined {
  if (p.length < 4) return undefined;
  return { event: p[0] ?? 0, end: ((p[1] ?? 0) & 0x80) !== 0, volume: (p[1] ?? 0) & 0x3f, duration: ((p[2] ?? 0) << 8) | (p[3] ?? 0) };
}

export function buildRtp(pt: number, seq: number, ts: number, ssrc: number, payload: Uint8Array, marker = false): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  b.set(payload, 12);
  return b;
}

export function buildEvent(event: number, end: boolean, volume: number, duration: number): Uint8Array {
  return Uint8Array.from([event, (end ? 0x80 : 0) | (volume & 0x3f), (duration >> 8) & 0xff, duration & 0xff]);
}

export class RtpPeer {
  readonly rtp: RtpPacket[] = [];
  readonly rtcp: Uint8Array[] = [];
  readonly sources: string[] = [];
  private constructor(
    private readonly sock: dgram.Socket,
    private readonly host: string,
  ) {
    sock.on("message", (msg, rinfo) => {
      const b = new Uint8Array(msg);
      this.sources.push(`${rinfo.address}:${rinfo.port}`);
      const pt = b[1] ?? 0;
      if (pt >= 200 && pt <= 204) this.rtcp.push(b);
      else {
        const p = parseRtp(b);
        if (p !== undefined) this.rtp.push(p);
      }
    });
  }

  /** Binds 127.0.0.1, or ::1 with family 6. */
  static async open(port = 0, family: 4 | 6 = 4): Promise<RtpPeer> {
    const host = family === 6 ? "::1" : "127.0.0.1";
    const sock = dgram.createSocket(family === 6 ? "udp6" : "udp4");
    await new Promise<void>((resolve, reject) => {
      sock.once("error", reject);
      sock.bind(port, host, () => resolve());
    });
    return new RtpPeer(sock, host);
  }

  get port(): number {
    return this.sock.address().port;
  }

  send(bytes: Uint8Array, port: number): Promise<void> {
    return new Promise((resolve, reject) => this.sock.send(bytes, port, this.host, (err) => (err ? reject(err) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.sock.close(() => resolve()));
  }
}

/** Lets the event loop deliver pending datagrams. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
