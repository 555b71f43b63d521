/**
 * host = hostname / IPv4address / IPv6reference, RFC 3261 §25.1, with the
 * corrections of RFC 5954 §4.1 (dec-octet ranges in IPv4address, the IPv6
 * grammar of RFC 3986 §3.2.2).
 *
 * Deviation: an IPv4address octet with leading zeros ("010") is accepted as
 * RFC 3261 wrote it (1*3DIGIT); RFC 5954 forbids it. Its value must still be
 * at most 255.
 */
import type { Cursor } from "./cursor.js";
import { ALPHA, DIGIT, HEXDIG, is } from "./chars.js";

export type HostType = "hostname" | "ipv4" | "ipv6";

export interface Host {
  /** As written; an IPv6 reference keeps its brackets ("[2001:db8::1]"). */
  readonly host: string;
  readonly type: HostType;
}

function isHostChar(c: number): boolean {
  return is(c, ALPHA | DIGIT) || c === 0x2d || c === 0x2e;
}

/** IPv4address with each octet 0-255. */
export function isIPv4(text: string): boolean {
  const n = text.length;
  if (n < 7 || n > 15) return false;
  let octets = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 0x2e;
    if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return false;
      value = value * 10 + (c - 0x30);
    } else if (c === 0x2e) {
      if (digits === 0 || value > 255) return false;
      octets++;
      digits = 0;
      value = 0;
    } else {
      return false;
    }
  }
  return octets === 4;
}

/** IPv6address (RFC 3986 §3.2.2 / RFC 5954), without brackets. */
export function isIPv6(text: string): boolean {
  if (text.length < 2 || text.length > 45) return false;
  let s = text;
  const lastColon = s.lastIndexOf(":");
  if (lastColon < 0) return false;
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    // ls32 = ( h16 ":" h16 ) / IPv4address: the dotted tail stands for two groups.
    if (!isIPv4(tail)) return false;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = s.indexOf("::");
  if (dbl < 0) {
    const groups = s.split(":");
    return groups.length === 8 && groups.every(isH16);
  }
  if (s.indexOf("::", dbl + 1) >= 0) return false;
  const left = s.slice(0, dbl);
  const right = s.slice(dbl + 2);
  const lg = left.length > 0 ? left.split(":") : [];
  const rg = right.length > 0 ? right.split(":") : [];
  return lg.every(isH16) && rg.every(isH16) && lg.length + rg.length <= 7;
}

function isH16(g: string): boolean {
  if (g.length < 1 || g.length > 4) return false;
  for (let k = 0; k < g.length; k++) if (!is(g.charCodeAt(k), HEXDIG)) return false;
  return true;
}

/** hostname = *( domainlabel "." ) toplabel [ "." ] */
export function isHostname(text: string): boolean {
  let n = text.length;
  if (n === 0 || n > 255) return false;
  if (text.charCodeAt(n - 1) === 0x2e) n--;
  if (n === 0) return false;
  let labelStart = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      // domainlabel = alphanum / alphanum *( alphanum / "-" ) alphanum
      if (i === labelStart) return false;
      if (text.charCodeAt(i - 1) === 0x2d) return false;
      labelStart = i + 1;
    } else if (is(c, ALPHA | DIGIT)) {
      continue;
    } else if (c !== 0x2d || i === labelStart) {
      return false;
    }
  }
  // toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum: the last label starts with a letter.
  let last = n - 1;
  while (last > 0 && text.charCodeAt(last - 1) !== 0x2e) last--;
  return is(text.charCodeAt(last), ALPHA);
}

export function classifyHost(text: string): HostType | undefined {
  if (text.startsWith("[")) {
    return text.endsWith("]") && isIPv6(text.slice(1, -1)) ? "ipv6" : undefined;
  }
  if (isIPv4(text)) return "ipv4";
  return isHostname(text) ? "hostname" : undefined;
}

/** Read a host at the cursor (no surrounding whitespace). */
export function readHost(cur: Cursor, what: string): Host {
  const start = cur.i;
  if (cur.peek() === 0x5b) {
    const close = cur.text.indexOf("]", cur.i);
    if (close < 0 || close >= cur.end) cur.fail(`${what}: IPv6 reference without closing ']'`);
    const inner = cur.text.slice(cur.i + 1, close);
    if (!isIPv6(inner)) cur.fail(`${what}: '${inner}' is not an IPv6 address`);
    cur.i = close + 1;
    return { host: cur.text.slice(start, cur.i), type: "ipv6" };
  }
  while (cur.i < cur.end && isHostChar(cur.text.charCodeAt(cur.i))) cur.i++;
  const text = cur.text.slice(start, cur.i);
  if (text.length === 0) cur.fail(`expected ${what} but found ${cur.atEnd ? "end of value" : `'${cur.text[cur.i] as string}'`}`);
  if (isIPv4(text)) return { host: text, type: "ipv4" };
  if (isHostname(text)) return { host: text, type: "hostname" };
  return cur.fail(`'${text}' is not a valid ${what} (hostname, IPv4 address or IPv6 reference)`, start);
}
