/**
 * MTP3 behaviour under the ManualClock: signalling link management, message
 * handling, changeover and changeback, route management, user primitives.
 * Test names carry the Q.782 test they follow where one applies.
 */
import { describe, expect, it } from "vitest";
import { toHex } from "../../core/bytes.js";
import { resolveTimers } from "../../core/timers.js";
import { mtp2Timers } from "../mtp2/timers.js";
import { encodeMtp3Message, SERVICE_INDICATOR } from "./msu-codec.js";
import { fakeStack, OWN_PC, stackPair } from "./test-harness.js";
import { mtp3Timers } from "./timers.js";

const T2 = resolveTimers(mtp2Timers);
const T3 = resolveTimers(mtp3Timers);
const ISUP = SERVICE_INDICATOR.ISUP;
const isup = (n: number): Uint8Array => new Uint8Array([n & 0xff, 0x00, 0x10, n & 0xff]);

/** Linkset "ls" to point 7 with SLC 0 and 1 both available (changeback of SLC 1 acknowledged), TRA received. */
function twoLinks() {
  const s = fakeStack([{ name: "ls", adjacentPc: 7, slcs: [0, 1] }]);
  s.mtp3.start();
  s.up("ls/0");
  s.snm("ls/0", 0, { type: "TRA" });
  s.up("ls/1");
  s.snm("ls/0", 1, { type: "CBA", changebackCode: 1 });
  expect(s.mtp3.linkStatus().map((l) => l.state)).toEqual(["Available", "Available"]);
  for (const id of ["ls/0", "ls/1"]) s.link(id).take();
  return s;
}

describe("MTP3 signalling link management (Q.704 §12, Q.707)", () => {
  it("Q.782 1.1 First signalling link activation: alignment, link test, TRA both ways, MTP-RESUME", async () => {
    const s = stackPair(1);
    s.A.start();
    s.B.start();
    s.clock.advance(T2.T4e + 20);
    expect(s.A.linkStatus()).toEqual([{ linkset: "toB", slc: 0, state: "Available", level2: "InService" }]);
    expect(s.A.linksetState("toB")).toBe("Available");
    expect(s.got.A.map((i) => i.primitive)).toEqual(["MTP-RESUME.ind"]);
    expect(s.A.transfer({ dpc: 2, sls: 5, si: ISUP, userData: isup(1) })).toBe(true);
    s.clock.advance(5);
    expect(s.transfers("B")).toEqual([toHex(isup(1))]);
    await expect(s.log.text()).toMatchFileSnapshot("./golden/first-link-activation.txt");
  });

  it("emergency alignment only when no other link of the linkset is available (Q.704 §12)", () => {
    const s = fakeStack([{ name: "ls", adjacentPc: 7, slcs: [0, 1] }]);
    s.mtp3.start();
    expect([s.link("ls/0").emergency, s.link("ls/1").emergency]).toEqual([true, true]);
    s.up("ls/0");
    s.link("ls/1").fail();
    s.clock.advance(T3.T17);
    expect(s.link("ls/1").emergency).toBe(false);
  });

  it("signalling link test: a wrong SLTA fails the test, it is repeated once, then the link restarts (Q.707 §2.2)", () => {
    const s = fakeStack([{ name: "ls", adjacentPc: 7, slcs: [0] }]);
    s.auto.slta = false;
    s.mtp3.start();
    const l = s.link("ls/0");
    l.inService();
    expect(l.take()).toEqual(["SLTM 100->7 sls=0"]);
    s.from("ls/0", SERVICE_INDICATOR.SNTM, 0, new Uint8Array([0x21, 0x10, 0x99]));
    expect(l.take()).toEqual(["SLTM 100->7 sls=0"]);
    s.clock.advance(T3.SLT_T1);
    expect(l.state).toBe("OutOfService");
    expect(s.mtp3.linkStatus()[0]?.state).toBe("RestartDelay");
    s.clock.advance(T3.T17);
    expect(l.state).toBe("InitialAlignment");
  });

  it("answers an SLTM with an SLTA carrying the same pattern on the link it names", () => {
    const s = fakeStack([{ name: "ls", adjacentPc: 7, slcs: [0, 1] }]);
    s.mtp3.start();
    s.up("ls/0");
    s.up("ls/1");
    s.link("ls/0").take();
    s.link("ls/1").take();
    s.from("ls/0", SERVICE_INDICATOR.SNTM, 1, new Uint8Array([0x11, 0x30, 1, 2, 3]));
    expect(s.link("ls/0").take()).toEqual([]);
    // SIO 0x81, label DPC 7 OPC 100 SLS 1, SLTA heading, length 3, the pattern.
    expect(s.link("ls/1").sent.map((p) => toHex(p))).toEqual(["81070019102130010203"]);
  });

  it("repeats the link test every SLT T2 while the link is available", () => {
    const s = fakeStack([{ name: "ls", adjacentPc: 7, slcs: [0] }]);
    s.mtp3.start();
    s.up("ls/0");
    s.link("ls/0").take();
    s.auto.slta = false;
    s.clock.advance(T3.SLT_T2);
    expect(s.link("ls/0").take()).toEqual(["SLTM 100->7 sls=0"]);
    s.clock.advance(T3.SLT_T1 + 1);
    expect(s.link("ls/0").take()).toEqual(["SLTM 100->7 sls=0"]);
    s.clock.advance(T3.SLT_T1);
    expect(s.link("ls/0").state).toBe("OutOfService");
  });
});

