/**
 * Circuit supervision end to end between A and B: reset, blocking, group
 * procedures, query, unequipped CICs, persistence, MTP pause/resume. Names
 * follow Q.784.1 §1 and §5.2 where a test matches.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AuditResult } from "../../../src/ss7/isup/call/primitives.js";
import { MemoryBlockingStore } from "../../../src/ss7/isup/circuits/blocking-store.js";
import { FileBlockingStore } from "../../../src/ss7/isup/circuits/file-blocking-store.js";
import { PC_A, PC_B, Pair, allIdle, cics, establish, expectOk, iam } from "./harness.js";

const S = 1000;
const MIN = 60 * S;

function circuit(p: Pair, side: "a" | "b", cic: number) {
  const c = p[side].node.circuit(side === "a" ? "to-B" : "to-A", cic);
  if (!c) throw new Error(`no CIC ${cic}`);
  return c;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("ISUP circuit supervision between A and B", () => {
  it("Q.784.1 1.2.5 / 1.2.6 circuit group reset at start-up, with saved blocking re-announced", async () => {
    const p = new Pair({ cics: cics(1, 8) });
    p.b.store = new MemoryBlockingStore({
      version: 1,
      circuits: [
        { dpc: PC_A, cic: 3, maintenance: true, hardware: false },
        { dpc: PC_A, cic: 5, maintenance: false, hardware: true },
        { dpc: PC_A, cic: 6, maintenance: false, hardware: true },
      ],
    });
    p.restart(p.b);
    p.startBoth();
    expect(circuit(p, "a", 3).remoteMaintenance).toBe(true);
    expect([5, 6].map((c) => circuit(p, "a", c).remoteHardware)).toEqual([true, true]);
    expect(circuit(p, "b", 3).localMaintenance).toBe("blocked");
    expect(circuit(p, "b", 5).localHardware).toBe("blocked");
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    expect(r.ok && r.circuit.cic).toBe(1);
    p.stop();
    await expect(p.t.text()).toMatchFileSnapshot("../../golden/isup/grs-start-up-with-blocking.txt");
  });

  it("Q.784.1 1.2.1 RSC received on an idle circuit; 1.2.2 RSC sent", () => {
    const p = new Pair({ cics: cics(1, 4) });
    p.startBoth();
    expectOk(p.a.node.resetCircuitRequest("to-B", 2));
    expect(p.a.node.status()[1]?.procedures).toEqual(["RSC"]);
    p.settle();
    expect(p.b.sent.map((m) => m.messageType)).toContain("RLC");
    expect(allIdle(p)).toEqual([]);
    p.stop();
  });

  it("Q.784.1 1.2.3 RSC received on a locally blocked circuit: RLC then BLO", () => {
    const p = new Pair({ cics: cics(1, 4) });
    p.startBoth();
    expectOk(p.b.node.blockCircuit("to-A", 1));
    p.settle();
    expect(circuit(p, "a", 1).remoteMaintenance).toBe(true);
    p.b.sent.length = 0;
    expectOk(p.a.node.resetCircuitRequest("to-B", 1));
    p.settle();
    expect(p.b.sent.map((m) => m.messageType)).toEqual(["RLC", "BLO"]);
    expect(circuit(p, "a", 1).remoteMaintenance).toBe(true);
    expect(circuit(p, "b", 1).localMaintenance).toBe("blocked");
    p.stop();
  });

  it("Q.784.1 1.2.4 RSC received on a remotely blocked circuit removes the remote blocking; the sender blocks again", () => {
    const p = new Pair({ cics: cics(1, 4) });
    p.startBoth();
    expectOk(p.a.node.blockCircuit("to-B", 2));
    p.settle();
    p.a.sent.length = 0;
    expectOk(p.a.node.resetCircuitRequest("to-B", 2));
    p.clock.advance(3);
    expect(circuit(p, "b", 2).remoteMaintenance).toBe(true);
    p.settle();
    expect(p.a.sent.map((m) => m.messageType)).toEqual(["RSC", "BLO"]);
    expect(circuit(p, "b", 2).remoteMaintenance).toBe(true);
    expect(circuit(p, "a", 2).localMaintenance).toBe("blocked");
    p.stop();
  });

  it("Q.784.1 1.3.2.1 BLO received, 1.3.2.2 BLO sent, unblocking from either side", async () => {
    const p = new Pair({ cics: cics(1, 4) });
    p.startBoth();
    expectOk(p.a.node.blockCircuit("to-B", 1));
    expect(p.a.node.blockCircuit("to-B", 1).ok).toBe(false);
    expectOk(p.b.node.blockCircuit("to-A", 2));
    p.settle();
    const r1 = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    expect(r1.ok && r1.circuit.cic).toBe(3);
    p.settle();
    const r2 = p.b.node.setupRequest({ group: "to-A", iam: iam("itu") });
    expect(r2.ok && r2.circuit.cic).toBe(4);
    p.settle();
    expectOk(p.a.node.unblockCircuit("to-B", 1));
    expectOk(p.b.node.unblockCircuit("to-A", 2));
    p.settle();
    expect([1, 2].map((c) => circuit(p, "a", c).remoteMaintenance || circuit(p, "b", c).remoteMaintenance)).toEqual([false, false]);
    p.stop();
    await expect(p.t.text()).toMatchFileSnapshot("../../golden/isup/blo-ubl-both-sides.txt");
  });

  it("Q.784.1 2.3.6 / 2.3.7 blocking during a call leaves the call up; no new call on it", () => {
    const p = new Pair({ cics: cics(1, 4) });
    p.startBoth();
    const c = establish(p, p.a);
    expectOk(p.b.node.blockCircuit("to-A", c.cic));
    p.settle();
    expect(p.a.node.status()[0]?.call).toBe("Active");
    expect(p.a.user.count("RELEASE.ind")).toBe(0);
    expectOk(p.a.node.releaseRequest(c.out, { cause: 16, location: 0 }));
    p.settle();
    const again = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    expect(again.ok && again.circuit.cic).toBe(2);
    p.stop();
  });

  it("Q.784.1 1.3.2.4 IAM received on a remotely blocked circuit unblocks it; an IAM on a locally blocked one is refused with BLO", () => {
    const p = new Pair({ cics: cics(1, 4) });
    p.startBoth();
    expectOk(p.a.node.blockCircuit("to-B", 1));
    p.settle();
    // A scripted A sends an IAM on the circuit it blocked (its UBL was lost).
    p.inject(p.a, { ...iam("itu"), cic: 1 });
    p.settle();
    expect(circuit(p, "b", 1).remoteMaintenance).toBe(false);
    expect(p.b.user.last("SETUP.ind")?.circuit.cic).toBe(1);
    // And B blocks 2 locally: an IAM on it is discarded and BLO sent again.
    expectOk(p.b.node.blockCircuit("to-A", 2));
    p.settle();
    p.b.sent.length = 0;
    p.inject(p.a, { ...iam("itu"), cic: 2 });
    p.settle();
    expect(p.b.user.indications.filter((i) => i.primitive === "SETUP.ind")).toHaveLength(1);
    expect(p.b.sent.map((m) => `${m.messageType}${m.cic}`)).toEqual(["BLO2"]);
    p.stop();
  });

  it("Q.784.1 1.3.1.1 / 1.3.1.2 CGB and CGU (maintenance) sent and received", async () => {
    const p = new Pair({ cics: cics(1, 8) });
    p.startBoth();
    expectOk(p.a.node.blockGroup("to-B", [2, 3, 5], "maintenance"));
    expectOk(p.b.node.blockGroup("to-A", [7, 8], "maintenance"));
    p.settle();
    expect([2, 3, 5].map((c) => circuit(p, "b", c).remoteMaintenance)).toEqual([true, true, true]);
    expect(circuit(p, "b", 4).remoteMaintenance).toBe(false);
    expect([7, 8].map((c) => circuit(p, "a", c).remoteMaintenance)).toEqual([true, true]);
    expectOk(p.a.node.unblockGroup("to-B", [2, 3, 5], "maintenance"));
    expectOk(p.b.node.unblockGroup("to-A", [7, 8], "maintenance"));
    p.settle();
    expect(cics(1, 8).some((c) => circuit(p, "a", c).remoteMaintenance || circuit(p, "b", c).remoteMaintenance)).toBe(false);
    expect(allIdle(p)).toEqual([]);
    p.stop();
    await expect(p.t.text()).toMatchFileSnapshot("../../golden/isup/cgb-cgu-maintenance.txt");
  });

  it("CGB hardware during calls clears them at both ends without REL; CGU hardware restores", () => {
    const p = new Pair({ cics: cics(1, 4) });
    p.startBoth();
    const c1 = establish(p, p.a);
    const c2 = establish(p, p.b);
    p.a.sent.length = 0;
    p.b.sent.length = 0;
    expectOk(p.a.node.blockGroup("to-B", [c1.cic, c2.cic], "hardware"));
    p.settle();
    expect(p.a.user.last("RELEASE.ind")?.reason).toBe("hardware-blocking");
    expect(p.b.user.indications.filter((i) => i.primitive === "RELEASE.ind").map((i) => (i.primitive === "RELEASE.ind" ? i.reason : ""))).toEqual([
      "hardware-blocking",
      "hardware-blocking",
    ]);
    expect([...p.a.sent, ...p.b.sent].some((m) => m.messageType === "REL")).toBe(false);
    expect(p.b.sent.map((m) => m.messageType)).toEqual(["CGBA"]);
    expectOk(p.a.node.unblockGroup("to-B", [c1.cic, c2.cic], "hardware"));
    p.settle();
    expect(allIdle(p)).toEqual([]);
    expect(circuit(p, "b", c1.cic).remoteHardware).toBe(false);
    p.stop();
  });

  const repeats: [string, string, (p: Pair) => void, string, number, number][] = [
    ["5.2.6 T12 and T13: failure to receive BLA", "BLO", (p) => expectOk(p.a.node.blockCircuit("to-B", 1)), "BLA", 15, 5],
    ["5.2.7 T14 and T15: failure to receive UBA", "UBL", (p) => expectOk(p.a.node.unblockCircuit("to-B", 1)), "UBA", 15, 5],
    ["5.2.8 T16 and T17: failure to receive RLC after RSC", "RSC", (p) => expectOk(p.a.node.resetCircuitRequest("to-B", 1)), "RLC", 15, 5],
    ["5.2.9 T18 and T19: failure to receive CGBA", "CGB", (p) => expectOk(p.a.node.blockGroup("to-B", [1, 2], "maintenance")), "CGBA", 15, 5],
    ["5.2.10 T20 and T21: failure to receive CGUA", "CGU", (p) => expectOk(p.a.node.unblockGroup("to-B", [1, 2], "maintenance")), "CGUA", 15, 5],
    ["5.2.11 T22 and T23: failure to receive GRA", "GRS", (p) => expectOk(p.a.node.resetGroup("to-B", [1, 2])), "GRA", 15, 5],
  ];
  for (const [title, sent, act, ack, shortS, longMin] of repeats) {
    it(`Q.784.1 ${title}`, () => {
      const p = new Pair({ cics: cics(1, 4) });
      p.startBoth();
      // Unblocking needs a blocked circuit first.
      if (sent === "UBL") expectOk(p.a.node.blockCircuit("to-B", 1));
      if (sent === "CGU") expectOk(p.a.node.blockGroup("to-B", [1, 2], "maintenance"));
      p.settle();
      p.drops = [(from, m) => from === "B" && m.messageType === ack];
      const start = p.clock.now();
      const before = p.a.sent.length;
      const times = (): number[] => p.a.sent.flatMap((m, k) => (k >= before && m.messageType === sent ? [(p.a.sentAt[k] ?? 0) - start] : []));
      act(p);
      p.clock.advance(3 * longMin * MIN);
      // Sent at once, again on each short timer until the long one, then on each long timer.
      const expected = [0];
      for (let t = shortS * S; t < longMin * MIN; t += shortS * S) expected.push(t);
      expected.push(longMin * MIN, 2 * longMin * MIN, 3 * longMin * MIN);
      expect(times()).toEqual(expected);
      expect(p.a.user.alerts.filter((x) => x.kind === "no-acknowledgement")).toHaveLength(3);
      p.drops = [];
      p.clock.advance(longMin * MIN);
      p.settle();
      expect(p.a.node.status().every((s) => s.procedures.length === 0)).toBe(true);
      expect(p.a.node.counts().groupProcedures).toBe(0);
      p.stop();
    });
  }

  it("CQM audit agrees after mixed blocking and calls; a disagreement is found and repaired", () => {
    const p = new Pair({ cics: cics(1, 8) });
    p.startBoth();
    expectOk(p.a.node.blockCircuit("to-B", 2));
    expectOk(p.b.node.blockGroup("to-A", [5, 6], "hardware"));
    const c = establish(p, p.a);
    p.settle();
    const results: AuditResult[] = [];
    expectOk(p.a.node.queryGroup("to-B", undefined, (r) => results.push(r)));
    expectOk(p.b.node.queryGroup("to-A", undefined, (r) => results.push(r)));
    p.settle();
    expect(results.map((r) => [r.answered, r.discrepancies.length])).toEqual([
      [true, 0],
      [true, 0],
    ]);
    expect(c.cic).toBe(1);
    // Corrupt B's view: a remote blocking A never sent, and an incoming call A does not have.
    circuit(p, "b", 4).remoteMaintenance = true;
    p.inject(p.a, { ...iam("itu"), cic: 7 });
    p.settle();
    results.length = 0;
    expectOk(p.b.node.queryGroup("to-A", undefined, (r) => results.push(r)));
    p.settle();
    expect(results[0]?.discrepancies).toEqual([
      { cic: 4, actions: ["clear-remote-maintenance"] },
      { cic: 7, actions: ["reset"] },
    ]);
    expect(p.b.user.last("RELEASE.ind")?.reason).toBe("reset");
    results.length = 0;
    expectOk(p.b.node.queryGroup("to-A", undefined, (r) => results.push(r)));
    p.settle();
    expect(results[0]?.discrepancies).toEqual([]);
    p.stop();
  });

  it("CQM without answer: T28 reports a failed audit", () => {
    const p = new Pair({ cics: cics(1, 4) });
    p.startBoth();
    p.drops = [(from) => from === "B"];
    const results: AuditResult[] = [];
    expectOk(p.a.node.queryGroup("to-B", [1, 2, 3], (r) => results.push(r)));
    p.clock.advance(10 * S);
    expect(results).toEqual([{ dpc: PC_B, cic: 1, range: 2, answered: false, discrepancies: [] }]);
    expect(p.a.node.counts().groupProcedures).toBe(0);
    p.stop();
  });

  it("Q.764 §2.13 UCIC: sent for an unequipped CIC; received, the call is repeated and the circuit taken out of use", async () => {
    const p = new Pair({ cics: cics(1, 4), groupA: { cics: cics(1, 6), hunting: "descending" } });
    p.startBoth();
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    expect(r.ok && r.circuit.cic).toBe(6);
    p.settle();
    expect(p.a.user.indications.map((i) => i.primitive)).toEqual(["REATTEMPT.ind", "RELEASE.ind"]);
    expect(p.a.user.last("RELEASE.ind")?.reason).toBe("no-circuit");
    expect([5, 6].map((c) => circuit(p, "a", c).remoteUnequipped)).toEqual([true, true]);
    const again = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    expect(again.ok && again.circuit.cic).toBe(4);
    p.settle();
    expect(p.b.user.count("SETUP.ind")).toBe(1);
    p.stop();
    await expect(p.t.text()).toMatchFileSnapshot("../../golden/isup/ucic.txt");
  });

  it("local blocking survives a restart (file store, written atomically)", () => {
    const dir = mkdtempSync(join(tmpdir(), "isup-blocking-"));
    dirs.push(dir);
    const file = join(dir, "blocking.json");
    const p = new Pair({ cics: cics(1, 8) });
    p.a.store = new FileBlockingStore(file);
    p.restart(p.a);
    p.startBoth();
    expectOk(p.a.node.blockCircuit("to-B", 3));
    expectOk(p.a.node.blockGroup("to-B", [6, 7], "hardware"));
    p.settle();
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      version: 1,
      circuits: [
        { dpc: PC_B, cic: 3, maintenance: true, hardware: false },
        { dpc: PC_B, cic: 6, maintenance: false, hardware: true },
        { dpc: PC_B, cic: 7, maintenance: false, hardware: true },
      ],
    });
    p.restart(p.a);
    expectOk(p.a.node.start());
    p.settle();
    expect(circuit(p, "a", 3).localMaintenance).toBe("blocked");
    expect(circuit(p, "b", 3).remoteMaintenance).toBe(true);
    expect([6, 7].map((c) => circuit(p, "b", c).remoteHardware)).toEqual([true, true]);
    expectOk(p.a.node.unblockCircuit("to-B", 3));
    p.settle();
    expect(JSON.parse(readFileSync(file, "utf8")).circuits).toHaveLength(2);
    p.stop();
  });

  it("a blocking store that cannot be read stops the start", () => {
    const p = new Pair({ cics: cics(1, 2) });
    p.a.store = { load: () => ({ ok: false, error: { offset: 0, field: "blocking store", reason: "disk on fire" } }), save: () => undefined };
    p.restart(p.a);
    const r = p.a.node.start();
    expect(r.ok).toBe(false);
    expect(r.ok ? "" : r.reason).toContain("disk on fire");
    p.stop();
  });

  it("Q.764 §2.15 MTP-PAUSE clears the calls and stops seizing; MTP-RESUME resets the circuits; nothing stuck", async () => {
    const p = new Pair({ cics: cics(1, 6) });
    p.startBoth();
    establish(p, p.a);
    establish(p, p.b);
    const r = p.a.node.setupRequest({ group: "to-B", iam: iam("itu") });
    expect(r.ok).toBe(true);
    p.note("the route A <-> B fails");
    p.cut = true;
    p.a.node.mtpIndication({ primitive: "MTP-PAUSE.ind", affectedDpc: PC_B });
    p.b.node.mtpIndication({ primitive: "MTP-PAUSE.ind", affectedDpc: PC_A });
    expect(p.a.user.indications.filter((i) => i.primitive === "RELEASE.ind").map((i) => (i.primitive === "RELEASE.ind" ? i.reason : ""))).toEqual([
      "mtp-pause",
      "mtp-pause",
      "mtp-pause",
    ]);
    expect(p.a.node.setupRequest({ group: "to-B", iam: iam("itu") })).toMatchObject({ ok: false, cause: 34 });
    expect(p.a.node.blockCircuit("to-B", 1).ok).toBe(false);
    p.clock.advance(10 * MIN);
    p.note("the route is back");
    p.cut = false;
    p.a.node.mtpIndication({ primitive: "MTP-RESUME.ind", affectedDpc: PC_B });
    p.b.node.mtpIndication({ primitive: "MTP-RESUME.ind", affectedDpc: PC_A });
    p.settle();
    expect(allIdle(p)).toEqual([]);
    establish(p, p.a);
    p.stop();
    await expect(p.t.text()).toMatchFileSnapshot("../../golden/isup/mtp-pause-resume.txt");
  });

  it("Q.764 §2.14 user part unavailable: no new calls, UPT on T4, available again on UPA", () => {
    const p = new Pair({ cics: cics(1, 2) });
    p.startBoth();
    p.a.node.mtpIndication({ primitive: "MTP-STATUS.ind", affectedDpc: PC_B, cause: "user-part-unavailable", userPartCause: "inaccessible-remote-user" });
    expect(p.a.node.setupRequest({ group: "to-B", iam: iam("itu") }).ok).toBe(false);
    p.clock.advance(5 * MIN);
    expect(p.a.sent[p.a.sent.length - 1]?.messageType).toBe("UPT");
    p.settle();
    expect(p.b.sent[p.b.sent.length - 1]?.messageType).toBe("UPA");
    expect(p.a.node.setupRequest({ group: "to-B", iam: iam("itu") }).ok).toBe(true);
    p.settle();
    p.stop();
    expect(p.clock.armed).toBe(0);
  });

  it("Q.764 §2.11 signalling congestion: one step less traffic per indication, T30 restores", () => {
    const p = new Pair({ cics: cics(1, 30) });
    p.startBoth();
    p.a.node.mtpIndication({ primitive: "MTP-STATUS.ind", affectedDpc: PC_B, cause: "signalling-network-congestion", congestionLevel: 1 });
    p.a.node.mtpIndication({ primitive: "MTP-STATUS.ind", affectedDpc: PC_B, cause: "signalling-network-congestion", congestionLevel: 1 });
    const results = Array.from({ length: 8 }, () => p.a.node.setupRequest({ group: "to-B", iam: iam("itu") }));
    expect(results.filter((r) => !r.ok && r.cause === 42)).toHaveLength(2);
    p.clock.advance(400);
    p.a.node.mtpIndication({ primitive: "MTP-STATUS.ind", affectedDpc: PC_B, cause: "signalling-network-congestion", congestionLevel: 1 });
    const more = Array.from({ length: 8 }, () => p.a.node.setupRequest({ group: "to-B", iam: iam("itu") }));
    expect(more.filter((r) => !r.ok)).toHaveLength(4);
    p.clock.advance(10 * S);
    const after = Array.from({ length: 4 }, () => p.a.node.setupRequest({ group: "to-B", iam: iam("itu") }));
    expect(after.filter((r) => !r.ok)).toHaveLength(0);
    p.stop();
  });
});
