/**
 * Two ISDN components back to back under the ManualClock, one network side
 * and one user side of a QSIG trunk, each on an in-memory card whose HDLC
 * channel on span 2 timeslot 16 is wired to the other's. Covers start-up
 * (data link, RESTART of the interface by the network side, Q.931 §5.5.1),
 * the unrouted call sink (cause 3), calls both ways, D-channel loss by a span
 * alarm (Q.931 §5.8.9: calls not active cleared, active calls kept under
 * T309, STATUS on re-establishment; T309 expiry clears with cause 27), setup
 * refused while the D-channel is down, management rows and RESTART, errors,
 * and a clean stop.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Alarm, CardDriver, CardEvent, SignallingChannel, SignallingStatus } from "../../drivers/api/card.js";
import { ManualClock } from "../core/clock.js";
import { RecordingLogger } from "../core/logger.js";
import { loadConfigText } from "../config/load.js";
import type { GatewayConfig } from "../config/schema.js";
import { IsdnManagementError } from "../gateway/management/isdn-management.js";
import { decodeLapdFrame } from "../isdn/q921/codec/lapd-frame.js";
import type { CallIndication, Q931Call } from "../isdn/q931/call/call.js";
import { decodeQ931, findIe, ie } from "../isdn/q931/codec/q931-codec.js";
import type { IsdnCallSink, IsdnMaintenanceEvent, IsdnRequests } from "./isdn-call-sink.js";
import { UnroutedIsdnCallSink } from "./isdn-call-sink.js";
import type { DChannelFrame } from "./isdn-card-channel.js";
import { IsdnComponent } from "./isdn-component.js";
import { TIMER_TABLES } from "./timer-tables.js";

const SPAN = 2;
const TS = 16;

/** The part of a card the ISDN component uses: span 2's HDLC channel, events and alarms. */
class WireCard {
  peer: WireCard | undefined;
  private readonly rx = new Set<(f: Uint8Array) => void>();
  private readonly events = new Set<(e: CardEvent) => void>();
  alarms: Alarm[] = [];
  open = 0;

  constructor(private readonly clock: ManualClock) {}

  asDriver(): CardDriver {
    return this as unknown as CardDriver;
  }

  openSignalling(span: number, timeslot: number): SignallingChannel {
    if (span !== SPAN || timeslot !== TS) throw new Error(`no signalling channel on ${span}/${timeslot}`);
    this.open++;
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
          for (const l of this.peer?.rx ?? []) l(copy.slice());
        });
      },
      onFrame: (l) => {
        this.rx.add(l);
        return () => this.rx.delete(l);
      },
      status: () => status,
      close: () => {
        closed = true;
        this.open--;
        this.rx.clear();
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
    for (const l of this.events) l({ type: "span-alarm", span: SPAN, alarms, changed: alarms, timeNs: 0n });
  }

  get listeners(): number {
    return this.rx.size + this.events.size;
  }
}

/** A call control user that records and does what the test says. */
class Sink implements IsdnCallSink {
  readonly ind: CallIndication[] = [];
  readonly maint: IsdnMaintenanceEvent[] = [];
  l3: IsdnRequests | undefined;
  trunk = "";
  /** What to do with SETUP.ind. */
  onSetup: (call: Q931Call) => void = () => undefined;
  attach(l3: IsdnRequests, trunk: string): void {
    this.l3 = l3;
    this.trunk = trunk;
  }
  detach(): void {
    this.l3 = undefined;
  }
  indication(trunk: string, i: CallIndication): void {
    expect(trunk).toBe("qsig");
    this.ind.push(i);
    if (i.primitive === "SETUP.ind") this.onSetup(i.call);
    if (i.primitive === "DISCONNECT.ind") i.call.release();
  }
  maintenance(_trunk: string, e: IsdnMaintenanceEvent): void {
    this.maint.push(e);
  }
  primitives(call: Q931Call): string[] {
    return this.ind.filter((i) => i.call === call).map((i) => (i.primitive === "RELEASE.ind" || i.primitive === "RELEASE.conf" ? `${i.primitive} ${i.cause}` : i.primitive));
  }
  calls(): Q931Call[] {
    return [...new Set(this.ind.map((i) => i.call))];
  }
}

