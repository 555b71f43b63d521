/**
 * Interop: our MTP2/MTP3 against libss7 2.0 (Asterisk's SS7 stack) on a
 * SOCK_SEQPACKET socketpair, libss7 driven through koffi on the Node event
 * loop. The link aligns (emergency proving, libss7 starts links in
 * emergency), both signalling link tests pass, TRA is exchanged, an ISUP
 * GRS built by hand reaches libss7 and its GRA reaches our MTP3 user as
 * MTP-TRANSFER.ind; a far end that stops answering is detected (T7), and
 * libss7 detects us when we stop.
 */
import { afterEach, describe, expect, it } from "vitest";
import { toHex } from "../../../src/core/bytes.js";
import { SystemClock } from "../../../src/core/clock.js";
import type { Clock } from "../../../src/core/clock.js";
import { Mtp2Link } from "../../../src/ss7/mtp2/mtp2-link.js";
import { TranscriptLogger } from "../../../src/ss7/mtp2/test-support.js";
import { Mtp3 } from "../../../src/ss7/mtp3/mtp3.js";
import type { MtpIndication } from "../../../src/ss7/mtp3/primitives.js";
import { closeFd, FdChannel, Libss7Peer, seqpacketPair, SS7 } from "./libss7-peer.js";

const OUR_PC = 1;
const THEIR_PC = 2;
const SLC = 0;
const ISUP = 5;

const availability = Libss7Peer.load();
const inCi = Boolean(process.env["CI"]);
if (!availability.ok && !inCi) console.warn(`SKIP test/interop/mtp: ${availability.reason}`);

/** Log times relative to the start of the test. */
function relativeClock(base: Clock): Clock {
  const t0 = base.now();
  return { now: () => Math.round(base.now() - t0), wallNow: () => base.wallNow(), setTimer: (ms, fn) => base.setTimer(ms, fn) };
}

interface Setup {
  peer: Libss7Peer;
  channel: FdChannel;
  mtp2: Mtp2Link;
  mtp3: Mtp3;
  log: TranscriptLogger;
  ind: MtpIndication[];
  fds: [number, number];
  timer: ReturnType<typeof setInterval>;
}

let current: Setup | undefined;

function setup(): Setup {
  const fds = seqpacketPair();
  const clock = new SystemClock();
  const log = new TranscriptLogger(relativeClock(clock));
  const peer = new Libss7Peer(fds[1], { pointCode: THEIR_PC, adjacentPc: OUR_PC, slc: SLC });
  const channel = new FdChannel(fds[0]);
  const mtp2 = new Mtp2Link({ id: "ls-libss7/0", channel, clock, log });
  const mtp3 = new Mtp3({
    id: "gw",
    variant: "itu",
    pointCode: OUR_PC,
    networkIndicator: 2,
    linksets: [{ name: "ls-libss7", adjacentPc: THEIR_PC, links: [{ slc: SLC, link: mtp2 }] }],
    clock,
    log,
  });
  const ind: MtpIndication[] = [];
  mtp3.register(ISUP, (i) => {
    ind.push(i);
    log.note(`ISUP user <- ${i.primitive}${i.primitive === "MTP-TRANSFER.ind" ? ` ${toHex(i.userData)}` : ` ${"affectedDpc" in i ? i.affectedDpc : ""}`}`);
  });
  // The bounded polling loop: both ends serviced every 2 ms on the Node event loop.
  const timer = setInterval(() => {
    peer.tick();
    channel.pump();
  }, 2);
  current = { peer, channel, mtp2, mtp3, log, ind, fds, timer };
  mtp3.start();
  return current;
}

