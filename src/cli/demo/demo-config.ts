/**
 * The configuration the demo runs: the embedded default (or the file
 * given), moved out of the way of a running `sipt-gw start`: the control
 * socket, the card's run directory and the blocking store in a temporary
 * directory, every SIP listener on an ephemeral port, and every SIP trunk's
 * peer replaced by the demo telephone (calls from the PSTN reach it). What
 * the demo needs of the configuration is checked first, with the reason
 * when something is missing.
 *
 * Q.931 T316 (awaiting RESTART ACKNOWLEDGE) is set to the shortest the
 * timer table allows when the configuration leaves it at its default: the
 * gateway starts its far ends before its D-channel, so the PBX's first SABME
 * is lost and its retry (T200) re-establishes the data link just after the
 * gateway sent its start-up RESTART. Q.921 discards that unacknowledged I
 * frame on re-establishment, and Q.931 sends the RESTART again only when
 * T316 expires (§5.5.1); until then every B-channel is out of service.
 */
import { join } from "node:path";
import type { GatewayConfig } from "../../config/schema.js";
import { q931Timers } from "../../isdn/q931/timers.js";
import { planIsdn } from "../isdn-plan.js";
import { planSs7 } from "../ss7-plan.js";

type FarendConfig = GatewayConfig["farends"][number];
type FarendRuleConfig = FarendConfig["rules"][number];

/** The numbers the call models dial, and what the switch must do with each. */
export const DEMO_NUMBERS = {
  /** SIP -> PSTN answered: answer, then loop the audio back. */
  answered: "5551234",
  /** SIP -> PSTN busy: released with cause 17 (user busy, Q.850). */
  busy: "5590017",
  /** SIP -> PSTN cancelled: rings until the caller gives up. */
  ringing: "5552000",
  /** PSTN -> SIP: the switch calls this number, routed to SIP. */
  toSip: "2125551234",
  /** The calling number of the switch's calls. */
  pstnCaller: "3125550100",
  /** The telephone's own number, in its From (E.164, RFC 3398 §8.2.1). */
  sipCaller: "+13125550199",
  /** SIP -> PBX: an extension of the PBX, routed to its QSIG trunk; the PBX answers and loops the audio back. */
  toPbx: "7001",
  /** The PBX extension that calls out (PBX -> SIP), and its QSIG calling name (ECMA-164). */
  pbxCaller: "7100",
  pbxCallerName: "Demo PBX 7100",
} as const;

/** The simulated PBX and the QSIG trunk towards it, for the PBX call models. */
export interface PbxTarget {
  readonly farend: FarendConfig;
  /** The gateway's ISDN trunk on the far end's span and D-channel. */
  readonly trunk: string;
  /** Its B-channels, ascending. */
  readonly channels: readonly number[];
}

export interface DemoTarget {
  /** The far end (the simulated switch) the demo drives. */
  readonly farend: FarendConfig;
  /** The SS7 trunk towards it. */
  readonly trunk: string;
  /** CICs the switch can call on: the trunk's circuits whose timeslot is the CIC (the switch's own map). */
  readonly pstnCics: readonly number[];
  readonly variant: "itu" | "ansi";
  /** The PBX of the PBX call models, or why they cannot run on this configuration. */
  readonly pbx: { readonly ok: true; readonly target: PbxTarget } | { readonly ok: false; readonly reason: string };
}

/** What the demo needs of a configuration; the problems when it lacks something. */
export function demoTarget(cfg: GatewayConfig): { ok: true; target: DemoTarget } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  if (cfg.card.driver !== "sim") problems.push("card.driver must be sim: the demo's far end is the simulated PSTN switch on the simulated card");
  if (!cfg.ss7) problems.push("no ss7 section: the demo calls through an SS7 trunk");
  if (!cfg.routing || cfg.routing.sipTrunks.length === 0) problems.push("no routing section with a SIP trunk: calls would not be routed between ISUP and SIP");
  if (!cfg.sip.listen.some((l) => l.transport === "udp")) problems.push("sip.listen has no UDP listener: the demo telephone speaks SIP over UDP");
  const farend = cfg.farends.find((f) => f.kind === "ss7");
  if (!farend) problems.push("no farends entry of kind ss7: the demo needs the simulated PSTN switch");
  if (problems.length > 0 || !cfg.ss7 || !farend) return { ok: false, problems };
  const plan = planSs7(cfg.ss7);
  const trunk = plan.trunks.find((t) => t.span === farend.span);
  if (!trunk) return { ok: false, problems: [`no ss7 trunk on span ${farend.span}, where far end ${farend.name} is`] };
  const pstnCics = [...trunk.timeslots].filter(([cic, ts]) => cic === ts).map(([cic]) => cic);
  if (pstnCics.length === 0) return { ok: false, problems: [`ss7 trunk ${trunk.name}: no CIC on its own timeslot number, which the switch uses`] };
  return { ok: true, target: { farend, trunk: trunk.name, pstnCics, variant: cfg.ss7.variant, pbx: pbxTarget(cfg) } };
}

