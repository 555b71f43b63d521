/**
 * The cross-connect table: what each TDM channel (timeslot) is switched to, and the steps on a
 * {@link MediaSwitch} that take it from one binding to another. Interworking asks for a
 * channel to be connected to RTP once media is negotiated (early media included), to another
 * channel (TDM hairpin), or released; re-INVITEs become a stream modification so that RTP
 * sequence numbers and timestamps continue (RFC 3550 §5.1).
 *
 *     idle --connectRtp--> rtp --connectRtp (modify)--> rtp
 *      ^  \--connectTdm--> tdm --connectTdm (re-pair)--> tdm
 *      |                    |  rtp --connectTdm--> tdm   tdm --connectRtp--> rtp
 *      +----disconnect------+
 *
 * Operations on one channel run one after the other; the table changes only when the switch
 * accepted the step, so it always says what the engine does.
 */
import type { Logger } from "../core/logger.js";
import type { MediaSwitch, RtpStreamConfig } from "./types.js";

export type ChannelBinding =
  | { readonly kind: "idle" }
  | { readonly kind: "rtp"; readonly streamId: number; readonly config: RtpStreamConfig; readonly label: string }
  | { readonly kind: "tdm"; readonly peer: number; readonly label: string };

export type BindingKind = ChannelBinding["kind"];
export type CrossConnectOp = "connectRtp" | "connectTdm" | "disconnect";

/** The steps each operation takes from each binding kind (one table, no scattered legality). */
export const CROSS_CONNECT_TRANSITIONS: Readonly<Record<BindingKind, Readonly<Record<CrossConnectOp, readonly string[]>>>> = {
  idle: { connectRtp: ["addStream"], connectTdm: ["crossConnect"], disconnect: [] },
  rtp: { connectRtp: ["modifyStream"], connectTdm: ["removeStream", "crossConnect"], disconnect: ["removeStream"] },
  tdm: { connectRtp: ["clearCrossConnect", "addStream"], connectTdm: ["clearCrossConnect", "crossConnect"], disconnect: ["clearCrossConnect"] },
};

export type RtpTarget = Omit<RtpStreamConfig, "tdmChannel">;

export class CrossConnectTable {
  private readonly bindings: ChannelBinding[];
  private readonly queues = new Map<number, Promise<unknown>>();

  constructor(
    private readonly sw: MediaSwitch,
    readonly channels: number,
    private readonly log: Logger,
  ) {
    if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`channel count ${channels} is not a positive integer`);
    this.bindings = Array.from({ length: channels }, (): ChannelBinding => ({ kind: "idle" }));
  }

  binding(channel: number): ChannelBinding {
    this.check(channel);
    return this.bindings[channel] ?? { kind: "idle" };
  }

  /** Channels that are not idle, with their bindings. */
  entries(): [number, ChannelBinding][] {
    const out: [number, ChannelBinding][] = [];
    this.bindings.forEach((b, ch) => {
      if (b.kind !== "idle") out.push([ch, b]);
    });
    return out;
  }

  /** The steps an operation would take on a channel now. */
  plan(channel: number, op: CrossConnectOp): readonly string[] {
    return CROSS_CONNECT_TRANSITIONS[this.binding(channel).kind][op];
  }

  /** Switches a channel to RTP; returns the stream id. */
  connectRtp(channel: number, target: RtpTarget, label: string): Promise<number> {
    return this.serial([channel], async () => {
      const config: RtpStreamConfig = { ...target, tdmChannel: channel };
      const b = this.binding(channel);
      if (b.kind === "rtp") {
        await this.sw.modifyStream(b.streamId, config);
        this.bindings[channel] = { kind: "rtp", streamId: b.streamId, config, label };
        this.log.debug({ channel, streamId: b.streamId, label }, "media stream modified");
        return b.streamId;
      }
      if (b.kind === "tdm") await this.unpair(channel, b.peer);
      const streamId = await this.sw.addStream(config);
      this.bindings[channel] = { kind: "rtp", streamId, config, label };
      this.log.debug({ channel, streamId, label }, "media stream added");
      return streamId;
    });
  }

  /** Cross-connects two channels inside the engine (TDM hairpin). */
  connectTdm(channelA: number, channelB: number, label: string): Promise<void> {
    this.check(channelA);
    this.check(channelB);
    if (channelA === channelB) return Promise.reject(new RangeError(`cannot cross-connect channel ${channelA} to itself`));
    return this.serial([channelA, channelB], async () => {
      for (const ch of [channelA, channelB]) await this.release(ch);
      await this.sw.crossConnect(channelA, channelB);
      this.bindings[channelA] = { kind: "tdm", peer: channelB, label };
      this.bindings[channelB] = { kind: "tdm", peer: channelA, label };
      this.log.debug({ channelA, channelB, label }, "channels cross-connected");
    });
  }

  /** Returns a channel to idle (its cross-connect peer too). */
  disconnect(channel: number): Promise<void> {
    return this.serial([channel], () => this.release(channel));
  }

  private async release(channel: number): Promise<void> {
    const b = this.binding(channel);
    if (b.kind === "rtp") {
      await this.sw.removeStream(b.streamId);
      this.bindings[channel] = { kind: "idle" };
      this.log.debug({ channel, streamId: b.streamId, label: b.label }, "media stream removed");
    } else if (b.kind === "tdm") {
      await this.unpair(channel, b.peer);
    }
  }

  private async unpair(channel: number, peer: number): Promise<void> {
    await this.sw.clearCrossConnect(channel);
    this.bindings[channel] = { kind: "idle" };
    this.bindings[peer] = { kind: "idle" };
    this.log.debug({ channel, peer }, "cross-connect cleared");
  }

  private check(channel: number): void {
    if (!Number.isInteger(channel) || channel < 0 || channel >= this.channels) {
      throw new RangeError(`channel ${channel} is outside 0..${this.channels - 1}`);
    }
  }

  /** Runs fn after every pending operation on these channels, and holds them until it ends. */
  private serial<T>(channels: number[], fn: () => Promise<T>): Promise<T> {
    for (const ch of channels) this.check(ch);
    const before = channels.map((ch) => this.queues.get(ch) ?? Promise.resolve());
    const run = Promise.allSettled(before).then(fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    for (const ch of channels) this.queues.set(ch, settled);
    void settled.then(() => {
      for (const ch of channels) if (this.queues.get(ch) === settled) this.queues.delete(ch);
    });
    return run;
  }
}