describe("MTP3 message handling (Q.704 §2)", () => {
  function up() {
    const s = twoLinks();
    s.link("ls/0").take();
    s.link("ls/1").take();
    return s;
  }

  it("delivers user messages to the user part of their service indicator as MTP-TRANSFER.ind", () => {
    const s = up();
    s.from("ls/1", ISUP, 9, isup(3));
    expect(s.ind.at(-1)).toEqual({ primitive: "MTP-TRANSFER.ind", opc: 7, dpc: OWN_PC, sls: 9, si: ISUP, ni: 2, priority: 0, userData: isup(3) });
  });

  it("discards messages with another network indicator or for another point code", () => {
    const s = up();
    s.link("ls/0").receive({ sio: { si: ISUP, ni: 0, priority: 0 }, label: { dpc: OWN_PC, opc: 7, sls: 0 }, userData: isup(1) });
    s.link("ls/0").receive({ sio: { si: ISUP, ni: 2, priority: 0 }, label: { dpc: 55, opc: 7, sls: 0 }, userData: isup(1) });
    expect(s.ind.filter((i) => i.primitive === "MTP-TRANSFER.ind")).toHaveLength(0);
    expect(s.log.lines.filter((l) => l.includes("discarded"))).toHaveLength(2);
  });

  it("answers a message for a service indicator without a user part with UPU, unequipped remote user", () => {
    const s = up();
    s.from("ls/0", SERVICE_INDICATOR.SCCP, 2, new Uint8Array([9, 9]));
    expect([...s.link("ls/0").take(), ...s.link("ls/1").take()]).toEqual(["SNM UPU destination=100 userPartId=3 cause=1 100->7 sls=2"]);
  });

  it("shares load over the links of a linkset by SLS (Q.704 §4.2.1)", () => {
    const s = up();
    for (let sls = 0; sls < 16; sls++) s.mtp3.transfer({ dpc: 7, sls, si: ISUP, userData: isup(sls) });
    const on0 = s.link("ls/0").take();
    const on1 = s.link("ls/1").take();
    expect(on0).toHaveLength(8);
    expect(on1).toHaveLength(8);
    expect(on0.every((d) => /sls=(0|2|4|6|8|10|12|14) /.test(d))).toBe(true);
  });

  it("refuses a transfer to an inaccessible or unknown destination", () => {
    const s = fakeStack([{ name: "ls", adjacentPc: 7, slcs: [0] }]);
    s.mtp3.start();
    expect(s.mtp3.transfer({ dpc: 7, sls: 0, si: ISUP, userData: isup(1) })).toBe(false);
    expect(s.mtp3.transfer({ dpc: 99, sls: 0, si: ISUP, userData: isup(1) })).toBe(false);
  });

  it("rejects a second user for the same service indicator and MTP's own indicators", () => {
    const s = fakeStack([{ name: "ls", adjacentPc: 7, slcs: [0] }]);
    expect(() => s.mtp3.register(ISUP, () => undefined)).toThrow(/already/);
    expect(() => s.mtp3.register(0, () => undefined)).toThrow(/belong to MTP/);
  });
});