function config(side: "network" | "user", timers = ""): GatewayConfig {
  const text = `card:
  driver: sim
  profile: sim-2e1-4fxs-4fxo
  spans: [{ span: 2, type: e1, framing: crc4, lineCode: hdb3, clock: master, signalling: [16] }]
sip: { listen: [{ transport: udp, address: 127.0.0.1, port: 0 }] }
isdn:
  trunks:
    - { name: qsig, span: 2, dChannel: 16, side: ${side}, mode: qsig, bChannels: [1-15, 17-31] }
timers: {${timers}}
`;
  const r = loadConfigText(text, "test.yaml", TIMER_TABLES);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

interface Side {
  readonly card: WireCard;
  readonly comp: IsdnComponent;
  readonly log: RecordingLogger;
  readonly frames: DChannelFrame[];
}

const running: IsdnComponent[] = [];

afterEach(async () => {
  for (const c of running.splice(0)) await c.stop();
});

const SPEECH = ie("bearerCapability", { codingStandard: 0, informationTransferCapability: 0, transferMode: 0, informationTransferRate: 0x10, layer1: { protocol: 3, additional: new Uint8Array(0) } });
const called = (digits: string) => ie("calledPartyNumber", { typeOfNumber: 0, numberingPlan: 9, digits });

function pair(opts: { sinkA?: IsdnCallSink; timers?: string } = {}): { clock: ManualClock; a: Side; b: Side; sinkA: Sink; sinkB: Sink } {
  const clock = new ManualClock();
  const sinkA = new Sink();
  const sinkB = new Sink();
  const mk = (side: "network" | "user", sink: IsdnCallSink): Side => {
    const card = new WireCard(clock);
    const log = new RecordingLogger();
    const comp = new IsdnComponent({ config: config(side, opts.timers), log, card: () => card.asDriver(), sink, clock });
    const frames: DChannelFrame[] = [];
    comp.monitor((f) => frames.push(f));
    return { card, comp, log, frames };
  };
  const a = mk("network", opts.sinkA ?? sinkA);
  const b = mk("user", sinkB);
  a.card.peer = b.card;
  b.card.peer = a.card;
  return { clock, a, b, sinkA, sinkB };
}

async function startBoth(p: ReturnType<typeof pair>): Promise<void> {
  await p.a.comp.start();
  await p.b.comp.start();
  running.push(p.a.comp, p.b.comp);
  p.clock.advance(100);
}

/** Q.931 message names a side sent, in order. */
function sentQ931(s: Side, from = 0): string[] {
  const out: string[] = [];
  for (const f of s.frames.slice(from)) {
    if (f.direction !== "tx") continue;
    const l = decodeLapdFrame(f.frame);
    if (!l.ok || l.value.control.format !== "I") continue;
    const m = decodeQ931(l.value.info);
    if (m.ok) out.push(String(m.value.messageType));
  }
  return out;
}

const idle = (s: Side): boolean => s.comp.bChannels("").bChannels.every((c) => c.state === "idle" && c.callReference === 0);

/** An active call from B (user side) to A (network side). */
function activeCall(p: ReturnType<typeof pair>, channel: number): { out: Q931Call; inc: Q931Call } {
  p.sinkA.onSetup = (c) => {
    c.proceeding();
    c.connect();
  };
  const r = p.sinkB.l3?.setup([SPEECH, called("2000")], channel);
  if (!r?.ok) throw new Error(r?.reason);
  p.clock.advance(50);
  const inc = p.sinkA.calls().find((c) => c.channel === channel && c.state === "Active");
  if (!inc || r.call.state !== "Active") throw new Error("call did not become active");
  return { out: r.call, inc };
}

/** A call from B to A left ringing (A: CallReceived, B: CallDelivered). */
function ringingCall(p: ReturnType<typeof pair>, channel: number): { out: Q931Call; inc: Q931Call } {
  p.sinkA.onSetup = (c) => c.alerting();
  const r = p.sinkB.l3?.setup([SPEECH, called("2001")], channel);
  if (!r?.ok) throw new Error(r?.reason);
  p.clock.advance(50);
  const inc = p.sinkA.calls().find((c) => c.channel === channel && c.state === "CallReceived");
  if (!inc || r.call.state !== "CallDelivered") throw new Error("call is not ringing");
  return { out: r.call, inc };
}

describe("IsdnComponent", () => {
  it("establishes the data link and the network side restarts the whole interface (Q.931 §5.5.1)", async () => {
    const p = pair();
    await p.a.comp.start();
    running.push(p.a.comp);
    // Network side: every B-channel out of service until RESTART ACKNOWLEDGE.
    expect(p.a.comp.dChannels("").dChannels[0]).toMatchObject({ bChannelsMaintenance: 30, established: false });
    await p.b.comp.start();
    running.push(p.b.comp);
    p.clock.advance(100);
    expect(sentQ931(p.a)).toEqual(["RESTART"]);
    expect(sentQ931(p.b)).toEqual(["RESTART ACKNOWLEDGE"]);
    const ri = p.a.frames.filter((f) => f.direction === "tx").map((f) => decodeLapdFrame(f.frame)).find((l) => l.ok && l.value.control.format === "I");
    const restart = ri?.ok ? decodeQ931(ri.value.info) : undefined;
    expect(restart?.ok && findIe(restart.value, "restartIndicator")).toEqual({ restartClass: 7 });
    expect(p.a.comp.dChannels("qsig").dChannels).toEqual([
      expect.objectContaining({
        trunk: "qsig",
        span: 2,
        timeslot: 16,
        side: "network",
        mode: "qsig",
        level2: "MultipleFrameEstablished",
        established: true,
        physicalDown: false,
        restartState: "Rest0",
        calls: 0,
        bChannelsIdle: 30,
        bChannelsReserved: 0,
        bChannelsMaintenance: 0,
        establishments: 1,
        linkFailures: 0,
        restartsRequested: 1,
        restartsAcknowledged: 1,
        restartsReceived: 0,
        mdlErrors: 0,
      }),
    ]);
    expect(p.b.comp.dChannels("").dChannels[0]).toMatchObject({ side: "user", restartsReceived: 1, restartsRequested: 0, bChannelsIdle: 30 });
    expect(p.sinkA.maint).toEqual([{ kind: "d-channel-up" }, { kind: "restart", restart: { primitive: "RESTART.conf", channels: "all" } }]);
    expect(p.sinkB.maint).toEqual([{ kind: "d-channel-up" }, { kind: "restart", restart: { primitive: "RESTART.ind", channels: "all" } }]);
    const bs = p.a.comp.bChannels("qsig").bChannels;
    expect(bs.map((b) => b.channel)).toEqual([...Array.from({ length: 15 }, (_, i) => i + 1), ...Array.from({ length: 15 }, (_, i) => i + 17)]);
    expect(bs[16]).toEqual({ trunk: "qsig", channel: 18, span: 2, timeslot: 18, state: "idle", callReference: 0, direction: "", callState: "" });
    expect(p.a.comp.detail()).toBe("1/1 D-channels up, 30 B-channels, 0 calls");
    // Nothing repeats: T316 was stopped by the acknowledgement.
    p.clock.advance(300_000);
    expect(sentQ931(p.a)).toEqual(["RESTART"]);
  });

  it("refuses incoming calls with cause 3 while no call routing is attached", async () => {
    const log = new RecordingLogger();
    const p = pair({ sinkA: new UnroutedIsdnCallSink(log) });
    await startBoth(p);
    const r = p.sinkB.l3?.setup([SPEECH, called("2000")]);
    if (!r?.ok) throw new Error(r?.reason);
    p.clock.advance(50);
    expect(p.sinkB.primitives(r.call)).toEqual(["RELEASE.ind 3"]);
    expect(sentQ931(p.a).slice(1)).toEqual(["RELEASE COMPLETE"]);
    expect(idle(p.a) && idle(p.b)).toBe(true);
    expect(p.a.comp.dChannels("").dChannels[0]).toMatchObject({ callsIn: 1, calls: 0 });
    expect(p.b.comp.dChannels("").dChannels[0]).toMatchObject({ callsOut: 1 });
    expect(log.records.some((x) => x.msg.includes("cause 3"))).toBe(true);
  });

  it("carries calls both ways and shows them in the B-channel rows", async () => {
    const p = pair();
    await startBoth(p);
    const { out, inc } = activeCall(p, 5);
    expect(p.a.comp.bChannels("").bChannels.find((b) => b.channel === 5)).toEqual({ trunk: "qsig", channel: 5, span: 2, timeslot: 5, state: "reserved", callReference: out.callReference, direction: "in", callState: "Active" });
    expect(p.b.comp.bChannels("").bChannels.find((b) => b.channel === 5)).toMatchObject({ state: "reserved", direction: "out", callState: "Active" });
    expect(p.sinkB.primitives(out)).toEqual(["PROCEEDING.ind", "SETUP.conf"]);
    expect(p.sinkA.primitives(inc)).toEqual(["SETUP.ind", "SETUP-COMPLETE.ind"]);
    expect(out.disconnect(16)).toBe(true);
    p.clock.advance(50);
    expect(p.sinkB.primitives(out).at(-1)).toBe("RELEASE.conf 16");
    expect(p.sinkA.primitives(inc).slice(2)).toEqual(["DISCONNECT.ind", "RELEASE.conf 16"]);
    // The network side hunts from the top of the group (Q.931 Annex D: opposite ends).
    p.sinkB.onSetup = (c) => c.connect();
    const r = p.sinkA.l3?.setup([SPEECH, called("3000")]);
    if (!r?.ok) throw new Error(r?.reason);
    expect(r.call.channel).toBe(31);
    p.clock.advance(50);
    expect(r.call.state).toBe("Active");
    r.call.disconnect(16);
    p.clock.advance(50);
    expect(idle(p.a) && idle(p.b)).toBe(true);
    expect(p.a.comp.dChannels("").dChannels[0]).toMatchObject({ callsIn: 1, callsOut: 1 });
  });

  it("on a span alarm clears calls not active, keeps active ones under T309 and recovers the link at once when it clears (Q.931 §5.8.9)", async () => {
    const p = pair();
    await startBoth(p);
    const active = activeCall(p, 1);
    const ringing = ringingCall(p, 2);
    const txBefore = p.a.comp.dChannels("").dChannels[0]?.framesTx ?? 0;
    p.a.card.setAlarms(["LOS", "LOF"]);
    // The network side sees the alarm: its data link is released at once.
    expect(p.a.comp.dChannels("").dChannels[0]).toMatchObject({ physicalDown: true, established: false, level2: "TeiAssigned", linkFailures: 1 });
    expect(p.sinkA.primitives(ringing.inc).at(-1)).toBe("RELEASE.ind 41");
    expect(active.inc.state).toBe("Active");
    expect(p.a.comp.bChannels("").bChannels.filter((b) => b.state !== "idle").map((b) => b.channel)).toEqual([1]);
    expect(p.sinkA.maint.at(-1)).toEqual({ kind: "d-channel-down", physical: true });
    // No establishment is attempted into a line in alarm; outgoing calls are refused (cause 27).
    const refused = p.sinkA.l3?.setup([SPEECH, called("4000")]);
    expect(refused).toMatchObject({ ok: false, cause: 27 });
    p.clock.advance(20_000);
    expect(p.a.comp.dChannels("").dChannels[0]?.framesTx).toBe(txBefore);
    // The user side has no alarm: its T203 poll goes unanswered N200 times (MDL-ERROR I), its
    // re-establishment gets no UA (MDL-ERROR G) and the link is released.
    expect(p.b.comp.dChannels("").dChannels[0]).toMatchObject({ established: false, linkFailures: 1, lastMdlError: "G" });
    expect(p.b.log.records.filter((r) => /MDL-ERROR.ind \((I|G)\)/.test(r.msg)).map((r) => r.msg.replace(/.*MDL-ERROR.ind \((.)\).*/, "$1")).slice(0, 2)).toEqual(["I", "G"]);
    expect(p.sinkB.primitives(ringing.out).at(-1)).toBe("RELEASE.ind 41");
    expect(active.out.state).toBe("Active");
    const mark = p.a.frames.length;
    p.a.card.setAlarms([]);
    p.clock.advance(10);
    expect(p.a.comp.dChannels("").dChannels[0]).toMatchObject({ physicalDown: false, established: true, establishments: 2 });
    // The user side had its own SABME outstanding (lost in the line): it answered ours with UA and
    // takes the link as up when its next SABME is answered (Q.921 §5.5.1.3), within T200.
    p.clock.advance(1_000);
    expect(p.b.comp.dChannels("").dChannels[0]?.established).toBe(true);
    // Q.931 §5.8.9: STATUS for the call kept active; both ends agree and the call goes on.
    expect(sentQ931(p.a, mark)).toContain("STATUS");
    expect(active.inc.state).toBe("Active");
    expect(active.out.state).toBe("Active");
    expect(p.sinkA.maint.at(-1)).toEqual({ kind: "d-channel-up" });
    active.inc.disconnect(16);
    p.clock.advance(100);
    expect(idle(p.a) && idle(p.b)).toBe(true);
    expect(p.a.comp.dChannels("").dChannels[0]).toMatchObject({ callsClearedByLinkFailure: 1 });
  });

  it("clears an active call with cause 27 when T309 expires before the link returns", async () => {
    const p = pair({ timers: " q931: { T309: 10000 } " });
    await startBoth(p);
    const active = activeCall(p, 7);
    p.a.card.setAlarms(["AIS"]);
    p.clock.advance(9_900);
    expect(active.inc.state).toBe("Active");
    p.clock.advance(200);
    expect(p.sinkA.primitives(active.inc).at(-1)).toBe("RELEASE.ind 27");
    expect(idle(p.a)).toBe(true);
    expect(p.a.comp.dChannels("").dChannels[0]).toMatchObject({ callsClearedByLinkFailure: 1, calls: 0 });
    p.clock.advance(30_000);
    expect(p.sinkB.primitives(active.out).at(-1)).toBe("RELEASE.ind 27");
    p.a.card.setAlarms([]);
    p.clock.advance(2_000);
    expect(p.a.comp.dChannels("").dChannels[0]?.established).toBe(true);
    expect(idle(p.a) && idle(p.b)).toBe(true);
  });

  it("restarts B-channels on request, clearing their calls, and refuses bad requests", async () => {
    const p = pair();
    await startBoth(p);
    const c = activeCall(p, 3);
    expect(p.a.comp.restart({ trunk: "", channels: [3, 3] })).toEqual({ trunk: "qsig", channels: [3] });
    p.clock.advance(50);
    expect(p.sinkA.primitives(c.inc).at(-1)).toBe("RELEASE.ind 41");
    expect(p.sinkB.primitives(c.out).at(-1)).toBe("RELEASE.ind 41");
    expect(p.sinkB.maint.at(-1)).toEqual({ kind: "restart", restart: { primitive: "RESTART.ind", channels: [3] } });
    expect(idle(p.a) && idle(p.b)).toBe(true);
    expect(p.a.comp.dChannels("").dChannels[0]).toMatchObject({ restartsRequested: 2, restartsAcknowledged: 2 });
    expect(() => p.a.comp.restart({ trunk: "other", channels: [] })).toThrow(new IsdnManagementError("no ISDN trunk other; trunks: qsig"));
    expect(() => p.a.comp.restart({ trunk: "qsig", channels: [16, 40] })).toThrow(new IsdnManagementError("trunk qsig has no B-channel 16, 40 (B-channels: 1-15, 17-31)"));
    expect(() => p.a.comp.dChannels("x")).toThrow(IsdnManagementError);
    p.a.card.setAlarms(["LOS"]);
    expect(() => p.a.comp.restart({ trunk: "qsig", channels: [] })).toThrow(new IsdnManagementError("the D-channel of trunk qsig is down: RESTART cannot be sent"));
  });

  it("stops cleanly: no timer, listener or channel left, the sink detached", async () => {
    const p = pair();
    await startBoth(p);
    activeCall(p, 9);
    await p.a.comp.stop();
    await p.b.comp.stop();
    running.splice(0);
    expect(p.a.card.open + p.b.card.open).toBe(0);
    expect(p.a.card.listeners + p.b.card.listeners).toBe(0);
    expect(p.clock.armed).toBe(0);
    expect(p.sinkA.l3).toBeUndefined();
    expect(() => p.a.comp.dChannels("")).toThrow(new IsdnManagementError("ISDN is not running"));
    expect(p.a.comp.detail()).toBe("");
  });

  it("refuses to start without the card", async () => {
    const comp = new IsdnComponent({ config: config("user"), log: new RecordingLogger(), card: () => undefined, sink: new Sink() });
    await expect(comp.start()).rejects.toThrow("the isdn component needs the card to be open first");
  });
});
