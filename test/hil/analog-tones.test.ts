/**
 * Call progress tones of each country profile end to end: the CO line
 * (sipt-farend-coline) on FXO port 2 generates the profile's dial, ringing,
 * busy and congestion tones; the test, in the gateway's place, cross-connects
 * port 2's received bearer to FXS port 1; the telephone (sipt-farend-phone)
 * on port 1 recognises each tone by its frequencies and cadence and reports
 * the cadence it measured. Profiles: etsi (425 Hz; ITU-T E.180 / ETSI
 * TR 101 041-1), us (GR-506-CORE precise tones), uk (BT SIN 350: 400+450 Hz
 * double ring, busy 0.375/0.375 s told from congestion 0.4/0.35/0.225/0.525 s).
 */
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { openSimCard, type SimCard } from "../../drivers/card/sim-harness.js";
import {
  FarendProcess,
  colineArgs,
  ensureFarendBuilt,
  farendBinary,
  matching,
  phoneArgs,
  type AnalogProfile,
} from "../../hardware/farend/farend-process.js";
import { BearerPump } from "./analog-support.js";

function prerequisite(): string | undefined {
  const bins = [farendBinary("phone"), farendBinary("coline")];
  if (!bins.every((b) => existsSync(b))) {
    const r = ensureFarendBuilt();
    if (!r.ok) return r.reason;
  }
  const absent = bins.filter((b) => !existsSync(b));
  return absent.length ? `${absent.join(", ")} not built` : undefined;
}

const missing = prerequisite();
if (missing !== undefined) console.warn(`[test/hil] call progress tones across the card skipped: ${missing}`);
const skip = missing !== undefined && !process.env["CI"];

interface Expected {
  readonly tone: "dial" | "ringback" | "busy" | "congestion";
  readonly freq: number;
  readonly freq2?: number;
  /** Nominal cadence; the last value is an off period still running when recognised (a lower bound). */
  readonly cadence?: readonly number[];
}

const PLANS: Readonly<Record<AnalogProfile, readonly Expected[]>> = {
  etsi: [
    { tone: "dial", freq: 425 },
    { tone: "busy", freq: 425, cadence: [500, 500] },
    { tone: "congestion", freq: 425, cadence: [250, 250] },
    { tone: "ringback", freq: 425, cadence: [1000, 4000] },
  ],
  us: [
    { tone: "dial", freq: 350, freq2: 440 },
    { tone: "busy", freq: 480, freq2: 620, cadence: [500, 500] },
    { tone: "congestion", freq: 480, freq2: 620, cadence: [250, 250] },
    { tone: "ringback", freq: 440, freq2: 480, cadence: [2000, 4000] },
  ],
  uk: [
    { tone: "dial", freq: 350, freq2: 440 },
    { tone: "busy", freq: 400, cadence: [375, 375, 375, 375] },
    { tone: "congestion", freq: 400, cadence: [400, 350, 225, 525] },
    { tone: "ringback", freq: 400, freq2: 450, cadence: [400, 200, 400, 2000] },
  ],
};

describe.skipIf(skip)("call progress tones per country profile, CO line to telephone across the card", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function rig(profile: AnalogProfile): Promise<{ s: SimCard; phone: FarendProcess; co: FarendProcess }> {
    if (missing !== undefined) throw new Error(`analog far ends unavailable: ${missing}`);
    const s = await openSimCard({ ports: "FXS,FXO", mode: "realtime" });
    cleanup.push(() => s.dispose());
    const pump = new BearerPump(s.card);
    pump.connect(2, 1);
    pump.start();
    cleanup.push(() => pump.stop());
    const phone = FarendProcess.spawn("phone", phoneArgs({ line: `${s.rundir}/port1.line`, profile }), `phone-${profile}`);
    cleanup.push(() => phone.dispose());
    const co = FarendProcess.spawn("coline", colineArgs({ line: `${s.rundir}/port2.line`, profile }), `coline-${profile}`);
    cleanup.push(() => co.dispose());
    await phone.waitFor(matching("battery", { state: "on" }), 5_000, { what: "phone connected" });
    await co.waitFor(matching("sock", { state: "connected" }), 5_000, { what: "CO line connected" });
    await phone.request({ cmd: "off_hook" });
    return { s, phone, co };
  }

  for (const profile of ["etsi", "us", "uk"] as const) {
    it(`${profile}: the telephone recognises each tone the CO line plays`, async () => {
      const { phone, co } = await rig(profile);
      const seen: string[] = [];
      for (const want of PLANS[profile]) {
        const from = phone.mark();
        await co.request({ cmd: "cpt", tone: want.tone });
        const got = await phone.waitFor((e) => e.ev === "cpt", 7_000, { from, what: `${want.tone} tone` });
        seen.push(`${String(got["tone"])} ${String(got["cadence"] ?? `on ${String(got["on_ms"])}`)}`);
        expect(got).toMatchObject({ tone: want.tone, freq: want.freq });
        expect(got["freq2"]).toBe(want.freq2);
        if (want.cadence) {
          const measured = String(got["cadence"]).split(",").map(Number);
          expect(measured).toHaveLength(want.cadence.length);
          // either phase of a two-burst cadence may be seen first
          const rotations = want.cadence.length === 4 ? [want.cadence, [...want.cadence.slice(2), ...want.cadence.slice(0, 2)]] : [want.cadence];
          const fits = rotations.some((c) =>
            measured.every((m, i) => {
              const n = c[i] ?? 0;
              return i === measured.length - 1 ? m >= n * 0.8 - 45 : Math.abs(m - n) <= n * 0.2 + 45;
            }),
          );
          expect({ measured, fits }).toEqual({ measured, fits: true });
        }
        await co.request({ cmd: "stop" });
        // the end is known once the longest silence of the cadence has passed; the last tone's is not awaited
        if (want !== PLANS[profile].at(-1)) {
          await phone.waitFor(matching("cpt_end", { tone: want.tone }), 7_000, { from, what: `end of ${want.tone} tone` });
        }
      }
      console.log(`${profile}: ${seen.join("; ")}`);
      // nothing recognised that was not played
      expect(phone.all((e) => e.ev === "cpt").map((e) => e["tone"])).toEqual(PLANS[profile].map((p) => p.tone));
    }, 14_000);
  }
});
