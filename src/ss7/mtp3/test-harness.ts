/**
 * Test support for the MTP3 unit tests (not used by the gateway):
 *  - FakeLevel2: an Mtp2Service the test drives by hand (in service, failure,
 *    received messages) and whose transmitted messages it reads decoded;
 *  - stackPair: two complete MTP3 + MTP2 stacks joined by loopback channels.
 */
import { toHex } from "../../core/bytes.js";
import { ManualClock } from "../../core/clock.js";
import { resolveTimers } from "../../core/timers.js";
import { LoopbackChannelPair } from "../mtp2/loopback-channel.js";
import type { LscState } from "../mtp2/lsc.js";
import { Mtp2Link } from "../mtp2/mtp2-link.js";
import type { Mtp2Indication, Mtp2Service } from "../mtp2/mtp2-link.js";
import { TranscriptLogger } from "../mtp2/test-support.js";
import { mtp2Timers } from "../mtp2/timers.js";
import { decodeMtp3Message, encodeMtp3Message, SERVICE_INDICATOR } from "./msu-codec.js";
import type { Mtp3Message } from "./msu-codec.js";
import { Mtp3 } from "./mtp3.js";
import type { Mtp3RouteConfig } from "./mtp3.js";
import type { MtpIndication } from "./primitives.js";
import { decodeSlt, encodeSlt } from "./slt-codec.js";
import type { SltMessage } from "./slt-codec.js";
import { decodeSnm, encodeSnm } from "./snm-codec.js";
import type { SnmMessage } from "./snm-codec.js";

export function describePrimitive(i: MtpIndication): string {
  switch (i.primitive) {
    case "MTP-TRANSFER.ind":
      return `MTP-TRANSFER.ind opc=${i.opc} sls=${i.sls} ${toHex(i.userData)}`;
    case "MTP-STATUS.ind":
      return `MTP-STATUS.ind dpc=${i.affectedDpc} ${i.cause}${i.cause === "user-part-unavailable" ? ` (${i.userPartCause})` : ` level ${i.congestionLevel}`}`;
    default:
      return `${i.primitive} dpc=${i.affectedDpc}`;
  }
}

/** What a transmitted SIO+SIF is, in one line: `SNM COO fsn=3 sls=1`, `SLTM sls=0`, `ISUP sls=4 0100...`. */
export function describeMessage(payload: Uint8Array): string {
  const r = decodeMtp3Message(payload, "itu");
  if (!r.ok) return `undecodable ${toHex(payload)}`;
  const m = r.value;
  const where = `${m.label.opc}->${m.label.dpc} sls=${m.label.sls}`;
  if (m.sio.si === SERVICE_INDICATOR.SNM) {
    const s = decodeSnm(m.userData, "itu");
    if (!s.ok) return `SNM ? ${where}`;
    const fields = Object.entries(s.value)
      .filter(([k]) => k !== "type")
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    return `SNM ${s.value.type}${fields ? ` ${fields}` : ""} ${where}`;
  }
  if (m.sio.si === SERVICE_INDICATOR.SNTM) {
    const s = decodeSlt(m.userData, "itu");
    return s.ok ? `${s.value.type} ${where}` : `SNTM ? ${where}`;
  }
  return `SI=${m.sio.si} ${where} ${toHex(m.userData)}`;
}

/** A level 2 the test drives by hand. */
export class FakeLevel2 implements Mtp2Service {
  state: LscState = "PowerOff";
  readonly sent: Uint8Array[] = [];
  /** What retrieveBsnt answers once out of service (undefined: not retrievable). */
  bsnt: number | undefined = 127;
  /** What retrieveMessages answers (then forgets). */
  unacknowledged: Uint8Array[] = [];
  retrievedWith: (number | undefined)[] = [];
  emergency = false;
  /** Observes every transmitted message (the harness answers SLTMs with it). */
  onTransmit: ((payload: Uint8Array) => void) | undefined;
  private cb: ((i: Mtp2Indication) => void) | undefined;

  constructor(readonly id: string) {}

