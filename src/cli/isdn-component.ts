/**
 * ISDN PRI / QSIG trunks as a gateway component: for each trunk of the `isdn`
 * configuration, Q.921 on the card's HDLC channel of the D-channel timeslot
 * (one point-to-point data link, SAPI 0, fixed TEI 0: Q.921 §3.3.4.2, §5.3.1),
 * and the Q.931 entity above it (ECMA-143 symmetric basic call in `qsig`
 * mode, a Q.931 user or network side in `q931` mode) with the trunk's
 * B-channels. Calls go to an IsdnCallSink (isdn-call-sink.ts).
 *
 * - Start-up: the data link is established (DL-ESTABLISH.req, Q.931 §5.8.9: a
 *   PRI D-channel is kept up). A network side puts every B-channel out of
 *   service and, once the data link is first up, restarts the whole interface
 *   (RESTART, restart class 7, Q.931 §5.5.1); the channels are usable after
 *   RESTART ACKNOWLEDGE.
 * - Span alarm (LOS, LOF, AIS): the physical layer is deactivated; the data
 *   link is released (Q.921 Annex B) and Q.931 clears the calls not active
 *   internally and keeps active calls under T309 (§5.8.9), every B-channel of
 *   a cleared call back to idle. Re-establishment is deferred until the alarm
 *   clears (Q.921 §5.5.1 needs an active physical layer), then asked for at
 *   once; active calls get STATUS on re-establishment (§5.8.9).
 * - Outgoing calls are refused while the data link is down (cause 27,
 *   destination out of order, Q.850 Table 1: data link failure).
 * - Management: D-channel and B-channel rows with maintenance counters, and
 *   RESTART of B-channels (src/gateway/management/isdn-management.ts).
 */
