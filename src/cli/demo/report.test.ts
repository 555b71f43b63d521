import { describe, expect, it } from "vitest";
import type { CallResult } from "./report.js";
import { callJson, formatCall, summaryLine, verdictLine } from "./report.js";

const pass: CallResult = {
  id: "sip-pstn-answered",
  title: "SIP->PSTN answered",
  verdict: "PASS",
  durationMs: 1434.4,
  ladder: [
    { atMs: 7.2, lane: "sip", dir: "in", label: "INVITE 5551234 +SDP" },
    { atMs: 28.9, lane: "isup", dir: "out", label: "IAM cic 1 5551234" },
  ],
  audio: [{ path: "RTP -> switch (echo) -> RTP", sentHz: 1000, sentDbm0: -10, hz: 1000.04, dbm0: -10.17, purity: 0.9991, ok: true }],
};

describe("the demo's report", () => {
  it("writes the verdict line as `PASS  title  (time)`, with the reason of a failure", () => {
    expect(verdictLine(pass)).toBe("PASS  SIP->PSTN answered  (1.4 s)");
    expect(verdictLine({ ...pass, verdict: "FAIL", durationMs: 40, reason: "no ANM" })).toBe("FAIL  SIP->PSTN answered  (40 ms)  no ANM");
    expect(verdictLine({ ...pass, verdict: "NOT AVAILABLE", reason: "no PBX" })).toBe("N/A   SIP->PSTN answered  no PBX");
  });

  it("writes a call as its ladder, its audio and its verdict", () => {
    const text = formatCall(pass, 1).split("\n");
    expect(text[0]).toBe("--- 1. SIP->PSTN answered ---");
    expect(text).toContain("audio ok   RTP -> switch (echo) -> RTP: sent 1000 Hz -10 dBm0, measured 1000.0 Hz -10.2 dBm0, 100 % pure");
    expect(text[text.length - 2]).toBe("PASS  SIP->PSTN answered  (1.4 s)");
    expect(formatCall({ ...pass, audio: [] }, 2)).toContain("audio: none on this call");
  });

  it("gives one JSON object per call, sides and directions named", () => {
    const j = callJson(pass);
    expect(j).toEqual({
      model: "sip-pstn-answered",
      title: "SIP->PSTN answered",
      verdict: "PASS",
      seconds: 1.434,
      ladder: [
        { t: 0.007, side: "SIP", dir: "to-gateway", msg: "INVITE 5551234 +SDP" },
        { t: 0.029, side: "PSTN", dir: "from-gateway", msg: "IAM cic 1 5551234" },
      ],
      audio: [{ path: "RTP -> switch (echo) -> RTP", sentHz: 1000, sentDbm0: -10, hz: 1000, dbm0: -10.2, purity: 0.999, ok: true }],
    });
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });

  it("heads a PBX call's ladder `PBX (QSIG)` and names its side PBX in JSON", () => {
    const pbx: CallResult = {
      ...pass,
      id: "pbx-sip-answered",
      title: "PBX->SIP answered",
      left: "pbx",
      ladder: [{ atMs: 3.1, lane: "qsig", dir: "in", label: "SETUP cr 1 ch 1 2125551234" }],
      audio: [],
    };
    const text = formatCall(pbx, 6).split("\n");
    expect(text[1]).toMatch(/^ {5}time {2}PBX \(QSIG\) {4,}gateway {4,}SIP$/);
    expect(text[2]).toBe("  0.003 s       |--- SETUP cr 1 ch 1 2125551234 ---->|                                    |");
    expect((callJson(pbx)["ladder"] as unknown[])[0]).toEqual({ t: 0.003, side: "PBX", dir: "to-gateway", msg: "SETUP cr 1 ch 1 2125551234" });
    expect(formatCall(pass, 1).split("\n")[1]).toMatch(/^ {5}time {2}PSTN \(ISUP\) /);
  });

  it("sums up", () => {
    expect(summaryLine([pass, { ...pass, verdict: "FAIL" }, { ...pass, verdict: "NOT AVAILABLE" }])).toBe("1 passed, 1 failed, 1 not available");
    expect(summaryLine([pass])).toBe("1 passed, 0 failed");
  });
});
