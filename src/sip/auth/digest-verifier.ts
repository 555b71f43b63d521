/**
 * The server side of SIP Digest authentication: challenges and checks of
 * Authorization / Proxy-Authorization.
 *
 *  - RFC 3261 §22.1 (401 with WWW-Authenticate from a UAS or registrar,
 *    407 with Proxy-Authenticate from a proxy or a gateway acting for one),
 *    §22.4 (Digest in SIP; credentials for other realms are ignored);
 *  - RFC 8760 §2.3: one challenge per algorithm, most preferred first, the
 *    same realm; §2.6 item 6 (the uri parameter must name the Request-URI),
 *    item 7 (auth-int with no body: H("")), item 8 (qop always sent, and
 *    required in the answer);
 *  - RFC 7616 §3.3 (stale=true only when the answer was right but its nonce
 *    too old), §3.4 (nc: a count seen twice is a replay), §3.4.4 (userhash),
 *    §5.4 and §5.5 (limited-use nonces, replay protection);
 *  - nonces are stateless (nonce.ts); the replay table is bounded: when it
 *    is full the oldest nonce is forgotten and every nonce issued before it
 *    is from then on answered as stale, so no forgotten nonce can be replayed.
 *
 * A request that does not carry an acceptable answer gets a new challenge;
 * a malformed answer gets 400 (RFC 7616 §3.4: "the proper response is a 4xx").
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import type { SipMessage } from "../syntax/message.js";
import type { Uri } from "../syntax/uri.js";
import { formatUri, parseUri, sipUriEquals } from "../syntax/uri.js";
import { buildResponse } from "../transaction/messages.js";
import { ALGORITHM_DEFS, baseAlgorithm, digestHa1, digestResponse, digestUserhash } from "./digest-compute.js";
import type { DigestAlgorithm, DigestCredentials, Qop } from "./digest-header.js";
import { digestAlgorithm, digestCredentials, formatDigestChallenge, parseCredentials } from "./digest-header.js";
import { NonceMint } from "./nonce.js";

/** What the server knows of a user: the password, or H(A1) per base algorithm (RFC 7616 §5.2). */
export type UserSecret = { readonly password: string } | { readonly ha1: Readonly<Partial<Record<"MD5" | "SHA-256" | "SHA-512-256", string>>> };

export interface CredentialStore {
  /** The secret of a user in a realm, or undefined when there is no such user. */
  lookup(username: string, realm: string): UserSecret | undefined;
  /** The user whose H(username:realm) (RFC 7616 §3.4.4) is `hash`, for userhash answers. */
  userByHash?(hash: string, algorithm: DigestAlgorithm, realm: string): string | undefined;
}

/** A fixed set of users (from configuration): lookups by name and by userhash. */
export function staticCredentials(users: readonly { readonly username: string; readonly secret: UserSecret }[]): CredentialStore {
  const byName = new Map(users.map((u) => [u.username, u.secret]));
  const hashes = new Map<string, string>();
  return {
    lookup: (username) => byName.get(username),
    userByHash(hash, algorithm, realm) {
      const key = `${algorithm}\u0000${realm}\u0000${hash.toLowerCase()}`;
      const hit = hashes.get(key);
      if (hit !== undefined) return hit;
      for (const u of users) {
        const h = digestUserhash(algorithm, u.username, realm);
        hashes.set(`${algorithm}\u0000${realm}\u0000${h}`, u.username);
        if (h === hash.toLowerCase()) return u.username;
      }
      return undefined;
    },
  };
}

export type ChallengeKind = "www" | "proxy";

export type VerifyRefusal =
  /** No credentials for our realm: first challenge. */
  | "no-credentials"
  /** Credentials that do not parse or miss what RFC 7616 §3.4 / RFC 8760 §2.6 require: 400. */
  | "malformed"
  /** The uri parameter does not name the Request-URI (RFC 8760 §2.6 item 6): 400. */
  | "uri-mismatch"
  /** An algorithm or qop we did not offer. */
  | "not-offered"
  /** A nonce we did not issue. */
  | "bad-nonce"
  /** Right answer, nonce too old or forgotten: challenged again with stale=true. */
  | "stale"
  /** nc not above the last one seen for that nonce (RFC 7616 §3.4). */
  | "replay"
  | "unknown-user"
  | "bad-response";

export type VerifyOutcome =
  | { readonly ok: true; readonly user: string; readonly realm: string; readonly algorithm: DigestAlgorithm }
  | { readonly ok: false; readonly refusal: VerifyRefusal; readonly detail: string; readonly response: SipMessage };

export interface DigestVerifierOptions {
  readonly realm: string;
  readonly clock: Clock;
  readonly credentials: CredentialStore;
  /** How long a nonce is good for, from its issue. */
  readonly nonceLifetimeMs: number;
  /** Offered in this order of preference (RFC 8760 §2.3); default SHA-256 then MD5. */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** Offered qop options; default auth. */
  readonly qop?: readonly Qop[];
  /** Ask for hashed user names (RFC 7616 §3.4.4). */
  readonly userhash?: boolean;
  /** Nonces whose counts are kept for replay protection. */
  readonly replayTableSize?: number;
  /** HMAC key for nonces (at least 16 octets); random per process when absent. */
  readonly secret?: Uint8Array;
  readonly random?: (n: number) => Uint8Array;
}

