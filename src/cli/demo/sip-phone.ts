/**
 * The demo's SIP telephone: the project's own SIP stack (RFC 3261 transport,
 * transactions and UA core) on a UDP port of its own, and a tap on its
 * transport that writes every message it sends or receives, retransmissions
 * included, into the ladder. What it says about a message: the method and
 * the called user of a request or the status of a response, whether the
 * body carries a session description (RFC 3264) and the Q.850 cause of a
 * Reason header (RFC 3326).
 */
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { SipMessage } from "../../sip/syntax/message.js";
import type { TransactionTransport } from "../../sip/transaction/types.js";
import { SipTransport } from "../../sip/transport/sip-transport.js";
import type { Origin, OutboundRequest, OutboundResponse, SendCallback, SendTarget, SentBy, TransportCounters, TransportUser } from "../../sip/transport/types.js";
import { createUserAgent, sessionDescriptionOf } from "../../sip/ua/index.js";
import type { UserAgentCore } from "../../sip/ua/index.js";
import { q850CauseOf } from "../../interworking/calls/reason.js";

export type SipTapListener = (direction: "in" | "out", message: SipMessage, again: boolean) => void;

/** One short line for the ladder: `INVITE 5551234 +SDP`, `486 Busy Here Q.850 17`, `200 OK (BYE)`. */
export function sipLabel(m: SipMessage): string {
  const parts: string[] = [];
  if (m.isRequest) {
    parts.push(m.method);
    const uri = m.requestUri;
    if (m.method === "INVITE" && uri !== undefined && uri.kind === "sip" && uri.user !== undefined) parts.push(uri.user);
  } else {
    const line = m.startLine;
    parts.push(line.kind === "response" ? `${line.status} ${line.reason}` : "");
    if (m.cseq.method !== "INVITE") parts.push(`(${m.cseq.method})`);
  }
  if (sessionDescriptionOf(m) !== undefined) parts.push("+SDP");
  const cause = q850CauseOf(m);
  if (cause !== undefined) parts.push(`Q.850 ${cause.cause}`);
  return parts.join(" ");
}

/** A transport that passes everything to the real one and tells a listener about each message. */
class TappedTransport implements TransactionTransport {
  private readonly responses = new WeakMap<OutboundResponse, SipMessage>();

  constructor(
    private readonly inner: SipTransport,
    private readonly tap: SipTapListener,
  ) {}

  get counters(): TransportCounters {
    return this.inner.counters;
  }

  setUser(user: TransportUser): void {
    const tapped: TransportUser = {
      receiveMessage: (m: SipMessage, o: Origin) => {
        this.tap("in", m, false);
        user.receiveMessage(m, o);
      },
    };
    const flowFailed = user.flowFailed?.bind(user);
    this.inner.setUser(flowFailed !== undefined ? { ...tapped, flowFailed } : tapped);
  }

  sentBy(target: SendTarget): SentBy | undefined {
    return this.inner.sentBy(target);
  }

  sendRequest(request: SipMessage, target: SendTarget, done?: SendCallback): OutboundRequest {
    this.tap("out", request, false);
    return this.inner.sendRequest(request, target, done);
  }

  resendRequest(sent: OutboundRequest, done?: SendCallback): void {
    this.tap("out", sent.message, true);
    this.inner.resendRequest(sent, done);
  }

  sendResponse(response: SipMessage, origin: Origin, done?: SendCallback): OutboundResponse {
    this.tap("out", response, false);
    const sent = this.inner.sendResponse(response, origin, done);
    this.responses.set(sent, response);
    return sent;
  }

  resendResponse(sent: OutboundResponse, done?: SendCallback): void {
    const m = this.responses.get(sent);
    if (m !== undefined) this.tap("out", m, true);
    this.inner.resendResponse(sent, done);
  }
}

export interface SipPhoneOptions {
  readonly address: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly tap: SipTapListener;
}

export class SipPhone {
  private constructor(
    private readonly transport: SipTransport,
    readonly ua: UserAgentCore,
    readonly address: string,
    readonly port: number,
  ) {}

  static async start(o: SipPhoneOptions): Promise<SipPhone> {
    const transport = new SipTransport({ listeners: [{ protocol: "udp", address: o.address, port: 0 }], clock: o.clock, log: o.log.child({ layer: "transport" }), idleTimeoutMs: 0 });
    await transport.start();
    const bound = transport.listening()[0];
    if (bound === undefined) throw new Error("the demo telephone's SIP transport has no listener");
    const ua = createUserAgent({ transport: new TappedTransport(transport, o.tap), clock: o.clock, log: o.log, contactUser: "demo-phone", userAgent: "sipt-gw-demo-phone" });
    return new SipPhone(transport, ua, o.address, bound.port);
  }

  async stop(): Promise<void> {
    this.ua.shutdown();
    await this.transport.close();
  }
}
