/**
 * Multipart MIME bodies in SIP: RFC 2046 §5.1 (multipart syntax, boundary
 * rules), RFC 5621 (message body handling in SIP: Content-Disposition and
 * handling per part), as used by SIP-T (RFC 3204 §3 application/ISUP parts,
 * RFC 3372).
 *
 *   multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF
 *                     body-part *encapsulation close-delimiter
 *                     transport-padding [CRLF epilogue]
 *   encapsulation  := delimiter transport-padding CRLF body-part
 *   delimiter      := CRLF dash-boundary      dash-boundary := "--" boundary
 *   close-delimiter := delimiter "--"
 *
 * Part bodies are octets (an ISUP part is binary, RFC 3204 §3); the CRLF
 * before each delimiter belongs to the delimiter, not to the part.
 */
import { EncodeError } from "../../core/errors.js";
import type { DecodeNote, DecodeResult } from "../../core/result.js";
import { SyntaxFailure } from "./cursor.js";
import type { SipHeader } from "./header-lines.js";
import { hasSuspectControls, splitHeaderLines } from "./header-lines.js";
import { canonicalHeaderName } from "./header-table.js";
import type { ContentDisposition, MediaType } from "./header-values.js";
import { readContentDisposition, readMediaType } from "./header-values.js";
import { asciiBytes, concatBytes, decodeUtf8, encodeUtf8, indexOfBytes, indexOfCrlfCrlf } from "./octets.js";

export interface BodyPart {
  readonly headers: readonly SipHeader[];
  /** Parsed Content-Type; undefined when absent, which means text/plain; charset=us-ascii (RFC 2046 §5.1). */
  readonly contentType: MediaType | undefined;
  /** Parsed Content-Disposition (RFC 5621 §3.2, RFC 3261 §20.11). */
  readonly contentDisposition: ContentDisposition | undefined;
  readonly body: Uint8Array;
}

export interface MultipartBody {
  readonly boundary: string;
  readonly preamble: Uint8Array;
  readonly parts: readonly BodyPart[];
  readonly epilogue: Uint8Array;
}

