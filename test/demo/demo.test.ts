/**
 * `sipt-gw demo` end to end: the gateway on the embedded default (simulated
 * card, media engine, the libss7 PSTN switch, SIP on ephemeral ports) and
 * every call model with its ladder and audio check; every verdict must be
 * PASS (the PBX models are reported as not available while QSIG calls are
 * not routed to SIP). The text output and the JSON output are both checked.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { expect, it } from "vitest";
import { EMBEDDED_DEFAULT_YAML } from "../../src/config/embedded-default.js";
import { runDemo } from "../../src/cli/demo/run-demo.js";
import { describeWithPeers, PEERS } from "../support/peers.js";

class Collect extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

describeWithPeers("sipt-gw demo on the embedded default", [PEERS.libss7, PEERS.spandsp], () => {
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
      expect.stringMatching(/^NOT AVAILABLE PBX->SIP and SIP->PBX /),
    ]);
    expect(r.exitCode).toBe(0);
    // Each call's ladder has messages on both sides of the gateway.
    for (const c of r.results.slice(0, 5)) {
      expect(c.ladder.some((e) => e.lane === "isup"), c.title).toBe(true);
      expect(c.ladder.some((e) => e.lane === "sip"), c.title).toBe(true);
    }
    const answered = r.results[0]!;
    expect(answered.audio).toHaveLength(1);
    expect(answered.audio[0]!.ok).toBe(true);
    expect(r.results[3]!.audio.map((a) => a.ok)).toEqual([true, true]);
    // The text output: a verdict line per call in the documented shape.
    expect(out.text).toMatch(/^PASS {2}SIP->PSTN answered {2}\(\d+\.\d s\)$/m);
    expect(out.text).toMatch(/^5 passed, 0 failed, 1 not available$/m);
    // Everything it started is gone: its directory (named in the first line) with the card's sockets.
    const dir = /gateway and PSTN switch in (\S+)/.exec(out.text)?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir as string)).toBe(false);
  }, 180_000);

  it("fails a model whose far-end behaviour is not there, says why, runs the others and exits 1", async () => {
    const work = mkdtempSync(join(tmpdir(), "sipt-gw-demo-test-"));
    try {
      const file = join(work, "no-echo.yaml");
      const yaml = EMBEDDED_DEFAULT_YAML.replace('{ prefix: "5551", action: answer, after_ms: 1000, echo: true }', '{ prefix: "5551", action: answer, after_ms: 1000 }');
      expect(yaml).not.toBe(EMBEDDED_DEFAULT_YAML);
      writeFileSync(file, yaml);
      const out = new Collect();
      const err = new Collect();
      const r = await runDemo({ configFile: file, out, err });
      expect(r.exitCode).toBe(1);
      expect(r.results.map((c) => c.verdict)).toEqual(["FAIL", "PASS", "PASS", "PASS", "PASS", "NOT AVAILABLE"]);
      expect(r.results[0]!.reason).toMatch(/the switch's rule for 5551234 is .*not an answer with echo/);
      expect(out.text).toMatch(/^FAIL {2}SIP->PSTN answered {2}\(\d+ ms\) {2}the switch's rule/m);
      expect(out.text).toMatch(/^4 passed, 1 failed, 1 not available$/m);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 180_000);
});
