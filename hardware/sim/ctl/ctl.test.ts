/**
 * Runs the control endpoint's C unit tests (test/test_ctl.c: protobuf wire
 * primitives, framing, the Envelope tables against hardware/proto/vectors)
 * built by `make -C hardware/sim/ctl`.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("./build/test_ctl", import.meta.url));
const VECTORS = fileURLToPath(new URL("../../proto/vectors", import.meta.url));
const missing = !existsSync(BIN);
const ci = process.env["CI"] !== undefined && process.env["CI"] !== "";
if (missing && !ci) console.warn(`SKIPPED control endpoint C tests: ${BIN} is missing (make -C hardware/sim/ctl)`);

describe.skipIf(missing && !ci)("control endpoint C unit tests", () => {
  it("pass", () => {
    if (missing) throw new Error(`${BIN} is missing: run make -C hardware/sim/ctl`);
    const r = spawnSync(BIN, [VECTORS], { encoding: "utf8", timeout: 60_000 });
    const summary = r.stdout.trim().split("\n").at(-1) ?? "";
    expect(r.status, r.stdout).toBe(0);
    expect(summary).toMatch(/^test_ctl: \d+ passed, 0 failed$/);
  });
});
