/**
 * `sipt-gw demo`: the gateway in this process on the embedded default (or a
 * given configuration) moved to a temporary directory and ephemeral ports,
 * its simulated PSTN switch and PBX, and the demo telephone on SIP; once the
 * SS7 link is in service and the start-up circuit resets are acknowledged
 * (Q.764 §2.9.3.2), and the QSIG D-channel is up with its B-channels
 * restarted (Q.931 §5.5.1), every call model runs, one after another, each
 * bounded in time and cleaned up after; then everything is stopped and
 * removed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GatewayConfig } from "../../config/schema.js";
import { formatProblem } from "../../config/load.js";
import { SystemClock } from "../../core/clock.js";
import { resolveTimers } from "../../core/timers.js";
import { q931Timers } from "../../isdn/q931/timers.js";
import type { LogRecord } from "../../core/logger.js";
import type { InviteServerSession } from "../../sip/ua/index.js";
import { EMBEDDED_NAME, loadConfig } from "../config-file.js";
import { EXIT } from "../exit-codes.js";
import { Gateway } from "../gateway-process.js";
import type { CallModel, DemoContext, PbxContext, SipSeen } from "./call-models.js";
import { CALL_MODELS, CallRun, ModelFailure } from "./call-models.js";
import type { DemoTarget, PbxTarget } from "./demo-config.js";
import { demoConfig, demoTarget } from "./demo-config.js";
import { DemoLogger, gatewayNote } from "./demo-logger.js";
import type { TappedIsup } from "./isup-tap.js";
import { IsupTap, isupLabel } from "./isup-tap.js";
import { Journal } from "./journal.js";
import { LadderRecorder } from "./ladder.js";
import type { TappedQ931 } from "./qsig-tap.js";
import { q931Label, QsigTap } from "./qsig-tap.js";
import type { CallResult } from "./report.js";
import { callJson, formatCall, summaryLine } from "./report.js";
import { SipPhone, sipLabel } from "./sip-phone.js";
import { SwitchLink } from "./switch-link.js";

export interface DemoOptions {
  /** A configuration file; the embedded default otherwise. */
  readonly configFile?: string;
  /** One JSON object per call instead of the ladders. */
  readonly json?: boolean;
  readonly out?: NodeJS.WritableStream;
  readonly err?: NodeJS.WritableStream;
  /** Longest wait for one expected message (default 5 s). */
  readonly stepTimeoutMs?: number;
  /** Longest a call model may take (default 30 s). */
  readonly modelTimeoutMs?: number;
  /** Longest wait for the link and the start-up resets (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** Stops the demo: the running model fails as interrupted, the rest are skipped. */
  readonly signal?: AbortSignal;
}

export interface DemoOutcome {
  readonly exitCode: number;
  readonly results: readonly CallResult[];
}

function wildcard(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(cond: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end || signal?.aborted === true) return false;
    await sleep(50);
  }
  return true;
}

/** Link in service, destinations accessible, every circuit idle with no procedure pending. */
function linkReady(gw: Gateway): boolean {
  const ss7 = gw.ss7;
  const isup = ss7?.isup;
  if (!ss7 || !isup) return false;
  const l = ss7.links();
  return l.links.length > 0 && l.links.every((x) => x.level2 === "InService") && l.destinations.every((d) => d.accessible) && isup.status().every((c) => c.procedures.length === 0 && c.call === "Idle");
}

/** The QSIG trunk towards the PBX can take calls: D-channel up, the start-up RESTART acknowledged, every B-channel idle (Q.931 §5.5.1). */
function pbxReady(gw: Gateway, p: PbxTarget): boolean {
  const t = gw.isdn?.trunk(p.trunk);
  return t !== undefined && t.l3.dataLinkUp && t.counters.restartsAcknowledged > 0 && t.pool.summary().idle === p.channels.length;
}

