/**
 * The interworking unit between QSIG trunks (PBXs on ECMA-143 basic call)
 * and SIP trunks, RFC 4497: it is the Q.931 call control user of every QSIG
 * trunk (the IsdnCallSink of the ISDN component, by shape) and the handler of
 * incoming INVITEs routed to a QSIG trunk, routes each call and runs it to
 * the end on both sides, with its audio switched by the media engine between
 * the call's B-channel and RTP.
 *
 * QSIG origination (SETUP in):                  SIP origination (INVITE in):
 *   SETUP (+INFORMATION...) -> route -> INVITE    INVITE -> route -> SETUP on a hunted
 *     + CALL PROCEEDING       (§8.2.1.1, §8.2.2.1)  B-channel (§8.3.1); 503 when none
 *   18x -> ALERTING / PROGRESS (§8.2.1.3)         CALL PROCEEDING -> nothing (§8.3.2)
 *   2xx -> CONNECT; CONNECT ACK awaited (§8.2.1.4) ALERTING / PROGRESS -> 180 / 183, SDP by
 *   4xx-6xx -> DISCONNECT, Table 2 (§8.4.4)         progress description 1 or 8 (§8.3.3-§8.3.5)
 *   BYE -> DISCONNECT 16 (§8.4.2)                 CONNECT -> 200 (§8.3.6); CONNECT ACK by Q.931
 *   DISCONNECT/RELEASE -> CANCEL / BYE (§8.4.1)   CANCEL / BYE -> DISCONNECT 16 (§8.4.2, §8.4.3)
 *                                                 DISCONNECT/RELEASE -> final response, Table 1
 *                                                   (§8.4.1 case 5), or BYE (cases 1, 2)
 * Every BYE, CANCEL and final response the QSIG side causes carries the Q.850
 * cause in a Reason header (RFC 3326). Clearing the gateway starts itself
 * (QSIG timers, RESTART, loss of the D-channel, SIP timers) follows §8.4.5.
 * Numbers, presentation and names: RFC 4497 §9 through src/interworking/qsig-sip.
 * With a SIP trunk's `sipt` not "off", the QSIG messages ride along in
 * application/QSIG body parts (RFC 3204 §3.2) and a received one gives the
 * clearing cause and, for a SETUP, the calling name.
 *
 * The Q.931 entity of each trunk (src/isdn/q931/call) runs the QSIG
 * protocol: timers, CONNECT ACKNOWLEDGE, clearing collisions, restarts; this
 * unit only makes requests on its calls. B-channel n of a trunk is timeslot n
 * of the trunk's span (QsigTrunkInfo.bearer).
 */
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { CalledPartyNumber } from "../../isdn/q931/codec/information-elements.js";
import { decodeQ931, findIe, hasSingleIe } from "../../isdn/q931/codec/q931-codec.js";
import type { Q931Ie, Q931Message } from "../../isdn/q931/codec/q931-codec.js";
import type { Q931Call } from "../../isdn/q931/call/call.js";
import type { CallIndication } from "../../isdn/q931/call/call.js";
import type { Q931Layer3, RestartIndication } from "../../isdn/q931/call/layer3.js";
import type { SipMessage } from "../../sip/syntax/message.js";
import type { Uri } from "../../sip/syntax/uri.js";
import { escapeUser } from "../../sip/syntax/uri.js";
import type { BodyInit, HeaderInit } from "../../sip/transaction/messages.js";
import type { CallFailure, InviteClientSession, InviteServerSession, SessionEnd, UserAgentCore } from "../../sip/ua/index.js";
import type { QsigToSipRow, SipToQsigRow } from "../../../mappings/rfc4497-causes.js";
import { GATEWAY_CLEARING, SIP_TO_QSIG_DEFAULT } from "../../../mappings/rfc4497-causes.js";
import { qsigCauseToSip } from "../qsig-sip/causes.js";
import { qsigClearingToSip, sipFinalToQsig, sipRequestClearingToQsig } from "../qsig-sip/clearing.js";
import type { SipLegState } from "../qsig-sip/clearing.js";
import { addInformationDigits, connectToOk, inviteToSetup, okToConnect, provisionalToQsig, qsigToProvisional, setupToInvite } from "../qsig-sip/establishment.js";
import type { InviteFromSetup } from "../qsig-sip/establishment.js";
import type { FromIdentity, IdentityPolicy, LocalNumbering, SipIdentity, SipIdentityFields, SipNumber, SipToQsigPolicy } from "../qsig-sip/identity.js";
import { DEFAULT_LOCAL_NUMBERING, numberToSipUser, qsigNameOf } from "../qsig-sip/identity.js";
import { QSIG_VERSION_ISO, qsigBody } from "../qsig-sip/qsig-body.js";
import { readBodies } from "../sip-t/read-bodies.js";
import { sipBody } from "../sip-t/body-parts.js";
import type { SipTrunkInfo } from "./isup-sip-unit.js";
import type { BearerLocation, CallMediaPlane } from "./media-plane.js";
import { q850Reason } from "./reason.js";
import type { CallRouting, RouteTarget } from "./routing.js";
import { RtpLeg } from "./rtp-leg.js";
import type { SipPeerHooks } from "./sip-attempts.js";
import { SipAttempts, afterMedia, reasonPhrase } from "./sip-attempts.js";

/** The requests the unit makes on a trunk's Q.931 entity (SETUP.req, RESTART.req) and what it reads. */
export type QsigCallRequests = Pick<Q931Layer3, "setup" | "requestRestart" | "dataLinkUp" | "activeCalls">;

/** D-channel and restart events of one trunk (the ISDN component's maintenance events). */
export type QsigMaintenanceEvent =
  | { readonly kind: "d-channel-up" }
  | { readonly kind: "d-channel-down"; readonly physical: boolean }
  | { readonly kind: "restart"; readonly restart: RestartIndication };

export interface QsigTrunkInfo {
  readonly name: string;
  /** Where B-channel `channel` is on the card: timeslot `channel` of the trunk's span. */
  bearer(channel: number): BearerLocation | undefined;
  /** How local (not "+E.164") numbers are written toward the PBX (RFC 4497 §9.2; ISO/IEC 11571). */
  readonly localNumbering?: LocalNumbering;
  /** Trunk rows consulted before RFC 4497 Table 1 (cause -> final response). */
  readonly qsigToSip?: readonly QsigToSipRow[];
  /** Trunk rows consulted before RFC 4497 Table 2 (final response -> cause). */
  readonly sipToQsig?: readonly SipToQsigRow[];
}

export interface QsigSipOptions {
  readonly log: Logger;
  readonly clock: Clock;
  readonly routing: CallRouting;
  readonly qsigTrunks: readonly QsigTrunkInfo[];
  readonly sipTrunks: readonly SipTrunkInfo[];
  readonly media: CallMediaPlane;
  /**
   * Overlap receiving (RFC 4497 §8.2.2.1): after SETUP ACKNOWLEDGE, wait this
   * long for another INFORMATION before the number is taken as complete. It
   * must be shorter than the trunk's T302, whose expiry clears the call with
   * cause 28 (Q.931 §5.2.4).
   */
  readonly interDigitMs: number;
  /** Host for From, P-Asserted-Identity and Contact URIs the gateway writes. */
  readonly localHost: string;
  /** Take the calling number from an unasserted From (RFC 4497 §9.2.2: SHOULD NOT unless configured). */
  readonly callingFromFrom: boolean;
  /** The configured SIP peers: credentials for their challenges, keep-alive state. */
  readonly peers?: SipPeerHooks;
}

/** One line per call, for management. */
export interface QsigCallSummary {
  readonly id: number;
  readonly direction: "qsig-to-sip" | "sip-to-qsig";
  readonly state: string;
  readonly qsigTrunk: string;
  readonly channel: number | undefined;
  readonly sipTrunk: string | undefined;
  readonly callId: string | undefined;
  readonly called: string;
  readonly startedMs: number;
  readonly answeredMs: number | undefined;
}

