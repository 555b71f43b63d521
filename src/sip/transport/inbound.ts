/**
 * What a transport does with the octets of one received message, RFC 3261
 * §18.1.2, §18.2.1, §18.3 and RFC 3581 §4, shared by every transport:
 *
 *  - parse (a stream frame with `stream: true`: Content-Length exact);
 *  - a request that does not parse but whose Via, From, To, Call-ID and CSeq
 *    can still be read is answered with the status and Reason-Phrase the
 *    syntax layer gives (400, 505, 513, 501; RFC 3261 §8.2, §16.3), except
 *    an ACK, which is never answered (§17.1.1.3);
 *  - a response that does not parse, or whose top Via sent-by is not one of
 *    ours, is dropped and counted (§18.1.2);
 *  - a request gets `received` in its top Via when the sent-by host is a name
 *    or differs from the source address (§18.2.1), and `rport` its value with
 *    `received` always when it asked for it (RFC 3581 §4).
 *
 * Pure apart from the random tag of a 400 response; never throws on input.
 */
import type { SipHeader } from "../syntax/header-lines.js";
import { splitCommaList } from "../syntax/header-lines.js";
import type { Via } from "../syntax/header-values.js";
import { formatVia, makeVia } from "../syntax/header-values.js";
import { SipMessage } from "../syntax/message.js";
import type { Param } from "../syntax/params.js";
import { param } from "../syntax/params.js";
import { indexOfCrlfCrlf } from "../syntax/octets.js";
import type { SipLimits, SipParseError } from "../syntax/parse-message.js";
import { collectKnownFields, parseSipMessage } from "../syntax/parse-message.js";
import { sameAddress, stripBrackets } from "./addresses.js";
import type { Origin } from "./types.js";

export type Inbound =
  | { readonly kind: "message"; readonly message: SipMessage }
  /** Answer the broken request with these octets, sent back to the source (and close a stream after it when `close`). */
  | { readonly kind: "answer"; readonly bytes: Uint8Array; readonly status: number; readonly reason: string; readonly close: boolean }
  | { readonly kind: "drop"; readonly counter: "badRequestsDropped" | "badResponsesDropped" | "misroutedResponsesDropped"; readonly reason: string; readonly close: boolean };

export interface InboundOptions {
  readonly stream: boolean;
  readonly limits: SipLimits;
  /** Whether a response's top Via sent-by (host, port) is one this transport writes (§18.1.2). */
  readonly isOurSentBy: (host: string, port: number | undefined) => boolean;
  /** Random token for the To tag of a 400 response. */
  readonly makeTag: () => string;
}

const encoder = new TextEncoder();
// eslint-disable-next-line no-control-regex -- a value carrying CTLs is not echoed into a response
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f]/;
const HAS_TAG = /;[ \t]*tag[ \t]*=/i;

/** The response to a request that did not parse, from the raw fields read so far; undefined when too little was read. */
export function answerForBrokenRequest(error: SipParseError, makeTag: () => string): Uint8Array | undefined {
  const k = error.known;
  if (error.isRequest !== true || error.method === "ACK") return undefined;
  if (k.via.length === 0 || k.from === undefined || k.to === undefined || k.callId === undefined || k.cseq === undefined) return undefined;
  const values = [...k.via, k.from, k.to, k.callId, k.cseq];
  if (values.some((v) => UNSAFE.test(v) || v.length === 0)) return undefined;
  // §8.2.6.2: a response other than 100 adds a To tag when the request had none.
  const to = HAS_TAG.test(k.to) ? k.to : `${k.to};tag=${makeTag()}`;
  let text = `SIP/2.0 ${error.status} ${error.reasonPhrase}\r\n`;
  for (const v of k.via) text += `Via: ${v}\r\n`;
  text += `From: ${k.from}\r\nTo: ${to}\r\nCall-ID: ${k.callId}\r\nCSeq: ${k.cseq}\r\n`;
  // Deviation: no Warning header (RFC 3261 §20.43 makes it optional); the reason is in the phrase.
  text += "Content-Length: 0\r\n\r\n";
  return encoder.encode(text);
}

