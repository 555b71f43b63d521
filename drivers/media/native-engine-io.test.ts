/**
 * The engine's two socket paths give the same results: io_uring batches (one io_uring_enter for
 * the receives or sends of many sockets) and one system call per socket (forced with
 * SIPT_MEDIA_IO=syscalls, and the path taken wherever the kernel refuses io_uring). Every
 * datagram queued on an RTP socket is read in the tick (several per socket with 10 ms packets),
 * at most RECV_BUDGET (64) per socket per tick; every packet built is sent (RFC 3550 §5.1).
 */
import { describe, expect, it } from "vitest";
import { skipWithoutMediaLibrary } from "./testing/availability.js";
import { ToneSource } from "./testing/dsp.js";
import { engine, peer, releaseAfterEach, sortedBySeq, stream } from "./testing/fixtures.js";
import { Rig } from "./testing/rig.js";
import { buildRtp, pause } from "./testing/rtp-peer.js";
import type { NativeMediaEngine } from "./native-engine.js";

const skip = skipWithoutMediaLibrary("native media engine socket paths");
releaseAfterEach();

function openEngine(path: "default" | "syscalls"): NativeMediaEngine {
  // read by media_engine_create only
  const before = process.env["SIPT_MEDIA_IO"];
  if (path === "syscalls") process.env["SIPT_MEDIA_IO"] = "syscalls";
  try {
    return engine(["alaw", "alaw", "alaw"]);
  } finally {
    if (before === undefined) delete process.env["SIPT_MEDIA_IO"];
    else process.env["SIPT_MEDIA_IO"] = before;
  }
}

describe.skipIf(skip).each(["default", "syscalls"] as const)("socket path %s", (path) => {
  it("reads every queued datagram, bounds a burst at 64 per socket and tick, and sends every packet", async () => {
    const e = openEngine(path);
    const p = await peer();
    const ports = [
      e.openPort({ bindAddress: "127.0.0.1", rtcpMux: true }),
      e.openPort({ bindAddress: "127.0.0.1", rtcpMux: false }),
      e.openPort({ bindAddress: "127.0.0.1", rtcpMux: true }),
    ];
    e.addStream(stream(0, ports[0]?.portId ?? -1, p.port));
    e.addStream(stream(1, ports[1]?.portId ?? -1, p.port, { ptimeMs: 10 }));
    e.addStream(stream(2, ports[2]?.portId ?? -1, p.port));
    const rig = new Rig(e, ["alaw", "alaw", "alaw"]);
    await rig.step(); // applies the table
    const tone = new ToneSource([1004], -10, "alaw");
    const ticks = 30;
    const burstAt = 10;
    const burst = 70;
    let burstSeq = 0;
    let budgetBefore = 0;
    for (let i = 0; i < ticks; i++) {
      const block = tone.block(160);
      await p.send(buildRtp(8, 100 + i, 1000 + 160 * i, 0x1000, block, i === 0), ports[0]?.rtpPort ?? 0);
      // 10 ms packets: two datagrams wait on this socket at every tick
      await p.send(buildRtp(8, 2 * i, 160 * i, 0x2000, block.subarray(0, 80), i === 0), ports[1]?.rtpPort ?? 0);
      await p.send(buildRtp(8, 2 * i + 1, 160 * i + 80, 0x2000, block.subarray(80), false), ports[1]?.rtpPort ?? 0);
      const n = i === burstAt ? burst : 1;
      for (let k = 0; k < n; k++, burstSeq++)
        await p.send(buildRtp(8, burstSeq, 160 * burstSeq, 0x3000, block, burstSeq === 0), ports[2]?.rtpPort ?? 0);
      await pause(3);
      if (i === burstAt) budgetBefore = e.counters().global["recv_budget_exhausted"] ?? 0;
      await rig.step(() => block, 0);
      if (i === burstAt) {
        // this tick read 64 of the burst (the last datagram of the tick before included)
        expect((e.counters().global["recv_budget_exhausted"] ?? 0) - budgetBefore).toBe(1);
      }
    }
    await rig.step();
    await pause(20);
    const c = e.counters();
    const rows = new Map(c.streams.map((r) => [r["channel"], r]));
    expect(rows.get(0)?.["rtp_rx_packets"]).toBe(ticks);
    expect(rows.get(1)?.["rtp_rx_packets"]).toBe(2 * ticks);
    // the burst's tail waited for the next tick; the flood guard drops above its bucket
    const s2 = rows.get(2);
    expect((s2?.["rtp_rx_packets"] ?? 0) + (s2?.["flood_drops"] ?? 0)).toBe(ticks - 1 + burst);
    for (const ch of [0, 1]) {
      expect(rows.get(ch)?.["rx_lost"]).toBe(0);
      expect(rows.get(ch)?.["send_errors"]).toBe(0);
    }
    expect(c.global["recv_errors"]).toBe(0);
    expect(c.global["send_errors"]).toBe(0);
    // ticks + 2 blocks of audio per stream; channel 1 leaves as 10 ms packets
    const from = (port: number | undefined): number => p.sources.filter((s) => s === `127.0.0.1:${port ?? -1}`).length;
    expect(from(ports[0]?.rtpPort)).toBe(ticks + 2);
    expect(from(ports[1]?.rtpPort)).toBe(2 * (ticks + 2));
    expect(from(ports[2]?.rtpPort)).toBe(ticks + 2);
    const ch1 = sortedBySeq(p.rtp.filter((x) => x.ssrc === rows.get(1)?.["tx_ssrc"]));
    expect(ch1.every((x, i) => i === 0 || x.seq === (((ch1[0]?.seq ?? 0) + i) & 0xffff))).toBe(true);

    const uring = c.global["io_uring"] ?? 0;
    const submits = c.global["io_submits"] ?? 0;
    if (path === "syscalls") {
      expect(uring).toBe(0);
      expect(submits).toBe(0);
    } else if (uring === 1) {
      // a handful of io_uring_enter calls per tick (receive rounds, sends) for all sockets
      expect(submits).toBeGreaterThan(0);
      expect(submits).toBeLessThanOrEqual((ticks + 2) * 6);
    } else {
      console.warn("native media engine: io_uring not in use (refused by the kernel, or SIPT_MEDIA_IO=syscalls); the system-call path ran");
      expect(submits).toBe(0);
    }
  });
});
