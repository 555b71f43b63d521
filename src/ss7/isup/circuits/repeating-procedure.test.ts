import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../core/clock.js";
import { RecordingLogger } from "../../../core/logger.js";
import { resolveTimers } from "../../../core/timers.js";
import { isupTimers } from "../call/timers.js";
import type { ProcedureKind } from "./repeating-procedure.js";
import { RepeatingProcedure } from "./repeating-procedure.js";

function run(kind: ProcedureKind, longOnly = false) {
  const clock = new ManualClock();
  const sent: number[] = [];
  const alerts: number[] = [];
  const outcomes: string[] = [];
  const log = new RecordingLogger();
  const p = new RepeatingProcedure({
    kind,
    id: "5",
    clock,
    log,
    timers: resolveTimers(isupTimers),
    send: () => sent.push(clock.now()),
    alert: (_k, n) => alerts.push(n),
    done: (o) => outcomes.push(o),
    longOnly,
  });
  return { clock, sent, alerts, outcomes, p, log };
}

describe("RepeatingProcedure (Q.764 Table A.1 short/long timer pairs)", () => {
  it("BLO: T12 repeats until T13, then T13 repeats and alerts", () => {
    const r = run("BLO");
    r.clock.advance(11 * 60_000);
    const short = Array.from({ length: 19 }, (_, k) => (k + 1) * 15_000);
    expect(r.sent).toEqual([0, ...short, 300_000, 600_000]);
    expect(r.alerts).toEqual([20, 21]);
    r.p.acknowledge();
    expect(r.outcomes).toEqual(["Acknowledged"]);
    expect(r.clock.armed).toBe(0);
  });

  it("RSC after T5 starts on T17 alone", () => {
    const r = run("RSC", true);
    r.clock.advance(10 * 60_000);
    expect(r.sent).toEqual([0, 300_000, 600_000]);
    expect(r.p.state).toBe("AwaitAckRepeated");
  });

  it("CQM is not repeated: T28 ends it as Failed", () => {
    const r = run("CQM");
    r.clock.advance(10_000);
    expect(r.sent).toEqual([0]);
    expect(r.outcomes).toEqual(["Failed"]);
    expect(r.p.active).toBe(false);
    expect(r.clock.armed).toBe(0);
  });

  it("cancel stops every timer; acknowledging after the end is ignored", () => {
    const r = run("GRS");
    r.clock.advance(20_000);
    r.p.cancel();
    r.p.acknowledge();
    r.clock.advance(3_600_000);
    expect(r.sent).toEqual([0, 15_000]);
    expect(r.outcomes).toEqual(["Cancelled"]);
    expect(r.clock.armed).toBe(0);
    expect(r.log.transcript()).toContain("ISUP-GRS(5){AwaitAck}: State change to Cancelled");
  });
});
