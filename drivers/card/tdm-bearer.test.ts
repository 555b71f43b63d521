/**
 * The card bearer of the media worker on the simulated card: the bearer lease (one exchanging
 * thread, no close under it), routing between the card's bearer layout and the engine's
 * channel numbering both ways, re-routing after a span is reconfigured (signalled, and by
 * SIPT_CARD_ELAYOUT), pacing by card mode, and refusal of malformed options.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { SpanConfig } from "../api/card.js";
import { TdmChannelMap } from "../../src/media/tdm-channel-map.js";
import { isCardError } from "./koffi-card.js";
import { SpanFarEnd } from "./line-peer.js";
import { openSimCard, type SimCard } from "./sim-harness.js";
import { BEARER_STAT, BEARER_STAT_COUNT, CardTdmBearer, createTdmBearer } from "./tdm-bearer.js";

const B = 160;
const E1 = (bearer: number[], sig: number[]): SpanConfig => ({
  framing: "E1-CRC4",
  lineCode: "HDB3",
  clock: "master",
  clockPriority: 0,
  companding: "alaw",
  bearerTimeslots: bearer,
  signallingTimeslots: sig,
});
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const topology = { spans: [{ span: 1, timeslots: 31 }], ports: [] as number[] };
const laws = Array.from({ length: 31 }, () => "alaw" as const);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function card(mode: "freerun" | "realtime"): Promise<SimCard> {
  const s = await openSimCard({ spans: "E1", mode });
  cleanups.push(() => s.dispose());
  return s;
}

describe("card TDM bearer", () => {
  it("leases the bearer to one holder; the card's own exchange is refused and close waits for the release", async () => {
    const s = await card("realtime");
    s.card.configureSpan(1, E1(range(1, 15), [16]));
    const lease = s.card.leaseBearer("media worker");
    expect(lease.mode).toBe("realtime");
    expect(lease.blockBytes).toBe(B);
    expect(typeof lease.handle).toBe("bigint");
    const buf = new Uint8Array(15 * B);
    const refused = (fn: () => unknown): string => {
      try {
        fn();
      } catch (e) {
        return isCardError(e) ? `${e.code} ${e.message}` : String(e);
      }
      return "accepted";
    };
    expect(refused(() => s.card.bearer.exchangeBlocking(buf, buf))).toMatch(/^EBUSY .*leased to media worker/);
    expect(refused(() => s.card.leaseBearer("other"))).toMatch(/^EBUSY .*already leased to media worker/);
    let closed = false;
    const closing = s.card.close().then(() => (closed = true));
    await sleep(100);
    expect(closed).toBe(false); // the holder may still be inside an exchange
    lease.release();
    await closing;
    expect(closed).toBe(true);
  });

  it("routes the card's layout to the engine numbering both ways and follows a reconfiguration", async () => {
    const s = await card("freerun");
    s.card.configureSpan(1, E1([...range(1, 15), ...range(17, 31)], [16]));
    // far end: sends the timeslot number as every octet of its slot, records what it receives
    const heard = new Map<number, number>();
    const fe = await SpanFarEnd.connect({
      rundir: s.rundir,
      span: 1,
      bearer: {
        slots: 31,
        blockBytes: B,
        answer: (rx, tx) => {
          for (let ts = 1; ts <= 31; ts++) {
            tx.fill(0x80 + ts, (ts - 1) * B, ts * B);
            heard.set(ts, rx[(ts - 1) * B] ?? -1);
          }
        },
      },
    });
    cleanups.push(() => fe.close());
    const lease = s.card.leaseBearer("test");
    cleanups.push(() => lease.release());
    const generation = new SharedArrayBuffer(4);
    const stats = new SharedArrayBuffer(8 * BEARER_STAT_COUNT);
    const bearer = new CardTdmBearer({ library: lease.library, handle: lease.handle, topology, laws, layoutGeneration: generation, stats }, 31, B);
    expect(bearer.pacing).toBe("worker"); // a free-running card does not keep time
    const map = new TdmChannelMap(topology);
    const rx = new Uint8Array(31 * B);
    const tx = new Uint8Array(31 * B);
    // engine channel c transmits 0x40 + c
    for (let c = 0; c < 31; c++) tx.fill(0x40 + c, c * B, (c + 1) * B);
    let tick = 0n;
    const run = async (blocks: number): Promise<void> => {
      for (let k = 0; k < blocks; k++) {
        bearer.exchange(rx, tx, tick++);
        await sleep(2); // the far end answers on this event loop
      }
    };
    /**
     * Exchanges until `expected` holds (at most 50 blocks): a far end starved of CPU may answer
     * a block late, which the card plays as idle code (a slip), so one block proves nothing.
     */
    const settle = async (expected: () => boolean): Promise<void> => {
      for (let k = 0; k < 50 && !expected(); k++) await run(1);
    };
    const ch = (ts: number): number => map.channelOf(1, ts) ?? -1;
    const routed = (): boolean => {
      for (let ts = 1; ts <= 31; ts++) {
        const c = ch(ts);
        if (ts === 16 ? rx[c * B] !== 0xd5 || heard.get(ts) !== 0xd5 : rx[c * B] !== 0x80 + ts || heard.get(ts) !== 0x40 + c) return false;
      }
      return true;
    };
    await run(6);
    await settle(routed);
    for (let ts = 1; ts <= 31; ts++) {
      const ch = map.channelOf(1, ts) ?? -1;
      if (ts === 16) {
        expect(rx[ch * B]).toBe(0xd5); // signalling timeslot: idle code toward the engine
        expect(heard.get(ts)).toBe(0xd5); // and the engine's transmit goes nowhere
      } else {
        expect(rx.subarray(ch * B, (ch + 1) * B).every((v) => v === 0x80 + ts)).toBe(true);
        expect(heard.get(ts)).toBe(0x40 + ch);
      }
    }
    const st = new BigInt64Array(stats);
    expect(st[BEARER_STAT.layoutChannels]).toBe(30n);
    expect(st[BEARER_STAT.errors]).toBe(0n);

    // Timeslot 5 leaves the bearer mask; the main thread signals the new layout.
    s.card.configureSpan(1, E1([...range(1, 4), ...range(6, 15), ...range(17, 31)], [16]));
    Atomics.add(new Int32Array(generation), 0, 1);
    await run(4);
    await settle(() => rx[ch(5) * B] === 0xd5 && heard.get(5) === 0xd5 && rx[ch(6) * B] === 0x80 + 6 && heard.get(6) === 0x40 + 5);
    expect(rx[(map.channelOf(1, 5) ?? -1) * B]).toBe(0xd5);
    expect(heard.get(5)).toBe(0xd5);
    expect(rx[(map.channelOf(1, 6) ?? -1) * B]).toBe(0x80 + 6);
    expect(heard.get(6)).toBe(0x40 + 5);
    expect(st[BEARER_STAT.layoutChannels]).toBe(29n);

    // Unsignalled change of length: the card answers ELAYOUT, the bearer re-reads and retries.
    const reads = st[BEARER_STAT.layoutReads] ?? 0n;
    s.card.configureSpan(1, E1([...range(1, 15), ...range(17, 31)], [16]));
    await run(4);
    await settle(routed);
    expect(st[BEARER_STAT.layoutReads]).toBe(reads + 1n);
    expect(st[BEARER_STAT.errors]).toBe(0n);
    expect(rx[(map.channelOf(1, 5) ?? -1) * B]).toBe(0x80 + 5);
    expect(heard.get(5)).toBe(0x40 + 4);
  });

  it("is paced by a real-time card", async () => {
    const s = await card("realtime");
    s.card.configureSpan(1, E1(range(1, 31), []));
    const lease = s.card.leaseBearer("test");
    cleanups.push(() => lease.release());
    const bearer = new CardTdmBearer({ library: lease.library, handle: lease.handle, topology, laws }, 31, B);
    expect(bearer.pacing).toBe("bearer");
    const buf = new Uint8Array(31 * B);
    const t0 = performance.now();
    const first = bearer.exchange(buf, buf, 0n);
    let last = first;
    for (let k = 0; k < 10; k++) last = bearer.exchange(buf, buf, 0n);
    const ms = performance.now() - t0;
    expect(last - first).toBe(10n);
    expect(ms).toBeGreaterThan(10 * 20 - 5); // the card's 8 kHz clock, 20 ms per block
    expect(ms).toBeLessThan(11 * 20 + 40);
  });

  it("refuses options a composition root got wrong, saying what is wrong", async () => {
    const s = await card("freerun");
    s.card.configureSpan(1, E1(range(1, 31), []));
    const lease = s.card.leaseBearer("test");
    cleanups.push(() => lease.release());
    const good = { library: lease.library, handle: lease.handle, topology, laws };
    expect(() => createTdmBearer({ ...good, library: "" }, 31, B)).toThrow(/options.library/);
    expect(() => createTdmBearer({ ...good, handle: 0n }, 31, B)).toThrow(/options.handle/);
    expect(() => createTdmBearer({ ...good, handle: 12 }, 31, B)).toThrow(/options.handle/);
    expect(() => createTdmBearer({ ...good, topology: {} }, 31, B)).toThrow(/options.topology/);
    expect(() => createTdmBearer({ ...good, laws: ["alaw", "slaw"] }, 31, B)).toThrow(/options.laws/);
    expect(() => createTdmBearer({ ...good, stats: new SharedArrayBuffer(8) }, 31, B)).toThrow(/options.stats/);
    expect(() => createTdmBearer(good, 30, B)).toThrow(/engine has 30 channels but the card's spans and ports number 31/);
    expect(() => createTdmBearer(good, 31, 80)).toThrow(/blocks of 160 octets but the engine ticks every 80 samples/);
    expect(createTdmBearer(good, 31, B).pacing).toBe("worker");
  });
});
