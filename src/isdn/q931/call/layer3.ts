/**
 * The Q.931 entity of one D-channel, as ECMA-143 (QSIG basic call) or a
 * Q.931 primary rate user or network side runs it: routes messages to calls
 * by call reference (Q.931 §4.3), answers call reference errors (§5.8.3),
 * checks incoming SETUPs and negotiates their B-channel (§5.2.3, Annex D.3
 * channel collision), runs the restart procedure on the global call
 * reference (§5.5), and reacts to the data link (§5.8.8, §5.8.9).
 *
 *   global call reference:  Rest0 --RESTART sent--> Rest1 (T316) --RESTART ACK--> Rest0
 *                                                       T316 expiry: RESTART again, up to restartAttempts
 *
 * It talks down through DataLinkService (Q.921 DL primitives) and up through
 * CallIndication / RestartIndication callbacks and Q931Call methods.
 */
import type { Clock } from "../../../core/clock.js";
import { FsmInstance } from "../../../core/fsm.js";
import type { FsmDefinition } from "../../../core/fsm.js";
import type { Logger } from "../../../core/logger.js";
import type { TimerValues } from "../../../core/timers.js";
import type { DataLinkService, DlIndication } from "../../q921/primitives.js";
import type { BearerCapability, ChannelIdentification } from "../codec/information-elements.js";
import { IE_BY_NAME } from "../codec/information-elements.js";
import { decodeQ931, encodeQ931, findAnyIe, findIe, ie } from "../codec/q931-codec.js";
import type { Q931Ie, Q931Message } from "../codec/q931-codec.js";
import { messageTypeCode } from "../codec/message-types.js";
import type { Q931MessageName } from "../codec/message-types.js";
import type { q931Timers } from "../timers.js";
import { NETWORK_CALL_STATE, REST_STATE, USER_CALL_STATE } from "./call-states.js";
import type { CallEvent } from "./call-states.js";
import { Q931Call, singleChannel } from "./call.js";
import type { CallContext, CallIndication } from "./call.js";
import type { BChannelPool } from "./channels.js";
import { CAUSE, causeIe, checkIes } from "./messages.js";

export type Q931TimerName = keyof (typeof q931Timers)["specs"];

export type RestartIndication =
  /** The peer restarted channels; their calls were cleared (Q.931 §5.5.2). */
  | { readonly primitive: "RESTART.ind"; readonly channels: readonly number[] | "all" }
  /** Our RESTART was acknowledged (Q.931 §5.5.1). */
  | { readonly primitive: "RESTART.conf"; readonly channels: readonly number[] | "all" }
  /** No RESTART ACKNOWLEDGE after every attempt: the channels stay out of service (Q.931 §5.5.1). */
  | { readonly primitive: "RESTART.fail"; readonly channels: readonly number[] | "all" };

export interface Q931Options {
  readonly dataLink: DataLinkService;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: TimerValues<Q931TimerName>;
  /** Which side of the interface this end is: decides channel collisions (Q.931 Annex D.3) and, in "q931" mode, state numbering. */
  readonly side: "network" | "user";
  /** "qsig": ECMA-143 symmetric procedures. "q931": Q.931 user or network side. */
  readonly mode: "qsig" | "q931";
  readonly channels: BChannelPool;
  /** Channel indication in our SETUPs (Q.931 §5.1.2). */
  readonly channelSelection: "exclusive" | "preferred";
  /** RESTART transmissions before giving up (Q.931 §5.5.1). */
  readonly restartAttempts: number;
  /** Span name in log lines. */
  readonly id: string;
  /** Call reference length in octets: 2 on a primary rate interface (Q.931 §4.3). */
  readonly callReferenceLength?: number;
  /** Bearer capabilities we accept in incoming SETUPs; returns a rejection cause. Default: circuit mode, 64 kbit/s. */
  readonly checkBearer?: (bc: BearerCapability) => number | undefined;
  readonly onIndication: (ind: CallIndication) => void;
  readonly onRestart?: (ind: RestartIndication) => void;
}

