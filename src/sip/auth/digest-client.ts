/**
 * The client side of SIP Digest authentication: from a 401 or 407, the
 * Authorization or Proxy-Authorization header of the retried request.
 *
 *  - RFC 3261 §22.2 (401: Authorization), §22.3 (407: Proxy-Authorization),
 *    §22.4 (the Digest rules in SIP; no Basic, RFC 8760 §2.6);
 *  - RFC 8760 §2.4: several challenges in one response: those not
 *    understood are ignored; among the supported ones of one realm the
 *    strongest algorithm is taken, the server's order breaking ties
 *    (local policy as §2.4 allows: MD5 is NOT RECOMMENDED, RFC 7616 §3.2);
 *    with several realms, the topmost one we hold credentials for;
 *  - RFC 7616 §3.4 (nc counts per nonce, a fresh cnonce each time), §3.4.4
 *    (userhash), §4 (charset=UTF-8), §3.3 (stale=true: same credentials,
 *    new nonce);
 *  - RFC 8760 §2.6 item 8: qop is always sent when the challenge offers it
 *    (auth-int when offered and the body is known, or when it is the only
 *    option); a challenge without qop gets the RFC 2069 form
 *    (RFC 2617 §3.2.2.1).
 *
 * A challenge to the retried request (same Call-ID, the CSeq after the one
 * answered, RFC 3261 §8.1.3.5) for the nonce just answered, without
 * stale=true, means the credentials were refused: the answer is a failure,
 * so a UA never loops on a wrong password. A later request challenged with
 * a nonce answered before (servers whose nonces change once a second or
 * once a minute reuse them) is answered again with the next nonce count.
 */
import { randomBytes } from "node:crypto";
import type { SipMessage } from "../syntax/message.js";
import { ALGORITHM_DEFS, digestHa1, digestResponse, digestUserhash } from "./digest-compute.js";
import type { DigestAlgorithm, DigestChallenge, Qop } from "./digest-header.js";
import { digestAlgorithm, digestChallenge, formatDigestCredentials, parseChallenges } from "./digest-header.js";

export interface DigestChallengeAnswer {
  readonly name: "Authorization" | "Proxy-Authorization";
  readonly value: string;
}

export interface DigestAuthenticator {
  /** From a 401/407 response: the header for the retried request, or why not (unsupported algorithm, realm not ours, already failed with these credentials). */
  answer(
    response: SipMessage,
    request: { readonly method: string; readonly uri: string; readonly body?: Uint8Array },
  ): { readonly ok: true; readonly header: DigestChallengeAnswer } | { readonly ok: false; readonly reason: string };
}

/** A supported challenge found in a response, with its position among the header values. */
export interface OfferedChallenge {
  readonly challenge: DigestChallenge;
  readonly algorithm: DigestAlgorithm;
  /** Order in the response (0 = topmost). */
  readonly index: number;
}

/** What a 401/407 offers: the supported Digest challenges in order, and why the others were ignored. */
export function offeredChallenges(response: SipMessage): { readonly challenges: OfferedChallenge[]; readonly ignored: string[] } {
  const field = response.status === 407 ? "Proxy-Authenticate" : "WWW-Authenticate";
  const challenges: OfferedChallenge[] = [];
  const ignored: string[] = [];
  let index = 0;
  for (const line of response.headersNamed(field)) {
    const parsed = parseChallenges(line.value, field);
    if (!parsed.ok) {
      ignored.push(`${field} does not parse: ${parsed.error.reason}`);
      continue;
    }
    for (const v of parsed.value) {
      const at = index++;
      if (v.scheme.toLowerCase() !== "digest") {
        // RFC 8760 §2.6: SIP clients MUST NOT accept Basic; any other scheme is not ours.
        ignored.push(`scheme ${v.scheme} not supported`);
        continue;
      }
      const d = digestChallenge(v, field);
      if (!d.ok) {
        ignored.push(d.error.reason);
        continue;
      }
      const algorithm = digestAlgorithm(d.value.algorithm);
      if (algorithm === undefined) {
        // RFC 7616 §3.3: an algorithm not understood: the challenge is ignored.
        ignored.push(`algorithm ${d.value.algorithm} not supported`);
        continue;
      }
      if (d.value.qop.length > 0 && !d.value.qop.some((q) => q === "auth" || q === "auth-int")) {
        // RFC 7616 §3.3: unrecognised qop options are ignored; none left means we cannot answer.
        ignored.push(`no supported qop in "${d.value.qop.join(",")}"`);
        continue;
      }
      challenges.push({ challenge: d.value, algorithm, index: at });
    }
  }
  return { challenges, ignored };
}

