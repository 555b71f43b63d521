/**
 * URIs in SIP: SIP-URI / SIPS-URI (RFC 3261 §19.1, §25.1), the tel URI
 * (RFC 3966 §3), and any other absoluteURI (RFC 2396 §3 as RFC 3261 §25.1
 * imports it) kept opaque.
 *
 * Components are held in their wire (escaped) form, so serialize(parse(x))
 * gives back x byte for byte; `unescapeUriComponent` gives the meaning, and
 * `sipUriEquals` compares per RFC 3261 §19.1.4 (escapes resolved first).
 * Unescaping is never recursive (RFC 4475 §3.1.1.3: "value%2541" means
 * "value%41").
 */
import type { DecodeResult } from "../../core/result.js";
import { ALPHA, DIGIT, HEXDIG, HNV_UNRESERVED, PARAM_UNRESERVED, PASSWORD_EXTRA, PERCENT, PHONEDIGIT_HEX, RESERVED, SCHEME, UNRESERVED, USER_UNRESERVED, hexValue, is } from "./chars.js";
import { SyntaxFailure } from "./cursor.js";
import type { HostType } from "./host.js";
import { classifyHost, isHostname } from "./host.js";

export interface UriParam {
  /** Wire form (escapes kept). */
  readonly name: string;
  readonly value: string | undefined;
}

export interface UriHeader {
  readonly name: string;
  readonly value: string;
}

export interface SipUri {
  readonly kind: "sip";
  readonly scheme: "sip" | "sips";
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** As written; IPv6 references keep their brackets. */
  readonly host: string;
  readonly hostType: HostType;
  readonly port: number | undefined;
  readonly params: readonly UriParam[];
  readonly headers: readonly UriHeader[];
}

/** RFC 3966 telephone-uri. */
export interface TelUri {
  readonly kind: "tel";
  readonly scheme: "tel";
  /** global-number-digits ("+1-201-555-0123") or local-number-digits ("7042"), as written. */
  readonly number: string;
  readonly global: boolean;
  readonly params: readonly UriParam[];
}

/** Any other absoluteURI (RFC 4475 §3.3.2 "nobodyKnowsThisScheme:..."), kept opaque. */
export interface AbsoluteUri {
  readonly kind: "absolute";
  /** Lower-cased (schemes compare case-insensitively, RFC 2396 §3.1). */
  readonly scheme: string;
  /** Everything after "scheme:". */
  readonly rest: string;
}

export type Uri = SipUri | TelUri | AbsoluteUri;

export interface UriRules {
  /** RFC 3261 §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11). */
  readonly allowHeaders: boolean;
}

const anyUse: UriRules = { allowHeaders: true };

function fail(field: string, reason: string, at: number): never {
  throw new SyntaxFailure(field, reason, at);
}

/**
 * Check text[start, end) against a class, with "%" HEX HEX escapes allowed
 * when `escapes`. Returns the first bad index, or -1.
 */
function badChar(text: string, start: number, end: number, flag: number, escapes: boolean): number {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (is(c, flag)) continue;
    if (escapes && c === PERCENT && i + 2 < end && is(text.charCodeAt(i + 1), HEXDIG) && is(text.charCodeAt(i + 2), HEXDIG)) {
      i += 2;
      continue;
    }
    return i;
  }
  return -1;
}

function explainBad(text: string, i: number): string {
  const c = text.charCodeAt(i);
  if (c === PERCENT) return `'%' not followed by two hex digits`;
  if (c < 0x21 || c >= 0x7f) return `character 0x${c.toString(16).padStart(2, "0")}`;
  return `'${text[i] as string}'`;
}

function checkPart(text: string, start: number, end: number, flag: number, field: string, what: string, base: number): void {
  if (end <= start) fail(field, `empty ${what}`, base + start);
  const bad = badChar(text, start, end, flag, true);
  if (bad >= 0) fail(field, `${explainBad(text, bad)} is not allowed in ${what}`, base + bad);
}

const PARAMCHAR = PARAM_UNRESERVED | UNRESERVED;
const HNVCHAR = HNV_UNRESERVED | UNRESERVED;

