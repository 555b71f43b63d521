/**
 * A card's HDLC channel as the signalling channel MTP2 runs over (Q.703
 * §3-§4: delimitation, acceptance and alignment are the card's; frames carry
 * the two FCS placeholder octets both sides agree on).
 *
 * What the card reports besides good frames becomes what Q.703 asks level 2
 * to count:
 * - frames that failed their FCS ("sig-crc") and frames lost to a receive
 *   overflow ("sig-overflow") are signal units received in error (§4.1.3,
 *   §10.2, §10.3);
 * - while the span is in LOS, LOF or AIS (G.775) no flag can be found on the
 *   timeslot, so the receiver is in octet counting mode (§4.1.4): the
 *   octets of the 64 kbit/s timeslot (8 per ms) are reported as counted,
 *   which the SUERM (§10.2.2) and the AERM (§10.3) turn into a link failure
 *   and a failed proving period, as on a real line. When the alarm clears,
 *   the last FISU or LSSU sent is sent again: a line repeats it between
 *   frames (Q.703 §5.3, §7.1), so the far end sees it once the line is back
 *   even though the copy sent during the alarm was lost.
 *
 * Every frame in both directions can be passed to monitors (a passive tap
 * of the link, for traces and tests).
 */
import type { CardDriver, CardEvent, SignallingChannel as CardSignalling } from "../../drivers/api/card.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { ChannelIndication, SignallingChannel } from "../ss7/mtp2/signalling-channel.js";

/** Q.703 §1.4: a 64 kbit/s signalling data link carries 8 octets per ms. */
const OCTETS_PER_MS = 8;
/** How often the octets counted while the line is down are reported. */
const OCTET_REPORT_MS = 10;
/** G.775 defects that leave the receiver without flags. */
const LINE_DOWN = new Set(["LOS", "LOF", "AIS"]);

export interface SignallingFrame {
  readonly link: string;
  readonly span: number;
  readonly timeslot: number;
  readonly direction: "tx" | "rx";
  /** The frame as on the channel: signal unit then the two FCS octets. */
  readonly frame: Uint8Array;
}

export type FrameMonitor = (f: SignallingFrame) => void;

export interface CardChannelCounters {
  sendFailures: number;
  errorsReported: number;
  octetsCounted: number;
}

export class CardSignallingChannel implements SignallingChannel {
  readonly counters: CardChannelCounters = { sendFailures: 0, errorsReported: 0, octetsCounted: 0 };
  private readonly ch: CardSignalling;
  private readonly unsubscribe: (() => void)[] = [];
  private indicate: ((ind: ChannelIndication) => void) | undefined;
  private octetTimer: TimerHandle | undefined;
  private lineDown = false;
  private closed = false;
  /** The last FISU or LSSU sent (LI 0, 1 or 2: Q.703 §2.3.3). */
  private lastFillIn: Uint8Array | undefined;

  constructor(
    private readonly card: CardDriver,
    readonly link: string,
    readonly span: number,
    readonly timeslot: number,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly monitors: ReadonlySet<FrameMonitor>,
  ) {
    this.ch = card.openSignalling(span, timeslot);
    this.unsubscribe.push(card.onEvent((e) => this.cardEvent(e)));
    this.setLineDown(card.spanStatus(span).alarms.some((a) => LINE_DOWN.has(a)));
  }

  send(frame: Uint8Array): void {
    if (this.closed) return;
    if (frame.length >= 3 && ((frame[2] as number) & 0x3f) < 3) this.lastFillIn = frame.slice();
    this.transmit(frame);
  }

  private transmit(frame: Uint8Array): void {
    if (this.monitors.size > 0) this.tap("tx", frame);
    try {
      this.ch.send(frame);
    } catch (e) {
      // A frame the card cannot take is lost on the line; MTP2 recovers it (Q.703 §5.2).
      this.counters.sendFailures++;
      this.log.debug({ err: (e as Error).message }, "signalling frame not taken by the card");
    }
  }

  onFrame(cb: (frame: Uint8Array) => void): void {
    this.unsubscribe.push(
      this.ch.onFrame((f) => {
        if (this.monitors.size > 0) this.tap("rx", f);
        cb(f);
      }),
    );
  }

  onIndication(cb: (ind: ChannelIndication) => void): void {
    this.indicate = cb;
  }

  /** The card's counters for this channel. */
  status(): ReturnType<CardSignalling["status"]> {
    return this.ch.status();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.octetTimer?.cancel();
    this.octetTimer = undefined;
    for (const u of this.unsubscribe.splice(0)) u();
    this.ch.close();
  }

  private tap(direction: "tx" | "rx", frame: Uint8Array): void {
    const f: SignallingFrame = { link: this.link, span: this.span, timeslot: this.timeslot, direction, frame: direction === "tx" ? frame.slice() : frame };
    for (const m of this.monitors) m(f);
  }

  private cardEvent(e: CardEvent): void {
    if (this.closed) return;
    switch (e.type) {
      case "sig-crc":
      case "sig-overflow":
        if (e.span === this.span && e.timeslot === this.timeslot && e.delta > 0) {
          this.counters.errorsReported += e.delta;
          this.indicate?.({ type: "su-error", count: e.delta });
        }
        return;
      case "span-alarm":
        if (e.span === this.span) this.setLineDown(e.alarms.some((a) => LINE_DOWN.has(a)));
        return;
      default:
        return;
    }
  }

  private setLineDown(down: boolean): void {
    if (down === this.lineDown) return;
    this.lineDown = down;
    if (down) {
      this.log.warn({ span: this.span, timeslot: this.timeslot }, "signalling timeslot without flags (span alarm): octet counting");
      this.countOctets();
    } else {
      this.octetTimer?.cancel();
      this.octetTimer = undefined;
      this.log.info({ span: this.span, timeslot: this.timeslot }, "span alarm cleared: signalling timeslot delimited again");
      if (this.lastFillIn) this.transmit(this.lastFillIn);
    }
  }

  private countOctets(): void {
    this.octetTimer = this.clock.setTimer(OCTET_REPORT_MS, () => {
      if (!this.lineDown || this.closed) return;
      const octets = OCTET_REPORT_MS * OCTETS_PER_MS;
      this.counters.octetsCounted += octets;
      this.indicate?.({ type: "octet-counting", octets });
      this.countOctets();
    });
  }
}
