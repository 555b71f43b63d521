/**
 * The demo's call models: one call each through the running gateway, between
 * the simulated PSTN switch (ISUP, Q.764) and the demo telephone (SIP,
 * RFC 3261), checked message by message on both sides of the gateway as
 * RFC 3398 maps them, with the audio measured where the call carries it.
 *
 *  1. SIP -> PSTN answered (RFC 3398 §7.1, §8.2.2, §8.2.3): INVITE -> IAM,
 *     ACM -> 180, ANM -> 200; a 1 kHz tone sent as RTP comes back through the
 *     switch's loop; BYE -> REL (cause 16) -> RLC.
 *  2. SIP -> PSTN busy (§8.2.6.1, Q.850 cause 17 -> 486, RFC 3326 Reason).
 *  3. SIP -> PSTN cancelled while ringing (§7.2.3, §8.2.5: CANCEL -> REL 16,
 *     487 to the INVITE).
 *  4. PSTN -> SIP answered (§7.1, §7.2.1, §7.2.2): IAM -> INVITE, 180 -> ACM,
 *     200 -> ANM; the switch's tone reaches the telephone and the telephone's
 *     tone is detected at the switch; the switch releases: REL -> BYE.
 *  5. PSTN -> SIP rejected (§7.2.4.1: 486 -> REL cause 17).
 *
 * and between the simulated PBX (QSIG, ECMA-143 basic call on Q.931) and the
 * telephone, as RFC 4497 maps them:
 *
 *  6. PBX -> SIP answered (§8.2.1.1-§8.2.1.4, §9.1.2.4): SETUP with a QSIG
 *     calling name (ECMA-164) -> CALL PROCEEDING and INVITE (From with the
 *     name as display-name), 180 -> ALERTING, 200 -> CONNECT, CONNECT
 *     ACKNOWLEDGE; the PBX's tone reaches the telephone and the telephone's
 *     tone is detected on the B-channel by the PBX; the PBX clears:
 *     DISCONNECT -> BYE (§8.4.1), RELEASE, RELEASE COMPLETE.
 *  7. SIP -> PBX answered (§8.3.1-§8.3.6): INVITE -> SETUP on a B-channel,
 *     CALL PROCEEDING -> nothing, ALERTING -> 180 (183 with early media),
 *     CONNECT -> 200 and CONNECT ACKNOWLEDGE; a 1 kHz tone sent as RTP comes
 *     back through the PBX's loop; BYE -> DISCONNECT cause 16 (§8.4.2).
 *
 * Every wait is bounded; a model that cannot go on fails with the reason.
 */
import type { SipMessage } from "../../sip/syntax/message.js";
import type { CallFailure, InviteClientSession } from "../../sip/ua/index.js";
import { InviteServerSession, sessionDescriptionOf } from "../../sip/ua/index.js";
import type { AudioPolicy, NegotiatedAudio } from "../../sdp/offer-answer.js";
import { answerOffer, applyAnswer, LocalSession, localOfferAudio } from "../../sdp/offer-answer.js";
import type { LocalAudio } from "../../sdp/session-description.js";
import { parseSdp } from "../../sdp/session-description.js";
import { findIe } from "../../isdn/q931/codec/q931-codec.js";
import { q850CauseOf } from "../../interworking/calls/reason.js";
import { backwardToProvisional } from "../../interworking/isup-sip/index.js";
import { qsigToProvisional } from "../../interworking/qsig-sip/establishment.js";
import { numberToSipUser } from "../../interworking/qsig-sip/identity.js";
import type { DemoTarget, PbxTarget } from "./demo-config.js";
import { DEMO_NUMBERS, echoRuleProblem, ruleProblem } from "./demo-config.js";
import type { TappedIsup } from "./isup-tap.js";
import { calledOf, causeOf } from "./isup-tap.js";
import type { Journal } from "./journal.js";
import type { LeftSide } from "./ladder.js";
import type { TappedQ931 } from "./qsig-tap.js";
import { callingNameOf, channelOf, q931CalledOf, q931CauseOf } from "./qsig-tap.js";
import { RtpEnd, lawOfPayloadType } from "./rtp-end.js";
import type { SipPhone } from "./sip-phone.js";
import type { SwitchEvent, SwitchLink } from "./switch-link.js";
import { ev } from "./switch-link.js";
import { measureTone } from "./tone-meter.js";

export interface SipSeen {
  readonly dir: "in" | "out";
  readonly message: SipMessage;
}

/** The simulated PBX as the PBX models use it. */
export interface PbxContext {
  readonly target: PbxTarget;
  /** Its command socket (the same protocol as the switch's, by `channel`). */
  readonly link: SwitchLink;
  /** Why the QSIG trunk was not ready for calls (D-channel up, B-channels restarted); undefined when it was (set before the first PBX model). */
  notReady: string | undefined;
}

/** What the models use of the running demo. */
export interface DemoContext {
  readonly now: () => number;
  readonly phone: SipPhone;
  readonly sw: SwitchLink;
  /** ISUP messages on the gateway's signalling link ("rx": from the switch). */
  readonly isup: Journal<TappedIsup>;
  /** Q.931 messages on the gateway's D-channel towards the PBX ("rx": from the PBX). */
  readonly q931: Journal<TappedQ931>;
  /** The PBX, when the configuration has one. */
  readonly pbx: PbxContext | undefined;
  /** SIP messages at the telephone ("in": from the gateway). */
  readonly sip: Journal<SipSeen>;
  readonly target: DemoTarget;
  /** The gateway's SIP UDP listener. */
  readonly gateway: { readonly host: string; readonly port: number };
  /** Where the telephone's RTP is bound. */
  readonly rtpAddress: string;
  /** Who takes the next INVITE the telephone receives. */
  setInviteHandler(h: ((s: InviteServerSession) => void) | undefined): void;
}

