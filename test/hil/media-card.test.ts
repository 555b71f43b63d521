/**
 * Media through the simulated card, in real time: the gateway's media component
 * (src/cli/media-component.ts) runs the native engine in its worker on the card's bearer
 * (drivers/card/tdm-bearer.ts); a libss7 switch (hardware/farend sipt-farend-ss7) is the far
 * end of E1 span 1 and drives the timeslots with spandsp; the RTP peer is a node:dgram socket
 * on 127.0.0.1 in this test.
 *
 *   (a) TDM -> RTP: a 1004 Hz, -10 dBm0 tone played by the far end arrives in PCMA at
 *       1004 Hz +/- 1 Hz and -10 dBm0 +/- 0.5 dB; a G.711 A-law file played by the far end
 *       arrives bit-exact (A-law span, PCMA stream, no echo canceller: nothing may touch it).
 *   (b) RTP -> TDM: a generated 1 kHz PCMU stream (mu-law -> A-law in the path) is reported
 *       by the far end's detector at 1000 Hz +/- 1 Hz and -10 dBm0 +/- 0.5 dB.
 *   (c) DTMF: digits played at the far end leave as RFC 4733 events (RFC 4733 §2.5.1: marker
 *       on the first packet, one timestamp per event, growing duration, three end packets)
 *       with the in-band tone muted in the PCMA audio; RFC 4733 events sent here are detected
 *       by the far end as the same digits (Q.24 receiver).
 *   (d) Echo: the far end loops the timeslot back; with the G.168 canceller on, the echo
 *       returned on the RTP side is at least 30 dB below the canceller-off echo (ERLE after
 *       convergence), measured in the same call.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpanFarEnd } from "../../drivers/card/line-peer.js";
import { openSimCard, type SimCard } from "../../drivers/card/sim-harness.js";
import { skipWithoutMediaLibrary } from "../../drivers/media/testing/availability.js";
import { NoiseSource, decode, encode, meanPower, peakFrequency, powerDb } from "../../drivers/media/testing/dsp.js";
import { RtpPeer, buildEvent, buildRtp, parseEvent, type RtpPacket } from "../../drivers/media/testing/rtp-peer.js";
import { FarendProcess, ensureFarendBuilt, farendBinary, matching, ss7SwitchArgs } from "../../hardware/farend/farend-process.js";
import { spanConfigOf } from "../../src/cli/card-component.js";
import { MediaComponent } from "../../src/cli/media-component.js";
import { configSchema, type GatewayConfig } from "../../src/config/schema.js";
import { silentLogger } from "../../src/core/logger.js";
import type { MediaEvent, RtpStreamConfig } from "../../src/media/types.js";
import { levelDbm0, sinePeak } from "./g711.js";

function prerequisite(): string | undefined {
  if (!existsSync(farendBinary("ss7"))) {
    const r = ensureFarendBuilt();
    if (!r.ok) return `the far-end switch could not be built: ${r.reason}`;
  }
  return undefined;
}
const farendMissing = prerequisite();
if (farendMissing !== undefined) console.warn(`[skip] media through the card: ${farendMissing}`);
const skip = skipWithoutMediaLibrary("media through the card") || (farendMissing !== undefined && process.env["CI"] === undefined);

const T = 5_000;
/** Span of the libss7 switch. */
const SPAN = 1;
/** Span whose far end is a 2-wire hybrid played by this test (echo path of G.168's model). */
const HYBRID_SPAN = 2;

function config(): GatewayConfig {
  return configSchema.parse({
    card: {
      driver: "sim",
      profile: "sim-2e1-4fxs-4fxo",
      spans: [
        { span: SPAN, type: "e1", framing: "crc4", lineCode: "hdb3", clock: "master", signalling: [16] },
        { span: HYBRID_SPAN, type: "e1", framing: "crc4", lineCode: "hdb3", clock: "master", signalling: [16] },
      ],
    },
    sip: { listen: [{ transport: "udp", address: "127.0.0.1", port: 0 }] },
    media: { echoCanceller: { enabled: false, tailMs: 64 } },
  });
}

