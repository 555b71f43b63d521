import { describe, expect, it } from "vitest";
import { freePort } from "./ports.js";
import { start } from "./processes.js";
import { peerAvailable } from "./peers.js";

describe("test support", () => {
  it("hands out distinct free ports", async () => {
    const a = await freePort();
    const b = await freePort();
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
  });

  it("waits for output with a bound and stops processes", async () => {
    const p = start("sh", ["-c", "echo ready; sleep 30"]);
    await p.waitFor(/ready/, 5_000);
    await expect(p.waitFor(/never/, 50)).rejects.toThrow(/no \/never\/ on stdout within 50 ms/);
    await p.stop();
    expect(p.child.exitCode !== null || p.child.signalCode !== null).toBe(true);
  });

  it("probes executables and files", () => {
    expect(peerAvailable({ name: "sh", probe: "sh", debianPackage: "dash" })).toBe(true);
    expect(peerAvailable({ name: "x", probe: "/nonexistent/x.h", debianPackage: "x" })).toBe(false);
  });
});
