/**
 * `sipt-gw mappings show [--trunk T] [--config FILE] [--json]`: every
 * effective ISUP <-> SIP mapping table (RFC 3398 and the references of
 * mappings/rfc3398-*.ts), trunk override rows first;
 * `sipt-gw mappings lookup --isup-cause N [--location L]` and
 * `sipt-gw mappings lookup --sip-status N`: the row that applies, as one JSON
 * line (RFC 3398 §7.2.4.1, §8.2.6.1), naming the default when no row matches.
 *
 * Trunk overrides are read from a trunk's `mappings` key (an object of row
 * arrays named like the tables below) when the configuration has one.
 */
import type { Command } from "commander";
import { formatProblem } from "../../config/load.js";
import { isupCauseToSip, sipStatusToIsup } from "../../interworking/cause-mapping.js";
import { ISUP_TO_SIP, ISUP_TO_SIP_DEFAULT, SIP_TO_ISUP, SIP_TO_ISUP_DEFAULT } from "../../../mappings/rfc3398-causes.js";
import type { IsupToSipRow, SipToIsupRow } from "../../../mappings/rfc3398-causes.js";
import { CPC_OPERATOR_DEFAULT, CPC_ROWS, CPC_TO_ISUP_DEFAULT, CPC_TO_SIP_DEFAULT, OLI } from "../../../mappings/rfc3398-cpc.js";
import {
  ACM_TO_SIP,
  ACM_TO_SIP_DEFAULT,
  ANSWER,
  CPG_TO_SIP,
  CPG_TO_SIP_DEFAULT,
  INBAND_EVENT,
  INBAND_TO_SIP,
  SIP_TO_ISUP_FIRST,
  SIP_TO_ISUP_FIRST_DEFAULT,
  SIP_TO_ISUP_LATER,
  SIP_TO_ISUP_LATER_DEFAULT,
} from "../../../mappings/rfc3398-events.js";
import { IDENTITY_TO_ISUP, NO_CALLING_NUMBER, NO_IDENTITY_TO_ISUP, PRESENTATION_TO_SIP, PRIVACY_TO_ISUP, PRIVACY_TO_ISUP_DEFAULT, SCREENING_TO_SIP } from "../../../mappings/rfc3398-identity.js";
import { NOA_TO_SIP, NOA_TO_SIP_DEFAULT, SIP_TO_NOA } from "../../../mappings/rfc3398-numbers.js";
import { REDIRECTING_INDICATORS, REDIRECTION_REASON_DEFAULT, REDIRECTION_REASONS } from "../../../mappings/rfc3398-redirection.js";
import { loadConfig } from "../config-file.js";
import { EXIT } from "../exit-codes.js";

/** A table row: an object of fields (the row interfaces of mappings/). */
type Row = object;

export interface MappingTable {
  /** Key in a trunk's `mappings` override object. */
  readonly name: string;
  readonly title: string;
  readonly rows: readonly Row[];
  /** What applies when no row matches. */
  readonly fallback?: Row;
}

/** Override rows per table name, as a trunk's configuration gives them. */
export type MappingOverrides = Readonly<Record<string, readonly Row[]>>;