/** Q.850 causes the unit gives itself. */
const CAUSE = {
  noRoute: 3,
  normal: 16,
  invalidNumber: 28,
  destinationOutOfOrder: 27,
  noChannel: 34,
  temporaryFailure: 41,
  resourceUnavailable: 47,
  recoveryOnTimer: 102,
  noAnswer: 19,
} as const;

/** Q.850 location of the causes this side generates: private network serving the local user (Q.850 Table 1). */
const LOCATION_LOCAL_PRIVATE = 1;

type Indication = CallIndication;
type WithMessage = Extract<Indication, { message: Q931Message }>;

abstract class QsigBridgedCall {
  readonly startedMs: number;
  answeredMs: number | undefined;
  ended = false;
  rtp: RtpLeg | undefined;
  sipTrunk: SipTrunkInfo | undefined;
  /** The SIP side has been cleared (or never existed). */
  sipCleared = false;
  abstract readonly direction: QsigCallSummary["direction"];
  abstract state: string;

  constructor(
    readonly unit: QsigSipUnit,
    readonly id: number,
    readonly log: Logger,
    readonly trunk: QsigTrunkInfo,
  ) {
    this.startedMs = unit.clock.wallNow();
  }

  abstract get q931(): Q931Call | undefined;
  abstract called(): string;
  abstract sipCallId(): string | undefined;

  summary(): QsigCallSummary {
    return {
      id: this.id,
      direction: this.direction,
      state: this.state,
      qsigTrunk: this.trunk.name,
      channel: this.q931?.channel,
      sipTrunk: this.sipTrunk?.name,
      callId: this.sipCallId(),
      called: this.called(),
      startedMs: this.startedMs,
      answeredMs: this.answeredMs,
    };
  }

  /** Clear the QSIG call with a cause (Q.931 §5.3.2; RELEASE COMPLETE before any answer to a SETUP, §5.2.5). */
  disconnectQsig(cause: number): void {
    const c = this.q931;
    if (!c || c.state === "Null") return;
    if (c.state === "DisconnectIndication") {
      c.release(cause);
      return;
    }
    if (!c.disconnect(cause)) c.release(cause);
  }

  /** The call is over on both sides (as far as this unit acts): free the media and forget it. */
  finish(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.state = "ended";
    void this.rtp?.close();
    this.unit.forget(this);
    this.log.info({ why, durationMs: this.answeredMs !== undefined ? this.unit.clock.wallNow() - this.answeredMs : 0 }, "call ended");
  }

  /** Keep the RTP stream on the call's B-channel (it can change with the first response, Q.931 Annex D.3). */
  followChannel(): void {
    const ch = this.q931?.channel;
    if (ch === undefined || !this.rtp) return;
    const bearer = this.unit.bearerOf(this.trunk, ch);
    if (bearer && bearer.channel !== this.rtp.tdmChannel) {
      this.log.info({ channel: ch }, "B-channel changed by the peer's first response: media follows");
      void this.rtp.moveTo(bearer.channel);
    }
  }

  /** A Q.931 indication for this call. */
  abstract qsig(ind: Indication): void;

  /** Clear the QSIG call with `cause` (once). */
  protected abstract clearQsig(cause: number): void;
  /** Mark the QSIG side as handled elsewhere: this call makes no more requests on it. */
  protected abstract letGoOfQsig(): void;
  /** Clear the SIP side by its state (§8.4.1, §8.4.5) with `reasonCause` in the Reason header (once). */
  protected abstract releaseSip(reasonCause: number): void;

  /** The gateway ends the call (shutdown, trunk stopped): QSIG cleared with `qsigCause`, SIP with `reasonCause`. */
  abort(qsigCause: number, reasonCause: number): void {
    if (this.ended) return;
    this.clearQsig(qsigCause);
    this.releaseSip(reasonCause);
    this.finish(`aborted, cause ${reasonCause}`);
  }

  /** The QSIG call lost its D-channel: the SIP side is cleared now; the QSIG call is the unit's to end later. */
  orphan(reasonCause: number): void {
    if (this.ended) return;
    this.letGoOfQsig();
    this.releaseSip(reasonCause);
    this.finish(`D-channel lost, cause ${reasonCause}`);
  }
}

/** The QSIG message of a received SIP body, when the trunk carries QSIG (RFC 3204 §3.2). */
function encapsulatedQsig(m: SipMessage | undefined, trunk: SipTrunkInfo | undefined): Q931Message | undefined {
  if (!m || !trunk || trunk.sipt === "off") return undefined;
  const r = readBodies(m.get("Content-Type"), m.get("Content-Disposition"), m.body, { isupVersions: [], qsigVersions: [QSIG_VERSION_ISO] });
  if (!r.ok || !r.qsig) return undefined;
  const d = decodeQ931(r.qsig.octets);
  return d.ok ? d.value : undefined;
}

/** A SIP body with the session description and, on trunks that carry QSIG, the QSIG message (RFC 3204 §3.2, RFC 3372 §4). */
function bodyFor(trunk: SipTrunkInfo | undefined, sdp: string | undefined, qsig: Q931Message | undefined): BodyInit | undefined {
  return sipBody({
    ...(sdp !== undefined ? { sdp } : {}),
    ...(trunk && trunk.sipt !== "off" && qsig ? { qsig: qsigBody(qsig, { version: QSIG_VERSION_ISO, handling: trunk.sipt }) } : {}),
  });
}

/** "sip:user@host[:port]", with user=phone for a global number (RFC 3261 §19.1.1, RFC 3966 §5.1.4). */
function numberUri(n: SipNumber, host: string, port?: number): string {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `sip:${escapeUser(n.user)}@${h}${port !== undefined ? `:${port}` : ""}${n.global ? ";user=phone" : ""}`;
}

function quoted(display: string): string {
  return `"${display.replace(/["\\]/g, (c) => `\\${c}`).replace(/[\r\n]/g, " ")}"`;
}

function identityAddr(id: SipIdentity, host: string): string {
  return `${id.displayName !== undefined ? `${quoted(id.displayName)} ` : ""}<${numberUri(id.number, host)}>`;
}

/** The From of an INVITE for RFC 4497 §9.1.2. */
function fromValue(f: FromIdentity, host: string): string {
  switch (f.kind) {
    case "caller":
      return identityAddr(f.identity, host);
    case "gateway":
      return `${f.displayName !== undefined ? `${quoted(f.displayName)} ` : ""}<sip:${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}>`;
    case "anonymous":
      // RFC 3323 §4.1.1.3.
      return `"Anonymous" <sip:anonymous@anonymous.invalid>`;
  }
}

/** The user part of a URI as a telephone number, if it is one (RFC 3966 for tel, the user part for sip). */
function uriUser(u: Uri): string | undefined {
  if (u.kind === "tel") return u.global ? `+${u.number.replace(/^\+/, "")}` : u.number;
  if (u.kind === "sip") return u.user;
  return undefined;
}

/** RFC 4497 §9.2: the identity headers of a request or response as the qsig-sip mappings take them. */
export function sipIdentityFields(m: SipMessage): SipIdentityFields {
  const pai = m.pAssertedIdentity();
  const asserted = pai.ok && pai.value ? pai.value.find((p) => uriUser(p.uri) !== undefined) : undefined;
  const privacy = m.privacy();
  const from = m.isRequest ? m.from : undefined;
  const fromUri = from?.uri;
  const fromAnonymous = from !== undefined && ((fromUri?.kind === "sip" && fromUri.host.toLowerCase() === "anonymous.invalid") || /^anonymous$/i.test(from.displayName?.trim() ?? ""));
  const fromUser = fromUri ? uriUser(fromUri) : undefined;
  const assertedUser = asserted ? uriUser(asserted.uri) : undefined;
  return {
    ...(assertedUser !== undefined ? { pAssertedIdentityUser: assertedUser } : {}),
    ...(asserted?.displayName !== undefined ? { pAssertedIdentityDisplayName: asserted.displayName } : {}),
    ...(fromUser !== undefined ? { fromUser } : {}),
    ...(from?.displayName !== undefined ? { fromDisplayName: from.displayName } : {}),
    ...(from !== undefined ? { fromAnonymous } : {}),
    privacy: privacy.ok && privacy.value ? privacy.value.map((p) => p.toLowerCase()) : [],
  };
}