describe("MTP3 changeover and changeback (Q.704 §5, §6)", () => {
  it("changeover on link failure: COO/COA with buffer updating, no loss, no duplication; changeback with CBD/CBA", async () => {
    const s = stackPair(2);
    s.A.start();
    s.B.start();
    s.clock.advance(T2.T4e + 20);
    s.clock.advance(T3.T4 + 20);
    expect(s.A.linkStatus().map((l) => l.state)).toEqual(["Available", "Available"]);
    // Link 1 loses its A->B direction: what A sends on it is never acknowledged.
    s.pairs[1]?.setCut("a->b", true);
    const sent: string[] = [];
    for (let k = 0; k < 6; k++) {
      const m = isup(k);
      sent.push(toHex(m));
      s.A.transfer({ dpc: 2, sls: 1, si: ISUP, userData: m });
    }
    s.clock.advance(T2.T7 + 20);
    expect(s.A.linkStatus().map((l) => l.state)).toEqual(["Available", "RestartDelay"]);
    expect(s.transfers("B")).toEqual(sent);
    s.pairs[1]?.setCut("a->b", false);
    s.clock.advance(T3.T17 + T2.T4n + 100);
    s.clock.advance(T3.T4 + 20);
    expect(s.A.linkStatus().map((l) => l.state)).toEqual(["Available", "Available"]);
    s.A.transfer({ dpc: 2, sls: 1, si: ISUP, userData: isup(9) });
    s.clock.advance(5);
    expect(s.transfers("B")).toEqual([...sent, toHex(isup(9))]);
    await expect(s.log.text()).toMatchFileSnapshot("./golden/changeover-changeback.txt");
  });

  it("changeover ordered by the far end: COO answered with COA, traffic diverted", () => {
    const s = twoLinks();
    const l1 = s.link("ls/1");
    l1.bsnt = 5;
    l1.unacknowledged = [encodeMtp3Message({ sio: { si: ISUP, ni: 2, priority: 0 }, label: { dpc: 7, opc: OWN_PC, sls: 1 }, userData: new Uint8Array([1, 2, 3]) }, "itu")];
    s.snm("ls/0", 1, { type: "COO", fsn: 3 });
    expect(l1.state).toBe("OutOfService");
    expect(l1.retrievedWith).toEqual([3]);
    expect(s.link("ls/0").take()).toEqual(["SNM COA fsn=5 100->7 sls=1", "SI=5 100->7 sls=1 010203"]);
    s.mtp3.transfer({ dpc: 7, sls: 1, si: ISUP, userData: isup(4) });
    expect(s.link("ls/0").take()).toEqual(["SI=5 100->7 sls=1 04001004"]);
  });

  it("emergency changeover: ECO when BSNT cannot be retrieved; T2 ends the wait without an answer", () => {
    const s = twoLinks();
    s.link("ls/1").bsnt = undefined;
    s.link("ls/1").fail();
    expect(s.link("ls/0").take()).toEqual(["SNM ECO 100->7 sls=1"]);
    s.mtp3.transfer({ dpc: 7, sls: 1, si: ISUP, userData: isup(2) });
    expect(s.link("ls/0").take()).toEqual([]);
    s.clock.advance(T3.T2);
    expect(s.link("ls/1").retrievedWith).toEqual([undefined]);
    expect(s.link("ls/0").take()).toEqual(["SI=5 100->7 sls=1 02001002"]);
  });

  it("changeback: CBD repeated after T4, traffic restarted after T5 without CBA", () => {
    const s = fakeStack([{ name: "ls", adjacentPc: 7, slcs: [0, 1] }]);
    s.mtp3.start();
    s.up("ls/0");
    s.up("ls/1");
    for (const id of ["ls/0", "ls/1"]) s.link(id).take();
    expect(s.mtp3.linkStatus().map((l) => l.state)).toEqual(["Available", "ChangingBack"]);
    s.clock.advance(T3.T4);
    expect(s.link("ls/0").take()).toEqual(["SNM CBD changebackCode=1 100->7 sls=1"]);
    s.clock.advance(T3.T5);
    expect(s.mtp3.linkStatus().map((l) => l.state)).toEqual(["Available", "Available"]);
  });

  it("acknowledges a CBD with a CBA carrying the same changeback code", () => {
    const s = fakeStack([{ name: "ls", adjacentPc: 7, slcs: [0, 1] }]);
    s.mtp3.start();
    s.up("ls/0");
    s.link("ls/0").take();
    s.snm("ls/0", 1, { type: "CBD", changebackCode: 42 });
    expect(s.link("ls/0").take()).toEqual(["SNM CBA changebackCode=42 100->7 sls=1"]);
  });

  it("a linkset's only link fails: MTP-PAUSE; restored: TRA again and MTP-RESUME", () => {
    const s = stackPair(1, { quietFrames: true });
    s.A.start();
    s.B.start();
    s.clock.advance(T2.T4e + 20);
    s.pairs[0]?.setCut("a->b", true);
    s.A.transfer({ dpc: 2, sls: 0, si: ISUP, userData: isup(1) });
    s.clock.advance(T2.T7 + 10);
    expect(s.got.A.map((i) => i.primitive)).toEqual(["MTP-RESUME.ind", "MTP-PAUSE.ind"]);
    // A realigns after T17; B learns of the failure from A's SIO and restarts after its own T17.
    s.pairs[0]?.setCut("a->b", false);
    s.clock.advance(2 * T3.T17 + T2.T4e + 200);
    expect(s.got.A.map((i) => i.primitive)).toEqual(["MTP-RESUME.ind", "MTP-PAUSE.ind", "MTP-RESUME.ind"]);
    expect(s.got.B.map((i) => i.primitive)).toEqual(["MTP-RESUME.ind", "MTP-PAUSE.ind", "MTP-RESUME.ind"]);
  });

  it("remote processor outage: time-controlled changeover (T1), changeback when it ends", () => {
    const s = twoLinks();
    s.link("ls/1").indicate({ type: "remote-processor-outage" });
    s.mtp3.transfer({ dpc: 7, sls: 1, si: ISUP, userData: isup(1) });
    expect(s.link("ls/0").take()).toEqual([]);
    s.clock.advance(T3.T1);
    expect(s.link("ls/0").take()).toEqual(["SI=5 100->7 sls=1 01001001"]);
    expect(s.mtp3.linkStatus()[1]?.state).toBe("Blocked");
    s.link("ls/1").indicate({ type: "remote-processor-recovered" });
    expect(s.link("ls/0").take()).toEqual(["SNM CBD changebackCode=2 100->7 sls=1"]);
  });
});

