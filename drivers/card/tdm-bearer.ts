/**
 * The card's bearer as the media worker's TDM side (src/media/types.ts TdmBearer): one
 * sipt_card_bearer_exchange per tick moves one block of every bearer channel of the card,
 * called from inside the media worker thread.
 *
 * Attaching from the worker. The card library is already loaded in the process and the card
 * open on the main thread; the worker loads the same library path (the dynamic loader hands
 * back the same object, so the same card state) and calls the exchange on the handle's
 * address, which the main thread lends with KoffiCard.leaseBearer(). hardware/abi/sipt_card.h
 * ("Thread safety") allows sipt_card_bearer_exchange from any thread, one thread at a time,
 * concurrently with every other call except sipt_card_close; the lease makes this worker that
 * one thread and keeps the card open until the worker has stopped.
 *
 * Channels. The engine's channels are numbered by TdmChannelMap (src/media/tdm-channel-map.ts):
 * every timeslot of every span, then every port. The card's bearer layout lists only the
 * timeslots of each span's bearer mask (sipt_card_bearer_layout), so each block is routed
 * layout entry -> engine channel; engine channels outside the layout receive idle code and
 * what the engine transmits on them goes nowhere. When the layout is the engine numbering
 * itself, the engine's buffers are exchanged in place.
 *
 * Layout changes (a span reconfigured): the main thread sees SIPT_EV_BEARER_LAYOUT and bumps
 * a shared generation word; the next exchange re-reads the layout before moving blocks. A
 * length mismatch (SIPT_CARD_ELAYOUT, also returned when the span changed while the exchange
 * waited for its tick) re-reads it too and retries, up to three times.
 *
 * Pacing: "bearer" on a real-time card (the exchange blocks until the card's next 8 kHz
 * block), "worker" on a free-running card (the worker keeps time).
 *
 * No allocation per tick: route, staging blocks and their views are built when the layout is
 * read; the exchange copies blocks between preallocated views.
 */
import type { G711Law, TdmBearer } from "../../src/media/types.js";
import { TdmChannelMap, idleCode, type TdmChannelKey, type TdmTopology } from "../../src/media/tdm-channel-map.js";
import { loadCardLibrary, type CardAbi } from "./native.js";

const ELAYOUT = -13;
const ELAYOUT_RETRIES = 3;
const LAW_OF_CODE: Readonly<Record<number, G711Law>> = { 1: "alaw", 2: "ulaw" };

/** Index of each counter in the shared stats array (BigInt64Array, written with Atomics). */
export const BEARER_STAT = {
  /** Exchanges made. */
  exchanges: 0,
  /** Times the layout was read (the first included). */
  layoutReads: 1,
  /** Exchanges the card refused (other than a layout change); rx was idle code for them. */
  errors: 2,
  /** Last error code the card returned (SIPT_CARD_E*, negative), 0 if none. */
  lastError: 3,
  /** Entries of the current layout this engine has no channel for. */
  unrouted: 4,
  /** Card channels in the current layout. */
  layoutChannels: 5,
  /** The card's tick number of the last exchange. */
  lastTick: 6,
} as const;
export const BEARER_STAT_COUNT = 7;

/** What the composition root passes to the worker (structured-cloned into it). */
export interface CardTdmBearerOptions {
  /** Card library path (BearerLease.library). */
  readonly library: string;
  /** Address of the open card's handle (BearerLease.handle). */
  readonly handle: bigint;
  /** The card's spans and ports: the engine channel numbering. */
  readonly topology: TdmTopology;
  /** Law of each engine channel, for the idle code of channels outside the layout. */
  readonly laws: readonly G711Law[];
  /** Int32 [0]: the layout generation, incremented by the main thread on SIPT_EV_BEARER_LAYOUT. */
  readonly layoutGeneration?: SharedArrayBuffer;
  /** BigInt64 [BEARER_STAT_COUNT]: counters this bearer keeps (BEARER_STAT). */
  readonly stats?: SharedArrayBuffer;
}

/** This module's URL: the media worker imports it by that (MediaHostOptions.bearerModule). */
export const CARD_TDM_BEARER_MODULE: string = import.meta.url;

function fail(what: string): never {
  throw new TypeError(`card TDM bearer: ${what}`);
}

