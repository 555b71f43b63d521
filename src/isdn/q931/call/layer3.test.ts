import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { resolveTimers } from "../../../core/timers.js";
import { ie, SENDING_COMPLETE } from "../codec/q931-codec.js";
import { q931Timers } from "../timers.js";
import type { Q931Ie, Q931Message } from "../codec/q931-codec.js";
import type { Q931Call } from "./call.js";
import { CAUSE, causeIe, channelIe } from "./messages.js";
import { harness } from "./test-harness.test-support.js";
import type { End, Harness } from "./test-harness.test-support.js";

const SPEECH: Q931Ie = ie("bearerCapability", { codingStandard: 0, informationTransferCapability: 0, transferMode: 0, informationTransferRate: 0x10, layer1: { protocol: 3, additional: new Uint8Array(0) } });
const called = (digits: string): Q931Ie => ie("calledPartyNumber", { typeOfNumber: 0, numberingPlan: 9, digits });

function setupCall(h: Harness, from: End, ies: Q931Ie[] = [SPEECH, called("2001"), SENDING_COMPLETE], channel?: number): Q931Call {
  const r = (from === "A" ? h.A : h.B).setup(ies, channel);
  if (!r.ok) throw new Error(r.reason);
  return r.call;
}

function incoming(h: Harness, at: End): Q931Call {
  const i = h.ind[at].find((x) => x.primitive === "SETUP.ind");
  if (!i) throw new Error(`no SETUP.ind at ${at}`);
  return i.call;
}

function golden(name: string, h: Harness): void {
  const text = `${h.link.wireLog.join("\n")}\n--\n${h.events.join("\n")}\n--\n${h.log.transcript()}\n`;
  const file = new URL(`./golden/${name}.txt`, import.meta.url);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, "utf8"));
}

const msg = (cr: number, flag: boolean, messageType: Q931Message["messageType"], ies: Q931Ie[] = []): Q931Message => ({
  protocolDiscriminator: 8,
  callReference: { length: 2, value: cr, flag },
  messageType,
  ies,
});

