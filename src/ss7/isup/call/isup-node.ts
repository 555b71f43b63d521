/**
 * One ISUP signalling point (ITU-T Q.764; ANSI T1.113.4 where the codec's
 * variant is "ansi"): message distribution between MTP, call control per
 * circuit (call-control.ts) and circuit supervision (../circuits), the
 * procedures that belong to no single circuit, and the service interface to
 * the user (primitives.ts).
 *
 * - Q.764 §2.9.5.1 unexpected messages; §2.9.5.3 compatibility procedures
 *   for unrecognised messages and parameters (compatibility.ts).
 * - Q.764 §2.8.1 automatic repeat attempt; §2.9.1.3 circuit selection.
 * - Q.764 §2.9.3.2 reset of every circuit at start-up (GRS per group).
 * - Q.764 §2.11 ISUP signalling congestion control (T29, T30).
 * - Q.764 §2.13 unequipped CIC (UCIC sent and received).
 * - Q.764 §2.14 ISUP availability control (UPT/UPA, T4).
 * - Q.764 §2.15 MTP-PAUSE and MTP-RESUME.
 *
 * Everything is synchronous and driven by the injected Clock: a received
 * message, a request or a timer runs to completion before the next.
 */
import type { Clock, TimerHandle } from "../../../core/clock.js";
import { EncodeError } from "../../../core/errors.js";
import type { Logger } from "../../../core/logger.js";
import { formatDecodeError } from "../../../core/result.js";
import type { TimerValues } from "../../../core/timers.js";
import type { IsupMessage, IsupVariant } from "../codec/index.js";
import { UNRECOGNISED, decodeIsup, encodeIsup, getParameter, unrecognisedMessageInstruction, unrecognisedParameters } from "../codec/index.js";
import type { BlockingStore } from "../circuits/blocking-store.js";
import type { Circuit, CircuitGroupConfig, CircuitRef } from "../circuits/circuit-group.js";
import { CircuitTable, isBlocked } from "../circuits/circuit-group.js";
import type { AuditResult, BlockingType, ClearReason, SupervisionHost } from "../circuits/circuit-supervision.js";
import { CircuitSupervision } from "../circuits/circuit-supervision.js";
import { huntCircuit } from "../circuits/hunting.js";
import type { MaintenanceAlert } from "../circuits/maintenance-alert.js";
import type { CallEvent, CallState } from "./call-fsm.js";
import { CALL_STATES } from "./call-fsm.js";
import type { CallControlHost, CallPayload, CallRecord } from "./call-control.js";
import { CAUSE, CicCallControl } from "./call-control.js";
import { unrecognisedMessageDecision, unrecognisedParametersDecision } from "./compatibility.js";
import type { ContinuityMedia } from "./continuity-media.js";
import { bareMessage, confusionMessage, continuityRequirement, onCircuit, releaseMessage, withContinuityCheck } from "./message-builders.js";
import type { IsupMtpIndication, IsupMtpService } from "./mtp-service.js";
import type { CallId, IsupIndication, IsupUser, ReleaseRequest, RepeatReason, RequestResult, SetupRequest, SetupResult } from "./primitives.js";
import type { IsupTimerName } from "./timers.js";

export interface IsupNodeOptions {
  /** Our signalling point code. */
  readonly opc: number;
  readonly variant: IsupVariant;
  readonly groups: readonly CircuitGroupConfig[];
  readonly timers: TimerValues<IsupTimerName>;
  readonly mtp: IsupMtpService;
  readonly user: IsupUser;
  readonly media: ContinuityMedia;
  readonly store: BlockingStore;
  readonly clock: Clock;
  readonly log: Logger;
  /** Q.850 location for causes generated here (Q.850 §2.2.5), e.g. 2 public network serving the local user. */
  readonly causeLocation: number;
  /** Answer messages for CICs not equipped here with UCIC (Q.764 §2.13, a national option); otherwise discard them. */
  readonly sendUcic: boolean;
  /** Unrecognised information can be passed on (SIP-T carries it): the transit interpretation applies (Q.764 §2.9.5.3). */
  readonly passOn: boolean;
  /** Automatic repeat attempts for one call (Q.764 §2.8.1); 1 in most networks. */
  readonly repeatAttempts: number;
  /** Steps of traffic reduction for signalling congestion (Q.764 §2.11); each step refuses one more call in `congestionSteps`. */
  readonly congestionSteps: number;
}

/** Management view of one circuit. */
export interface CircuitStatus {
  readonly circuit: CircuitRef;
  readonly call: CallState;
  readonly callId?: CallId;
  readonly localMaintenance: Circuit["localMaintenance"];
  readonly localHardware: Circuit["localHardware"];
  readonly remoteMaintenance: boolean;
  readonly remoteHardware: boolean;
  readonly remoteUnequipped: boolean;
  /** Procedures in progress: RSC, BLO, UBL, GRS. */
  readonly procedures: readonly string[];
}

/** Q.764 §2.11, §2.14, §2.15: what ISUP knows of a destination. */
class Destination {
  readonly dpc: number;
  paused = false;
  userPartAvailable = true;
  t4: TimerHandle | undefined;
  congestionLevel = 0;
  t29: TimerHandle | undefined;
  t30: TimerHandle | undefined;
  admitted = 0;

