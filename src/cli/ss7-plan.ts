/**
 * The `ss7` configuration section turned into what the SS7 layers take:
 * point codes as numbers (Q.704 §2.2.2), the network indicator as the SIO
 * value (Q.704 §14.2.2), one entry per signalling link (span, timeslot, SLC)
 * and, per trunk, the circuit group (Q.763 §1.2 CICs towards one point code)
 * with the bearer timeslot of every CIC. The configuration loader has
 * already checked every cross-reference; what it cannot have checked
 * (a configuration built in code) throws here, naming the key.
 */
import type { GatewayConfig } from "../config/schema.js";
import { pointCodeOf } from "../config/load.js";
import { expandRange } from "../config/ranges.js";
import type { CircuitGroupConfig } from "../ss7/isup/circuits/circuit-group.js";
import type { Mtp3Variant } from "../ss7/mtp3/point-code.js";

type Ss7Config = NonNullable<GatewayConfig["ss7"]>;

/** Q.704 §14.2.2: network indicator coding in the SIO. */
export const NETWORK_INDICATOR: Readonly<Record<Ss7Config["networkIndicator"], number>> = {
  international: 0,
  "international-spare": 1,
  national: 2,
  "national-spare": 3,
};

export interface PlannedLink {
  readonly linkset: string;
  readonly slc: number;
  readonly span: number;
  readonly timeslot: number;
  /** Link name in logs: `<linkset>/<slc>`. */
  readonly id: string;
}

export interface PlannedLinkset {
  readonly name: string;
  readonly adjacentPc: number;
  readonly links: readonly PlannedLink[];
}

export interface PlannedTrunk {
  readonly name: string;
  readonly dpc: number;
  readonly span: number;
  /** CIC -> bearer timeslot of `span`. */
  readonly timeslots: ReadonlyMap<number, number>;
  readonly group: CircuitGroupConfig;
}

export interface Ss7Plan {
  readonly variant: Mtp3Variant;
  readonly pointCode: number;
  readonly networkIndicator: number;
  readonly linksets: readonly PlannedLinkset[];
  readonly routes: readonly { readonly destination: number; readonly linksets: readonly string[] }[];
  readonly trunks: readonly PlannedTrunk[];
}

function pc(value: number | string, variant: Mtp3Variant, key: string): number {
  const n = pointCodeOf(value, variant);
  if (n === undefined) throw new Error(`ss7 configuration: ${key}: ${JSON.stringify(value)} is not an ${variant.toUpperCase()} point code`);
  return n;
}

function range(value: number | string, key: string): number[] {
  const r = expandRange(value);
  if (!r) throw new Error(`ss7 configuration: ${key}: ${JSON.stringify(value)} is not a range A-B with A <= B`);
  return r;
}

export function planSs7(ss7: Ss7Config): Ss7Plan {
  const v = ss7.variant;
  const linksets = ss7.linksets.map((ls, i) => ({
    name: ls.name,
    adjacentPc: pc(ls.adjacentPointCode, v, `linksets[${i}].adjacentPointCode`),
    links: ls.links.map((l) => ({ linkset: ls.name, slc: l.slc, span: l.span, timeslot: l.timeslot, id: `${ls.name}/${l.slc}` })),
  }));
  const routes = ss7.routes.map((r, i) => ({ destination: pc(r.destination, v, `routes[${i}].destination`), linksets: [...r.linksets] }));
  const trunks = ss7.trunks.map((t, i) => {
    const timeslots = new Map<number, number>();
    t.circuits.forEach((c, j) => {
      const cics = range(c.cics, `trunks[${i}].circuits[${j}].cics`);
      const slots = range(c.timeslots, `trunks[${i}].circuits[${j}].timeslots`);
      if (cics.length !== slots.length) throw new Error(`ss7 configuration: trunks[${i}].circuits[${j}]: ${cics.length} CICs on ${slots.length} timeslots`);
      cics.forEach((cic, k) => timeslots.set(cic, slots[k] as number));
    });
    const dpc = pc(t.pointCode, v, `trunks[${i}].pointCode`);
    const group: CircuitGroupConfig = {
      name: t.name,
      dpc,
      cics: [...timeslots.keys()],
      hunting: t.hunting,
      addressing: t.addressing,
      continuityCheck: t.continuityCheck,
      answerTimer: t.answerTimer,
    };
    return { name: t.name, dpc, span: t.span, timeslots, group };
  });
  return { variant: v, pointCode: pc(ss7.pointCode, v, "pointCode"), networkIndicator: NETWORK_INDICATOR[ss7.networkIndicator], linksets, routes, trunks };
}