/** Circuit mode 64 kbit/s speech, 3.1 kHz audio, 7 kHz audio, unrestricted or restricted digital (Q.931 §4.5.5). */
export function defaultBearerCheck(bc: BearerCapability): number | undefined {
  if (bc.transferMode !== 0 || bc.informationTransferRate !== 0x10) return CAUSE.bearerServiceNotImplemented;
  return [0, 8, 9, 16, 17].includes(bc.informationTransferCapability) ? undefined : CAUSE.bearerServiceNotImplemented;
}

export type SetupResult = { readonly ok: true; readonly call: Q931Call } | { readonly ok: false; readonly cause: number; readonly reason: string };

type GlobalState = "Rest0" | "Rest1";
type GlobalEvent = "RESTART_REQ" | "RESTART_ACK" | "T316";
const GLOBAL_FSM: FsmDefinition<GlobalState, GlobalEvent> = {
  name: "Q931-GLOBAL",
  initial: "Rest0",
  states: {
    Rest0: { accepts: ["RESTART_REQ"], to: ["Rest1"] },
    Rest1: { accepts: ["RESTART_ACK", "T316"], to: ["Rest0", "Rest1"], timer: { name: "T316", expiry: "T316" } },
  },
};

const EVENT_OF: Partial<Record<Q931MessageName, CallEvent>> = {
  SETUP: "SETUP",
  "SETUP ACKNOWLEDGE": "SETUP_ACK",
  "CALL PROCEEDING": "CALL_PROCEEDING",
  ALERTING: "ALERTING",
  PROGRESS: "PROGRESS",
  CONNECT: "CONNECT",
  "CONNECT ACKNOWLEDGE": "CONNECT_ACK",
  DISCONNECT: "DISCONNECT",
  RELEASE: "RELEASE",
  "RELEASE COMPLETE": "RELEASE_COMPLETE",
  INFORMATION: "INFORMATION",
  NOTIFY: "NOTIFY",
  FACILITY: "FACILITY",
  STATUS: "STATUS",
  "STATUS ENQUIRY": "STATUS_ENQUIRY",
};

interface PendingRestart {
  readonly channels: readonly number[] | "all";
  attempts: number;
}

export class Q931Layer3 {
  private readonly o: Q931Options;
  private readonly calls = new Map<string, Q931Call>();
  private readonly ctx: CallContext;
  private readonly global: FsmInstance<GlobalState, GlobalEvent>;
  private readonly crLength: number;
  private nextCr = 1;
  private restart: PendingRestart | undefined;
  private readonly restartQueue: (readonly number[] | "all")[] = [];
  private linkUp = false;
  private stopped = false;
  readonly counters = { messagesIn: 0, messagesOut: 0, undecodable: 0, ignored: 0 };

  constructor(opts: Q931Options) {
    this.o = opts;
    this.crLength = opts.callReferenceLength ?? 2;
    if (this.crLength < 1 || this.crLength > 4) throw new RangeError(`call reference length ${this.crLength} is outside 1..4`);
    const symmetric = opts.mode === "qsig";
    const ours = symmetric || opts.side === "user" ? USER_CALL_STATE : NETWORK_CALL_STATE;
    const peers = symmetric || opts.side === "network" ? USER_CALL_STATE : NETWORK_CALL_STATE;
    this.ctx = {
      clock: opts.clock,
      log: opts.log,
      timers: opts.timers,
      pool: opts.channels,
      numbering: ours,
      peerNumbering: peers,
      // Q.850 Table 1: the private network serving the local user (QSIG), the user, or the public network serving the local user.
      causeLocation: symmetric ? 1 : opts.side === "user" ? 0 : 2,
      callReferenceLength: this.crLength,
      awaitConnectAck: symmetric || opts.side === "user",
      send: (m) => this.send(m),
      indicate: (ind) => opts.onIndication(ind),
      ended: (c) => this.calls.delete(c.key),
      restartChannel: (ch) => this.requestRestart([ch]),
    };
    this.global = new FsmInstance<GlobalState, GlobalEvent>(GLOBAL_FSM, {
      id: opts.id,
      clock: opts.clock,
      log: opts.log,
      timers: opts.timers,
      actions: {
        Rest0: { RESTART_REQ: () => this.sendRestart() },
        Rest1: {
          RESTART_ACK: () => this.restartAcknowledged(),
          T316: () => this.restartTimeout(),
        },
      },
    });
    opts.dataLink.onIndication((ind) => this.onDl(ind));
  }

