import { describe, expect, it } from "vitest";
import { planSs7 } from "./ss7-plan.js";

describe("the ss7 configuration as the layers take it", () => {
  it("turns point codes, the network indicator, links and CIC/timeslot ranges into numbers and maps", () => {
    const plan = planSs7({
      variant: "itu",
      pointCode: "1-2-3",
      networkIndicator: "national-spare",
      linksets: [{ name: "a", adjacentPointCode: 2, links: [{ span: 2, timeslot: 16, slc: 5 }] }],
      routes: [{ destination: "0-1-0", linksets: ["a"] }],
      trunks: [
        {
          name: "t",
          pointCode: "0-1-0",
          span: 2,
          circuits: [
            { cics: "100-102", timeslots: "1-3" },
            { cics: 200, timeslots: 31 },
          ],
          hunting: "odd-even",
          addressing: "overlap",
          answerTimer: true,
          continuityCheck: false,
        },
      ],
      blockingStore: "",
      causeLocation: 2,
      sendUcic: true,
      repeatAttempts: 1,
      congestionSteps: 4,
    });
    expect(plan.pointCode).toBe((1 << 11) | (2 << 3) | 3);
    expect(plan.networkIndicator).toBe(3);
    expect(plan.linksets).toEqual([{ name: "a", adjacentPc: 2, links: [{ linkset: "a", slc: 5, span: 2, timeslot: 16, id: "a/5" }] }]);
    expect(plan.routes).toEqual([{ destination: 8, linksets: ["a"] }]);
    const t = plan.trunks[0];
    expect([...(t?.timeslots ?? [])]).toEqual([
      [100, 1],
      [101, 2],
      [102, 3],
      [200, 31],
    ]);
    expect(t?.group).toEqual({ name: "t", dpc: 8, cics: [100, 101, 102, 200], hunting: "odd-even", addressing: "overlap", continuityCheck: false, answerTimer: true });
  });

  it("throws naming the key when a configuration built in code is not consistent", () => {
    const base = { variant: "ansi" as const, pointCode: 1, networkIndicator: "national" as const, linksets: [], routes: [], trunks: [], blockingStore: "", causeLocation: 2, sendUcic: true, repeatAttempts: 1, congestionSteps: 4 };
    expect(() => planSs7({ ...base, pointCode: "300-1-1" })).toThrow(/pointCode: "300-1-1" is not an ANSI point code/);
    expect(() =>
      planSs7({ ...base, trunks: [{ name: "t", pointCode: 2, span: 1, circuits: [{ cics: "1-3", timeslots: "1-2" }], hunting: "sequential", addressing: "en-bloc", answerTimer: false, continuityCheck: false }] }),
    ).toThrow(/trunks\[0\]\.circuits\[0\]: 3 CICs on 2 timeslots/);
  });
});
