/**
 * The interworking unit between ISUP trunks and SIP trunks (RFC 3398, with
 * SIP-T per RFC 3372 / RFC 3204 and overlap per RFC 3578): it is the ISUP
 * user (Q.764 primitives, as the CallSink of the SS7 component) and the
 * handler of incoming INVITEs, routes each call, and runs it to the end on
 * both sides, with its audio switched by the media engine.
 *
 * PSTN origination (IAM in):            SIP origination (INVITE in):
 *   IAM (+SAM...)  -> route -> INVITE      INVITE -> route -> IAM
 *   18x            -> ACM / CPG            ACM / CPG -> 180 / 183 (+SDP)
 *   200            -> ANM / CON            ANM / CON -> 200 (+SDP)
 *   4xx-6xx        -> REL (§8.2.6.1)       REL -> final response (§7.2.4.1)
 *   BYE            -> REL 16               CANCEL / BYE -> REL 16
 *   REL            -> CANCEL / BYE         REL (answered) -> BYE
 * Every BYE, CANCEL and final response for a released call carries the Q.850
 * cause in a Reason header (RFC 3326); a Reason with a Q.850 cause that
 * arrives is the cause of the REL sent (RFC 3398 §8.2.6.1 note).
 */
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { MaintenanceAlert } from "../../ss7/isup/circuits/maintenance-alert.js";
import type { IsupMessage, IsupVariant } from "../../ss7/isup/codec/index.js";
import { decodeIsup, getParameter } from "../../ss7/isup/codec/index.js";
import type { CallId, CircuitRef, IsupIndication, IsupUser } from "../../ss7/isup/call/primitives.js";
import type { SipMessage } from "../../sip/syntax/message.js";
import type { BodyInit, HeaderInit } from "../../sip/transaction/messages.js";
import type { CallFailure, IncomingRequest, InviteClientSession, InviteServerSession, SessionEnd, SessionEvents, UserAgentCore } from "../../sip/ua/index.js";
import type { IsupToSipRow, SipToIsupRow } from "../../../mappings/rfc3398-causes.js";
import { SIP_TO_ISUP_DEFAULT } from "../../../mappings/rfc3398-causes.js";
import { isupCauseToSip, sipStatusToIsup } from "../cause-mapping.js";
import { isupBodyPart, sipBody } from "../sip-t/body-parts.js";
import type { SiptBodies } from "./bodies.js";
import { readSiptBodies } from "./bodies.js";
import type { IsupSipMapping, MappingContext } from "./mapping.js";
import type { BearerLocation, CallMediaPlane } from "./media-plane.js";
import { q850CauseOf, q850Reason } from "./reason.js";
import type { CallRouting } from "./routing.js";
import { RtpLeg } from "./rtp-leg.js";
import type { SipPeerHooks, SipTrunkInfo } from "./sip-attempts.js";
import { SipAttempts, afterMedia, reasonPhrase } from "./sip-attempts.js";

/** The requests the unit makes on ISUP (the request side of the ISUP node). */
export interface IsupCallRequests {
  setupRequest(req: { readonly group: string; readonly iam: IsupMessage }):
    | { readonly ok: true; readonly call: CallId; readonly circuit: CircuitRef }
    | { readonly ok: false; readonly reason: string; readonly cause: number };
  addressCompleteRequest(call: CallId, acm: IsupMessage): RequestResult;
  progressRequest(call: CallId, cpg: IsupMessage): RequestResult;
  answerRequest(call: CallId, answer: IsupMessage): RequestResult;
  releaseRequest(call: CallId, req: { readonly cause: number; readonly location: number; readonly diagnostics?: string } | IsupMessage): RequestResult;
  callMessageRequest(call: CallId, m: IsupMessage): RequestResult;
  suspendRequest(call: CallId, sus: IsupMessage): RequestResult;
  resumeRequest(call: CallId, res: IsupMessage): RequestResult;
  informationRequest(call: CallId, inr: IsupMessage): RequestResult;
  informationResponse(call: CallId, inf: IsupMessage): RequestResult;
}

type RequestResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface IsupTrunkInfo {
  readonly name: string;
  /** Trunk rows consulted before the RFC 3398 cause tables (`ss7.trunks[].mappings`). */
  readonly isupToSip?: readonly IsupToSipRow[];
  readonly sipToIsup?: readonly SipToIsupRow[];
  /** Where a CIC's bearer is on the card. */
  bearer(cic: number): BearerLocation | undefined;
}

export type { SipPeerHooks, SipTrunkInfo, SipTrunkPeer } from "./sip-attempts.js";

export interface InterworkingOptions {
  readonly log: Logger;
  readonly clock: Clock;
  readonly routing: CallRouting;
  readonly mapping: IsupSipMapping;
  readonly variant: IsupVariant;
  readonly isupTrunks: readonly IsupTrunkInfo[];
  readonly sipTrunks: readonly SipTrunkInfo[];
  readonly media: CallMediaPlane;
  readonly countryCode: string;
  /** Overlap receiving: wait this long for another SAM (RFC 3578 §2 digit collection). */
  readonly interDigitMs: number;
  /** Q.850 location of causes this gateway generates (Q.850 §2.2.5). */
  readonly causeLocation: number;
  /** Host for From and Contact when the transport gives none. */
  readonly localHost: string;
  readonly peers?: SipPeerHooks;
}

/** One line per call, for management and the demo's ladders. */
export interface CallSummary {
  readonly id: number;
  readonly direction: "pstn-to-sip" | "sip-to-pstn";
  readonly state: string;
  readonly isupTrunk: string;
  readonly cic: number | undefined;
  readonly sipTrunk: string | undefined;
  readonly callId: string | undefined;
  readonly called: string;
  readonly startedMs: number;
  readonly answeredMs: number | undefined;
}

/** Q.850 causes the unit gives itself. */
const CAUSE = {
  normal: 16,
  noRoute: 3,
  invalidNumber: 28,
  noCircuit: 34,
  temporaryFailure: 41,
  resourceUnavailable: 47,
  recoveryOnTimer: 102,
  interworking: 127,
} as const;

const STRIP_CIC = 2; // Q.763 §1.2: the CIC takes two octets in ITU and ANSI alike

