import { describe, expect, it } from "vitest";
import { RecordingLogger } from "../core/logger.js";
import { CrossConnectTable, type RtpTarget } from "./cross-connect-table.js";
import type { MediaSwitch, RtpStreamConfig } from "./types.js";

/** A MediaSwitch that records the requests it gets and can refuse one operation. */
function recordingSwitch(refuse?: string): { sw: MediaSwitch; calls: string[] } {
  const calls: string[] = [];
  let next = 7;
  const step = async <T>(name: string, value: T): Promise<T> => {
    await Promise.resolve();
    calls.push(name);
    if (name.startsWith(refuse ?? "\0")) throw new Error(`refused ${name}`);
    return value;
  };
  const sw: MediaSwitch = {
    openPort: () => Promise.reject(new Error("unused")),
    closePort: () => Promise.reject(new Error("unused")),
    addStream: (c: RtpStreamConfig) => step(`addStream(${c.tdmChannel})`, next++),
    modifyStream: (id: number, c: RtpStreamConfig) => step(`modifyStream(${id},${c.tdmChannel},${c.codec})`, undefined),
    removeStream: (id: number) => step(`removeStream(${id})`, undefined),
    crossConnect: (a: number, b: number) => step(`crossConnect(${a},${b})`, undefined),
    clearCrossConnect: (ch: number) => step(`clearCrossConnect(${ch})`, undefined),
    startTone: () => Promise.resolve(),
    stopTone: () => Promise.resolve(),
    sendDtmf: () => Promise.resolve(),
    setTdmLaw: () => Promise.resolve(),
    counters: () => Promise.resolve({ global: {}, streams: [] }),
    timing: () => Promise.resolve({ ticks: 0, lateTicks: 0, skippedTicks: 0, p99LateMs: 0, maxLateMs: 0 }),
    onEvent: () => () => undefined,
    close: () => Promise.resolve(),
  };
  return { sw, calls };
}

const target: RtpTarget = {
  portId: 0,
  remote: { address: "192.0.2.10", rtpPort: 4000 },
  direction: "sendrecv",
  codec: "PCMA",
  payloadType: 8,
  ptimeMs: 20,
  dtmfMode: "rfc4733",
  echoCanceller: { enabled: true, tailMs: 64 },
  latch: true,
};

describe("CrossConnectTable", () => {
  it("adds, then modifies (keeping the stream), then removes an RTP binding", async () => {
    const { sw, calls } = recordingSwitch();
    const t = new CrossConnectTable(sw, 4, new RecordingLogger());
    expect(t.plan(1, "connectRtp")).toEqual(["addStream"]);
    expect(await t.connectRtp(1, target, "call-a")).toBe(7);
    expect(t.plan(1, "connectRtp")).toEqual(["modifyStream"]);
    expect(await t.connectRtp(1, { ...target, codec: "PCMU", payloadType: 0 }, "call-a")).toBe(7);
    await t.disconnect(1);
    expect(calls).toEqual(["addStream(1)", "modifyStream(7,1,PCMU)", "removeStream(7)"]);
    expect(t.binding(1)).toEqual({ kind: "idle" });
  });

  it("moves channels between RTP and TDM hairpins with the steps of its transition table", async () => {
    const { sw, calls } = recordingSwitch();
    const t = new CrossConnectTable(sw, 4, new RecordingLogger());
    await t.connectRtp(0, target, "a");
    await t.connectTdm(0, 2, "hairpin");
    expect(t.binding(2)).toEqual({ kind: "tdm", peer: 0, label: "hairpin" });
    await t.connectRtp(2, target, "b");
    expect(t.binding(0)).toEqual({ kind: "idle" });
    expect(calls).toEqual(["addStream(0)", "removeStream(7)", "crossConnect(0,2)", "clearCrossConnect(2)", "addStream(2)"]);
    expect(t.entries().map(([ch, b]) => `${ch}:${b.kind}`)).toEqual(["2:rtp"]);
  });

  it("runs operations on one channel in order even when started together", async () => {
    const { sw, calls } = recordingSwitch();
    const t = new CrossConnectTable(sw, 2, new RecordingLogger());
    await Promise.all([t.connectRtp(0, target, "a"), t.disconnect(0), t.connectRtp(0, target, "b")]);
    expect(calls).toEqual(["addStream(0)", "removeStream(7)", "addStream(0)"]);
  });

  it("keeps the table as the switch left it when a step is refused", async () => {
    const { sw } = recordingSwitch("crossConnect");
    const t = new CrossConnectTable(sw, 3, new RecordingLogger());
    await t.connectRtp(0, target, "a");
    await expect(t.connectTdm(0, 1, "h")).rejects.toThrow(/refused crossConnect/);
    expect(t.binding(0)).toEqual({ kind: "idle" }); // the stream was removed before the refusal
    expect(t.binding(1)).toEqual({ kind: "idle" });
  });

  it("refuses channels outside the table and a channel connected to itself", async () => {
    const { sw } = recordingSwitch();
    const t = new CrossConnectTable(sw, 2, new RecordingLogger());
    expect(() => t.binding(2)).toThrow(/outside 0..1/);
    await expect(t.connectTdm(1, 1, "x")).rejects.toThrow(/itself/);
  });
});
