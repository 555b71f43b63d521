/**
 * Lateness of the media worker's ticks against their schedule: a histogram in 50 us bins
 * (up to 100 ms, the rest in the last bin), so that the 99th percentile costs no allocation.
 */
import type { MediaTiming } from "../../src/media/types.js";

const BIN_MS = 0.05;
const BINS = 2000;

export class TickTiming {
  private readonly bins = new Uint32Array(BINS);
  private ticks = 0;
  private late = 0;
  private skipped = 0;
  private max = 0;

  constructor(private readonly periodMs: number) {}

  record(latenessMs: number): void {
    const l = latenessMs > 0 ? latenessMs : 0;
    const bin = Math.min(BINS - 1, Math.floor(l / BIN_MS));
    this.bins[bin] = (this.bins[bin] ?? 0) + 1;
    this.ticks++;
    if (l > this.periodMs) this.late++;
    if (l > this.max) this.max = l;
  }

  skip(blocks: number): void {
    this.skipped += blocks;
  }

  percentile(p: number): number {
    if (this.ticks === 0) return 0;
    const want = Math.ceil((p / 100) * this.ticks);
    let seen = 0;
    for (let i = 0; i < BINS; i++) {
      seen += this.bins[i] ?? 0;
      if (seen >= want) return (i + 1) * BIN_MS;
    }
    return BINS * BIN_MS;
  }

  snapshot(): MediaTiming {
    return { ticks: this.ticks, lateTicks: this.late, skippedTicks: this.skipped, p99LateMs: this.percentile(99), maxLateMs: this.max };
  }
}
