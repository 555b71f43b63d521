import { PassThrough } from "node:stream";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";

import { ensureFarendBuilt } from "../../../hardware/farend/farend-process.js";
import { buildColineArgs, buildPbxArgs, buildPhoneArgs, buildSs7Args, register, runFarend } from "./farend.js";

const built = ensureFarendBuilt();
if (!built.ok) console.warn(`[cli farend] runs of the simulators skipped: ${built.reason}`);
const skipRuns = !built.ok && !process.env["CI"];

describe("farend options", () => {
  it("builds the switch's arguments from the CLI options", () => {
    const r = buildSs7Args({
      sig: "/run/x/span1-ts16.sig",
      bearer: "/run/x/span1.bearer",
      opc: "2-200-7",
      dpc: "300",
      variant: "itu",
      cics: "1-30",
      cicMap: "1-15:1,16-30:17",
      rule: ['{"prefix":"5590","action":"release","cause_from_digits":3}'],
      isupTimer: ["t7=20000"],
      dtmfDetect: false,
      connectTimeoutMs: "0",
    });
    expect(r).toEqual({
      ok: true,
      args: [
        "--sig", "/run/x/span1-ts16.sig", "--opc", "2-200-7", "--dpc", "300", "--bearer", "/run/x/span1.bearer",
        "--variant", "itu", "--cics", "1-30", "--cic-map", "1-15:1,16-30:17", "--no-dtmf-detect",
        "--rule", '{"prefix":"5590","action":"release","cause_from_digits":3}', "--isup-timer", "t7=20000",
        "--connect-timeout-ms", "0",
      ],
    });
  });

  it.each([
    [{ opc: "1", dpc: "2" }, /--sig is required/],
    [{ sig: "s", dpc: "2" }, /--opc is required/],
    [{ sig: "s", opc: "1", dpc: "x" }, /--dpc must be decimal or a-b-c/],
    [{ sig: "s", opc: "1", dpc: "2", variant: "japan" }, /--variant must be one of itu, ansi/],
    [{ sig: "s", opc: "1", dpc: "2", slc: "16" }, /--slc must be an integer from 0 to 15/],
    [{ sig: "s", opc: "1", dpc: "2", cicMap: "1-15" }, /--cic-map takes A-B:T/],
    [{ sig: "s", opc: "1", dpc: "2", rule: ["{nope"] }, /--rule is not JSON/],
    [{ sig: "s", opc: "1", dpc: "2", rule: ['{"prefix":"1","action":"dance"}'] }, /needs "action"/],
    [{ sig: "s", opc: "1", dpc: "2", isupTimer: ["t7"] }, /--isup-timer takes NAME=MS/],
    [{ sig: "s", opc: "1", dpc: "2", law: "g722" }, /--law must be one of alaw, ulaw, auto/],
  ])("rejects %j", (opts, message) => {
    const r = buildSs7Args(opts);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it("builds the PBX's arguments and rejects a bad side", () => {
    expect(buildPbxArgs({ sig: "d", side: "user", span: "t1", law: "ulaw" })).toEqual({
      ok: true,
      args: ["--sig", "d", "--side", "user", "--span", "t1", "--law", "ulaw"],
    });
    expect(buildPbxArgs({ sig: "d", side: "both" })).toEqual({ ok: false, error: '--side must be one of network, user (got "both")' });
  });

  it("registers farend ss7 and farend pbx with their help", () => {
    const program = new Command("sipt-gw");
    register(program);
    const farend = program.commands.find((c) => c.name() === "farend");
    expect(farend?.description()).toMatch(/far-end simulator/);
    const names = farend?.commands.map((c) => c.name());
    expect(names).toEqual(["call", "send", "ss7", "pbx", "phone", "coline"]);
    const ss7Help = farend?.commands.find((c) => c.name() === "ss7")?.helpInformation() ?? "";
    for (const opt of ["--sig", "--opc", "--dpc", "--variant", "--cic-map", "--rule", "--bearer"]) expect(ss7Help).toContain(opt);
    expect(farend?.commands.find((c) => c.name() === "pbx")?.helpInformation()).toContain("--side");
  });
});

describe("farend phone and coline options", () => {
  it("builds the telephone's arguments", () => {
    expect(
      buildPhoneArgs({ line: "/run/x/port1.line", profile: "uk", law: "ulaw", cptMinDbm0: "-35.5", autoAnswerRings: "3", ringEndMs: "2500", dtmfDetect: false }),
    ).toEqual({
      ok: true,
      args: ["--line", "/run/x/port1.line", "--profile", "uk", "--law", "ulaw", "--no-dtmf-detect", "--cpt-min-dbm0", "-35.5",
        "--auto-answer-rings", "3", "--ring-end-ms", "2500"],
    });
  });

  it("builds the CO line's arguments", () => {
    expect(
      buildColineArgs({
        line: "/run/x/port5.line",
        profile: "us",
        rule: ['{"prefix":"5551","action":"answer","after_ms":300}'],
        defaultRule: '{"action":"busy"}',
        dialTone: false,
        digitTimeoutMs: "1500",
        maxDigits: "10",
        flashMaxMs: "800",
        pulseBreakMaxMs: "90",
        connectTimeoutMs: "0",
      }),
    ).toEqual({
      ok: true,
      args: ["--line", "/run/x/port5.line", "--profile", "us", "--connect-timeout-ms", "0",
        "--rule", '{"prefix":"5551","action":"answer","after_ms":300}', "--default-rule", '{"action":"busy"}', "--no-dial-tone",
        "--digit-timeout-ms", "1500", "--max-digits", "10", "--flash-max-ms", "800", "--pulse-break-max-ms", "90"],
    });
  });

  it.each([
    [{}, /--line is required/],
    [{ line: "l", profile: "fr" }, /--profile must be one of etsi, us, uk/],
    [{ line: "l", law: "auto" }, /--law must be one of alaw, ulaw/],
    [{ line: "l", cptMinDbm0: "-90" }, /--cpt-min-dbm0 must be a number from -70 to 3/],
    [{ line: "l", autoAnswerRings: "2", autoAnswerMs: "10" }, /exclude each other/],
    [{ line: "l", ringEndMs: "100" }, /--ring-end-ms must be an integer from 200 to 60000/],
  ])("refuses telephone options %j", (opts, message) => {
    const r = buildPhoneArgs(opts);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it.each([
    [{ line: "l", maxDigits: "40" }, /--max-digits must be an integer from 1 to 31/],
    [{ line: "l", pulseBreakMaxMs: "300", flashMaxMs: "200" }, /below --flash-max-ms/],
    [{ line: "l", rule: ['{"prefix":"1"}'] }, /needs "action"/],
  ])("refuses CO line options %j", (opts, message) => {
    const r = buildColineArgs(opts);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it("registers the analog subcommands with their help", () => {
    const program = new Command("sipt-gw");
    register(program);
    const farend = program.commands.find((c) => c.name() === "farend");
    const help = (name: string): string => farend?.commands.find((c) => c.name() === name)?.helpInformation() ?? "";
    for (const opt of ["--line", "--profile", "--auto-answer-rings", "--ring-end-ms"]) expect(help("phone")).toContain(opt);
    for (const opt of ["--line", "--rule", "--no-dial-tone", "--flash-max-ms", "--pulse-break-max-ms"]) expect(help("coline")).toContain(opt);
  });
});

describe("farend usage errors through commander", () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it("sets exit code 2 and says why", async () => {
    const program = new Command("sipt-gw").exitOverride();
    register(program);
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => {
      errors.push(s);
      return true;
    }) as typeof process.stderr.write;
    try {
      await program.parseAsync(["farend", "ss7", "--sig", "x", "--opc", "1", "--dpc", "2", "--variant", "japan"], { from: "user" });
    } finally {
      process.stderr.write = write;
    }
    expect(process.exitCode).toBe(2);
    expect(errors.join("")).toMatch(/--variant must be one of itu, ansi/);
  });
});

describe.skipIf(skipRuns)("farend runs", () => {
  it("passes commands and events through and returns the simulator's exit code", async () => {
    if (!built.ok) throw new Error(built.reason);
    const dir = mkdtempSync(join(tmpdir(), "farend-cli-"));
    try {
      const args = buildPbxArgs({ sig: join(dir, "none.dch"), connectTimeoutMs: "0" });
      if (!args.ok) throw new Error(args.error);
      const stdin = new PassThrough();
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = "";
      stdout.on("data", (b: Buffer) => (out += b.toString()));
      const running = runFarend("pbx", args.args, { stdin, stdout, stderr });
      stdin.write('{"cmd":"stats","id":7}\n{"cmd":"quit"}\n');
      expect(await running).toBe(0);
      const events = out.trim().split("\n").map((l) => JSON.parse(l) as { ev: string; cmd?: string; id?: number });
      expect(events[0]?.ev).toBe("ready");
      expect(events.some((e) => e.ev === "ok" && e.cmd === "stats" && e.id === 7)).toBe(true);
      expect(events.at(-1)?.ev).toBe("exit");

      const failing = buildSs7Args({ sig: join(dir, "none.sig"), opc: "1", dpc: "2", connectTimeoutMs: "200" });
      if (!failing.ok) throw new Error(failing.error);
      const sink = new PassThrough();
      sink.resume();
      expect(await runFarend("ss7", failing.args, { stdin: new PassThrough(), stdout: sink, stderr: sink })).toBe(1);

      const co = buildColineArgs({ line: join(dir, "port5.line"), connectTimeoutMs: "0" });
      if (!co.ok) throw new Error(co.error);
      const coIn = new PassThrough();
      const coOut = new PassThrough();
      let coText = "";
      coOut.on("data", (b: Buffer) => (coText += b.toString()));
      const coRun = runFarend("coline", co.args, { stdin: coIn, stdout: coOut, stderr: sink });
      coIn.write('{"cmd":"call","id":1}\n{"cmd":"release","id":2}\n');
      coIn.end();
      expect(await coRun).toBe(0);
      const coEvents = coText.trim().split("\n").map((l) => JSON.parse(l) as { ev: string; id?: number; state?: string });
      expect(coEvents[0]).toMatchObject({ ev: "ready", role: "coline" });
      expect(coEvents.filter((e) => e.ev === "ok").map((e) => [e.id, e.state])).toEqual([[1, "ringing"], [2, "idle"]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
