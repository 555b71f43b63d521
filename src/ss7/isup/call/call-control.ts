/**
 * ISUP call processing control per circuit (ITU-T Q.764 §2.1-§2.4, §2.9.1,
 * §2.9.6): the actions of the transition table in call-fsm.ts. The node
 * (isup-node.ts) decodes, applies the compatibility procedure and the
 * unexpected-message rules, and dispatches one event per message or request;
 * everything the actions need from outside goes through CallControlHost.
 *
 * Order inside an action: send, change state, then tell the user, so that a
 * user reacting at once (a release from inside an indication) finds the
 * circuit in its new state.
 */
import type { Clock } from "../../../core/clock.js";
import type { FsmAction, FsmActions } from "../../../core/fsm.js";
import { FsmInstance } from "../../../core/fsm.js";
import type { Logger } from "../../../core/logger.js";
import type { IsupMessage } from "../codec/index.js";
import { getParameter } from "../codec/index.js";
import type { Circuit } from "../circuits/circuit-group.js";
import { controlsCircuit } from "../circuits/circuit-group.js";
import type { CallActivity } from "../circuits/circuit-state-indicator.js";
import type { ClearReason } from "../circuits/circuit-supervision.js";
import type { MaintenanceAlert } from "../circuits/maintenance-alert.js";
import type { CallEvent, CallState, ExtraTimer } from "./call-fsm.js";
import { CALL_FSM, CALL_STATES, EXTRA_TIMERS, beforeBackwardMessage } from "./call-fsm.js";
import type { ContinuityMedia } from "./continuity-media.js";
import { addressDigits, appendCalledDigits, bareMessage, continuityMessage, continuityRequirement, endsWithSt, releaseMessage } from "./message-builders.js";
import type { CallId, IsupIndication, ReleaseReason, RepeatReason } from "./primitives.js";

/** Q.850 causes call control uses itself. */
export const CAUSE = {
  normalClearing: 16,
  noAnswer: 19,
  invalidNumberFormat: 28,
  noCircuit: 34,
  networkOutOfOrder: 38,
  temporaryFailure: 41,
  switchingEquipmentCongestion: 42,
  recoveryOnTimerExpiry: 102,
  protocolError: 111,
} as const;

export interface CallRecord {
  readonly id: CallId;
  readonly direction: "incoming" | "outgoing";
  /** Outgoing: the IAM as sent (digits of later SAMs appended, for a repeat attempt). Incoming: as received. */
  iam: IsupMessage;
  /** Circuits tried so far (outgoing). */
  attempts: number;
  /** Outgoing: a backward message arrived (no more dual seizure or repeat attempt). */
  backward: boolean;
  /** The circuit machine the call is on now. */
  control: CicCallControl;
}

/** A failure decided outside the machine: REL with this cause. */
export interface FailSignal {
  readonly kind: "fail";
  readonly cause: number;
  readonly diagnostics?: string;
  readonly reason: ReleaseReason;
}

export interface ClearSignal {
  readonly kind: "clear";
  readonly reason: ClearReason;
}

export interface ContinuitySignal {
  readonly kind: "continuity";
  readonly passed: boolean;
}

export type CallPayload = IsupMessage | FailSignal | ClearSignal | ContinuitySignal;

export interface CallControlHost {
  readonly opc: number;
  readonly clock: Clock;
  readonly timers: Readonly<Record<string, number>>;
  /** Q.850 location for causes this exchange generates. */
  readonly location: number;
  readonly media: ContinuityMedia;
  /** Encode and send; throws on a message that does not fit its definition (before anything is sent). */
  send(circuit: Circuit, message: IsupMessage): void;
  indicate(ind: IsupIndication): void;
  /** Octets of the message being dispatched. */
  readonly receivedOctets: Uint8Array;
  newCall(direction: "incoming" | "outgoing", control: CicCallControl, iam: IsupMessage): CallRecord;
  callEnded(call: CallRecord): void;
  /** Q.764 §2.8.1: move an outgoing call to another circuit of its group. */
  repeatAttempt(call: CallRecord, from: Circuit, reason: RepeatReason): void;
  /** Start the reset of the circuit (RSC): after T5 (T17 only), T27 or a lost recheck. */
  resetCircuit(circuit: Circuit, afterT5: boolean): void;
  alert(alert: MaintenanceAlert): void;
}

