/**
 * Child processes for tests: every process started is killed when the test
 * file ends (or earlier with stop()), and waiting for output is bounded.
 */
import { spawn } from "node:child_process";
import type { ChildProcess, SpawnOptions } from "node:child_process";
import { afterAll } from "vitest";

export interface Started {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolve when stdout (or stderr) matches, reject after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs: number, stream?: "stdout" | "stderr"): Promise<RegExpMatchArray>;
  /** Resolve with the exit code, or reject after timeoutMs. */
  exited(timeoutMs: number): Promise<number | null>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let hooked = false;

export function start(cmd: string, args: readonly string[], opts: SpawnOptions = {}): Started {
  if (!hooked) {
    hooked = true;
    afterAll(async () => {
      await Promise.all([...running].map((c) => kill(c)));
    });
  }
  const child = spawn(cmd, args as string[], { stdio: ["pipe", "pipe", "pipe"], ...opts });
  running.add(child);
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
    listeners.forEach((l) => l());
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString("utf8");
    listeners.forEach((l) => l());
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => (running.delete(child), resolve(code))));
  child.on("error", () => running.delete(child));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeoutMs, stream = "stdout") {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = (stream === "stdout" ? out : err).match(pattern);
          if (m) {
            cleanup();
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${cmd}: no ${pattern} on ${stream} within ${timeoutMs} ms; ${stream} was:\n${(stream === "stdout" ? out : err).slice(-2000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    exited(timeoutMs) {
      return Promise.race([exit, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${cmd} still running after ${timeoutMs} ms`)), timeoutMs).unref())]);
    },
    stop: () => kill(child),
  };
}

async function kill(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => c.once("exit", () => resolve()));
  c.kill("SIGTERM");
  const t = setTimeout(() => c.kill("SIGKILL"), 2_000);
  await gone;
  clearTimeout(t);
  running.delete(c);
}
