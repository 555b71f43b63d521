/**
 * A transport for transaction-layer tests: it sends nothing, writes one line
 * per message into a logger (so the lines interleave with the state
 * machines' own in one transcript), and fails sends on demand. Responses are
 * routed per RFC 3261 §18.2.2 like the real transport.
 */
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { SipMessage } from "../syntax/message.js";
import { serializeSipMessage } from "../syntax/serialize-message.js";
import { responseTarget } from "../transport/response-route.js";
import type { Origin, OutboundRequest, OutboundResponse, SendCallback, SendTarget, SentBy, TransportFailureCode, TransportUser } from "../transport/types.js";
import { newCounters, notify, viaTransportToken } from "../transport/types.js";
import type { TransactionTransport } from "./types.js";

const decoder = new TextDecoder();

function startLine(bytes: Uint8Array): string {
  const text = decoder.decode(bytes.subarray(0, Math.min(bytes.length, 200)));
  const end = text.indexOf("\r\n");
  return end < 0 ? text : text.slice(0, end);
}

export class RecordingTransport implements TransactionTransport {
  readonly counters = newCounters();
  user: TransportUser | undefined;
  /** Every message sent, in order. */
  readonly sent: { readonly line: string; readonly target: SendTarget; readonly bytes: Uint8Array }[] = [];
  /** When set, sends fail with this code (asynchronously, as a real transport reports them). */
  failWith: TransportFailureCode | undefined;
  private readonly log: Logger;
  private readonly host: string;
  private readonly port: number;
  private readonly clock: Clock | undefined;

  constructor(log: Logger, opts: { readonly host?: string; readonly port?: number; readonly clock?: Clock } = {}) {
    this.log = log;
    this.clock = opts.clock;
    this.host = opts.host ?? "192.0.2.1";
    this.port = opts.port ?? 5060;
  }

  private at(): string {
    return this.clock === undefined ? "" : `[${this.clock.now()} ms] `;
  }

  setUser(user: TransportUser): void {
    this.user = user;
  }

  sentBy(target: SendTarget): SentBy {
    return { protocol: target.protocol, transport: viaTransportToken(target.protocol), host: this.host, port: this.port };
  }

  private out(bytes: Uint8Array, target: SendTarget, done: SendCallback | undefined): void {
    const line = startLine(bytes);
    this.sent.push({ line, target, bytes });
    this.log.info({ wire: "out" }, `${this.at()}>> ${line} -> ${target.protocol.toUpperCase()} ${target.host}:${target.port}`);
    const fail = this.failWith;
    if (done !== undefined) {
      queueMicrotask(() =>
        notify(done, fail === undefined ? { ok: true, connectionId: undefined } : { ok: false, error: { code: fail, reason: `test: ${fail}`, protocol: target.protocol, host: target.host, port: target.port } }),
      );
    }
  }

  sendRequest(request: SipMessage, target: SendTarget, done?: SendCallback): OutboundRequest {
    const bytes = serializeSipMessage(request);
    this.out(bytes, target, done);
    return { message: request, bytes, target };
  }

  resendRequest(sent: OutboundRequest, done?: SendCallback): void {
    this.out(sent.bytes, sent.target, done);
  }

  sendResponse(response: SipMessage, origin: Origin, done?: SendCallback): OutboundResponse {
    const top = response.via[0];
    if (top === undefined) throw new Error("response without Via");
    const sent = { bytes: serializeSipMessage(response), origin, target: responseTarget(top, origin) };
    this.out(sent.bytes, sent.target, done);
    return sent;
  }

  resendResponse(sent: OutboundResponse, done?: SendCallback): void {
    this.out(sent.bytes, sent.target, done);
  }

  /** Deliver a message as if it arrived from `origin`, logging it in the transcript. */
  receive(message: SipMessage, origin: Origin): void {
    this.log.info({ wire: "in" }, `${this.at()}<< ${message.startLine.kind === "request" ? `${message.method} ${message.cseq.seq}` : `${message.status ?? 0} (${message.cseq.method})`}`);
    this.user?.receiveMessage(message, origin);
  }
}