describe("Q.931 call control: basic call (ECMA-143 §10.1-§10.3)", () => {
  it("SETUP to RELEASE COMPLETE, golden transcript", () => {
    const h = harness();
    const out = setupCall(h, "A");
    h.clock.advance(2);
    const inc = incoming(h, "B");
    expect(inc.channel).toBe(5);
    inc.proceeding();
    h.clock.advance(2);
    inc.alerting();
    h.clock.advance(2);
    inc.connect();
    h.clock.advance(2);
    expect([out.state, inc.state]).toEqual(["Active", "Active"]);
    expect(h.pools.A.state(5)).toBe("reserved");
    out.disconnect(CAUSE.normalClearing);
    h.clock.advance(2);
    h.ind.B.find((i) => i.primitive === "DISCONNECT.ind")?.call.release();
    h.clock.advance(5);
    expect([out.state, inc.state]).toEqual(["Null", "Null"]);
    expect([h.pools.A.isIdle(5), h.pools.B.isIdle(5)]).toEqual([true, true]);
    expect(h.A.activeCalls).toHaveLength(0);
    golden("basic-call", h);
  });

  it("delivers the called side's clearing and confirms the clearing side", () => {
    const h = harness();
    setupCall(h, "A");
    h.clock.advance(2);
    const inc = incoming(h, "B");
    inc.connect();
    h.clock.advance(2);
    inc.disconnect(CAUSE.userBusy);
    h.clock.advance(2);
    const disc = h.ind.A.find((i) => i.primitive === "DISCONNECT.ind");
    expect(disc).toBeDefined();
    disc?.call.release();
    h.clock.advance(5);
    // A answers the DISCONNECT with RELEASE carrying the DISCONNECT's cause (Q.931 §5.3.4).
    expect(h.link.wireLog.slice(-2)).toEqual(["6 A->B RELEASE cr=1 cause=17", "7 B->A RELEASE COMPLETE cr=1'"]);
    expect(h.events.filter((e) => e.includes("RELEASE"))).toEqual(["7 B RELEASE.conf cr=1 cause=17", "8 A RELEASE.conf cr=1 cause=17"]);
  });

  it("clear collision: both send DISCONNECT, both answer with RELEASE and go to Null (Q.931 §5.3.5)", () => {
    const h = harness();
    const out = setupCall(h, "A");
    h.clock.advance(2);
    const inc = incoming(h, "B");
    inc.connect();
    h.clock.advance(2);
    out.disconnect(16);
    inc.disconnect(16);
    h.clock.advance(10);
    expect([out.state, inc.state]).toEqual(["Null", "Null"]);
    expect(h.link.wireLog.slice(-4)).toEqual(["4 A->B DISCONNECT cr=1 cause=16", "4 B->A DISCONNECT cr=1' cause=16", "5 B->A RELEASE cr=1' cause=16", "5 A->B RELEASE cr=1 cause=16"]);
    expect(h.events.slice(-2)).toEqual(["6 A RELEASE.conf cr=1 cause=16", "6 B RELEASE.conf cr=1 cause=16"]);
  });

  it("rejects an incoming call before answering with RELEASE COMPLETE", () => {
    const h = harness();
    const out = setupCall(h, "A");
    h.clock.advance(2);
    incoming(h, "B").disconnect(CAUSE.userBusy);
    h.clock.advance(2);
    expect(out.state).toBe("Null");
    expect(h.link.wireLog.at(-1)).toBe("2 B->A RELEASE COMPLETE cr=1' cause=17");
    expect(h.ind.A.at(-1)).toMatchObject({ primitive: "RELEASE.ind", cause: 17 });
  });

  it("in Q.931 network mode answers without waiting for CONNECT ACKNOWLEDGE and reports network state numbers", () => {
    const h = harness({ A: { mode: "q931" }, B: { mode: "q931" } });
    setupCall(h, "B");
    h.clock.advance(2);
    const inc = incoming(h, "A");
    inc.alerting();
    h.clock.advance(2);
    expect(inc.callStateValue).toBe(4); // N4 call received
    inc.connect();
    expect(inc.state).toBe("Active");
    h.clock.advance(2);
    const out = h.ind.B.find((i) => i.primitive === "SETUP.conf")?.call;
    expect(out?.callStateValue).toBe(10);
    out?.statusEnquiry();
    h.clock.advance(3);
    expect(h.link.wireLog.filter((l) => l.includes("STATUS"))).toEqual(["6 B->A STATUS ENQUIRY cr=1", "7 A->B STATUS cr=1' cause=30 state=10"]);
    expect(out?.state).toBe("Active");
  });
});

describe("Q.931 call control: overlap sending and receiving (Q.931 §5.1.3, §5.2.4)", () => {
  it("SETUP ACKNOWLEDGE, INFORMATION digits, then CALL PROCEEDING", () => {
    const h = harness();
    const out = setupCall(h, "A", [SPEECH, called("2")]);
    h.clock.advance(2);
    const inc = incoming(h, "B");
    inc.moreInfo();
    h.clock.advance(2);
    expect(out.state).toBe("OverlapSending");
    out.information([called("0"), SENDING_COMPLETE]);
    h.clock.advance(2);
    const info = h.ind.B.find((i) => i.primitive === "INFO.ind");
    expect(info && "message" in info ? info.message.ies : []).toContainEqual(SENDING_COMPLETE);
    inc.proceeding();
    h.clock.advance(2);
    expect([out.state, inc.state]).toEqual(["OutgoingCallProceeding", "IncomingCallProceeding"]);
  });

  it("clears with cause 28 when T302 expires in overlap receiving", () => {
    const h = harness();
    setupCall(h, "A", [SPEECH, called("2")]);
    h.clock.advance(2);
    incoming(h, "B").moreInfo();
    h.clock.advance(15_002);
    // T302 runs from the SETUP ACKNOWLEDGE sent at 2 ms.
    expect(h.link.wireLog).toContain("15002 B->A DISCONNECT cr=1' cause=28");
  });

  it("clears with cause 102 when T304 expires in overlap sending", () => {
    const h = harness({ A: { timers: resolveTimers(q931Timers, { T304: 20_000 }) }, B: { timers: resolveTimers(q931Timers, { T302: 30_000 }) } });
    setupCall(h, "A", [SPEECH, called("2")]);
    h.clock.advance(2);
    incoming(h, "B").moreInfo();
    h.clock.advance(20_004);
    // T304 runs from the SETUP ACKNOWLEDGE received at 3 ms.
    expect(h.link.wireLog).toContain("20003 A->B DISCONNECT cr=1 cause=102");
  });
});

