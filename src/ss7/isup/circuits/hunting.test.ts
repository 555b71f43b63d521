import { describe, expect, it } from "vitest";
import type { Circuit, HuntingStrategy } from "./circuit-group.js";
import { CircuitTable, controlsCircuit } from "./circuit-group.js";
import { huntCircuit } from "./hunting.js";

function group(hunting: HuntingStrategy, cics = [1, 2, 3, 4, 5, 6]) {
  const t = new CircuitTable([{ name: "g", dpc: 200, cics, hunting, addressing: "en-bloc", continuityCheck: false, answerTimer: false }], "itu");
  const g = t.group("g");
  if (!g) throw new Error("no group");
  return g;
}

/** Take circuits one after another, each one becoming busy. */
function takeAll(hunting: HuntingStrategy, opc: number, busy = new Set<number>()): number[] {
  const g = group(hunting);
  const out: number[] = [];
  for (;;) {
    const c = huntCircuit(g, opc, (x: Circuit) => !busy.has(x.cic));
    if (!c) return out;
    busy.add(c.cic);
    out.push(c.cic);
  }
}

describe("circuit hunting (Q.764 §2.9.1.3)", () => {
  it("sequential takes the lowest free CIC, descending the highest", () => {
    expect(takeAll("sequential", 100)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(takeAll("descending", 100)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(takeAll("sequential", 100, new Set([1, 3]))).toEqual([2, 4, 5, 6]);
  });

  it("round robin continues after the last circuit taken, wrapping", () => {
    const g = group("round-robin");
    const free = () => true;
    expect([1, 2, 3, 4, 5, 6, 7].map(() => huntCircuit(g, 100, free)?.cic)).toEqual([1, 2, 3, 4, 5, 6, 1]);
    expect(huntCircuit(g, 100, (c) => c.cic === 5)?.cic).toBe(5);
    expect(huntCircuit(g, 100, free)?.cic).toBe(6);
  });

  it("odd/even takes the circuits this exchange controls first (higher point code: even)", () => {
    expect(takeAll("odd-even", 300)).toEqual([2, 4, 6, 1, 3, 5]);
    expect(takeAll("odd-even", 100)).toEqual([1, 3, 5, 2, 4, 6]);
    expect(controlsCircuit(300, 200, 2)).toBe(true);
    expect(controlsCircuit(100, 200, 2)).toBe(false);
  });

  it("never returns the excluded circuit", () => {
    const g = group("sequential", [7]);
    const only = g.circuits[0];
    expect(huntCircuit(g, 100, () => true, only)).toBeUndefined();
  });

  it("rejects bad groups", () => {
    expect(() => new CircuitTable([{ name: "g", dpc: 1, cics: [1, 1], hunting: "sequential", addressing: "en-bloc", continuityCheck: false, answerTimer: false }], "itu")).toThrow(/also in group g/);
    expect(() => new CircuitTable([{ name: "g", dpc: 1, cics: [5000], hunting: "sequential", addressing: "en-bloc", continuityCheck: false, answerTimer: false }], "itu")).toThrow(/outside 0..4095/);
  });
});
