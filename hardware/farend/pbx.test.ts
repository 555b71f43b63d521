/**
 * Two libpri PBXs on a QSIG link (network side and user side) back to back
 * through sipt-linewire: Q.921 multiple-frame establishment, the Q.931 basic
 * call (§5.1 originating, §5.2 terminating, §5.3 clearing), rules, and the
 * span bearer (tones detected at the right frequency and level, DTMF).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { matching, type FarendEvent, type FarendProcess } from "./farend-process.js";
import { farendPrerequisite, pbxRig, type Rig } from "./test/back-to-back.js";

const missing = farendPrerequisite();
if (missing !== undefined) console.warn(`[hardware/farend] PBX tests skipped: ${missing}`);
const skip = missing !== undefined && !process.env["CI"];

const T = 5_000;

function requirePrerequisite(): void {
  if (missing !== undefined) throw new Error(`far-end simulators unavailable: ${missing}`);
}

function q931(side: FarendProcess, from: number, cref: number): string[] {
  return side
    .all((e) => (e.ev === "rx" || e.ev === "tx") && e["cref"] === cref, from)
    .map((e: FarendEvent) => `${e.ev} ${String(e["msg"])}`);
}

describe.skipIf(skip)("sipt-farend-pbx back to back, QSIG on E1", () => {
  let rig: Rig;
  beforeAll(async () => {
    requirePrerequisite();
    rig = await pbxRig(
      { rules: [{ prefix: "3", action: "busy" }] },
      {
        rules: [
          { prefix: "2", action: "answer", after_ms: 200 },
          { prefix: "4", action: "release", cause: 1 },
        ],
      },
    );
  }, 15_000);
  afterAll(async () => {
    await rig?.dispose();
  });

  it("brings the D-channel up on both sides", () => {
    expect(rig.a.all(matching("ready"))[0]).toMatchObject({ side: "network", span: "e1" });
    expect(rig.b.all(matching("ready"))[0]).toMatchObject({ side: "user", span: "e1" });
  });

  it("completes SETUP .. RELEASE COMPLETE from the network side", async () => {
    const { a, b } = rig;
    const fromA = a.mark();
    const fromB = b.mark();
    const ok = await a.request({ cmd: "call", channel: 1, called: "2000", calling: "1000", name: "Alice" });
    const cref = Number(ok["cref"]);
    const setup = await b.waitFor(matching("rx", { msg: "SETUP", cref }), T, { from: fromB });
    expect(setup).toMatchObject({ called: "2000", calling: "1000", name: "Alice", channel: 1, cref_flag: 0 });
    await a.waitFor(matching("rx", { msg: "CONNECT", cref }), T, { from: fromA });
    await b.waitFor(matching("rx", { msg: "CONNECT ACKNOWLEDGE", cref }), T, { from: fromB });
    await b.waitFor(matching("state", { channel: 1, state: "active" }), T, { from: fromB });

    await a.request({ cmd: "release", channel: 1, cause: 16 });
    await a.waitFor(matching("rx", { msg: "RELEASE", cref }), T, { from: fromA });
    await b.waitFor(matching("rx", { msg: "RELEASE COMPLETE", cref }), T, { from: fromB });
    await a.waitFor(matching("state", { channel: 1, state: "idle" }), T, { from: fromA });
    await b.waitFor(matching("state", { channel: 1, state: "idle" }), T, { from: fromB });

    expect(q931(a, fromA, cref)).toEqual([
      "tx SETUP",
      "rx CALL PROCEEDING",
      "rx ALERTING",
      "rx CONNECT",
      "tx CONNECT ACKNOWLEDGE",
      "tx DISCONNECT",
      "rx RELEASE",
      "tx RELEASE COMPLETE",
    ]);
    expect(q931(b, fromB, cref)).toEqual([
      "rx SETUP",
      "tx CALL PROCEEDING",
      "tx ALERTING",
      "tx CONNECT",
      "rx CONNECT ACKNOWLEDGE",
      "rx DISCONNECT",
      "tx RELEASE",
      "rx RELEASE COMPLETE",
    ]);
    // Q.931 §4.3: the flag is 0 from the side that allocated the call reference.
    expect(a.all((e) => e.ev === "tx" && e["cref"] === cref, fromA).every((e) => e["cref_flag"] === 0)).toBe(true);
    expect(b.all((e) => e.ev === "tx" && e["cref"] === cref, fromB).every((e) => e["cref_flag"] === 1)).toBe(true);
    for (const side of [a, b]) {
      const disc = side.all((e) => (e.ev === "rx" || e.ev === "tx") && e["msg"] === "DISCONNECT", fromA);
      for (const d of disc) expect(d["cause"]).toBe(16);
    }
  });

  it("calls from the user side and gets user busy from the network side's rule", async () => {
    const { a, b } = rig;
    const fromB = b.mark();
    const ok = await b.request({ cmd: "call", channel: 2, called: "3000", calling: "2001" });
    const cref = Number(ok["cref"]);
    const clearing = await b.waitFor(
      (e) => e.ev === "rx" && e["cref"] === cref && ["DISCONNECT", "RELEASE", "RELEASE COMPLETE"].includes(String(e["msg"])),
      T,
      { from: fromB },
    );
    expect(clearing["cause"]).toBe(17);
    await b.waitFor(matching("state", { channel: 2, state: "idle" }), T, { from: fromB });
    expect(a.all(matching("tx", { msg: "ALERTING", cref }))).toEqual([]);
  });

  it("releases with the rule's cause (1, unallocated number)", async () => {
    const fromA = rig.a.mark();
    const ok = await rig.a.request({ cmd: "call", channel: 3, called: "4000" });
    const cref = Number(ok["cref"]);
    const clearing = await rig.a.waitFor(
      (e) => e.ev === "rx" && e["cref"] === cref && ["DISCONNECT", "RELEASE", "RELEASE COMPLETE"].includes(String(e["msg"])),
      T,
      { from: fromA },
    );
    expect(clearing["cause"]).toBe(1);
    await rig.a.waitFor(matching("state", { channel: 3, state: "idle" }), T, { from: fromA });
  });

  it("refuses a second call on a busy channel and a channel that is the D-channel", async () => {
    await expect(rig.a.request({ cmd: "call", channel: 16, called: "2000" })).rejects.toThrow(/B-channel/);
    const fromA = rig.a.mark();
    await rig.b.request({ cmd: "rule", prefix: "25", action: "ring" });
    await rig.a.request({ cmd: "call", channel: 4, called: "2500" });
    await rig.a.waitFor(matching("rx", { msg: "ALERTING" }), T, { from: fromA });
    await expect(rig.a.request({ cmd: "call", channel: 4, called: "2500" })).rejects.toThrow(/busy/);
    await rig.a.request({ cmd: "release", channel: 4 });
    await rig.a.waitFor(matching("state", { channel: 4, state: "idle" }), T, { from: fromA });
  });

  it("carries a tone across the bearer at the right frequency and level", async () => {
    const fromB = rig.b.mark();
    await rig.b.request({ cmd: "detect", ts: 5, freq: 1004 });
    await rig.b.request({ cmd: "detect", ts: 5, freq: 2100 });
    await rig.a.request({ cmd: "play", ts: 5, tone: 1004, dbm0: -10, duration_ms: 400 });
    const tone = await rig.b.waitFor(matching("tone", { ts: 5 }), T, { from: fromB });
    expect(tone["freq"]).toBe(1004);
    expect(Math.abs(Number(tone["hz"]) - 1004)).toBeLessThan(2);
    expect(Math.abs(Number(tone["dbm0"]) + 10)).toBeLessThan(0.5);
    const end = await rig.b.waitFor(matching("tone_end", { ts: 5, freq: 1004 }), T, { from: fromB });
    // 400 ms of samples; a late block on a busy machine adds a 20 ms idle gap inside.
    expect(Number(end["ms"])).toBeGreaterThanOrEqual(380);
    expect(Number(end["ms"])).toBeLessThanOrEqual(480);
    await rig.a.waitFor(matching("play_done", { ts: 5, what: "tone" }), T);
    expect(rig.b.all(matching("tone", { ts: 5, freq: 2100 }), fromB)).toEqual([]);
  });

  it("carries DTMF across the bearer", async () => {
    const fromB = rig.b.mark();
    await rig.a.request({ cmd: "dtmf", ts: 6, digits: "0123456789*#ABCD", dbm0: -10, on_ms: 60, off_ms: 60 });
    await rig.a.waitFor(matching("play_done", { ts: 6, what: "dtmf" }), T);
    await rig.b.waitFor((e) => e.ev === "dtmf" && e["ts"] === 6 && e["digit"] === "D", T, { from: fromB });
    const digits = rig.b
      .all((e) => e.ev === "dtmf" && e["ts"] === 6, fromB)
      .map((e) => String(e["digit"]))
      .join("");
    expect(digits).toBe("0123456789*#ABCD");
  });

  it("keeps stdout JSON only, and libpri found nothing to complain about", () => {
    expect(rig.a.strayLines).toEqual([]);
    expect(rig.b.strayLines).toEqual([]);
    expect(rig.a.all(matching("stack_error"))).toEqual([]);
    expect(rig.b.all(matching("stack_error"))).toEqual([]);
  });
});

describe.skipIf(skip)("sipt-farend-pbx back to back, QSIG on T1 (mu-law)", () => {
  let rig: Rig;
  beforeAll(async () => {
    requirePrerequisite();
    rig = await pbxRig({ span: "t1", side: "user" }, { span: "t1", side: "network" });
  }, 15_000);
  afterAll(async () => {
    await rig?.dispose();
  });

  it("answers a call on channel 23 and carries a tone in mu-law", async () => {
    const fromA = rig.a.mark();
    const ok = await rig.a.request({ cmd: "call", channel: 23, called: "100" });
    await rig.a.waitFor(matching("rx", { msg: "CONNECT", cref: Number(ok["cref"]) }), T, { from: fromA });
    await rig.a.request({ cmd: "detect", ts: 23, freq: 440 });
    await rig.b.request({ cmd: "play", ts: 23, tone: 440, dbm0: -13 });
    const tone = await rig.a.waitFor(matching("tone", { ts: 23, freq: 440 }), T, { from: fromA });
    expect(Math.abs(Number(tone["hz"]) - 440)).toBeLessThan(2);
    expect(Math.abs(Number(tone["dbm0"]) + 13)).toBeLessThan(0.5);
    await rig.a.request({ cmd: "stats" });
    expect(rig.a.all(matching("stats")).at(-1)).toMatchObject({ law: "ulaw", slots: 24 });
    await expect(rig.a.request({ cmd: "call", channel: 24, called: "100" })).rejects.toThrow(/B-channel/);
  });
});
