/**
 * Two SS7 components back to back under the ManualClock: each on an
 * in-memory card whose signalling channel on span 1 timeslot 16 is wired to
 * the other's. Covers start-up (alignment, GRS, Q.764 §2.9.3.2), the unrouted
 * call sink (cause 3), management (links, circuits, BLO/CGB/CGU/RSC/GRS/CQM
 * on ranges, trunk selection errors), a span alarm failing the link through
 * octet counting (Q.703 §10.2) and its recovery, blocking kept across a
 * restart (Q.764 §2.8.2), and a clean stop.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Alarm, CardDriver, CardEvent, SignallingChannel, SignallingStatus } from "../../drivers/api/card.js";
import { ManualClock } from "../core/clock.js";
import { RecordingLogger } from "../core/logger.js";
import { loadConfigText } from "../config/load.js";
import type { GatewayConfig } from "../config/schema.js";
import type { IsupIndication, MaintenanceAlert } from "../ss7/isup/call/primitives.js";
import { sampleMessage } from "../ss7/isup/codec/samples.js";
import type { CallSink, IsupRequests } from "./ss7-call-sink.js";
import { UnroutedCallSink } from "./ss7-call-sink.js";
import { Ss7Component, Ss7ManagementError } from "./ss7-component.js";
import { TIMER_TABLES } from "./timer-tables.js";

/** The part of a card the SS7 component uses: span 1's HDLC channels, events and alarms. */
class WireCard {
  peer: WireCard | undefined;
  private readonly rx = new Map<number, Set<(f: Uint8Array) => void>>();
  private readonly events = new Set<(e: CardEvent) => void>();
  alarms: Alarm[] = [];
  open = 0;

  constructor(private readonly clock: ManualClock) {}

  asDriver(): CardDriver {
    return this as unknown as CardDriver;
  }

  openSignalling(span: number, timeslot: number): SignallingChannel {
    this.open++;
    const listeners = new Set<(f: Uint8Array) => void>();
    this.rx.set(timeslot, listeners);
    let closed = false;
    const status: SignallingStatus = { span, timeslot, rxQueued: 0, rxFrames: 0, txFrames: 0, rxCrcErrors: 0, rxInvalid: 0, rxOverflows: 0, txDropped: 0 };
    return {
      span,
      timeslot,
      send: (frame) => {
        if (closed) throw new Error("closed");
        // A cut line carries nothing either way.
        if (this.alarms.length > 0 || (this.peer?.alarms.length ?? 0) > 0) return;
        const copy = frame.slice();
        this.clock.setTimer(1, () => {
          for (const l of this.peer?.rx.get(timeslot) ?? []) l(copy.slice());
        });
      },
      onFrame: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      status: () => status,
      close: () => {
        closed = true;
        this.open--;
        listeners.clear();
      },
    };
  }

  onEvent(l: (e: CardEvent) => void): () => void {
    this.events.add(l);
    return () => this.events.delete(l);
  }

  spanStatus(span: number): { alarms: readonly Alarm[]; span: number } {
    return { span, alarms: this.alarms };
  }

  setAlarms(alarms: Alarm[]): void {
    this.alarms = alarms;
    for (const l of this.events) l({ type: "span-alarm", span: 1, alarms, changed: alarms, timeNs: 0n });
  }
}

class Sink implements CallSink {
  readonly ind: IsupIndication[] = [];
  readonly alerts: MaintenanceAlert[] = [];
  isup: IsupRequests | undefined;
  attach(isup: IsupRequests): void {
    this.isup = isup;
  }
  detach(): void {
    this.isup = undefined;
  }
  indication(i: IsupIndication): void {
    this.ind.push(i);
  }
  alert(a: MaintenanceAlert): void {
    this.alerts.push(a);
  }
}