  constructor(dpc: number) {
    this.dpc = dpc;
  }
}

/** Messages received on a call that call control passes to the user without a state change. */
const CALL_MESSAGES = new Set(["FAC", "USR", "APM", "FOT", "NRM", "IDR", "IRS", "SGM", "PRI", "LOP", "CRG", "PAM", "FAR", "FAA", "FRJ", "EXM"]);

const SUPERVISION_MESSAGES = new Set(["RSC", "GRS", "GRA", "BLO", "UBL", "BLA", "UBA", "CGB", "CGU", "CGBA", "CGUA", "CQM", "CQR", "UCIC"]);

const RECEIVED_EVENTS = new Set<string>(["IAM", "SAM", "ACM", "CPG", "ANM", "CON", "REL", "RLC", "SUS", "RES", "COT", "CCR", "INR", "INF"]);

/** Q.763 §3.11: calling party's category "test call". */
const TEST_CALL_CATEGORY = 13;

const EMPTY = new Uint8Array(0);

export class IsupNode implements CallControlHost, SupervisionHost {
  readonly opc: number;
  readonly variant: IsupVariant;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: Readonly<Record<string, number>>;
  readonly table: CircuitTable;
  readonly media: ContinuityMedia;
  readonly location: number;
  private readonly opts: IsupNodeOptions;
  private readonly supervision: CircuitSupervision;
  private readonly controls: CicCallControl[];
  private readonly calls = new Map<CallId, CallRecord>();
  private readonly destinations = new Map<number, Destination>();
  private nextCallId = 1;
  private rxOctets: Uint8Array = EMPTY;
  private started = false;
  private stopped = false;

  /** Throws on a circuit group configuration that checkCircuitGroups rejects. */
  constructor(opts: IsupNodeOptions) {
    this.opts = opts;
    this.opc = opts.opc;
    this.variant = opts.variant;
    this.clock = opts.clock;
    this.log = opts.log;
    this.timers = opts.timers;
    this.media = opts.media;
    this.location = opts.causeLocation;
    this.table = new CircuitTable(opts.groups, opts.variant);
    this.supervision = new CircuitSupervision(this);
    this.controls = this.table.circuits.map((c) => new CicCallControl(c, this, opts.log.child({ trunk: c.ref.group, dpc: c.dpc, cic: c.cic })));
    for (const dpc of this.table.destinations()) this.destinations.set(dpc, new Destination(dpc));
  }

  get receivedOctets(): Uint8Array {
    return this.rxOctets;
  }

  // ---------------------------------------------------------------------------
  // Life cycle

  /**
   * Restore local blocking and reset every circuit (Q.764 §2.9.3.2: GRS per
   * group, ranges of at most 32 circuits; RSC for a lone circuit). Local
   * blocking is announced again once the far end has acknowledged the reset.
   */
  start(): RequestResult {
    if (this.started) return { ok: false, reason: "already started" };
    const snap = this.opts.store.load();
    if (!snap.ok) return { ok: false, reason: formatDecodeError(snap.error) };
    for (const b of this.supervision.restore(snap.value)) {
      this.log.warn({ dpc: b.dpc, cic: b.cic }, `Blocking saved for CIC ${b.cic} towards ${b.dpc}, which is not configured: ignored`);
    }
    this.started = true;
    // A destination MTP has paused is reset when MTP-RESUME comes (Q.764 §2.15): nothing can be sent to it now.
    for (const dpc of this.table.destinations()) if (!this.destinations.get(dpc)?.paused) this.supervision.resynchronise(dpc);
    return { ok: true };
  }

  /** Stop every timer and procedure; the node is not used afterwards. */
  stop(): void {
    this.stopped = true;
    for (const dpc of this.table.destinations()) this.supervision.cancelAll(dpc);
    for (const c of this.controls) c.terminate("stopped");
    for (const d of this.destinations.values()) {
      d.t4?.cancel();
      d.t29?.cancel();
      d.t30?.cancel();
    }
    this.calls.clear();
  }

  // ---------------------------------------------------------------------------
  // MTP side

  mtpIndication(ind: IsupMtpIndication): void {
    if (this.stopped) return;
    switch (ind.primitive) {
      case "MTP-TRANSFER.ind":
        this.receive(ind.opc, ind.userData);
        return;
      case "MTP-PAUSE.ind":
        this.onPause(ind.affectedDpc);
        return;
      case "MTP-RESUME.ind":
        this.onResume(ind.affectedDpc);
        return;
      case "MTP-STATUS.ind":
        if (ind.cause === "signalling-network-congestion") this.onCongestion(ind.affectedDpc);
        else this.onUserPartUnavailable(ind.affectedDpc, ind.userPartCause);
        return;
    }
  }

