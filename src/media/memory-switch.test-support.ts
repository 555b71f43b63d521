/**
 * A media switch in memory, for tests of call logic (test support, not
 * product code): RTP ports count up from `firstPort` in pairs, streams are
 * kept by id, every request can be noted into a transcript, and closing or
 * removing what is not there fails with ENOENT as the engine does.
 */
import type { MediaCounters, MediaEvent, MediaPort, MediaPortRequest, MediaSwitch, MediaTiming, RtpStreamConfig } from "./types.js";

export class MemoryMediaSwitch implements MediaSwitch {
  readonly streams = new Map<number, RtpStreamConfig>();
  /** Stream ids removed, in order. */
  readonly removed: number[] = [];
  /** Port ids opened and not closed. */
  readonly openPorts = new Set<number>();
  private nextPort: number;
  private nextStream = 1;

  constructor(
    private readonly note: (line: string) => void = () => undefined,
    firstPort = 20_000,
  ) {
    this.nextPort = firstPort;
  }

  openPort(r: MediaPortRequest): Promise<MediaPort> {
    const p = this.nextPort;
    this.nextPort += 2;
    this.openPorts.add(p);
    this.note(`open RTP port ${r.bindAddress}:${p}`);
    return Promise.resolve({ portId: p, bindAddress: r.bindAddress, rtpPort: p, rtcpPort: p + 1, rtcpMux: r.rtcpMux });
  }

  closePort(portId: number): Promise<void> {
    if (!this.openPorts.delete(portId)) return Promise.reject(new Error(`closePort(${portId}): ENOENT`));
    this.note(`close RTP port ${portId}`);
    return Promise.resolve();
  }

  addStream(c: RtpStreamConfig): Promise<number> {
    const id = this.nextStream++;
    this.streams.set(id, c);
    this.note(`stream ${id}: TDM ${c.tdmChannel} <-> ${c.remote ? `${c.remote.address}:${c.remote.rtpPort}` : "(latch)"} ${c.codec}/${c.payloadType} ${c.direction}`);
    return Promise.resolve(id);
  }

  modifyStream(id: number, c: RtpStreamConfig): Promise<void> {
    if (!this.streams.has(id)) return Promise.reject(new Error(`modifyStream(${id}): ENOENT`));
    this.streams.set(id, c);
    this.note(`stream ${id} now ${c.direction} ${c.codec}`);
    return Promise.resolve();
  }

  removeStream(id: number): Promise<void> {
    if (!this.streams.delete(id)) return Promise.reject(new Error(`removeStream(${id}): ENOENT`));
    this.removed.push(id);
    this.note(`stream ${id} removed`);
    return Promise.resolve();
  }

  crossConnect(): Promise<void> {
    return Promise.resolve();
  }
  clearCrossConnect(): Promise<void> {
    return Promise.resolve();
  }
  startTone(): Promise<void> {
    return Promise.resolve();
  }
  stopTone(): Promise<void> {
    return Promise.resolve();
  }
  sendDtmf(): Promise<void> {
    return Promise.resolve();
  }
  setTdmLaw(): Promise<void> {
    return Promise.resolve();
  }
  counters(): Promise<MediaCounters> {
    return Promise.resolve({ global: {}, streams: [] });
  }
  timing(): Promise<MediaTiming> {
    return Promise.resolve({ ticks: 0, lateTicks: 0, skippedTicks: 0, p99LateMs: 0, maxLateMs: 0 });
  }
  onEvent(_listener: (e: MediaEvent) => void): () => void {
    return () => undefined;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