describe("Q.931 call control: timers (Q.931 Tables 9-1/9-2)", () => {
  it("T303: SETUP sent again once, then RELEASE COMPLETE cause 102", () => {
    const h = harness();
    h.link.drop = (from) => from === "A";
    const out = setupCall(h, "A");
    h.clock.advance(8_001);
    expect(h.link.wireLog.map((l) => l.replace(/ \(dropped\)/, ""))).toEqual(["0 A->B SETUP cr=1 ch=5 called=2001", "4000 A->B SETUP cr=1 ch=5 called=2001", "8000 A->B RELEASE COMPLETE cr=1 cause=102"]);
    expect(out.state).toBe("Null");
    expect(h.pools.A.isIdle(5)).toBe(true);
  });

  it("T310 clears a call stuck in outgoing call proceeding; PROGRESS #1 stops it", () => {
    const h = harness();
    setupCall(h, "A");
    h.clock.advance(2);
    incoming(h, "B").proceeding();
    h.clock.advance(30_002);
    expect(h.link.wireLog).toContain("30003 A->B DISCONNECT cr=1 cause=102");

    const h2 = harness();
    const out2 = setupCall(h2, "A");
    h2.clock.advance(2);
    const inc2 = incoming(h2, "B");
    inc2.proceeding();
    inc2.progress([ie("progressIndicator", { codingStandard: 0, location: 1, description: 1 })]);
    h2.clock.advance(60_000);
    expect(out2.state).toBe("OutgoingCallProceeding");
  });

  it("T301 clears an unanswered alerted call with cause 19", () => {
    const h = harness();
    setupCall(h, "A");
    h.clock.advance(2);
    incoming(h, "B").alerting();
    h.clock.advance(180_004);
    expect(h.link.wireLog).toContain("180003 A->B DISCONNECT cr=1 cause=19");
  });

  it("T313 clears when CONNECT ACKNOWLEDGE does not come", () => {
    const h = harness();
    h.link.drop = (from, m) => from === "A" && m.messageType === "CONNECT ACKNOWLEDGE";
    setupCall(h, "A");
    h.clock.advance(2);
    incoming(h, "B").connect();
    h.clock.advance(4_003);
    expect(h.link.wireLog).toContain("4002 B->A DISCONNECT cr=1' cause=102");
  });

  it("T305 then T308 twice: RELEASE, RELEASE again, channel out of service and restarted", () => {
    const h = harness();
    const out = setupCall(h, "A");
    h.clock.advance(2);
    incoming(h, "B").connect();
    h.clock.advance(2);
    h.link.drop = (from) => from === "B";
    out.disconnect(16);
    h.clock.advance(30_000 + 4_000 + 4_000 + 1);
    expect(h.link.wireLog.slice(-6)).toEqual([
      "30004 A->B RELEASE cr=1 cause=16",
      "30005 B->A RELEASE COMPLETE cr=1' (dropped)",
      "34004 A->B RELEASE cr=1 cause=16",
      "34005 B->A RELEASE COMPLETE cr=1' cause=81 (dropped)",
      "38004 A->B RESTART cr=0 ch=5 class=0",
      "38005 B->A RESTART ACKNOWLEDGE cr=0' ch=5 class=0 (dropped)",
    ]);
    expect(h.ind.A.at(-1)).toMatchObject({ primitive: "RELEASE.conf", cause: 102 });
    expect(out.state).toBe("Null");
    expect(h.pools.A.state(5)).toBe("maintenance");
    h.link.drop = () => false;
    h.clock.advance(120_000 + 2);
    expect(h.pools.A.state(5)).toBe("idle");
    expect(h.restarts.A.map((r) => r.primitive)).toEqual(["RESTART.conf"]);
  });
});

