/**
 * Test support for call control: two Q.931 entities joined by a data link
 * double with a 1 ms delay, a fault injector and a readable message log.
 * Used by the tests only.
 */
import { ManualClock } from "../../../core/clock.js";
import { RecordingLogger } from "../../../core/logger.js";
import { resolveTimers } from "../../../core/timers.js";
import type { DataLinkService, DlIndication } from "../../q921/primitives.js";
import { decodeQ931, encodeQ931, findIe } from "../codec/q931-codec.js";
import type { Q931Message } from "../codec/q931-codec.js";
import { q931Timers } from "../timers.js";
import type { CallIndication } from "./call.js";
import { BChannelPool } from "./channels.js";
import { Q931Layer3 } from "./layer3.js";
import type { Q931Options, RestartIndication } from "./layer3.js";

export type End = "A" | "B";

/** A data link double: both ends come up together; DL-DATA is delivered after 1 ms. */
export class LinkPair {
  readonly wireLog: string[] = [];
  /** Every message either end sent, as encoded. */
  readonly sent: Uint8Array[] = [];
  drop: (from: End, msg: Q931Message) => boolean = () => false;
  private up = false;
  private failed = false;
  private readonly cbs: Partial<Record<End, (i: DlIndication) => void>> = {};
  private pendingEstablish: End | undefined;

  constructor(private readonly clock: ManualClock) {}

  end(me: End): DataLinkService {
    const other: End = me === "A" ? "B" : "A";
    const isUp = (): boolean => this.up;
    return {
      establish: () => {
        if (this.failed) {
          this.pendingEstablish = me;
          return;
        }
        if (this.up) return;
        this.up = true;
        this.cbs[me]?.({ primitive: "DL-ESTABLISH.conf" });
        this.cbs[other]?.({ primitive: "DL-ESTABLISH.ind" });
      },
      release: () => {
        this.up = false;
        this.cbs[me]?.({ primitive: "DL-RELEASE.conf" });
        this.cbs[other]?.({ primitive: "DL-RELEASE.ind" });
      },
      data: (message) => {
        const d = decodeQ931(message);
        if (!d.ok) throw new Error(`sent an undecodable message: ${d.error.reason}`);
        this.sent.push(message.slice());
        const dropped = !this.up || this.drop(me, d.value);
        this.wireLog.push(`${this.clock.now()} ${me}->${other} ${describe(d.value)}${dropped ? " (dropped)" : ""}`);
        if (dropped) return;
        const copy = message.slice();
        this.clock.setTimer(1, () => this.cbs[other]?.({ primitive: "DL-DATA.ind", data: copy }));
      },
      unitData: () => undefined,
      onIndication: (cb) => {
        this.cbs[me] = cb;
      },
      get established() {
        return isUp();
      },
    };
  }

  /** Deliver raw bytes to one end as if the other end sent them. */
  inject(to: End, msg: Q931Message): void {
    this.cbs[to]?.({ primitive: "DL-DATA.ind", data: encodeQ931(msg) });
  }

  /** The link fails: both ends get DL-RELEASE.ind; establishment waits for restore(). */
  fail(): void {
    this.up = false;
    this.failed = true;
    this.cbs.A?.({ primitive: "DL-RELEASE.ind" });
    this.cbs.B?.({ primitive: "DL-RELEASE.ind" });
  }

  restore(): void {
    this.failed = false;
    const who = this.pendingEstablish;
    this.pendingEstablish = undefined;
    if (who) this.end(who).establish();
  }
}

export function describe(m: Q931Message): string {
  const name = typeof m.messageType === "number" ? `0x${m.messageType.toString(16)}` : m.messageType;
  const parts = [`${name} cr=${m.callReference.value}${m.callReference.flag ? "'" : ""}`];
  const ch = findIe(m, "channelIdentification");
  if (ch?.channels?.numbers) parts.push(`ch=${ch.channels.numbers.join(",")}${ch.exclusive ? "" : "?"}`);
  const cause = findIe(m, "cause");
  if (cause) parts.push(`cause=${cause.value}`);
  const cs = findIe(m, "callState");
  if (cs) parts.push(`state=${cs.value}`);
  const called = findIe(m, "calledPartyNumber");
  if (called) parts.push(`called=${called.digits}`);
  const ri = findIe(m, "restartIndicator");
  if (ri) parts.push(`class=${ri.restartClass}`);
  return parts.join(" ");
}

export interface Harness {
  readonly clock: ManualClock;
  readonly log: RecordingLogger;
  readonly link: LinkPair;
  readonly A: Q931Layer3;
  readonly B: Q931Layer3;
  readonly pools: Record<End, BChannelPool>;
  readonly ind: Record<End, CallIndication[]>;
  readonly restarts: Record<End, RestartIndication[]>;
  /** Indications as "A SETUP.ind cr=1" lines. */
  readonly events: string[];
}

export function harness(over: { A?: Partial<Q931Options>; B?: Partial<Q931Options>; channels?: readonly number[] } = {}): Harness {
  const clock = new ManualClock();
  const log = new RecordingLogger();
  const link = new LinkPair(clock);
  const timers = resolveTimers(q931Timers);
  const channels = over.channels ?? [1, 2, 3, 4, 5];
  const ind: Record<End, CallIndication[]> = { A: [], B: [] };
  const restarts: Record<End, RestartIndication[]> = { A: [], B: [] };
  const events: string[] = [];
  const pools: Record<End, BChannelPool> = { A: new BChannelPool(channels, "descending"), B: new BChannelPool(channels, "ascending") };
  const mk = (me: End, side: "network" | "user"): Q931Layer3 =>
    new Q931Layer3({
      dataLink: link.end(me),
      clock,
      log: log.child({ end: me }),
      timers,
      side,
      mode: "qsig",
      channels: pools[me],
      channelSelection: "exclusive",
      restartAttempts: 2,
      id: me,
      onIndication: (i) => {
        ind[me].push(i);
        const cause = "cause" in i ? ` cause=${i.cause}` : "";
        events.push(`${clock.now()} ${me} ${i.primitive} cr=${i.call.callReference}${cause}`);
      },
      onRestart: (r) => {
        restarts[me].push(r);
        events.push(`${clock.now()} ${me} ${r.primitive} ${r.channels === "all" ? "all" : r.channels.join(",")}`);
      },
      ...over[me],
    });
  const A = mk("A", "network");
  const B = mk("B", "user");
  A.start();
  return { clock, log, link, A, B, pools, ind, restarts, events };
}
