/**
 * An analog telephone (hardware/farend sipt-farend-phone) on FXS port 1 of
 * the simulated card, the test in the gateway's place through the card
 * contract (drivers/card): the telephone's hook reaches the card as hook
 * events (flash and decadic pulses timed by the card's port profile), the
 * card's ringing reaches the telephone with its cadence measured, polarity
 * reversal and an open switch interval are seen, DTMF the telephone dials
 * is recognised on the bearer by a Goertzel receiver in this test, and call
 * progress tones the gateway plays are recognised by the telephone per its
 * country profile (ETSI: 425 Hz; busy 0.5/0.5 s, congestion 0.25/0.25 s).
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSimCard, type SimCard } from "../../drivers/card/sim-harness.js";
import {
  FarendProcess,
  ensureFarendBuilt,
  farendBinary,
  matching,
  phoneArgs,
} from "../../hardware/farend/farend-process.js";
import { BearerPump, CardEvents, DtmfReceiver, decodeAlaw, isEvent, toneAlaw } from "./analog-support.js";

const T = 5_000;
const PORT = 1;

function prerequisite(): string | undefined {
  if (!existsSync(farendBinary("phone"))) {
    const r = ensureFarendBuilt();
    if (!r.ok) return r.reason;
  }
  return existsSync(farendBinary("phone")) ? undefined : `${farendBinary("phone")} was not built`;
}

const missing = prerequisite();
if (missing !== undefined) console.warn(`[test/hil] analog telephone on the card skipped: ${missing}`);
const skip = missing !== undefined && !process.env["CI"];

describe.skipIf(skip)("analog telephone on an FXS port of the simulated card", () => {
  let s: SimCard;
  let phone: FarendProcess;
  let ev: CardEvents;
  let pump: BearerPump;

  beforeAll(async () => {
    if (missing !== undefined) throw new Error(`telephone simulator unavailable: ${missing}`);
    s = await openSimCard({ ports: "FXS,FXO", mode: "realtime" });
    ev = new CardEvents(s.card);
    pump = new BearerPump(s.card);
    pump.start();
    phone = FarendProcess.spawn("phone", phoneArgs({ line: `${s.rundir}/port${PORT}.line`, profile: "etsi", ringEndMs: 1500 }), "phone");
    await phone.waitFor(matching("battery", { state: "on" }), T, { what: "battery from the card" });
  }, 15_000);

  afterAll(async () => {
    await phone?.dispose();
    await pump?.stop();
    ev?.dispose();
    await s?.dispose();
  });

  it("off-hook and on-hook reach the card as hook events", async () => {
    const from = ev.mark();
    await phone.request({ cmd: "off_hook" });
    await ev.waitFor(isEvent("port-hook", PORT), T, from, "off-hook");
    expect(s.card.portStatus(PORT)).toMatchObject({ offHook: true, loopCurrentMa: 25 });
    const before = ev.mark();
    await phone.request({ cmd: "on_hook" });
    // a break longer than flashMaxMs (750 ms) is on-hook
    const on = await ev.waitFor((e): e is Extract<typeof e, { type: "port-hook" }> => e.type === "port-hook" && !e.offHook, T, before, "on-hook");
    expect(on.event.port).toBe(PORT);
    expect(s.card.portStatus(PORT).offHook).toBe(false);
    expect(ev.all(before).filter((e) => e.type === "port-flash")).toEqual([]);
  });

  it("reports the card's ringing with the cadence it was given, then ring trip on answer", async () => {
    const from = phone.mark();
    const cadence = [300, 300, 600, 800];
    s.card.fxs.ringStart(PORT, cadence);
    // bursts 1 and 2, and the silences after them: 300 on, 300 off, 600 on, 800 off
    await phone.waitFor(matching("ring", { state: "on", burst: 3 }), T, { from });
    const rings = phone.all((e) => e.ev === "ring", from);
    const measured = [
      rings.find((e) => e["state"] === "off" && e["burst"] === 1)?.["on_ms"],
      rings.find((e) => e["state"] === "on" && e["burst"] === 2)?.["off_ms"],
      rings.find((e) => e["state"] === "off" && e["burst"] === 2)?.["on_ms"],
      rings.find((e) => e["state"] === "on" && e["burst"] === 3)?.["off_ms"],
    ];
    console.log(`ring cadence given ${cadence.join(",")} ms, measured ${measured.join(",")} ms`);
    measured.forEach((m, i) => expect(Math.abs(Number(m) - (cadence[i] ?? 0))).toBeLessThanOrEqual(25));

    // answered during burst 3: the card trips the ring at once
    const cardFrom = ev.mark();
    await phone.request({ cmd: "answer" });
    await ev.waitFor(isEvent("port-ring-trip", PORT), T, cardFrom, "ring trip");
    await ev.waitFor(isEvent("port-hook", PORT), T, cardFrom, "off-hook after ring trip");
    const end = await phone.waitFor(matching("ring_end"), T, { from });
    expect(end).toMatchObject({ reason: "answered", bursts: 3 });
    expect(String(end["cadence"]).split(",").length).toBe(4);
    // the voltage the card removed at ring trip
    await phone.waitFor(matching("ring", { state: "off", burst: 3 }), T, { from });
    expect(s.card.portStatus(PORT).ringing).toBe(false);
    await phone.request({ cmd: "on_hook" });
    await ev.waitFor((e): e is Extract<typeof e, { type: "port-hook" }> => e.type === "port-hook" && !e.offHook, T, cardFrom, "on-hook");
  });

  it("auto-answers when the N-th burst ends", async () => {
    const from = phone.mark();
    const cardFrom = ev.mark();
    await phone.request({ cmd: "auto_answer", rings: 2 });
    s.card.fxs.ringStart(PORT, [200, 300]);
    const hook = await phone.waitFor(matching("hook", { state: "off", why: "auto_answer" }), T, { from });
    const off2 = phone.all(matching("ring", { state: "off", burst: 2 }), from)[0];
    expect(off2).toBeDefined();
    expect(hook.t - Number(off2?.t)).toBeLessThanOrEqual(20);
    // answered in the silence after burst 2: the cadence was still running, so the card trips it
    await ev.waitFor(isEvent("port-ring-trip", PORT), T, cardFrom, "ring trip");
    await ev.waitFor(isEvent("port-hook", PORT), T, cardFrom, "off-hook");
    expect(s.card.portStatus(PORT).ringing).toBe(false);
    expect(phone.all(matching("ring", { state: "on", burst: 3 }), from)).toEqual([]);
    await phone.request({ cmd: "auto_answer" });
    await phone.request({ cmd: "on_hook" });
    await ev.waitFor((e): e is Extract<typeof e, { type: "port-hook" }> => e.type === "port-hook" && !e.offHook, T, cardFrom, "on-hook");
  });

  it("sees polarity reversal and an open switch interval", async () => {
    const from = phone.mark();
    s.card.fxs.setPolarity(PORT, true);
    await phone.waitFor(matching("polarity", { state: "reversed" }), T, { from });
    s.card.fxs.setBattery(PORT, false);
    await phone.waitFor(matching("battery", { state: "off" }), T, { from });
    await new Promise((r) => setTimeout(r, 300));
    s.card.fxs.setBattery(PORT, true);
    const on = await phone.waitFor(matching("battery", { state: "on" }), T, { from });
    expect(Math.abs(Number(on["prev_ms"]) - 300)).toBeLessThanOrEqual(60);
    s.card.fxs.setPolarity(PORT, false);
    const normal = await phone.waitFor(matching("polarity", { state: "normal" }), T, { from });
    expect(Number(normal["prev_ms"])).toBeGreaterThanOrEqual(300);
  });

  it("flashes the hook and dials decadic pulses, timed by the card", async () => {
    await phone.request({ cmd: "off_hook" });
    const from = ev.mark();
    await ev.waitFor(isEvent("port-hook", PORT), T, from, "off-hook");
    const flashFrom = ev.mark();
    await phone.request({ cmd: "flash" }); // ETSI register recall: 100 ms timed break
    const flash = await ev.waitFor(isEvent("port-flash", PORT), T, flashFrom, "hook flash");
    expect(Math.abs(flash.event.durationMs - 100)).toBeLessThanOrEqual(25);

    const pulseFrom = ev.mark();
    const phoneFrom = phone.mark();
    await phone.request({ cmd: "dial", digits: "31", mode: "pulse" });
    await phone.waitFor(matching("dial_done", { mode: "pulse", digits: "31" }), T, { from: phoneFrom });
    await new Promise((r) => setTimeout(r, 50));
    const breaks = ev.all(pulseFrom).filter((e): e is Extract<typeof e, { type: "port-flash" }> => e.type === "port-flash");
    // 3 + 1 breaks of 60 ms (10 pulses/s, 60/40), each seen by the card as a short break
    expect(breaks.length).toBe(4);
    for (const b of breaks) expect(Math.abs(b.durationMs - 60)).toBeLessThanOrEqual(25);
    expect(phone.all((e) => e.ev === "pulse_digit", phoneFrom).map((e) => e["digit"])).toEqual(["3", "1"]);
    expect(s.card.portStatus(PORT).offHook).toBe(true);
  });

  it("dials DTMF that the gateway side recognises on the bearer", async () => {
    const rx = new DtmfReceiver();
    const off = pump.onBlock(PORT, (b) => rx.block(decodeAlaw(b)));
    const from = phone.mark();
    await phone.request({ cmd: "dial", digits: "123#", mode: "dtmf" });
    await phone.waitFor(matching("play_done", { what: "dtmf" }), T, { from });
    await new Promise((r) => setTimeout(r, 100)); // the last blocks still in the card's elastic store
    off();
    expect(rx.digits.join("")).toBe("123#");
  });

  it("recognises busy then congestion tone by frequency and cadence (ETSI profile)", async () => {
    const from = phone.mark();
    pump.play(PORT, toneAlaw(425, -10, [500, 500], 2.2));
    const busy = await phone.waitFor(matching("cpt", { tone: "busy" }), T, { from });
    expect(busy["freq"]).toBe(425);
    const [on, offMs] = String(busy["cadence"]).split(",").map(Number);
    expect(Math.abs(Number(on) - 500)).toBeLessThanOrEqual(45);
    expect(Number(offMs)).toBeGreaterThanOrEqual(355);
    pump.play(PORT, toneAlaw(425, -10, [250, 250], 2));
    await phone.waitFor(matching("cpt", { tone: "congestion" }), T, { from });
    await phone.waitFor(matching("cpt_end", { tone: "congestion" }), T, { from });
    expect(phone.all((e) => e.ev === "cpt" && e["tone"] !== "busy" && e["tone"] !== "congestion", from)).toEqual([]);
    await phone.request({ cmd: "on_hook" });
  });
});