export interface AudioCheck {
  /** What was sent where, e.g. "RTP -> switch echo -> RTP". */
  readonly path: string;
  readonly sentHz: number;
  readonly sentDbm0: number;
  readonly hz: number;
  readonly dbm0: number;
  /** Share of the power at the measured frequency (RTP measurements only). */
  readonly purity?: number;
  readonly ok: boolean;
}

/** Tolerances of the audio checks. */
export const AUDIO_LIMITS = {
  /** Frequency within this of what was sent. */
  hz: 10,
  /** Level within this of what was sent (G.711 A-law/mu-law tandem and the engine's gain path). */
  db: 3,
  /** At least this share of the power at the tone's frequency. */
  purity: 0.9,
} as const;

export class ModelFailure extends Error {}

function fail(reason: string): never {
  throw new ModelFailure(reason);
}

/** One model's run: its audio checks and the clean-up it leaves. */
export class CallRun {
  readonly audio: AudioCheck[] = [];
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  /** When the last expected step completed (the model's duration ends there). */
  doneAtMs: number | undefined;

  constructor(
    readonly ctx: DemoContext,
    readonly stepTimeoutMs: number,
  ) {}

  cleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  async runCleanups(): Promise<void> {
    for (const fn of this.cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch {
        // Clean-up is best effort; the idle check after it tells what is left.
      }
    }
  }

  /** An ISUP message of `type` on the link ("tx": from the gateway), after `from`, matching `extra`. */
  async isup(direction: "rx" | "tx", type: string, from: number, extra: (m: TappedIsup) => boolean = () => true): Promise<TappedIsup> {
    const hit = await this.ctx.isup.waitFor((t) => t.direction === direction && t.message.messageType === type && !t.retransmission && extra(t), this.stepTimeoutMs, from);
    if (!hit) fail(`no ${type} ${direction === "tx" ? "from the gateway to the switch" : "from the switch to the gateway"} within ${this.stepTimeoutMs / 1000} s`);
    return hit.value;
  }

  /** A SIP message at the telephone ("in": from the gateway) after `from`. */
  async sip(dir: "in" | "out", what: string, from: number, pred: (m: SipMessage) => boolean): Promise<SipMessage> {
    const hit = await this.ctx.sip.waitFor((s) => s.dir === dir && pred(s.message), this.stepTimeoutMs, from);
    if (!hit) fail(`no ${what} ${dir === "in" ? "from the gateway at the telephone" : "from the telephone"} within ${this.stepTimeoutMs / 1000} s`);
    return hit.value.message;
  }

  /** An event of the switch after `from`. */
  async switchEvent(what: string, from: number, pred: (e: SwitchEvent) => boolean, timeoutMs = this.stepTimeoutMs): Promise<SwitchEvent> {
    const hit = await this.ctx.sw.events.waitFor(pred, timeoutMs, from);
    if (!hit) fail(`the switch reported no ${what} within ${timeoutMs / 1000} s`);
    return hit.value;
  }

  /**
   * The provisional response RFC 3398 gives the switch's ACM: 180 when the called party's status is
   * "subscriber free", 183 with early media when in-band information is available (§7.2.5, §7.2.6).
   */
  async provisionalFor(acm: TappedIsup, from: number): Promise<SipMessage> {
    const expected = backwardToProvisional(acm.message);
    if (expected === undefined) fail("the ACM maps to no provisional response");
    const got = await this.sip("in", "provisional response", from, (m) => m.status !== undefined && m.status > 100 && m.status < 200);
    if (got.status !== expected.sipStatus) fail(`the ACM became ${String(got.status)}, not ${expected.sipStatus} (${expected.ref})`);
    if (expected.earlyMedia && sessionDescriptionOf(got) === undefined) fail(`the ${expected.sipStatus} for an ACM with in-band information carries no SDP (early media)`);
    return got;
  }

  async command(cmd: Readonly<Record<string, string | number | boolean>>): Promise<void> {
    const refused = await this.ctx.sw.request(cmd);
    if (refused !== undefined) fail(`the switch refused ${String(cmd["cmd"])}: ${refused}`);
  }

  /** The PBX, ready for calls; the model fails when there is none or its trunk did not come up. */
  pbx(): PbxContext {
    const p = this.ctx.pbx;
    if (!p) fail("the configuration has no PBX far end facing a QSIG trunk");
    if (p.notReady !== undefined) fail(p.notReady);
    return p;
  }

  /** A Q.931 message of `type` on the D-channel ("tx": from the gateway), after `from`, matching `extra`. */
  async q931(direction: "rx" | "tx", type: string, from: number, extra: (m: TappedQ931) => boolean = () => true): Promise<TappedQ931> {
    const hit = await this.ctx.q931.waitFor((t) => t.direction === direction && t.message.messageType === type && !t.retransmission && extra(t), this.stepTimeoutMs, from);
    if (!hit) fail(`no ${type} ${direction === "tx" ? "from the gateway to the PBX" : "from the PBX to the gateway"} within ${this.stepTimeoutMs / 1000} s`);
    return hit.value;
  }

  /** An event of the PBX after `from`. */
  async pbxEvent(what: string, from: number, pred: (e: SwitchEvent) => boolean, timeoutMs = this.stepTimeoutMs): Promise<SwitchEvent> {
    const hit = await this.pbx().link.events.waitFor(pred, timeoutMs, from);
    if (!hit) fail(`the PBX reported no ${what} within ${timeoutMs / 1000} s`);
    return hit.value;
  }

  async pbxCommand(cmd: Readonly<Record<string, string | number | boolean>>): Promise<void> {
    const refused = await this.pbx().link.request(cmd);
    if (refused !== undefined) fail(`the PBX refused ${String(cmd["cmd"])}: ${refused}`);
  }

