/**
 * DSP paths of the media engine: DTMF from TDM to RFC 4733 events and back (RFC 4733 §2.3,
 * §2.5), echo cancellation on a synthetic echo path (ERLE per ITU-T G.168 §3), call progress
 * tones (E.180) and the TDM-to-TDM cross-connect.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { toneFor } from "../../src/media/tone-profiles.js";
import { skipWithoutMediaLibrary } from "./testing/availability.js";
import { NoiseSource, ToneSource, decode, encode, goertzelPower, meanPower, peakFrequency, powerDb } from "./testing/dsp.js";
import { engine, peer, releaseAfterEach, sortedBySeq, stream } from "./testing/fixtures.js";
import { Rig } from "./testing/rig.js";
import { tsLoaderUrl } from "./ts-loader.js";
import { buildEvent, buildRtp, parseEvent, pause } from "./testing/rtp-peer.js";

const skip = skipWithoutMediaLibrary("native media engine DSP");
releaseAfterEach();

/** DTMF frequency pairs (ITU-T Q.23 §2). */
const DTMF: Readonly<Record<string, readonly [number, number]>> = {
  "5": [770, 1336],
  "9": [852, 1477],
  "#": [941, 1477],
};
const DTMF_ROWS = [697, 770, 852, 941];
const DTMF_COLS = [1209, 1336, 1477, 1633];

