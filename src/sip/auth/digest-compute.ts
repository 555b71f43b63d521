/**
 * The Digest computations, RFC 7616 §3.4.1 (response), §3.4.2 (A1 and the
 * -sess variant), §3.4.3 (A2, with H(entity-body) for auth-int), §3.4.4
 * (username hashing), §4 (UTF-8 and NFC when the server names the charset);
 * RFC 8760 §2.1 (every algorithm of the IANA registry in SIP), §2.6 item 7
 * (H(entity-body) of an empty body is H("")); RFC 2617 §3.2.2.1 and
 * RFC 3261 §22.4 (a challenge without qop: the RFC 2069 response).
 */
import { createHash } from "node:crypto";
import type { DigestAlgorithm, Qop } from "./digest-header.js";

interface AlgorithmDef {
  /** The node:crypto hash name. */
  readonly hash: "md5" | "sha256" | "sha512-256";
  readonly session: boolean;
  /** Preference when a response offers several (higher is stronger). MD5 is NOT RECOMMENDED (RFC 7616 §3.2). */
  readonly strength: number;
  /** Hex digits of a digest (RFC 8760 §2.2). */
  readonly hexLength: 32 | 64;
}

export const ALGORITHM_DEFS: Readonly<Record<DigestAlgorithm, AlgorithmDef>> = {
  MD5: { hash: "md5", session: false, strength: 1, hexLength: 32 },
  "MD5-sess": { hash: "md5", session: true, strength: 1, hexLength: 32 },
  "SHA-256": { hash: "sha256", session: false, strength: 2, hexLength: 64 },
  "SHA-256-sess": { hash: "sha256", session: true, strength: 2, hexLength: 64 },
  "SHA-512-256": { hash: "sha512-256", session: false, strength: 2, hexLength: 64 },
  "SHA-512-256-sess": { hash: "sha512-256", session: true, strength: 2, hexLength: 64 },
};

/** The base algorithm of a -sess variant (HA1 of both is the same hash of username:realm:password). */
export function baseAlgorithm(a: DigestAlgorithm): "MD5" | "SHA-256" | "SHA-512-256" {
  return ALGORITHM_DEFS[a].hash === "md5" ? "MD5" : ALGORITHM_DEFS[a].hash === "sha256" ? "SHA-256" : "SHA-512-256";
}

const encoder = new TextEncoder();

/** H(data) as lower-case hex (RFC 7616 §3.2). */
export function digestHash(algorithm: DigestAlgorithm, data: string | Uint8Array): string {
  return createHash(ALGORITHM_DEFS[algorithm].hash)
    .update(typeof data === "string" ? encoder.encode(data) : data)
    .digest("hex");
}

/** RFC 7616 §4: with charset=UTF-8 the name and password are taken in Unicode Normalization Form C. */
function prepared(s: string, utf8: boolean): string {
  return utf8 ? s.normalize("NFC") : s;
}

/** H(A1) of the non-session form: H(username ":" realm ":" password) (RFC 7616 §3.4.2). Stored by servers as "HA1". */
export function digestHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string, utf8 = false): string {
  return digestHash(algorithm, `${prepared(username, utf8)}:${realm}:${prepared(password, utf8)}`);
}

/** RFC 7616 §3.4.4: username = H(unq(username) ":" unq(realm)). */
export function digestUserhash(algorithm: DigestAlgorithm, username: string, realm: string, utf8 = false): string {
  return digestHash(algorithm, `${prepared(username, utf8)}:${realm}`);
}

export interface ResponseInput {
  readonly algorithm: DigestAlgorithm;
  /** H(username:realm:password), the non-session HA1 (digestHa1). */
  readonly ha1: string;
  readonly nonce: string;
  readonly method: string;
  /** The digest-uri as written in the credentials. */
  readonly uri: string;
  /** Undefined: the RFC 2069 form (no qop in the challenge, RFC 2617 §3.2.2.1). */
  readonly qop?: Qop;
  readonly cnonce?: string;
  readonly nc?: number;
  /** The message body for auth-int (RFC 8760 §2.6 item 7: an absent body is the empty string). */
  readonly body?: Uint8Array;
}

/** The request-digest (RFC 7616 §3.4.1). Throws only on our own misuse (qop without cnonce/nc). */
export function digestResponse(i: ResponseInput): string {
  const def = ALGORITHM_DEFS[i.algorithm];
  let ha1 = i.ha1.toLowerCase();
  if (def.session) {
    // RFC 7616 §3.4.2: A1 = H(user:realm:pw) ":" nonce-prime ":" cnonce-prime
    if (i.cnonce === undefined) throw new Error("a -sess algorithm needs a cnonce");
    ha1 = digestHash(i.algorithm, `${ha1}:${i.nonce}:${i.cnonce}`);
  }
  // RFC 7616 §3.4.3
  const a2 = i.qop === "auth-int" ? `${i.method}:${i.uri}:${digestHash(i.algorithm, i.body ?? new Uint8Array(0))}` : `${i.method}:${i.uri}`;
  const ha2 = digestHash(i.algorithm, a2);
  if (i.qop === undefined) return digestHash(i.algorithm, `${ha1}:${i.nonce}:${ha2}`);
  if (i.cnonce === undefined || i.nc === undefined) throw new Error("qop needs cnonce and nc");
  const nc = (i.nc >>> 0).toString(16).padStart(8, "0");
  return digestHash(i.algorithm, `${ha1}:${i.nonce}:${nc}:${i.cnonce}:${i.qop}:${ha2}`);
}
