/**
 * Stateless server nonces (RFC 7616 §3.3 "nonce", §5.4 limited-use nonces,
 * §5.12 randomness; RFC 8760 §2.6 item 4: no ETag in SIP): each nonce carries
 * the time it was issued, random octets and an HMAC-SHA-256 over both and the
 * realm, keyed by a server secret. A nonce the server did not issue fails the
 * HMAC; an old one is recognised as stale without any table.
 *
 *   nonce = base64url( issuedMs (6 octets, big-endian) | random (8) | HMAC(secret, issuedMs | random | realm)[0..16) )
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export interface NonceCheck {
  readonly valid: boolean;
  /** Wall-clock milliseconds when it was issued (valid nonces only). */
  readonly issuedMs: number;
}

const MAC_OCTETS = 16;
const TIME_OCTETS = 6;
const RANDOM_OCTETS = 8;
const TOTAL = TIME_OCTETS + RANDOM_OCTETS + MAC_OCTETS;

export class NonceMint {
  private readonly secret: Uint8Array;
  private readonly realm: string;
  private readonly random: (n: number) => Uint8Array;

  constructor(opts: { readonly secret?: Uint8Array; readonly realm: string; readonly random?: (n: number) => Uint8Array }) {
    this.secret = opts.secret ?? randomBytes(32);
    if (this.secret.length < 16) throw new Error("nonce secret shorter than 16 octets");
    this.realm = opts.realm;
    this.random = opts.random ?? randomBytes;
  }

  private mac(head: Uint8Array): Buffer {
    return createHmac("sha256", this.secret).update(head).update(this.realm, "utf8").digest().subarray(0, MAC_OCTETS);
  }

  issue(nowMs: number): string {
    const out = Buffer.alloc(TOTAL);
    out.writeUIntBE(Math.max(0, Math.floor(nowMs)) % 2 ** 48, 0, TIME_OCTETS);
    Buffer.from(this.random(RANDOM_OCTETS)).copy(out, TIME_OCTETS, 0, RANDOM_OCTETS);
    this.mac(out.subarray(0, TIME_OCTETS + RANDOM_OCTETS)).copy(out, TIME_OCTETS + RANDOM_OCTETS);
    return out.toString("base64url");
  }

  check(nonce: string): NonceCheck {
    if (nonce.length !== Math.ceil((TOTAL * 4) / 3) || !/^[A-Za-z0-9_-]+$/.test(nonce)) return { valid: false, issuedMs: 0 };
    const raw = Buffer.from(nonce, "base64url");
    if (raw.length !== TOTAL) return { valid: false, issuedMs: 0 };
    const expected = this.mac(raw.subarray(0, TIME_OCTETS + RANDOM_OCTETS));
    if (!timingSafeEqual(expected, raw.subarray(TIME_OCTETS + RANDOM_OCTETS))) return { valid: false, issuedMs: 0 };
    return { valid: true, issuedMs: raw.readUIntBE(0, TIME_OCTETS) };
  }
}