describe.skipIf(skip)("DTMF", () => {
  it("turns a digit on TDM into RFC 4733 events and mutes the in-band tone (rfc4733 mode)", async () => {
    const e = engine(["alaw"]);
    const p = await peer();
    const port = e.openPort({ bindAddress: "127.0.0.1", rtcpMux: false });
    e.addStream(stream(0, port.portId, p.port));
    const rig = new Rig(e, ["alaw"]);
    const digit = new ToneSource(DTMF["5"] ?? [0, 0], -10, "alaw");
    // 5 blocks of silence, 6 blocks (120 ms) of the digit, 10 blocks of silence
    await rig.run(21, (_, i) => (i >= 5 && i < 11 ? digit.block(160) : undefined));
    await pause(20);
    const events = sortedBySeq(p.rtp.filter((x) => x.pt === 101));
    expect(events.length).toBeGreaterThanOrEqual(5);
    const parsed = events.map((x) => ({ ...x, ev: parseEvent(x.payload) }));
    expect(parsed.every((x) => x.ev?.event === 5)).toBe(true);
    expect(parsed[0]?.marker).toBe(true);
    expect(new Set(parsed.map((x) => x.ts)).size).toBe(1); // one event, one timestamp (§2.5.1.1)
    const ends = parsed.filter((x) => x.ev?.end === true);
    expect(ends.length).toBe(3); // §2.5.1.4
    const durations = parsed.map((x) => x.ev?.duration ?? 0);
    for (let i = 1; i < durations.length; i++) expect(durations[i]).toBeGreaterThanOrEqual(durations[i - 1] ?? 0);
    const final = ends[0]?.ev?.duration ?? 0;
    expect(final).toBeGreaterThanOrEqual(80 * 8); // at least 80 of the 120 ms
    expect(final).toBeLessThanOrEqual(140 * 8);
    // audio sequence numbers and the events' interleave without gaps
    const all = sortedBySeq(p.rtp);
    for (let i = 1; i < all.length; i++) expect(all[i]?.seq).toBe(((all[0]?.seq ?? 0) + i) & 0xffff);
    // whatever audio was sent while the digit played carries little of it
    const audio = p.rtp.filter((x) => x.pt === 8);
    const digitEnergy = audio.map((a) => goertzelPower(Array.from(a.payload, (c) => decode("alaw", c)), 1336));
    const loud = digitEnergy.filter((x) => x > 1e9).length;
    expect(loud).toBeLessThanOrEqual(2); // at most the blocks before detection
    const kinds = e.events().map((x) => `${x.kind}:${x.detail}`);
    expect(kinds).toContain("dtmf-tdm-start:5");
    expect(kinds).toContain("dtmf-tdm-end:5");
    expect(e.counters().streams[0]?.["dtmf_rtp_events_sent"]).toBe(1);
  });

  it("plays received RFC 4733 events into TDM as the DTMF pair for the signalled duration", async () => {
    const e = engine(["ulaw"]);
    const p = await peer();
    const port = e.openPort({ bindAddress: "127.0.0.1", rtcpMux: false });
    e.addStream(stream(0, port.portId, p.port, { codec: "PCMU", payloadType: 0 }));
    const rig = new Rig(e, ["ulaw"]);
    const silence = new Uint8Array(160).fill(0xff);
    let seq = 100;
    const ts0 = 48000;
    for (let i = 0; i < 30; i++) {
      // audio keeps flowing; the event starts at tick 5 and lasts 160 ms (1280 samples)
      if (i < 5 || i >= 14) await p.send(buildRtp(0, seq++, ts0 + 160 * i, 0xabc, silence), port.rtpPort);
      if (i >= 5 && i < 13) await p.send(buildRtp(101, seq++, ts0 + 800, 0xabc, buildEvent(9, false, 10, 160 * (i - 4)), i === 5), port.rtpPort);
      if (i === 13) for (let k = 0; k < 3; k++) await p.send(buildRtp(101, seq++, ts0 + 800, 0xabc, buildEvent(9, true, 10, 1280)), port.rtpPort);
      await pause(2);
      await rig.step();
    }
    const blocks = rig.txBlocks(0).map((b) => Array.from(b, (c) => decode("ulaw", c)));
    const withTone = blocks.filter((b) => goertzelPower(b, 852) > 1e9 && goertzelPower(b, 1477) > 1e9);
    expect(withTone.length).toBeGreaterThanOrEqual(7);
    expect(withTone.length).toBeLessThanOrEqual(9);
    const all = withTone.flat();
    const row = Math.max(...DTMF_ROWS.map((f) => goertzelPower(all, f)));
    const col = Math.max(...DTMF_COLS.map((f) => goertzelPower(all, f)));
    expect(row).toBe(goertzelPower(all, 852));
    expect(col).toBe(goertzelPower(all, 1477));
    const evs = e.events().filter((x) => x.kind.startsWith("dtmf-rtp"));
    expect(evs.map((x) => `${x.kind}:${x.detail}`)).toEqual(["dtmf-rtp-start:9", "dtmf-rtp-end:9"]);
    expect(evs[1]?.value).toBe(160);
  });

  it("sends a digit requested by the gateway as RFC 4733 events of that duration", async () => {
    const e = engine(["alaw"]);
    const p = await peer();
    const port = e.openPort({ bindAddress: "127.0.0.1", rtcpMux: false });
    e.addStream(stream(0, port.portId, p.port));
    const rig = new Rig(e, ["alaw"]);
    await rig.run(3);
    e.sendDtmf(0, "rtp", "#", 100);
    await rig.run(12);
    await pause(20);
    const ev = p.rtp.filter((x) => x.pt === 101).map((x) => parseEvent(x.payload));
    expect(ev.every((x) => x?.event === 11)).toBe(true);
    expect(ev.filter((x) => x?.end).map((x) => x?.duration)).toEqual([800, 800, 800]);
    expect(e.events().some((x) => x.kind === "dtmf-sent" && x.detail === "#")).toBe(true);
  });
});