  done(): void {
    this.doneAtMs = this.ctx.now();
  }
}

export interface CallModel {
  readonly id: string;
  readonly title: string;
  /** The ladder's left column: the PSTN switch (the default) or the PBX, which a configuration may lack. */
  readonly left?: LeftSide;
  run(r: CallRun): Promise<void>;
}

// ---------------------------------------------------------------------------
// The telephone's pieces

/** The telephone's codecs: both G.711 laws, A-law first (the E1 side's own, no transcoding), RFC 4733 events. */
const PHONE_POLICY: AudioPolicy = { codecs: ["PCMA", "PCMU"], telephoneEvent: { payloadType: 101, events: "0-15" }, ptimeMs: 20 };

let sessionCounter = 0;

function phoneSession(address: string): LocalSession {
  return new LocalSession({ user: "demo-phone", sessionId: `${Date.now()}${sessionCounter++}`, address, sessionName: "sipt-gw demo telephone" });
}

function sdpBody(sdp: string): { contentType: string; content: string } {
  return { contentType: "application/sdp", content: sdp };
}

function sdpText(m: SipMessage): string | undefined {
  const b = sessionDescriptionOf(m);
  return b === undefined ? undefined : new TextDecoder().decode(b);
}

/** The negotiated stream of a 2xx answering our offer (RFC 3264 §7). */
function negotiatedFromAnswer(offered: LocalAudio, response: SipMessage): NegotiatedAudio {
  const text = sdpText(response);
  if (text === undefined) fail("the 200 to the INVITE carries no SDP answer");
  const desc = parseSdp(text);
  if (!desc.ok) fail(`the SDP answer does not parse: ${desc.error.reason}`);
  const r = applyAnswer(offered, desc.value, PHONE_POLICY);
  if (!r.ok) fail(`the SDP answer is not usable: ${r.reason}`);
  return r.audio;
}

function rtpTarget(a: NegotiatedAudio): { address: string; port: number; payloadType: number } {
  return { address: a.remoteAddress, port: a.remotePort, payloadType: a.payloadType };
}

type UacOutcome = { readonly kind: "answered"; readonly response: SipMessage } | { readonly kind: "failed"; readonly failure: CallFailure };

function outcomeOf(s: InviteClientSession): Promise<UacOutcome> {
  return new Promise((resolve) => {
    s.on("answered", (response) => resolve({ kind: "answered", response }));
    s.on("failed", (failure) => resolve({ kind: "failed", failure }));
  });
}

