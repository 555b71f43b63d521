/**
 * MTP3 for a signalling end point, Q.704 and Q.707:
 *  - signalling message handling (§2): HMDC discriminates (network indicator,
 *    DPC = own point code; no STP function, so others are discarded), HMDT
 *    distributes by service indicator to SNM, the link test (Q.707) or the
 *    registered user part (UPU "unequipped remote user" when none, §2.4),
 *    HMRT routes by destination to a linkset and by SLS to a link (§2.3, §4.2);
 *  - signalling link management and traffic management per link
 *    (signalling-link.ts: §5 changeover, §6 changeback, §12 activation and
 *    restoration) and per linkset (linkset.ts: §9 restart with TRA);
 *  - signalling route management (§13): TFP/TFR/TFA set the status of the
 *    route through an adjacent point, the route set test repeats every T10,
 *    forced rerouting (§7) is immediate, controlled rerouting (§8) holds the
 *    traffic for T6; MTP-PAUSE / MTP-RESUME when a destination's accessibility
 *    changes, MTP-STATUS for TFC and UPU (§11.2);
 *  - management inhibiting answered (§10: LIN -> LIA or LID, LUN -> LUA,
 *    LLT/LRT/LFU); this end never inhibits a link itself.
 */
import type { Clock, TimerHandle } from "../../core/clock.js";
import { toHex } from "../../core/bytes.js";
import type { Logger } from "../../core/logger.js";
import { formatDecodeError } from "../../core/result.js";
import { resolveTimers } from "../../core/timers.js";
import type { LscState } from "../mtp2/lsc.js";
import type { Mtp2Indication, Mtp2Service } from "../mtp2/mtp2-link.js";
import { RunQueue } from "../mtp2/run-queue.js";
import { Linkset } from "./linkset.js";
import { decodeMtp3Message, encodeMtp3Message, SERVICE_INDICATOR } from "./msu-codec.js";
import type { Mtp3Message, RoutingLabel } from "./msu-codec.js";
import { formatPointCode, isPointCode } from "./point-code.js";
import type { Mtp3Variant } from "./point-code.js";
import type { MtpIndication, MtpTransferRequest, MtpUser, UserPartUnavailableCause } from "./primitives.js";
import { SignallingLink } from "./signalling-link.js";
import type { LinkState } from "./signalling-link.js";
import { decodeSlt, encodeSlt } from "./slt-codec.js";
import type { SltMessage } from "./slt-codec.js";
import { decodeSnm, encodeSnm, UPU_CAUSE } from "./snm-codec.js";
import type { SnmMessage } from "./snm-codec.js";
import { mtp3Timers } from "./timers.js";
import type { Mtp3TimerValues } from "./timers.js";

export interface Mtp3LinkConfig {
  /** Signalling link code, 0..15. */
  readonly slc: number;
  readonly link: Mtp2Service;
}

export interface Mtp3LinksetConfig {
  readonly name: string;
  readonly adjacentPc: number;
  readonly links: readonly Mtp3LinkConfig[];
}

export interface Mtp3RouteConfig {
  readonly destination: number;
  /** Linkset names in order of priority: the first is the normal route. */
  readonly linksets: readonly string[];
}

export interface Mtp3Options {
  /** Name in log lines. */
  readonly id: string;
  readonly variant: Mtp3Variant;
  readonly pointCode: number;
  /** Network indicator of this signalling network, 0..3 (2 = national). */
  readonly networkIndicator: number;
  readonly linksets: readonly Mtp3LinksetConfig[];
  /** Destinations beyond the adjacent points. Each adjacent point is a destination through its own linkset. */
  readonly routes?: readonly Mtp3RouteConfig[];
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers?: Mtp3TimerValues;
  /** Q.707 test pattern, 1..15 octets. */
  readonly sltPattern?: Uint8Array;
}

export type RouteStatus = "allowed" | "restricted" | "prohibited";

interface Route {
  readonly linkset: Linkset;
  status: RouteStatus;
  testTimer: TimerHandle | undefined;
}

interface Destination {
  readonly pc: number;
  readonly routes: Route[];
  accessible: boolean;
  current: Linkset | undefined;
  /** Controlled rerouting (Q.704 §8): traffic held for T6. */
  held: Uint8Array[] | undefined;
  heldTimer: TimerHandle | undefined;
}