/** boundary := 0*69<bchars> bcharsnospace (RFC 2046 §5.1.1) */
export function boundaryProblem(boundary: string): string | undefined {
  if (boundary.length < 1 || boundary.length > 70) return `boundary must be 1 to 70 characters, not ${boundary.length}`;
  if (!/^[0-9A-Za-z'()+_,\-./:=? ]*$/.test(boundary)) return "boundary has characters outside bchars (RFC 2046 §5.1.1)";
  if (boundary.endsWith(" ")) return "boundary must not end with a space (RFC 2046 §5.1.1)";
  return undefined;
}

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

function isLwsp(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09;
}

/**
 * After a dash-boundary at `p` (pointing just past it): "--" closes, else
 * transport-padding CRLF opens a part. Returns the index after CRLF, -2 for
 * a close-delimiter (with `closeEnd` set), -1 when this is not a delimiter
 * (the boundary is a prefix of a longer line).
 */
function afterBoundary(body: Uint8Array, p: number): { next: number; close: boolean } | undefined {
  if (body[p] === 0x2d && body[p + 1] === 0x2d) return { next: p + 2, close: true };
  let q = p;
  while (isLwsp(body[q])) q++;
  if (body[q] === 0x0d && body[q + 1] === 0x0a) return { next: q + 2, close: false };
  return undefined;
}

function readPart(body: Uint8Array, start: number, end: number, index: number, notes: DecodeNote[]): BodyPart {
  // body-part := MIME-part-headers [CRLF *OCTET]; a part may have no headers (it then starts with CRLF).
  let headerEnd = start;
  let bodyStart = end;
  if (end - start >= 2 && body[start] === 0x0d && body[start + 1] === 0x0a) {
    bodyStart = start + 2;
  } else if (end > start) {
    const blank = indexOfCrlfCrlf(body.subarray(0, end), start);
    if (blank >= 0) {
      headerEnd = blank;
      bodyStart = blank + 4;
    } else if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) {
      // Headers only: the last field's CRLF, then the delimiter.
      headerEnd = end - 2;
    } else {
      throw new SyntaxFailure(`body part ${index + 1}`, "part headers are not followed by an empty line", start);
    }
  }
  const headers: SipHeader[] = [];
  if (headerEnd > start) {
    const text = decodeUtf8(body.subarray(start, headerEnd));
    if (text === undefined) throw new SyntaxFailure(`body part ${index + 1}`, "part headers are not valid UTF-8", start);
    splitHeaderLines(text, 0, text.length, { maxHeaders: 64, checkControls: hasSuspectControls(text), nonAscii: text.length !== headerEnd - start, base: start }, headers);
  }
  let contentType: MediaType | undefined;
  let contentDisposition: ContentDisposition | undefined;
  for (const h of headers) {
    try {
      if (h.key === "content-type") {
        if (contentType !== undefined) throw new SyntaxFailure("Content-Type", "more than one Content-Type in a body part", h.offset);
        contentType = readMediaType(h.value);
      } else if (h.key === "content-disposition") {
        if (contentDisposition !== undefined) throw new SyntaxFailure("Content-Disposition", "more than one Content-Disposition in a body part", h.offset);
        contentDisposition = readContentDisposition(h.value);
      } else if (!h.key.startsWith("content-") && h.key !== "mime-version") {
        // RFC 2046 §5.1: only Content- header fields have a defined meaning in a body part.
        notes.push({ offset: h.offset, item: `header ${h.name}`, message: `body part ${index + 1} carries a header that is not a Content- field; ignored`, clause: "RFC 2046 §5.1" });
      }
    } catch (e) {
      if (e instanceof SyntaxFailure) throw new SyntaxFailure(`body part ${index + 1} ${e.field}`, e.reason, h.offset);
      throw e;
    }
  }
  return { headers, contentType, contentDisposition, body: body.subarray(bodyStart, end) };
}

/** Parse a multipart body with the boundary from its Content-Type. Never throws. */
export function parseMultipartBody(body: Uint8Array, boundary: string): DecodeResult<MultipartBody> {
  const notes: DecodeNote[] = [];
  const problem = boundaryProblem(boundary);
  if (problem !== undefined) return { ok: false, error: { offset: 0, field: "boundary", reason: problem, clause: "RFC 2046 §5.1.1" } };
  try {
    const dash = asciiBytes(`--${boundary}`);
    const delim = asciiBytes(`\r\n--${boundary}`);
    // The first dash-boundary: at the very start, or after a preamble and CRLF.
    let first = -1;
    let preambleEnd = 0;
    if (startsWith(body, dash) && afterBoundary(body, dash.length) !== undefined) {
      first = dash.length;
    } else {
      let from = 0;
      for (;;) {
        const d = indexOfBytes(body, delim, from);
        if (d < 0) break;
        if (afterBoundary(body, d + delim.length) !== undefined) {
          first = d + delim.length;
          preambleEnd = d;
          break;
        }
        from = d + 1;
      }
    }
    if (first < 0) throw new SyntaxFailure("multipart body", `no boundary line "--${boundary}"`, 0);
    const opening = afterBoundary(body, first);
    if (opening === undefined || opening.close) throw new SyntaxFailure("multipart body", "the first boundary is a close-delimiter: a multipart body needs at least one part", first);
    const parts: BodyPart[] = [];
    let partStart = opening.next;
    let from = partStart;
    for (;;) {
      const d = indexOfBytes(body, delim, from);
      if (d < 0) throw new SyntaxFailure("multipart body", `no close-delimiter "--${boundary}--"`, partStart);
      const after = afterBoundary(body, d + delim.length);
      if (after === undefined) {
        from = d + 1;
        continue;
      }
      const partEnd = d;
      parts.push(readPart(body, partStart, partEnd, parts.length, notes));
      if (after.close) {
        let q = after.next;
        while (isLwsp(body[q])) q++;
        let epilogue = body.subarray(body.length);
        if (body[q] === 0x0d && body[q + 1] === 0x0a) epilogue = body.subarray(q + 2);
        else if (q < body.length) throw new SyntaxFailure("multipart body", "close-delimiter not followed by CRLF", q);
        return { ok: true, value: { boundary, preamble: body.subarray(0, preambleEnd), parts, epilogue }, notes };
      }
      partStart = after.next;
      from = partStart;
    }
  } catch (e) {
    if (e instanceof SyntaxFailure) return { ok: false, error: { offset: e.at, field: e.field, reason: e.reason, clause: "RFC 2046 §5.1.1" } };
    throw e;
  }
}

export interface BodyPartInit {
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  readonly body: Uint8Array;
}

/**
 * Serialize parts with `boundary`: each part is "--boundary" CRLF, its
 * headers (canonical names), CRLF, its body, CRLF; then "--boundary--" CRLF.
 * Throws EncodeError when the boundary occurs inside a part (RFC 2046 §5.1.1:
 * it must not) or is malformed: both are mistakes of the caller.
 */
export function serializeMultipartBody(parts: readonly BodyPartInit[], boundary: string): Uint8Array {
  const problem = boundaryProblem(boundary);
  if (problem !== undefined) throw new EncodeError("multipart boundary", problem);
  if (parts.length === 0) throw new EncodeError("multipart body", "needs at least one part (RFC 2046 §5.1.1)");
  const chunks: Uint8Array[] = [];
  const delim = asciiBytes(`\r\n--${boundary}`);
  const crlf = asciiBytes("\r\n");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as BodyPartInit;
    let head = "";
    for (const h of p.headers) head += `${canonicalHeaderName(h.name)}: ${h.value}\r\n`;
    head += "\r\n";
    const headBytes = encodeUtf8(head);
    // The part follows "--boundary" CRLF and is followed by CRLF "--boundary": no delimiter may start inside it.
    if (indexOfBytes(concatBytes([crlf, headBytes, p.body]), delim) >= 0) {
      throw new EncodeError("multipart body", `boundary "${boundary}" occurs inside part ${i + 1}`);
    }
    chunks.push(asciiBytes(`--${boundary}\r\n`), headBytes, p.body, crlf);
  }
  chunks.push(asciiBytes(`--${boundary}--\r\n`));
  return concatBytes(chunks);
}

/** A boundary not found in any part: `base`, then base-1, base-2... (deterministic). */
export function chooseBoundary(parts: readonly BodyPartInit[], base: string): string {
  for (let n = 0; n < 1000; n++) {
    const candidate = n === 0 ? base : `${base}-${n}`;
    if (boundaryProblem(candidate) !== undefined) break;
    try {
      serializeMultipartBody(parts, candidate);
      return candidate;
    } catch (e) {
      if (!(e instanceof EncodeError)) throw e;
    }
  }
  throw new EncodeError("multipart boundary", `no usable boundary derived from "${base}"`);
}
