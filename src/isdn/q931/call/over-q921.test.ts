import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../core/clock.js";
import { RecordingLogger } from "../../../core/logger.js";
import { resolveTimers } from "../../../core/timers.js";
import type { LapdChannel } from "../../q921/channel.js";
import { DataLink } from "../../q921/data-link.js";
import { Q921_DEFAULT_PARAMETERS, q921Timers } from "../../q921/timers.js";
import { ie, SENDING_COMPLETE } from "../codec/q931-codec.js";
import { q931Timers } from "../timers.js";
import type { CallIndication } from "./call.js";
import { BChannelPool } from "./channels.js";
import { Q931Layer3 } from "./layer3.js";

/** Two complete stacks (Q.931 over Q.921) joined by a D-channel with 2 ms delay that can lose frames. */
function stacks(loss: (n: number) => boolean) {
  const clock = new ManualClock();
  const log = new RecordingLogger();
  const rx: Record<"A" | "B", ((f: Uint8Array) => void) | undefined> = { A: undefined, B: undefined };
  let n = 0;
  const channel = (me: "A" | "B"): LapdChannel => ({
    send: (f) => {
      if (loss(n++)) return;
      const copy = f.slice();
      clock.setTimer(2, () => rx[me === "A" ? "B" : "A"]?.(copy));
    },
    onFrame: (cb) => {
      rx[me] = cb;
    },
  });
  const ind: Record<"A" | "B", CallIndication[]> = { A: [], B: [] };
  const mk = (me: "A" | "B") => {
    const networkSide = me === "A";
    const dl = new DataLink({ channel: channel(me), networkSide, clock, log, timers: resolveTimers(q921Timers), parameters: Q921_DEFAULT_PARAMETERS, id: me });
    const l3 = new Q931Layer3({
      dataLink: dl,
      clock,
      log,
      timers: resolveTimers(q931Timers),
      side: networkSide ? "network" : "user",
      mode: "qsig",
      channels: new BChannelPool([1, 2, 3], networkSide ? "descending" : "ascending"),
      channelSelection: "exclusive",
      restartAttempts: 2,
      id: me,
      onIndication: (i) => ind[me].push(i),
    });
    return { dl, l3 };
  };
  return { clock, A: mk("A"), B: mk("B"), ind };
}

const SPEECH = ie("bearerCapability", { codingStandard: 0, informationTransferCapability: 0, transferMode: 0, informationTransferRate: 0x10 });

describe("Q.931 over Q.921", () => {
  for (const [name, loss] of [
    ["a clean D-channel", () => false],
    ["a D-channel losing every 7th frame", (n: number) => n % 7 === 6],
  ] as const) {
    it(`completes SETUP to RELEASE COMPLETE over ${name}`, () => {
      const s = stacks(loss);
      s.A.l3.start();
      s.B.l3.start();
      s.clock.advance(50);
      expect([s.A.dl.state, s.B.dl.state]).toEqual(["MultipleFrameEstablished", "MultipleFrameEstablished"]);
      const r = s.B.l3.setup([SPEECH, ie("calledPartyNumber", { typeOfNumber: 0, numberingPlan: 9, digits: "100" }), SENDING_COMPLETE]);
      if (!r.ok) throw new Error(r.reason);
      s.clock.advance(3_000);
      const inc = s.ind.A.find((i) => i.primitive === "SETUP.ind")?.call;
      expect(inc?.channel).toBe(1);
      inc?.alerting();
      s.clock.advance(3_000);
      inc?.connect();
      s.clock.advance(3_000);
      expect([r.call.state, inc?.state]).toEqual(["Active", "Active"]);
      r.call.disconnect(16);
      s.clock.advance(3_000);
      s.ind.A.find((i) => i.primitive === "DISCONNECT.ind")?.call.release();
      s.clock.advance(5_000);
      expect([r.call.state, inc?.state]).toEqual(["Null", "Null"]);
      expect(s.ind.B.map((i) => i.primitive)).toEqual(["ALERTING.ind", "SETUP.conf", "RELEASE.conf"]);
    });
  }
});