function has100rel(m: SipMessage): boolean {
  const sup = m.supported();
  const req = m.require();
  const list = [...(sup.ok && sup.value ? sup.value : []), ...(req.ok && req.value ? req.value : [])];
  return list.some((t) => t.toLowerCase() === "100rel");
}

/**
 * RFC 4497 §8.4.5: the final response when the QSIG call was cleared by this
 * side's Q.931 entity without a clearing message from the PBX: 480 after
 * T301 (cause 19), 408 after another QSIG timer (cause 102), 500 after a
 * RESTART or protocol error. A loss of the D-channel is a destination out of
 * order: Table 1 for the cause Q.931 §5.8.9 gives.
 */
function internalClearingStatus(cause: number, linkUp: boolean, overrides: readonly QsigToSipRow[]): number {
  if (!linkUp) return qsigCauseToSip(cause, {}, overrides).sipStatus;
  if (cause === CAUSE.noAnswer) return GATEWAY_CLEARING.afterT301.sipStatus;
  if (cause === CAUSE.recoveryOnTimer) return GATEWAY_CLEARING.qsigTimer.sipStatus;
  return GATEWAY_CLEARING.qsigFailure.sipStatus;
}


// ---------------------------------------------------------------- QSIG -> SIP

class QsigToSipCall extends QsigBridgedCall {
  readonly direction = "qsig-to-sip" as const;
  state = "collecting";
  private calledNumber: CalledPartyNumber;
  private invite: InviteFromSetup | undefined;
  private digitTimer: TimerHandle | undefined;
  private noAnswerTimer: TimerHandle | undefined;
  private attempts: SipAttempts | undefined;
  private session: InviteClientSession | undefined;
  private offerSdp: string | undefined;
  private answerApplied = false;
  private alertingSent = false;
  private progress1Sent = false;
  private qsigCleared = false;

  constructor(
    unit: QsigSipUnit,
    id: number,
    log: Logger,
    trunk: QsigTrunkInfo,
    readonly call: Q931Call,
    readonly setup: Q931Message,
  ) {
    super(unit, id, log, trunk);
    this.calledNumber = findIe(setup, "calledPartyNumber") ?? { typeOfNumber: 0, numberingPlan: 0, digits: "" };
  }

  get q931(): Q931Call {
    return this.call;
  }

  called(): string {
    return this.calledNumber.digits;
  }

  sipCallId(): string | undefined {
    return this.session?.callId;
  }

  /** The number as routing sees it: "+E.164" or the digits as dialled (RFC 4497 §9.1.1). */
  private routingNumber(): string {
    return numberToSipUser(this.calledNumber)?.user ?? this.calledNumber.digits;
  }

  start(): void {
    const r = setupToInvite(this.setup, this.unit.identityPolicy(undefined));
    const complete = hasSingleIe(this.setup, "sendingComplete");
    if (!r.ok && !(r.cause === CAUSE.invalidNumber && !complete)) {
      // RFC 4497 §8.2.1.1: a SETUP unsuitable for an INVITE (bearer, called number) is cleared.
      this.log.info({ cause: r.cause, reason: r.reason }, "SETUP cannot become an INVITE");
      this.clearQsig(r.cause);
      this.finish(r.reason);
      return;
    }
    if (!complete && (this.calledNumber.digits === "" || this.unit.routing.mayGrow({ fromTrunk: this.trunk.name, called: this.routingNumber() }))) {
      // RFC 4497 §8.2.2.1.1: SETUP ACKNOWLEDGE, T302 (run by the Q.931 call), await more digits.
      if (!this.call.moreInfo()) {
        this.clearQsig(CAUSE.temporaryFailure);
        this.finish("SETUP ACKNOWLEDGE refused by call control");
        return;
      }
      this.state = "collecting";
      this.armDigitTimer();
      return;
    }
    this.route();
  }

  private armDigitTimer(): void {
    this.digitTimer?.cancel();
    this.digitTimer = this.unit.clock.setTimer(this.unit.interDigitMs, () => {
      this.digitTimer = undefined;
      if (this.state !== "collecting" || this.ended) return;
      // Deviation: RFC 4497 §8.2.2.1.2 takes the number as complete at T302 expiry; Q.931 §5.2.4
      // clears the call then, so the gateway's inter-digit timer, shorter than T302, stands for it.
      this.log.debug({ digits: this.calledNumber.digits }, "no more digits: number taken as complete");
      this.route();
    });
  }

  /** RFC 4497 §8.2.2.1.2: INFORMATION with more called digits. */
  private information(m: Q931Message): void {
    if (this.state !== "collecting") return;
    const o = addInformationDigits(this.calledNumber, m);
    this.calledNumber = o.calledNumber;
    if (o.sendingComplete || !this.unit.routing.mayGrow({ fromTrunk: this.trunk.name, called: this.routingNumber() })) {
      this.digitTimer?.cancel();
      this.digitTimer = undefined;
      this.route();
    } else this.armDigitTimer();
  }

  private route(): void {
    this.state = "routing";
    const setup: Q931Message = { ...this.setup, ies: this.setup.ies.map((e) => (e.kind === "ie" && e.name === "calledPartyNumber" ? { ...e, value: this.calledNumber } : e)) };
    const mapped = setupToInvite(setup, this.unit.identityPolicy(undefined));
    if (!mapped.ok) {
      this.log.info({ cause: mapped.cause, reason: mapped.reason }, "number gives no INVITE");
      this.clearQsig(mapped.cause);
      this.finish(mapped.reason);
      return;
    }
    this.invite = mapped.invite;
    const d = this.unit.routing.route({ fromTrunk: this.trunk.name, called: mapped.invite.called.user });
    if (!d.ok) {
      // RFC 4497 §8.2.1.1: a number the gateway determines to be incomplete (a longer one could be
      // routed) is cleared with cause 28, invalid number format (address incomplete).
      const incomplete = d.cause === CAUSE.noRoute && this.unit.routing.mayGrow({ fromTrunk: this.trunk.name, called: mapped.invite.called.user });
      const cause = incomplete ? CAUSE.invalidNumber : d.cause;
      this.log.info({ called: mapped.invite.called.user, cause, reason: d.reason }, "call not routed");
      this.clearQsig(cause);
      this.finish(d.reason);
      return;
    }
    const targets = d.targets.filter((t) => t.kind === "sip");
    this.attempts = new SipAttempts(targets, (name) => this.unit.sipTrunk(name), this.unit.peerHooks);
    if (targets.length === 0) {
      this.log.warn({ route: d.route }, "route leads to no SIP trunk: this unit bridges QSIG to SIP only");
      this.clearQsig(CAUSE.noRoute);
      this.finish("route has no SIP trunk");
      return;
    }
    const ch = this.call.channel;
    const bearer = ch !== undefined ? this.unit.bearerOf(this.trunk, ch) : undefined;
    if (!bearer) {
      this.log.error({ channel: ch }, "no media channel for the B-channel");
      this.clearQsig(CAUSE.resourceUnavailable);
      this.finish("no media channel");
      return;
    }
    // RFC 4497 §8.2.1.1, §8.2.2.1.2: CALL PROCEEDING with the INVITE (T302 stops).
    if (!this.call.proceeding()) this.log.warn({ state: this.call.state }, "CALL PROCEEDING not accepted by call control");
    this.rtp = new RtpLeg(this.unit.media, bearer.channel, bearer.law, this.log);
    this.rtp.offer().then(
      (sdp) => {
        this.offerSdp = sdp;
        if (!this.ended) this.tryTarget();
      },
      (e: Error) => {
        if (this.ended) return;
        this.log.error({ err: e.message }, "RTP port could not be opened");
        this.clearQsig(CAUSE.resourceUnavailable);
        this.finish("no RTP port");
      },
    );
  }

