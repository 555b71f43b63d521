/**
 * Typed values of the SIP header fields the stack reads, RFC 3261 §20 and
 * §25.1, plus RFC 3581 (rport), RFC 3262 §7 (RSeq, RAck), RFC 3325 §9
 * (P-Asserted-Identity, P-Preferred-Identity), RFC 3323 §4.2 (Privacy),
 * RFC 3326 §2 (Reason), RFC 4028 §4-5 (Session-Expires, Min-SE).
 *
 * Each reader takes one unfolded header-field value (all of it, or one line
 * of a comma-separated list) and throws SyntaxFailure (caught at the message
 * boundary); each formatter writes the canonical form.
 */
import { DIGIT, is } from "./chars.js";
import type { DecodeResult } from "../../core/result.js";
import { Cursor, SyntaxFailure } from "./cursor.js";
import type { HostType } from "./host.js";
import { isIPv4, isIPv6, readHost } from "./host.js";
import type { NameAddr } from "./name-addr.js";
import { formatNameAddr, readNameAddr } from "./name-addr.js";
import type { Param } from "./params.js";
import { findParam, formatParams, paramValue, quote, readParams } from "./params.js";

export const MAX_UINT32 = 0xffffffff;

// ---------------------------------------------------------------- Via (§20.42)

export interface Via {
  /** protocol-name, "SIP" */
  readonly protocolName: string;
  readonly protocolVersion: string;
  /** transport as written (UDP, TCP, TLS, SCTP, WS, WSS or an extension token). */
  readonly transport: string;
  readonly host: string;
  readonly hostType: HostType;
  readonly port: number | undefined;
  readonly params: readonly Param[];
  /** Derived from params. */
  readonly branch: string | undefined;
  readonly received: string | undefined;
  /** RFC 3581: true when present without a value (a request asking for it). */
  readonly rport: number | true | undefined;
  readonly maddr: string | undefined;
  readonly ttl: number | undefined;
}

function readVia(cur: Cursor): Via {
  cur.ws();
  const protocolName = cur.token("protocol-name");
  cur.expectSep(0x2f, "'/' after the protocol name");
  const protocolVersion = cur.token("protocol-version");
  cur.expectSep(0x2f, "'/' after the protocol version");
  const transport = cur.token("transport");
  // sent-protocol LWS sent-by
  if (!cur.ws()) cur.fail("expected whitespace between the transport and the sent-by host");
  const { host, type } = readHost(cur, "sent-by host");
  let port: number | undefined;
  if (cur.sep(0x3a)) port = cur.digits("sent-by port", 65535);
  const params = readParams(cur, "Via");
  let branch: string | undefined;
  let received: string | undefined;
  let rport: number | true | undefined;
  let maddr: string | undefined;
  let ttl: number | undefined;
  for (const p of params) {
    const n = p.name.toLowerCase();
    if (n === "branch") {
      // via-branch = "branch" EQUAL token
      if (p.value === undefined || p.quoted) cur.fail("branch needs a token value (RFC 3261 §25.1 via-branch)");
      branch = p.value;
    } else if (n === "received") {
      // via-received = "received" EQUAL (IPv4address / IPv6address), RFC 5954 §4.2
      if (p.value === undefined || p.quoted || !(isIPv4(p.value) || isIPv6(p.value))) cur.fail("received must be an IPv4 or IPv6 address (RFC 3261 §25.1 via-received)");
      received = p.value;
    } else if (n === "rport") {
      // RFC 3581 §3: response-port = "rport" [EQUAL 1*DIGIT]
      if (p.value === undefined) rport = true;
      else {
        const v = parseDecimal(p.value, 65535);
        if (v === undefined || p.quoted) cur.fail("rport must be a port number (RFC 3581 §3)");
        rport = v;
      }
    } else if (n === "maddr") {
      if (p.value === undefined || p.quoted) cur.fail("maddr needs a host (RFC 3261 §25.1 via-maddr)");
      const hc = new Cursor(p.value, "Via maddr");
      readHost(hc, "maddr host");
      if (!hc.atEnd) hc.fail(`'${p.value}' is not a host`);
      maddr = p.value;
    } else if (n === "ttl") {
      // ttl = 1*3DIGIT ; 0 to 255
      const v = p.value !== undefined && p.value.length <= 3 && !p.quoted ? parseDecimal(p.value, 255) : undefined;
      if (v === undefined) cur.fail("ttl must be 0-255 (RFC 3261 §25.1 ttl)");
      ttl = v;
    }
  }
  return { protocolName, protocolVersion, transport, host, hostType: type, port, params, branch, received, rport, maddr, ttl };
}

