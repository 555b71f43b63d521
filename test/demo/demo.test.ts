/**
 * `sipt-gw demo` end to end: the gateway on the embedded default (simulated
 * card, media engine, the libss7 PSTN switch, the libpri QSIG PBX, SIP on
 * ephemeral ports) and every call model with its ladder and audio check;
 * every verdict must be PASS. A configuration without the PBX reports the
 * PBX models as not available; one whose switch lacks a behaviour fails that
 * model only.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { expect, it } from "vitest";
import { EMBEDDED_DEFAULT_YAML } from "../../src/config/embedded-default.js";
import type { CallResult } from "../../src/cli/demo/report.js";
import { runDemo } from "../../src/cli/demo/run-demo.js";
import { describeWithPeers, PEERS } from "../support/peers.js";

class Collect extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

describeWithPeers("sipt-gw demo on the embedded default", [PEERS.libss7, PEERS.libpri, PEERS.spandsp], () => {
  it("walks every call model and each passes, with a ladder and an audio check", async () => {
    const out = new Collect();
    const err = new Collect();
    const r = await runDemo({ out, err });
    console.log(out.text);
    expect(err.text).toBe("");
    const verdicts = r.results.map((c) => `${c.verdict} ${c.title}${c.reason !== undefined ? ` ${c.reason}` : ""}`);
    expect(verdicts).toEqual([
      "PASS SIP->PSTN answered",
      "PASS SIP->PSTN busy",
      "PASS SIP->PSTN cancelled while ringing",
      "PASS PSTN->SIP answered",
      "PASS PSTN->SIP rejected",
      "PASS PBX->SIP answered",
      "PASS SIP->PBX answered",
    ]);
    expect(r.exitCode).toBe(0);
    // Each call's ladder has messages on both sides of the gateway: ISUP or Q.931 on the left, SIP on the right.
    for (const c of r.results) {
      const left = c.left === "pbx" ? "qsig" : "isup";
      expect(c.ladder.some((e) => e.lane === left), c.title).toBe(true);
      expect(c.ladder.some((e) => e.lane === "sip"), c.title).toBe(true);
    }
    const answered = r.results[0]!;
    expect(answered.audio).toHaveLength(1);
    expect(answered.audio[0]!.ok).toBe(true);
    expect(r.results[3]!.audio.map((a) => a.ok)).toEqual([true, true]);
    // PBX -> SIP: the QSIG call as RFC 4497 maps it, and audio both ways.
    const fromPbx = r.results[5]!;
    expect(fromPbx.left).toBe("pbx");
    const q931 = (c: CallResult): string[] => c.ladder.filter((e) => e.lane === "qsig").map((e) => `${e.dir} ${e.label}`);
    const names = (c: CallResult): string[] => q931(c).map((l) => l.replace(/ (cr|global cr)\b.*$/, ""));
    expect(names(fromPbx)).toEqual(["in SETUP", "out CALL PROCEEDING", "out ALERTING", "out CONNECT", "in CONNECT ACKNOWLEDGE", "in DISCONNECT", "out RELEASE", "in RELEASE COMPLETE"]);
    expect(q931(fromPbx)[0]).toMatch(/^in SETUP cr \d+ ch 1 2125551234$/);
    expect(q931(fromPbx)[5]).toMatch(/^in DISCONNECT cr \d+ cause 16$/);
    expect(fromPbx.audio.map((a) => [a.path, a.ok])).toEqual([
      ["PBX -> RTP", true],
      ["RTP -> PBX", true],
    ]);
    // SIP -> PBX: SETUP on a B-channel, the echo measured, BYE -> DISCONNECT 16.
    const toPbx = r.results[6]!;
    expect(names(toPbx)).toEqual(["out SETUP", "in CALL PROCEEDING", "in ALERTING", "in CONNECT", "out CONNECT ACKNOWLEDGE", "out DISCONNECT", "in RELEASE", "out RELEASE COMPLETE"]);
    expect(q931(toPbx)[0]).toMatch(/^out SETUP cr \d+ ch \d+ 7001$/);
    expect(q931(toPbx)[5]).toMatch(/^out DISCONNECT cr \d+ cause 16$/);
    expect(toPbx.audio.map((a) => [a.path, a.ok])).toEqual([["RTP -> PBX (echo) -> RTP", true]]);
    // The text output: a verdict line per call in the documented shape, the PBX's ladders headed so.
    expect(out.text).toMatch(/^PASS {2}SIP->PSTN answered {2}\(\d+\.\d s\)$/m);
    expect(out.text).toMatch(/^PASS {2}PBX->SIP answered {2}\(\d+\.\d s\)$/m);
    expect(out.text).toMatch(/^PASS {2}SIP->PBX answered {2}\(\d+\.\d s\)$/m);
    expect(out.text).toMatch(/^ {5}time {2}PBX \(QSIG\) +gateway +SIP$/m);
    expect(out.text).toMatch(/^7 passed, 0 failed$/m);
    // Everything it started is gone: its directory (named in the first line) with the card's sockets.
    const dir = /gateway, PSTN switch and PBX in (\S+)/.exec(out.text)?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir as string)).toBe(false);
  }, 180_000);

  it("fails a model whose far-end behaviour is not there, says why, runs the others, shows no PBX model without a PBX and exits 1", async () => {
    const work = mkdtempSync(join(tmpdir(), "sipt-gw-demo-test-"));
    try {
      const file = join(work, "no-echo.yaml");
      const noEcho = EMBEDDED_DEFAULT_YAML.replace('{ prefix: "5551", action: answer, after_ms: 1000, echo: true }', '{ prefix: "5551", action: answer, after_ms: 1000 }');
      // And no PBX far end: the QSIG trunk has nobody on its D-channel.
      const yaml = noEcho.replace(/\n {2}- name: pbx\n(?: {4}.*\n)+/, "\n");
      expect(noEcho).not.toBe(EMBEDDED_DEFAULT_YAML);
      expect(yaml).not.toBe(noEcho);
      writeFileSync(file, yaml);
      const out = new Collect();
      const err = new Collect();
      const r = await runDemo({ configFile: file, out, err });
      expect(r.exitCode).toBe(1);
      expect(r.results.map((c) => c.verdict)).toEqual(["FAIL", "PASS", "PASS", "PASS", "PASS", "NOT AVAILABLE", "NOT AVAILABLE"]);
      expect(r.results[0]!.reason).toMatch(/the switch's rule for 5551234 is .*not an answer with echo/);
      expect(out.text).toMatch(/^FAIL {2}SIP->PSTN answered {2}\(\d+ ms\) {2}the switch's rule/m);
      expect(out.text).toMatch(/^N\/A {3}PBX->SIP answered {2}no farends entry of kind pbx/m);
      expect(out.text).toMatch(/^N\/A {3}SIP->PBX answered {2}no farends entry of kind pbx/m);
      expect(out.text).toMatch(/^4 passed, 1 failed, 2 not available$/m);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 180_000);
});