/** Checks the options a composition root built; a mistake there is our own bug, so it throws. */
export function parseCardTdmBearerOptions(o: Readonly<Record<string, unknown>>): CardTdmBearerOptions {
  const library = o["library"];
  const handle = o["handle"];
  const topology = o["topology"] as TdmTopology | undefined;
  const laws = o["laws"];
  const gen = o["layoutGeneration"];
  const stats = o["stats"];
  if (typeof library !== "string" || library === "") fail("options.library must name the card library");
  if (typeof handle !== "bigint" || handle === 0n) fail("options.handle must be the card handle's address (a non-zero bigint)");
  if (typeof topology !== "object" || topology === null || !Array.isArray(topology.spans) || !Array.isArray(topology.ports))
    fail("options.topology must list the card's spans and ports");
  if (!Array.isArray(laws) || !laws.every((l) => l === "alaw" || l === "ulaw")) fail('options.laws must be "alaw" or "ulaw" per channel');
  if (gen !== undefined && !(gen instanceof SharedArrayBuffer && gen.byteLength >= 4)) fail("options.layoutGeneration must be a SharedArrayBuffer of 4 octets");
  if (stats !== undefined && !(stats instanceof SharedArrayBuffer && stats.byteLength >= 8 * BEARER_STAT_COUNT))
    fail(`options.stats must be a SharedArrayBuffer of ${8 * BEARER_STAT_COUNT} octets`);
  return {
    library,
    handle,
    topology,
    laws: laws as G711Law[],
    ...(gen !== undefined ? { layoutGeneration: gen } : {}),
    ...(stats !== undefined ? { stats } : {}),
  };
}

interface LayoutRecord {
  [k: string]: unknown;
}

