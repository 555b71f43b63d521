/**
 * Calls end to end with audio (RFC 3398): sipp -> gateway -> libss7 switch,
 * and libss7 switch -> gateway -> sipp, through the simulated card and the
 * media engine. sipp does the SIP; the test's own RTP socket is its audio
 * (sipp's SDP names it), so every packet can be measured.
 *
 *  - SIP origination: the switch answers 5551xxx and loops the bearer back;
 *    a 1 kHz tone sent as PCMA comes back at 1 kHz (RTP -> TDM -> RTP).
 *  - PSTN origination: the switch's call reaches sipp; a 1004 Hz tone played
 *    by the switch arrives as RTP at 1004 Hz, and a 1 kHz tone sent as RTP is
 *    detected by the switch on the circuit (both directions).
 *  - Release from either side ends both sides (REL <-> BYE).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { matching } from "../../../hardware/farend/farend-process.js";
import { describeWithPeers, PEERS } from "../../support/peers.js";
import { freePort } from "../../support/ports.js";
import { start, type Started } from "../../support/processes.js";
import { GatewayRig } from "./rig.js";
import { RtpProbe } from "./rtp-probe.js";

const scenario = (name: string): string => fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url));

function sipp(args: string[], dir: string): Started {
  return start("sipp", [...args, "-i", "127.0.0.1", "-nostdin", "-timeout", "30s", "-timeout_error", "-trace_err"], { cwd: dir });
}

function sippErrors(dir: string): string {
  return readdirSync(dir)
    .filter((f) => f.endsWith("_errors.log"))
    .map((f) => readFileSync(join(dir, f), "utf8").slice(-2000))
    .join("\n");
}

describeWithPeers("calls through the gateway with audio (RFC 3398)", [PEERS.sipp, PEERS.libss7, PEERS.spandsp], () => {
  let rig: GatewayRig;
  let uasPort: number;
  let work: string;

  beforeAll(async () => {
    uasPort = await freePort();
    work = mkdtempSync(join(tmpdir(), "sipt-calls-sipp-"));
    rig = await GatewayRig.start({
      sipPeerPort: uasPort,
      rules: [
        { prefix: "5551", action: "answer", after_ms: 300, echo: true },
        { prefix: "5552", action: "ring" },
        { prefix: "5590", action: "release", cause_from_digits: 3 },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await rig?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it("SIP -> PSTN: INVITE becomes IAM, ACM 180, ANM 200, and the audio loops back through the switch", async () => {
    const probe = await RtpProbe.open();
    const from = rig.farend.mark();
    const p = sipp(["-sf", scenario("uac-rtp.xml"), `127.0.0.1:${rig.sipPort}`, "-s", "5551234", "-key", "rtpport", String(probe.port), "-p", String(await freePort()), "-m", "1", "-d", "4000"], work);
    try {
      const iam = await rig.farend.waitFor(matching("rx", { msg: "IAM" }), 10_000, { from, what: "IAM at the switch" });
      expect(iam).toMatchObject({ called: "5551234" });
      // The gateway's RTP (silence or echo) tells us where to send.
      const first = (await probe.waitPackets(8, 10, 10_000))[0]!;
      await probe.sendTone(first.from, 1000, -10, 1500);
      const m = probe.measure(8, 600);
      console.log(`SIP->PSTN echo: ${m.hz.toFixed(1)} Hz at ${m.dbm0.toFixed(1)} dBm0 (${probe.packets.length} RTP packets received)`);
      expect(Math.abs(m.hz - 1000)).toBeLessThan(15);
      expect(m.dbm0).toBeGreaterThan(-25);
      const code = await p.exited(30_000);
      expect(code, `${p.stdout().slice(-1500)}\n${sippErrors(work)}\n${rig.transcript(30)}`).toBe(0);
      const rel = await rig.farend.waitFor(matching("rx", { msg: "REL" }), 5_000, { from, what: "REL after BYE" });
      expect(rel).toMatchObject({ cause: 16 });
    } finally {
      probe.close();
      await p.stop();
    }
  }, 60_000);

  it("PSTN -> SIP: IAM becomes INVITE, 180 ACM, 200 ANM, tones cross both ways, REL becomes BYE", async () => {
    const probe = await RtpProbe.open();
    const p = sipp(["-sf", scenario("uas-rtp.xml"), "-p", String(uasPort), "-key", "rtpport", String(probe.port), "-m", "1"], work);
    try {
      await new Promise((r) => setTimeout(r, 300)); // sipp binds its port
      const from = rig.farend.mark();
      await rig.farend.request({ cmd: "call", cic: 5, called: "2125551234", calling: "3125550100" });
      await rig.farend.waitFor(matching("rx", { msg: "ACM", cic: 5 }), 10_000, { from, what: "ACM" });
      await rig.farend.waitFor(matching("rx", { msg: "ANM", cic: 5 }), 10_000, { from, what: "ANM" });
      // PSTN -> RTP
      await rig.farend.request({ cmd: "play", cic: 5, tone: 1004, dbm0: -10 });
      await new Promise((r) => setTimeout(r, 1200));
      const m = probe.measure(8, 600);
      console.log(`PSTN->SIP tone: ${m.hz.toFixed(1)} Hz at ${m.dbm0.toFixed(1)} dBm0`);
      expect(Math.abs(m.hz - 1004)).toBeLessThan(15);
      expect(Math.abs(m.dbm0 + 10)).toBeLessThan(2);
      await rig.farend.request({ cmd: "stop", cic: 5 });
      // RTP -> PSTN
      const mark = rig.farend.mark();
      await rig.farend.request({ cmd: "detect", cic: 5, freq: 1000, min_dbm0: -30 });
      const to = probe.packets.find((x) => x.pt === 8)!.from;
      await probe.sendTone(to, 1000, -10, 1200);
      const tone = await rig.farend.waitFor(matching("tone", { freq: 1000 }), 5_000, { from: mark, what: "1 kHz at the switch" });
      console.log(`SIP->PSTN tone at the switch: ${JSON.stringify(tone)}`);
      await rig.farend.request({ cmd: "release", cic: 5, cause: 16 });
      const code = await p.exited(15_000);
      expect(code, `${p.stdout().slice(-1500)}\n${sippErrors(work)}\n${rig.transcript(30)}`).toBe(0);
    } finally {
      probe.close();
      await p.stop();
    }
  }, 60_000);
});
