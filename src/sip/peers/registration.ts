/**
 * Registration with a provider's registrar, RFC 3261 §10.2 (UAC side):
 *  - §10.2: one Call-ID for every REGISTER of the binding, CSeq counted up,
 *    To = From = the address-of-record, Request-URI = the registrar's domain;
 *  - §10.2.1: Contact (ours) with Expires; §10.2.1.1 the granted interval is
 *    the expires parameter of our Contact in the 2xx, else its Expires header;
 *  - §10.2.4: refreshed before it expires (timers.ts registerRefreshMargin,
 *    never before half the granted life);
 *  - §10.3 step 7 / §21.4.17: 423 Interval Too Brief: again at once with the
 *    Min-Expires value (§20.23);
 *  - §22.2 / §22.3: 401/407 answered through the DigestAuthenticator, once per
 *    challenge (a second challenge for the same nonce is a refusal there);
 *  - §10.2.2: on stop the binding is removed: REGISTER with Expires: 0 for our
 *    Contact only (not "*": other devices of the same AOR keep theirs);
 *  - RFC 5626 §4.5: after a failure the next attempt waits
 *    min(max-time, base-time * 2^(failures-1)), a random 50-100 % of it;
 *    a Retry-After (RFC 3261 §20.33) in a 5xx lengthens the wait.
 *
 *       start          2xx                           refresh timer
 *   Idle ----> Registering ----> Registered ------------------------+
 *               ^  |   ^  ^   (401/407, 423: again at once)         |
 *               |  |   +--|-----------------------------------------+
 *               |  | failure (4xx-6xx, timeout, transport error)
 *               |  v      |
 *              Waiting ---+ retry timer
 *   stop: from any state -> Unregistering (when a binding may exist) -> Stopped
 *         or straight to Stopped.
 */
import type { Clock } from "../../core/clock.js";
import type { FsmDefinition } from "../../core/fsm.js";
import { FsmInstance } from "../../core/fsm.js";
import type { Logger } from "../../core/logger.js";
import type { TimerValues } from "../../core/timers.js";
import type { DigestAuthenticator } from "../auth/digest-client.js";
import type { SipMessage } from "../syntax/message.js";
import type { SipUri } from "../syntax/uri.js";
import { parseUri, sipUriEquals } from "../syntax/uri.js";
import type { HeaderInit } from "../transaction/messages.js";
import type { SendTarget } from "../transport/types.js";
import type { RequestOutcome } from "../ua/session-host.js";
import type { PeerRequestSender } from "./request-sender.js";
import type { SipPeerTimerName } from "./timers.js";

export type RegistrationState = "Idle" | "Registering" | "Registered" | "Waiting" | "Unregistering" | "Stopped";
type RegistrationEvent = "START" | "REGISTERED" | "FAILED" | "REFRESH" | "RETRY" | "STOP" | "UNREGISTERED";

export const REGISTRATION_FSM: FsmDefinition<RegistrationState, RegistrationEvent> = {
  name: "SIP-REG",
  initial: "Idle",
  states: {
    Idle: { accepts: ["START", "STOP"], to: ["Registering", "Stopped"] },
    Registering: { accepts: ["REGISTERED", "FAILED", "STOP"], to: ["Registered", "Waiting", "Unregistering", "Stopped"] },
    Registered: { accepts: ["REFRESH", "STOP"], to: ["Registering", "Unregistering", "Stopped"] },
    Waiting: { accepts: ["RETRY", "STOP"], to: ["Registering", "Unregistering", "Stopped"] },
    Unregistering: { accepts: ["UNREGISTERED"], to: ["Stopped"] },
    Stopped: { accepts: [], to: [], final: true },
  },
};

export interface RegistrationOptions {
  /** The peer's name, for logs and status. */
  readonly name: string;
  readonly sender: PeerRequestSender;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: TimerValues<SipPeerTimerName>;
  /** Where REGISTER goes (the registrar or an outbound proxy). */
  readonly target: SendTarget;
  /** Request-URI: the registrar's domain, "sip:example.net" (§10.2). */
  readonly registrar: string;
  /** The address-of-record, "sip:user@example.net" (To and From). */
  readonly aor: string;
  /** Requested binding lifetime, seconds. */
  readonly expiresS: number;
  readonly authenticator?: DigestAuthenticator;
  /** For the backoff jitter (tests pass a fixed one). */
  readonly random?: () => number;
  readonly headers?: readonly HeaderInit[];
}

