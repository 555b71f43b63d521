/**
 * Driver for the far-end simulators (sipt-farend-ss7, sipt-farend-pbx,
 * sipt-farend-phone, sipt-farend-coline) and the sipt-linewire test tool: spawn one, send it JSON-line commands, await its
 * JSON-line events with timeouts, and always kill it on dispose.
 *
 * The command and event vocabulary is documented in hardware/farend/README.md.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** One event line: `ev` names it, `t` is milliseconds since the process started. */
export interface FarendEvent {
  readonly ev: string;
  readonly t: number;
  readonly [member: string]: unknown;
}

export type FarendValue = string | number | boolean;
export interface FarendCommand {
  readonly cmd: string;
  readonly [member: string]: FarendValue | undefined;
}

/** Per-number behaviour (the "rule" command, --rule, --rules files). */
export interface FarendRule {
  readonly prefix?: string;
  readonly action: "answer" | "ring" | "busy" | "release" | "manual";
  readonly after_ms?: number;
  readonly cause?: number;
  readonly cause_from_digits?: 1 | 2 | 3;
  readonly alerting?: boolean;
  readonly echo?: boolean;
  readonly tone?: number;
  readonly dbm0?: number;
}

export type Law = "alaw" | "ulaw" | "auto";

export interface Ss7SwitchOptions {
  readonly sig: string;
  readonly bearer?: string;
  readonly variant?: "itu" | "ansi";
  /** Decimal, or ITU 3-8-3 / ANSI 8-8-8 as "a-b-c". */
  readonly opc: number | string;
  readonly dpc: number | string;
  readonly ni?: "int" | "int_spare" | "nat" | "nat_spare";
  readonly slc?: number;
  /** "A-B" */
  readonly cics?: string;
  /** "A-B:T[,...]" */
  readonly cicMap?: string;
  readonly law?: Law;
  readonly dtmfDetect?: boolean;
  readonly rules?: readonly FarendRule[];
  readonly rulesFile?: string;
  readonly defaultRule?: FarendRule;
  readonly isupTimers?: Readonly<Record<string, number>>;
  readonly mtp3Timers?: Readonly<Record<string, number>>;
  readonly connectTimeoutMs?: number;
  readonly debug?: boolean;
}

export interface PbxOptions {
  readonly sig: string;
  readonly bearer?: string;
  readonly side?: "network" | "user";
  readonly span?: "e1" | "t1";
  readonly law?: Law;
  readonly dtmfDetect?: boolean;
  readonly rules?: readonly FarendRule[];
  readonly rulesFile?: string;
  readonly defaultRule?: FarendRule;
  readonly connectTimeoutMs?: number;
  readonly debug?: boolean;
}

export interface LinewireOptions {
  readonly aSig: string;
  readonly aBearer: string;
  readonly bSig: string;
  readonly bBearer: string;
  readonly slots?: number;
  readonly block?: number;
  readonly tickMs?: number;
  readonly law?: "alaw" | "ulaw";
}

/** Tone plan, ringing cadence, flash and pulse timing of the analog far ends. */
export type AnalogProfile = "etsi" | "us" | "uk";

interface AnalogCommonOptions {
  /** The card's port line socket, RUNDIR/port<P>.line. */
  readonly line: string;
  readonly profile?: AnalogProfile;
  readonly law?: "alaw" | "ulaw";
  readonly dtmfDetect?: boolean;
  /** Lowest level of a call progress tone component the detector accepts (default -40 dBm0). */
  readonly cptMinDbm0?: number;
  readonly connectTimeoutMs?: number;
}

/** An analog telephone on an FXS port. */
export interface PhoneOptions extends AnalogCommonOptions {
  /** Go off-hook when the N-th ring burst ends. */
  readonly autoAnswerRings?: number;
  /** Go off-hook N ms after ringing starts. */
  readonly autoAnswerMs?: number;
  /** A ringing session ends after this long without ringing voltage (default 6000 ms). */
  readonly ringEndMs?: number;
}

