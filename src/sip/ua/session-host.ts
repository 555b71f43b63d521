/**
 * What an INVITE session needs from the UA core that owns it (the core
 * implements this; sessions never import the core). It also defines the
 * public value types of the session API.
 */
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { TimerValues } from "../../core/timers.js";
import type { Dialog } from "../dialog/dialog.js";
import type { Via } from "../syntax/header-values.js";
import type { SipMessage } from "../syntax/message.js";
import type { NameAddr } from "../syntax/name-addr.js";
import type { TokenSource } from "../transaction/branch.js";
import type { BodyInit, HeaderInit } from "../transaction/messages.js";
import type { SipTimerName } from "../transaction/timers.js";
import type { TransactionLayer } from "../transaction/transaction-layer.js";
import type { ServerTransaction } from "../transaction/types.js";
import type { SendTarget, TransportFailure } from "../transport/types.js";
import type { DigestAuthenticator } from "./request-retry.js";

/**
 * Reliable provisional responses (RFC 3262): "never" (100rel is not
 * supported: an INVITE requiring it gets 420), "supported" (we list 100rel in
 * Supported; as UAS we send a 1xx reliably when the INVITE requires it, or
 * when progress() asks and the INVITE supports it), "required" (our INVITEs
 * carry Require: 100rel; as UAS every 1xx goes reliably when the INVITE
 * allows it).
 */
export type ReliableMode = "never" | "supported" | "required";

/** Session timers, RFC 4028. */
export interface SessionTimerOptions {
  /** The session interval we ask for, and the largest we keep when choosing (RFC 4028 §4), in seconds. Default 1800. */
  readonly expiresS?: number;
  /** The smallest session interval we accept (RFC 4028 §5: at least 90), in seconds. Default 90. */
  readonly minSE?: number;
  /** Who refreshes when the choice is ours (RFC 4028 §9 Table 2): "local" or "remote". Default "local". */
  readonly refresher?: "local" | "remote";
}

export interface SessionTimerConfig {
  readonly expiresS: number;
  readonly minSE: number;
  readonly refresher: "local" | "remote";
}

export interface SessionOwner {
  /** A request within one of this session's dialogs (RFC 3261 §12.2.2), after the core's §8.2 checks. */
  receiveInDialog(tx: ServerTransaction, dialog: Dialog): void;
  /** An ACK for a 2xx (no server transaction) within one of its dialogs. */
  receiveAck(ack: SipMessage, dialog: Dialog): void;
}

export interface SessionHost {
  readonly transactions: TransactionLayer;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: TimerValues<SipTimerName>;
  readonly tokens: TokenSource;
  readonly random: () => number;
  /** Info packages accepted in INFO (RFC 6086 §5.2.2, Recv-Info). */
  readonly recvInfo: ReadonlySet<string>;
  /** A Via with a new branch for a next hop; undefined when no transport serves it. */
  via(target: SendTarget, branch?: string): Via | undefined;
  /** Our Contact for a next hop (SIPS URI when `secure`). */
  contact(target: SendTarget, secure: boolean): NameAddr | undefined;
  /** The same as a ready Contact header line (built once per transport and scheme). */
  contactHeader(target: SendTarget, secure: boolean): HeaderInit | undefined;
  /** Headers every request we originate carries (User-Agent, Allow, Supported). */
  readonly requestHeaders: readonly HeaderInit[];
  /** Headers every dialog-creating response carries (Server, Allow, Supported). */
  readonly responseHeaders: readonly HeaderInit[];
  registerDialog(dialog: Dialog, owner: SessionOwner): void;
  unregisterDialog(dialog: Dialog): void;
  /** The 200 to OPTIONS (RFC 3261 §11.2). */
  optionsResponse(request: SipMessage): SipMessage;
  /** Answers 401/407 on requests the sessions send when the call gave none of its own (RFC 3261 §22.2). */
  readonly authenticator: DigestAuthenticator | undefined;
  /** RFC 3262 mode. */
  readonly reliable: ReliableMode;
  /** RFC 4028 settings; undefined when session timers are off. */
  readonly sessionTimer: SessionTimerConfig | undefined;
  /** Supported, for every request but ACK once an extension asks for it (RFC 4028 §7.1); undefined otherwise. */
  readonly supportedHeader: HeaderInit | undefined;
}

/** What a session's body means in the offer/answer exchange (RFC 3264, RFC 3261 §13.2.1). */
export type BodyRole = "offer" | "answer" | "none";

/** Why a call attempt did not become a call. */
export interface CallFailure {
  readonly cause: "rejected" | "timeout" | "transport-error" | "cancelled" | "no-route";
  /** The final status: the response's, 408 for a timeout and 503 for a transport error (RFC 3261 §8.1.3.1). */
  readonly status: number;
  readonly reason: string;
  readonly response?: SipMessage;
  readonly error?: TransportFailure;
}

/** Why an established (or accepted) session ended. */
export interface SessionEnd {
  readonly cause: "local-bye" | "remote-bye" | "no-ack" | "dialog-gone" | "cancelled-after-answer" | "shutdown";
  /** The BYE received, for its Reason header (RFC 3326). */
  readonly request?: SipMessage;
  /** The response that ended it (481 / 408 to a request in the dialog, RFC 3261 §12.2.1.2). */
  readonly response?: SipMessage;
}

/** What a request sent within a dialog came to. */
export type RequestOutcome =
  | { readonly kind: "response"; readonly response: SipMessage }
  | { readonly kind: "timeout" }
  | { readonly kind: "transport-error"; readonly error: TransportFailure }
  /** Not sent: the session state does not allow it (e.g. an offer is outstanding, RFC 3261 §14.1). */
  | { readonly kind: "not-sent"; readonly reason: string };

export interface RequestOptions {
  readonly body?: BodyInit;
  readonly headers?: readonly HeaderInit[];
}

export interface ResponseOptions {
  readonly reason?: string;
  readonly body?: BodyInit;
  readonly headers?: readonly HeaderInit[];
}