export interface Mtp3LinkStatus {
  readonly linkset: string;
  readonly slc: number;
  readonly state: LinkState;
  readonly level2: LscState;
}

export interface Mtp3DestinationStatus {
  readonly pc: number;
  readonly accessible: boolean;
  readonly via: string | undefined;
  readonly routes: readonly { readonly linkset: string; readonly status: RouteStatus }[];
}

const DEFAULT_SLT_PATTERN = new TextEncoder().encode("SIPT-GW MTP SLT");
const SLT_SI = SERVICE_INDICATOR.SNTM;

export class Mtp3 {
  readonly variant: Mtp3Variant;
  readonly pointCode: number;
  readonly networkIndicator: number;
  private readonly id: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly timers: Mtp3TimerValues;
  private readonly pattern: Uint8Array;
  private readonly queue = new RunQueue();
  private readonly linksets = new Map<string, Linkset>();
  private readonly links: SignallingLink[] = [];
  private readonly destinations = new Map<number, Destination>();
  private readonly users = new Map<number, MtpUser>();
  private changebackCode = 0;

  constructor(opts: Mtp3Options) {
    this.id = opts.id;
    this.variant = opts.variant;
    this.pointCode = opts.pointCode;
    this.networkIndicator = opts.networkIndicator;
    this.clock = opts.clock;
    this.log = opts.log;
    this.timers = opts.timers ?? resolveTimers(mtp3Timers);
    this.pattern = opts.sltPattern ?? DEFAULT_SLT_PATTERN;
    this.checkConfig(opts);

    const fsmBase = { clock: this.clock, log: this.log, timers: this.timers, queue: this.queue };
    for (const lsc of opts.linksets) {
      const ls = new Linkset(
        { ...fsmBase, name: lsc.name, adjacentPc: lsc.adjacentPc },
        { sendTra: (l) => this.sendTra(l), stateChanged: (l) => this.linksetChanged(l) },
      );
      const links = lsc.links.map(
        (c) =>
          new SignallingLink(
            { ...fsmBase, linkset: lsc.name, slc: c.slc, mtp2: c.link },
            {
              sendSltm: (l) => this.sendSlt(l, l, { type: "SLTM", slc: l.slc, pattern: this.pattern }, l.slc),
              sendSnmAbout: (l, msg) => this.sendSnmAbout(l, msg),
              alternativeAvailable: (l) => ls.links.some((o) => o !== l && o.available),
              divert: (msgs) => {
                for (const m of msgs) this.routeEncoded(m);
              },
              availabilityChanged: () => ls.linkAvailabilityChanged(),
              nextChangebackCode: () => (this.changebackCode = (this.changebackCode + 1) & 0xff),
            },
          ),
      );
      ls.setLinks(links);
      this.linksets.set(lsc.name, ls);
      for (const l of links) {
        this.links.push(l);
        // Posted: an indication may arrive while MTP3 is inside an action (e.g. it stopped the link).
        l.mtp2.onIndication((ind) => this.queue.post(() => this.level2(l, ind)));
      }
    }
    for (const ls of this.linksets.values()) this.addDestination(ls.adjacentPc, [ls.name]);
    for (const r of opts.routes ?? []) this.addDestination(r.destination, r.linksets);
  }

  private checkConfig(opts: Mtp3Options): void {
    const v = opts.variant;
    const bad = (what: string): never => {
      throw new RangeError(`MTP3 ${opts.id}: ${what}`);
    };
    if (!isPointCode(opts.pointCode, v)) bad(`own point code ${opts.pointCode} is not a ${v.toUpperCase()} point code`);
    if (!Number.isInteger(opts.networkIndicator) || opts.networkIndicator < 0 || opts.networkIndicator > 3) bad(`network indicator ${opts.networkIndicator} is not 0..3`);
    if (this.pattern.length < 1 || this.pattern.length > 15) bad(`test pattern of ${this.pattern.length} octets is not 1..15 (Q.707 §5)`);
    const names = new Set<string>();
    for (const ls of opts.linksets) {
      if (names.has(ls.name)) bad(`linkset ${ls.name} declared twice`);
      names.add(ls.name);
      if (!isPointCode(ls.adjacentPc, v)) bad(`linkset ${ls.name}: adjacent point code ${ls.adjacentPc} is invalid`);
      if (ls.links.length === 0 || ls.links.length > 16) bad(`linkset ${ls.name}: ${ls.links.length} links, must be 1..16`);
      const slcs = new Set<number>();
      for (const l of ls.links) {
        if (!Number.isInteger(l.slc) || l.slc < 0 || l.slc > 15) bad(`linkset ${ls.name}: SLC ${l.slc} is not 0..15`);
        if (slcs.has(l.slc)) bad(`linkset ${ls.name}: SLC ${l.slc} used twice`);
        slcs.add(l.slc);
      }
    }
    for (const r of opts.routes ?? []) {
      if (!isPointCode(r.destination, v)) bad(`route destination ${r.destination} is invalid`);
      for (const n of r.linksets) if (!names.has(n)) bad(`route to ${formatPointCode(r.destination, v)} names unknown linkset ${n}`);
    }
  }

