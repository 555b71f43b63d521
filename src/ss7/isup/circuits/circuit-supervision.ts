/**
 * Circuit supervision control (ITU-T Q.764 §2.8.2 blocking and unblocking,
 * §2.8.3 circuit group query, §2.9.3 reset of circuits and circuit groups,
 * §2.9.4 failure in the blocking/unblocking sequence, §2.13 unequipped CIC):
 * the maintenance side of each circuit, beside call control.
 *
 * Sending side: every message that waits for an acknowledgement runs as a
 * RepeatingProcedure (BLO, UBL, RSC, CGB, CGU, GRS, CQM). Receiving side: the
 * answer is immediate, so it is plain code here. Call control is reached only
 * through SupervisionHost (clear a call, ask for an automatic repeat attempt,
 * read the call activity for a CQR).
 *
 * Blocking and call states combine (Q.764 §2.8.2): maintenance blocking
 * leaves a call in progress alone (the circuit is not offered for new calls);
 * hardware-failure-oriented blocking clears calls at both ends without REL.
 */
import type { Clock } from "../../../core/clock.js";
import type { Logger } from "../../../core/logger.js";
import type { IsupMessage, IsupVariant, RangeAndStatusValue } from "../codec/index.js";
import { getParameter } from "../codec/index.js";
import type { BlockedCircuit, BlockingSnapshot } from "./blocking-store.js";
import type { Circuit, CircuitTable, LocalBlockState } from "./circuit-group.js";
import { consecutiveRuns, isBlocked } from "./circuit-group.js";
import type { AuditAction, CallActivity, OwnCircuitView } from "./circuit-state-indicator.js";
import { compareCircuitState, decodeCircuitState, encodeCircuitState, ownCircuitState } from "./circuit-state-indicator.js";
import type { MaintenanceAlert } from "./maintenance-alert.js";
import type { ProcedureKind } from "./repeating-procedure.js";
import { RepeatingProcedure } from "./repeating-procedure.js";

/** Why circuit supervision clears a call (no REL is sent for these). */
export type ClearReason = "reset" | "hardware-blocking" | "unequipped" | "mtp-pause";

export type BlockingType = "maintenance" | "hardware";

export interface SupervisionHost {
  readonly opc: number;
  readonly variant: IsupVariant;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: Readonly<Record<string, number>>;
  readonly table: CircuitTable;
  /** Send a message (its CIC set) towards `dpc`. */
  send(dpc: number, message: IsupMessage): void;
  /** Clear whatever call uses the circuit, locally, without signalling. */
  clearCall(circuit: Circuit, reason: ClearReason): void;
  /** Maintenance blocking arrived: an outgoing call awaiting its first backward message is repeated elsewhere (Q.764 §2.8.2.1). */
  remotelyBlocked(circuit: Circuit): void;
  callActivity(circuit: Circuit): CallActivity;
  alert(alert: MaintenanceAlert): void;
  /** Local blocking changed: save it (BlockingStore). */
  blockingChanged(): void;
}

/** One circuit whose state differed in a circuit group query, and what was done. */
export interface AuditDiscrepancy {
  readonly cic: number;
  readonly actions: readonly AuditAction[];
}

export interface AuditResult {
  readonly dpc: number;
  readonly cic: number;
  readonly range: number;
  /** False when T28 expired without a CQR. */
  readonly answered: boolean;
  readonly discrepancies: readonly AuditDiscrepancy[];
}

interface GroupProcedure {
  readonly kind: "CGB" | "CGU" | "GRS" | "CQM";
  readonly dpc: number;
  readonly cic: number;
  readonly range: number;
  readonly type: BlockingType;
  /** Circuits the procedure acts on (status bit 1, or every equipped one for GRS/CQM). */
  readonly members: readonly Circuit[];
  readonly proc: RepeatingProcedure;
  readonly onAudit?: (r: AuditResult) => void;
}

/** Q.763 §3.43 range limits per message (ITU: 1..31 for GRS/CGB/CGU, 0..31 for CQM). */
export interface RangeLimits {
  readonly min: number;
  readonly max: number;
}

export function rangeLimits(variant: IsupVariant, kind: "GRS" | "CGB" | "CGU" | "CQM"): RangeLimits {
  // Deviation: T1.113.3 groups follow the 24-channel span; ranges above 23 are refused there.
  const max = variant === "itu" ? 31 : 23;
  return { min: kind === "CQM" ? 0 : 1, max };
}