function parseUriParams(text: string, start: number, end: number, field: string, base: number, tel: boolean): UriParam[] {
  const out: UriParam[] = [];
  let i = start;
  while (i < end) {
    // text[i] is ';'
    i++;
    let j = i;
    while (j < end && text.charCodeAt(j) !== 0x3b) j++;
    const eq = text.indexOf("=", i);
    const nameEnd = eq >= 0 && eq < j ? eq : j;
    if (nameEnd === i) fail(field, "empty URI parameter (';;' or ';=')", base + i);
    if (tel) {
      // RFC 3966: pname = 1*( alphanum / "-" )
      for (let k = i; k < nameEnd; k++) {
        const c = text.charCodeAt(k);
        if (!is(c, ALPHA | DIGIT) && c !== 0x2d) fail(field, `${explainBad(text, k)} is not allowed in a tel URI parameter name`, base + k);
      }
    } else {
      checkPart(text, i, nameEnd, PARAMCHAR, field, "a URI parameter name", base);
    }
    const name = text.slice(i, nameEnd);
    let value: string | undefined;
    if (nameEnd < j) {
      // RFC 3966 §3: isdn-subaddress = ";isub=" 1*uric
      const valueClass = tel && name.toLowerCase() === "isub" ? RESERVED | UNRESERVED : PARAMCHAR;
      checkPart(text, nameEnd + 1, j, valueClass, field, `the value of URI parameter ${name}`, base);
      value = text.slice(nameEnd + 1, j);
    }
    const lower = name.toLowerCase();
    // RFC 3261 §19.1.1: "Any URI parameter name MUST NOT appear more than once." (likewise RFC 3966 §3)
    for (const p of out) if (p.name.toLowerCase() === lower) fail(field, `URI parameter ${name} appears more than once`, base + i);
    out.push({ name, value });
    i = j;
  }
  return out;
}

function parseUriHeaders(text: string, start: number, end: number, field: string, base: number): UriHeader[] {
  const out: UriHeader[] = [];
  let i = start + 1; // after '?'
  for (;;) {
    let j = i;
    while (j < end && text.charCodeAt(j) !== 0x26) j++;
    const eq = text.indexOf("=", i);
    if (eq < 0 || eq >= j) fail(field, "URI header without '=' (hname \"=\" hvalue)", base + i);
    checkPart(text, i, eq, HNVCHAR, field, "a URI header name", base);
    if (eq + 1 < j) {
      const bad = badChar(text, eq + 1, j, HNVCHAR, true);
      if (bad >= 0) fail(field, `${explainBad(text, bad)} is not allowed in a URI header value`, base + bad);
    }
    out.push({ name: text.slice(i, eq), value: text.slice(eq + 1, j) });
    if (j >= end) break;
    i = j + 1;
  }
  return out;
}

function parseSip(text: string, scheme: "sip" | "sips", start: number, field: string, rules: UriRules, base: number): SipUri {
  const end = text.length;
  // '@' occurs only as the end of userinfo: no other SIP-URI component may carry it unescaped.
  const at = text.indexOf("@", start);
  let user: string | undefined;
  let password: string | undefined;
  let hp = start;
  if (at >= 0) {
    const colon = text.indexOf(":", start);
    const userEnd = colon >= 0 && colon < at ? colon : at;
    checkPart(text, start, userEnd, UNRESERVED | USER_UNRESERVED, field, "the user part", base);
    user = text.slice(start, userEnd);
    if (userEnd < at) {
      const bad = badChar(text, userEnd + 1, at, UNRESERVED | PASSWORD_EXTRA, true);
      if (bad >= 0) fail(field, `${explainBad(text, bad)} is not allowed in the password`, base + bad);
      password = text.slice(userEnd + 1, at);
    }
    hp = at + 1;
  }
  let hpEnd = hp;
  if (text.charCodeAt(hp) === 0x5b) {
    const close = text.indexOf("]", hp);
    hpEnd = close < 0 ? end : close + 1;
  }
  while (hpEnd < end) {
    const c = text.charCodeAt(hpEnd);
    if (c === 0x3b || c === 0x3f || c === 0x3a) break;
    hpEnd++;
  }
  const hostText = text.slice(hp, hpEnd);
  if (hostText.length === 0) fail(field, "missing host", base + hp);
  const hostType = classifyHost(hostText);
  if (hostType === undefined) fail(field, `'${hostText}' is not a valid host (hostname, IPv4 address or IPv6 reference)`, base + hp);
  let i = hpEnd;
  let port: number | undefined;
  if (text.charCodeAt(i) === 0x3a) {
    i++;
    const ps = i;
    let v = 0;
    while (i < end && is(text.charCodeAt(i), DIGIT)) {
      v = v * 10 + text.charCodeAt(i) - 0x30;
      if (v > 65535) fail(field, "port above 65535", base + ps);
      i++;
    }
    if (i === ps) fail(field, "':' not followed by a port number", base + ps);
    port = v;
  }
  let q = text.indexOf("?", i);
  if (q < 0) q = end;
  if (i < q && text.charCodeAt(i) !== 0x3b) fail(field, `${explainBad(text, i)} after the host`, base + i);
  const params = i < q ? parseUriParams(text, i, q, field, base, false) : [];
  let headers: UriHeader[] = [];
  if (q < end) {
    if (!rules.allowHeaders) fail(field, "headers ('?') are not allowed in a Request-URI (RFC 3261 §19.1.1)", base + q);
    headers = parseUriHeaders(text, q, end, field, base);
  }
  return { kind: "sip", scheme, user, password, host: hostText, hostType, port, params, headers };
}

