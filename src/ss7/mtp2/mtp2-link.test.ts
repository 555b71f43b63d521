/**
 * MTP2 behaviour under the ManualClock. Test names carry the Q.781 test
 * numbers they implement; transcripts (golden/*.txt) hold the canonical log
 * lines, every frame on the line and every Level 3 indication.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { resolveTimers } from "../../core/timers.js";
import { LoopbackChannelPair } from "./loopback-channel.js";
import { Mtp2Link } from "./mtp2-link.js";
import type { Mtp2Indication } from "./mtp2-link.js";
import { decodeSignalUnit, describeSignalUnit, encodeSignalUnit } from "./su-codec.js";
import type { LssuStatus, SignalUnit, SuHeader } from "./su-codec.js";
import { describeIndication, linkPair, msuPayload } from "./test-harness.js";
import { TranscriptLogger } from "./test-support.js";
import { mtp2Timers } from "./timers.js";

const T = resolveTimers(mtp2Timers);
const INIT: SuHeader = { bsn: 127, bib: 1, fsn: 127, fib: 1 };

/** Link A under test; the far end B is scripted frame by frame. */
function scripted(timers: Record<string, number> = {}) {
  const clock = new ManualClock();
  const log = new TranscriptLogger(clock);
  const lb = new LoopbackChannelPair(clock, 1);
  const a = new Mtp2Link({ id: "A", channel: lb.a, clock, log, timers: resolveTimers(mtp2Timers, timers) });
  const sent: SignalUnit[] = [];
  const ind: Mtp2Indication[] = [];
  const delivered: Uint8Array[] = [];
  lb.tap = (dir, f) => {
    const r = decodeSignalUnit(f);
    log.note(`${dir === "a->b" ? "A->B" : "B->A"} ${r.ok ? describeSignalUnit(r.value) : "undecodable"}`);
    if (dir === "a->b" && r.ok) sent.push(r.value);
  };
  lb.b.onFrame(() => undefined);
  a.onIndication((i) => {
    ind.push(i);
    if (i.type === "message") delivered.push(i.payload);
    log.note(`A L3 <- ${describeIndication(i)}`);
  });
  const send = (su: SignalUnit): void => lb.b.send(encodeSignalUnit(su));
  const lssu = (status: LssuStatus, h: SuHeader = INIT): void => send({ kind: "LSSU", status, statusOctets: 1, ...h });
  const fisu = (h: SuHeader = INIT): void => send({ kind: "FISU", ...h });
  const msu = (h: SuHeader, payload: Uint8Array): void => send({ kind: "MSU", ...h, payload });
  /** Emergency alignment against the script: A in service at the end. */
  const bringUp = (): void => {
    a.powerOn();
    a.setEmergency(true);
    a.start();
    lssu("SIE");
    clock.advance(2);
    clock.advance(T.T4e);
    fisu();
    clock.advance(2);
    expect(a.state).toBe("InService");
  };
  const last = (): SignalUnit | undefined => sent[sent.length - 1];
  const outOfService = (): string[] => ind.flatMap((i) => (i.type === "out-of-service" ? [i.reason] : []));
  return { clock, log, lb, a, sent, ind, delivered, send, lssu, fisu, msu, bringUp, last, outOfService };
}