  send(dpcOrCircuit: number | Circuit, message: IsupMessage): void {
    const dpc = typeof dpcOrCircuit === "number" ? dpcOrCircuit : dpcOrCircuit.dpc;
    const cic = message.cic ?? 0;
    const userData = encodeIsup(message, { variant: this.variant });
    const dest = this.destinations.get(dpc);
    if (dest?.paused) {
      this.log.debug({ dpc, cic, messageType: message.messageType }, `${message.messageType} towards ${dpc} not sent: destination paused`);
      return;
    }
    this.log.debug({ dpc, cic, messageType: message.messageType }, `Sent ${message.messageType} on CIC ${cic} to ${dpc}`);
    // Q.763 §1.2 / Q.704 §2.2.3: the SLS is taken from the CIC so a circuit's messages stay in sequence.
    this.opts.mtp.transferRequest({ dpc, sls: cic & (this.variant === "itu" ? 0x0f : 0x1f), userData });
  }

  private receive(opc: number, data: Uint8Array): void {
    const r = decodeIsup(data, { variant: this.variant });
    if (!r.ok) {
      // Deviation: a message that cannot be decoded is discarded (Q.764 §2.9.5 gives no procedure for format errors of mandatory parameters at this level).
      this.log.warn({ opc, error: r.error }, `Message from ${opc} discarded: ${formatDecodeError(r.error)}`);
      return;
    }
    const dest = this.destinations.get(opc);
    if (!dest) {
      this.log.warn({ opc }, `Message from ${opc} discarded: no circuit group towards that point code`);
      return;
    }
    if (!dest.userPartAvailable) this.userPartAvailable(dest);
    const m = r.value;
    this.rxOctets = data;
    try {
      this.distribute(opc, m.cic ?? 0, m);
    } finally {
      this.rxOctets = EMPTY;
    }
  }

  private distribute(opc: number, cic: number, m: IsupMessage): void {
    const type = m.messageType;
    this.log.debug({ dpc: opc, cic, messageType: type }, `Received ${type} on CIC ${cic} from ${opc}`);
    if (type === "UPT") {
      // Q.764 §2.14.2: answered with UPA.
      this.send(opc, bareMessage("UPA", cic));
      return;
    }
    if (type === "UPA") return;
    if (SUPERVISION_MESSAGES.has(type)) {
      if (!this.supervision.receive(opc, m) && type !== "UCIC") this.unequipped(opc, cic, type);
      return;
    }
    const c = this.table.find(opc, cic);
    if (!c) {
      this.unequipped(opc, cic, type);
      return;
    }
    this.supervision.farEndSeen(c);
    const ctl = this.controlOf(c);
    if (type === UNRECOGNISED) {
      this.unrecognisedMessage(c, ctl, m);
      return;
    }
    if (type === "RLC" && c.reset) {
      this.supervision.resetAcknowledged(c);
      return;
    }
    if (type === "CFN") {
      const cause = getParameter(m, "causeIndicators");
      const text = `CFN on CIC ${cic}: cause ${cause?.causeValue ?? "?"}${cause?.diagnostics ? ` diagnostics ${cause.diagnostics}` : ""}`;
      this.log.warn({ dpc: opc, cic }, text);
      this.alert({ kind: "confusion-received", dpc: opc, cic, text });
      return;
    }
    let message = m;
    if (type !== "REL" && type !== "RLC") {
      const checked = this.unrecognisedParameters(c, ctl, m);
      if (checked === undefined) return;
      message = checked;
    }
    const event: CallEvent | undefined = RECEIVED_EVENTS.has(type) ? (type as CallEvent) : CALL_MESSAGES.has(type) ? "CALLMSG" : undefined;
    if (event === undefined) {
      this.log.warn({ dpc: opc, cic, messageType: type }, `${type} on CIC ${cic} not handled by call control: discarded`);
      return;
    }
    if (event === "IAM" && ctl.state === "Idle" && !this.acceptIam(c, message)) return;
    if (ctl.accepts(event)) ctl.dispatch(event, message);
    else this.unexpected(c, ctl, message, event);
  }

  /** Q.764 §2.8.2.1 and §2.9.3: whether an IAM on an idle circuit may seize it. */
  private acceptIam(c: Circuit, m: IsupMessage): boolean {
    if (c.resetting) {
      this.log.warn({ dpc: c.dpc, cic: c.cic }, `IAM on CIC ${c.cic} discarded: the circuit is being reset`);
      return false;
    }
    const test = getParameter(m, "callingPartysCategory")?.callingPartysCategory === TEST_CALL_CATEGORY;
    if (!test && (isBlocked(c.localMaintenance) && c.localMaintenance !== "unblocking")) {
      // The far end has not seen our BLO yet: block again; it will repeat its call elsewhere.
      this.log.warn({ dpc: c.dpc, cic: c.cic }, `IAM on locally blocked CIC ${c.cic} discarded; BLO sent again (Q.764 §2.8.2.1)`);
      if (!c.blocking) this.send(c, bareMessage("BLO", c.cic));
      return false;
    }
    if (!test && isBlocked(c.localHardware) && c.localHardware !== "unblocking") {
      this.log.warn({ dpc: c.dpc, cic: c.cic }, `IAM on hardware-blocked CIC ${c.cic} discarded (Q.764 §2.8.2.3)`);
      return false;
    }
    if (c.remotelyBlocked) {
      // Q.764 §2.8.2.1: an IAM on a remotely blocked circuit unblocks it.
      this.log.info({ dpc: c.dpc, cic: c.cic }, `IAM on remotely blocked CIC ${c.cic}: remote blocking removed (Q.764 §2.8.2.1)`);
      c.remoteMaintenance = false;
      c.remoteHardware = false;
    }
    return true;
  }

