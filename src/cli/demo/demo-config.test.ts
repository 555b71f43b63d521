import { describe, expect, it } from "vitest";
import { loadConfigText } from "../../config/load.js";
import { EMBEDDED_DEFAULT_YAML } from "../../config/embedded-default.js";
import { loadConfig } from "../config-file.js";
import { TIMER_TABLES } from "../timer-tables.js";
import { demoConfig, demoTarget, ruleFor, ruleProblem } from "./demo-config.js";

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
