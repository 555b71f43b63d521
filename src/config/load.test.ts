import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { defineTimerTable } from "../core/timers.js";
import { EMBEDDED_DEFAULT_YAML } from "./embedded-default.js";
import { formatProblem, loadConfigText } from "./load.js";

const isup = defineTimerTable("isup", {
  T7: { defaultMs: 25_000, minMs: 20_000, maxMs: 30_000, description: "awaiting ACM/CON", clause: "Q.764 §2.1.4.7" },
});
const tables = [isup];
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("configuration", () => {
  it("accepts the embedded default and fills in defaults", () => {
    const r = loadConfigText(EMBEDDED_DEFAULT_YAML, "<embedded>", tables);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.config.card.driver).toBe("sim");
      expect(r.config.control.socket).toBe("");
      expect(r.config.sip.maxMessageBytes).toBe(65_535);
    }
  });

  it("names the file, line and key path of a wrong type", () => {
    const r = loadConfigText(fixture("wrong-type.yaml"), "wrong-type.yaml", tables);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map(formatProblem)).toEqual(['wrong-type.yaml:8: sip.listen[0].port: expected number, got string "five thousand"']);
  });

  it("names an unknown key with its line", () => {
    const r = loadConfigText(fixture("unknown-key.yaml"), "unknown-key.yaml", tables);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map(formatProblem)).toEqual(["unknown-key.yaml:10: card.spans[0].signaling: unknown key"]);
  });

  it("names a timer outside its range with the range and clause", () => {
    const r = loadConfigText(fixture("timer-out-of-range.yaml"), "t.yaml", tables);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toHaveLength(1);
      expect(formatProblem(r.problems[0]!)).toBe("t.yaml:9: timers.isup.T7: 45000 ms is outside the allowed range 20000..30000 ms (awaiting ACM/CON, Q.764 §2.1.4.7)");
    }
  });

  it("reports YAML syntax errors with their line", () => {
    const r = loadConfigText("card:\n  driver: sim\n   profile: [unclosed\n", "s.yaml", tables);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]!.line).toBeGreaterThanOrEqual(2);
  });

  it("checks cross-field rules: framing and line code per span type, TLS material, duplicate spans", () => {
    const text = `card:
  driver: library
  profile: p
  spans:
    - { span: 1, type: t1, framing: crc4, lineCode: hdb3, clock: master, signalling: [30] }
    - { span: 1, type: e1, framing: crc4, lineCode: hdb3, clock: recovered }
sip:
  listen:
    - { transport: tls, address: "::1", port: 5061 }
timers:
  mtp9: { X: 1 }
`;
    const r = loadConfigText(text, "x.yaml", tables);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      const lines = r.problems.map(formatProblem);
      expect(lines).toContain("x.yaml:2: card.library: is required when card.driver is `library`");
      expect(lines.some((l) => l.includes("card.spans[0].framing: crc4 is not a T1 framing"))).toBe(true);
      expect(lines.some((l) => l.includes("card.spans[0].lineCode: hdb3 is not a T1 line code"))).toBe(true);
      expect(lines.some((l) => l.includes("card.spans[0].signalling[0]: timeslot 30 does not exist on T1"))).toBe(true);
      expect(lines.some((l) => l.includes("card.spans[1].span: span 1 is configured twice"))).toBe(true);
      expect(lines.some((l) => l.includes("sip.listen[0]: a TLS listener needs certificate and privateKey"))).toBe(true);
      expect(lines.some((l) => l.includes("timers.mtp9: unknown timer layer"))).toBe(true);
    }
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const r = loadConfigText(text, "f.yaml", tables);
        expect(typeof r.ok).toBe("boolean");
      }),
      { numRuns: 300 },
    );
  });
});
