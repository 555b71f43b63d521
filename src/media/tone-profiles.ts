/**
 * Call progress tones per country: dial, ringback, busy, congestion and the special information
 * tone (SIT). Frequencies and cadences from ITU-T E.180 Supplement 2 ("Various tones used in
 * national networks") and, for North America, the Precise Tone Plan (ANSI T1.401, Telcordia
 * GR-506). The SIT is ITU-T Q.35 / E.180's 950, 1400 and 1800 Hz, 330 ms each, then 1 s silence.
 *
 * Levels are send levels in dBm0 per frequency. The North American ones are those of the
 * Precise Tone Plan; the others are the customary -13 dBm0 (single 425/440 Hz tones) used where
 * E.180 Supplement 2 leaves the level to the operator. A gateway may override any profile from
 * configuration; {@link validateToneSpec} checks what the engine accepts.
 */
import type { ToneName, ToneSpec, ToneStep } from "./types.js";

export interface ToneProfile {
  /** ISO 3166-1 alpha-2 code in lower case, or "itu" for the E.180 recommended tones. */
  readonly country: string;
  readonly source: string;
  readonly tones: Readonly<Record<ToneName, ToneSpec>>;
}

const steady = (f1Hz: number, levelDbm0: number, f2Hz?: number): ToneSpec => ({
  steps: [{ f1Hz, levelDbm0, onMs: 0, offMs: 0, ...(f2Hz !== undefined ? { f2Hz } : {}) }],
  repeat: true,
});

const cadence = (f1Hz: number, levelDbm0: number, onOff: readonly (readonly [number, number])[], f2Hz?: number): ToneSpec => ({
  steps: onOff.map(([onMs, offMs]): ToneStep => ({ f1Hz, levelDbm0, onMs, offMs, ...(f2Hz !== undefined ? { f2Hz } : {}) })),
  repeat: true,
});

/** ITU-T Q.35 special information tone. */
const sit = (levelDbm0: number): ToneSpec => ({
  steps: [
    { f1Hz: 950, levelDbm0, onMs: 330, offMs: 0 },
    { f1Hz: 1400, levelDbm0, onMs: 330, offMs: 0 },
    { f1Hz: 1800, levelDbm0, onMs: 330, offMs: 1000 },
  ],
  repeat: true,
});

export const TONE_PROFILES: Readonly<Record<string, ToneProfile>> = {
  itu: {
    country: "itu",
    source: "ITU-T E.180 §2 recommended tones (425 Hz); SIT per Q.35",
    tones: {
      dial: steady(425, -13),
      ringback: cadence(425, -13, [[1000, 4000]]),
      busy: cadence(425, -13, [[500, 500]]),
      congestion: cadence(425, -13, [[250, 250]]),
      sit: sit(-24),
    },
  },
  us: {
    country: "us",
    source: "Precise Tone Plan (ANSI T1.401, Telcordia GR-506); E.180 Suppl. 2 United States",
    tones: {
      dial: steady(350, -13, 440),
      ringback: cadence(440, -19, [[2000, 4000]], 480),
      busy: cadence(480, -24, [[500, 500]], 620),
      congestion: cadence(480, -24, [[250, 250]], 620),
      sit: sit(-24),
    },
  },
  gb: {
    country: "gb",
    source: "E.180 Suppl. 2 United Kingdom (BT SIN 350)",
    tones: {
      dial: steady(350, -13, 440),
      ringback: cadence(400, -13, [[400, 200], [400, 2000]], 450),
      busy: cadence(400, -13, [[375, 375]]),
      congestion: cadence(400, -13, [[400, 350], [225, 525]]),
      sit: sit(-24),
    },
  },
  de: {
    country: "de",
    source: "E.180 Suppl. 2 Germany (1 TR 110)",
    tones: {
      dial: steady(425, -13),
      ringback: cadence(425, -13, [[1000, 4000]]),
      busy: cadence(425, -13, [[480, 480]]),
      congestion: cadence(425, -13, [[240, 240]]),
      sit: sit(-24),
    },
  },
  fr: {
    country: "fr",
    source: "E.180 Suppl. 2 France",
    tones: {
      dial: steady(440, -13),
      ringback: cadence(440, -13, [[1500, 3500]]),
      busy: cadence(440, -13, [[500, 500]]),
      congestion: cadence(440, -13, [[250, 250]]),
      sit: sit(-24),
    },
  },
  it: {
    country: "it",
    source: "E.180 Suppl. 2 Italy",
    tones: {
      dial: cadence(425, -13, [[200, 200], [600, 1000]]),
      ringback: cadence(425, -13, [[1000, 4000]]),
      busy: cadence(425, -13, [[500, 500]]),
      congestion: cadence(425, -13, [[200, 200]]),
      sit: sit(-24),
    },
  },
  es: {
    country: "es",
    source: "E.180 Suppl. 2 Spain",
    tones: {
      dial: steady(425, -13),
      ringback: cadence(425, -13, [[1500, 3000]]),
      busy: cadence(425, -13, [[200, 200]]),
      congestion: cadence(425, -13, [[200, 200], [200, 200], [200, 600]]),
      sit: sit(-24),
    },
  },
  nl: {
    country: "nl",
    source: "E.180 Suppl. 2 Netherlands",
    tones: {
      dial: steady(425, -13),
      ringback: cadence(425, -13, [[1000, 4000]]),
      busy: cadence(425, -13, [[500, 500]]),
      congestion: cadence(425, -13, [[250, 250]]),
      sit: sit(-24),
    },
  },
};

