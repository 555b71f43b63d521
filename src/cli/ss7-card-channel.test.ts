import { describe, expect, it } from "vitest";
import type { Alarm, CardDriver, CardEvent, SignallingChannel } from "../../drivers/api/card.js";
import { ManualClock } from "../core/clock.js";
import { RecordingLogger } from "../core/logger.js";
import type { ChannelIndication } from "../ss7/mtp2/signalling-channel.js";
import type { SignallingFrame } from "./ss7-card-channel.js";
import { CardSignallingChannel } from "./ss7-card-channel.js";

/** One HDLC channel and the card's event stream, recorded. */
function fakeCard(alarms: Alarm[] = []) {
  const sent: number[][] = [];
  const rx = new Set<(f: Uint8Array) => void>();
  const events = new Set<(e: CardEvent) => void>();
  let closed = 0;
  let failNext = false;
  const ch: SignallingChannel = {
    span: 1,
    timeslot: 16,
    send: (f) => {
      if (failNext) {
        failNext = false;
        throw new Error("EAGAIN");
      }
      sent.push([...f]);
    },
    onFrame: (l) => (rx.add(l), () => rx.delete(l)),
    status: () => ({ span: 1, timeslot: 16, rxQueued: 0, rxFrames: 0, txFrames: sent.length, rxCrcErrors: 0, rxInvalid: 0, rxOverflows: 0, txDropped: 0 }),
    close: () => void closed++,
  };
  const card = {
    openSignalling: () => ch,
    onEvent: (l: (e: CardEvent) => void) => (events.add(l), () => events.delete(l)),
    spanStatus: () => ({ alarms }),
  } as unknown as CardDriver;
  return {
    card,
    sent,
    emit: (e: CardEvent) => events.forEach((l) => l(e)),
    deliver: (f: number[]) => rx.forEach((l) => l(Uint8Array.from(f))),
    listeners: () => rx.size + events.size,
    closed: () => closed,
    failNext: () => void (failNext = true),
  };
}

const FISU = [0x80, 0x81, 0x00, 0x00, 0x00];
const SIO = [0x80, 0x80, 0x01, 0x00, 0x00, 0x00];
const MSU = [0x81, 0x82, 0x05, 0x85, 0x02, 0x40, 0x00, 0x00, 0x00, 0x00];

describe("the card's HDLC channel as MTP2's signalling channel", () => {
  it("passes frames both ways, taps them for monitors, and survives a frame the card refuses", () => {
    const f = fakeCard();
    const clock = new ManualClock();
    const monitors = new Set<(x: SignallingFrame) => void>();
    const seen: string[] = [];
    monitors.add((x) => seen.push(`${x.link} ${x.direction} ${x.frame.length}`));
    const c = new CardSignallingChannel(f.card, "ls/0", 1, 16, clock, new RecordingLogger(), monitors);
    const got: number[][] = [];
    c.onFrame((fr) => got.push([...fr]));
    c.send(Uint8Array.from(MSU));
    f.deliver(FISU);
    f.failNext();
    c.send(Uint8Array.from(FISU));
    expect(f.sent).toEqual([MSU]);
    expect(got).toEqual([FISU]);
    expect(seen).toEqual(["ls/0 tx 10", "ls/0 rx 5", "ls/0 tx 5"]);
    expect(c.counters.sendFailures).toBe(1);
  });

  it("reports FCS errors and overflows of its own timeslot as signal units in error", () => {
    const f = fakeCard();
    const c = new CardSignallingChannel(f.card, "ls/0", 1, 16, new ManualClock(), new RecordingLogger(), new Set());
    const ind: ChannelIndication[] = [];
    c.onIndication((i) => ind.push(i));
    f.emit({ type: "sig-crc", span: 1, timeslot: 16, delta: 2, total: 2, timeNs: 0n });
    f.emit({ type: "sig-crc", span: 1, timeslot: 15, delta: 1, total: 1, timeNs: 0n });
    f.emit({ type: "sig-overflow", span: 2, timeslot: 16, delta: 1, total: 1, timeNs: 0n });
    f.emit({ type: "sig-overflow", span: 1, timeslot: 16, delta: 3, total: 3, timeNs: 0n });
    expect(ind).toEqual([
      { type: "su-error", count: 2 },
      { type: "su-error", count: 3 },
    ]);
  });

  it("counts octets at 64 kbit/s while the span is in LOS, LOF or AIS, and repeats the last fill-in when it clears", () => {
    const f = fakeCard(["AIS"]);
    const clock = new ManualClock();
    const c = new CardSignallingChannel(f.card, "ls/0", 1, 16, clock, new RecordingLogger(), new Set());
    const ind: ChannelIndication[] = [];
    c.onIndication((i) => ind.push(i));
    clock.advance(100);
    expect(ind).toHaveLength(10);
    expect(ind.every((i) => i.type === "octet-counting" && i.octets === 80)).toBe(true);
    c.send(Uint8Array.from(SIO));
    c.send(Uint8Array.from(MSU));
    // RAI alone leaves the receiver working.
    f.emit({ type: "span-alarm", span: 1, alarms: ["RAI"], changed: ["AIS", "RAI"], timeNs: 0n });
    clock.advance(100);
    expect(ind).toHaveLength(10);
    expect(f.sent).toEqual([SIO, MSU, SIO]);
    f.emit({ type: "span-alarm", span: 2, alarms: ["LOS"], changed: ["LOS"], timeNs: 0n });
    clock.advance(100);
    expect(ind).toHaveLength(10);
    f.emit({ type: "span-alarm", span: 1, alarms: ["LOS", "LOF"], changed: ["LOS", "LOF"], timeNs: 0n });
    clock.advance(50);
    expect(ind).toHaveLength(15);
    expect(c.counters.octetsCounted).toBe(15 * 80);
  });

  it("closes its channel and listeners and stops counting", () => {
    const f = fakeCard(["LOS"]);
    const clock = new ManualClock();
    const c = new CardSignallingChannel(f.card, "ls/0", 1, 16, clock, new RecordingLogger(), new Set());
    c.onFrame(() => undefined);
    c.close();
    c.close();
    expect(f.closed()).toBe(1);
    expect(f.listeners()).toBe(0);
    expect(clock.armed).toBe(0);
    c.send(Uint8Array.from(FISU));
    expect(f.sent).toEqual([]);
  });
});
