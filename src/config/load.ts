/**
 * Loading and checking configuration. Every problem names the file, the line
 * and the key path, and says what is wrong; the caller exits 2 on any.
 */
import { isdnProblems } from "../cli/isdn-plan.js";
import { expandRange } from "./ranges.js";
import { isMap, isPair, isScalar, LineCounter, parseDocument } from "yaml";
import type { Document, Node } from "yaml";
import type { z } from "zod";
import type { TimerSpec, TimerTable } from "../core/timers.js";
import { checkTimerOverrides } from "../core/timers.js";
import { parsePointCode } from "../ss7/mtp3/point-code.js";
import { configSchema } from "./schema.js";
import type { GatewayConfig } from "./schema.js";

export interface ConfigProblem {
  readonly file: string;
  readonly line: number | undefined;
  readonly keyPath: string;
  readonly message: string;
}

export type ConfigResult = { ok: true; config: GatewayConfig } | { ok: false; problems: ConfigProblem[] };

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}${p.line !== undefined ? `:${p.line}` : ""}: ${p.keyPath || "(root)"}: ${p.message}`;
}

function keyPathText(path: readonly PropertyKey[]): string {
  let s = "";
  for (const k of path) {
    if (typeof k === "number") s += `[${k}]`;
    else s += s ? `.${String(k)}` : String(k);
  }
  return s;
}

/** Line (1-based) of the node at `path`, or of the key named `key` inside it. */
function lineOf(doc: Document, lc: LineCounter, path: readonly PropertyKey[], key?: string): number | undefined {
  let node: unknown = doc.contents;
  let lastRange: [number, number, number] | undefined = (doc.contents as Node | null)?.range ?? undefined;
  for (const k of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(k));
      if (!pair) break;
      const keyNode = pair.key as Node;
      if (keyNode.range) lastRange = keyNode.range;
      node = pair.value;
      const vr = (node as Node | null)?.range;
      if (vr && !isMap(node)) lastRange = vr;
    } else if (node && typeof node === "object" && "items" in node && Array.isArray((node as { items: unknown[] }).items)) {
      const item = (node as { items: unknown[] }).items[Number(k)];
      if (item === undefined) break;
      node = item;
      const r = (item as Node).range;
      if (r) lastRange = r;
    } else break;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === key);
    const r = (pair?.key as Node | undefined)?.range;
    if (r) lastRange = r;
  }
  return lastRange ? lc.linePos(lastRange[0]).line : undefined;
}

/**
 * Parse and check configuration text. `timerTables` are the layers' timer
 * tables: `timers.<layer>.<name>` must name one of them and lie in its range.
 */
export function loadConfigText(text: string, file: string, timerTables: readonly TimerTable[]): ConfigResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  for (const e of doc.errors) {
    const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
    problems.push({ file, line, keyPath: "", message: `YAML syntax: ${e.message.split("\n")[0] ?? e.message}` });
  }
  if (problems.length > 0) return { ok: false, problems };
  let raw: unknown;
  try {
    raw = doc.toJS() ?? {};
  } catch (e) {
    // yaml reports some document errors (e.g. an alias before its anchor) only when resolving.
    return { ok: false, problems: [{ file, line: undefined, keyPath: "", message: `YAML: ${(e as Error).message}` }] };
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...issueProblems(issue, doc, lc, file));
    return { ok: false, problems };
  }
  const config = parsed.data;
  const tables = new Map(timerTables.map((t) => [t.layer, t]));
  for (const [layer, overrides] of Object.entries(config.timers)) {
    const table = tables.get(layer);
    if (!table) {
      problems.push({
        file,
        line: lineOf(doc, lc, ["timers"], layer),
        keyPath: `timers.${layer}`,
        message: `unknown timer layer; known layers: ${[...tables.keys()].sort().join(", ")}`,
      });
      continue;
    }
    for (const p of checkTimerOverrides(table, overrides)) {
      problems.push({ file, line: lineOf(doc, lc, ["timers", layer, p.timer]), keyPath: `timers.${layer}.${p.timer}`, message: p.reason });
    }
  }
  if (config.card.driver === "library" && !config.card.library) {
    problems.push({ file, line: lineOf(doc, lc, ["card", "driver"]), keyPath: "card.library", message: "is required when card.driver is `library`" });
  }
  const spans = new Set<number>();
  config.card.spans.forEach((s, i) => {
    if (spans.has(s.span)) problems.push({ file, line: lineOf(doc, lc, ["card", "spans", i, "span"]), keyPath: `card.spans[${i}].span`, message: `span ${s.span} is configured twice` });
    spans.add(s.span);
    const framingOk = s.type === "e1" ? s.framing === "crc4" || s.framing === "no-crc4" : s.framing === "esf" || s.framing === "d4";
    if (!framingOk) problems.push({ file, line: lineOf(doc, lc, ["card", "spans", i, "framing"]), keyPath: `card.spans[${i}].framing`, message: `${s.framing} is not a ${s.type.toUpperCase()} framing (E1: crc4, no-crc4; T1: esf, d4)` });
    const codeOk = s.type === "e1" ? s.lineCode === "hdb3" || s.lineCode === "ami" : s.lineCode === "b8zs" || s.lineCode === "ami";
    if (!codeOk) problems.push({ file, line: lineOf(doc, lc, ["card", "spans", i, "lineCode"]), keyPath: `card.spans[${i}].lineCode`, message: `${s.lineCode} is not a ${s.type.toUpperCase()} line code (E1: hdb3, ami; T1: b8zs, ami)` });
    const maxTs = s.type === "e1" ? 31 : 24;
    s.signalling.forEach((ts, j) => {
      if (ts > maxTs) problems.push({ file, line: lineOf(doc, lc, ["card", "spans", i, "signalling", j]), keyPath: `card.spans[${i}].signalling[${j}]`, message: `timeslot ${ts} does not exist on ${s.type.toUpperCase()} (1..${maxTs})` });
    });
  });
  if (config.ss7) problems.push(...ss7Problems(config, (path, key) => lineOf(doc, lc, path, key), file));
  if (config.isdn) for (const p of isdnProblems(config)) problems.push({ file, line: lineOf(doc, lc, p.path), keyPath: keyPathText(p.path), message: p.message });
  config.farends.forEach((f, i) => {
    if (f.kind !== "ss7") return;
    for (const k of ["pointCode", "peerPointCode"] as const) {
      if (f[k] === undefined) problems.push({ file, line: lineOf(doc, lc, ["farends", i]), keyPath: keyPathText(["farends", i, k]), message: "an ss7 far end needs its point code and ours (pointCode, peerPointCode)" });
    }
  });
  // RFC 4497 §8.2.2.1 overlap from the PBX: our digit collection must end before Q.931's T302
  // clears the call with cause 28 (Q.931 §5.2.4).
  // T302 comes from the q931 timer table the caller gives (the loader knows no layer itself).
  const t302Spec = (tables.get("q931")?.specs as Readonly<Record<string, TimerSpec>> | undefined)?.["T302"];
  if (config.isdn && config.routing && t302Spec) {
    const t302 = config.timers["q931"]?.["T302"] ?? t302Spec.defaultMs;
    if (config.routing.interDigitSeconds * 1000 >= t302) {
      problems.push({ file, line: lineOf(doc, lc, ["routing", "interDigitSeconds"]), keyPath: "routing.interDigitSeconds", message: `${config.routing.interDigitSeconds} s is not below Q.931 T302 (${t302} ms): overlap calls from a PBX would be cleared with cause 28 before their number is complete` });
    }
  }
  if (config.routing) problems.push(...routingProblems(config, (path, key) => lineOf(doc, lc, path, key), file));
  config.sip.listen.forEach((l, i) => {
    if (l.transport === "tls" && (!l.certificate || !l.privateKey)) {
      problems.push({ file, line: lineOf(doc, lc, ["sip", "listen", i]), keyPath: `sip.listen[${i}]`, message: "a TLS listener needs certificate and privateKey" });
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}


/** A configured point code (number or dashed text) as a number; undefined when it is not one of `variant`. */
export function pointCodeOf(pc: number | string, variant: "itu" | "ansi"): number | undefined {
  return parsePointCode(String(pc), variant);
}

/**
 * Cross-references of the ss7 section (Q.704 point codes and SLCs, Q.763
 * CIC ranges): links on signalling timeslots of configured spans, trunks on
 * bearer timeslots, every trunk's point code reachable through a linkset.
 */
function ss7Problems(config: GatewayConfig, lineAt: (path: readonly PropertyKey[], key?: string) => number | undefined, file: string): ConfigProblem[] {
  const ss7 = config.ss7;
  if (!ss7) return [];
  const out: ConfigProblem[] = [];
  const add = (path: readonly PropertyKey[], message: string): void => {
    out.push({ file, line: lineAt(path), keyPath: keyPathText(path), message });
  };
  const v = ss7.variant;
  const pcOf = (pc: number | string, path: readonly PropertyKey[]): number | undefined => {
    const n = pointCodeOf(pc, v);
    if (n === undefined) add(path, `${JSON.stringify(pc)} is not an ${v.toUpperCase()} point code (${v === "itu" ? "0..16383 or zone-area-point 0-7/0-255/0-7" : "0..16777215 or network-cluster-member 0-255 each"})`);
    return n;
  };
  const own = pcOf(ss7.pointCode, ["ss7", "pointCode"]);
  const spans = new Map(config.card.spans.map((s) => [s.span, s]));
  const reachable = new Set<number>();
  const linksetNames = new Set<string>();
  const linkSlots = new Map<string, string>();
  ss7.linksets.forEach((ls, i) => {
    const at = ["ss7", "linksets", i];
    if (linksetNames.has(ls.name)) add([...at, "name"], `linkset ${ls.name} is configured twice`);
    linksetNames.add(ls.name);
    const adj = pcOf(ls.adjacentPointCode, [...at, "adjacentPointCode"]);
    if (adj !== undefined) {
      if (adj === own) add([...at, "adjacentPointCode"], "is our own point code (ss7.pointCode)");
      reachable.add(adj);
    }
    const slcs = new Set<number>();
    ls.links.forEach((l, j) => {
      const lat = [...at, "links", j];
      if (slcs.has(l.slc)) add([...lat, "slc"], `SLC ${l.slc} is used twice in linkset ${ls.name} (Q.704 §2.2.4)`);
      slcs.add(l.slc);
      const span = spans.get(l.span);
      if (!span) add([...lat, "span"], `span ${l.span} is not configured in card.spans`);
      else if (!span.signalling.includes(l.timeslot)) add([...lat, "timeslot"], `timeslot ${l.timeslot} is not a signalling timeslot of span ${l.span} (card.spans signalling: [${span.signalling.join(", ")}])`);
      const slot = `${l.span}/${l.timeslot}`;
      const other = linkSlots.get(slot);
      if (other !== undefined) add(lat, `span ${l.span} timeslot ${l.timeslot} already carries ${other}`);
      else linkSlots.set(slot, `link SLC ${l.slc} of linkset ${ls.name}`);
    });
  });
  ss7.routes.forEach((r, i) => {
    const at = ["ss7", "routes", i];
    const d = pcOf(r.destination, [...at, "destination"]);
    if (d !== undefined) {
      if (d === own) add([...at, "destination"], "is our own point code (ss7.pointCode)");
      reachable.add(d);
    }
    r.linksets.forEach((n, j) => {
      if (!linksetNames.has(n)) add([...at, "linksets", j], `no linkset named ${n}`);
    });
  });
  const trunkNames = new Set<string>();
  const usedSlots = new Map<string, string>();
  const usedCics = new Map<string, string>();
  const maxCic = v === "itu" ? 4095 : 16383;
  ss7.trunks.forEach((t, i) => {
    const at = ["ss7", "trunks", i];
    if (trunkNames.has(t.name)) add([...at, "name"], `trunk ${t.name} is configured twice`);
    trunkNames.add(t.name);
    const dpc = pcOf(t.pointCode, [...at, "pointCode"]);
    if (dpc !== undefined && !reachable.has(dpc)) add([...at, "pointCode"], `point code ${String(t.pointCode)} is neither the adjacent point of a linkset nor the destination of a route`);
    if (t.continuityCheck) add([...at, "continuityCheck"], "needs a continuity check transceiver (Q.724 §7) on the trunk's timeslots; this gateway has none, so it must be false");
    const span = spans.get(t.span);
    if (!span) add([...at, "span"], `span ${t.span} is not configured in card.spans`);
    const maxTs = span?.type === "t1" ? 24 : 31;
    t.circuits.forEach((c, j) => {
      const cat = [...at, "circuits", j];
      const cics = expandRange(c.cics);
      const slots = expandRange(c.timeslots);
      if (!cics) add([...cat, "cics"], `${JSON.stringify(c.cics)} is not a range A-B with A <= B`);
      if (!slots) add([...cat, "timeslots"], `${JSON.stringify(c.timeslots)} is not a range A-B with A <= B`);
      if (!cics || !slots) return;
      if (cics.length !== slots.length) {
        add(cat, `${cics.length} CICs on ${slots.length} timeslots: each CIC needs exactly one timeslot`);
        return;
      }
      const badCic = cics.find((n) => n > maxCic);
      if (badCic !== undefined) add([...cat, "cics"], `CIC ${badCic} is above ${maxCic} (Q.763 §1.2: ${v === "itu" ? 12 : 14} bits)`);
      for (const ts of slots) {
        if (span && (ts < 1 || ts > maxTs)) {
          add([...cat, "timeslots"], `timeslot ${ts} does not exist on ${span.type.toUpperCase()} (1..${maxTs})`);
          break;
        }
        if (span?.signalling.includes(ts)) {
          add([...cat, "timeslots"], `timeslot ${ts} of span ${t.span} carries signalling, not a circuit`);
          break;
        }
        const key = `${t.span}/${ts}`;
        const other = usedSlots.get(key);
        if (other !== undefined) {
          add([...cat, "timeslots"], `span ${t.span} timeslot ${ts} is already ${other}`);
          break;
        }
        usedSlots.set(key, `trunk ${t.name}`);
      }
      for (const cic of cics) {
        const key = `${dpc ?? String(t.pointCode)}/${cic}`;
        const other = usedCics.get(key);
        if (other !== undefined) {
          add([...cat, "cics"], `CIC ${cic} towards point code ${String(t.pointCode)} is already in ${other}`);
          break;
        }
        usedCics.set(key, `trunk ${t.name}`);
      }
    });
  });
  return out;
}

/** Cross-references of the routing section: trunk names unique across SS7 and SIP, routes naming trunks that exist. */
function routingProblems(config: GatewayConfig, lineAt: (path: readonly PropertyKey[], key?: string) => number | undefined, file: string): ConfigProblem[] {
  const routing = config.routing;
  if (!routing) return [];
  const out: ConfigProblem[] = [];
  const add = (path: readonly PropertyKey[], message: string): void => {
    out.push({ file, line: lineAt(path), keyPath: keyPathText(path), message });
  };
  const trunks = new Map<string, string>();
  for (const t of config.ss7?.trunks ?? []) trunks.set(t.name, "an ISUP trunk (ss7.trunks)");
  for (const t of config.isdn?.trunks ?? []) trunks.set(t.name, "an ISDN trunk (isdn.trunks)");
  const peerNames = new Set(config.sip.peers.map((p) => p.name));
  routing.sipTrunks.forEach((t, i) => {
    const other = trunks.get(t.name);
    if (other !== undefined) add(["routing", "sipTrunks", i, "name"], `trunk name ${t.name} is already ${other}`);
    trunks.set(t.name, "a SIP trunk (routing.sipTrunks)");
    t.peers.forEach((p, j) => {
      if ("peer" in p && !peerNames.has(p.peer)) add(["routing", "sipTrunks", i, "peers", j, "peer"], `no peer named ${p.peer} in sip.peers (known: ${[...peerNames].join(", ") || "none"})`);
    });
  });
  const routeNames = new Set<string>();
  routing.routes.forEach((r, i) => {
    const at = ["routing", "routes", i];
    if (routeNames.has(r.name)) add([...at, "name"], `route ${r.name} is configured twice`);
    routeNames.add(r.name);
    r.from.forEach((n, j) => {
      if (!trunks.has(n)) add([...at, "from", j], `no trunk named ${n} (known: ${[...trunks.keys()].join(", ") || "none"})`);
    });
    r.to.forEach((n, j) => {
      if (!trunks.has(n)) add([...at, "to", j], `no trunk named ${n} (known: ${[...trunks.keys()].join(", ") || "none"})`);
    });
  });
  return out;
}

function issueProblems(issue: z.core.$ZodIssue, doc: Document, lc: LineCounter, file: string): ConfigProblem[] {
  const path = issue.path;
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => ({
      file,
      line: lineOf(doc, lc, path, k),
      keyPath: keyPathText([...path, k]),
      message: "unknown key",
    }));
  }
  let message = issue.message;
  if (issue.code === "invalid_type") {
    const got = valueAt(doc, path);
    message = got === undefined ? `is required (${issue.expected})` : `expected ${issue.expected}, got ${describe(got)}`;
  } else if (issue.code === "invalid_value") {
    message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describe(valueAt(doc, path))}`;
  } else if (issue.code === "invalid_union") {
    const allowed = issue.errors.flat().flatMap((e) => (e.code === "invalid_value" ? e.values.map((v) => JSON.stringify(v)) : e.code === "invalid_type" ? [e.expected] : []));
    message = `must be one of ${[...new Set(allowed)].join(", ")}, got ${describe(valueAt(doc, path))}`;
  } else if (issue.code === "too_small" || issue.code === "too_big") {
    message = `${issue.message}, got ${describe(valueAt(doc, path))}`;
  }
  return [{ file, line: lineOf(doc, lc, path), keyPath: keyPathText(path), message }];
}

function valueAt(doc: Document, path: readonly PropertyKey[]): unknown {
  let v: unknown;
  try {
    v = doc.toJS();
  } catch {
    return undefined;
  }
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[String(k)];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}