/** The card bearer, bound in the worker thread. */
export class CardTdmBearer implements TdmBearer {
  readonly pacing: "bearer" | "worker";
  private readonly abi: CardAbi;
  private readonly handle: bigint;
  private readonly map: TdmChannelMap;
  private readonly idle: Uint8Array;
  private readonly generation: Int32Array | undefined;
  private readonly stats: BigInt64Array;
  private readonly tickOut: number[] = [0];
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));
  private readonly periodMs: number;
  private seenGeneration = -1;
  private route: Int32Array = new Int32Array(0);
  private identity = false;
  private cardTx: Uint8Array = new Uint8Array(0);
  private cardRx: Uint8Array = new Uint8Array(0);
  private readonly laws: G711Law[];
  // Views, rebuilt with the layout or when the worker hands other buffers.
  private engineRxViews: Uint8Array[] = [];
  private engineTxViews: Uint8Array[] = [];
  private cardRxViews: Uint8Array[] = [];
  private cardTxViews: Uint8Array[] = [];
  private viewsFor: { rx: Uint8Array; tx: Uint8Array } | undefined;
  private lastTick = -1n;
  private closed = false;

  constructor(
    options: CardTdmBearerOptions,
    private readonly channels: number,
    private readonly blockSamples: number,
  ) {
    this.abi = loadCardLibrary(options.library).abi;
    this.handle = options.handle;
    this.map = new TdmChannelMap(options.topology);
    if (this.map.size !== channels) fail(`the engine has ${channels} channels but the card's spans and ports number ${this.map.size}`);
    if (options.laws.length !== channels) fail(`options.laws has ${options.laws.length} entries for ${channels} channels`);
    this.laws = [...options.laws];
    this.idle = Uint8Array.from(this.laws, idleCode);
    this.generation = options.layoutGeneration !== undefined ? new Int32Array(options.layoutGeneration) : undefined;
    this.stats = new BigInt64Array(options.stats ?? new SharedArrayBuffer(8 * BEARER_STAT_COUNT));
    const info: LayoutRecord = {};
    const rc = this.abi.info(this.handle, info) as number;
    if (rc < 0) fail(`sipt_card_info on the lent handle failed (${String(this.abi.strerror(rc))})`);
    const block = Number(info["block_bytes"]);
    if (block !== blockSamples) fail(`the card moves blocks of ${block} octets but the engine ticks every ${blockSamples} samples`);
    this.pacing = Number(info["mode"]) === 2 ? "worker" : "bearer";
    this.periodMs = blockSamples / 8;
    this.readLayout();
  }

  /** Re-reads the card's bearer layout and rebuilds the route and staging blocks. */
  private readLayout(): void {
    if (this.generation !== undefined) this.seenGeneration = Atomics.load(this.generation, 0);
    const count: number[] = [0];
    const block: number[] = [0];
    let rc = this.abi.bearerLayout(this.handle, null, 0, count, block) as number;
    if (rc < 0) fail(`sipt_card_bearer_layout failed (${String(this.abi.strerror(rc))})`);
    const max = Number(count[0]);
    const recs: LayoutRecord[] = Array.from({ length: max }, () => ({}));
    if (max > 0) {
      rc = this.abi.bearerLayout(this.handle, recs, max, count, block) as number;
      if (rc < 0) fail(`sipt_card_bearer_layout failed (${String(this.abi.strerror(rc))})`);
    }
    const n = Math.min(max, Number(count[0]));
    const keys: TdmChannelKey[] = [];
    const laws: (G711Law | undefined)[] = [];
    for (let i = 0; i < n; i++) {
      const r = recs[i] ?? {};
      keys.push(Number(r["kind"]) === 2 ? { kind: "port", port: Number(r["port"]) } : { kind: "span", span: Number(r["span"]), timeslot: Number(r["timeslot"]) });
      laws.push(LAW_OF_CODE[Number(r["companding"])]);
    }
    this.route = this.map.route(keys);
    this.identity = this.map.isIdentity(this.route);
    const B = this.blockSamples;
    if (this.cardTx.length !== n * B) {
      this.cardTx = new Uint8Array(n * B);
      this.cardRx = new Uint8Array(n * B);
    }
    this.cardTxViews = [];
    this.cardRxViews = [];
    let unrouted = 0;
    for (let i = 0; i < n; i++) {
      const ch = this.route[i] ?? -1;
      const law = laws[i];
      if (ch >= 0 && law !== undefined) {
        this.laws[ch] = law;
        this.idle[ch] = idleCode(law);
      }
      this.cardTxViews.push(this.cardTx.subarray(i * B, (i + 1) * B));
      this.cardRxViews.push(this.cardRx.subarray(i * B, (i + 1) * B));
      // An entry without an engine channel transmits its own idle code.
      if (ch < 0) {
        unrouted++;
        this.cardTx.fill(idleCode(law ?? "alaw"), i * B, (i + 1) * B);
      }
    }
    this.viewsFor = undefined;
    Atomics.add(this.stats, BEARER_STAT.layoutReads, 1n);
    Atomics.store(this.stats, BEARER_STAT.unrouted, BigInt(unrouted));
    Atomics.store(this.stats, BEARER_STAT.layoutChannels, BigInt(n));
  }

  private bindViews(rx: Uint8Array, tx: Uint8Array): void {
    const B = this.blockSamples;
    this.engineRxViews = [];
    this.engineTxViews = [];
    for (let ch = 0; ch < this.channels; ch++) {
      this.engineRxViews.push(rx.subarray(ch * B, (ch + 1) * B));
      this.engineTxViews.push(tx.subarray(ch * B, (ch + 1) * B));
    }
    this.viewsFor = { rx, tx };
  }

  /** Fills every engine channel with its idle code (nothing was received). */
  private idleRx(rx: Uint8Array): void {
    const B = this.blockSamples;
    for (let ch = 0; ch < this.channels; ch++) rx.fill(this.idle[ch] ?? 0xd5, ch * B, (ch + 1) * B);
  }

  private exchangeOnce(rx: Uint8Array, tx: Uint8Array): number {
    if (this.identity) return this.abi.bearerExchange(this.handle, tx, rx, rx.length, this.tickOut) as number;
    if (this.viewsFor?.rx !== rx || this.viewsFor.tx !== tx) this.bindViews(rx, tx);
    const route = this.route;
    for (let i = 0; i < route.length; i++) {
      const ch = route[i] ?? -1;
      if (ch >= 0) (this.cardTxViews[i] as Uint8Array).set(this.engineTxViews[ch] as Uint8Array);
    }
    const rc = this.abi.bearerExchange(this.handle, this.cardTx, this.cardRx, this.cardRx.length, this.tickOut) as number;
    if (rc < 0) return rc;
    // Channels outside the layout hear idle code; the others what the card received.
    this.idleRx(rx);
    for (let i = 0; i < route.length; i++) {
      const ch = route[i] ?? -1;
      if (ch >= 0) (this.engineRxViews[ch] as Uint8Array).set(this.cardRxViews[i] as Uint8Array);
    }
    return rc;
  }

  exchange(rx: Uint8Array, tx: Uint8Array, tick: bigint): bigint {
    if (this.closed) throw new Error("card TDM bearer used after close()");
    if (this.generation !== undefined && Atomics.load(this.generation, 0) !== this.seenGeneration) this.readLayout();
    let rc = this.exchangeOnce(rx, tx);
    // The layout changed under the exchange (before it or while it waited for the tick):
    // read it again and move the block on the next tick. Bounded: a card that keeps
    // refusing is counted as an error below.
    for (let retry = 0; rc === ELAYOUT && retry < ELAYOUT_RETRIES; retry++) {
      this.readLayout();
      rc = this.exchangeOnce(rx, tx);
    }
    Atomics.add(this.stats, BEARER_STAT.exchanges, 1n);
    if (rc < 0) {
      // The card refused the block (EIO, a layout still changing): the engine hears idle code
      // this tick; in real time the block period is waited out so the worker does not spin.
      Atomics.add(this.stats, BEARER_STAT.errors, 1n);
      Atomics.store(this.stats, BEARER_STAT.lastError, BigInt(rc));
      this.idleRx(rx);
      if (this.pacing === "bearer") Atomics.wait(this.sleeper, 0, 0, this.periodMs);
      this.lastTick = this.lastTick < 0n ? tick : this.lastTick + 1n;
      return this.lastTick;
    }
    const t = BigInt(this.tickOut[0] ?? 0);
    this.lastTick = t;
    Atomics.store(this.stats, BEARER_STAT.lastTick, t);
    return t;
  }

  close(): void {
    this.closed = true;
  }
}

/** The media worker's entry point (src/media/types.ts TdmBearerModule). */
export function createTdmBearer(options: Readonly<Record<string, unknown>>, channels: number, blockSamples: number): TdmBearer {
  return new CardTdmBearer(parseCardTdmBearerOptions(options), channels, blockSamples);
}
