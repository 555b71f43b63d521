/**
 * SS7 as a gateway component: the signalling links of the `ss7`
 * configuration on the card's HDLC channels, one MTP2 link each (Q.703),
 * MTP3 for this signalling end point (Q.704, Q.707), and ISUP (Q.764) with
 * the configured trunks as circuit groups, local blocking kept in a file
 * (Q.764 §2.8.2). Start-up follows Q.764 §2.9.3.2 and §2.15: ISUP starts
 * with every destination inaccessible, so every circuit is reset (GRS, RSC
 * for a lone circuit) when MTP first reports its destination accessible
 * (MTP-RESUME), and again after any loss of it.
 *
 * ISUP indications go to a CallSink (ss7-call-sink.ts). Management reads
 * link and circuit state and runs blocking, reset and query procedures on
 * CIC ranges (sipt-gw links, sipt-gw circuits).
 */
import { dirname, join } from "node:path";
import type { CardDriver } from "../../drivers/api/card.js";
import type { Clock } from "../core/clock.js";
import { SystemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { resolveTimers } from "../core/timers.js";
import type { GatewayConfig } from "../config/schema.js";
import type { CircuitActionReply, CircuitActionRequest, CircuitStatus, CicRange, ListCircuitsReply, ListLinksReply } from "../gateway/management/messages.js";
import { defaultControlSocket } from "../gateway/management/socket-path.js";
import type { ContinuityMedia } from "../ss7/isup/call/continuity-media.js";
import type { IsupNodeOptions } from "../ss7/isup/call/isup-node.js";
import { IsupNode } from "../ss7/isup/call/isup-node.js";
import { ISUP_SERVICE_INDICATOR } from "../ss7/isup/call/mtp-service.js";
import type { AuditResult, CircuitRef } from "../ss7/isup/call/primitives.js";
import { isupTimers } from "../ss7/isup/call/timers.js";
import { FileBlockingStore } from "../ss7/isup/circuits/file-blocking-store.js";
import { Mtp2Link } from "../ss7/mtp2/mtp2-link.js";
import { mtp2Timers } from "../ss7/mtp2/timers.js";
import { Mtp3 } from "../ss7/mtp3/mtp3.js";
import { formatPointCode } from "../ss7/mtp3/point-code.js";
import type { MtpIndication } from "../ss7/mtp3/primitives.js";
import type { Mtp3TimerValues } from "../ss7/mtp3/timers.js";
import { mtp3Timers } from "../ss7/mtp3/timers.js";
import type { CallSink } from "./ss7-call-sink.js";
import type { FrameMonitor } from "./ss7-card-channel.js";
import { CardSignallingChannel } from "./ss7-card-channel.js";
import type { PlannedLink, PlannedTrunk, Ss7Plan } from "./ss7-plan.js";
import { planSs7 } from "./ss7-plan.js";

export interface Ss7ComponentOptions {
  readonly config: GatewayConfig;
  readonly log: Logger;
  /** The card, once its component has started. */
  readonly card: () => CardDriver | undefined;
  readonly sink: CallSink;
  /** Continuity check loop and transceiver; by default, none (see NoContinuityEquipment). */
  readonly media?: ContinuityMedia;
  readonly clock?: Clock;
}

/** A management request the component cannot carry out: the reason is for the operator. */
export class Ss7ManagementError extends Error {}

interface RunningLink {
  readonly plan: PlannedLink;
  readonly channel: CardSignallingChannel;
  readonly mtp2: Mtp2Link;
}

interface Running {
  readonly links: RunningLink[];
  readonly mtp3: Mtp3;
  readonly isup: IsupNode;
}

/** The blocking store's file: configured, or beside the control socket. */
export function blockingStorePath(cfg: GatewayConfig): string {
  if (cfg.ss7?.blockingStore) return cfg.ss7.blockingStore;
  return join(dirname(cfg.control.socket || defaultControlSocket()), "isup-blocking.json");
}

/**
 * A gateway whose media engine provides no continuity check equipment: an
 * incoming check (Q.764 §2.1.8) finds no loop, so the far end's check fails
 * and it releases or re-checks the circuit; an outgoing check (configuration
 * refuses `continuityCheck: true`) reports failure.
 */
export class NoContinuityEquipment implements ContinuityMedia {
  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly result: (circuit: CircuitRef, passed: boolean) => void,
  ) {}

  connectLoop(circuit: CircuitRef): void {
    this.log.warn({ trunk: circuit.group, cic: circuit.cic }, "continuity check requested by the far end: no check loop on this gateway, the check will fail");
  }

  startCheck(circuit: CircuitRef): void {
    this.log.warn({ trunk: circuit.group, cic: circuit.cic }, "continuity check: no transceiver on this gateway, reported as failed");
    // Reported after the current step, as a transceiver would (never re-entrantly).
    this.clock.setTimer(0, () => this.result(circuit, false));
  }

  disconnect(): void {
    // Nothing was connected.
  }
}