  /** RFC 4497 §8.2.1.1, §9.1: the INVITE to the current peer of the current target trunk. */
  private tryTarget(): void {
    if (this.ended || this.qsigCleared) return;
    const attempt = this.attempts?.current();
    const invite = this.invite;
    if (!attempt || !invite) {
      const down = this.attempts?.skipped ?? [];
      if (down.length > 0) this.log.info({ peers: down }, "peers down (keep-alive): skipped");
      this.clearQsig(down.length > 0 ? CAUSE.temporaryFailure : CAUSE.noRoute);
      this.finish(down.length > 0 ? "every peer is down" : "no SIP trunk left to try");
      return;
    }
    const { target, trunk, peer, authenticator } = attempt;
    const ua = this.unit.ua;
    if (!ua) {
      this.clearQsig(CAUSE.temporaryFailure);
      this.finish("SIP is not running");
      return;
    }
    this.sipTrunk = trunk;
    this.sipCleared = false;
    this.state = "calling";
    const called: SipNumber = { user: target.called, global: target.called.startsWith("+") };
    const caller = this.unit.identityPolicy(trunk);
    // The caller's identity (RFC 4497 §9.1.2), with the trunk's trust for P-Asserted-Identity.
    const id = setupToInvite(this.setup, caller);
    const who = id.ok ? id.invite.caller : invite.caller;
    const host = this.unit.localHost;
    const headers: HeaderInit[] = [];
    if (who.pAssertedIdentity) headers.push({ name: "P-Asserted-Identity", value: identityAddr(who.pAssertedIdentity, host) });
    if (who.privacy) headers.push({ name: "Privacy", value: who.privacy });
    let uri = numberUri(called, peer.host, peer.port);
    if (peer.protocol !== "udp") uri += `;transport=${peer.protocol}`;
    const body = bodyFor(trunk, this.offerSdp, this.setup);
    const session = ua.invite({
      uri,
      from: fromValue(who.from, host),
      to: `<${numberUri(called, peer.host, peer.port)}>`,
      target: peer,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(authenticator ? { authenticator } : {}),
    });
    this.session = session;
    this.log.info({ uri, trunk: trunk.name, callId: session.callId, ref: who.ref }, "INVITE sent");
    session.on("progress", (r) => this.onProgress(session, r));
    session.on("answered", (r) => this.onAnswered(session, r));
    session.on("failed", (f) => this.onFailed(session, f));
    session.on("bye", (req) => this.onBye(session, req));
    session.on("ended", (end) => this.onEnded(session, end));
    session.on("info", (inc) => inc.respond(200));
    if (trunk.noAnswerMs > 0) {
      this.noAnswerTimer?.cancel();
      this.noAnswerTimer = this.unit.clock.setTimer(trunk.noAnswerMs, () => {
        this.noAnswerTimer = undefined;
        if (this.session !== session || this.state === "answered" || this.ended) return;
        this.log.info({ trunk: trunk.name }, "no answer from the SIP peer in time: trying the next one");
        this.session = undefined;
        session.cancel({ headers: [q850Reason(CAUSE.recoveryOnTimer, LOCATION_LOCAL_PRIVATE)] });
        if (!this.advance()) {
          this.clearQsig(GATEWAY_CLEARING.sipTimer.qsigCause);
          this.finish("no answer");
        }
      });
    }
  }

  /** The next peer of the trunk, then the next trunk of the route. */
  private advance(): boolean {
    if (this.alertingSent || this.progress1Sent) return false;
    if (!this.attempts?.step()) return false;
    this.tryTarget();
    return true;
  }

  private sdpOf(m: SipMessage): string | undefined {
    const r = readBodies(m.get("Content-Type"), m.get("Content-Disposition"), m.body, { isupVersions: [], ...(this.sipTrunk && this.sipTrunk.sipt !== "off" ? { qsigVersions: [QSIG_VERSION_ISO] } : {}) });
    return r.ok ? r.sdp : undefined;
  }

  /** The first SDP answer connects the media (RFC 4497 §8.2.1.1: early media; §8.2.1.4). */
  private applySdp(m: SipMessage, sdp: string | undefined): void {
    if (sdp === undefined || this.answerApplied || !this.rtp) return;
    this.answerApplied = true;
    void this.rtp.answered(sdp).then((r) => {
      if (!r.ok) this.log.warn({ status: m.status, reason: r.reason }, "SDP answer not usable: no audio on this call");
    });
  }

  private onProgress(session: InviteClientSession, r: SipMessage): void {
    if (session !== this.session || this.ended) return;
    const status = r.status ?? 0;
    if (status === 100) return; // RFC 4497 §8.2.1.2
    const sdp = this.sdpOf(r);
    this.applySdp(r, sdp);
    // RFC 4497 §8.2.1.3: PI 8 in ALERTING only when in-band information is sent: early media from SIP.
    const p = provisionalToQsig(status, { alertingSent: this.alertingSent, progress1Sent: this.progress1Sent }, sdp !== undefined || this.answerApplied, LOCATION_LOCAL_PRIVATE);
    this.state = "early";
    if (p.message === "ALERTING") {
      if (this.call.alerting(p.ies)) this.alertingSent = true;
    } else if (p.message === "PROGRESS") {
      if (this.call.progress(p.ies)) this.progress1Sent = true;
    }
    if (p.message !== undefined) this.log.debug({ status, qsig: p.message, ref: p.ref }, "provisional response mapped");
  }

  private onAnswered(session: InviteClientSession, r: SipMessage): void {
    if (session !== this.session) return;
    this.noAnswerTimer?.cancel();
    if (this.ended || this.qsigCleared) {
      session.bye({ headers: [q850Reason(CAUSE.normal, LOCATION_LOCAL_PRIVATE)] });
      return;
    }
    this.applySdp(r, this.sdpOf(r));
    // RFC 4497 §8.2.1.4, §9.2.3: CONNECT with the connected number; Q.931 awaits CONNECT ACKNOWLEDGE (T313).
    const c = okToConnect(sipIdentityFields(r), this.unit.sipToQsigPolicy(this.sipTrunk, this.trunk, false));
    if (!this.call.connect(c.ies)) {
      this.log.warn({ state: this.call.state }, "CONNECT not accepted by call control: the SIP side is released");
      session.bye({ headers: [q850Reason(CAUSE.temporaryFailure, LOCATION_LOCAL_PRIVATE)] });
      this.finish("QSIG call gone at answer");
      return;
    }
    this.state = "answered";
    this.answeredMs = this.unit.clock.wallNow();
    this.log.info({ callId: session.callId, ref: c.ref }, "call answered");
  }

  private onFailed(session: InviteClientSession, failure: CallFailure): void {
    if (session !== this.session) return;
    this.noAnswerTimer?.cancel();
    this.session = undefined;
    this.sipCleared = true;
    if (this.ended || this.qsigCleared) {
      this.finish(`SIP attempt ended: ${failure.status} ${failure.reason}`);
      return;
    }
    const trunk = this.sipTrunk;
    if (SipAttempts.failsOver(failure, trunk) && this.advance()) {
      this.log.info({ status: failure.status, cause: failure.cause }, "SIP peer failed: next peer");
      return;
    }
    let cause: number;
    let ref: string;
    const enc = encapsulatedQsig(failure.response, trunk);
    const encCause = enc && ["DISCONNECT", "RELEASE", "RELEASE COMPLETE"].includes(String(enc.messageType)) ? findIe(enc, "cause")?.value : undefined;
    if (encCause !== undefined) {
      cause = encCause;
      ref = "RFC 3204 §3.2 (encapsulated clearing message)";
    } else if (failure.cause === "timeout") {
      cause = GATEWAY_CLEARING.sipTimer.qsigCause;
      ref = GATEWAY_CLEARING.sipTimer.ref;
    } else if (failure.cause === "transport-error" || failure.cause === "no-route" || failure.status < 400) {
      cause = GATEWAY_CLEARING.sipFailure.qsigCause;
      ref = GATEWAY_CLEARING.sipFailure.ref;
    } else {
      // RFC 3261 §20.43: the warn-code decides 488 and 606 (RFC 4497 Table 2 NOTE 8).
      const warn = /^\s*(\d{3})\s/.exec(failure.response?.get("Warning") ?? "")?.[1];
      const d = sipFinalToQsig(failure.status, warn !== undefined ? { warningCode: Number(warn) } : {}, this.trunk.sipToQsig ?? []);
      // Table 2 NOTE 7: 487 needs no cause of its own; if clearing must start, the default.
      cause = d.cause ?? SIP_TO_QSIG_DEFAULT.qsigCause;
      ref = d.ref;
    }
    // Deviation: RFC 4497 §8.4.4 asks for location "user" after a 6xx and "private network serving the
    // remote user" otherwise; the Q.931 entity writes its own location (private network serving the local user).
    this.log.info({ status: failure.status, cause, ref }, "SIP final response: QSIG call cleared");
    this.clearQsig(cause);
    this.finish(`SIP ${failure.status} ${failure.reason}`);
  }

