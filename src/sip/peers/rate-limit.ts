/**
 * Per-source rate limits for inbound requests: a token bucket per source
 * address for requests (and another for INVITEs, which cost the most), and
 * a flood threshold: arrivals per second from one source above which
 * requests are dropped without an answer (answering a flood with 503s
 * would amplify it). The table of sources is bounded: the source touched
 * longest ago is forgotten first.
 *
 * Decisions: "pass"; "limit" (answer 503 with Retry-After, RFC 3261
 * §21.5.4 and §20.33); "drop" (no answer; counted).
 */

export interface RateLimits {
  readonly requestsPerSecond: number;
  readonly burst: number;
  readonly invitesPerSecond: number;
  readonly inviteBurst: number;
  /** Arrivals in one second from one source above which requests are dropped silently. */
  readonly dropAbovePerSecond: number;
  readonly maxSources: number;
}

export type RateDecision = "pass" | "limit" | "drop";

interface Source {
  tokens: number;
  inviteTokens: number;
  refilledAt: number;
  windowStart: number;
  windowCount: number;
}

export class SourceRateLimiter {
  private readonly l: RateLimits;
  private readonly sources = new Map<string, Source>();
  evicted = 0;

  constructor(limits: RateLimits) {
    if (limits.requestsPerSecond <= 0 || limits.invitesPerSecond <= 0) throw new Error("rates must be above 0");
    if (limits.burst < 1 || limits.inviteBurst < 1) throw new Error("bursts must be at least 1");
    if (limits.maxSources < 1) throw new Error("maxSources must be at least 1");
    this.l = limits;
  }

  get size(): number {
    return this.sources.size;
  }

  /**
   * One request from `source` at `nowMs`. INVITEs draw on the INVITE bucket,
   * other requests on the request bucket; `exempt` requests (ACK, CANCEL:
   * they belong to transactions already admitted) only count towards the
   * flood threshold.
   */
  check(source: string, kind: "invite" | "other" | "exempt", nowMs: number): RateDecision {
    let s = this.sources.get(source);
    if (s === undefined) {
      s = { tokens: this.l.burst, inviteTokens: this.l.inviteBurst, refilledAt: nowMs, windowStart: nowMs, windowCount: 0 };
      if (this.sources.size >= this.l.maxSources) {
        const oldest = this.sources.keys().next();
        if (oldest.done !== true) {
          this.sources.delete(oldest.value);
          this.evicted++;
        }
      }
    } else this.sources.delete(source);
    this.sources.set(source, s); // most recently used last
    if (nowMs - s.windowStart >= 1000) {
      s.windowStart = nowMs;
      s.windowCount = 0;
    }
    s.windowCount++;
    const elapsed = Math.max(0, nowMs - s.refilledAt) / 1000;
    s.refilledAt = nowMs;
    s.tokens = Math.min(this.l.burst, s.tokens + elapsed * this.l.requestsPerSecond);
    s.inviteTokens = Math.min(this.l.inviteBurst, s.inviteTokens + elapsed * this.l.invitesPerSecond);
    if (s.windowCount > this.l.dropAbovePerSecond) return "drop";
    if (kind === "exempt") return "pass";
    if (kind === "invite") {
      if (s.inviteTokens < 1) return "limit";
      s.inviteTokens -= 1;
      return "pass";
    }
    if (s.tokens < 1) return "limit";
    s.tokens -= 1;
    return "pass";
  }
}