export interface RegistrationEvents {
  registered: (e: { readonly expiresS: number; readonly refreshInMs: number; readonly response: SipMessage }) => void;
  failed: (e: { readonly reason: string; readonly status: number | undefined; readonly response?: SipMessage }) => void;
  retrying: (e: { readonly inMs: number; readonly failures: number; readonly reason: string }) => void;
  unregistered: (e: { readonly reason: string }) => void;
}

export interface RegistrationStatus {
  readonly state: RegistrationState;
  readonly aor: string;
  /** Seconds granted by the registrar in the last 2xx. */
  readonly expiresS: number | undefined;
  /** Clock time (ms) until which the registrar holds our binding. */
  readonly boundUntilMs: number | undefined;
  readonly consecutiveFailures: number;
  readonly lastReason: string | undefined;
  readonly lastStatus: number | undefined;
}

/** RFC 5626 §4.5: the wait before the next attempt after `failures` consecutive failures. */
export function backoffMs(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  const exp = Math.min(30, Math.max(0, failures - 1));
  const wait = Math.min(maxMs, baseMs * 2 ** exp);
  return Math.round(wait * (0.5 + 0.5 * Math.min(1, Math.max(0, random()))));
}

/** §10.2.4: refresh `margin` before expiry, never before half the granted life. */
export function refreshDelayMs(grantedS: number, marginMs: number): number {
  const granted = grantedS * 1000;
  return Math.max(granted / 2, granted - marginMs);
}

type Listeners = { [K in keyof RegistrationEvents]: RegistrationEvents[K][] };

export class RegistrationClient {
  readonly name: string;
  private readonly o: RegistrationOptions;
  private readonly fsm: FsmInstance<RegistrationState, RegistrationEvent>;
  private readonly callId: string;
  private cseq = 0;
  private requestedS: number;
  private attempt = 0;
  private failures = 0;
  private grantedS: number | undefined;
  private boundUntil: number | undefined;
  private lastReason: string | undefined;
  private lastStatus: number | undefined;
  private readonly listeners: Listeners = { registered: [], failed: [], retrying: [], unregistered: [] };
  private stopped: Promise<void> | undefined;
  private resolveStopped: (() => void) | undefined;
  private readonly ourContact: SipUri | undefined;

  constructor(o: RegistrationOptions) {
    this.o = o;
    this.name = o.name;
    this.requestedS = o.expiresS;
    this.callId = o.sender.newCallId();
    const c = o.sender.contactFor(o.target);
    this.ourContact = c?.uri.kind === "sip" ? c.uri : undefined;
    this.fsm = new FsmInstance(REGISTRATION_FSM, {
      id: o.name,
      clock: o.clock,
      log: o.log.child({ peer: o.name, callId: this.callId }),
      timers: { refresh: 0, retry: 0 },
      actions: {
        Idle: { START: () => this.register(), STOP: (f) => f.transition("Stopped") },
        Registering: { STOP: () => this.unregisterOrStop() },
        Registered: { REFRESH: () => this.register(), STOP: () => this.unregisterOrStop() },
        Waiting: { RETRY: () => this.register(), STOP: () => this.unregisterOrStop() },
        Unregistering: { UNREGISTERED: (f) => f.transition("Stopped") },
      },
      onTerminate: () => {
        this.resolveStopped?.();
      },
    });
  }

  on<K extends keyof RegistrationEvents>(event: K, fn: RegistrationEvents[K]): this {
    this.listeners[event].push(fn);
    return this;
  }

  private emit<K extends keyof RegistrationEvents>(event: K, ...args: Parameters<RegistrationEvents[K]>): void {
    for (const fn of this.listeners[event]) (fn as (...a: Parameters<RegistrationEvents[K]>) => void)(...args);
  }

  get state(): RegistrationState {
    return this.fsm.state;
  }

