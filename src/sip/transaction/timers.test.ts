/** The SIP timer table and its derivation, RFC 3261 Table 4 and RFC 6026 §8.7. */
import { describe, expect, it } from "vitest";
import { reliableTimers, sipTimers, transactionTimers } from "./timers.js";

describe("SIP timers (RFC 3261 Table 4)", () => {
  it("defaults: A, E, G = T1; B, F, H, J, L, M = 64*T1; I, K = T4; D = 32 s", () => {
    const t = transactionTimers();
    expect([t.T1, t.T2, t.T4, t.A, t.E, t.G, t.B, t.F, t.H, t.J, t.L, t.M, t.I, t.K, t.D]).toEqual([500, 4000, 5000, 500, 500, 500, 32000, 32000, 32000, 32000, 32000, 32000, 5000, 5000, 32000]);
  });

  it("timers not set follow T1 and T4; set ones stay", () => {
    const t = transactionTimers({ T1: 100, T4: 2000, H: 10_000 });
    expect([t.A, t.B, t.F, t.H, t.L, t.M, t.I, t.K]).toEqual([100, 6400, 6400, 10_000, 6400, 6400, 2000, 2000]);
  });

  it("refuses a value outside the table's range", () => {
    expect(() => transactionTimers({ T1: 10 })).toThrow(/sip\.T1/);
    expect(() => transactionTimers({ X: 1 })).toThrow(/unknown sip timer/);
  });

  it("over reliable transports D, I, J and K are zero (§17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2)", () => {
    const r = reliableTimers(transactionTimers());
    expect([r.D, r.I, r.J, r.K, r.B, r.H]).toEqual([0, 0, 0, 0, 32000, 32000]);
    expect(Object.keys(sipTimers.specs)).toEqual(["T1", "T2", "T4", "B", "C", "D", "F", "H", "L", "M", "A", "E", "G", "I", "J", "K"]);
  });
});
