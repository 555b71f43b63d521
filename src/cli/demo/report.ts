/**
 * How the demo reports each call: a readable ladder, the audio checks and a
 * one-line verdict, or one JSON object per call (`--json`).
 */
import type { AudioCheck } from "./call-models.js";
import type { LadderEntry, LeftSide } from "./ladder.js";
import { renderLadder } from "./ladder.js";

export type Verdict = "PASS" | "FAIL" | "NOT AVAILABLE";

export interface CallResult {
  readonly id: string;
  readonly title: string;
  /** The ladder's left column: the PSTN switch (ISUP) or the PBX (QSIG); the PSTN when not given. */
  readonly left?: LeftSide;
  readonly verdict: Verdict;
  /** Why it failed, or why it is not available. */
  readonly reason?: string;
  readonly durationMs: number;
  readonly ladder: readonly LadderEntry[];
  readonly audio: readonly AudioCheck[];
  /** The gateway's warnings and errors during the call (the last ten). */
  readonly gatewayLog?: readonly string[];
}

export function audioLine(a: AudioCheck): string {
  const purity = a.purity !== undefined ? `, ${(a.purity * 100).toFixed(0)} % pure` : "";
  return `audio ${a.ok ? "ok  " : "BAD "} ${a.path}: sent ${a.sentHz} Hz ${a.sentDbm0} dBm0, measured ${a.hz.toFixed(1)} Hz ${a.dbm0.toFixed(1)} dBm0${purity}`;
}

/** `1.4 s`, or milliseconds below a tenth of a second. */
export function duration(ms: number): string {
  return ms < 100 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function verdictLine(r: CallResult): string {
  const time = r.verdict === "NOT AVAILABLE" ? "" : `  (${duration(r.durationMs)})`;
  const tag = r.verdict === "NOT AVAILABLE" ? "N/A " : `${r.verdict}`;
  return `${tag.padEnd(5)} ${r.title}${time}${r.reason !== undefined ? `  ${r.reason}` : ""}`;
}

/** The text block of one call. */
export function formatCall(r: CallResult, index: number): string {
  const lines = [`--- ${index}. ${r.title} ---`];
  if (r.verdict !== "NOT AVAILABLE") {
    lines.push(...renderLadder(r.ladder, r.left ?? "pstn"));
    if (r.audio.length === 0) lines.push("audio: none on this call");
    else lines.push(...r.audio.map(audioLine));
    for (const l of r.gatewayLog ?? []) lines.push(`  gateway: ${l}`);
  }
  lines.push(verdictLine(r));
  return `${lines.join("\n")}\n`;
}

const SIDE_NAME: Readonly<Record<LadderEntry["lane"], string>> = { isup: "PSTN", qsig: "PBX", sip: "SIP", gateway: "gateway" };

/** One JSON object for one call: times in seconds with millisecond precision. */
export function callJson(r: CallResult): Record<string, unknown> {
  return {
    model: r.id,
    title: r.title,
    verdict: r.verdict,
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
    seconds: Math.round(r.durationMs) / 1000,
    ladder: r.ladder.map((e) => ({
      t: Math.round(e.atMs) / 1000,
      side: SIDE_NAME[e.lane],
      dir: e.dir === "note" ? "note" : e.dir === "in" ? "to-gateway" : "from-gateway",
      msg: e.label,
    })),
    audio: r.audio.map((a) => ({ ...a, hz: Math.round(a.hz * 10) / 10, dbm0: Math.round(a.dbm0 * 10) / 10, ...(a.purity !== undefined ? { purity: Math.round(a.purity * 1000) / 1000 } : {}) })),
    ...(r.gatewayLog !== undefined && r.gatewayLog.length > 0 ? { gatewayLog: r.gatewayLog } : {}),
  };
}

export function summaryLine(results: readonly CallResult[]): string {
  const n = (v: Verdict): number => results.filter((r) => r.verdict === v).length;
  const na = n("NOT AVAILABLE");
  return `${n("PASS")} passed, ${n("FAIL")} failed${na > 0 ? `, ${na} not available` : ""}`;
}