/** What the QSIG trunk towards the PBX lacks, for the reason of a failure. */
function pbxState(gw: Gateway, p: PbxTarget): string {
  const t = gw.isdn?.trunk(p.trunk);
  if (!t) return `trunk ${p.trunk} is not running`;
  const b = t.pool.summary();
  return `D-channel ${t.l3.dataLinkUp ? "up" : `down (${t.dataLink.state})`}, ${t.counters.restartsAcknowledged} RESTART acknowledged, B-channels ${b.idle} idle, ${b.reserved} busy, ${b.maintenance} out of service`;
}

function q931T316Ms(cfg: GatewayConfig): number {
  return resolveTimers(q931Timers, cfg.timers["q931"] ?? {}).T316;
}

/** Wait until the QSIG trunk can take calls; why not, when it could not within `timeoutMs` of now. */
async function awaitPbx(gw: Gateway, p: PbxTarget, timeoutMs: number, signal: AbortSignal | undefined): Promise<string | undefined> {
  if (await until(() => pbxReady(gw, p), timeoutMs, signal)) return undefined;
  return `the QSIG D-channel to ${p.farend.name} was not up with its B-channels restarted within ${timeoutMs / 1000} s: ${pbxState(gw, p)}`;
}

/** No call in the interworking units, every circuit idle and no call on any QSIG trunk. */
function gatewayIdle(gw: Gateway): boolean {
  return (
    (gw.calls?.calls().length ?? 0) === 0 &&
    (gw.ss7?.isup?.status().every((c) => c.call === "Idle") ?? true) &&
    (gw.isdn?.trunks.every((t) => t.l3.activeCalls.length === 0 && t.pool.summary().reserved === 0) ?? true)
  );
}

class Output {
  readonly results: CallResult[] = [];
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly json: boolean,
  ) {}

  call(r: CallResult): void {
    this.results.push(r);
    this.out.write(this.json ? `${JSON.stringify(callJson(r))}\n` : `${formatCall(r, this.results.length)}\n`);
  }

  line(s: string): void {
    if (!this.json) this.out.write(`${s}\n`);
  }
}