abstract class BridgedCall {
  readonly startedMs: number;
  answeredMs: number | undefined;
  ended = false;
  isupCall: CallId | undefined;
  circuit: CircuitRef | undefined;
  rtp: RtpLeg | undefined;
  sipTrunk: SipTrunkInfo | undefined;
  acmSent = false;
  abstract readonly direction: CallSummary["direction"];
  abstract state: string;

  constructor(
    readonly unit: IsupSipUnit,
    readonly id: number,
    readonly log: Logger,
  ) {
    this.startedMs = unit.clock.wallNow();
  }

  abstract called(): string;
  abstract sipCallId(): string | undefined;

  summary(): CallSummary {
    return {
      id: this.id,
      direction: this.direction,
      state: this.state,
      isupTrunk: this.circuit?.group ?? "",
      cic: this.circuit?.cic,
      sipTrunk: this.sipTrunk?.name,
      callId: this.sipCallId(),
      called: this.called(),
      startedMs: this.startedMs,
      answeredMs: this.answeredMs,
    };
  }

  /** Release the ISUP side with a cause (Q.764 §2.3.1); the RLC comes back as RELEASE.ind... never: ISUP answers RLC itself. */
  releaseIsup(cause: number, location = this.unit.causeLocation): void {
    if (this.isupCall === undefined) return;
    const r = this.unit.isup?.releaseRequest(this.isupCall, { cause, location });
    if (r && !r.ok) this.log.warn({ cause, reason: r.reason }, "ISUP release refused");
  }

  /**
   * RFC 3398 §10.1: a BYE ends the call with REL; on a SIP-T trunk the REL
   * encapsulated in the BYE (RFC 3372 §5) is the one sent, so its cause,
   * location and diagnostics cross the bridge unchanged; otherwise cause 16,
   * or the Q.850 cause of its Reason header (RFC 3326).
   */
  releaseFromBye(req: SipMessage): void {
    if (this.isupCall === undefined) return;
    const trunk = this.sipTrunk;
    if (trunk && trunk.sipt !== "off") {
      const b = readSiptBodies(req, [trunk.isupVersion]);
      const d = b.ok && b.bodies.isup ? decodeIsup(b.bodies.isup.octets, { variant: this.unit.variant, sipt: true }) : undefined;
      if (d?.ok && d.value.messageType === "REL") {
        const r = this.unit.isup?.releaseRequest(this.isupCall, d.value);
        if (r?.ok) return;
      }
    }
    const reason = q850CauseOf(req);
    this.releaseIsup(reason?.cause ?? CAUSE.normal, reason?.location ?? this.unit.causeLocation);
  }

  /** BYE options for a REL from the PSTN: the cause in Reason, and on SIP-T trunks the REL itself (RFC 3398 §10.2). */
  byeFor(cause: number, location: number, relOctets: Uint8Array | undefined): { headers: HeaderInit[]; body?: BodyInit } {
    const headers = [q850Reason(cause, location)];
    const trunk = this.sipTrunk;
    if (!trunk || trunk.sipt === "off" || !relOctets) return { headers };
    const body = sipBody({ isup: isupBodyPart(siptOctets(relOctets), { version: trunk.isupVersion, handling: trunk.sipt }) });
    return body ? { headers, body } : { headers };
  }

  /** The call is over on both sides: free the media and forget it. */
  finish(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.state = "ended";
    void this.rtp?.close();
    this.unit.forget(this);
    this.log.info({ why, durationMs: this.answeredMs !== undefined ? this.unit.clock.wallNow() - this.answeredMs : 0 }, "call ended");
  }

  /** The SIP session of the call, once there is one. */
  abstract sipSession(): InviteClientSession | InviteServerSession | undefined;

  /**
   * Offers within the dialog (re-INVITE, UPDATE: RFC 3261 §14, RFC 3311) are
   * answered from the media engine; a hold or its end becomes a CPG with the
   * generic notification 'remote hold' / 'remote retrieval' (RFC 3398 §9.2,
   * Q.763 §3.25). An offerless re-INVITE gets our offer in the 2xx and its
   * answer from the ACK (RFC 3261 §14.2).
   */
  watchMidCall(session: InviteClientSession | InviteServerSession): void {
    const onOffer = (inc: IncomingRequest, what: string): void => {
      const rtp = this.rtp;
      if (!rtp || this.ended) {
        inc.reject(481);
        return;
      }
      const trunkVersions = this.sipTrunk ? [this.sipTrunk.isupVersion] : [];
      const read = readSiptBodies(inc.request, trunkVersions);
      if (!read.ok) {
        inc.reject(read.status, read.accept !== undefined ? { headers: [{ name: "Accept", value: read.accept }] } : {});
        return;
      }
      if (inc.bodyRole !== "offer" || read.bodies.sdp === undefined) {
        if (inc.request.method === "INVITE") {
          void rtp.offer().then((sdp) => {
            if (!inc.responded) inc.accept({ body: { contentType: "application/sdp", content: sdp } });
          });
        } else inc.accept();
        return;
      }
      const wasHeld = rtp.heldByRemote;
      void rtp.answerOffer(read.bodies.sdp).then((r) => {
        if (inc.responded) return;
        if (!r.ok) {
          inc.reject(r.status === 400 ? 400 : 488);
          this.log.warn({ what, reason: r.reason }, "offer in the dialog refused");
          return;
        }
        inc.accept({ body: { contentType: "application/sdp", content: r.sdp } });
        if (rtp.heldByRemote !== wasHeld) this.notifyHold(rtp.heldByRemote);
      });
    };
    // Both kinds of session emit the shared events (SessionEvents).
    const shared = session as unknown as { on<K extends keyof SessionEvents>(event: K, listener: SessionEvents[K]): unknown };
    shared.on("reinvite", (inc) => onOffer(inc, "re-INVITE"));
    shared.on("update", (inc) => onOffer(inc, "UPDATE"));
    shared.on("ack", (ack, role) => {
      if (role !== "answer" || !this.rtp) return;
      const b = readSiptBodies(ack, []);
      if (b.ok && b.bodies.sdp !== undefined) void this.rtp.answered(b.bodies.sdp);
    });
  }