  private addDestination(pc: number, linksetNames: readonly string[]): void {
    const routes = linksetNames.map((n) => ({ linkset: this.linksets.get(n) as Linkset, status: "allowed" as RouteStatus, testTimer: undefined }));
    const existing = this.destinations.get(pc);
    if (existing) {
      // An explicit route to an adjacent point replaces the implicit one.
      existing.routes.splice(0, existing.routes.length, ...routes);
      return;
    }
    this.destinations.set(pc, { pc, routes, accessible: false, current: undefined, held: undefined, heldTimer: undefined });
  }

  private pc(pc: number): string {
    return formatPointCode(pc, this.variant);
  }

  // ---- users and primitives ---------------------------------------------------------------

  /** Register the user part for a service indicator (ISUP = 5); returns the function that unregisters it. */
  register(si: number, user: MtpUser): () => void {
    if (!Number.isInteger(si) || si < 3 || si > 15) throw new RangeError(`MTP3 ${this.id}: service indicator ${si} cannot have a user part (0-2 belong to MTP)`);
    if (this.users.has(si)) throw new RangeError(`MTP3 ${this.id}: service indicator ${si} already has a user part`);
    this.users.set(si, user);
    for (const d of this.destinations.values()) if (d.accessible) user({ primitive: "MTP-RESUME.ind", affectedDpc: d.pc });
    return () => {
      if (this.users.get(si) === user) this.users.delete(si);
    };
  }

  private indicate(ind: MtpIndication, only?: number): void {
    for (const [si, u] of this.users) if (only === undefined || only === si) u(ind);
  }

  /**
   * MTP-TRANSFER.request (HMRT, Q.704 §2.3). False when the destination is not
   * accessible or unknown. The SLS must fit the label (4 bits ITU, 8 ANSI);
   * a request that does not fit throws EncodeError (a bug in the user part).
   */
  transfer(req: MtpTransferRequest): boolean {
    let ok = false;
    this.queue.run(() => {
      const payload = encodeMtp3Message(
        {
          sio: { si: req.si, ni: this.networkIndicator, priority: req.priority ?? 0 },
          label: { dpc: req.dpc, opc: req.opc ?? this.pointCode, sls: req.sls },
          userData: req.userData,
        },
        this.variant,
      );
      ok = this.routeTo(req.dpc, req.sls, payload);
    });
    return ok;
  }

  private routeTo(dpc: number, sls: number, payload: Uint8Array): boolean {
    const d = this.destinations.get(dpc);
    if (d === undefined) {
      this.log.warn({ dpc }, `MTP3(${this.id}): no route to ${this.pc(dpc)}, message discarded`);
      return false;
    }
    if (!d.accessible || d.current === undefined) return false;
    if (d.held) {
      d.held.push(payload);
      return true;
    }
    return d.current.route(sls, payload) !== "no link";
  }

  /** Route an already encoded SIO+SIF again (retrieved or buffered messages). */
  private routeEncoded(payload: Uint8Array): void {
    const r = decodeMtp3Message(payload, this.variant);
    if (!r.ok || !this.routeTo(r.value.label.dpc, r.value.label.sls, payload)) {
      this.log.warn({ payload: toHex(payload) }, `MTP3(${this.id}): diverted message could not be routed, discarded`);
    }
  }

  // ---- management -----------------------------------------------------------------------------

  /** Activate every signalling link (Q.704 §12.2). */
  start(): void {
    this.queue.run(() => {
      for (const l of this.links) l.offer("Activate");
    });
  }

