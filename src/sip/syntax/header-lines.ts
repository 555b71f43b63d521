/**
 * Splitting a header section into header fields, RFC 3261 §7.3.1 and §25.1:
 *   message-header = header-name HCOLON header-value CRLF
 *   HCOLON = *( SP / HTAB ) ":" SWS
 * with line folding (a line starting with SP / HTAB continues the previous
 * one); also used for the MIME part headers of multipart bodies (RFC 2045 §3,
 * RFC 822 §3.1.1 folding).
 *
 * Works on the header section decoded from UTF-8 (TEXT-UTF8char, §25.1);
 * offsets reported are octet offsets in the message.
 */
import { HTAB, SP, TOKEN, is } from "./chars.js";
import { SyntaxFailure } from "./cursor.js";
import { headerKey } from "./header-table.js";
import { utf8Length } from "./octets.js";

export interface SipHeader {
  /** The name as received (or as given). */
  readonly name: string;
  /** Lookup key: canonical lower-case full name for known headers (compact forms expanded). */
  readonly key: string;
  /** The value with folds unfolded (CRLF removed, whitespace kept) and SWS trimmed at both ends. */
  readonly value: string;
  /** Octet offset of the header line in the message, -1 for a header built in code. */
  readonly offset: number;
}

export function header(name: string, value: string): SipHeader {
  return { name, key: headerKey(name), value, offset: -1 };
}

// eslint-disable-next-line no-control-regex -- the CTL octets RFC 3261 §25.1 excludes outside quoted-pair
const CTL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/** Control characters, DEL, or a CR or LF that is not part of a CRLF pair, anywhere in `text`. */
export function hasSuspectControls(text: string): boolean {
  if (CTL.test(text)) return true;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) if (i === 0 || text.charCodeAt(i - 1) !== 0x0d) return true;
  for (let i = text.indexOf("\r"); i >= 0; i = text.indexOf("\r", i + 1)) if (text.charCodeAt(i + 1) !== 0x0a) return true;
  return false;
}

/**
 * Where a control character sits where the grammar forbids it: everywhere
 * except inside a quoted-pair of a quoted string (§25.1 quoted-pair admits
 * %x00-09 / %x0B-0C / %x0E-7F). Returns a description or undefined.
 */
export function controlProblem(value: string): string | undefined {
  let inQuote = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0d || c === 0x0a) return "a CR or LF that is not a line end or a fold";
    if (inQuote && c === 0x5c) {
      const n = value.charCodeAt(i + 1);
      if (n === 0x0d || n === 0x0a) return "a CR or LF in a quoted-pair";
      i++;
      continue;
    }
    if (c === 0x22) inQuote = !inQuote;
    else if ((c < 0x20 && c !== HTAB) || c === 0x7f) return `control character 0x${c.toString(16).padStart(2, "0")}${inQuote ? " in a quoted string without a backslash" : ""}`;
  }
  return undefined;
}

function trimmed(s: string, start: number, end: number): string {
  const [a, b] = trimWsp(s, start, end);
  return s.slice(a, b);
}

function trimWsp(s: string, start: number, end: number): [number, number] {
  while (start < end) {
    const c = s.charCodeAt(start);
    if (c !== SP && c !== HTAB) break;
    start++;
  }
  while (end > start) {
    const c = s.charCodeAt(end - 1);
    if (c !== SP && c !== HTAB) break;
    end--;
  }
  return [start, end];
}

export interface SplitOptions {
  readonly maxHeaders: number;
  /** hasSuspectControls() is true for the section: check each value. */
  readonly checkControls: boolean;
  /** The text has characters beyond ASCII: convert positions to octet offsets. */
  readonly nonAscii: boolean;
  /** Octet offset of `text[0]` in the message. */
  readonly base: number;
}

/**
 * Split header lines text[start, end) (lines separated by CRLF, the section's
 * closing empty line excluded) into `out`. Throws SyntaxFailure with an
 * octet offset.
 */
