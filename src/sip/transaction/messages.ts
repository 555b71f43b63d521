/**
 * Building the messages the stack sends, RFC 3261:
 *  - responses from the request they answer (§8.2.6: Via, From, Call-ID and
 *    CSeq copied, To copied with a tag added when the request had none,
 *    Timestamp in a 100, §8.2.6.1; Record-Route copied on request, §12.1.1);
 *  - requests from typed parts (§8.1.1: Request-URI, To, From, CSeq, Call-ID,
 *    Max-Forwards, Via, Contact, Route);
 *  - the ACK for a non-2xx final response (§17.1.1.3), built by the INVITE
 *    client transaction;
 *  - the CANCEL of an INVITE (§9.1).
 *
 * Values read from a parsed message are reused as they are (already checked
 * by the syntax layer); values given in code are checked here and a bad one
 * throws, because it is a bug of the caller.
 */
import type { SipHeader } from "../syntax/header-lines.js";
import { header } from "../syntax/header-lines.js";
import type { FromTo, Via } from "../syntax/header-values.js";
import { formatVia } from "../syntax/header-values.js";
import { SipMessage } from "../syntax/message.js";
import type { NameAddr } from "../syntax/name-addr.js";
import { formatNameAddr } from "../syntax/name-addr.js";
import { param } from "../syntax/params.js";
import type { Uri } from "../syntax/uri.js";

/** A header field given in code. */
export interface HeaderInit {
  readonly name: string;
  readonly value: string;
}

/** A message body given in code: its media type (with parameters) and octets or text (UTF-8). */
export interface BodyInit {
  readonly contentType: string;
  readonly content: Uint8Array | string;
  /** Content-Disposition value, e.g. "session" or "signal;handling=optional". */
  readonly disposition?: string;
}

/** Default Reason-Phrases, RFC 3261 §21 and the RFCs that added codes. */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: "Trying",
  180: "Ringing",
  181: "Call Is Being Forwarded",
  182: "Queued",
  183: "Session Progress",
  199: "Early Dialog Terminated",
  200: "OK",
  202: "Accepted",
  300: "Multiple Choices",
  301: "Moved Permanently",
  302: "Moved Temporarily",
  305: "Use Proxy",
  380: "Alternative Service",
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  407: "Proxy Authentication Required",
  408: "Request Timeout",
  410: "Gone",
  413: "Request Entity Too Large",
  414: "Request-URI Too Long",
  415: "Unsupported Media Type",
  416: "Unsupported URI Scheme",
  420: "Bad Extension",
  421: "Extension Required",
  422: "Session Interval Too Small",
  423: "Interval Too Brief",
  469: "Bad Info Package",
  480: "Temporarily Unavailable",
  481: "Call/Transaction Does Not Exist",
  482: "Loop Detected",
  483: "Too Many Hops",
  484: "Address Incomplete",
  485: "Ambiguous",
  486: "Busy Here",
  487: "Request Terminated",
  488: "Not Acceptable Here",
  491: "Request Pending",
  493: "Undecipherable",
  500: "Server Internal Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Server Time-out",
  505: "Version Not Supported",
  513: "Message Too Large",
  580: "Precondition Failure",
  600: "Busy Everywhere",
  603: "Decline",
  604: "Does Not Exist Anywhere",
  606: "Not Acceptable",
};

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? REASON_PHRASES[Math.floor(status / 100) * 100] ?? "Unknown";
}

const TOKEN_NAME = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
// eslint-disable-next-line no-control-regex -- CR, LF and other CTLs cannot be in a header value
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/**
 * A header given in code, checked. Throws on a bad name or value (a bug of
 * the caller). A header that already is a `SipHeader` (read from a message,
 * or checked once and kept, like the Server and Contact of every response)
 * is taken as it is.
 */
export function checkedHeader(h: HeaderInit | SipHeader): SipHeader {
  if ("key" in h && "offset" in h) return h;
  if (!TOKEN_NAME.test(h.name)) throw new Error(`header name '${h.name}' is not a token (RFC 3261 §25.1)`);
  if (BAD_VALUE.test(h.value)) throw new Error(`header ${h.name}: the value carries CR, LF or another control character`);
  return header(h.name, h.value.trim());
}

export function bodyOctets(b: BodyInit): Uint8Array {
  return typeof b.content === "string" ? encoder.encode(b.content) : b.content;
}

function pushBody(headers: SipHeader[], body: BodyInit | undefined): Uint8Array {
  if (body === undefined) return EMPTY;
  const octets = bodyOctets(body);
  headers.push(checkedHeader({ name: "Content-Type", value: body.contentType }));
  if (body.disposition !== undefined) headers.push(checkedHeader({ name: "Content-Disposition", value: body.disposition }));
  return octets;
}

export function withTag(ft: FromTo, tag: string): FromTo {
  return { displayName: ft.displayName, uri: ft.uri, params: [...ft.params.filter((p) => p.name.toLowerCase() !== "tag"), param("tag", tag)], tag };
}

export interface ResponseInit {
  readonly reason?: string;
  /** Added to To when the request has no tag (§8.2.6.2). */
  readonly toTag?: string;
  readonly headers?: readonly HeaderInit[];
  readonly body?: BodyInit;
  /** Copy the request's Record-Route (dialog-creating responses, §12.1.1). */
  readonly recordRoute?: boolean;
}

