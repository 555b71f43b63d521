/**
 * Two libss7 switches back to back through sipt-linewire: MTP2/MTP3 link
 * alignment, the basic call (Q.764 §2.1 set-up, §2.3 release), circuit group
 * reset (Q.764 §2.9.3.2), blocking (Q.764 §2.8.2), and the per-number rules.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { matching, type FarendEvent } from "./farend-process.js";
import { farendPrerequisite, ss7Rig, type Rig } from "./test/back-to-back.js";

const missing = farendPrerequisite();
if (missing !== undefined) console.warn(`[hardware/farend] ss7 switch tests skipped: ${missing}`);
const skip = missing !== undefined && !process.env["CI"];

const T = 5_000;

function requirePrerequisite(): void {
  if (missing !== undefined) throw new Error(`far-end simulators unavailable: ${missing}`);
}

async function basicCall(rig: Rig, cic: number, st: boolean): Promise<void> {
  const { a, b } = rig;
  const fromA = a.mark();
  const fromB = b.mark();
  await a.request({ cmd: "call", cic, called: "5551234", calling: "2125550000", category: 10 });

  const iam = await b.waitFor(matching("rx", { msg: "IAM", cic }), T, { from: fromB });
  expect(iam).toMatchObject({ called: "5551234", calling: "2125550000", category: 10, st, called_nai: 3, ts: cic });
  await a.waitFor(matching("tx", { msg: "IAM", cic }), T, { from: fromA });
  await b.waitFor(matching("tx", { msg: "ACM", cic }), T, { from: fromB });
  await a.waitFor(matching("rx", { msg: "ACM", cic }), T, { from: fromA });
  await b.waitFor(matching("tx", { msg: "ANM", cic }), T, { from: fromB });
  await a.waitFor(matching("rx", { msg: "ANM", cic }), T, { from: fromA });
  await a.waitFor(matching("state", { cic, state: "out_answered" }), T, { from: fromA });

  await a.request({ cmd: "release", cic, cause: 16 });
  expect(await a.waitFor(matching("tx", { msg: "REL", cic }), T, { from: fromA })).toMatchObject({ cause: 16 });
  expect(await b.waitFor(matching("rx", { msg: "REL", cic }), T, { from: fromB })).toMatchObject({ cause: 16 });
  await b.waitFor(matching("tx", { msg: "RLC", cic }), T, { from: fromB });
  await a.waitFor(matching("rx", { msg: "RLC", cic }), T, { from: fromA });
  await a.waitFor(matching("state", { cic, state: "idle" }), T, { from: fromA });
  await b.waitFor(matching("state", { cic, state: "idle" }), T, { from: fromB });

  // Message order on each side, as Q.764 §2.1 and §2.3 lay it out.
  const order = (from: number, side: typeof a): string[] =>
    side
      .all((e) => (e.ev === "rx" || e.ev === "tx") && e["cic"] === cic, from)
      .map((e: FarendEvent) => `${e.ev} ${String(e["msg"])}`);
  expect(order(fromA, a)).toEqual(["tx IAM", "rx ACM", "rx ANM", "tx REL", "rx RLC"]);
  expect(order(fromB, b)).toEqual(["rx IAM", "tx ACM", "tx ANM", "rx REL", "tx RLC"]);
}

describe.skipIf(skip)("sipt-farend-ss7 back to back, ITU", () => {
  let rig: Rig;
  beforeAll(async () => {
    requirePrerequisite();
    rig = await ss7Rig(
      { variant: "itu", opc: "0-0-1", dpc: "0-0-2" },
      {
        variant: "itu",
        opc: 2,
        dpc: 1,
        rules: [
          { prefix: "5551", action: "answer", after_ms: 200 },
          { prefix: "5552", action: "busy" },
          { prefix: "5590", action: "release", cause_from_digits: 3 },
          { prefix: "5591", action: "release", cause: 19, alerting: true, after_ms: 100 },
          { prefix: "5553", action: "ring" },
          { prefix: "5554", action: "answer", tone: 1004, dbm0: -10 },
          { prefix: "5555", action: "answer", echo: true },
        ],
      },
    );
  }, 20_000);
  afterAll(async () => {
    await rig?.dispose();
  });

  it("aligns the link and reports each MTP level", () => {
    for (const side of [rig.a, rig.b]) {
      expect(side.all(matching("mtp2", { state: "up" })).length).toBeGreaterThanOrEqual(1);
      expect(side.all(matching("link", { state: "up" }))).toHaveLength(1);
      expect(side.strayLines).toEqual([]);
    }
  });

  it("completes IAM / ACM / ANM / REL / RLC", async () => {
    await basicCall(rig, 5, true);
  });

  it("releases with user busy (cause 17) before alerting", async () => {
    const fromA = rig.a.mark();
    await rig.a.request({ cmd: "call", cic: 6, called: "5552000" });
    expect(await rig.a.waitFor(matching("rx", { msg: "REL", cic: 6 }), T, { from: fromA })).toMatchObject({ cause: 17 });
    await rig.a.waitFor(matching("tx", { msg: "RLC", cic: 6 }), T, { from: fromA });
    expect(rig.a.all(matching("rx", { msg: "ACM", cic: 6 }), fromA)).toEqual([]);
  });

  it("takes the release cause from the last three called digits", async () => {
    const fromA = rig.a.mark();
    await rig.a.request({ cmd: "call", cic: 8, called: "5590034" });
    expect(await rig.a.waitFor(matching("rx", { msg: "REL", cic: 8 }), T, { from: fromA })).toMatchObject({ cause: 34 });
  });

  it("alerts, then releases with the rule's cause", async () => {
    const fromA = rig.a.mark();
    await rig.a.request({ cmd: "call", cic: 9, called: "5591000" });
    await rig.a.waitFor(matching("rx", { msg: "ACM", cic: 9 }), T, { from: fromA });
    expect(await rig.a.waitFor(matching("rx", { msg: "REL", cic: 9 }), T, { from: fromA })).toMatchObject({ cause: 19 });
  });

  it("rings until the caller gives up", async () => {
    const fromA = rig.a.mark();
    const fromB = rig.b.mark();
    await rig.a.request({ cmd: "call", cic: 10, called: "5553000" });
    await rig.a.waitFor(matching("rx", { msg: "ACM", cic: 10 }), T, { from: fromA });
    await new Promise((r) => setTimeout(r, 300));
    expect(rig.a.all(matching("rx", { msg: "ANM", cic: 10 }), fromA)).toEqual([]);
    await rig.a.request({ cmd: "release", cic: 10, cause: 16 });
    await rig.b.waitFor(matching("rx", { msg: "REL", cic: 10 }), T, { from: fromB });
    await rig.a.waitFor(matching("rx", { msg: "RLC", cic: 10 }), T, { from: fromA });
  });

  it("resets a circuit group: GRS / GRA with the blocking state in the status", async () => {
    const fromA = rig.a.mark();
    const fromB = rig.b.mark();
    // b blocks CIC 13 first (Q.764 §2.8.2.1), so b's GRA marks it maintenance blocked.
    await rig.b.request({ cmd: "block", cic: 13 });
    await rig.a.waitFor(matching("rx", { msg: "BLO", cic: 13 }), T, { from: fromA });
    await rig.b.waitFor(matching("rx", { msg: "BLA", cic: 13 }), T, { from: fromB });

    await rig.a.request({ cmd: "grs", cic: 11, end: 18 });
    expect(await rig.a.waitFor(matching("tx", { msg: "GRS", cic: 11 }), T, { from: fromA })).toBeDefined();
    expect(await rig.b.waitFor(matching("rx", { msg: "GRS", cic: 11 }), T, { from: fromB })).toMatchObject({ end: 18 });
    await rig.b.waitFor(matching("tx", { msg: "GRA", cic: 11 }), T, { from: fromB });
    const gra = await rig.a.waitFor(matching("rx", { msg: "GRA", cic: 11 }), T, { from: fromA });
    expect(gra).toMatchObject({ end: 18, status: "00100000" });

    await rig.b.request({ cmd: "unblock", cic: 13 });
    await rig.b.waitFor(matching("rx", { msg: "UBA", cic: 13 }), T, { from: fromB });
  });

  it("blocks and unblocks a circuit: BLO / BLA, UBL / UBA, and honours the blocking", async () => {
    const fromA = rig.a.mark();
    const fromB = rig.b.mark();
    await rig.a.request({ cmd: "block", cic: 20 });
    await rig.a.waitFor(matching("tx", { msg: "BLO", cic: 20 }), T, { from: fromA });
    await rig.b.waitFor(matching("rx", { msg: "BLO", cic: 20 }), T, { from: fromB });
    await rig.b.waitFor(matching("tx", { msg: "BLA", cic: 20 }), T, { from: fromB });
    await rig.a.waitFor(matching("rx", { msg: "BLA", cic: 20 }), T, { from: fromA });

    // Q.764 §2.8.2.1: b may not seize a circuit a has blocked.
    await expect(rig.b.request({ cmd: "call", cic: 20, called: "123" })).rejects.toThrow(/blocked by the other exchange/);

    await rig.a.request({ cmd: "unblock", cic: 20 });
    await rig.b.waitFor(matching("rx", { msg: "UBL", cic: 20 }), T, { from: fromB });
    await rig.a.waitFor(matching("rx", { msg: "UBA", cic: 20 }), T, { from: fromA });
    await rig.b.request({ cmd: "call", cic: 20, called: "5551999" });
    await rig.b.waitFor(matching("rx", { msg: "ANM", cic: 20 }), T, { from: fromB });
    await rig.b.request({ cmd: "release", cic: 20 });
    await rig.b.waitFor(matching("rx", { msg: "RLC", cic: 20 }), T, { from: fromB });
  });

  it("plays the rule's tone on answer, detected at 1004 Hz and -10 dBm0 across the bearer", async () => {
    const fromA = rig.a.mark();
    await rig.a.request({ cmd: "detect", cic: 21, freq: 1004 });
    await rig.a.request({ cmd: "call", cic: 21, called: "5554000" });
    await rig.a.waitFor(matching("rx", { msg: "ANM", cic: 21 }), T, { from: fromA });
    const tone = await rig.a.waitFor(matching("tone", { ts: 21, freq: 1004 }), T, { from: fromA });
    expect(Math.abs(Number(tone["hz"]) - 1004)).toBeLessThan(2);
    expect(Math.abs(Number(tone["dbm0"]) + 10)).toBeLessThan(0.5);
    await rig.a.request({ cmd: "release", cic: 21 });
    // The tone belongs to the call: it stops when the call is released.
    await rig.a.waitFor(matching("tone_end", { ts: 21, freq: 1004 }), T, { from: fromA });
  });

  it("echoes the bearer back when the rule says so", async () => {
    const fromA = rig.a.mark();
    await rig.a.request({ cmd: "call", cic: 22, called: "5555000" });
    await rig.a.waitFor(matching("rx", { msg: "ANM", cic: 22 }), T, { from: fromA });
    await rig.a.request({ cmd: "detect", ts: 22, freq: 2000 });
    await rig.a.request({ cmd: "play", ts: 22, tone: 2000, dbm0: -15 });
    const back = await rig.a.waitFor(matching("tone", { ts: 22, freq: 2000 }), T, { from: fromA });
    expect(Math.abs(Number(back["hz"]) - 2000)).toBeLessThan(2);
    expect(Math.abs(Number(back["dbm0"]) + 15)).toBeLessThan(0.5);
    await rig.a.request({ cmd: "release", cic: 22 });
    await rig.a.waitFor(matching("rx", { msg: "RLC", cic: 22 }), T, { from: fromA });
  });

  it("rejects bad commands with a reason and keeps stdout JSON only", async () => {
    await expect(rig.a.request({ cmd: "call", cic: 99, called: "1" })).rejects.toThrow(/outside this switch's range/);
    await expect(rig.a.request({ cmd: "release", cic: 3 })).rejects.toThrow(/no call to release/);
    await expect(rig.a.request({ cmd: "nonsense" })).rejects.toThrow(/unknown command/);
    await expect(rig.a.request({ cmd: "rule", prefix: "1", action: "release" })).rejects.toThrow(/needs "cause"/);
    expect(rig.a.strayLines).toEqual([]);
    expect(rig.b.strayLines).toEqual([]);
    // Nothing this rig did made libss7 complain (unexpected messages, lost calls).
    expect(rig.a.all(matching("stack_error"))).toEqual([]);
    expect(rig.b.all(matching("stack_error"))).toEqual([]);
  });

  it("reconnects when the card drops it, realigns the link and carries calls again", async () => {
    const fromA = rig.a.mark();
    const fromB = rig.b.mark();
    await rig.wire.request({ cmd: "kick", side: "a", sock: "sig" });
    await rig.a.waitFor(matching("sock", { name: "sig", state: "disconnected" }), T, { from: fromA });
    await rig.a.waitFor(matching("sock", { name: "sig", state: "connected" }), T, { from: fromA });
    await rig.a.waitFor(matching("link", { state: "down" }), T, { from: fromA });
    await rig.a.waitFor(matching("link", { state: "up" }), 15_000, { from: fromA });
    // b saw a's realignment (SIO/SIE) and went through it too.
    await rig.b.waitFor(matching("link", { state: "up" }), 15_000, { from: fromB });
    await basicCall(rig, 30, true);
  }, 40_000);
});

describe.skipIf(skip)("sipt-farend-ss7 back to back, ANSI", () => {
  let rig: Rig;
  beforeAll(async () => {
    requirePrerequisite();
    rig = await ss7Rig(
      { variant: "ansi", opc: "1-1-1", dpc: "1-1-2", cics: "1-24" },
      { variant: "ansi", opc: "1-1-2", dpc: "1-1-1", cics: "1-24", rules: [{ prefix: "555", action: "answer", after_ms: 100, tone: 1004 }] },
      24,
    );
  }, 20_000);
  afterAll(async () => {
    await rig?.dispose();
  });

  it("reports the ANSI point codes", () => {
    expect(rig.a.all(matching("ready"))[0]).toMatchObject({ variant: "ansi", opc: 0x010101, dpc: 0x010102 });
  });

  it("completes IAM / ACM / ANM / REL / RLC (no ST digit in ANSI)", async () => {
    await basicCall(rig, 5, false);
  });

  it("carries the answer tone in mu-law on the T1 bearer", async () => {
    const fromA = rig.a.mark();
    await rig.a.request({ cmd: "detect", cic: 6, freq: 1004 });
    await rig.a.request({ cmd: "call", cic: 6, called: "5550006" });
    await rig.a.waitFor(matching("rx", { msg: "ANM", cic: 6 }), T, { from: fromA });
    const tone = await rig.a.waitFor(matching("tone", { ts: 6, freq: 1004 }), T, { from: fromA });
    expect(Math.abs(Number(tone["dbm0"]) + 10)).toBeLessThan(0.5);
    expect(Math.abs(Number(tone["hz"]) - 1004)).toBeLessThan(2);
    await rig.a.request({ cmd: "stats" });
    expect(rig.a.all(matching("stats"), fromA).at(-1)).toMatchObject({ law: "ulaw", slots: 24 });
    await rig.a.request({ cmd: "release", cic: 6 });
    await rig.a.waitFor(matching("rx", { msg: "RLC", cic: 6 }), T, { from: fromA });
  });

  it("resets a circuit group", async () => {
    const fromA = rig.a.mark();
    await rig.a.request({ cmd: "grs", cic: 1, end: 24 });
    expect(await rig.a.waitFor(matching("rx", { msg: "GRA", cic: 1 }), T, { from: fromA })).toMatchObject({
      end: 24,
      status: "0".repeat(24),
    });
  });
});
