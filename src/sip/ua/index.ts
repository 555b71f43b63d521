/**
 * The SIP user agent as the gateway uses it (RFC 3261 §8, §12-§15, §22.2;
 * RFC 3262; RFC 3311; RFC 4028; RFC 6086): `createUserAgent` stacks a
 * transaction layer on a transport and a UA core on that; sessions come from
 * `ua.invite()` and `ua.onInvite()`.
 */
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { TimerValues } from "../../core/timers.js";
import type { SipTimerName } from "../transaction/timers.js";
import { transactionTimers } from "../transaction/timers.js";
import type { RequestScreen } from "../transaction/transaction-layer.js";
import { TransactionLayer } from "../transaction/transaction-layer.js";
import type { TransactionTransport } from "../transaction/types.js";
import type { UserAgentCoreOptions } from "./user-agent-core.js";
import { UserAgentCore } from "./user-agent-core.js";

export type { InviteOptions, OutOfDialogOptions, UserAgentCoreOptions, UserAgentCounters } from "./user-agent-core.js";
export { DEFAULT_ACCEPT, DEFAULT_ALLOW, UserAgentCore } from "./user-agent-core.js";
export type { UacSessionEvents, UacState } from "./uac-session.js";
export { InviteClientSession } from "./uac-session.js";
export type { ProgressOptions, ProvisionalDelivery, UasSessionEvents, UasState } from "./uas-session.js";
export { InviteServerSession } from "./uas-session.js";
export type { ReinviteOptions, SessionEvents } from "./invite-session.js";
export { IncomingRequest, SESSION_EXPIRED_REASON } from "./invite-session.js";
export type { BodyRole, CallFailure, ReliableMode, RequestOptions, RequestOutcome, ResponseOptions, SessionEnd, SessionTimerOptions } from "./session-host.js";
export type { DigestAuthenticator, DigestChallengeAnswer } from "./request-retry.js";
export type { Negotiated } from "./session-timer.js";
export { sessionDescriptionOf } from "./session-body.js";
export type { OfferAnswerState } from "./offer-answer.js";

export interface UserAgentStackOptions extends Omit<UserAgentCoreOptions, "transactions" | "clock" | "log"> {
  /** A started `SipTransport` (or a `LoopbackTransport` in tests). */
  readonly transport: TransactionTransport;
  readonly clock: Clock;
  readonly log: Logger;
  /** Effective SIP timers, e.g. `transactionTimers(config.timers.sip)`; the defaults otherwise. */
  readonly timers?: TimerValues<SipTimerName>;
  /** Screening of new requests before they reach the transaction layer's state (access lists, rate limits). */
  readonly screen?: RequestScreen;
}

/** Transaction layer and UA core on a transport. */
export function createUserAgent(o: UserAgentStackOptions): UserAgentCore {
  const { transport, clock, log, timers, screen, ...ua } = o;
  const transactions = new TransactionLayer({ transport, clock, log, timers: timers ?? transactionTimers(), ...(screen ? { screen } : {}) });
  return new UserAgentCore({ ...ua, transactions, clock, log });
}
