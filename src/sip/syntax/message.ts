/**
 * The SIP message, RFC 3261 §7: a start line, header fields in the order
 * received with their values as received (unfolded), and the body as octets.
 *
 * The fields every layer reads (Via, From, To, Call-ID, CSeq, Max-Forwards,
 * RFC 3261 §8.1.1) are parsed and checked when the message is built; the
 * others are parsed when first asked for and the result kept. A proxy can
 * forward headers it never reads untouched.
 */
import type { DecodeError, DecodeResult } from "../../core/result.js";
import { SyntaxFailure } from "./cursor.js";
import type { SipHeader } from "./header-lines.js";
import { splitCommaList } from "./header-lines.js";
import { headerDef, headerKey } from "./header-table.js";
import type { CSeq, ContactList, ContactValue, ContentDisposition, FromTo, MediaType, RAck, ReasonValue, SessionExpires, SipDate, Via } from "./header-values.js";
import { headerValueReaders } from "./header-values.js";
import type { MultipartBody } from "./multipart.js";
import { parseMultipartBody } from "./multipart.js";
import type { NameAddr } from "./name-addr.js";
import { paramValue } from "./params.js";
import type { Uri } from "./uri.js";

export interface RequestLine {
  readonly kind: "request";
  readonly method: string;
  readonly uri: Uri;
  /** "SIP/2.0" */
  readonly version: string;
}

export interface StatusLine {
  readonly kind: "response";
  readonly version: string;
  readonly status: number;
  /** Reason-Phrase as received (escapes kept), UTF-8 decoded. */
  readonly reason: string;
}

export type StartLine = RequestLine | StatusLine;

/** The parsed forms the message carries from the start. */
export interface CoreFields {
  readonly via: readonly Via[];
  readonly from: FromTo;
  readonly to: FromTo;
  readonly callId: string;
  readonly cseq: CSeq;
  /** Absent in responses and in RFC 2543 requests (RFC 4475 §3.4.1). */
  readonly maxForwards: number | undefined;
  /** The Content-Length header's value when present. */
  readonly contentLength: number | undefined;
}

type Reader<T> = (values: readonly SipHeader[]) => T;

/** Run a value reader on one header line; failures report the line's offset. */
export function onLine<T>(h: SipHeader, read: (value: string) => T): T {
  try {
    return read(h.value);
  } catch (e) {
    if (e instanceof SyntaxFailure && e.at !== h.offset) throw new SyntaxFailure(e.field, e.reason, h.offset, e.subject);
    throw e;
  }
}

function single<T>(read: (value: string) => T): Reader<T> {
  return (hs) => {
    if (hs.length > 1) {
      const second = hs[1] as SipHeader;
      throw new SyntaxFailure(second.name, `more than one ${headerDef(second.name)?.name ?? second.name} header (RFC 3261 §7.3.1)`, second.offset);
    }
    return onLine(hs[0] as SipHeader, read);
  };
}

function list<T>(read: (value: string) => T[]): Reader<T[]> {
  return (hs) => {
    const out: T[] = [];
    for (const h of hs) for (const v of onLine(h, read)) out.push(v);
    return out;
  };
}

const r = headerValueReaders;

