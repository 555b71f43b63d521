/**
 * The native media engine against Node dgram RTP peers on 127.0.0.1: TDM -> RTP and back
 * (RFC 3550 §5.1, RFC 3551 §4.5.14 PCMA/PCMU), G.711 transcoding, jitter buffer and PLC, IPv6,
 * the interleaved TDM layout, tones toward RTP and refused requests.
 */
import { describe, expect, it } from "vitest";
import { skipWithoutMediaLibrary } from "./testing/availability.js";
import { toneFor } from "../../src/media/tone-profiles.js";
import { ToneSource, decode, peakFrequency, meanPower } from "./testing/dsp.js";
import { engine, peer, releaseAfterEach, sortedBySeq, stream } from "./testing/fixtures.js";
import { IDLE, Rig, concat, indexOfBytes } from "./testing/rig.js";
import { buildRtp, pause } from "./testing/rtp-peer.js";

const skip = skipWithoutMediaLibrary("native media engine");
releaseAfterEach();

describe.skipIf(skip)("TDM -> RTP", () => {
  it("sends a 1004 Hz tone written into tdm_rx bit-exact when TDM and payload are both A-law", async () => {
    const e = engine(["alaw", "alaw"]);
    const p = await peer();
    const port = e.openPort({ bindAddress: "127.0.0.1", rtcpMux: false });
    e.addStream(stream(1, port.portId, p.port));
    const rig = new Rig(e, ["alaw", "alaw"]);
    const tone = new ToneSource([1004], -10, "alaw");
    await rig.run(50, (ch) => (ch === 1 ? tone.block(160) : undefined));
    await pause(20);
    const audio = sortedBySeq(p.rtp.filter((x) => x.pt === 8));
    expect(audio.length).toBe(50);
    expect(audio[0]?.marker).toBe(true);
    audio.forEach((pkt, i) => {
      expect(pkt.payload).toEqual(rig.sent[1]?.[i]);
      if (i > 0) {
        expect(pkt.seq).toBe(((audio[0]?.seq ?? 0) + i) & 0xffff);
        expect(pkt.ts).toBe(((audio[0]?.ts ?? 0) + 160 * i) >>> 0);
        expect(pkt.marker).toBe(false);
      }
    });
    const lin = Array.from(concat(audio.map((a) => a.payload)), (c) => decode("alaw", c));
    expect(Math.abs(peakFrequency(lin, 990, 1020) - 1004)).toBeLessThanOrEqual(0.5);
  });

  it("transcodes A-law TDM to PCMU within one quantisation step and keeps the frequency", async () => {
    const e = engine(["alaw"]);
    const p = await peer();
    const port = e.openPort({ bindAddress: "127.0.0.1", rtcpMux: true });
    e.addStream(stream(0, port.portId, p.port, { codec: "PCMU", payloadType: 0, ptimeMs: 10 }));
    const rig = new Rig(e, ["alaw"]);
    const tone = new ToneSource([1004], -10, "alaw");
    await rig.run(30, () => tone.block(160));
    await pause(20);
    const audio = sortedBySeq(p.rtp.filter((x) => x.pt === 0));
    expect(audio.length).toBe(60); // ptime 10: two packets per 20 ms block
    expect(audio.every((a) => a.payload.length === 80)).toBe(true);
    const sent = concat(rig.sent[0] ?? []);
    const got = concat(audio.map((a) => a.payload));
    let worst = 0;
    for (let i = 0; i < got.length; i++) {
      const a = decode("alaw", sent[i] ?? 0);
      const u = decode("ulaw", got[i] ?? 0);
      worst = Math.max(worst, Math.abs(a - u) / Math.max(64, Math.abs(a)));
    }
    expect(worst).toBeLessThan(0.07);
    expect(Math.abs(peakFrequency(Array.from(got, (c) => decode("ulaw", c)), 990, 1020) - 1004)).toBeLessThanOrEqual(0.5);
  });
});