/** The PBX far end and the gateway's QSIG trunk facing it; the reason when the configuration has none. */
export function pbxTarget(cfg: GatewayConfig): DemoTarget["pbx"] {
  const farend = cfg.farends.find((f) => f.kind === "pbx");
  if (!farend) return { ok: false, reason: "no farends entry of kind pbx: the configuration starts no PBX" };
  if (!cfg.isdn) return { ok: false, reason: `no isdn section: nothing of the gateway faces far end ${farend.name}` };
  const trunk = planIsdn(cfg).trunks.find((t) => t.span === farend.span && t.dChannel === farend.timeslot);
  if (!trunk) return { ok: false, reason: `no isdn trunk with its D-channel on span ${farend.span} timeslot ${farend.timeslot}, where far end ${farend.name} is` };
  if (trunk.mode !== "qsig") return { ok: false, reason: `isdn trunk ${trunk.name} is in ${trunk.mode} mode: the PBX far end speaks QSIG` };
  if (trunk.side === farend.side) return { ok: false, reason: `isdn trunk ${trunk.name} and far end ${farend.name} are both the ${trunk.side} side` };
  if (trunk.bChannels.length === 0) return { ok: false, reason: `isdn trunk ${trunk.name} has no B-channel` };
  return { ok: true, target: { farend, trunk: trunk.name, channels: trunk.bChannels } };
}

/** The configuration moved into `dir` with ephemeral SIP ports, the telephone as every SIP trunk's peer and T316 at its shortest unless set. */
export function demoConfig(cfg: GatewayConfig, dir: string, phone: { readonly host: string; readonly port: number }): GatewayConfig {
  const q931 = cfg.timers["q931"] ?? {};
  return {
    ...cfg,
    ...(cfg.isdn && q931["T316"] === undefined ? { timers: { ...cfg.timers, q931: { ...q931, T316: q931Timers.specs.T316.minMs } } } : {}),
    control: { ...cfg.control, socket: join(dir, "control.sock") },
    card: { ...cfg.card, runDir: join(dir, "card") },
    sip: { ...cfg.sip, listen: cfg.sip.listen.map((l) => ({ ...l, port: 0 })) },
    ...(cfg.ss7 ? { ss7: { ...cfg.ss7, blockingStore: join(dir, "blocking.json") } } : {}),
    ...(cfg.routing
      ? { routing: { ...cfg.routing, sipTrunks: cfg.routing.sipTrunks.map((t) => ({ ...t, peers: [{ host: phone.host, port: phone.port, transport: "udp" as const }] })) } }
      : {}),
  };
}

/** The rule the switch applies to a called number: the longest matching prefix, else the default rule (answer at once). */
export function ruleFor(farend: FarendConfig, called: string): FarendRuleConfig {
  let best: FarendRuleConfig | undefined;
  for (const r of farend.rules) {
    const p = r.prefix ?? "";
    if (called.startsWith(p) && (best === undefined || p.length > (best.prefix ?? "").length)) best = r;
  }
  return best ?? farend.defaultRule ?? { action: "answer" };
}

/** The Q.850 cause a release rule gives `called`. */
function releaseCause(r: FarendRuleConfig, called: string): number | undefined {
  if (r.action === "busy") return 17;
  if (r.action !== "release") return undefined;
  if (r.cause_from_digits !== undefined) return Number(called.slice(-r.cause_from_digits));
  return r.cause ?? 16;
}

/** Why the PBX's rules do not answer `called` and loop its audio back; undefined when they do. */
export function echoRuleProblem(farend: FarendConfig, called: string): string | undefined {
  const r = ruleFor(farend, called);
  return r.action === "answer" && r.echo === true ? undefined : `the PBX's rule for ${called} is ${JSON.stringify(r)}, not an answer with echo`;
}

/** Why the switch's rules do not give a call model what it shows; undefined when they do. */
export function ruleProblem(farend: FarendConfig, model: "answered" | "busy" | "ringing"): string | undefined {
  const called = DEMO_NUMBERS[model];
  const r = ruleFor(farend, called);
  const rule = JSON.stringify(r);
  switch (model) {
    case "answered":
      return r.action === "answer" && r.echo === true ? undefined : `the switch's rule for ${called} is ${rule}, not an answer with echo`;
    case "busy":
      return releaseCause(r, called) === 17 ? undefined : `the switch's rule for ${called} is ${rule}, not a release with cause 17`;
    case "ringing":
      return r.action === "ring" ? undefined : `the switch's rule for ${called} is ${rule}, not ringing`;
  }
}
