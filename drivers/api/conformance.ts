/**
 * The card conformance suite: every CardDriver implementation runs it (the
 * simulated card always; a real card when one is named). Call
 * cardConformance(target) from a vitest file; it registers the tests.
 *
 * What it checks (hardware/abi/sipt_card.h is the reference):
 *  - enumeration: spans and ports as the card reports them;
 *  - configuration: a span configured reads back identically, and the bearer
 *    layout follows it (span timeslots in order, then analog ports);
 *  - error codes: bad arguments give the ABI's codes, with the operation named;
 *  - signalling: frames (with their two FCS placeholder octets) cross to a far
 *    end and back unchanged and in order;
 *  - bearer: blocks cross both ways, in order, without loss or duplication,
 *    each timeslot's octets in its own place;
 *  - pacing: in real time, 50 blocks per second (160-octet blocks) within 1 %,
 *    measured over 2 s;
 *  - alarms: an alarm on the line reaches the listener within 100 ms;
 *  - analog ports: FXS ring / ring trip / hook, FXO ring detect / hook;
 *  - close: releases every file descriptor and thread the card took.
 * Tests that need a far end or a way to raise alarms are skipped, visibly,
 * when the target cannot provide one.
 */
import { readdirSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { Alarm, CardDriver, CardError, CardErrorCode, CardEvent, PacingMode, SpanConfig, SpanType } from "./card.js";

export interface FarEndSpan {
  sendFrame(timeslot: number, frame: Uint8Array): void;
  nextFrame(timeslot: number, timeoutMs: number): Promise<Uint8Array | undefined>;
  close(): Promise<void>;
}

export interface FarEndPort {
  /** Send a supervision signal from the far end: "hook" (telephone on FXS), "ring"/"polarity"/"battery" (CO on FXO). */
  signal(kind: "hook" | "ring" | "polarity" | "battery", on: boolean): void;
  /** The next supervision signal the card sent to the far end, or undefined after timeoutMs. */
  nextSignal(timeoutMs: number): Promise<{ readonly kind: "hook" | "ring" | "polarity" | "battery"; readonly on: boolean } | undefined>;
  close(): Promise<void>;
}

export interface FarEndSpanOptions {
  readonly signallingTimeslots: readonly number[];
  /** Attach to the bearer and answer every block the card sends with `answer`'s fill of tx. */
  readonly bearer?: { readonly answer: (rx: Uint8Array, tx: Uint8Array, seq: number) => void };
}

/** The line side as a test can drive it: simulator sockets, or the other end of a loop. */
export interface ConformanceFarEnd {
  /** Resolves once the card side sees the far end attached. */
  attachSpan(span: number, opts: FarEndSpanOptions): Promise<FarEndSpan>;
  attachPort?(port: number): Promise<FarEndPort>;
}

export interface CardUnderTest {
  readonly card: CardDriver;
  readonly farEnd?: ConformanceFarEnd;
  /** Make the card see (or stop seeing) an alarm on a span. */
  readonly raiseAlarm?: (span: number, alarm: Alarm, on: boolean) => void;
  /** Release what the target made besides the card (far ends, directories); after card.close(). */
  readonly dispose?: () => Promise<void>;
}

export interface ConformanceTarget {
  readonly name: string;
  /** Why the target cannot run here (e.g. no library named); the suite is skipped with this reason. */
  readonly unavailable?: string;
  /** Open a fresh card in the given pacing mode. */
  open(mode: PacingMode): Promise<CardUnderTest>;
  /** Whether the card can run free (no 8 kHz pacing) for the deterministic bearer test. */
  readonly supportsFreerun: boolean;
}

const E1_CONFIG: SpanConfig = {
  framing: "E1-CRC4",
  lineCode: "HDB3",
  clock: "recovered",
  clockPriority: 1,
  companding: "alaw",
  bearerTimeslots: [...range(1, 15), ...range(17, 31)],
  signallingTimeslots: [16],
};

const T1_CONFIG: SpanConfig = {
  framing: "T1-ESF",
  lineCode: "B8ZS",
  clock: "recovered",
  clockPriority: 1,
  companding: "ulaw",
  bearerTimeslots: range(1, 23),
  signallingTimeslots: [24],
};

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

export function defaultSpanConfig(type: SpanType): SpanConfig {
  return type === "E1" ? E1_CONFIG : T1_CONFIG;
}

function isCardError(e: unknown): e is CardError {
  return e instanceof Error && e.name === "CardError" && typeof (e as { code?: unknown }).code === "string";
}

function expectCardError(fn: () => unknown, code: CardErrorCode, operationPart?: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isCardError(thrown), `expected a CardError ${code}, got ${String(thrown)}`).toBe(true);
  const err = thrown as CardError;
  expect(err.code).toBe(code);
  if (operationPart) expect(err.operation).toContain(operationPart);
  expect(err.message.length).toBeGreaterThan(err.code.length);
}

