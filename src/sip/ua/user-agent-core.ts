/**
 * The user-agent core, RFC 3261 §8 (requests outside dialogs), §9.2 (CANCEL
 * received), §11 (OPTIONS answered with Allow, Accept and Supported), §12.2.2
 * (requests routed to their dialog; 481 when none matches), §13 (INVITE
 * sessions: `invite()` for the caller's side, `onInvite()` for the callee's),
 * with RFC 3311 (UPDATE) and RFC 6086 (INFO) in the sessions.
 *
 * A request that starts a server transaction goes through the §8.2 checks
 * in their order: method (§8.2.1: 405 with Allow, 501 for an unknown method),
 * Request-URI scheme (§8.2.2.1: 416), dialog (§12.2.2: 481), merged requests
 * (§8.2.2.2: 482), Require (§8.2.2.3: 420 with Unsupported; not for CANCEL),
 * content (§8.2.3: 415 with Accept), then for an INVITE the session
 * interval (RFC 4028 §9: 422 with Min-SE when too small). The core knows
 * nothing of SDP beyond finding a session description in a body
 * (session-body.ts).
 *
 * Extensions, each off unless configured: reliable provisional responses
 * (RFC 3262: 100rel in Supported, PRACK in Allow), session timers (RFC 4028:
 * timer in Supported, Session-Expires in INVITEs), and answers to digest
 * challenges on every request we send (RFC 3261 §22.2, via the
 * authenticator the composition root gives).
 */
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { TimerValues } from "../../core/timers.js";
import type { Dialog } from "../dialog/dialog.js";
import { dialogKeyOfRequest } from "../dialog/dialog.js";
import { nextHopFor } from "../dialog/next-hop.js";
import type { FromTo, Via } from "../syntax/header-values.js";
import { makeVia, parseHeaderValue } from "../syntax/header-values.js";
import { KNOWN_METHODS } from "../syntax/header-table.js";
import type { SipMessage } from "../syntax/message.js";
import type { NameAddr } from "../syntax/name-addr.js";
import { formatNameAddr } from "../syntax/name-addr.js";
import { param } from "../syntax/params.js";
import type { SipUri, Uri } from "../syntax/uri.js";
import { parseUri } from "../syntax/uri.js";
import type { TokenSource } from "../transaction/branch.js";
import type { BodyInit, HeaderInit } from "../transaction/messages.js";
import { buildRequest, buildResponse, checkedHeader } from "../transaction/messages.js";
import type { SipTimerName } from "../transaction/timers.js";
import type { TransactionLayer } from "../transaction/transaction-layer.js";
import type { ServerTransaction, TransactionUser } from "../transaction/types.js";
import type { Origin, SendTarget, SentBy } from "../transport/types.js";
import type { DigestAuthenticator } from "./request-retry.js";
import { Credentials, retryRequest } from "./request-retry.js";
import type { ReliableMode, RequestOptions, RequestOutcome, SessionHost, SessionOwner, SessionTimerConfig, SessionTimerOptions } from "./session-host.js";
import { sessionTimerConfig, tooSmallInterval } from "./session-timer.js";
import { InviteClientSession } from "./uac-session.js";
import { InviteServerSession } from "./uas-session.js";

