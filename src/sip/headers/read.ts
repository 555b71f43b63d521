/**
 * What the header helpers share: running a cursor-based reader over one
 * header value into a DecodeResult (RFC 3261 §25.1 lexical rules through
 * the syntax layer's Cursor), and gathering one header's values across all
 * its lines in a message (RFC 3261 §7.3.1: a comma-separated list may be
 * split over several header lines, in order).
 */
import type { DecodeNote, DecodeResult } from "../../core/result.js";
import { Cursor, SyntaxFailure } from "../syntax/cursor.js";
import type { SipMessage } from "../syntax/message.js";

/** Run `read` over `value`; a SyntaxFailure becomes an error at its offset, with `clause`. */
export function readValue<T>(value: string, field: string, clause: string, read: (cur: Cursor, notes: DecodeNote[]) => T): DecodeResult<T> {
  const notes: DecodeNote[] = [];
  try {
    const cur = new Cursor(value, field);
    const v = read(cur, notes);
    return { ok: true, value: v, notes };
  } catch (e) {
    if (e instanceof SyntaxFailure) return { ok: false, error: { offset: e.at, field: e.field, reason: e.reason, clause } };
    throw e;
  }
}

/**
 * The values of header `name` over every line of `m`, each line read by
 * `parseLine`; undefined when the message has none. Errors and notes carry
 * the offset of their header line in the message (as SipMessage.typed does)
 * when the line came from the wire.
 */
export function gather<T>(m: SipMessage, name: string, parseLine: (value: string) => DecodeResult<readonly T[]>): DecodeResult<T[]> | undefined {
  const lines = m.headersNamed(name);
  if (lines.length === 0) return undefined;
  const out: T[] = [];
  const notes: DecodeNote[] = [];
  for (const h of lines) {
    const r = parseLine(h.value);
    if (!r.ok) return h.offset < 0 ? r : { ok: false, error: { ...r.error, offset: h.offset } };
    out.push(...r.value);
    for (const n of r.notes) notes.push(h.offset < 0 ? n : { ...n, offset: h.offset });
  }
  return { ok: true, value: out, notes };
}

/** "1*DIGIT" with at most `maxDigits` digits and no sign, or undefined. */
export function smallNumber(text: string | undefined, maxDigits: number): number | undefined {
  if (text === undefined || text.length === 0 || text.length > maxDigits || !/^[0-9]+$/.test(text)) return undefined;
  return Number(text);
}