/** RFC 3966 §3 global-number-digits / local-number-digits. */
function telNumberProblem(num: string): string | undefined {
  if (num.length === 0) return "empty telephone number";
  if (num.charCodeAt(0) === 0x2b) {
    let digits = 0;
    for (let k = 1; k < num.length; k++) {
      const c = num.charCodeAt(k);
      if (is(c, DIGIT)) digits++;
      else if (c !== 0x2d && c !== 0x2e && c !== 0x28 && c !== 0x29) return `'${num[k] as string}' is not allowed in a global number`;
    }
    return digits > 0 ? undefined : "a global number needs at least one digit";
  }
  let significant = 0;
  for (let k = 0; k < num.length; k++) {
    const c = num.charCodeAt(k);
    if (!is(c, PHONEDIGIT_HEX)) return `'${num[k] as string}' is not allowed in a local number`;
    if (is(c, HEXDIG) || c === 0x2a || c === 0x23) significant++;
  }
  return significant > 0 ? undefined : "a local number needs at least one digit";
}

function parseTel(text: string, start: number, field: string, base: number): TelUri {
  let semi = text.indexOf(";", start);
  if (semi < 0) semi = text.length;
  const number = text.slice(start, semi);
  const problem = telNumberProblem(number);
  if (problem !== undefined) fail(field, `tel URI: ${problem} (RFC 3966 §3)`, base + start);
  const params = parseUriParams(text, semi, text.length, field, base, true);
  const global = number.charCodeAt(0) === 0x2b;
  for (const p of params) {
    const n = p.name.toLowerCase();
    if (n === "ext" && (p.value === undefined || !/^[0-9().-]*[0-9][0-9().-]*$/.test(p.value))) fail(field, "tel URI: ext must be phone digits (RFC 3966 §3)", base + start);
    if (n === "phone-context") {
      const d = p.value ?? "";
      if (!(d.startsWith("+") ? telNumberProblem(d) === undefined : isHostname(d))) fail(field, "tel URI: phone-context must be a domain name or a global number (RFC 3966 §3)", base + start);
    }
  }
  // RFC 3966 §3: local-number = local-number-digits *par context *par
  if (!global && !params.some((p) => p.name.toLowerCase() === "phone-context")) {
    fail(field, "tel URI: a local number needs a phone-context parameter (RFC 3966 §5.1.5)", base + start);
  }
  return { kind: "tel", scheme: "tel", number, global, params };
}

/**
 * Parse a complete URI (already cut out of its context). Throws
 * SyntaxFailure; `base` offsets reported positions.
 */
export function readUri(text: string, field: string, rules: UriRules = anyUse, base = 0): Uri {
  const colon = text.indexOf(":");
  if (colon <= 0) fail(field, `'${text}' is not a URI (no scheme)`, base);
  if (!is(text.charCodeAt(0), ALPHA)) fail(field, "a URI scheme must start with a letter", base);
  for (let i = 1; i < colon; i++) if (!is(text.charCodeAt(i), SCHEME)) fail(field, `${explainBad(text, i)} is not allowed in a URI scheme`, base + i);
  const scheme = text.slice(0, colon).toLowerCase();
  if (scheme === "sip" || scheme === "sips") return parseSip(text, scheme, colon + 1, field, rules, base);
  if (scheme === "tel") return parseTel(text, colon + 1, field, base);
  // absoluteURI = scheme ":" ( hier-part / opaque-part ): 1*uric, with "[" "]" for IPv6 hosts (RFC 2732).
  if (colon + 1 >= text.length) fail(field, `nothing after '${scheme}:'`, base + colon);
  for (let i = colon + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (is(c, RESERVED | UNRESERVED) || c === 0x5b || c === 0x5d) continue;
    if (c === PERCENT && i + 2 < text.length && is(text.charCodeAt(i + 1), HEXDIG) && is(text.charCodeAt(i + 2), HEXDIG)) {
      i += 2;
      continue;
    }
    fail(field, `${explainBad(text, i)} is not allowed in a URI`, base + i);
  }
  return { kind: "absolute", scheme, rest: text.slice(colon + 1) };
}

export function parseUri(text: string, rules: UriRules = anyUse): DecodeResult<Uri> {
  try {
    return { ok: true, value: readUri(text, "URI", rules), notes: [] };
  } catch (e) {
    if (e instanceof SyntaxFailure) return { ok: false, error: { offset: e.at, field: e.field, reason: e.reason, clause: "RFC 3261 §25.1" } };
    throw e;
  }
}

function formatUriParams(params: readonly UriParam[]): string {
  let out = "";
  for (const p of params) out += p.value === undefined ? `;${p.name}` : `;${p.name}=${p.value}`;
  return out;
}

