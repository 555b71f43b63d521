/**
 * `sipt-gw farend ss7|pbx|phone|coline`: run one far-end simulator in the
 * foreground on the simulated card's line side. Commands are JSON lines on stdin, events JSON
 * lines on stdout (hardware/farend/README.md lists both).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { Readable, Writable } from "node:stream";

import type { Command } from "commander";
import { registerFarendControl } from "./farend-call.js";

import {
  colineArgs,
  farendBinary,
  pbxArgs,
  phoneArgs,
  ss7SwitchArgs,
  type AnalogProfile,
  type ColineOptions,
  type FarendRule,
  type Law,
  type PbxOptions,
  type PhoneOptions,
  type Ss7SwitchOptions,
} from "../../../hardware/farend/farend-process.js";
import { EXIT } from "../exit-codes.js";

export type ArgsResult = { readonly ok: true; readonly args: string[] } | { readonly ok: false; readonly error: string };

/** Options as commander hands them over (strings, repeatable ones as arrays). */
export interface Ss7CliOptions {
  sig?: string;
  bearer?: string;
  variant?: string;
  opc?: string;
  dpc?: string;
  ni?: string;
  slc?: string;
  cics?: string;
  cicMap?: string;
  law?: string;
  dtmfDetect?: boolean;
  rules?: string;
  rule?: string[];
  defaultRule?: string;
  isupTimer?: string[];
  mtp3Timer?: string[];
  connectTimeoutMs?: string;
  debug?: boolean;
}

export interface PbxCliOptions {
  sig?: string;
  bearer?: string;
  side?: string;
  span?: string;
  law?: string;
  dtmfDetect?: boolean;
  rules?: string;
  rule?: string[];
  defaultRule?: string;
  connectTimeoutMs?: string;
  debug?: boolean;
}

/** Options both analog far ends take. */
interface AnalogCliOptions {
  line?: string;
  profile?: string;
  law?: string;
  dtmfDetect?: boolean;
  cptMinDbm0?: string;
  connectTimeoutMs?: string;
}

export interface PhoneCliOptions extends AnalogCliOptions {
  autoAnswerRings?: string;
  autoAnswerMs?: string;
  ringEndMs?: string;
}

export interface ColineCliOptions extends AnalogCliOptions {
  rules?: string;
  rule?: string[];
  defaultRule?: string;
  dialTone?: boolean;
  firstDigitTimeoutMs?: string;
  digitTimeoutMs?: string;
  maxDigits?: string;
  flashMaxMs?: string;
  pulseBreakMaxMs?: string;
  pulseInterdigitMs?: string;
}

export type FarendCliKind = "ss7" | "pbx" | "phone" | "coline";

class UsageError extends Error {}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name} must be one of ${allowed.join(", ")} (got "${value}")`);
}

function integer(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer from ${String(min)} to ${String(max)} (got "${value}")`);
  }
  return Number(value);
}

const ACTIONS = ["answer", "ring", "busy", "release", "manual"] as const;