export function splitHeaderLines(text: string, start: number, end: number, opts: SplitOptions, out: SipHeader[]): void {
  let pos = start;
  // Octet offset of text[charAt], advanced line by line when the text is not all ASCII.
  let charAt = 0;
  let octetAt = opts.base;
  const offsetOf = (i: number): number => {
    if (!opts.nonAscii) return opts.base + i;
    if (i < charAt) return opts.base + utf8Length(text, 0, i);
    octetAt += utf8Length(text, charAt, i);
    charAt = i;
    return octetAt;
  };
  while (pos < end) {
    let e = text.indexOf("\r\n", pos);
    if (e < 0 || e > end) e = end;
    let folded = false;
    // A following line that starts with whitespace continues this one (LWS, §7.3.1).
    while (e + 2 < end) {
      const n = text.charCodeAt(e + 2);
      if (n !== SP && n !== HTAB) break;
      folded = true;
      e = text.indexOf("\r\n", e + 2);
      if (e < 0 || e > end) e = end;
    }
    const lineStart = pos;
    pos = e + 2;
    const first = text.charCodeAt(lineStart);
    if (first === SP || first === HTAB) {
      throw new SyntaxFailure("header line", "a header section cannot start with a continuation line", offsetOf(lineStart));
    }
    let colon = lineStart;
    while (colon < e && is(text.charCodeAt(colon), TOKEN)) colon++;
    const nameEnd = colon;
    while (colon < e && (text.charCodeAt(colon) === SP || text.charCodeAt(colon) === HTAB)) colon++;
    if (nameEnd === lineStart || colon >= e || text.charCodeAt(colon) !== 0x3a) {
      const shown = text.slice(lineStart, Math.min(e, lineStart + 40));
      const reason =
        nameEnd === lineStart
          ? `header line does not start with a header name: '${shown}'`
          : colon >= e
            ? `header line without ':': '${shown}'`
            : `header name ${text.slice(lineStart, nameEnd)} followed by '${text[colon] as string}' instead of ':'`;
      throw new SyntaxFailure(nameEnd > lineStart ? text.slice(lineStart, nameEnd) : "header line", reason, offsetOf(lineStart));
    }
    const name = text.slice(lineStart, nameEnd);
    let value: string;
    if (folded) {
      const unfolded = text.slice(colon + 1, e).replaceAll("\r\n", "");
      const [vs, ve] = trimWsp(unfolded, 0, unfolded.length);
      value = unfolded.slice(vs, ve);
    } else {
      const [vs, ve] = trimWsp(text, colon + 1, e);
      value = text.slice(vs, ve);
    }
    if (opts.checkControls) {
      const p = controlProblem(value);
      if (p !== undefined) throw new SyntaxFailure(name, `${p} in the value`, offsetOf(lineStart));
    }
    if (out.length >= opts.maxHeaders) {
      throw new SyntaxFailure(name, `more than ${opts.maxHeaders} header fields`, offsetOf(lineStart));
    }
    out.push({ name, key: headerKey(name), value, offset: offsetOf(lineStart) });
  }
}

/**
 * Split a comma-separated header value into its elements, honouring quoted
 * strings (with quoted-pairs) and angle brackets (RFC 3261 §7.3.1). For
 * headers without a typed reader (Accept, Allow-Events...).
 */
export function splitCommaList(value: string): string[] {
  const out: string[] = [];
  let inQuote = false;
  let angle = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
      continue;
    }
    if (c === 0x22) inQuote = true;
    else if (c === 0x3c) angle++;
    else if (c === 0x3e && angle > 0) angle--;
    else if (c === 0x2c && angle === 0) {
      out.push(trimmed(value, start, i));
      start = i + 1;
    }
  }
  out.push(trimmed(value, start, value.length));
  return out.filter((v) => v.length > 0);
}
