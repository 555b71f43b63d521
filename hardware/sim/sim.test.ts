/**
 * Runs the simulated card's C test program (test/sim_test.c) through the
 * library's own ABI: `make check` builds the library and the program and
 * fails on any failed check. Leak and race checks are `make valgrind` and
 * `make tsan` (slower; run by hand or in a native CI step).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const dir = fileURLToPath(new URL(".", import.meta.url));

it("passes its C test program (make check)", () => {
  mkdirSync(`${dir}build`, { recursive: true });
  const r = spawnSync("flock", [`${dir}build/.build-lock`, "make", "-s", "-C", dir, "check"], {
    encoding: "utf8",
    timeout: 60_000,
  });
  const output = `${r.stdout}\n${r.stderr}`;
  expect(r.status, output).toBe(0);
  expect(output).toContain("sim_test: all checks passed");
  expect(output).not.toContain("CHECK failed");
}, 90_000);