  /** Q.764 §2.9.5.1: a known message the circuit's state does not expect. */
  private unexpected(c: Circuit, ctl: CicCallControl, m: IsupMessage, event: CallEvent): void {
    const cic = c.cic;
    if (ctl.state === "Idle") {
      if (event === "REL") {
        this.log.info({ dpc: c.dpc, cic }, `REL on idle CIC ${cic}: RLC returned (Q.764 §2.9.5.1)`);
        this.send(c, bareMessage("RLC", cic));
        return;
      }
      if (event === "RLC" || c.resetting) {
        this.log.info({ dpc: c.dpc, cic }, `${m.messageType} on idle CIC ${cic} discarded (Q.764 §2.9.5.1)`);
        return;
      }
      this.log.warn({ dpc: c.dpc, cic }, `${m.messageType} on idle CIC ${cic}: circuit reset (Q.764 §2.9.5.1)`);
      this.supervision.resetCircuit(c);
      return;
    }
    if (event === "RLC" && ctl.accepts("fail")) {
      // An RLC on a busy circuit for which no REL was sent: release it.
      this.log.warn({ dpc: c.dpc, cic }, `Unexpected RLC on CIC ${cic} in ${ctl.state}: call released (Q.764 §2.9.5.1)`);
      ctl.dispatch("fail", { kind: "fail", cause: CAUSE.protocolError, reason: "protocol-error" });
      return;
    }
    this.log.warn({ dpc: c.dpc, cic }, `Unexpected ${m.messageType} on CIC ${cic} in ${ctl.state} discarded (Q.764 §2.9.5.1)`);
  }

  private unequipped(opc: number, cic: number, type: string): void {
    if (!this.opts.sendUcic || type === "UCIC") {
      this.log.warn({ dpc: opc, cic }, `${type} for unequipped CIC ${cic} from ${opc} discarded`);
      return;
    }
    // Q.764 §2.13: the message is discarded and UCIC returned.
    this.log.warn({ dpc: opc, cic }, `${type} for unequipped CIC ${cic} from ${opc}: UCIC returned (Q.764 §2.13)`);
    this.send(opc, bareMessage("UCIC", cic));
  }

  /** Q.764 §2.9.5.3.1. */
  private unrecognisedMessage(c: Circuit, ctl: CicCallControl, m: IsupMessage): void {
    const code = m.messageTypeCode ?? 0;
    const mci = unrecognisedMessageInstruction(m, this.variant);
    let d = unrecognisedMessageDecision(code, mci, this.opts.passOn);
    if (d.action === "pass-on" && !ctl.call) d = unrecognisedMessageDecision(code, mci, false);
    this.log.info({ dpc: c.dpc, cic: c.cic, code }, `Unrecognised message 0x${code.toString(16)} on CIC ${c.cic}: ${d.action} (Q.764 §2.9.5.3.1)`);
    switch (d.action) {
      case "pass-on":
        ctl.dispatch("CALLMSG", m);
        return;
      case "discard":
        if (d.notify) this.send(c, confusionMessage(c.cic, d.notify, this.location));
        return;
      case "release":
        if (ctl.call && ctl.accepts("fail")) ctl.dispatch("fail", { kind: "fail", cause: d.cause, diagnostics: d.diagnostics, reason: "unrecognised-information" });
        else this.send(c, confusionMessage(c.cic, { cause: d.cause, diagnostics: d.diagnostics }, this.location));
        return;
    }
  }

  /**
   * Q.764 §2.9.5.3.2. Returns the message to process (without the parameters
   * to discard), or undefined when it was discarded or the call released.
   */
  private unrecognisedParameters(c: Circuit, ctl: CicCallControl, m: IsupMessage): IsupMessage | undefined {
    const unrec = unrecognisedParameters(m);
    if (unrec.length === 0) return m;
    const d = unrecognisedParametersDecision(
      unrec.map((u) => ({ code: u.parameter.code ?? 0, instruction: u.instruction })),
      this.opts.passOn && (ctl.call !== undefined || m.messageType === "IAM"),
    );
    this.log.info({ dpc: c.dpc, cic: c.cic }, `${m.messageType} on CIC ${c.cic} with unrecognised parameters: ${d.action} (Q.764 §2.9.5.3.2)`);
    if (d.action === "release") {
      if (ctl.accepts("fail")) ctl.dispatch("fail", { kind: "fail", cause: d.cause, diagnostics: d.diagnostics, reason: "unrecognised-information" });
      return undefined;
    }
    for (const n of d.notifications) this.send(c, confusionMessage(c.cic, n, this.location));
    if (d.action === "discard-message") return undefined;
    if (d.discard.length === 0) return m;
    const drop = new Set(d.discard);
    const kept: IsupMessage = { ...m, parameters: m.parameters.filter((p) => !(p.name === UNRECOGNISED && "code" in p && p.code !== undefined && drop.has(p.code))) };
    // The user gets the octets of what is kept.
    this.rxOctets = encodeIsup(kept, { variant: this.variant });
    return kept;
  }

