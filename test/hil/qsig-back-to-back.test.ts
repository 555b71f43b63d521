/**
 * Two libpri PBXs (hardware/farend sipt-farend-pbx, QSIG) back to back
 * through the simulated card: PBX A (network side) is the far end of span 1,
 * PBX B (user side) of span 2, and this test, in the gateway's place, relays
 * the D-channel (timeslot 16) frames between the two spans through the koffi
 * binding. Q.921 multiple-frame operation is established across the card
 * (Q.921 §5.5), and the Q.931 basic call (§5.1 originating, §5.2
 * terminating, §5.3 clearing; ECMA-143 for QSIG) completes in both
 * directions: SETUP, CALL PROCEEDING, ALERTING, CONNECT, CONNECT ACKNOWLEDGE,
 * DISCONNECT, RELEASE, RELEASE COMPLETE, checked from both PBXs' events, with
 * the card's D-channels counting no error.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignallingChannel } from "../../drivers/api/card.js";
import { openSimCard, type SimCard } from "../../drivers/card/sim-harness.js";
import {
  FarendProcess,
  ensureFarendBuilt,
  farendBinary,
  matching,
  pbxArgs,
  type FarendEvent,
} from "../../hardware/farend/farend-process.js";

const T = 5_000;

function prerequisite(): string | undefined {
  if (!existsSync(farendBinary("pbx"))) {
    const r = ensureFarendBuilt();
    if (!r.ok) return r.reason;
  }
  return existsSync(farendBinary("pbx")) ? undefined : `${farendBinary("pbx")} was not built`;
}

const missing = prerequisite();
if (missing !== undefined) console.warn(`[test/hil] QSIG back-to-back through the card skipped: ${missing}`);
const skip = missing !== undefined && !process.env["CI"];

const E1 = {
  framing: "E1-CRC4",
  lineCode: "HDB3",
  clock: "recovered",
  clockPriority: 1,
  companding: "alaw",
  bearerTimeslots: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31],
  signallingTimeslots: [16],
} as const;

describe.skipIf(skip)("QSIG back to back through the simulated card", () => {
  let s: SimCard;
  let a: FarendProcess;
  let b: FarendProcess;
  let ch1: SignallingChannel;
  let ch2: SignallingChannel;
  let relayed = 0;

  beforeAll(async () => {
    if (missing !== undefined) throw new Error(`far-end PBX unavailable: ${missing}`);
    s = await openSimCard({ spans: "E1,E1", mode: "realtime" });
    s.card.configureSpan(1, E1);
    s.card.configureSpan(2, { ...E1, clockPriority: 2 });
    ch1 = s.card.openSignalling(1, 16);
    ch2 = s.card.openSignalling(2, 16);
    // the gateway's place: a LAPD frame arriving on one span leaves on the other, unchanged
    ch1.onFrame((f) => {
      relayed++;
      ch2.send(f);
    });
    ch2.onFrame((f) => {
      relayed++;
      ch1.send(f);
    });
    a = FarendProcess.spawn("pbx", pbxArgs({ sig: `${s.rundir}/span1-ts16.sig`, side: "network" }), "pbx-a");
    b = FarendProcess.spawn(
      "pbx",
      pbxArgs({ sig: `${s.rundir}/span2-ts16.sig`, side: "user", rules: [{ prefix: "2", action: "answer", after_ms: 100 }] }),
      "pbx-b",
    );
    await Promise.all([
      a.waitFor(matching("link", { state: "up" }), 10_000, { what: "D-channel up at A" }),
      b.waitFor(matching("link", { state: "up" }), 10_000, { what: "D-channel up at B" }),
    ]);
  }, 20_000);

  afterAll(async () => {
    await a?.dispose();
    await b?.dispose();
    await s?.dispose();
  });

  const q931 = (side: FarendProcess, from: number, cref: number): string[] =>
    side.all((e) => (e.ev === "rx" || e.ev === "tx") && e["cref"] === cref, from).map((e: FarendEvent) => `${e.ev} ${String(e["msg"])}`);

  const errorsOf = (ch: SignallingChannel): number => {
    const st = ch.status();
    return st.rxCrcErrors + st.rxInvalid + st.rxOverflows + st.txDropped;
  };

  /** A call from `caller` to `called` on `channel`, answered by rule, cleared by the caller. */
  async function basicCall(caller: FarendProcess, called: FarendProcess, channel: number, number: string) {
    const fromCaller = caller.mark();
    const fromCalled = called.mark();
    const ok = await caller.request({ cmd: "call", channel, called: number, calling: "1000" });
    const cref = Number(ok["cref"]);
    const setup = await called.waitFor(matching("rx", { msg: "SETUP", cref }), T, { from: fromCalled });
    expect(setup).toMatchObject({ called: number, calling: "1000", channel });
    await caller.waitFor(matching("rx", { msg: "CONNECT", cref }), T, { from: fromCaller });
    await called.waitFor(matching("rx", { msg: "CONNECT ACKNOWLEDGE", cref }), T, { from: fromCalled });
    await caller.waitFor(matching("state", { channel, state: "active" }), T, { from: fromCaller });
    await called.waitFor(matching("state", { channel, state: "active" }), T, { from: fromCalled });
    await caller.request({ cmd: "release", channel, cause: 16 });
    await called.waitFor(matching("rx", { msg: "RELEASE COMPLETE", cref }), T, { from: fromCalled });
    await caller.waitFor(matching("state", { channel, state: "idle" }), T, { from: fromCaller });
    await called.waitFor(matching("state", { channel, state: "idle" }), T, { from: fromCalled });
    const causes = [caller, called].flatMap((side, i) =>
      side.all((e) => (e.ev === "rx" || e.ev === "tx") && e["cref"] === cref && e["msg"] === "DISCONNECT", i ? fromCalled : fromCaller),
    );
    return { caller: q931(caller, fromCaller, cref), called: q931(called, fromCalled, cref), causes: causes.map((e) => e["cause"]) };
  }

  const AT_CALLER = [
    "tx SETUP",
    "rx CALL PROCEEDING",
    "rx ALERTING",
    "rx CONNECT",
    "tx CONNECT ACKNOWLEDGE",
    "tx DISCONNECT",
    "rx RELEASE",
    "tx RELEASE COMPLETE",
  ];
  const AT_CALLED = [
    "rx SETUP",
    "tx CALL PROCEEDING",
    "tx ALERTING",
    "tx CONNECT",
    "rx CONNECT ACKNOWLEDGE",
    "rx DISCONNECT",
    "tx RELEASE",
    "rx RELEASE COMPLETE",
  ];

  it("establishes LAPD across the card and completes a call from the network side", async () => {
    expect(relayed).toBeGreaterThan(0);
    const before = [errorsOf(ch1), errorsOf(ch2)];
    const r = await basicCall(a, b, 1, "2000");
    expect(r.caller).toEqual(AT_CALLER);
    expect(r.called).toEqual(AT_CALLED);
    expect(r.causes).toEqual([16, 16]);
    expect([errorsOf(ch1), errorsOf(ch2)]).toEqual(before);
  });

  it("completes a call from the user side (default rule: answer at once)", async () => {
    const r = await basicCall(b, a, 5, "3000");
    expect(r.caller).toEqual(AT_CALLER);
    expect(r.called).toEqual(AT_CALLED);
    expect(r.causes).toEqual([16, 16]);
    expect(a.all(matching("link", { state: "down" }))).toEqual([]);
    expect(b.all(matching("link", { state: "down" }))).toEqual([]);
  });
});