/** The machine of one circuit. */
export class CicCallControl extends FsmInstance<CallState, CallEvent, CallPayload> {
  readonly circuit: Circuit;
  readonly host: CallControlHost;
  call: CallRecord | undefined;
  /** The REL sent last, repeated on T1. */
  lastRelease: IsupMessage | undefined;
  /** A loop or transceiver is connected on the circuit. */
  mediaConnected = false;
  /** Failed continuity rechecks in a row (maintenance is alerted from the second). */
  failedRechecks = 0;

  constructor(circuit: Circuit, host: CallControlHost, log: Logger) {
    super(CALL_FSM, {
      id: String(circuit.cic),
      clock: host.clock,
      log,
      timers: host.timers,
      actions: ACTIONS,
      onStateChange: stopForeignTimers,
    });
    this.circuit = circuit;
    this.host = host;
  }

  /** What a CQR says about this circuit's call (Q.763 §3.14). */
  activity(): CallActivity {
    switch (this.state) {
      case "Idle":
        return "idle";
      case "OutContinuity":
      case "OutAwaitAcm":
      case "OutAlerting":
        return "outgoing";
      case "InAwaitContinuity":
      case "InProceeding":
      case "InAlerting":
        return "incoming";
      case "Active":
      case "SuspendedByUser":
      case "SuspendedByNetwork":
      case "SuspendedLocally":
        return this.call?.direction === "outgoing" ? "outgoing" : "incoming";
      default:
        return "transient";
    }
  }

  /** A timer of this machine (state or extra) is armed. */
  anyTimerRunning(): boolean {
    const t = CALL_STATES[this.state].timer;
    if (t && this.timerRunning(t.name)) return true;
    for (const x of EXTRA_TIMERS) if (this.timerRunning(x)) return true;
    return false;
  }
}

function stopForeignTimers(inst: FsmInstance<CallState, CallEvent, CallPayload>, _from: CallState, to: CallState): void {
  const allowed = CALL_STATES[to].extraTimers;
  for (const t of EXTRA_TIMERS) if (!allowed.includes(t)) inst.stopTimer(t);
}

// ---------------------------------------------------------------------------
// Helpers

type Action = FsmAction<CallState, CallEvent, CallPayload>;

function ctl(i: FsmInstance<CallState, CallEvent, CallPayload>): CicCallControl {
  return i as CicCallControl;
}

function isMessage(p: CallPayload | undefined): p is IsupMessage {
  return p !== undefined && "messageType" in p;
}

function msg(p: CallPayload | undefined): IsupMessage {
  if (!isMessage(p)) throw new Error("call control bug: message event without a message");
  return p;
}

function send(c: CicCallControl, m: IsupMessage): void {
  c.host.send(c.circuit, m);
}

function startExtra(c: CicCallControl, t: ExtraTimer): void {
  c.startTimer(t, t);
}

function disconnectMedia(c: CicCallControl): void {
  if (c.mediaConnected) {
    c.mediaConnected = false;
    c.host.media.disconnect(c.circuit.ref);
  }
}

/** Indication of a received message for the current call. */
function received(c: CicCallControl, primitive: "ADDRESS-COMPLETE.ind" | "PROGRESS.ind" | "ANSWER.ind" | "CONNECT.ind" | "INFORMATION-REQUEST.ind" | "INFORMATION.ind" | "CALL-MESSAGE.ind", m: IsupMessage): void {
  const call = c.call;
  if (!call) return;
  c.host.indicate({ primitive, call: call.id, circuit: c.circuit.ref, message: m, octets: c.host.receivedOctets });
}

