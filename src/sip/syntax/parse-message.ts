/**
 * Parsing a SIP message from octets, RFC 3261 §7 (message format), §7.5
 * (framing), §8.1.1 (mandatory header fields), §18.3 (Content-Length on
 * datagram and stream transports), §25 (grammar).
 *
 * Never throws on input: the result is the message with notes, or an error
 * that carries the octet offset, the header, a reason phrase fit for the 400
 * (or 505 / 513) response and the Via, From, To, Call-ID and CSeq values as
 * far as they could be read, so the transport can still answer a broken
 * request (RFC 3261 §8.2, §16.3; RFC 4475 §3.1.2).
 */
import type { DecodeError, DecodeNote } from "../../core/result.js";
import { DIGIT, RESERVED, TOKEN, UNRESERVED, HEXDIG, is } from "./chars.js";
import { SyntaxFailure, describeChar } from "./cursor.js";
import type { SipHeader } from "./header-lines.js";
import { controlProblem, hasSuspectControls, header, splitHeaderLines } from "./header-lines.js";
import { KNOWN_METHODS, headerDef } from "./header-table.js";
import type { CSeq, FromTo, Via } from "./header-values.js";
import { headerValueReaders as read } from "./header-values.js";
import type { CoreFields, StartLine } from "./message.js";
import { LAZY_HEADER_KEYS, SipMessage, onLine } from "./message.js";
import { decodeUtf8, decodeUtf8Lenient, indexOfCrlfCrlf } from "./octets.js";
import { readUri } from "./uri.js";

export interface SipLimits {
  /** Largest message accepted, octets (RFC 3261 §18.1.1 / §18.3; 513 above it). */
  readonly maxMessageBytes: number;
  /** Most header fields (lines) accepted. */
  readonly maxHeaders: number;
}

export interface ParseOptions {
  /** The octets are one message framed from a stream: Content-Length is mandatory and exact (§18.3). */
  readonly stream?: boolean;
  readonly limits: SipLimits;
  /**
   * Parse every header this layer knows (and a multipart body) now and
   * reject the message on the first error, instead of on first access.
   */
  readonly eager?: boolean;
}

/** Raw values of the header fields needed to answer a broken request (RFC 3261 §8.2.6). */
export interface KnownFields {
  readonly via: readonly string[];
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly callId: string | undefined;
  readonly cseq: string | undefined;
}

export interface SipParseError extends DecodeError {
  /** Response to send for a request: 400, 505 (version), 513 (too large), 501 (unknown method). */
  readonly status: number;
  /** "Bad Request - Invalid CSeq method": fit for the Reason-Phrase. */
  readonly reasonPhrase: string;
  /** The header field that failed, canonical name; undefined for the start line or framing. */
  readonly header: string | undefined;
  readonly isRequest: boolean | undefined;
  readonly method: string | undefined;
  readonly known: KnownFields;
  /** Framing is lost (Content-Length): a stream transport must close the connection (RFC 4475 §3.1.2.3). */
  readonly framing: boolean;
}

export type SipParseResult =
  | { readonly ok: true; readonly value: SipMessage; readonly notes: readonly DecodeNote[] }
  | { readonly ok: false; readonly error: SipParseError };

const STATUS_TEXT: Readonly<Record<number, string>> = { 400: "Bad Request", 501: "Not Implemented", 505: "Version Not Supported", 513: "Message Too Large" };

const NO_KNOWN: KnownFields = { via: [], from: undefined, to: undefined, callId: undefined, cseq: undefined };

/** Failure raised inside this module with everything the error needs. */
class MessageFailure extends Error {
  readonly status: number;
  readonly short: string;
  readonly field: string;
  readonly reason: string;
  readonly offset: number;
  readonly headerName: string | undefined;
  readonly framing: boolean;
  readonly clause: string | undefined;
  constructor(a: { status?: number; short: string; field: string; reason: string; offset: number; header?: string; framing?: boolean; clause?: string }) {
    super(a.reason);
    this.status = a.status ?? 400;
    this.short = a.short;
    this.field = a.field;
    this.reason = a.reason;
    this.offset = a.offset;
    this.headerName = a.header;
    this.framing = a.framing ?? false;
    this.clause = a.clause;
  }
}