/** Decimal digits to a number not above `max`, or undefined. */
export function parseDecimal(text: string, max: number): number | undefined {
  if (text.length === 0) return undefined;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!is(c, DIGIT)) return undefined;
    v = v * 10 + (c - 0x30);
    if (v > max) return undefined;
  }
  return v;
}

/** Via = ( "Via" / "v" ) HCOLON via-parm *(COMMA via-parm) */
export function readViaList(value: string): Via[] {
  const cur = new Cursor(value, "Via");
  const out = [readVia(cur)];
  while (cur.sep(0x2c)) out.push(readVia(cur));
  cur.finish("Via value");
  return out;
}

export function formatVia(v: Via): string {
  const port = v.port !== undefined ? `:${v.port}` : "";
  return `${v.protocolName}/${v.protocolVersion}/${v.transport} ${v.host}${port}${formatParams(v.params)}`;
}

/** Build a Via value from its parts (params in the order given). */
export function makeVia(transport: string, host: string, hostType: HostType, port: number | undefined, params: readonly Param[]): Via {
  const get = (n: string): Param | undefined => findParam(params, n);
  const rp = get("rport");
  return {
    protocolName: "SIP",
    protocolVersion: "2.0",
    transport,
    host,
    hostType,
    port,
    params,
    branch: get("branch")?.value,
    received: get("received")?.value,
    rport: rp === undefined ? undefined : rp.value === undefined ? true : Number(rp.value),
    maddr: get("maddr")?.value,
    ttl: get("ttl")?.value !== undefined ? Number(get("ttl")?.value) : undefined,
  };
}

// ------------------------------------------------------- From / To (§20.20, §20.39)

export interface FromTo extends NameAddr {
  readonly tag: string | undefined;
}

export function readFromTo(value: string, field: string): FromTo {
  const cur = new Cursor(value, field);
  const na = readNameAddr(cur, field, false);
  cur.finish(`${field} value`);
  const tag = findParam(na.params, "tag");
  // tag-param = "tag" EQUAL token
  if (tag !== undefined && (tag.value === undefined || tag.quoted)) cur.fail("tag needs a token value (RFC 3261 §25.1 tag-param)");
  return { displayName: na.displayName, uri: na.uri, params: na.params, tag: tag?.value };
}

export function formatFromTo(v: NameAddr): string {
  return formatNameAddr(v);
}

// ---------------------------------------------------------- Contact (§20.10)

export interface ContactValue extends NameAddr {
  /** c-p-q: 0 to 1. */
  readonly q: number | undefined;
  /** c-p-expires, delta-seconds. */
  readonly expires: number | undefined;
}

/** Contact: "*" (REGISTER removal, §10.2.2) or a list. */
export type ContactList = { readonly wildcard: true; readonly values: readonly [] } | { readonly wildcard: false; readonly values: readonly ContactValue[] };

/** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
export function parseQValue(text: string): number | undefined {
  if (!/^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/.test(text)) return undefined;
  return Number(text.endsWith(".") ? text.slice(0, -1) : text);
}

function readContactValue(cur: Cursor): ContactValue {
  const na = readNameAddr(cur, "Contact", false);
  let q: number | undefined;
  let expires: number | undefined;
  for (const p of na.params) {
    const n = p.name.toLowerCase();
    if (n === "q") {
      const v = p.value !== undefined && !p.quoted ? parseQValue(p.value) : undefined;
      if (v === undefined) cur.fail(`q must be a qvalue between 0 and 1, not ${p.value ?? "empty"} (RFC 3261 §25.1 qvalue)`);
      q = v;
    } else if (n === "expires") {
      const v = p.value !== undefined && !p.quoted ? parseDecimal(p.value, MAX_UINT32) : undefined;
      if (v === undefined) cur.fail(`expires must be delta-seconds up to 2^32-1, not ${p.value ?? "empty"} (RFC 3261 §20.19)`);
      expires = v;
    }
  }
  return { displayName: na.displayName, uri: na.uri, params: na.params, q, expires };
}

export function readContactList(value: string): ContactList {
  const cur = new Cursor(value, "Contact");
  cur.ws();
  if (cur.peek() === 0x2a) {
    cur.i++;
    cur.finish("Contact '*'");
    return { wildcard: true, values: [] };
  }
  const values = [readContactValue(cur)];
  while (cur.sep(0x2c)) values.push(readContactValue(cur));
  cur.finish("Contact value");
  return { wildcard: false, values };
}

// --------------------------------- Route, Record-Route, P-Asserted-Identity lists

export function readNameAddrList(value: string, field: string, nameAddrOnly: boolean): NameAddr[] {
  const cur = new Cursor(value, field);
  const out = [readNameAddr(cur, field, nameAddrOnly)];
  while (cur.sep(0x2c)) out.push(readNameAddr(cur, field, nameAddrOnly));
  cur.finish(`${field} value`);
  return out;
}

// ----------------------------------------------------------------- CSeq (§20.16)

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** CSeq = "CSeq" HCOLON 1*DIGIT LWS Method; the number fits 32 bits (§8.1.1.5). */
export function readCSeq(value: string): CSeq {
  const cur = new Cursor(value, "CSeq");
  cur.ws();
  const seq = cur.digits("CSeq sequence number", MAX_UINT32);
  if (!cur.ws()) cur.fail("expected whitespace between the CSeq number and the method");
  const method = cur.token("CSeq method");
  cur.finish("CSeq method");
  return { seq, method };
}