  // ---------------------------------------------------------------------------
  // Destinations (Q.764 §2.11, §2.14, §2.15)

  private destination(dpc: number): Destination | undefined {
    return this.destinations.get(dpc);
  }

  private onPause(dpc: number): void {
    const d = this.destination(dpc);
    if (!d || d.paused) return;
    this.log.warn({ dpc }, `MTP-PAUSE for ${dpc}: calls cleared, circuits not seized until MTP-RESUME (Q.764 §2.15)`);
    d.paused = true;
    this.supervision.cancelAll(dpc);
    for (const g of this.table.groupsTowards(dpc)) for (const c of g.circuits) this.clearCall(c, "mtp-pause");
  }

  private onResume(dpc: number): void {
    const d = this.destination(dpc);
    if (!d || !d.paused) return;
    d.paused = false;
    this.log.info({ dpc }, `MTP-RESUME for ${dpc}: circuits reset (Q.764 §2.15, §2.9.3.2)`);
    if (this.started) this.supervision.resynchronise(dpc);
  }

  private onUserPartUnavailable(dpc: number, cause: string): void {
    const d = this.destination(dpc);
    if (!d || d.t4) return;
    d.userPartAvailable = false;
    const text = `ISUP at ${dpc} unavailable (${cause}): no new calls; UPT on T4 expiry (Q.764 §2.14)`;
    this.log.warn({ dpc }, text);
    this.alert({ kind: "user-part-unavailable", dpc, cic: 0, text });
    this.armT4(d);
  }

  private armT4(d: Destination): void {
    d.t4 = this.clock.setTimer(this.timers["T4"] ?? 0, () => {
      d.t4 = undefined;
      const first = this.table.groupsTowards(d.dpc)[0]?.circuits[0];
      this.log.info({ dpc: d.dpc }, `T4 expired for ${d.dpc}: UPT sent`);
      if (first) this.send(first, bareMessage("UPT", first.cic));
      this.armT4(d);
    });
  }

  private userPartAvailable(d: Destination): void {
    d.userPartAvailable = true;
    d.t4?.cancel();
    d.t4 = undefined;
    this.log.info({ dpc: d.dpc }, `ISUP at ${d.dpc} available again`);
  }

  /** Q.764 §2.11: one step less traffic per indication; T29 masks the next ones, T30 restores a step. */
  private onCongestion(dpc: number): void {
    const d = this.destination(dpc);
    if (!d || d.t29) return;
    d.congestionLevel = Math.min(this.opts.congestionSteps, d.congestionLevel + 1);
    this.log.warn({ dpc, level: d.congestionLevel }, `Congestion towards ${dpc}: traffic reduced to step ${d.congestionLevel} (Q.764 §2.11)`);
    d.t29 = this.clock.setTimer(this.timers["T29"] ?? 0, () => {
      d.t29 = undefined;
    });
    this.armT30(d);
  }

  private armT30(d: Destination): void {
    d.t30?.cancel();
    d.t30 = this.clock.setTimer(this.timers["T30"] ?? 0, () => {
      d.t30 = undefined;
      d.congestionLevel = Math.max(0, d.congestionLevel - 1);
      this.log.info({ dpc: d.dpc, level: d.congestionLevel }, `T30 expired: traffic towards ${d.dpc} restored to step ${d.congestionLevel}`);
      if (d.congestionLevel > 0) this.armT30(d);
    });
  }

  private admit(d: Destination): boolean {
    if (d.congestionLevel === 0) return true;
    d.admitted = (d.admitted + 1) % this.opts.congestionSteps;
    return d.admitted >= d.congestionLevel;
  }

  // ---------------------------------------------------------------------------
  // CallControlHost and SupervisionHost

  private controlOf(c: Circuit): CicCallControl {
    const ctl = this.controls[c.index];
    if (!ctl) throw new Error(`ISUP bug: no call control for circuit index ${c.index}`);
    return ctl;
  }

  indicate(ind: IsupIndication): void {
    this.opts.user.indication(ind);
  }

  alert(alert: MaintenanceAlert): void {
    this.opts.user.alert(alert);
  }

  newCall(direction: "incoming" | "outgoing", control: CicCallControl, iam: IsupMessage): CallRecord {
    const call: CallRecord = { id: this.nextCallId++, direction, iam, attempts: 1, backward: false, control };
    this.calls.set(call.id, call);
    return call;
  }

  callEnded(call: CallRecord): void {
    this.calls.delete(call.id);
  }

  resetCircuit(circuit: Circuit, afterT5: boolean): void {
    this.supervision.resetCircuit(circuit, afterT5);
  }

  clearCall(circuit: Circuit, reason: ClearReason): void {
    const ctl = this.controlOf(circuit);
    if (ctl.accepts("reset")) ctl.dispatch("reset", { kind: "clear", reason });
  }

  remotelyBlocked(circuit: Circuit): void {
    const ctl = this.controlOf(circuit);
    if (ctl.accepts("remoteBlocked")) ctl.dispatch("remoteBlocked");
  }