  /** Ask the data link to come up (DL-ESTABLISH.req); a PRI D-channel is kept up from then on (Q.931 §5.8.9). */
  start(): void {
    if (this.stopped) return;
    this.o.dataLink.establish();
  }

  /**
   * Stop the entity for good (the owner is shutting down): every call ends
   * without messages or indications, timers stop, and data link indications
   * are ignored from then on.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const call of [...this.calls.values()]) call.abandon();
    this.calls.clear();
    this.restartQueue.length = 0;
    this.restart = undefined;
    this.global.terminate("entity stopped");
  }

  get dataLinkUp(): boolean {
    return this.linkUp;
  }

  /** Calls in progress, for management. */
  get activeCalls(): readonly Q931Call[] {
    return [...this.calls.values()];
  }

  /** The global call reference state (REST 0 or REST 1). */
  get globalState(): GlobalState {
    return this.global.state;
  }

  // --- Outgoing calls -----------------------------------------------------------------------

  /**
   * SETUP.req: start an outgoing call. `ies` are the SETUP's elements (Bearer
   * capability at least, Q.931 §3.1.14); the channel identification is added.
   * With `channel`, that B-channel is offered; otherwise one is hunted.
   */
  setup(ies: readonly Q931Ie[], channel?: number): SetupResult {
    if (this.stopped) return { ok: false, cause: CAUSE.temporaryFailure, reason: `Q.931 entity ${this.o.id} is stopped` };
    if (!findIe({ ies }, "bearerCapability")) return { ok: false, cause: CAUSE.mandatoryIeMissing, reason: "SETUP needs a Bearer capability (Q.931 §3.1.14)" };
    const ch = channel ?? this.o.channels.hunt();
    if (ch === undefined) return { ok: false, cause: CAUSE.noChannel, reason: "no idle B-channel" };
    if (!this.o.channels.has(ch)) return { ok: false, cause: CAUSE.channelDoesNotExist, reason: `B-channel ${ch} does not exist on this interface` };
    if (!this.o.channels.isIdle(ch)) return { ok: false, cause: CAUSE.requestedChannelNotAvailable, reason: `B-channel ${ch} is ${this.o.channels.state(ch) ?? "unknown"}` };
    const cr = this.allocateCallReference();
    if (cr === undefined) return { ok: false, cause: CAUSE.temporaryFailure, reason: "no free call reference value" };
    const call = new Q931Call(this.ctx, cr, "local");
    this.calls.set(call.key, call);
    this.o.channels.reserve(ch, call.key);
    call.startOutgoing(ch, this.o.channelSelection === "exclusive", ies);
    return { ok: true, call };
  }

  private allocateCallReference(): number | undefined {
    const max = 2 ** (this.crLength * 8 - 1) - 1;
    for (let i = 0; i < max; i++) {
      const v = this.nextCr;
      this.nextCr = this.nextCr >= max ? 1 : this.nextCr + 1;
      if (!this.calls.has(`out:${v}`)) return v;
    }
    return undefined;
  }

  // --- Restart (Q.931 §5.5) ---------------------------------------------------------------------

  /** RESTART.req for some B-channels, or for the whole interface. */
  requestRestart(channels: readonly number[] | "all"): void {
    if (channels !== "all") for (const c of channels) if (!this.o.channels.has(c)) throw new RangeError(`B-channel ${c} does not exist`);
    if (this.stopped) return;
    this.restartQueue.push(channels);
    if (this.global.state === "Rest0") this.nextRestart();
  }

  private nextRestart(): void {
    const channels = this.restartQueue.shift();
    if (channels === undefined) return;
    this.restart = { channels, attempts: 0 };
    // Q.931 §5.5.1: calls on the channels are cleared, the channels are unusable until RESTART ACKNOWLEDGE.
    this.clearCallsOn(channels);
    for (const c of channels === "all" ? this.o.channels.channels : channels) this.o.channels.setMaintenance(c);
    this.global.dispatch("RESTART_REQ");
  }

  private restartIes(channels: readonly number[] | "all"): Q931Ie[] {
    if (channels === "all") return [ie("restartIndicator", { restartClass: 7 })];
    const ci: ChannelIdentification = { interfaceType: "primary", exclusive: true, dChannel: false, channelSelection: 1, channels: { codingStandard: 0, elementType: 3, numbers: [...channels] } };
    return [ie("channelIdentification", ci), ie("restartIndicator", { restartClass: 0 })];
  }

