/**
 * `sipt-gw card status [--port PATH]`: the card's identity, spans, ports,
 * alarms and counters as read over its serial control port (the protocol of
 * hardware/proto, drivers/serial). A table for people, `--json` for tools.
 */
import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { SystemClock } from "../../core/clock.js";
import type { Logger, LogLevel } from "../../core/logger.js";
import { LOG_LEVELS } from "../../core/logger.js";
import { resolveTimers } from "../../core/timers.js";
import { formatProblem } from "../../config/load.js";
import { CardControlClient } from "../../../drivers/serial/card-control-client.js";
import type { AlarmSet, IdentifyResponse, PortStatus, QueryStatusResponse, SpanConfig, SpanStatus } from "../../../drivers/serial/card-control-messages.js";
import { enumName } from "../../../drivers/serial/card-control-messages.js";
import { listSerialPorts, serialPortOpener } from "../../../drivers/serial/control-port.js";
import type { PortOpener } from "../../../drivers/serial/control-port.js";
import { cardControlTimers } from "../../../drivers/serial/timers.js";
import { cardControlPort } from "../card-component.js";
import { loadConfig } from "../config-file.js";
import { EXIT } from "../exit-codes.js";
import { createRootLogger } from "../logging.js";

export interface CardStatusOptions {
  readonly port?: string;
  readonly config?: string;
  readonly json?: boolean;
  readonly timeoutMs: number;
  readonly baud: number;
}

export interface CardStatusIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly log: Logger;
  /** The port opener (tests substitute one); default: serialport at opts.baud. */
  readonly openPort?: PortOpener;
}

export interface CardStatusReport {
  readonly port: string;
  readonly card: IdentifyResponse;
  readonly status: QueryStatusResponse;
}

const ALARM_NAMES = ["los", "lof", "ais", "rai"] as const;

function alarmList(a: AlarmSet): string[] {
  return ALARM_NAMES.filter((k) => a[k]).map((k) => k.toUpperCase());
}

function abiText(v: number): string {
  return `${v >>> 16}.${v & 0xffff}`;
}

function configJson(c: SpanConfig): Record<string, unknown> {
  return {
    framing: enumName("Framing", c.framing),
    lineCode: enumName("LineCode", c.lineCode),
    clock: enumName("ClockMode", c.clock),
    clockPriority: c.clockPriority,
    companding: enumName("Companding", c.companding),
    bearerTimeslots: timeslots(c.bearerMask),
    signallingTimeslots: timeslots(c.sigMask),
  };
}

function timeslots(mask: number): number[] {
  const out: number[] = [];
  for (let t = 1; t < 32; t++) if ((mask >>> t) & 1) out.push(t);
  return out;
}

/** "1-15,17-31" */
function rangeText(ts: readonly number[]): string {
  if (ts.length === 0) return "-";
  const parts: string[] = [];
  let start = ts[0] ?? 0;
  let prev = start;
  for (const t of [...ts.slice(1), Infinity]) {
    if (t === prev + 1) {
      prev = t;
      continue;
    }
    parts.push(start === prev ? `${start}` : `${start}-${prev}`);
    start = t;
    prev = t;
  }
  return parts.join(",");
}

/** The report as JSON: enumerations by name, masks as timeslot lists. */
export function cardStatusJson(r: CardStatusReport): Record<string, unknown> {
  return {
    port: r.port,
    card: { ...r.card, abiVersion: abiText(r.card.abiVersion) },
    uptimeMs: r.status.uptimeMs,
    spans: r.status.spans.map((s) => ({
      span: s.span,
      name: s.name,
      type: enumName("SpanType", s.type),
      configured: s.configured,
      ...(s.config !== undefined ? { config: configJson(s.config) } : {}),
      alarms: alarmList(s.alarms),
      clockSource: s.clockSource,
      counters: { slips: s.slips, bpv: s.bpv, crcErrors: s.crcErrors, fasErrors: s.fasErrors, rxBlocks: s.rxBlocks, txBlocks: s.txBlocks },
      loopback: enumName("Loopback", s.loopback),
      lineCut: s.lineCut,
      injectedAlarms: alarmList(s.injectedAlarms),
    })),
    ports: r.status.ports.map((p) => ({
      port: p.port,
      name: p.name,
      kind: enumName("PortKind", p.kind),
      offHook: p.offHook,
      ringing: p.ringing,
      polarity: p.reversed ? "reversed" : "normal",
      battery: p.battery,
      loopMa: p.loopMa,
    })),
    link: r.status.link,
  };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((row) => `  ${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ")}`.trimEnd()).join("\n");
}

function spanRow(s: SpanStatus): string[] {
  const c = s.config;
  const alarms = alarmList(s.alarms);
  const line = [s.lineCut ? "cut" : "", ...alarmList(s.injectedAlarms).map((a) => `${a} injected`)].filter((x) => x !== "");
  return [
    String(s.span),
    s.name,
    enumName("SpanType", s.type),
    c ? enumName("Framing", c.framing) : "not configured",
    c ? enumName("LineCode", c.lineCode) : "-",
    c ? `${enumName("ClockMode", c.clock)}${c.clockPriority > 0 ? `/${c.clockPriority}` : ""}${s.clockSource ? " (source)" : ""}` : "-",
    c ? enumName("Companding", c.companding) : "-",
    c ? rangeText(timeslots(c.bearerMask)) : "-",
    c ? rangeText(timeslots(c.sigMask)) : "-",
    alarms.length > 0 ? alarms.join(",") : "none",
    String(s.slips),
    String(s.bpv),
    String(s.crcErrors),
    String(s.fasErrors),
    enumName("Loopback", s.loopback),
    line.length > 0 ? line.join(", ") : "-",
  ];
}

