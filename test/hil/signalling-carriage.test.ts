/**
 * HDLC signalling carriage through the simulated card: MTP2 signal units
 * (Q.703 §2.2: FISU, LSSU, MSU) and a LAPD frame (Q.921 §2.1) with their two
 * FCS placeholder octets cross unchanged, in order, in both directions --
 * between a raw SEQPACKET far end and the gateway side, and between two
 * cards wired span to span. Injected bit errors make frames fail their FCS:
 * the receiving card drops them and counts CRC errors (ISO/IEC 13239 §4.2).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CardEvent, SignallingChannel } from "../../drivers/api/card.js";
import { SpanFarEnd } from "../../drivers/card/line-peer.js";
import { openSimCard, type SimCard } from "../../drivers/card/sim-harness.js";

const E1 = {
  framing: "E1-CRC4",
  lineCode: "HDB3",
  clock: "recovered",
  clockPriority: 1,
  companding: "alaw",
  bearerTimeslots: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31],
  signallingTimeslots: [16],
} as const;

const hex = (s: string) => Uint8Array.from(s.split(" ").map((b) => parseInt(b, 16)));

/** Q.703 signal units as libss7 writes them (BSN/BIB, FSN/FIB, LI, ...), then FCS placeholders. */
const FRAMES: readonly Uint8Array[] = [
  hex("ff ff 00 00 00"), // FISU, BIB/FIB set, LI 0
  hex("ff ff 01 02 00 00"), // LSSU, LI 1, status SIE (Q.703 §11.1.2: emergency alignment)
  hex("81 81 01 01 00 00"), // LSSU, status SIN (normal alignment)
  // MSU, LI 23: SIO 0x85 (national, ISUP), routing label, CIC 1, message type 0x01 (IAM), parameters
  hex("82 83 17 85 02 40 00 10 01 00 01 00 60 01 0a 03 02 08 06 81 10 21 43 65 87 0f 00 00"),
  // a LAPD I-frame (SAPI 0, TEI 0, N(S)/N(R)) carrying Q.931 SETUP header, FCS slot with non-zero content
  hex("00 01 02 04 08 02 00 01 05 ab cd"),
];

async function collect(ch: SignallingChannel, count: number, timeoutMs: number): Promise<Uint8Array[]> {
  const got: Uint8Array[] = [];
  const off = ch.onFrame((f) => got.push(f));
  const end = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  off();
  return got;
}

function eventsOf(s: SimCard): CardEvent[] {
  const evs: CardEvent[] = [];
  s.card.onEvent((e) => evs.push(e));
  return evs;
}