/** The methods this core implements (RFC 3261 §8.2.1; UPDATE RFC 3311; INFO RFC 6086). */
export const DEFAULT_ALLOW: readonly string[] = ["INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "INFO", "UPDATE"];
/** Bodies a SIP-T gateway takes: SDP, SIP-T multipart, ISUP and QSIG parts (RFC 3204). */
export const DEFAULT_ACCEPT: readonly string[] = ["application/sdp", "multipart/mixed", "application/isup", "application/qsig"];

export interface UserAgentCoreOptions {
  readonly transactions: TransactionLayer;
  readonly clock: Clock;
  readonly log: Logger;
  /** The user part of our Contact URI. */
  readonly contactUser?: string;
  /** User-Agent (requests) and Server (responses) header value. */
  readonly userAgent?: string;
  readonly allow?: readonly string[];
  readonly accept?: readonly string[];
  /** Option tags we support (Supported, RFC 3261 §20.37); requests requiring others get 420. */
  readonly supported?: readonly string[];
  /** Info packages we accept (RFC 6086 §5.2.2 Recv-Info). */
  readonly recvInfo?: readonly string[];
  /** Randomness for glare backoff and Retry-After (tests pass a fixed one). */
  readonly random?: () => number;
  /** Answers 401/407 for requests sent without an authenticator of their own (RFC 3261 §22.2). */
  readonly authenticator?: DigestAuthenticator;
  /** Reliable provisional responses (RFC 3262); "never" unless `supported` lists 100rel ("supported" then). */
  readonly reliable?: ReliableMode;
  /** Session timers (RFC 4028) with these settings; on with the defaults when `supported` lists timer. */
  readonly sessionTimer?: SessionTimerOptions;
}

export interface InviteOptions {
  /** Request-URI (RFC 3261 §8.1.1.1). */
  readonly uri: Uri | string;
  /** Our identity; a tag is added (§8.1.1.3). */
  readonly from: NameAddr | string;
  readonly to: NameAddr | string;
  /** The next hop; otherwise from the first route or the Request-URI (§8.1.2). */
  readonly target?: SendTarget;
  /** A preloaded route set (outbound proxy), loose routers (§8.1.2). */
  readonly route?: readonly (NameAddr | string)[];
  /** The offer; without one the 2xx carries the offer and `ackBody` answers it (§13.2.1). */
  readonly body?: BodyInit;
  readonly ackBody?: (response: SipMessage) => BodyInit | undefined;
  readonly headers?: readonly HeaderInit[];
  readonly callId?: string;
  /** Max-Forwards, 70 unless given (§8.1.1.6). */
  readonly maxForwards?: number;
  /** Answers 401/407 to this INVITE and to the requests of its dialog (RFC 3261 §22.2); the UA's otherwise. */
  readonly authenticator?: DigestAuthenticator;
  /** The answer for the PRACK when the INVITE had no offer and a reliable 1xx carries one (RFC 3262 §5); `ackBody` otherwise. */
  readonly prackBody?: (response: SipMessage) => BodyInit | undefined;
}

export interface OutOfDialogOptions extends RequestOptions {
  readonly method: string;
  readonly uri: Uri | string;
  readonly from: NameAddr | string;
  readonly to: NameAddr | string;
  readonly target?: SendTarget;
  readonly route?: readonly (NameAddr | string)[];
  /** Answers 401/407 to this request (RFC 3261 §22.2); the UA's otherwise. */
  readonly authenticator?: DigestAuthenticator;
}

export interface UserAgentCounters {
  invitesReceived: number;
  invitesSent: number;
  /** Requests answered by the core itself with an error (405, 415, 416, 420, 481, 482, 501, 400). */
  rejectedByCore: number;
  optionsAnswered: number;
  unmatchedAcks: number;
}

interface Usage {
  readonly dialog: Dialog;
  readonly owner: SessionOwner;
}

function toUri(u: Uri | string): Uri {
  if (typeof u !== "string") return u;
  const r = parseUri(u);
  if (!r.ok) throw new Error(`'${u}' is not a URI: ${r.error.reason}`);
  return r.value;
}

function toFromTo(v: NameAddr | string, field: "from" | "to"): FromTo {
  if (typeof v !== "string") return { ...v, tag: undefined, params: v.params.filter((p) => p.name.toLowerCase() !== "tag") };
  const r = parseHeaderValue(field, v);
  if (!r.ok) throw new Error(`'${v}' is not a ${field} value: ${r.error.reason}`);
  return { ...r.value, tag: undefined, params: r.value.params.filter((p) => p.name.toLowerCase() !== "tag") };
}

function toRoute(v: NameAddr | string): NameAddr {
  if (typeof v !== "string") return v;
  const r = parseHeaderValue("route", v);
  if (!r.ok || r.value[0] === undefined) throw new Error(`'${v}' is not a Route value${r.ok ? "" : `: ${r.error.reason}`}`);
  return r.value[0];
}

function hostTypeOf(host: string): "ipv4" | "ipv6" | "hostname" {
  if (host.startsWith("[")) return "ipv6";
  return /^[0-9.]+$/.test(host) ? "ipv4" : "hostname";
}

export class UserAgentCore implements TransactionUser, SessionHost {
  readonly transactions: TransactionLayer;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: TimerValues<SipTimerName>;
  readonly tokens: TokenSource;
  readonly random: () => number;
  readonly recvInfo: ReadonlySet<string>;
  readonly requestHeaders: readonly HeaderInit[];
  readonly responseHeaders: readonly HeaderInit[];
  readonly authenticator: DigestAuthenticator | undefined;
  readonly reliable: ReliableMode;
  readonly sessionTimer: SessionTimerConfig | undefined;
  readonly supportedHeader: HeaderInit | undefined;
  readonly counters: UserAgentCounters = { invitesReceived: 0, invitesSent: 0, rejectedByCore: 0, optionsAnswered: 0, unmatchedAcks: 0 };
  private readonly allow: ReadonlySet<string>;
  private readonly accept: readonly string[];
  private readonly supported: ReadonlySet<string>;
  private readonly optionsHeaders: readonly HeaderInit[];
  private readonly contactUser: string | undefined;
  private readonly dialogs = new Map<string, Usage>();
  /** INVITEs outside a dialog not yet answered, for §8.2.2.2 merged-request detection. */
  private readonly pendingInvites = new Map<string, InviteServerSession>();
  private readonly contacts = new Map<string, NameAddr>();
  private readonly contactHeaders = new Map<string, HeaderInit>();
  private readonly contactBySentBy = new WeakMap<SentBy, HeaderInit>();
  private readonly secureContactBySentBy = new WeakMap<SentBy, HeaderInit>();
  private inviteHandler: ((session: InviteServerSession) => void) | undefined;

  constructor(opts: UserAgentCoreOptions) {
    this.transactions = opts.transactions;
    this.clock = opts.clock;
    this.log = opts.log;
    this.timers = opts.transactions.timers;
    this.tokens = opts.transactions.tokens;
    this.random = opts.random ?? Math.random;
    this.contactUser = opts.contactUser;
    this.authenticator = opts.authenticator;
    const listed = new Set((opts.supported ?? []).map((s) => s.toLowerCase()));
    this.reliable = opts.reliable ?? (listed.has("100rel") ? "supported" : "never");
    this.sessionTimer = opts.sessionTimer !== undefined || listed.has("timer") ? sessionTimerConfig(opts.sessionTimer ?? {}) : undefined;
    // RFC 3262 §8.1 and RFC 4028 §7.1: the option tags of the extensions in use; PRACK (RFC 3262 §6) allowed with 100rel.
    if (this.reliable === "never") listed.delete("100rel");
    else listed.add("100rel");
    if (this.sessionTimer !== undefined) listed.add("timer");
    const allow = (opts.allow ?? DEFAULT_ALLOW).map((m) => m.toUpperCase());
    if (this.reliable !== "never" && !allow.includes("PRACK")) allow.push("PRACK");
    this.allow = new Set(allow);
    this.accept = (opts.accept ?? DEFAULT_ACCEPT).map((a) => a.toLowerCase());
    this.supported = listed;
    this.recvInfo = new Set((opts.recvInfo ?? []).map((s) => s.toLowerCase()));
    const allowH: HeaderInit = { name: "Allow", value: [...this.allow].join(", ") };
    const supportedH: HeaderInit[] = this.supported.size > 0 ? [{ name: "Supported", value: [...this.supported].join(", ") }] : [];
    const recvInfoH: HeaderInit[] = this.recvInfo.size > 0 ? [{ name: "Recv-Info", value: [...this.recvInfo].join(", ") }] : [];
    // Checked once here; every message then reuses the header lines as they are.
    this.requestHeaders = (opts.userAgent !== undefined ? [{ name: "User-Agent", value: opts.userAgent }] : []).map(checkedHeader);
    this.responseHeaders = [...(opts.userAgent !== undefined ? [{ name: "Server", value: opts.userAgent }] : []), allowH, ...supportedH, ...recvInfoH].map(checkedHeader);
    this.optionsHeaders = [...this.responseHeaders, checkedHeader({ name: "Accept", value: this.accept.join(", ") })];
    this.supportedHeader = this.reliable !== "never" || this.sessionTimer !== undefined ? supportedH[0] : undefined;
    opts.transactions.setUser(this);
  }

  // ------------------------------------------------------------ SessionHost

  via(target: SendTarget, branch?: string): Via | undefined {
    const s = this.transactions.transport.sentBy(target);
    if (s === undefined) return undefined;
    // RFC 3581 §3: ask for rport.
    return makeVia(s.transport, s.host, hostTypeOf(s.host), s.port, [param("branch", branch ?? this.tokens.branch()), param("rport")]);
  }

  contact(target: SendTarget, secure: boolean): NameAddr | undefined {
    const s: SentBy | undefined = this.transactions.transport.sentBy(target);
    if (s === undefined) return undefined;
    const key = `${s.protocol}|${s.host}|${s.port}|${secure}`;
    const cached = this.contacts.get(key);
    if (cached !== undefined) return cached;
    const params = secure ? [] : s.protocol === "udp" ? [] : [{ name: "transport", value: s.protocol }];
    const uri: SipUri = { kind: "sip", scheme: secure ? "sips" : "sip", user: this.contactUser, password: undefined, host: s.host, hostType: hostTypeOf(s.host), port: s.port, params, headers: [] };
    const na: NameAddr = { displayName: undefined, uri, params: [] };
    this.contacts.set(key, na);
    return na;
  }

  contactHeader(target: SendTarget, secure: boolean): HeaderInit | undefined {
    const s = this.transactions.transport.sentBy(target);
    if (s === undefined) return undefined;
    // A listener's sent-by is one object while it runs: found by identity first, no key built per response.
    const bySentBy = secure ? this.secureContactBySentBy : this.contactBySentBy;
    const known = bySentBy.get(s);
    if (known !== undefined) return known;
    const key = `${s.protocol}|${s.host}|${s.port}|${secure}`;
    let h = this.contactHeaders.get(key);
    if (h === undefined) {
      const c = this.contact(target, secure);
      if (c === undefined) return undefined;
      h = checkedHeader({ name: "Contact", value: formatNameAddr(c) });
      this.contactHeaders.set(key, h);
    }
    bySentBy.set(s, h);
    return h;
  }

  registerDialog(dialog: Dialog, owner: SessionOwner): void {
    this.dialogs.set(dialog.key, { dialog, owner });
  }

  unregisterDialog(dialog: Dialog): void {
    const u = this.dialogs.get(dialog.key);
    if (u !== undefined && u.dialog === dialog) this.dialogs.delete(dialog.key);
  }

  optionsResponse(request: SipMessage): SipMessage {
    this.counters.optionsAnswered++;
    return buildResponse(request, 200, { toTag: this.tokens.tag(), headers: this.optionsHeaders });
  }

  /** Require: 100rel (RFC 3262 §4) and Session-Expires / Min-SE (RFC 4028 §7.1) for a new INVITE. */
  private get inviteExtensionHeaders(): HeaderInit[] {
    const out: HeaderInit[] = [];
    if (this.reliable === "required") out.push({ name: "Require", value: "100rel" });
    const st = this.sessionTimer;
    if (st !== undefined) {
      out.push({ name: "Session-Expires", value: String(st.expiresS) });
      if (st.minSE !== 90) out.push({ name: "Min-SE", value: String(st.minSE) });
    }
    return out;
  }

  /** Dialogs held (tests, metrics). */
  get dialogCount(): number {
    return this.dialogs.size;
  }

  // --------------------------------------------------------------- the API

  /** Who answers INVITEs outside a dialog; without a handler they get 480. */
  onInvite(handler: (session: InviteServerSession) => void): void {
    this.inviteHandler = handler;
  }

  /** Start a call (RFC 3261 §13.2.1). Listen on the session's events; the INVITE is already on its way. */
  invite(opts: InviteOptions): InviteClientSession {
    const uri = toUri(opts.uri);
    const route = (opts.route ?? []).map(toRoute);
    const first = route[0];
    const target = opts.target ?? nextHopFor(first !== undefined ? first.uri : uri);
    const from = toFromTo(opts.from, "from");
    const tag = this.tokens.tag();
    const callId = opts.callId ?? this.tokens.callId();
    const via = target !== undefined ? this.via(target) : undefined;
    const secure = uri.kind === "sip" && uri.scheme === "sips";
    const contact = target !== undefined ? this.contact(target, secure) : undefined;
    const request = buildRequest({
      method: "INVITE",
      uri,
      // Without a Via the INVITE cannot leave; this one only lets the session exist to report the failure.
      via: via ?? makeVia("UDP", "invalid", "hostname", undefined, [param("branch", this.tokens.branch())]),
      from: { ...from, params: [...from.params, param("tag", tag)], tag },
      to: toFromTo(opts.to, "to"),
      callId,
      cseq: 1,
      ...(opts.maxForwards !== undefined ? { maxForwards: opts.maxForwards } : {}),
      route,
      ...(contact !== undefined ? { contact } : {}),
      headers: [...this.requestHeaders, ...this.responseHeaders.filter((h) => h.name === "Allow" || h.name === "Supported"), ...this.inviteExtensionHeaders, ...(opts.headers ?? [])],
      ...(opts.body !== undefined ? { body: opts.body } : {}),
    });
    const session = new InviteClientSession(this, request, target ?? { protocol: "udp", host: "invalid", port: 5060 }, {
      ...(opts.ackBody !== undefined ? { ackBody: opts.ackBody } : {}),
      ...(opts.prackBody !== undefined ? { prackBody: opts.prackBody } : {}),
      ...(opts.authenticator !== undefined ? { authenticator: opts.authenticator } : {}),
    });
    this.counters.invitesSent++;
    if (target === undefined || via === undefined) {
      const reason = target === undefined ? `no next hop for ${uri.kind === "sip" ? "the Request-URI" : `a ${uri.scheme}: URI`} (give a target)` : `no ${target.protocol.toUpperCase()} transport for ${target.host}`;
      queueMicrotask(() => session.failBeforeStart({ cause: "no-route", status: 503, reason }));
      return session;
    }
    session.start();
    return session;
  }

  /**
   * A request outside any dialog (OPTIONS keep-alive of a trunk, MESSAGE ...), through a client
   * transaction. A 401/407 is answered once per kind with the authenticator's credentials (RFC 3261
   * §8.1.3.5, §22.2: same Call-ID, From tag and To, CSeq one more, a new branch).
   */
  request(opts: OutOfDialogOptions): Promise<RequestOutcome> {
    return new Promise((resolve) => {
      if (opts.method === "INVITE" || opts.method === "ACK" || opts.method === "CANCEL") throw new Error(`${opts.method} is not sent with request()`);
      const uri = toUri(opts.uri);
      const route = (opts.route ?? []).map(toRoute);
      const first = route[0];
      const target = opts.target ?? nextHopFor(first !== undefined ? first.uri : uri);
      const via = target !== undefined ? this.via(target) : undefined;
      if (target === undefined || via === undefined) {
        resolve({ kind: "not-sent", reason: "no next hop or no transport for it" });
        return;
      }
      const from = toFromTo(opts.from, "from");
      const tag = this.tokens.tag();
      const req = buildRequest({
        method: opts.method,
        uri,
        via,
        from: { ...from, params: [...from.params, param("tag", tag)], tag },
        to: toFromTo(opts.to, "to"),
        callId: this.tokens.callId(),
        cseq: 1,
        route,
        headers: [...this.requestHeaders, ...(this.supportedHeader !== undefined ? [this.supportedHeader] : []), ...(opts.headers ?? [])],
        ...(opts.body !== undefined ? { body: opts.body } : {}),
      });
      const auth = opts.authenticator ?? this.authenticator;
      const credentials = new Credentials();
      const send = (r: SipMessage): void => {
        this.transactions.sendRequest(r, target, {
          onResponse: (resp) => {
            const status = resp.status ?? 0;
            if (status < 200) return;
            if (status === 401 || status === 407) {
              const a = credentials.retry(auth, resp, r);
              const nextVia = a.ok ? this.via(target) : undefined;
              if (a.ok && nextVia !== undefined) {
                send(retryRequest(r, nextVia, r.cseq.seq + 1, a.headers, ["Authorization", "Proxy-Authorization"]));
                return;
              }
              if (!a.ok) this.log.info({ callId: r.callId, method: r.method, status, reason: a.reason }, "challenge not answered");
            }
            resolve({ kind: "response", response: resp });
          },
          onTimeout: () => resolve({ kind: "timeout" }),
          onTransportError: (_t, error) => resolve({ kind: "transport-error", error }),
        });
      };
      send(req);
    });
  }

  // ------------------------------------------------------ TransactionUser

  private refuse(tx: ServerTransaction, status: number, headers: readonly HeaderInit[] = [], reason?: string): void {
    this.counters.rejectedByCore++;
    tx.respond(buildResponse(tx.request, status, { toTag: this.tokens.tag(), headers, ...(reason !== undefined ? { reason } : {}) }));
  }

  receiveRequest(tx: ServerTransaction): void {
    const m = tx.request;
    const method = m.method;
    // §8.2.1: a method we do not implement.
    if (!this.allow.has(method)) {
      if (KNOWN_METHODS.has(method)) this.refuse(tx, 405, [{ name: "Allow", value: [...this.allow].join(", ") }]);
      else this.refuse(tx, 501);
      return;
    }
    // §8.2.2.1: a Request-URI scheme we do not handle.
    if (m.requestUri?.kind === "absolute") {
      this.refuse(tx, 416);
      return;
    }
    // §12.2.2: a request with a To tag belongs to a dialog, or gets 481.
    const key = dialogKeyOfRequest(m);
    let usage: Usage | undefined;
    if (key !== undefined) {
      usage = this.dialogs.get(key);
      if (usage === undefined) {
        this.refuse(tx, 481);
        return;
      }
    }
    // §8.2.2.3: option tags we do not support.
    const req = m.require();
    if (!req.ok) {
      this.refuse(tx, 400, [], `Bad Request - Invalid Require`);
      return;
    }
    const unsupported = (req.value ?? []).filter((t) => !this.supported.has(t.toLowerCase()));
    if (unsupported.length > 0) {
      this.refuse(tx, 420, [{ name: "Unsupported", value: unsupported.join(", ") }]);
      return;
    }
    // §8.2.3: a body we cannot take.
    if (m.body.length > 0) {
      const ct = m.contentType();
      if (!ct.ok) {
        this.refuse(tx, 400, [], "Bad Request - Invalid Content-Type");
        return;
      }
      const type = ct.value === undefined ? "application/sdp" : `${ct.value.type}/${ct.value.subtype}`.toLowerCase();
      const enc = m.get("Content-Encoding");
      if (!this.accept.includes(type) || (enc !== undefined && enc.trim().toLowerCase() !== "identity")) {
        this.refuse(tx, 415, [{ name: "Accept", value: this.accept.join(", ") }, { name: "Accept-Encoding", value: "identity" }]);
        return;
      }
    }
    if (usage !== undefined) {
      usage.owner.receiveInDialog(tx, usage.dialog);
      return;
    }
    switch (method) {
      case "INVITE":
        this.newInvite(tx);
        return;
      case "OPTIONS":
        tx.respond(this.optionsResponse(m));
        return;
      default:
        // BYE, INFO, UPDATE outside a dialog: no dialog to act on (§15.1.2, RFC 3311 §5.2, RFC 6086 §4.2.2).
        this.refuse(tx, 481);
    }
  }

  private newInvite(tx: ServerTransaction): void {
    const m = tx.request;
    this.counters.invitesReceived++;
    // §8.2.2.2: the same request arriving again by another path while the first is pending.
    const mergeKey = `${m.from.tag ?? ""}\u0001${m.callId}\u0001${m.cseq.seq}`;
    const pending = this.pendingInvites.get(mergeKey);
    if (pending !== undefined) {
      if (pending.pending && pending.transaction !== tx) {
        this.refuse(tx, 482);
        return;
      }
      this.pendingInvites.delete(mergeKey);
    }
    // §8.1.1.8: an INVITE carries a Contact: without one no dialog can be made.
    const c = m.contact();
    if (!c.ok || c.value === undefined || c.value.wildcard || c.value.values.length !== 1) {
      this.refuse(tx, 400, [], c.ok ? "Bad Request - Missing Contact" : "Bad Request - Invalid Contact");
      return;
    }
    const rr = m.recordRoute();
    if (!rr.ok) {
      this.refuse(tx, 400, [], "Bad Request - Invalid Record-Route");
      return;
    }
    // RFC 4028 §9: a session interval below our minimum: 422 with our Min-SE.
    if (this.sessionTimer !== undefined) {
      const small = tooSmallInterval(m, this.sessionTimer);
      if (small !== undefined) {
        this.refuse(tx, small.status, small.headers, small.reason);
        return;
      }
    }
    const session = new InviteServerSession(this, tx, this.tokens.tag());
    this.pendingInvites.set(mergeKey, session);
    const forget = (): void => {
      if (this.pendingInvites.get(mergeKey) === session) this.pendingInvites.delete(mergeKey);
    };
    session.settled(forget);
    if (this.inviteHandler === undefined) {
      session.reject(480);
      return;
    }
    this.inviteHandler(session);
  }

  receiveCancel(tx: ServerTransaction, invite: ServerTransaction | undefined): void {
    // §9.2: no matching INVITE transaction: 481.
    if (invite === undefined) {
      this.refuse(tx, 481);
      return;
    }
    const user = invite.user;
    const tag = invite.toTag ?? (user instanceof InviteServerSession ? user.localTag : this.tokens.tag());
    // §9.2: the CANCEL gets 200 (with the INVITE's To tag); a final response already sent means nothing else happens.
    const cancel = tx.request;
    tx.respond(buildResponse(cancel, 200, { toTag: tag }));
    if (!invite.finalSent) user?.onCancel?.(cancel, invite);
  }

  receiveAck(ack: SipMessage, _origin: Origin): void {
    const key = dialogKeyOfRequest(ack);
    const usage = key !== undefined ? this.dialogs.get(key) : undefined;
    if (usage === undefined) {
      this.counters.unmatchedAcks++;
      return;
    }
    // The ACK carries the CSeq of the INVITE it acknowledges (§13.2.2.4), which a PRACK or UPDATE in
    // the early dialog may have passed (RFC 3262, RFC 3311): no §12.2.2 order check for it.
    usage.owner.receiveAck(ack, usage.dialog);
  }

  flowFailed(connectionId: number, reason: string): void {
    this.log.info({ connectionId, reason }, "SIP flow failed");
  }

  /** Drop every session and transaction without messages (process shutdown). */
  shutdown(): void {
    for (const u of [...this.dialogs.values()]) {
      const owner = u.owner as { abandon?: () => void };
      owner.abandon?.();
    }
    this.dialogs.clear();
    this.pendingInvites.clear();
    this.transactions.shutdown();
  }
}