/** The user's call ends here (no indication): forget it. */
function detach(c: CicCallControl): CallRecord | undefined {
  const call = c.call;
  c.call = undefined;
  if (call) c.host.callEnded(call);
  return call;
}

function releaseIndication(
  c: CicCallControl,
  call: CallRecord | undefined,
  cause: number,
  reason: ReleaseReason,
  extra: { location?: number; diagnostics?: string; timer?: string; message?: IsupMessage; octets?: Uint8Array } = {},
): void {
  if (!call) return;
  c.host.indicate({
    primitive: "RELEASE.ind",
    call: call.id,
    circuit: c.circuit.ref,
    cause,
    location: extra.location ?? c.host.location,
    reason,
    ...(extra.diagnostics !== undefined ? { diagnostics: extra.diagnostics } : {}),
    ...(extra.timer !== undefined ? { timer: extra.timer } : {}),
    ...(extra.message !== undefined ? { message: extra.message } : {}),
    ...(extra.octets !== undefined ? { octets: extra.octets } : {}),
  });
}

/** Send REL and await RLC (Q.764 §2.3.1: T1 and, from the first REL, T5). */
function sendRelease(c: CicCallControl, rel: IsupMessage): void {
  send(c, rel);
  disconnectMedia(c);
  c.lastRelease = rel;
  c.transition("AwaitRlc");
  c.startTimer("T5", "T5");
}

/** Release the call from this side with `cause`, telling the user why. */
function fail(c: CicCallControl, cause: number, reason: ReleaseReason, extra: { diagnostics?: string; timer?: string } = {}): void {
  sendRelease(c, releaseMessage(c.circuit.cic, cause, c.host.location, extra.diagnostics));
  releaseIndication(c, detach(c), cause, reason, extra);
}

/** A call control timer expired: release with `cause` (Q.764 §2.9.8.3 for T7, §2.1.7.3 for T9, §2.1.2 for T35, §2.4.3 for T2/T6, §2.1.8 for T8). */
function timerFail(cause: number, timer: string): Action {
  return (i) => fail(ctl(i), cause, "timeout", { timer });
}

// ---------------------------------------------------------------------------
// Actions shared by many states

/** REL received: RLC, idle, tell the user (Q.764 §2.3.1-§2.3.3). */
const onRel: Action = (i, p) => {
  const c = ctl(i);
  const m = msg(p);
  const octets = c.host.receivedOctets;
  disconnectMedia(c);
  send(c, bareMessage("RLC", c.circuit.cic));
  const call = detach(c);
  c.transition("Idle");
  const cause = getParameter(m, "causeIndicators");
  releaseIndication(c, call, cause?.causeValue ?? CAUSE.normalClearing, "remote", {
    location: cause?.location ?? 0,
    ...(cause?.diagnostics !== undefined ? { diagnostics: cause.diagnostics } : {}),
    message: m,
    octets,
  });
};

/** Release request: the REL goes out; the user's call ends now. */
const onReleaseRequest: Action = (i, p) => {
  const c = ctl(i);
  sendRelease(c, msg(p));
  detach(c);
};

const onFail: Action = (i, p) => {
  const c = ctl(i);
  if (!p || !("kind" in p) || p.kind !== "fail") throw new Error("call control bug: fail without a FailSignal");
  fail(c, p.cause, p.reason, p.diagnostics !== undefined ? { diagnostics: p.diagnostics } : {});
};

const CLEAR_CAUSE: Readonly<Record<ClearReason, number>> = {
  reset: CAUSE.temporaryFailure,
  "hardware-blocking": CAUSE.temporaryFailure,
  unequipped: CAUSE.temporaryFailure,
  "mtp-pause": CAUSE.networkOutOfOrder,
};

const REPEAT_ON_CLEAR: Readonly<Record<ClearReason, RepeatReason | undefined>> = {
  reset: "reset",
  "hardware-blocking": "remote-blocking",
  unequipped: "unequipped",
  "mtp-pause": undefined,
};

