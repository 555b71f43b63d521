/**
 * Card control framing on a serial byte stream (hardware/proto/README.md
 * "Framing"; the card side is hardware/sim/ctl/frame.c):
 *
 *   A5 5A | LEN (u16) | ~LEN (u16) | payload (LEN octets) | CRC-32 (u32)
 *
 * Integers big-endian; LEN <= MAX_PAYLOAD; CRC-32/ISO-HDLC over LEN, ~LEN
 * and the payload. A pure module: bytes (and, for the inter-octet rule, the
 * time they arrived) in; frames and errors out. Nothing here throws on
 * input, whatever the bytes.
 */
import { EncodeError } from "../../src/core/errors.js";
import type { DecodeError } from "../../src/core/result.js";
import { crc32 } from "./crc32.js";

export const SYNC0 = 0xa5;
export const SYNC1 = 0x5a;
export const HEADER_BYTES = 6;
export const CRC_BYTES = 4;
export const MAX_PAYLOAD = 8192;
export const MAX_FRAME = HEADER_BYTES + MAX_PAYLOAD + CRC_BYTES;
const CLAUSE = "hardware/proto/README.md §Framing";

export type FrameItem =
  /** `offset`: stream offset of the frame's first sync octet. */
  | { readonly kind: "frame"; readonly payload: Uint8Array; readonly offset: number }
  | { readonly kind: "error"; readonly error: DecodeError };

/** One frame around `payload`. Throws EncodeError (our own bug) above MAX_PAYLOAD. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const n = payload.length;
  if (n > MAX_PAYLOAD) throw new EncodeError("card control frame", `payload of ${n} octets exceeds the maximum ${MAX_PAYLOAD}`);
  const out = new Uint8Array(n + HEADER_BYTES + CRC_BYTES);
  const view = new DataView(out.buffer);
  out[0] = SYNC0;
  out[1] = SYNC1;
  view.setUint16(2, n);
  view.setUint16(4, ~n & 0xffff);
  out.set(payload, HEADER_BYTES);
  view.setUint32(HEADER_BYTES + n, crc32(out, 2, HEADER_BYTES + n));
  return out;
}

const hex = (v: number, digits: number): string => `0x${v.toString(16).toUpperCase().padStart(digits, "0")}`;

/**
 * Incremental deframer with resynchronisation: octets before a sync pair
 * are skipped (one error per run); a bad header or CRC drops one octet and
 * the scan restarts at the next, so a frame that began inside a false one
 * is still found; an incomplete frame followed by a gap longer than
 * `interOctetTimeoutMs` is abandoned the same way.
 */
export class FrameDecoder {
  private buf = new Uint8Array(0);
  private start = 0;
  /** Stream offset of buf[0]. */
  private base = 0;
  private lastMs: number | undefined;
  private readonly interOctetTimeoutMs: number;

  constructor(interOctetTimeoutMs: number) {
    this.interOctetTimeoutMs = interOctetTimeoutMs;
  }

  /** Octets held: an incomplete frame (or a lone first sync octet). */
  get pending(): number {
    return this.buf.length - this.start;
  }

  /** Feed octets received at `nowMs` (omit it to disable the inter-octet rule). */
  push(chunk: Uint8Array, nowMs?: number): FrameItem[] {
    const items: FrameItem[] = [];
    if (nowMs !== undefined) {
      if (this.pending > 0 && this.lastMs !== undefined && nowMs - this.lastMs > this.interOctetTimeoutMs) {
        const held = this.pending;
        items.push(this.error(this.start, "frame", `incomplete frame of ${held} octets abandoned after a gap of ${nowMs - this.lastMs} ms (limit ${this.interOctetTimeoutMs} ms)`));
        this.start++;
        this.scan(items);
      }
      this.lastMs = nowMs;
    }
    if (chunk.length > 0) {
      const rest = this.buf.subarray(this.start);
      const next = new Uint8Array(rest.length + chunk.length);
      next.set(rest, 0);
      next.set(chunk, rest.length);
      this.base += this.start;
      this.buf = next;
      this.start = 0;
    }
    this.scan(items);
    return items;
  }

  /** The stream ended (port closed): report and drop an incomplete frame. */
  end(): FrameItem[] {
    const items: FrameItem[] = [];
    if (this.pending > 0) {
      items.push(this.error(this.start, "frame", `stream ended inside a frame: ${this.pending} octets discarded`));
    }
    this.reset();
    return items;
  }

  reset(): void {
    this.base += this.buf.length;
    this.buf = new Uint8Array(0);
    this.start = 0;
    this.lastMs = undefined;
  }

  private error(at: number, field: string, reason: string): FrameItem {
    return { kind: "error", error: { offset: this.base + at, field, reason, clause: CLAUSE } };
  }

  private scan(items: FrameItem[]): void {
    const b = this.buf;
    for (;;) {
      const avail = b.length - this.start;
      if (avail === 0) return;
      // Hunt for the sync pair; a lone SYNC0 at the end may be its first half.
      let i = this.start;
      while (i < b.length && !(b[i] === SYNC0 && (i + 1 === b.length || b[i + 1] === SYNC1))) i++;
      if (i > this.start) {
        items.push(this.error(this.start, "sync", `${i - this.start} octets before a sync pair skipped`));
        this.start = i;
        continue;
      }
      if (avail < HEADER_BYTES) return;
      const p = this.start;
      const len = ((b[p + 2] ?? 0) << 8) | (b[p + 3] ?? 0);
      const inv = ((b[p + 4] ?? 0) << 8) | (b[p + 5] ?? 0);
      if ((len ^ inv) !== 0xffff) {
        items.push(this.error(p + 2, "frame header", `length ${hex(len, 4)} and its complement ${hex(inv, 4)} disagree`));
        this.start++;
        continue;
      }
      if (len > MAX_PAYLOAD) {
        items.push(this.error(p + 2, "frame header", `length ${len} exceeds the maximum ${MAX_PAYLOAD}`));
        this.start++;
        continue;
      }
      const total = HEADER_BYTES + len + CRC_BYTES;
      if (avail < total) return;
      const c = p + HEADER_BYTES + len;
      const want = (((b[c] ?? 0) << 24) | ((b[c + 1] ?? 0) << 16) | ((b[c + 2] ?? 0) << 8) | (b[c + 3] ?? 0)) >>> 0;
      const got = crc32(b, p + 2, c);
      if (want !== got) {
        items.push(this.error(c, "frame CRC", `CRC-32 ${hex(want, 8)} does not match ${hex(got, 8)} computed over ${len + 4} octets`));
        this.start++;
        continue;
      }
      items.push({ kind: "frame", payload: b.slice(p + HEADER_BYTES, c), offset: this.base + p });
      this.start = p + total;
    }
  }
}
