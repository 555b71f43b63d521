/**
 * A card's HDLC channel as the D-channel LAPD runs over (Q.921 §2: flags,
 * transparency and the FCS are the card's; frames carry the two FCS
 * placeholder octets, as on a DAHDI HDLC channel and in libpri).
 *
 * The physical layer's state comes from the span's alarms: under LOS, LOF or
 * AIS (G.775) the D-channel cannot carry frames, which Q.921 sees as the
 * physical layer deactivated (PH-DEACTIVATE.ind, Q.921 §4.1.2, Annex B
 * persistent deactivation); when the alarm clears the physical layer is
 * active again (PH-ACTIVATE.ind). Frames given to a line in alarm are still
 * handed to the card, which loses them as the line does.
 *
 * Every frame in both directions can be passed to monitors (a passive tap for
 * traces and tests).
 */
import type { CardDriver, CardEvent, SignallingChannel as CardSignalling } from "../../drivers/api/card.js";
import type { Logger } from "../core/logger.js";
import type { LapdChannel } from "../isdn/q921/channel.js";

/** G.775 defects that leave the receiver without frames. */
const LINE_DOWN = new Set(["LOS", "LOF", "AIS"]);

export interface DChannelFrame {
  readonly trunk: string;
  readonly span: number;
  readonly timeslot: number;
  readonly direction: "tx" | "rx";
  /** The frame as on the channel: address, control, information, then the two FCS octets. */
  readonly frame: Uint8Array;
}

export type DChannelMonitor = (f: DChannelFrame) => void;

export interface DChannelCounters {
  sendFailures: number;
  /** Frames the card dropped for a bad FCS or an overflow (Q.921 §2.9: invalid frames are discarded). */
  errorsReported: number;
}

export class CardDChannel implements LapdChannel {
  readonly counters: DChannelCounters = { sendFailures: 0, errorsReported: 0 };
  private readonly ch: CardSignalling;
  private readonly unsubscribe: (() => void)[] = [];
  private physical: ((active: boolean) => void) | undefined;
  private down: boolean;
  private closed = false;

  constructor(
    card: CardDriver,
    readonly trunk: string,
    readonly span: number,
    readonly timeslot: number,
    private readonly log: Logger,
    private readonly monitors: ReadonlySet<DChannelMonitor>,
  ) {
    this.ch = card.openSignalling(span, timeslot);
    this.unsubscribe.push(card.onEvent((e) => this.cardEvent(e)));
    this.down = card.spanStatus(span).alarms.some((a) => LINE_DOWN.has(a));
  }

  /** True while the span is in an alarm that stops the D-channel. */
  get lineDown(): boolean {
    return this.down;
  }

  send(frame: Uint8Array): void {
    if (this.closed) return;
    if (this.monitors.size > 0) this.tap("tx", frame);
    try {
      this.ch.send(frame);
    } catch (e) {
      // A frame the card cannot take is lost as on the line; Q.921 recovers it (§5.6.7).
      this.counters.sendFailures++;
      this.log.debug({ err: (e as Error).message }, "D-channel frame not taken by the card");
    }
  }

  onFrame(cb: (frame: Uint8Array) => void): void {
    this.unsubscribe.push(
      this.ch.onFrame((f) => {
        if (this.closed) return;
        if (this.monitors.size > 0) this.tap("rx", f);
        cb(f);
      }),
    );
  }

  /** Register the receiver of PH-ACTIVATE (true) / PH-DEACTIVATE (false) indications. */
  onPhysical(cb: (active: boolean) => void): void {
    this.physical = cb;
  }

  /** The card's counters for this channel. */
  status(): ReturnType<CardSignalling["status"]> {
    return this.ch.status();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe.splice(0)) u();
    this.ch.close();
  }

  private tap(direction: "tx" | "rx", frame: Uint8Array): void {
    const f: DChannelFrame = { trunk: this.trunk, span: this.span, timeslot: this.timeslot, direction, frame: frame.slice() };
    for (const m of this.monitors) m(f);
  }

  private cardEvent(e: CardEvent): void {
    if (this.closed) return;
    switch (e.type) {
      case "sig-crc":
      case "sig-overflow":
        if (e.span === this.span && e.timeslot === this.timeslot && e.delta > 0) this.counters.errorsReported += e.delta;
        return;
      case "span-alarm": {
        if (e.span !== this.span) return;
        const down = e.alarms.some((a) => LINE_DOWN.has(a));
        if (down === this.down) return;
        this.down = down;
        if (down) this.log.warn({ span: this.span, timeslot: this.timeslot, alarms: e.alarms }, "D-channel lost: span alarm (PH-DEACTIVATE)");
        else this.log.info({ span: this.span, timeslot: this.timeslot }, "span alarm cleared: D-channel usable again (PH-ACTIVATE)");
        this.physical?.(!down);
        return;
      }
      default:
        return;
    }
  }
}