const TYPE_CODE: Readonly<Record<BlockingType, number>> = { maintenance: 0, hardware: 1 };

function statusString(first: number, range: number, members: readonly Circuit[]): string {
  const bits: string[] = new Array<string>(range + 1).fill("0");
  for (const c of members) bits[c.cic - first] = "1";
  return bits.join("");
}

export class CircuitSupervision {
  private readonly host: SupervisionHost;
  private readonly pending: GroupProcedure[] = [];

  constructor(host: SupervisionHost) {
    this.host = host;
  }

  /** Number of group procedures in progress (for audits and memory checks). */
  get pendingGroupProcedures(): number {
    return this.pending.length;
  }

  // ---------------------------------------------------------------------------
  // Persistence

  snapshot(): BlockingSnapshot {
    const circuits: BlockedCircuit[] = [];
    for (const c of this.host.table.circuits) {
      const m = c.localMaintenance === "blocking" || c.localMaintenance === "blocked";
      const h = c.localHardware === "blocking" || c.localHardware === "blocked";
      if (m || h) circuits.push({ dpc: c.dpc, cic: c.cic, maintenance: m, hardware: h });
    }
    return { version: 1, circuits };
  }

  /** Restore local blocking at start-up; the blocking messages go out after the start-up reset. Returns circuits not found. */
  restore(snapshot: BlockingSnapshot): BlockedCircuit[] {
    const unknown: BlockedCircuit[] = [];
    for (const b of snapshot.circuits) {
      const c = this.host.table.find(b.dpc, b.cic);
      if (!c) {
        unknown.push(b);
        continue;
      }
      if (b.maintenance) c.localMaintenance = "blocked";
      if (b.hardware) c.localHardware = "blocked";
    }
    return unknown;
  }

  // ---------------------------------------------------------------------------
  // Procedures

  private procedure(kind: ProcedureKind, dpc: number, cic: number, message: IsupMessage, done: (outcome: string) => void, longOnly = false): RepeatingProcedure {
    const h = this.host;
    return new RepeatingProcedure({
      kind,
      id: String(cic),
      clock: h.clock,
      log: h.log.child({ dpc, cic }),
      timers: h.timers,
      send: () => h.send(dpc, message),
      alert: (k, n) =>
        h.alert({
          kind: kind === "CQM" ? "audit-failed" : "no-acknowledgement",
          dpc,
          cic,
          ...(k === "CGB" || k === "CGU" || k === "GRS" || k === "CQM" ? { range: rangeOf(message) } : {}),
          text: `${k} on CIC ${cic} not acknowledged; sent ${n + 1} times`,
        }),
      done,
      longOnly,
    });
  }

  private drop(g: GroupProcedure): void {
    const i = this.pending.indexOf(g);
    if (i >= 0) this.pending.splice(i, 1);
  }

  // ---------------------------------------------------------------------------
  // Reset (Q.764 §2.9.3)

  /**
   * Reset one circuit: RSC (Q.764 §2.9.3.1). `afterT5`: the RSC that follows
   * the expiry of T5 is repeated on T17 only (Q.764 §2.9.6).
   */
  resetCircuit(c: Circuit, afterT5 = false): void {
    this.host.clearCall(c, "reset");
    c.reset?.cancel();
    const proc = this.procedure(
      "RSC",
      c.dpc,
      c.cic,
      { messageType: "RSC", cic: c.cic, parameters: [] },
      (outcome) => {
        if (c.reset === proc) c.reset = undefined;
        if (outcome === "Acknowledged") this.reassertBlocking([c]);
      },
      afterT5,
    );
    // The procedure may already have ended if sending failed synchronously.
    if (proc.active) c.reset = proc;
  }

  /** RLC received while an RSC is outstanding. */
  resetAcknowledged(c: Circuit): void {
    c.remoteUnequipped = false;
    c.reset?.acknowledge();
  }