async function until(what: string, cond: () => boolean, timeoutMs: number, s: Setup): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}\n--- our transcript ---\n${s.log.text()}--- frames ---\n${s.channel.trace.slice(-20).join("\n")}\n--- libss7 ---\n${s.peer.messages.slice(-40).join("\n")}`,
      );
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

afterEach(() => {
  if (!current) return;
  if (process.env["MTP_INTEROP_TRACE"]) {
    console.log(`--- our transcript ---\n${current.log.text()}--- frames ---\n${current.channel.trace.join("\n")}\n--- libss7 ---\n${current.peer.messages.join("\n")}`);
  }
  clearInterval(current.timer);
  current.mtp3.stop();
  current.mtp2.close();
  current.peer.dispose();
  closeFd(current.fds[0]);
  closeFd(current.fds[1]);
  current = undefined;
});

describe.skipIf(!availability.ok && !inCi)("MTP against libss7 2.0 (SOCK_SEQPACKET, DAHDI MTP2 framing)", () => {
  it("libss7 is installed", () => {
    expect(availability).toEqual({ ok: true });
  });

  it("aligns, passes the link tests, exchanges TRA, carries GRS and GRA; detects a far end that stops answering", async () => {
    const s = setup();
    await until("libss7 SS7_EVENT_UP and MTP-RESUME", () => s.peer.events.includes(SS7.EVENT_UP) && s.ind.some((i) => i.primitive === "MTP-RESUME.ind"), 5000, s);
    expect(s.mtp2.state).toBe("InService");
    expect(s.mtp3.linkStatus()).toEqual([{ linkset: "ls-libss7", slc: SLC, state: "Available", level2: "InService" }]);

    // GRS for CIC 1, range 1 (CICs 1-2), built by hand: CIC (2 octets), message type 0x17,
    // pointer to the mandatory variable part, length 1, range 1 (Q.763 layout).
    let grsSeen: { startcic: number; endcic: number; opc: number } | undefined;
    s.peer.onGrs = (ev) => {
      grsSeen = { startcic: ev.startcic, endcic: ev.endcic, opc: ev.opc };
      s.peer.gra(ev);
    };
    const grs = new Uint8Array([0x01, 0x00, 0x17, 0x01, 0x01, 0x01]);
    expect(s.mtp3.transfer({ dpc: THEIR_PC, sls: 1, si: ISUP, userData: grs })).toBe(true);
    await until("GRA at our ISUP user", () => s.ind.some((i) => i.primitive === "MTP-TRANSFER.ind"), 3000, s);
    expect(grsSeen).toEqual({ startcic: 1, endcic: 2, opc: OUR_PC });
    const gra = s.ind.find((i) => i.primitive === "MTP-TRANSFER.ind");
    if (gra?.primitive !== "MTP-TRANSFER.ind") throw new Error("no transfer indication");
    expect({ opc: gra.opc, dpc: gra.dpc, si: gra.si, ni: gra.ni }).toEqual({ opc: THEIR_PC, dpc: OUR_PC, si: ISUP, ni: 2 });
    // CIC 1, message type GRA (0x29), range 1 with its status octet.
    expect(toHex(gra.userData.subarray(0, 3))).toBe("010029");
    expect(gra.userData[5]).toBe(1);

    // The far end stops answering: our next MSU is never acknowledged; T7 fails the link.
    s.peer.serving = false;
    const failAt = Date.now();
    s.mtp3.transfer({ dpc: THEIR_PC, sls: 1, si: ISUP, userData: grs });
    await until("MTP-PAUSE after the link failed", () => s.ind.some((i) => i.primitive === "MTP-PAUSE.ind"), 4000, s);
    expect(Date.now() - failAt).toBeGreaterThanOrEqual(900);
    expect(s.log.lines.some((l) => l.includes("T7"))).toBe(true);
    expect(s.mtp3.destinationStatus()).toEqual([{ pc: THEIR_PC, accessible: false, via: undefined, routes: [{ linkset: "ls-libss7", status: "allowed" }] }]);

    // The far end answers again: the link is restored (T17, realignment, link test, TRA) and traffic resumes.
    s.peer.serving = true;
    await until("MTP-RESUME after restoration", () => s.ind.filter((i) => i.primitive === "MTP-RESUME.ind").length === 2, 10_000, s);
    const before = s.ind.filter((i) => i.primitive === "MTP-TRANSFER.ind").length;
    expect(s.mtp3.transfer({ dpc: THEIR_PC, sls: 1, si: ISUP, userData: grs })).toBe(true);
    await until("a second GRA", () => s.ind.filter((i) => i.primitive === "MTP-TRANSFER.ind").length > before, 3000, s);
  });

  it("libss7 detects our end when it stops answering (its T7)", async () => {
    const s = setup();
    await until("link up at both ends", () => s.peer.events.includes(SS7.EVENT_UP) && s.ind.some((i) => i.primitive === "MTP-RESUME.ind"), 5000, s);
    s.channel.dead = true;
    s.peer.grs(5, 6, OUR_PC);
    await until("libss7 link down", () => s.peer.events.includes(SS7.MTP2_LINK_DOWN) || s.peer.events.includes(SS7.EVENT_DOWN), 4000, s);
    expect(s.peer.messages.some((m) => m.includes("T7 expired"))).toBe(true);
  });
});
