/**
 * Via branch parameters, RFC 3261 §8.1.1.7 and §17.2.3: a branch starts with
 * the magic cookie "z9hG4bK" and is unique across space and time for every
 * request a UA sends (except CANCEL and the ACK for a non-2xx response, which
 * reuse the INVITE's). Uniqueness here: 64 random bits per process and a
 * counter, so no two branches repeat without a system random source failing.
 * Tags (§19.3: at least 32 bits of randomness) and Call-IDs (§8.1.1.4) take
 * fresh random bits from a pool filled by the system's CSPRNG.
 */
import { randomBytes } from "node:crypto";

export const MAGIC_COOKIE = "z9hG4bK";

export function hasMagicCookie(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(MAGIC_COOKIE);
}

/** Unique tokens (branches, tags, Call-IDs): a random per-process prefix and a counter. */
export class TokenSource {
  private readonly prefix: string;
  private counter = 0;
  private readonly fill: (n: number) => Buffer;

  /**
   * `seed` fixes the branch prefix and `fill` the random octets (both for
   * reproducible test transcripts); by default both come from the CSPRNG.
   */
  constructor(seed?: string, fill: (n: number) => Buffer = randomBytes) {
    this.fill = fill;
    this.prefix = seed ?? fill(8).toString("hex");
  }

  /** A new token of the prefix and the counter in base 36. */
  next(): string {
    return `${this.prefix}${(++this.counter).toString(36)}`;
  }

  branch(): string {
    return `${MAGIC_COOKIE}${this.next()}`;
  }

  private pool: Buffer = Buffer.alloc(0);
  private at = 0;

  /** `bytes` random octets as hex (from a pool refilled 4 KiB at a time). */
  random(bytes: number): string {
    if (this.at + bytes > this.pool.length) {
      this.pool = this.fill(4096);
      this.at = 0;
    }
    const s = this.pool.toString("hex", this.at, this.at + bytes);
    this.at += bytes;
    return s;
  }

  /** A From/To tag: 48 random bits (§19.3). */
  tag(): string {
    return this.random(6);
  }

  /** A Call-ID: 96 random bits (§8.1.1.4), with `host` after "@" when given. */
  callId(host?: string): string {
    const id = this.random(12);
    return host !== undefined ? `${id}@${host}` : id;
  }
}