const DEFAULT_TABLES: readonly MappingTable[] = [
  { name: "isupToSip", title: "ISUP cause -> SIP status (REL before a final response)", rows: ISUP_TO_SIP, fallback: ISUP_TO_SIP_DEFAULT },
  { name: "sipToIsup", title: "SIP status -> ISUP cause (REL for a final response >= 400)", rows: SIP_TO_ISUP, fallback: SIP_TO_ISUP_DEFAULT },
  { name: "noaToSip", title: "Nature of address -> telephone number", rows: NOA_TO_SIP, fallback: NOA_TO_SIP_DEFAULT },
  { name: "sipToNoa", title: "Telephone number -> nature of address", rows: SIP_TO_NOA },
  { name: "presentationToSip", title: "Calling number presentation -> From / Privacy", rows: PRESENTATION_TO_SIP, fallback: NO_CALLING_NUMBER },
  { name: "screeningToSip", title: "Calling number screening -> P-Asserted-Identity", rows: SCREENING_TO_SIP },
  { name: "identityToIsup", title: "SIP identity -> screening indicator", rows: IDENTITY_TO_ISUP, fallback: NO_IDENTITY_TO_ISUP },
  { name: "privacyToIsup", title: "Privacy -> presentation indicator", rows: PRIVACY_TO_ISUP, fallback: PRIVACY_TO_ISUP_DEFAULT },
  { name: "cpc", title: "Calling party's category <-> cpc", rows: CPC_ROWS, fallback: { toSip: CPC_TO_SIP_DEFAULT, toIsup: CPC_TO_ISUP_DEFAULT, operator: CPC_OPERATOR_DEFAULT, oli: OLI } },
  { name: "redirectionReasons", title: "Redirecting reason <-> Diversion reason / History-Info cause", rows: REDIRECTION_REASONS, fallback: REDIRECTION_REASON_DEFAULT },
  { name: "redirectingIndicators", title: "Redirecting indicator", rows: REDIRECTING_INDICATORS },
  { name: "acmToSip", title: "ACM called party's status -> provisional response", rows: ACM_TO_SIP, fallback: { ...ACM_TO_SIP_DEFAULT, inband: INBAND_TO_SIP } },
  { name: "cpgToSip", title: "CPG event -> provisional response", rows: CPG_TO_SIP, fallback: CPG_TO_SIP_DEFAULT },
  { name: "progressFirst", title: "Provisional response -> ISUP (no ACM sent yet)", rows: SIP_TO_ISUP_FIRST, fallback: SIP_TO_ISUP_FIRST_DEFAULT },
  { name: "progressLater", title: "Provisional response -> ISUP (ACM sent)", rows: SIP_TO_ISUP_LATER, fallback: { ...SIP_TO_ISUP_LATER_DEFAULT, inband: INBAND_EVENT } },
  { name: "answer", title: "2xx -> answer message", rows: [ANSWER.afterAcm, ANSWER.withoutAcm, ANSWER.ansiWithoutAcm] },
];

/** Every table with a trunk's override rows first (marked `trunk: true`). */
export function effectiveTables(overrides: MappingOverrides = {}): MappingTable[] {
  return DEFAULT_TABLES.map((t) => ({ ...t, rows: [...(overrides[t.name] ?? []).map((r) => ({ ...r, trunk: true })), ...t.rows] }));
}

function cell(v: unknown): string {
  if (v === null) return "-";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Readable text: one block per table, one line per row, the fallback last. */
export function formatTables(tables: readonly MappingTable[]): string {
  const out: string[] = [];
  for (const t of tables) {
    out.push(`${t.title} [${t.name}]`);
    for (const r of t.rows) {
      const { ref, note, trunk, ...fields } = r as Record<string, unknown>;
      const kv = Object.entries(fields).map(([k, v]) => `${k}=${cell(v)}`).join(" ");
      out.push(`  ${trunk === true ? "(trunk) " : ""}${kv}  ${cell(ref ?? "")}${note !== undefined ? `  (${cell(note)})` : ""}`);
    }
    if (t.fallback !== undefined) out.push(`  otherwise: ${Object.entries(t.fallback).map(([k, v]) => `${k}=${cell(v)}`).join(" ")}`);
    out.push("");
  }
  return out.join("\n");
}

type Outcome = { readonly code: number; readonly output: string; readonly error?: string };

/** The override rows of a trunk, from its `mappings` key; an error text when the trunk does not exist. */
export function trunkOverrides(config: string | undefined, trunk: string | undefined): { ok: true; overrides: MappingOverrides } | { ok: false; code: number; error: string } {
  if (trunk === undefined && config === undefined) return { ok: true, overrides: {} };
  const r = loadConfig(config);
  if (!r.ok) return { ok: false, code: EXIT.usage, error: r.problems.map(formatProblem).join("\n") };
  if (trunk === undefined) return { ok: true, overrides: {} };
  const t = (r.config.ss7?.trunks ?? []).find((x) => x.name === trunk);
  if (t === undefined) return { ok: false, code: EXIT.usage, error: `no trunk named ${JSON.stringify(trunk)} in ${config ?? "the embedded default configuration"}` };
  const raw = (t as unknown as Record<string, unknown>)["mappings"];
  if (raw === undefined) return { ok: true, overrides: {} };
  if (typeof raw !== "object" || raw === null) return { ok: false, code: EXIT.usage, error: `trunk ${trunk}: mappings is not an object of row lists` };
  const overrides: Record<string, Row[]> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!DEFAULT_TABLES.some((d) => d.name === k)) return { ok: false, code: EXIT.usage, error: `trunk ${trunk}: mappings.${k} is not a table (${DEFAULT_TABLES.map((d) => d.name).join(", ")})` };
    if (!Array.isArray(v) || !v.every((x) => typeof x === "object" && x !== null)) return { ok: false, code: EXIT.usage, error: `trunk ${trunk}: mappings.${k} is not a list of rows` };
    overrides[k] = v as Row[];
  }
  return { ok: true, overrides };
}