export function formatUri(uri: Uri): string {
  switch (uri.kind) {
    case "sip": {
      let out = `${uri.scheme}:`;
      if (uri.user !== undefined) out += uri.password !== undefined ? `${uri.user}:${uri.password}@` : `${uri.user}@`;
      out += uri.host;
      if (uri.port !== undefined) out += `:${uri.port}`;
      out += formatUriParams(uri.params);
      if (uri.headers.length > 0) out += `?${uri.headers.map((h) => `${h.name}=${h.value}`).join("&")}`;
      return out;
    }
    case "tel":
      return `tel:${uri.number}${formatUriParams(uri.params)}`;
    case "absolute":
      return `${uri.scheme}:${uri.rest}`;
  }
}

export function uriParam(uri: SipUri | TelUri, name: string): UriParam | undefined {
  const lower = name.toLowerCase();
  return uri.params.find((p) => p.name.toLowerCase() === lower);
}

/** Resolve "%" HEX HEX escapes to octets, returned one octet per code unit. */
export function unescapeToOctets(text: string): string {
  if (!text.includes("%")) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === PERCENT && i + 2 < text.length && is(text.charCodeAt(i + 1), HEXDIG) && is(text.charCodeAt(i + 2), HEXDIG)) {
      out += String.fromCharCode(hexValue(text.charCodeAt(i + 1)) * 16 + hexValue(text.charCodeAt(i + 2)));
      i += 2;
    } else {
      out += text[i] as string;
    }
  }
  return out;
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** The meaning of an escaped URI component: escapes resolved once, octets read as UTF-8. */
export function unescapeUriComponent(text: string): string {
  const octets = unescapeToOctets(text);
  if (octets === text && !/[\u0080-\uffff]/.test(text)) return text;
  const bytes = new Uint8Array(octets.length);
  for (let i = 0; i < octets.length; i++) bytes[i] = octets.charCodeAt(i) & 0xff;
  return utf8.decode(bytes);
}

const utf8Enc = new TextEncoder();

function escapeWith(text: string, flag: number): string {
  const bytes = utf8Enc.encode(text);
  let out = "";
  for (const b of bytes) {
    if (is(b, flag)) out += String.fromCharCode(b);
    else out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Escape text for the user part of a SIP URI (RFC 3261 §25.1 user). */
export function escapeUser(text: string): string {
  return escapeWith(text, UNRESERVED | USER_UNRESERVED);
}

/** Escape text for a URI parameter name or value (paramchar). */
export function escapeParam(text: string): string {
  return escapeWith(text, PARAMCHAR);
}

/** Escape text for a URI header name or value (hnv-unreserved / unreserved). */
export function escapeUriHeader(text: string): string {
  return escapeWith(text, HNVCHAR);
}

const sticky = ["user", "ttl", "method", "maddr", "transport"];

/**
 * SIP / SIPS URI comparison, RFC 3261 §19.1.4: scheme, userinfo
 * (case-sensitive, escapes resolved), host (case-insensitive), port (present
 * only on one side: not equal), the user/ttl/method/maddr/transport
 * parameters when present on either side, other parameters when present on
 * both, and all headers.
 */
export function sipUriEquals(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  if ((a.user === undefined) !== (b.user === undefined)) return false;
  if (a.user !== undefined && unescapeToOctets(a.user) !== unescapeToOctets(b.user as string)) return false;
  if ((a.password === undefined) !== (b.password === undefined)) return false;
  if (a.password !== undefined && unescapeToOctets(a.password) !== unescapeToOctets(b.password as string)) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase()) return false;
  if (a.port !== b.port) return false;
  const norm = (v: string | undefined): string | undefined => (v === undefined ? undefined : unescapeToOctets(v).toLowerCase());
  const pa = new Map(a.params.map((p) => [unescapeToOctets(p.name).toLowerCase(), norm(p.value)] as const));
  const pb = new Map(b.params.map((p) => [unescapeToOctets(p.name).toLowerCase(), norm(p.value)] as const));
  for (const name of sticky) {
    if (pa.has(name) !== pb.has(name)) return false;
    if (pa.get(name) !== pb.get(name)) return false;
  }
  for (const [name, v] of pa) if (pb.has(name) && pb.get(name) !== v) return false;
  const ha = a.headers.map((h) => [unescapeToOctets(h.name).toLowerCase(), unescapeToOctets(h.value)] as const);
  const hb = b.headers.map((h) => [unescapeToOctets(h.name).toLowerCase(), unescapeToOctets(h.value)] as const);
  if (ha.length !== hb.length) return false;
  for (const [n, v] of ha) if (!hb.some(([m, w]) => m === n && w === v)) return false;
  return true;
}