/** A central-office line on an FXO port. */
export interface ColineOptions extends AnalogCommonOptions {
  readonly rules?: readonly FarendRule[];
  readonly rulesFile?: string;
  readonly defaultRule?: FarendRule;
  readonly dialTone?: boolean;
  readonly firstDigitTimeoutMs?: number;
  readonly digitTimeoutMs?: number;
  readonly maxDigits?: number;
  readonly flashMaxMs?: number;
  readonly pulseBreakMaxMs?: number;
  readonly pulseInterdigitMs?: number;
}

export type FarendKind = "ss7" | "pbx" | "linewire" | "phone" | "coline";

const BINARY: Readonly<Record<FarendKind, string>> = {
  ss7: "sipt-farend-ss7",
  pbx: "sipt-farend-pbx",
  linewire: "sipt-linewire",
  phone: "sipt-farend-phone",
  coline: "sipt-farend-coline",
};

/** hardware/farend in the source tree, seen from this file or from its compiled copy under dist/. */
export function farendSourceDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, resolve(here, "../../../hardware/farend")];
  for (const dir of candidates) if (existsSync(join(dir, "Makefile"))) return dir;
  return here;
}

export function farendBuildDir(): string {
  return process.env["SIPT_FAREND_BUILD_DIR"] ?? join(farendSourceDir(), "build");
}

export function farendBinary(kind: FarendKind): string {
  return join(farendBuildDir(), BINARY[kind]);
}

export type BuildResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Runs `make -C hardware/farend` (incremental) under a lock directory, so test
 * files running in parallel do not build over each other.
 */
export function ensureFarendBuilt(timeoutMs = 120_000): BuildResult {
  const src = farendSourceDir();
  const lock = join(src, "build", ".lock");
  const deadline = Date.now() + timeoutMs;
  mkdirSync(join(src, "build"), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than the timeout was left by a killed build.
      try {
        if (Date.now() - statSync(lock).mtimeMs > timeoutMs) rmdirSync(lock);
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > deadline) return { ok: false, reason: `could not take the build lock ${lock}` };
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    const r = spawnSync("make", ["-s", "-C", src], { encoding: "utf8", timeout: timeoutMs });
    if (r.error) return { ok: false, reason: `make could not run: ${r.error.message}` };
    if (r.status !== 0) return { ok: false, reason: (r.stderr || r.stdout || `make exited with ${String(r.status)}`).trim() };
    for (const kind of Object.keys(BINARY) as FarendKind[]) {
      if (!existsSync(farendBinary(kind))) return { ok: false, reason: `${farendBinary(kind)} was not built` };
    }
    return { ok: true };
  } finally {
    rmdirSync(lock);
  }
}

function pushRules(args: string[], o: { rules?: readonly FarendRule[]; rulesFile?: string; defaultRule?: FarendRule }): void {
  if (o.rulesFile !== undefined) args.push("--rules", o.rulesFile);
  for (const r of o.rules ?? []) args.push("--rule", JSON.stringify(r));
  if (o.defaultRule !== undefined) args.push("--default-rule", JSON.stringify(o.defaultRule));
}

export function ss7SwitchArgs(o: Ss7SwitchOptions): string[] {
  const args = ["--sig", o.sig, "--opc", String(o.opc), "--dpc", String(o.dpc)];
  if (o.bearer !== undefined) args.push("--bearer", o.bearer);
  if (o.variant !== undefined) args.push("--variant", o.variant);
  if (o.ni !== undefined) args.push("--ni", o.ni);
  if (o.slc !== undefined) args.push("--slc", String(o.slc));
  if (o.cics !== undefined) args.push("--cics", o.cics);
  if (o.cicMap !== undefined) args.push("--cic-map", o.cicMap);
  if (o.law !== undefined) args.push("--law", o.law);
  if (o.dtmfDetect === false) args.push("--no-dtmf-detect");
  pushRules(args, o);
  for (const [name, ms] of Object.entries(o.isupTimers ?? {})) args.push("--isup-timer", `${name}=${String(ms)}`);
  for (const [name, ms] of Object.entries(o.mtp3Timers ?? {})) args.push("--mtp3-timer", `${name}=${String(ms)}`);
  if (o.connectTimeoutMs !== undefined) args.push("--connect-timeout-ms", String(o.connectTimeoutMs));
  if (o.debug === true) args.push("--debug");
  return args;
}