  /** RFC 3398 §9.2: CPG, event progress, generic notification remote hold (0x79) or remote retrieval (0x7A). */
  private notifyHold(held: boolean): void {
    if (this.isupCall === undefined) return;
    const cpg: IsupMessage = {
      messageType: "CPG",
      parameters: [
        { name: "eventInformation", value: { eventIndicator: 2, eventPresentationRestrictedIndicator: 0 } },
        { name: "genericNotificationIndicator", raw: held ? "f9" : "fa" },
      ],
    };
    const r = this.unit.isup?.progressRequest(this.isupCall, cpg);
    if (r && !r.ok) this.log.debug({ reason: r.reason }, "hold notification not sent");
    this.log.info({ held }, held ? "SIP side holds the call" : "SIP side retrieves the call");
  }

  /**
   * RFC 3398 §9.1: SUS/RES from the PSTN. Towards a SIP-T peer the message
   * travels in INFO (the far gateway reproduces it); otherwise a re-INVITE
   * holds (sendonly) or resumes (sendrecv) the media.
   */
  suspendOrResume(suspend: boolean, octets: Uint8Array): void {
    const session = this.sipSession();
    if (!session || session.isEnded || session.dialog === undefined) return;
    if (this.sipTrunk && this.sipTrunk.sipt !== "off") {
      this.unit.forwardInInfo(session, this.sipTrunk, octets);
      return;
    }
    const rtp = this.rtp;
    if (!rtp) return;
    void rtp.offer(suspend ? "sendonly" : "sendrecv").then(async (sdp) => {
      const out = await session.reinvite({ body: { contentType: "application/sdp", content: sdp } });
      if (out.kind === "response" && (out.response.status ?? 0) < 300) {
        const b = readSiptBodies(out.response, []);
        if (b.ok && b.bodies.sdp !== undefined) await rtp.answered(b.bodies.sdp);
      } else this.log.warn({ suspend, outcome: out.kind }, "re-INVITE for SUS/RES not accepted");
    });
  }

  /** An ISUP indication for this call. */
  abstract isup(ind: IsupIndication): void;

  /** End the call on both sides with `cause` (shutdown). */
  abstract abort(cause: number): void;
}

/** ISUP message octets without the CIC, for an application/ISUP body (RFC 3204 §3.1). */
function siptOctets(octets: Uint8Array): Uint8Array {
  return octets.subarray(STRIP_CIC);
}

// ---------------------------------------------------------------- PSTN -> SIP

class PstnToSipCall extends BridgedCall {
  readonly direction = "pstn-to-sip" as const;
  state = "collecting";
  private digits: string;
  private complete: boolean;
  private digitTimer: TimerHandle | undefined;
  private noAnswerTimer: TimerHandle | undefined;
  private attempts: SipAttempts | undefined;
  private session: InviteClientSession | undefined;
  private offerSdp: string | undefined;
  private answerApplied = false;
  private releasedByIsup = false;

