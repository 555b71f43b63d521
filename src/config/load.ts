/**
 * Loading and checking configuration. Every problem names the file, the line
 * and the key path, and says what is wrong; the caller exits 2 on any.
 */
import { isMap, isPair, isScalar, LineCounter, parseDocument } from "yaml";
import type { Document, Node } from "yaml";
import type { z } from "zod";
import type { TimerTable } from "../core/timers.js";
import { checkTimerOverrides } from "../core/timers.js";
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
  config.sip.listen.forEach((l, i) => {
    if (l.transport === "tls" && (!l.certificate || !l.privateKey)) {
      problems.push({ file, line: lineOf(doc, lc, ["sip", "listen", i]), keyPath: `sip.listen[${i}]`, message: "a TLS listener needs certificate and privateKey" });
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
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