  /** Deactivate every signalling link. */
  stop(): void {
    this.queue.run(() => {
      for (const l of this.links) l.offer("Deactivate");
      for (const d of this.destinations.values()) {
        for (const r of d.routes) r.testTimer?.cancel();
        d.heldTimer?.cancel();
      }
    });
  }

  linkStatus(): Mtp3LinkStatus[] {
    return this.links.map((l) => ({ linkset: l.linkset, slc: l.slc, state: l.state, level2: l.mtp2.state }));
  }

  destinationStatus(): Mtp3DestinationStatus[] {
    return [...this.destinations.values()].map((d) => ({
      pc: d.pc,
      accessible: d.accessible,
      via: d.current?.name,
      routes: d.routes.map((r) => ({ linkset: r.linkset.name, status: r.status })),
    }));
  }

  linksetState(name: string): string | undefined {
    return this.linksets.get(name)?.state;
  }

  // ---- level 2 indications and HMDC / HMDT -------------------------------------------------

  private level2(link: SignallingLink, ind: Mtp2Indication): void {
    switch (ind.type) {
      case "in-service":
        link.offer("InService");
        return;
      case "out-of-service":
        link.offer("OutOfService");
        return;
      case "remote-processor-outage":
        link.offer("RemoteProcessorOutage");
        return;
      case "remote-processor-recovered":
        link.offer("RemoteProcessorRecovered");
        return;
      case "message":
        this.discriminate(link, ind.payload);
        return;
    }
  }

  /** HMDC, Q.704 §2.4: this signalling point has no STP function. */
  private discriminate(link: SignallingLink, payload: Uint8Array): void {
    const r = decodeMtp3Message(payload, this.variant);
    if (!r.ok) {
      this.log.warn({ link: link.id, error: r.error }, `MTP3(${this.id}): ${formatDecodeError(r.error)}; message discarded`);
      return;
    }
    const m = r.value;
    if (m.sio.ni !== this.networkIndicator) {
      this.log.warn({ link: link.id, ni: m.sio.ni }, `MTP3(${this.id}): message with network indicator ${m.sio.ni}, this network is ${this.networkIndicator}; discarded`);
      return;
    }
    if (m.label.dpc !== this.pointCode) {
      this.log.warn({ link: link.id, dpc: m.label.dpc }, `MTP3(${this.id}): message for ${this.pc(m.label.dpc)} is not for this point (${this.pc(this.pointCode)}) and there is no STP function; discarded`);
      return;
    }
    this.distribute(link, m);
  }

  /** HMDT, Q.704 §2.4. */
  private distribute(link: SignallingLink, m: Mtp3Message): void {
    const si = m.sio.si;
    if (si === SERVICE_INDICATOR.SNM) {
      const r = decodeSnm(m.userData, this.variant);
      if (r.ok) this.networkManagement(link, m.label, r.value);
      else this.log.warn({ link: link.id, error: r.error }, `MTP3(${this.id}): ${formatDecodeError(r.error)}; SNM message discarded`);
      return;
    }
    if (si === SLT_SI || (this.variant === "ansi" && si === SERVICE_INDICATOR.SNTM_SPECIAL)) {
      const r = decodeSlt(m.userData, this.variant);
      if (r.ok) this.linkTest(link, m.label, r.value, si);
      else this.log.warn({ link: link.id, error: r.error }, `MTP3(${this.id}): ${formatDecodeError(r.error)}; test message discarded`);
      return;
    }
    const user = this.users.get(si);
    if (user === undefined) {
      // Q.704 §2.4, §11.2: no user part for this service indicator: UPU to the originator.
      this.log.warn({ si, opc: m.label.opc }, `MTP3(${this.id}): no user part for service indicator ${si}; UPU to ${this.pc(m.label.opc)}`);
      this.sendRouted(m.label.opc, m.label.sls, { type: "UPU", destination: this.pointCode, userPartId: si, cause: UPU_CAUSE.unequippedRemoteUser });
      return;
    }
    user({
      primitive: "MTP-TRANSFER.ind",
      opc: m.label.opc,
      dpc: m.label.dpc,
      sls: m.label.sls,
      si,
      ni: m.sio.ni,
      priority: m.sio.priority,
      userData: m.userData,
    });
  }

  // ---- Q.707 signalling link test ------------------------------------------------------------