  /** Reset circuits: GRS for each run of two or more consecutive circuits, RSC for a single one (Q.764 §2.9.3.2). */
  resetCircuits(circuits: readonly Circuit[]): void {
    const max = rangeLimits(this.host.variant, "GRS").max + 1;
    for (const run of consecutiveRuns(circuits, max)) {
      const first = run[0];
      if (first === undefined) continue;
      if (run.length === 1) {
        this.resetCircuit(first);
        continue;
      }
      const range = run.length - 1;
      for (const c of run) {
        c.reset?.cancel();
        c.reset = undefined;
      }
      const message: IsupMessage = { messageType: "GRS", cic: first.cic, parameters: [{ name: "rangeAndStatus", value: { range } }] };
      const g: GroupProcedure = {
        kind: "GRS",
        dpc: first.dpc,
        cic: first.cic,
        range,
        type: "maintenance",
        members: run,
        proc: this.procedure("GRS", first.dpc, first.cic, message, () => {
          this.drop(g);
          for (const c of run) if (c.groupReset === g.proc) c.groupReset = undefined;
        }),
      };
      this.pending.push(g);
      for (const c of run) c.groupReset = g.proc;
      // Calls are cleared once every member is marked, so that a repeat attempt takes none of them.
      for (const c of run) this.host.clearCall(c, "reset");
    }
  }

  /** Reset every circuit towards `dpc` (start-up, MTP-RESUME). */
  resynchronise(dpc: number): void {
    for (const g of this.host.table.groupsTowards(dpc)) this.resetCircuits(g.circuits);
  }

  /** Stop every procedure towards `dpc` (MTP-PAUSE); local blocking is kept and asserted again after the next reset. */
  cancelAll(dpc: number): void {
    for (const g of this.pending.filter((p) => p.dpc === dpc)) {
      g.proc.cancel();
      g.onAudit?.({ dpc, cic: g.cic, range: g.range, answered: false, discrepancies: [] });
    }
    for (const grp of this.host.table.groupsTowards(dpc)) {
      for (const c of grp.circuits) {
        c.reset?.cancel();
        c.blocking?.cancel();
        c.groupReset = undefined;
      }
    }
  }

  /**
   * After our reset was acknowledged the far end has forgotten our blocking
   * (a received RSC or GRS removes the remotely blocked state): block again.
   */
  private reassertBlocking(circuits: readonly Circuit[]): void {
    let changed = false;
    const hw: Circuit[] = [];
    for (const c of circuits) {
      if (c.localMaintenance === "unblocking") {
        c.blocking?.cancel();
        c.localMaintenance = "unblocked";
        changed = true;
      } else if (isBlocked(c.localMaintenance)) {
        this.startBlocking(c);
      }
      if (c.localHardware === "unblocking") {
        c.localHardware = "unblocked";
        changed = true;
      } else if (isBlocked(c.localHardware)) {
        hw.push(c);
      }
    }
    if (hw.length > 0) this.groupBlocking("CGB", hw, "hardware", true);
    if (changed) this.host.blockingChanged();
  }

  // ---------------------------------------------------------------------------
  // Blocking of single circuits (Q.764 §2.8.2.1)

  /** The circuit leaves the CGB/CGU procedures of that type in progress; they go on for their other circuits. */
  private leaveGroupProcedures(c: Circuit, type: BlockingType): void {
    for (const g of this.pending.filter((p) => (p.kind === "CGB" || p.kind === "CGU") && p.type === type && p.members.includes(c))) {
      g.proc.cancel();
      const rest = g.members.filter((m) => m !== c);
      if (rest.length > 0) this.groupBlocking(g.kind as "CGB" | "CGU", rest, type, true);
    }
  }

  private startBlocking(c: Circuit): void {
    this.leaveGroupProcedures(c, "maintenance");
    c.blocking?.cancel();
    c.localMaintenance = "blocking";
    const proc = this.procedure("BLO", c.dpc, c.cic, { messageType: "BLO", cic: c.cic, parameters: [] }, () => {
      if (c.blocking === proc) c.blocking = undefined;
    });
    c.blocking = proc.active ? proc : undefined;
  }

  /** Block a circuit for maintenance (BLO). A call in progress is not affected. */
  block(c: Circuit): boolean {
    if (c.localMaintenance === "blocking" || c.localMaintenance === "blocked") return false;
    this.startBlocking(c);
    this.host.blockingChanged();
    return true;
  }

  /** Unblock a circuit blocked for maintenance (UBL). */
  unblock(c: Circuit): boolean {
    if (c.localMaintenance === "unblocked" || c.localMaintenance === "unblocking") return false;
    this.leaveGroupProcedures(c, "maintenance");
    c.blocking?.cancel();
    c.localMaintenance = "unblocking";
    const proc = this.procedure("UBL", c.dpc, c.cic, { messageType: "UBL", cic: c.cic, parameters: [] }, () => {
      if (c.blocking === proc) c.blocking = undefined;
    });
    c.blocking = proc.active ? proc : undefined;
    this.host.blockingChanged();
    return true;
  }