describe("MTP2 initial alignment (Q.703 §7, Q.781 test 1)", () => {
  it("Q.781 1.1 Initialization (power-up)", () => {
    const s = scripted();
    s.a.powerOn();
    s.clock.advance(1);
    expect(s.a.state).toBe("OutOfService");
    expect(s.sent.map((u) => (u.kind === "LSSU" ? u.status : u.kind))).toEqual(["SIOS"]);
  });

  it("Q.781 1.2 Timer T2: no answer to SIO", () => {
    const s = scripted();
    s.a.start();
    s.clock.advance(T.T2 - 1);
    expect(s.a.alignmentState).toBe("NotAligned");
    expect(s.last()).toMatchObject({ kind: "LSSU", status: "SIO" });
    s.clock.advance(1);
    expect(s.a.state).toBe("OutOfService");
    expect(s.outOfService()).toEqual(["T2 expired"]);
    expect(s.last()).toMatchObject({ kind: "LSSU", status: "SIOS" });
  });

  it("Q.781 1.3 Timer T3: far end stays in SIO", () => {
    const s = scripted();
    s.a.start();
    s.lssu("SIO");
    s.clock.advance(1);
    expect(s.a.alignmentState).toBe("Aligned");
    expect(s.last()).toMatchObject({ kind: "LSSU", status: "SIN" });
    s.clock.advance(T.T3);
    expect(s.outOfService()).toEqual(["T3 expired"]);
  });

  it("Q.781 1.4 Timers T4 (normal) and T1: aligned ready, no FISU from the far end", () => {
    const s = scripted();
    s.a.start();
    s.lssu("SIO");
    s.clock.advance(1);
    s.lssu("SIN");
    s.clock.advance(1);
    expect(s.a.alignmentState).toBe("ProvingNormal");
    s.clock.advance(T.T4n - 1);
    expect(s.a.state).toBe("InitialAlignment");
    s.clock.advance(1);
    expect(s.a.state).toBe("AlignedReady");
    expect(s.last()).toMatchObject({ kind: "FISU" });
    s.clock.advance(T.T1);
    expect(s.outOfService()).toEqual(["T1 expired"]);
  });

  it("Q.781 1.5 Normal alignment - correct procedure (FISU)", async () => {
    const h = linkPair();
    h.a.start();
    h.b.start();
    h.clock.advance(T.T4n + 10);
    expect([h.a.state, h.b.state]).toEqual(["InService", "InService"]);
    await expect(h.log.text()).toMatchFileSnapshot("./golden/alignment-normal.txt");
  });

  it("Q.781 1.6 Normal alignment - correct procedure (MSU)", () => {
    const s = scripted();
    s.a.start();
    s.lssu("SIO");
    s.clock.advance(1);
    s.lssu("SIN");
    s.clock.advance(1 + T.T4n);
    expect(s.a.state).toBe("AlignedReady");
    s.msu({ ...INIT, fsn: 0 }, msuPayload(10));
    s.clock.advance(1);
    expect(s.a.state).toBe("InService");
    expect(s.ind.map((i) => i.type)).toEqual(["in-service", "message"]);
    expect(s.last()).toMatchObject({ kind: "FISU", bsn: 0, bib: 1 });
  });

  it("Q.781 1.7 SIO received during normal proving period restarts proving", () => {
    const s = scripted();
    s.a.start();
    s.lssu("SIO");
    s.clock.advance(1);
    s.lssu("SIN");
    s.clock.advance(1000);
    s.lssu("SIO");
    s.clock.advance(1);
    expect(s.a.alignmentState).toBe("Aligned");
    s.lssu("SIN");
    s.clock.advance(1);
    const provingFrom = s.clock.now();
    s.clock.advance(T.T4n - 1);
    expect(s.a.state).toBe("InitialAlignment");
    s.clock.advance(1);
    expect(s.a.state).toBe("AlignedReady");
    expect(s.clock.now() - provingFrom).toBe(T.T4n);
  });

  it("Q.781 1.21 Both ends set emergency", async () => {
    const h = linkPair();
    for (const l of [h.a, h.b]) {
      l.powerOn();
      l.setEmergency(true);
    }
    h.a.start();
    h.b.start();
    h.clock.advance(T.T4e + 10);
    expect([h.a.state, h.b.state]).toEqual(["InService", "InService"]);
    await expect(h.log.text()).toMatchFileSnapshot("./golden/alignment-emergency.txt");
  });

  it("Q.781 1.22 Individual end sets emergency: both prove for Pe", () => {
    const h = linkPair();
    h.a.powerOn();
    h.a.setEmergency(true);
    h.a.start();
    h.b.start();
    h.clock.advance(T.T4e + 10);
    expect([h.a.state, h.b.state]).toEqual(["InService", "InService"]);
  });

  it("Q.781 1.8 Normal alignment with local processor outage set", () => {
    const h = linkPair();
    h.a.powerOn();
    h.a.localProcessorOutage();
    h.a.setEmergency(true);
    h.a.start();
    h.b.start();
    h.clock.advance(T.T4e + 10);
    expect([h.a.state, h.b.state]).toEqual(["ProcessorOutage", "ProcessorOutage"]);
    expect(h.indications.B.map((i) => i.type)).toEqual(["remote-processor-outage"]);
    h.a.localProcessorRecovered();
    h.clock.advance(5);
    expect([h.a.state, h.b.state]).toEqual(["InService", "InService"]);
    expect(h.indications.B.map((i) => i.type)).toEqual(["remote-processor-outage", "remote-processor-recovered"]);
    expect(h.indications.A.map((i) => i.type)).toEqual(["in-service"]);
  });
});