export class Ss7Component {
  readonly name = "ss7";
  readonly plan: Ss7Plan;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly monitors = new Set<FrameMonitor>();
  private running: Running | undefined;

  constructor(private readonly opts: Ss7ComponentOptions) {
    const ss7 = opts.config.ss7;
    if (!ss7) throw new Error("the ss7 component needs an ss7 configuration section");
    this.plan = planSs7(ss7);
    this.clock = opts.clock ?? new SystemClock();
    this.log = opts.log;
  }

  /** The running ISUP node (undefined when stopped). */
  get isup(): IsupNode | undefined {
    return this.running?.isup;
  }

  get mtp3(): Mtp3 | undefined {
    return this.running?.mtp3;
  }

  /** Watch every frame on every signalling link, both directions; returns the function that stops it. */
  monitor(m: FrameMonitor): () => void {
    this.monitors.add(m);
    return () => this.monitors.delete(m);
  }

  async start(): Promise<void> {
    if (this.running) throw new Error("the ss7 component is already running");
    const card = this.opts.card();
    if (!card) throw new Error("the ss7 component needs the card to be open first");
    const cfg = this.opts.config;
    const p = this.plan;
    const mtp2T = resolveTimers(mtp2Timers, cfg.timers["mtp2"] ?? {});
    const mtp3T = resolveTimers(mtp3Timers, cfg.timers["mtp3"] ?? {});
    const isupT = resolveTimers(isupTimers, cfg.timers["isup"] ?? {});

    const links: RunningLink[] = [];
    const closeLinks = (): void => {
      for (const l of links) {
        l.mtp2.close();
        l.channel.close();
      }
    };
    try {
      for (const ls of p.linksets) {
        for (const l of ls.links) {
          const log = this.log.child({ link: l.id, span: l.span, timeslot: l.timeslot });
          const channel = new CardSignallingChannel(card, l.id, l.span, l.timeslot, this.clock, log, this.monitors);
          let mtp2: Mtp2Link;
          try {
            mtp2 = new Mtp2Link({ id: l.id, channel, clock: this.clock, log, timers: mtp2T });
          } catch (e) {
            channel.close();
            throw e;
          }
          mtp2.onIndication((ind) => {
            if (ind.type === "in-service") log.info({ slc: l.slc }, "signalling link in service");
            else if (ind.type === "out-of-service") log.warn({ slc: l.slc, reason: ind.reason }, "signalling link out of service");
            else if (ind.type === "remote-processor-outage") log.warn({ slc: l.slc }, "signalling link: remote processor outage");
            else if (ind.type === "remote-processor-recovered") log.info({ slc: l.slc }, "signalling link: remote processor recovered");
          });
          links.push({ plan: l, channel, mtp2 });
        }
      }
    } catch (e) {
      closeLinks();
      throw e;
    }
    let mtp3: Mtp3;
    let isup: IsupNode;
    try {
      ({ mtp3, isup } = this.build(links, isupT, mtp3T));
    } catch (e) {
      closeLinks();
      throw e;
    }
    // MTP is not started: every destination of ISUP is inaccessible until MTP-RESUME (Q.764 §2.15).
    for (const dpc of new Set(p.trunks.map((t) => t.dpc))) isup.mtpIndication({ primitive: "MTP-PAUSE.ind", affectedDpc: dpc });
    const started = isup.start();
    if (!started.ok) {
      isup.stop();
      closeLinks();
      throw new Error(`ISUP did not start: ${started.reason}`);
    }
    this.opts.sink.attach(isup);
    this.running = { links, mtp3, isup };
    mtp3.start();
    this.log.info(
      { variant: p.variant, pointCode: this.pc(p.pointCode), links: links.map((l) => l.plan.id), trunks: p.trunks.map((t) => `${t.name}:${t.group.cics.length}`) },
      "SS7 started: links activating",
    );
  }

