/**
 * The `isdn` configuration section turned into what the ISDN layers take:
 * per trunk, the span and D-channel timeslot (Q.921 on an HDLC channel, TEI 0
 * on a primary rate access, Q.921 §3.3.4.2), the side and mode of Q.931, the
 * B-channels by their Channel identification number (Q.931 §4.5.13: on E1 the
 * timeslot number 1-15/17-31, on T1 1-23) with the hunting order, and the
 * Q.921 parameters (§5.9).
 *
 * `isdnProblems` checks the cross-references the schema cannot: the span is
 * configured on the card, the D-channel is one of its signalling timeslots,
 * every B-channel is a bearer timeslot of the span, no timeslot is used by two
 * trunks (ISDN or ISUP), names are unique. `planIsdn` throws on the first
 * problem (a configuration built in code that the loader never saw).
 */
import { expandRange } from "../config/ranges.js";
import type { GatewayConfig } from "../config/schema.js";
import type { HuntOrder } from "../isdn/q931/call/channels.js";
import type { Q921Parameters } from "../isdn/q921/timers.js";
import { checkQ921Parameters, Q921_DEFAULT_PARAMETERS } from "../isdn/q921/timers.js";

type IsdnConfig = NonNullable<GatewayConfig["isdn"]>;

export interface PlannedIsdnTrunk {
  readonly name: string;
  readonly span: number;
  readonly spanType: "e1" | "t1";
  /** Timeslot of the D-channel. */
  readonly dChannel: number;
  readonly side: "network" | "user";
  readonly mode: "qsig" | "q931";
  /** B-channel numbers, ascending; channel n is timeslot n of the span. */
  readonly bChannels: readonly number[];
  readonly hunting: HuntOrder;
  readonly channelSelection: "exclusive" | "preferred";
  readonly restartAttempts: number;
  readonly q921: Q921Parameters;
}

export interface IsdnPlan {
  readonly trunks: readonly PlannedIsdnTrunk[];
}

/** A problem with the isdn section: the key path (as the loader reports it) and what is wrong. */
export interface IsdnConfigProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}


/** Every problem with the cross-references of the isdn section; empty when it is consistent. */
export function isdnProblems(config: GatewayConfig): IsdnConfigProblem[] {
  const isdn = config.isdn;
  if (!isdn) return [];
  const out: IsdnConfigProblem[] = [];
  const add = (path: readonly (string | number)[], message: string): void => void out.push({ path, message });
  const spans = new Map(config.card.spans.map((s) => [s.span, s]));
  // Timeslots already taken by ISUP circuits and MTP2 links.
  const used = new Map<string, string>();
  for (const t of config.ss7?.trunks ?? []) {
    for (const c of t.circuits) for (const ts of expandRange(c.timeslots) ?? []) used.set(`${t.span}/${ts}`, `a circuit of ISUP trunk ${t.name}`);
  }
  for (const ls of config.ss7?.linksets ?? []) for (const l of ls.links) used.set(`${l.span}/${l.timeslot}`, `signalling link SLC ${l.slc} of linkset ${ls.name}`);
  const names = new Set<string>([...(config.ss7?.trunks ?? []).map((t) => t.name)]);
  isdn.trunks.forEach((t, i) => {
    const at = ["isdn", "trunks", i];
    if (names.has(t.name)) add([...at, "name"], `trunk name ${t.name} is already in use`);
    names.add(t.name);
    const span = spans.get(t.span);
    if (!span) {
      add([...at, "span"], `span ${t.span} is not configured in card.spans`);
      return;
    }
    const maxTs = span.type === "e1" ? 31 : 24;
    if (!span.signalling.includes(t.dChannel)) add([...at, "dChannel"], `timeslot ${t.dChannel} is not a signalling timeslot of span ${t.span} (card.spans signalling: [${span.signalling.join(", ")}])`);
    const dKey = `${t.span}/${t.dChannel}`;
    const dOther = used.get(dKey);
    if (dOther !== undefined) add([...at, "dChannel"], `span ${t.span} timeslot ${t.dChannel} already carries ${dOther}`);
    else used.set(dKey, `the D-channel of ISDN trunk ${t.name}`);
    const seen = new Set<number>();
    t.bChannels.forEach((r, j) => {
      const bat = [...at, "bChannels", j];
      const chans = expandRange(r);
      if (!chans) {
        add(bat, `${JSON.stringify(r)} is not a number or a range A-B with A <= B`);
        return;
      }
      for (const ch of chans) {
        if (ch < 1 || ch > maxTs) {
          add(bat, `B-channel ${ch} does not exist on ${span.type.toUpperCase()} (1..${maxTs})`);
          return;
        }
        if (span.signalling.includes(ch)) {
          add(bat, `timeslot ${ch} of span ${t.span} carries signalling, not a B-channel`);
          return;
        }
        if (seen.has(ch)) {
          add(bat, `B-channel ${ch} is listed twice`);
          return;
        }
        seen.add(ch);
        const key = `${t.span}/${ch}`;
        const other = used.get(key);
        if (other !== undefined) {
          add(bat, `span ${t.span} timeslot ${ch} is already ${other}`);
          return;
        }
        used.set(key, `a B-channel of ISDN trunk ${t.name}`);
      }
    });
    for (const p of checkQ921Parameters({ n200: t.n200, n201: Q921_DEFAULT_PARAMETERS.n201, k: t.k })) add(at, p);
  });
  return out;
}

function keyPath(path: readonly (string | number)[]): string {
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

/** The plan of every ISDN trunk. Throws naming the key when the section is inconsistent. */
export function planIsdn(config: GatewayConfig): IsdnPlan {
  const isdn: IsdnConfig | undefined = config.isdn;
  if (!isdn) throw new Error("the isdn component needs an isdn configuration section");
  const problems = isdnProblems(config);
  if (problems.length > 0) throw new Error(`isdn configuration: ${problems.map((p) => `${keyPath(p.path)}: ${p.message}`).join("; ")}`);
  const spanType = new Map(config.card.spans.map((s) => [s.span, s.type]));
  return {
    trunks: isdn.trunks.map((t) => ({
      name: t.name,
      span: t.span,
      spanType: spanType.get(t.span) as "e1" | "t1",
      dChannel: t.dChannel,
      side: t.side,
      mode: t.mode,
      bChannels: t.bChannels.flatMap((r) => expandRange(r) ?? []).sort((a, b) => a - b),
      // The two ends hunt from opposite ends of the group so that glare stays rare (Q.931 Annex D).
      hunting: t.hunting ?? (t.side === "network" ? "descending" : "ascending"),
      channelSelection: t.channelSelection,
      restartAttempts: t.restartAttempts,
      q921: { n200: t.n200, n201: Q921_DEFAULT_PARAMETERS.n201, k: t.k },
    })),
  };
}