describe("MTP2 alignment error rate monitor (Q.703 §10.3, Q.781 test 7)", () => {
  function toNormalProving() {
    const s = scripted();
    s.a.start();
    s.lssu("SIO");
    s.clock.advance(1);
    s.lssu("SIN");
    s.clock.advance(1);
    expect(s.a.alignmentState).toBe("ProvingNormal");
    return s;
  }

  it("Q.781 7.1 Error rate below the normal threshold: Tin-1 errors, proving completes", () => {
    const s = toNormalProving();
    s.lb.indicate("a", { type: "su-error", count: 3 });
    s.clock.advance(T.T4n);
    expect(s.a.state).toBe("AlignedReady");
  });

  it("Q.781 7.2 Error rate at the normal threshold: Tin errors abort proving, proving repeats", () => {
    const s = toNormalProving();
    s.lb.indicate("a", { type: "su-error", count: 4 });
    s.clock.advance(T.T4n);
    expect(s.a.state).toBe("InitialAlignment");
    expect(s.a.alignmentState).toBe("ProvingNormal");
    s.clock.advance(T.T4n);
    expect(s.a.state).toBe("AlignedReady");
  });

  it("Q.781 7.4 Error rate at the emergency threshold: one error aborts emergency proving", () => {
    const s = scripted();
    s.a.powerOn();
    s.a.setEmergency(true);
    s.a.start();
    s.lssu("SIE");
    s.clock.advance(2);
    expect(s.a.alignmentState).toBe("ProvingEmergency");
    s.lb.indicate("a", { type: "su-error", count: 1 });
    s.clock.advance(T.T4e);
    expect(s.a.alignmentState).toBe("ProvingEmergency");
    s.clock.advance(T.T4e);
    expect(s.a.state).toBe("AlignedReady");
  });

  it("octet counting mode counts one error per 16 octets while proving", () => {
    const s = toNormalProving();
    s.lb.indicate("a", { type: "octet-counting", octets: 4 * 16 - 1 });
    s.clock.advance(T.T4n);
    expect(s.a.state).toBe("AlignedReady");
    const s2 = toNormalProving();
    s2.lb.indicate("a", { type: "octet-counting", octets: 4 * 16 });
    s2.clock.advance(T.T4n);
    expect(s2.a.state).toBe("InitialAlignment");
  });

  it("proving aborted M = 5 times: alignment not possible", async () => {
    const s = toNormalProving();
    for (let k = 0; k < 5; k++) {
      s.lb.indicate("a", { type: "su-error", count: 4 });
      s.clock.advance(k < 4 ? T.T4n : 1);
    }
    expect(s.a.state).toBe("OutOfService");
    expect(s.outOfService()).toEqual(["proving failed M times"]);
    await expect(s.log.text()).toMatchFileSnapshot("./golden/proving-failures.txt");
  });
});