function endedOf(s: InviteClientSession | InviteServerSession): Promise<void> {
  return new Promise((resolve) => {
    if (s instanceof InviteServerSession) s.on("ended", () => resolve());
    else s.on("ended", () => resolve());
  });
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ModelFailure(`${what} within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Place a call from the telephone to `called` with an SDP offer for `rtp`. */
function dial(ctx: DemoContext, called: string, rtp: RtpEnd): { session: InviteClientSession; offered: LocalAudio; outcome: Promise<UacOutcome> } {
  const offered = localOfferAudio(PHONE_POLICY, { address: rtp.address, port: rtp.port, direction: "sendrecv" });
  const sdp = phoneSession(rtp.address).describe([offered]);
  const gw = ctx.gateway;
  const session = ctx.phone.ua.invite({
    uri: `sip:${called}@${gw.host}:${gw.port}`,
    from: `<sip:${DEMO_NUMBERS.sipCaller}@${ctx.phone.address}:${ctx.phone.port}>`,
    to: `<sip:${called}@${gw.host}>`,
    target: { protocol: "udp", host: gw.host, port: gw.port },
    body: sdpBody(sdp),
  });
  return { session, offered, outcome: outcomeOf(session) };
}

/** Hang up whatever is left of a call the telephone placed. */
function hangUpUac(s: InviteClientSession): void {
  if (s.state === "Confirmed") s.bye();
  else if (s.state === "Calling" || s.state === "Proceeding") s.cancel();
}

function hangUpUas(s: InviteServerSession): void {
  if (s.pending) s.reject(480);
  else if (s.state === "Accepted" || s.state === "Confirmed") s.bye();
}

function checkTone(path: string, sentHz: number, sentDbm0: number, hz: number, dbm0: number, purity?: number): AudioCheck {
  const ok = Number.isFinite(hz) && Math.abs(hz - sentHz) <= AUDIO_LIMITS.hz && Math.abs(dbm0 - sentDbm0) <= AUDIO_LIMITS.db && (purity === undefined || purity >= AUDIO_LIMITS.purity);
  return { path, sentHz, sentDbm0, hz, dbm0, ...(purity !== undefined ? { purity } : {}), ok };
}

/** Measure what the telephone received in [fromMs, toMs] on the negotiated payload type. */
function measureReceived(rtp: RtpEnd, a: NegotiatedAudio, path: string, sentHz: number, sentDbm0: number, fromMs: number, toMs: number): AudioCheck {
  const law = lawOfPayloadType(a.payloadType);
  if (law === undefined) fail(`the negotiated payload type ${a.payloadType} is not G.711`);
  const samples = rtp.audioBetween(a.payloadType, fromMs, toMs);
  if (samples.length < 800) fail(`${path}: only ${samples.length} samples of audio arrived at the telephone in ${Math.round(toMs - fromMs)} ms`);
  const m = measureTone(samples, law);
  return checkTone(path, sentHz, sentDbm0, m.hz, m.dbm0, m.purity);
}

function requireAudio(r: CallRun, c: AudioCheck): void {
  r.audio.push(c);
  if (!c.ok) {
    const purity = c.purity !== undefined ? `, ${(c.purity * 100).toFixed(0)} % pure` : "";
    fail(`${c.path}: sent ${c.sentHz} Hz at ${c.sentDbm0} dBm0, measured ${c.hz.toFixed(1)} Hz at ${c.dbm0.toFixed(1)} dBm0${purity} (limits ±${AUDIO_LIMITS.hz} Hz, ±${AUDIO_LIMITS.db} dB, ${AUDIO_LIMITS.purity * 100} %)`);
  }
}

const TONE_DBM0 = -10;
/** The telephone's test tone; the switch's is 1004 Hz (the usual digital test frequency, off the 8 kHz sub-harmonics). */
const PHONE_TONE_HZ = 1000;
const SWITCH_TONE_HZ = 1004;
/** How long a tone plays; its first part (the path settling, the jitter buffer filling) is not measured. */
const TONE_MS = 1500;
const SETTLE_MS = 700;

// ---------------------------------------------------------------------------
// The models

const sipToPstnAnswered: CallModel = {
  id: "sip-pstn-answered",
  title: "SIP->PSTN answered",
  async run(r) {
    const { ctx } = r;
    const problem = ruleProblem(ctx.target.farend, "answered");
    if (problem) fail(problem);
    const rtp = await RtpEnd.open(ctx.rtpAddress, ctx.now);
    r.cleanup(() => rtp.close());
    const isupFrom = ctx.isup.mark();
    const sipFrom = ctx.sip.mark();
    const swFrom = ctx.sw.events.mark();
    const call = dial(ctx, DEMO_NUMBERS.answered, rtp);
    r.cleanup(() => hangUpUac(call.session));
    const iam = await r.isup("tx", "IAM", isupFrom);
    if (calledOf(iam.message) !== DEMO_NUMBERS.answered) fail(`the IAM's called number is ${String(calledOf(iam.message))}, not ${DEMO_NUMBERS.answered}`);
    await r.switchEvent(`IAM for ${DEMO_NUMBERS.answered}`, swFrom, ev("rx", { msg: "IAM", called: DEMO_NUMBERS.answered }));
    await r.provisionalFor(await r.isup("rx", "ACM", isupFrom), sipFrom);
    await r.isup("rx", "ANM", isupFrom);
    const outcome = await within(call.outcome, r.stepTimeoutMs, "no final response to the INVITE");
    if (outcome.kind !== "answered") fail(`the call was not answered: ${outcome.failure.status} ${outcome.failure.reason}`);
    const audio = negotiatedFromAnswer(call.offered, outcome.response);
    // The switch loops the circuit back: what the telephone sends comes back to it.
    const t0 = ctx.now();
    rtp.startTone(rtpTarget(audio), PHONE_TONE_HZ, TONE_DBM0);
    await sleep(TONE_MS);
    rtp.stopTone();
    requireAudio(r, measureReceived(rtp, audio, "RTP -> switch (echo) -> RTP", PHONE_TONE_HZ, TONE_DBM0, t0 + SETTLE_MS, t0 + TONE_MS));
    const byeFrom = ctx.sip.mark();
    const ended = endedOf(call.session);
    call.session.bye();
    const rel = await r.isup("tx", "REL", isupFrom);
    if (causeOf(rel.message) !== 16) fail(`REL carries cause ${String(causeOf(rel.message))}, not 16 (normal call clearing) for a BYE`);
    await r.isup("rx", "RLC", isupFrom);
    await r.sip("in", "200 to the BYE", byeFrom, (m) => m.status === 200 && m.cseq.method === "BYE");
    await within(ended, r.stepTimeoutMs, "the telephone's call did not end");
    r.done();
  },
};

const sipToPstnBusy: CallModel = {
  id: "sip-pstn-busy",
  title: "SIP->PSTN busy",
  async run(r) {
    const { ctx } = r;
    const problem = ruleProblem(ctx.target.farend, "busy");
    if (problem) fail(problem);
    const rtp = await RtpEnd.open(ctx.rtpAddress, ctx.now);
    r.cleanup(() => rtp.close());
    const isupFrom = ctx.isup.mark();
    const sipFrom = ctx.sip.mark();
    const call = dial(ctx, DEMO_NUMBERS.busy, rtp);
    r.cleanup(() => hangUpUac(call.session));
    await r.isup("tx", "IAM", isupFrom);
    const rel = await r.isup("rx", "REL", isupFrom);
    if (causeOf(rel.message) !== 17) fail(`the switch's REL carries cause ${String(causeOf(rel.message))}, not 17`);
    await r.isup("tx", "RLC", isupFrom);
    const final = await r.sip("in", "final response", sipFrom, (m) => m.status !== undefined && m.status >= 300 && m.cseq.method === "INVITE");
    if (final.status !== 486) fail(`REL cause 17 became ${String(final.status)}, not 486 Busy Here (RFC 3398 §8.2.6.1)`);
    const cause = q850CauseOf(final);
    if (cause?.cause !== 17) fail(`the 486 carries ${cause ? `Reason Q.850 cause ${cause.cause}` : "no Reason with a Q.850 cause"}, not cause 17 (RFC 3326)`);
    const outcome = await within(call.outcome, r.stepTimeoutMs, "the telephone's call attempt did not end");
    if (outcome.kind !== "failed") fail("the call was answered");
    r.done();
  },
};

