/**
 * Two SignallingChannels joined back to back through the Clock, with fault
 * injection: a one-way delay, cutting either direction, and a hook that may
 * drop, corrupt or report frames. For deterministic tests under ManualClock
 * and for joining two stacks in one process.
 */
import type { Clock } from "../../core/clock.js";
import type { ChannelIndication, SignallingChannel } from "./signalling-channel.js";

export type Direction = "a->b" | "b->a";

/** What the fault hook decides for one frame: deliver it, drop it silently, or report it as errored. */
export type FrameFate = "deliver" | "drop" | "error";

class End implements SignallingChannel {
  frameCb: ((f: Uint8Array) => void) | undefined;
  indCb: ((i: ChannelIndication) => void) | undefined;
  constructor(private readonly out: (frame: Uint8Array) => void) {}
  send(frame: Uint8Array): void {
    this.out(frame.slice());
  }
  onFrame(cb: (frame: Uint8Array) => void): void {
    this.frameCb = cb;
  }
  onIndication(cb: (ind: ChannelIndication) => void): void {
    this.indCb = cb;
  }
}

export class LoopbackChannelPair {
  readonly a: SignallingChannel;
  readonly b: SignallingChannel;
  private readonly ends: { a: End; b: End };
  private readonly cut = { "a->b": false, "b->a": false };
  /** Called for every frame sent; its answer decides the frame's fate (default: deliver). */
  fault: ((dir: Direction, frame: Uint8Array) => FrameFate) | undefined;
  /** Observes every frame sent, before faults apply (for transcripts). */
  tap: ((dir: Direction, frame: Uint8Array) => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly delayMs = 1,
  ) {
    const a: End = new End((f) => this.carry("a->b", f, () => b));
    const b: End = new End((f) => this.carry("b->a", f, () => a));
    this.ends = { a, b };
    this.a = a;
    this.b = b;
  }

  /** Stop (or resume) carrying frames in one direction, as a broken transmission path. */
  setCut(dir: Direction, on: boolean): void {
    this.cut[dir] = on;
  }

  /** Report line indications to one end, as its channel hardware would. */
  indicate(to: "a" | "b", ind: ChannelIndication): void {
    this.ends[to].indCb?.(ind);
  }

  private carry(dir: Direction, frame: Uint8Array, to: () => End): void {
    this.tap?.(dir, frame);
    if (this.cut[dir]) return;
    const fate = this.fault?.(dir, frame) ?? "deliver";
    if (fate === "drop") return;
    this.clock.setTimer(this.delayMs, () => {
      const end = to();
      if (fate === "error") end.indCb?.({ type: "su-error", count: 1 });
      else end.frameCb?.(frame);
    });
  }
}