function config(dir: string, own: number, far: number): GatewayConfig {
  const text = `control: { socket: ${join(dir, `gw${own}.sock`)} }
card:
  driver: sim
  profile: sim-2e1-4fxs-4fxo
  spans: [{ span: 1, type: e1, framing: crc4, lineCode: hdb3, clock: master, signalling: [16] }]
sip: { listen: [{ transport: udp, address: 127.0.0.1, port: 0 }] }
ss7:
  variant: itu
  pointCode: ${own}
  linksets: [{ name: ls, adjacentPointCode: ${far}, links: [{ span: 1, timeslot: 16, slc: 0 }] }]
  trunks:
    - { name: t, pointCode: ${far}, span: 1, circuits: [{ cics: 1-15, timeslots: 1-15 }, { cics: 17-31, timeslots: 17-31 }], hunting: sequential }
  blockingStore: ${join(dir, `blocking${own}.json`)}
`;
  const r = loadConfigText(text, "test.yaml", TIMER_TABLES);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

interface Side {
  readonly card: WireCard;
  readonly comp: Ss7Component;
  readonly log: RecordingLogger;
}

let dir = "";
const running: Ss7Component[] = [];

afterEach(async () => {
  for (const c of running.splice(0)) await c.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = "";
});

function pair(sinkB?: CallSink): { clock: ManualClock; a: Side; b: Side; sinkA: Sink } {
  dir = mkdtempSync(join(tmpdir(), "ss7-component-"));
  const clock = new ManualClock();
  const sinkA = new Sink();
  const mk = (own: number, far: number, sink: CallSink): Side => {
    const card = new WireCard(clock);
    const log = new RecordingLogger();
    const comp = new Ss7Component({ config: config(dir, own, far), log, card: () => card.asDriver(), sink, clock });
    return { card, comp, log };
  };
  const a = mk(1, 2, sinkA);
  const bLog = new RecordingLogger();
  const b = mk(2, 1, sinkB ?? new UnroutedCallSink(bLog, 2));
  a.card.peer = b.card;
  b.card.peer = a.card;
  return { clock, a, b, sinkA };
}

async function startBoth(p: ReturnType<typeof pair>): Promise<void> {
  await p.a.comp.start();
  await p.b.comp.start();
  running.push(p.a.comp, p.b.comp);
  p.clock.advance(5_000);
}

const idle = (s: Side): boolean => s.comp.circuits("", undefined).circuits.every((c) => c.callState === "Idle" && c.procedures.length === 0);

describe("Ss7Component", () => {
  it("aligns, resets every circuit once MTP resumes, and reports links and circuits", async () => {
    const p = pair();
    await startBoth(p);
    const links = p.a.comp.links();
    expect(links).toMatchObject({
      variant: "itu",
      pointCode: "0-0-1",
      linksets: [{ name: "ls", adjacentPointCode: "0-0-2", state: "Available" }],
      links: [{ linkset: "ls", slc: 0, span: 1, timeslot: 16, state: "Available", level2: "InService" }],
      destinations: [{ pointCode: "0-0-2", accessible: true, via: "ls" }],
    });
    const cs = p.a.comp.circuits("", undefined).circuits;
    expect(cs).toHaveLength(30);
    expect(cs.find((c) => c.cic === 17)).toMatchObject({ trunk: "t", pointCode: "0-0-2", span: 1, timeslot: 17, callState: "Idle", callId: 0 });
    expect(idle(p.a) && idle(p.b)).toBe(true);
    // GRS only after MTP-RESUME: none was attempted while the destination was paused.
    const grs = p.a.log.records.filter((r) => /^Sent GRS/.test(r.msg)).map((r) => r.msg);
    expect(grs).toEqual(["Sent GRS on CIC 1 to 2", "Sent GRS on CIC 17 to 2"]);
    expect(p.a.log.records.filter((r) => /not sent: destination paused/.test(r.msg))).toEqual([]);
    // No reset procedure left over from before MTP-RESUME repeats on T22.
    p.clock.advance(60_000);
    expect(p.a.log.records.filter((r) => /^Sent GRS/.test(r.msg))).toHaveLength(2);
    expect(p.a.log.records.some((r) => r.msg === "signalling link in service")).toBe(true);
    expect(p.a.comp.detail()).toBe("1/1 links in service, 30 circuits, 0 busy");
  });

  it("releases an incoming call with cause 3 when no call routing is attached", async () => {
    const p = pair();
    await startBoth(p);
    const r = p.sinkA.isup?.setupRequest({ group: "t", iam: sampleMessage("itu", "IAM") });
    expect(r?.ok).toBe(true);
    p.clock.advance(100);
    const rel = p.sinkA.ind.find((i) => i.primitive === "RELEASE.ind");
    expect(rel).toMatchObject({ cause: 3, reason: "remote" });
    p.clock.advance(100);
    expect(idle(p.a) && idle(p.b)).toBe(true);
  });

  it("runs BLO, CGB, CGU, RSC, GRS and CQM on CIC ranges and refuses what it cannot select", async () => {
    const p = pair();
    await startBoth(p);
    const act = (action: "block" | "unblock" | "reset" | "query", first: number, last: number, blockingType: "maintenance" | "hardware" = "maintenance") =>
      p.a.comp.circuitAction({ action, trunk: "", range: { first, last }, blockingType });
    expect((await act("block", 3, 3)).procedure).toBe("BLO");
    // 14-18: CIC 16 is not equipped; the range takes 14, 15, 17, 18.
    expect(await act("block", 14, 18)).toMatchObject({ procedure: "CGB", trunk: "t", first: 14, last: 18 });
    expect((await act("block", 5, 5, "hardware")).procedure).toBe("CGB");
    p.clock.advance(100);
    const remote = p.b.comp.circuits("t", { first: 1, last: 31 }).circuits.filter((c) => c.remoteMaintenance || c.remoteHardware).map((c) => c.cic);
    expect(remote).toEqual([3, 5, 14, 15, 17, 18]);
    expect(p.a.comp.circuits("t", { first: 3, last: 3 }).circuits[0]).toMatchObject({ localMaintenance: "blocked" });
    const q = act("query", 1, 15);
    p.clock.advance(100);
    expect(await q).toMatchObject({ procedure: "CQM", answered: true, discrepancies: [] });
    expect((await act("unblock", 3, 3)).procedure).toBe("UBL");
    expect((await act("unblock", 14, 18)).procedure).toBe("CGU");
    expect((await act("unblock", 5, 5, "hardware")).procedure).toBe("CGU");
    expect((await act("reset", 7, 7)).procedure).toBe("RSC");
    expect((await act("reset", 20, 25)).procedure).toBe("GRS");
    p.clock.advance(100);
    expect(idle(p.a) && idle(p.b)).toBe(true);
    expect(p.b.comp.circuits("", undefined).circuits.some((c) => c.remoteMaintenance || c.remoteHardware)).toBe(false);
    await expect(act("block", 40, 50)).rejects.toThrow(Ss7ManagementError);
    await expect(act("block", 16, 16)).rejects.toThrow(/no trunk has CIC 16/);
    await expect(p.a.comp.circuitAction({ action: "block", trunk: "x", range: { first: 1, last: 1 }, blockingType: "maintenance" })).rejects.toThrow(/no trunk x; trunks: t/);
    await expect(act("unblock", 3, 3)).rejects.toThrow(/not blocked/);
    expect(() => p.a.comp.circuits("", { first: 40, last: 50 })).toThrow("no trunk has a CIC in 40-50");
    expect(() => p.a.comp.circuits("x", undefined)).toThrow("no trunk x; trunks: t");
    expect(p.a.comp.circuits("t", { first: 15, last: 17 }).circuits.map((c) => c.cic)).toEqual([15, 17]);
  });

  it("a span alarm fails the link by octet counting; the link and circuits recover when it clears", async () => {
    const p = pair();
    await startBoth(p);
    const sinkMark = p.sinkA.ind.length;
    p.a.card.setAlarms(["LOS", "LOF"]);
    // SUERM: 64 errors of 16 octets each at 8 octets per ms (Q.703 §10.2.2): about 128 ms.
    p.clock.advance(200);
    expect(p.a.comp.links().links[0]?.level2).not.toBe("InService");
    expect(p.a.comp.links().destinations[0]?.accessible).toBe(false);
    expect(p.a.log.records.some((r) => r.msg === "signalling link out of service")).toBe(true);
    p.clock.advance(10_000);
    expect(p.a.comp.links().destinations[0]?.accessible).toBe(false);
    p.a.card.setAlarms([]);
    // The SIO repeated when the line came back starts alignment at once (emergency proving, T4e).
    p.clock.advance(3_000);
    expect(p.a.comp.links().destinations[0]?.accessible).toBe(true);
    expect(idle(p.a) && idle(p.b)).toBe(true);
    expect(p.sinkA.ind.slice(sinkMark)).toEqual([]);
    expect(p.a.log.records.filter((r) => /^Sent GRS/.test(r.msg))).toHaveLength(4);
  });

  it("keeps local blocking across a restart and blocks again after the start-up reset", async () => {
    const p = pair();
    await startBoth(p);
    await p.a.comp.circuitAction({ action: "block", trunk: "t", range: { first: 9, last: 9 }, blockingType: "maintenance" });
    p.clock.advance(100);
    await p.a.comp.stop();
    expect(p.a.card.open).toBe(0);
    await p.a.comp.start();
    p.clock.advance(10_000);
    expect(p.a.comp.circuits("t", { first: 9, last: 9 }).circuits[0]).toMatchObject({ localMaintenance: "blocked", procedures: [] });
    expect(p.b.comp.circuits("t", { first: 9, last: 9 }).circuits[0]).toMatchObject({ remoteMaintenance: true });
  });

  it("stops cleanly: channels closed, management refused", async () => {
    const p = pair();
    await startBoth(p);
    await p.a.comp.stop();
    expect(p.a.card.open).toBe(0);
    expect(() => p.a.comp.links()).toThrow(/not running/);
    await p.a.comp.stop();
  });
});