describe("MTP2 basic error correction (Q.703 §5, Q.781 test 8)", () => {
  it("Q.781 8.1 MSU transmission and reception", () => {
    const h = linkPair();
    h.a.start();
    h.b.start();
    h.clock.advance(T.T4n + 10);
    for (let k = 0; k < 3; k++) {
      h.a.transmit(msuPayload(5 + k, k));
      h.b.transmit(msuPayload(70 + k, k));
    }
    h.clock.advance(10);
    expect(h.received.B).toEqual([0, 1, 2].map((k) => msuPayload(5 + k, k)));
    expect(h.received.A).toEqual([0, 1, 2].map((k) => msuPayload(70 + k, k)));
    expect([h.a.retransmissionBufferLength, h.b.retransmissionBufferLength]).toEqual([0, 0]);
  });

  it("Q.781 8.2 Negative acknowledgement of an MSU", async () => {
    const h = linkPair();
    h.a.start();
    h.b.start();
    h.clock.advance(T.T4n + 10);
    let dropped = false;
    h.lb.fault = (dir, frame) => {
      if (dir === "a->b" && !dropped && frame[2] !== 0 && frame[2] !== 1) {
        dropped = true;
        return "drop";
      }
      return "deliver";
    };
    h.a.transmit(msuPayload(5, 1));
    h.a.transmit(msuPayload(5, 2));
    h.clock.advance(10);
    expect(h.received.B).toEqual([msuPayload(5, 1), msuPayload(5, 2)]);
    expect(h.a.retransmissionBufferLength).toBe(0);
    expect([h.a.state, h.b.state]).toEqual(["InService", "InService"]);
    await expect(h.log.text()).toMatchFileSnapshot("./golden/retransmission.txt");
  });

  it("Q.781 8.3 Check RTB full: at most 127 MSUs await acknowledgement", () => {
    const s = scripted();
    s.bringUp();
    for (let k = 0; k < 130; k++) s.a.transmit(msuPayload(4, k));
    expect(s.sent.filter((u) => u.kind === "MSU")).toHaveLength(127);
    expect([s.a.retransmissionBufferLength, s.a.transmissionBufferLength]).toEqual([127, 3]);
    s.fisu({ bsn: 126, bib: 1, fsn: 127, fib: 1 });
    s.clock.advance(1);
    expect(s.sent.filter((u) => u.kind === "MSU")).toHaveLength(130);
    expect([s.a.retransmissionBufferLength, s.a.transmissionBufferLength]).toEqual([3, 0]);
  });

  it("Q.781 8.4 Single MSU with erroneous FIB is discarded; two of three fail the link", () => {
    const s = scripted();
    s.bringUp();
    s.msu({ ...INIT, fsn: 0, fib: 0 }, msuPayload(5));
    s.clock.advance(1);
    expect(s.delivered).toHaveLength(0);
    s.msu({ ...INIT, fsn: 0 }, msuPayload(5));
    s.clock.advance(1);
    expect(s.delivered).toHaveLength(1);
    expect(s.a.state).toBe("InService");
    s.msu({ ...INIT, fsn: 1, fib: 0 }, msuPayload(5));
    s.fisu({ ...INIT, fsn: 1, fib: 0 });
    s.clock.advance(1);
    expect(s.outOfService()).toEqual(["abnormal FIB received"]);
  });

  it("Q.781 8.5 Duplicated FSN: the duplicate is discarded", () => {
    const s = scripted();
    s.bringUp();
    s.msu({ ...INIT, fsn: 0 }, msuPayload(5, 1));
    s.msu({ ...INIT, fsn: 0 }, msuPayload(5, 1));
    s.msu({ ...INIT, fsn: 1 }, msuPayload(5, 2));
    s.clock.advance(1);
    expect(s.delivered).toEqual([msuPayload(5, 1), msuPayload(5, 2)]);
    expect(s.last()).toMatchObject({ kind: "FISU", bsn: 1, bib: 1 });
  });

  it("out-of-sequence MSU: negative acknowledgement, then the retransmission is accepted", () => {
    const s = scripted();
    s.bringUp();
    s.msu({ ...INIT, fsn: 1 }, msuPayload(5, 2));
    s.clock.advance(1);
    expect(s.last()).toMatchObject({ kind: "FISU", bsn: 127, bib: 0 });
    s.msu({ ...INIT, fsn: 2 }, msuPayload(5, 3));
    s.clock.advance(1);
    expect(s.delivered).toHaveLength(0);
    s.msu({ ...INIT, fsn: 0, fib: 0 }, msuPayload(5, 1));
    s.msu({ ...INIT, fsn: 1, fib: 0 }, msuPayload(5, 2));
    s.clock.advance(1);
    expect(s.delivered).toEqual([msuPayload(5, 1), msuPayload(5, 2)]);
    expect(s.a.state).toBe("InService");
  });

  it("Q.781 8.10 Abnormal BSN - single MSU is discarded, the link stays", () => {
    const s = scripted();
    s.bringUp();
    s.msu({ ...INIT, bsn: 50, fsn: 0 }, msuPayload(5));
    s.clock.advance(1);
    expect(s.delivered).toHaveLength(0);
    s.fisu();
    s.clock.advance(1);
    expect(s.a.state).toBe("InService");
  });

  it("Q.781 8.11 Abnormal BSN - two consecutive FISUs: link failure", () => {
    const s = scripted();
    s.bringUp();
    s.fisu({ ...INIT, bsn: 50 });
    s.fisu({ ...INIT, bsn: 51 });
    s.clock.advance(1);
    expect(s.outOfService()).toEqual(["abnormal BSN received"]);
    expect(s.last()).toMatchObject({ kind: "LSSU", status: "SIOS" });
  });

  it("Q.781 8.12 Excessive delay of acknowledgements (T7)", () => {
    const s = scripted();
    s.bringUp();
    s.a.transmit(msuPayload(5));
    s.clock.advance(T.T7 - 1);
    expect(s.a.state).toBe("InService");
    s.clock.advance(1);
    expect(s.outOfService()).toEqual(["T7 expired (excessive delay of acknowledgement)"]);
  });

  it("T7 restarts on each positive acknowledgement and stops when all are acknowledged", () => {
    const s = scripted();
    s.bringUp();
    s.a.transmit(msuPayload(5, 1));
    s.a.transmit(msuPayload(5, 2));
    s.clock.advance(T.T7 - 10);
    s.fisu({ ...INIT, bsn: 0 });
    s.clock.advance(T.T7 - 10);
    expect(s.a.state).toBe("InService");
    s.fisu({ ...INIT, bsn: 1 });
    s.clock.advance(3 * T.T7);
    expect(s.a.state).toBe("InService");
  });

  it("Q.781 8.13 Level 3 Stop command", () => {
    const h = linkPair();
    h.a.start();
    h.b.start();
    h.clock.advance(T.T4n + 10);
    h.a.stop();
    h.clock.advance(5);
    expect(h.a.state).toBe("OutOfService");
    expect(h.indications.A.at(-1)).toEqual({ type: "out-of-service", reason: "stopped by level 3" });
    expect(h.indications.B.at(-1)).toEqual({ type: "out-of-service", reason: "SIOS received" });
  });

  it("long MSUs (LI = 63) cross the link intact", () => {
    const h = linkPair();
    h.a.start();
    h.b.start();
    h.clock.advance(T.T4n + 10);
    h.a.transmit(msuPayload(273, 9));
    h.clock.advance(5);
    expect(h.received.B).toEqual([msuPayload(273, 9)]);
  });

  it("retrieval after link failure returns the unacknowledged MSUs after FSNC (Q.704 §5.4)", () => {
    const h = linkPair();
    h.a.start();
    h.b.start();
    h.clock.advance(T.T4n + 10);
    h.a.transmit(msuPayload(5, 0));
    h.clock.advance(5);
    h.lb.setCut("a->b", true);
    for (let k = 1; k <= 3; k++) h.a.transmit(msuPayload(5, k));
    h.clock.advance(T.T7);
    expect(h.a.state).toBe("OutOfService");
    expect(h.a.retrieveBsnt()).toBe(127);
    expect(h.b.state).toBe("InService");
    expect(h.b.retrieveBsnt()).toBeUndefined();
    expect(h.a.retrieveMessages(1)).toEqual([msuPayload(5, 2), msuPayload(5, 3)]);
    expect(h.a.retrieveMessages(1)).toEqual([]);
  });

  it("retrieval without FSNC returns only the MSUs never sent", () => {
    const s = scripted();
    s.bringUp();
    s.a.localProcessorOutage();
    s.a.transmit(msuPayload(5, 7));
    s.clock.advance(1);
    s.lssu("SIOS");
    s.clock.advance(1);
    expect(s.a.state).toBe("OutOfService");
    expect(s.a.retrieveMessages(undefined)).toEqual([msuPayload(5, 7)]);
  });
});