const sipToPstnCancelled: CallModel = {
  id: "sip-pstn-cancelled",
  title: "SIP->PSTN cancelled while ringing",
  async run(r) {
    const { ctx } = r;
    const problem = ruleProblem(ctx.target.farend, "ringing");
    if (problem) fail(problem);
    const rtp = await RtpEnd.open(ctx.rtpAddress, ctx.now);
    r.cleanup(() => rtp.close());
    const isupFrom = ctx.isup.mark();
    const sipFrom = ctx.sip.mark();
    const swFrom = ctx.sw.events.mark();
    const call = dial(ctx, DEMO_NUMBERS.ringing, rtp);
    r.cleanup(() => hangUpUac(call.session));
    await r.isup("tx", "IAM", isupFrom);
    await r.provisionalFor(await r.isup("rx", "ACM", isupFrom), sipFrom);
    // Let it ring a moment, as a caller would.
    await sleep(500);
    if (!call.session.cancel()) fail(`the call could not be cancelled in state ${call.session.state}`);
    await r.sip("out", "CANCEL", sipFrom, (m) => m.method === "CANCEL");
    const rel = await r.isup("tx", "REL", isupFrom);
    if (causeOf(rel.message) !== 16) fail(`CANCEL became REL cause ${String(causeOf(rel.message))}, not 16 (RFC 3398 §7.2.3)`);
    await r.switchEvent("REL cause 16", swFrom, ev("rx", { msg: "REL", cause: 16 }));
    await r.isup("rx", "RLC", isupFrom);
    await r.sip("in", "200 to the CANCEL", sipFrom, (m) => m.status === 200 && m.cseq.method === "CANCEL");
    const final = await r.sip("in", "487 Request Terminated", sipFrom, (m) => m.status !== undefined && m.status >= 300 && m.cseq.method === "INVITE");
    if (final.status !== 487) fail(`the INVITE ended with ${String(final.status)}, not 487`);
    await within(call.outcome, r.stepTimeoutMs, "the telephone's call attempt did not end");
    r.done();
  },
};

/** Wait for the telephone's next INVITE; reject every later one. */
function nextInvite(ctx: DemoContext, r: CallRun): Promise<InviteServerSession> {
  return new Promise((resolve) => {
    ctx.setInviteHandler((s) => {
      ctx.setInviteHandler(undefined);
      r.cleanup(() => hangUpUas(s));
      resolve(s);
    });
    r.cleanup(() => ctx.setInviteHandler(undefined));
  });
}

/** The switch calls the number routed to SIP on `cic`; the clean-up releases it if it is still up. */
async function switchCalls(r: CallRun, cic: number): Promise<void> {
  const swFrom = r.ctx.sw.events.mark();
  r.cleanup(async () => {
    const states = r.ctx.sw.events.find(ev("state", { cic }), swFrom);
    const last = states[states.length - 1]?.value["state"];
    if (last !== undefined && last !== "idle") await r.ctx.sw.request({ cmd: "release", cic, cause: 16 });
  });
  await r.command({ cmd: "call", cic, called: DEMO_NUMBERS.toSip, calling: DEMO_NUMBERS.pstnCaller });
}

function pstnCic(ctx: DemoContext, index: number): number {
  const cics = ctx.target.pstnCics;
  return cics[index % cics.length] as number;
}

const pstnToSipAnswered: CallModel = {
  id: "pstn-sip-answered",
  title: "PSTN->SIP answered",
  async run(r) {
    const { ctx } = r;
    const cic = pstnCic(ctx, 0);
    const rtp = await RtpEnd.open(ctx.rtpAddress, ctx.now);
    r.cleanup(() => rtp.close());
    const isupFrom = ctx.isup.mark();
    const sipFrom = ctx.sip.mark();
    const swFrom = ctx.sw.events.mark();
    const invited = nextInvite(ctx, r);
    await switchCalls(r, cic);
    const iam = await r.isup("rx", "IAM", isupFrom, (t) => t.message.cic === cic);
    if (calledOf(iam.message) !== DEMO_NUMBERS.toSip) fail(`the switch's IAM has called number ${String(calledOf(iam.message))}`);
    const s = await within(invited, r.stepTimeoutMs, "no INVITE reached the telephone");
    const offerText = sdpText(s.request);
    if (offerText === undefined) fail("the INVITE carries no SDP offer");
    const offer = parseSdp(offerText);
    if (!offer.ok) fail(`the INVITE's SDP does not parse: ${offer.error.reason}`);
    const answer = answerOffer(offer.value, PHONE_POLICY, { address: rtp.address, port: rtp.port, direction: "sendrecv" }, phoneSession(rtp.address));
    if (!answer.ok) {
      s.reject(488);
      fail(`the INVITE's offer is not acceptable: ${answer.reason}`);
    }
    s.progress(180);
    await r.isup("tx", "ACM", isupFrom, (t) => t.message.cic === cic);
    await sleep(300);
    const ended = endedOf(s);
    s.accept({ body: sdpBody(answer.sdp) });
    await r.isup("tx", "ANM", isupFrom, (t) => t.message.cic === cic);
    await r.sip("in", "ACK", sipFrom, (m) => m.method === "ACK");
    const audio = answer.audio;
    // PSTN -> SIP: the switch plays a tone on the circuit; the telephone measures it.
    await r.command({ cmd: "play", cic, tone: SWITCH_TONE_HZ, dbm0: TONE_DBM0 });
    const t0 = ctx.now();
    await sleep(TONE_MS);
    await r.command({ cmd: "stop", cic });
    requireAudio(r, measureReceived(rtp, audio, "switch -> RTP", SWITCH_TONE_HZ, TONE_DBM0, t0 + SETTLE_MS, t0 + TONE_MS));
    // SIP -> PSTN: the telephone sends a tone; the switch's detector on the circuit reports it.
    await r.command({ cmd: "detect", cic, freq: PHONE_TONE_HZ, min_dbm0: -30 });
    r.cleanup(() => ctx.sw.request({ cmd: "detect", cic, freq: PHONE_TONE_HZ, on: false }).then(() => undefined));
    const toneFrom = ctx.sw.events.mark();
    rtp.startTone(rtpTarget(audio), PHONE_TONE_HZ, TONE_DBM0);
    let heard: SwitchEvent;
    try {
      heard = await r.switchEvent(`${PHONE_TONE_HZ} Hz tone on CIC ${cic}`, toneFrom, ev("tone", { freq: PHONE_TONE_HZ }));
      // Let the detector see more of the tone before it reports its measured level and frequency again.
      await sleep(SETTLE_MS);
    } finally {
      rtp.stopTone();
    }
    const ended2 = await ctx.sw.events.waitFor(ev("tone_end", { freq: PHONE_TONE_HZ }), r.stepTimeoutMs, toneFrom);
    const measured = ended2?.value ?? heard;
    requireAudio(r, checkTone("RTP -> switch", PHONE_TONE_HZ, TONE_DBM0, Number(measured["hz"] ?? heard["hz"]), Number(measured["dbm0"] ?? heard["dbm0"])));
    // The switch hangs up: REL -> BYE, 200 -> RLC.
    await r.command({ cmd: "release", cic, cause: 16 });
    const rel = await r.isup("rx", "REL", isupFrom, (t) => t.message.cic === cic);
    if (causeOf(rel.message) !== 16) fail(`the switch's REL carries cause ${String(causeOf(rel.message))}`);
    const bye = await r.sip("in", "BYE", sipFrom, (m) => m.method === "BYE");
    const byeCause = q850CauseOf(bye);
    if (byeCause !== undefined && byeCause.cause !== 16) fail(`the BYE's Reason carries Q.850 cause ${byeCause.cause}, not the REL's 16`);
    await r.sip("out", "200 to the BYE", sipFrom, (m) => m.status === 200 && m.cseq.method === "BYE");
    await r.isup("tx", "RLC", isupFrom, (t) => t.message.cic === cic);
    await r.switchEvent(`CIC ${cic} idle`, swFrom, ev("state", { cic, state: "idle" }));
    await within(ended, r.stepTimeoutMs, "the telephone's call did not end");
    r.done();
  },
};

