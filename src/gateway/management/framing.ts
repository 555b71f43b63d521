/**
 * Length-prefixed framing for the management socket: u32 big-endian length,
 * then that many octets of protobuf. A frame over the limit closes the
 * connection (the peer is not speaking this protocol).
 */
export const MAX_FRAME_BYTES = 1 << 20;

export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

/** Accumulates stream bytes and yields whole frames. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  /** Returns the complete frames, or an error text when the stream is not ours. */
  push(chunk: Buffer): { frames: Buffer[]; error?: string } {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Buffer[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len > MAX_FRAME_BYTES) return { frames, error: `frame of ${len} octets exceeds ${MAX_FRAME_BYTES}` };
      if (this.buf.length < 4 + len) break;
      frames.push(this.buf.subarray(4, 4 + len));
      this.buf = this.buf.subarray(4 + len);
    }
    return { frames };
  }
}