describe("MTP2 level 2 flow control (Q.703 §9, Q.781 test 10)", () => {
  it("Q.781 10.1 Congestion abatement: SIBs every T5, MSUs retransmitted after", () => {
    const h = linkPair();
    h.a.start();
    h.b.start();
    h.clock.advance(T.T4n + 10);
    h.b.setReceiveCongestion(true);
    h.clock.advance(2);
    h.a.transmit(msuPayload(5, 1));
    h.clock.advance(3 * T.T7);
    expect(h.received.B).toHaveLength(0);
    expect(h.a.state).toBe("InService");
    h.b.setReceiveCongestion(false);
    h.clock.advance(10);
    expect(h.received.B).toEqual([msuPayload(5, 1)]);
    expect(h.a.retransmissionBufferLength).toBe(0);
    const sibs = h.log.lines.filter((l) => l.includes("B->A LSSU SIB")).length;
    expect(sibs).toBeGreaterThanOrEqual(Math.floor((3 * T.T7) / T.T5));
  });

  it("Q.781 10.3 Timer T6: remote congestion lasting longer than T6", () => {
    const s = scripted();
    s.bringUp();
    s.a.transmit(msuPayload(5));
    for (let t = 0; t < T.T6 + 200; t += T.T5) {
      s.lssu("SIB");
      s.clock.advance(T.T5);
    }
    expect(s.outOfService()).toEqual(["T6 expired (excessive remote congestion)"]);
  });
});