  /** MTP3 over the links and ISUP over MTP3, ISUP registered as the user of service indicator 5. Throws on a configuration the layers refuse. */
  private build(links: readonly RunningLink[], isupT: IsupNodeOptions["timers"], mtp3T: Mtp3TimerValues): { mtp3: Mtp3; isup: IsupNode } {
    const p = this.plan;
    const ss7 = this.opts.config.ss7 as NonNullable<GatewayConfig["ss7"]>;
    const linkOf = new Map(links.map((l) => [l.plan, l.mtp2]));
    const mtp3 = new Mtp3({
      id: "mtp3",
      variant: p.variant,
      pointCode: p.pointCode,
      networkIndicator: p.networkIndicator,
      linksets: p.linksets.map((ls) => ({ name: ls.name, adjacentPc: ls.adjacentPc, links: ls.links.map((l) => ({ slc: l.slc, link: linkOf.get(l) as Mtp2Link })) })),
      routes: p.routes,
      clock: this.clock,
      log: this.log.child({ layer: "mtp3" }),
      timers: mtp3T,
    });
    const isupLog = this.log.child({ layer: "isup" });
    const media = this.opts.media ?? new NoContinuityEquipment(isupLog, this.clock, (c, passed) => isup.continuityResult(c, passed));
    const isup = new IsupNode({
      opc: p.pointCode,
      variant: p.variant,
      groups: p.trunks.map((t) => t.group),
      timers: isupT,
      // Q.704 §2.4: MTP-TRANSFER.req for service indicator 5; sent only while the destination is accessible.
      mtp: { transferRequest: (req) => void mtp3.transfer({ ...req, si: ISUP_SERVICE_INDICATOR }) },
      user: this.opts.sink,
      media,
      store: new FileBlockingStore(blockingStorePath(this.opts.config)),
      clock: this.clock,
      log: isupLog,
      causeLocation: ss7.causeLocation,
      sendUcic: ss7.sendUcic,
      // Unrecognised information is passed on: SIP-T carries it (Q.764 §2.9.5.3 transit interpretation).
      passOn: true,
      repeatAttempts: ss7.repeatAttempts,
      congestionSteps: ss7.congestionSteps,
    });
    mtp3.register(ISUP_SERVICE_INDICATOR, (ind) => this.mtpIndication(isup, ind));
    return { mtp3, isup };
  }

  private mtpIndication(isup: IsupNode, ind: MtpIndication): void {
    if (ind.primitive === "MTP-PAUSE.ind") this.log.warn({ destination: this.pc(ind.affectedDpc) }, "destination inaccessible (MTP-PAUSE)");
    else if (ind.primitive === "MTP-RESUME.ind") this.log.info({ destination: this.pc(ind.affectedDpc) }, "destination accessible (MTP-RESUME)");
    else if (ind.primitive === "MTP-STATUS.ind") this.log.warn({ destination: this.pc(ind.affectedDpc), cause: ind.cause }, "MTP-STATUS");
    isup.mtpIndication(ind);
  }

  async stop(): Promise<void> {
    const r = this.running;
    if (!r) return;
    this.running = undefined;
    this.opts.sink.detach();
    r.isup.stop();
    r.mtp3.stop();
    for (const l of r.links) {
      l.mtp2.close();
      l.channel.close();
    }
    this.log.info({}, "SS7 stopped");
  }

