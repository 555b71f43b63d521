/**
 * A central-office line (hardware/farend sipt-farend-coline) on FXO port 2 of
 * the simulated card, the test in the gateway's place through the card
 * contract (drivers/card): the line rings the port and the card detects the
 * ringing voltage with its cadence; the gateway's off-hook trips the ring
 * (the line sees loop current); a seized line gives dial tone, collects DTMF
 * digits the gateway sends (generated here) and answers per its rule with a
 * polarity reversal the card reports; DTMF the line plays is recognised by a
 * Goertzel receiver here; busy tone has the ETSI cadence; a clear from the
 * exchange comes with an open switch interval; flash and decadic pulses from
 * the gateway are told apart by their break length.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CardEvent } from "../../drivers/api/card.js";
import { openSimCard, type SimCard } from "../../drivers/card/sim-harness.js";
import {
  FarendProcess,
  colineArgs,
  ensureFarendBuilt,
  farendBinary,
  matching,
} from "../../hardware/farend/farend-process.js";
import { BearerPump, CardEvents, DtmfReceiver, decodeAlaw, dtmfAlaw, goertzelShare } from "./analog-support.js";

const T = 5_000;
const PORT = 2; // ports FXS,FXO: port 2 is the FXO

function prerequisite(): string | undefined {
  if (!existsSync(farendBinary("coline"))) {
    const r = ensureFarendBuilt();
    if (!r.ok) return r.reason;
  }
  return existsSync(farendBinary("coline")) ? undefined : `${farendBinary("coline")} was not built`;
}

const missing = prerequisite();
if (missing !== undefined) console.warn(`[test/hil] CO line on the card skipped: ${missing}`);
const skip = missing !== undefined && !process.env["CI"];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
type Of<K extends CardEvent["type"]> = Extract<CardEvent, { type: K }>;

describe.skipIf(skip)("central-office line on an FXO port of the simulated card", () => {
  let s: SimCard;
  let co: FarendProcess;
  let ev: CardEvents;
  let pump: BearerPump;

  beforeAll(async () => {
    if (missing !== undefined) throw new Error(`CO line simulator unavailable: ${missing}`);
    s = await openSimCard({ ports: "FXS,FXO", mode: "realtime" });
    ev = new CardEvents(s.card);
    pump = new BearerPump(s.card);
    pump.start();
    co = FarendProcess.spawn(
      "coline",
      colineArgs({
        line: `${s.rundir}/port${PORT}.line`,
        profile: "etsi",
        flashMaxMs: 400,
        digitTimeoutMs: 600,
        rules: [
          { prefix: "5551", action: "answer", after_ms: 300 },
          { prefix: "5552", action: "busy" },
        ],
      }),
      "coline",
    );
    await co.waitFor(matching("sock", { state: "connected" }), T, { what: "line connected" });
    await ev.waitFor((e): e is Of<"port-battery"> => e.type === "port-battery" && e.port === PORT && e.present, T, 0, "battery");
  }, 15_000);

  afterAll(async () => {
    await co?.dispose();
    await pump?.stop();
    ev?.dispose();
    await s?.dispose();
  });

  async function onHook(): Promise<void> {
    const from = co.mark();
    s.card.fxo.setHook(PORT, false);
    await co.waitFor(matching("state", { state: "idle" }), T, { from, what: "idle after on-hook" });
  }

  it("rings the FXO port with a cadence the card detects, and the gateway's off-hook trips it", async () => {
    const from = ev.mark();
    const coFrom = co.mark();
    await co.request({ cmd: "call", cadence: "400,400" });
    const isRing = (e: CardEvent): e is Of<"port-ring"> => e.type === "port-ring" && e.port === PORT;
    const deadline = Date.now() + T;
    while (ev.events.slice(from).filter((r) => isRing(r.event)).length < 4 && Date.now() < deadline) await sleep(5);
    const rings = ev.events.slice(from).filter((r) => isRing(r.event)).slice(0, 4);
    expect(rings.map((r) => (isRing(r.event) ? r.event.ringing : undefined))).toEqual([true, false, true, false]);
    const periods = rings.slice(1).map((r, i) => r.atMs - (rings[i]?.atMs ?? 0));
    console.log(`coline ring cadence 400,400 ms seen by the card as ${periods.map((p) => p.toFixed(0)).join(",")} ms`);
    for (const p of periods) expect(Math.abs(p - 400)).toBeLessThanOrEqual(30);

    s.card.fxo.setHook(PORT, true);
    await co.waitFor(matching("loop", { state: "closed" }), T, { from: coFrom });
    expect(await co.waitFor(matching("ring_end"), T, { from: coFrom })).toMatchObject({ reason: "answered" });
    await co.waitFor(matching("state", { state: "connected", event: "answered" }), T, { from: coFrom });
    await sleep(50);
    expect(s.card.portStatus(PORT)).toMatchObject({ ringing: false, offHook: true, battery: true });
    expect(s.card.portStatus(PORT).loopCurrentMa).toBeGreaterThan(0);
    expect(co.all(matching("polarity", { state: "reversed" }), coFrom)).toEqual([]); // no reversal towards the called side

    // the exchange clears first: open switch interval of 300 ms, then busy tone
    const clearFrom = ev.mark();
    await co.request({ cmd: "release", osi_ms: 300 });
    const off = await ev.waitFor((e): e is Of<"port-battery"> => e.type === "port-battery" && e.port === PORT && !e.present, T, clearFrom, "battery removed");
    const on = await ev.waitFor((e): e is Of<"port-battery"> => e.type === "port-battery" && e.port === PORT && e.present, T, clearFrom, "battery back");
    expect(Math.abs(on.atMs - off.atMs - 300)).toBeLessThanOrEqual(40);
    await onHook();
  });

  it("gives dial tone, collects DTMF digits, answers with polarity reversal, sends DTMF back", async () => {
    const coFrom = co.mark();
    const cardFrom = ev.mark();
    let dialTone = 0;
    let blocks = 0;
    const offTone = pump.onBlock(PORT, (b) => {
      blocks++;
      if (goertzelShare(decodeAlaw(b), 425) > 0.9) dialTone++;
    });
    s.card.fxo.setHook(PORT, true);
    await co.waitFor(matching("state", { state: "dialtone", event: "seize" }), T, { from: coFrom });
    await sleep(400);
    offTone();
    // the first blocks after seizure precede the tone (card elastic store, far-end answer)
    expect(dialTone).toBeGreaterThanOrEqual(blocks - 6);
    expect(dialTone).toBeGreaterThan(10);

    pump.play(PORT, dtmfAlaw("5551#"));
    const num = await co.waitFor(matching("number"), T, { from: coFrom });
    expect(num).toMatchObject({ number: "5551", by: "terminator" });
    expect(co.all((e) => e.ev === "dtmf", coFrom).map((e) => e["digit"])).toEqual(["5", "5", "5", "1", "#"]);
    await co.waitFor(matching("state", { state: "alerting" }), T, { from: coFrom });
    const rev = await ev.waitFor((e): e is Of<"port-polarity"> => e.type === "port-polarity" && e.port === PORT && e.reversed, T, cardFrom, "polarity reversal");
    const alerting = co.all(matching("state", { state: "alerting" }), coFrom)[0];
    const connected = await co.waitFor(matching("state", { state: "connected", event: "answer" }), T, { from: coFrom });
    expect(connected.t - Number(alerting?.t)).toBeGreaterThanOrEqual(295);
    expect(connected.t - Number(alerting?.t)).toBeLessThanOrEqual(340);
    expect(rev.event.reversed).toBe(true);

    const rx = new DtmfReceiver();
    const offRx = pump.onBlock(PORT, (b) => rx.block(decodeAlaw(b)));
    const playFrom = co.mark();
    await co.request({ cmd: "dtmf", digits: "42" });
    await co.waitFor(matching("play_done", { what: "dtmf" }), T, { from: playFrom });
    await sleep(100);
    offRx();
    expect(rx.digits.join("")).toBe("42");

    const clearFrom = ev.mark();
    await onHook();
    await ev.waitFor((e): e is Of<"port-polarity"> => e.type === "port-polarity" && e.port === PORT && !e.reversed, T, clearFrom, "polarity back to normal");
  });

  it("plays busy tone with the ETSI cadence for a busy rule (number complete by timeout)", async () => {
    const coFrom = co.mark();
    s.card.fxo.setHook(PORT, true);
    await co.waitFor(matching("state", { state: "dialtone" }), T, { from: coFrom });
    pump.play(PORT, dtmfAlaw("5552"));
    const num = await co.waitFor(matching("number"), T, { from: coFrom });
    expect(num).toMatchObject({ number: "5552", by: "timeout" });
    await co.waitFor(matching("state", { state: "busy" }), T, { from: coFrom });
    const on: boolean[] = [];
    const off = pump.onBlock(PORT, (b) => on.push(goertzelShare(decodeAlaw(b), 425) > 0.5));
    await sleep(2_300);
    off();
    // run lengths in 20 ms blocks; the whole runs between the first and the last change
    const runs: { on: boolean; n: number }[] = [];
    for (const v of on) {
      const last = runs.at(-1);
      if (last && last.on === v) last.n++;
      else runs.push({ on: v, n: 1 });
    }
    const whole = runs.slice(1, -1);
    console.log(`busy tone runs (ms): ${whole.map((r) => `${r.on ? "on" : "off"} ${r.n * 20}`).join(", ")}`);
    expect(whole.length).toBeGreaterThanOrEqual(2);
    for (const r of whole) expect(Math.abs(r.n * 20 - 500)).toBeLessThanOrEqual(40);
    await onHook();
  });

  it("tells a hook flash from decadic dial pulses by the break length", async () => {
    const coFrom = co.mark();
    s.card.fxo.setHook(PORT, true);
    await co.waitFor(matching("state", { state: "dialtone" }), T, { from: coFrom });
    // three 60 ms breaks, 100 ms apart: the digit 3
    for (let k = 0; k < 3; k++) {
      s.card.fxo.flash(PORT, 60);
      await sleep(100);
    }
    const d = await co.waitFor(matching("pulse_digit"), T, { from: coFrom });
    expect(d).toMatchObject({ digit: "3", pulses: 3 });
    await co.waitFor(matching("state", { state: "digits", event: "digit" }), T, { from: coFrom });
    s.card.fxo.flash(PORT, 200); // a register recall: longer than a pulse, shorter than flashMaxMs
    const f = await co.waitFor(matching("flash"), T, { from: coFrom });
    expect(Math.abs(Number(f["ms"]) - 200)).toBeLessThanOrEqual(30);
    expect(co.all((e) => e.ev === "pulse_digit", coFrom)).toHaveLength(1);
    await onHook();
  });
});