function fromSyntax(e: SyntaxFailure, headerName: string | undefined, framing = false): MessageFailure {
  const subject = e.subject === undefined ? e.field : e.subject.startsWith(e.field) ? e.subject : `${e.field} ${e.subject}`;
  return new MessageFailure({
    short: `Invalid ${subject}`,
    field: e.field,
    reason: e.reason,
    offset: e.at,
    ...(headerName !== undefined ? { header: headerName } : {}),
    framing,
    clause: headerName !== undefined ? (headerDef(headerName)?.clause ?? "RFC 3261 §25.1") : "RFC 3261 §25.1",
  });
}

function sanitizePhrase(text: string): string {
  // Reason-Phrase carries no CR/LF or controls; keep it short.
  // eslint-disable-next-line no-control-regex -- removing CTL octets is the point
  const clean = text.replace(/[\x00-\x1f\x7f]/g, " ");
  return clean.length > 120 ? `${clean.slice(0, 117)}...` : clean;
}

// ------------------------------------------------------------------ start line

const SIP_VERSION = /^SIP\/([0-9]+)\.([0-9]+)$/i;

function checkVersion(text: string, at: number): void {
  const m = SIP_VERSION.exec(text);
  if (m === null) {
    throw new MessageFailure({ short: "Invalid SIP-Version", field: "SIP-Version", reason: `'${text}' is not a SIP-Version ("SIP/" 1*DIGIT "." 1*DIGIT)`, offset: at, clause: "RFC 3261 §7.1" });
  }
  if (Number(m[1]) !== 2 || Number(m[2]) !== 0) {
    throw new MessageFailure({ status: 505, short: `${text} not supported`, field: "SIP-Version", reason: `version ${text} is not SIP/2.0`, offset: at, clause: "RFC 3261 §8.2.2.3" });
  }
}

function startLineFailure(reason: string, offset: number, short: string): MessageFailure {
  return new MessageFailure({ short, field: "start line", reason, offset, clause: "RFC 3261 §7.1" });
}

/** Reason-Phrase = *(reserved / unreserved / escaped / UTF8-NONASCII / UTF8-CONT / SP / HTAB) */
function reasonPhraseProblem(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80 || c === 0x20 || c === 0x09 || is(c, RESERVED | UNRESERVED)) continue;
    if (c === 0x25 && is(text.charCodeAt(i + 1), HEXDIG) && is(text.charCodeAt(i + 2), HEXDIG)) {
      i += 2;
      continue;
    }
    return describeChar(text, i);
  }
  return undefined;
}

