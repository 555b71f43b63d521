/**
 * The simulated card for tests and tools: builds hardware/sim when needed,
 * opens a card in a fresh run directory, and offers its line side as the
 * conformance suite's far end and its fault injection as the alarm source.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { PacingMode } from "../api/card.js";
import type { ConformanceFarEnd, ConformanceTarget, FarEndPort, FarEndSpan } from "../api/conformance.js";
import { KoffiCard } from "./koffi-card.js";
import { PORT_MSG, PortFarEnd, SpanFarEnd } from "./line-peer.js";
import { PROFILES_DIR, SIM_LIBRARY_PATH, SimControl } from "./sim-control.js";

/** Build libsipt_sim.so if its sources changed (make, serialised by flock across test workers). */
export function buildSimLibrary(): string {
  const simDir = dirname(dirname(SIM_LIBRARY_PATH));
  mkdirSync(dirname(SIM_LIBRARY_PATH), { recursive: true });
  try {
    execFileSync("flock", [join(dirname(SIM_LIBRARY_PATH), ".build-lock"), "make", "-s", "-C", simDir], {
      stdio: ["ignore", "ignore", "pipe"],
    });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? "";
    throw new Error(`cannot build the simulated card (make -C ${simDir}): ${(e as Error).message}\n${stderr}`);
  }
  return SIM_LIBRARY_PATH;
}

export interface SimCardOptions {
  readonly mode?: PacingMode;
  /** Profile file name in hardware/profiles, or an absolute path. */
  readonly profile?: string;
  /** Inline description instead of a profile, e.g. spans "E1,E1", ports "FXS,FXO". */
  readonly spans?: string;
  readonly ports?: string;
  readonly blockBytes?: number;
  readonly name?: string;
  /** Extra open parameters (e.g. wire1=<rundir>:1). */
  readonly extra?: Readonly<Record<string, string>>;
}

export interface SimCard {
  readonly card: KoffiCard;
  readonly sim: SimControl;
  readonly rundir: string;
  /** Close the card (if still open) and remove the run directory. */
  dispose(): Promise<void>;
}

export async function openSimCard(opts: SimCardOptions = {}): Promise<SimCard> {
  const library = buildSimLibrary();
  const rundir = mkdtempSync(join(tmpdir(), "sipt-sim-"));
  const params: Record<string, string | number> = { rundir, mode: opts.mode ?? "realtime" };
  if (opts.spans !== undefined || opts.ports !== undefined) {
    if (opts.spans) params["spans"] = opts.spans;
    if (opts.ports) params["ports"] = opts.ports;
  } else {
    const p = opts.profile ?? "sim-2e1-4fxs-4fxo.json";
    params["profile"] = p.startsWith("/") ? p : join(PROFILES_DIR, p);
  }
  if (opts.blockBytes !== undefined) params["block"] = opts.blockBytes;
  if (opts.name !== undefined) params["name"] = opts.name;
  Object.assign(params, opts.extra ?? {});
  let card: KoffiCard;
  try {
    card = await KoffiCard.open({ library, params });
  } catch (e) {
    rmSync(rundir, { recursive: true, force: true });
    throw e;
  }
  return {
    card,
    sim: new SimControl(card),
    rundir,
    dispose: async () => {
      await card.close();
      rmSync(rundir, { recursive: true, force: true });
    },
  };
}

async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() >= end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const SIGNAL_TYPE = { hook: PORT_MSG.HOOK, ring: PORT_MSG.RING, polarity: PORT_MSG.POLARITY, battery: PORT_MSG.BATTERY } as const;
const SIGNAL_KIND = new Map(Object.entries(SIGNAL_TYPE).map(([k, v]) => [v as number, k as keyof typeof SIGNAL_TYPE]));

/** The simulated card's line side as the conformance suite's far end. */
export function simFarEnd(s: SimCard): ConformanceFarEnd {
  const blockBytes = s.card.info().blockBytes;
  return {
    async attachSpan(span, opts): Promise<FarEndSpan> {
      const type = s.card.spans()[span - 1]?.type ?? "E1";
      const fe = await SpanFarEnd.connect({
        rundir: s.rundir,
        span,
        signallingTimeslots: opts.signallingTimeslots,
        ...(opts.bearer ? { bearer: { slots: type === "E1" ? 31 : 24, blockBytes, answer: opts.bearer.answer } } : {}),
      });
      await until(() => {
        const l = s.sim.spanLine(span);
        return opts.signallingTimeslots.every((t) => l.signallingConnected.includes(t)) && (!opts.bearer || l.bearerConnected);
      }, 2000, `the card to accept the far end of span ${span}`);
      return {
        sendFrame: (ts, frame) => {
          if (!fe.sendFrame(ts, frame)) throw new Error(`far end could not send on span ${span} timeslot ${ts}`);
        },
        nextFrame: (ts, timeoutMs) => fe.nextFrame(ts, timeoutMs),
        close: () => fe.close(),
      };
    },
    async attachPort(port): Promise<FarEndPort> {
      const fe = await PortFarEnd.connect({ rundir: s.rundir, port, blockBytes });
      await until(() => s.sim.portLine(port).connected, 2000, `the card to accept the far end of port ${port}`);
      return {
        signal: (kind, on) => {
          if (!fe.signal(SIGNAL_TYPE[kind], on ? 1 : 0)) throw new Error(`far end could not signal ${kind} on port ${port}`);
        },
        nextSignal: async (timeoutMs) => {
          const m = await fe.nextMessage(timeoutMs);
          if (!m) return undefined;
          const kind = SIGNAL_KIND.get(m.type);
          if (!kind) throw new Error(`unknown port message type 0x${m.type.toString(16)} from the card`);
          return { kind, on: m.value !== 0 };
        },
        close: () => fe.close(),
      };
    },
  };
}

/** The conformance target for the simulated card (profile sim-2e1-4fxs-4fxo). */
export function simConformanceTarget(profile = "sim-2e1-4fxs-4fxo.json"): ConformanceTarget {
  return {
    name: `simulated card (${profile})`,
    supportsFreerun: true,
    async open(mode) {
      const s = await openSimCard({ mode, profile });
      return {
        card: s.card,
        farEnd: simFarEnd(s),
        raiseAlarm: (span, alarm, on) => s.sim.setAlarm(span, alarm, on),
        dispose: () => s.dispose(),
      };
    },
  };
}
