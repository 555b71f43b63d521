/**
 * The gateway's ISDN component against the libpri PBX (hardware/farend
 * sipt-farend-pbx, QSIG) through the simulated card, once as the network
 * side and once as the user side of the trunk: Q.921 establishment (§5.5)
 * and, network side, the start-up RESTART of the interface (Q.931 §5.5.1);
 * calls PBX -> gateway with the QSIG calling name (ECMA-143 §10.2, ECMA-164)
 * and gateway -> PBX (§10.1); overlap sending with INFORMATION (Q.931
 * §5.1.3) and overlap receiving with SETUP ACKNOWLEDGE (§5.2.4); clearing
 * from every call state by either end (§5.3); RESTART both ways (§5.5); the
 * line cut under calls (§5.8.9: calls not active cleared, the active call
 * kept and given STATUS on re-establishment, no B-channel left reserved) and
 * a far-end call unknown to us refused with cause 81 (§5.8.3.2). Every frame
 * the gateway sent is decoded by tshark and compared with what was meant.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { matching } from "../../../hardware/farend/farend-process.js";
import type { FarendEvent } from "../../../hardware/farend/farend-process.js";
import type { Q931Call } from "../../../src/isdn/q931/call/call.js";
import { findIe, SENDING_COMPLETE } from "../../../src/isdn/q931/codec/q931-codec.js";
import { decodeQsigFacility, operationsOf } from "../../../src/isdn/qsig/facility.js";
import { nameText } from "../../../src/isdn/qsig/names.js";
import { describeWithPeers, PEERS } from "../../support/peers.js";
import { calledIe, callingIe, IsdnRig, prerequisite, SPAN, SPEECH } from "./harness.js";
import { tsharkCompare } from "./tshark-lapd.js";

const T = 5_000;

for (const side of ["network", "user"] as const) {
  describeWithPeers(`ISDN component (${side} side) against the libpri PBX through the simulated card`, [PEERS.libpri, PEERS.tshark, PEERS.text2pcap], () => {
    let rig: IsdnRig;
    /** tx frames already checked by tshark. */
    let checked = 0;

    beforeAll(async () => {
      const missing = prerequisite();
      if (missing !== undefined) throw new Error(missing);
      rig = await IsdnRig.start({
        side,
        rules: [
          { prefix: "2", action: "answer", after_ms: 20 },
          { prefix: "5", action: "manual" },
        ],
      });
      await rig.ready(side);
    }, 30_000);

    afterAll(async () => {
      await rig?.dispose();
    }, 15_000);

    /** tshark agrees with every frame sent since the last check; returns them one line each. */
    function tsharkAgrees(): string[] {
      const frames = rig.frames.slice(checked);
      checked = rig.frames.length;
      const report = tsharkCompare(frames);
      expect(report.mismatches).toEqual([]);
      return report.frames;
    }

    /** Q.931 messages the far end saw for one call reference, "rx X" / "tx X". */
    function farQ931(cref: number, from: number): string[] {
      return rig.farend.all((e) => (e.ev === "rx" || e.ev === "tx") && e["cref"] === cref, from).map((e) => `${e.ev} ${String(e["msg"])}`);
    }

    /** Nothing held on either side. */
    async function allIdle(): Promise<void> {
      await rig.until(() => rig.busyChannels().length === 0 && rig.l3.activeCalls.length === 0, T, "every B-channel idle");
    }

    async function farIdle(channel: number, from: number): Promise<void> {
      await rig.farend.waitFor(matching("state", { channel, state: "idle" }), T, { from, what: `far-end channel ${channel} idle` });
    }

    it("brings the D-channel up (and, network side, restarts the interface)", async () => {
      expect(rig.row()).toMatchObject({ trunk: "pbx", span: SPAN, timeslot: 16, side, mode: "qsig", level2: "MultipleFrameEstablished", established: true, physicalDown: false, restartState: "Rest0", bChannelsIdle: 30, mdlErrors: 0 });
      if (side === "network") {
        await rig.farend.waitFor(matching("tx", { msg: "RESTART ACKNOWLEDGE" }), T);
        expect(rig.farend.all(matching("rx", { msg: "RESTART" })).length).toBe(1);
        expect(rig.farend.all(matching("tx", { msg: "RESTART ACKNOWLEDGE" })).length).toBe(1);
        expect(rig.row()).toMatchObject({ restartsRequested: 1, restartsAcknowledged: 1 });
      } else {
        expect(rig.farend.all(matching("rx", { msg: "RESTART" }))).toEqual([]);
      }
      const lines = tsharkAgrees();
      expect(lines[0]).toMatch(/^(SABME|U P func=SABME|UA|U P func=UA)/);
      if (side === "network") expect(lines).toContain("I RESTART cr=0");
    });

    it("PBX -> gateway: SETUP with calling name, answered, cleared by the PBX", async () => {
      const from = rig.sink.mark();
      const fe = rig.farend.mark();
      rig.sink.onSetup = (c) => {
        c.proceeding();
        c.alerting();
        c.connect();
      };
      const ok = await rig.farend.request({ cmd: "call", channel: 5, called: "4000", calling: "1000", name: "Alice" });
      const cref = Number(ok["cref"]);
      const setup = await rig.sink.waitFor((i) => i.primitive === "SETUP.ind", T, "SETUP.ind", from);
      if (setup.primitive !== "SETUP.ind") throw new Error("not SETUP.ind");
      expect(setup.call.channel).toBe(5);
      expect(findIe(setup.message, "calledPartyNumber")?.digits).toBe("4000");
      expect(findIe(setup.message, "callingPartyNumber")?.digits).toBe("1000");
      const fac = findIe(setup.message, "facility");
      const qf = fac ? decodeQsigFacility(fac) : undefined;
      const names = qf?.ok ? operationsOf(qf.value).flatMap((o) => (o.operation === "callingName" ? [nameText(o.argument.name)] : [])) : [];
      expect(names).toEqual(["Alice"]);
      await rig.sink.waitFor((i) => i.call === setup.call && i.primitive === "SETUP-COMPLETE.ind", T, "SETUP-COMPLETE.ind", from);
      await rig.farend.waitFor(matching("state", { channel: 5, state: "active" }), T, { from: fe });
      expect(rig.comp.bChannels("pbx").bChannels.find((b) => b.channel === 5)).toMatchObject({ state: "reserved", direction: "in", callState: "Active", callReference: cref });
      await rig.farend.request({ cmd: "release", channel: 5, cause: 16 });
      await rig.sink.waitFor((i) => i.call === setup.call && i.primitive === "RELEASE.conf", T, "RELEASE.conf", from);
      expect(rig.sink.primitives(setup.call)).toEqual(["SETUP.ind", "SETUP-COMPLETE.ind", "DISCONNECT.ind", "RELEASE.conf 16"]);
      await farIdle(5, fe);
      expect(farQ931(cref, fe)).toEqual(["tx SETUP", "rx CALL PROCEEDING", "rx ALERTING", "rx CONNECT", "tx CONNECT ACKNOWLEDGE", "tx DISCONNECT", "rx RELEASE", "tx RELEASE COMPLETE"]);
      await allIdle();
      expect(tsharkAgrees().filter((l) => l.startsWith("I "))).toEqual([`I CALL PROCEEDING cr=${cref}'`, `I ALERTING cr=${cref}'`, `I CONNECT cr=${cref}'`, `I RELEASE cr=${cref}'`]);
    });

    it("gateway -> PBX: answered by the PBX's rule, cleared by the gateway", async () => {
      const from = rig.sink.mark();
      const fe = rig.farend.mark();
      const r = rig.l3.setup([SPEECH, callingIe("4001"), calledIe("2000"), SENDING_COMPLETE]);
      if (!r.ok) throw new Error(r.reason);
      // Hunting from opposite ends: network side from the top, user side from the bottom.
      expect(r.call.channel).toBe(side === "network" ? 31 : 1);
      await rig.sink.waitFor((i) => i.call === r.call && i.primitive === "SETUP.conf", T, "SETUP.conf", from);
      const setup = await rig.farend.waitFor(matching("rx", { msg: "SETUP" }), T, { from: fe });
      expect(setup).toMatchObject({ called: "2000", calling: "4001", channel: r.call.channel, complete: true, cref_flag: 0 });
      expect(r.call.disconnect(16)).toBe(true);
      await rig.sink.waitFor((i) => i.call === r.call && i.primitive === "RELEASE.conf", T, "RELEASE.conf", from);
      expect(rig.sink.primitives(r.call)).toEqual(["PROCEEDING.ind", "ALERTING.ind", "SETUP.conf", "RELEASE.conf 16"]);
      await farIdle(r.call.channel ?? 0, fe);
      await allIdle();
      expect(rig.row().callsOut).toBeGreaterThanOrEqual(1);
      const lines = tsharkAgrees();
      expect(lines.filter((l) => l.startsWith("I "))).toEqual([`I SETUP cr=${r.call.callReference}`, `I CONNECT ACKNOWLEDGE cr=${r.call.callReference}`, `I DISCONNECT cr=${r.call.callReference}`, `I RELEASE COMPLETE cr=${r.call.callReference}`]);
    });

    it("overlap sending: SETUP without sending complete, then INFORMATION with the rest of the number", async () => {
      const from = rig.sink.mark();
      const fe = rig.farend.mark();
      const r = rig.l3.setup([SPEECH, calledIe("55")], 9);
      if (!r.ok) throw new Error(r.reason);
      const setup = await rig.farend.waitFor(matching("rx", { msg: "SETUP" }), T, { from: fe });
      expect(setup).toMatchObject({ called: "55", complete: false, channel: 9 });
      await rig.farend.request({ cmd: "proceeding", channel: 9 });
      await rig.sink.waitFor((i) => i.call === r.call && i.primitive === "PROCEEDING.ind", T, "PROCEEDING.ind", from);
      expect(r.call.information([calledIe("5123"), SENDING_COMPLETE])).toBe(true);
      const info = await rig.farend.waitFor(matching("rx", { msg: "INFORMATION" }), T, { from: fe });
      expect(info).toMatchObject({ called: "5123" });
      await rig.farend.waitFor(matching("digits", { channel: 9 }), T, { from: fe });
      await rig.farend.request({ cmd: "answer", channel: 9 });
      await rig.sink.waitFor((i) => i.call === r.call && i.primitive === "SETUP.conf", T, "SETUP.conf", from);
      r.call.disconnect(16);
      await rig.sink.waitFor((i) => i.call === r.call && i.primitive === "RELEASE.conf", T, "RELEASE.conf", from);
      await farIdle(9, fe);
      await allIdle();
      expect(tsharkAgrees().filter((l) => l.startsWith("I "))).toEqual([`I SETUP cr=${r.call.callReference}`, `I INFORMATION cr=${r.call.callReference}`, `I CONNECT ACKNOWLEDGE cr=${r.call.callReference}`, `I DISCONNECT cr=${r.call.callReference}`, `I RELEASE COMPLETE cr=${r.call.callReference}`]);
    });

    it("overlap receiving: the gateway asks for more information with SETUP ACKNOWLEDGE, then proceeds and answers", async () => {
      const from = rig.sink.mark();
      const fe = rig.farend.mark();
      rig.sink.onSetup = (c) => c.moreInfo();
      const ok = await rig.farend.request({ cmd: "call", channel: 12, called: "77", calling: "1000" });
      const cref = Number(ok["cref"]);
      const setup = await rig.sink.waitFor((i) => i.primitive === "SETUP.ind", T, "SETUP.ind", from);
      await rig.farend.waitFor(matching("rx", { msg: "SETUP ACKNOWLEDGE", cref }), T, { from: fe });
      expect(setup.call.state).toBe("OverlapReceiving");
      expect(setup.call.proceeding()).toBe(true);
      expect(setup.call.connect()).toBe(true);
      await rig.sink.waitFor((i) => i.call === setup.call && i.primitive === "SETUP-COMPLETE.ind", T, "SETUP-COMPLETE.ind", from);
      setup.call.disconnect(16);
      await rig.sink.waitFor((i) => i.call === setup.call && i.primitive === "RELEASE.conf", T, "RELEASE.conf", from);
      await farIdle(12, fe);
      expect(farQ931(cref, fe)).toEqual(["tx SETUP", "rx SETUP ACKNOWLEDGE", "rx CALL PROCEEDING", "rx CONNECT", "tx CONNECT ACKNOWLEDGE", "rx DISCONNECT", "tx RELEASE", "rx RELEASE COMPLETE"]);
      await allIdle();
      tsharkAgrees();
    });

    /** Outgoing call (gateway -> PBX, manual rule) brought to a state by far-end commands. */
    const outgoingStates: readonly { state: string; far: readonly ("proceeding" | "alert" | "answer")[] }[] = [
      { state: "CallInitiated", far: [] },
      { state: "OutgoingCallProceeding", far: ["proceeding"] },
      { state: "CallDelivered", far: ["alert"] },
      { state: "Active", far: ["answer"] },
    ];
    outgoingStates.forEach(({ state, far }, n) => {
      (["gateway", "PBX"] as const).forEach((by, m) => {
        // A channel per case: the far end may keep a call libpri dropped silently (below).
        const ch = 17 + n * 2 + m;
        it(`outgoing call cleared in ${state} by the ${by}`, async () => {
          const from = rig.sink.mark();
          const fe = rig.farend.mark();
          const r = rig.l3.setup([SPEECH, calledIe("5000"), SENDING_COMPLETE], ch);
          if (!r.ok) throw new Error(r.reason);
          await rig.farend.waitFor(matching("state", { channel: ch, state: "in_setup" }), T, { from: fe });
          for (const cmd of far) await rig.farend.request({ cmd, channel: ch });
          await rig.until(() => r.call.state === state, T, `our call in ${state}`);
          if (by === "gateway") {
            expect(r.call.disconnect(16)).toBe(true);
          } else {
            await rig.farend.request({ cmd: "release", channel: ch, cause: 17 });
          }
          const rel = await rig.sink.waitFor((i) => i.call === r.call && (i.primitive === "RELEASE.conf" || i.primitive === "RELEASE.ind"), T, "RELEASE", from);
          expect(rel).toMatchObject(by === "gateway" ? { primitive: "RELEASE.conf", cause: 16 } : { primitive: "RELEASE.conf", cause: 17 });
          if (by === "PBX") expect(rig.sink.primitives(r.call)).toContain("DISCONNECT.ind");
          // libpri answers a DISCONNECT for a SETUP it has not answered with RELEASE COMPLETE and
          // drops the call without telling the far-end program, which keeps showing it (in_setup).
          const unanswered = by === "gateway" && state === "CallInitiated";
          if (unanswered) await rig.farend.waitFor(matching("tx", { msg: "RELEASE COMPLETE", cref: r.call.callReference }), T, { from: fe });
          else await farIdle(ch, fe);
          await allIdle();
          const clearing = farQ931(r.call.callReference, fe).filter((x) => /DISCONNECT|RELEASE/.test(x));
          expect(clearing).toEqual(unanswered ? ["rx DISCONNECT", "tx RELEASE COMPLETE"] : by === "gateway" ? ["rx DISCONNECT", "tx RELEASE", "rx RELEASE COMPLETE"] : ["tx DISCONNECT", "rx RELEASE", "tx RELEASE COMPLETE"]);
        });
      });
    });

    /** Incoming call (PBX -> gateway) brought to a state by the sink. */
    const incomingStates: readonly { state: string; answer: (c: Q931Call) => void }[] = [
      { state: "CallPresent", answer: () => undefined },
      { state: "OverlapReceiving", answer: (c) => c.moreInfo() },
      { state: "IncomingCallProceeding", answer: (c) => c.proceeding() },
      { state: "CallReceived", answer: (c) => c.alerting() },
      { state: "Active", answer: (c) => c.connect() },
    ];
    for (const { state, answer } of incomingStates) {
      for (const by of ["gateway", "PBX"] as const) {
        it(`incoming call cleared in ${state} by the ${by}`, async () => {
          const from = rig.sink.mark();
          const fe = rig.farend.mark();
          rig.sink.onSetup = answer;
          const ok = await rig.farend.request({ cmd: "call", channel: 25, called: "6000" });
          const cref = Number(ok["cref"]);
          const setup = await rig.sink.waitFor((i) => i.primitive === "SETUP.ind", T, "SETUP.ind", from);
          const call = setup.call;
          await rig.until(() => call.state === state, T, `our call in ${state}`);
          if (state !== "CallPresent") await rig.farend.waitFor((e) => e.ev === "rx" && e["cref"] === cref, T, { from: fe, what: "our first answer" });
          if (state === "Active") await rig.farend.waitFor(matching("tx", { msg: "CONNECT ACKNOWLEDGE", cref }), T, { from: fe });
          if (by === "gateway") {
            expect(call.disconnect(state === "CallPresent" ? 21 : 16)).toBe(true);
          } else {
            await rig.farend.request({ cmd: "release", channel: 25, cause: 16 });
          }
          await rig.sink.waitFor((i) => i.call === call && (i.primitive === "RELEASE.conf" || i.primitive === "RELEASE.ind"), T, "RELEASE", from);
          await farIdle(25, fe);
          await allIdle();
          const clearing = farQ931(cref, fe).filter((m) => /DISCONNECT|RELEASE/.test(m));
          if (by === "gateway") {
            // Q.931 §5.2.5: a call refused before any answer is cleared by RELEASE COMPLETE alone.
            expect(clearing).toEqual(state === "CallPresent" ? ["rx RELEASE COMPLETE"] : ["rx DISCONNECT", "tx RELEASE", "rx RELEASE COMPLETE"]);
          } else {
            expect(clearing).toEqual(["tx DISCONNECT", "rx RELEASE", "tx RELEASE COMPLETE"]);
          }
        });
      }
    }

    it("RESTART from the PBX idles the channel; RESTART from management clears the call on its channel", async () => {
      const fe = rig.farend.mark();
      const received = rig.row().restartsReceived;
      await rig.farend.request({ cmd: "restart", channel: 4 });
      await rig.farend.waitFor(matching("rx", { msg: "RESTART ACKNOWLEDGE" }), T, { from: fe });
      await rig.until(() => rig.row().restartsReceived === received + 1, T, "RESTART.ind");
      expect(rig.sink.maint.at(-1)).toEqual({ kind: "restart", restart: { primitive: "RESTART.ind", channels: [4] } });
      // A call on channel 6, then RESTART of channel 6 from management.
      const from = rig.sink.mark();
      const r = rig.l3.setup([SPEECH, calledIe("2000"), SENDING_COMPLETE], 6);
      if (!r.ok) throw new Error(r.reason);
      await rig.sink.waitFor((i) => i.call === r.call && i.primitive === "SETUP.conf", T, "SETUP.conf", from);
      expect(rig.comp.restart({ trunk: "pbx", channels: [6] })).toEqual({ trunk: "pbx", channels: [6] });
      const rel = await rig.sink.waitFor((i) => i.call === r.call && i.primitive === "RELEASE.ind", T, "RELEASE.ind", from);
      expect(rel).toMatchObject({ cause: 41 });
      await rig.farend.waitFor(matching("restart", { channel: 6 }), T, { from: fe });
      await rig.until(() => rig.sink.maint.some((m) => m.kind === "restart" && m.restart.primitive === "RESTART.conf" && m.restart.channels !== "all" && m.restart.channels[0] === 6), T, "RESTART.conf");
      await farIdle(6, fe);
      await allIdle();
      const lines = tsharkAgrees().filter((l) => l.startsWith("I "));
      expect(lines).toContain("I RESTART ACKNOWLEDGE cr=0'");
      expect(lines).toContain("I RESTART cr=0");
    });

    it("cut line: D-channel down, the ringing call cleared, the active call kept; restored: link back, STATUS, nothing reserved", async () => {
      const from = rig.sink.mark();
      const fe = rig.farend.mark();
      // An active call gateway -> PBX on channel 10, a ringing call PBX -> gateway on channel 11.
      const act = rig.l3.setup([SPEECH, calledIe("2000"), SENDING_COMPLETE], 10);
      if (!act.ok) throw new Error(act.reason);
      await rig.sink.waitFor((i) => i.call === act.call && i.primitive === "SETUP.conf", T, "SETUP.conf", from);
      rig.sink.onSetup = (c) => c.alerting();
      const ok = await rig.farend.request({ cmd: "call", channel: 11, called: "6001" });
      const ringCref = Number(ok["cref"]);
      const ring = await rig.sink.waitFor((i) => i.primitive === "SETUP.ind", T, "SETUP.ind", from);
      await rig.farend.waitFor(matching("rx", { msg: "ALERTING", cref: ringCref }), T, { from: fe });
      const failures = rig.row().linkFailures;

      rig.sim.sim.cut(SPAN, true);
      await rig.until(() => rig.row().physicalDown && !rig.row().established, T, "D-channel down");
      expect(rig.row().linkFailures).toBe(failures + 1);
      const rel = await rig.sink.waitFor((i) => i.call === ring.call && i.primitive === "RELEASE.ind", T, "RELEASE.ind of the ringing call", from);
      expect(rel).toMatchObject({ cause: 41 });
      expect(act.call.state).toBe("Active");
      expect(rig.busyChannels()).toEqual([10]);
      expect(rig.sink.l3?.setup([SPEECH, calledIe("2000")])).toMatchObject({ ok: false, cause: 27 });
      const txDuringCut = rig.row().framesTx;
      await new Promise((res) => setTimeout(res, 1_500));
      // No establishment is attempted into a cut line.
      expect(rig.row().framesTx).toBe(txDuringCut);

      const mark = rig.frames.length;
      rig.sim.sim.cut(SPAN, false);
      await rig.until(() => rig.row().established && !rig.row().physicalDown, T, "D-channel back");
      // Q.931 §5.8.9: STATUS for the call kept active.
      const status = await rig.farend.waitFor(matching("rx", { msg: "STATUS", cref: act.call.callReference }), T, { from: fe });
      expect(status).toMatchObject({ cause: 31 });
      expect(act.call.state).toBe("Active");
      expect(rig.frames.slice(mark).some((f) => f.direction === "tx")).toBe(true);

      // The far end still holds the ringing call we cleared internally: its clearing meets cause 81.
      await rig.farend.request({ cmd: "release", channel: 11, cause: 16 });
      const rc = await rig.farend.waitFor((e: FarendEvent) => e.ev === "rx" && e["cref"] === ringCref && e["msg"] === "RELEASE COMPLETE", T, { from: fe });
      expect(rc["cause"]).toBe(81);
      await farIdle(11, fe);

      act.call.disconnect(16);
      await rig.sink.waitFor((i) => i.call === act.call && i.primitive === "RELEASE.conf", T, "RELEASE.conf", from);
      await farIdle(10, fe);
      await allIdle();
      expect(rig.row()).toMatchObject({ bChannelsIdle: 30, bChannelsReserved: 0, bChannelsMaintenance: 0, calls: 0 });
      expect(rig.row().callsClearedByLinkFailure).toBeGreaterThanOrEqual(1);
    }, 30_000);

    it("tshark decodes every other frame the gateway sent (clearing cases, cut line) as meant", () => {
      const lines = tsharkAgrees();
      expect(lines.filter((l) => l.startsWith("I STATUS ")).length).toBeGreaterThanOrEqual(1);
      expect(lines.some((l) => l.startsWith("I RELEASE COMPLETE"))).toBe(true);
      expect(lines.filter((l) => / func=SABME/.test(l)).length).toBeGreaterThanOrEqual(1);
    });
  });
}