  private sendRestart(): void {
    const r = this.restart as PendingRestart;
    r.attempts++;
    this.sendGlobal("RESTART", this.restartIes(r.channels), false);
    this.global.transition("Rest1");
  }

  private restartAcknowledged(): void {
    const r = this.restart as PendingRestart;
    for (const c of r.channels === "all" ? this.o.channels.channels : r.channels) this.o.channels.setIdle(c);
    this.restart = undefined;
    this.global.transition("Rest0");
    this.o.onRestart?.({ primitive: "RESTART.conf", channels: r.channels });
    this.nextRestart();
  }

  private restartTimeout(): void {
    const r = this.restart as PendingRestart;
    if (r.attempts < this.o.restartAttempts) {
      this.sendRestart();
      return;
    }
    // Q.931 §5.5.1: no acknowledgement; the channels stay out of service for maintenance action.
    this.restart = undefined;
    this.global.transition("Rest0");
    this.o.onRestart?.({ primitive: "RESTART.fail", channels: r.channels });
    this.nextRestart();
  }

  private clearCallsOn(channels: readonly number[] | "all"): void {
    for (const call of [...this.calls.values()]) {
      if (call.channel !== undefined && (channels === "all" || channels.includes(call.channel))) call.signal("RESTARTED");
    }
  }

  /** RESTART received (Q.931 §5.5.2). */
  private onRestartReceived(msg: Q931Message): void {
    const ri = findIe(msg, "restartIndicator");
    const ciAny = findAnyIe(msg, "channelIdentification");
    const ci = findIe(msg, "channelIdentification");
    const riId = IE_BY_NAME.get("restartIndicator")?.id as number;
    const ciId = IE_BY_NAME.get("channelIdentification")?.id as number;
    if (!ri) return this.globalStatus(findAnyIe(msg, "restartIndicator") ? CAUSE.invalidIeContents : CAUSE.mandatoryIeMissing, Uint8Array.of(riId));
    let channels: readonly number[] | "all";
    if (ri.restartClass === 0) {
      if (!ciAny) return this.globalStatus(CAUSE.mandatoryIeMissing, Uint8Array.of(ciId));
      const nums = ci?.channels?.numbers;
      if (!ci || ci.interfaceType !== "primary" || ci.dChannel || ci.channels?.elementType !== 3 || !nums || nums.length === 0) return this.globalStatus(CAUSE.invalidIeContents, Uint8Array.of(ciId));
      const unknown = nums.find((n) => !this.o.channels.has(n));
      if (unknown !== undefined) return this.globalStatus(CAUSE.channelDoesNotExist, Uint8Array.of(0x80 | unknown));
      channels = nums;
    } else if (ri.restartClass === 6 || ri.restartClass === 7) {
      if (ciAny) return this.globalStatus(CAUSE.invalidIeContents, Uint8Array.of(ciId));
      channels = "all";
    } else {
      return this.globalStatus(CAUSE.invalidIeContents, Uint8Array.of(riId));
    }
    this.clearCallsOn(channels);
    for (const c of channels === "all" ? this.o.channels.channels : channels) this.o.channels.setIdle(c);
    const ies: Q931Ie[] = ci ? [ie("channelIdentification", ci), ie("restartIndicator", ri)] : [ie("restartIndicator", ri)];
    this.sendGlobal("RESTART ACKNOWLEDGE", ies, true);
    this.o.onRestart?.({ primitive: "RESTART.ind", channels });
  }

  private globalStatus(cause: number, diagnostics?: Uint8Array): void {
    const value = this.global.state === "Rest1" ? REST_STATE.Rest1 : REST_STATE.Rest0;
    this.sendGlobal("STATUS", [causeIe(cause, this.ctx.causeLocation, diagnostics), ie("callState", { codingStandard: 0, value })], true);
  }

  private sendGlobal(type: Q931MessageName, ies: readonly Q931Ie[], flag: boolean): void {
    this.send({ protocolDiscriminator: 8, callReference: { length: this.crLength, value: 0, flag }, messageType: type, ies });
  }

