/**
 * The test's own RTP end (RFC 3550 §5.1 fixed header, RFC 3551 PCMA/PCMU):
 * a UDP socket on 127.0.0.1 that records what arrives, sends a G.711 tone
 * paced at 20 ms to where the gateway's RTP comes from, and measures the
 * frequency and level of what it received.
 */
import { createSocket, type Socket } from "node:dgram";
import { alawDecode, alawEncode, levelDbm0, sinePeak, ulawDecode } from "../../hil/g711.js";

export interface RtpPacket {
  readonly pt: number;
  readonly seq: number;
  readonly ssrc: number;
  readonly marker: boolean;
  readonly payload: Uint8Array;
  readonly from: { address: string; port: number };
}

export class RtpProbe {
  readonly packets: RtpPacket[] = [];
  private readonly sock: Socket;
  private sender: NodeJS.Timeout | undefined;
  port = 0;

  private constructor() {
    this.sock = createSocket("udp4");
    this.sock.on("message", (msg, rinfo) => {
      // RFC 3550 §5.1: version 2, at least the 12-octet fixed header.
      if (msg.length < 12 || msg[0]! >> 6 !== 2) return;
      const cc = msg[0]! & 0x0f;
      const off = 12 + cc * 4;
      if (this.packets.length < 100_000) {
        this.packets.push({
          pt: msg[1]! & 0x7f,
          marker: (msg[1]! & 0x80) !== 0,
          seq: msg.readUInt16BE(2),
          ssrc: msg.readUInt32BE(8),
          payload: new Uint8Array(msg.subarray(off)),
          from: { address: rinfo.address, port: rinfo.port },
        });
      }
    });
  }

  static async open(): Promise<RtpProbe> {
    const p = new RtpProbe();
    await new Promise<void>((resolve) => p.sock.bind(0, "127.0.0.1", resolve));
    p.port = p.sock.address().port;
    return p;
  }

  /** Until `n` packets of payload type `pt` arrived (bounded). */
  async waitPackets(pt: number, n: number, timeoutMs: number): Promise<RtpPacket[]> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const got = this.packets.filter((p) => p.pt === pt);
      if (got.length >= n) return got;
      if (Date.now() > end) throw new Error(`${got.length} of ${n} RTP packets with PT ${pt} in ${timeoutMs} ms (all: ${this.packets.length})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Send a tone as PCMA (PT 8) to `to`, 160 samples every 20 ms, for `ms`. */
  sendTone(to: { address: string; port: number }, hz: number, dbm0: number, ms: number): Promise<void> {
    const ssrc = 0x5eed1234;
    let seq = 1000;
    let ts = 0;
    let n = 0;
    const amp = sinePeak(dbm0, "alaw");
    const frames = Math.ceil(ms / 20);
    return new Promise((resolve) => {
      this.sender = setInterval(() => {
        const pkt = Buffer.alloc(12 + 160);
        pkt[0] = 0x80;
        pkt[1] = 8;
        pkt.writeUInt16BE(seq++ & 0xffff, 2);
        pkt.writeUInt32BE(ts >>> 0, 4);
        pkt.writeUInt32BE(ssrc, 8);
        for (let i = 0; i < 160; i++) pkt[12 + i] = alawEncode(Math.round(amp * Math.sin((2 * Math.PI * hz * (ts + i)) / 8000)));
        ts += 160;
        this.sock.send(pkt, to.port, to.address);
        if (++n >= frames) {
          clearInterval(this.sender);
          this.sender = undefined;
          resolve();
        }
      }, 20);
    });
  }

  /** Frequency (zero crossings) and level of the last `ms` of received audio of PT 0 or 8. */
  measure(pt: 0 | 8, ms: number): { hz: number; dbm0: number } {
    const frames = this.packets.filter((p) => p.pt === pt).slice(-Math.ceil(ms / 20));
    const law = pt === 8 ? "alaw" : "ulaw";
    const samples = new Float64Array(frames.reduce((a, p) => a + p.payload.length, 0));
    let i = 0;
    for (const f of frames) for (const b of f.payload) samples[i++] = pt === 8 ? alawDecode(b) : ulawDecode(b);
    let crossings = 0;
    for (let k = 1; k < samples.length; k++) if ((samples[k - 1]! < 0) !== (samples[k]! < 0)) crossings++;
    return { hz: (crossings / 2) * (8000 / Math.max(samples.length, 1)), dbm0: levelDbm0(samples, law) };
  }

  close(): void {
    if (this.sender) clearInterval(this.sender);
    this.sock.close();
  }
}