  start(): void {
    this.state = "InitialAlignment";
  }
  stop(): void {
    if (this.state === "OutOfService" || this.state === "PowerOff") return;
    this.state = "OutOfService";
    this.cb?.({ type: "out-of-service", reason: "stopped by level 3" });
  }
  setEmergency(on: boolean): void {
    this.emergency = on;
  }
  transmit(payload: Uint8Array): void {
    this.sent.push(payload);
    this.onTransmit?.(payload);
  }
  retrieveBsnt(): number | undefined {
    return this.state === "InService" ? undefined : this.bsnt;
  }
  retrieveMessages(fsnc: number | undefined): Uint8Array[] {
    this.retrievedWith.push(fsnc);
    return this.unacknowledged.splice(0);
  }
  localProcessorOutage(): void {
    this.state = "ProcessorOutage";
  }
  localProcessorRecovered(): void {
    this.state = "InService";
  }
  flushBuffers(): void {
    this.unacknowledged = [];
  }
  onIndication(cb: (ind: Mtp2Indication) => void): void {
    this.cb = cb;
  }

  // --- driven by the test ---
  inService(): void {
    this.state = "InService";
    this.cb?.({ type: "in-service" });
  }
  fail(): void {
    this.state = "OutOfService";
    this.cb?.({ type: "out-of-service", reason: "T7 expired (excessive delay of acknowledgement)" });
  }
  indicate(ind: Mtp2Indication): void {
    this.cb?.(ind);
  }
  receive(m: Mtp3Message): void {
    this.cb?.({ type: "message", payload: encodeMtp3Message(m, "itu") });
  }
  /** Sent messages decoded, then forgotten. */
  take(): string[] {
    return this.sent.splice(0).map(describeMessage);
  }
  /** The last SLTM sent, decoded. */
  lastSltm(): { label: Mtp3Message["label"]; slt: SltMessage } | undefined {
    for (let i = this.sent.length - 1; i >= 0; i--) {
      const r = decodeMtp3Message(this.sent[i] as Uint8Array, "itu");
      if (r.ok && r.value.sio.si === SERVICE_INDICATOR.SNTM) {
        const s = decodeSlt(r.value.userData, "itu");
        if (s.ok && s.value.type === "SLTM") return { label: r.value.label, slt: s.value };
      }
    }
    return undefined;
  }
}

export const OWN_PC = 100;

/** MTP3 under test (ITU, national network) on fake level 2 links. */
export function fakeStack(linksets: { name: string; adjacentPc: number; slcs: number[] }[], routes: Mtp3RouteConfig[] = []) {
  const clock = new ManualClock();
  const log = new TranscriptLogger(clock);
  const l2 = new Map<string, FakeLevel2>();
  const mtp3 = new Mtp3({
    id: "SP",
    variant: "itu",
    pointCode: OWN_PC,
    networkIndicator: 2,
    linksets: linksets.map((ls) => ({
      name: ls.name,
      adjacentPc: ls.adjacentPc,
      links: ls.slcs.map((slc) => {
        const f = new FakeLevel2(`${ls.name}/${slc}`);
        l2.set(f.id, f);
        return { slc, link: f };
      }),
    })),
    routes,
    clock,
    log,
  });
  const ind: MtpIndication[] = [];
  mtp3.register(SERVICE_INDICATOR.ISUP, (i) => {
    ind.push(i);
    log.note(`ISUP <- ${describePrimitive(i)}`);
  });
  /** When on, the adjacent point answers every SLTM 1 ms later, as a healthy far end does. */
  const auto = { slta: true };
  const link = (id: string): FakeLevel2 => {
    const f = l2.get(id);
    if (!f) throw new Error(`test bug: no link ${id}`);
    return f;
  };
  const adjacentOf = (id: string): number => (linksets.find((ls) => id.startsWith(`${ls.name}/`)) as { adjacentPc: number }).adjacentPc;
  /** A message from the adjacent point on this link. */
  const from = (id: string, si: number, sls: number, userData: Uint8Array, opc = adjacentOf(id)): void =>
    link(id).receive({ sio: { si, ni: 2, priority: 0 }, label: { dpc: OWN_PC, opc, sls }, userData });
  const snm = (id: string, sls: number, msg: SnmMessage): void => from(id, SERVICE_INDICATOR.SNM, sls, encodeSnm(msg, "itu"));
  for (const [id, f] of l2) {
    f.onTransmit = (payload) => {
      if (!auto.slta) return;
      const r = decodeMtp3Message(payload, "itu");
      if (!r.ok || r.value.sio.si !== SERVICE_INDICATOR.SNTM) return;
      const t = decodeSlt(r.value.userData, "itu");
      if (!t.ok || t.value.type !== "SLTM") return;
      const { sls } = r.value.label;
      const pattern = t.value.pattern;
      clock.setTimer(1, () => from(id, SERVICE_INDICATOR.SNTM, sls, encodeSlt({ type: "SLTA", pattern }, "itu")));
    };
  }
  /** Bring a link to "Available": in service, our SLTM answered. */
  const up = (id: string): void => {
    const f = link(id);
    f.inService();
    if (auto.slta) {
      clock.advance(1);
      return;
    }
    const t = f.lastSltm();
    if (!t) throw new Error(`test bug: no SLTM on ${id}`);
    from(id, SERVICE_INDICATOR.SNTM, t.label.sls, encodeSlt({ type: "SLTA", pattern: t.slt.pattern }, "itu"));
  };
  return { clock, log, mtp3, ind, link, from, snm, up, auto };
}

