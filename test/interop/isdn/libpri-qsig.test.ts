/**
 * Interop: our Q.921 + Q.931 (ECMA-143) + QSIG names against libpri 1.6 with
 * PRI_SWITCH_QSIG, on a SOCK_SEQPACKET socketpair with DAHDI framing (two FCS
 * placeholder octets), libpri driven through koffi on the Node event loop.
 * In both roles (libpri as network side and as user side): the data link
 * comes up; a call from libpri with a QSIG calling name is answered with a
 * connected name and cleared by libpri; a call from us with a calling name
 * is answered by libpri and cleared by us; RESTART works both ways.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SystemClock } from "../../../src/core/clock.js";
import { RecordingLogger } from "../../../src/core/logger.js";
import { resolveTimers } from "../../../src/core/timers.js";
import { DataLink } from "../../../src/isdn/q921/data-link.js";
import { Q921_DEFAULT_PARAMETERS, q921Timers } from "../../../src/isdn/q921/timers.js";
import { findIe, ie, SENDING_COMPLETE } from "../../../src/isdn/q931/codec/q931-codec.js";
import type { Q931Message } from "../../../src/isdn/q931/codec/q931-codec.js";
import type { CallIndication } from "../../../src/isdn/q931/call/call.js";
import { BChannelPool } from "../../../src/isdn/q931/call/channels.js";
import { Q931Layer3 } from "../../../src/isdn/q931/call/layer3.js";
import type { RestartIndication } from "../../../src/isdn/q931/call/layer3.js";
import { q931Timers } from "../../../src/isdn/q931/timers.js";
import { decodeQsigFacility, operationsOf, qsigFacilityOf } from "../../../src/isdn/qsig/facility.js";
import { nameFromText, nameText } from "../../../src/isdn/qsig/names.js";
import { closeFd, FdLapdChannel, LibpriPeer, loadLibpri, PRI, seqpacketPair } from "./libpri-peer.js";
import type { RingEvent } from "./libpri-peer.js";

const missing = loadLibpri();
const inCi = Boolean(process.env["CI"]);
if (missing && !inCi) console.warn(`SKIP test/interop/isdn: ${missing}`);

const SPEECH = ie("bearerCapability", { codingStandard: 0, informationTransferCapability: 0, transferMode: 0, informationTransferRate: 0x10, layer1: { protocol: 3, additional: new Uint8Array(0) } });

interface Setup {
  peer: LibpriPeer;
  channel: FdLapdChannel;
  dl: DataLink;
  l3: Q931Layer3;
  log: RecordingLogger;
  ind: CallIndication[];
  restarts: RestartIndication[];
  fds: [number, number];
  timer: ReturnType<typeof setInterval>;
}

let current: Setup | undefined;

function setup(libpriRole: "network" | "user"): Setup {
  const fds = seqpacketPair();
  const clock = new SystemClock();
  const log = new RecordingLogger();
  const peer = new LibpriPeer(fds[1], libpriRole === "network" ? PRI.NETWORK : PRI.CPE);
  const channel = new FdLapdChannel(fds[0]);
  const ourSide = libpriRole === "network" ? "user" : "network";
  const dl = new DataLink({ channel, networkSide: ourSide === "network", clock, log, timers: resolveTimers(q921Timers), parameters: Q921_DEFAULT_PARAMETERS, id: "qsig0" });
  const ind: CallIndication[] = [];
  const restarts: RestartIndication[] = [];
  const l3 = new Q931Layer3({
    dataLink: dl,
    clock,
    log,
    timers: resolveTimers(q931Timers),
    side: ourSide,
    mode: "qsig",
    channels: new BChannelPool([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31], "descending"),
    channelSelection: "exclusive",
    restartAttempts: 2,
    id: "qsig0",
    onIndication: (i) => ind.push(i),
    onRestart: (r) => restarts.push(r),
  });
  // The bounded polling loop: both ends serviced every 2 ms.
  const timer = setInterval(() => {
    peer.tick();
    channel.pump();
  }, 2);
  current = { peer, channel, dl, l3, log, ind, restarts, fds, timer };
  l3.start();
  return current;
}

async function until(what: string, cond: () => boolean, s: Setup, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}\n--- frames ---\n${s.channel.trace.slice(-30).join("\n")}\n--- ours ---\n${s.log.transcript().split("\n").slice(-40).join("\n")}\n--- libpri ---\n${s.peer.messages.slice(-30).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 3));
  }
}

const has = (s: Setup, p: CallIndication["primitive"]): boolean => s.ind.some((i) => i.primitive === p);
const indication = (s: Setup, p: CallIndication["primitive"]): CallIndication => {
  const i = s.ind.find((x) => x.primitive === p);
  if (!i) throw new Error(`no ${p}`);
  return i;
};

function qsigNames(m: Q931Message): string[] {
  const fac = findIe(m, "facility");
  if (!fac) return [];
  const r = decodeQsigFacility(fac);
  if (!r.ok) throw new Error(r.error.reason);
  return operationsOf(r.value).flatMap((op) => ("name" in op.argument ? [`${op.operation}:${nameText(op.argument.name) ?? ""}`] : []));
}

afterEach(() => {
  if (!current) return;
  clearInterval(current.timer);
  current.peer.dispose();
  closeFd(current.fds[0]);
  closeFd(current.fds[1]);
  current = undefined;
});

for (const role of ["user", "network"] as const) {
  describe.skipIf(missing !== undefined && !inCi)(`QSIG basic call against libpri 1.6 as the ${role} side`, () => {
    it("libpri is installed", () => {
      expect(missing).toBeUndefined();
    });

    it("a call from libpri: SETUP with calling name, answered with connected name, cleared by libpri", async () => {
      const s = setup(role);
      await until("the data link and DCHAN_UP", () => s.dl.established && s.peer.events.includes(PRI.EVENT_DCHAN_UP), s);
      // libpri reports our RELEASE as PRI_EVENT_HANGUP; its application answers with pri_hangup(), which sends RELEASE COMPLETE.
      s.peer.onEvent = (e, call, cause) => {
        if (e === PRI.EVENT_HANGUP) s.peer.hangup(call, cause);
      };
      const theirCall = s.peer.setup(1, "2001", "1001", "Alice Example");
      await until("SETUP.ind", () => has(s, "SETUP.ind"), s);
      const setupInd = indication(s, "SETUP.ind");
      if (!("message" in setupInd)) throw new Error("SETUP.ind without message");
      expect(findIe(setupInd.message, "calledPartyNumber")?.digits).toBe("2001");
      expect(findIe(setupInd.message, "callingPartyNumber")?.digits).toBe("1001");
      expect(qsigNames(setupInd.message)).toEqual(["callingName:Alice Example"]);
      const call = setupInd.call;
      expect(call.channel).toBe(1);
      call.proceeding();
      call.alerting();
      call.connect([ie("facility", qsigFacilityOf([{ operation: "connectedName", argument: { name: nameFromText("Bob Gateway"), sequence: false } }], 1))]);
      await until("libpri ANSWER and our SETUP-COMPLETE.ind", () => s.peer.events.includes(PRI.EVENT_ANSWER) && has(s, "SETUP-COMPLETE.ind"), s);
      expect(s.peer.events).toEqual(expect.arrayContaining([PRI.EVENT_PROCEEDING, PRI.EVENT_RINGING, PRI.EVENT_ANSWER]));
      expect(call.state).toBe("Active");
      s.peer.hangup(theirCall, 16);
      await until("DISCONNECT.ind", () => has(s, "DISCONNECT.ind"), s);
      call.release();
      await until("RELEASE.conf", () => has(s, "RELEASE.conf"), s);
      expect(indication(s, "RELEASE.conf")).toMatchObject({ cause: 16 });
      expect(call.state).toBe("Null");
      expect(s.l3.activeCalls).toHaveLength(0);
    });

    it("a call from us with calling name: libpri rings, answers; we clear", async () => {
      const s = setup(role);
      await until("the data link and DCHAN_UP", () => s.dl.established && s.peer.events.includes(PRI.EVENT_DCHAN_UP), s);
      let ring: RingEvent | undefined;
      s.peer.onRing = (r) => {
        ring = r;
        s.peer.proceeding(r.call, r.channel);
        s.peer.alerting(r.call, r.channel);
        s.peer.answer(r.call, r.channel);
      };
      s.peer.onEvent = (e, call, cause) => {
        if (e === PRI.EVENT_HANGUP_REQ || e === PRI.EVENT_HANGUP) s.peer.hangup(call, cause);
      };
      const r = s.l3.setup(
        [
          SPEECH,
          ie("facility", qsigFacilityOf([{ operation: "callingName", argument: { name: nameFromText("Gateway Caller"), sequence: false } }], 1)),
          ie("callingPartyNumber", { typeOfNumber: 0, numberingPlan: 0, presentation: 0, screening: 0, digits: "4711" }),
          ie("calledPartyNumber", { typeOfNumber: 0, numberingPlan: 0, digits: "3001" }),
          SENDING_COMPLETE,
        ],
        2,
      );
      if (!r.ok) throw new Error(r.reason);
      await until("SETUP.conf", () => has(s, "SETUP.conf"), s);
      expect(ring).toMatchObject({ callednum: "3001", callingnum: "4711", callingname: "Gateway Caller" });
      expect((ring?.channel ?? 0) & 0xff).toBe(2);
      expect(s.ind.map((i) => i.primitive).slice(0, 3)).toEqual(["PROCEEDING.ind", "ALERTING.ind", "SETUP.conf"]);
      expect(r.call.state).toBe("Active");
      r.call.disconnect(16);
      await until("RELEASE.conf", () => has(s, "RELEASE.conf"), s);
      expect(r.call.state).toBe("Null");
      expect(s.l3.activeCalls).toHaveLength(0);
    });

    it("RESTART from us is acknowledged by libpri; RESTART from libpri is acknowledged by us", async () => {
      const s = setup(role);
      await until("the data link and DCHAN_UP", () => s.dl.established && s.peer.events.includes(PRI.EVENT_DCHAN_UP), s);
      s.l3.requestRestart([3]);
      await until("RESTART.conf", () => s.restarts.some((x) => x.primitive === "RESTART.conf"), s);
      expect(s.peer.events).toContain(PRI.EVENT_RESTART);
      s.peer.reset(4);
      await until("libpri RESTART_ACK", () => s.peer.events.includes(PRI.EVENT_RESTART_ACK), s);
      expect(s.restarts).toEqual([
        { primitive: "RESTART.conf", channels: [3] },
        { primitive: "RESTART.ind", channels: [4] },
      ]);
    });
  });
}
