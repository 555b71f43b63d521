/**
 * The command channel and the options of the analog far ends
 * (sipt-farend-phone, sipt-farend-coline): any line on stdin gets exactly one
 * "ok" or "error" answer, stdout carries JSON lines only, nothing a
 * controller types brings them down; commands the line state forbids are
 * refused with the reason; bad options exit 2, end of input exits 0, a card
 * that never listens exits 1. The line-side behaviour is tested through the
 * simulated card in test/hil (analog-*.test.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { colineArgs, farendBinary, FarendProcess, matching, phoneArgs } from "../farend-process.js";
import { farendPrerequisite } from "../test/back-to-back.js";

const missing = farendPrerequisite();
if (missing !== undefined) console.warn(`[hardware/farend/analog] command channel tests skipped: ${missing}`);
const skip = missing !== undefined && !process.env["CI"];

/** Lines a controller could type; "quit" is left out because it ends the process. */
const line = fc
  .oneof(
    fc.string({ maxLength: 200 }),
    fc.json({ maxDepth: 2 }),
    fc
      .record(
        {
          cmd: fc.constantFrom("off_hook", "on_hook", "answer", "flash", "dial", "auto_answer", "call", "ring_stop", "alert",
            "busy", "release", "battery", "polarity", "play", "play_file", "dtmf", "echo", "detect", "stop", "cpt", "rule",
            "default_rule", "rules_clear", "stats", "bogus"),
          ts: fc.integer({ min: -2, max: 40 }),
          ms: fc.oneof(fc.integer({ min: -10, max: 5000 }), fc.double()),
          digits: fc.string({ maxLength: 20 }),
          mode: fc.constantFrom("dtmf", "pulse", "morse"),
          rings: fc.integer({ min: -1, max: 200 }),
          after_ms: fc.integer({ min: -1, max: 700_000 }),
          cadence: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("1000,4000", "400,200,400,2000", "10,10", "100,")),
          tone: fc.oneof(fc.constantFrom("dial", "ringback", "busy", "congestion", "none", "hum"), fc.integer({ min: -10, max: 5000 })),
          on: fc.oneof(fc.boolean(), fc.integer()),
          reversed: fc.oneof(fc.boolean(), fc.string({ maxLength: 3 })),
          osi_ms: fc.integer({ min: -5, max: 9000 }),
          dbm0: fc.oneof(fc.integer({ min: -80, max: 10 }), fc.double({ noNaN: true })),
          action: fc.constantFrom("answer", "ring", "busy", "release", "manual", "dance"),
          prefix: fc.string({ maxLength: 40 }),
          path: fc.constant("/nonexistent/file.al"),
        },
        { requiredKeys: ["cmd"] },
      )
      .map((o) => JSON.stringify(o)),
  )
  .map((s) => s.replace(/[\r\n\0]/g, " "))
  .filter((s) => s.trim().length > 0 && !s.includes("quit"));