async function expectCardErrorAsync(p: Promise<unknown>, code: CardErrorCode): Promise<void> {
  let thrown: unknown;
  try {
    await p;
  } catch (e) {
    thrown = e;
  }
  expect(isCardError(thrown), `expected a CardError ${code}, got ${String(thrown)}`).toBe(true);
  expect((thrown as CardError).code).toBe(code);
}

function waitForEvent(card: CardDriver, pred: (e: CardEvent) => boolean, timeoutMs: number): Promise<CardEvent | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(undefined);
    }, timeoutMs);
    const off = card.onEvent((e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

/** Deterministic frames of varied length, each with two 00 00 FCS placeholder octets. */
function testFrame(i: number, dir: number): Uint8Array {
  const len = 3 + ((i * 37 + dir * 11) % 270);
  const f = new Uint8Array(len + 2);
  for (let k = 0; k < len; k++) f[k] = (i * 13 + k * 7 + dir * 101) & 0xff;
  return f;
}

function procCount(dir: string): number {
  return readdirSync(dir).length;
}

export function cardConformance(target: ConformanceTarget): void {
  if (target.unavailable) console.warn(`card conformance "${target.name}" skipped: ${target.unavailable}`);

  describe.skipIf(target.unavailable !== undefined)(`card conformance: ${target.name}`, () => {
    const open: CardUnderTest[] = [];
    const openCard = async (mode: PacingMode = target.supportsFreerun ? "freerun" : "realtime") => {
      const u = await target.open(mode);
      open.push(u);
      return u;
    };
    afterEach(async () => {
      for (const u of open.splice(0)) {
        await u.card.close();
        await u.dispose?.();
      }
    });

    const configureFirstSpan = (card: CardDriver) => {
      const span = card.spans()[0];
      if (!span) throw new Error("the card has no span");
      const cfg = defaultSpanConfig(span.type);
      card.configureSpan(span.span, cfg);
      return { span, cfg };
    };

    it("enumerates spans and ports consistently with its info", async () => {
      const { card } = await openCard();
      const info = card.info();
      expect(info.abi.major).toBe(1);
      expect(info.blockBytes % 8).toBe(0);
      expect(info.blockBytes).toBeGreaterThanOrEqual(8);
      const spans = card.spans();
      expect(spans.map((s) => s.span)).toEqual(range(1, info.spanCount));
      for (const s of spans) expect(s.timeslots).toBe(s.type === "E1" ? 31 : 24);
      const ports = card.ports();
      expect(ports.map((p) => p.port)).toEqual(range(1, info.portCount));
      for (const p of ports) expect(["FXS", "FXO"]).toContain(p.kind);
      expect(info.spanCount + info.portCount).toBeGreaterThan(0);
    });

    it("reads back a span configuration and derives the bearer layout from it", async () => {
      const { card } = await openCard();
      const { span, cfg } = configureFirstSpan(card);
      expect(card.spanConfig(span.span)).toEqual(cfg);
      expect(card.spans()[0]?.configured).toBe(true);
      const layout = card.bearer.layout();
      const spanChannels = layout.channels.filter((c) => c.kind === "span" && c.span === span.span);
      expect(spanChannels.map((c) => (c.kind === "span" ? c.timeslot : -1))).toEqual(cfg.bearerTimeslots);
      for (const c of spanChannels) expect(c.companding).toBe(cfg.companding);
      const portChannels = layout.channels.filter((c) => c.kind === "port");
      expect(portChannels.map((c) => (c.kind === "port" ? c.port : -1))).toEqual(card.ports().map((p) => p.port));
      expect(layout.channels.map((c) => c.index)).toEqual(range(0, layout.channels.length - 1));
      const lastSpanIndex = Math.max(-1, ...layout.channels.filter((c) => c.kind === "span").map((c) => c.index));
      const firstPortIndex = Math.min(layout.channels.length, ...portChannels.map((c) => c.index));
      expect(lastSpanIndex).toBeLessThan(firstPortIndex);
      expect(layout.bufferBytes).toBe(layout.channels.length * layout.blockBytes);
    });

    it("rejects bad arguments with the ABI's error codes", async () => {
      const { card } = await openCard();
      const spans = card.spans();
      const { span, cfg } = configureFirstSpan(card);
      expectCardError(() => card.configureSpan(0, cfg), "ENOENT", "configureSpan(0)");
      expectCardError(() => card.configureSpan(spans.length + 1, cfg), "ENOENT");
      const wrongFraming = span.type === "E1" ? "T1-ESF" : "E1-CRC4";
      expectCardError(() => card.configureSpan(span.span, { ...cfg, framing: wrongFraming }), "EINVAL");
      expectCardError(
        () => card.configureSpan(span.span, { ...cfg, signallingTimeslots: [...cfg.signallingTimeslots, cfg.bearerTimeslots[0] ?? 1] }),
        "EINVAL",
      );
      expectCardError(() => card.configureSpan(span.span, { ...cfg, bearerTimeslots: [span.timeslots + 1] }), "EINVAL");
      expectCardError(() => card.configureSpan(span.span, { ...cfg, clock: "master", clockPriority: 3 }), "EINVAL");
      expect(card.spanConfig(span.span)).toEqual(cfg); // failed calls changed nothing
      expectCardError(() => card.openSignalling(span.span, cfg.bearerTimeslots[0] ?? 1), "ESTATE");
      expectCardError(() => card.openSignalling(span.span, 0), "ENOENT");
      const sigTs = cfg.signallingTimeslots[0] ?? 16;
      const ch = card.openSignalling(span.span, sigTs);
      expectCardError(() => card.openSignalling(span.span, sigTs), "EBUSY");
      expectCardError(() => ch.send(new Uint8Array(3)), "EMSGSIZE");
      expectCardError(() => ch.send(new Uint8Array(1025)), "EMSGSIZE");
      const layout = card.bearer.layout();
      const short = new Uint8Array(Math.max(0, layout.bufferBytes - 1));
      await expectCardErrorAsync(card.bearer.exchange(short, new Uint8Array(short.length)), "ELAYOUT");
      expectCardError(() => card.portStatus(card.ports().length + 1), "ENOENT");
      const fxo = card.ports().find((p) => p.kind === "FXO");
      if (fxo) expectCardError(() => card.fxs.ringStart(fxo.port, [1000, 4000]), "ESTATE");
      const fxs = card.ports().find((p) => p.kind === "FXS");
      if (fxs) {
        expectCardError(() => card.fxs.ringStart(fxs.port, [1000]), "EINVAL");
        expectCardError(() => card.fxo.setHook(fxs.port, true), "ESTATE");
      }
      ch.close();
      expectCardError(() => ch.send(new Uint8Array(5)), "ECLOSED");
    });

    it("carries signalling frames to and from a far end unchanged and in order", async (ctx) => {
      const u = await openCard();
      if (!u.farEnd) {
        console.warn(`${target.name}: no far end; signalling round trip skipped`);
        ctx.skip();
        return;
      }
      const { span, cfg } = configureFirstSpan(u.card);
      const ts = cfg.signallingTimeslots[0] ?? 16;
      const ch = u.card.openSignalling(span.span, ts);
      const got: Uint8Array[] = [];
      ch.onFrame((f) => got.push(f));
      const fe = await u.farEnd.attachSpan(span.span, { signallingTimeslots: [ts] });
      try {
        const count = 50;
        for (let i = 0; i < count; i++) fe.sendFrame(ts, testFrame(i, 1));
        const deadline = Date.now() + 3000;
        while (got.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        expect(got.length).toBe(count);
        for (let i = 0; i < count; i++) expect(got[i]).toEqual(testFrame(i, 1));
        for (let i = 0; i < count; i++) ch.send(testFrame(i, 2));
        for (let i = 0; i < count; i++) expect(await fe.nextFrame(ts, 2000)).toEqual(testFrame(i, 2));
        const st = ch.status();
        expect(st.rxFrames).toBe(count);
        expect(st.txFrames).toBe(count);
        expect(st.rxCrcErrors + st.rxInvalid + st.rxOverflows + st.txDropped).toBe(0);
      } finally {
        await fe.close();
      }
    });

    it("moves bearer blocks both ways in order, each timeslot in its place", async (ctx) => {
      const u = await openCard();
      if (!u.farEnd) {
        console.warn(`${target.name}: no far end; bearer round trip skipped`);
        ctx.skip();
        return;
      }
      const { span, cfg } = configureFirstSpan(u.card);
      const layout = u.card.bearer.layout();
      const B = layout.blockBytes;
      const answerByte = (seq: number, slot: number) => (seq * 7 + slot * 3 + 1) & 0xff;
      const txByte = (k: number, idx: number) => (k * 5 + idx * 11 + 2) & 0xff;
      const farReceived: Uint8Array[] = [];
      const answeredSeqs: number[] = [];
      const fe = await u.farEnd.attachSpan(span.span, {
        signallingTimeslots: [],
        bearer: {
          answer: (rx, tx, seq) => {
            farReceived.push(rx.slice());
            answeredSeqs.push(seq);
            const slots = tx.length / B;
            for (let s = 0; s < slots; s++) tx.fill(answerByte(seq, s), s * B, (s + 1) * B);
          },
        },
      });
      try {
        const tx = new Uint8Array(layout.bufferBytes);
        const rx = new Uint8Array(layout.bufferBytes);
        const spanCh = layout.channels.filter((c) => c.kind === "span" && c.span === span.span);
        const K = 12;
        const ticks: bigint[] = [];
        const matched: number[] = [];
        for (let k = 0; k < K; k++) {
          for (const c of layout.channels) tx.fill(txByte(k, c.index), c.index * B, (c.index + 1) * B);
          ticks.push(await u.card.bearer.exchange(tx, rx));
          // which far-end answer (by order) does this rx block carry, if any?
          const first = spanCh[0];
          if (!first || first.kind !== "span") throw new Error("no bearer channel on the span");
          const v = rx[first.index * B];
          const j = answeredSeqs.findIndex((seq) => answerByte(seq, first.timeslot - 1) === v);
          if (j >= 0) {
            for (const c of spanCh) {
              if (c.kind !== "span") continue;
              const want = answerByte(answeredSeqs[j] ?? 0, c.timeslot - 1);
              const blk = rx.subarray(c.index * B, (c.index + 1) * B);
              expect(blk.every((x) => x === want), `rx block ${k}, timeslot ${c.timeslot}`).toBe(true);
            }
          }
          matched.push(j);
        }
        // ticks are consecutive (freerun) or increasing (realtime)
        for (let k = 1; k < K; k++) expect(ticks[k]! > ticks[k - 1]!).toBe(true);
        // the far end got every block, each timeslot carrying its channel's octets
        expect(farReceived.length).toBeGreaterThanOrEqual(K - 1);
        farReceived.slice(0, K).forEach((blk, k) => {
          for (const c of spanCh) {
            if (c.kind !== "span") continue;
            const slot = blk.subarray((c.timeslot - 1) * B, c.timeslot * B);
            expect(slot.every((x) => x === txByte(k, c.index)), `far-end block ${k}, timeslot ${c.timeslot}`).toBe(true);
          }
          for (const t of cfg.signallingTimeslots) expect(blk[(t - 1) * B]).toBe(cfg.companding === "alaw" ? 0xd5 : 0xff);
        });
        // the card delivered the answers in order without loss or duplication
        const seen = matched.filter((j) => j >= 0);
        expect(seen.length).toBeGreaterThanOrEqual(K - 3);
        seen.forEach((j, i) => expect(j).toBe((seen[0] ?? 0) + i));
        expect(u.card.spanStatus(span.span).slips).toBe(0);
      } finally {
        await fe.close();
      }
    });

    it("paces the bearer at the 8 kHz clock in real time (rate within 1 %)", async () => {
      const { card } = await openCard("realtime");
      configureFirstSpan(card);
      const layout = card.bearer.layout();
      const tx = new Uint8Array(layout.bufferBytes);
      const rx = new Uint8Array(layout.bufferBytes);
      const periodMs = layout.blockBytes / 8;
      const first = await card.bearer.exchange(tx, rx);
      const t0 = performance.now();
      let last = first;
      const blocks = Math.round(2000 / periodMs); // 2 s: the measurement's own jitter stays far below 1 %
      for (let k = 0; k < blocks; k++) last = await card.bearer.exchange(tx, rx);
      const elapsed = performance.now() - t0;
      const ticks = Number(last - first);
      expect(ticks).toBeGreaterThanOrEqual(blocks);
      const rate = (ticks * 1000) / elapsed;
      const nominal = 1000 / periodMs;
      expect(Math.abs(rate - nominal) / nominal).toBeLessThan(0.01);
      expect(card.bearer.status().ticks).toBe(Number(last) + 1);
    });

    it("delivers an alarm on the line to the listener within 100 ms, and its clearing", async (ctx) => {
      const u = await openCard();
      if (!u.raiseAlarm) {
        console.warn(`${target.name}: no way to raise an alarm; alarm test skipped`);
        ctx.skip();
        return;
      }
      const { span } = configureFirstSpan(u.card);
      for (const alarm of ["AIS", "LOS", "RAI"] as const) {
        const t0 = performance.now();
        const on = waitForEvent(u.card, (e) => e.type === "span-alarm" && e.span === span.span && e.alarms.includes(alarm), 1000);
        u.raiseAlarm(span.span, alarm, true);
        const ev = await on;
        const latency = performance.now() - t0;
        expect(ev, `${alarm} event`).toBeDefined();
        expect(latency).toBeLessThan(100);
        expect(u.card.spanStatus(span.span).alarms).toContain(alarm);
        const off = waitForEvent(u.card, (e) => e.type === "span-alarm" && e.span === span.span && e.changed.includes(alarm), 1000);
        u.raiseAlarm(span.span, alarm, false);
        const cleared = await off;
        expect(cleared?.type === "span-alarm" && !cleared.alarms.includes(alarm)).toBe(true);
        expect(u.card.spanStatus(span.span).alarms).toEqual([]);
      }
    });

    it("drives FXS ringing, ring trip and hook through a far-end telephone", async (ctx) => {
      const u = await openCard();
      const fxs = u.card.ports().find((p) => p.kind === "FXS");
      if (!fxs || !u.farEnd?.attachPort) {
        console.warn(`${target.name}: no FXS port or no port far end; FXS test skipped`);
        ctx.skip();
        return;
      }
      const phone = await u.farEnd.attachPort(fxs.port);
      try {
        u.card.fxs.ringStart(fxs.port, [300, 200]);
        expect(u.card.portStatus(fxs.port).ringing).toBe(true);
        const ringOn = async () => {
          for (;;) {
            const s = await phone.nextSignal(2000);
            if (s === undefined || (s.kind === "ring" && s.on)) return s;
          }
        };
        expect(await ringOn()).toEqual({ kind: "ring", on: true });
        const trip = waitForEvent(u.card, (e) => e.type === "port-ring-trip" && e.port === fxs.port, 1000);
        const hook = waitForEvent(u.card, (e) => e.type === "port-hook" && e.port === fxs.port && e.offHook, 1000);
        phone.signal("hook", true);
        expect(await trip).toBeDefined();
        expect(await hook).toBeDefined();
        const st = u.card.portStatus(fxs.port);
        expect(st.offHook && !st.ringing).toBe(true);
        expect(st.loopCurrentMa).toBeGreaterThan(0);
        const onHook = waitForEvent(u.card, (e) => e.type === "port-hook" && e.port === fxs.port && !e.offHook, 3000);
        phone.signal("hook", false);
        expect(await onHook).toBeDefined();
      } finally {
        await phone.close();
      }
    });

    it("detects FXO ringing and seizes the line through a far-end CO", async (ctx) => {
      const u = await openCard();
      const fxo = u.card.ports().find((p) => p.kind === "FXO");
      if (!fxo || !u.farEnd?.attachPort) {
        console.warn(`${target.name}: no FXO port or no port far end; FXO test skipped`);
        ctx.skip();
        return;
      }
      const co = await u.farEnd.attachPort(fxo.port);
      try {
        const battery = waitForEvent(u.card, (e) => e.type === "port-battery" && e.port === fxo.port && e.present, 1000);
        co.signal("battery", true);
        expect(await battery).toBeDefined();
        const ring = waitForEvent(u.card, (e) => e.type === "port-ring" && e.port === fxo.port && e.ringing, 1000);
        co.signal("ring", true);
        expect(await ring).toBeDefined();
        expect(u.card.portStatus(fxo.port).ringing).toBe(true);
        u.card.fxo.setHook(fxo.port, true);
        for (;;) {
          const s = await co.nextSignal(1000);
          expect(s).toBeDefined();
          if (s?.kind === "hook" && s.on) break;
        }
        const rev = waitForEvent(u.card, (e) => e.type === "port-polarity" && e.port === fxo.port && e.reversed, 1000);
        co.signal("polarity", true);
        expect(await rev).toBeDefined();
        expect(u.card.portStatus(fxo.port).loopCurrentMa).toBeGreaterThan(0);
      } finally {
        await co.close();
      }
    });

    it("releases every file descriptor and thread on close, and refuses calls after", async () => {
      const fdDir = "/proc/self/fd";
      const taskDir = "/proc/self/task";
      // warm up: the FFI layer starts its worker threads lazily, once per process
      const warm = await target.open("realtime");
      configureFirstSpan(warm.card);
      await warm.card.bearer.exchange(new Uint8Array(warm.card.bearer.layout().bufferBytes), new Uint8Array(warm.card.bearer.layout().bufferBytes));
      await warm.card.close();
      await warm.dispose?.();
      const fds0 = procCount(fdDir);
      const tasks0 = procCount(taskDir);

      const u = await target.open("realtime");
      const { span, cfg } = configureFirstSpan(u.card);
      const ch = u.card.openSignalling(span.span, cfg.signallingTimeslots[0] ?? 16);
      const layout = u.card.bearer.layout();
      const pending = u.card.bearer.exchange(new Uint8Array(layout.bufferBytes), new Uint8Array(layout.bufferBytes));
      const closing = u.card.close();
      expect(u.card.closed).toBe(true);
      await pending; // an exchange in flight completes before the card goes
      await closing;
      await u.card.close(); // idempotent
      await u.dispose?.();
      expectCardError(() => u.card.info(), "ECLOSED");
      expectCardError(() => ch.send(new Uint8Array(5)), "ECLOSED");
      await expectCardErrorAsync(
        (async () => u.card.bearer.exchange(new Uint8Array(layout.bufferBytes), new Uint8Array(layout.bufferBytes)))(),
        "ECLOSED",
      );
      // threads end asynchronously after join; give the kernel a moment to reap
      const deadline = Date.now() + 1000;
      while ((procCount(fdDir) > fds0 || procCount(taskDir) > tasks0) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      expect(procCount(fdDir)).toBeLessThanOrEqual(fds0);
      expect(procCount(taskDir)).toBeLessThanOrEqual(tasks0);
    });
  });
}