  private linkTest(link: SignallingLink, label: RoutingLabel, msg: SltMessage, si: number): void {
    const ls = this.linksets.get(link.linkset) as Linkset;
    const slc = this.variant === "itu" ? label.sls : (msg.slc ?? label.sls);
    if (msg.type === "SLTM") {
      // Q.707 §2.2: SLTA on the link the SLTM names, with the same pattern.
      const named = ls.linkBySlc(slc);
      const via = named !== undefined && named.mtp2.state === "InService" ? named : link;
      if (named === undefined) this.log.warn({ link: link.id, slc }, `MTP3(${this.id}): SLTM names SLC ${slc}, not a link of ${ls.name}; answered on ${link.id}`);
      this.sendSlt(via, link, { type: "SLTA", slc, pattern: msg.pattern }, label.sls, label.opc, si);
      return;
    }
    // Q.707 §2.2 criteria: SLC of the link it arrived on, OPC of the adjacent point, same pattern.
    const ok = slc === link.slc && label.opc === ls.adjacentPc && toHex(msg.pattern) === toHex(this.pattern);
    if (!ok) {
      this.log.warn(
        { link: link.id, slc, opc: label.opc, pattern: toHex(msg.pattern) },
        `MTP3(${this.id}): SLTA on ${link.id} fails the test (SLC ${slc}, OPC ${this.pc(label.opc)}, pattern ${toHex(msg.pattern)})`,
      );
    }
    link.offer(ok ? "SltaOk" : "SltaBad");
  }

  private sendSlt(via: SignallingLink, about: SignallingLink, msg: SltMessage, sls: number, dpc?: number, si: number = SLT_SI): void {
    const ls = this.linksets.get(about.linkset) as Linkset;
    const payload = encodeMtp3Message(
      {
        sio: { si, ni: this.networkIndicator, priority: this.variant === "ansi" ? 3 : 0 },
        label: { dpc: dpc ?? ls.adjacentPc, opc: this.pointCode, sls },
        userData: encodeSlt(msg, this.variant),
      },
      this.variant,
    );
    via.mtp2.transmit(payload);
  }

  // ---- signalling network management ---------------------------------------------------------

  private snmPayload(dpc: number, sls: number, msg: SnmMessage): Uint8Array {
    return encodeMtp3Message(
      {
        sio: { si: SERVICE_INDICATOR.SNM, ni: this.networkIndicator, priority: this.variant === "ansi" ? 3 : 0 },
        label: { dpc, opc: this.pointCode, sls },
        userData: encodeSnm(msg, this.variant),
      },
      this.variant,
    );
  }

  /** A message about `link` to the adjacent point, on another link of the linkset (Q.704 §5.2, §6.2). */
  private sendSnmAbout(link: SignallingLink, msg: SnmMessage): boolean {
    const ls = this.linksets.get(link.linkset) as Linkset;
    const via = ls.managementLink(link);
    if (via === undefined) return false;
    // Q.704 §15.2: in ITU networks the SLS of a link-related message is the SLC of the link concerned.
    via.mtp2.transmit(this.snmPayload(ls.adjacentPc, link.slc, msg));
    return true;
  }

  /** An SNM message routed like traffic (TRA, UPU, RST, answers to inhibit tests). */
  private sendRouted(dpc: number, sls: number, msg: SnmMessage): void {
    if (!this.routeTo(dpc, sls, this.snmPayload(dpc, sls, msg))) {
      this.log.warn({ dpc, type: msg.type }, `MTP3(${this.id}): ${msg.type} to ${this.pc(dpc)} not sent, no route`);
    }
  }

  private sendTra(ls: Linkset): void {
    const via = ls.links.find((l) => l.available);
    if (via === undefined) return;
    via.mtp2.transmit(this.snmPayload(ls.adjacentPc, via.slc, { type: "TRA" }));
  }

