/**
 * QSIG PBX <-> SIP calls through the whole gateway (RFC 4497) with audio: the
 * libpri PBX (hardware/farend, QSIG user side) on the simulated card's span 1,
 * the gateway in this process with QsigSipUnit as its ISDN call sink and
 * INVITE handler, and sipp on the SIP side; the test's own RTP socket is
 * sipp's audio (its SDP names it), so every packet can be measured.
 *
 *  - PBX -> SIP answered: a 1004 Hz tone played by the PBX on its B-channel
 *    arrives as RTP at 1004 Hz; a 1 kHz RTP tone is detected by the PBX on
 *    the channel; the PBX clears (DISCONNECT -> BYE, §8.4.1 1)).
 *  - SIP -> PBX answered: the PBX's tone reaches RTP, RTP reaches the PBX;
 *    sipp clears (BYE -> DISCONNECT 16, §8.4.2).
 *  - Releases in early and answered states from each side: CANCEL <-> DISCONNECT
 *    16 (§8.4.1 3), §8.4.3), BYE from either side, busy both ways (486 <->
 *    cause 17, Table 1 and Table 2), and a line cut under an answered call
 *    (D-channel loss clears the SIP side, §8.4.5).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { matching } from "../../../hardware/farend/farend-process.js";
import { describeWithPeers, PEERS } from "../../support/peers.js";
import { freePort } from "../../support/ports.js";
import { start, type Started } from "../../support/processes.js";
import { alawDecode, levelDbm0 } from "../../hil/g711.js";
import { RtpProbe } from "../gateway/rtp-probe.js";
import { PbxSipRig, SPAN } from "./rig.js";

const scenario = (name: string): string => fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url));
const T = 10_000;

function sipp(args: string[], dir: string): Started {
  return start("sipp", [...args, "-i", "127.0.0.1", "-nostdin", "-timeout", "30s", "-timeout_error", "-trace_err"], { cwd: dir });
}

function sippErrors(dir: string): string {
  return readdirSync(dir)
    .filter((f) => f.endsWith("_errors.log"))
    .map((f) => readFileSync(join(dir, f), "utf8").slice(-2000))
    .join("\n");
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Frequency and level of the PCMA audio of the last `ms`, over the 20 ms packets that carry signal
 * (zero crossings counted inside each packet, summed): a packet lost or late on a loaded machine
 * drops out of the measurement instead of bending it.
 */
function measureTone(probe: RtpProbe, ms: number): { hz: number; dbm0: number; frames: number } {
  let crossings = 0;
  let intervals = 0;
  const levels: number[] = [];
  for (const f of probe.packets.filter((p) => p.pt === 8).slice(-Math.ceil(ms / 20))) {
    const x = Float64Array.from(f.payload, (b) => alawDecode(b));
    const level = levelDbm0(x, "alaw");
    if (level < -30 || x.length < 2) continue;
    for (let k = 1; k < x.length; k++) if ((x[k - 1] as number) < 0 !== (x[k] as number) < 0) crossings++;
    intervals += x.length - 1;
    levels.push(level);
  }
  const median = [...levels].sort((a, b) => a - b)[Math.floor(levels.length / 2)] ?? -99;
  return { hz: intervals > 0 ? (crossings / 2) * (8000 / intervals) : 0, dbm0: median, frames: levels.length };
}

