/**
 * The running gateway's SS7 stack against the libss7 switch
 * (hardware/farend sipt-farend-ss7) through the simulated card: MTP2
 * alignment (Q.703 §7), MTP3 link test and restart (Q.707, Q.704 §9),
 * start-up reset of every circuit (Q.764 §2.9.3.2), basic calls both ways
 * (§2.1), release (§2.3) including colliding RELs, blocking and unblocking
 * of single circuits and groups from either side (§2.8.2), reset (§2.9.3),
 * a cut line clearing calls (MTP-PAUSE, §2.15) and its restoration followed
 * by a circuit group query that agrees with the far end (§2.8.3).
 * Every ISUP message the gateway sends is decoded by tshark and compared
 * field by field with what was meant (tshark-oracle.ts).
 */
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { main } from "../../../src/cli/main.js";
import { describeWithPeers, PEERS } from "../../support/peers.js";
import type { FarendEvent } from "../../../hardware/farend/farend-process.js";
import { matching } from "../../../hardware/farend/farend-process.js";
import type { CircuitActionRequest, CircuitStatus, ResponseBody } from "../../../src/gateway/management/messages.js";
import type { IsupIndication } from "../../../src/ss7/isup/call/primitives.js";
import { CICS, FAR_PC, OUR_PC, prerequisite, Rig, TRUNK } from "./harness.js";
import { sentIsup, tsharkCompare } from "./tshark-oracle.js";

const T = 5_000;
const LABEL = { opc: OUR_PC, dpc: FAR_PC, ni: 2 };

