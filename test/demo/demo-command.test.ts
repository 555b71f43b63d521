/**
 * The `demo` subcommand as the command line sees it: its help, and a
 * configuration it cannot use reported as a usage error (exit code 2)
 * before anything starts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, expect, it } from "vitest";
import { register } from "../../src/cli/commands/demo.js";
import { runDemo } from "../../src/cli/demo/run-demo.js";
import { Writable } from "node:stream";

class Collect extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

it("describes itself and its options in --help", async () => {
  const out = new Collect();
  const program = new Command("sipt-gw").exitOverride().configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => out.write(s) });
  register(program);
  for (const c of program.commands) c.exitOverride();
  await expect(program.parseAsync(["demo", "--help"], { from: "user" })).rejects.toMatchObject({ code: "commander.helpDisplayed" });
  expect(out.text).toMatch(/Usage: sipt-gw demo \[options\]/);
  expect(out.text).toMatch(/--config <file>/);
  expect(out.text).toMatch(/--json/);
});

it("refuses a configuration it cannot read or use with exit code 2", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sipt-gw-demo-cfg-"));
  try {
    const err = new Collect();
    const out = new Collect();
    const missing = await runDemo({ configFile: join(dir, "none.yaml"), out, err });
    expect(missing.exitCode).toBe(2);
    expect(err.text).toMatch(/cannot read the file/);
    const file = join(dir, "no-ss7.yaml");
    writeFileSync(file, "card: { driver: sim, profile: sim-2e1-4fxs-4fxo, spans: [{ span: 1, type: e1, framing: crc4, lineCode: hdb3, clock: master, signalling: [16] }] }\nsip: { listen: [{ transport: udp, address: 127.0.0.1, port: 5060 }] }\n");
    const err2 = new Collect();
    const r = await runDemo({ configFile: file, out, err: err2 });
    expect(r.exitCode).toBe(2);
    expect(err2.text).toMatch(/no ss7 section/);
    expect(err2.text).toMatch(/no farends entry of kind ss7/);
    expect(out.text).toBe("");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