  private onBye(session: InviteClientSession, _req: SipMessage): void {
    if (session !== this.session || this.ended) return;
    // RFC 4497 §8.4.2: BYE -> DISCONNECT with cause 16.
    const d = sipRequestClearingToQsig("BYE");
    this.sipCleared = true;
    this.clearQsig(d.cause ?? CAUSE.normal);
    this.log.info({ ref: d.ref }, "SIP side ended the call");
  }

  private onEnded(session: InviteClientSession, end: SessionEnd): void {
    if (session !== this.session) return;
    this.sipCleared = true;
    if (!this.qsigCleared) {
      // RFC 4497 §8.4.5: a SIP failure (no ACK answer, dialog gone, session timer) clears the QSIG call.
      const cause = end.cause === "remote-bye" ? CAUSE.normal : GATEWAY_CLEARING.sipFailure.qsigCause;
      this.clearQsig(cause);
    }
    this.finish(`SIP session ${end.cause}`);
  }

  protected clearQsig(cause: number): void {
    if (this.qsigCleared) return;
    this.qsigCleared = true;
    this.digitTimer?.cancel();
    this.disconnectQsig(cause);
  }

  qsig(ind: Indication): void {
    switch (ind.primitive) {
      case "INFO.ind":
        if (this.state === "collecting") this.information(ind.message);
        else this.unit.forwardInInfo(this.session, this.sipTrunk, ind.message);
        return;
      case "SETUP-COMPLETE.ind":
        this.log.debug({}, "CONNECT ACKNOWLEDGE received");
        return;
      case "NOTIFY.ind":
      case "FACILITY.ind":
        this.unit.forwardInInfo(this.session, this.sipTrunk, ind.message);
        return;
      case "DISCONNECT.ind":
        this.onQsigClearing(ind.message, undefined);
        // Q.931 §5.3.4: DISCONNECT is answered by RELEASE.
        ind.call.release();
        return;
      case "RELEASE.ind":
      case "RELEASE.conf":
        this.onQsigClearing(ind.message, ind.cause);
        this.finish(`QSIG call cleared, cause ${ind.cause}`);
        return;
      default:
        this.log.debug({ primitive: ind.primitive }, "QSIG indication not mapped on this call");
    }
  }

  /** RFC 4497 §8.4.1: the first QSIG clearing message clears the SIP side by its state. */
  private onQsigClearing(m: Q931Message | undefined, internalCause: number | undefined): void {
    this.qsigCleared = true;
    this.digitTimer?.cancel();
    this.noAnswerTimer?.cancel();
    if (this.sipCleared) return;
    this.sipCleared = true;
    const cause = (m && findIe(m, "cause")?.value) ?? internalCause ?? 31;
    const location = (m && findIe(m, "cause")?.location) ?? LOCATION_LOCAL_PRIVATE;
    const reason = q850Reason(cause, location);
    const s = this.session;
    this.session = undefined;
    if (!s || s.isEnded) return;
    if (s.state === "Confirmed") s.bye({ headers: [reason] }); // §8.4.1 1)
    else s.cancel({ headers: [reason] }); // §8.4.1 3); 4): the CANCEL waits for a provisional response (RFC 3261 §9.1)
    this.log.info({ cause, sip: s.state === "Confirmed" ? "BYE" : "CANCEL" }, "QSIG cleared: SIP side cleared");
  }

  protected releaseSip(reasonCause: number): void {
    if (this.sipCleared) return;
    this.sipCleared = true;
    const s = this.session;
    this.session = undefined;
    const reason = q850Reason(reasonCause, LOCATION_LOCAL_PRIVATE);
    if (s && !s.isEnded) {
      if (s.state === "Confirmed") s.bye({ headers: [reason] });
      else s.cancel({ headers: [reason] });
    }
  }

  protected letGoOfQsig(): void {
    this.qsigCleared = true;
    this.digitTimer?.cancel();
  }
}

// ---------------------------------------------------------------- SIP -> QSIG

class SipToQsigCall extends QsigBridgedCall {
  readonly direction = "sip-to-qsig" as const;
  state = "routing";
  private call: Q931Call | undefined;
  private answerSdp: string | undefined;
  /** Settles once the media engine has answered (or failed) the call's first offer/answer step. */
  private mediaSettled: Promise<unknown> = Promise.resolve();
  private offerless = false;
  private reliable = false;
  /** An SDP answer went in a reliable provisional response (RFC 4497 §8.3.5, §8.3.6: none in the 200 then). */
  private answerSentReliably = false;
  private earlyMediaIndicated = false;
  private progressCause: number | undefined;
  private calledNumber = "";
  private qsigCleared = false;

  constructor(
    unit: QsigSipUnit,
    id: number,
    log: Logger,
    trunk: QsigTrunkInfo,
    readonly session: InviteServerSession,
    sipTrunk: SipTrunkInfo,
  ) {
    super(unit, id, log, trunk);
    this.sipTrunk = sipTrunk;
  }

  get q931(): Q931Call | undefined {
    return this.call;
  }

  called(): string {
    return this.calledNumber;
  }

  sipCallId(): string | undefined {
    return this.session.callId;
  }

  private reject(status: number, why: string, cause?: number, qsig?: Q931Message): void {
    if (this.session.state === "Proceeding") {
      const headers: HeaderInit[] = cause !== undefined ? [q850Reason(cause, LOCATION_LOCAL_PRIVATE)] : [];
      const body = bodyFor(this.sipTrunk, undefined, qsig);
      this.session.reject(status, { reason: reasonPhrase(status, why), headers, ...(body ? { body } : {}) });
    }
    this.sipCleared = true;
    this.finish(why);
  }