export async function runDemo(o: DemoOptions = {}): Promise<DemoOutcome> {
  const out = o.out ?? process.stdout;
  const err = o.err ?? process.stderr;
  const loaded = loadConfig(o.configFile);
  if (!loaded.ok) {
    for (const p of loaded.problems) err.write(`${formatProblem(p)}\n`);
    return { exitCode: EXIT.usage, results: [] };
  }
  const t = demoTarget(loaded.config);
  if (!t.ok) {
    for (const p of t.problems) err.write(`sipt-gw demo: ${p}\n`);
    return { exitCode: EXIT.usage, results: [] };
  }
  const dir = mkdtempSync(join(tmpdir(), "sipt-gw-demo-"));
  try {
    return await runIn(dir, loaded.config, t.target, o, out, err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runIn(dir: string, base: GatewayConfig, target: DemoTarget, o: DemoOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<DemoOutcome> {
  const now = (): number => performance.now();
  const clock = new SystemClock();
  const log = DemoLogger.create("info");
  const ladder = new LadderRecorder(now);
  const sip = new Journal<SipSeen>(now);
  const isup = new Journal<TappedIsup>(now);
  const q931 = new Journal<TappedQ931>(now);
  const output = new Output(out, o.json === true);
  const udp = base.sip.listen.find((l) => l.transport === "udp");
  const phoneAddress = udp && !wildcard(udp.address) ? udp.address : "127.0.0.1";

  let inviteHandler: ((s: InviteServerSession) => void) | undefined;
  const phone = await SipPhone.start({
    address: phoneAddress,
    clock,
    log: log.child({ component: "demo-phone" }),
    tap: (direction, message, again) => {
      sip.push({ dir: direction, message });
      ladder.add("sip", direction === "in" ? "out" : "in", again ? `${sipLabel(message)} (again)` : sipLabel(message));
    },
  });
  // An INVITE no model expects is turned away.
  phone.ua.onInvite((s) => (inviteHandler ? inviteHandler(s) : s.reject(480)));

  const cfg = demoConfig(base, dir, { host: phone.address, port: phone.port });
  const gw = new Gateway(cfg, log, o.configFile ?? EMBEDDED_NAME);
  let sw: SwitchLink | undefined;
  let pbxLink: SwitchLink | undefined;
  let stopTap: (() => void) | undefined;
  let stopQsigTap: (() => void) | undefined;
  try {
    output.line(`sipt-gw demo: ${o.configFile ?? EMBEDDED_NAME}, gateway, PSTN switch${target.pbx.ok ? " and PBX" : ""} in ${dir}`);
    try {
      await gw.start();
    } catch (e) {
      err.write(`sipt-gw demo: the gateway did not start: ${(e as Error).message}\n`);
      return { exitCode: EXIT.failure, results: [] };
    }
    log.onRecord = (r) => {
      const note = gatewayNote(r);
      if (note !== undefined) ladder.add("gateway", "note", note);
    };
    const tap = new IsupTap(target.variant);
    stopTap = gw.ss7?.monitor((f) => {
      const m = tap.read(f.direction, f.frame);
      if (!m) return;
      isup.push(m);
      ladder.add("isup", m.direction === "rx" ? "in" : "out", isupLabel(m));
    });
    const pbxTarget = target.pbx.ok ? target.pbx.target : undefined;
    if (pbxTarget) {
      const qsigTap = new QsigTap();
      stopQsigTap = gw.isdn?.monitor((f) => {
        if (f.trunk !== pbxTarget.trunk) return;
        const m = qsigTap.read(f.direction, f.frame);
        if (!m) return;
        q931.push(m);
        ladder.add("qsig", m.direction === "rx" ? "in" : "out", q931Label(m));
      });
    }
    const gwUdp = gw.sip.bound().find((l) => l.protocol === "udp");
    if (!gwUdp) {
      err.write("sipt-gw demo: the gateway has no SIP UDP listener bound\n");
      return { exitCode: EXIT.failure, results: [] };
    }
    sw = await SwitchLink.connect(cfg, target.farend.name, now);
    if (pbxTarget) pbxLink = await SwitchLink.connect(cfg, pbxTarget.farend.name, now);
    const readyMs = o.readyTimeoutMs ?? 30_000;
    const resetAcked = (): boolean => isup.find((m) => m.direction === "rx" && (m.message.messageType === "GRA" || m.message.messageType === "RLC")).length > 0;
    if (!(await until(() => linkReady(gw) && resetAcked(), readyMs, o.signal))) {
      if (o.signal?.aborted === true) {
        err.write("sipt-gw demo: interrupted before the first call\n");
        return { exitCode: EXIT.failure, results: [] };
      }
      err.write(`sipt-gw demo: the SS7 link to ${target.farend.name} was not in service with its circuits reset within ${readyMs / 1000} s\n`);
      for (const r of log.records.filter(relevantWarning).slice(-10)) err.write(`  ${logLine(r)}\n`);
      return { exitCode: EXIT.failure, results: [] };
    }
    output.line(`SS7 link in service, circuits reset; SIP at ${gwUdp.address}:${gwUdp.port} (UDP), the demo telephone at ${phone.address}:${phone.port}\n`);
    // The PBX models need the QSIG trunk ready; it is awaited before the first of them (the PSTN models run meanwhile).
    const pbx: PbxContext | undefined = pbxTarget && pbxLink ? { target: pbxTarget, link: pbxLink, notReady: undefined } : undefined;
    let pbxAwaited = false;
    const ctx: DemoContext = {
      now,
      phone,
      sw,
      isup,
      q931,
      pbx,
      sip,
      target,
      gateway: { host: wildcard(gwUdp.address) ? "127.0.0.1" : gwUdp.address, port: gwUdp.port },
      rtpAddress: phone.address,
      setInviteHandler: (h) => {
        inviteHandler = h;
      },
    };
    for (const model of CALL_MODELS) {
      if (o.signal?.aborted === true) break;
      if (model.left === "pbx" && !target.pbx.ok) {
        // A configuration without a PBX: the model cannot be shown, which is no failure of the gateway.
        output.call({ id: model.id, title: model.title, left: "pbx", verdict: "NOT AVAILABLE", reason: target.pbx.reason, durationMs: 0, ladder: [], audio: [] });
        continue;
      }
      if (model.left === "pbx" && pbx && !pbxAwaited) {
        pbxAwaited = true;
        pbx.notReady = await awaitPbx(gw, pbx.target, readyMs + q931T316Ms(cfg), o.signal);
        output.line(pbx.notReady ?? `QSIG D-channel to ${pbx.target.farend.name} up, B-channels restarted (${pbxState(gw, pbx.target)})\n`);
      }
      output.call(await runModel(model, ctx, gw, ladder, log, o));
    }
  } finally {
    stopTap?.();
    stopQsigTap?.();
    sw?.close();
    pbxLink?.close();
    await gw.stop("demo over");
    await phone.stop();
  }
  const results = output.results;
  output.line(summaryLine(results));
  const interrupted = o.signal?.aborted === true;
  const allPassed = !interrupted && results.every((r) => r.verdict !== "FAIL");
  return { exitCode: allPassed ? EXIT.ok : EXIT.failure, results };
}

/** A warning or error of the gateway. */
function relevantWarning(r: LogRecord): boolean {
  return r.level === "warn" || r.level === "error" || r.level === "fatal";
}

function logLine(r: LogRecord): string {
  const detail = ["err", "reason", "cause"].filter((k) => r.fields[k] !== undefined).map((k) => `${k}=${String(r.fields[k])}`);
  return `${r.level} [${String(r.fields["component"] ?? "gateway")}] ${r.msg}${detail.length > 0 ? ` (${detail.join(", ")})` : ""}`;
}

async function runModel(model: CallModel, ctx: DemoContext, gw: Gateway, ladder: LadderRecorder, log: DemoLogger, o: DemoOptions): Promise<CallResult> {
  const stepMs = o.stepTimeoutMs ?? 5_000;
  const modelMs = o.modelTimeoutMs ?? 30_000;
  const start = ctx.now();
  const logFrom = log.records.length;
  const logTail = log.records[log.records.length - 1];
  const run = new CallRun(ctx, stepMs);
  let reason: string | undefined;
  const running = model.run(run);
  // A model that lost the race below still settles (every wait in it is bounded): nothing is left unhandled.
  running.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      running,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ModelFailure(`the call did not complete within ${modelMs / 1000} s`)), modelMs);
      }),
      new Promise<never>((_, reject) => {
        onAbort = () => reject(new ModelFailure("interrupted"));
        if (o.signal?.aborted === true) onAbort();
        else o.signal?.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
  } catch (e) {
    reason = e instanceof ModelFailure ? e.message : `internal error: ${(e as Error).stack ?? String(e)}`;
  } finally {
    clearTimeout(timer);
    if (onAbort) o.signal?.removeEventListener("abort", onAbort);
  }
  const durationMs = (run.doneAtMs ?? ctx.now()) - start;
  await run.runCleanups();
  if (!(await until(() => gatewayIdle(gw), stepMs))) {
    reason ??= `a call or a busy circuit was left in the gateway ${stepMs / 1000} s after the call`;
    // Clear it so the next model starts from idle circuits and B-channels.
    gw.calls?.unit.releaseAll(16);
    gw.calls?.qsig?.releaseAll(16);
    await until(() => gatewayIdle(gw), stepMs);
  }
  // The records of this call: from the first one after the model started (the list is bounded and may have moved).
  const since = logTail === undefined ? log.records.slice(logFrom) : log.records.slice(log.records.lastIndexOf(logTail) + 1);
  const warnings = since.filter(relevantWarning).slice(-10).map(logLine);
  return {
    id: model.id,
    title: model.title,
    ...(model.left !== undefined ? { left: model.left } : {}),
    verdict: reason === undefined ? "PASS" : "FAIL",
    ...(reason !== undefined ? { reason } : {}),
    durationMs,
    ladder: ladder.since(start),
    audio: run.audio,
    ...(warnings.length > 0 ? { gatewayLog: warnings } : {}),
  };
}