  // ---------------------------------------------------------------------------
  // Group blocking (Q.764 §2.8.2.3)

  /**
   * CGB (or CGU) for circuits of one destination, one message per span of at
   * most 32 (ITU) circuits. Hardware blocking clears the calls on them.
   */
  blockGroup(circuits: readonly Circuit[], type: BlockingType): number {
    return this.groupBlocking("CGB", circuits, type, false);
  }

  unblockGroup(circuits: readonly Circuit[], type: BlockingType): number {
    return this.groupBlocking("CGU", circuits, type, false);
  }

  /**
   * `reassert`: announce the local state again (after a reset, an audit, a
   * procedure narrowed to fewer circuits) whatever the circuits' state;
   * otherwise only circuits not yet in the wanted state are taken.
   * Returns the number of circuits the messages cover.
   */
  private groupBlocking(kind: "CGB" | "CGU", circuits: readonly Circuit[], type: BlockingType, reassert: boolean): number {
    const field = type === "maintenance" ? "localMaintenance" : "localHardware";
    const wanted = kind === "CGB" ? ["unblocked", "unblocking"] : ["blocked", "blocking"];
    // Circuits already in a procedure of the same kind and type are left to it.
    const fresh = circuits.filter((c) => (reassert || wanted.includes(c[field])) && !this.pending.some((p) => p.kind === kind && p.type === type && p.members.includes(c)));
    for (const span of this.spans(fresh, kind)) {
      const first = span.first;
      const members = span.members;
      for (const c of members) {
        if (type === "maintenance") {
          c.blocking?.cancel();
          c.blocking = undefined;
          c.localMaintenance = kind === "CGB" ? "blocking" : "unblocking";
        } else {
          c.localHardware = kind === "CGB" ? "blocking" : "unblocking";
        }
      }
      // Q.764 §2.8.2.3: hardware blocking releases the calls on the circuits (no REL).
      if (type === "hardware" && kind === "CGB") for (const c of members) this.host.clearCall(c, "hardware-blocking");
      const range = span.range;
      const message = this.groupMessage(kind, first, range, type, statusString(first, range, members));
      const dpc = span.dpc;
      const g: GroupProcedure = {
        kind,
        dpc,
        cic: first,
        range,
        type,
        members,
        proc: this.procedure(kind, dpc, first, message, () => this.drop(g)),
      };
      // Blocking replaces an unblocking in progress on the same circuits, and the other way round.
      const opposite = kind === "CGB" ? "CGU" : "CGB";
      for (const other of this.pending.filter((p) => p.dpc === dpc && p.kind === opposite && p.type === type && p.members.some((m) => members.includes(m)))) {
        other.proc.cancel();
        const rest = other.members.filter((m) => !members.includes(m));
        if (rest.length > 0) this.groupBlocking(opposite, rest, type, true);
      }
      if (g.proc.active) this.pending.push(g);
    }
    if (fresh.length > 0) this.host.blockingChanged();
    return fresh.length;
  }

  /** Circuits cut into spans a group message can carry: same DPC, at most max+1 CICs from the first, at least min+1 wide. */
  private spans(circuits: readonly Circuit[], kind: "CGB" | "CGU" | "CQM"): { dpc: number; first: number; range: number; members: Circuit[] }[] {
    const lim = rangeLimits(this.host.variant, kind);
    const sorted = [...circuits].sort((a, b) => a.dpc - b.dpc || a.cic - b.cic);
    const out: { dpc: number; first: number; range: number; members: Circuit[] }[] = [];
    for (const c of sorted) {
      const cur = out[out.length - 1];
      if (cur && cur.dpc === c.dpc && c.cic - cur.first <= lim.max) {
        cur.members.push(c);
        cur.range = Math.max(cur.range, c.cic - cur.first);
      } else {
        out.push({ dpc: c.dpc, first: c.cic, range: 0, members: [c] });
      }
    }
    for (const s of out) s.range = Math.max(s.range, lim.min);
    return out;
  }

  private groupMessage(kind: "CGB" | "CGU" | "CGBA" | "CGUA", cic: number, range: number, type: BlockingType, status: string): IsupMessage {
    return {
      messageType: kind,
      cic,
      parameters: [
        { name: "circuitGroupSupervisionMessageType", value: { typeIndicator: TYPE_CODE[type] } },
        { name: "rangeAndStatus", value: { range, status } },
      ],
    };
  }