/**
 * RFC 8760 §2.4 with the local policy above: the challenge to answer, or
 * undefined. `realm` restricts to the realm our credentials are for.
 */
export function chooseChallenge(offered: readonly OfferedChallenge[], realm?: string): OfferedChallenge | undefined {
  const usable = realm === undefined ? offered : offered.filter((o) => o.challenge.realm === realm);
  const top = usable[0];
  if (top === undefined) return undefined;
  let best = top;
  for (const o of usable) {
    if (o.challenge.realm !== top.challenge.realm) continue;
    if (ALGORITHM_DEFS[o.algorithm].strength > ALGORITHM_DEFS[best.algorithm].strength) best = o;
  }
  return best;
}

/** Nonces remembered for nonce counts; older ones are forgotten first. */
const MAX_NONCES = 64;

export function digestClient(credentials: { readonly username: string; readonly password: string; readonly realm?: string }, random?: () => number): DigestAuthenticator {
  /** realm NUL nonce -> last nc sent, and the Call-ID and CSeq of the response answered. */
  const counts = new Map<string, { readonly nc: number; readonly callId: string; readonly cseq: number }>();

  const cnonce = (): string => {
    if (random === undefined) return randomBytes(16).toString("hex");
    let s = "";
    for (let i = 0; i < 16; i++) s += Math.floor(Math.min(0.999999, Math.max(0, random())) * 256).toString(16).padStart(2, "0");
    return s;
  };

  return {
    answer(response, request) {
      const status = response.status;
      if (status !== 401 && status !== 407) return { ok: false, reason: `a ${status ?? "request"} is not a challenge (401 or 407)` };
      const { challenges, ignored } = offeredChallenges(response);
      const chosen = chooseChallenge(challenges, credentials.realm);
      if (chosen === undefined) {
        const why = challenges.length > 0 ? `no challenge for realm "${credentials.realm ?? ""}" (offered: ${[...new Set(challenges.map((c) => c.challenge.realm))].join(", ")})` : ignored.length > 0 ? ignored.join("; ") : "no challenge in the response";
        return { ok: false, reason: `cannot answer the ${status}: ${why}` };
      }
      const c = chosen.challenge;
      const key = `${c.realm}\u0000${c.nonce}`;
      const previous = counts.get(key);
      if (previous !== undefined && !c.stale && previous.callId === response.callId && response.cseq.seq === previous.cseq + 1) {
        // RFC 7616 §3.3: the retried request challenged again without stale=true: the credentials were refused.
        return { ok: false, reason: `credentials for "${credentials.username}" refused in realm "${c.realm}" (the retried request was challenged again for the same nonce, stale not set)` };
      }
      const nc = (previous?.nc ?? 0) + 1;
      counts.delete(key);
      counts.set(key, { nc, callId: response.callId, cseq: response.cseq.seq });
      if (counts.size > MAX_NONCES) {
        const oldest = counts.keys().next();
        if (oldest.done !== true) counts.delete(oldest.value);
      }
      const utf8 = c.charset !== undefined && c.charset.toLowerCase() === "utf-8";
      let qop: Qop | undefined;
      if (c.qop.length > 0) {
        const hasAuth = c.qop.includes("auth");
        const hasInt = c.qop.includes("auth-int");
        qop = hasInt && (request.body !== undefined || !hasAuth) ? "auth-int" : "auth";
      }
      const cn = cnonce();
      const ha1 = digestHa1(chosen.algorithm, credentials.username, c.realm, credentials.password, utf8);
      const response_ = digestResponse({
        algorithm: chosen.algorithm,
        ha1,
        nonce: c.nonce,
        method: request.method,
        uri: request.uri,
        ...(qop !== undefined ? { qop, cnonce: cn, nc } : ALGORITHM_DEFS[chosen.algorithm].session ? { cnonce: cn } : {}),
        ...(request.body !== undefined ? { body: request.body } : {}),
      });
      const value = formatDigestCredentials({
        // RFC 7616 §3.4.4: the hashed name, computed after the other hashes.
        username: c.userhash ? digestUserhash(chosen.algorithm, credentials.username, c.realm, utf8) : credentials.username,
        realm: c.realm,
        nonce: c.nonce,
        uri: request.uri,
        response: response_,
        algorithm: c.algorithm,
        ...(qop !== undefined || ALGORITHM_DEFS[chosen.algorithm].session ? { cnonce: cn } : {}),
        ...(c.opaque !== undefined ? { opaque: c.opaque } : {}),
        ...(qop !== undefined ? { qop, nc } : {}),
        ...(c.userhash ? { userhash: true } : {}),
      });
      return { ok: true, header: { name: status === 407 ? "Proxy-Authorization" : "Authorization", value } };
    },
  };
}