function portRow(p: PortStatus): string[] {
  const fxs = enumName("PortKind", p.kind) === "FXS";
  return [
    String(p.port),
    p.name,
    enumName("PortKind", p.kind),
    p.offHook ? "off-hook" : "on-hook",
    p.ringing ? (fxs ? "ringing" : "ring detected") : "-",
    p.reversed ? "reversed" : "normal",
    p.battery ? "yes" : "no",
    `${p.loopMa} mA`,
  ];
}

/** The report as a table. */
export function renderCardStatus(r: CardStatusReport): string {
  const c = r.card;
  const l = r.status.link;
  const lines = [
    `Card ${c.model} (serial ${c.serialNumber}, driver ${c.driver}) on ${r.port}`,
    `  firmware ${c.firmware}, card ABI ${abiText(c.abiVersion)}, control protocol ${c.protocolVersion}, control endpoint up ${(r.status.uptimeMs / 1000).toFixed(1)} s`,
    "",
    `Spans (${r.status.spans.length})`,
    r.status.spans.length > 0
      ? table([["SPAN", "NAME", "TYPE", "FRAMING", "CODE", "CLOCK", "LAW", "BEARER", "SIG", "ALARMS", "SLIPS", "BPV", "CRC", "FAS", "LOOPBACK", "LINE"], ...r.status.spans.map(spanRow)])
      : "  none",
    "",
    `Ports (${r.status.ports.length})`,
    r.status.ports.length > 0 ? table([["PORT", "NAME", "KIND", "HOOK", "RING", "POLARITY", "BATTERY", "LOOP"], ...r.status.ports.map(portRow)]) : "  none",
    "",
    "Control link (as the card counts it)",
    `  frames received ${l.rxFrames}, sent ${l.txFrames}; CRC errors ${l.rxCrcErrors}, header errors ${l.rxHeaderErrors}, ` +
      `octets skipped ${l.rxGarbageOctets}, malformed ${l.rxMalformed}, abandoned ${l.rxAbandoned}, not sent ${l.txDropped}`,
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * Resolves the control port: --port, else the configuration's
 * card.controlPort (with `auto`, the simulated card's pty in its run
 * directory), the embedded default's when no --config is given.
 */
export async function resolveControlPort(opts: CardStatusOptions): Promise<{ ok: true; path: string } | { ok: false; message: string }> {
  if (opts.port !== undefined && opts.port !== "") return { ok: true, path: opts.port };
  const r = loadConfig(opts.config);
  if (!r.ok) return { ok: false, message: r.problems.map(formatProblem).join("\n") };
  const port = cardControlPort(r.config);
  if (port !== undefined) return { ok: true, path: port };
  const listing = await listSerialPorts();
  const known = listing.ok ? (listing.ports.length > 0 ? `serial ports here: ${listing.ports.map((p) => p.path).join(", ")}` : "no serial ports found") : `serial ports cannot be listed here (${listing.reason})`;
  return {
    ok: false,
    message:
      `no control port given: pass --port PATH (the simulated card's is the "control" link in its run directory), ` +
      `or --config FILE with card.controlPort set to a device; ${known}`,
  };
}

/** Runs `card status`; returns the exit code. */
export async function runCardStatus(opts: CardStatusOptions, io: CardStatusIo): Promise<number> {
  const where = await resolveControlPort(opts);
  if (!where.ok) {
    io.err(`sipt-gw card status: ${where.message}\n`);
    return EXIT.usage;
  }
  const timers = resolveTimers(cardControlTimers, { response: Math.min(Math.max(opts.timeoutMs, 50), 30_000) });
  const client = new CardControlClient({
    path: where.path,
    openPort: io.openPort ?? serialPortOpener(opts.baud),
    clock: new SystemClock(),
    log: io.log,
    timers,
    reopenAfterTimeouts: 0,
  });
  client.start();
  try {
    await client.waitConnected(opts.timeoutMs);
    const card = await client.identify();
    const status = await client.queryStatus();
    const report: CardStatusReport = { port: where.path, card, status };
    io.out(opts.json ? `${JSON.stringify(cardStatusJson(report), null, 2)}\n` : renderCardStatus(report));
    return EXIT.ok;
  } catch (e) {
    io.err(`sipt-gw card status: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.failure;
  } finally {
    await client.stop();
  }
}

function positiveInt(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer ${min}..${max}`);
    return n;
  };
}

export function register(program: Command): void {
  const card = program.command("card").description("the telephony card over its serial control port");
  card
    .command("status")
    .description("print the card's identity, spans, ports, alarms and counters, read over its serial control port")
    .option("-p, --port <path>", "control port device or pty (the simulated card's: RUNDIR/control)")
    .option("-c, --config <file>", "take the port from card.controlPort of this configuration")
    .option("--json", "print JSON")
    .option("--timeout <ms>", "wait for the port and for each answer, ms (50..30000)", positiveInt("--timeout", 50, 30_000), 2000)
    .option("--baud <rate>", "line rate of a real serial port", positiveInt("--baud", 50, 4_000_000), 115200)
    .addOption(new Option("--log-level <level>", "log to stderr from this level").choices(LOG_LEVELS as string[]).default("warn"))
    .action(async (opts: { port?: string; config?: string; json?: boolean; timeout: number; baud: number; logLevel: LogLevel }) => {
      const log = createRootLogger({ level: opts.logLevel, format: "auto", destination: process.stderr, isTty: process.stderr.isTTY === true });
      process.exitCode = await runCardStatus(
        {
          ...(opts.port !== undefined ? { port: opts.port } : {}),
          ...(opts.config !== undefined ? { config: opts.config } : {}),
          json: opts.json === true,
          timeoutMs: opts.timeout,
          baud: opts.baud,
        },
        { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), log },
      );
    });
}
