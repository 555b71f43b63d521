/**
 * The command channel of the far ends: any line on stdin gets exactly one
 * "ok" or "error" answer, stdout carries JSON lines only, and nothing a
 * controller types brings a far end down. Also the option checks (exit 2)
 * and the end of input (exit 0).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { farendBinary, FarendProcess, matching, pbxArgs, ss7SwitchArgs } from "./farend-process.js";
import { farendPrerequisite } from "./test/back-to-back.js";

const missing = farendPrerequisite();
if (missing !== undefined) console.warn(`[hardware/farend] command channel tests skipped: ${missing}`);
const skip = missing !== undefined && !process.env["CI"];

/** Lines a controller could type; "quit" is left out because it ends the process. */
const line = fc
  .oneof(
    fc.string({ maxLength: 200 }),
    fc.json({ maxDepth: 2 }),
    fc
      .record({
        cmd: fc.constantFrom("call", "release", "answer", "alert", "cpg", "block", "unblock", "reset", "grs", "cgb", "cgu",
          "play", "play_file", "dtmf", "echo", "detect", "stop", "rule", "default_rule", "rules_clear", "stats", "circuits",
          "proceeding", "restart", "bogus"),
        cic: fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.string({ maxLength: 4 }), fc.double()),
        ts: fc.integer({ min: -2, max: 40 }),
        channel: fc.integer({ min: -2, max: 40 }),
        called: fc.string({ maxLength: 45 }),
        cause: fc.oneof(fc.integer({ min: -1, max: 200 }), fc.boolean()),
        end: fc.integer({ min: 0, max: 5000 }),
        tone: fc.integer({ min: -10, max: 5000 }),
        dbm0: fc.oneof(fc.integer({ min: -80, max: 10 }), fc.double({ noNaN: true })),
        digits: fc.string({ maxLength: 20 }),
        action: fc.constantFrom("answer", "ring", "busy", "release", "manual", "dance"),
        prefix: fc.string({ maxLength: 40 }),
        path: fc.constant("/nonexistent/file.al"),
      }, { requiredKeys: ["cmd"] })
      .map((o) => JSON.stringify(o)),
  )
  .map((s) => s.replace(/[\r\n\0]/g, " "))
  .filter((s) => s.trim().length > 0 && !s.includes("quit"));

async function fuzz(proc: FarendProcess, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 20 }), async (lines) => {
      const from = proc.mark();
      const count = (): number => proc.all((e) => e.ev === "ok" || e.ev === "error", from).filter((e) => e["cmd"] !== "quit").length;
      // Replies that name no command still count: every line gets one answer.
      for (const l of lines) proc.sendRaw(l);
      const deadline = Date.now() + 5_000;
      while (count() < lines.length && Date.now() < deadline && !proc.exited) await new Promise((r) => setTimeout(r, 5));
      expect(proc.exited).toBe(false);
      expect(count()).toBe(lines.length);
      expect(proc.strayLines).toEqual([]);
    }),
    { numRuns: runs },
  );
}

describe.skipIf(skip)("far-end command channel", () => {
  let dir: string;
  beforeAll(() => {
    if (missing !== undefined) throw new Error(`far-end simulators unavailable: ${missing}`);
    dir = mkdtempSync(join(tmpdir(), "farend-cmd-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers every line to the SS7 switch once and never falls over", async () => {
    // No card listens: the switch keeps trying and still serves its command channel.
    const p = FarendProcess.spawn("ss7", ss7SwitchArgs({ sig: join(dir, "nocard.sig"), opc: 1, dpc: 2, connectTimeoutMs: 0 }), "ss7");
    try {
      await p.waitFor(matching("ready"), 5_000);
      await fuzz(p, 60);
      await p.request({ cmd: "stats" });
    } finally {
      await p.dispose();
    }
  }, 60_000);

  it("answers every line to the PBX once and never falls over", async () => {
    const p = FarendProcess.spawn("pbx", pbxArgs({ sig: join(dir, "nocard.dch"), connectTimeoutMs: 0 }), "pbx");
    try {
      await p.waitFor(matching("ready"), 5_000);
      await fuzz(p, 60);
      await p.request({ cmd: "stats" });
    } finally {
      await p.dispose();
    }
  }, 60_000);

  it("exits 0 when its input ends, and 1 when no card listens within the timeout", async () => {
    const p = FarendProcess.spawn("pbx", pbxArgs({ sig: join(dir, "none.dch"), connectTimeoutMs: 0 }), "pbx");
    await p.waitFor(matching("ready"), 5_000);
    p.endInput();
    expect((await p.waitExit(5_000)).code).toBe(0);
    expect(p.all(matching("exit", { code: 0 }))).toHaveLength(1);

    const q = FarendProcess.spawn("ss7", ss7SwitchArgs({ sig: join(dir, "none.sig"), opc: 1, dpc: 2, connectTimeoutMs: 300 }), "ss7");
    try {
      expect((await q.waitExit(5_000)).code).toBe(1);
      expect(q.all((e) => e.ev === "fault" && String(e["reason"]).includes("did not accept a connection"))).toHaveLength(1);
    } finally {
      await q.dispose();
    }
  });

  it("rejects bad options with exit code 2", () => {
    const cases: [string, string[]][] = [
      [farendBinary("ss7"), ["--sig", "x"]],
      [farendBinary("ss7"), ["--sig", "x", "--opc", "8-0-0", "--dpc", "1"]],
      [farendBinary("ss7"), ["--sig", "x", "--opc", "1", "--dpc", "2", "--variant", "japan"]],
      [farendBinary("ss7"), ["--sig", "x", "--opc", "1", "--dpc", "2", "--cic-map", "1-40:1"]],
      [farendBinary("ss7"), ["--sig", "x", "--opc", "1", "--dpc", "2", "--rule", "{\"action\":\"answer\"}"]],
      [farendBinary("pbx"), ["--sig", "x", "--side", "both"]],
      [farendBinary("pbx"), ["--sig", "x", "--rule", "{\"prefix\":\"1\",\"action\":\"release\"}"]],
      [farendBinary("pbx"), []],
    ];
    for (const [bin, args] of cases) {
      const r = spawnSync(bin, args, { encoding: "utf8", timeout: 5_000, input: "" });
      expect({ args, status: r.status }).toEqual({ args, status: 2 });
      expect(r.stdout).toBe("");
      expect(r.stderr.length).toBeGreaterThan(0);
    }
  });
});
