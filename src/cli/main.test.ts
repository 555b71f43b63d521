import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EMBEDDED_DEFAULT_YAML } from "../config/embedded-default.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "./main.js";

const fixture = (name: string) => fileURLToPath(new URL(`../config/fixtures/${name}`, import.meta.url));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

describe("sipt-gw command", () => {
  it("config check exits 2 naming the key path and line of a wrong type", async () => {
    const r = await run(["config", "check", fixture("wrong-type.yaml")]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/wrong-type\.yaml:8: sip\.listen\[0\]\.port: expected number/);
  });

  it("config check exits 2 on an unknown key", async () => {
    const r = await run(["config", "check", fixture("unknown-key.yaml")]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown-key\.yaml:10: card\.spans\[0\]\.signaling: unknown key/);
  });

  it("config check exits 2 on a timer outside its range, using the real ISUP timer table", async () => {
    const r = await run(["config", "check", fixture("timer-out-of-range.yaml")]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/timer-out-of-range\.yaml:9: timers\.isup\.T7: 45000 ms is outside the allowed range 20000\.\.30000 ms/);
  });

  it("config check exits 2 on a file that cannot be read", async () => {
    const r = await run(["config", "check", "/nonexistent/sipt-gw.yaml"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("cannot read the file (ENOENT)");
  });

  it("config show prints the effective configuration with every timer", async () => {
    const r = await run(["config", "show", "--json"]);
    expect(r.code).toBe(0);
    const cfg = JSON.parse(r.out) as { card: { driver: string }; timers: Record<string, Record<string, number>> };
    expect(cfg.card.driver).toBe("sim");
    expect(cfg.timers["isup"]?.["T7"]).toBe(25_000);
    expect(cfg.timers["sip"]?.["T1"]).toBe(500);
    expect(cfg.timers["q931"]?.["T303"]).toBe(4_000);
  });

  it("usage errors exit 2, help and version exit 0", async () => {
    expect((await run(["no-such-command"])).code).toBe(2);
    expect((await run(["config", "check"])).code).toBe(2);
    expect((await run(["start", "--log-level", "loud"])).code).toBe(2);
    const help = await run(["config", "check", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("Usage: sipt-gw config check");
    const v = await run(["version", "--json"]);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out)).toMatchObject({ name: "sipt-gw" });
  });

  it("every subcommand has --help", async () => {
    for (const args of [["start"], ["status"], ["config"], ["config", "show"], ["version"]]) {
      const r = await run([...args, "--help"]);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.out).toContain("Usage: sipt-gw");
    }
  });

  it("start serves status on its control socket until SIGTERM; a bad configuration exits 2 before starting", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sipt-start-"));
    const socket = join(dir, "control.sock");
    const cfg = join(dir, "gw.yaml");
    // The embedded default as it is, but on ephemeral SIP ports (tests never take a fixed port).
    writeFileSync(cfg, EMBEDDED_DEFAULT_YAML.replace("timers: {}", `timers: {}\ncontrol:\n  socket: ${socket}`).replaceAll("port: 5060", "port: 0"));
    try {
      const running = main(["start", "--config", cfg, "--log-level", "fatal", "--log-format", "json"]);
      let status: { code: number; out: string; err: string } | undefined;
      for (let i = 0; i < 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        // The control socket comes up first; the card follows once it is open.
        if (existsSync(socket)) {
          status = await run(["status", "--config", cfg, "--json"]);
          const comps = (JSON.parse(status.out || "{}") as { components?: { name: string; state: string }[] }).components ?? [];
          if (comps.length > 0 && comps.every((c) => c.state === "running")) break;
        }
      }
      expect(status?.code).toBe(0);
      const st = JSON.parse(status!.out) as { configSource: string; components: { name: string; state: string; detail: string }[] };
      expect(st.configSource).toBe(cfg);
      expect(st.components).toContainEqual({ name: "management", state: "running", detail: socket });
      const card = st.components.find((c) => c.name === "card");
      expect(card?.state).toBe("running");
      expect(card?.detail).toContain(`control ${join(dir, "card", "control")}`);
      // the simulated card's serial control port answers on the pty the gateway opened
      const cardStatus = await run(["card", "status", "--config", cfg, "--json"]);
      expect(cardStatus.code, cardStatus.err).toBe(0);
      expect(JSON.parse(cardStatus.out)).toMatchObject({ port: join(dir, "card", "control") });
      process.emit("SIGTERM");
      expect(await running).toBe(0);
      expect(existsSync(socket)).toBe(false);
      const down = await run(["status", "--socket", socket]);
      expect(down.code).toBe(1);
      expect(down.err).toContain("is the gateway running?");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const bad = await run(["start", "--config", fixture("unknown-key.yaml")]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("card.spans[0].signaling: unknown key");
  });
});