  callActivity(circuit: Circuit): ReturnType<CicCallControl["activity"]> {
    return this.controlOf(circuit).activity();
  }

  blockingChanged(): void {
    try {
      this.opts.store.save(this.supervision.snapshot());
    } catch (e) {
      const text = `local blocking could not be saved: ${(e as Error).message}`;
      this.log.error({}, text);
      this.alert({ kind: "blocking-not-saved", dpc: 0, cic: 0, text });
    }
  }

  /** Whether a new outgoing call may seize the circuit. */
  private available(c: Circuit): boolean {
    const ctl = this.controls[c.index];
    return (
      ctl !== undefined &&
      ctl.state === "Idle" &&
      !c.resetting &&
      c.localMaintenance === "unblocked" &&
      c.localHardware === "unblocked" &&
      !c.remotelyBlocked &&
      !c.remoteUnequipped
    );
  }

  private readonly isAvailable = (c: Circuit): boolean => this.available(c);

  /** Send the call's IAM on `ctl`'s circuit. Throws EncodeError (nothing sent) on a bad IAM. */
  private seize(call: CallRecord, ctl: CicCallControl): void {
    const c = ctl.circuit;
    let iam = onCircuit(call.iam, c.cic);
    // Q.764 §2.1.8: the trunk asks for a continuity check on this circuit (never when the IAM reports one on a previous circuit).
    if (c.group.config.continuityCheck && continuityRequirement(iam) === "not-required") iam = withContinuityCheck(iam);
    call.control = ctl;
    call.backward = false;
    ctl.call = call;
    try {
      ctl.dispatch("setup", iam);
    } catch (e) {
      ctl.call = undefined;
      throw e;
    }
  }

  repeatAttempt(call: CallRecord, from: Circuit, reason: RepeatReason): void {
    const d = this.destination(from.dpc);
    const next = call.attempts <= this.opts.repeatAttempts && d && !d.paused ? huntCircuit(from.group, this.opc, this.isAvailable, from) : undefined;
    if (next) {
      call.attempts++;
      this.log.info({ dpc: from.dpc, cic: from.cic, to: next.cic, reason }, `Automatic repeat attempt of call ${call.id} on CIC ${next.cic} (${reason}, Q.764 §2.8.1)`);
      this.seize(call, this.controlOf(next));
      this.indicate({ primitive: "REATTEMPT.ind", call: call.id, circuit: next.ref, previous: from.ref, reason });
      return;
    }
    this.calls.delete(call.id);
    this.indicate({ primitive: "RELEASE.ind", call: call.id, circuit: from.ref, cause: CAUSE.noCircuit, location: this.location, reason: "no-circuit" });
  }

  // ---------------------------------------------------------------------------
  // Requests of the user

  setupRequest(req: SetupRequest): SetupResult {
    const g = this.table.group(req.group);
    if (!g) return { ok: false, reason: `no circuit group ${req.group}`, cause: 3 };
    if (req.iam.messageType !== "IAM") return { ok: false, reason: `setup needs an IAM, not ${req.iam.messageType}`, cause: 100 };
    const d = this.destination(g.config.dpc);
    if (!this.started || this.stopped) return { ok: false, reason: "ISUP not running", cause: CAUSE.temporaryFailure };
    if (!d || d.paused) return { ok: false, reason: `destination ${g.config.dpc} inaccessible (MTP-PAUSE)`, cause: CAUSE.noCircuit };
    if (!d.userPartAvailable) return { ok: false, reason: `ISUP at ${g.config.dpc} unavailable (Q.764 §2.14)`, cause: CAUSE.noCircuit };
    if (!this.admit(d)) return { ok: false, reason: `signalling congestion towards ${g.config.dpc} (Q.764 §2.11)`, cause: CAUSE.switchingEquipmentCongestion };
    const c = huntCircuit(g, this.opc, this.isAvailable);
    if (!c) return { ok: false, reason: `no circuit available in ${req.group}`, cause: CAUSE.noCircuit };
    const ctl = this.controlOf(c);
    const call = this.newCall("outgoing", ctl, req.iam);
    try {
      this.seize(call, ctl);
    } catch (e) {
      this.calls.delete(call.id);
      if (e instanceof EncodeError) return { ok: false, reason: e.message, cause: 100 };
      throw e;
    }
    return { ok: true, call: call.id, circuit: c.ref };
  }

  private request(id: CallId, event: CallEvent, payload: CallPayload | undefined, types?: readonly string[]): RequestResult {
    const call = this.calls.get(id);
    if (!call) return { ok: false, reason: `no call ${id}` };
    const ctl = call.control;
    let p = payload;
    if (p !== undefined && "messageType" in p) {
      if (types && !types.includes(p.messageType)) return { ok: false, reason: `${event} takes ${types.join(" or ")}, not ${p.messageType}` };
      p = onCircuit(p, ctl.circuit.cic);
    }
    if (!ctl.accepts(event)) return { ok: false, reason: `${event} not allowed on CIC ${ctl.circuit.cic} in state ${ctl.state}` };
    try {
      ctl.dispatch(event, p);
    } catch (e) {
      if (e instanceof EncodeError) return { ok: false, reason: e.message };
      throw e;
    }
    return { ok: true };
  }