export function pbxArgs(o: PbxOptions): string[] {
  const args = ["--sig", o.sig];
  if (o.bearer !== undefined) args.push("--bearer", o.bearer);
  if (o.side !== undefined) args.push("--side", o.side);
  if (o.span !== undefined) args.push("--span", o.span);
  if (o.law !== undefined) args.push("--law", o.law);
  if (o.dtmfDetect === false) args.push("--no-dtmf-detect");
  pushRules(args, o);
  if (o.connectTimeoutMs !== undefined) args.push("--connect-timeout-ms", String(o.connectTimeoutMs));
  if (o.debug === true) args.push("--debug");
  return args;
}

export function linewireArgs(o: LinewireOptions): string[] {
  const args = ["--a-sig", o.aSig, "--a-bearer", o.aBearer, "--b-sig", o.bSig, "--b-bearer", o.bBearer];
  if (o.slots !== undefined) args.push("--slots", String(o.slots));
  if (o.block !== undefined) args.push("--block", String(o.block));
  if (o.tickMs !== undefined) args.push("--tick-ms", String(o.tickMs));
  if (o.law !== undefined) args.push("--law", o.law);
  return args;
}

function analogArgs(o: AnalogCommonOptions): string[] {
  const args = ["--line", o.line];
  if (o.profile !== undefined) args.push("--profile", o.profile);
  if (o.law !== undefined) args.push("--law", o.law);
  if (o.dtmfDetect === false) args.push("--no-dtmf-detect");
  if (o.cptMinDbm0 !== undefined) args.push("--cpt-min-dbm0", String(o.cptMinDbm0));
  if (o.connectTimeoutMs !== undefined) args.push("--connect-timeout-ms", String(o.connectTimeoutMs));
  return args;
}

export function phoneArgs(o: PhoneOptions): string[] {
  const args = analogArgs(o);
  if (o.autoAnswerRings !== undefined) args.push("--auto-answer-rings", String(o.autoAnswerRings));
  if (o.autoAnswerMs !== undefined) args.push("--auto-answer-ms", String(o.autoAnswerMs));
  if (o.ringEndMs !== undefined) args.push("--ring-end-ms", String(o.ringEndMs));
  return args;
}

export function colineArgs(o: ColineOptions): string[] {
  const args = analogArgs(o);
  pushRules(args, o);
  if (o.dialTone === false) args.push("--no-dial-tone");
  if (o.firstDigitTimeoutMs !== undefined) args.push("--first-digit-timeout-ms", String(o.firstDigitTimeoutMs));
  if (o.digitTimeoutMs !== undefined) args.push("--digit-timeout-ms", String(o.digitTimeoutMs));
  if (o.maxDigits !== undefined) args.push("--max-digits", String(o.maxDigits));
  if (o.flashMaxMs !== undefined) args.push("--flash-max-ms", String(o.flashMaxMs));
  if (o.pulseBreakMaxMs !== undefined) args.push("--pulse-break-max-ms", String(o.pulseBreakMaxMs));
  if (o.pulseInterdigitMs !== undefined) args.push("--pulse-interdigit-ms", String(o.pulseInterdigitMs));
  return args;
}

export type EventPredicate = (e: FarendEvent) => boolean;

/** Matches events whose members equal every member of `fields`. */
export function matching(ev: string, fields: Readonly<Record<string, unknown>> = {}): EventPredicate {
  return (e) => e.ev === ev && Object.entries(fields).every(([k, v]) => e[k] === v);
}