  constructor(
    unit: IsupSipUnit,
    id: number,
    log: Logger,
    readonly fromTrunk: string,
    readonly iam: IsupMessage,
    readonly iamOctets: Uint8Array,
    call: CallId,
    circuit: CircuitRef,
    addressComplete: boolean,
  ) {
    super(unit, id, log);
    this.isupCall = call;
    this.circuit = circuit;
    const cdpn = getParameter(iam, "calledPartyNumber") as { digits?: string } | undefined;
    const raw = cdpn?.digits ?? "";
    // Q.763 §3.9: address signal 1111 (ST) ends the number.
    const st = /[Ff#]$/.test(raw) && raw.length > 0;
    this.digits = st ? raw.slice(0, -1) : raw;
    this.complete = addressComplete || st;
  }

  called(): string {
    return this.digits;
  }

  sipCallId(): string | undefined {
    return this.session?.callId;
  }

  sipSession(): InviteClientSession | undefined {
    return this.session;
  }

  start(): void {
    if (!this.complete && this.unit.routing.mayGrow({ fromTrunk: this.fromTrunk, called: this.digits })) {
      this.armDigitTimer();
      return;
    }
    this.route();
  }

  private armDigitTimer(): void {
    this.digitTimer?.cancel();
    this.digitTimer = this.unit.clock.setTimer(this.unit.interDigitMs, () => {
      this.digitTimer = undefined;
      this.log.debug({ digits: this.digits }, "no more digits: number taken as complete");
      this.route();
    });
  }

  private moreDigits(digits: string, complete: boolean): void {
    if (this.state !== "collecting") return;
    const st = /[Ff#]$/.test(digits);
    this.digits += st ? digits.slice(0, -1) : digits;
    if (complete || st || !this.unit.routing.mayGrow({ fromTrunk: this.fromTrunk, called: this.digits })) {
      this.digitTimer?.cancel();
      this.digitTimer = undefined;
      this.route();
    } else this.armDigitTimer();
  }

  private route(): void {
    this.state = "routing";
    const d = this.unit.routing.route({ fromTrunk: this.fromTrunk, called: this.digits });
    if (!d.ok) {
      this.log.info({ called: this.digits, cause: d.cause, reason: d.reason }, "call not routed");
      this.releaseIsup(d.cause);
      this.finish(d.reason);
      return;
    }
    const targets = d.targets.filter((t) => t.kind === "sip");
    this.attempts = new SipAttempts(targets, (name) => this.unit.sipTrunk(name), this.unit.peerHooks);
    if (targets.length === 0) {
      this.log.warn({ route: d.route }, "route leads to no SIP trunk: this unit bridges ISUP to SIP only");
      this.releaseIsup(CAUSE.noRoute);
      this.finish("route has no SIP trunk");
      return;
    }
    const bearer = this.circuit ? this.unit.bearerOf(this.circuit) : undefined;
    if (!bearer) {
      this.log.error({ circuit: this.circuit }, "no media channel for the circuit");
      this.releaseIsup(CAUSE.resourceUnavailable);
      this.finish("no media channel");
      return;
    }
    this.rtp = new RtpLeg(this.unit.media, bearer.channel, bearer.law, this.log);
    this.rtp.offer().then(
      (sdp) => {
        this.offerSdp = sdp;
        if (!this.ended) this.tryTarget();
      },
      (e: Error) => {
        this.log.error({ err: e.message }, "RTP port could not be opened");
        this.releaseIsup(CAUSE.resourceUnavailable);
        this.finish("no RTP port");
      },
    );
  }

  /** Send the INVITE to the current peer of the current target trunk (RFC 3398 §7.1). */
  private tryTarget(): void {
    if (this.ended || this.releasedByIsup) return;
    const attempt = this.attempts?.current();
    if (!attempt) {
      const down = this.attempts?.skipped ?? [];
      if (down.length > 0) this.log.info({ peers: down }, "peers down (keep-alive): skipped");
      // Every peer down is a temporary failure (Q.850 41); a route with no SIP hop at all, no route (3).
      this.releaseIsup(down.length > 0 ? CAUSE.temporaryFailure : CAUSE.noRoute);
      this.finish(down.length > 0 ? "every peer is down" : "no SIP trunk left to try");
      return;
    }
    const { target, trunk, peer, authenticator } = attempt;
    this.sipTrunk = trunk;
    this.state = "calling";
    const ctx = this.unit.mappingContext(trunk);
    const f = this.unit.mapping.inviteFields(this.iam, target.called, ctx, peer);
    if (!f.ok) {
      this.log.info({ called: target.called, reason: f.reason }, "called number cannot be written as a SIP URI");
      this.releaseIsup(f.cause);
      this.finish(f.reason);
      return;
    }
    const uri = peer.protocol !== "udp" ? `${f.requestUri};transport=${peer.protocol}` : f.requestUri;
    const body = sipBody({
      ...(this.offerSdp !== undefined ? { sdp: this.offerSdp } : {}),
      ...(trunk.sipt !== "off" ? { isup: isupBodyPart(siptOctets(this.iamOctets), { version: trunk.isupVersion, handling: trunk.sipt }) } : {}),
    });
    const ua = this.unit.ua;
    if (!ua) {
      this.releaseIsup(CAUSE.temporaryFailure);
      this.finish("SIP is not running");
      return;
    }
    const session = ua.invite({
      uri,
      from: f.from,
      to: f.to,
      target: peer,
      headers: [...f.headers],
      ...(authenticator ? { authenticator } : {}),
      ...(body !== undefined ? { body } : {}),
    });
    this.session = session;
    this.log.info({ uri, trunk: trunk.name, callId: session.callId }, "INVITE sent");
    session.on("progress", (r) => this.onProgress(session, r));
    session.on("answered", (r) => this.onAnswered(session, r));
    session.on("failed", (failure) => this.onFailed(session, failure));
    session.on("bye", (req) => this.onBye(session, req));
    session.on("ended", (end) => this.onEnded(session, end));
    session.on("info", (inc) => {
      this.unit.passMidCallIsup(this, inc.request);
      inc.respond(200);
    });
    this.watchMidCall(session);
    if (trunk.noAnswerMs > 0) {
      this.noAnswerTimer?.cancel();
      this.noAnswerTimer = this.unit.clock.setTimer(trunk.noAnswerMs, () => {
        this.noAnswerTimer = undefined;
        if (this.session === session && this.state !== "answered" && !this.ended) {
          this.log.info({ trunk: trunk.name }, "no answer from the SIP peer in time: trying the next one");
          this.abandonAndNext(session);
        }
      });
    }
  }

  private abandonAndNext(session: InviteClientSession): void {
    this.session = undefined;
    session.cancel({ headers: [q850Reason(CAUSE.recoveryOnTimer, this.unit.causeLocation)] });
    if (!this.advance()) {
      this.releaseIsup(CAUSE.recoveryOnTimer);
      this.finish("no answer");
    }
  }

  /** The next peer of the trunk, then the next trunk of the route (RFC 3398 §8 failover). */
  private advance(): boolean {
    if (!this.attempts?.step()) return false;
    this.tryTarget();
    return true;
  }

  private async applySdp(m: SipMessage, bodies: SiptBodies): Promise<void> {
    if (bodies.sdp === undefined || this.answerApplied || !this.rtp) return;
    this.answerApplied = true;
    const r = await this.rtp.answered(bodies.sdp);
    if (!r.ok) this.log.warn({ status: m.status, reason: r.reason }, "SDP answer not usable: no audio on this call");
  }

  private bodies(m: SipMessage): SiptBodies {
    const b = readSiptBodies(m, this.sipTrunk ? [this.sipTrunk.isupVersion] : []);
    return b.ok ? b.bodies : {};
  }

  /** RFC 3372 §5: an encapsulated ISUP message of the expected kind is what goes to the PSTN. */
  private encapsulated(bodies: SiptBodies, expect: readonly string[]): IsupMessage | undefined {
    if (this.sipTrunk?.sipt === "off" || !bodies.isup) return undefined;
    const d = decodeIsup(bodies.isup.octets, { variant: this.unit.variant, sipt: true });
    return d.ok && expect.includes(d.value.messageType) ? d.value : undefined;
  }

  private onProgress(session: InviteClientSession, r: SipMessage): void {
    if (session !== this.session || this.ended) return;
    const status = r.status ?? 0;
    if (status === 100) return;
    const bodies = this.bodies(r);
    void this.applySdp(r, bodies);
    const withMedia = bodies.sdp !== undefined || this.answerApplied;
    const ctx = this.unit.mappingContext(this.sipTrunk as SipTrunkInfo);
    const encapsulated = this.encapsulated(bodies, this.acmSent ? ["CPG"] : ["ACM", "CPG"]);
    const msgs = encapsulated ? [encapsulated] : this.unit.mapping.backward(status, withMedia, this.acmSent, ctx);
    if (this.isupCall === undefined) return;
    for (const msg of msgs) {
      const res = msg.messageType === "ACM" && !this.acmSent ? this.unit.isup?.addressCompleteRequest(this.isupCall, msg) : this.unit.isup?.progressRequest(this.isupCall, msg);
      if (res && !res.ok) this.log.warn({ status, reason: res.reason }, `${msg.messageType} not sent`);
      if (msg.messageType === "ACM") this.acmSent = true;
    }
    this.state = "early";
  }

  private onAnswered(session: InviteClientSession, r: SipMessage): void {
    if (session !== this.session) return;
    this.noAnswerTimer?.cancel();
    if (this.ended || this.releasedByIsup) {
      session.bye({ headers: [q850Reason(CAUSE.normal, this.unit.causeLocation)] });
      return;
    }
    const bodies = this.bodies(r);
    void this.applySdp(r, bodies);
    const ctx = this.unit.mappingContext(this.sipTrunk as SipTrunkInfo);
    const msg = this.encapsulated(bodies, ["ANM", "CON"]) ?? this.unit.mapping.answer(this.acmSent, ctx);
    // Q.764 §2.1.4.1: after an ACM the answer is an ANM, whatever the far gateway encapsulated.
    const fixed = msg.messageType === "CON" && this.acmSent ? this.unit.mapping.answer(true, ctx) : msg;
    if (this.isupCall !== undefined) {
      const res = this.unit.isup?.answerRequest(this.isupCall, fixed);
      if (res && !res.ok) this.log.warn({ reason: res.reason }, `${fixed.messageType} not sent`);
    }
    this.state = "answered";
    this.answeredMs = this.unit.clock.wallNow();
    this.log.info({ callId: session.callId }, "call answered");
  }

  private onFailed(session: InviteClientSession, failure: CallFailure): void {
    if (session !== this.session) return;
    this.noAnswerTimer?.cancel();
    this.session = undefined;
    if (this.ended || this.releasedByIsup) {
      this.finish(`SIP attempt ended: ${failure.status} ${failure.reason}`);
      return;
    }
    const trunk = this.sipTrunk;
    const status = failure.status;
    const noResponse = failure.cause === "timeout" || failure.cause === "transport-error";
    if (SipAttempts.failsOver(failure, trunk) && !this.acmSent && this.advance()) {
      this.log.info({ status, cause: failure.cause }, "SIP peer failed: next peer");
      return;
    }
    // RFC 3398 §8.2.6.1; a Q.850 Reason in the response is the cause to use (RFC 3326 §2).
    const reason = q850CauseOf(failure.response);
    // RFC 3261 §20.43: the warn-code of a Warning header decides 488 and 606 (RFC 3398 §8.2.6.1).
    const warn = /^\s*(\d{3})\s/.exec(failure.response?.get("Warning") ?? "")?.[1];
    const mapped = sipStatusToIsup(noResponse && status === 0 ? 408 : status, warn !== undefined ? { warningCode: Number(warn) } : {}, this.unit.causeOverrides(this.circuit).sipToIsup);
    const bodies = failure.response ? this.bodies(failure.response) : {};
    const rel = this.encapsulated(bodies, ["REL"]);
    if (rel && this.isupCall !== undefined) this.unit.isup?.releaseRequest(this.isupCall, rel);
    // A status without a row of its own (487 not caused by our CANCEL) takes the table's default, 31.
    else this.releaseIsup(reason?.cause ?? mapped.isupCause ?? SIP_TO_ISUP_DEFAULT.isupCause, reason?.location ?? mapped.location);
    this.finish(`SIP ${status} ${failure.reason}`);
  }

  private onBye(session: InviteClientSession, req: SipMessage): void {
    if (session !== this.session) return;
    this.releaseFromBye(req);
  }

  private onEnded(session: InviteClientSession, end: SessionEnd): void {
    if (session !== this.session) return;
    if (!this.releasedByIsup && end.cause !== "remote-bye") this.releaseIsup(CAUSE.temporaryFailure);
    this.finish(`SIP session ${end.cause}`);
  }

  isup(ind: IsupIndication): void {
    switch (ind.primitive) {
      case "SUBSEQUENT-ADDRESS.ind":
        this.moreDigits(ind.digits, ind.addressComplete);
        return;
      case "EARLY-ACM.ind":
        // Q.764 §2.1.4.6: T11 made ISUP send the ACM; the SIP side's 18x become CPGs.
        this.acmSent = true;
        return;
      case "SUSPEND.ind":
      case "RESUME.ind":
        this.suspendOrResume(ind.primitive === "SUSPEND.ind", ind.octets);
        return;
      case "RELEASE.ind":
        this.onIsupRelease(ind.cause, ind.location, ind.octets);
        return;
      case "CALL-MESSAGE.ind":
      case "INFORMATION.ind":
      case "INFORMATION-REQUEST.ind":
        this.unit.forwardInInfo(this.session, this.sipTrunk, ind.octets);
        return;
      default:
        this.log.debug({ primitive: ind.primitive }, "ISUP indication not mapped on this call");
    }
  }

  abort(cause: number): void {
    if (this.ended) return;
    this.releaseIsup(cause);
    this.onIsupRelease(cause, this.unit.causeLocation, undefined);
  }

  private onIsupRelease(cause: number, location: number, relOctets: Uint8Array | undefined): void {
    this.releasedByIsup = true;
    this.digitTimer?.cancel();
    this.noAnswerTimer?.cancel();
    const session = this.session;
    const reason = q850Reason(cause, location);
    if (session && !session.isEnded) {
      if (this.state === "answered") {
        // RFC 3398 §10.2: REL after answer -> BYE with the cause in Reason (and the REL itself on SIP-T).
        session.bye(this.byeFor(cause, location, relOctets));
      } else session.cancel({ headers: [reason] }); // RFC 3398 §8.2.7: REL before answer -> CANCEL (it carries no body)
      this.session = undefined;
    }
    this.finish(`ISUP released, cause ${cause}`);
  }
}

// ---------------------------------------------------------------- SIP -> PSTN

class SipToPstnCall extends BridgedCall {
  readonly direction = "sip-to-pstn" as const;
  state = "routing";
  private answerSdp: string | undefined;
  /** Settles once the media engine has answered (or failed) the call's first offer/answer step. */
  private mediaSettled: Promise<unknown> = Promise.resolve();
  private offerless = false;
  private provisionalWithSdp = false;
  private releasedByIsup = false;
  private calledNumber = "";

  constructor(
    unit: IsupSipUnit,
    id: number,
    log: Logger,
    readonly session: InviteServerSession,
    trunk: SipTrunkInfo,
  ) {
    super(unit, id, log);
    this.sipTrunk = trunk;
  }

  called(): string {
    return this.calledNumber;
  }

  sipCallId(): string | undefined {
    return this.session.callId;
  }

  sipSession(): InviteServerSession {
    return this.session;
  }

  private reject(status: number, reason: string, cause?: number): void {
    const headers: HeaderInit[] = cause !== undefined ? [q850Reason(cause, this.unit.causeLocation)] : [];
    if (this.session.state === "Proceeding") this.session.reject(status, { reason: reasonPhrase(status, reason), headers });
    this.finish(reason);
  }

  start(): void {
    const s = this.session;
    const trunk = this.sipTrunk as SipTrunkInfo;
    s.on("cancelled", (cancel) => this.onSipGone(cancel, "CANCEL"));
    s.on("bye", (bye) => this.onSipGone(bye, "BYE"));
    s.on("confirmed", (ack) => this.onConfirmed(ack));
    s.on("ended", (end) => {
      if (!this.releasedByIsup && !this.ended) this.releaseIsup(end.cause === "no-ack" ? CAUSE.recoveryOnTimer : CAUSE.normal);
      this.finish(`SIP session ${end.cause}`);
    });
    s.on("info", (inc) => {
      this.unit.passMidCallIsup(this, inc.request);
      inc.respond(200);
    });
    this.watchMidCall(s);
    const read = readSiptBodies(s.request, [trunk.isupVersion]);
    if (!read.ok) {
      // RFC 3204 §5: an unsupported body marked handling=required, or an unknown ISUP version.
      const headers: HeaderInit[] = read.accept !== undefined ? [{ name: "Accept", value: read.accept }] : [];
      s.reject(read.status, { reason: reasonPhrase(read.status, read.reason), headers });
      this.finish(read.reason);
      return;
    }
    const bodies = read.bodies;
    const uri = s.request.requestUri;
    const user = uri?.kind === "sip" ? (uri.user ?? "") : uri?.kind === "tel" ? (uri.global ? `+${uri.number}` : uri.number) : "";
    const called = user.replace(/[-.()\s]/g, "");
    this.calledNumber = called;
    if (!/^\+?[0-9*#]+$/.test(called)) {
      this.reject(404, `Request-URI user part ${JSON.stringify(user)} is not a telephone number`);
      return;
    }
    const d = this.unit.routing.route({ fromTrunk: trunk.name, called });
    if (!d.ok) {
      const st = isupCauseToSip(d.cause, {});
      this.reject(st.sipStatus ?? 404, d.reason, d.cause);
      return;
    }
    const target = d.targets.find((t) => t.kind === "isup");
    if (!target) {
      this.reject(404, `route ${d.route} leads to no ISUP trunk`, CAUSE.noRoute);
      return;
    }
    let base: IsupMessage | undefined;
    if (trunk.sipt !== "off" && bodies.isup) {
      const dec = decodeIsup(bodies.isup.octets, { variant: this.unit.variant, sipt: true });
      if (dec.ok && dec.value.messageType === "IAM") base = dec.value;
      else this.log.warn({ reason: dec.ok ? `a ${dec.value.messageType}, not an IAM` : dec.error.reason }, "encapsulated ISUP in the INVITE not used");
    }
    const iam = this.unit.mapping.iam(s.request, target.called, base, this.unit.mappingContext(trunk));
    if (!iam.ok) {
      this.reject(iam.status, iam.reason);
      return;
    }
    const isup = this.unit.isup;
    if (!isup) {
      this.reject(503, "the SS7 side is not running", CAUSE.temporaryFailure);
      return;
    }
    const setup = isup.setupRequest({ group: target.trunk, iam: iam.iam });
    if (!setup.ok) {
      const st = isupCauseToSip(setup.cause, {}, this.unit.causeOverrides(target.trunk).isupToSip);
      this.log.info({ trunk: target.trunk, cause: setup.cause, reason: setup.reason }, "no circuit for the call");
      this.reject(st.sipStatus ?? 503, setup.reason, setup.cause);
      return;
    }
    this.isupCall = setup.call;
    this.circuit = setup.circuit;
    this.unit.track(this);
    this.state = "calling";
    const bearer = this.unit.bearerOf(setup.circuit);
    if (!bearer) {
      this.log.error({ circuit: setup.circuit }, "no media channel for the circuit");
      this.releaseIsup(CAUSE.resourceUnavailable);
      this.reject(503, "no media channel for the circuit", CAUSE.resourceUnavailable);
      return;
    }
    this.rtp = new RtpLeg(this.unit.media, bearer.channel, bearer.law, this.log);
    const media = bodies.sdp !== undefined ? this.rtp.answerOffer(bodies.sdp) : this.rtp.offer().then((sdp) => ({ ok: true as const, sdp }));
    this.offerless = bodies.sdp === undefined;
    this.mediaSettled = media;
    media.then(
      (r) => {
        if (this.ended) return;
        if (!r.ok) {
          this.releaseIsup(CAUSE.interworking);
          this.reject(r.status, r.reason);
          return;
        }
        this.answerSdp = r.sdp;
      },
      (e: Error) => {
        if (this.ended) return;
        this.log.error({ err: e.message }, "RTP port could not be opened");
        this.releaseIsup(CAUSE.resourceUnavailable);
        this.reject(503, "no RTP port", CAUSE.resourceUnavailable);
      },
    );
    this.log.info({ trunk: target.trunk, cic: setup.circuit.cic, called: target.called }, "IAM sent");
  }

  private body(isupOctets: Uint8Array | undefined, withSdp: boolean): BodyInit | undefined {
    const trunk = this.sipTrunk as SipTrunkInfo;
    return sipBody({
      ...(withSdp && this.answerSdp !== undefined ? { sdp: this.answerSdp } : {}),
      ...(trunk.sipt !== "off" && isupOctets ? { isup: isupBodyPart(siptOctets(isupOctets), { version: trunk.isupVersion, handling: trunk.sipt }) } : {}),
    });
  }

  /** Wait for the SDP answer (the engine opens the port asynchronously) before a response that carries it. */
  private whenMediaReady(fn: () => void): void {
    afterMedia(this.unit.clock, this.mediaSettled, () => this.answerSdp !== undefined || this.ended, fn);
  }

  isup(ind: IsupIndication): void {
    switch (ind.primitive) {
      case "ADDRESS-COMPLETE.ind":
      case "PROGRESS.ind": {
        if (ind.primitive === "ADDRESS-COMPLETE.ind") this.acmSent = true;
        const p = this.unit.mapping.provisional(ind.message);
        if (!p) return;
        this.whenMediaReady(() => {
          if (this.ended || this.session.state !== "Proceeding") return;
          // RFC 3398 §7.2.2.1: 183 with SDP for in-band information (early media); the same
          // answer goes again in the 200 (RFC 3261 §13.2.1 for unreliable provisionals).
          const withSdp = (p.inband || p.status === 183) && !this.offerless;
          const body = this.body(ind.octets, withSdp);
          this.provisionalWithSdp ||= withSdp;
          this.session.progress(p.status, body ? { body } : {});
          this.state = "early";
        });
        return;
      }
      case "ANSWER.ind":
      case "CONNECT.ind":
        this.whenMediaReady(() => {
          if (this.ended || this.session.state !== "Proceeding") return;
          const body = this.body(ind.octets, true);
          this.session.accept(body ? { body } : {});
          this.state = "answered";
          this.answeredMs = this.unit.clock.wallNow();
          this.log.info({ callId: this.session.callId }, "call answered");
        });
        return;
      case "SUSPEND.ind":
      case "RESUME.ind":
        this.suspendOrResume(ind.primitive === "SUSPEND.ind", ind.octets);
        return;
      case "REATTEMPT.ind": {
        const bearer = this.unit.bearerOf(ind.circuit);
        this.circuit = ind.circuit;
        if (bearer && this.rtp) void this.rtp.moveTo(bearer.channel);
        return;
      }
      case "RELEASE.ind":
        this.onIsupRelease(ind.cause, ind.location, ind.diagnostics !== undefined, ind.octets);
        return;
      case "CALL-MESSAGE.ind":
      case "INFORMATION.ind":
      case "INFORMATION-REQUEST.ind":
        this.unit.forwardInInfo(this.session, this.sipTrunk, ind.octets);
        return;
      default:
        this.log.debug({ primitive: ind.primitive }, "ISUP indication not mapped on this call");
    }
  }

  abort(cause: number): void {
    if (this.ended) return;
    this.releaseIsup(cause);
    this.onIsupRelease(cause, this.unit.causeLocation, false, undefined);
  }

  private onIsupRelease(cause: number, location: number, hasDiagnostic: boolean, octets: Uint8Array | undefined): void {
    this.releasedByIsup = true;
    const reason = q850Reason(cause, location);
    const s = this.session;
    if (s.state === "Proceeding") {
      // RFC 3398 §7.2.4.1: REL before answer -> the final response of the cause table.
      const st = isupCauseToSip(cause, { location, hasDiagnostic }, this.unit.causeOverrides(this.circuit).isupToSip);
      // Deviation: cause 16 (and 44) have no row: 16 before answer is answered 480 with the cause in Reason.
      const status = st.sipStatus ?? 480;
      const body = this.body(octets, false);
      s.reject(status, { headers: [reason], ...(body ? { body } : {}) });
    } else if (!s.isEnded) {
      s.bye(this.byeFor(cause, location, octets)); // RFC 3398 §10.2
    }
    this.finish(`ISUP released, cause ${cause}`);
  }

  private onSipGone(req: SipMessage, what: "CANCEL" | "BYE"): void {
    if (this.releasedByIsup || this.ended) return;
    // RFC 3398 §7.2.3 (CANCEL), §10.1 (BYE): REL with cause 16, the Q.850 cause of a Reason header, or the encapsulated REL.
    this.releaseFromBye(req);
    this.log.info({ what }, "SIP side ended the call");
    this.finish(`${what} received`);
  }

  private onConfirmed(ack: SipMessage): void {
    // An INVITE without an offer: our offer went in the 2xx, the answer is in the ACK (RFC 3261 §13.2.1).
    if (!this.offerless || !this.rtp) return;
    const b = readSiptBodies(ack, []);
    if (b.ok && b.bodies.sdp !== undefined) void this.rtp.answered(b.bodies.sdp);
  }
}


// ---------------------------------------------------------------- the unit

export class IsupSipUnit implements IsupUser {
  isup: IsupCallRequests | undefined;
  ua: UserAgentCore | undefined;
  readonly clock: Clock;
  readonly routing: CallRouting;
  readonly mapping: IsupSipMapping;
  readonly media: CallMediaPlane;
  readonly variant: IsupVariant;
  readonly interDigitMs: number;
  readonly causeLocation: number;
  private readonly log: Logger;
  private readonly isupTrunks: ReadonlyMap<string, IsupTrunkInfo>;
  private readonly sipTrunks: readonly SipTrunkInfo[];
  private readonly byIsupCall = new Map<CallId, BridgedCall>();
  private readonly calls = new Set<BridgedCall>();
  private nextId = 1;
  readonly counters = { pstnToSip: 0, sipToPstn: 0, rejectedInvites: 0, unknownSource: 0 };

  constructor(private readonly opts: InterworkingOptions) {
    this.log = opts.log;
    this.clock = opts.clock;
    this.routing = opts.routing;
    this.mapping = opts.mapping;
    this.media = opts.media;
    this.variant = opts.variant;
    this.interDigitMs = opts.interDigitMs;
    this.causeLocation = opts.causeLocation;
    this.isupTrunks = new Map(opts.isupTrunks.map((t) => [t.name, t]));
    this.sipTrunks = opts.sipTrunks;
  }

  // --- CallSink (the SS7 component)
  attach(isup: IsupCallRequests): void {
    this.isup = isup;
  }

  detach(): void {
    this.isup = undefined;
  }

  /** Start taking INVITEs from the UA. */
  attachSip(ua: UserAgentCore): void {
    this.ua = ua;
    ua.onInvite((session) => this.onInvite(session));
  }

  detachSip(): void {
    this.ua = undefined;
  }

  /** An INVITE another unit received and found not to be its own (one UA, several units). */
  handleInvite(session: InviteServerSession): void {
    this.onInvite(session);
  }

  mappingContext(trunk: SipTrunkInfo): MappingContext {
    return { countryCode: this.opts.countryCode, trusted: trunk.trusted, localHost: this.opts.localHost, variant: this.variant, echoControl: this.media.defaults.echoCanceller.enabled };
  }

  /** The cause rows of the circuit's ISUP trunk that come before the RFC 3398 tables. */
  causeOverrides(c: CircuitRef | string | undefined): { isupToSip: readonly IsupToSipRow[]; sipToIsup: readonly SipToIsupRow[] } {
    const t = c === undefined ? undefined : this.isupTrunks.get(typeof c === "string" ? c : c.group);
    return { isupToSip: t?.isupToSip ?? [], sipToIsup: t?.sipToIsup ?? [] };
  }

  get peerHooks(): SipPeerHooks | undefined {
    return this.opts.peers;
  }

  sipTrunk(name: string): SipTrunkInfo | undefined {
    return this.sipTrunks.find((t) => t.name === name);
  }

  bearerOf(c: CircuitRef): { channel: number; law: "alaw" | "ulaw" } | undefined {
    const loc = this.isupTrunks.get(c.group)?.bearer(c.cic);
    if (!loc) return undefined;
    const channel = this.media.channelOf(loc.span, loc.timeslot);
    return channel === undefined ? undefined : { channel, law: this.media.lawOf(loc.span) };
  }

  track(call: BridgedCall): void {
    if (call.isupCall !== undefined) this.byIsupCall.set(call.isupCall, call);
    this.calls.add(call);
  }

  forget(call: BridgedCall): void {
    if (call.isupCall !== undefined && this.byIsupCall.get(call.isupCall) === call) this.byIsupCall.delete(call.isupCall);
    this.calls.delete(call);
  }

  list(): CallSummary[] {
    return [...this.calls].map((c) => c.summary());
  }

  /** Mid-call ISUP toward SIP: INFO with the encapsulated message, on SIP-T trunks (RFC 3372 §5.4, RFC 6086). */
  forwardInInfo(session: InviteClientSession | InviteServerSession | undefined, trunk: SipTrunkInfo | undefined, octets: Uint8Array): void {
    if (!session || !trunk || trunk.sipt === "off" || session.isEnded || session.dialog === undefined) return;
    const body = sipBody({ isup: isupBodyPart(siptOctets(octets), { version: trunk.isupVersion, handling: "optional" }) });
    if (body) void session.info({ body }).catch(() => undefined);
  }

  /** Mid-call ISUP from SIP (INFO with application/ISUP) passed on to the PSTN side as it is. */
  passMidCallIsup(call: BridgedCall, request: SipMessage): void {
    const trunk = call.sipTrunk;
    if (!trunk || trunk.sipt === "off" || call.isupCall === undefined) return;
    const b = readSiptBodies(request, [trunk.isupVersion]);
    if (!b.ok || !b.bodies.isup) return;
    const d = decodeIsup(b.bodies.isup.octets, { variant: this.variant, sipt: true });
    if (!d.ok) {
      this.log.warn({ reason: d.error.reason }, "encapsulated ISUP in INFO not decodable");
      return;
    }
    const isup = this.isup;
    if (!isup) return;
    const m = d.value;
    const c = call.isupCall;
    // RFC 3372 §5.4, RFC 3398 §9.1: each encapsulated message goes to the PSTN by its own procedure.
    const r =
      m.messageType === "SUS"
        ? isup.suspendRequest(c, m)
        : m.messageType === "RES"
          ? isup.resumeRequest(c, m)
          : m.messageType === "INR"
            ? isup.informationRequest(c, m)
            : m.messageType === "INF"
              ? isup.informationResponse(c, m)
              : isup.callMessageRequest(c, m);
    if (!r.ok) this.log.debug({ type: m.messageType, reason: r.reason }, "mid-call ISUP not passed on");
  }

  indication(ind: IsupIndication): void {
    if (ind.primitive === "SETUP.ind") {
      this.onIam(ind);
      return;
    }
    if (!("call" in ind)) return;
    const call = this.byIsupCall.get(ind.call);
    if (!call) {
      if (ind.primitive !== "RELEASE.ind") this.log.debug({ primitive: ind.primitive, call: ind.call }, "ISUP indication for no call of ours");
      return;
    }
    call.isup(ind);
  }

  alert(alert: MaintenanceAlert): void {
    this.log.warn({ kind: alert.kind, dpc: alert.dpc, cic: alert.cic }, alert.text);
  }

  private onIam(ind: Extract<IsupIndication, { primitive: "SETUP.ind" }>): void {
    const id = this.nextId++;
    const log = this.log.child({ call: id, trunk: ind.circuit.group, cic: ind.circuit.cic });
    this.counters.pstnToSip++;
    const call = new PstnToSipCall(this, id, log, ind.circuit.group, ind.message, ind.octets, ind.call, ind.circuit, ind.addressComplete);
    this.track(call);
    log.info({ called: call.called(), complete: ind.addressComplete }, "IAM received");
    call.start();
  }

  private onInvite(session: InviteServerSession): void {
    const origin = session.request;
    const source = sourceOf(origin);
    // The peer the inbound guard recognised, else the source address of a trunk's peer.
    const peerName = this.opts.peers?.peerOf(origin);
    const trunk =
      (peerName !== undefined ? this.sipTrunks.find((t) => t.peers.some((p) => p.name === peerName)) : undefined) ??
      this.sipTrunks.find((t) => t.peers.some((p) => stripBrackets(p.host) === source)) ??
      this.sipTrunks.find((t) => t.acceptAnySource);
    if (!trunk) {
      // An INVITE from a source no trunk names never reaches routing.
      this.counters.unknownSource++;
      this.log.warn({ source, callId: session.callId }, "INVITE from an unknown source refused");
      session.reject(403, { reason: "Forbidden (unknown source)" });
      return;
    }
    const id = this.nextId++;
    const log = this.log.child({ call: id, sipTrunk: trunk.name, callId: session.callId });
    this.counters.sipToPstn++;
    const call = new SipToPstnCall(this, id, log, session, trunk);
    this.calls.add(call);
    log.info({ uri: origin.requestUri ? String(origin.get("To") ?? "") : "" }, "INVITE received");
    call.start();
  }

  /** Release every call (shutdown, loss of a side): REL 41 to ISUP, CANCEL/BYE/503 to SIP. */
  releaseAll(cause: number = CAUSE.temporaryFailure): void {
    for (const c of [...this.calls]) c.abort(cause);
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