/** The top Via of a request with received / rport set per §18.2.1 and RFC 3581 §4; the same Via when nothing changes. */
export function receivedVia(top: Via, origin: Origin): Via {
  const wantsRport = top.rport === true;
  const differs = top.hostType === "hostname" || !sameAddress(stripBrackets(top.host), origin.remoteAddress);
  if (!wantsRport && !differs) return top;
  const params: Param[] = [];
  let receivedDone = false;
  for (const p of top.params) {
    const n = p.name.toLowerCase();
    if (n === "received") {
      params.push(param("received", origin.remoteAddress));
      receivedDone = true;
    } else if (n === "rport" && wantsRport) {
      params.push(param("rport", String(origin.remotePort)));
    } else {
      params.push(p);
    }
  }
  // RFC 3581 §4: with rport, received is added even when it equals sent-by.
  if (!receivedDone) params.push(param("received", origin.remoteAddress));
  return makeVia(top.transport, top.host, top.hostType, top.port, params);
}

/** The request with its top Via replaced (header line and parsed form), RFC 3261 §18.2.1. */
export function withTopVia(m: SipMessage, top: Via): SipMessage {
  const headers: SipHeader[] = m.headers.slice();
  const i = headers.findIndex((h) => h.key === "via");
  const line = headers[i];
  if (line === undefined) return m;
  const parts = line.value.includes(",") ? splitCommaList(line.value) : [line.value];
  parts[0] = formatVia(top);
  headers[i] = { name: line.name, key: line.key, value: parts.join(", "), offset: line.offset };
  return new SipMessage(m.startLine, headers, m.body, {
    via: [top, ...m.via.slice(1)],
    from: m.from,
    to: m.to,
    callId: m.callId,
    cseq: m.cseq,
    maxForwards: m.maxForwards,
    contentLength: m.contentLength,
  });
}

const utf8 = new TextDecoder();

/**
 * A message refused before its header section was read (513, above the size
 * limit) still names its Via, From, To, Call-ID and CSeq in its first octets:
 * read them so the 513 can be sent (RFC 3261 §21.5.14).
 */
function withKnownFields(e: SipParseError, bytes: Uint8Array): SipParseError {
  if (e.known.via.length > 0) return e;
  const end = indexOfCrlfCrlf(bytes.subarray(0, Math.min(bytes.length, 16_384)));
  if (end < 0) return e;
  const head = utf8.decode(bytes.subarray(0, end));
  const nl = head.indexOf("\r\n");
  const first = nl < 0 ? head : head.slice(0, nl);
  const isRequest = e.isRequest ?? !first.startsWith("SIP/");
  const method = e.method ?? (isRequest ? first.split(" ")[0] : undefined);
  return { ...e, isRequest, method, known: collectKnownFields(head) };
}

export function readInbound(bytes: Uint8Array, origin: Origin, opts: InboundOptions): Inbound {
  const parsed = parseSipMessage(bytes, { stream: opts.stream, limits: opts.limits });
  if (!parsed.ok) {
    const e = parsed.error.status === 513 ? withKnownFields(parsed.error, bytes) : parsed.error;
    const close = opts.stream && e.framing;
    if (e.isRequest === true) {
      const answer = answerForBrokenRequest(e, opts.makeTag);
      if (answer !== undefined) return { kind: "answer", bytes: answer, status: e.status, reason: `${e.field}: ${e.reason}`, close };
      return { kind: "drop", counter: "badRequestsDropped", reason: `${e.field}: ${e.reason}`, close };
    }
    return { kind: "drop", counter: "badResponsesDropped", reason: `${e.field}: ${e.reason}`, close };
  }
  const m = parsed.value;
  const top = m.via[0];
  if (top === undefined) return { kind: "drop", counter: m.isRequest ? "badRequestsDropped" : "badResponsesDropped", reason: "no Via", close: false };
  if (!m.isRequest) {
    // §18.1.2: a response whose top Via sent-by is not ours is discarded.
    if (!opts.isOurSentBy(top.host, top.port)) return { kind: "drop", counter: "misroutedResponsesDropped", reason: `top Via sent-by ${top.host}:${top.port ?? ""} is not ours`, close: false };
    return { kind: "message", message: m };
  }
  const fixed = receivedVia(top, origin);
  return { kind: "message", message: fixed === top ? m : withTopVia(m, fixed) };
}