describe.skipIf(skip)("RTP -> TDM", () => {
  it("plays RTP sent to the engine into tdm_tx, bit-exact for PCMA on an A-law channel", async () => {
    const e = engine(["alaw", "alaw"]);
    const p = await peer();
    const port = e.openPort({ bindAddress: "127.0.0.1", rtcpMux: false });
    e.addStream(stream(0, port.portId, p.port));
    const rig = new Rig(e, ["alaw", "alaw"]);
    const tone = new ToneSource([1004], -10, "alaw");
    const payloads: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const payload = tone.block(160);
      payloads.push(payload);
      await p.send(buildRtp(8, 1000 + i, 5000 + 160 * i, 0x11223344, payload, i === 0), port.rtpPort);
      await pause(2);
      await rig.step();
    }
    const out = rig.txStream(0);
    const first = indexOfBytes(out, payloads[0] ?? new Uint8Array());
    expect(first).toBeGreaterThanOrEqual(0);
    const expected = concat(payloads);
    const played = out.subarray(first, first + expected.length);
    const n = Math.min(played.length, expected.length);
    expect(n).toBeGreaterThanOrEqual(160 * 37);
    expect(played.subarray(0, n)).toEqual(expected.subarray(0, n));
    expect(rig.txStream(1).every((c) => c === IDLE.alaw)).toBe(true);
    const row = e.counters().streams[0];
    expect(row?.["rtp_rx_packets"]).toBe(40);
    expect(row?.["rx_lost"]).toBe(0);
  });

  it("transcodes PCMU into an A-law channel and conceals a lost packet", async () => {
    const e = engine(["alaw"]);
    const p = await peer();
    const port = e.openPort({ bindAddress: "127.0.0.1", rtcpMux: false });
    e.addStream(stream(0, port.portId, p.port, { codec: "PCMU", payloadType: 0 }));
    const rig = new Rig(e, ["alaw"]);
    const tone = new ToneSource([1004], -10, "ulaw");
    for (let i = 0; i < 40; i++) {
      const payload = tone.block(160);
      if (i !== 20) await p.send(buildRtp(0, 7 + i, 99 + 160 * i, 0x55, payload, i === 0), port.rtpPort);
      await pause(2);
      await rig.step();
    }
    const lin = Array.from(rig.txStream(0).subarray(160 * 5), (c) => decode("alaw", c));
    expect(Math.abs(peakFrequency(lin, 990, 1020) - 1004)).toBeLessThanOrEqual(0.5);
    const row = e.counters().streams[0];
    expect(row?.["rx_lost"]).toBe(1);
    expect(row?.["plc_samples"]).toBe(160);
    // the concealed block keeps the tone going (PLC), it is not silence
    const blocks = rig.txBlocks(0).map((b) => meanPower(Array.from(b, (c) => decode("alaw", c))));
    expect(Math.min(...blocks.slice(5, 38))).toBeGreaterThan(meanPower(lin) * 0.05);
  });
});