  private networkManagement(link: SignallingLink, label: RoutingLabel, msg: SnmMessage): void {
    const ls = this.linksets.get(link.linkset) as Linkset;
    if (label.opc !== ls.adjacentPc) {
      this.log.warn({ link: link.id, opc: label.opc, type: msg.type }, `MTP3(${this.id}): ${msg.type} from ${this.pc(label.opc)} on a link to ${this.pc(ls.adjacentPc)}; discarded`);
      return;
    }
    const slc = this.variant === "itu" ? label.sls : (msg.slc ?? label.sls);
    const concerned = ls.linkBySlc(slc);
    const about = (): SignallingLink | undefined => {
      if (concerned === undefined) this.log.warn({ link: link.id, slc, type: msg.type }, `MTP3(${this.id}): ${msg.type} for SLC ${slc}, not a link of ${ls.name}; discarded`);
      return concerned;
    };
    /** Answer on the link the order came on when it can carry it, else on another one. */
    const answer = (m: SnmMessage): void => {
      const via = link.canCarryManagement || link.state === "Testing" ? link : ls.managementLink(concerned);
      if (via === undefined) {
        this.log.warn({ type: m.type }, `MTP3(${this.id}): no link to answer ${msg.type} with ${m.type}`);
        return;
      }
      via.mtp2.transmit(this.snmPayload(ls.adjacentPc, slc, { ...m, slc }));
    };
    switch (msg.type) {
      case "COO":
      case "XCO":
        about()?.offer("COO", msg.fsn === undefined ? {} : { fsn: msg.fsn });
        return;
      case "COA":
      case "XCA":
        about()?.offer("COA", msg.fsn === undefined ? {} : { fsn: msg.fsn });
        return;
      case "ECO":
        about()?.offer("ECO");
        return;
      case "ECA":
        about()?.offer("ECA");
        return;
      case "CBD":
        // Q.704 §6.2: always acknowledged with the same changeback code.
        answer({ type: "CBA", changebackCode: msg.changebackCode ?? 0 });
        return;
      case "CBA":
        about()?.offer("CBA", msg.changebackCode === undefined ? {} : { code: msg.changebackCode });
        return;
      case "TRA":
        ls.traReceived();
        return;
      case "TFP":
      case "TFR":
      case "TFA":
        this.routeStatus(ls, msg.destination ?? -1, msg.type === "TFP" ? "prohibited" : msg.type === "TFR" ? "restricted" : "allowed");
        return;
      case "TFC":
        this.indicate({ primitive: "MTP-STATUS.ind", affectedDpc: msg.destination ?? 0, cause: "signalling-network-congestion", congestionLevel: msg.status ?? 0 });
        return;
      case "UPU": {
        const cause: UserPartUnavailableCause = msg.cause === UPU_CAUSE.unequippedRemoteUser ? "unequipped-remote-user" : msg.cause === UPU_CAUSE.inaccessibleRemoteUser ? "inaccessible-remote-user" : "unknown";
        this.indicate({ primitive: "MTP-STATUS.ind", affectedDpc: msg.destination ?? 0, cause: "user-part-unavailable", userPartCause: cause }, msg.userPartId);
        return;
      }
      case "LIN": {
        const l = about();
        if (l === undefined) return;
        // Q.704 §10.2: inhibiting is refused when it would leave no link for the traffic.
        if (ls.links.some((o) => o !== l && o.available)) {
          answer({ type: "LIA" });
          l.offer("Inhibited");
        } else {
          answer({ type: "LID" });
        }
        return;
      }
      case "LUN":
        answer({ type: "LUA" });
        about()?.offer("Uninhibited");
        return;
      case "LFU":
      case "LRT":
        // Q.704 §10.3: this end never inhibits a link itself, so the link is uninhibited here.
        answer({ type: "LUN" });
        return;
      case "LLT":
        // Q.704 §10.3: the far end holds the link locally inhibited; if we do not see it remotely inhibited, force uninhibit.
        if (concerned !== undefined && !concerned.remotelyInhibited) answer({ type: "LFU" });
        return;
      case "LIA":
      case "LUA":
      case "LID":
        this.log.info({ type: msg.type, slc }, `MTP3(${this.id}): ${msg.type} for SLC ${slc} received`);
        return;
      case "DLC":
        // Q.704 §12: this end cannot connect signalling data links on demand.
        answer({ type: "CNP" });
        return;
      default:
        this.log.info({ type: msg.type }, `MTP3(${this.id}): ${msg.type} from ${this.pc(label.opc)} not used by a signalling end point; ignored`);
    }
  }

  // ---- signalling route management (Q.704 §7, §8, §13) -------------------------------------

