/**
 * Circuit groups and the circuit table (ITU-T Q.764 §2.8, §2.9.1.4, §2.9.3,
 * Q.763 §1.2 circuit identification code). A circuit group is a set of CICs
 * towards one destination point code, configured per trunk; the table finds a
 * circuit by (DPC, CIC) without allocating and keeps, per circuit, the
 * maintenance state that circuit supervision (circuit-supervision.ts) owns:
 * local and remote blocking of both types, far-end unequipped, and the
 * procedures in progress on it.
 */
import type { IsupMessage } from "../codec/index.js";
import type { RepeatingProcedure } from "./repeating-procedure.js";

export type HuntingStrategy = "sequential" | "descending" | "round-robin" | "odd-even";

export type AddressSignalling = "en-bloc" | "overlap";

export interface CircuitGroupConfig {
  /** Trunk (group) name: the key management and interworking use. */
  readonly name: string;
  /** Destination point code of the far-end exchange. */
  readonly dpc: number;
  /** Equipped CICs of the group (any order, no duplicates). */
  readonly cics: readonly number[];
  /** Circuit selection for outgoing calls (Q.764 §2.9.1.3 for the glare-avoiding ones). */
  readonly hunting: HuntingStrategy;
  /** Whether address signals are sent and received en bloc or in overlap (Q.764 §2.1.1, §2.1.2). */
  readonly addressing: AddressSignalling;
  /** Outgoing IAMs ask for a continuity check on this circuit (Q.764 §2.1.8); needs a transceiver. */
  readonly continuityCheck: boolean;
  /** Run T9 on outgoing calls (Q.764 §2.1.7.3: controlling or outgoing international exchange). */
  readonly answerTimer: boolean;
  /**
   * Early ACM at an interworking exchange (Q.764 §2.1.4.6): when set, T11 runs
   * from the IAM and this ACM is sent if no address complete indication came
   * before it expires.
   */
  readonly earlyAcm?: IsupMessage;
}

export type LocalBlockState = "unblocked" | "blocking" | "blocked" | "unblocking";

/** A circuit as the other layers name it: stable, allocated once. */
export interface CircuitRef {
  readonly group: string;
  readonly dpc: number;
  readonly cic: number;
}

export class Circuit {
  readonly ref: CircuitRef;
  /** Position in the node's circuit arrays. */
  readonly index: number;
  readonly group: CircuitGroup;
  /** Local maintenance-oriented blocking (BLO/UBL, CGB/CGU maintenance), Q.764 §2.8.2. */
  localMaintenance: LocalBlockState = "unblocked";
  /** Local hardware-failure-oriented blocking (CGB/CGU hardware), Q.764 §2.8.2.3. */
  localHardware: LocalBlockState = "unblocked";
  remoteMaintenance = false;
  remoteHardware = false;
  /** The far end answered with UCIC (Q.764 §2.13): not used until it shows the circuit again. */
  remoteUnequipped = false;
  /** RSC sent, awaiting RLC (Q.764 §2.9.3.1). */
  reset: RepeatingProcedure | undefined;
  /** BLO or UBL sent, awaiting BLA or UBA (Q.764 §2.8.2.1). */
  blocking: RepeatingProcedure | undefined;
  /** Member of a GRS sent and not yet acknowledged (Q.764 §2.9.3.2). */
  groupReset: RepeatingProcedure | undefined;

  constructor(group: CircuitGroup, cic: number, index: number) {
    this.group = group;
    this.index = index;
    this.ref = { group: group.config.name, dpc: group.config.dpc, cic };
  }

  get cic(): number {
    return this.ref.cic;
  }

  get dpc(): number {
    return this.ref.dpc;
  }

  /** Locally blocked of either type, including while the blocking is being acknowledged. */
  get locallyBlocked(): boolean {
    return isBlocked(this.localMaintenance) || isBlocked(this.localHardware);
  }

  get remotelyBlocked(): boolean {
    return this.remoteMaintenance || this.remoteHardware;
  }

  /** A reset of this circuit is in progress (RSC or GRS sent). */
  get resetting(): boolean {
    return this.reset !== undefined || this.groupReset !== undefined;
  }
}

/** "blocking" counts as blocked (the BLO is out); "unblocking" does too until UBA. */
export function isBlocked(s: LocalBlockState): boolean {
  return s !== "unblocked";
}

export class CircuitGroup {
  readonly config: CircuitGroupConfig;
  /** Circuits in ascending CIC order. */
  readonly circuits: readonly Circuit[];
  /** Round-robin position. */
  nextHunt = 0;

  constructor(config: CircuitGroupConfig, firstIndex: number) {
    this.config = config;
    const sorted = [...config.cics].sort((a, b) => a - b);
    this.circuits = sorted.map((cic, i) => new Circuit(this, cic, firstIndex + i));
  }
}