  /** RFC 4497 §8.3.1: the INVITE for `target` (a QSIG trunk), already routed by the unit. */
  start(target: RouteTarget, called: string): void {
    const s = this.session;
    const sipTrunk = this.sipTrunk as SipTrunkInfo;
    this.calledNumber = called;
    s.on("cancelled", () => this.onSipGone("CANCEL"));
    s.on("bye", () => this.onSipGone("BYE"));
    s.on("confirmed", (ack) => this.onConfirmed(ack));
    s.on("ended", (end) => {
      this.sipCleared = true;
      if (!this.qsigCleared && !this.ended) {
        // RFC 4497 §8.4.5: no ACK (a SIP timer) -> 102; other SIP failures -> 41.
        const cause = end.cause === "no-ack" ? GATEWAY_CLEARING.sipTimer.qsigCause : end.cause === "remote-bye" ? CAUSE.normal : GATEWAY_CLEARING.sipFailure.qsigCause;
        this.clearQsig(cause);
      }
      this.finish(`SIP session ${end.cause}`);
    });
    s.on("info", (inc) => inc.respond(200));
    const read = readBodies(s.request.get("Content-Type"), s.request.get("Content-Disposition"), s.request.body, { isupVersions: [], ...(sipTrunk.sipt !== "off" ? { qsigVersions: [QSIG_VERSION_ISO] } : {}) });
    if (!read.ok) {
      // RFC 3204 §5: an unsupported body marked handling=required, or an unknown QSIG version.
      const headers: HeaderInit[] = read.accept !== undefined ? [{ name: "Accept", value: read.accept }] : [];
      s.reject(read.status, { reason: reasonPhrase(read.status, read.reason), headers });
      this.sipCleared = true;
      this.finish(read.reason);
      return;
    }
    const l3 = this.unit.requestsOf(this.trunk.name);
    if (!l3) {
      this.reject(503, `QSIG trunk ${this.trunk.name} is not running`, CAUSE.temporaryFailure);
      return;
    }
    const span = this.trunk.bearer(1)?.span;
    const law = span !== undefined ? this.unit.media.lawOf(span) : "alaw";
    this.reliable = has100rel(s.request);
    const fields = sipIdentityFields(s.request);
    const policy = this.unit.sipToQsigPolicy(sipTrunk, this.trunk, this.unit.callingFromFrom);
    const mapped = inviteToSetup({ ...fields, requestUriUser: called, complete: true, law }, policy);
    if (!mapped.ok) {
      this.reject(mapped.status, mapped.reason);
      return;
    }
    let ies: readonly Q931Ie[] = mapped.ies;
    const enc = read.qsig ? decodeQ931(read.qsig.octets) : undefined;
    if (enc?.ok && enc.value.messageType === "SETUP" && !ies.some((e) => e.kind === "ie" && e.name === "facility") && qsigNameOf(enc.value, "callingName")) {
      // RFC 3204 §3.2: the calling name of the encapsulated SETUP when the SIP headers give none.
      const name = enc.value.ies.find((e) => e.kind === "ie" && e.name === "facility" && qsigNameOf({ ies: [e] }, "callingName") !== undefined);
      if (name) ies = [...ies.filter((e) => !(e.kind === "ie" && e.name === "callingPartyNumber") && !(e.kind === "ie" && e.name === "calledPartyNumber")), name, ...ies.filter((e) => e.kind === "ie" && (e.name === "callingPartyNumber" || e.name === "calledPartyNumber"))];
    }
    // Q.931 §5.1.1, §5.1.2: SETUP on a hunted B-channel, the channel identification added by call control.
    const setup = l3.setup(ies);
    if (!setup.ok) {
      // RFC 4497 §8.3.1: no suitable channel -> 503; other refusals by Table 1.
      const status = setup.cause === CAUSE.noChannel ? 503 : qsigCauseToSip(setup.cause, {}, this.trunk.qsigToSip ?? []).sipStatus;
      this.log.info({ trunk: this.trunk.name, cause: setup.cause, reason: setup.reason }, "no QSIG call for the INVITE");
      this.reject(status, setup.reason, setup.cause);
      return;
    }
    this.call = setup.call;
    this.unit.track(this, setup.call);
    this.state = "calling";
    const ch = setup.call.channel;
    const bearer = ch !== undefined ? this.unit.bearerOf(this.trunk, ch) : undefined;
    this.log.info({ trunk: this.trunk.name, channel: ch, called, ref: mapped.ref }, "SETUP sent");
    if (!bearer) {
      this.log.error({ channel: ch }, "no media channel for the B-channel");
      this.clearQsig(CAUSE.resourceUnavailable);
      this.reject(503, "no media channel for the B-channel", CAUSE.resourceUnavailable);
      return;
    }
    this.rtp = new RtpLeg(this.unit.media, bearer.channel, bearer.law, this.log);
    this.offerless = read.sdp === undefined;
    const media = read.sdp !== undefined ? this.rtp.answerOffer(read.sdp) : this.rtp.offer().then((sdp) => ({ ok: true as const, sdp }));
    this.mediaSettled = media;
    media.then(
      (r) => {
        if (this.ended) return;
        if (!r.ok) {
          // RFC 4497 §10: no usable audio in the offer.
          this.clearQsig(GATEWAY_CLEARING.sipFailure.qsigCause);
          this.reject(r.status, r.reason);
          return;
        }
        this.answerSdp = r.sdp;
      },
      (e: Error) => {
        if (this.ended) return;
        this.log.error({ err: e.message }, "RTP port could not be opened");
        this.clearQsig(CAUSE.resourceUnavailable);
        this.reject(503, "no RTP port", CAUSE.resourceUnavailable);
      },
    );
  }

  /** Wait for the SDP (the engine opens the port asynchronously) before a response that carries it. */
  private whenMediaReady(fn: () => void): void {
    afterMedia(this.unit.clock, this.mediaSettled, () => this.answerSdp !== undefined || this.ended, fn);
  }

  /** RFC 4497 §8.3.3-§8.3.5: ALERTING -> 180, PROGRESS -> 183, SDP when progress description 1 or 8 came. */
  private provisional(m: Q931Message): void {
    const p = qsigToProvisional(m, this.reliable);
    if (!p) return;
    this.earlyMediaIndicated ||= p.earlyMedia;
    if (p.cause !== undefined) this.progressCause = p.cause;
    this.whenMediaReady(() => {
      if (this.ended || this.session.state !== "Proceeding") return;
      // §8.3.5: SDP when PI 1/8 was received (the answer to the INVITE's offer; with 100rel, once).
      // An offer is never put in an unreliable 18x (§8.3.5 NOTE); without 100rel an offerless INVITE gets its offer in the 200.
      const withSdp = this.earlyMediaIndicated && this.answerSdp !== undefined && !this.answerSentReliably && (!this.offerless || this.reliable);
      const body = bodyFor(this.sipTrunk, withSdp ? this.answerSdp : undefined, m);
      const delivery = this.session.progress(p.sipStatus, { reliable: p.reliable, ...(body ? { body } : {}) });
      if (withSdp && delivery !== "unreliable") this.answerSentReliably = true;
      this.state = "early";
      this.log.debug({ status: p.sipStatus, sdp: withSdp, ref: p.ref }, "QSIG progress mapped");
    });
  }

  private answered(m: Q931Message): void {
    this.whenMediaReady(() => {
      if (this.ended || this.session.state !== "Proceeding") return;
      // RFC 4497 §8.3.6, §9.1.3: 200 with the connected identity; SDP unless already exchanged reliably.
      const id = connectToOk(m, this.unit.identityPolicy(this.sipTrunk));
      const headers: HeaderInit[] = [];
      if (id.pAssertedIdentity) headers.push({ name: "P-Asserted-Identity", value: identityAddr(id.pAssertedIdentity, this.unit.localHost) });
      if (id.privacy) headers.push({ name: "Privacy", value: id.privacy });
      const body = bodyFor(this.sipTrunk, this.answerSentReliably ? undefined : this.answerSdp, m);
      this.session.accept({ headers, ...(body ? { body } : {}) });
      this.state = "answered";
      this.answeredMs = this.unit.clock.wallNow();
      this.log.info({ callId: this.session.callId, ref: id.ref }, "call answered");
    });
  }

  qsig(ind: Indication): void {
    switch (ind.primitive) {
      case "PROCEEDING.ind":
      case "MORE-INFO.ind":
        this.followChannel(); // RFC 4497 §8.3.2: nothing toward SIP
        return;
      case "ALERTING.ind":
      case "PROGRESS.ind":
        this.followChannel();
        this.provisional(ind.message);
        return;
      case "SETUP.conf":
        // Q.931 §5.1.8: the call entity has sent CONNECT ACKNOWLEDGE.
        this.followChannel();
        this.answered(ind.message);
        return;
      case "INFO.ind":
      case "NOTIFY.ind":
      case "FACILITY.ind":
        this.unit.forwardInInfo(this.session, this.sipTrunk, ind.message);
        return;
      case "DISCONNECT.ind":
        this.onQsigClearing(ind.message, undefined);
        ind.call.release(); // Q.931 §5.3.4
        return;
      case "RELEASE.ind":
      case "RELEASE.conf":
        this.onQsigClearing(ind.message, ind.cause);
        this.finish(`QSIG call cleared, cause ${ind.cause}`);
        return;
      default:
        this.log.debug({ primitive: ind.primitive }, "QSIG indication not mapped on this call");
    }
  }