describe("Q.931 call control: restart (Q.931 §5.5)", () => {
  it("RESTART of a channel clears its call at both ends and acknowledges", () => {
    const h = harness();
    setupCall(h, "A");
    h.clock.advance(2);
    incoming(h, "B").connect();
    h.clock.advance(2);
    h.B.requestRestart([5]);
    h.clock.advance(3);
    expect(h.events.slice(-4)).toEqual(["4 B RELEASE.ind cr=1 cause=41", "5 A RELEASE.ind cr=1 cause=41", "5 A RESTART.ind 5", "6 B RESTART.conf 5"]);
    expect([h.pools.A.isIdle(5), h.pools.B.isIdle(5)]).toEqual([true, true]);
    expect(h.B.globalState).toBe("Rest0");
  });

  it("retransmits RESTART on T316 and gives up after the configured attempts", () => {
    const h = harness();
    h.link.drop = (from) => from === "B";
    h.A.requestRestart("all");
    h.clock.advance(240_001);
    expect(h.link.wireLog.filter((l) => l.includes("A->B RESTART "))).toEqual(["0 A->B RESTART cr=0 class=7", "120000 A->B RESTART cr=0 class=7"]);
    expect(h.restarts.A.map((r) => r.primitive)).toEqual(["RESTART.fail"]);
    expect(h.pools.A.summary()).toEqual({ idle: 0, reserved: 0, maintenance: 5 });
  });

  it("answers a RESTART for a channel that does not exist with STATUS cause 82", () => {
    const h = harness();
    h.link.inject("A", msg(0, false, "RESTART", [channelIe(9, true), ie("restartIndicator", { restartClass: 0 })]));
    expect(h.link.wireLog.at(-1)).toBe("0 A->B STATUS cr=0' cause=82 state=0");
  });
});

describe("Q.931 call control: channel negotiation and collision (Q.931 §5.2.3, Annex D.3)", () => {
  it("both exclusive on one channel: the network side's call wins, the user's gets cause 34", () => {
    const h = harness();
    const a = setupCall(h, "A", undefined, 3);
    const b = setupCall(h, "B", undefined, 3);
    h.clock.advance(2);
    expect(h.link.wireLog).toContain("1 A->B RELEASE COMPLETE cr=1' cause=34");
    expect(b.state).toBe("Null");
    expect(incoming(h, "B").channel).toBe(3);
    expect(a.state).toBe("CallInitiated");
    expect(h.pools.B.owner(3)).toBe("in:1");
  });

  it("both preferred: the network side's channel wins and the user's call moves to another channel", () => {
    const h = harness({ A: { channelSelection: "preferred" }, B: { channelSelection: "preferred" } });
    const a = setupCall(h, "A", undefined, 3);
    const b = setupCall(h, "B", undefined, 3);
    h.clock.advance(2);
    const incAtA = incoming(h, "A");
    expect(incAtA.channel).not.toBe(3);
    incAtA.proceeding();
    incoming(h, "B").proceeding();
    h.clock.advance(2);
    expect(a.channel).toBe(3);
    expect(b.channel).toBe(incAtA.channel);
    expect(b.state).toBe("OutgoingCallProceeding");
  });

  it("rejects SETUPs it cannot serve with the Q.850 cause (96, 65, 82, 44)", () => {
    const h = harness();
    const chan = (n: number, exclusive = true): Q931Ie => channelIe(n, exclusive);
    h.link.inject("A", msg(11, false, "SETUP", [chan(1)]));
    h.link.inject("A", msg(12, false, "SETUP", [ie("bearerCapability", { codingStandard: 0, informationTransferCapability: 0, transferMode: 2, informationTransferRate: 0 }), chan(1)]));
    h.link.inject("A", msg(13, false, "SETUP", [SPEECH, chan(9)]));
    setupCall(h, "A", undefined, 2);
    h.clock.advance(2);
    incoming(h, "B").proceeding();
    h.clock.advance(2);
    h.link.inject("A", msg(14, false, "SETUP", [SPEECH, chan(2)]));
    h.link.inject("A", msg(15, true, "SETUP", [SPEECH, chan(1)]));
    expect(h.link.wireLog.filter((l) => l.includes("RELEASE COMPLETE"))).toEqual([
      "0 A->B RELEASE COMPLETE cr=11' cause=96",
      "0 A->B RELEASE COMPLETE cr=12' cause=65",
      "0 A->B RELEASE COMPLETE cr=13' cause=82",
      "4 A->B RELEASE COMPLETE cr=14' cause=44",
    ]);
  });

  it("takes another channel when the preferred one is busy", () => {
    const h = harness();
    setupCall(h, "A", undefined, 2);
    h.link.inject("A", msg(14, false, "SETUP", [SPEECH, channelIe(2, false)]));
    expect(incoming(h, "A").channel).toBe(5);
  });
});