export interface VerifierCounters {
  challenges: number;
  accepted: number;
  refused: Record<VerifyRefusal, number>;
}

function uriOf(text: string): Uri | undefined {
  const r = parseUri(text);
  return r.ok ? r.value : undefined;
}

function sameRequestUri(digestUri: string, requestUri: Uri | undefined, requestUriText: string | undefined): boolean {
  if (requestUri === undefined) return false;
  if (digestUri === requestUriText) return true;
  const d = uriOf(digestUri);
  if (d === undefined) return false;
  if (d.kind === "sip" && requestUri.kind === "sip") return sipUriEquals(d, requestUri);
  return false;
}

export class DigestVerifier {
  readonly realm: string;
  readonly counters: VerifierCounters;
  private readonly clock: Clock;
  private readonly store: CredentialStore;
  private readonly lifetimeMs: number;
  private readonly algorithms: readonly DigestAlgorithm[];
  private readonly qop: readonly Qop[];
  private readonly userhash: boolean;
  private readonly mint: NonceMint;
  private readonly tableSize: number;
  private readonly random: (n: number) => Uint8Array;
  /** nonce -> highest nc accepted, in order of first use. */
  private readonly seen = new Map<string, { nc: number; issuedMs: number }>();
  /** Nonces issued at or before this instant and not in `seen` are treated as stale (forgotten). */
  private forgottenUpToMs = -1;

  constructor(o: DigestVerifierOptions) {
    this.realm = o.realm;
    this.clock = o.clock;
    this.store = o.credentials;
    this.lifetimeMs = o.nonceLifetimeMs;
    this.algorithms = o.algorithms ?? ["SHA-256", "MD5"];
    if (this.algorithms.length === 0) throw new Error("a digest verifier needs at least one algorithm");
    this.qop = o.qop ?? ["auth"];
    if (this.qop.length === 0) throw new Error("RFC 8760 §2.6: a UAS MUST always send qop");
    this.userhash = o.userhash ?? false;
    this.random = o.random ?? randomBytes;
    this.mint = new NonceMint({ realm: o.realm, random: this.random, ...(o.secret !== undefined ? { secret: o.secret } : {}) });
    this.tableSize = o.replayTableSize ?? 4096;
    const refused = { "no-credentials": 0, malformed: 0, "uri-mismatch": 0, "not-offered": 0, "bad-nonce": 0, stale: 0, replay: 0, "unknown-user": 0, "bad-response": 0 };
    this.counters = { challenges: 0, accepted: 0, refused };
  }

  /** The header values of a challenge: one per algorithm, most preferred first (RFC 8760 §2.3). */
  challengeValues(stale = false): string[] {
    const nonce = this.mint.issue(this.clock.wallNow());
    return this.algorithms.map((algorithm) => formatDigestChallenge({ realm: this.realm, nonce, algorithm, qop: this.qop, ...(stale ? { stale: true } : {}), ...(this.userhash ? { userhash: true } : {}) }));
  }

  /** A 401 (www) or 407 (proxy) to `request` with fresh challenges (RFC 3261 §22.1, §22.3). */
  challenge(request: SipMessage, kind: ChallengeKind, stale = false): SipMessage {
    this.counters.challenges++;
    const name = kind === "www" ? "WWW-Authenticate" : "Proxy-Authenticate";
    return buildResponse(request, kind === "www" ? 401 : 407, {
      toTag: Buffer.from(this.random(6)).toString("hex"),
      headers: this.challengeValues(stale).map((value) => ({ name, value })),
    });
  }

  private refuse(request: SipMessage, kind: ChallengeKind, refusal: VerifyRefusal, detail: string): VerifyOutcome {
    this.counters.refused[refusal]++;
    let response: SipMessage;
    if (refusal === "malformed" || refusal === "uri-mismatch") {
      response = buildResponse(request, 400, { reason: refusal === "malformed" ? "Bad Request - Malformed Credentials" : "Bad Request - Digest URI Mismatch", toTag: Buffer.from(this.random(6)).toString("hex") });
    } else response = this.challenge(request, kind, refusal === "stale");
    return { ok: false, refusal, detail, response };
  }

