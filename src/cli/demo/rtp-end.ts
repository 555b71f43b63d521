/**
 * The demo telephone's audio: one RTP session (RFC 3550 §5.1 fixed header;
 * RFC 3551 §4.5.14 PCMA/PCMU, 8000 Hz, one octet per sample) on a UDP port
 * of the given address. It records what arrives (bounded), sends a test tone
 * paced by the wall clock (20 ms packets, catching up when the event loop
 * was late), and hands back the decoded audio of a time window.
 */
import { createSocket, type Socket } from "node:dgram";
import type { G711Law } from "./g711.js";
import { decodeG711 } from "./g711.js";
import { ToneSource } from "./tone-meter.js";

/** RFC 3551 Table 4: the static payload types of G.711. */
export const PT_PCMU = 0;
export const PT_PCMA = 8;
const FRAME_SAMPLES = 160;
const FRAME_MS = 20;
/** About a minute of 20 ms packets. */
const MAX_KEPT = 3000;

export interface ReceivedPacket {
  readonly atMs: number;
  readonly pt: number;
  readonly seq: number;
  readonly payload: Uint8Array;
}

export interface RtpRemote {
  readonly address: string;
  readonly port: number;
  readonly payloadType: number;
}

export function lawOfPayloadType(pt: number): G711Law | undefined {
  return pt === PT_PCMA ? "alaw" : pt === PT_PCMU ? "ulaw" : undefined;
}

/** The RTP payload of a datagram (RFC 3550 §5.1, §5.3.1), or undefined when it is not RTP version 2. */
export function parseRtp(msg: Uint8Array): { pt: number; seq: number; payload: Uint8Array } | undefined {
  if (msg.length < 12 || (msg[0] as number) >> 6 !== 2) return undefined;
  const b0 = msg[0] as number;
  let off = 12 + (b0 & 0x0f) * 4;
  if ((b0 & 0x10) !== 0) {
    if (msg.length < off + 4) return undefined;
    off += 4 + (((msg[off + 2] as number) << 8) | (msg[off + 3] as number)) * 4;
  }
  let end = msg.length;
  if ((b0 & 0x20) !== 0) {
    const pad = msg[msg.length - 1] as number;
    if (pad === 0 || pad > end - off) return undefined;
    end -= pad;
  }
  if (off > end) return undefined;
  return { pt: (msg[1] as number) & 0x7f, seq: ((msg[2] as number) << 8) | (msg[3] as number), payload: msg.subarray(off, end) };
}

export class RtpEnd {
  readonly received: ReceivedPacket[] = [];
  sentPackets = 0;
  private sender: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly sock: Socket,
    readonly address: string,
    readonly port: number,
    private readonly now: () => number,
  ) {
    sock.on("message", (msg) => {
      const p = parseRtp(msg);
      if (!p) return;
      if (this.received.length >= MAX_KEPT) this.received.shift();
      this.received.push({ atMs: this.now(), pt: p.pt, seq: p.seq, payload: new Uint8Array(p.payload) });
    });
    sock.on("error", () => undefined);
  }

  static open(address: string, now: () => number): Promise<RtpEnd> {
    const sock = createSocket(address.includes(":") ? "udp6" : "udp4");
    return new Promise((resolve, reject) => {
      sock.once("error", reject);
      sock.bind(0, address, () => {
        sock.off("error", reject);
        resolve(new RtpEnd(sock, address, sock.address().port, now));
      });
    });
  }

  /** Send a tone to `to` until stopTone(): one packet per 20 ms of elapsed time. */
  startTone(to: RtpRemote, hz: number, dbm0: number): void {
    this.stopTone();
    const law = lawOfPayloadType(to.payloadType);
    if (law === undefined) throw new Error(`payload type ${to.payloadType} is not G.711`);
    const source = new ToneSource(hz, dbm0, law);
    const ssrc = (Math.random() * 0x1_0000_0000) >>> 0;
    let seq = Math.floor(Math.random() * 0x10000);
    let ts = Math.floor(Math.random() * 0x1_0000_0000);
    const started = this.now();
    let sent = 0;
    const tick = (): void => {
      const due = Math.floor((this.now() - started) / FRAME_MS) + 1;
      while (sent < due && !this.closed) {
        const pkt = Buffer.alloc(12 + FRAME_SAMPLES);
        pkt[0] = 0x80;
        pkt[1] = (sent === 0 ? 0x80 : 0) | to.payloadType; // marker on the first packet of a talkspurt (RFC 3551 §4.1)
        pkt.writeUInt16BE(seq, 2);
        pkt.writeUInt32BE(ts >>> 0, 4);
        pkt.writeUInt32BE(ssrc, 8);
        source.next(pkt.subarray(12));
        this.sock.send(pkt, to.port, to.address);
        seq = (seq + 1) & 0xffff;
        ts = (ts + FRAME_SAMPLES) >>> 0;
        sent++;
        this.sentPackets++;
      }
    };
    tick();
    this.sender = setInterval(tick, 5);
  }

  stopTone(): void {
    if (this.sender) clearInterval(this.sender);
    this.sender = undefined;
  }

  /** Packets of payload type `pt` that arrived between `fromMs` and `toMs`. */
  packetsBetween(pt: number, fromMs: number, toMs: number): ReceivedPacket[] {
    return this.received.filter((p) => p.pt === pt && p.atMs >= fromMs && p.atMs <= toMs);
  }

  /** The decoded audio of those packets, in sequence order (RFC 3550 §5.1 wrap-around kept). */
  audioBetween(pt: number, fromMs: number, toMs: number): Float64Array {
    const law = lawOfPayloadType(pt);
    const pkts = this.packetsBetween(pt, fromMs, toMs);
    if (law === undefined || pkts.length === 0) return new Float64Array(0);
    const base = (pkts[0] as ReceivedPacket).seq;
    const order = pkts.map((p) => ({ p, k: (p.seq - base + 0x18000) % 0x10000 })).sort((a, b) => a.k - b.k);
    const out = new Float64Array(order.reduce((n, o) => n + o.p.payload.length, 0));
    let at = 0;
    for (const { p } of order) {
      decodeG711(law, p.payload, out, at);
      at += p.payload.length;
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTone();
    this.sock.close();
  }
}