  /** SIP leg state as RFC 4497 §8.4.1 distinguishes it. */
  private legState(): SipLegState | undefined {
    switch (this.session.state) {
      case "Proceeding":
        return "invite-received";
      case "Accepted":
        return "awaiting-ack";
      case "Confirmed":
        return "confirmed";
      default:
        return undefined;
    }
  }

  private onQsigClearing(m: Q931Message | undefined, internalCause: number | undefined): void {
    this.qsigCleared = true;
    if (this.sipCleared) return;
    const leg = this.legState();
    this.sipCleared = true;
    if (leg === undefined) return;
    const ie = m ? findIe(m, "cause") : undefined;
    const cause = ie?.value ?? internalCause ?? this.progressCause ?? 31;
    const reason = q850Reason(cause, ie?.location ?? LOCATION_LOCAL_PRIVATE);
    const overrides = this.trunk.qsigToSip ?? [];
    if (leg === "invite-received") {
      let status: number;
      let ref: string;
      if (m && findIe(m, "cause")) {
        const a = qsigClearingToSip(m, leg, overrides);
        status = a.action === "final-response" ? a.sipStatus : 500;
        ref = a.ref;
      } else if (m) {
        // A clearing message without a Cause: Table 1 for the cause of an earlier PROGRESS (§8.3.3), else the default.
        status = this.progressCause !== undefined ? qsigCauseToSip(this.progressCause, {}, overrides).sipStatus : 500;
        ref = "RFC 4497 §8.4.1 5), §8.3.3";
      } else {
        status = internalClearingStatus(cause, this.unit.requestsOf(this.trunk.name)?.dataLinkUp ?? false, overrides);
        ref = "RFC 4497 §8.4.5";
      }
      const body = bodyFor(this.sipTrunk, undefined, m);
      this.session.reject(status, { headers: [reason], ...(body ? { body } : {}) });
      this.log.info({ cause, status, ref }, "QSIG cleared before answer: final response sent");
      return;
    }
    // §8.4.1 1), 2): BYE, after the ACK when it has not come yet (the session defers it).
    this.session.bye({ headers: [reason] });
    this.log.info({ cause, leg }, "QSIG cleared: BYE");
  }

  private onSipGone(what: "CANCEL" | "BYE"): void {
    if (this.ended || this.qsigCleared) {
      this.sipCleared = true;
      return;
    }
    this.sipCleared = true;
    // RFC 4497 §8.4.2, §8.4.3: DISCONNECT with cause 16.
    const d = sipRequestClearingToQsig(what);
    this.clearQsig(d.cause ?? CAUSE.normal);
    this.log.info({ what, ref: d.ref }, "SIP side ended the call");
    this.finish(`${what} received`);
  }

  private onConfirmed(ack: SipMessage): void {
    // An INVITE without an offer: our offer went in the 2xx, the answer is in the ACK (RFC 4497 §8.3.8).
    if (!this.offerless || !this.rtp) return;
    const r = readBodies(ack.get("Content-Type"), ack.get("Content-Disposition"), ack.body, { isupVersions: [] });
    if (r.ok && r.sdp !== undefined) void this.rtp.answered(r.sdp);
  }

  protected clearQsig(cause: number): void {
    if (this.qsigCleared) return;
    this.qsigCleared = true;
    this.disconnectQsig(cause);
  }

  protected releaseSip(reasonCause: number): void {
    if (this.sipCleared) return;
    this.sipCleared = true;
    const reason = q850Reason(reasonCause, LOCATION_LOCAL_PRIVATE);
    if (this.session.state === "Proceeding") {
      const status = internalClearingStatus(reasonCause, false, this.trunk.qsigToSip ?? []);
      this.session.reject(status, { headers: [reason] });
    } else this.session.bye({ headers: [reason] });
  }

  protected letGoOfQsig(): void {
    this.qsigCleared = true;
  }
}

// ---------------------------------------------------------------- the unit

export class QsigSipUnit {
  ua: UserAgentCore | undefined;
  readonly clock: Clock;
  readonly routing: CallRouting;
  readonly media: CallMediaPlane;
  readonly interDigitMs: number;
  readonly localHost: string;
  readonly callingFromFrom: boolean;
  readonly peerHooks: SipPeerHooks | undefined;
  private readonly log: Logger;
  private readonly trunks: ReadonlyMap<string, QsigTrunkInfo>;
  private readonly sipTrunks: readonly SipTrunkInfo[];
  private readonly requests = new Map<string, QsigCallRequests>();
  private readonly byCall = new Map<Q931Call, QsigBridgedCall>();
  private readonly calls = new Set<QsigBridgedCall>();
  /** QSIG calls whose SIP side went with the D-channel, by trunk: cleared when the D-channel is back (or by T309). */
  private readonly orphans = new Map<Q931Call, string>();
  private otherInvites: ((session: InviteServerSession) => void) | undefined;
  private nextId = 1;
  readonly counters = { qsigToSip: 0, sipToQsig: 0, rejectedInvites: 0, unknownSource: 0, clearedByDChannelLoss: 0 };

  constructor(opts: QsigSipOptions) {
    this.log = opts.log;
    this.clock = opts.clock;
    this.routing = opts.routing;
    this.media = opts.media;
    this.interDigitMs = opts.interDigitMs;
    this.localHost = opts.localHost;
    this.callingFromFrom = opts.callingFromFrom;
    this.peerHooks = opts.peers;
    this.trunks = new Map(opts.qsigTrunks.map((t) => [t.name, t]));
    this.sipTrunks = opts.sipTrunks;
  }

  // --- IsdnCallSink (the ISDN component)

  attach(l3: QsigCallRequests, trunk: string): void {
    if (!this.trunks.has(trunk)) this.log.warn({ trunk }, "ISDN trunk without interworking configuration: its calls are refused");
    this.requests.set(trunk, l3);
  }

  detach(trunk: string): void {
    this.requests.delete(trunk);
    // The Q.931 entity stopped: its calls are gone without signalling; the SIP sides are released.
    for (const c of [...this.calls]) if (c.trunk.name === trunk) c.abort(CAUSE.temporaryFailure, CAUSE.temporaryFailure);
  }

  indication(trunk: string, ind: Indication): void {
    if (ind.primitive === "SETUP.ind") {
      this.onSetup(trunk, ind);
      return;
    }
    if ((ind.primitive === "RELEASE.ind" || ind.primitive === "RELEASE.conf") && this.orphans.delete(ind.call)) return;
    const call = this.byCall.get(ind.call);
    if (!call) {
      // A call this unit already let go of: answer the peer's clearing (Q.931 §5.3.4).
      if (ind.primitive === "DISCONNECT.ind") ind.call.release();
      else if (ind.primitive !== "RELEASE.ind" && ind.primitive !== "RELEASE.conf") this.log.debug({ trunk, primitive: ind.primitive, cr: ind.call.callReference }, "QSIG indication for no call of ours");
      return;
    }
    call.qsig(ind);
  }