  /** Circuits in a transitional blocking state with no procedure carrying it (for audits). */
  orphans(): Circuit[] {
    const inGroup = (c: Circuit, type: BlockingType) => this.pending.some((p) => (p.kind === "CGB" || p.kind === "CGU") && p.type === type && p.members.includes(c));
    return this.host.table.circuits.filter((c) => {
      // A reset in progress announces the blocking again once acknowledged; an unequipped one when the far end shows it again.
      if (c.resetting || c.remoteUnequipped) return false;
      const m = (c.localMaintenance === "blocking" || c.localMaintenance === "unblocking") && !c.blocking && !inGroup(c, "maintenance");
      const h = (c.localHardware === "blocking" || c.localHardware === "unblocking") && !inGroup(c, "hardware");
      return m || h;
    });
  }

  // ---------------------------------------------------------------------------
  // Circuit group query (Q.764 §2.8.3)

  ownView(c: Circuit): OwnCircuitView {
    return {
      call: c.resetting ? "transient" : this.host.callActivity(c),
      maintenance: { local: isBlocked(c.localMaintenance) && c.localMaintenance !== "unblocking", remote: c.remoteMaintenance },
      hardware: { local: isBlocked(c.localHardware) && c.localHardware !== "unblocking", remote: c.remoteHardware },
    };
  }

  /** Send a CQM for circuits of one destination (a span of at most 32); the result comes to `done`. */
  query(circuits: readonly Circuit[], done: (r: AuditResult) => void): void {
    for (const span of this.spans(circuits, "CQM")) {
      const message: IsupMessage = { messageType: "CQM", cic: span.first, parameters: [{ name: "rangeAndStatus", value: { range: span.range } }] };
      const g: GroupProcedure = {
        kind: "CQM",
        dpc: span.dpc,
        cic: span.first,
        range: span.range,
        type: "maintenance",
        members: span.members,
        onAudit: done,
        proc: this.procedure("CQM", span.dpc, span.first, message, (outcome) => {
          this.drop(g);
          if (outcome === "Failed") done({ dpc: span.dpc, cic: span.first, range: span.range, answered: false, discrepancies: [] });
        }),
      };
      if (g.proc.active) this.pending.push(g);
    }
  }

  // ---------------------------------------------------------------------------
  // Received messages

  /**
   * A circuit supervision message from `dpc`. Returns false when no circuit
   * it names is equipped here (the caller answers UCIC).
   */
  receive(dpc: number, m: IsupMessage): boolean {
    const cic = m.cic ?? 0;
    switch (m.messageType) {
      case "GRS":
      case "CGB":
      case "CGU":
      case "CQM":
      case "GRA":
      case "CGBA":
      case "CGUA":
      case "CQR":
        return this.receiveGroup(dpc, cic, m);
      default:
        break;
    }
    const c = this.host.table.find(dpc, cic);
    if (!c) return false;
    switch (m.messageType) {
      case "RSC":
        this.onRsc(c);
        break;
      case "BLO":
        this.onBlo(c);
        break;
      case "UBL":
        c.remoteMaintenance = false;
        this.host.send(dpc, { messageType: "UBA", cic, parameters: [] });
        break;
      case "BLA":
        this.onBla(c);
        break;
      case "UBA":
        this.onUba(c);
        break;
      case "UCIC":
        this.onUcic(c);
        break;
      default:
        return true;
    }
    return true;
  }

  private onRsc(c: Circuit): void {
    // Q.764 §2.9.3.1: the call (if any) is cleared, the circuit made idle, RLC returned.
    this.host.clearCall(c, "reset");
    c.remoteMaintenance = false;
    c.remoteUnequipped = false;
    this.host.send(c.dpc, { messageType: "RLC", cic: c.cic, parameters: [] });
    // The locally blocked state is announced again after RLC.
    this.reassertBlocking([c]);
  }

  private onBlo(c: Circuit): void {
    // Q.764 §2.8.2.1 (and §2.9.4 a: a BLO for a circuit already remotely blocked is acknowledged too).
    c.remoteMaintenance = true;
    this.host.send(c.dpc, { messageType: "BLA", cic: c.cic, parameters: [] });
    this.host.remotelyBlocked(c);
  }