  detail(): string {
    const r = this.running;
    if (!r) return "";
    const up = r.links.filter((l) => l.mtp2.state === "InService").length;
    const busy = r.isup.status().filter((c) => c.call !== "Idle").length;
    return `${up}/${r.links.length} links in service, ${r.isup.table.circuits.length} circuits, ${busy} busy`;
  }

  private pc(pc: number): string {
    return formatPointCode(pc, this.plan.variant);
  }

  private need(): Running {
    if (!this.running) throw new Ss7ManagementError("SS7 is not running");
    return this.running;
  }

  // ---------------------------------------------------------------------------
  // Management

  links(): ListLinksReply {
    const r = this.need();
    const status = new Map(r.mtp3.linkStatus().map((s) => [`${s.linkset}/${s.slc}`, s]));
    return {
      variant: this.plan.variant,
      pointCode: this.pc(this.plan.pointCode),
      linksets: this.plan.linksets.map((ls) => ({ name: ls.name, adjacentPointCode: this.pc(ls.adjacentPc), state: r.mtp3.linksetState(ls.name) ?? "" })),
      links: r.links.map((l) => {
        const s = status.get(l.plan.id);
        const c = l.mtp2.counters;
        return {
          linkset: l.plan.linkset,
          slc: l.plan.slc,
          span: l.plan.span,
          timeslot: l.plan.timeslot,
          state: s?.state ?? "",
          level2: l.mtp2.state,
          framesTx: c.framesTx,
          framesRx: c.framesRx,
          msusTx: c.msuTx,
          msusRx: c.msuRx,
          suErrors: c.suErrors,
        };
      }),
      destinations: r.mtp3.destinationStatus().map((d) => ({
        pointCode: this.pc(d.pc),
        accessible: d.accessible,
        via: d.via ?? "",
        routes: d.routes.map((x) => ({ linkset: x.linkset, status: x.status })),
      })),
    };
  }

  /** Circuits of one trunk or of all, within `range` when given; an error when that selects none. */
  circuits(trunk: string, range: CicRange | undefined): ListCircuitsReply {
    const r = this.need();
    if (trunk && !this.plan.trunks.some((t) => t.name === trunk)) throw new Ss7ManagementError(`no trunk ${trunk}; trunks: ${this.plan.trunks.map((x) => x.name).join(", ") || "none"}`);
    const byName = new Map(this.plan.trunks.map((t) => [t.name, t]));
    const out: CircuitStatus[] = [];
    for (const s of r.isup.status()) {
      const t = byName.get(s.circuit.group);
      const cic = s.circuit.cic;
      if (!t || (trunk && t.name !== trunk) || (range && (cic < range.first || cic > range.last))) continue;
      out.push({
        trunk: t.name,
        pointCode: this.pc(t.dpc),
        cic,
        span: t.span,
        timeslot: t.timeslots.get(cic) ?? 0,
        callState: s.call,
        callId: s.callId ?? 0,
        localMaintenance: s.localMaintenance,
        localHardware: s.localHardware,
        remoteMaintenance: s.remoteMaintenance,
        remoteHardware: s.remoteHardware,
        remoteUnequipped: s.remoteUnequipped,
        procedures: [...s.procedures],
      });
    }
    if (out.length === 0 && range) throw new Ss7ManagementError(trunk ? `trunk ${trunk} has no CIC in ${range.first}-${range.last}` : `no trunk has a CIC in ${range.first}-${range.last}`);
    return { circuits: out };
  }

  /**
   * The trunk and its equipped CICs within `range`. Without a trunk name,
   * the one trunk that holds CICs of the range (an error when several do).
   */
  private select(trunk: string, range: CicRange | undefined): { trunk: PlannedTrunk; cics: number[] } {
    const within = (t: PlannedTrunk): number[] => t.group.cics.filter((c) => !range || (c >= range.first && c <= range.last)).sort((a, b) => a - b);
    const what = range ? (range.first === range.last ? `CIC ${range.first}` : `CICs ${range.first}-${range.last}`) : "circuits";
    if (trunk) {
      const t = this.plan.trunks.find((x) => x.name === trunk);
      if (!t) throw new Ss7ManagementError(`no trunk ${trunk}; trunks: ${this.plan.trunks.map((x) => x.name).join(", ") || "none"}`);
      const cics = within(t);
      if (cics.length === 0) throw new Ss7ManagementError(`trunk ${trunk} has no ${what}`);
      return { trunk: t, cics };
    }
    const hits = this.plan.trunks.filter((t) => within(t).length > 0);
    if (hits.length === 0) throw new Ss7ManagementError(`no trunk has ${what}`);
    if (hits.length > 1) throw new Ss7ManagementError(`${what} exist in trunks ${hits.map((t) => t.name).join(", ")}: name one (--trunk)`);
    const t = hits[0] as PlannedTrunk;
    return { trunk: t, cics: within(t) };
  }

