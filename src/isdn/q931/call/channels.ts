/**
 * The B-channels of one primary rate interface as call control sees them
 * (Q.931 §5.1.2, §5.2.3 channel selection; §5.5 restart). Channel numbers are
 * those of the Channel identification element: on E1 the time slot number
 * (1-15, 17-31), on T1/J1 1-23. Which channels exist and in which order they
 * are hunted is configuration, given by the composition root.
 */

export type ChannelState = "idle" | "reserved" | "maintenance";

/** Hunting order for outgoing calls; the two ends of a trunk usually hunt from opposite ends to make glare rare. */
export type HuntOrder = "ascending" | "descending";

export class BChannelPool {
  private readonly states = new Map<number, { state: ChannelState; owner?: string }>();
  private readonly order: readonly number[];

  constructor(channels: readonly number[], hunt: HuntOrder) {
    for (const c of channels) {
      if (!Number.isInteger(c) || c < 1 || c > 127) throw new RangeError(`B-channel ${c} is outside 1..127`);
      if (this.states.has(c)) throw new RangeError(`B-channel ${c} listed twice`);
      this.states.set(c, { state: "idle" });
    }
    const sorted = [...channels].sort((a, b) => a - b);
    this.order = hunt === "ascending" ? sorted : sorted.reverse();
  }

  get channels(): readonly number[] {
    return this.order;
  }

  has(channel: number): boolean {
    return this.states.has(channel);
  }

  state(channel: number): ChannelState | undefined {
    return this.states.get(channel)?.state;
  }

  owner(channel: number): string | undefined {
    return this.states.get(channel)?.owner;
  }

  isIdle(channel: number): boolean {
    return this.states.get(channel)?.state === "idle";
  }

  /** The first idle channel in hunting order. */
  hunt(): number | undefined {
    return this.order.find((c) => this.isIdle(c));
  }

  /** Reserve a channel for a call. Throws on our own bug (not idle, or unknown). */
  reserve(channel: number, owner: string): void {
    const s = this.states.get(channel);
    if (!s) throw new RangeError(`B-channel ${channel} does not exist`);
    if (s.state !== "idle") throw new Error(`B-channel ${channel} is ${s.state}${s.owner ? ` (${s.owner})` : ""}, cannot reserve for ${owner}`);
    this.states.set(channel, { state: "reserved", owner });
  }

  /** Move a reserved channel to another owner (channel collision, Q.931 Annex D.3). */
  transfer(channel: number, from: string, to: string): void {
    const s = this.states.get(channel);
    if (s?.state !== "reserved" || s.owner !== from) throw new Error(`B-channel ${channel} is not reserved by ${from}`);
    this.states.set(channel, { state: "reserved", owner: to });
  }

  /** Release a channel held by `owner`; a channel that has since moved to another owner is left alone. */
  release(channel: number, owner: string): void {
    const s = this.states.get(channel);
    if (s?.state === "reserved" && s.owner === owner) this.states.set(channel, { state: "idle" });
  }

  /** Out of service until a restart completes (Q.931 §5.3 second T308 expiry, §5.5). */
  setMaintenance(channel: number): void {
    if (this.states.has(channel)) this.states.set(channel, { state: "maintenance" });
  }

  setIdle(channel: number): void {
    if (this.states.has(channel)) this.states.set(channel, { state: "idle" });
  }

  /** Counts per state, for management. */
  summary(): Record<ChannelState, number> {
    const out: Record<ChannelState, number> = { idle: 0, reserved: 0, maintenance: 0 };
    for (const s of this.states.values()) out[s.state]++;
    return out;
  }
}