export function formatCSeq(c: CSeq): string {
  return `${c.seq} ${c.method}`;
}

// -------------------------------------------------------------- Call-ID (§20.8)

/** callid = word [ "@" word ] */
export function readCallId(value: string): string {
  const cur = new Cursor(value, "Call-ID");
  cur.ws();
  const start = cur.i;
  cur.word("Call-ID");
  if (cur.eat(0x40)) cur.word("Call-ID host part");
  const end = cur.i;
  cur.finish("Call-ID");
  return value.slice(start, end);
}

// ------------------------------------------------ scalar fields (§20.14, 20.19, 20.22, 20.23)

export function readScalar(value: string, field: string, max: number): number {
  const cur = new Cursor(value, field);
  cur.ws();
  const v = cur.digits(field, max);
  cur.finish(field);
  return v;
}

// ------------------------------------------------ Content-Type (§20.15) and MIME parts

export interface MediaType {
  /** m-type and m-subtype as written; compare case-insensitively (RFC 2045 §5.1). */
  readonly type: string;
  readonly subtype: string;
  readonly params: readonly Param[];
}

/** media-type = m-type SLASH m-subtype *(SEMI m-parameter) */
export function readMediaType(value: string, field = "Content-Type"): MediaType {
  const cur = new Cursor(value, field);
  cur.ws();
  const type = cur.token("m-type");
  cur.expectSep(0x2f, "'/' between type and subtype");
  const subtype = cur.token("m-subtype");
  const params = readParams(cur, field);
  for (const p of params) if (p.value === undefined) cur.fail(`parameter ${p.name} needs a value (RFC 3261 §25.1 m-parameter)`);
  cur.finish(`${field} value`);
  return { type, subtype, params };
}

export function formatMediaType(m: MediaType): string {
  return `${m.type}/${m.subtype}${formatParams(m.params)}`;
}

export function mediaTypeIs(m: MediaType, type: string, subtype: string): boolean {
  return m.type.toLowerCase() === type && m.subtype.toLowerCase() === subtype;
}

export interface ContentDisposition {
  /** disp-type: render, session, icon, alert, signal (RFC 3204), or an extension token. */
  readonly type: string;
  readonly params: readonly Param[];
  /** handling-param, "required" when absent (RFC 3261 §20.11). */
  readonly handling: string;
}

/** Content-Disposition = disp-type *( SEMI disp-param ) */
export function readContentDisposition(value: string): ContentDisposition {
  const cur = new Cursor(value, "Content-Disposition");
  cur.ws();
  const type = cur.token("disp-type");
  const params = readParams(cur, "Content-Disposition");
  cur.finish("Content-Disposition value");
  const h = findParam(params, "handling");
  if (h !== undefined && (h.value === undefined || h.quoted)) cur.fail("handling needs a token value (RFC 3261 §25.1 handling-param)");
  return { type, params, handling: h?.value?.toLowerCase() ?? "required" };
}

export function formatContentDisposition(d: ContentDisposition): string {
  return `${d.type}${formatParams(d.params)}`;
}

// ----------------------------------- token lists: Require, Supported, Allow... (§20.32, 20.37, 20.5)

/** token *(COMMA token); `allowEmpty` for Supported and Allow, whose lists may be empty. */
export function readTokenList(value: string, field: string, allowEmpty: boolean): string[] {
  const cur = new Cursor(value, field);
  cur.ws();
  if (cur.atEnd) {
    if (allowEmpty) return [];
    cur.fail(`${field} needs at least one value`);
  }
  const out = [cur.token(field)];
  while (cur.sep(0x2c)) out.push(cur.token(field));
  cur.finish(`${field} value`);
  return out;
}

