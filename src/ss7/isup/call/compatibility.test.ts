import { describe, expect, it } from "vitest";
import type { MessageCompatibilityValue, ParameterInstruction } from "../codec/index.js";
import { unrecognisedMessageDecision, unrecognisedParametersDecision } from "./compatibility.js";

const mci = (o: Partial<MessageCompatibilityValue>): MessageCompatibilityValue => ({
  transitAtIntermediateExchangeIndicator: 1,
  releaseCallIndicator: 0,
  sendNotificationIndicator: 0,
  discardMessageIndicator: 0,
  passOnNotPossibleIndicator: 0,
  broadbandNarrowbandInterworkingIndicator: 0,
  ...o,
});

const pci = (code: number, o: Partial<ParameterInstruction>): ParameterInstruction => ({
  parameterCode: code,
  transitAtIntermediateExchangeIndicator: 1,
  releaseCallIndicator: 0,
  sendNotificationIndicator: 0,
  discardMessageIndicator: 0,
  discardParameterIndicator: 0,
  passOnNotPossibleIndicator: 0,
  ...o,
});

describe("unrecognised messages (Q.764 §2.9.5.3.1)", () => {
  it("without instruction indicators: discard and CFN 97 at an end node, pass on at a transit point", () => {
    expect(unrecognisedMessageDecision(0xf0, undefined, false)).toEqual({ action: "discard", notify: { cause: 97, diagnostics: "f0" } });
    expect(unrecognisedMessageDecision(0xf0, undefined, true)).toEqual({ action: "pass-on" });
  });

  it("follows the indicators: release, discard with or without notification, pass on, pass on not possible", () => {
    expect(unrecognisedMessageDecision(0xf0, mci({ releaseCallIndicator: 1 }), false)).toEqual({ action: "release", cause: 97, diagnostics: "f0" });
    expect(unrecognisedMessageDecision(0xf0, mci({ discardMessageIndicator: 1 }), false)).toEqual({ action: "discard" });
    expect(unrecognisedMessageDecision(0xf0, mci({ discardMessageIndicator: 1, sendNotificationIndicator: 1 }), false)).toEqual({
      action: "discard",
      notify: { cause: 97, diagnostics: "f0" },
    });
    expect(unrecognisedMessageDecision(0xf0, mci({}), true)).toEqual({ action: "pass-on" });
    expect(unrecognisedMessageDecision(0xf0, mci({}), false)).toEqual({ action: "release", cause: 97, diagnostics: "f0" });
    expect(unrecognisedMessageDecision(0xf0, mci({ passOnNotPossibleIndicator: 1, sendNotificationIndicator: 1 }), false).action).toBe("discard");
  });

  it("transit interpretation applies only where passing on is possible", () => {
    expect(unrecognisedMessageDecision(0xf0, mci({ transitAtIntermediateExchangeIndicator: 0, releaseCallIndicator: 1 }), true)).toEqual({ action: "pass-on" });
    expect(unrecognisedMessageDecision(0xf0, mci({ transitAtIntermediateExchangeIndicator: 0, releaseCallIndicator: 1 }), false).action).toBe("release");
  });
});

describe("unrecognised parameters (Q.764 §2.9.5.3.2)", () => {
  it("without instruction: discard the parameter with CFN 99 (end node), pass it on (transit point)", () => {
    expect(unrecognisedParametersDecision([{ code: 0xf5, instruction: undefined }], false)).toEqual({
      action: "process",
      discard: [0xf5],
      notifications: [{ cause: 99, diagnostics: "f5" }],
    });
    expect(unrecognisedParametersDecision([{ code: 0xf5, instruction: undefined }], true)).toEqual({ action: "process", discard: [], notifications: [] });
  });

  it("the most severe instruction wins: release over discard message over discard parameter", () => {
    const list = [
      { code: 0xf1, instruction: pci(0xf1, { discardParameterIndicator: 1, sendNotificationIndicator: 1 }) },
      { code: 0xf2, instruction: pci(0xf2, { discardMessageIndicator: 1, sendNotificationIndicator: 1 }) },
    ];
    expect(unrecognisedParametersDecision(list, false)).toEqual({ action: "discard-message", notifications: [{ cause: 110, diagnostics: "f2" }] });
    expect(unrecognisedParametersDecision([...list, { code: 0xf3, instruction: pci(0xf3, { releaseCallIndicator: 1 }) }], false)).toEqual({
      action: "release",
      cause: 99,
      diagnostics: "f3",
    });
  });

  it("pass on with notification gives cause 103; pass on not possible follows bits G F", () => {
    expect(unrecognisedParametersDecision([{ code: 0xf1, instruction: pci(0xf1, { sendNotificationIndicator: 1 }) }], true)).toEqual({
      action: "process",
      discard: [],
      notifications: [{ cause: 103, diagnostics: "f1" }],
    });
    const notPossible = (v: number) => unrecognisedParametersDecision([{ code: 0xf1, instruction: pci(0xf1, { passOnNotPossibleIndicator: v }) }], false).action;
    expect([0, 1, 2, 3].map(notPossible)).toEqual(["release", "discard-message", "process", "release"]);
  });
});