describe("MTP3 management inhibiting, answered (Q.704 §10)", () => {
  it("LIN is denied for the only available link and granted when another can take the traffic", () => {
    const s = fakeStack([{ name: "ls", adjacentPc: 7, slcs: [0, 1] }]);
    s.mtp3.start();
    s.up("ls/0");
    s.link("ls/0").take();
    s.snm("ls/0", 0, { type: "LIN" });
    expect(s.link("ls/0").take()).toEqual(["SNM LID 100->7 sls=0"]);
    s.up("ls/1");
    s.clock.advance(T3.T4 + T3.T5);
    for (const id of ["ls/0", "ls/1"]) s.link(id).take();
    s.snm("ls/0", 1, { type: "LIN" });
    expect(s.link("ls/0").take()).toEqual(["SNM LIA 100->7 sls=1"]);
    s.clock.advance(T3.T1);
    expect(s.mtp3.linkStatus()[1]?.state).toBe("Blocked");
    s.snm("ls/0", 1, { type: "LUN" });
    expect(s.link("ls/0").take()).toEqual(["SNM LUA 100->7 sls=1", "SNM CBD changebackCode=2 100->7 sls=1"]);
  });

  it("LLT for a link not seen as inhibited is answered with LFU; LRT with LUN", () => {
    const s = fakeStack([{ name: "ls", adjacentPc: 7, slcs: [0] }]);
    s.mtp3.start();
    s.up("ls/0");
    s.link("ls/0").take();
    s.snm("ls/0", 0, { type: "LLT" });
    s.snm("ls/0", 0, { type: "LRT" });
    expect(s.link("ls/0").take()).toEqual(["SNM LFU 100->7 sls=0", "SNM LUN 100->7 sls=0"]);
  });
});