/** The tone of a profile, or undefined for an unknown country. */
export function toneFor(country: string, name: ToneName): ToneSpec | undefined {
  return TONE_PROFILES[country.toLowerCase()]?.tones[name];
}

/** Why the engine would refuse a tone, or undefined when it is acceptable. */
export function validateToneSpec(tone: ToneSpec): string | undefined {
  if (tone.steps.length < 1 || tone.steps.length > 4) return `a tone has 1 to 4 steps, not ${tone.steps.length}`;
  for (const [i, s] of tone.steps.entries()) {
    const where = `step ${i + 1}`;
    if (!Number.isInteger(s.f1Hz) || s.f1Hz <= 0 || s.f1Hz >= 4000) return `${where}: f1Hz ${s.f1Hz} is not an integer in 1..3999`;
    if (s.f2Hz !== undefined && s.amHz !== undefined) return `${where}: f2Hz and amHz exclude each other`;
    if (s.f2Hz !== undefined && (!Number.isInteger(s.f2Hz) || s.f2Hz <= 0 || s.f2Hz >= 4000)) return `${where}: f2Hz ${s.f2Hz} is not an integer in 1..3999`;
    if (s.amHz !== undefined && (!Number.isInteger(s.amHz) || s.amHz <= 0 || s.amHz >= 4000)) return `${where}: amHz ${s.amHz} is not an integer in 1..3999`;
    if (s.amHz !== undefined && (s.amDepthPercent === undefined || s.amDepthPercent < 0 || s.amDepthPercent > 100)) return `${where}: amDepthPercent must be 0..100 with amHz`;
    for (const l of [s.levelDbm0, s.level2Dbm0]) {
      if (l !== undefined && (!Number.isInteger(l) || l > 3 || l < -60)) return `${where}: level ${l} dBm0 is not an integer in -60..3`;
    }
    if (!Number.isInteger(s.onMs) || !Number.isInteger(s.offMs) || s.onMs < 0 || s.offMs < 0 || s.onMs > 60000 || s.offMs > 60000) {
      return `${where}: onMs/offMs must be integers in 0..60000`;
    }
    if (s.onMs === 0 && (s.offMs !== 0 || tone.steps.length !== 1)) return `${where}: a steady tone (onMs 0) is the only step and has offMs 0`;
  }
  return undefined;
}
