/**
 * Abnormal conditions end to end: dual seizure, unexpected messages,
 * compatibility procedures for unrecognised information, continuity checks.
 * Names follow Q.784.1 where a test matches, Q.764 clauses otherwise.
 */
import { describe, expect, it } from "vitest";
import type { IsupMessage, IsupParameter } from "../../../src/ss7/isup/codec/index.js";
import { Pair, allIdle, cics, establish, expectOk, iam } from "./harness.js";

const S = 1000;
const MIN = 60 * S;

function instruction(code: number, bits: Partial<Record<string, number>>) {
  return {
    parameterCode: code,
    transitAtIntermediateExchangeIndicator: 1,
    releaseCallIndicator: 0,
    sendNotificationIndicator: 0,
    discardMessageIndicator: 0,
    discardParameterIndicator: 0,
    passOnNotPossibleIndicator: 0,
    ...bits,
  };
}

function withParameters(m: IsupMessage, extra: IsupParameter[]): IsupMessage {
  return { ...m, parameters: [...m.parameters, ...extra] };
}

/** An unrecognised message type 0xF0 whose body is an optional part with the given message compatibility information octet (or none). */
function unknownMessage(cic: number, mci?: number): IsupMessage {
  const body = mci === undefined ? "00" : `013801${mci.toString(16).padStart(2, "0")}00`;
  return { messageType: "unrecognised", messageTypeCode: 0xf0, cic, parameters: [], body };
}