/**
 * Circuit supervision clears the circuit without signalling (RSC, GRS,
 * hardware blocking, UCIC, MTP-PAUSE). An outgoing call that has not seen a
 * backward message is repeated on another circuit (Q.764 §2.8.1).
 */
const onReset: Action = (i, p) => {
  const c = ctl(i);
  const reason: ClearReason = p && "kind" in p && p.kind === "clear" ? p.reason : "reset";
  const wasBeforeBackward = beforeBackwardMessage(c.state);
  disconnectMedia(c);
  const call = c.call;
  c.call = undefined;
  c.transition("Idle");
  if (!call) return;
  const repeat = REPEAT_ON_CLEAR[reason];
  if (call.direction === "outgoing" && wasBeforeBackward && !call.backward && repeat !== undefined) {
    c.host.repeatAttempt(call, c.circuit, repeat);
    return;
  }
  c.host.callEnded(call);
  releaseIndication(c, call, CLEAR_CAUSE[reason], reason === "reset" ? "reset" : reason);
};

const onCallMessage: Action = (i, p) => received(ctl(i), "CALL-MESSAGE.ind", msg(p));
const sendIt: Action = (i, p) => send(ctl(i), msg(p));

/** Q.764 §2.9.1.4: an IAM for a circuit on which we sent an IAM and have had no backward message. */
const onDualSeizure: Action = (i, p) => {
  const c = ctl(i);
  const m = msg(p);
  const call = c.call;
  if (!call || call.backward) {
    c.log.warn({ cic: c.circuit.cic }, `IAM on CIC ${c.circuit.cic} after a backward message discarded (Q.764 §2.9.5.1)`);
    return;
  }
  if (controlsCircuit(c.host.opc, c.circuit.dpc, c.circuit.cic)) {
    // The controlling exchange completes its own call and disregards the IAM.
    c.log.info({ cic: c.circuit.cic }, `Dual seizure on CIC ${c.circuit.cic}: this exchange controls it, received IAM disregarded (Q.764 §2.9.1.4)`);
    return;
  }
  // The non-controlling exchange backs off: no REL; the call is repeated elsewhere.
  c.log.info({ cic: c.circuit.cic }, `Dual seizure on CIC ${c.circuit.cic}: the far end controls it, backing off (Q.764 §2.9.1.4)`);
  disconnectMedia(c);
  c.call = undefined;
  c.transition("Idle");
  c.dispatch("IAM", m);
  c.host.repeatAttempt(call, c.circuit, "dual-seizure");
};

/** Q.764 §2.8.2.1: BLO (or CGB maintenance) after our IAM, before any backward message: release, repeat elsewhere. */
const onRemoteBlocked: Action = (i) => {
  const c = ctl(i);
  const call = c.call;
  if (!call || call.backward) return;
  sendRelease(c, releaseMessage(c.circuit.cic, CAUSE.temporaryFailure, c.host.location));
  c.call = undefined;
  c.host.repeatAttempt(call, c.circuit, "remote-blocking");
};

// ---------------------------------------------------------------------------
// Outgoing call

const onSetup: Action = (i, p) => {
  const c = ctl(i);
  const iam = msg(p);
  send(c, iam);
  c.failedRechecks = 0;
  if (continuityRequirement(iam) === "required") {
    c.transition("OutContinuity");
    startExtra(c, "T7");
    c.mediaConnected = true;
    c.host.media.startCheck(c.circuit.ref);
  } else {
    c.transition("OutAwaitAcm");
    startExtra(c, "T7");
  }
};

/** Overlap sending: SAM, T7 restarted (Q.764 §2.1.2, §2.1.4.7). */
const onSubsequentAddressRequest: Action = (i, p) => {
  const c = ctl(i);
  const m = msg(p);
  send(c, m);
  startExtra(c, "T7");
  if (c.call) c.call.iam = appendCalledDigits(c.call.iam, addressDigits(m));
};

