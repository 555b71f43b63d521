/**
 * Header parameters: generic-param = token [ EQUAL gen-value ],
 * gen-value = token / host / quoted-string (RFC 3261 §25.1), written after
 * SEMI in From/To/Contact/Route/Via/Content-Type/Content-Disposition...
 * Parameter names compare case-insensitively (RFC 3261 §7.3.1).
 */
import { EncodeError } from "../../core/errors.js";
import { DQUOTE, HEXDIG, is, isToken } from "./chars.js";
import type { Cursor } from "./cursor.js";
import { classifyHost, isIPv6, readHost } from "./host.js";

export interface Param {
  readonly name: string;
  /** undefined for a parameter without "=value"; quoted strings unquoted and unescaped. */
  readonly value: string | undefined;
  /** The value was (and will be written as) a quoted-string. */
  readonly quoted: boolean;
}

export function param(name: string, value?: string, quoted = false): Param {
  return { name, value, quoted };
}

/** gen-value at the cursor. */
export function readGenValue(cur: Cursor, what: string): { value: string; quoted: boolean } {
  const c = cur.peek();
  if (c === DQUOTE) return { value: cur.quotedString(what), quoted: true };
  if (c === 0x5b) return { value: readHost(cur, what).host, quoted: false };
  // RFC 5954 §4.2: received= carries a bare IPv6address, which is not a token.
  let j = cur.i;
  while (j < cur.end && (is(cur.text.charCodeAt(j), HEXDIG) || cur.text.charCodeAt(j) === 0x3a || cur.text.charCodeAt(j) === 0x2e)) j++;
  if (j > cur.i && cur.text.charCodeAt(j - 1) !== 0x2e && cur.text.slice(cur.i, j).includes(":") && isIPv6(cur.text.slice(cur.i, j))) {
    const value = cur.text.slice(cur.i, j);
    cur.i = j;
    return { value, quoted: false };
  }
  return { value: cur.token(what), quoted: false };
}

/**
 * *( SEMI generic-param ) at the cursor. Stops before anything that is not
 * SEMI (a COMMA, the end); an empty parameter (";;") fails.
 */
export function readParams(cur: Cursor, what: string): Param[] {
  const out: Param[] = [];
  while (cur.sep(0x3b)) {
    const name = cur.token(`${what} parameter name`);
    if (cur.sep(0x3d)) {
      const v = readGenValue(cur, `value of ${what} parameter ${name}`);
      out.push({ name, value: v.value, quoted: v.quoted });
    } else {
      out.push({ name, value: undefined, quoted: false });
    }
  }
  return out;
}

export function findParam(params: readonly Param[], name: string): Param | undefined {
  const lower = name.toLowerCase();
  for (const p of params) if (p.name.length === lower.length && p.name.toLowerCase() === lower) return p;
  return undefined;
}

export function paramValue(params: readonly Param[], name: string): string | undefined {
  return findParam(params, name)?.value;
}

export function hasParam(params: readonly Param[], name: string): boolean {
  return findParam(params, name) !== undefined;
}

/** quoted-string for `text`: DQUOTE, '"' and '\' escaped as quoted-pairs, DQUOTE. */
export function quote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const c = text.charCodeAt(i);
    // quoted-pair covers %x00-09 / %x0B-0C / %x0E-7F; CR and LF cannot be carried at all.
    if (c === 0x0a || c === 0x0d) throw new EncodeError("quoted-string", "CR and LF cannot appear in a quoted string (RFC 3261 §25.1)");
    if (ch === '"' || ch === "\\" || (c < 0x20 && c !== 0x09) || c === 0x7f) out += "\\";
    out += ch;
  }
  return `${out}"`;
}

function needsQuotes(value: string): boolean {
  return !isToken(value) && classifyHost(value) !== "ipv6" && !(value.includes(":") && isIPv6(value));
}

/** Serialize parameters as ";name=value..." (values that are not token/host are quoted). */
export function formatParams(params: readonly Param[]): string {
  let out = "";
  for (const p of params) {
    out += `;${p.name}`;
    if (p.value !== undefined) out += `=${p.quoted || needsQuotes(p.value) ? quote(p.value) : p.value}`;
  }
  return out;
}