describe.skipIf(skip)("echo canceller", () => {
  it("reduces a synthetic hybrid echo by at least 30 dB (ERLE) and passes near-end speech", async () => {
    const bulk = 320; // TDM loop: what is written at tick T returns in tdm_rx of tick T + 2
    const e = engine(["alaw"], { ecBulkDelaySamples: bulk });
    const p = await peer();
    const port = e.openPort({ bindAddress: "127.0.0.1", rtcpMux: false });
    e.addStream(stream(0, port.portId, p.port, { echoCanceller: { enabled: true, tailMs: 64 }, dtmfMode: "inband" }));
    const rig = new Rig(e, ["alaw"]);
    // far-end speech stand-in: noise at about -16 dBm0 arriving as RTP
    const far = new NoiseSource(12345, 3000);
    // echo path: 5 ms flat delay, then a decaying response (ERL about 10 dB)
    const h = new Map<number, number>([[40, 0.3], [41, -0.12], [43, 0.05]]);
    // near-end talker from tick 250 on: 697 Hz at -20 dBm0 (double talk)
    const nearEnd = new ToneSource([697], -20, "alaw");
    const txLinear: number[] = [];
    const echoIn: number[] = [];
    const nearIn: number[] = [];
    let seq = 1;
    for (let t = 0; t < 300; t++) {
      const payload = Uint8Array.from({ length: 160 }, () => encode("alaw", far.next()));
      await p.send(buildRtp(8, seq++, 160 * t, 0x77, payload, t === 0), port.rtpPort);
      await pause(1);
      const near = t >= 250 ? nearEnd.linear(160) : new Float64Array(160);
      const rxBlock = new Uint8Array(160);
      for (let i = 0; i < 160; i++) {
        const n = (t - 2) * 160 + i;
        let v = 0;
        for (const [d, g] of h) v += g * (txLinear[n - d] ?? 0);
        echoIn.push(v);
        nearIn.push(near[i] ?? 0);
        rxBlock[i] = encode("alaw", v + (near[i] ?? 0));
      }
      await rig.step(() => rxBlock, 0);
      const out = rig.txBlocks(0)[t] ?? new Uint8Array(160);
      for (const c of out) txLinear.push(decode("alaw", c));
    }
    await pause(20);
    const sent = sortedBySeq(p.rtp.filter((x) => x.pt === 8));
    expect(sent.length).toBe(300);
    const outOf = (from: number, to: number): number[] => Array.from(sent.slice(from, to).flatMap((x) => Array.from(x.payload)), (c) => decode("alaw", c));
    // ERLE over ticks 200..249, after 4 s of convergence, far end only
    const echo = echoIn.slice(200 * 160, 250 * 160);
    const residual = outOf(200, 250);
    const erle = powerDb(meanPower(echo)) - powerDb(meanPower(residual));
    expect(powerDb(meanPower(echo))).toBeGreaterThan(55); // there was an echo to cancel
    expect(erle).toBeGreaterThanOrEqual(30);
    // the near-end talker comes through at its level while the far end keeps talking
    const nearOut = outOf(260, 300);
    const nearRef = nearIn.slice(260 * 160, 300 * 160);
    const gainDb = powerDb(goertzelPower(nearOut, 697)) - powerDb(goertzelPower(nearRef, 697));
    expect(Math.abs(gainDb)).toBeLessThan(1);
  });

  it("keeps spandsp's debug output off the process's stdout and counts it", async () => {
    // A child process runs a canceller; its stdout must stay empty.
    const code = `
      const { NativeMediaEngine } = await import(${JSON.stringify(new URL("./native-engine.ts", import.meta.url).href)});
      const e = NativeMediaEngine.open({ maxChannels: 1, maxStreams: 1, blockSamples: 160, tdmLaw: "alaw" });
      const port = e.openPort({ bindAddress: "127.0.0.1", rtcpMux: true });
      e.addStream({ tdmChannel: 0, portId: port.portId, direction: "sendrecv", codec: "PCMA", payloadType: 8,
        ptimeMs: 20, dtmfMode: "inband", echoCanceller: { enabled: true, tailMs: 32 }, latch: true });
      const rx = new Uint8Array(160), tx = new Uint8Array(160);
      for (let t = 0; t < 50; t++) { for (let i = 0; i < 160; i++) rx[i] = (t * 7 + i * 13) & 0xff; e.tick(rx, tx, t); }
      process.stderr.write(JSON.stringify(e.counters().global));
      e.destroy();`;
    const child = spawn(process.execPath, ["--import", tsLoaderUrl(), "--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exit = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(exit).toBe(0);
    expect(stdout).toBe("");
    const counters = JSON.parse(stderr.slice(stderr.indexOf("{"))) as Record<string, number>;
    // Debian's 0.0.6 build prints from echo_can_update; a build without those calls prints nothing
    const printing = spandspPrints();
    if (printing) expect(counters["spandsp_stdout_suppressed"]).toBeGreaterThanOrEqual(50 * 160);
    else expect(counters["spandsp_stdout_suppressed"]).toBe(0);
  });
});

/** Whether the installed libspandsp carries echo.c's debug format strings. */
function spandspPrints(): boolean {
  for (const dir of ["/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"]) {
    const f = `${dir}/libspandsp.so.2`;
    if (existsSync(f)) return readFileSync(f).includes(Buffer.from("echo is %"));
  }
  return false;
}

describe.skipIf(skip)("tones and cross-connect", () => {
  it("plays the US dial tone (350 + 440 Hz) and the ITU busy cadence into TDM", async () => {
    const e = engine(["ulaw", "alaw"]);
    const rig = new Rig(e, ["ulaw", "alaw"]);
    e.startTone(0, "tdm", toneFor("us", "dial") ?? { steps: [], repeat: false });
    e.startTone(1, "tdm", toneFor("itu", "busy") ?? { steps: [], repeat: false });
    await rig.run(100, undefined, 0);
    const dial = Array.from(rig.txStream(0), (c) => decode("ulaw", c));
    const p350 = goertzelPower(dial, 350);
    const p440 = goertzelPower(dial, 440);
    expect(p350 / p440).toBeGreaterThan(0.5);
    expect(p350 / p440).toBeLessThan(2);
    expect(goertzelPower(dial, 425)).toBeLessThan(p350 / 100);
    // -13 dBm0 per frequency: total power about -10 dBm0
    const level = powerDb(meanPower(dial)) - powerDb((32767 * Math.pow(10, -3.14 / 20)) ** 2 / 2);
    expect(level).toBeGreaterThan(-11);
    expect(level).toBeLessThan(-9);
    // busy: 500 ms on, 500 ms off -> 25 blocks of tone, then 25 of silence
    const busy = rig.txBlocks(1).map((b) => meanPower(Array.from(b, (c) => decode("alaw", c))));
    const on = busy.map((x) => x > 1e5);
    expect(on.slice(1, 24).every(Boolean)).toBe(true);
    expect(on.slice(26, 49).some(Boolean)).toBe(false);
    expect(on.slice(51, 74).every(Boolean)).toBe(true);
    expect(Math.abs(peakFrequency(Array.from(rig.txBlocks(1)[10] ?? [], (c) => decode("alaw", c)), 400, 450, 1) - 425)).toBeLessThanOrEqual(3);
  });

  it("plays the special information tone's three frequencies in turn", async () => {
    const e = engine(["alaw"]);
    const rig = new Rig(e, ["alaw"]);
    e.startTone(0, "tdm", toneFor("de", "sit") ?? { steps: [], repeat: false });
    await rig.run(60, undefined, 0);
    const s = Array.from(rig.txStream(0), (c) => decode("alaw", c));
    const at = (ms: number): number => peakFrequency(s.slice(ms * 8, ms * 8 + 800), 800, 2000, 5);
    expect(Math.abs(at(100) - 950)).toBeLessThanOrEqual(10);
    expect(Math.abs(at(430) - 1400)).toBeLessThanOrEqual(10);
    expect(Math.abs(at(760) - 1800)).toBeLessThanOrEqual(10);
    expect(meanPower(s.slice(1100 * 8, 1150 * 8))).toBeLessThan(100);
  });

  it("cross-connects an A-law and a mu-law channel both ways", async () => {
    const e = engine(["alaw", "ulaw", "alaw"]);
    e.crossConnect(0, 1);
    const rig = new Rig(e, ["alaw", "ulaw", "alaw"]);
    const a = new ToneSource([1004], -10, "alaw");
    const u = new ToneSource([697], -10, "ulaw");
    await rig.run(20, (ch) => (ch === 0 ? a.block(160) : ch === 1 ? u.block(160) : undefined), 0);
    const toU = Array.from(rig.txStream(1).subarray(160), (c) => decode("ulaw", c));
    const toA = Array.from(rig.txStream(0).subarray(160), (c) => decode("alaw", c));
    expect(Math.abs(peakFrequency(toU, 990, 1020) - 1004)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(peakFrequency(toA, 680, 710) - 697)).toBeLessThanOrEqual(0.5);
    expect(e.counters().global["xconnects_active"]).toBe(1);
    e.clearCrossConnect(1);
    await rig.run(2, (ch) => (ch === 0 ? a.block(160) : undefined), 0);
    expect(rig.txBlocks(1).at(-1)?.every((c) => c === 0xff)).toBe(true);
  });
});
