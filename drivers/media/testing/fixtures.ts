/**
 * Shared set-up of the media engine tests: engines, peers and stream configurations that are
 * released after each test.
 */
import { afterEach } from "vitest";
import { NativeMediaEngine, type NativeEngineOptions } from "../native-engine.js";
import type { RtpStreamConfig } from "../../../src/media/types.js";
import type { Law } from "./dsp.js";
import { RtpPeer } from "./rtp-peer.js";

const cleanups: (() => Promise<void> | void)[] = [];

/** Registers the afterEach hook that releases what the helpers made; call once per test file. */
export function releaseAfterEach(): void {
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });
}

export function engine(laws: Law[], extra: Partial<NativeEngineOptions> = {}): NativeMediaEngine {
  const e = NativeMediaEngine.open({ maxChannels: laws.length, maxStreams: 8, blockSamples: 160, tdmLaw: laws, ...extra });
  cleanups.push(() => e.destroy());
  return e;
}

export async function peer(family: 4 | 6 = 4): Promise<RtpPeer> {
  const p = await RtpPeer.open(0, family);
  cleanups.push(() => p.close());
  return p;
}

export function stream(tdmChannel: number, portId: number, rtpPort: number | undefined, over: Partial<RtpStreamConfig> = {}): RtpStreamConfig {
  return {
    tdmChannel,
    portId,
    ...(rtpPort !== undefined ? { remote: { address: "127.0.0.1", rtpPort } } : {}),
    direction: "sendrecv",
    codec: "PCMA",
    payloadType: 8,
    telephoneEventPt: 101,
    ptimeMs: 20,
    dtmfMode: "rfc4733",
    echoCanceller: { enabled: false, tailMs: 64 },
    latch: true,
    cname: "test@127.0.0.1",
    ...over,
  };
}

/** RTP packets in sequence number order (RFC 1982 serial arithmetic over 16 bits). */
export const sortedBySeq = <T extends { seq: number }>(xs: readonly T[]): T[] => [...xs].sort((a, b) => ((a.seq - b.seq + 0x18000) & 0xffff) - 0x8000);