  /**
   * Block, unblock, reset or query circuits: one CIC by BLO / UBL / RSC
   * (Q.764 §2.8.2.1, §2.9.3.1), a range by CGB / CGU / GRS (§2.8.2.3,
   * §2.9.3.2); hardware blocking always by CGB / CGU; query by CQM (§2.8.3),
   * answered when every CQR has come or T28 expired.
   */
  async circuitAction(req: CircuitActionRequest): Promise<CircuitActionReply> {
    const r = this.need();
    const { trunk, cics } = this.select(req.trunk, req.range);
    const single = cics.length === 1;
    const first = cics[0] as number;
    const last = cics[cics.length - 1] as number;
    const base: CircuitActionReply = { trunk: trunk.name, first, last, procedure: "", answered: false, discrepancies: [] };
    const check = (res: { ok: true } | { ok: false; reason: string }, procedure: string): CircuitActionReply => {
      if (!res.ok) throw new Ss7ManagementError(res.reason);
      this.log.info({ trunk: trunk.name, first, last, procedure }, `management: ${req.action} CIC ${first}${single ? "" : `-${last}`}`);
      return { ...base, procedure };
    };
    const hw = req.blockingType === "hardware";
    switch (req.action) {
      case "block":
        if (single && !hw) return check(r.isup.blockCircuit(trunk.name, first), "BLO");
        return check(r.isup.blockGroup(trunk.name, cics, req.blockingType), "CGB");
      case "unblock":
        if (single && !hw) return check(r.isup.unblockCircuit(trunk.name, first), "UBL");
        return check(r.isup.unblockGroup(trunk.name, cics, req.blockingType), "CGU");
      case "reset":
        if (single) return check(r.isup.resetCircuitRequest(trunk.name, first), "RSC");
        return check(r.isup.resetGroup(trunk.name, cics), "GRS");
      case "query":
        return this.query(r.isup, trunk, cics, base);
    }
  }

  private query(isup: IsupNode, trunk: PlannedTrunk, cics: number[], base: CircuitActionReply): Promise<CircuitActionReply> {
    return new Promise((resolve, reject) => {
      const waiting = new Set(cics);
      let answered = true;
      const discrepancies: { cic: number; actions: string[] }[] = [];
      let settled = false;
      // Every CQM ends by its CQR or T28 (Q.764 §2.8.3); this bound only guards against a procedure never ending.
      const guard = this.clock.setTimer((isup.timers["T28"] ?? 10_000) + 5_000, () => finish(false));
      const finish = (allAnswered: boolean): void => {
        if (settled) return;
        settled = true;
        guard.cancel();
        resolve({ ...base, procedure: "CQM", answered: answered && allAnswered, discrepancies: discrepancies.sort((a, b) => a.cic - b.cic) });
      };
      const done = (a: AuditResult): void => {
        if (!a.answered) answered = false;
        for (const d of a.discrepancies) discrepancies.push({ cic: d.cic, actions: [...d.actions] });
        for (let c = a.cic; c <= a.cic + a.range; c++) waiting.delete(c);
        if (waiting.size === 0) finish(true);
      };
      const res = isup.queryGroup(trunk.name, cics, done);
      if (!res.ok) {
        settled = true;
        guard.cancel();
        reject(new Ss7ManagementError(res.reason));
        return;
      }
      this.log.info({ trunk: trunk.name, first: base.first, last: base.last }, `management: query CIC ${base.first}-${base.last}`);
    });
  }
}