async function fuzz(proc: FarendProcess, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 20 }), async (lines) => {
      const from = proc.mark();
      const count = (): number => proc.all((e) => e.ev === "ok" || e.ev === "error", from).length;
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

describe.skipIf(skip)("analog far ends: command channel and options", () => {
  let dir: string;
  beforeAll(() => {
    if (missing !== undefined) throw new Error(`far-end simulators unavailable: ${missing}`);
    dir = mkdtempSync(join(tmpdir(), "farend-analog-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("the telephone answers every line once and never falls over", async () => {
    // No card listens: the telephone keeps trying and still serves its command channel.
    const p = FarendProcess.spawn("phone", phoneArgs({ line: join(dir, "port1.line"), connectTimeoutMs: 0 }), "phone");
    try {
      await p.waitFor(matching("ready", { role: "phone", profile: "etsi", state: "on_hook" }), 5_000);
      await fuzz(p, 50);
      await p.request({ cmd: "stats" });
    } finally {
      await p.dispose();
    }
  }, 60_000);

  it("the CO line answers every line once and never falls over", async () => {
    const p = FarendProcess.spawn("coline", colineArgs({ line: join(dir, "port5.line"), profile: "us", connectTimeoutMs: 0 }), "coline");
    try {
      await p.waitFor(matching("ready", { role: "coline", profile: "us" }), 5_000);
      await fuzz(p, 50);
      await p.request({ cmd: "stats" });
    } finally {
      await p.dispose();
    }
  }, 60_000);

  it("refuses what the line state forbids, with the reason", async () => {
    const p = FarendProcess.spawn("phone", phoneArgs({ line: join(dir, "port2.line"), connectTimeoutMs: 0 }), "phone");
    const c = FarendProcess.spawn("coline", colineArgs({ line: join(dir, "port6.line"), connectTimeoutMs: 0 }), "coline");
    try {
      await p.waitFor(matching("ready"), 5_000);
      await c.waitFor(matching("ready"), 5_000);
      await expect(p.request({ cmd: "dial", digits: "12" })).rejects.toThrow(/not possible while the telephone is on_hook/);
      await expect(p.request({ cmd: "answer" })).rejects.toThrow(/not being rung/);
      await expect(p.request({ cmd: "play", tone: 1004 })).rejects.toThrow(/on-hook: its transmitter is disconnected/);
      await expect(p.request({ cmd: "echo", ts: 2 })).rejects.toThrow(/one bearer channel/);
      await p.request({ cmd: "off_hook" });
      await expect(p.request({ cmd: "dial", digits: "1*", mode: "pulse" })).rejects.toThrow(/cannot be pulsed/);
      await expect(p.request({ cmd: "off_hook" })).rejects.toThrow(/while the telephone is off_hook/);
      await p.request({ cmd: "dial", digits: "9", mode: "pulse" });
      await expect(p.request({ cmd: "flash" })).rejects.toThrow(/while the telephone is pulsing/);
      expect(await p.request({ cmd: "on_hook" })).toMatchObject({ state: "on_hook" });

      await expect(c.request({ cmd: "answer" })).rejects.toThrow(/not possible in state idle/);
      await expect(c.request({ cmd: "call", cadence: "1000,4000," })).rejects.toThrow(/cadence/);
      await expect(c.request({ cmd: "cpt", tone: "hum" })).rejects.toThrow(/dial, ringback, busy or congestion/);
      await expect(c.request({ cmd: "rule", prefix: "1", action: "release" })).rejects.toThrow(/needs "cause"/);
      expect(await c.request({ cmd: "call", cadence: "400,200,400,2000" })).toMatchObject({ state: "ringing" });
      await expect(c.request({ cmd: "call" })).rejects.toThrow(/not possible in state ringing/);
      expect(await c.request({ cmd: "release" })).toMatchObject({ state: "idle" });
      expect(c.all(matching("ring_end", { reason: "cancelled", bursts: 1 }))).toHaveLength(1);
    } finally {
      await p.dispose();
      await c.dispose();
    }
  });

  it("exits 0 when its input ends, and 1 when no card listens within the timeout", async () => {
    const p = FarendProcess.spawn("coline", colineArgs({ line: join(dir, "none.line"), connectTimeoutMs: 0 }), "coline");
    await p.waitFor(matching("ready"), 5_000);
    p.endInput();
    expect((await p.waitExit(5_000)).code).toBe(0);
    expect(p.all(matching("exit", { code: 0 }))).toHaveLength(1);

    const q = FarendProcess.spawn("phone", phoneArgs({ line: join(dir, "none.line"), connectTimeoutMs: 300 }), "phone");
    try {
      expect((await q.waitExit(5_000)).code).toBe(1);
      expect(q.all((e) => e.ev === "fault" && String(e["reason"]).includes("did not accept a connection"))).toHaveLength(1);
    } finally {
      await q.dispose();
    }
  });

  it("rejects bad options with exit code 2", () => {
    const cases: [string, string[]][] = [
      [farendBinary("phone"), []],
      [farendBinary("phone"), ["--line", "x", "--profile", "mars"]],
      [farendBinary("phone"), ["--line", "x", "--law", "auto"]],
      [farendBinary("phone"), ["--line", "x", "--auto-answer-rings", "2", "--auto-answer-ms", "100"]],
      [farendBinary("phone"), ["--line", "x", "--ring-end-ms", "10"]],
      [farendBinary("coline"), ["--line", "x", "--rule", '{"prefix":"1","action":"dance"}']],
      [farendBinary("coline"), ["--line", "x", "--pulse-break-max-ms", "300", "--flash-max-ms", "200"]],
      [farendBinary("coline"), ["--line", "x", "--max-digits", "0"]],
      [farendBinary("coline"), ["--line", "x", "extra"]],
    ];
    for (const [bin, args] of cases) {
      const r = spawnSync(bin, args, { encoding: "utf8", timeout: 5_000 });
      expect({ args, status: r.status }).toEqual({ args, status: 2 });
      expect(r.stdout).toBe("");
    }
  });
});
