/**
 * Alarm delivery latency: a line alarm injected into the simulated card
 * (G.775 LOS, AIS, RAI) reaches a listener of the koffi binding within
 * 100 ms -- measured 30 times while the bearer runs in real time, so the
 * event path competes with the 50 Hz tick as it does in the gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Alarm, CardEvent } from "../../drivers/api/card.js";
import { openSimCard, type SimCard } from "../../drivers/card/sim-harness.js";

describe("alarm delivery latency through the binding", () => {
  let s: SimCard;
  let running = true;
  let ticking: Promise<void>;

  beforeAll(async () => {
    s = await openSimCard({ profile: "sim-2e1-4fxs-4fxo.json", mode: "realtime" });
    s.card.configureSpan(1, {
      framing: "E1-CRC4",
      lineCode: "HDB3",
      clock: "recovered",
      clockPriority: 1,
      companding: "alaw",
      bearerTimeslots: [1, 2, 3, 4, 5],
      signallingTimeslots: [16],
    });
    const layout = s.card.bearer.layout();
    const tx = new Uint8Array(layout.bufferBytes);
    const rx = new Uint8Array(layout.bufferBytes);
    ticking = (async () => {
      while (running) await s.card.bearer.exchange(tx, rx);
    })();
  });
  afterAll(async () => {
    running = false;
    await ticking;
    await s?.dispose();
  });

  it("delivers each alarm raise and clear in under 100 ms", async () => {
    const latencies: number[] = [];
    const alarms: Alarm[] = ["LOS", "AIS", "RAI"];
    for (let i = 0; i < 30; i++) {
      const alarm = alarms[i % alarms.length] ?? "LOS";
      for (const on of [true, false]) {
        const t0 = performance.now();
        const got = new Promise<CardEvent | undefined>((resolve) => {
          const timer = setTimeout(() => {
            off();
            resolve(undefined);
          }, 1000);
          const off = s.card.onEvent((e) => {
            if (e.type === "span-alarm" && e.span === 1 && e.changed.includes(alarm)) {
              clearTimeout(timer);
              off();
              resolve(e);
            }
          });
        });
        s.sim.setAlarm(1, alarm, on);
        const ev = await got;
        latencies.push(performance.now() - t0);
        expect(ev?.type === "span-alarm" && ev.alarms.includes(alarm)).toBe(on);
      }
    }
    latencies.sort((x, y) => x - y);
    const median = latencies[Math.floor(latencies.length / 2)] ?? 0;
    const max = latencies[latencies.length - 1] ?? 0;
    console.log(`alarm latency over ${latencies.length} events: median ${median.toFixed(2)} ms, max ${max.toFixed(2)} ms`);
    expect(max).toBeLessThan(100);
  });
});