function raise(what: string): never {
  throw new Error(`missing: ${what}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** RTP packets of one payload type received from `from` on, in sequence order (RFC 1982 over 16 bits). */
function packets(peer: RtpPeer, pt: number, from = 0): RtpPacket[] {
  const xs = peer.rtp.slice(from).filter((p) => p.pt === pt);
  return xs.sort((a, b) => ((a.seq - b.seq + 0x18000) & 0xffff) - 0x8000);
}

/** Sends RTP on a wall-clock schedule (every ptime, catching up after a late timer). */
class RtpSender {
  private seq = 1000;
  private ts = 160_000;
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  constructor(
    private readonly peer: RtpPeer,
    private readonly port: number,
    private readonly pt: number,
    private readonly next: () => Uint8Array,
  ) {}

  start(): void {
    const t0 = Date.now();
    const tick = (): void => {
      const due = Math.floor((Date.now() - t0) / 20) + 1;
      while (this.sent < due) {
        void this.peer.send(buildRtp(this.pt, this.seq++, this.ts, 0x5eed, this.next(), this.sent === 0), this.port);
        this.ts += 160;
        this.sent++;
      }
    };
    tick();
    this.timer = setInterval(tick, 10);
  }

  /** Sequence number and timestamp the next packet would carry. */
  position(): { seq: number; ts: number } {
    return { seq: this.seq, ts: this.ts };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

describe.skipIf(skip)("media through the simulated card (real time)", () => {
  let sim: SimCard;
  let fe: FarendProcess;
  let media: MediaComponent;
  let peer: RtpPeer;
  let tmp: string;

  beforeAll(async () => {
    if (farendMissing !== undefined) throw new Error(farendMissing);
    tmp = mkdtempSync(join(tmpdir(), "sipt-media-card-"));
    sim = await openSimCard({ profile: "sim-2e1-4fxs-4fxo.json", mode: "realtime" });
    const cfg = config();
    for (const s of cfg.card.spans) sim.card.configureSpan(s.span, spanConfigOf(s));
    fe = FarendProcess.spawn(
      "ss7",
      ss7SwitchArgs({ sig: join(sim.rundir, `span${SPAN}-ts16.sig`), bearer: join(sim.rundir, `span${SPAN}.bearer`), opc: 2, dpc: 1, connectTimeoutMs: 5000 }),
      "switch",
    );
    await fe.waitFor(matching("sock", { name: "bearer", state: "connected" }), T, { what: "the bearer connection" });
    await until("the card to see the far end's bearer", () => sim.sim.spanLine(SPAN).bearerConnected, T);
    media = new MediaComponent({ config: cfg, log: silentLogger, card: () => sim.card });
    await media.start();
    peer = await RtpPeer.open();
  }, 20_000);

  afterAll(async () => {
    await peer?.close();
    await media?.stop();
    await fe?.dispose();
    await sim?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function rtpStream(timeslot: number, over: Partial<RtpStreamConfig>): Promise<{ streamId: number; rtpPort: number; config: RtpStreamConfig }> {
    const ch = media.channelOf(SPAN, timeslot);
    if (ch === undefined) throw new Error(`no engine channel for span ${SPAN} timeslot ${timeslot}`);
    const port = await media.media.openPort({ bindAddress: media.rtpBindAddress, rtcpMux: false });
    const config: RtpStreamConfig = {
      tdmChannel: ch,
      portId: port.portId,
      remote: { address: "127.0.0.1", rtpPort: peer.port },
      direction: "sendrecv",
      codec: "PCMA",
      payloadType: 8,
      telephoneEventPt: 101,
      ptimeMs: 20,
      dtmfMode: "inband",
      echoCanceller: { enabled: false, tailMs: 64 },
      latch: true,
      ...over,
    };
    const streamId = await media.media.addStream(config);
    return { streamId, rtpPort: port.rtpPort, config };
  }

  it("maps engine channels to span timeslots and knows the span's law", () => {
    expect(media.channelOf(SPAN, 1)).toBe(0);
    expect(media.channelOf(SPAN, 31)).toBe(30);
    expect(media.channelOf(SPAN, 16)).toBeUndefined(); // signalling
    expect(media.channelOf(SPAN, 32)).toBeUndefined();
    expect(media.channelOf(HYBRID_SPAN, 1)).toBe(31);
    expect(media.channelOf(3, 1)).toBeUndefined(); // the card has two spans
    expect(media.lawOf(SPAN)).toBe("alaw");
  });

  it("follows a span reconfiguration: bearers and law change with the card's layout", async () => {
    const cfg = spanConfigOf(config().card.spans[1] ?? raise("span 2 configured"));
    expect(media.channelOf(HYBRID_SPAN, 9)).toBe(31 + 8);
    sim.card.configureSpan(HYBRID_SPAN, { ...cfg, companding: "ulaw", bearerTimeslots: cfg.bearerTimeslots.filter((t) => t !== 9) });
    await until("the layout event", () => media.channelOf(HYBRID_SPAN, 9) === undefined, T);
    expect(media.lawOf(HYBRID_SPAN)).toBe("ulaw");
    expect(media.channelOf(HYBRID_SPAN, 10)).toBe(31 + 9);
    // the worker's bearer re-reads the layout before its next block
    await until("the worker on the new layout", () => media.bearerStats()?.layoutChannels === 60n + 8n - 1n, T);
    sim.card.configureSpan(HYBRID_SPAN, cfg);
    await until("the layout event", () => media.channelOf(HYBRID_SPAN, 9) !== undefined, T);
    expect(media.lawOf(HYBRID_SPAN)).toBe("alaw");
    // 2 x 30 bearer timeslots and the 8 analog ports
    await until("the worker on the restored layout", () => media.bearerStats()?.layoutChannels === 60n + 8n, T);
    const st = media.bearerStats();
    expect(st?.layoutReads).toBeGreaterThanOrEqual(3n); // first read, then once or twice per change (event, ELAYOUT)
    expect(st?.errors).toBe(0n);
  });

  it("(a) carries a far-end tone to RTP at its frequency and level, and an A-law file bit-exact", async () => {
    const ts = 5;
    await fe.request({ cmd: "play", ts, tone: 1004, dbm0: -10 });
    const { streamId } = await rtpStream(ts, {});
    const from = peer.rtp.length;
    await until("1.5 s of PCMA", () => packets(peer, 8, from).length >= 75, T);
    const audio = packets(peer, 8, from);
    audio.forEach((p, i) => i > 0 && expect((p.ts - (audio[i - 1]?.ts ?? 0)) >>> 0).toBe(160));
    // the last second: the far end's tone has been running since before the stream started
    const lin = Float64Array.from(audio.slice(-50).flatMap((p) => Array.from(p.payload)), (c) => decode("alaw", c));
    const hz = peakFrequency(lin, 994, 1014, 0.05);
    const level = levelDbm0(lin, "alaw");
    console.log(`(a) TDM->RTP tone: ${hz.toFixed(2)} Hz, ${level.toFixed(2)} dBm0 (played 1004 Hz, -10 dBm0)`);
    expect(Math.abs(hz - 1004)).toBeLessThanOrEqual(1);
    expect(Math.abs(level + 10)).toBeLessThanOrEqual(0.5);

    // Bit-exact: a pseudo-random A-law file, looped by the far end, must come out unchanged.
    const file = new Uint8Array(4000);
    let x = 0x1234567;
    for (let i = 0; i < file.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      file[i] = x & 0xff;
    }
    const path = join(tmp, "random.alaw");
    writeFileSync(path, file);
    await fe.request({ cmd: "play_file", ts, path, law: "alaw", loop: true });
    let verdict = "";
    for (let attempt = 0; attempt < 3; attempt++) {
      await sleep(200); // the file is playing on the line
      const slips0 = sim.card.spanStatus(SPAN).slips;
      const start = peer.rtp.length;
      await until("1 s of PCMA from the file", () => packets(peer, 8, start).length >= 50, T);
      const got = packets(peer, 8, start);
      const slips = sim.card.spanStatus(SPAN).slips - slips0;
      const bytes = Uint8Array.from(got.flatMap((p) => Array.from(p.payload)));
      // where in the file the first packet starts (the sequence is unique over 16 octets)
      let offset = -1;
      for (let o = 0; o < file.length && offset < 0; o++) {
        let same = true;
        for (let k = 0; k < 16 && same; k++) same = bytes[k] === file[(o + k) % file.length];
        if (same) offset = o;
      }
      let mismatches = 0;
      for (let i = 0; i < bytes.length; i++) if (bytes[i] !== file[(offset + i) % file.length]) mismatches++;
      verdict = `${bytes.length} octets, offset ${offset}, ${mismatches} differ, ${slips} slips on the span`;
      console.log(`(a) bit-exact check: ${verdict}`);
      if (offset >= 0 && mismatches === 0) break;
      // A slip (the far end late under CPU load) replaces a block by idle code: measure again.
      if (slips === 0) break;
    }
    expect(verdict).toMatch(/offset \d+, 0 differ/);
    await media.media.removeStream(streamId);
    await fe.request({ cmd: "stop", ts });
  }, 20_000);

  it("(b) carries a 1 kHz PCMU stream to the far end at its frequency and level (mu-law -> A-law)", async () => {
    const ts = 6;
    const { streamId, rtpPort } = await rtpStream(ts, { codec: "PCMU", payloadType: 0 });
    await fe.request({ cmd: "detect", ts, freq: 1000, min_dbm0: -30 });
    const from = fe.mark();
    const amp = sinePeak(-10, "ulaw");
    // 1000 Hz at 8 kHz repeats every 8 samples: one block holds whole periods
    const block = Uint8Array.from({ length: 160 }, (_, i) => encode("ulaw", amp * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
    const sender = new RtpSender(peer, rtpPort, 0, () => block);
    sender.start();
    try {
      const on = await fe.waitFor(matching("tone", { ts, freq: 1000 }), T, { from, what: "the 1 kHz tone at the far end" });
      await sleep(1000);
      sender.stop();
      const end = await fe.waitFor(matching("tone_end", { ts, freq: 1000 }), T, { from, what: "the end of the tone" });
      console.log(`(b) RTP->TDM tone at the far end: onset ${String(on["hz"])} Hz ${String(on["dbm0"])} dBm0; whole tone ${String(end["hz"])} Hz, ${String(end["dbm0"])} dBm0, ${String(end["ms"])} ms`);
      expect(Math.abs(Number(end["hz"]) - 1000)).toBeLessThanOrEqual(1);
      expect(Math.abs(Number(end["dbm0"]) + 10)).toBeLessThanOrEqual(0.5);
      expect(Number(end["ms"])).toBeGreaterThan(900);
    } finally {
      sender.stop();
      await fe.request({ cmd: "detect", ts, freq: 1000, on: false });
      await media.media.removeStream(streamId);
    }
  }, 20_000);

  it("(c) turns far-end DTMF into RFC 4733 events with the tone muted, and RFC 4733 events into digits at the far end", async () => {
    const ts = 7;
    const { streamId, rtpPort } = await rtpStream(ts, { dtmfMode: "rfc4733" });
    const events: MediaEvent[] = [];
    const unlisten = media.media.onEvent((e) => events.push(e));
    try {
      await until("audio from the stream", () => packets(peer, 8).length > 5, T);
      const from = peer.rtp.length;
      const feFrom = fe.mark();
      await fe.request({ cmd: "dtmf", ts, digits: "159#", dbm0: -10, on_ms: 100, off_ms: 100 });
      await fe.waitFor(matching("play_done", { ts }), T, { from: feFrom, what: "the digits played" });
      await sleep(300); // the last event's end packets
      const evs = packets(peer, 101, from);
      const byTs = new Map<number, { seqs: number[]; marker: boolean; digit: number; durations: number[]; ends: number[] }>();
      for (const p of evs) {
        const e = parseEvent(p.payload);
        if (e === undefined) throw new Error("short telephone-event payload");
        const g = byTs.get(p.ts) ?? { seqs: [], marker: false, digit: e.event, durations: [], ends: [] };
        if (g.seqs.length === 0) g.marker = p.marker;
        g.seqs.push(p.seq);
        g.durations.push(e.duration);
        if (e.end) g.ends.push(e.duration);
        expect(e.event).toBe(g.digit); // one event per timestamp (RFC 4733 §2.5.1.1)
        byTs.set(p.ts, g);
      }
      const CODES = "0123456789*#ABCD";
      const groups = [...byTs.values()];
      const digits = groups.map((g) => CODES[g.digit] ?? "?").join("");
      const summary = groups.map((g) => `${CODES[g.digit] ?? "?"}: ${g.seqs.length} packets, ${(g.ends[0] ?? 0) / 8} ms, ${g.ends.length} end`).join("; ");
      console.log(`(c) TDM->RTP events: ${summary}`);
      expect(digits).toBe("159#");
      for (const g of groups) {
        expect(g.marker).toBe(true); // RFC 4733 §2.5.1.1: marker on the first packet of an event
        g.durations.forEach((d, i) => i > 0 && expect(d).toBeGreaterThanOrEqual(g.durations[i - 1] ?? 0));
        expect(g.ends.length).toBe(3); // §2.5.1.4: the final packet three times
        expect(new Set(g.ends).size).toBe(1);
        const ms = (g.ends[0] ?? 0) / 8;
        expect(ms).toBeGreaterThanOrEqual(70);
        expect(ms).toBeLessThanOrEqual(130);
      }
      // In-band tone muted: the audio sent while the digits played holds at most the
      // detector's onset (README deviation: 13-25 ms per digit) above -35 dBm0.
      const audio = packets(peer, 8, from);
      let loudMs = 0;
      for (const p of audio) {
        for (let w = 0; w + 40 <= p.payload.length; w += 40) {
          const lin = Array.from(p.payload.subarray(w, w + 40), (c) => decode("alaw", c));
          if (levelDbm0(Float64Array.from(lin), "alaw") > -35) loudMs += 5;
        }
      }
      console.log(`(c) in-band DTMF left in the PCMA audio: ${loudMs} ms over 4 digits of 100 ms`);
      expect(loudMs).toBeLessThanOrEqual(4 * 30);

      // RFC 4733 events from the IP side become digits on the line.
      const feFrom2 = fe.mark();
      let seq = 5000;
      let rtpTs = 1_000_000;
      for (const d of "28*0") {
        const code = CODES.indexOf(d);
        for (let k = 1; k <= 5; k++) {
          await peer.send(buildRtp(101, seq++, rtpTs, 0x4733, buildEvent(code, false, 10, k * 160), k === 1), rtpPort);
          await sleep(20);
        }
        for (let k = 0; k < 3; k++) {
          await peer.send(buildRtp(101, seq++, rtpTs, 0x4733, buildEvent(code, true, 10, 800)), rtpPort);
          await sleep(20);
        }
        rtpTs += 800 + 800;
        await sleep(100);
      }
      await until("four digits at the far end", () => fe.all((e) => e.ev === "dtmf" && e["ts"] === ts, feFrom2).length >= 4, T);
      await sleep(200);
      const heard = fe.all((e) => e.ev === "dtmf" && e["ts"] === ts, feFrom2).map((e) => String(e["digit"])).join("");
      console.log(`(c) RTP->TDM events: sent 28*0, the far end detected ${heard}`);
      expect(heard).toBe("28*0");
      expect(events.filter((e) => e.kind === "dtmf-rtp-end").map((e) => e.detail).join("")).toBe("28*0");
    } finally {
      unlisten();
      await media.media.removeStream(streamId);
    }
  }, 25_000);

  /**
   * One echo measurement on a timeslot: RTP noise in (far-end talker stand-in, -15 dBm0), the
   * echo back on RTP, canceller off then on in the same call. Returns the levels in dB.
   */
  async function echoRun(
    span: number,
    ts: number,
    targetDb: number,
    maxWindows = 8,
  ): Promise<{ sentDb: number; offDb: number; onDb: number; windows: number[]; suppressed: number }> {
    const ch = media.channelOf(span, ts);
    if (ch === undefined) throw new Error(`no engine channel for span ${span} timeslot ${ts}`);
    const port = await media.media.openPort({ bindAddress: media.rtpBindAddress, rtcpMux: false });
    const off: RtpStreamConfig = {
      tdmChannel: ch,
      portId: port.portId,
      remote: { address: "127.0.0.1", rtpPort: peer.port },
      direction: "sendrecv",
      codec: "PCMA",
      payloadType: 8,
      ptimeMs: 20,
      dtmfMode: "inband",
      echoCanceller: { enabled: false, tailMs: 64 },
      latch: true,
    };
    const streamId = await media.media.addStream(off);
    const noise = new NoiseSource(7, sinePeak(-15, "alaw") / Math.SQRT2);
    const sent: number[] = [];
    const sender = new RtpSender(peer, port.rtpPort, 8, () => {
      const b = new Uint8Array(160);
      for (let i = 0; i < 160; i++) {
        const v = noise.next();
        if (sent.length < 8000) sent.push(v);
        b[i] = encode("alaw", v);
      }
      return b;
    });
    // Level returned over a window; a window in which the span slipped (a far end starved of
    // CPU answers a block late and the card plays idle code) is measured again, up to 3 times.
    const windowDb = async (ms: number, what: string): Promise<number> => {
      let db = 0;
      for (let attempt = 0; attempt < 3; attempt++) {
        const slips0 = sim.card.spanStatus(span).slips;
        const from = peer.rtp.length;
        await sleep(ms);
        const lin = packets(peer, 8, from).flatMap((p) => Array.from(p.payload, (c) => decode("alaw", c)));
        db = powerDb(meanPower(lin));
        const slips = sim.card.spanStatus(span).slips - slips0;
        if (slips === 0) return db;
        console.warn(`(d) ${what}: ${slips} slips on span ${span} during the window (${db.toFixed(1)} dB); measuring again`);
      }
      return db;
    };
    sender.start();
    try {
      await sleep(1000);
      const offDb = await windowDb(1500, "canceller off");
      await media.media.modifyStream(streamId, { ...off, echoCanceller: { enabled: true, tailMs: 64 } });
      await sleep(3000); // convergence (about 4 s on this path, README)
      // Residual echo over 1 s windows from 3 s on, until one holds `targetDb` of ERLE (at
      // most maxWindows): a slip or a late tick under CPU load moves the echo by a block and
      // the canceller converges again; the figures of every window are printed.
      const windows: number[] = [];
      let onDb = 0;
      for (let w = 0; w < maxWindows; w++) {
        const slips0 = sim.card.spanStatus(span).slips;
        const late0 = sim.card.bearer.status().lateTicks;
        const from = peer.rtp.length;
        await sleep(1000);
        onDb = powerDb(meanPower(packets(peer, 8, from).flatMap((p) => Array.from(p.payload, (c) => decode("alaw", c)))));
        windows.push(onDb);
        const disturbed = sim.card.spanStatus(span).slips - slips0 + (sim.card.bearer.status().lateTicks - late0);
        if (disturbed > 0) console.warn(`(d) window ${w + 1}: ${disturbed} slips or late ticks (${(offDb - onDb).toFixed(1)} dB ERLE)`);
        if (offDb - onDb >= targetDb && disturbed === 0) break;
      }
      const counters = await media.media.counters();
      return { sentDb: powerDb(meanPower(sent)), offDb, onDb, windows, suppressed: counters.global["spandsp_stdout_suppressed"] ?? 0 };
    } finally {
      sender.stop();
      await media.media.removeStream(streamId);
      await media.media.closePort(port.portId);
    }
  }

  it("(d) cancels a hybrid echo on the line by at least 30 dB (ERLE, G.168 canceller on vs off)", async () => {
    // The far end of span 2 is a 2-wire hybrid on timeslot 9: what the gateway sends comes back
    // after 5 ms through a dispersive response with 6.2 dB echo return loss, the smallest ERL
    // G.168 assumes of an echo path (its double-talk detection relies on it).
    const ts = 9;
    const h = [0.4, -0.25, 0.12, -0.06]; // sum of squares 0.2405: ERL 6.2 dB
    const flatDelay = 40;
    const history = new Float64Array(flatDelay + h.length + 160);
    const hybrid = await SpanFarEnd.connect({
      rundir: sim.rundir,
      span: HYBRID_SPAN,
      bearer: {
        slots: 31,
        blockBytes: 160,
        answer: (rx, tx) => {
          tx.fill(0xd5);
          const base = (ts - 1) * 160;
          history.copyWithin(0, 160);
          const keep = history.length - 160;
          for (let i = 0; i < 160; i++) history[keep + i] = decode("alaw", rx[base + i] ?? 0xd5);
          for (let i = 0; i < 160; i++) {
            let y = 0;
            for (let k = 0; k < h.length; k++) y += (h[k] ?? 0) * (history[keep + i - flatDelay - k] ?? 0);
            tx[base + i] = encode("alaw", y);
          }
        },
      },
    });
    try {
      await until("the card to see the hybrid's bearer", () => sim.sim.spanLine(HYBRID_SPAN).bearerConnected, T);
      const r = await echoRun(HYBRID_SPAN, ts, 30);
      const erle = r.offDb - r.onDb;
      console.log(
        `(d) hybrid echo: sent ${r.sentDb.toFixed(1)} dB, echo with the canceller off ${r.offDb.toFixed(1)} dB (ERL ${(r.sentDb - r.offDb).toFixed(1)} dB), residual with it on ${r.onDb.toFixed(1)} dB: ERLE ${erle.toFixed(1)} dB (1 s windows from 3 s: ${r.windows.map((w) => (r.offDb - w).toFixed(1)).join(", ")} dB); spandsp stdout calls diverted: ${r.suppressed}`,
      );
      expect(r.sentDb - r.offDb).toBeGreaterThan(5); // there was an echo to cancel, at the hybrid's ERL
      expect(r.sentDb - r.offDb).toBeLessThan(8);
      expect(erle).toBeGreaterThanOrEqual(30);
      // Debian's libspandsp prints from echo_can_update; the engine kept it off stdout and counted it.
      expect(r.suppressed).toBeGreaterThan(0);
    } finally {
      await hybrid.close();
    }
  }, 25_000);

  it("(d) treats the far end's 0 dB loopback (echo) as double talk: passed, neither cancelled nor distorted", async () => {
    // sipt-farend-ss7 `echo` returns every octet unchanged: 0 dB ERL, outside G.168's echo path
    // model. A Geigel-type detector then sees a near-end talker as loud as the far end and the
    // canceller must not adapt to it (it would cancel real near-end speech): no 1 s window from
    // 3 s to 7 s after it is enabled may differ from the canceller-off level by 1 dB.
    const ts = 8;
    await fe.request({ cmd: "echo", ts, on: true });
    try {
      const r = await echoRun(SPAN, ts, Number.POSITIVE_INFINITY, 4);
      console.log(
        `(d) far-end loopback: sent ${r.sentDb.toFixed(1)} dB, returned ${r.offDb.toFixed(1)} dB with the canceller off, ${r.onDb.toFixed(1)} dB on (ERLE ${(r.offDb - r.onDb).toFixed(1)} dB)`,
      );
      expect(Math.abs(r.sentDb - r.offDb)).toBeLessThan(1);
      for (const w of r.windows) expect(Math.abs(r.offDb - w)).toBeLessThan(1);
    } finally {
      await fe.request({ cmd: "echo", ts, on: false });
    }
  }, 25_000);
});

