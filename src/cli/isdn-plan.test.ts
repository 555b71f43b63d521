import { describe, expect, it } from "vitest";
import { loadConfigText } from "../config/load.js";
import type { GatewayConfig } from "../config/schema.js";
import { EMBEDDED_DEFAULT_YAML } from "../config/embedded-default.js";
import { isdnProblems, planIsdn } from "./isdn-plan.js";
import { TIMER_TABLES } from "./timer-tables.js";

function configText(isdn: string, extra = ""): string {
  return `card:
  driver: sim
  profile: sim-2e1-4fxs-4fxo
  spans:
    - { span: 1, type: e1, framing: crc4, lineCode: hdb3, clock: master, signalling: [16] }
    - { span: 3, type: t1, framing: esf, lineCode: b8zs, clock: recovered, signalling: [24] }
sip: { listen: [{ transport: udp, address: 127.0.0.1, port: 0 }] }
${extra}isdn:
  trunks:
${isdn}
`;
}

function load(isdn: string, extra = ""): GatewayConfig {
  const r = loadConfigText(configText(isdn, extra), "t.yaml", TIMER_TABLES);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

/** The loader runs the same checks: a configuration with these problems is refused, each problem with its key path. */
function refused(isdn: string, extra = ""): string[] {
  const r = loadConfigText(configText(isdn, extra), "t.yaml", TIMER_TABLES);
  if (r.ok) throw new Error("the configuration was accepted");
  return r.problems.map((p) => `${p.keyPath}: ${p.message}`);
}

describe("planIsdn", () => {
  it("plans the embedded default's QSIG trunk on span 2", () => {
    const r = loadConfigText(EMBEDDED_DEFAULT_YAML, "embedded", TIMER_TABLES);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(isdnProblems(r.config)).toEqual([]);
    const p = planIsdn(r.config);
    expect(p.trunks).toHaveLength(1);
    expect(p.trunks[0]).toMatchObject({ name: "pbx", span: 2, spanType: "e1", dChannel: 16, side: "network", mode: "qsig", hunting: "descending", channelSelection: "exclusive", restartAttempts: 2, q921: { n200: 3, n201: 260, k: 7 } });
    expect(p.trunks[0]?.bChannels).toEqual([...Array.from({ length: 15 }, (_, i) => i + 1), ...Array.from({ length: 15 }, (_, i) => i + 17)]);
  });

  it("defaults the hunting order by side and keeps explicit values", () => {
    const c = load(`    - { name: a, span: 1, dChannel: 16, side: user, bChannels: [3, "1-2"] }
    - { name: b, span: 3, dChannel: 24, side: network, mode: q931, bChannels: [1-23], hunting: ascending, channelSelection: preferred, n200: 5, k: 2 }`);
    const p = planIsdn(c);
    expect(p.trunks.map((t) => [t.name, t.hunting, t.bChannels.length, t.spanType, t.mode])).toEqual([
      ["a", "ascending", 3, "e1", "qsig"],
      ["b", "ascending", 23, "t1", "q931"],
    ]);
    expect(p.trunks[0]?.bChannels).toEqual([1, 2, 3]);
    expect(p.trunks[1]).toMatchObject({ channelSelection: "preferred", q921: { n200: 5, k: 2 } });
  });

  it("reports every inconsistent cross-reference with its key path", () => {
    const problems = refused(
      `    - { name: pstn, span: 1, dChannel: 15, side: user, bChannels: [1-5, 16, "9-7", 4] }
    - { name: t1, span: 3, dChannel: 24, side: user, bChannels: [20-25] }
    - { name: t1, span: 4, dChannel: 16, side: user, bChannels: [1] }
    - { name: clash, span: 1, dChannel: 16, side: network, bChannels: [20] }`,
      `ss7:
  variant: itu
  pointCode: 1
  linksets: [{ name: l, adjacentPointCode: 2, links: [{ span: 1, timeslot: 16, slc: 0 }] }]
  trunks: [{ name: pstn, pointCode: 2, span: 1, circuits: [{ cics: 17-20, timeslots: 17-20 }] }]
`,
    );
    expect(problems).toEqual([
      "isdn.trunks[0].name: trunk name pstn is already in use",
      "isdn.trunks[0].dChannel: timeslot 15 is not a signalling timeslot of span 1 (card.spans signalling: [16])",
      "isdn.trunks[0].bChannels[1]: timeslot 16 of span 1 carries signalling, not a B-channel",
      'isdn.trunks[0].bChannels[2]: "9-7" is not a number or a range A-B with A <= B',
      "isdn.trunks[0].bChannels[3]: B-channel 4 is listed twice",
      "isdn.trunks[1].bChannels[0]: timeslot 24 of span 3 carries signalling, not a B-channel",
      "isdn.trunks[2].name: trunk name t1 is already in use",
      "isdn.trunks[2].span: span 4 is not configured in card.spans",
      "isdn.trunks[3].dChannel: span 1 timeslot 16 already carries signalling link SLC 0 of linkset l",
      "isdn.trunks[3].bChannels[0]: span 1 timeslot 20 is already a circuit of ISUP trunk pstn",
    ]);
  });

  it("refuses B-channels beyond the span and timeslots used twice", () => {
    const problems = refused(`    - { name: a, span: 3, dChannel: 24, side: user, bChannels: [1-10] }
    - { name: b, span: 3, dChannel: 24, side: user, bChannels: [10, 30] }`);
    expect(problems).toEqual([
      "isdn.trunks[1].dChannel: span 3 timeslot 24 already carries the D-channel of ISDN trunk a",
      "isdn.trunks[1].bChannels[0]: span 3 timeslot 10 is already a B-channel of ISDN trunk a",
      "isdn.trunks[1].bChannels[1]: B-channel 30 does not exist on T1 (1..24)",
    ]);
  });

  it("needs an isdn section", () => {
    // The embedded default without its isdn section, and without the routes to and from its PBX trunk.
    const text = EMBEDDED_DEFAULT_YAML.replace(/^isdn:[\s\S]*?(?=^sip:)/m, "").replace(/^\s+- \{ name: (pbx-to-sip|sip-to-pbx),.*\n/gm, "");
    const r = loadConfigText(text, "e", TIMER_TABLES);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(isdnProblems(r.config)).toEqual([]);
    expect(() => planIsdn(r.config)).toThrow("the isdn component needs an isdn configuration section");
  });
});
