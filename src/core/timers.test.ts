import { describe, expect, it } from "vitest";
import { checkTimerOverrides, defineTimerTable, resolveTimers } from "./timers.js";

const table = defineTimerTable("isup", {
  T7: { defaultMs: 25_000, minMs: 20_000, maxMs: 30_000, description: "awaiting ACM", clause: "Q.764 §2.1.4.7" },
  T9: { defaultMs: 90_000, minMs: 90_000, maxMs: 180_000, description: "awaiting ANM", clause: "Q.764 §2.1.7.3" },
});

describe("timer tables", () => {
  it("resolves defaults with overrides inside their range", () => {
    expect(resolveTimers(table, { T7: 30_000 })).toEqual({ T7: 30_000, T9: 90_000 });
  });

  it("names the timer, the range and the clause of a bad override", () => {
    const p = checkTimerOverrides(table, { T7: 5_000, T99: 1 });
    expect(p).toHaveLength(2);
    expect(p[0]!.reason).toContain("20000..30000");
    expect(p[0]!.reason).toContain("Q.764 §2.1.4.7");
    expect(p[1]!.reason).toContain("unknown isup timer");
    expect(() => resolveTimers(table, { T7: 5_000 })).toThrow(RangeError);
  });

  it("refuses a table whose default is outside its own range", () => {
    expect(() => defineTimerTable("x", { T: { defaultMs: 1, minMs: 2, maxMs: 3, description: "", clause: "" } })).toThrow(/outside its own range/);
  });
});