describe("ISUP abnormal conditions between A and B", () => {
  it("Q.784.1 6.3.1 dual seizure: the non-controlling exchange backs off and repeats its call", async () => {
    const p = new Pair({ cics: cics(1, 4) });
    p.startBoth();
    p.note("A and B seize CIC 1 at the same time; A (lower point code) controls odd CICs");
    const ra = p.a.node.setupRequest({ group: "to-B", iam: iam("itu", "111") });
    const rb = p.b.node.setupRequest({ group: "to-A", iam: iam("itu", "222") });
    expect(ra.ok && rb.ok && ra.circuit.cic === 1 && rb.circuit.cic === 1).toBe(true);
    p.settle();
    expect(p.b.user.last("REATTEMPT.ind")).toMatchObject({ reason: "dual-seizure", previous: { cic: 1 }, circuit: { cic: 2 } });
    expect(p.b.user.last("SETUP.ind")?.circuit.cic).toBe(1);
    expect(p.a.user.last("SETUP.ind")?.circuit.cic).toBe(2);
    expect([...p.a.sent, ...p.b.sent].filter((m) => m.messageType === "REL")).toHaveLength(0);
    const inB = p.b.user.last("SETUP.ind");
    const inA = p.a.user.last("SETUP.ind");
    if (!inA || !inB || !ra.ok || !rb.ok) throw new Error("calls missing");
    expectOk(p.b.node.answerRequest(inB.call, p.sample("CON")));
    expectOk(p.a.node.answerRequest(inA.call, p.sample("CON")));
    p.settle();
    expectOk(p.a.node.releaseRequest(ra.call, { cause: 16, location: 0 }));
    expectOk(p.b.node.releaseRequest(rb.call, { cause: 16, location: 0 }));
    p.settle();
    expect(allIdle(p)).toEqual([]);
    p.stop();
    await expect(p.t.text()).toMatchFileSnapshot("../../golden/isup/dual-seizure.txt");
  });

  it("dual seizure on an even CIC: B controls it, A backs off", () => {
    const p = new Pair({ cics: [2, 3] });
    p.startBoth();
    const ra = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    const rb = p.b.node.setupRequest({ group: "to-A", iam: iam("itu") });
    expect(ra.ok && rb.ok && ra.circuit.cic === 2 && rb.circuit.cic === 2).toBe(true);
    p.settle();
    expect(p.a.user.last("REATTEMPT.ind")).toMatchObject({ reason: "dual-seizure", circuit: { cic: 3 } });
    expect(p.b.user.count("REATTEMPT.ind")).toBe(0);
    p.stop();
  });

  it("Q.764 §2.9.1.3 odd/even hunting: each side takes the circuits it controls, no glare", () => {
    const p = new Pair({ cics: cics(1, 6), groupA: { hunting: "odd-even" }, groupB: { hunting: "odd-even" } });
    p.startBoth();
    const ra = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    const rb = p.b.node.setupRequest({ group: "to-A", iam: iam("itu") });
    expect([ra.ok && ra.circuit.cic, rb.ok && rb.circuit.cic]).toEqual([1, 2]);
    p.settle();
    expect(p.a.user.count("REATTEMPT.ind") + p.b.user.count("REATTEMPT.ind")).toBe(0);
    p.stop();
  });

  it("Q.784.1 1.5.1 unexpected messages on an idle circuit: REL -> RLC, RLC discarded, others reset the circuit", async () => {
    const p = new Pair({ cics: cics(1, 4) });
    p.startBoth();
    p.inject(p.a, { messageType: "REL", cic: 1, parameters: [{ name: "causeIndicators", value: { codingStandard: 0, location: 0, causeValue: 16 } }] });
    p.inject(p.a, { messageType: "RLC", cic: 2, parameters: [] });
    p.inject(p.a, { ...p.sample("ACM"), cic: 3 });
    p.settle();
    expect(p.b.sent.map((m) => `${m.messageType}${m.cic}`)).toEqual(["GRS1", "GRA1", "RLC1", "RSC3"]);
    expect(allIdle(p)).toEqual([]);
    p.stop();
    await expect(p.t.text()).toMatchFileSnapshot("../../golden/isup/unexpected-idle.txt");
  });

  it("Q.784.1 1.5.2 / 1.5.3 unexpected messages during set-up are discarded; an RLC during a call releases it", () => {
    const p = new Pair({ cics: cics(1, 4) });
    p.startBoth();
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    if (!r.ok) throw new Error(r.reason);
    p.settle();
    p.b.sent.length = 0;
    p.inject(p.a, { ...p.sample("ANM"), cic: 1 });
    p.settle();
    expect(p.b.sent).toHaveLength(0);
    expect(p.b.node.status()[0]?.call).toBe("InProceeding");
    p.inject(p.a, { messageType: "RLC", cic: 1, parameters: [] });
    p.settle();
    expect(p.b.sent.map((m) => m.messageType)).toEqual(["REL"]);
    expect(p.b.user.last("RELEASE.ind")).toMatchObject({ cause: 111, reason: "protocol-error" });
    p.settle();
    expect(allIdle(p)).toEqual([]);
    p.stop();
  });

  it("Q.764 §2.9.5.3.1 unrecognised messages: CFN by default, release, discard, pass on", () => {
    const p = new Pair({ cics: cics(1, 4) });
    p.startBoth();
    const c = establish(p, p.a);
    p.b.sent.length = 0;
    // No instruction indicators: discarded, CFN cause 97 with the message type code.
    p.inject(p.a, unknownMessage(c.cic));
    p.settle();
    expect(p.b.sent.map((m) => m.messageType)).toEqual(["CFN"]);
    expect(p.b.sent[0]?.parameters[0]).toMatchObject({ value: { causeValue: 97, diagnostics: "f0" } });
    expect(p.a.user.last("CALL-MESSAGE.ind")).toBeUndefined();
    expect(p.a.user.alerts.map((a) => a.kind)).toEqual(["confusion-received"]);
    // End node interpretation, discard message, no notification.
    p.inject(p.a, unknownMessage(c.cic, 0x80 | 0x08 | 0x01));
    p.settle();
    expect(p.b.sent).toHaveLength(1);
    // Release call indicator: REL cause 97.
    p.inject(p.a, unknownMessage(c.cic, 0x80 | 0x02 | 0x01));
    p.settle();
    expect(p.b.sent[1]).toMatchObject({ messageType: "REL", parameters: [{ value: { causeValue: 97, diagnostics: "f0" } }] });
    expect(p.b.user.last("RELEASE.ind")).toMatchObject({ cause: 97, reason: "unrecognised-information" });
    p.settle();
    expect(allIdle(p)).toEqual([]);
    p.stop();
  });

  it("Q.764 §2.9.5.3.1 a SIP-T gateway (pass on possible) passes unrecognised messages to its user", () => {
    const p = new Pair({ cics: cics(1, 4), node: { passOn: true } });
    p.startBoth();
    const c = establish(p, p.a);
    p.inject(p.a, unknownMessage(c.cic, 0x80 | 0x04));
    p.settle();
    const ind = p.b.user.last("CALL-MESSAGE.ind");
    expect(ind?.message).toMatchObject({ messageType: "unrecognised", messageTypeCode: 0xf0 });
    expect(ind?.octets[2]).toBe(0xf0);
    expect(p.b.sent.filter((m) => m.messageType === "CFN")).toHaveLength(0);
    p.stop();
  });

  it("Q.764 §2.9.5.3.2 unrecognised parameters: discarded with CFN, or the call released, or the message discarded", () => {
    const p = new Pair({ cics: cics(1, 4) });
    p.startBoth();
    const unknown: IsupParameter = { name: "unrecognised", code: 0xf5, raw: "abcd" };
    // No instruction: the parameter is discarded and a CFN (99) sent; the call goes on.
    p.inject(p.a, withParameters({ ...iam("itu"), cic: 1 }, [unknown]));
    p.settle();
    const setup = p.b.user.last("SETUP.ind");
    expect(setup?.message.parameters.some((x) => x.name === "unrecognised")).toBe(false);
    expect(p.b.sent.filter((m) => m.messageType === "CFN")[0]?.parameters[0]).toMatchObject({ value: { causeValue: 99, diagnostics: "f5" } });
    // Release call indicator: REL with cause 99, no call offered.
    const pci = (bits: Partial<Record<string, number>>): IsupParameter => ({ name: "parameterCompatibilityInformation", value: { instructions: [instruction(0xf5, bits)] } });
    p.inject(p.a, withParameters({ ...iam("itu"), cic: 2 }, [unknown, pci({ releaseCallIndicator: 1 })]));
    p.settle();
    expect(p.b.user.count("SETUP.ind")).toBe(1);
    expect(p.b.sent.find((m) => m.messageType === "REL" && m.cic === 2)?.parameters[0]).toMatchObject({ value: { causeValue: 99, diagnostics: "f5" } });
    // Discard message with notification: CFN 110, the ACM is not processed.
    if (!setup) throw new Error("no setup");
    p.inject(p.a, withParameters({ ...p.sample("ACM"), cic: 1 }, [unknown, pci({ discardMessageIndicator: 1, sendNotificationIndicator: 1 })]));
    p.settle();
    expect(p.b.sent.filter((m) => m.messageType === "CFN")[1]?.parameters[0]).toMatchObject({ value: { causeValue: 110, diagnostics: "f5" } });
    expect(p.b.node.status()[0]?.call).toBe("InProceeding");
    p.stop();
  });

  it("Q.784.1 6.1.1 continuity check required: loop at B, transceiver at A, COT", async () => {
    const p = new Pair({ cics: cics(1, 4), groupA: { continuityCheck: true } });
    p.startBoth();
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    if (!r.ok) throw new Error(r.reason);
    p.settle();
    const s = p.b.user.last("SETUP.ind");
    expect(s?.continuity).toBe("required");
    expect(p.b.user.last("CONTINUITY.ind")?.call).toBe(s?.call);
    if (!s) throw new Error("no setup");
    expectOk(p.b.node.addressCompleteRequest(s.call, p.sample("ACM")));
    expectOk(p.b.node.answerRequest(s.call, p.sample("ANM")));
    p.settle();
    expectOk(p.a.node.releaseRequest(r.call, { cause: 16, location: 0 }));
    p.settle();
    expect(allIdle(p)).toEqual([]);
    expect([...p.wire.loops.values()].every((l) => l.size === 0)).toBe(true);
    p.stop();
    await expect(p.t.text()).toMatchFileSnapshot("../../golden/isup/continuity-check.txt");
  });

  it("Q.784.1 6.2.4 continuity failure: COT failure, repeat attempt, recheck with CCR after T25 and T26 until it passes", async () => {
    const p = new Pair({ cics: cics(1, 3), groupA: { continuityCheck: true } });
    p.startBoth();
    p.wire.broken.add(1);
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    if (!r.ok) throw new Error(r.reason);
    p.settle();
    expect(p.a.user.last("REATTEMPT.ind")).toMatchObject({ reason: "continuity-failure", circuit: { cic: 2 } });
    expect(p.b.user.last("CONTINUITY.ind")?.circuit.cic).toBe(2);
    expect(p.b.user.indications.find((i) => i.primitive === "RELEASE.ind")).toMatchObject({ reason: "continuity-failure", circuit: { cic: 1 } });
    p.clock.advance(5 * S);
    expect(p.a.sent.filter((m) => m.messageType === "CCR")).toHaveLength(1);
    p.clock.advance(2 * MIN + S);
    expect(p.a.sent.filter((m) => m.messageType === "CCR")).toHaveLength(2);
    expect(p.a.user.alerts.map((x) => x.kind)).toEqual(["continuity-failure"]);
    p.wire.broken.delete(1);
    p.clock.advance(2 * MIN + S);
    expect(p.a.node.status()[0]?.call).toBe("Idle");
    expect(p.b.node.status()[0]?.call).toBe("Idle");
    p.stop();
    await expect(p.t.text()).toMatchFileSnapshot("../../golden/isup/continuity-recheck.txt");
  });

  it("Q.784.1 5.2.5 T8: no COT, B releases", () => {
    const p = new Pair({ cics: cics(1, 2), groupA: { continuityCheck: true } });
    p.startBoth();
    p.drops = [(from, m) => from === "A" && m.messageType === "COT"];
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    expect(r.ok).toBe(true);
    p.settle();
    p.clock.advance(12 * S);
    expect(p.b.user.last("RELEASE.ind")).toMatchObject({ timer: "T8", cause: 41 });
    expect(p.a.user.last("RELEASE.ind")).toMatchObject({ reason: "remote" });
    p.settle();
    expect(allIdle(p)).toEqual([]);
    p.stop();
  });

  it("T27: no recheck after a continuity failure, the circuit is reset", () => {
    const p = new Pair({ cics: cics(1, 2), groupA: { continuityCheck: true } });
    p.startBoth();
    p.wire.broken.add(1);
    p.drops = [(from, m) => from === "A" && m.messageType === "CCR"];
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    expect(r.ok).toBe(true);
    p.settle();
    p.clock.advance(4 * MIN);
    expect(p.b.sent.filter((m) => m.messageType === "RSC").map((m) => m.cic)).toEqual([1]);
    p.settle();
    expect(p.a.node.status()[0]?.call).toBe("Idle");
    expect(p.b.node.status()[0]).toMatchObject({ call: "Idle", procedures: [] });
    p.stop();
  });

  it("Q.784.1 1.4.2 CCR sent: continuity test call passes, REL ends it", () => {
    const p = new Pair({ cics: cics(1, 2) });
    p.startBoth();
    expectOk(p.a.node.continuityTest("to-B", 2));
    p.settle();
    expect(p.a.sent.slice(-2).map((m) => m.messageType)).toEqual(["CCR", "REL"]);
    expect(allIdle(p)).toEqual([]);
    p.stop();
  });

  it("continuity on a previous circuit: B waits for COT, A's user reports it", () => {
    const p = new Pair({ cics: cics(1, 2) });
    p.startBoth();
    const base = iam("itu");
    const prev = { ...base, parameters: base.parameters.map((x) => (x.name === "natureOfConnectionIndicators" && "value" in x ? { name: x.name, value: { ...x.value, continuityCheckIndicator: 2 } } : x)) };
    const r = p.a.node.setupRequest({ group: "to-B", iam: prev });
    if (!r.ok) throw new Error(r.reason);
    p.settle();
    expect(p.b.user.last("SETUP.ind")?.continuity).toBe("previous");
    expect(p.wire.loops.get("B")?.size ?? 0).toBe(0);
    expectOk(p.a.node.continuityReport(r.call, true));
    p.settle();
    expect(p.b.user.last("CONTINUITY.ind")).toBeDefined();
    p.stop();
  });
});
