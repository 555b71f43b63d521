import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { FsmInstance, validateDefinition } from "./fsm.js";
import type { FsmDefinition } from "./fsm.js";
import { LOG_LEVELS, RecordingLogger } from "./logger.js";

// A reduced outgoing-call machine, shaped like Q.764's: enough states to
// exercise events, transitions and state timers.
type S = "Idle" | "AwaitAcm" | "AwaitAnswer" | "Answered" | "AwaitRlc" | "Released";
type E = "SEND_IAM" | "ACM" | "ANM" | "T7" | "T9" | "REL" | "RLC" | "T1";

const def: FsmDefinition<S, E> = {
  name: "ISUP-CIC",
  initial: "Idle",
  states: {
    Idle: { accepts: ["SEND_IAM"], to: ["AwaitAcm"] },
    AwaitAcm: { accepts: ["ACM", "T7", "REL"], to: ["AwaitAnswer", "AwaitRlc", "Idle"], timer: { name: "T7", expiry: "T7" } },
    AwaitAnswer: { accepts: ["ANM", "T9", "REL"], to: ["Answered", "AwaitRlc", "Idle"], timer: { name: "T9", expiry: "T9" } },
    Answered: { accepts: ["REL"], to: ["AwaitRlc", "Idle"] },
    AwaitRlc: { accepts: ["RLC", "T1"], to: ["Released", "AwaitRlc"], timer: { name: "T1", expiry: "T1" } },
    Released: { accepts: [], to: [], final: true },
  },
};

function make() {
  const clock = new ManualClock();
  const log = new RecordingLogger();
  const terminated: string[] = [];
  const fsm = new FsmInstance<S, E>(def, {
    id: "12",
    clock,
    log,
    timers: { T7: 25_000, T9: 90_000, T1: 15_000 },
    onTerminate: (_i, cause) => terminated.push(cause),
    actions: {
      Idle: { SEND_IAM: (i) => i.transition("AwaitAcm") },
      AwaitAcm: { ACM: (i) => i.transition("AwaitAnswer"), T7: (i) => i.transition("AwaitRlc"), REL: (i) => i.transition("Idle") },
      AwaitAnswer: { ANM: (i) => i.transition("Answered"), T9: (i) => i.transition("AwaitRlc") },
      Answered: { REL: (i) => i.transition("Released" as S) },
      AwaitRlc: { RLC: (i) => i.transition("Released"), T1: (i) => i.transition("AwaitRlc") },
    },
  });
  return { clock, log, fsm, terminated };
}

