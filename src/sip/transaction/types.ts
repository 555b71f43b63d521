/**
 * The interfaces of the transaction layer, RFC 3261 §17: what it needs from
 * the transport below (`TransactionTransport`, provided by
 * src/sip/transport) and what it gives the transaction user above
 * (`TransactionUser`, and the per-transaction user interfaces), after the
 * layering of SIP.js and RFC 3261 §5.
 */
import type { SipMessage } from "../syntax/message.js";
import type { Origin, OutboundRequest, OutboundResponse, SendCallback, SendTarget, SentBy, TransportCounters, TransportFailure, TransportUser } from "../transport/types.js";

/** The transport service this layer consumes; `SipTransport` and `LoopbackTransport` provide it. */
export interface TransactionTransport {
  setUser(user: TransportUser): void;
  sentBy(target: SendTarget): SentBy | undefined;
  sendRequest(request: SipMessage, target: SendTarget, done?: SendCallback): OutboundRequest;
  resendRequest(sent: OutboundRequest, done?: SendCallback): void;
  sendResponse(response: SipMessage, origin: Origin, done?: SendCallback): OutboundResponse;
  resendResponse(sent: OutboundResponse, done?: SendCallback): void;
  readonly counters: TransportCounters;
}

export type ClientTransactionState = "Calling" | "Trying" | "Proceeding" | "Completed" | "Accepted" | "Terminated";
export type ServerTransactionState = "Trying" | "Proceeding" | "Completed" | "Confirmed" | "Accepted" | "Terminated";

/** A client transaction as the TU sees it. */
export interface ClientTransaction {
  readonly kind: "ict" | "nict";
  readonly branch: string;
  /** The request as sent (top Via as the transport wrote it). */
  readonly request: SipMessage;
  /** Where it was sent (protocol after RFC 3261 §18.1.1). */
  readonly target: SendTarget;
  readonly state: ClientTransactionState;
  /** Stop the transaction without further messages (the TU gave up on it, RFC 3261 §9.1 after 64*T1). */
  terminate(cause: string): void;
}

/** Who hears from one client transaction (RFC 3261 §17.1). */
export interface ClientTransactionUser {
  /** Provisional and final responses the transaction passes up; 2xx retransmissions too (RFC 6026 §7.2). */
  onResponse(response: SipMessage, tx: ClientTransaction): void;
  /** Timer B or F fired: treat as 408 (RFC 3261 §8.1.3.1). */
  onTimeout(tx: ClientTransaction): void;
  /** The transport failed: treat as 503 (RFC 3261 §8.1.3.1, §17.1.4). */
  onTransportError(tx: ClientTransaction, error: TransportFailure): void;
  onTerminated?(tx: ClientTransaction): void;
}

/** A server transaction as the TU sees it. */
export interface ServerTransaction {
  readonly kind: "ist" | "nist";
  /**
   * The request that created the transaction, until its final response is
   * sent; the transaction then lets it go (it waits up to 64*T1 for
   * retransmissions and keeps only what answers them), and reading it throws.
   */
  readonly request: SipMessage;
  /** The To tag of that request (RFC 2543 matching, §17.2.3). */
  readonly requestToTag: string | undefined;
  readonly origin: Origin;
  readonly state: ServerTransactionState;
  /** The To tag of the last response sent with one (for RFC 2543 ACK matching and CANCEL responses). */
  readonly toTag: string | undefined;
  /** Whether a final response has been sent. */
  readonly finalSent: boolean;
  /** Send a response (RFC 3261 §17.2.1, §17.2.2); retransmitted by the transaction where the RFC says so. */
  respond(response: SipMessage): void;
  /** Send the last response again: the TU's 2xx retransmission in Accepted (RFC 3261 §13.3.1.4, RFC 6026 §7.1). */
  retransmit(): void;
  /** Who hears from this transaction; set by the TU. */
  user: ServerTransactionUser | undefined;
}

export interface ServerTransactionUser {
  /** A response could not be sent (RFC 3261 §17.2.4); the INVITE server transaction stays (RFC 6026 §7.1). */
  onTransportError?(tx: ServerTransaction, error: TransportFailure): void;
  /** Timer H fired: no ACK for a non-2xx final response (RFC 3261 §17.2.1). */
  onTimeout?(tx: ServerTransaction): void;
  /** An ACK matched this INVITE transaction in Accepted (RFC 6026 §7.1: passed to the TU). */
  onAck?(ack: SipMessage, tx: ServerTransaction): void;
  onTerminated?(tx: ServerTransaction): void;
  /** A CANCEL matched this transaction (RFC 3261 §9.2); called by the TU that received it. */
  onCancel?(cancel: SipMessage, tx: ServerTransaction): void;
}

/** The transaction user (UA core): receives what starts no client transaction. */
export interface TransactionUser {
  /** A new request (not ACK, not CANCEL) with its server transaction. */
  receiveRequest(tx: ServerTransaction): void;
  /** A CANCEL with its own server transaction and the INVITE server transaction it matches, if any (RFC 3261 §9.2). */
  receiveCancel(tx: ServerTransaction, invite: ServerTransaction | undefined): void;
  /** An ACK that matched no server transaction: the ACK for a 2xx (RFC 3261 §17.2.3, §13.3.1.4). */
  receiveAck(ack: SipMessage, origin: Origin): void;
  /** A stream flow failed (RFC 5626 §4.4.1). */
  flowFailed?(connectionId: number, reason: string): void;
}