  status(): RegistrationStatus {
    const now = this.o.clock.now();
    return {
      state: this.fsm.state,
      aor: this.o.aor,
      expiresS: this.grantedS,
      boundUntilMs: this.boundUntil !== undefined && this.boundUntil > now ? this.boundUntil : undefined,
      consecutiveFailures: this.failures,
      lastReason: this.lastReason,
      lastStatus: this.lastStatus,
    };
  }

  start(): void {
    this.fsm.dispatch("START");
  }

  /** Remove our binding (Expires: 0) when one may exist, then stop. Resolves when done. */
  stop(): Promise<void> {
    if (this.stopped !== undefined) return this.stopped;
    this.stopped = new Promise<void>((resolve) => {
      this.resolveStopped = resolve;
    });
    if (this.fsm.isTerminated) this.resolveStopped?.();
    else this.fsm.dispatch("STOP");
    return this.stopped;
  }

  // ------------------------------------------------------------ sending

  private send(expiresS: number, auth: HeaderInit | undefined): Promise<RequestOutcome> {
    this.cseq++;
    return this.o.sender.send({
      method: "REGISTER",
      uri: this.o.registrar,
      from: `<${this.o.aor}>`,
      to: `<${this.o.aor}>`,
      callId: this.callId,
      cseq: this.cseq,
      target: this.o.target,
      contact: {},
      headers: [{ name: "Expires", value: String(expiresS) }, ...(this.o.headers ?? []), ...(auth !== undefined ? [auth] : [])],
    });
  }

  /**
   * One REGISTER exchange, with the digest retry and the 423 retry
   * inside it. Resolves with the final outcome of the last request.
   */
  private async exchange(expiresS: () => number, isCurrent: () => boolean): Promise<{ outcome: RequestOutcome; failure?: string }> {
    let auth: HeaderInit | undefined;
    let challenges = 0;
    let briefs = 0;
    for (;;) {
      const outcome = await this.send(expiresS(), auth);
      if (!isCurrent()) return { outcome };
      if (outcome.kind !== "response") return { outcome };
      const r = outcome.response;
      const status = r.status ?? 0;
      if ((status === 401 || status === 407) && this.o.authenticator !== undefined && challenges < 2) {
        challenges++;
        const a = this.o.authenticator.answer(r, { method: "REGISTER", uri: this.o.registrar });
        if (!a.ok) return { outcome, failure: `authentication failed: ${a.reason}` };
        auth = a.header;
        continue;
      }
      if (status === 423 && briefs < 3 && expiresS() > 0) {
        // RFC 3261 §10.2.8: retry with an interval at least Min-Expires.
        const min = r.typed("min-expires");
        const m = min.ok ? min.value : undefined;
        if (m !== undefined && m > this.requestedS) {
          briefs++;
          this.o.log.info({ peer: this.name, minExpires: m }, "registrar asks for a longer interval (423); registering again");
          this.requestedS = m;
          continue;
        }
        return { outcome, failure: `423 Interval Too Brief without a usable Min-Expires (${m ?? "absent"})` };
      }
      return { outcome };
    }
  }

  private register(): void {
    this.fsm.transition("Registering");
    const attempt = ++this.attempt;
    const isCurrent = (): boolean => attempt === this.attempt && this.fsm.state === "Registering";
    void this.exchange(() => this.requestedS, isCurrent).then(({ outcome, failure }) => {
      if (!isCurrent()) return;
      if (failure !== undefined) return this.failed(failure, outcome.kind === "response" ? outcome.response : undefined);
      switch (outcome.kind) {
        case "timeout":
          return this.failed("no response (timeout, RFC 3261 §8.1.3.1)", undefined, 408);
        case "transport-error":
          return this.failed(`transport error: ${outcome.error.reason}`, undefined, 503);
        case "not-sent":
          return this.failed(`not sent: ${outcome.reason}`, undefined);
        case "response": {
          const r = outcome.response;
          const status = r.status ?? 0;
          if (status >= 200 && status < 300) return this.succeeded(r);
          return this.failed(`${status} ${r.startLine.kind === "response" ? r.startLine.reason : ""}`.trim(), r);
        }
      }
    });
  }