  private onBla(c: Circuit): void {
    if (c.blocking?.kind === "BLO") {
      c.blocking.acknowledge();
      c.localMaintenance = "blocked";
      return;
    }
    if (c.localMaintenance === "unblocked") {
      // Q.764 §2.9.4: a BLA for a circuit we do not block: unblock it at the far end.
      this.unexpected(c, "BLA", "UBL");
      this.host.send(c.dpc, { messageType: "UBL", cic: c.cic, parameters: [] });
      return;
    }
    this.unexpected(c, "BLA");
  }

  private onUba(c: Circuit): void {
    if (c.blocking?.kind === "UBL") {
      c.blocking.acknowledge();
      c.localMaintenance = "unblocked";
      this.host.blockingChanged();
      return;
    }
    if (c.localMaintenance === "blocked") {
      // Q.764 §2.9.4: a UBA for a circuit we block: block it again.
      this.unexpected(c, "UBA", "BLO");
      this.startBlocking(c);
      return;
    }
    this.unexpected(c, "UBA");
  }

  /** A message from the far end on a circuit it had reported unequipped: it has the circuit again; announce our blocking. */
  farEndSeen(c: Circuit): void {
    if (!c.remoteUnequipped) return;
    c.remoteUnequipped = false;
    this.reassertBlocking([c]);
  }

  private onUcic(c: Circuit): void {
    // Q.764 §2.13: the far end does not have this CIC; stop using it and alert maintenance.
    this.host.clearCall(c, "unequipped");
    c.reset?.cancel();
    c.blocking?.cancel();
    c.remoteUnequipped = true;
    this.host.alert({ kind: "unequipped-circuit", dpc: c.dpc, cic: c.cic, text: `far end reports CIC ${c.cic} unequipped; circuit taken out of service` });
  }

  private unexpected(c: Circuit, what: string, answer?: string): void {
    const text = answer ? `unexpected ${what} on CIC ${c.cic}; ${answer} sent (Q.764 §2.9.4)` : `unexpected ${what} on CIC ${c.cic} discarded (Q.764 §2.9.4)`;
    this.host.log.warn({ dpc: c.dpc, cic: c.cic }, text);
    this.host.alert({ kind: "unexpected-acknowledgement", dpc: c.dpc, cic: c.cic, text });
  }

  private rangeStatus(m: IsupMessage): RangeAndStatusValue | undefined {
    return getParameter(m, "rangeAndStatus");
  }

  private receiveGroup(dpc: number, cic: number, m: IsupMessage): boolean {
    const rs = this.rangeStatus(m);
    if (!rs) return true;
    const range = rs.range;
    const circuits: Circuit[] = [];
    for (let i = 0; i <= range; i++) {
      const c = this.host.table.find(dpc, cic + i);
      if (c) circuits.push(c);
    }
    if (circuits.length === 0) return false;
    const kind = m.messageType;
    if (kind === "GRS" || kind === "CGB" || kind === "CGU" || kind === "CQM") {
      const lim = rangeLimits(this.host.variant, kind);
      if (range < lim.min || range > lim.max) {
        // Q.764 §2.9.3.2, §2.8.2.3: a range outside the allowed values: the message is discarded.
        this.host.log.warn({ dpc, cic, range }, `${kind} with range ${range} outside ${lim.min}..${lim.max} discarded`);
        return true;
      }
    }
    switch (kind) {
      case "GRS":
        this.onGrs(dpc, cic, range, circuits);
        break;
      case "GRA":
        this.onGra(dpc, cic, range, rs.status ?? "");
        break;
      case "CGB":
      case "CGU":
      case "CGBA":
      case "CGUA":
        this.onGroupBlocking(kind, dpc, cic, range, rs.status ?? "", m);
        break;
      case "CQM":
        this.onCqm(dpc, cic, range);
        break;
      case "CQR":
        this.onCqr(dpc, cic, range, m);
        break;
      default:
        break;
    }
    return true;
  }