  // --- Data link ------------------------------------------------------------------------------

  private send(msg: Q931Message): void {
    this.counters.messagesOut++;
    const name = typeof msg.messageType === "number" ? `0x${msg.messageType.toString(16)}` : msg.messageType;
    this.o.log.debug({ q931: name, cr: msg.callReference.value, flag: msg.callReference.flag }, `Q931(${this.o.id}): tx ${name} cr=${msg.callReference.value}${msg.callReference.flag ? "'" : ""}`);
    this.o.dataLink.data(encodeQ931(msg));
  }

  private onDl(ind: DlIndication): void {
    if (this.stopped) return;
    switch (ind.primitive) {
      case "DL-DATA.ind":
      case "DL-UNIT-DATA.ind":
        this.receive(ind.data);
        return;
      case "DL-ESTABLISH.conf":
      case "DL-ESTABLISH.ind": {
        const wasUp = this.linkUp;
        this.linkUp = true;
        for (const call of [...this.calls.values()]) {
          call.signal("DL_ESTABLISHED");
          // Q.931 §5.8.8: a DL-ESTABLISH.ind while the link was up is a spontaneous reset.
          if (ind.primitive === "DL-ESTABLISH.ind" && wasUp) call.signal("DL_RESET");
        }
        // Q.921 §5.5.3.2 discards unacknowledged I frames when the link is re-established under a
        // RESTART awaiting its acknowledgement: it is sent again now, not at T316 expiry (Q.931 §5.5.1).
        if (wasUp && this.global.state === "Rest1") this.sendRestart();
        return;
      }
      case "DL-RELEASE.ind":
      case "DL-RELEASE.conf":
        this.linkUp = false;
        for (const call of [...this.calls.values()]) call.signal("DL_RELEASED");
        // Q.931 §5.8.9: ask for re-establishment; the D-channel of a PRI stays up.
        this.o.dataLink.establish();
        return;
    }
  }

  /** One message from the data link (DL-DATA.ind). */
  receive(bytes: Uint8Array): void {
    if (this.stopped) return;
    this.counters.messagesIn++;
    const res = decodeQ931(bytes);
    if (!res.ok) {
      // Q.931 §5.8.1-§5.8.3.1: wrong protocol discriminator, too short, bad call reference: ignored.
      this.counters.undecodable++;
      this.o.log.warn({ q931Error: res.error }, `Q931(${this.o.id}): message ignored: ${res.error.field}: ${res.error.reason}`);
      return;
    }
    const msg = res.value;
    const cr = msg.callReference;
    const name = typeof msg.messageType === "number" ? `0x${msg.messageType.toString(16)}` : msg.messageType;
    this.o.log.debug({ q931: name, cr: cr.value, flag: cr.flag }, `Q931(${this.o.id}): rx ${name} cr=${cr.value}${cr.flag ? "'" : ""}`);
    if (cr.length === 0) {
      // The dummy call reference carries call-independent supplementary services on basic access only.
      this.counters.ignored++;
      this.o.log.info({}, `Q931(${this.o.id}): ${name} with the dummy call reference ignored`);
      return;
    }
    if (cr.value === 0) return this.onGlobal(msg);
    const key = `${cr.flag ? "out" : "in"}:${cr.value}`;
    const call = this.calls.get(key);
    if (msg.messageType === "SETUP") return this.onSetup(msg, call !== undefined);
    if (!call) return this.onUnknownCallReference(msg);
    this.toCall(call, msg);
  }

  private onGlobal(msg: Q931Message): void {
    switch (msg.messageType) {
      case "RESTART":
        return this.onRestartReceived(msg);
      case "RESTART ACKNOWLEDGE":
        if (this.global.state === "Rest1") this.global.dispatch("RESTART_ACK");
        else this.counters.ignored++;
        return;
      case "STATUS":
        return;
      default:
        // Q.931 §5.8.3.2 f)
        return this.globalStatus(CAUSE.invalidCallReference);
    }
  }