interface Waiter {
  readonly pred: EventPredicate;
  readonly from: number;
  readonly what: string;
  readonly resolve: (e: FarendEvent) => void;
  readonly reject: (err: Error) => void;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when the owner never disposed (a crashed test run): no orphans.
  process.on("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

const STDERR_KEEP = 16_384;

/** A far end (or linewire) running as a child process. */
export class FarendProcess {
  readonly name: string;
  readonly events: FarendEvent[] = [];
  /** stdout lines that were not JSON objects: the stdout contract allows none. */
  readonly strayLines: string[] = [];
  private stderrTail = "";
  private readonly child: ChildProcess;
  private readonly waiters = new Set<Waiter>();
  private readonly exitPromise: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private nextId = 1;
  /** Events seen so far (all of them are in `events` unless `retainEvents` is false). */
  private seen = 0;
  private readonly retain: boolean;
  private readonly listeners = new Set<(e: FarendEvent) => void>();

  private constructor(name: string, command: string, args: readonly string[], retainEvents = true) {
    this.name = name;
    this.retain = retainEvents;
    installExitHook();
    this.child = spawn(command, [...args], { stdio: ["pipe", "pipe", "pipe"] });
    live.add(this.child);
    this.exitPromise = new Promise((resolveExit) => {
      this.child.on("exit", (code, signal) => {
        live.delete(this.child);
        this.exitInfo = { code, signal };
        resolveExit(this.exitInfo);
      });
      // Once stdout has ended nothing more can arrive: fail the waits at once.
      this.child.on("close", () => {
        for (const w of [...this.waiters]) {
          this.waiters.delete(w);
          w.reject(new Error(this.describeTimeout(w.what, 0)));
        }
      });
      this.child.on("error", (err) => {
        live.delete(this.child);
        this.stderrTail += `spawn failed: ${err.message}\n`;
        this.exitInfo = { code: null, signal: null };
        resolveExit(this.exitInfo);
      });
    });
    this.child.stdin?.on("error", () => {
      /* the process exited: later sends are dropped and waits time out with its stderr */
    });
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_KEEP);
    });
    if (this.child.stdout) {
      const rl = createInterface({ input: this.child.stdout });
      rl.on("line", (line) => this.onLine(line));
    }
  }

  static spawn(kind: FarendKind, args: readonly string[], name: string = kind, opts: { readonly retainEvents?: boolean } = {}): FarendProcess {
    return new FarendProcess(name, farendBinary(kind), args, opts.retainEvents ?? true);
  }

  /** Every event as it arrives; returns the function that stops listening. */
  onEvent(listener: (e: FarendEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  static spawnCommand(name: string, command: string, args: readonly string[]): FarendProcess {
    return new FarendProcess(name, command, args);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  /** Index of the next event: pass it to waitFor() to ignore what came before. */
  mark(): number {
    return this.seen;
  }

  private onLine(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.strayLines.push(line);
      return;
    }
    if (typeof parsed !== "object" || parsed === null || typeof (parsed as { ev?: unknown }).ev !== "string") {
      this.strayLines.push(line);
      return;
    }
    const e = parsed as FarendEvent;
    const index = this.seen++;
    // A long-running owner (the gateway) keeps no history: only waiters and listeners see events.
    if (this.retain) this.events.push(e);
    for (const l of this.listeners) l(e);
    for (const w of [...this.waiters]) {
      if (index >= w.from && w.pred(e)) {
        this.waiters.delete(w);
        w.resolve(e);
      }
    }
  }

  send(cmd: FarendCommand): void {
    const clean = Object.fromEntries(Object.entries(cmd).filter(([, v]) => v !== undefined));
    this.child.stdin?.write(`${JSON.stringify(clean)}\n`);
  }

  /** Writes one raw line (for tests of the command parser itself). */
  sendRaw(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Closes the command channel: a far end then stops by itself. */
  endInput(): void {
    this.child.stdin?.end();
  }

  /** Sends a command and resolves with its "ok" event; rejects with its "error" reason. */
  async request(cmd: FarendCommand, timeoutMs = 5_000): Promise<FarendEvent> {
    const id = `${this.name}-${String(this.nextId++)}`;
    const from = this.mark();
    this.send({ ...cmd, id });
    const reply = await this.waitFor((e) => (e.ev === "ok" || e.ev === "error") && e["id"] === id, timeoutMs, {
      from,
      what: `reply to ${cmd.cmd}`,
    });
    if (reply.ev === "error") throw new Error(`${this.name}: ${cmd.cmd} rejected: ${String(reply["reason"])}`);
    return reply;
  }

  /** Resolves with the first event at or after `from` (default 0) that matches. */
  waitFor(pred: EventPredicate, timeoutMs: number, opts: { from?: number; what?: string } = {}): Promise<FarendEvent> {
    const from = opts.from ?? 0;
    for (let i = from; i < this.events.length; i++) {
      const e = this.events[i];
      if (e !== undefined && pred(e)) return Promise.resolve(e);
    }
    return new Promise((resolveWait, rejectWait) => {
      const what = opts.what ?? "event";
      const waiter: Waiter = {
        pred,
        from,
        what,
        resolve: (e) => {
          clearTimeout(timer);
          resolveWait(e);
        },
        reject: (err) => {
          clearTimeout(timer);
          rejectWait(err);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        rejectWait(new Error(this.describeTimeout(what, timeoutMs)));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Every matching event at or after `from`. */
  all(pred: EventPredicate, from = 0): FarendEvent[] {
    return this.events.slice(from).filter(pred);
  }

  private describeTimeout(what: string, timeoutMs: number): string {
    const last = this.events
      .slice(-12)
      .map((e) => JSON.stringify(e))
      .join("\n  ");
    const status = this.exitInfo ? `exited (code ${String(this.exitInfo.code)}, signal ${String(this.exitInfo.signal)})` : "running";
    const when = this.exitInfo && timeoutMs === 0 ? "before the process ended" : `within ${String(timeoutMs)} ms`;
    return (
      `${this.name}: no ${what} ${when}; process ${status}\n` +
      `last events:\n  ${last}\nstderr:\n${this.stderrTail.slice(-2000)}`
    );
  }

  /** Waits for the process to exit by itself. */
  async waitExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rejectWait) => {
      timer = setTimeout(() => rejectWait(new Error(`${this.name}: did not exit within ${String(timeoutMs)} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exitPromise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the process: SIGTERM, then SIGKILL after `graceMs`. Always leaves it dead. */
  async dispose(graceMs = 2_000): Promise<void> {
    if (!this.exitInfo) {
      this.child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([
        this.exitPromise.then(() => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (!killed) {
        this.child.kill("SIGKILL");
        await this.exitPromise;
      }
    }
    for (const w of this.waiters) this.waiters.delete(w);
  }
}

export function spawnSs7Switch(o: Ss7SwitchOptions, name = "ss7"): FarendProcess {
  return FarendProcess.spawn("ss7", ss7SwitchArgs(o), name);
}

export function spawnPbx(o: PbxOptions, name = "pbx"): FarendProcess {
  return FarendProcess.spawn("pbx", pbxArgs(o), name);
}

export function spawnLinewire(o: LinewireOptions, name = "linewire"): FarendProcess {
  return FarendProcess.spawn("linewire", linewireArgs(o), name);
}

export function spawnPhone(o: PhoneOptions, name = "phone"): FarendProcess {
  return FarendProcess.spawn("phone", phoneArgs(o), name);
}

export function spawnColine(o: ColineOptions, name = "coline"): FarendProcess {
  return FarendProcess.spawn("coline", colineArgs(o), name);
}