describe("Q.931 call control: error procedures (Q.931 §5.8)", () => {
  it("answers unknown call references per §5.8.3.2", () => {
    const h = harness();
    h.link.inject("A", msg(7, false, "INFORMATION"));
    h.link.inject("A", msg(7, false, "RELEASE"));
    h.link.inject("A", msg(7, false, "RELEASE COMPLETE"));
    h.link.inject("A", msg(7, false, "STATUS ENQUIRY"));
    h.link.inject("A", msg(7, false, "STATUS", [causeIe(30, 0), ie("callState", { codingStandard: 0, value: 10 })]));
    h.link.inject("A", msg(7, false, "STATUS", [causeIe(30, 0), ie("callState", { codingStandard: 0, value: 0 })]));
    h.link.inject("A", msg(0, false, "STATUS ENQUIRY"));
    expect(h.link.wireLog).toEqual([
      "0 A->B RELEASE COMPLETE cr=7' cause=81",
      "0 A->B RELEASE COMPLETE cr=7' cause=81",
      "0 A->B STATUS cr=7' cause=30 state=0",
      "0 A->B RELEASE COMPLETE cr=7' cause=101",
      "0 A->B STATUS cr=0' cause=81 state=0",
    ]);
  });

  it("answers an unexpected message with STATUS 101 and an unknown message type with STATUS 97 (§5.8.4)", () => {
    const h = harness();
    const out = setupCall(h, "A");
    h.clock.advance(2);
    incoming(h, "B").connect();
    h.clock.advance(2);
    h.link.inject("A", msg(1, true, "ALERTING"));
    h.link.inject("A", msg(1, true, 0x33));
    expect(h.link.wireLog.slice(-2)).toEqual(["4 A->B STATUS cr=1 cause=101 state=10", "4 A->B STATUS cr=1 cause=97 state=10"]);
    expect(out.state).toBe("Active");
  });

  it("ignores a message missing a mandatory element and reports cause 96 (§5.8.6.1)", () => {
    const h = harness();
    const out = setupCall(h, "A");
    h.clock.advance(2);
    incoming(h, "B").proceeding();
    h.clock.advance(2);
    h.link.inject("A", msg(1, true, "PROGRESS"));
    expect(h.link.wireLog.at(-1)).toBe("4 A->B STATUS cr=1 cause=96 state=3");
    expect(h.ind.A.some((i) => i.primitive === "PROGRESS.ind")).toBe(false);
    expect(out.state).toBe("OutgoingCallProceeding");
  });

  it("answers a DISCONNECT without cause with RELEASE cause 96", () => {
    const h = harness();
    setupCall(h, "A");
    h.clock.advance(2);
    incoming(h, "B").connect();
    h.clock.advance(2);
    h.link.inject("A", msg(1, true, "DISCONNECT"));
    expect(h.link.wireLog.at(-1)).toBe("4 A->B RELEASE cr=1 cause=96");
  });

  it("acts on a message with an unrecognized optional element and reports cause 99; comprehension required stops it (§5.8.7.1)", () => {
    const h = harness();
    const out = setupCall(h, "A");
    h.clock.advance(2);
    const unknownOptional: Q931Ie = { kind: "raw", codeset: 0, id: 0x5f, name: "codeset0-0x5f", contents: Uint8Array.of(1), status: "unrecognized", comprehensionRequired: false };
    const unknownRequired: Q931Ie = { kind: "raw", codeset: 0, id: 0x0e, name: "codeset0-0x0e", contents: Uint8Array.of(1), status: "unrecognized", comprehensionRequired: true };
    h.link.inject("A", msg(1, true, "CALL PROCEEDING", [channelIe(5, true), unknownOptional]));
    expect(out.state).toBe("OutgoingCallProceeding");
    expect(h.link.wireLog.at(-1)).toBe("2 A->B STATUS cr=1 cause=99 state=3");
    h.link.inject("A", msg(1, true, "ALERTING", [unknownRequired]));
    expect(out.state).toBe("OutgoingCallProceeding");
    expect(h.link.wireLog.at(-1)).toBe("2 A->B STATUS cr=1 cause=96 state=3");
  });

  it("clears on a STATUS reporting an incompatible state and releases on one reporting Null (§5.8.11)", () => {
    const h = harness();
    const out = setupCall(h, "A");
    h.clock.advance(2);
    incoming(h, "B").connect();
    h.clock.advance(2);
    h.link.inject("A", msg(1, true, "STATUS", [causeIe(30, 0), ie("callState", { codingStandard: 0, value: 6 })]));
    expect(h.link.wireLog.at(-1)).toBe("4 A->B RELEASE cr=1 cause=101");
    expect(out.state).toBe("ReleaseRequest");

    const h2 = harness();
    const out2 = setupCall(h2, "A");
    h2.clock.advance(2);
    incoming(h2, "B").alerting();
    h2.clock.advance(2);
    h2.link.inject("A", msg(1, true, "STATUS", [causeIe(30, 0), ie("callState", { codingStandard: 0, value: 0 })]));
    expect(out2.state).toBe("Null");
    expect(h2.pools.A.isIdle(5)).toBe(true);
  });

  it("retries STATUS ENQUIRY once on T322, then clears with cause 41 (§5.8.10)", () => {
    const h = harness();
    const out = setupCall(h, "A");
    h.clock.advance(2);
    incoming(h, "B").connect();
    h.clock.advance(2);
    h.link.drop = (from, m) => from === "B" && m.messageType === "STATUS";
    out.statusEnquiry();
    h.clock.advance(8_001);
    expect(h.link.wireLog.filter((l) => l.startsWith("4") || l.startsWith("8")).filter((l) => /A->B (STATUS ENQUIRY|DISCONNECT)/.test(l))).toEqual([
      "4 A->B STATUS ENQUIRY cr=1",
      "4004 A->B STATUS ENQUIRY cr=1",
      "8004 A->B DISCONNECT cr=1 cause=41",
    ]);
  });
});