describeWithPeers("gateway SS7 against the libss7 switch through the simulated card", [PEERS.libss7, PEERS.tshark, PEERS.text2pcap], () => {
  let rig: Rig;
  /** Frames already checked by tshark. */
  let checked = 0;

  beforeAll(async () => {
    const missing = prerequisite();
    if (missing !== undefined) throw new Error(missing);
    rig = await Rig.start();
    await rig.ready();
  }, 30_000);

  afterAll(async () => {
    await rig?.dispose();
  }, 15_000);

  /** tshark agrees with every ISUP message sent since the last check; returns them as "CIC n MSG". */
  function tsharkAgrees(): string[] {
    const frames = rig.frames.slice(checked);
    checked = rig.frames.length;
    const report = tsharkCompare(sentIsup(frames), LABEL);
    expect(report.mismatches).toEqual([]);
    return report.messages;
  }

  async function manage(body: Parameters<Rig["manage"]>[0], timeoutMs?: number): Promise<ResponseBody> {
    const r = await rig.manage(body, timeoutMs);
    if (r.kind === "error") throw new Error(`management: ${r.message}`);
    return r;
  }

  async function circuits(first: number, last = first): Promise<CircuitStatus[]> {
    const r = await manage({ kind: "listCircuits", trunk: TRUNK, range: { first, last } });
    if (r.kind !== "circuits") throw new Error(`unexpected ${r.kind}`);
    return r.circuits.circuits;
  }

  async function action(a: CircuitActionRequest["action"], first: number, last = first, blockingType: "maintenance" | "hardware" = "maintenance", timeoutMs?: number): Promise<string> {
    const r = await manage({ kind: "circuitAction", request: { action: a, trunk: "", range: { first, last }, blockingType } }, timeoutMs);
    if (r.kind !== "circuitAction") throw new Error(`unexpected ${r.kind}`);
    return r.result.procedure;
  }

  /** The far end's circuits that are not idle and unblocked (its `circuits` command). */
  async function farendCircuits(): Promise<FarendEvent[]> {
    const from = rig.farend.mark();
    await rig.farend.request({ cmd: "circuits" });
    return rig.farend.all(matching("circuit"), from);
  }

  /** Nothing stuck on our side: every circuit idle, unblocked, no procedure; ISUP's own audit clean. */
  async function allIdle(): Promise<void> {
    await rig.until(() => rig.isup.status().every((c) => c.call === "Idle" && c.procedures.length === 0), T, "every circuit idle");
    expect(rig.isup.audit()).toEqual([]);
    expect(rig.isup.counts().calls).toBe(0);
  }

  const isCall = (call: number, primitive: IsupIndication["primitive"]) => (i: IsupIndication) => i.call === call && i.primitive === primitive;

  it("aligns the link, and the start-up GRS of every circuit is acknowledged", async () => {
    const fe = rig.farend.all((e) => e.ev === "rx" && e["msg"] === "GRS").map((e) => [e["cic"], e["end"]]);
    expect(fe).toEqual([
      [1, 15],
      [17, 31],
    ]);
    expect(rig.farend.all((e) => e.ev === "tx" && e["msg"] === "GRA").map((e) => e["cic"])).toEqual([1, 17]);
    const links = await manage({ kind: "listLinks" });
    expect(links.kind === "links" && links.links).toMatchObject({
      variant: "itu",
      pointCode: "0-0-1",
      linksets: [{ name: TRUNK, adjacentPointCode: "0-0-2", state: "Available" }],
      links: [{ linkset: TRUNK, slc: 0, span: 1, timeslot: 16, state: "Available", level2: "InService", suErrors: 0 }],
      destinations: [{ pointCode: "0-0-2", accessible: true, via: TRUNK }],
    });
    const all = await manage({ kind: "listCircuits", trunk: "" });
    expect(all.kind === "circuits" && all.circuits.circuits.map((c) => [c.cic, c.timeslot, c.callState, c.procedures.length])).toEqual(CICS.map((c) => [c, c, "Idle", 0]));
    await allIdle();
    expect(tsharkAgrees()).toEqual(["CIC 1 GRS", "CIC 17 GRS"]);
    const grs = sentIsup(rig.frames).map((s) => s.message.parameters[0]);
    expect(grs).toEqual([
      { name: "rangeAndStatus", value: { range: 14 } },
      { name: "rangeAndStatus", value: { range: 14 } },
    ]);
  }, 30_000);

  it("the far end calls, the test user answers, the far end clears (IAM ACM ANM REL RLC)", async () => {
    rig.user.rule = { action: "answer" };
    const from = rig.user.mark();
    const fe = rig.farend.mark();
    await rig.farend.request({ cmd: "call", cic: 5, called: "4000123", calling: "2125550000" });
    const setup = await rig.user.waitFor((i) => i.primitive === "SETUP.ind", T, "SETUP.ind", from);
    expect(setup.circuit).toEqual({ group: TRUNK, dpc: FAR_PC, cic: 5 });
    expect(setup.primitive === "SETUP.ind" && setup.message.parameters.find((p) => p.name === "calledPartyNumber")).toMatchObject({ value: { digits: "4000123F" } }); // libss7 ends the address with ST
    await rig.farend.waitFor(matching("rx", { msg: "ACM", cic: 5 }), T, { from: fe });
    await rig.farend.waitFor(matching("rx", { msg: "ANM", cic: 5 }), T, { from: fe });
    expect((await circuits(5))[0]).toMatchObject({ cic: 5, callState: "Active", callId: setup.call });
    await rig.farend.request({ cmd: "release", cic: 5, cause: 16 });
    const rel = await rig.user.waitFor(isCall(setup.call, "RELEASE.ind"), T, "RELEASE.ind", from);
    expect(rel).toMatchObject({ cause: 16, reason: "remote" });
    await rig.farend.waitFor(matching("rx", { msg: "RLC", cic: 5 }), T, { from: fe });
    expect(rig.user.primitives(setup.call, from)).toEqual(["SETUP.ind", "RELEASE.ind"]);
    await allIdle();
    expect(tsharkAgrees()).toEqual(["CIC 5 ACM", "CIC 5 ANM", "CIC 5 RLC"]);
  }, 30_000);

  it("the test user calls, the far end answers by rule, the test user clears", async () => {
    await rig.farend.request({ cmd: "rule", prefix: "555", action: "answer", after_ms: 100 });
    const from = rig.user.mark();
    const fe = rig.farend.mark();
    const r = rig.user.originate(TRUNK, "5551234", "2125550000");
    if (!r.ok) throw new Error(r.reason);
    // Sequential hunting: the lowest idle CIC.
    expect(r.circuit.cic).toBe(1);
    const iam = await rig.farend.waitFor(matching("rx", { msg: "IAM", cic: 1 }), T, { from: fe });
    expect(iam).toMatchObject({ called: "5551234", calling: "2125550000" });
    await rig.user.waitFor(isCall(r.call, "ADDRESS-COMPLETE.ind"), T, "ACM", from);
    await rig.user.waitFor(isCall(r.call, "ANSWER.ind"), T, "ANM", from);
    expect(rig.user.release(r.call, 16)).toEqual({ ok: true });
    expect(await rig.farend.waitFor(matching("rx", { msg: "REL", cic: 1 }), T, { from: fe })).toMatchObject({ cause: 16 });
    await rig.farend.waitFor(matching("tx", { msg: "RLC", cic: 1 }), T, { from: fe });
    await allIdle();
    expect(rig.user.primitives(r.call, from)).toEqual(["ADDRESS-COMPLETE.ind", "ANSWER.ind"]);
    expect(tsharkAgrees()).toEqual(["CIC 1 IAM", "CIC 1 REL"]);
    const sent = sentIsup(rig.frames).slice(-2);
    expect(sent.map((s) => s.message.parameters.find((p) => p.name === "calledPartyNumber" || p.name === "causeIndicators"))).toMatchObject([
      { value: { digits: "5551234", natureOfAddressIndicator: 3 } },
      { value: { causeValue: 16, location: 2 } },
    ]);
  }, 30_000);

  it("releases crossing each other: both ends answer the other's REL with RLC and the circuit is idle at both", async () => {
    rig.user.rule = { action: "answer" };
    const from = rig.user.mark();
    const fe = rig.farend.mark();
    await rig.farend.request({ cmd: "call", cic: 7, called: "4000124", calling: "2125550001" });
    const setup = await rig.user.waitFor((i) => i.primitive === "SETUP.ind", T, "SETUP.ind", from);
    await rig.farend.waitFor(matching("rx", { msg: "ANM", cic: 7 }), T, { from: fe });
    await new Promise((res) => setTimeout(res, 100)); // the acknowledging FISU has gone
    // Our REL is lost on the line (a bit error the card drops), so the far end's REL
    // crosses it; our MTP2 retransmits it after the far end's negative acknowledgement.
    const feRelFrom = rig.farend.mark();
    const wireFrom = rig.frames.length;
    rig.sim.injectSignallingErrors(1, 16, "tx", 1);
    expect(rig.user.release(setup.call, 16)).toEqual({ ok: true });
    await rig.farend.request({ cmd: "release", cic: 7, cause: 31 });
    await rig.farend.waitFor(matching("rx", { msg: "REL", cic: 7 }), T, { from: feRelFrom });
    await rig.farend.waitFor(matching("rx", { msg: "RLC", cic: 7 }), T, { from: feRelFrom });
    const order = rig.farend.all((e) => (e.ev === "rx" || e.ev === "tx") && e["cic"] === 7 && (e["msg"] === "REL" || e["msg"] === "RLC"), feRelFrom).map((e) => `${e.ev} ${String(e["msg"])}`);
    // The far end sent its REL before it received ours: a collision (Q.764 §2.3.1).
    expect(order.indexOf("tx REL")).toBeLessThan(order.indexOf("rx REL"));
    expect(order).toContain("tx RLC");
    await allIdle();
    expect(await farendCircuits()).toEqual([]);
    const frames = rig.frames.slice(wireFrom);
    expect(tsharkAgrees()).toEqual(["CIC 7 ACM", "CIC 7 ANM", "CIC 7 REL", "CIC 7 RLC", "CIC 7 REL", "CIC 7 RLC"]);
    // On the wire: REL (lost), RLC, then MTP2's retransmission of both after the
    // far end's negative acknowledgement (Q.703 §5.2.2): one REL and one RLC, each
    // sent under one forward sequence number.
    const ours = sentIsup(frames).filter((s) => s.message.cic === 7);
    const bySeq = (t: string): number[] => [...new Set(ours.filter((s) => s.message.messageType === t).map((s) => s.fsn))];
    expect(ours.map((s) => s.message.messageType)).toEqual(["REL", "RLC", "REL", "RLC"]);
    expect(bySeq("REL")).toHaveLength(1);
    expect(bySeq("RLC")).toHaveLength(1);
    expect(ours.find((s) => s.message.messageType === "REL")?.message.parameters[0]).toMatchObject({ name: "causeIndicators", value: { causeValue: 16 } });
  }, 30_000);

  it("honours blocking from the far end: BLO and CGB circuits are not seized, UBL and CGU free them", async () => {
    let fe = rig.farend.mark();
    await rig.farend.request({ cmd: "block", cic: 1 });
    await rig.farend.waitFor(matching("rx", { msg: "BLA", cic: 1 }), T, { from: fe });
    await rig.farend.request({ cmd: "cgb", cic: 2, end: 4, type: "maintenance" });
    await rig.farend.waitFor(matching("rx", { msg: "CGBA", cic: 2 }), T, { from: fe });
    expect((await circuits(1, 5)).map((c) => [c.cic, c.remoteMaintenance])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, true],
      [5, false],
    ]);
    // Sequential hunting passes over the remotely blocked circuits.
    const from = rig.user.mark();
    const r = rig.user.originate(TRUNK, "5551000", "2125550002");
    if (!r.ok) throw new Error(r.reason);
    expect(r.circuit.cic).toBe(5);
    await rig.user.waitFor(isCall(r.call, "ANSWER.ind"), T, "ANM", from);
    expect(rig.user.release(r.call)).toEqual({ ok: true });
    fe = rig.farend.mark();
    await rig.farend.request({ cmd: "unblock", cic: 1 });
    await rig.farend.waitFor(matching("rx", { msg: "UBA", cic: 1 }), T, { from: fe });
    await rig.farend.request({ cmd: "cgu", cic: 2, end: 4, type: "maintenance" });
    await rig.farend.waitFor(matching("rx", { msg: "CGUA", cic: 2 }), T, { from: fe });
    expect((await circuits(1, 5)).map((c) => c.remoteMaintenance)).toEqual([false, false, false, false, false]);
    await allIdle();
    expect(tsharkAgrees()).toEqual(["CIC 1 BLA", "CIC 2 CGBA", "CIC 5 IAM", "CIC 5 REL", "CIC 1 UBA", "CIC 2 CGUA"]);
  }, 30_000);

  it("blocks, unblocks and resets from management: BLO/UBL, CGB/CGU, RSC, GRS; the far end will not seize what we block", async () => {
    let fe = rig.farend.mark();
    expect(await action("block", 9)).toBe("BLO");
    await rig.farend.waitFor(matching("tx", { msg: "BLA", cic: 9 }), T, { from: fe });
    expect(await action("block", 10, 13)).toBe("CGB");
    await rig.farend.waitFor(matching("tx", { msg: "CGBA", cic: 10 }), T, { from: fe });
    await rig.until(() => rig.isup.status().every((c) => c.procedures.length === 0), T, "BLA and CGBA");
    expect((await circuits(9, 14)).map((c) => [c.cic, c.localMaintenance])).toEqual([
      [9, "blocked"],
      [10, "blocked"],
      [11, "blocked"],
      [12, "blocked"],
      [13, "blocked"],
      [14, "unblocked"],
    ]);
    // The far end refuses to seize a circuit we blocked (Q.764 §2.8.2.1).
    const refused = await rig.farend.request({ cmd: "call", cic: 11, called: "4000125" }).then(
      () => "accepted",
      (e: Error) => e.message,
    );
    expect(refused).toMatch(/blocked/);
    // Blocking survives in the store.
    expect(rig.log.records.some((r) => r.level === "error" && /could not be saved/.test(r.msg))).toBe(false);
    fe = rig.farend.mark();
    expect(await action("unblock", 9)).toBe("UBL");
    expect(await action("unblock", 10, 13)).toBe("CGU");
    await rig.farend.waitFor(matching("tx", { msg: "UBA", cic: 9 }), T, { from: fe });
    await rig.farend.waitFor(matching("tx", { msg: "CGUA", cic: 10 }), T, { from: fe });
    expect(await action("reset", 14)).toBe("RSC");
    await rig.farend.waitFor(matching("tx", { msg: "RLC", cic: 14 }), T, { from: fe });
    expect(await action("reset", 17, 20)).toBe("GRS");
    await rig.farend.waitFor(matching("tx", { msg: "GRA", cic: 17 }), T, { from: fe });
    await allIdle();
    expect((await circuits(9, 14)).every((c) => c.localMaintenance === "unblocked")).toBe(true);
    expect(tsharkAgrees()).toEqual(["CIC 9 BLO", "CIC 10 CGB", "CIC 9 UBL", "CIC 10 CGU", "CIC 14 RSC", "CIC 17 GRS"]);
    const group = sentIsup(rig.frames).filter((s) => s.message.messageType === "CGB" || s.message.messageType === "CGU");
    expect(group.map((s) => s.message.parameters)).toMatchObject([
      [
        { name: "circuitGroupSupervisionMessageType", value: { typeIndicator: 0 } },
        { name: "rangeAndStatus", value: { range: 3, status: "1111" } },
      ],
      [
        { name: "circuitGroupSupervisionMessageType", value: { typeIndicator: 0 } },
        { name: "rangeAndStatus", value: { range: 3, status: "1111" } },
      ],
    ]);
  }, 30_000);

  /** Run the sipt-gw command line in this process; its exit code and what it printed. */
  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const o = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
    const e = vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
    try {
      const code = await main([...args, "--socket", rig.gw.controlSocket]);
      return { code, out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
      process.exitCode = undefined;
    }
  }

  it("sipt-gw links and circuits show the far end's blocking and run procedures over the control socket", async () => {
    const fe = rig.farend.mark();
    await rig.farend.request({ cmd: "block", cic: 3 });
    await rig.farend.waitFor(matching("rx", { msg: "BLA", cic: 3 }), T, { from: fe });

    const links = await cli("links");
    expect(links.code).toBe(0);
    expect(links.out).toMatch(/^SS7 ITU, own point code 0-0-1$/m);
    expect(links.out).toMatch(/^pstn\/0\s+1\/16\s+Available\s+InService\s/m);
    expect(links.out).toMatch(/^0-0-2\s+yes\s+pstn\s+pstn:allowed$/m);

    const list = await cli("circuits", "2-4");
    expect(list.code).toBe(0);
    expect(list.out.split("\n").slice(1, 4)).toEqual([
      expect.stringMatching(/^pstn\s+2\s+1\/2\s+Idle\s+-\s+-\s+-\s+-$/),
      expect.stringMatching(/^pstn\s+3\s+1\/3\s+Idle\s+-\s+-\s+maintenance\s+-$/),
      expect.stringMatching(/^pstn\s+4\s+1\/4\s+Idle\s+-\s+-\s+-\s+-$/),
    ]);

    expect(await cli("circuits", "block", "4")).toEqual({ code: 0, out: "BLO sent for CIC 4 of trunk pstn\n", err: "" });
    await rig.farend.waitFor(matching("tx", { msg: "BLA", cic: 4 }), T, { from: fe });
    const json = await cli("circuits", "4", "--json");
    expect(JSON.parse(json.out)).toMatchObject({ circuits: [{ trunk: "pstn", cic: 4, localMaintenance: "blocked", remoteMaintenance: false }] });
    expect((await cli("circuits", "unblock", "4")).out).toBe("UBL sent for CIC 4 of trunk pstn\n");
    await rig.farend.waitFor(matching("tx", { msg: "UBA", cic: 4 }), T, { from: fe });
    const query = await cli("circuits", "query", "1-15");
    expect(query).toMatchObject({ code: 0, out: "CQM for CICs 1-15 of trunk pstn: the far end agrees on every circuit\n" });

    expect(await cli("circuits", "block", "99")).toMatchObject({ code: 1, err: "gateway answered failed: no trunk has CIC 99\n" });
    expect(await cli("circuits", "block", "9-2")).toMatchObject({ code: 2, err: "CIC range 9-2 ends before it starts\n" });

    await rig.farend.request({ cmd: "unblock", cic: 3 });
    await rig.farend.waitFor(matching("rx", { msg: "UBA", cic: 3 }), T, { from: fe });
    await allIdle();
    expect(tsharkAgrees()).toEqual(["CIC 3 BLA", "CIC 4 BLO", "CIC 4 UBL", "CIC 1 CQM", "CIC 3 UBA"]);
  }, 30_000);

  it("a cut line clears the call (MTP-PAUSE); after restoration the circuits are reset, none is stuck, and a CQM audit agrees with the far end", async () => {
    rig.user.rule = { action: "answer" };
    const from = rig.user.mark();
    const fe = rig.farend.mark();
    await rig.farend.request({ cmd: "call", cic: 21, called: "4000126", calling: "2125550003" });
    const setup = await rig.user.waitFor((i) => i.primitive === "SETUP.ind", T, "SETUP.ind", from);
    await rig.farend.waitFor(matching("rx", { msg: "ANM", cic: 21 }), T, { from: fe });
    const o = rig.user.originate(TRUNK, "5552000", "2125550004");
    if (!o.ok) throw new Error(o.reason);
    await rig.user.waitFor(isCall(o.call, "ANSWER.ind"), T, "ANM of our call", from);
    const outCall = o.call;

    rig.sim.cut(1, true);
    const rel = await rig.user.waitFor(isCall(setup.call, "RELEASE.ind"), T, "RELEASE.ind after the cut", from);
    expect(rel).toMatchObject({ reason: "mtp-pause" });
    await rig.user.waitFor(isCall(outCall, "RELEASE.ind"), T, "RELEASE.ind of our call", from);
    const down = await manage({ kind: "listLinks" });
    expect(down.kind === "links" && down.links.destinations[0]?.accessible).toBe(false);
    expect(rig.isup.counts().calls).toBe(0);

    // Longer than T17: our realignment starts during the cut, its SIO is lost and
    // repeated when the line comes back.
    await new Promise((res) => setTimeout(res, 2_500));
    expect(rig.isup.status().every((c) => c.call === "Idle")).toBe(true);
    rig.sim.cut(1, false);
    // Restoration: alignment, link test, TRA, then GRS for every circuit (Q.764 §2.15).
    await rig.until(() => rig.gw.ss7?.mtp3?.destinationStatus().every((d) => d.accessible) === true, 20_000, "MTP-RESUME after restoration");
    await rig.farend.waitFor(matching("rx", { msg: "GRS", cic: 17 }), T, { from: fe });
    await allIdle();
    await rig.until(() => rig.farend.all(matching("state", { cic: 21 }), fe).at(-1)?.["state"] === "idle", T, "far end CIC 21 idle");
    expect(await farendCircuits()).toEqual([]);

    const qFrom = rig.farend.mark();
    for (const [first, last] of [
      [1, 15],
      [17, 31],
    ] as const) {
      const r = await manage({ kind: "circuitAction", request: { action: "query", trunk: TRUNK, range: { first, last }, blockingType: "maintenance" } }, 15_000);
      expect(r.kind === "circuitAction" && r.result).toMatchObject({ procedure: "CQM", answered: true, discrepancies: [] });
    }
    expect(rig.farend.all(matching("rx", { msg: "CQM" }), qFrom).map((e) => [e["cic"], e["end"]])).toEqual([
      [1, 15],
      [17, 31],
    ]);
    await allIdle();
    const sent = tsharkAgrees();
    expect(sent.slice(-4)).toEqual(["CIC 1 GRS", "CIC 17 GRS", "CIC 1 CQM", "CIC 17 CQM"]);
  }, 30_000);
});