// ------------------------------------------------------------- Date (§20.17)

export interface SipDate {
  /** Milliseconds since 1970-01-01T00:00:00Z. */
  readonly epochMs: number;
  readonly text: string;
}

const WKDAY = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTH = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** SIP-date = rfc1123-date = wkday "," SP date1 SP time SP "GMT" (only GMT, §20.17). */
export function readDate(value: string): SipDate {
  const cur = new Cursor(value, "Date");
  const m = /^([A-Za-z]{3}), ([0-9]{2}) ([A-Za-z]{3}) ([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([A-Za-z]+)$/.exec(value.trim());
  if (m === null) return cur.fail("not an RFC 1123 date (wkday \",\" SP 2DIGIT SP month SP 4DIGIT SP time SP \"GMT\")");
  const [wk, dd, mon, yyyy, hh, mi, ss, zone] = m.slice(1).map((g) => g ?? "") as [string, string, string, string, string, string, string, string];
  if (!WKDAY.includes(wk)) cur.fail(`'${wk}' is not a weekday name`);
  const month = MONTH.indexOf(mon);
  if (month < 0) cur.fail(`'${mon}' is not a month name`);
  if (zone !== "GMT") cur.fail(`time zone ${zone} is not GMT, the only one SIP allows (RFC 3261 §20.17)`);
  const day = Number(dd);
  const hour = Number(hh);
  const minute = Number(mi);
  const second = Number(ss);
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) cur.fail("date or time out of range");
  return { epochMs: Date.UTC(Number(yyyy), month, day, hour, minute, second), text: value.trim() };
}

// ------------------------------------------------------------ RSeq / RAck (RFC 3262 §7)

export interface RAck {
  readonly rseq: number;
  readonly cseq: number;
  readonly method: string;
}

export function readRAck(value: string): RAck {
  const cur = new Cursor(value, "RAck");
  cur.ws();
  const rseq = cur.digits("response-num", MAX_UINT32);
  if (!cur.ws()) cur.fail("expected whitespace after response-num");
  const cseq = cur.digits("CSeq-num", MAX_UINT32);
  if (!cur.ws()) cur.fail("expected whitespace after CSeq-num");
  const method = cur.token("Method");
  cur.finish("RAck value");
  return { rseq, cseq, method };
}

// ------------------------------------------------------------ Privacy (RFC 3323 §4.2)

/** Privacy-hdr = "Privacy" HCOLON priv-value *(";" priv-value) */
export function readPrivacy(value: string): string[] {
  const cur = new Cursor(value, "Privacy");
  cur.ws();
  const out = [cur.token("priv-value")];
  while (cur.sep(0x3b)) out.push(cur.token("priv-value"));
  cur.finish("Privacy value");
  return out;
}

// ------------------------------------------------------------ Reason (RFC 3326 §2)

export interface ReasonValue {
  /** "SIP", "Q.850" or an extension token. */
  readonly protocol: string;
  readonly params: readonly Param[];
  readonly cause: number | undefined;
  readonly text: string | undefined;
}

/** Reason = "Reason" HCOLON reason-value *(COMMA reason-value) */
export function readReasonList(value: string): ReasonValue[] {
  const cur = new Cursor(value, "Reason");
  const one = (): ReasonValue => {
    cur.ws();
    const protocol = cur.token("protocol");
    const params = readParams(cur, "Reason");
    let cause: number | undefined;
    const cp = findParam(params, "cause");
    if (cp !== undefined) {
      const v = cp.value !== undefined && !cp.quoted ? parseDecimal(cp.value, MAX_UINT32) : undefined;
      if (v === undefined) cur.fail("cause must be 1*DIGIT (RFC 3326 §2)");
      cause = v;
    }
    const tp = findParam(params, "text");
    return { protocol, params, cause, text: tp?.value };
  };
  const out = [one()];
  while (cur.sep(0x2c)) out.push(one());
  cur.finish("Reason value");
  return out;
}

export function formatReason(r: { protocol: string; cause?: number; text?: string }): string {
  let out = `${r.protocol};cause=${r.cause ?? 0}`;
  if (r.text !== undefined) out += `;text=${quote(r.text)}`;
  return out;
}

// ------------------------------------------------ Session-Expires, Min-SE (RFC 4028 §4, §5)

export interface SessionExpires {
  readonly deltaSeconds: number;
  /** "uac" / "uas" when present. */
  readonly refresher: string | undefined;
  readonly params: readonly Param[];
}

export function readSessionExpires(value: string, field = "Session-Expires"): SessionExpires {
  const cur = new Cursor(value, field);
  cur.ws();
  const deltaSeconds = cur.digits("delta-seconds", MAX_UINT32);
  const params = readParams(cur, field);
  cur.finish(`${field} value`);
  const r = paramValue(params, "refresher");
  if (findParam(params, "refresher") !== undefined && r !== "uac" && r !== "uas") cur.fail("refresher must be uac or uas (RFC 4028 §4)");
  return { deltaSeconds, refresher: r, params };
}

export function formatNameAddrList(list: readonly NameAddr[]): string {
  return list.map(formatNameAddr).join(", ");
}

// ------------------------------------------------------------ one reader per header

/**
 * The reader of one header line's value for every header this layer types,
 * keyed by header key (lower-case canonical name). Comma-list headers give
 * the elements of that line.
 */
export const headerValueReaders = {
  via: readViaList,
  from: (v: string): FromTo => readFromTo(v, "From"),
  to: (v: string): FromTo => readFromTo(v, "To"),
  "call-id": readCallId,
  cseq: readCSeq,
  // Max-Forwards = 1*DIGIT, 0-255 (RFC 3261 §20.22)
  "max-forwards": (v: string): number => readScalar(v, "Max-Forwards", 255),
  "content-length": (v: string): number => readScalar(v, "Content-Length", Number.MAX_SAFE_INTEGER),
  contact: readContactList,
  route: (v: string): NameAddr[] => readNameAddrList(v, "Route", true),
  "record-route": (v: string): NameAddr[] => readNameAddrList(v, "Record-Route", true),
  path: (v: string): NameAddr[] => readNameAddrList(v, "Path", true),
  "service-route": (v: string): NameAddr[] => readNameAddrList(v, "Service-Route", true),
  "p-asserted-identity": (v: string): NameAddr[] => readNameAddrList(v, "P-Asserted-Identity", false),
  "p-preferred-identity": (v: string): NameAddr[] => readNameAddrList(v, "P-Preferred-Identity", false),
  "refer-to": (v: string): NameAddr => readSingleNameAddr(v, "Refer-To"),
  "referred-by": (v: string): NameAddr => readSingleNameAddr(v, "Referred-By"),
  "reply-to": (v: string): NameAddr => readSingleNameAddr(v, "Reply-To"),
  "content-type": (v: string): MediaType => readMediaType(v),
  "content-disposition": readContentDisposition,
  require: (v: string): string[] => readTokenList(v, "Require", false),
  "proxy-require": (v: string): string[] => readTokenList(v, "Proxy-Require", false),
  unsupported: (v: string): string[] => readTokenList(v, "Unsupported", false),
  supported: (v: string): string[] => readTokenList(v, "Supported", true),
  allow: (v: string): string[] => readTokenList(v, "Allow", true),
  expires: (v: string): number => readScalar(v, "Expires", MAX_UINT32),
  "min-expires": (v: string): number => readScalar(v, "Min-Expires", MAX_UINT32),
  date: readDate,
  rseq: (v: string): number => readScalar(v, "RSeq", MAX_UINT32),
  rack: readRAck,
  privacy: readPrivacy,
  reason: readReasonList,
  "session-expires": (v: string): SessionExpires => readSessionExpires(v),
  "min-se": (v: string): number => readScalar(v, "Min-SE", MAX_UINT32),
} as const;

/** ( name-addr / addr-spec ) *( SEMI param ), exactly one (Refer-To, Referred-By, Reply-To). */
function readSingleNameAddr(value: string, field: string): NameAddr {
  const cur = new Cursor(value, field);
  const na = readNameAddr(cur, field, false);
  cur.finish(`${field} value`);
  return na;
}

export type HeaderValueKey = keyof typeof headerValueReaders;
export type HeaderValue<K extends HeaderValueKey> = ReturnType<(typeof headerValueReaders)[K]>;

export function isTypedHeader(key: string): key is HeaderValueKey {
  return Object.prototype.hasOwnProperty.call(headerValueReaders, key);
}

/**
 * Parse one header line's value by header key (see headerKey()); never
 * throws. For a comma-list header the result holds that line's elements.
 */
export function parseHeaderValue<K extends HeaderValueKey>(key: K, value: string): DecodeResult<HeaderValue<K>> {
  try {
    const read = headerValueReaders[key] as (v: string) => HeaderValue<K>;
    return { ok: true, value: read(value), notes: [] };
  } catch (e) {
    if (e instanceof SyntaxFailure) return { ok: false, error: { offset: e.at, field: e.field, reason: e.reason, clause: "RFC 3261 §25.1" } };
    throw e;
  }
}