  maintenance(trunk: string, event: QsigMaintenanceEvent): void {
    switch (event.kind) {
      case "d-channel-up": {
        // The calls kept under T309 (Q.931 §5.8.9) whose SIP side is gone: cleared now, cause 41.
        const left = [...this.orphans].filter(([, t]) => t === trunk).map(([c]) => c);
        for (const c of left) {
          this.orphans.delete(c);
          if (c.state === "Null") continue;
          if (c.state === "DisconnectIndication" || !c.disconnect(CAUSE.temporaryFailure)) c.release(CAUSE.temporaryFailure);
        }
        this.log.info({ trunk, cleared: left.length }, "D-channel up: calls accepted");
        return;
      }
      case "d-channel-down": {
        // Q.931 §5.8.9 already cleared the calls not active (RELEASE.ind, cause 41) and keeps the active
        // ones under T309. Their SIP side is released at once (cause 27, destination out of order: a data
        // link failure, Q.850); the QSIG calls are cleared once the D-channel is back, or by T309 expiry.
        const victims = [...this.calls].filter((c) => c.trunk.name === trunk);
        for (const c of victims) {
          const q = c.q931;
          if (q && q.state !== "Null") this.orphans.set(q, trunk);
          c.orphan(CAUSE.destinationOutOfOrder);
        }
        this.counters.clearedByDChannelLoss += victims.length;
        this.log.warn({ trunk, physical: event.physical, calls: victims.length }, "D-channel down: its calls released on both sides");
        return;
      }
      case "restart":
        // Q.931 §5.5: calls on restarted channels come back as RELEASE.ind (cause 41); §8.4.5 clears their SIP side.
        if (event.restart.primitive === "RESTART.fail") this.log.error({ trunk, channels: event.restart.channels }, "RESTART not acknowledged: B-channels left out of service");
        else this.log.info({ trunk, primitive: event.restart.primitive, channels: event.restart.channels }, "B-channels restarted");
        return;
    }
  }

  // --- SIP

  /**
   * Take INVITEs from the UA. Those not routed to a QSIG trunk go to `others`
   * (the ISUP <-> SIP unit's handler) when given, else are refused here.
   */
  attachSip(ua: UserAgentCore, others?: (session: InviteServerSession) => void): void {
    this.ua = ua;
    this.otherInvites = others;
    ua.onInvite((session) => this.onInvite(session));
  }

  detachSip(): void {
    this.ua = undefined;
    this.otherInvites = undefined;
  }

  // --- what the calls use

  requestsOf(trunk: string): QsigCallRequests | undefined {
    return this.requests.get(trunk);
  }

  sipTrunk(name: string): SipTrunkInfo | undefined {
    return this.sipTrunks.find((t) => t.name === name);
  }

  bearerOf(trunk: QsigTrunkInfo, bChannel: number): { channel: number; law: "alaw" | "ulaw" } | undefined {
    const loc = trunk.bearer(bChannel);
    if (!loc) return undefined;
    const channel = this.media.channelOf(loc.span, loc.timeslot);
    return channel === undefined ? undefined : { channel, law: this.media.lawOf(loc.span) };
  }

  /** RFC 4497 §9.1: P-Asserted-Identity and Privacy implemented; the next hop's trust is the SIP trunk's. */
  identityPolicy(trunk: SipTrunkInfo | undefined): IdentityPolicy {
    return { assertIdentity: true, trustedNextHop: trunk?.trusted ?? false };
  }

  sipToQsigPolicy(sipTrunk: SipTrunkInfo | undefined, trunk: QsigTrunkInfo, useFrom: boolean): SipToQsigPolicy {
    return { ...this.identityPolicy(sipTrunk), useFrom, local: trunk.localNumbering ?? DEFAULT_LOCAL_NUMBERING };
  }

  track(call: QsigBridgedCall, q931: Q931Call): void {
    this.byCall.set(q931, call);
    this.calls.add(call);
  }

  forget(call: QsigBridgedCall): void {
    const q = call.q931;
    if (q && this.byCall.get(q) === call) this.byCall.delete(q);
    this.calls.delete(call);
  }

  list(): QsigCallSummary[] {
    return [...this.calls].map((c) => c.summary());
  }

  /** Mid-call QSIG toward SIP: INFO with the QSIG message, on trunks that carry QSIG (RFC 3204 §3.2, RFC 6086). */
  forwardInInfo(session: InviteClientSession | InviteServerSession | undefined, trunk: SipTrunkInfo | undefined, m: Q931Message): void {
    if (!session || !trunk || trunk.sipt === "off" || session.isEnded || session.dialog === undefined) return;
    const body = sipBody({ qsig: qsigBody(m, { version: QSIG_VERSION_ISO, handling: "optional" }) });
    if (body) void session.info({ body }).catch(() => undefined);
  }

  /** Release every call (shutdown): DISCONNECT 41 to QSIG, CANCEL/BYE/final response to SIP. */
  releaseAll(cause: number = CAUSE.temporaryFailure): void {
    for (const c of [...this.calls]) c.abort(cause, cause);
  }

  private onSetup(trunkName: string, ind: WithMessage): void {
    const id = this.nextId++;
    const trunk = this.trunks.get(trunkName);
    const log = this.log.child({ call: id, trunk: trunkName, cr: ind.call.callReference, channel: ind.call.channel });
    if (!trunk) {
      log.warn({}, "SETUP on a trunk without interworking configuration refused (cause 3)");
      ind.call.disconnect(CAUSE.noRoute);
      return;
    }
    this.counters.qsigToSip++;
    const call = new QsigToSipCall(this, id, log, trunk, ind.call, ind.message);
    this.track(call, ind.call);
    log.info({ called: call.called(), complete: hasSingleIe(ind.message, "sendingComplete") }, "SETUP received");
    call.start();
  }

  private onInvite(session: InviteServerSession): void {
    const origin = session.request;
    const uri = origin.requestUri;
    const user = uri?.kind === "sip" ? (uri.user ?? "") : uri?.kind === "tel" ? (uri.global ? `+${uri.number.replace(/^\+/, "")}` : uri.number) : "";
    const called = user.replace(/[-.()\s]/g, "");
    const source = sourceOf(origin);
    const sipTrunk = this.sipTrunks.find((t) => t.peers.some((p) => stripBrackets(p.host) === source)) ?? this.sipTrunks.find((t) => t.acceptAnySource);
    const decision = sipTrunk && /^\+?[0-9*#]+$/.test(called) ? this.routing.route({ fromTrunk: sipTrunk.name, called }) : undefined;
    const first = decision?.ok ? decision.targets[0] : undefined;
    if (!sipTrunk || !decision || !first || first.kind !== "qsig") {
      if (this.otherInvites) {
        this.otherInvites(session);
        return;
      }
      this.counters.rejectedInvites++;
      if (!sipTrunk) {
        this.counters.unknownSource++;
        this.log.warn({ source, callId: session.callId }, "INVITE from an unknown source refused");
        session.reject(403, { reason: "Forbidden (unknown source)" });
      } else if (!decision) session.reject(404, { reason: reasonPhrase(404, `Request-URI user part ${JSON.stringify(user)} is not a telephone number`) });
      else if (!decision.ok) {
        const st = qsigCauseToSip(decision.cause).sipStatus;
        session.reject(st, { reason: reasonPhrase(st, decision.reason), headers: [q850Reason(decision.cause, LOCATION_LOCAL_PRIVATE)] });
      } else session.reject(404, { reason: reasonPhrase(404, `route ${decision.route} leads to no QSIG trunk`), headers: [q850Reason(CAUSE.noRoute, LOCATION_LOCAL_PRIVATE)] });
      return;
    }
    const trunk = this.trunks.get(first.trunk);
    if (!trunk) {
      this.counters.rejectedInvites++;
      session.reject(503, { reason: reasonPhrase(503, `QSIG trunk ${first.trunk} has no interworking configuration`) });
      return;
    }
    const id = this.nextId++;
    const log = this.log.child({ call: id, sipTrunk: sipTrunk.name, callId: session.callId, trunk: trunk.name });
    this.counters.sipToQsig++;
    const call = new SipToQsigCall(this, id, log, trunk, session, sipTrunk);
    this.calls.add(call);
    log.info({ called, route: decision.ok ? decision.route : "" }, "INVITE received");
    call.start(first, first.called);
  }
}

/** The address a request came from: the top Via's `received`, else its sent-by host (RFC 3261 §18.2.1). */
function sourceOf(m: SipMessage): string {
  const top = m.via[0];
  return stripBrackets(top?.received ?? top?.host ?? "");
}

function stripBrackets(h: string): string {
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}