  /** §10.2.1.1 / §10.2.4: the interval the registrar granted our Contact. */
  private granted(r: SipMessage): number | undefined {
    const contacts = r.contact();
    if (contacts.ok && contacts.value !== undefined && !contacts.value.wildcard) {
      for (const c of contacts.value.values) {
        if (c.uri.kind !== "sip" || this.ourContact === undefined || !sipUriEquals(c.uri, this.ourContact)) continue;
        if (c.expires !== undefined) return c.expires;
        break;
      }
      if (contacts.value.values.length > 0 && this.ourContact !== undefined && !contacts.value.values.some((c) => c.uri.kind === "sip" && sipUriEquals(c.uri, this.ourContact as SipUri))) {
        return undefined;
      }
    }
    const e = r.expires();
    if (e.ok && e.value !== undefined) return e.value;
    return this.requestedS;
  }

  private succeeded(r: SipMessage): void {
    const granted = this.granted(r);
    if (granted === undefined || granted <= 0) {
      return this.failed(granted === undefined ? "the 2xx does not list our Contact" : "the registrar granted 0 seconds", r);
    }
    this.failures = 0;
    this.grantedS = granted;
    this.boundUntil = this.o.clock.now() + granted * 1000;
    this.lastStatus = r.status;
    this.lastReason = undefined;
    const refreshInMs = refreshDelayMs(granted, this.o.timers.registerRefreshMargin);
    this.fsm.transition("Registered");
    this.fsm.startTimer("refresh", "REFRESH", refreshInMs);
    this.emit("registered", { expiresS: granted, refreshInMs, response: r });
  }

  private failed(reason: string, response: SipMessage | undefined, status = response?.status): void {
    this.failures++;
    this.lastReason = reason;
    this.lastStatus = status;
    this.o.log.warn({ peer: this.name, reason, status, failures: this.failures }, "registration failed");
    this.emit("failed", { reason, status, ...(response !== undefined ? { response } : {}) });
    let inMs = backoffMs(this.failures, this.o.timers.registerRetryBase, this.o.timers.registerRetryMax, this.o.random ?? Math.random);
    const ra = response?.get("Retry-After");
    const retryAfterS = ra !== undefined ? parseInt(ra, 10) : NaN;
    // RFC 3261 §20.33: a Retry-After in the 5xx says how long the service is unavailable.
    if (Number.isFinite(retryAfterS) && retryAfterS >= 0 && (status ?? 0) >= 500) inMs = Math.max(inMs, Math.min(retryAfterS * 1000, this.o.timers.registerRetryMax));
    this.fsm.transition("Waiting");
    this.fsm.startTimer("retry", "RETRY", inMs);
    this.emit("retrying", { inMs, failures: this.failures, reason });
  }

  private unregisterOrStop(): void {
    const mayBeBound = this.fsm.state === "Registering" || (this.boundUntil !== undefined && this.boundUntil > this.o.clock.now());
    this.fsm.stopTimer("refresh");
    this.fsm.stopTimer("retry");
    this.attempt++;
    if (!mayBeBound) {
      this.fsm.transition("Stopped");
      return;
    }
    this.fsm.transition("Unregistering");
    // §10.2.2: Expires 0 for our Contact only.
    void this.exchange(() => 0, () => this.fsm.state === "Unregistering").then(({ outcome, failure }) => {
      const reason =
        failure ??
        (outcome.kind === "response" ? `${outcome.response.status ?? 0} to REGISTER Expires: 0` : outcome.kind === "timeout" ? "no response to REGISTER Expires: 0" : outcome.kind === "transport-error" ? `transport error: ${outcome.error.reason}` : outcome.reason);
      this.boundUntil = undefined;
      this.grantedS = undefined;
      this.emit("unregistered", { reason });
      this.fsm.dispatch("UNREGISTERED");
    });
  }
}

/** A registrar's domain URI from a host, as a string ("sip:example.net"); undefined when it is not one. */
export function registrarUri(domain: string): string | undefined {
  const text = domain.startsWith("sip:") || domain.startsWith("sips:") ? domain : `sip:${domain}`;
  return parseUri(text).ok ? text : undefined;
}
