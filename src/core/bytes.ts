/**
 * Bounds-checked byte reader and growable byte writer for the binary codecs
 * (MTP2/MTP3, ISUP, Q.921/Q.931, RTP headers, the card control protocol).
 *
 * ByteReader throws DecodeFailure when a read crosses the end of its window;
 * a decoder runs inside `decodeWith()`, which turns that into a DecodeResult,
 * so no exception ever leaves a decoder.
 */
import { DecodeFailure } from "./errors.js";
import type { DecodeNote, DecodeResult } from "./result.js";

export class ByteReader {
  private readonly buf: Uint8Array;
  private pos: number;
  /** Absolute index one past the last readable byte. */
  private readonly end: number;
  /** Offset of this reader's start within the original message, for error reports. */
  readonly base: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length, base = start) {
    if (start < 0 || end > buf.length || start > end) {
      throw new RangeError(`ByteReader window [${start}, ${end}) outside buffer of ${buf.length}`);
    }
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.base = base - start;
  }

  /** Offset of the next byte, in the coordinates of the original message. */
  get offset(): number {
    return this.base + this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  private need(n: number, field: string): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new DecodeFailure({
        offset: this.offset,
        field,
        reason: `needs ${n} byte${n === 1 ? "" : "s"}, only ${this.remaining} left`,
      });
    }
  }

  u8(field = "octet"): number {
    this.need(1, field);
    return this.buf[this.pos++] as number;
  }

  peekU8(field = "octet"): number {
    this.need(1, field);
    return this.buf[this.pos] as number;
  }

  u16be(field = "16-bit field"): number {
    this.need(2, field);
    const v = ((this.buf[this.pos] as number) << 8) | (this.buf[this.pos + 1] as number);
    this.pos += 2;
    return v;
  }

  u16le(field = "16-bit field"): number {
    this.need(2, field);
    const v = (this.buf[this.pos] as number) | ((this.buf[this.pos + 1] as number) << 8);
    this.pos += 2;
    return v;
  }

  u24le(field = "24-bit field"): number {
    this.need(3, field);
    const b = this.buf;
    const p = this.pos;
    this.pos += 3;
    return (b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16);
  }

  u32be(field = "32-bit field"): number {
    this.need(4, field);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (((b[p] as number) << 24) >>> 0) + (((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number));
  }

  u32le(field = "32-bit field"): number {
    this.need(4, field);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16)) + (((b[p + 3] as number) << 24) >>> 0);
  }

  /** A view (no copy) of the next n bytes. */
  bytes(n: number, field = "octets"): Uint8Array {
    this.need(n, field);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** The rest of the window as a view. */
  rest(): Uint8Array {
    const v = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }

  skip(n: number, field = "octets"): void {
    this.need(n, field);
    this.pos += n;
  }

  /** A reader over the next n bytes; this reader moves past them. */
  sub(n: number, field = "octets"): ByteReader {
    this.need(n, field);
    const r = new ByteReader(this.buf, this.pos, this.pos + n, this.base + this.pos);
    this.pos += n;
    return r;
  }

  /** Fail decoding here with a reason. */
  fail(field: string, reason: string, clause?: string): never {
    throw new DecodeFailure(clause === undefined ? { offset: this.offset, field, reason } : { offset: this.offset, field, reason, clause });
  }
}

/** Growable writer. Encoders write into it; `finish()` returns a view of exactly what was written. */
export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`u8 value ${v} out of range`);
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16be(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`u16 value ${v} out of range`);
    this.ensure(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16le(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`u16 value ${v} out of range`);
    this.ensure(2);
    this.buf[this.pos++] = v & 0xff;
    this.buf[this.pos++] = v >>> 8;
    return this;
  }

  u24le(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffff) throw new RangeError(`u24 value ${v} out of range`);
    this.ensure(3);
    this.buf[this.pos++] = v & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v >>> 16;
    return this;
  }

  u32be(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`u32 value ${v} out of range`);
    this.ensure(4);
    this.buf[this.pos++] = v >>> 24;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u32le(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`u32 value ${v} out of range`);
    this.ensure(4);
    this.buf[this.pos++] = v & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = v >>> 24;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Reserve n bytes to fill later (lengths, pointers); returns their offset. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.buf.fill(0, at, at + n);
    this.pos += n;
    return at;
  }

  /** Overwrite an already written byte (for pointers and length fields). */
  patchU8(at: number, v: number): void {
    if (at < 0 || at >= this.pos) throw new RangeError(`patch offset ${at} outside written ${this.pos}`);
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`u8 value ${v} out of range`);
    this.buf[at] = v;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/**
 * Run a decoder body that may throw DecodeFailure from a ByteReader and
 * return a DecodeResult. Anything else thrown is our own bug and propagates.
 */
export function decodeWith<T>(body: (notes: DecodeNote[]) => T): DecodeResult<T> {
  const notes: DecodeNote[] = [];
  try {
    return { ok: true, value: body(notes), notes };
  } catch (e) {
    if (e instanceof DecodeFailure) return { ok: false, error: e.detail };
    throw e;
  }
}

export function toHex(b: Uint8Array, sep = ""): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    if (i > 0 && sep) s += sep;
    s += (b[i] as number).toString(16).padStart(2, "0");
  }
  return s;
}

/** Parse hex text (spaces, colons and a 0x prefix allowed). Returns undefined if it is not hex. */
export function fromHex(text: string): Uint8Array | undefined {
  const clean = text.trim().replace(/^0x/i, "").replace(/[\s:]/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