const pstnToSipRejected: CallModel = {
  id: "pstn-sip-rejected",
  title: "PSTN->SIP rejected",
  async run(r) {
    const { ctx } = r;
    const cic = pstnCic(ctx, 1);
    const isupFrom = ctx.isup.mark();
    const sipFrom = ctx.sip.mark();
    const swFrom = ctx.sw.events.mark();
    const invited = nextInvite(ctx, r);
    await switchCalls(r, cic);
    await r.isup("rx", "IAM", isupFrom, (t) => t.message.cic === cic);
    const s = await within(invited, r.stepTimeoutMs, "no INVITE reached the telephone");
    s.reject(486);
    await r.sip("in", "ACK", sipFrom, (m) => m.method === "ACK");
    const rel = await r.isup("tx", "REL", isupFrom, (t) => t.message.cic === cic);
    if (causeOf(rel.message) !== 17) fail(`486 became REL cause ${String(causeOf(rel.message))}, not 17 (RFC 3398 §7.2.4.1)`);
    await r.switchEvent("REL cause 17", swFrom, ev("rx", { msg: "REL", cic, cause: 17 }));
    await r.isup("rx", "RLC", isupFrom, (t) => t.message.cic === cic);
    await r.switchEvent(`CIC ${cic} idle`, swFrom, ev("state", { cic, state: "idle" }));
    r.done();
  },
};

// ---------------------------------------------------------------------------
// The PBX models (RFC 4497 over the QSIG trunk)

/** Matches the Q.931 messages of one call: its call reference value, either flag (Q.931 §4.3). */
function ofCallReference(setup: TappedQ931): (t: TappedQ931) => boolean {
  const cr = setup.message.callReference.value;
  return (t) => t.message.callReference.length > 0 && t.message.callReference.value === cr;
}

/** The last state the PBX reported for `channel` since `from`. */
function pbxChannelState(p: PbxContext, channel: number, from: number): unknown {
  const states = p.link.events.find(ev("state", { channel }), from);
  return states[states.length - 1]?.value["state"];
}

/** The clean-up that clears the PBX's side of `channel` if the call is still up there. */
function releasePbxChannel(r: CallRun, p: PbxContext, channel: number, from: number): void {
  r.cleanup(async () => {
    const last = pbxChannelState(p, channel, from);
    if (last !== undefined && last !== "idle" && last !== "releasing") await p.link.request({ cmd: "release", channel, cause: 16 });
  });
}

/** The telephone sends its tone; the PBX's detector on `channel` reports it with its measured frequency and level. */
async function toneAtPbx(r: CallRun, p: PbxContext, channel: number, rtp: RtpEnd, audio: NegotiatedAudio): Promise<void> {
  await r.pbxCommand({ cmd: "detect", channel, freq: PHONE_TONE_HZ, min_dbm0: -30 });
  r.cleanup(() => p.link.request({ cmd: "detect", channel, freq: PHONE_TONE_HZ, on: false }).then(() => undefined));
  const toneFrom = p.link.events.mark();
  rtp.startTone(rtpTarget(audio), PHONE_TONE_HZ, TONE_DBM0);
  let heard: SwitchEvent;
  try {
    heard = await r.pbxEvent(`${PHONE_TONE_HZ} Hz tone on B-channel ${channel}`, toneFrom, ev("tone", { freq: PHONE_TONE_HZ }));
    // Let the detector see more of the tone before it reports its measured level and frequency again.
    await sleep(SETTLE_MS);
  } finally {
    rtp.stopTone();
  }
  const ended = await p.link.events.waitFor(ev("tone_end", { freq: PHONE_TONE_HZ }), r.stepTimeoutMs, toneFrom);
  const measured = ended?.value ?? heard;
  requireAudio(r, checkTone("RTP -> PBX", PHONE_TONE_HZ, TONE_DBM0, Number(measured["hz"] ?? heard["hz"]), Number(measured["dbm0"] ?? heard["dbm0"])));
}

