/**
 * End-to-end calls between two ISUP signalling points over the in-memory MTP.
 * Test names carry the Q.784.1 (ISUP basic call test specification) numbers
 * and titles they follow; golden transcripts are in test/golden/isup/.
 */
import { describe, expect, it } from "vitest";
import { earlyAcmMessage } from "../../../src/ss7/isup/call/message-builders.js";
import { Pair, allIdle, cics, establish, expectOk, iam } from "./harness.js";

const S = 1000;

describe("ISUP calls between A and B", () => {
  it("Q.784.1 2.2.1 'en bloc' operation; 3.1 calling party clearing", async () => {
    const p = new Pair();
    p.startBoth();
    p.note("call A -> B");
    const c = establish(p, p.a);
    expect(p.a.user.last("ANSWER.ind")?.call).toBe(c.out);
    expectOk(p.a.node.releaseRequest(c.out, { cause: 16, location: 0 }));
    p.settle();
    const rel = p.b.user.last("RELEASE.ind");
    expect(rel?.cause).toBe(16);
    expect(rel?.reason).toBe("remote");
    expect(rel?.octets?.length).toBeGreaterThan(3);
    expect(allIdle(p)).toEqual([]);
    p.stop();
    expect(p.clock.armed).toBe(0);
    await expect(p.t.text()).toMatchFileSnapshot("../../golden/isup/basic-call-en-bloc.txt");
  });

  it("Q.784.1 3.2 called party clearing (call B -> A)", () => {
    const p = new Pair();
    p.startBoth();
    const c = establish(p, p.b);
    expectOk(p.a.node.releaseRequest(c.in, { cause: 16, location: 1 }));
    p.settle();
    expect(p.b.user.last("RELEASE.ind")?.call).toBe(c.out);
    expect(allIdle(p)).toEqual([]);
    p.stop();
  });

  it("Q.784.1 2.2.2 overlap operation (with SAM)", async () => {
    const p = new Pair({ groupA: { addressing: "overlap" }, groupB: { addressing: "overlap" } });
    p.startBoth();
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu", "212") });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    p.settle();
    const setup = p.b.user.last("SETUP.ind");
    expect(setup?.addressComplete).toBe(false);
    expectOk(p.a.node.subsequentAddressRequest(r.call, { messageType: "SAM", cic: 0, parameters: [{ name: "subsequentNumber", value: { digits: "555" } }] }));
    p.settle(5 * S);
    expectOk(p.a.node.subsequentAddressRequest(r.call, { messageType: "SAM", cic: 0, parameters: [{ name: "subsequentNumber", value: { digits: "1234F" } }] }));
    p.settle();
    const sams = p.b.user.indications.filter((i) => i.primitive === "SUBSEQUENT-ADDRESS.ind");
    expect(sams.map((i) => (i.primitive === "SUBSEQUENT-ADDRESS.ind" ? `${i.digits}:${i.addressComplete}` : ""))).toEqual(["555:false", "1234F:true"]);
    if (!setup) return;
    expectOk(p.b.node.addressCompleteRequest(setup.call, p.sample("ACM")));
    p.settle();
    expectOk(p.b.node.answerRequest(setup.call, p.sample("ANM")));
    p.settle();
    expectOk(p.b.node.releaseRequest(setup.call, { cause: 16, location: 1 }));
    p.settle();
    expect(allIdle(p)).toEqual([]);
    p.stop();
    await expect(p.t.text()).toMatchFileSnapshot("../../golden/isup/overlap-sam.txt");
  });

  it("overlap receiving: T35 expires without further digits, release with cause 28", () => {
    const p = new Pair({ groupA: { addressing: "overlap" }, groupB: { addressing: "overlap" } });
    p.startBoth();
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu", "212") });
    expect(r.ok).toBe(true);
    p.settle();
    p.clock.advance(20 * S);
    expect(p.b.user.last("RELEASE.ind")).toMatchObject({ cause: 28, reason: "timeout", timer: "T35" });
    expect(p.a.user.last("RELEASE.ind")).toMatchObject({ cause: 28, reason: "remote" });
    p.settle();
    expect(allIdle(p)).toEqual([]);
    p.stop();
  });

  it("sufficient address stops T35; an en bloc group refuses SAM", () => {
    const p = new Pair({ groupB: { addressing: "overlap" } });
    p.startBoth();
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu", "212") });
    if (!r.ok) throw new Error(r.reason);
    expect(p.a.node.subsequentAddressRequest(r.call, { messageType: "SAM", cic: 0, parameters: [{ name: "subsequentNumber", value: { digits: "5" } }] }).ok).toBe(false);
    p.settle();
    const setup = p.b.user.last("SETUP.ind");
    if (!setup) throw new Error("no setup");
    expectOk(p.b.node.sufficientAddress(setup.call));
    p.clock.advance(21 * S);
    expect(p.b.user.count("RELEASE.ind")).toBe(0);
    p.clock.advance(4 * S);
    expect(p.a.user.last("RELEASE.ind")?.timer).toBe("T7");
    p.settle();
    expect(p.b.user.last("RELEASE.ind")?.reason).toBe("remote");
    p.stop();
  });

  it("Q.784.1 2.3.2 ordinary call with ACM, CPG and ANM", () => {
    const p = new Pair();
    p.startBoth();
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    if (!r.ok) throw new Error(r.reason);
    p.settle();
    const s = p.b.user.last("SETUP.ind");
    if (!s) throw new Error("no setup");
    expect(p.b.node.progressRequest(s.call, p.sample("CPG")).ok).toBe(false);
    expectOk(p.b.node.addressCompleteRequest(s.call, p.sample("ACM")));
    expectOk(p.b.node.progressRequest(s.call, p.sample("CPG")));
    expect(p.b.node.answerRequest(s.call, p.sample("CON")).ok).toBe(false);
    expectOk(p.b.node.answerRequest(s.call, p.sample("ANM")));
    p.settle();
    expect(p.a.user.indications.map((i) => i.primitive)).toEqual(["ADDRESS-COMPLETE.ind", "PROGRESS.ind", "ANSWER.ind"]);
    p.stop();
  });

  it("Q.784.1 2.3.3 ordinary call with CON", () => {
    const p = new Pair();
    p.startBoth();
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    if (!r.ok) throw new Error(r.reason);
    p.settle();
    const s = p.b.user.last("SETUP.ind");
    if (!s) throw new Error("no setup");
    expect(p.b.node.answerRequest(s.call, p.sample("ANM")).ok).toBe(false);
    expectOk(p.b.node.answerRequest(s.call, p.sample("CON")));
    p.settle();
    expect(p.a.user.last("CONNECT.ind")?.call).toBe(r.call);
    expect(p.a.node.status()[0]?.call).toBe("Active");
    p.stop();
  });

  it("Q.784.1 3.6 collision of REL messages", async () => {
    const p = new Pair();
    p.startBoth();
    const c = establish(p, p.a);
    p.note("both release at once");
    expectOk(p.a.node.releaseRequest(c.out, { cause: 16, location: 0 }));
    expectOk(p.b.node.releaseRequest(c.in, { cause: 16, location: 1 }));
    p.settle();
    expect(p.a.sent.filter((m) => m.messageType === "RLC")).toHaveLength(1);
    expect(p.b.sent.filter((m) => m.messageType === "RLC")).toHaveLength(1);
    expect(p.a.user.count("RELEASE.ind") + p.b.user.count("RELEASE.ind")).toBe(0);
    expect(allIdle(p)).toEqual([]);
    p.stop();
    await expect(p.t.text()).toMatchFileSnapshot("../../golden/isup/release-collision.txt");
  });

  it("Q.784.1 3.3 suspend initiated by the network, resumed; 5.2.4 T6 expiry", () => {
    const p = new Pair();
    p.startBoth();
    const c = establish(p, p.a);
    const sus = { messageType: "SUS", cic: 0, parameters: [{ name: "suspendResumeIndicators", value: { suspendResumeIndicator: 1 } }] };
    const res = { ...sus, messageType: "RES" };
    expectOk(p.b.node.suspendRequest(c.in, sus));
    p.settle();
    expect(p.a.user.last("SUSPEND.ind")?.initiator).toBe("network");
    expectOk(p.b.node.resumeRequest(c.in, res));
    p.settle();
    expect(p.a.user.last("RESUME.ind")?.initiator).toBe("network");
    expectOk(p.b.node.suspendRequest(c.in, sus));
    p.settle();
    p.clock.advance(30 * S);
    expect(p.a.user.last("RELEASE.ind")).toMatchObject({ cause: 102, timer: "T6" });
    expect(p.b.user.last("RELEASE.ind")).toMatchObject({ cause: 102, reason: "remote" });
    p.settle();
    expect(allIdle(p)).toEqual([]);
    p.stop();
  });

  it("Q.784.1 3.4 suspend and resume by the subscriber; T2 expiry releases", () => {
    const p = new Pair();
    p.startBoth();
    const c = establish(p, p.a);
    const sus = { messageType: "SUS", cic: 0, parameters: [{ name: "suspendResumeIndicators", value: { suspendResumeIndicator: 0 } }] };
    expectOk(p.b.node.suspendRequest(c.in, sus));
    p.settle();
    expect(p.a.user.last("SUSPEND.ind")?.initiator).toBe("user");
    p.clock.advance(179 * S);
    expect(p.a.user.count("RELEASE.ind")).toBe(0);
    p.clock.advance(1 * S);
    expect(p.a.user.last("RELEASE.ind")?.timer).toBe("T2");
    p.settle();
    expect(allIdle(p)).toEqual([]);
    p.stop();
  });

  it("INR/INF, and T33 when no INF comes", () => {
    const p = new Pair();
    p.startBoth();
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    if (!r.ok) throw new Error(r.reason);
    p.settle();
    const s = p.b.user.last("SETUP.ind");
    if (!s) throw new Error("no setup");
    expectOk(p.b.node.informationRequest(s.call, p.sample("INR")));
    p.settle();
    expect(p.a.user.last("INFORMATION-REQUEST.ind")?.call).toBe(r.call);
    expectOk(p.a.node.informationResponse(r.call, p.sample("INF")));
    p.settle();
    expect(p.b.user.last("INFORMATION.ind")?.call).toBe(s.call);
    expectOk(p.b.node.informationRequest(s.call, p.sample("INR")));
    p.clock.advance(14 * S);
    expect(p.b.user.last("RELEASE.ind")?.timer).toBe("T33");
    p.settle();
    expect(allIdle(p)).toEqual([]);
    p.stop();
  });

  it("Q.784.1 5.2.1 T7: waiting for ACM or CON", async () => {
    const p = new Pair({ cics: [1, 2] });
    p.startBoth();
    p.drops = [(from, m) => from === "A" && m.messageType === "IAM"];
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    expect(r.ok).toBe(true);
    p.clock.advance(25 * S);
    expect(p.a.user.last("RELEASE.ind")).toMatchObject({ cause: 102, reason: "timeout", timer: "T7" });
    p.settle();
    expect(allIdle(p)).toEqual([]);
    p.stop();
    await expect(p.t.text()).toMatchFileSnapshot("../../golden/isup/t7-expiry.txt");
  });

  it("Q.784.1 5.2.2 T9: waiting for an answer message", () => {
    const p = new Pair({ groupA: { answerTimer: true } });
    p.startBoth();
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    if (!r.ok) throw new Error(r.reason);
    p.settle();
    const s = p.b.user.last("SETUP.ind");
    if (!s) throw new Error("no setup");
    expectOk(p.b.node.addressCompleteRequest(s.call, p.sample("ACM")));
    p.settle();
    p.clock.advance(90 * S);
    expect(p.a.user.last("RELEASE.ind")).toMatchObject({ cause: 19, timer: "T9" });
    expect(p.b.user.last("RELEASE.ind")).toMatchObject({ cause: 19, reason: "remote" });
    p.settle();
    expect(allIdle(p)).toEqual([]);
    p.stop();
  });

  it("Q.784.1 5.2.3 T1 and T5: failure to receive RLC, then RSC on T17", async () => {
    const p = new Pair({ cics: [1, 2] });
    p.startBoth();
    const c = establish(p, p.a);
    p.drops = [(from, m) => from === "B" && m.messageType === "RLC"];
    expectOk(p.a.node.releaseRequest(c.out, { cause: 16, location: 0 }));
    p.clock.advance(5 * 60 * S);
    const rels = p.a.sent.filter((m) => m.messageType === "REL");
    expect(rels).toHaveLength(1 + Math.floor((5 * 60) / 15) - 1);
    expect(p.a.user.alerts.map((a) => a.kind)).toEqual(["release-not-completed"]);
    expect(p.a.sent[p.a.sent.length - 1]?.messageType).toBe("RSC");
    expect(p.a.node.status()[0]?.procedures).toEqual(["RSC"]);
    p.clock.advance(60 * S);
    expect(p.a.sent.filter((m) => m.messageType === "RSC")).toHaveLength(1);
    p.drops = [];
    p.clock.advance(4 * 60 * S);
    expect(p.a.sent.filter((m) => m.messageType === "RSC")).toHaveLength(2);
    p.settle();
    expect(allIdle(p)).toEqual([]);
    p.stop();
    await expect(p.t.text()).toMatchFileSnapshot("../../golden/isup/t1-t5-rsc.txt");
  });

  it("T11: early ACM at an interworking exchange", () => {
    const p = new Pair({ groupB: { earlyAcm: earlyAcmMessage() } });
    p.startBoth();
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    if (!r.ok) throw new Error(r.reason);
    p.clock.advance(17 * S + 10);
    const early = p.b.user.last("EARLY-ACM.ind");
    expect(early?.message.messageType).toBe("ACM");
    expect(p.a.user.last("ADDRESS-COMPLETE.ind")?.call).toBe(r.call);
    const s = p.b.user.last("SETUP.ind");
    if (!s) throw new Error("no setup");
    expect(p.b.node.addressCompleteRequest(s.call, p.sample("ACM")).ok).toBe(false);
    expectOk(p.b.node.answerRequest(s.call, p.sample("ANM")));
    p.settle();
    expect(p.a.user.last("ANSWER.ind")?.call).toBe(r.call);
    p.stop();
  });

  it("in-call messages pass both ways (FAC, APM)", () => {
    const p = new Pair();
    p.startBoth();
    const c = establish(p, p.a);
    expectOk(p.a.node.callMessageRequest(c.out, p.sample("FAC")));
    expectOk(p.b.node.callMessageRequest(c.in, p.sample("APM")));
    expect(p.b.node.callMessageRequest(c.in, p.sample("BLO")).ok).toBe(false);
    p.settle();
    expect(p.b.user.last("CALL-MESSAGE.ind")?.message.messageType).toBe("FAC");
    expect(p.a.user.last("CALL-MESSAGE.ind")?.message.messageType).toBe("APM");
    p.stop();
  });

  it("ANSI T1.113: start-up resets in spans of at most 24 circuits; a call completes", () => {
    const p = new Pair({ variant: "ansi", cics: cics(1, 30) });
    p.startBoth();
    expect(p.a.sent.filter((m) => m.messageType === "GRS").map((m) => m.cic)).toEqual([1, 25]);
    const c = establish(p, p.a);
    expectOk(p.b.node.releaseRequest(c.in, { cause: 16, location: 1 }));
    p.settle();
    expect(allIdle(p)).toEqual([]);
    p.stop();
  });

  it("requests are refused with a reason, never thrown", () => {
    const p = new Pair();
    expect(p.a.node.setupRequest({ group: "to-B", iam: iam("itu") })).toMatchObject({ ok: false, reason: "ISUP not running" });
    p.startBoth();
    expect(p.a.node.setupRequest({ group: "nowhere", iam: iam("itu") }).ok).toBe(false);
    expect(p.a.node.setupRequest({ group: "to-B", iam: p.sample("ACM") }).ok).toBe(false);
    const bad = { ...iam("itu"), parameters: [] };
    const r = p.a.node.setupRequest({ group: "to-B", iam: bad });
    expect(r).toMatchObject({ ok: false, cause: 100 });
    expect(p.a.node.status().every((s) => s.call === "Idle")).toBe(true);
    expect(p.a.node.releaseRequest(999, { cause: 16, location: 0 }).ok).toBe(false);
    p.stop();
  });
});
