import { describe, expect, it } from "vitest";
import { arrow, LadderRecorder, renderLadder } from "./ladder.js";

describe("the ladder", () => {
  it("draws each message between its two columns, pointing the way it went", () => {
    const lines = renderLadder([
      { atMs: 7, lane: "sip", dir: "in", label: "INVITE 5551234 +SDP" },
      { atMs: 23, lane: "gateway", dir: "note", label: "INVITE received" },
      { atMs: 28, lane: "isup", dir: "out", label: "IAM cic 1 5551234" },
      { atMs: 32, lane: "isup", dir: "in", label: "ACM cic 1" },
      { atMs: 1033, lane: "sip", dir: "out", label: "200 OK +SDP" },
    ]);
    expect(lines.join("\n")).toBe(
      [
        "     time  PSTN (ISUP)                            gateway                                SIP",
        "  0.007 s       |                                    |<------- INVITE 5551234 +SDP -------|",
        "  0.023 s       |                                    * INVITE received                    |",
        "  0.028 s       |<-------- IAM cic 1 5551234 --------|                                    |",
        "  0.032 s       |------------ ACM cic 1 ------------>|                                    |",
        "  1.033 s       |                                    |----------- 200 OK +SDP ----------->|",
      ].join("\n"),
    );
  });

  it("shortens a label that does not fit, keeping the arrow's width", () => {
    const a = arrow(36, "x".repeat(80), true);
    expect(a).toHaveLength(36);
    expect(a).toMatch(/^-+ x{29}~ -+>$/);
  });

  it("keeps entries in time order relative to the start it is asked from", () => {
    let t = 100;
    const rec = new LadderRecorder(() => t);
    rec.add("sip", "in", "before");
    t = 200;
    rec.add("isup", "out", "IAM");
    t = 250;
    rec.add("gateway", "note", "IAM sent");
    expect(rec.since(150)).toEqual([
      { atMs: 50, lane: "isup", dir: "out", label: "IAM" },
      { atMs: 100, lane: "gateway", dir: "note", label: "IAM sent" },
    ]);
  });
});