/** Typed readers of the headers parsed on demand (all lines of one header); keys are header keys. */
const lazyReaders = {
  contact: (hs: readonly SipHeader[]): ContactList => {
    const lists = hs.map((h) => onLine(h, r.contact));
    if (lists.length === 1) return lists[0] as ContactList;
    if (lists.some((l) => l.wildcard)) throw new SyntaxFailure("Contact", "'*' must be the only Contact value (RFC 3261 §10.2.2)", (hs[0] as SipHeader).offset);
    return { wildcard: false, values: lists.flatMap((l) => l.values as ContactValue[]) };
  },
  route: list(r.route),
  "record-route": list(r["record-route"]),
  path: list(r.path),
  "service-route": list(r["service-route"]),
  "p-asserted-identity": list(r["p-asserted-identity"]),
  "p-preferred-identity": list(r["p-preferred-identity"]),
  "content-type": single(r["content-type"]),
  "content-disposition": single(r["content-disposition"]),
  require: list(r.require),
  "proxy-require": list(r["proxy-require"]),
  unsupported: list(r.unsupported),
  supported: list(r.supported),
  allow: list(r.allow),
  expires: single(r.expires),
  "min-expires": single(r["min-expires"]),
  date: single(r.date),
  rseq: single(r.rseq),
  rack: single(r.rack),
  privacy: single(r.privacy),
  reason: list(r.reason),
  "session-expires": single(r["session-expires"]),
  "min-se": single(r["min-se"]),
  "refer-to": single(r["refer-to"]),
  "referred-by": single(r["referred-by"]),
  "reply-to": single(r["reply-to"]),
} as const;

type LazyKey = keyof typeof lazyReaders;
type LazyValue<K extends LazyKey> = ReturnType<(typeof lazyReaders)[K]>;

export const LAZY_HEADER_KEYS = Object.keys(lazyReaders) as readonly LazyKey[];

export function syntaxError(e: SyntaxFailure, clause?: string): DecodeError {
  return clause !== undefined ? { offset: e.at, field: e.field, reason: e.reason, clause } : { offset: e.at, field: e.field, reason: e.reason };
}

export class SipMessage {
  readonly startLine: StartLine;
  readonly headers: readonly SipHeader[];
  readonly body: Uint8Array;
  readonly via: readonly Via[];
  readonly from: FromTo;
  readonly to: FromTo;
  readonly callId: string;
  readonly cseq: CSeq;
  readonly maxForwards: number | undefined;
  readonly contentLength: number | undefined;
  /** Parsed forms asked for so far; made on the first ask (most messages built to be sent never are). */
  #cache: Map<string, DecodeResult<unknown>> | undefined;

  /** Use parseSipMessage or createSipMessage: they check what this constructor takes as given. */
  constructor(startLine: StartLine, headers: readonly SipHeader[], body: Uint8Array, core: CoreFields) {
    this.startLine = startLine;
    this.headers = headers;
    this.body = body;
    this.via = core.via;
    this.from = core.from;
    this.to = core.to;
    this.callId = core.callId;
    this.cseq = core.cseq;
    this.maxForwards = core.maxForwards;
    this.contentLength = core.contentLength;
  }

  get isRequest(): boolean {
    return this.startLine.kind === "request";
  }

  /** The request method; for a response, the method of its CSeq. */
  get method(): string {
    return this.startLine.kind === "request" ? this.startLine.method : this.cseq.method;
  }

  /** The status code of a response; undefined for a request. */
  get status(): number | undefined {
    return this.startLine.kind === "response" ? this.startLine.status : undefined;
  }

  get requestUri(): Uri | undefined {
    return this.startLine.kind === "request" ? this.startLine.uri : undefined;
  }

  /** Top Via branch (RFC 3261 §17.2.3 transaction matching). */
  get branch(): string | undefined {
    return this.via[0]?.branch;
  }

  /** All header lines with this name (full or compact, any case), in order. */
  headersNamed(name: string): SipHeader[] {
    const key = headerKey(name);
    return this.headers.filter((h) => h.key === key);
  }

  /** First value of a header, as received. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const h of this.headers) if (h.key === key) return h.value;
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /**
   * The elements of a header across all its lines: comma-separated lists
   * split (RFC 3261 §7.3.1, quotes and <> honoured), others one per line.
   */
  values(name: string): string[] {
    const def = headerDef(name);
    const lines = this.headersNamed(name);
    if (def !== undefined && def.multi !== "comma") return lines.map((h) => h.value);
    return lines.flatMap((h) => (def === undefined ? [h.value] : splitCommaList(h.value)));
  }

