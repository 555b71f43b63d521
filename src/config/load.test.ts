import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { defineTimerTable } from "../core/timers.js";
import { q931Timers } from "../isdn/q931/timers.js";
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

  it("accepts the embedded SS7 section and checks its cross-references with line numbers", () => {
    const ok = loadConfigText(EMBEDDED_DEFAULT_YAML, "<embedded>", tables);
    expect(ok.ok && ok.config.ss7).toMatchObject({ variant: "itu", pointCode: 1, networkIndicator: "national", blockingStore: "", repeatAttempts: 1 });
    const text = `card:
  driver: sim
  profile: p
  spans:
    - { span: 1, type: e1, framing: crc4, lineCode: hdb3, clock: master, signalling: [16] }
sip:
  listen: [{ transport: udp, address: 127.0.0.1, port: 5060 }]
ss7:
  variant: itu
  pointCode: 0-0-1
  linksets:
    - name: a
      adjacentPointCode: 8-0-0
      links: [{ span: 1, timeslot: 15, slc: 0 }, { span: 2, timeslot: 16, slc: 0 }]
    - name: a
      adjacentPointCode: 1
      links: [{ span: 1, timeslot: 16, slc: 1 }]
  routes:
    - { destination: 77, linksets: [b] }
  trunks:
    - name: t
      pointCode: 99
      span: 1
      continuityCheck: true
      circuits:
        - { cics: 1-15, timeslots: 1-14 }
        - { cics: 20-21, timeslots: 16-17 }
        - { cics: 5000, timeslots: 18 }
    - name: u
      pointCode: 77
      span: 1
      circuits: [{ cics: 9-8, timeslots: 1 }, { cics: 1, timeslots: 19 }, { cics: 2, timeslots: 19 }]
`;
    const r = loadConfigText(text, "s.yaml", tables);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems.map(formatProblem)).toEqual([
        's.yaml:13: ss7.linksets[0].adjacentPointCode: "8-0-0" is not an ITU point code (0..16383 or zone-area-point 0-7/0-255/0-7)',
        "s.yaml:14: ss7.linksets[0].links[0].timeslot: timeslot 15 is not a signalling timeslot of span 1 (card.spans signalling: [16])",
        "s.yaml:14: ss7.linksets[0].links[1].slc: SLC 0 is used twice in linkset a (Q.704 §2.2.4)",
        "s.yaml:14: ss7.linksets[0].links[1].span: span 2 is not configured in card.spans",
        "s.yaml:15: ss7.linksets[1].name: linkset a is configured twice",
        "s.yaml:16: ss7.linksets[1].adjacentPointCode: is our own point code (ss7.pointCode)",
        "s.yaml:19: ss7.routes[0].linksets[0]: no linkset named b",
        "s.yaml:22: ss7.trunks[0].pointCode: point code 99 is neither the adjacent point of a linkset nor the destination of a route",
        "s.yaml:24: ss7.trunks[0].continuityCheck: needs a continuity check transceiver (Q.724 §7) on the trunk's timeslots; this gateway has none, so it must be false",
        "s.yaml:26: ss7.trunks[0].circuits[0]: 15 CICs on 14 timeslots: each CIC needs exactly one timeslot",
        "s.yaml:27: ss7.trunks[0].circuits[1].timeslots: timeslot 16 of span 1 carries signalling, not a circuit",
        "s.yaml:28: ss7.trunks[0].circuits[2].cics: CIC 5000 is above 4095 (Q.763 §1.2: 12 bits)",
        's.yaml:32: ss7.trunks[1].circuits[0].cics: "9-8" is not a range A-B with A <= B',
        "s.yaml:32: ss7.trunks[1].circuits[2].timeslots: span 1 timeslot 19 is already trunk u",
      ]);
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

describe("routing with PRI/QSIG trunks", () => {
  it("refuses an inter-digit time that is not below Q.931 T302 (RFC 4497 §8.2.2.1, Q.931 §5.2.4)", () => {
    const text = EMBEDDED_DEFAULT_YAML.replace('countryCode: "1"', 'countryCode: "1"\n  interDigitSeconds: 20');
    const r = loadConfigText(text, "gw.yaml", [...tables, q931Timers]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => `${p.keyPath}: ${p.message}`)).toEqual(["routing.interDigitSeconds: 20 s is not below Q.931 T302 (15000 ms): overlap calls from a PBX would be cleared with cause 28 before their number is complete"]);
    const longer = loadConfigText(text.replace("timers: {}", "timers:\n  q931: { T302: 25000 }"), "gw.yaml", [...tables, q931Timers]);
    expect(longer.ok).toBe(true);
  });
});