describeWithPeers("QSIG PBX <-> SIP calls with audio (RFC 4497)", [PEERS.sipp, PEERS.libpri, PEERS.spandsp], () => {
  let rig: PbxSipRig;
  let uasPort: number;
  let work: string;

  beforeAll(async () => {
    uasPort = await freePort();
    work = mkdtempSync(join(tmpdir(), "sipt-pbx-sipp-"));
    rig = await PbxSipRig.start({
      sipPeerPort: uasPort,
      rules: [
        { prefix: "6001", action: "answer", after_ms: 300, tone: 1004, dbm0: -10 },
        { prefix: "6002", action: "busy" },
        { prefix: "6003", action: "ring" },
        { prefix: "6004", action: "answer", after_ms: 200 },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await rig?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // A test that failed half-way leaves no call to the next one.
  beforeEach(async () => {
    if (rig.unit.list().length > 0) rig.unit.releaseAll();
    await idle();
  });

  /** sipp as the callee on the trunk's peer port. */
  async function uas(name: string, probe: RtpProbe | undefined, extra: string[] = []): Promise<Started> {
    const p = sipp(["-sf", scenario(name), "-p", String(uasPort), "-key", "rtpport", String(probe?.port ?? 9), "-m", "1", ...extra], work);
    await pause(300); // sipp binds its port
    return p;
  }

  async function uac(name: string, service: string, probe: RtpProbe | undefined, extra: string[] = []): Promise<Started> {
    return sipp(["-sf", scenario(name), `127.0.0.1:${rig.sipPort}`, "-s", service, "-key", "rtpport", String(probe?.port ?? 9), "-p", String(await freePort()), "-m", "1", ...extra], work);
  }

  async function sippOk(p: Started, timeoutMs = 20_000): Promise<void> {
    const code = await p.exited(timeoutMs);
    expect(code, `${p.stdout().slice(-1500)}\n${sippErrors(work)}\n${rig.transcript(30)}`).toBe(0);
  }

  async function idle(): Promise<void> {
    await rig.until(() => rig.busyChannels().length === 0 && rig.unit.list().length === 0, T, "every B-channel idle and no call left");
  }

  it("PBX -> SIP: SETUP -> INVITE, 180 -> ALERTING, 200 -> CONNECT; tones cross both ways; the PBX clears -> BYE", async () => {
    const probe = await RtpProbe.open();
    const p = await uas("uas-answer.xml", probe);
    try {
      const from = rig.farend.mark();
      const ok = await rig.farend.request({ cmd: "call", channel: 5, called: "5551234", calling: "2001", name: "Alice" });
      const cref = ok["cref"];
      await rig.farend.waitFor(matching("rx", { msg: "CALL PROCEEDING", cref }), T, { from, what: "CALL PROCEEDING" });
      await rig.farend.waitFor(matching("rx", { msg: "ALERTING", cref }), T, { from, what: "ALERTING" });
      await rig.farend.waitFor(matching("rx", { msg: "CONNECT", cref }), T, { from, what: "CONNECT" });
      expect(rig.unit.list()).toMatchObject([{ direction: "qsig-to-sip", state: "answered", channel: 5, called: "5551234" }]);
      // PBX -> RTP
      await rig.farend.request({ cmd: "play", channel: 5, tone: 1004, dbm0: -10 });
      await pause(1200);
      const m = measureTone(probe, 600);
      console.log(`PBX->SIP tone: ${m.hz.toFixed(1)} Hz at ${m.dbm0.toFixed(1)} dBm0 (${m.frames} frames with signal, ${probe.packets.length} RTP packets)`);
      expect(m.frames).toBeGreaterThan(15);
      expect(Math.abs(m.hz - 1004)).toBeLessThan(15);
      expect(Math.abs(m.dbm0 + 10)).toBeLessThan(2);
      await rig.farend.request({ cmd: "stop", channel: 5 });
      // RTP -> PBX
      const mark = rig.farend.mark();
      await rig.farend.request({ cmd: "detect", channel: 5, freq: 1000, min_dbm0: -30 });
      const to = probe.packets.find((x) => x.pt === 8)?.from;
      if (!to) throw new Error("no RTP from the gateway");
      await probe.sendTone(to, 1000, -10, 1200);
      const tone = await rig.farend.waitFor(matching("tone", { freq: 1000 }), 5_000, { from: mark, what: "1 kHz at the PBX" });
      console.log(`SIP->PBX tone at the PBX: ${JSON.stringify(tone)}`);
      await rig.farend.request({ cmd: "release", channel: 5, cause: 16 });
      await sippOk(p);
      await idle();
    } finally {
      probe.close();
      await p.stop();
    }
  }, 60_000);

  it("SIP -> PBX: INVITE -> SETUP on a hunted B-channel, answered; tones cross both ways; sipp clears -> DISCONNECT 16", async () => {
    const probe = await RtpProbe.open();
    const from = rig.farend.mark();
    const p = await uac("uac-call.xml", "6001", probe, ["-d", "4000"]);
    try {
      const setup = await rig.farend.waitFor(matching("rx", { msg: "SETUP" }), T, { from, what: "SETUP at the PBX" });
      expect(setup).toMatchObject({ called: "6001", channel: 31 }); // the network side hunts from the top
      const channel = Number(setup["channel"]);
      await rig.farend.waitFor(matching("rx", { msg: "CONNECT ACKNOWLEDGE" }), T, { from, what: "CONNECT ACKNOWLEDGE" });
      // PBX (tone on answer) -> RTP
      await probe.waitPackets(8, 40, 5_000);
      await pause(600);
      const m = measureTone(probe, 500);
      console.log(`PBX->SIP tone: ${m.hz.toFixed(1)} Hz at ${m.dbm0.toFixed(1)} dBm0 (${m.frames} frames with signal)`);
      expect(m.frames).toBeGreaterThan(12);
      expect(Math.abs(m.hz - 1004)).toBeLessThan(15);
      expect(Math.abs(m.dbm0 + 10)).toBeLessThan(2);
      // RTP -> PBX
      const mark = rig.farend.mark();
      await rig.farend.request({ cmd: "detect", channel, freq: 1000, min_dbm0: -30 });
      const to = probe.packets.find((x) => x.pt === 8)?.from;
      if (!to) throw new Error("no RTP from the gateway");
      await probe.sendTone(to, 1000, -10, 1000);
      await rig.farend.waitFor(matching("tone", { freq: 1000 }), 5_000, { from: mark, what: "1 kHz at the PBX" });
      await sippOk(p);
      const disc = await rig.farend.waitFor(matching("rx", { msg: "DISCONNECT" }), T, { from, what: "DISCONNECT after BYE" });
      expect(disc["cause"]).toBe(16);
      await idle();
    } finally {
      probe.close();
      await p.stop();
    }
  }, 60_000);

  it("PBX -> SIP, early: the PBX clears while SIP rings -> CANCEL (§8.4.1 3))", async () => {
    const p = await uas("uas-ring-cancel.xml", undefined);
    try {
      const from = rig.farend.mark();
      const ok = await rig.farend.request({ cmd: "call", channel: 6, called: "5551234" });
      await rig.farend.waitFor(matching("rx", { msg: "ALERTING", cref: ok["cref"] }), T, { from, what: "ALERTING" });
      await rig.farend.request({ cmd: "release", channel: 6, cause: 16 });
      await sippOk(p);
      await idle();
    } finally {
      await p.stop();
    }
  }, 40_000);

  it("PBX -> SIP, busy: 486 -> DISCONNECT cause 17 (Table 2)", async () => {
    const p = await uas("uas-busy.xml", undefined);
    try {
      const from = rig.farend.mark();
      const ok = await rig.farend.request({ cmd: "call", channel: 7, called: "5551234" });
      const disc = await rig.farend.waitFor(matching("rx", { msg: "DISCONNECT", cref: ok["cref"] }), T, { from, what: "DISCONNECT" });
      expect(disc["cause"]).toBe(17);
      await sippOk(p);
      await idle();
    } finally {
      await p.stop();
    }
  }, 40_000);

  it("PBX -> SIP, answered: the SIP side clears -> DISCONNECT cause 16 (§8.4.2)", async () => {
    const p = await uas("uas-answer-bye.xml", undefined, ["-d", "1000"]);
    try {
      const from = rig.farend.mark();
      const ok = await rig.farend.request({ cmd: "call", channel: 8, called: "5551234" });
      await rig.farend.waitFor(matching("rx", { msg: "CONNECT", cref: ok["cref"] }), T, { from, what: "CONNECT" });
      const disc = await rig.farend.waitFor(matching("rx", { msg: "DISCONNECT", cref: ok["cref"] }), T, { from, what: "DISCONNECT after BYE" });
      expect(disc["cause"]).toBe(16);
      await sippOk(p);
      await idle();
    } finally {
      await p.stop();
    }
  }, 40_000);

  it("SIP -> PBX, busy: the PBX clears with cause 17 -> 486 with Reason Q.850 cause 17 (Table 1)", async () => {
    const from = rig.farend.mark();
    const p = await uac("uac-busy.xml", "6002", undefined);
    try {
      await sippOk(p);
      const sent = await rig.farend.waitFor(matching("tx", { cause: 17 }), T, { from, what: "the PBX's clearing with cause 17" });
      expect(["DISCONNECT", "RELEASE COMPLETE", "RELEASE"]).toContain(sent["msg"]);
      await idle();
    } finally {
      await p.stop();
    }
  }, 40_000);

  it("SIP -> PBX, early: sipp cancels while the PBX rings -> DISCONNECT 16 (§8.4.3)", async () => {
    const from = rig.farend.mark();
    const p = await uac("uac-cancel.xml", "6003", undefined);
    try {
      await sippOk(p);
      const disc = await rig.farend.waitFor(matching("rx", { msg: "DISCONNECT" }), T, { from, what: "DISCONNECT after CANCEL" });
      expect(disc["cause"]).toBe(16);
      await idle();
    } finally {
      await p.stop();
    }
  }, 40_000);

  it("SIP -> PBX, answered: the PBX clears -> BYE (§8.4.1 1))", async () => {
    const from = rig.farend.mark();
    const p = await uac("uac-bye-received.xml", "6004", undefined);
    try {
      const setup = await rig.farend.waitFor(matching("rx", { msg: "SETUP" }), T, { from, what: "SETUP" });
      await rig.farend.waitFor(matching("rx", { msg: "CONNECT ACKNOWLEDGE" }), T, { from, what: "CONNECT ACKNOWLEDGE" });
      await pause(300);
      await rig.farend.request({ cmd: "release", channel: Number(setup["channel"]), cause: 16 });
      await sippOk(p);
      await idle();
    } finally {
      await p.stop();
    }
  }, 40_000);

  it("line cut under an answered SIP -> PBX call: D-channel down clears the SIP side (BYE); the line back, the D-channel comes up again", async () => {
    const from = rig.farend.mark();
    const p = await uac("uac-bye-received.xml", "6004", undefined);
    try {
      await rig.farend.waitFor(matching("rx", { msg: "CONNECT ACKNOWLEDGE" }), T, { from, what: "CONNECT ACKNOWLEDGE" });
      await rig.until(() => rig.unit.list()[0]?.state === "answered", T, "the call answered");
      rig.sim().cut(SPAN, true);
      await sippOk(p);
      expect(rig.unit.list()).toEqual([]);
      expect(rig.unit.counters.clearedByDChannelLoss).toBe(1);
      const bye = rig.log.records.find((r) => r.msg === "D-channel down: its calls released on both sides");
      expect(bye?.fields).toMatchObject({ trunk: "pbx", physical: true, calls: 1 });
      rig.sim().cut(SPAN, false);
      await rig.until(() => rig.gw.isdn?.dChannels("pbx").dChannels[0]?.established === true, 15_000, "D-channel back");
      await idle();
    } finally {
      await p.stop();
    }
  }, 60_000);
});