describe("MTP2 signal unit error rate monitor (Q.703 §10.2, Q.781 test 6)", () => {
  function inService() {
    const h = linkPair({ quietFrames: true });
    for (const l of [h.a, h.b]) {
      l.powerOn();
      l.setEmergency(true);
    }
    h.a.start();
    h.b.start();
    h.clock.advance(T.T4e + 10);
    expect(h.a.state).toBe("InService");
    return h;
  }

  it("Q.781 6.1 Error rate of 1 in 256: the link remains in service", () => {
    const h = inService();
    for (let k = 0; k < 1000; k++) {
      h.lb.indicate("a", { type: "su-repeated", count: 255 });
      h.lb.indicate("a", { type: "su-error", count: 1 });
    }
    expect(h.a.state).toBe("InService");
  });

  it("error rate of 1 in 200 (above the 1 in 256 the leak absorbs): the link fails", () => {
    const h = inService();
    for (let k = 0; k < 5000 && h.a.state === "InService"; k++) {
      h.lb.indicate("a", { type: "su-repeated", count: 199 });
      h.lb.indicate("a", { type: "su-error", count: 1 });
    }
    expect(h.indications.A.at(-1)).toEqual({ type: "out-of-service", reason: "SUERM threshold reached" });
  });

  it("Q.781 6.3 Consecutive corrupt signal units: link failure at T = 64", async () => {
    const h = inService();
    h.setQuiet(false);
    h.lb.fault = (dir) => (dir === "b->a" ? "error" : "deliver");
    for (let k = 0; k < 64; k++) {
      h.b.transmit(msuPayload(4, k));
      h.clock.advance(1);
    }
    expect(h.a.state).toBe("OutOfService");
    expect(h.indications.A.at(-1)).toEqual({ type: "out-of-service", reason: "SUERM threshold reached" });
    await expect(h.log.text()).toMatchFileSnapshot("./golden/suerm-failure.txt");
  });

  it("octet counting mode in service: one error per 16 octets", () => {
    const h = inService();
    h.lb.indicate("a", { type: "octet-counting", octets: 64 * 16 - 1 });
    expect(h.a.state).toBe("InService");
    h.lb.indicate("a", { type: "octet-counting", octets: 1 });
    expect(h.a.state).toBe("OutOfService");
  });
});