describe.skipIf(skip)("addresses, layouts and laws", () => {
  it("switches over IPv6 (::1) both ways", async () => {
    const e = engine(["alaw"]);
    const p = await peer(6);
    const port = e.openPort({ bindAddress: "::1", rtcpMux: true });
    e.addStream(stream(0, port.portId, undefined, { remote: { address: "::1", rtpPort: p.port } }));
    const rig = new Rig(e, ["alaw"]);
    const tone = new ToneSource([1004], -10, "alaw");
    const payload = tone.block(160);
    for (let i = 0; i < 10; i++) {
      await p.send(buildRtp(8, i, 160 * i, 0x6, payload), port.rtpPort);
      await pause(2);
      await rig.step(() => payload);
    }
    await pause(10);
    expect(p.rtp.length).toBe(10);
    expect(p.rtp[3]?.payload).toEqual(payload);
    expect(indexOfBytes(rig.txStream(0), payload)).toBeGreaterThanOrEqual(0);
    expect(e.counters().streams[0]?.["hijack_drops"]).toBe(0);
  });

  it("reads and writes 125 us frames in the interleaved layout, and follows a law change", async () => {
    const e = engine(["alaw", "alaw", "ulaw"], { tdmLayout: "interleaved" });
    e.crossConnect(0, 2);
    const rig = new Rig(e, ["alaw", "alaw", "ulaw"]);
    const tone = new ToneSource([1004], -10, "alaw");
    const sent: Uint8Array[] = [];
    for (let t = 0; t < 5; t++) {
      const block = tone.block(160);
      sent.push(block);
      // frame-major: sample i of channel c at i * 3 + c
      for (let i = 0; i < 160; i++) {
        rig.rx[i * 3] = block[i] ?? 0;
        rig.rx[i * 3 + 1] = 0xd5;
        rig.rx[i * 3 + 2] = 0xff;
      }
      e.tick(rig.rx, rig.tx, t);
      const toU = Uint8Array.from({ length: 160 }, (_, i) => rig.tx[i * 3 + 2] ?? 0);
      const lin = Array.from(toU, (c) => decode("ulaw", c));
      const ref = Array.from(block, (c) => decode("alaw", c));
      lin.forEach((v, i) => expect(Math.abs(v - (ref[i] ?? 0))).toBeLessThanOrEqual(Math.max(64, Math.abs(ref[i] ?? 0) * 0.07)));
      expect(Array.from({ length: 160 }, (_, i) => rig.tx[i * 3 + 1]).every((c) => c === 0xd5)).toBe(true);
    }
    // channel 2 becomes A-law: the cross-connect now copies octets unchanged
    e.setTdmLaw(2, "alaw");
    const block = tone.block(160);
    for (let i = 0; i < 160; i++) rig.rx[i * 3] = block[i] ?? 0;
    e.tick(rig.rx, rig.tx, 5);
    expect(Uint8Array.from({ length: 160 }, (_, i) => rig.tx[i * 3 + 2] ?? 0)).toEqual(block);
  });

  it("plays a tone toward the RTP side instead of the TDM audio", async () => {
    const e = engine(["alaw"]);
    const p = await peer();
    const port = e.openPort({ bindAddress: "127.0.0.1", rtcpMux: true });
    e.addStream(stream(0, port.portId, p.port, { dtmfMode: "inband" }));
    e.startTone(0, "rtp", toneFor("itu", "dial") ?? { steps: [], repeat: false });
    const rig = new Rig(e, ["alaw"]);
    const other = new ToneSource([1004], -10, "alaw");
    await rig.run(10, () => other.block(160));
    await pause(10);
    const lin = Array.from(sortedBySeq(p.rtp).flatMap((x) => Array.from(x.payload)), (c) => decode("alaw", c));
    expect(Math.abs(peakFrequency(lin, 300, 1100, 1) - 425)).toBeLessThanOrEqual(2);
    e.stopTone(0, "rtp");
    p.rtp.length = 0;
    await rig.run(5, () => other.block(160));
    await pause(10);
    const after = Array.from(sortedBySeq(p.rtp).flatMap((x) => Array.from(x.payload)), (c) => decode("alaw", c));
    expect(Math.abs(peakFrequency(after, 300, 1100, 1) - 1004)).toBeLessThanOrEqual(2);
  });

  it("refuses what the engine cannot do, naming the errno", () => {
    const e = engine(["alaw", "alaw"]);
    const port = e.openPort({ bindAddress: "127.0.0.1", rtcpMux: false });
    expect(() => e.addStream(stream(5, port.portId, 4000))).toThrow(/EINVAL/);
    expect(() => e.addStream(stream(0, port.portId, 4000, { payloadType: 72 }))).toThrow(/EINVAL/); // RFC 5761 §4
    e.addStream(stream(0, port.portId, 4000));
    expect(() => e.addStream(stream(1, port.portId, 4000))).toThrow(/EBUSY/);
    expect(() => e.closePort(port.portId)).toThrow(/EBUSY/);
    expect(() => e.crossConnect(0, 1)).toThrow(/EBUSY/);
    expect(() => e.openPort({ bindAddress: "999.1.1.1", rtcpMux: false })).toThrow(/not an IPv4 or IPv6 literal/);
    expect(() => e.sendDtmf(1, "rtp", "5", 100)).toThrow(/ENOENT/);
  });
});