const pbxToSipAnswered: CallModel = {
  id: "pbx-sip-answered",
  title: "PBX->SIP answered",
  left: "pbx",
  async run(r) {
    const { ctx } = r;
    const p = r.pbx();
    // The PBX (the user side) takes the lowest B-channel; the gateway hunts from the highest (no glare, Q.931 Annex D).
    const channel = p.target.channels[0] as number;
    const rtp = await RtpEnd.open(ctx.rtpAddress, ctx.now);
    r.cleanup(() => rtp.close());
    const qFrom = ctx.q931.mark();
    const sipFrom = ctx.sip.mark();
    const pbxFrom = p.link.events.mark();
    const invited = nextInvite(ctx, r);
    releasePbxChannel(r, p, channel, pbxFrom);
    await r.pbxCommand({ cmd: "call", channel, called: DEMO_NUMBERS.toSip, calling: DEMO_NUMBERS.pbxCaller, name: DEMO_NUMBERS.pbxCallerName });
    const setup = await r.q931("rx", "SETUP", qFrom, (t) => channelOf(t.message) === channel);
    if (q931CalledOf(setup.message) !== DEMO_NUMBERS.toSip) fail(`the PBX's SETUP has called number ${String(q931CalledOf(setup.message))}, not ${DEMO_NUMBERS.toSip}`);
    if (callingNameOf(setup.message) !== DEMO_NUMBERS.pbxCallerName) fail(`the PBX's SETUP carries no QSIG calling name "${DEMO_NUMBERS.pbxCallerName}" (ECMA-164)`);
    const ofCall = ofCallReference(setup);
    // RFC 4497 §8.2.1.1: a complete number gives CALL PROCEEDING and the INVITE.
    await r.q931("tx", "CALL PROCEEDING", qFrom, ofCall);
    const s = await within(invited, r.stepTimeoutMs, "no INVITE reached the telephone");
    const called = findIe(setup.message, "calledPartyNumber");
    const expectedUser = called ? numberToSipUser(called)?.user : undefined;
    const uri = s.request.requestUri;
    const user = uri?.kind === "sip" ? uri.user : undefined;
    if (user !== expectedUser) fail(`the INVITE's Request-URI user is ${String(user)}, not ${String(expectedUser)} from the SETUP's called number (RFC 4497 §9.2)`);
    // RFC 4497 §9.1.2.4: a presentable calling number in From, the allowed QSIG name as its display-name.
    const from = s.request.from;
    const fromUser = from.uri.kind === "sip" ? from.uri.user : undefined;
    if (fromUser !== DEMO_NUMBERS.pbxCaller) fail(`the INVITE's From user is ${String(fromUser)}, not the calling number ${DEMO_NUMBERS.pbxCaller} (RFC 4497 §9.1.2.4)`);
    if (from.displayName !== DEMO_NUMBERS.pbxCallerName) fail(`the INVITE's From display-name is ${JSON.stringify(from.displayName)}, not the QSIG calling name "${DEMO_NUMBERS.pbxCallerName}" (RFC 4497 §9.1.2.4)`);
    const offerText = sdpText(s.request);
    if (offerText === undefined) fail("the INVITE carries no SDP offer");
    const offer = parseSdp(offerText);
    if (!offer.ok) fail(`the INVITE's SDP does not parse: ${offer.error.reason}`);
    const answer = answerOffer(offer.value, PHONE_POLICY, { address: rtp.address, port: rtp.port, direction: "sendrecv" }, phoneSession(rtp.address));
    if (!answer.ok) {
      s.reject(488);
      fail(`the INVITE's offer is not acceptable: ${answer.reason}`);
    }
    s.progress(180);
    // RFC 4497 §8.2.1.3: 180 -> ALERTING.
    await r.q931("tx", "ALERTING", qFrom, ofCall);
    await sleep(300);
    const ended = endedOf(s);
    s.accept({ body: sdpBody(answer.sdp) });
    // RFC 4497 §8.2.1.4: 2xx -> CONNECT; the PBX acknowledges it (ECMA-143).
    await r.q931("tx", "CONNECT", qFrom, ofCall);
    await r.q931("rx", "CONNECT ACKNOWLEDGE", qFrom, ofCall);
    await r.sip("in", "ACK", sipFrom, (m) => m.method === "ACK");
    const audio = answer.audio;
    // PBX -> SIP: the PBX plays a tone on the B-channel; the telephone measures it.
    await r.pbxCommand({ cmd: "play", channel, tone: SWITCH_TONE_HZ, dbm0: TONE_DBM0 });
    const t0 = ctx.now();
    await sleep(TONE_MS);
    await r.pbxCommand({ cmd: "stop", channel });
    requireAudio(r, measureReceived(rtp, audio, "PBX -> RTP", SWITCH_TONE_HZ, TONE_DBM0, t0 + SETTLE_MS, t0 + TONE_MS));
    // SIP -> PBX: the telephone's tone, detected on the B-channel.
    await toneAtPbx(r, p, channel, rtp, audio);
    // The PBX clears: DISCONNECT -> BYE (RFC 4497 §8.4.1), then RELEASE / RELEASE COMPLETE (Q.931 §5.3.4).
    const byeFrom = ctx.sip.mark();
    await r.pbxCommand({ cmd: "release", channel, cause: 16 });
    const disc = await r.q931("rx", "DISCONNECT", qFrom, ofCall);
    if (q931CauseOf(disc.message) !== 16) fail(`the PBX's DISCONNECT carries cause ${String(q931CauseOf(disc.message))}, not 16`);
    const bye = await r.sip("in", "BYE", byeFrom, (m) => m.method === "BYE");
    const byeCause = q850CauseOf(bye);
    if (byeCause !== undefined && byeCause.cause !== 16) fail(`the BYE's Reason carries Q.850 cause ${byeCause.cause}, not the DISCONNECT's 16`);
    await r.sip("out", "200 to the BYE", byeFrom, (m) => m.status === 200 && m.cseq.method === "BYE");
    await r.q931("tx", "RELEASE", qFrom, ofCall);
    await r.q931("rx", "RELEASE COMPLETE", qFrom, ofCall);
    await r.pbxEvent(`B-channel ${channel} idle`, pbxFrom, ev("state", { channel, state: "idle" }));
    await within(ended, r.stepTimeoutMs, "the telephone's call did not end");
    r.done();
  },
};

