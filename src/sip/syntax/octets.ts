/**
 * Octet helpers for the SIP codec with no Node built-ins: searching octet
 * sequences, UTF-8 to text and back (RFC 3261 §25.1: SIP text is UTF-8,
 * RFC 3629), and joining octet strings.
 */

const utf8Fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Lenient = new TextDecoder("utf-8", { ignoreBOM: true });
const encoder = new TextEncoder();

/** Index of CR LF CR LF at or after `from`, or -1. */
export function indexOfCrlfCrlf(b: Uint8Array, from = 0): number {
  let i = b.indexOf(0x0d, from);
  while (i >= 0 && i + 3 < b.length) {
    if (b[i + 1] === 0x0a && b[i + 2] === 0x0d && b[i + 3] === 0x0a) return i;
    i = b.indexOf(0x0d, i + 1);
  }
  return -1;
}

/** Index of `needle` in `hay` at or after `from`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const n = needle.length;
  if (n === 0) return from <= hay.length ? from : -1;
  const first = needle[0] as number;
  const last = hay.length - n;
  let i = hay.indexOf(first, from);
  while (i >= 0 && i <= last) {
    let k = 1;
    while (k < n && hay[i + k] === needle[k]) k++;
    if (k === n) return i;
    i = hay.indexOf(first, i + 1);
  }
  return -1;
}

/** UTF-8 octets to text; undefined when they are not UTF-8. A BOM is kept as U+FEFF. */
export function decodeUtf8(b: Uint8Array): string | undefined {
  try {
    return utf8Fatal.decode(b);
  } catch {
    return undefined;
  }
}

/** UTF-8 octets to text, invalid sequences replaced by U+FFFD (for diagnostics only). */
export function decodeUtf8Lenient(b: Uint8Array): string {
  return utf8Lenient.decode(b);
}

export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Write `text` as UTF-8 into `out` at `offset`; returns the octets written. */
export function encodeUtf8Into(text: string, out: Uint8Array, offset: number): number {
  return encoder.encodeInto(text, out.subarray(offset)).written;
}

/** Number of UTF-8 octets of text[start, end). */
export function utf8Length(text: string, start = 0, end = text.length): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Octets of a text known to be ASCII (boundaries, CRLF). */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0x7f;
  return out;
}