  /**
   * The parsed value of a header known to this layer, or undefined when the
   * message does not carry it; an error when it does not parse.
   */
  typed<K extends LazyKey>(key: K): DecodeResult<LazyValue<K> | undefined> {
    const cache = (this.#cache ??= new Map());
    const cached = cache.get(key);
    if (cached !== undefined) return cached as DecodeResult<LazyValue<K> | undefined>;
    const hs = this.headers.filter((h) => h.key === key);
    let result: DecodeResult<LazyValue<K> | undefined>;
    if (hs.length === 0) {
      result = { ok: true, value: undefined, notes: [] };
    } else {
      try {
        const value = (lazyReaders[key] as Reader<LazyValue<K>>)(hs);
        result = { ok: true, value, notes: [] };
      } catch (e) {
        if (!(e instanceof SyntaxFailure)) throw e;
        result = { ok: false, error: { offset: e.at, field: e.field, reason: e.reason, clause: headerDef(key)?.clause ?? "RFC 3261 §25.1" } };
      }
    }
    cache.set(key, result);
    return result;
  }

  contact(): DecodeResult<ContactList | undefined> {
    return this.typed("contact");
  }
  route(): DecodeResult<NameAddr[] | undefined> {
    return this.typed("route");
  }
  recordRoute(): DecodeResult<NameAddr[] | undefined> {
    return this.typed("record-route");
  }
  contentType(): DecodeResult<MediaType | undefined> {
    return this.typed("content-type");
  }
  contentDisposition(): DecodeResult<ContentDisposition | undefined> {
    return this.typed("content-disposition");
  }
  require(): DecodeResult<string[] | undefined> {
    return this.typed("require");
  }
  proxyRequire(): DecodeResult<string[] | undefined> {
    return this.typed("proxy-require");
  }
  supported(): DecodeResult<string[] | undefined> {
    return this.typed("supported");
  }
  unsupported(): DecodeResult<string[] | undefined> {
    return this.typed("unsupported");
  }
  allow(): DecodeResult<string[] | undefined> {
    return this.typed("allow");
  }
  expires(): DecodeResult<number | undefined> {
    return this.typed("expires");
  }
  date(): DecodeResult<SipDate | undefined> {
    return this.typed("date");
  }
  rseq(): DecodeResult<number | undefined> {
    return this.typed("rseq");
  }
  rack(): DecodeResult<RAck | undefined> {
    return this.typed("rack");
  }
  reason(): DecodeResult<ReasonValue[] | undefined> {
    return this.typed("reason");
  }
  sessionExpires(): DecodeResult<SessionExpires | undefined> {
    return this.typed("session-expires");
  }
  pAssertedIdentity(): DecodeResult<NameAddr[] | undefined> {
    return this.typed("p-asserted-identity");
  }
  privacy(): DecodeResult<string[] | undefined> {
    return this.typed("privacy");
  }

  /**
   * The body's parts when Content-Type is multipart/* (RFC 2046 §5.1,
   * RFC 5621); undefined for any other body. Kept after the first call.
   */
  multipart(): DecodeResult<MultipartBody> | undefined {
    const cached = this.#cache?.get("#multipart");
    if (cached !== undefined) return cached as DecodeResult<MultipartBody>;
    const ct = this.contentType();
    if (!ct.ok) return ct;
    if (ct.value === undefined || ct.value.type.toLowerCase() !== "multipart") return undefined;
    const boundary = paramValue(ct.value.params, "boundary");
    const result: DecodeResult<MultipartBody> =
      boundary === undefined
        ? { ok: false, error: { offset: 0, field: "Content-Type", reason: "multipart Content-Type without a boundary parameter", clause: "RFC 2046 §5.1.1" } }
        : parseMultipartBody(this.body, boundary);
    (this.#cache ??= new Map()).set("#multipart", result);
    return result;
  }
}