  private routeStatus(ls: Linkset, destination: number, status: RouteStatus): void {
    const d = this.destinations.get(destination);
    if (destination === ls.adjacentPc || d === undefined) {
      this.log.info({ destination, status }, `MTP3(${this.id}): route status ${status} for ${this.pc(destination)} via ${ls.name} ignored (not a configured destination beyond the adjacent point)`);
      return;
    }
    const r = d.routes.find((x) => x.linkset === ls);
    if (r === undefined) {
      this.log.info({ destination }, `MTP3(${this.id}): ${this.pc(destination)} is not routed via ${ls.name}; status ${status} noted nowhere`);
      return;
    }
    if (r.status !== status) this.log.info({ destination, linkset: ls.name, status }, `MTP3(${this.id}): route to ${this.pc(destination)} via ${ls.name} is ${status}`);
    r.status = status;
    this.routeSetTest(d, r);
    this.updateDestination(d);
  }

  /** Q.704 §13.5: while a route is prohibited or restricted, RST/RSR to the adjacent point every T10. */
  private routeSetTest(d: Destination, r: Route): void {
    r.testTimer?.cancel();
    r.testTimer = undefined;
    if (r.status === "allowed") return;
    r.testTimer = this.clock.setTimer(this.timers.T10, () =>
      this.queue.run(() => {
        r.testTimer = undefined;
        if (r.status === "allowed") return;
        if (r.linkset.available) {
          const via = r.linkset.links.find((l) => l.available) as SignallingLink;
          via.mtp2.transmit(this.snmPayload(r.linkset.adjacentPc, via.slc, { type: r.status === "prohibited" ? "RST" : "RSR", destination: d.pc }));
        }
        this.routeSetTest(d, r);
      }),
    );
  }

  private linksetChanged(ls: Linkset): void {
    if (!ls.available) {
      // Q.704 §9: route status through an adjacent point is learnt again when it restarts.
      for (const d of this.destinations.values()) {
        for (const r of d.routes) {
          if (r.linkset === ls) {
            r.status = "allowed";
            r.testTimer?.cancel();
            r.testTimer = undefined;
          }
        }
      }
    }
    for (const d of this.destinations.values()) if (d.routes.some((r) => r.linkset === ls)) this.updateDestination(d);
  }

  private updateDestination(d: Destination): void {
    const usable = (s: RouteStatus): Route | undefined => d.routes.find((r) => r.linkset.available && r.status === s);
    const best = usable("allowed") ?? usable("restricted");
    const old = d.current;
    const next = best?.linkset;
    if (old !== next) {
      d.current = next;
      const oldRoute = d.routes.find((r) => r.linkset === old);
      if (old !== undefined && next !== undefined && old.available && oldRoute?.status !== "prohibited") {
        // Q.704 §8: controlled rerouting: hold the traffic for T6 so none overtakes what the old route carries.
        this.log.info({ destination: d.pc, from: old.name, to: next.name }, `MTP3(${this.id}): controlled rerouting of ${this.pc(d.pc)} from ${old.name} to ${next.name}`);
        d.held = d.held ?? [];
        d.heldTimer?.cancel();
        d.heldTimer = this.clock.setTimer(this.timers.T6, () => this.queue.run(() => this.releaseHeld(d)));
      } else if (next !== undefined && old !== undefined) {
        // Q.704 §7: forced rerouting.
        this.log.info({ destination: d.pc, from: old.name, to: next.name }, `MTP3(${this.id}): forced rerouting of ${this.pc(d.pc)} from ${old.name} to ${next.name}`);
      }
    }
    const accessible = next !== undefined;
    if (accessible !== d.accessible) {
      d.accessible = accessible;
      this.log.info({ destination: d.pc, accessible }, `MTP3(${this.id}): ${this.pc(d.pc)} ${accessible ? "accessible" : "inaccessible"}`);
      if (!accessible) {
        d.heldTimer?.cancel();
        d.heldTimer = undefined;
        if (d.held && d.held.length > 0) this.log.warn({ destination: d.pc, lost: d.held.length }, `MTP3(${this.id}): ${d.held.length} held message(s) to ${this.pc(d.pc)} discarded`);
        d.held = undefined;
      }
      this.indicate(accessible ? { primitive: "MTP-RESUME.ind", affectedDpc: d.pc } : { primitive: "MTP-PAUSE.ind", affectedDpc: d.pc });
    }
  }

  private releaseHeld(d: Destination): void {
    const held = d.held ?? [];
    d.held = undefined;
    d.heldTimer = undefined;
    for (const p of held) this.routeEncoded(p);
  }
}