describe("Q.931 call control: data link failure (Q.931 §5.8.9)", () => {
  it("keeps active calls under T309 and reports STATUS 31 when the link returns; clears the others", () => {
    const h = harness();
    const active = setupCall(h, "A");
    h.clock.advance(2);
    incoming(h, "B").connect();
    h.clock.advance(2);
    const pending = setupCall(h, "A", [SPEECH, called("9")]);
    h.link.fail();
    expect(pending.state).toBe("Null");
    expect(active.state).toBe("Active");
    h.clock.advance(10_000);
    h.link.restore();
    h.clock.advance(2);
    expect(h.link.wireLog.slice(-2).sort()).toEqual(["10004 A->B STATUS cr=1 cause=31 state=10", "10004 B->A STATUS cr=1' cause=31 state=10"]);
    expect(active.state).toBe("Active");
  });

  it("clears an active call with cause 27 when T309 expires", () => {
    const h = harness();
    const active = setupCall(h, "A");
    h.clock.advance(2);
    incoming(h, "B").connect();
    h.clock.advance(2);
    h.link.fail();
    h.clock.advance(90_001);
    expect(active.state).toBe("Null");
    expect(h.ind.A.at(-1)).toMatchObject({ primitive: "RELEASE.ind", cause: 27 });
  });
});

describe("Q.931 call control: golden transcripts", () => {
  it("overlap receiving ends at T302 expiry with cause 28", () => {
    const h = harness();
    const out = setupCall(h, "A", [SPEECH, called("2")]);
    h.clock.advance(2);
    incoming(h, "B").moreInfo();
    h.clock.advance(2);
    out.information([called("0")]);
    h.clock.advance(15_010);
    h.ind.A.find((i) => i.primitive === "DISCONNECT.ind")?.call.release();
    h.clock.advance(5);
    golden("overlap-t302", h);
  });

  it("channel collision, both exclusive (Annex D.3 b)", () => {
    const h = harness();
    setupCall(h, "A", undefined, 3);
    setupCall(h, "B", undefined, 3);
    h.clock.advance(2);
    incoming(h, "B").alerting();
    h.clock.advance(2);
    golden("glare-exclusive", h);
  });

  it("lost RELEASE COMPLETE: T308 twice, channel restarted", () => {
    const h = harness();
    const out = setupCall(h, "A");
    h.clock.advance(2);
    incoming(h, "B").connect();
    h.clock.advance(2);
    h.ind.B[0]?.call.disconnect(16);
    h.clock.advance(2);
    h.link.drop = (from, m) => from === "B" && m.messageType === "RELEASE COMPLETE";
    out.release();
    h.clock.advance(8_010);
    golden("release-t308-restart", h);
  });
});