  private onGrs(dpc: number, cic: number, range: number, circuits: readonly Circuit[]): void {
    // Q.764 §2.9.3.2: calls cleared, circuits idle, remote blocking removed; the GRA's
    // status shows the circuits we block for maintenance; hardware blocking follows as CGB.
    const status: string[] = new Array<string>(range + 1).fill("0");
    const hardware: Circuit[] = [];
    let changed = false;
    for (const c of circuits) {
      this.host.clearCall(c, "reset");
      c.remoteMaintenance = false;
      c.remoteHardware = false;
      c.remoteUnequipped = false;
      // The far end has reset the circuit: our own RSC for it is answered by this.
      c.reset?.acknowledge();
      if (c.localMaintenance === "blocking") {
        c.blocking?.cancel();
        c.localMaintenance = "blocked";
      } else if (c.localMaintenance === "unblocking") {
        c.blocking?.cancel();
        c.localMaintenance = "unblocked";
        changed = true;
      }
      if (c.localMaintenance === "blocked") status[c.cic - cic] = "1";
      if (c.localHardware === "unblocking") {
        c.localHardware = "unblocked";
        changed = true;
      } else if (isBlocked(c.localHardware)) {
        hardware.push(c);
      }
    }
    this.host.send(dpc, { messageType: "GRA", cic, parameters: [{ name: "rangeAndStatus", value: { range, status: status.join("") } }] });
    if (hardware.length > 0) this.groupBlocking("CGB", hardware, "hardware", true);
    if (changed) this.host.blockingChanged();
  }

  private onGra(dpc: number, cic: number, range: number, status: string): void {
    const g = this.pending.find((p) => p.kind === "GRS" && p.dpc === dpc && p.cic === cic && p.range === range);
    if (!g) {
      this.host.log.warn({ dpc, cic, range }, `GRA without a matching GRS discarded (Q.764 §2.9.3.2)`);
      return;
    }
    for (const c of g.members) {
      c.remoteMaintenance = status[c.cic - cic] === "1";
      c.remoteHardware = false;
      c.remoteUnequipped = false;
      if (c.groupReset === g.proc) c.groupReset = undefined;
    }
    g.proc.acknowledge();
    this.reassertBlocking(g.members);
  }

  private onGroupBlocking(kind: "CGB" | "CGU" | "CGBA" | "CGUA", dpc: number, cic: number, range: number, status: string, m: IsupMessage): void {
    const ti = getParameter(m, "circuitGroupSupervisionMessageType")?.typeIndicator;
    if (ti !== 0 && ti !== 1) {
      // Q.763 §3.13: codes 2 and 3 are reserved.
      this.host.log.warn({ dpc, cic, typeIndicator: ti }, `${kind} with reserved circuit group supervision message type discarded`);
      return;
    }
    const type: BlockingType = ti === 0 ? "maintenance" : "hardware";
    const marked: Circuit[] = [];
    for (let i = 0; i <= range; i++) {
      if (status[i] !== "1") continue;
      const c = this.host.table.find(dpc, cic + i);
      if (c) marked.push(c);
    }
    if (kind === "CGB" || kind === "CGU") {
      if (marked.length === 0) {
        this.host.log.warn({ dpc, cic, range }, `${kind} marking no equipped circuit discarded`);
        return;
      }
      for (const c of marked) {
        this.farEndSeen(c);
        if (kind === "CGB") {
          if (type === "maintenance") {
            c.remoteMaintenance = true;
            this.host.remotelyBlocked(c);
          } else {
            c.remoteHardware = true;
            this.host.clearCall(c, "hardware-blocking");
          }
        } else if (type === "maintenance") c.remoteMaintenance = false;
        else c.remoteHardware = false;
      }
      this.host.send(dpc, this.groupMessage(kind === "CGB" ? "CGBA" : "CGUA", cic, range, type, statusString(cic, range, marked)));
      return;
    }
    // Acknowledgements (Q.764 §2.8.2.3, §2.9.4).
    const wanted = kind === "CGBA" ? "CGB" : "CGU";
    const g = this.pending.find((p) => p.kind === wanted && p.dpc === dpc && p.cic === cic && p.range === range && p.type === type);
    const field = type === "maintenance" ? "localMaintenance" : "localHardware";
    const blocking = kind === "CGBA";
    const requested = new Set(g?.members ?? []);
    const stray: Circuit[] = [];
    for (const c of marked) {
      const s: LocalBlockState = c[field];
      if (requested.has(c)) {
        c[field] = blocking ? "blocked" : "unblocked";
      } else if (blocking ? !isBlocked(s) || s === "unblocking" : s === "blocked") {
        stray.push(c);
      }
    }
    if (g) {
      const missing = g.members.filter((c) => !marked.includes(c));
      if (missing.length === 0) g.proc.acknowledge();
      if (!blocking) this.host.blockingChanged();
    }
    if (stray.length > 0) {
      // Q.764 §2.9.4: an acknowledgement for circuits not asked for: undo it at the far end.
      const answer = blocking ? "CGU" : "CGB";
      const text = `${kind} acknowledges CICs ${stray.map((c) => c.cic).join(",")} not asked for; ${answer} sent (Q.764 §2.9.4)`;
      this.host.log.warn({ dpc, cic, range }, text);
      this.host.alert({ kind: "unexpected-acknowledgement", dpc, cic, range, text });
      for (const span of this.spans(stray, answer)) {
        this.host.send(dpc, this.groupMessage(answer, span.first, span.range, type, statusString(span.first, span.range, span.members)));
      }
    } else if (!g) {
      this.host.log.warn({ dpc, cic, range }, `${kind} without a matching ${wanted} discarded (Q.764 §2.9.4)`);
    }
  }