  /** Q.931 §5.8.3.2: messages for a call reference we do not know. */
  private onUnknownCallReference(msg: Q931Message): void {
    const reply = (type: Q931MessageName, ies: Q931Ie[]): void =>
      this.send({ protocolDiscriminator: 8, callReference: { ...msg.callReference, flag: !msg.callReference.flag }, messageType: type, ies });
    const cause = (v: number): Q931Ie => causeIe(v, this.ctx.causeLocation);
    switch (msg.messageType) {
      case "RELEASE COMPLETE":
        return; // c)
      case "RELEASE":
        return reply("RELEASE COMPLETE", [cause(CAUSE.invalidCallReference)]); // b)
      case "STATUS":
        // Q.931 §5.8.11 a): a STATUS for a call we do not have, in a state other than Null.
        if (findIe(msg, "callState")?.value !== 0) reply("RELEASE COMPLETE", [cause(CAUSE.messageNotCompatibleWithState)]);
        return;
      case "STATUS ENQUIRY":
        return reply("STATUS", [cause(CAUSE.responseToStatusEnquiry), ie("callState", { codingStandard: 0, value: 0 })]);
      default:
        // a): RELEASE COMPLETE with cause 81, remaining in Null.
        return reply("RELEASE COMPLETE", [cause(CAUSE.invalidCallReference)]);
    }
  }

  /** Element checks (Q.931 §5.8.6, §5.8.7) and delivery of a message to its call. */
  private toCall(call: Q931Call, msg: Q931Message): void {
    const type = msg.messageType;
    const event = typeof type === "string" ? EVENT_OF[type] : undefined;
    if (event === undefined) {
      // Q.931 §5.8.4: message type unrecognized or not implemented here (cause 97).
      this.statusFor(call, CAUSE.messageTypeNonExistent, Uint8Array.of(messageTypeCode(type)));
      return;
    }
    const chk = checkIes(msg);
    const required = [...chk.missing, ...chk.invalidMandatory, ...chk.unrecognizedRequired];
    const diag = (ids: number[]): Uint8Array => Uint8Array.from(ids);
    const errorCause = chk.missing.length || chk.unrecognizedRequired.length ? CAUSE.mandatoryIeMissing : CAUSE.invalidIeContents;
    if (event === "DISCONNECT" || event === "RELEASE" || event === "RELEASE_COMPLETE") {
      if (required.length && event !== "RELEASE_COMPLETE") {
        call.receive(event, msg, { answerCause: errorCause, diagnostics: diag(required) });
      } else if (chk.unrecognized.length && event !== "RELEASE_COMPLETE") {
        call.receive(event, msg, { answerCause: CAUSE.ieNonExistent, diagnostics: diag(chk.unrecognized) });
      } else {
        call.receive(event, msg);
      }
      return;
    }
    if (required.length) {
      // Q.931 §5.8.6.1, §5.8.6.2, §5.8.7.1: the message is not acted on; STATUS reports the error.
      this.statusFor(call, errorCause, diag(required));
      return;
    }
    const acted = call.receive(event, msg);
    if (!acted) return;
    if (chk.unrecognized.length) this.statusFor(call, CAUSE.ieNonExistent, diag(chk.unrecognized));
    else if (chk.invalidOptional.length) this.statusFor(call, CAUSE.invalidIeContents, diag(chk.invalidOptional));
  }

  private statusFor(call: Q931Call, cause: number, diagnostics: Uint8Array): void {
    if (call.state === "Null") return;
    this.send({
      protocolDiscriminator: 8,
      callReference: { length: this.crLength, value: call.callReference, flag: call.originator === "remote" },
      messageType: "STATUS",
      ies: [causeIe(cause, this.ctx.causeLocation, diagnostics), ie("callState", { codingStandard: 0, value: call.callStateValue })],
    });
  }

  // --- Incoming SETUP (Q.931 §5.2, ECMA-143 §10.2) ------------------------------------------------

