import { describe, expect, it } from "vitest";
import { TONE_PROFILES, toneFor, validateToneSpec } from "./tone-profiles.js";
import type { ToneName } from "./types.js";

const NAMES: ToneName[] = ["dial", "ringback", "busy", "congestion", "sit"];

describe("tone profiles", () => {
  it("gives every tone of every profile in a form the engine accepts", () => {
    for (const [country, profile] of Object.entries(TONE_PROFILES)) {
      expect(profile.country).toBe(country);
      for (const name of NAMES) expect(validateToneSpec(profile.tones[name]), `${country} ${name}`).toBeUndefined();
    }
  });

  it("has the Precise Tone Plan frequencies for the US and E.180's 425 Hz for ITU", () => {
    expect(toneFor("US", "dial")?.steps[0]).toMatchObject({ f1Hz: 350, f2Hz: 440, onMs: 0 });
    expect(toneFor("us", "busy")?.steps[0]).toMatchObject({ f1Hz: 480, f2Hz: 620, onMs: 500, offMs: 500 });
    expect(toneFor("itu", "ringback")?.steps[0]).toMatchObject({ f1Hz: 425, onMs: 1000, offMs: 4000 });
    expect(toneFor("de", "sit")?.steps.map((s) => s.f1Hz)).toEqual([950, 1400, 1800]);
    expect(toneFor("xx", "dial")).toBeUndefined();
  });

  it("refuses tones the engine cannot play", () => {
    expect(validateToneSpec({ steps: [], repeat: false })).toMatch(/1 to 4 steps/);
    expect(validateToneSpec({ steps: [{ f1Hz: 4000, levelDbm0: -10, onMs: 100, offMs: 0 }], repeat: false })).toMatch(/f1Hz/);
    expect(validateToneSpec({ steps: [{ f1Hz: 400, levelDbm0: -10, onMs: 0, offMs: 100 }], repeat: true })).toMatch(/steady/);
    expect(validateToneSpec({ steps: [{ f1Hz: 400, amHz: 25, levelDbm0: -10, onMs: 100, offMs: 0 }], repeat: true })).toMatch(/amDepthPercent/);
    expect(validateToneSpec({ steps: [{ f1Hz: 400, levelDbm0: 10, onMs: 100, offMs: 0 }], repeat: true })).toMatch(/level/);
  });
});