/** Continuity on this circuit passed: COT (Q.764 §2.1.8). */
const onCheckPassed: Action = (i) => {
  const c = ctl(i);
  disconnectMedia(c);
  send(c, continuityMessage(c.circuit.cic, true));
  c.transition("OutAwaitAcm");
};

/** Continuity failed (or T24): COT failure, recheck after T25, the call repeated on another circuit. */
const onCheckFailed: Action = (i) => {
  const c = ctl(i);
  disconnectMedia(c);
  send(c, continuityMessage(c.circuit.cic, false));
  const call = c.call;
  c.call = undefined;
  c.failedRechecks = 0;
  c.transition("OutRecheckWait");
  if (call) c.host.repeatAttempt(call, c.circuit, "continuity-failure");
};

/** The previous circuit's continuity result, from the user (continuity "previous"). */
const onContinuityReport: Action = (i, p) => {
  const c = ctl(i);
  const passed = p !== undefined && "kind" in p && p.kind === "continuity" && p.passed;
  send(c, continuityMessage(c.circuit.cic, passed));
};

function backward(c: CicCallControl): void {
  if (c.call) c.call.backward = true;
}

const onAcm: Action = (i, p) => {
  const c = ctl(i);
  backward(c);
  c.transition("OutAlerting");
  if (c.circuit.group.config.answerTimer) startExtra(c, "T9");
  received(c, "ADDRESS-COMPLETE.ind", msg(p));
};

const onCon: Action = (i, p) => {
  const c = ctl(i);
  backward(c);
  c.transition("Active");
  received(c, "CONNECT.ind", msg(p));
};

const onAnm: Action = (i, p) => {
  const c = ctl(i);
  backward(c);
  c.transition("Active");
  received(c, "ANSWER.ind", msg(p));
};

const onCpg: Action = (i, p) => {
  const c = ctl(i);
  backward(c);
  received(c, "PROGRESS.ind", msg(p));
};

const onInr: Action = (i, p) => {
  const c = ctl(i);
  backward(c);
  received(c, "INFORMATION-REQUEST.ind", msg(p));
};

const onOutCallMessage: Action = (i, p) => {
  backward(ctl(i));
  onCallMessage(i, p);
};

// ---------------------------------------------------------------------------
// Incoming call

/** IAM on an idle circuit (the node checked blocking and availability). */
const onIam: Action = (i, p) => {
  const c = ctl(i);
  const m = msg(p);
  const octets = c.host.receivedOctets;
  const call = c.host.newCall("incoming", c, m);
  c.call = call;
  c.failedRechecks = 0;
  const continuity = continuityRequirement(m);
  const cfg = c.circuit.group.config;
  const addressComplete = cfg.addressing === "en-bloc" || endsWithSt(addressDigits(m));
  if (continuity === "not-required") {
    c.transition("InProceeding");
    if (cfg.earlyAcm) startExtra(c, "T11");
  } else {
    c.transition("InAwaitContinuity");
    if (continuity === "required") {
      // Q.764 §2.1.8: connect the check loop; the far end's transceiver tests through it.
      c.mediaConnected = true;
      c.host.media.connectLoop(c.circuit.ref);
    }
  }
  // Q.764 §2.1.2: overlap receiving, T35 until the address is complete.
  if (!addressComplete) startExtra(c, "T35");
  c.host.indicate({ primitive: "SETUP.ind", call: call.id, circuit: c.circuit.ref, message: m, octets, continuity, addressComplete });
};

const onSam: Action = (i, p) => {
  const c = ctl(i);
  const m = msg(p);
  const digits = addressDigits(m);
  const complete = endsWithSt(digits);
  if (complete) c.stopTimer("T35");
  else if (c.timerRunning("T35")) startExtra(c, "T35");
  const call = c.call;
  if (call) c.host.indicate({ primitive: "SUBSEQUENT-ADDRESS.ind", call: call.id, circuit: c.circuit.ref, message: m, octets: c.host.receivedOctets, digits, addressComplete: complete });
};