function rule(name: string, text: string): FarendRule {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--${name} is not JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--${name} must be a JSON object such as {"prefix":"5551","action":"answer"}`);
  }
  const action = (parsed as { action?: unknown }).action;
  if (typeof action !== "string" || !(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`--${name} needs "action": one of ${ACTIONS.join(", ")}`);
  }
  // The far end checks every other member and names what it rejects.
  return parsed as FarendRule;
}

function timers(name: string, list: readonly string[] | undefined): Record<string, number> | undefined {
  if (!list || list.length === 0) return undefined;
  const out: Record<string, number> = {};
  for (const item of list) {
    const m = /^([A-Za-z0-9]+)=(\d+)$/.exec(item);
    if (!m || m[1] === undefined || m[2] === undefined) throw new UsageError(`--${name} takes NAME=MS (got "${item}")`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

function pointCode(name: string, value: string | undefined): string {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  if (!/^\d+$/.test(value) && !/^\d+[-.]\d+[-.]\d+$/.test(value)) {
    throw new UsageError(`--${name} must be decimal or a-b-c (ITU 3-8-3, ANSI 8-8-8), got "${value}"`);
  }
  return value;
}

function ruleOptions(o: { rules?: string; rule?: string[]; defaultRule?: string }) {
  return {
    ...(o.rules !== undefined ? { rulesFile: o.rules } : {}),
    ...(o.rule && o.rule.length > 0 ? { rules: o.rule.map((r) => rule("rule", r)) } : {}),
    ...(o.defaultRule !== undefined ? { defaultRule: rule("default-rule", o.defaultRule) } : {}),
  };
}

function common(o: { rules?: string; rule?: string[]; defaultRule?: string; law?: string; dtmfDetect?: boolean; connectTimeoutMs?: string; debug?: boolean }) {
  const law = oneOf<Law>("law", o.law, ["alaw", "ulaw", "auto"]);
  const connectTimeoutMs = integer("connect-timeout-ms", o.connectTimeoutMs, 0, 86_400_000);
  return {
    ...ruleOptions(o),
    ...(law !== undefined ? { law } : {}),
    ...(o.dtmfDetect === false ? { dtmfDetect: false } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    ...(o.debug === true ? { debug: true } : {}),
  };
}

/** Checks the options of `farend ss7` and turns them into the switch's arguments. */
export function buildSs7Args(o: Ss7CliOptions): ArgsResult {
  try {
    if (o.sig === undefined) throw new UsageError("--sig is required (the card's signalling socket)");
    const variant = oneOf("variant", o.variant, ["itu", "ansi"] as const);
    const ni = oneOf("ni", o.ni, ["int", "int_spare", "nat", "nat_spare"] as const);
    const slc = integer("slc", o.slc, 0, 15);
    if (o.cics !== undefined && !/^\d+(-\d+)?$/.test(o.cics)) throw new UsageError(`--cics takes A-B (got "${o.cics}")`);
    if (o.cicMap !== undefined && !/^\d+(-\d+)?:\d+(,\d+(-\d+)?:\d+)*$/.test(o.cicMap)) {
      throw new UsageError(`--cic-map takes A-B:T[,...] (got "${o.cicMap}")`);
    }
    const isupTimers = timers("isup-timer", o.isupTimer);
    const mtp3Timers = timers("mtp3-timer", o.mtp3Timer);
    const opts: Ss7SwitchOptions = {
      sig: o.sig,
      opc: pointCode("opc", o.opc),
      dpc: pointCode("dpc", o.dpc),
      ...(o.bearer !== undefined ? { bearer: o.bearer } : {}),
      ...(variant !== undefined ? { variant } : {}),
      ...(ni !== undefined ? { ni } : {}),
      ...(slc !== undefined ? { slc } : {}),
      ...(o.cics !== undefined ? { cics: o.cics } : {}),
      ...(o.cicMap !== undefined ? { cicMap: o.cicMap } : {}),
      ...(isupTimers !== undefined ? { isupTimers } : {}),
      ...(mtp3Timers !== undefined ? { mtp3Timers } : {}),
      ...common(o),
    };
    return { ok: true, args: ss7SwitchArgs(opts) };
  } catch (e) {
    if (e instanceof UsageError) return { ok: false, error: e.message };
    throw e;
  }
}

/** Checks the options of `farend pbx` and turns them into the PBX's arguments. */
export function buildPbxArgs(o: PbxCliOptions): ArgsResult {
  try {
    if (o.sig === undefined) throw new UsageError("--sig is required (the card's D-channel socket)");
    const side = oneOf("side", o.side, ["network", "user"] as const);
    const span = oneOf("span", o.span, ["e1", "t1"] as const);
    const opts: PbxOptions = {
      sig: o.sig,
      ...(o.bearer !== undefined ? { bearer: o.bearer } : {}),
      ...(side !== undefined ? { side } : {}),
      ...(span !== undefined ? { span } : {}),
      ...common(o),
    };
    return { ok: true, args: pbxArgs(opts) };
  } catch (e) {
    if (e instanceof UsageError) return { ok: false, error: e.message };
    throw e;
  }
}

function analogCommon(o: AnalogCliOptions) {
  if (o.line === undefined) throw new UsageError("--line is required (the card's port line socket, RUNDIR/port<P>.line)");
  const profile = oneOf<AnalogProfile>("profile", o.profile, ["etsi", "us", "uk"]);
  const law = oneOf("law", o.law, ["alaw", "ulaw"] as const);
  let cptMinDbm0: number | undefined;
  if (o.cptMinDbm0 !== undefined) {
    cptMinDbm0 = Number(o.cptMinDbm0);
    if (!/^-?\d+(\.\d+)?$/.test(o.cptMinDbm0) || cptMinDbm0 < -70 || cptMinDbm0 > 3) {
      throw new UsageError(`--cpt-min-dbm0 must be a number from -70 to 3 (got "${o.cptMinDbm0}")`);
    }
  }
  const connectTimeoutMs = integer("connect-timeout-ms", o.connectTimeoutMs, 0, 86_400_000);
  return {
    line: o.line,
    ...(profile !== undefined ? { profile } : {}),
    ...(law !== undefined ? { law } : {}),
    ...(o.dtmfDetect === false ? { dtmfDetect: false } : {}),
    ...(cptMinDbm0 !== undefined ? { cptMinDbm0 } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
  };
}

/** Checks the options of `farend phone` and turns them into the telephone's arguments. */
export function buildPhoneArgs(o: PhoneCliOptions): ArgsResult {
  try {
    const autoAnswerRings = integer("auto-answer-rings", o.autoAnswerRings, 1, 100);
    const autoAnswerMs = integer("auto-answer-ms", o.autoAnswerMs, 0, 600_000);
    const ringEndMs = integer("ring-end-ms", o.ringEndMs, 200, 60_000);
    if (autoAnswerRings !== undefined && autoAnswerMs !== undefined) {
      throw new UsageError("--auto-answer-rings and --auto-answer-ms exclude each other");
    }
    const opts: PhoneOptions = {
      ...analogCommon(o),
      ...(autoAnswerRings !== undefined ? { autoAnswerRings } : {}),
      ...(autoAnswerMs !== undefined ? { autoAnswerMs } : {}),
      ...(ringEndMs !== undefined ? { ringEndMs } : {}),
    };
    return { ok: true, args: phoneArgs(opts) };
  } catch (e) {
    if (e instanceof UsageError) return { ok: false, error: e.message };
    throw e;
  }
}

/** Checks the options of `farend coline` and turns them into the CO line's arguments. */
export function buildColineArgs(o: ColineCliOptions): ArgsResult {
  try {
    const firstDigitTimeoutMs = integer("first-digit-timeout-ms", o.firstDigitTimeoutMs, 100, 600_000);
    const digitTimeoutMs = integer("digit-timeout-ms", o.digitTimeoutMs, 100, 600_000);
    const maxDigits = integer("max-digits", o.maxDigits, 1, 31);
    const flashMaxMs = integer("flash-max-ms", o.flashMaxMs, 50, 5000);
    const pulseBreakMaxMs = integer("pulse-break-max-ms", o.pulseBreakMaxMs, 20, 500);
    const pulseInterdigitMs = integer("pulse-interdigit-ms", o.pulseInterdigitMs, 60, 2000);
    if (pulseBreakMaxMs !== undefined && pulseBreakMaxMs >= (flashMaxMs ?? 1000)) {
      throw new UsageError("--pulse-break-max-ms must be below --flash-max-ms (default 1000)");
    }
    const opts: ColineOptions = {
      ...analogCommon(o),
      ...ruleOptions(o),
      ...(o.dialTone === false ? { dialTone: false } : {}),
      ...(firstDigitTimeoutMs !== undefined ? { firstDigitTimeoutMs } : {}),
      ...(digitTimeoutMs !== undefined ? { digitTimeoutMs } : {}),
      ...(maxDigits !== undefined ? { maxDigits } : {}),
      ...(flashMaxMs !== undefined ? { flashMaxMs } : {}),
      ...(pulseBreakMaxMs !== undefined ? { pulseBreakMaxMs } : {}),
      ...(pulseInterdigitMs !== undefined ? { pulseInterdigitMs } : {}),
    };
    return { ok: true, args: colineArgs(opts) };
  } catch (e) {
    if (e instanceof UsageError) return { ok: false, error: e.message };
    throw e;
  }
}

export interface FarendStdio {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/**
 * Runs a far end until it exits and returns the exit code for the CLI:
 * the simulator's own (0 ok, 1 runtime failure, 2 usage), 1 if it cannot run.
 * With no stdio given it shares the terminal's.
 */
export function runFarend(kind: FarendCliKind, args: readonly string[], stdio?: FarendStdio): Promise<number> {
  const bin = farendBinary(kind);
  const err = stdio?.stderr ?? process.stderr;
  if (!existsSync(bin)) {
    err.write(`sipt-gw farend: ${bin} is not built; run "npm run build:native" (make -C hardware/farend)\n`);
    return Promise.resolve(EXIT.failure);
  }
  return new Promise((resolve) => {
    const child = spawn(bin, [...args], { stdio: stdio ? ["pipe", "pipe", "pipe"] : "inherit" });
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const onInt = forward("SIGINT");
    const onTerm = forward("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    if (stdio && child.stdin && child.stdout && child.stderr) {
      child.stdin.on("error", () => {
        /* the far end exited while input was still coming */
      });
      stdio.stdin.pipe(child.stdin);
      child.stdout.pipe(stdio.stdout, { end: false });
      child.stderr.pipe(stdio.stderr, { end: false });
    }
    const done = (code: number): void => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      if (stdio && child.stdin) stdio.stdin.unpipe(child.stdin);
      resolve(code);
    };
    child.on("error", (e) => {
      err.write(`sipt-gw farend: cannot run ${bin}: ${e.message}\n`);
      done(EXIT.failure);
    });
    child.on("close", (code, signal) => {
      // Stopped by a signal we forwarded (Ctrl-C): a normal end for a foreground tool.
      done(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? EXIT.ok : EXIT.failure));
    });
  });
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function commonOptions(c: Command): Command {
  return c
    .option("--bearer <path>", "the card's span bearer socket")
    .option("--law <law>", "bearer companding: alaw, ulaw or auto (mu-law on 24 slots, else A-law)")
    .option("--no-dtmf-detect", "do not run the DTMF receiver on every timeslot")
    .option("--rules <file>", "rules, one JSON object per line")
    .option("--rule <json>", "one rule, repeatable, e.g. '{\"prefix\":\"5551\",\"action\":\"answer\",\"after_ms\":1000}'", collect)
    .option("--default-rule <json>", "what calls no rule matches get (default {\"action\":\"answer\"})")
    .option("--connect-timeout-ms <ms>", "give up when the card does not listen within this time (0: never; default 30000)")
    .option("--debug", "stack debug text on stderr");
}

async function finish(kind: FarendCliKind, built: ArgsResult): Promise<void> {
  if (!built.ok) {
    process.stderr.write(`sipt-gw farend ${kind}: ${built.error}\n`);
    process.exitCode = EXIT.usage;
    return;
  }
  process.exitCode = await runFarend(kind, built.args);
}

export function register(program: Command): void {
  const farend = program
    .command("farend")
    .description("run a far-end simulator on the simulated card's line side (JSON-line commands on stdin, events on stdout), or drive one the running gateway started");
  registerFarendControl(farend);

  const analogOptions = (c: Command): Command =>
    c
      .option("--line <path>", "the card's port line socket, RUNDIR/port<P>.line (SOCK_SEQPACKET), required")
      .option("--profile <profile>", "tone plan, ringing cadence, flash and pulse timing: etsi, us or uk (default etsi)")
      .option("--law <law>", "companding of the line's bearer: alaw or ulaw (default alaw)")
      .option("--no-dtmf-detect", "do not run the DTMF receiver")
      .option("--cpt-min-dbm0 <dbm0>", "lowest level of a call progress tone component (default -40)")
      .option("--connect-timeout-ms <ms>", "give up when the card does not listen within this time (0: never; default 30000)");

  commonOptions(
    farend
      .command("ss7")
      .description("a PSTN switch on libss7 (ISUP over MTP2 on a signalling timeslot, ITU or ANSI)")
      .option("--sig <path>", "the card's signalling socket (SOCK_SEQPACKET), required")
      .option("--opc <pc>", "own point code: decimal, or a-b-c (ITU 3-8-3, ANSI 8-8-8), required")
      .option("--dpc <pc>", "adjacent point code, required")
      .option("--variant <variant>", "itu or ansi (default itu)")
      .option("--ni <ni>", "network indicator: int, int_spare, nat, nat_spare (default nat)")
      .option("--slc <n>", "signalling link code 0-15 (default 0)")
      .option("--cics <range>", "this switch's circuits, A-B (default 1-31)")
      .option("--cic-map <map>", "CICs on timeslots, A-B:T[,...] (default CIC n on timeslot n)")
      .option("--isup-timer <name=ms>", "a libss7 ISUP timer (t1 .. t35), repeatable", collect)
      .option("--mtp3-timer <name=ms>", "a libss7 MTP3 timer, repeatable", collect),
  ).action(async (opts: Ss7CliOptions) => {
    await finish("ss7", buildSs7Args(opts));
  });

  commonOptions(
    farend
      .command("pbx")
      .description("a PBX on libpri in QSIG mode (Q.921/Q.931 on the D-channel), network or user side")
      .option("--sig <path>", "the card's D-channel socket (SOCK_SEQPACKET), required")
      .option("--side <side>", "network or user (default network)")
      .option("--span <span>", "e1 (B-channels 1-15, 17-31) or t1 (1-23); default e1"),
  ).action(async (opts: PbxCliOptions) => {
    await finish("pbx", buildPbxArgs(opts));
  });

  analogOptions(
    farend
      .command("phone")
      .description("an analog telephone on an FXS port: hook, flash, DTMF or pulse dialling, answer, ringing cadence, polarity, battery, tones"),
  )
    .option("--auto-answer-rings <n>", "go off-hook when the N-th ring burst ends")
    .option("--auto-answer-ms <ms>", "go off-hook this long after ringing starts")
    .option("--ring-end-ms <ms>", "a ringing session ends after this long without ringing voltage (default 6000)")
    .action(async (opts: PhoneCliOptions) => {
      await finish("phone", buildPhoneArgs(opts));
    });

  analogOptions(
    farend
      .command("coline")
      .description("a central-office line on an FXO port: battery, ringing, polarity reversal, loop supervision, dial tone, digits, rules"),
  )
    .option("--rules <file>", "rules, one JSON object per line")
    .option("--rule <json>", "one rule, repeatable, e.g. '{\"prefix\":\"5551\",\"action\":\"answer\",\"after_ms\":1000}'", collect)
    .option("--default-rule <json>", "what numbers no rule matches get (default {\"action\":\"answer\"})")
    .option("--no-dial-tone", "do not play dial tone when the line is seized")
    .option("--first-digit-timeout-ms <ms>", "congestion tone when nothing is dialled within this time (default 10000)")
    .option("--digit-timeout-ms <ms>", "the number is complete this long after the last digit (default 3000)")
    .option("--max-digits <n>", "the number is complete at this many digits (default 20)")
    .option("--flash-max-ms <ms>", "longest loop break taken as a hook flash (default 1000)")
    .option("--pulse-break-max-ms <ms>", "longest loop break taken as a dial pulse (default from the profile)")
    .option("--pulse-interdigit-ms <ms>", "a make longer than this ends a pulsed digit (default 200)")
    .action(async (opts: ColineCliOptions) => {
      await finish("coline", buildColineArgs(opts));
    });
}