/** Two MTP3+MTP2 stacks, A (pc 1) and B (pc 2), joined by `links` loopback links (SLC 0..n-1). */
export function stackPair(links: number, opts: { quietFrames?: boolean } = {}) {
  const clock = new ManualClock();
  const log = new TranscriptLogger(clock);
  const m2 = resolveTimers(mtp2Timers);
  const pairs: LoopbackChannelPair[] = [];
  const la: Mtp2Link[] = [];
  const lb: Mtp2Link[] = [];
  for (let k = 0; k < links; k++) {
    const p = new LoopbackChannelPair(clock, 1);
    pairs.push(p);
    la.push(new Mtp2Link({ id: `A${k}`, channel: p.a, clock, log, timers: m2 }));
    lb.push(new Mtp2Link({ id: `B${k}`, channel: p.b, clock, log, timers: m2 }));
  }
  const A = new Mtp3({ id: "A", variant: "itu", pointCode: 1, networkIndicator: 2, linksets: [{ name: "toB", adjacentPc: 2, links: la.map((link, slc) => ({ slc, link })) }], clock, log });
  const B = new Mtp3({ id: "B", variant: "itu", pointCode: 2, networkIndicator: 2, linksets: [{ name: "toA", adjacentPc: 1, links: lb.map((link, slc) => ({ slc, link })) }], clock, log });
  const got: Record<"A" | "B", MtpIndication[]> = { A: [], B: [] };
  A.register(SERVICE_INDICATOR.ISUP, (i) => {
    got.A.push(i);
    log.note(`A ISUP <- ${describePrimitive(i)}`);
  });
  B.register(SERVICE_INDICATOR.ISUP, (i) => {
    got.B.push(i);
    log.note(`B ISUP <- ${describePrimitive(i)}`);
  });
  if (!opts.quietFrames) {
    pairs.forEach((p, k) => {
      p.tap = (dir, frame) => {
        // Only MSUs, decoded at level 3.
        if (frame.length <= 6 || (frame[2] ?? 0) < 3) return;
        log.note(`${dir === "a->b" ? `A-${k}->B` : `B-${k}->A`} ${describeMessage(frame.subarray(3, frame.length - 2))}`);
      };
    });
  }
  const transfers = (side: "A" | "B"): string[] => got[side].flatMap((i) => (i.primitive === "MTP-TRANSFER.ind" ? [toHex(i.userData)] : []));
  return { clock, log, A, B, la, lb, pairs, got, transfers };
}