const onSufficientAddress: Action = (i) => ctl(i).stopTimer("T35");

/** COT received (Q.764 §2.1.8). */
const onCot: Action = (i, p) => {
  const c = ctl(i);
  const m = msg(p);
  const passed = getParameter(m, "continuityIndicators")?.continuityIndicator === 1;
  disconnectMedia(c);
  if (passed) {
    c.transition("InProceeding");
    if (c.circuit.group.config.earlyAcm) startExtra(c, "T11");
    const call = c.call;
    if (call) c.host.indicate({ primitive: "CONTINUITY.ind", call: call.id, circuit: c.circuit.ref });
    return;
  }
  const checkedHere = c.call ? continuityRequirement(c.call.iam) === "required" : true;
  if (checkedHere) {
    // The call is released without REL; the far end rechecks this circuit (CCR) before T27 expires.
    const call = detach(c);
    c.transition("AwaitRecheck");
    releaseIndication(c, call, CAUSE.temporaryFailure, "continuity-failure");
  } else {
    // The check failed on a preceding circuit: this circuit is sound, the call is released.
    fail(c, CAUSE.temporaryFailure, "continuity-failure");
  }
};

const onAddressComplete: Action = (i, p) => {
  const c = ctl(i);
  send(c, msg(p));
  c.transition("InAlerting");
};

const onAnswer: Action = (i, p) => {
  const c = ctl(i);
  send(c, msg(p));
  c.transition("Active");
};

/** Q.764 §2.1.4.6: no address complete indication before T11: the early ACM. */
const onT11: Action = (i) => {
  const c = ctl(i);
  const early = c.circuit.group.config.earlyAcm;
  if (!early) return;
  const m = { ...early, cic: c.circuit.cic };
  send(c, m);
  c.transition("InAlerting");
  const call = c.call;
  if (call) c.host.indicate({ primitive: "EARLY-ACM.ind", call: call.id, circuit: c.circuit.ref, message: m });
};

const onInformationRequest: Action = (i, p) => {
  const c = ctl(i);
  send(c, msg(p));
  startExtra(c, "T33");
};

const onInf: Action = (i, p) => {
  const c = ctl(i);
  if (!c.timerRunning("T33")) {
    c.log.warn({ cic: c.circuit.cic }, `INF on CIC ${c.circuit.cic} without an INR outstanding discarded (Q.764 §2.9.5.1)`);
    return;
  }
  c.stopTimer("T33");
  received(c, "INFORMATION.ind", msg(p));
};

// ---------------------------------------------------------------------------
// Active, suspend and resume (Q.764 §2.4)

const onSus: Action = (i, p) => {
  const c = ctl(i);
  const m = msg(p);
  const network = getParameter(m, "suspendResumeIndicators")?.suspendResumeIndicator === 1;
  c.transition(network ? "SuspendedByNetwork" : "SuspendedByUser");
  const call = c.call;
  if (call) c.host.indicate({ primitive: "SUSPEND.ind", call: call.id, circuit: c.circuit.ref, message: m, octets: c.host.receivedOctets, initiator: network ? "network" : "user" });
};

const onRes: Action = (i, p) => {
  const c = ctl(i);
  const m = msg(p);
  const initiator = c.state === "SuspendedByNetwork" ? "network" : "user";
  c.transition("Active");
  const call = c.call;
  if (call) c.host.indicate({ primitive: "RESUME.ind", call: call.id, circuit: c.circuit.ref, message: m, octets: c.host.receivedOctets, initiator });
};

const onSuspendRequest: Action = (i, p) => {
  const c = ctl(i);
  send(c, msg(p));
  c.transition("SuspendedLocally");
};

const onResumeRequest: Action = (i, p) => {
  const c = ctl(i);
  send(c, msg(p));
  c.transition("Active");
};

// ---------------------------------------------------------------------------
// Release (Q.764 §2.3, §2.9.6)

