/**
 * The koffi binding itself: ABI version check, load and open failures,
 * a receive path that leaves the event loop free, the blocking exchange.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CardError } from "../api/card.js";
import { isCardError, KoffiCard } from "./koffi-card.js";
import { SpanFarEnd } from "./line-peer.js";
import { buildSimLibrary, openSimCard } from "./sim-harness.js";

let dir: string;
let sim: string;

function fakeLibrary(name: string, source: string): string {
  const out = join(dir, name);
  execFileSync("gcc", ["-shared", "-fPIC", "-o", out, "-x", "c", "-"], { input: source });
  return out;
}

async function openError(p: Promise<unknown>): Promise<CardError> {
  try {
    await p;
  } catch (e) {
    if (isCardError(e)) return e;
    throw e;
  }
  throw new Error("expected the open to fail");
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sipt-koffi-"));
  sim = buildSimLibrary();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loading a card library", () => {
  it("refuses a library of another ABI major version, naming both versions", async () => {
    const lib = fakeLibrary("libabi2.so", "unsigned int sipt_card_abi_version(void) { return 2u << 16; }");
    const e = await openError(KoffiCard.open({ library: lib, params: "" }));
    expect(e.code).toBe("EABI");
    expect(e.message).toContain(`card library ${lib} implements ABI 2.0, this gateway needs 1.x`);
  });

  it("refuses a library without the version entry point", async () => {
    const lib = fakeLibrary("libnoversion.so", "int unrelated(void) { return 0; }");
    const e = await openError(KoffiCard.open({ library: lib, params: "" }));
    expect(e.code).toBe("EABI");
    expect(e.message).toContain("does not export sipt_card_abi_version");
  });

  it("reports a library that cannot be loaded", async () => {
    const e = await openError(KoffiCard.open({ library: join(dir, "missing.so"), params: "" }));
    expect(e.code).toBe("ENOENT");
    expect(e.message).toContain("missing.so");
  });

  it("reports the card's reason for refusing its parameters", async () => {
    const e = await openError(KoffiCard.open({ library: sim, params: { rundir: dir, spans: "E1", colour: "red" } }));
    expect(e.code).toBe("EINVAL");
    expect(e.operation).toBe("openCard");
    expect(e.message).toContain("invalid argument");
    const p = await openError(KoffiCard.open({ library: sim, params: { rundir: dir, profile: join(dir, "none.json") } }));
    expect(p.code).toBe("EPROFILE");
  });
});

describe("the binding's threads", () => {
  it("waits for frames off the event loop: timers keep running while nothing arrives", async () => {
    const s = await openSimCard({ spans: "E1", mode: "freerun" });
    try {
      s.card.configureSpan(1, {
        framing: "E1-DF",
        lineCode: "HDB3",
        clock: "master",
        clockPriority: 0,
        companding: "alaw",
        bearerTimeslots: [1],
        signallingTimeslots: [16],
      });
      const ch = s.card.openSignalling(1, 16);
      const frames: Uint8Array[] = [];
      ch.onFrame((f) => frames.push(f));
      // 200 ms of 1 ms timers: a blocked loop would run almost none of them
      let fired = 0;
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (++fired === 100) {
            clearInterval(t);
            resolve();
          }
        }, 1);
      });
      expect(fired).toBe(100);
      expect(performance.now() - t0).toBeLessThan(400); // the card's wait slice is 500 ms
      const fe = await SpanFarEnd.connect({ rundir: s.rundir, span: 1, signallingTimeslots: [16] });
      const deadline = Date.now() + 2000;
      while (!s.sim.spanLine(1).signallingConnected.includes(16) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      fe.sendFrame(16, Uint8Array.of(1, 2, 3, 0, 0));
      while (frames.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      expect(frames).toEqual([Uint8Array.of(1, 2, 3, 0, 0)]);
      await fe.close();
    } finally {
      await s.dispose();
    }
  });

  it("a listener that throws does not stop delivery to the others", async () => {
    const s = await openSimCard({ spans: "E1", mode: "freerun" });
    const errors: unknown[] = [];
    const onUncaught = (e: unknown) => errors.push(e);
    process.on("uncaughtException", onUncaught);
    try {
      const seen: string[] = [];
      s.card.onEvent(() => {
        throw new Error("listener bug");
      });
      s.card.onEvent((e) => seen.push(e.type));
      s.sim.setAlarm(1, "RAI", true);
      const deadline = Date.now() + 1000;
      while (!seen.includes("span-alarm") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      expect(seen).toContain("span-alarm");
      await new Promise((r) => setTimeout(r, 10));
      expect(errors.map((e) => (e as Error).message)).toContain("listener bug");
    } finally {
      process.off("uncaughtException", onUncaught);
      await s.dispose();
    }
  });

  it("exchangeBlocking paces the calling thread in real time; exchange() refuses to overlap", async () => {
    const s = await openSimCard({ spans: "E1", mode: "realtime", blockBytes: 80 });
    try {
      s.card.configureSpan(1, {
        framing: "E1-CRC4",
        lineCode: "HDB3",
        clock: "master",
        clockPriority: 0,
        companding: "alaw",
        bearerTimeslots: [1, 2],
        signallingTimeslots: [],
      });
      const layout = s.card.bearer.layout();
      expect(layout.blockBytes).toBe(80);
      const tx = new Uint8Array(layout.bufferBytes);
      const rx = new Uint8Array(layout.bufferBytes);
      const t0 = performance.now();
      const first = s.card.bearer.exchangeBlocking(tx, rx);
      for (let k = 0; k < 10; k++) s.card.bearer.exchangeBlocking(tx, rx);
      const last = s.card.bearer.exchangeBlocking(tx, rx);
      const ms = performance.now() - t0;
      // a starved caller makes the card skip ticks (counted), never slow down
      const ticks = Number(last - first);
      expect(ticks).toBe(11 + s.card.bearer.status().lateTicks);
      expect(ms).toBeGreaterThanOrEqual(ticks * 10 - 1);
      expect(ms).toBeLessThan(ticks * 10 + 60);
      const p = s.card.bearer.exchange(tx, rx);
      expect(() => s.card.bearer.exchangeBlocking(tx, rx)).toThrow(/already in progress/);
      await p;
    } finally {
      await s.dispose();
    }
  });
});
