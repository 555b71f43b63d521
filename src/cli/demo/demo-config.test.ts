import { describe, expect, it } from "vitest";
import { loadConfigText } from "../../config/load.js";
import { EMBEDDED_DEFAULT_YAML } from "../../config/embedded-default.js";
import { loadConfig } from "../config-file.js";
import { TIMER_TABLES } from "../timer-tables.js";
import { demoConfig, demoTarget, echoRuleProblem, pbxTarget, ruleFor, ruleProblem } from "./demo-config.js";

function embedded(): ReturnType<typeof loadConfig> & { ok: true } {
  const r = loadConfig(undefined);
  if (!r.ok) throw new Error("the embedded default does not load");
  return r;
}

describe("the demo's configuration", () => {
  it("finds the switch, its trunk and the CICs it can call on in the embedded default", () => {
    const t = demoTarget(embedded().config);
    expect(t.ok).toBe(true);
    if (!t.ok) return;
    expect(t.target.farend.name).toBe("pstn-switch");
    expect(t.target.trunk).toBe("pstn");
    expect(t.target.variant).toBe("itu");
    expect(t.target.pstnCics).toEqual([...Array.from({ length: 15 }, (_, i) => i + 1), ...Array.from({ length: 15 }, (_, i) => i + 17)]);
  });

  it("moves sockets, the run directory and the blocking store into its directory, SIP to ephemeral ports and the trunk to the telephone", () => {
    const base = embedded().config;
    const c = demoConfig(base, "/tmp/demo-x", { host: "127.0.0.1", port: 40000 });
    expect(c.control.socket).toBe("/tmp/demo-x/control.sock");
    expect(c.card.runDir).toBe("/tmp/demo-x/card");
    expect(c.ss7?.blockingStore).toBe("/tmp/demo-x/blocking.json");
    expect(c.sip.listen.map((l) => [l.transport, l.address, l.port])).toEqual([
      ["udp", "127.0.0.1", 0],
      ["tcp", "127.0.0.1", 0],
    ]);
    expect(c.routing?.sipTrunks.map((t) => t.peers)).toEqual([[{ host: "127.0.0.1", port: 40000, transport: "udp" }]]);
    // The rest is the configuration as given.
    expect(c.farends).toEqual(base.farends);
    expect(c.routing?.routes).toEqual(base.routing?.routes);
    expect(base.sip.listen[0]?.port).toBe(5060);
    // T316 at the shortest Q.931's timer table allows, unless the configuration sets it.
    expect(c.timers).toEqual({ q931: { T316: 30_000 } });
    expect(demoConfig({ ...base, timers: { q931: { T316: 60_000, T303: 5000 } } }, "/tmp/demo-x", { host: "127.0.0.1", port: 40000 }).timers).toEqual({ q931: { T316: 60_000, T303: 5000 } });
    expect(demoConfig({ ...base, isdn: undefined }, "/tmp/demo-x", { host: "127.0.0.1", port: 40000 }).timers).toEqual({});
  });

  it("checks the switch's rules give each call model what it shows", () => {
    const farend = embedded().config.farends[0]!;
    expect(ruleProblem(farend, "answered")).toBeUndefined();
    expect(ruleProblem(farend, "busy")).toBeUndefined();
    expect(ruleProblem(farend, "ringing")).toBeUndefined();
    expect(ruleFor(farend, "7770000")).toEqual({ action: "answer" });
    const changed = { ...farend, rules: [{ prefix: "5551", action: "answer" as const, after_ms: 100 }, { prefix: "559", action: "release" as const, cause: 34 }] };
    expect(ruleProblem(changed, "answered")).toMatch(/not an answer with echo/);
    expect(ruleProblem(changed, "busy")).toMatch(/not a release with cause 17/);
    expect(ruleProblem(changed, "ringing")).toMatch(/not ringing/);
    expect(ruleProblem({ ...farend, rules: [{ prefix: "5590", action: "busy" as const }] }, "busy")).toBeUndefined();
  });

  it("finds the PBX, the QSIG trunk facing it and its B-channels in the embedded default", () => {
    const cfg = embedded().config;
    const p = pbxTarget(cfg);
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect([p.target.farend.name, p.target.trunk]).toEqual(["pbx", "pbx"]);
    expect(p.target.channels).toEqual([...Array.from({ length: 15 }, (_, i) => i + 1), ...Array.from({ length: 15 }, (_, i) => i + 17)]);
    expect(echoRuleProblem(p.target.farend, "7001")).toBeUndefined();
    expect(echoRuleProblem({ ...p.target.farend, rules: [{ prefix: "7", action: "ring" as const }] }, "7001")).toMatch(/the PBX's rule for 7001 is .*not an answer with echo/);
    const t = demoTarget(cfg);
    expect(t.ok && t.target.pbx.ok).toBe(true);
  });

  it("says why the PBX models cannot run on a configuration without a usable PBX", () => {
    const cfg = embedded().config;
    const reason = (c: typeof cfg): string => {
      const p = pbxTarget(c);
      return p.ok ? "" : p.reason;
    };
    expect(reason({ ...cfg, farends: cfg.farends.filter((f) => f.kind !== "pbx") })).toMatch(/no farends entry of kind pbx/);
    expect(reason({ ...cfg, isdn: undefined })).toMatch(/no isdn section/);
    const isdn = cfg.isdn!;
    const trunk0 = isdn.trunks[0]!;
    expect(reason({ ...cfg, farends: cfg.farends.map((f) => (f.kind === "pbx" ? { ...f, timeslot: 15 } : f)) })).toMatch(/no isdn trunk with its D-channel on span 2 timeslot 15, where far end pbx is/);
    expect(reason({ ...cfg, isdn: { ...isdn, trunks: [{ ...trunk0, side: "user" as const }] } })).toMatch(/both the user side/);
    expect(reason({ ...cfg, isdn: { ...isdn, trunks: [{ ...trunk0, mode: "q931" as const }] } })).toMatch(/q931 mode/);
  });

  it("says what a configuration lacks", () => {
    const noFarend = EMBEDDED_DEFAULT_YAML.replace(/\nfarends:[\s\S]*?\n(?=media:)/, "\n");
    const r = loadConfigText(noFarend, "x.yaml", TIMER_TABLES);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const t = demoTarget(r.config);
    expect(t.ok).toBe(false);
    if (t.ok) return;
    expect(t.problems.join("\n")).toMatch(/no farends entry of kind ss7/);
    const noRouting = demoTarget({ ...embedded().config, routing: undefined, card: { ...embedded().config.card, driver: "library" as never } });
    expect(noRouting.ok ? [] : noRouting.problems).toEqual([
      "card.driver must be sim: the demo's far end is the simulated PSTN switch on the simulated card",
      "no routing section with a SIP trunk: calls would not be routed between ISUP and SIP",
    ]);
  });
});