export interface CircuitTableProblem {
  readonly group: string;
  readonly reason: string;
}

/** Q.763 §1.2: 12-bit CIC in ITU networks, 14-bit in ANSI ones. */
export function maxCic(variant: "itu" | "ansi"): number {
  return variant === "itu" ? 0x0fff : 0x3fff;
}

/** Checks a configuration; returns the problems (empty when usable). */
export function checkCircuitGroups(groups: readonly CircuitGroupConfig[], variant: "itu" | "ansi"): CircuitTableProblem[] {
  const problems: CircuitTableProblem[] = [];
  const names = new Set<string>();
  const seen = new Map<number, string>();
  for (const g of groups) {
    if (names.has(g.name)) problems.push({ group: g.name, reason: "group name used twice" });
    names.add(g.name);
    if (!Number.isInteger(g.dpc) || g.dpc < 0 || g.dpc > (variant === "itu" ? 0x3fff : 0xffffff)) {
      problems.push({ group: g.name, reason: `point code ${g.dpc} is outside the ${variant === "itu" ? "14" : "24"}-bit range` });
    }
    if (g.cics.length === 0) problems.push({ group: g.name, reason: "no CICs" });
    for (const cic of g.cics) {
      if (!Number.isInteger(cic) || cic < 0 || cic > maxCic(variant)) {
        problems.push({ group: g.name, reason: `CIC ${cic} is outside 0..${maxCic(variant)} (Q.763 §1.2)` });
        continue;
      }
      const key = circuitKey(g.dpc, cic);
      const other = seen.get(key);
      if (other !== undefined) problems.push({ group: g.name, reason: `CIC ${cic} towards ${g.dpc} is also in group ${other}` });
      seen.set(key, g.name);
    }
  }
  return problems;
}

function circuitKey(dpc: number, cic: number): number {
  // DPC up to 24 bits, CIC up to 14: the product stays an exact integer.
  return dpc * 0x4000 + cic;
}

/** All circuits of a node, found by (DPC, CIC) or by group name. */
export class CircuitTable {
  readonly groups: readonly CircuitGroup[];
  readonly circuits: readonly Circuit[];
  private readonly byKey = new Map<number, Circuit>();
  private readonly byName = new Map<string, CircuitGroup>();
  private readonly byDpc = new Map<number, CircuitGroup[]>();

  /** Throws on a configuration that `checkCircuitGroups` rejects (configuration is checked first). */
  constructor(configs: readonly CircuitGroupConfig[], variant: "itu" | "ansi") {
    const problems = checkCircuitGroups(configs, variant);
    if (problems.length > 0) throw new RangeError(problems.map((p) => `circuit group ${p.group}: ${p.reason}`).join("; "));
    const groups: CircuitGroup[] = [];
    const all: Circuit[] = [];
    for (const cfg of configs) {
      const g = new CircuitGroup(cfg, all.length);
      groups.push(g);
      this.byName.set(cfg.name, g);
      const list = this.byDpc.get(cfg.dpc);
      if (list) list.push(g);
      else this.byDpc.set(cfg.dpc, [g]);
      for (const c of g.circuits) {
        all.push(c);
        this.byKey.set(circuitKey(cfg.dpc, c.cic), c);
      }
    }
    this.groups = groups;
    this.circuits = all;
  }

  find(dpc: number, cic: number): Circuit | undefined {
    return this.byKey.get(circuitKey(dpc, cic));
  }

  group(name: string): CircuitGroup | undefined {
    return this.byName.get(name);
  }

  groupsTowards(dpc: number): readonly CircuitGroup[] {
    return this.byDpc.get(dpc) ?? [];
  }

  /** Destination point codes with at least one group. */
  destinations(): number[] {
    return [...this.byDpc.keys()];
  }
}

/**
 * Q.764 §2.9.1.4: the exchange with the higher signalling point code
 * controls the even-numbered circuits, the other one the odd-numbered ones.
 */
export function controlsCircuit(opc: number, dpc: number, cic: number): boolean {
  return opc > dpc === (cic % 2 === 0);
}

/**
 * Consecutive runs of equipped CICs, each at most `maxCircuits` long: the
 * ranges a group message (GRS, CGB, CQM) can cover (Q.763 §3.43).
 */
export function consecutiveRuns(circuits: readonly Circuit[], maxCircuits: number): Circuit[][] {
  const sorted = [...circuits].sort((a, b) => a.cic - b.cic);
  const runs: Circuit[][] = [];
  let run: Circuit[] = [];
  for (const c of sorted) {
    const last = run[run.length - 1];
    if (last !== undefined && (c.cic !== last.cic + 1 || run.length >= maxCircuits)) {
      runs.push(run);
      run = [];
    }
    run.push(c);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