import type { CardDriver } from "../../drivers/api/card.js";
import type { Clock } from "../core/clock.js";
import { SystemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { resolveTimers } from "../core/timers.js";
import type { GatewayConfig } from "../config/schema.js";
import type { BChannelRestartReply, BChannelRestartRequest, BChannelStatus, DChannelStatus, IsdnManagement, ListBChannelsReply, ListDChannelsReply } from "../gateway/management/isdn-management.js";
import { IsdnManagementError } from "../gateway/management/isdn-management.js";
import { DataLink } from "../isdn/q921/data-link.js";
import type { DataLinkService, DlIndication, MdlErrorIndication } from "../isdn/q921/primitives.js";
import { q921Timers } from "../isdn/q921/timers.js";
import type { CallIndication } from "../isdn/q931/call/call.js";
import { BChannelPool } from "../isdn/q931/call/channels.js";
import { Q931Layer3 } from "../isdn/q931/call/layer3.js";
import type { RestartIndication, SetupResult } from "../isdn/q931/call/layer3.js";
import { CAUSE } from "../isdn/q931/call/messages.js";
import { q931Timers } from "../isdn/q931/timers.js";
import type { IsdnCallSink, IsdnMaintenanceEvent, IsdnRequests } from "./isdn-call-sink.js";
import type { DChannelMonitor } from "./isdn-card-channel.js";
import { CardDChannel } from "./isdn-card-channel.js";
import type { IsdnPlan, PlannedIsdnTrunk } from "./isdn-plan.js";
import { planIsdn } from "./isdn-plan.js";

export interface IsdnComponentOptions {
  readonly config: GatewayConfig;
  readonly log: Logger;
  /** The card, once its component has started. */
  readonly card: () => CardDriver | undefined;
  readonly sink: IsdnCallSink;
  readonly clock?: Clock;
}

/** Maintenance counters of one trunk, beside those of its data link and Q.931 entity. */
export interface IsdnTrunkCounters {
  establishments: number;
  linkFailures: number;
  mdlErrors: number;
  lastMdlError: string;
  restartsRequested: number;
  restartsAcknowledged: number;
  restartsFailed: number;
  restartsReceived: number;
  callsIn: number;
  callsOut: number;
  callsClearedByLinkFailure: number;
}

/** One running trunk: what management and tests may read. */
export interface IsdnTrunk {
  readonly plan: PlannedIsdnTrunk;
  readonly channel: CardDChannel;
  readonly dataLink: DataLink;
  readonly l3: Q931Layer3;
  readonly pool: BChannelPool;
  readonly counters: IsdnTrunkCounters;
}

interface RunningTrunk extends IsdnTrunk {
  /** What the sink was given. */
  readonly requests: IsdnRequests;
  linkUp: boolean;
  /** A DL-ESTABLISH.req held while the physical layer is down. */
  establishHeld: boolean;
  /** The start-up RESTART of the interface is still to be sent (network side). */
  startupRestart: boolean;
}

export class IsdnComponent implements IsdnManagement {
  readonly name = "isdn";
  readonly plan: IsdnPlan;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly monitors = new Set<DChannelMonitor>();
  private running: RunningTrunk[] | undefined;

  constructor(private readonly opts: IsdnComponentOptions) {
    this.plan = planIsdn(opts.config);
    this.clock = opts.clock ?? new SystemClock();
    this.log = opts.log;
  }

  /** The running trunks (empty when stopped). */
  get trunks(): readonly IsdnTrunk[] {
    return this.running ?? [];
  }

  /** A running trunk by name. */
  trunk(name: string): IsdnTrunk | undefined {
    return this.running?.find((t) => t.plan.name === name);
  }

  /** Watch every frame on every D-channel, both directions; returns the function that stops it. */
  monitor(m: DChannelMonitor): () => void {
    this.monitors.add(m);
    return () => this.monitors.delete(m);
  }

  async start(): Promise<void> {
    if (this.running) throw new Error("the isdn component is already running");
    const card = this.opts.card();
    if (!card) throw new Error("the isdn component needs the card to be open first");
    const cfg = this.opts.config;
    const q921T = resolveTimers(q921Timers, cfg.timers["q921"] ?? {});
    const q931T = resolveTimers(q931Timers, cfg.timers["q931"] ?? {});
    const started: RunningTrunk[] = [];
    try {
      for (const p of this.plan.trunks) started.push(this.build(card, p, q921T, q931T));
    } catch (e) {
      for (const t of started) t.channel.close();
      throw e;
    }
    this.running = started;
    for (const t of started) {
      this.opts.sink.attach(t.requests, t.plan.name);
      if (t.startupRestart) for (const c of t.pool.channels) t.pool.setMaintenance(c);
      t.l3.start();
    }
    this.log.info(
      { trunks: started.map((t) => `${t.plan.name}:span${t.plan.span}/ts${t.plan.dChannel}:${t.plan.side}:${t.plan.mode}:${t.plan.bChannels.length}B`) },
      "ISDN started: D-channels establishing",
    );
  }

  private build(card: CardDriver, p: PlannedIsdnTrunk, q921T: ReturnType<typeof resolveTimers<"T200" | "T203">>, q931T: Q931Layer3Timers): RunningTrunk {
    const log = this.log.child({ trunk: p.name, span: p.span, dChannel: p.dChannel });
    const channel = new CardDChannel(card, p.name, p.span, p.dChannel, log, this.monitors);
    const counters: IsdnTrunkCounters = {
      establishments: 0,
      linkFailures: 0,
      mdlErrors: 0,
      lastMdlError: "",
      restartsRequested: 0,
      restartsAcknowledged: 0,
      restartsFailed: 0,
      restartsReceived: 0,
      callsIn: 0,
      callsOut: 0,
      callsClearedByLinkFailure: 0,
    };
    // The trunk record is made last; the callbacks below run only after that.
    const self: { t?: RunningTrunk } = {};
    const trunk = (): RunningTrunk => self.t as RunningTrunk;
    const dataLink = new DataLink({
      channel,
      networkSide: p.side === "network",
      clock: this.clock,
      log,
      timers: q921T,
      parameters: p.q921,
      id: p.name,
      tei: 0,
      onMdlError: (e: MdlErrorIndication) => {
        counters.mdlErrors++;
        counters.lastMdlError = e.code;
      },
    });
    // Layer 3 sees the data link through this service: establishment waits for the physical layer.
    let l3Indication: ((ind: DlIndication) => void) | undefined;
    const service: DataLinkService = {
      establish: () => {
        if (channel.lineDown) {
          trunk().establishHeld = true;
          return;
        }
        dataLink.establish();
      },
      release: () => dataLink.release(),
      data: (m) => dataLink.data(m),
      unitData: (m) => dataLink.unitData(m),
      onIndication: (cb) => {
        l3Indication = cb;
      },
      get established() {
        return dataLink.established;
      },
    };
    dataLink.onIndication((ind) => {
      l3Indication?.(ind);
      this.dataLinkIndication(trunk(), ind);
    });
    const pool = new BChannelPool(p.bChannels, p.hunting);
    const l3 = new Q931Layer3({
      dataLink: service,
      clock: this.clock,
      log,
      timers: q931T,
      side: p.side,
      mode: p.mode,
      channels: pool,
      channelSelection: p.channelSelection,
      restartAttempts: p.restartAttempts,
      id: p.name,
      onIndication: (ind) => this.callIndication(trunk(), ind),
      onRestart: (r) => this.restartIndication(trunk(), r),
    });
    const requests: IsdnRequests = {
      setup: (ies, ch) => this.setup(trunk(), ies, ch),
      requestRestart: (channels) => {
        counters.restartsRequested++;
        l3.requestRestart(channels);
      },
      get dataLinkUp() {
        return l3.dataLinkUp;
      },
      get activeCalls() {
        return l3.activeCalls;
      },
    };
    const t: RunningTrunk = { plan: p, channel, dataLink, l3, pool, counters, requests, linkUp: false, establishHeld: false, startupRestart: p.side === "network" };
    self.t = t;
    channel.onPhysical((active) => this.physical(t, active));
    return t;
  }

  private setup(t: RunningTrunk, ies: Parameters<Q931Layer3["setup"]>[0], channel: number | undefined): SetupResult {
    if (!t.l3.dataLinkUp) return { ok: false, cause: CAUSE.destinationOutOfOrder, reason: `the D-channel of trunk ${t.plan.name} is down` };
    const r = t.l3.setup(ies, channel);
    if (r.ok) t.counters.callsOut++;
    return r;
  }

  private physical(t: RunningTrunk, active: boolean): void {
    if (!active) {
      // Q.921 Annex B: persistent deactivation releases the data link; layer 3 acts on DL-RELEASE.ind.
      t.dataLink.physicalDeactivated();
      return;
    }
    if (t.establishHeld || t.dataLink.state === "TeiAssigned") {
      t.establishHeld = false;
      t.dataLink.establish();
    }
  }

  private maintenance(t: RunningTrunk, event: IsdnMaintenanceEvent): void {
    this.opts.sink.maintenance?.(t.plan.name, event);
  }

  private dataLinkIndication(t: RunningTrunk, ind: DlIndication): void {
    const log = this.log;
    switch (ind.primitive) {
      case "DL-ESTABLISH.ind":
      case "DL-ESTABLISH.conf":
        t.counters.establishments++;
        if (!t.linkUp) {
          t.linkUp = true;
          log.info({ trunk: t.plan.name }, "D-channel up");
          this.maintenance(t, { kind: "d-channel-up" });
        }
        if (t.startupRestart) {
          // Q.931 §5.5.1: the network side restarts the whole interface once it can signal.
          t.startupRestart = false;
          t.counters.restartsRequested++;
          t.l3.requestRestart("all");
        }
        return;
      case "DL-RELEASE.ind":
      case "DL-RELEASE.conf":
        if (t.linkUp) {
          t.linkUp = false;
          t.counters.linkFailures++;
          log.warn({ trunk: t.plan.name, physicalDown: t.channel.lineDown, calls: t.l3.activeCalls.length }, "D-channel down");
          this.maintenance(t, { kind: "d-channel-down", physical: t.channel.lineDown });
        }
        return;
      default:
        return;
    }
  }

  private callIndication(t: RunningTrunk, ind: CallIndication): void {
    if (ind.primitive === "SETUP.ind") t.counters.callsIn++;
    if ((ind.primitive === "RELEASE.ind" || ind.primitive === "RELEASE.conf") && !t.l3.dataLinkUp) t.counters.callsClearedByLinkFailure++;
    this.opts.sink.indication(t.plan.name, ind);
  }

  private restartIndication(t: RunningTrunk, r: RestartIndication): void {
    const log = this.log;
    switch (r.primitive) {
      case "RESTART.ind":
        t.counters.restartsReceived++;
        log.info({ trunk: t.plan.name, channels: r.channels }, "RESTART from the peer: B-channels idle");
        break;
      case "RESTART.conf":
        t.counters.restartsAcknowledged++;
        log.info({ trunk: t.plan.name, channels: r.channels }, "RESTART acknowledged: B-channels idle");
        break;
      case "RESTART.fail":
        t.counters.restartsFailed++;
        log.error({ trunk: t.plan.name, channels: r.channels }, "RESTART not acknowledged: B-channels out of service");
        break;
    }
    this.maintenance(t, { kind: "restart", restart: r });
  }

  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    for (const t of running) {
      this.opts.sink.detach(t.plan.name);
      t.l3.stop();
      t.dataLink.close();
      t.channel.close();
    }
    this.log.info({}, "ISDN stopped");
  }

  detail(): string {
    const r = this.running;
    if (!r) return "";
    const up = r.filter((t) => t.l3.dataLinkUp).length;
    const calls = r.reduce((n, t) => n + t.l3.activeCalls.length, 0);
    const bs = r.reduce((n, t) => n + t.pool.channels.length, 0);
    return `${up}/${r.length} D-channels up, ${bs} B-channels, ${calls} calls`;
  }

  // ---------------------------------------------------------------------------
  // Management

  private need(trunk: string): RunningTrunk[] {
    const r = this.running;
    if (!r) throw new IsdnManagementError("ISDN is not running");
    if (!trunk) return r;
    const t = r.find((x) => x.plan.name === trunk);
    if (!t) throw new IsdnManagementError(`no ISDN trunk ${trunk}; trunks: ${r.map((x) => x.plan.name).join(", ") || "none"}`);
    return [t];
  }

  dChannels(trunk: string): ListDChannelsReply {
    return {
      dChannels: this.need(trunk).map((t): DChannelStatus => {
        const dl = t.dataLink.counters;
        const l3 = t.l3.counters;
        const b = t.pool.summary();
        const c = t.counters;
        return {
          trunk: t.plan.name,
          span: t.plan.span,
          timeslot: t.plan.dChannel,
          side: t.plan.side,
          mode: t.plan.mode,
          level2: t.dataLink.state,
          established: t.dataLink.established,
          physicalDown: t.channel.lineDown,
          restartState: t.l3.globalState,
          calls: t.l3.activeCalls.length,
          bChannelsIdle: b.idle,
          bChannelsReserved: b.reserved,
          bChannelsMaintenance: b.maintenance,
          framesTx: dl.framesOut,
          framesRx: dl.framesIn,
          invalidFrames: dl.invalidFrames + t.channel.counters.errorsReported,
          retransmittedI: dl.retransmittedI,
          messagesTx: l3.messagesOut,
          messagesRx: l3.messagesIn,
          undecodable: l3.undecodable,
          mdlErrors: c.mdlErrors,
          lastMdlError: c.lastMdlError,
          establishments: c.establishments,
          linkFailures: c.linkFailures,
          restartsRequested: c.restartsRequested,
          restartsAcknowledged: c.restartsAcknowledged,
          restartsFailed: c.restartsFailed,
          restartsReceived: c.restartsReceived,
          callsIn: c.callsIn,
          callsOut: c.callsOut,
          callsClearedByLinkFailure: c.callsClearedByLinkFailure,
        };
      }),
    };
  }

  bChannels(trunk: string): ListBChannelsReply {
    const out: BChannelStatus[] = [];
    for (const t of this.need(trunk)) {
      const calls = new Map(t.l3.activeCalls.map((c) => [c.key, c]));
      for (const ch of [...t.pool.channels].sort((a, b) => a - b)) {
        const owner = t.pool.owner(ch);
        const call = owner !== undefined ? calls.get(owner) : undefined;
        out.push({
          trunk: t.plan.name,
          channel: ch,
          span: t.plan.span,
          timeslot: ch,
          state: t.pool.state(ch) ?? "",
          callReference: call?.callReference ?? 0,
          direction: call ? (call.originator === "local" ? "out" : "in") : "",
          callState: call?.state ?? "",
        });
      }
    }
    return { bChannels: out };
  }

  /** RESTART (Q.931 §5.5.1) of B-channels of one trunk, or of its whole interface. */
  restart(req: BChannelRestartRequest): BChannelRestartReply {
    const r = this.need("");
    let t: RunningTrunk;
    if (req.trunk) t = this.need(req.trunk)[0] as RunningTrunk;
    else if (r.length === 1) t = r[0] as RunningTrunk;
    else throw new IsdnManagementError(`${r.length} ISDN trunks: name one (${r.map((x) => x.plan.name).join(", ")})`);
    const unknown = req.channels.filter((c) => !t.pool.has(c));
    if (unknown.length > 0) throw new IsdnManagementError(`trunk ${t.plan.name} has no B-channel ${unknown.join(", ")} (B-channels: ${formatChannels(t.plan.bChannels)})`);
    if (!t.l3.dataLinkUp) throw new IsdnManagementError(`the D-channel of trunk ${t.plan.name} is down: RESTART cannot be sent`);
    const channels = [...new Set(req.channels)].sort((a, b) => a - b);
    t.counters.restartsRequested++;
    t.l3.requestRestart(channels.length === 0 ? "all" : channels);
    this.log.info({ trunk: t.plan.name, channels: channels.length === 0 ? "all" : channels }, "management: RESTART");
    return { trunk: t.plan.name, channels };
  }
}

type Q931Layer3Timers = ReturnType<typeof resolveTimers<keyof (typeof q931Timers)["specs"]>>;

/** "1-15, 17-31" */
function formatChannels(chs: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < chs.length) {
    let j = i;
    while (j + 1 < chs.length && (chs[j + 1] as number) === (chs[j] as number) + 1) j++;
    out.push(i === j ? String(chs[i]) : `${chs[i]}-${chs[j]}`);
    i = j + 1;
  }
  return out.join(", ");
}