describe("MTP3 signalling route management (Q.704 §7, §8, §13) and primitives", () => {
  const D = 300;
  function twoStps() {
    const s = fakeStack(
      [
        { name: "stp1", adjacentPc: 10, slcs: [0] },
        { name: "stp2", adjacentPc: 20, slcs: [0] },
      ],
      [{ destination: D, linksets: ["stp1", "stp2"] }],
    );
    s.mtp3.start();
    s.up("stp1/0");
    s.snm("stp1/0", 0, { type: "TRA" });
    s.up("stp2/0");
    s.snm("stp2/0", 0, { type: "TRA" });
    s.link("stp1/0").take();
    s.link("stp2/0").take();
    return s;
  }

  it("TFP moves traffic to the other route (forced rerouting); TFP on both gives MTP-PAUSE, TFA MTP-RESUME", () => {
    const s = twoStps();
    expect(s.ind.filter((i) => "affectedDpc" in i && i.affectedDpc === D).map((i) => i.primitive)).toEqual(["MTP-RESUME.ind"]);
    s.snm("stp1/0", 0, { type: "TFP", destination: D });
    s.mtp3.transfer({ dpc: D, sls: 3, si: ISUP, userData: isup(1) });
    expect(s.link("stp2/0").take()).toEqual(["SI=5 100->300 sls=3 01001001"]);
    s.snm("stp2/0", 0, { type: "TFP", destination: D });
    expect(s.mtp3.transfer({ dpc: D, sls: 3, si: ISUP, userData: isup(2) })).toBe(false);
    s.snm("stp2/0", 0, { type: "TFA", destination: D });
    expect(s.ind.filter((i) => "affectedDpc" in i && i.affectedDpc === D).map((i) => i.primitive)).toEqual(["MTP-RESUME.ind", "MTP-PAUSE.ind", "MTP-RESUME.ind"]);
    expect(s.mtp3.destinationStatus().find((d) => d.pc === D)).toEqual({
      pc: D,
      accessible: true,
      via: "stp2",
      routes: [
        { linkset: "stp1", status: "prohibited" },
        { linkset: "stp2", status: "allowed" },
      ],
    });
  });

  it("route set test: RST to the adjacent STP every T10 while the route is prohibited, stopped by TFA", () => {
    const s = twoStps();
    const snmOnly = (): string[] => s.link("stp1/0").take().filter((d) => d.startsWith("SNM"));
    s.snm("stp1/0", 0, { type: "TFP", destination: D });
    s.clock.advance(T3.T10);
    expect(snmOnly()).toEqual(["SNM RST destination=300 100->10 sls=0"]);
    s.clock.advance(T3.T10);
    expect(snmOnly()).toEqual(["SNM RST destination=300 100->10 sls=0"]);
    s.snm("stp1/0", 0, { type: "TFR", destination: D });
    s.clock.advance(T3.T10);
    expect(snmOnly()).toEqual(["SNM RSR destination=300 100->10 sls=0"]);
    s.snm("stp1/0", 0, { type: "TFA", destination: D });
    s.clock.advance(2 * T3.T10);
    expect(snmOnly()).toEqual([]);
  });

  it("TFA on the normal route: controlled rerouting holds the traffic for T6 (Q.704 §8)", () => {
    const s = twoStps();
    s.snm("stp1/0", 0, { type: "TFP", destination: D });
    s.snm("stp1/0", 0, { type: "TFA", destination: D });
    s.mtp3.transfer({ dpc: D, sls: 3, si: ISUP, userData: isup(5) });
    expect([...s.link("stp1/0").take(), ...s.link("stp2/0").take()]).toEqual([]);
    s.clock.advance(T3.T6);
    expect(s.link("stp1/0").take()).toEqual(["SI=5 100->300 sls=3 05001005"]);
  });

  it("TFR: a restricted route is used only when no allowed one is available", () => {
    const s = twoStps();
    s.snm("stp1/0", 0, { type: "TFR", destination: D });
    s.mtp3.transfer({ dpc: D, sls: 1, si: ISUP, userData: isup(1) });
    s.clock.advance(T3.T6);
    expect(s.link("stp2/0").take()).toEqual(["SI=5 100->300 sls=1 01001001"]);
    s.snm("stp2/0", 0, { type: "TFP", destination: D });
    s.mtp3.transfer({ dpc: D, sls: 1, si: ISUP, userData: isup(2) });
    expect(s.link("stp1/0").take()).toEqual(["SI=5 100->300 sls=1 02001002"]);
  });

  it("TFC and UPU become MTP-STATUS indications; UPU only to the user part it names", () => {
    const s = twoStps();
    s.snm("stp1/0", 0, { type: "TFC", destination: D, status: 2 });
    s.snm("stp1/0", 0, { type: "UPU", destination: D, userPartId: ISUP, cause: 2 });
    s.snm("stp1/0", 0, { type: "UPU", destination: D, userPartId: SERVICE_INDICATOR.SCCP, cause: 1 });
    expect(s.ind.filter((i) => i.primitive === "MTP-STATUS.ind")).toEqual([
      { primitive: "MTP-STATUS.ind", affectedDpc: D, cause: "signalling-network-congestion", congestionLevel: 2 },
      { primitive: "MTP-STATUS.ind", affectedDpc: D, cause: "user-part-unavailable", userPartCause: "inaccessible-remote-user" },
    ]);
  });

  it("ignores SNM messages whose OPC is not the adjacent point of the link", () => {
    const s = twoStps();
    s.from("stp1/0", SERVICE_INDICATOR.SNM, 0, new Uint8Array([0x14, D & 0xff, D >> 8]), 99);
    expect(s.mtp3.destinationStatus().find((d) => d.pc === D)?.via).toBe("stp1");
  });

  it("rejects a bad configuration with the reason", () => {
    expect(() => fakeStack([{ name: "x", adjacentPc: 1 << 14, slcs: [0] }])).toThrow(/adjacent point code/);
    expect(() => fakeStack([{ name: "x", adjacentPc: 1, slcs: [0, 0] }])).toThrow(/SLC 0 used twice/);
    expect(() => fakeStack([{ name: "x", adjacentPc: 1, slcs: [0] }], [{ destination: 5, linksets: ["y"] }])).toThrow(/unknown linkset y/);
  });
});