const onRlc: Action = (i) => {
  const c = ctl(i);
  disconnectMedia(c);
  c.lastRelease = undefined;
  c.transition("Idle");
};

/** Q.764 §2.3 collision of release messages: RLC for the received REL; the circuit is idle once our REL is answered too. */
const onRelCollision: Action = (i) => {
  const c = ctl(i);
  send(c, bareMessage("RLC", c.circuit.cic));
};

const onT1: Action = (i) => {
  const c = ctl(i);
  if (c.lastRelease) send(c, c.lastRelease);
  c.transition("AwaitRlc");
};

/** Q.764 §2.9.6: T5 expired: maintenance alerted, RSC sent and repeated on T17; REL no longer sent. */
const onT5: Action = (i) => {
  const c = ctl(i);
  c.lastRelease = undefined;
  c.transition("Idle");
  c.host.alert({ kind: "release-not-completed", dpc: c.circuit.dpc, cic: c.circuit.cic, text: `no RLC on CIC ${c.circuit.cic} within T5; circuit reset` });
  c.host.resetCircuit(c.circuit, true);
};

/** RSC or GRS while awaiting RLC: the release is complete (Q.764 §2.9.3.1). */
const onResetWhileReleasing: Action = (i) => {
  const c = ctl(i);
  c.lastRelease = undefined;
  disconnectMedia(c);
  c.transition("Idle");
};

// ---------------------------------------------------------------------------
// Continuity recheck (Q.764 §2.1.8)

/** CCR: connect the loop for the far end's (re)check. */
const onCcr: Action = (i) => {
  const c = ctl(i);
  if (!c.mediaConnected) {
    c.mediaConnected = true;
    c.host.media.connectLoop(c.circuit.ref);
  }
  c.transition("InRecheck");
};

const onRecheckRel: Action = (i) => {
  const c = ctl(i);
  disconnectMedia(c);
  send(c, bareMessage("RLC", c.circuit.cic));
  c.transition("Idle");
};

const onRecheckCot: Action = (i, p) => {
  const c = ctl(i);
  if (getParameter(msg(p), "continuityIndicators")?.continuityIndicator === 1) return;
  disconnectMedia(c);
  c.transition("AwaitRecheck");
};

/** Deviation: Q.764 runs no timer while the loop awaits the end of a recheck; T8 bounds it here and the circuit is reset. */
const onRecheckTimeout: Action = (i) => {
  const c = ctl(i);
  disconnectMedia(c);
  c.transition("Idle");
  c.host.resetCircuit(c.circuit, false);
};

/** T27: no CCR after a continuity failure: reset the circuit. */
const onT27: Action = (i) => {
  const c = ctl(i);
  c.transition("Idle");
  c.host.resetCircuit(c.circuit, false);
};

const startRecheck: Action = (i) => {
  const c = ctl(i);
  send(c, bareMessage("CCR", c.circuit.cic));
  c.transition("OutRecheck");
  c.mediaConnected = true;
  c.host.media.startCheck(c.circuit.ref);
};

/** Recheck passed: REL ends the test and returns the circuit to idle. */
const onRecheckPassed: Action = (i) => {
  const c = ctl(i);
  c.failedRechecks = 0;
  sendRelease(c, releaseMessage(c.circuit.cic, CAUSE.normalClearing, c.host.location));
};

const onRecheckFailed: Action = (i) => {
  const c = ctl(i);
  disconnectMedia(c);
  send(c, continuityMessage(c.circuit.cic, false));
  c.failedRechecks++;
  c.transition("OutRecheckRepeatWait");
  if (c.failedRechecks >= 2) {
    c.host.alert({ kind: "continuity-failure", dpc: c.circuit.dpc, cic: c.circuit.cic, text: `continuity recheck on CIC ${c.circuit.cic} failed ${c.failedRechecks} times` });
  }
};

const onResetRecheck: Action = (i) => {
  const c = ctl(i);
  disconnectMedia(c);
  c.transition("Idle");
};

