/**
 * The media worker as the gateway uses it: the main thread edits the cross-connect table over
 * the message port while the worker ticks in real time; TDM blocks are exchanged through the
 * shared-memory bearer.
 */
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/core/logger.js";
import { CrossConnectTable } from "../../src/media/cross-connect-table.js";
import type { MediaEvent } from "../../src/media/types.js";
import { MediaEngineHost, MediaRequestError } from "./media-host.js";
import { skipWithoutMediaLibrary } from "./testing/availability.js";
import { ToneSource, decode, peakFrequency } from "./testing/dsp.js";
import { stream } from "./testing/fixtures.js";
import { RtpPeer, buildEvent, buildRtp, pause } from "./testing/rtp-peer.js";

const skip = skipWithoutMediaLibrary("media worker host");

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await pause(10);
  }
}

describe.skipIf(skip)("media worker host", () => {
  it("switches TDM and RTP in real time while the main thread edits the table", async () => {
    const host = await MediaEngineHost.start({ engine: { maxChannels: 4, maxStreams: 4, blockSamples: 160, tdmLaw: "alaw" }, log: silentLogger });
    cleanups.push(() => host.close());
    const peer = await RtpPeer.open();
    cleanups.push(() => peer.close());
    const tdm = host.tdm;
    if (tdm === undefined) throw new Error("the default bearer shares its TDM blocks");
    // 1000 Hz repeats every 8 samples, so one 160-sample block tiles a continuous tone
    tdm.rx.set(new ToneSource([1000], -10, "alaw").block(160), 1 * 160);
    tdm.rx.set(new ToneSource([1000], -10, "alaw").block(160), 2 * 160);
    const events: MediaEvent[] = [];
    host.onEvent((e) => events.push(e));

    const table = new CrossConnectTable(host, 4, silentLogger);
    const port = await host.openPort({ bindAddress: "127.0.0.1", rtcpMux: true });
    const { tdmChannel: _, ...target } = stream(1, port.portId, peer.port);
    const id = await table.connectRtp(1, target, "call-1");
    await until("RTP from the worker", () => peer.rtp.length >= 10);
    const lin = Array.from(peer.rtp.slice(2, 10).flatMap((x) => Array.from(x.payload)), (c) => decode("alaw", c));
    expect(Math.abs(peakFrequency(lin, 980, 1020) - 1000)).toBeLessThanOrEqual(0.5);

    // RTP to the engine reaches channel 1's tdm_tx
    const payload = new ToneSource([697], -10, "alaw").block(160);
    for (let i = 0; i < 6; i++) {
      await peer.send(buildRtp(8, i, 160 * i, 0x42, payload), port.rtpPort);
      await pause(20);
    }
    await until("audio in tdm_tx", () => tdm.tx.subarray(160, 320).some((c) => c !== 0xd5));
    expect(Math.abs(peakFrequency(Array.from(tdm.tx.subarray(160, 320), (c) => decode("alaw", c)), 680, 720, 1) - 697)).toBeLessThanOrEqual(3);

    // RFC 4733 events become events on the main thread
    for (let k = 0; k < 4; k++) await peer.send(buildRtp(101, 100 + k, 2000, 0x42, buildEvent(1, k === 3, 10, 400), k === 0), port.rtpPort);
    await until("an RFC 4733 event", () => events.some((e) => e.kind === "dtmf-rtp-end" && e.detail === "1"));

    // a refused request names the reason; the table is unchanged
    await expect(host.addStream(stream(1, port.portId, peer.port))).rejects.toBeInstanceOf(MediaRequestError);
    expect(table.binding(1)).toMatchObject({ kind: "rtp", streamId: id });

    // TDM hairpin 2 <-> 3 through the table, then back to RTP on channel 2
    await table.connectTdm(2, 3, "hairpin");
    await until("the hairpin", () => tdm.tx.subarray(480, 640).some((c) => c !== 0xd5));
    await table.disconnect(1);
    const counters = await host.counters();
    expect(counters.global["streams_active"]).toBe(0);
    expect(counters.global["xconnects_active"]).toBe(1);
    const timing = await host.timing();
    expect(timing.ticks).toBeGreaterThan(10);
    expect(timing.p99LateMs).toBeLessThan(20);
  });

  it("lets a bearer that keeps time (a real-time card) pace the worker", async () => {
    const host = await MediaEngineHost.start({
      engine: { maxChannels: 2, maxStreams: 2, blockSamples: 160, tdmLaw: "alaw" },
      log: silentLogger,
      bearerModule: new URL("./testing/paced-bearer.ts", import.meta.url).href,
    });
    cleanups.push(() => host.close());
    expect(host.tdm).toBeUndefined();
    const peer = await RtpPeer.open();
    cleanups.push(() => peer.close());
    const port = await host.openPort({ bindAddress: "127.0.0.1", rtcpMux: false });
    await host.addStream(stream(0, port.portId, peer.port));
    await until("25 packets", () => peer.rtp.length >= 25);
    const audio = [...peer.rtp].sort((a, b) => a.seq - b.seq).slice(0, 25);
    audio.forEach((p, i) => i > 0 && expect(p.ts - (audio[i - 1]?.ts ?? 0)).toBe(160));
    const lin = Array.from(audio.flatMap((x) => Array.from(x.payload)), (c) => decode("alaw", c));
    expect(Math.abs(peakFrequency(lin, 990, 1020) - 1004)).toBeLessThanOrEqual(0.5);
    const timing = await host.timing();
    expect(timing.skippedTicks).toBe(0);
  });
});