describe("state-machine runtime", () => {
  it("rejects and logs an event the current state does not accept", () => {
    const { fsm, log } = make();
    expect(fsm.dispatch("ANM")).toBe(false);
    expect(fsm.state).toBe("Idle");
    expect(log.records.at(-1)).toMatchObject({ level: "warn", msg: "ISUP-CIC(12){Idle}: Event ANM not permitted" });
  });

  it("rejects and logs a transition the table does not declare, leaving the state unchanged", () => {
    const { fsm, log } = make();
    fsm.dispatch("SEND_IAM");
    fsm.dispatch("ACM");
    fsm.dispatch("ANM");
    expect(fsm.state).toBe("Answered");
    expect(fsm.dispatch("REL")).toBe(true); // the action asks for Released, which Answered may not reach
    expect(fsm.state).toBe("Answered");
    expect(log.records.at(-1)).toMatchObject({ level: "error", msg: "ISUP-CIC(12){Answered}: State change to Released not permitted" });
  });

  it("starts the state timer on entry and fires it under the manual clock", () => {
    const { fsm, clock } = make();
    fsm.dispatch("SEND_IAM");
    expect(fsm.timerRunning("T7")).toBe(true);
    clock.advance(24_999);
    expect(fsm.state).toBe("AwaitAcm");
    clock.advance(1);
    expect(fsm.state).toBe("AwaitRlc");
    expect(fsm.timerRunning("T7")).toBe(false);
    expect(fsm.timerRunning("T1")).toBe(true);
  });

  it("stops the state timer on exit so it never fires late", () => {
    const { fsm, clock } = make();
    fsm.dispatch("SEND_IAM");
    clock.advance(10_000);
    fsm.dispatch("ACM");
    expect(fsm.timerRunning("T7")).toBe(false);
    clock.advance(20_000); // past T7's original expiry
    expect(fsm.state).toBe("AwaitAnswer");
    clock.advance(69_999); // T9 (90 s from ACM) not yet due
    expect(fsm.state).toBe("AwaitAnswer");
    fsm.dispatch("ANM");
    clock.advance(1_000_000);
    expect(fsm.state).toBe("Answered");
    expect(clock.armed).toBe(0);
  });

  it("re-entering a state restarts its timer, and a final state terminates with timers stopped", () => {
    const { fsm, clock, terminated } = make();
    fsm.dispatch("SEND_IAM");
    clock.advance(25_000); // T7 -> AwaitRlc
    clock.advance(15_000); // T1 -> AwaitRlc again (REL repeated)
    expect(fsm.state).toBe("AwaitRlc");
    fsm.dispatch("RLC");
    expect(fsm.state).toBe("Released");
    expect(fsm.isTerminated).toBe(true);
    expect(terminated).toEqual(["final state"]);
    expect(clock.armed).toBe(0);
    expect(fsm.dispatch("RLC")).toBe(false);
  });

  it("writes one canonical line per step (golden transcript)", () => {
    const { fsm, clock, log } = make();
    fsm.dispatch("SEND_IAM");
    fsm.dispatch("ACM");
    clock.advance(90_000);
    fsm.dispatch("RLC");
    const expected = readFileSync(new URL("./golden/fsm-transcript.txt", import.meta.url), "utf8").trimEnd();
    expect(log.transcript()).toBe(expected);
  });

  it("extra named timers run beside the state timer and stop at termination", () => {
    const { fsm, clock } = make();
    fsm.dispatch("SEND_IAM");
    fsm.startTimer("T1", "T1", 5_000); // not accepted in AwaitAcm: its expiry is rejected and logged
    clock.advance(5_000);
    expect(fsm.state).toBe("AwaitAcm");
    fsm.startTimer("T9", "T9", 1_000);
    fsm.terminate("test");
    clock.advance(100_000);
    expect(clock.armed).toBe(0);
  });

  it("validates definitions", () => {
    expect(() => validateDefinition({ name: "X", initial: "A", states: { A: { accepts: [], to: ["B" as "A"] } } })).toThrow(/undeclared state B/);
    expect(() => validateDefinition({ name: "X", initial: "A", states: { A: { accepts: [], to: [], timer: { name: "T", expiry: "E" } } } })).toThrow(/does not accept its expiry/);
  });

  it("asks a logger that can tell (pino's isLevelEnabled) before building a line, and writes the same lines", () => {
    const run = (enabled: ReadonlySet<string> | undefined): string[] => {
      const lines: string[] = [];
      const write = (level: string) => (a: unknown, b?: string) => lines.push(`${level} ${typeof a === "string" ? a : (b ?? "")}`);
      const base = Object.fromEntries(LOG_LEVELS.map((l) => [l, write(l)]));
      const log = {
        ...base,
        child: () => log,
        ...(enabled !== undefined ? { isLevelEnabled: (l: string) => enabled.has(l) } : {}),
      } as unknown as RecordingLogger;
      const clock = new ManualClock();
      const fsm = new FsmInstance<S, E>(def, { id: "7", clock, log, timers: { T7: 25_000, T9: 90_000, T1: 15_000 }, actions: { Idle: { SEND_IAM: (i) => i.transition("AwaitAcm") } } });
      fsm.dispatch("SEND_IAM");
      fsm.dispatch("RLC");
      fsm.terminate("test");
      return lines;
    };
    const all = run(undefined);
    expect(all).toEqual([
      "debug ISUP-CIC(7){Idle}: Received Event SEND_IAM",
      "info ISUP-CIC(7){Idle}: State change to AwaitAcm (T7, 25000 ms)",
      "warn ISUP-CIC(7){AwaitAcm}: Event RLC not permitted",
      "info ISUP-CIC(7){AwaitAcm}: Terminating (cause = test)",
    ]);
    // A logger at "info" is not asked to write the debug line; the others are as before.
    expect(run(new Set(["fatal", "error", "warn", "info"]))).toEqual(all.filter((l) => !l.startsWith("debug")));
    expect(run(new Set(["fatal", "error", "warn"]))).toEqual(["warn ISUP-CIC(7){AwaitAcm}: Event RLC not permitted"]);
  });

  it("checks a definition once, whatever the number of instances", () => {
    const states = { A: { accepts: ["go"], to: ["B"] }, B: { accepts: [], to: [], final: true } } as const;
    let reads = 0;
    const d = {
      name: "ONCE",
      get initial(): "A" {
        reads++;
        return "A";
      },
      states,
    } as unknown as FsmDefinition<"A" | "B", "go">;
    const clock = new ManualClock();
    for (let i = 0; i < 5; i++) new FsmInstance(d, { id: String(i), clock, log: new RecordingLogger(), timers: {}, actions: {} });
    // validateDefinition reads `initial` once; each instance reads it once more to start there.
    expect(reads).toBe(6);
  });
});