/** A response to `request` (RFC 3261 §8.2.6). */
export function buildResponse(request: SipMessage, status: number, init: ResponseInit = {}): SipMessage {
  const headers: SipHeader[] = [];
  let to = request.to;
  for (const h of request.headers) {
    switch (h.key) {
      case "via":
      case "from":
      case "call-id":
      case "cseq":
        headers.push(h);
        break;
      case "to":
        if (request.to.tag === undefined && init.toTag !== undefined && status !== 100) {
          headers.push({ name: h.name, key: h.key, value: `${h.value};tag=${init.toTag}`, offset: -1 });
          to = withTag(request.to, init.toTag);
        } else headers.push(h);
        break;
      case "timestamp":
        // §8.2.6.1: a 100 carries the request's Timestamp.
        if (status === 100) headers.push(h);
        break;
      case "record-route":
        if (init.recordRoute === true) headers.push(h);
        break;
      default:
        break;
    }
  }
  if (init.headers !== undefined) for (const h of init.headers) headers.push(checkedHeader(h));
  const body = pushBody(headers, init.body);
  const reason = init.reason ?? reasonPhrase(status);
  if (/[\r\n]/.test(reason)) throw new Error("Reason-Phrase carries CR or LF");
  return new SipMessage({ kind: "response", version: "SIP/2.0", status, reason }, headers, body, {
    via: request.via,
    from: request.from,
    to,
    callId: request.callId,
    cseq: request.cseq,
    maxForwards: undefined,
    contentLength: body.length,
  });
}

export interface RequestInit {
  readonly method: string;
  readonly uri: Uri;
  readonly via: Via;
  readonly from: FromTo;
  readonly to: FromTo;
  readonly callId: string;
  readonly cseq: number;
  /** §8.1.1.6: 70 unless given. */
  readonly maxForwards?: number;
  readonly route?: readonly NameAddr[];
  readonly contact?: NameAddr;
  readonly headers?: readonly HeaderInit[];
  readonly body?: BodyInit;
}

/** A request from its parts (RFC 3261 §8.1.1). */
export function buildRequest(init: RequestInit): SipMessage {
  if (!TOKEN_NAME.test(init.method)) throw new Error(`method '${init.method}' is not a token`);
  const maxForwards = init.maxForwards ?? 70;
  const headers: SipHeader[] = [header("Via", formatVia(init.via)), header("Max-Forwards", String(maxForwards))];
  if (init.route !== undefined && init.route.length > 0) headers.push(header("Route", init.route.map((r) => formatNameAddr(r)).join(", ")));
  headers.push(header("From", formatNameAddr(init.from)), header("To", formatNameAddr(init.to)), header("Call-ID", init.callId), header("CSeq", `${init.cseq} ${init.method}`));
  if (init.contact !== undefined) headers.push(header("Contact", formatNameAddr(init.contact)));
  if (init.headers !== undefined) for (const h of init.headers) headers.push(checkedHeader(h));
  const body = pushBody(headers, init.body);
  return new SipMessage({ kind: "request", method: init.method, uri: init.uri, version: "SIP/2.0" }, headers, body, {
    via: [init.via],
    from: init.from,
    to: init.to,
    callId: init.callId,
    cseq: { seq: init.cseq, method: init.method },
    maxForwards,
    contentLength: body.length,
  });
}

/** The header lines of `m` with this key. */
function lines(m: SipMessage, key: string): SipHeader[] {
  const out: SipHeader[] = [];
  for (const h of m.headers) if (h.key === key) out.push(h);
  return out;
}

/** A request derived from the INVITE as sent: same Request-URI, Call-ID, From, CSeq number, top Via and Route (§9.1, §17.1.1.3). */
function derived(invite: SipMessage, method: "ACK" | "CANCEL", to: { line: SipHeader; value: FromTo }, extra: readonly HeaderInit[]): SipMessage {
  const uri = invite.requestUri;
  const top = invite.via[0];
  if (uri === undefined || top === undefined) throw new Error(`${method} needs the INVITE request with a Via`);
  const maxForwards = invite.maxForwards ?? 70;
  const headers: SipHeader[] = [header("Via", formatVia(top)), header("Max-Forwards", String(maxForwards))];
  for (const r of lines(invite, "route")) headers.push(r);
  for (const f of lines(invite, "from")) headers.push(f);
  headers.push(to.line);
  for (const c of lines(invite, "call-id")) headers.push(c);
  headers.push(header("CSeq", `${invite.cseq.seq} ${method}`));
  for (const h of extra) headers.push(checkedHeader(h));
  return new SipMessage({ kind: "request", method, uri, version: "SIP/2.0" }, headers, EMPTY, {
    via: [top],
    from: invite.from,
    to: to.value,
    callId: invite.callId,
    cseq: { seq: invite.cseq.seq, method },
    maxForwards,
    contentLength: 0,
  });
}

/** §17.1.1.3: the ACK for a non-2xx final response: To from the response, one Via (the INVITE's top), the INVITE's Route. */
export function ackForNon2xx(invite: SipMessage, response: SipMessage): SipMessage {
  const toLine = lines(response, "to")[0] ?? header("To", formatNameAddr(response.to));
  return derived(invite, "ACK", { line: toLine, value: response.to }, []);
}

/** §9.1: the CANCEL of an INVITE; `headers` carries a Reason (RFC 3326) when given. */
export function cancelFor(invite: SipMessage, headers: readonly HeaderInit[] = []): SipMessage {
  const toLine = lines(invite, "to")[0] ?? header("To", formatNameAddr(invite.to));
  return derived(invite, "CANCEL", { line: toLine, value: invite.to }, headers);
}