describe("MTP2 processor outage (Q.703 §8, Q.781 test 4)", () => {
  it("Q.781 4.1 Set and clear local processor outage while the link is in service", async () => {
    const h = linkPair();
    for (const l of [h.a, h.b]) {
      l.powerOn();
      l.setEmergency(true);
    }
    h.a.start();
    h.b.start();
    h.clock.advance(T.T4e + 10);
    h.a.localProcessorOutage();
    h.clock.advance(5);
    expect([h.a.state, h.b.state]).toEqual(["ProcessorOutage", "ProcessorOutage"]);
    h.b.transmit(msuPayload(5, 1));
    h.clock.advance(5);
    expect(h.received.A).toHaveLength(0);
    h.a.localProcessorRecovered();
    h.clock.advance(5);
    expect([h.a.state, h.b.state]).toEqual(["InService", "InService"]);
    h.b.transmit(msuPayload(5, 2));
    h.clock.advance(5);
    expect(h.received.A).toEqual([msuPayload(5, 1), msuPayload(5, 2)]);
    expect(h.indications.B.map((i) => i.type)).toEqual(["in-service", "remote-processor-outage", "remote-processor-recovered"]);
    await expect(h.log.text()).toMatchFileSnapshot("./golden/processor-outage.txt");
  });

  it("Q.781 4.3 SIO received during local processor outage: link failure", () => {
    const s = scripted();
    s.bringUp();
    s.a.localProcessorOutage();
    s.lssu("SIO");
    s.clock.advance(1);
    expect(s.outOfService()).toEqual(["SIO received"]);
  });
});

describe("MTP2 fill-in transmission (deviation: frames on change)", () => {
  it("sends a fill-in only when it changes; in service the line is quiet", () => {
    const h = linkPair();
    h.a.start();
    h.b.start();
    h.clock.advance(T.T4n + 10);
    const before = h.a.counters.framesTx;
    h.clock.advance(60_000);
    expect(h.a.counters.framesTx).toBe(before);
    expect([h.a.state, h.b.state]).toEqual(["InService", "InService"]);
  });

  it("with fillInRepeatMs the current fill-in is repeated and the link stays in service", () => {
    const h = linkPair({ fillInRepeatMs: 200, quietFrames: true });
    h.a.start();
    h.b.start();
    h.clock.advance(T.T4n + 10);
    const before = h.a.counters.framesTx;
    h.clock.advance(10_000);
    expect(h.a.counters.framesTx - before).toBe(50);
    expect([h.a.state, h.b.state]).toEqual(["InService", "InService"]);
    h.a.close();
    h.b.close();
  });
});