  /** Check the request's Authorization (www) or Proxy-Authorization (proxy) against our realm. */
  verify(request: SipMessage, kind: ChallengeKind): VerifyOutcome {
    const field = kind === "www" ? "Authorization" : "Proxy-Authorization";
    let creds: DigestCredentials | undefined;
    let malformed: string | undefined;
    for (const line of request.headersNamed(field)) {
      const p = parseCredentials(line.value, field);
      if (!p.ok) {
        malformed ??= p.error.reason;
        continue;
      }
      if (p.value.scheme.toLowerCase() !== "digest") continue;
      const d = digestCredentials(p.value, field);
      if (!d.ok) {
        malformed ??= d.error.reason;
        continue;
      }
      // RFC 3261 §22.4: credentials for another realm are not ours to check.
      if (d.value.realm === this.realm) {
        creds = d.value;
        break;
      }
    }
    if (creds === undefined) {
      if (malformed !== undefined) return this.refuse(request, kind, "malformed", malformed);
      return this.refuse(request, kind, "no-credentials", `no ${field} for realm "${this.realm}"`);
    }
    const algorithm = digestAlgorithm(creds.algorithm);
    if (algorithm === undefined || !this.algorithms.includes(algorithm)) return this.refuse(request, kind, "not-offered", `algorithm ${creds.algorithm} was not offered`);
    // RFC 8760 §2.6 item 8: the UAC MUST send qop in its answer.
    if (creds.qop === undefined || creds.cnonce === undefined || creds.ncValue === undefined) return this.refuse(request, kind, "malformed", "qop, cnonce and nc are required (RFC 8760 §2.6)");
    if (creds.qop !== "auth" && creds.qop !== "auth-int") return this.refuse(request, kind, "malformed", `qop ${creds.qop} is not auth or auth-int`);
    if (!this.qop.includes(creds.qop)) return this.refuse(request, kind, "not-offered", `qop ${creds.qop} was not offered`);
    if (creds.response.length !== ALGORITHM_DEFS[algorithm].hexLength) return this.refuse(request, kind, "malformed", `response has ${creds.response.length} hex digits, ${algorithm} gives ${ALGORITHM_DEFS[algorithm].hexLength}`);
    // RFC 8760 §2.6 item 6.
    const requestUriText = request.requestUri !== undefined ? formatUri(request.requestUri) : undefined;
    if (!sameRequestUri(creds.uri, request.requestUri, requestUriText)) return this.refuse(request, kind, "uri-mismatch", `uri "${creds.uri}" is not the Request-URI`);
    const nonce = this.mint.check(creds.nonce);
    if (!nonce.valid) return this.refuse(request, kind, "bad-nonce", "nonce not issued here");
    let username = creds.username;
    if (creds.userhash) {
      const u = this.store.userByHash?.(creds.username, algorithm, this.realm);
      if (u === undefined) return this.refuse(request, kind, "unknown-user", "no user has that userhash");
      username = u;
    }
    const secret = this.store.lookup(username, this.realm);
    if (secret === undefined) return this.refuse(request, kind, "unknown-user", `no user "${username}" in realm "${this.realm}"`);
    let ha1: string | undefined;
    if ("password" in secret) ha1 = digestHa1(algorithm, username, this.realm, secret.password);
    else ha1 = secret.ha1[baseAlgorithm(algorithm)];
    if (ha1 === undefined) return this.refuse(request, kind, "not-offered", `no ${baseAlgorithm(algorithm)} HA1 stored for "${username}"`);
    const method = request.method;
    const expected = digestResponse({ algorithm, ha1, nonce: creds.nonce, method, uri: creds.uri, qop: creds.qop, cnonce: creds.cnonce, nc: creds.ncValue, body: request.body });
    if (!timingSafeEqual(Buffer.from(expected, "latin1"), Buffer.from(creds.response, "latin1"))) return this.refuse(request, kind, "bad-response", `wrong response for "${username}"`);
    // The answer is right: now the nonce's age and count (RFC 7616 §3.3 stale, §3.4 nc).
    const now = this.clock.wallNow();
    if (now - nonce.issuedMs > this.lifetimeMs || nonce.issuedMs > now + 1000) return this.refuse(request, kind, "stale", "nonce expired");
    const entry = this.seen.get(creds.nonce);
    if (entry === undefined) {
      if (nonce.issuedMs <= this.forgottenUpToMs) return this.refuse(request, kind, "stale", "nonce no longer in the replay table");
      this.seen.set(creds.nonce, { nc: creds.ncValue, issuedMs: nonce.issuedMs });
      this.trim();
    } else {
      if (creds.ncValue <= entry.nc) return this.refuse(request, kind, "replay", `nc ${creds.nc ?? ""} already seen for this nonce`);
      entry.nc = creds.ncValue;
    }
    this.counters.accepted++;
    return { ok: true, user: username, realm: this.realm, algorithm };
  }

  private trim(): void {
    while (this.seen.size > this.tableSize) {
      const first = this.seen.entries().next();
      if (first.done === true) return;
      const [nonce, e] = first.value;
      this.seen.delete(nonce);
      this.forgottenUpToMs = Math.max(this.forgottenUpToMs, e.issuedMs);
    }
    // Expired nonces need no entry: their age refuses them.
    const now = this.clock.wallNow();
    for (const [nonce, e] of this.seen) {
      if (now - e.issuedMs <= this.lifetimeMs) break;
      this.seen.delete(nonce);
    }
  }

  /** Nonces held for replay protection (tests, metrics). */
  get replayTableEntries(): number {
    return this.seen.size;
  }
}