function readStartLine(line: string, base: number, notes: DecodeNote[]): StartLine {
  const ctl = controlProblem(line);
  if (ctl !== undefined) throw startLineFailure(`${ctl} in the start line`, base, "Invalid start line");
  if (line.length >= 4 && line.slice(0, 4).toUpperCase() === "SIP/") {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
    const sp = line.indexOf(" ");
    if (sp < 0) throw startLineFailure("Status-Line without a status code", base, "Invalid Status-Line");
    checkVersion(line.slice(0, sp), base);
    let e = sp + 1;
    while (e < line.length && is(line.charCodeAt(e), DIGIT)) e++;
    const code = line.slice(sp + 1, e);
    if (code.length !== 3) throw startLineFailure(`status code '${line.slice(sp + 1, Math.min(line.length, sp + 14))}' is not 3 digits (RFC 3261 §25.1 Status-Code)`, base + sp + 1, "Invalid status code");
    const status = Number(code);
    if (status < 100 || status > 699) throw startLineFailure(`status code ${status} outside 100-699 (RFC 3261 §21)`, base + sp + 1, "Invalid status code");
    if (line.charCodeAt(e) !== 0x20) {
      throw startLineFailure(e >= line.length ? "no SP after the status code (RFC 3261 §25.1 Status-Line)" : `${describeChar(line, e)} after the status code`, base + e, "Invalid Status-Line");
    }
    const reason = line.slice(e + 1);
    const bad = reasonPhraseProblem(reason);
    if (bad !== undefined) {
      // Deviation: printable characters outside the Reason-Phrase grammar are kept with a note, not rejected:
      // the phrase is for people (RFC 3261 §7.2) and dropping the response would stall the transaction.
      notes.push({ offset: base + e + 1, item: "Reason-Phrase", message: `${bad} is outside the Reason-Phrase grammar`, clause: "RFC 3261 §25.1" });
    }
    return { kind: "response", version: "SIP/2.0", status, reason };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version CRLF
  const sp1 = line.indexOf(" ");
  if (sp1 <= 0) throw startLineFailure(sp1 === 0 ? "the start line begins with SP" : "Request-Line without Request-URI and SIP-Version", base, "Invalid Request-Line");
  const method = line.slice(0, sp1);
  for (let i = 0; i < method.length; i++) {
    if (!is(method.charCodeAt(i), TOKEN)) throw startLineFailure(`${describeChar(method, i)} in the method (a token, RFC 3261 §25.1)`, base + i, "Invalid method");
  }
  if (line.charCodeAt(sp1 + 1) === 0x20) throw startLineFailure("more than one SP between Method and Request-URI (RFC 3261 §7.1)", base + sp1, "Invalid Request-Line");
  const sp2 = line.indexOf(" ", sp1 + 1);
  if (sp2 < 0) throw startLineFailure("Request-Line without SIP-Version", base + line.length, "Invalid Request-Line");
  const uriText = line.slice(sp1 + 1, sp2);
  const rest = line.slice(sp2 + 1);
  if (rest.includes(" ") || rest.includes("\t") || rest.length === 0) {
    if (rest.length === 0 || rest.charCodeAt(0) === 0x20) throw startLineFailure("more than one SP between Request-URI and SIP-Version (RFC 3261 §7.1)", base + sp2, "Invalid Request-Line");
    if (/[ \t]$/.test(rest) && SIP_VERSION.test(rest.trimEnd())) throw startLineFailure("whitespace at the end of the Request-Line (RFC 3261 §25.1)", base + sp2 + 1 + rest.trimEnd().length, "Invalid Request-Line");
    throw startLineFailure("whitespace inside the Request-URI (RFC 3261 §25.1)", base + sp2, "Invalid Request-URI");
  }
  if (uriText.startsWith("<")) throw startLineFailure("Request-URI enclosed in <> (RFC 3261 §25.1 Request-URI)", base + sp1 + 1, "Invalid Request-URI");
  checkVersion(rest, base + sp2 + 1);
  let uri;
  try {
    uri = readUri(uriText, "Request-URI", { allowHeaders: false }, base + sp1 + 1);
  } catch (e) {
    if (e instanceof SyntaxFailure) throw new MessageFailure({ short: "Invalid Request-URI", field: "Request-URI", reason: e.reason, offset: e.at, clause: "RFC 3261 §19.1" });
    throw e;
  }
  return { kind: "request", method, uri, version: "SIP/2.0" };
}

// ------------------------------------------------------------ mandatory fields

interface Core {
  via: Via[];
  from: FromTo | undefined;
  to: FromTo | undefined;
  callId: string | undefined;
  cseq: CSeq | undefined;
  maxForwards: number | undefined;
  contentLength: number | undefined;
}

function duplicate(h: SipHeader, canonical: string): MessageFailure {
  return new MessageFailure({ short: `Multiple ${canonical} headers`, field: canonical, reason: `more than one ${canonical} header (RFC 3261 §7.3.1)`, offset: h.offset, header: canonical, framing: canonical === "Content-Length" });
}

/** Parse the fields of CoreFields, in header order; the first failure wins. */
function readCore(headers: readonly SipHeader[]): Core {
  const core: Core = { via: [], from: undefined, to: undefined, callId: undefined, cseq: undefined, maxForwards: undefined, contentLength: undefined };
  let clSeen = false;
  let mfSeen = false;
  for (const h of headers) {
    try {
      switch (h.key) {
        case "via":
          for (const v of onLine(h, read.via)) core.via.push(v);
          break;
        case "from":
          if (core.from !== undefined) throw duplicate(h, "From");
          core.from = onLine(h, read.from);
          break;
        case "to":
          if (core.to !== undefined) throw duplicate(h, "To");
          core.to = onLine(h, read.to);
          break;
        case "call-id":
          if (core.callId !== undefined) throw duplicate(h, "Call-ID");
          core.callId = onLine(h, read["call-id"]);
          break;
        case "cseq":
          if (core.cseq !== undefined) throw duplicate(h, "CSeq");
          core.cseq = onLine(h, read.cseq);
          break;
        case "max-forwards":
          if (mfSeen) throw duplicate(h, "Max-Forwards");
          mfSeen = true;
          core.maxForwards = onLine(h, read["max-forwards"]);
          break;
        case "content-length":
          if (clSeen) throw duplicate(h, "Content-Length");
          clSeen = true;
          core.contentLength = onLine(h, read["content-length"]);
          break;
        default:
          break;
      }
    } catch (e) {
      if (e instanceof SyntaxFailure) throw fromSyntax(e, headerDef(h.key)?.name ?? h.name, h.key === "content-length");
      throw e;
    }
  }
  return core;
}

function missing(name: string): MessageFailure {
  return new MessageFailure({ short: `Missing ${name} header`, field: name, reason: `no ${name} header; it is mandatory (RFC 3261 §8.1.1)`, offset: 0, header: name, clause: "RFC 3261 §8.1.1" });
}

function completeCore(core: Core, startLine: StartLine): CoreFields {
  if (core.via.length === 0) throw missing("Via");
  if (core.from === undefined) throw missing("From");
  if (core.to === undefined) throw missing("To");
  if (core.callId === undefined) throw missing("Call-ID");
  if (core.cseq === undefined) throw missing("CSeq");
  if (startLine.kind === "request" && core.cseq.method !== startLine.method) {
    // RFC 3261 §8.1.1.5: the CSeq method MUST match the request's. RFC 4475 §3.1.2.18: for a
    // method the element does not know, 501 is preferred to 400.
    const unknown = !KNOWN_METHODS.has(startLine.method);
    throw new MessageFailure({
      status: unknown ? 501 : 400,
      short: unknown ? `Unknown method ${startLine.method}` : "CSeq method does not match the request method",
      field: "CSeq",
      reason: `CSeq method ${core.cseq.method} does not match the request method ${startLine.method}`,
      offset: 0,
      header: "CSeq",
      clause: "RFC 3261 §8.1.1.5",
    });
  }
  return { via: core.via, from: core.from, to: core.to, callId: core.callId, cseq: core.cseq, maxForwards: core.maxForwards, contentLength: core.contentLength };
}

function checkEager(m: SipMessage): void {
  for (const key of LAZY_HEADER_KEYS) {
    const r = m.typed(key);
    if (!r.ok) {
      const name = headerDef(key)?.name ?? key;
      throw new MessageFailure({ short: `Invalid ${name}`, field: r.error.field, reason: r.error.reason, offset: r.error.offset, header: name, clause: r.error.clause ?? "RFC 3261 §25.1" });
    }
  }
  const mp = m.multipart();
  if (mp !== undefined && !mp.ok) {
    throw new MessageFailure({ short: "Invalid multipart body", field: mp.error.field, reason: mp.error.reason, offset: mp.error.offset, clause: mp.error.clause ?? "RFC 2046 §5.1" });
  }
}

// ------------------------------------------------------------- known fields

const KNOWN_LINE = /^(via|v|from|f|to|t|call-id|i|cseq)[ \t]*:[ \t]*(.*)$/i;

/** Best-effort Via/From/To/Call-ID/CSeq values from a header section that failed to parse. */
export function collectKnownFields(head: string): KnownFields {
  const lines: string[] = [];
  for (const l of head.split("\r\n")) {
    if ((l.startsWith(" ") || l.startsWith("\t")) && lines.length > 0) lines[lines.length - 1] += l;
    else lines.push(l);
  }
  const via: string[] = [];
  let from: string | undefined;
  let to: string | undefined;
  let callId: string | undefined;
  let cseq: string | undefined;
  for (const l of lines.slice(1)) {
    const m = KNOWN_LINE.exec(l);
    if (m === null) continue;
    const name = (m[1] as string).toLowerCase();
    const value = (m[2] as string).trim();
    if (name === "via" || name === "v") via.push(value);
    else if ((name === "from" || name === "f") && from === undefined) from = value;
    else if ((name === "to" || name === "t") && to === undefined) to = value;
    else if ((name === "call-id" || name === "i") && callId === undefined) callId = value;
    else if (name === "cseq" && cseq === undefined) cseq = value;
  }
  return { via, from, to, callId, cseq };
}

function toError(f: MessageFailure, head: string | undefined, startLine: StartLine | undefined): SipParseError {
  const isRequest = startLine !== undefined ? startLine.kind === "request" : head !== undefined ? !/^SIP\//i.test(head) : undefined;
  const method = startLine?.kind === "request" ? startLine.method : head !== undefined && isRequest === true ? /^([^ \r\n]*)/.exec(head)?.[1] : undefined;
  const base = {
    offset: f.offset,
    field: f.field,
    reason: f.reason,
    status: f.status,
    reasonPhrase: sanitizePhrase(`${STATUS_TEXT[f.status] ?? "Bad Request"} - ${f.short}`),
    header: f.headerName,
    isRequest,
    method,
    known: head !== undefined ? collectKnownFields(head) : NO_KNOWN,
    framing: f.framing,
  };
  return f.clause !== undefined ? { ...base, clause: f.clause } : base;
}

/** Find the line holding octets that are not UTF-8, for the error. */
function notUtf8(bytes: Uint8Array, start: number, end: number): MessageFailure {
  let lineStart = start;
  while (lineStart < end) {
    let e = bytes.indexOf(0x0d, lineStart);
    if (e < 0 || e > end) e = end;
    if (decodeUtf8(bytes.subarray(lineStart, e)) === undefined) {
      const colon = bytes.subarray(lineStart, e).indexOf(0x3a);
      const name = lineStart === start || colon <= 0 ? undefined : decodeUtf8Lenient(bytes.subarray(lineStart, lineStart + colon)).trim();
      return new MessageFailure({
        short: name !== undefined ? `Invalid ${name}` : "Invalid start line",
        field: name ?? "start line",
        reason: "octets that are not UTF-8 (RFC 3261 §25.1 TEXT-UTF8char, RFC 3629)",
        offset: lineStart,
        ...(name !== undefined ? { header: headerDef(name)?.name ?? name } : {}),
      });
    }
    lineStart = e + 1;
  }
  return new MessageFailure({ short: "Invalid header section", field: "message", reason: "octets that are not UTF-8", offset: start });
}

// --------------------------------------------------------------------- parse

/** Parse one SIP message (a UDP datagram, or one message framed from a stream). */
export function parseSipMessage(bytes: Uint8Array, opts: ParseOptions): SipParseResult {
  const notes: DecodeNote[] = [];
  let head: string | undefined;
  let startLine: StartLine | undefined;
  try {
    if (bytes.length > opts.limits.maxMessageBytes) {
      throw new MessageFailure({ status: 513, short: "Message too large", field: "message", reason: `${bytes.length} octets, above the limit of ${opts.limits.maxMessageBytes}`, offset: 0, framing: true, clause: "RFC 3261 §21.5.14" });
    }
    let start = 0;
    // RFC 3261 §7.5: CRLFs before the start line are ignored.
    while (bytes[start] === 0x0d && bytes[start + 1] === 0x0a) start += 2;
    if (start > 0) notes.push({ offset: 0, item: "message", message: `${start / 2} CRLF before the start line ignored`, clause: "RFC 3261 §7.5" });
    if (start >= bytes.length) throw new MessageFailure({ short: "Empty message", field: "message", reason: "no start line", offset: start, framing: true });
    const blank = indexOfCrlfCrlf(bytes, start);
    if (blank < 0) {
      head = decodeUtf8Lenient(bytes.subarray(start, Math.min(bytes.length, start + 8192)));
      throw new MessageFailure({ short: "Header section not terminated", field: "message", reason: "no empty line (CRLF CRLF) ends the header section", offset: bytes.length, framing: true, clause: "RFC 3261 §7" });
    }
    // The header section is UTF-8 text (RFC 3261 §25.1 TEXT-UTF8char, Reason-Phrase).
    const text = decodeUtf8(bytes.subarray(start, blank));
    if (text === undefined) {
      head = decodeUtf8Lenient(bytes.subarray(start, blank));
      throw notUtf8(bytes, start, blank);
    }
    head = text;
    const nonAscii = head.length !== blank - start;
    const checkControls = hasSuspectControls(head);
    let e0 = head.indexOf("\r\n");
    if (e0 < 0) e0 = head.length;
    startLine = readStartLine(head.slice(0, e0), start, notes);
    const headers: SipHeader[] = [];
    try {
      splitHeaderLines(head, e0 + 2, head.length, { maxHeaders: opts.limits.maxHeaders, checkControls, nonAscii, base: start }, headers);
    } catch (e) {
      if (!(e instanceof SyntaxFailure)) throw e;
      if (e.reason.startsWith("more than ")) {
        throw new MessageFailure({ status: 513, short: "Too many header fields", field: "message", reason: e.reason, offset: e.at });
      }
      throw new MessageFailure({ short: `Invalid header line ${e.field === "header line" ? "" : e.field}`.trimEnd(), field: e.field, reason: e.reason, offset: e.at, clause: "RFC 3261 §7.3.1" });
    }
    const core = readCore(headers);
    // Body and Content-Length, RFC 3261 §18.3.
    const bodyStart = blank + 4;
    const available = bytes.length - bodyStart;
    let body: Uint8Array;
    const cl = core.contentLength;
    if (opts.stream === true) {
      if (cl === undefined) throw new MessageFailure({ short: "Missing Content-Length", field: "Content-Length", reason: "Content-Length is mandatory on stream transports", offset: 0, header: "Content-Length", framing: true, clause: "RFC 3261 §18.3" });
      if (cl !== available) {
        throw new MessageFailure({ short: "Content-Length does not match the body", field: "Content-Length", reason: `Content-Length ${cl} but ${available} octets follow the header section`, offset: bodyStart, header: "Content-Length", framing: true, clause: "RFC 3261 §18.3" });
      }
      body = bytes.subarray(bodyStart);
    } else if (cl === undefined) {
      // RFC 3261 §18.3: on a datagram without Content-Length the body runs to the end (RFC 4475 §3.4.1).
      if (available > 0) notes.push({ offset: bodyStart, item: "Content-Length", message: `no Content-Length; the ${available} octets to the end of the datagram are the body`, clause: "RFC 3261 §18.3" });
      body = bytes.subarray(bodyStart);
    } else if (cl > available) {
      throw new MessageFailure({ short: "Content-Length larger than the datagram", field: "Content-Length", reason: `Content-Length ${cl} but only ${available} octets follow the header section`, offset: bodyStart, header: "Content-Length", framing: true, clause: "RFC 3261 §18.3" });
    } else {
      if (cl < available) notes.push({ offset: bodyStart + cl, item: "Content-Length", message: `${available - cl} octets after the body discarded`, clause: "RFC 3261 §18.3" });
      body = bytes.subarray(bodyStart, bodyStart + cl);
    }
    const message = new SipMessage(startLine, headers, body, completeCore(core, startLine));
    if (opts.eager === true) checkEager(message);
    return { ok: true, value: message, notes };
  } catch (e) {
    if (e instanceof MessageFailure) return { ok: false, error: toError(e, head, startLine) };
    throw e;
  }
}

export interface MessageInit {
  readonly startLine: StartLine;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  readonly body?: Uint8Array;
}

/**
 * Build a message in code with the checks a parsed one gets (mandatory
 * fields, CSeq method); Content-Length is written from the body when
 * serializing.
 */
export function createSipMessage(init: MessageInit, opts: { readonly eager?: boolean } = {}): SipParseResult {
  let startLine: StartLine | undefined;
  try {
    startLine = init.startLine;
    const headers: SipHeader[] = [];
    for (const h of init.headers) {
      if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(h.name)) throw new MessageFailure({ short: "Invalid header name", field: h.name, reason: `'${h.name}' is not a token`, offset: -1 });
      if (/[\r\n]/.test(h.value)) throw new MessageFailure({ short: `Invalid ${h.name}`, field: h.name, reason: "CR or LF in a header value", offset: -1, header: h.name });
      headers.push(header(h.name, h.value.replace(/^[ \t]+|[ \t]+$/g, "")));
    }
    const core = readCore(headers);
    const message = new SipMessage(startLine, headers, init.body ?? new Uint8Array(0), completeCore(core, startLine));
    if (opts.eager === true) checkEager(message);
    return { ok: true, value: message, notes: [] };
  } catch (e) {
    if (e instanceof MessageFailure) return { ok: false, error: toError(e, undefined, startLine) };
    throw e;
  }
}