// ---------------------------------------------------------------------------
// The table

const common = {
  REL: onRel,
  release: onReleaseRequest,
  reset: onReset,
  fail: onFail,
  CALLMSG: onCallMessage,
  callMessage: sendIt,
} as const;

const ACTIONS: FsmActions<CallState, CallEvent, CallPayload> = {
  Idle: { IAM: onIam, CCR: onCcr, setup: onSetup, continuityTest: startRecheck, fail: onFail },
  OutContinuity: {
    ...common,
    CALLMSG: onOutCallMessage,
    IAM: onDualSeizure,
    INR: onInr,
    information: sendIt,
    checkPassed: onCheckPassed,
    checkFailed: onCheckFailed,
    T24: onCheckFailed,
    T7: timerFail(CAUSE.recoveryOnTimerExpiry, "T7"),
    subsequentAddress: onSubsequentAddressRequest,
    remoteBlocked: onRemoteBlocked,
  },
  OutAwaitAcm: {
    ...common,
    CALLMSG: onOutCallMessage,
    IAM: onDualSeizure,
    ACM: onAcm,
    CON: onCon,
    ANM: onAnm,
    INR: onInr,
    information: sendIt,
    T7: timerFail(CAUSE.recoveryOnTimerExpiry, "T7"),
    subsequentAddress: onSubsequentAddressRequest,
    continuityReport: onContinuityReport,
    remoteBlocked: onRemoteBlocked,
  },
  OutAlerting: { ...common, CPG: onCpg, ANM: onAnm, INR: onInr, information: sendIt, T9: timerFail(CAUSE.noAnswer, "T9") },
  InAwaitContinuity: {
    ...common,
    COT: onCot,
    SAM: onSam,
    T8: timerFail(CAUSE.temporaryFailure, "T8"),
    T35: timerFail(CAUSE.invalidNumberFormat, "T35"),
    sufficientAddress: onSufficientAddress,
  },
  InProceeding: {
    ...common,
    SAM: onSam,
    INF: onInf,
    T35: timerFail(CAUSE.invalidNumberFormat, "T35"),
    T11: onT11,
    T33: timerFail(CAUSE.recoveryOnTimerExpiry, "T33"),
    addressComplete: onAddressComplete,
    answer: onAnswer,
    informationRequest: onInformationRequest,
    sufficientAddress: onSufficientAddress,
  },
  InAlerting: {
    ...common,
    SAM: onSam,
    INF: onInf,
    T33: timerFail(CAUSE.recoveryOnTimerExpiry, "T33"),
    progress: sendIt,
    answer: onAnswer,
    informationRequest: onInformationRequest,
  },
  Active: { ...common, SUS: onSus, CPG: onCpg, progress: sendIt, suspend: onSuspendRequest },
  SuspendedByUser: { ...common, RES: onRes, T2: timerFail(CAUSE.recoveryOnTimerExpiry, "T2") },
  SuspendedByNetwork: { ...common, RES: onRes, T6: timerFail(CAUSE.recoveryOnTimerExpiry, "T6") },
  SuspendedLocally: { ...common, resume: onResumeRequest },
  AwaitRlc: { RLC: onRlc, REL: onRelCollision, T1: onT1, T5: onT5, reset: onResetWhileReleasing },
  InRecheck: { REL: onRecheckRel, COT: onRecheckCot, CCR: () => undefined, T8: onRecheckTimeout, reset: onResetRecheck },
  AwaitRecheck: { CCR: onCcr, REL: onRecheckRel, T27: onT27, reset: onResetRecheck },
  OutRecheckWait: { T25: startRecheck, REL: onRecheckRel, reset: onResetRecheck },
  OutRecheckRepeatWait: { T26: startRecheck, REL: onRecheckRel, reset: onResetRecheck },
  OutRecheck: { checkPassed: onRecheckPassed, checkFailed: onRecheckFailed, T24: onRecheckFailed, REL: onRecheckRel, reset: onResetRecheck },
};