const sipToPbxAnswered: CallModel = {
  id: "sip-pbx-answered",
  title: "SIP->PBX answered",
  left: "pbx",
  async run(r) {
    const { ctx } = r;
    const p = r.pbx();
    const problem = echoRuleProblem(p.target.farend, DEMO_NUMBERS.toPbx);
    if (problem) fail(problem);
    const rtp = await RtpEnd.open(ctx.rtpAddress, ctx.now);
    r.cleanup(() => rtp.close());
    const qFrom = ctx.q931.mark();
    const sipFrom = ctx.sip.mark();
    const pbxFrom = p.link.events.mark();
    const call = dial(ctx, DEMO_NUMBERS.toPbx, rtp);
    r.cleanup(() => hangUpUac(call.session));
    // RFC 4497 §8.3.1: INVITE -> SETUP on a B-channel the gateway hunted.
    const setup = await r.q931("tx", "SETUP", qFrom);
    if (q931CalledOf(setup.message) !== DEMO_NUMBERS.toPbx) fail(`the SETUP's called number is ${String(q931CalledOf(setup.message))}, not ${DEMO_NUMBERS.toPbx}`);
    const channel = channelOf(setup.message);
    if (channel === undefined || !p.target.channels.includes(channel)) fail(`the SETUP names ${channel === undefined ? "no B-channel" : `channel ${channel}, not a B-channel of trunk ${p.target.trunk}`}`);
    releasePbxChannel(r, p, channel, pbxFrom);
    const ofCall = ofCallReference(setup);
    await r.pbxEvent(`SETUP for ${DEMO_NUMBERS.toPbx}`, pbxFrom, ev("rx", { msg: "SETUP", called: DEMO_NUMBERS.toPbx }));
    // §8.3.2: CALL PROCEEDING gives nothing on SIP; §8.3.4/§8.3.5: ALERTING gives 180, 183 with early media.
    await r.q931("rx", "CALL PROCEEDING", qFrom, ofCall);
    const alerting = await r.q931("rx", "ALERTING", qFrom, ofCall);
    const expected = qsigToProvisional(alerting.message, false);
    if (expected === undefined) fail("the ALERTING maps to no provisional response");
    const got = await r.sip("in", "provisional response", sipFrom, (m) => m.status !== undefined && m.status > 100 && m.status < 200);
    if (got.status !== expected.sipStatus) fail(`the ALERTING became ${String(got.status)}, not ${expected.sipStatus} (${expected.ref})`);
    if (expected.earlyMedia && sessionDescriptionOf(got) === undefined) fail(`the ${expected.sipStatus} for an ALERTING with in-band information carries no SDP (early media)`);
    // §8.3.6: CONNECT -> 200; the gateway acknowledges the CONNECT (Q.931 §5.1.8).
    await r.q931("rx", "CONNECT", qFrom, ofCall);
    const outcome = await within(call.outcome, r.stepTimeoutMs, "no final response to the INVITE");
    if (outcome.kind !== "answered") fail(`the call was not answered: ${outcome.failure.status} ${outcome.failure.reason}`);
    await r.q931("tx", "CONNECT ACKNOWLEDGE", qFrom, ofCall);
    const audio = negotiatedFromAnswer(call.offered, outcome.response);
    // The PBX loops the B-channel back: what the telephone sends comes back to it.
    const t0 = ctx.now();
    rtp.startTone(rtpTarget(audio), PHONE_TONE_HZ, TONE_DBM0);
    await sleep(TONE_MS);
    rtp.stopTone();
    requireAudio(r, measureReceived(rtp, audio, "RTP -> PBX (echo) -> RTP", PHONE_TONE_HZ, TONE_DBM0, t0 + SETTLE_MS, t0 + TONE_MS));
    // §8.4.2: BYE -> DISCONNECT cause 16; RELEASE, RELEASE COMPLETE (Q.931 §5.3.3, §5.3.4).
    const byeFrom = ctx.sip.mark();
    const ended = endedOf(call.session);
    call.session.bye();
    const disc = await r.q931("tx", "DISCONNECT", qFrom, ofCall);
    if (q931CauseOf(disc.message) !== 16) fail(`BYE became DISCONNECT cause ${String(q931CauseOf(disc.message))}, not 16 (RFC 4497 §8.4.2)`);
    await r.q931("rx", "RELEASE", qFrom, ofCall);
    await r.q931("tx", "RELEASE COMPLETE", qFrom, ofCall);
    await r.sip("in", "200 to the BYE", byeFrom, (m) => m.status === 200 && m.cseq.method === "BYE");
    await r.pbxEvent(`B-channel ${channel} idle`, pbxFrom, ev("state", { channel, state: "idle" }));
    await within(ended, r.stepTimeoutMs, "the telephone's call did not end");
    r.done();
  },
};

export const CALL_MODELS: readonly CallModel[] = [sipToPstnAnswered, sipToPstnBusy, sipToPstnCancelled, pstnToSipAnswered, pstnToSipRejected, pbxToSipAnswered, sipToPbxAnswered];