  private onCqm(dpc: number, cic: number, range: number): void {
    const states: number[] = [];
    for (let i = 0; i <= range; i++) {
      const c = this.host.table.find(dpc, cic + i);
      states.push(encodeCircuitState(c ? ownCircuitState(this.ownView(c)) : { kind: "unequipped" }));
    }
    this.host.send(dpc, {
      messageType: "CQR",
      cic,
      parameters: [
        { name: "rangeAndStatus", value: { range } },
        { name: "circuitStateIndicator", value: { circuitStates: states } },
      ],
    });
  }

  private onCqr(dpc: number, cic: number, range: number, m: IsupMessage): void {
    const g = this.pending.find((p) => p.kind === "CQM" && p.dpc === dpc && p.cic === cic && p.range === range);
    if (!g) {
      this.host.log.warn({ dpc, cic, range }, "CQR without a matching CQM discarded (Q.764 §2.8.3)");
      return;
    }
    const states = getParameter(m, "circuitStateIndicator")?.circuitStates ?? [];
    const discrepancies: AuditDiscrepancy[] = [];
    const blockHw: Circuit[] = [];
    const unblockHw: Circuit[] = [];
    for (const c of g.members) {
      const octet = states[c.cic - cic];
      if (octet === undefined) continue;
      const theirs = decodeCircuitState(octet);
      // Circuits with a procedure of ours in progress are in transition: not compared.
      if (!theirs || c.resetting || c.blocking !== undefined) continue;
      const actions = compareCircuitState(this.ownView(c), theirs);
      if (actions.length === 0) continue;
      discrepancies.push({ cic: c.cic, actions });
      for (const a of actions) {
        switch (a) {
          case "set-remote-maintenance":
            c.remoteMaintenance = true;
            break;
          case "clear-remote-maintenance":
            c.remoteMaintenance = false;
            break;
          case "set-remote-hardware":
            c.remoteHardware = true;
            this.host.clearCall(c, "hardware-blocking");
            break;
          case "clear-remote-hardware":
            c.remoteHardware = false;
            break;
          case "send-unblocking-maintenance":
            this.host.send(dpc, { messageType: "UBL", cic: c.cic, parameters: [] });
            break;
          case "send-blocking-maintenance":
            this.startBlocking(c);
            break;
          case "send-unblocking-hardware":
            unblockHw.push(c);
            break;
          case "send-blocking-hardware":
            blockHw.push(c);
            break;
          case "reset":
            this.resetCircuit(c);
            break;
          case "far-end-unequipped":
            c.remoteUnequipped = true;
            break;
        }
      }
    }
    for (const span of this.spans(unblockHw, "CGU")) this.host.send(dpc, this.groupMessage("CGU", span.first, span.range, "hardware", statusString(span.first, span.range, span.members)));
    if (blockHw.length > 0) this.groupBlocking("CGB", blockHw, "hardware", true);
    g.proc.acknowledge();
    if (discrepancies.length > 0) {
      this.host.alert({
        kind: "audit-discrepancy",
        dpc,
        cic,
        range,
        text: `circuit group query found ${discrepancies.length} circuit(s) in disagreement: ${discrepancies.map((d) => `${d.cic} ${d.actions.join("+")}`).join(", ")}`,
      });
    }
    g.onAudit?.({ dpc, cic, range, answered: true, discrepancies });
  }
}

function rangeOf(m: IsupMessage): number {
  return getParameter(m, "rangeAndStatus")?.range ?? 0;
}