  private onSetup(msg: Q931Message, known: boolean): void {
    const cr = msg.callReference;
    // Q.931 §5.8.3.2 d), e): SETUP with the flag set, or for a call reference in use, is ignored.
    if (cr.flag || known) {
      this.counters.ignored++;
      this.o.log.warn({ cr: cr.value }, `Q931(${this.o.id}): SETUP cr=${cr.value}${cr.flag ? "'" : ""} ignored (${cr.flag ? "call reference flag set" : "call reference in use"})`);
      return;
    }
    const reject = (cause: number, diagnostics?: Uint8Array): void =>
      this.send({
        protocolDiscriminator: 8,
        callReference: { length: cr.length, value: cr.value, flag: true },
        messageType: "RELEASE COMPLETE",
        ies: [causeIe(cause, this.ctx.causeLocation, diagnostics)],
      });
    // Q.931 §5.8.6, §5.8.7.1 for SETUP: RELEASE COMPLETE with cause 96 or 100. ECMA-143 makes the channel mandatory.
    const chk = checkIes(msg, ["channelIdentification"]);
    if (chk.missing.length || chk.unrecognizedRequired.length) return reject(CAUSE.mandatoryIeMissing, Uint8Array.from([...chk.missing, ...chk.unrecognizedRequired]));
    if (chk.invalidMandatory.length) return reject(CAUSE.invalidIeContents, Uint8Array.from(chk.invalidMandatory));
    const bc = findIe(msg, "bearerCapability") as BearerCapability;
    const bearerCause = (this.o.checkBearer ?? defaultBearerCheck)(bc);
    if (bearerCause !== undefined) return reject(bearerCause);
    const choice = this.chooseIncomingChannel(findIe(msg, "channelIdentification") as ChannelIdentification);
    if ("cause" in choice) return reject(choice.cause, choice.diagnostics);
    const call = new Q931Call(this.ctx, cr.value, "remote");
    this.calls.set(call.key, call);
    if (choice.takeFrom) {
      this.o.channels.transfer(choice.channel, choice.takeFrom.key, call.key);
      choice.takeFrom.loseChannel();
      this.o.log.info({ channel: choice.channel }, `Q931(${this.o.id}): channel collision on B-channel ${choice.channel}, incoming call cr=${cr.value} awarded the channel`);
    } else {
      this.o.channels.reserve(choice.channel, call.key);
    }
    call.startIncoming(choice.channel, msg);
    if (chk.unrecognized.length) this.statusFor(call, CAUSE.ieNonExistent, Uint8Array.from(chk.unrecognized));
  }

  /**
   * Channel negotiation for an incoming SETUP (Q.931 §5.2.3.1; ECMA-143) and
   * channel collision with our own SETUP still awaiting its first response
   * (Q.931 Annex D.3: network side wins preferred/preferred and
   * exclusive/exclusive; otherwise the exclusive indication wins).
   */
  private chooseIncomingChannel(ci: ChannelIdentification): { channel: number; takeFrom?: Q931Call } | { cause: number; diagnostics?: Uint8Array } {
    const pool = this.o.channels;
    if (ci.interfaceType !== "primary") return { cause: CAUSE.invalidIeContents, diagnostics: Uint8Array.of(0x18) };
    if (ci.channelSelection === 0) return { cause: CAUSE.serviceNotAvailable };
    if (ci.channelSelection === 3 || (ci.channelSelection === 1 && !ci.channels)) {
      const any = pool.hunt();
      return any === undefined ? { cause: CAUSE.noChannel } : { channel: any };
    }
    const wanted = singleChannel(ci);
    if (wanted === undefined) return { cause: CAUSE.invalidIeContents, diagnostics: Uint8Array.of(0x18) };
    const alternative = (): { channel: number } | { cause: number } => {
      const other = pool.hunt();
      return other === undefined ? { cause: CAUSE.noChannel } : { channel: other };
    };
    if (!pool.has(wanted)) return ci.exclusive ? { cause: CAUSE.channelDoesNotExist, diagnostics: Uint8Array.of(0x80 | wanted) } : alternative();
    if (pool.isIdle(wanted)) return { channel: wanted };
    const owner = pool.owner(wanted);
    const ours = owner ? this.calls.get(owner) : undefined;
    if (ours && ours.originator === "local" && ours.state === "CallInitiated") {
      const oursExclusive = this.o.channelSelection === "exclusive";
      const incomingWins = this.o.side === "user" ? !(oursExclusive && !ci.exclusive) : ci.exclusive && !oursExclusive;
      if (incomingWins) return { channel: wanted, takeFrom: ours };
      // Annex D.3 b): both exclusive, the network side's call keeps the channel.
      if (ci.exclusive) return { cause: CAUSE.noChannel };
      return alternative();
    }
    return ci.exclusive ? { cause: CAUSE.requestedChannelNotAvailable } : alternative();
  }
}