  /** Overlap sending: SAM (Q.764 §2.1.2). */
  subsequentAddressRequest(call: CallId, sam: IsupMessage): RequestResult {
    const rec = this.calls.get(call);
    if (rec && rec.control.circuit.group.config.addressing === "en-bloc") return { ok: false, reason: `group ${rec.control.circuit.ref.group} sends the address en bloc` };
    return this.request(call, "subsequentAddress", sam, ["SAM"]);
  }

  /** Overlap receiving: the digits so far are enough to route; T35 stops (Q.764 §2.1.2). */
  sufficientAddress(call: CallId): RequestResult {
    return this.request(call, "sufficientAddress", undefined);
  }

  addressCompleteRequest(call: CallId, acm: IsupMessage): RequestResult {
    return this.request(call, "addressComplete", acm, ["ACM"]);
  }

  progressRequest(call: CallId, cpg: IsupMessage): RequestResult {
    return this.request(call, "progress", cpg, ["CPG"]);
  }

  /** Answer: ANM after an ACM, CON when no ACM was sent (Q.764 §2.1.7). */
  answerRequest(call: CallId, answer: IsupMessage): RequestResult {
    const rec = this.calls.get(call);
    const want = rec?.control.state === "InProceeding" ? "CON" : "ANM";
    return this.request(call, "answer", answer, [want]);
  }

  releaseRequest(call: CallId, req: ReleaseRequest): RequestResult {
    const rec = this.calls.get(call);
    if (!rec) return { ok: false, reason: `no call ${call}` };
    const rel = "messageType" in req ? req : releaseMessage(rec.control.circuit.cic, req.cause, req.location, req.diagnostics);
    return this.request(call, "release", rel, ["REL"]);
  }

  suspendRequest(call: CallId, sus: IsupMessage): RequestResult {
    return this.request(call, "suspend", sus, ["SUS"]);
  }

  resumeRequest(call: CallId, res: IsupMessage): RequestResult {
    return this.request(call, "resume", res, ["RES"]);
  }

  /** INR; T33 runs until the INF (Q.764 §2.1.6). */
  informationRequest(call: CallId, inr: IsupMessage): RequestResult {
    return this.request(call, "informationRequest", inr, ["INR"]);
  }

  informationResponse(call: CallId, inf: IsupMessage): RequestResult {
    return this.request(call, "information", inf, ["INF"]);
  }

  /** Any other message of the call (FAC, USR, APM, ...), or an unrecognised one passed on. */
  callMessageRequest(call: CallId, m: IsupMessage): RequestResult {
    if (!CALL_MESSAGES.has(m.messageType) && m.messageType !== UNRECOGNISED) return { ok: false, reason: `${m.messageType} is not an in-call message` };
    return this.request(call, "callMessage", m);
  }

  /** The continuity result of the previous circuit, for an IAM that said "performed on a previous circuit" (Q.764 §2.1.8). */
  continuityReport(call: CallId, passed: boolean): RequestResult {
    const rec = this.calls.get(call);
    if (rec && continuityRequirement(rec.iam) !== "previous") return { ok: false, reason: "the IAM did not announce a check on a previous circuit" };
    return this.request(call, "continuityReport", { kind: "continuity", passed });
  }

  // ---------------------------------------------------------------------------
  // Media results

  /** The transceiver's result for a check started with ContinuityMedia.startCheck. */
  continuityResult(circuit: CircuitRef, passed: boolean): void {
    const c = this.table.find(circuit.dpc, circuit.cic);
    if (!c) return;
    const ctl = this.controlOf(c);
    const ev = passed ? "checkPassed" : "checkFailed";
    if (ctl.accepts(ev)) ctl.dispatch(ev);
  }

  // ---------------------------------------------------------------------------
  // Management

  circuit(group: string, cic: number): Circuit | undefined {
    const g = this.table.group(group);
    return g?.circuits.find((c) => c.cic === cic);
  }

  private circuits(group: string, cics: readonly number[] | undefined): Circuit[] | string {
    const g = this.table.group(group);
    if (!g) return `no circuit group ${group}`;
    if (!cics) return [...g.circuits];
    const out: Circuit[] = [];
    for (const cic of cics) {
      const c = g.circuits.find((x) => x.cic === cic);
      if (!c) return `CIC ${cic} is not in group ${group}`;
      out.push(c);
    }
    return out;
  }

  private management(group: string, cics: readonly number[] | undefined, act: (cs: Circuit[]) => RequestResult | void): RequestResult {
    if (!this.started || this.stopped) return { ok: false, reason: "ISUP not running" };
    const cs = this.circuits(group, cics);
    if (typeof cs === "string") return { ok: false, reason: cs };
    if (cs.length === 0) return { ok: false, reason: "no circuits" };
    const d = this.destination(cs[0]?.dpc ?? -1);
    if (d?.paused) return { ok: false, reason: `destination ${d.dpc} inaccessible (MTP-PAUSE)` };
    return act(cs) ?? { ok: true };
  }

  /** BLO (Q.764 §2.8.2.1). */
  blockCircuit(group: string, cic: number): RequestResult {
    return this.management(group, [cic], ([c]) => (c && this.supervision.block(c) ? undefined : { ok: false, reason: `CIC ${cic} is already blocked` }));
  }

