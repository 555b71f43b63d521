/**
 * The SIP transport layer's data types, RFC 3261 §18: what a transport
 * delivers upward (a parsed message and where it came from) and what it is
 * asked to do (send a request to a next hop, send a response the way its
 * Via says). The transaction layer declares the interface it consumes
 * (src/sip/transaction/types.ts) in these terms; the transport knows nothing
 * of transactions.
 */
import type { SipMessage } from "../syntax/message.js";

export type TransportProtocol = "udp" | "tcp" | "tls";

/** Streams are reliable (RFC 3261 §17.1.1.2: no retransmissions over them). */
export function isReliable(protocol: TransportProtocol): boolean {
  return protocol !== "udp";
}

/** The Via transport token of a protocol (RFC 3261 §20.42). */
export function viaTransportToken(protocol: TransportProtocol): "UDP" | "TCP" | "TLS" {
  return protocol === "udp" ? "UDP" : protocol === "tcp" ? "TCP" : "TLS";
}

/** Where a received message came from and how it arrived. */
export interface Origin {
  readonly protocol: TransportProtocol;
  /** Source IP address (no brackets). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The address and port it arrived on. */
  readonly localAddress: string;
  readonly localPort: number;
  /** The listener that received it (datagrams), so the response leaves from the same socket (RFC 3581 §4). */
  readonly listenerId: number;
  /** The stream connection it arrived on; undefined for datagrams. */
  readonly connectionId: number | undefined;
}

/** The next hop of a request (RFC 3261 §8.1.2, RFC 3263 §4 once resolved). */
export interface SendTarget {
  readonly protocol: TransportProtocol;
  /** IP literal (brackets optional for IPv6) or a host name the system resolver knows. */
  readonly host: string;
  readonly port: number;
  /** Send over this connection when it is still open (RFC 5923-style reuse, responses per §18.2.2). */
  readonly connectionId?: number;
  /**
   * The next hop named its transport (a `transport=` URI parameter): the
   * §18.1.1 switch from UDP to TCP for large requests is not allowed.
   */
  readonly protocolFixed?: boolean;
}

/** What the transport will write as the sent-by of a Via for a next hop (RFC 3261 §18.1.1). */
export interface SentBy {
  readonly protocol: TransportProtocol;
  /** Via transport token: UDP, TCP, TLS. */
  readonly transport: string;
  /** Host as written in a Via or Contact (IPv6 in brackets). */
  readonly host: string;
  readonly port: number;
}

export type TransportFailureCode =
  /** No listener for this protocol and address family. */
  | "no-transport"
  /** Could not open a connection (refused, unreachable, timed out, TLS handshake failed). */
  | "connect-failed"
  /** The connection closed before or while writing. */
  | "closed"
  /** The socket reported an error on send (ICMP unreachable, EMSGSIZE, ...). */
  | "send-failed"
  /** The name did not resolve. */
  | "unresolvable"
  /** The message is larger than the transport can carry. */
  | "too-large"
  /** The transport was shut down. */
  | "shut-down";

/** A transport error, surfaced to the transaction layer (RFC 3261 §8.1.3.1, §17.1.4, §17.2.4). */
export interface TransportFailure {
  readonly code: TransportFailureCode;
  /** What failed and why, for logs. */
  readonly reason: string;
  readonly protocol: TransportProtocol;
  readonly host: string;
  readonly port: number;
}

export type SendOutcome = { readonly ok: true; readonly connectionId: number | undefined } | { readonly ok: false; readonly error: TransportFailure };

/** Who hears how a send went: a function, or an object (a transaction passes itself: no closure per send). */
export type SendCallback = ((outcome: SendOutcome) => void) | { sendOutcome(outcome: SendOutcome): void };

/** Tell `done` the outcome. */
export function notify(done: SendCallback | undefined, outcome: SendOutcome): void {
  if (done === undefined) return;
  if (typeof done === "function") done(outcome);
  else done.sendOutcome(outcome);
}

/** A request as put on the wire: kept by a client transaction for retransmission. */
export interface OutboundRequest {
  /** The request as sent (top Via transport changed when §18.1.1 moved it to TCP). */
  readonly message: SipMessage;
  readonly bytes: Uint8Array;
  /** The target actually used (protocol after §18.1.1). */
  readonly target: SendTarget;
}

/** A response as put on the wire: kept by a server transaction for retransmission (octets and route, not the message). */
export interface OutboundResponse {
  readonly bytes: Uint8Array;
  readonly origin: Origin;
  /** Where §18.2.2 sends it. */
  readonly target: SendTarget;
}

/** The upward interface: who receives what the transport reads. */
export interface TransportUser {
  /** A message that parsed; requests carry received/rport in their top Via (§18.2.1). */
  receiveMessage(message: SipMessage, origin: Origin): void;
  /** A stream flow failed (connection lost, keep-alive unanswered, RFC 5626 §4.4.1). */
  flowFailed?(connectionId: number, reason: string): void;
}

/** Counters a transport keeps; read for metrics. */
export interface TransportCounters {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Requests that did not parse and were answered (400, 505, 513, 501). */
  badRequestsAnswered: number;
  /** Requests that did not parse and could not be answered (too little could be read). */
  badRequestsDropped: number;
  /** Responses that did not parse, dropped (RFC 3261 §18.1.2). */
  badResponsesDropped: number;
  /** Responses whose top Via sent-by is not ours, dropped (RFC 3261 §18.1.2). */
  misroutedResponsesDropped: number;
  /** Stream connections closed after a framing error (RFC 3261 §18.3). */
  framingErrors: number;
  /** Requests moved from UDP to TCP by the size rule (RFC 3261 §18.1.1). */
  udpToTcpSwitches: number;
  sendFailures: number;
  connectionsOpened: number;
  connectionsAccepted: number;
  connectionsClosed: number;
  /** Connections closed by the idle reaper. */
  connectionsReaped: number;
  keepAlivePingsSent: number;
  keepAlivePongsSent: number;
  keepAliveFailures: number;
}

export function newCounters(): TransportCounters {
  return {
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    badRequestsAnswered: 0,
    badRequestsDropped: 0,
    badResponsesDropped: 0,
    misroutedResponsesDropped: 0,
    framingErrors: 0,
    udpToTcpSwitches: 0,
    sendFailures: 0,
    connectionsOpened: 0,
    connectionsAccepted: 0,
    connectionsClosed: 0,
    connectionsReaped: 0,
    keepAlivePingsSent: 0,
    keepAlivePongsSent: 0,
    keepAliveFailures: 0,
  };
}

/**
 * The service a transport offers upward. The real transport
 * (`SipTransport`) and the in-memory one (`LoopbackTransport`) both provide
 * it; the transaction layer's `TransactionTransport` is this shape.
 */
export interface SipTransportService {
  setUser(user: TransportUser): void;
  /** The sent-by the transport writes in a Via for this target (§18.1.1), also the address for Contact. */
  sentBy(target: SendTarget): SentBy | undefined;
  /** Send a request (§18.1.1): may move it from UDP to TCP by size, then rewrites the top Via's transport. */
  sendRequest(request: SipMessage, target: SendTarget, done?: SendCallback): OutboundRequest;
  /** Send the same octets again the same way (client transaction retransmission). */
  resendRequest(sent: OutboundRequest, done?: SendCallback): void;
  /** Send a response the way §18.2.2 says for the request that arrived from `origin`. */
  sendResponse(response: SipMessage, origin: Origin, done?: SendCallback): OutboundResponse;
  resendResponse(sent: OutboundResponse, done?: SendCallback): void;
  readonly counters: TransportCounters;
}