export function runMappingsShow(opts: { readonly trunk?: string; readonly config?: string; readonly json?: boolean }): Outcome {
  const o = trunkOverrides(opts.config, opts.trunk);
  if (!o.ok) return { code: o.code, output: "", error: o.error };
  const tables = effectiveTables(o.overrides);
  if (opts.json) return { code: EXIT.ok, output: `${JSON.stringify(tables, null, 2)}\n` };
  return { code: EXIT.ok, output: `# effective mapping tables${opts.trunk !== undefined ? ` for trunk ${opts.trunk}` : " (defaults)"}\n\n${formatTables(tables)}` };
}

function intArg(text: string | undefined, name: string, min: number, max: number): number | string | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text.trim())) return `${name} takes an integer ${min}-${max}, not ${JSON.stringify(text)}`;
  const n = Number(text);
  if (n < min || n > max) return `${name} takes an integer ${min}-${max}, not ${n}`;
  return n;
}

export interface LookupOptions {
  readonly isupCause?: string;
  readonly location?: string;
  readonly sipStatus?: string;
  readonly warning?: string;
  readonly trunk?: string;
  readonly config?: string;
}

/** One JSON line: the row that applies to an ISUP cause or a SIP status. */
export function runMappingsLookup(opts: LookupOptions): Outcome {
  const cause = intArg(opts.isupCause, "--isup-cause", 0, 127);
  const location = intArg(opts.location, "--location", 0, 15);
  const status = intArg(opts.sipStatus, "--sip-status", 100, 699);
  const warning = intArg(opts.warning, "--warning", 300, 399);
  for (const v of [cause, location, status, warning]) if (typeof v === "string") return { code: EXIT.usage, output: "", error: v };
  if ((cause === undefined) === (status === undefined)) return { code: EXIT.usage, output: "", error: "give exactly one of --isup-cause N or --sip-status N" };
  if (cause === undefined && location !== undefined) return { code: EXIT.usage, output: "", error: "--location goes with --isup-cause" };
  if (status === undefined && warning !== undefined) return { code: EXIT.usage, output: "", error: "--warning goes with --sip-status" };
  const o = trunkOverrides(opts.config, opts.trunk);
  if (!o.ok) return { code: o.code, output: "", error: o.error };
  if (typeof cause === "number") {
    const r = isupCauseToSip(cause, typeof location === "number" ? { location } : {}, (o.overrides["isupToSip"] ?? []) as unknown as IsupToSipRow[]);
    return { code: EXIT.ok, output: `${JSON.stringify({ isupCause: r.isupCause, sipStatus: r.sipStatus, ref: r.ref, ...(r.note !== undefined ? { note: r.note } : {}) })}\n` };
  }
  const r = sipStatusToIsup(status as number, typeof warning === "number" ? { warningCode: warning } : {}, (o.overrides["sipToIsup"] ?? []) as unknown as SipToIsupRow[]);
  return { code: EXIT.ok, output: `${JSON.stringify({ sipStatus: r.sipStatus, isupCause: r.isupCause, location: r.location, ref: r.ref, ...(r.note !== undefined ? { note: r.note } : {}) })}\n` };
}

function emit(name: string, r: Outcome): void {
  if (r.output.length > 0) process.stdout.write(r.output);
  if (r.error !== undefined) process.stderr.write(`sipt-gw mappings ${name}: ${r.error}\n`);
  process.exitCode = r.code;
}

export function register(program: Command): void {
  const m = program.command("mappings").description("show the ISUP <-> SIP mapping tables (RFC 3398) and look up rows");
  m.command("show")
    .description("print every effective mapping table, with a trunk's override rows first")
    .option("--trunk <name>", "an SS7 trunk of the configuration whose overrides apply")
    .option("--config <file>", "YAML configuration file (default: the embedded default)")
    .option("--json", "print JSON instead of text")
    .action((opts: { trunk?: string; config?: string; json?: boolean }) => emit("show", runMappingsShow(opts)));
  m.command("lookup")
    .description("print the row that applies to an ISUP cause or a SIP status as one JSON line")
    .option("--isup-cause <n>", "Q.850 cause value of a REL (RFC 3398 §7.2.4.1)")
    .option("--location <l>", "Q.850 location of that cause")
    .option("--sip-status <n>", "SIP final status (RFC 3398 §8.2.6.1)")
    .option("--warning <code>", "warn-code of the response's Warning header (488, 606)")
    .option("--trunk <name>", "an SS7 trunk of the configuration whose overrides apply")
    .option("--config <file>", "YAML configuration file (default: the embedded default)")
    .action((opts: LookupOptions) => emit("lookup", runMappingsLookup(opts)));
}