  /** UBL. */
  unblockCircuit(group: string, cic: number): RequestResult {
    return this.management(group, [cic], ([c]) => (c && this.supervision.unblock(c) ? undefined : { ok: false, reason: `CIC ${cic} is not blocked` }));
  }

  /** CGB (Q.764 §2.8.2.3). */
  blockGroup(group: string, cics: readonly number[] | undefined, type: BlockingType): RequestResult {
    return this.management(group, cics, (cs) => (this.supervision.blockGroup(cs, type) > 0 ? undefined : { ok: false, reason: `no circuit left to block (${type})` }));
  }

  /** CGU. */
  unblockGroup(group: string, cics: readonly number[] | undefined, type: BlockingType): RequestResult {
    return this.management(group, cics, (cs) => (this.supervision.unblockGroup(cs, type) > 0 ? undefined : { ok: false, reason: `no blocked circuit to unblock (${type})` }));
  }

  /** RSC for one circuit (Q.764 §2.9.3.1). */
  resetCircuitRequest(group: string, cic: number): RequestResult {
    return this.management(group, [cic], ([c]) => {
      if (c) this.supervision.resetCircuit(c);
    });
  }

  /** GRS for circuits of a group (all when `cics` is undefined), Q.764 §2.9.3.2. */
  resetGroup(group: string, cics?: readonly number[]): RequestResult {
    return this.management(group, cics, (cs) => this.supervision.resetCircuits(cs));
  }

  /** CQM (Q.764 §2.8.3); `done` receives the comparison with the CQR. */
  queryGroup(group: string, cics: readonly number[] | undefined, done: (r: AuditResult) => void): RequestResult {
    return this.management(group, cics, (cs) => this.supervision.query(cs, done));
  }

  /** A continuity test call on an idle circuit: CCR (Q.764 §2.1.8). */
  continuityTest(group: string, cic: number): RequestResult {
    return this.management(group, [cic], ([c]) => {
      if (!c || !this.available(c)) return { ok: false, reason: `CIC ${cic} is not idle and available` };
      this.controlOf(c).dispatch("continuityTest");
      return undefined;
    });
  }

  status(): CircuitStatus[] {
    return this.table.circuits.map((c) => {
      const ctl = this.controlOf(c);
      const procedures: string[] = [];
      if (c.reset) procedures.push(c.reset.kind);
      if (c.blocking) procedures.push(c.blocking.kind);
      if (c.groupReset) procedures.push("GRS");
      return {
        circuit: c.ref,
        call: ctl.state,
        ...(ctl.call ? { callId: ctl.call.id } : {}),
        localMaintenance: c.localMaintenance,
        localHardware: c.localHardware,
        remoteMaintenance: c.remoteMaintenance,
        remoteHardware: c.remoteHardware,
        remoteUnequipped: c.remoteUnequipped,
        procedures,
      };
    });
  }

  /** Counts for memory checks: live calls and group procedures. */
  counts(): { readonly calls: number; readonly groupProcedures: number } {
    return { calls: this.calls.size, groupProcedures: this.supervision.pendingGroupProcedures };
  }

  /**
   * Consistency of every circuit: a state that waits for the far end has a
   * timer running; a procedure in progress has its timer; calls and circuits
   * point at each other. Returns one line per problem (empty when sound).
   */
  audit(): string[] {
    const problems: string[] = [];
    for (const ctl of this.controls) {
      const c = ctl.circuit;
      const where = `${c.ref.group}/${c.cic}`;
      if (CALL_STATES[ctl.state].awaitsFarEnd && !ctl.anyTimerRunning()) problems.push(`${where}: ${ctl.state} awaits the far end with no timer running`);
      if (ctl.state !== "Idle" && ctl.call === undefined && !CALL_STATES[ctl.state].awaitsFarEnd) problems.push(`${where}: ${ctl.state} without a call`);
      if (ctl.call && this.calls.get(ctl.call.id) !== ctl.call) problems.push(`${where}: call ${ctl.call.id} not registered`);
      if (ctl.call && ctl.call.control !== ctl) problems.push(`${where}: call ${ctl.call.id} points at another circuit`);
      for (const p of [c.reset, c.blocking, c.groupReset]) {
        if (p && (!p.active || !p.timerRunning)) problems.push(`${where}: ${p.kind} in progress with no timer running`);
      }
      if (c.blocking && c.localMaintenance !== "blocking" && c.localMaintenance !== "unblocking") problems.push(`${where}: ${c.blocking.kind} in progress while ${c.localMaintenance}`);
    }
    for (const c of this.supervision.orphans()) {
      // Procedures towards a paused destination are stopped on purpose; they resume after MTP-RESUME.
      if (!this.destinations.get(c.dpc)?.paused) problems.push(`${c.ref.group}/${c.cic}: ${c.localMaintenance}/${c.localHardware} with no procedure in progress`);
    }
    for (const call of this.calls.values()) {
      if (call.control.call !== call) problems.push(`call ${call.id}: its circuit ${call.control.circuit.cic} does not hold it`);
    }
    return problems;
  }
}