describe("signalling carriage: raw SEQPACKET far end <-> simulated card", () => {
  let s: SimCard;
  let fe: SpanFarEnd;
  let ch: SignallingChannel;
  let events: CardEvent[];

  beforeAll(async () => {
    s = await openSimCard({ spans: "E1", mode: "freerun" });
    events = eventsOf(s);
    s.card.configureSpan(1, E1);
    ch = s.card.openSignalling(1, 16);
    fe = await SpanFarEnd.connect({ rundir: s.rundir, span: 1, signallingTimeslots: [16] });
    const deadline = Date.now() + 2000;
    while (!s.sim.spanLine(1).signallingConnected.includes(16) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  });
  afterAll(async () => {
    await fe?.close();
    await s?.dispose();
  });

  it("far end -> card: every frame arrives unchanged, FCS octets included", async () => {
    const pending = collect(ch, FRAMES.length, 2000);
    for (const f of FRAMES) fe.sendFrame(16, f);
    expect(await pending).toEqual(FRAMES);
  });

  it("card -> far end: every frame arrives unchanged, FCS octets included", async () => {
    for (const f of FRAMES) ch.send(f);
    for (const f of FRAMES) expect(await fe.nextFrame(16, 2000)).toEqual(f);
  });

  it("received bit errors: frames failing the FCS are dropped and counted as CRC errors", async () => {
    const before = ch.status();
    s.sim.injectSignallingErrors(1, 16, "rx", 3);
    const pending = collect(ch, 7, 2000);
    const sent = Array.from({ length: 10 }, (_, i) => hex(`82 83 ${(0x10 + i).toString(16)} 85 00 00`));
    for (const f of sent) fe.sendFrame(16, f);
    expect(await pending).toEqual(sent.slice(3));
    const after = ch.status();
    expect(after.rxCrcErrors - before.rxCrcErrors).toBe(3);
    expect(after.rxFrames - before.rxFrames).toBe(7);
    const crc = events.filter((e) => e.type === "sig-crc");
    expect(crc.reduce((n, e) => n + (e.type === "sig-crc" ? e.delta : 0), 0)).toBe(3);
    expect(crc.at(-1)).toMatchObject({ span: 1, timeslot: 16, total: 3 });
  });

  it("transmitted bit errors: corrupted frames never reach the far end", async () => {
    s.sim.injectSignallingErrors(1, 16, "tx", 2);
    const sent = Array.from({ length: 5 }, (_, i) => hex(`81 81 ${(0x20 + i).toString(16)} 85 00 00`));
    for (const f of sent) ch.send(f);
    for (const f of sent.slice(2)) expect(await fe.nextFrame(16, 2000)).toEqual(f);
    expect(await fe.nextFrame(16, 100)).toBeUndefined();
    expect(s.sim.spanLine(1).sigTxCorrupted).toBe(2);
  });

  it("a cut line carries nothing and reports LOS; restored, it carries again", async () => {
    s.sim.cut(1, true);
    expect(s.card.spanStatus(1).alarms).toEqual(["LOS", "LOF"]);
    ch.send(FRAMES[0] ?? hex("ff ff 00 00 00"));
    fe.sendFrame(16, FRAMES[1] ?? hex("ff ff 01 02 00 00"));
    expect(await fe.nextFrame(16, 150)).toBeUndefined();
    expect(await collect(ch, 1, 150)).toEqual([]);
    s.sim.cut(1, false);
    expect(s.card.spanStatus(1).alarms).toEqual([]);
    ch.send(FRAMES[2] ?? hex("81 81 01 01 00 00"));
    expect(await fe.nextFrame(16, 2000)).toEqual(FRAMES[2]);
  });
});

describe("signalling carriage: two simulated cards wired span to span", () => {
  let a: SimCard;
  let b: SimCard;
  let cha: SignallingChannel;
  let chb: SignallingChannel;

  beforeAll(async () => {
    b = await openSimCard({ spans: "E1", mode: "freerun", name: "card-b" });
    a = await openSimCard({ spans: "E1", mode: "freerun", name: "card-a", extra: { wire1: `${b.rundir}:1` } });
    a.card.configureSpan(1, E1);
    b.card.configureSpan(1, E1);
    cha = a.card.openSignalling(1, 16);
    chb = b.card.openSignalling(1, 16);
    const deadline = Date.now() + 3000;
    while (!(a.sim.spanLine(1).wireConnected && b.sim.spanLine(1).signallingConnected.includes(16)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
  });
  afterAll(async () => {
    await a?.dispose();
    await b?.dispose();
  });

  it("is wired", () => {
    const l = a.sim.spanLine(1);
    expect(l).toMatchObject({ wired: true, wireConnected: true, wireSpan: 1, wireRundir: b.rundir });
  });

  it("carries frames A -> B and B -> A unchanged and in order", async () => {
    const atB = collect(chb, FRAMES.length, 2000);
    for (const f of FRAMES) cha.send(f);
    expect(await atB).toEqual(FRAMES);
    const atA = collect(cha, FRAMES.length, 2000);
    for (const f of [...FRAMES].reverse()) chb.send(f);
    expect(await atA).toEqual([...FRAMES].reverse());
  });

  it("bit errors on B's receiver drop A's frames and count at B only", async () => {
    b.sim.injectSignallingErrors(1, 16, "rx", 2);
    const atB = collect(chb, 3, 2000);
    for (const f of FRAMES.slice(0, 5)) cha.send(f);
    expect(await atB).toEqual(FRAMES.slice(2, 5));
    expect(chb.status().rxCrcErrors).toBe(2);
    expect(cha.status().rxCrcErrors).toBe(0);
    expect(cha.status().txFrames).toBe(FRAMES.length + 5);
  });
});
