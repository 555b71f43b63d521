/**
 * Sending a request again after a challenge or a 422, RFC 3261 §8.1.3.5 and
 * §22.2 (401/407: the same request with credentials, a new CSeq and a new
 * branch; Call-ID, From tag and To unchanged) and RFC 4028 §7.3 (422: the
 * same with a larger Session-Expires and Min-SE).
 *
 * The digest computation belongs to the authenticator the composition root
 * supplies (src/sip/auth: `digestClient()`); only its type is imported here.
 */
import type { SipHeader } from "../syntax/header-lines.js";
import { header } from "../syntax/header-lines.js";
import { headerKey } from "../syntax/header-table.js";
import type { Via } from "../syntax/header-values.js";
import { formatVia } from "../syntax/header-values.js";
import { SipMessage } from "../syntax/message.js";
import type { HeaderInit } from "../transaction/messages.js";
import { checkedHeader } from "../transaction/messages.js";
import { formatUri } from "../syntax/uri.js";
import type { DigestAuthenticator } from "../auth/digest-client.js";

/** What answers digest challenges: src/sip/auth's `digestClient()` gives one (RFC 3261 §22.4, RFC 7616, RFC 8760). */
export type { DigestAuthenticator, DigestChallengeAnswer } from "../auth/digest-client.js";

/**
 * The challenges met by one request and its retries. Each kind (401, 407) is
 * answered once (§22.2: a second 401 after our credentials means they were
 * refused); a proxy's 407 then the far end's 401 is the normal chain, and
 * the second retry answers both (§22.3). Every retry gets fresh answers from
 * the authenticator (RFC 7616 §3.4: the nonce count grows with each request
 * sent with a nonce).
 */
export class Credentials {
  private readonly challenges = new Map<number, SipMessage>();

  /** Take a 401/407 to answer on the retry, or say why it will not be. */
  take(auth: DigestAuthenticator | undefined, response: SipMessage): { ok: true } | { ok: false; reason: string } {
    const status = response.status ?? 0;
    if (status !== 401 && status !== 407) return { ok: false, reason: `${status} is not a challenge` };
    if (auth === undefined) return { ok: false, reason: "no credentials for this request" };
    if (this.challenges.has(status)) return { ok: false, reason: `a second ${status} after our credentials: refused (RFC 3261 §22.2)` };
    this.challenges.set(status, response);
    return { ok: true };
  }

  /** The Authorization / Proxy-Authorization lines answering every challenge taken, for a request like `request`. */
  headersFor(auth: DigestAuthenticator | undefined, request: SipMessage): { ok: true; headers: HeaderInit[] } | { ok: false; reason: string } {
    const headers: HeaderInit[] = [];
    if (this.challenges.size === 0) return { ok: true, headers };
    if (auth === undefined) return { ok: false, reason: "no credentials for this request" };
    const uri = request.requestUri;
    const target = { method: request.method, uri: uri !== undefined ? formatUri(uri) : "", ...(request.body.length > 0 ? { body: request.body } : {}) };
    // Proxy-Authorization first: the proxy reads it before the request goes on.
    for (const status of [407, 401]) {
      const challenge = this.challenges.get(status);
      if (challenge === undefined) continue;
      const a = auth.answer(challenge, target);
      if (!a.ok) return a;
      const expected = status === 401 ? "Authorization" : "Proxy-Authorization";
      if (a.header.name !== expected) return { ok: false, reason: `the authenticator answered a ${status} with ${a.header.name}, not ${expected}` };
      headers.push({ name: a.header.name, value: a.header.value });
    }
    return { ok: true, headers };
  }

  /** Take `response` and answer everything so far for a retry of `request`; the lines, or why there is no retry. */
  retry(auth: DigestAuthenticator | undefined, response: SipMessage, request: SipMessage): { ok: true; headers: HeaderInit[] } | { ok: false; reason: string } {
    const t = this.take(auth, response);
    return t.ok ? this.headersFor(auth, request) : t;
  }
}

/**
 * `request` again with a new top Via and CSeq number; header lines named in
 * `replace` are dropped and `add` appended (credentials, a new
 * Session-Expires). Everything else, the body included, is kept as it was.
 */
export function retryRequest(request: SipMessage, via: Via, cseq: number, add: readonly HeaderInit[], replace: readonly string[]): SipMessage {
  const drop = new Set(replace.map((n) => headerKey(n)));
  const method = request.method;
  const headers: SipHeader[] = [];
  let pending = add;
  let viaDone = false;
  for (const h of request.headers) {
    if (h.key === "via") {
      // Only our own Via is on a request we send; it is replaced.
      if (!viaDone) headers.push(header("Via", formatVia(via)));
      viaDone = true;
      continue;
    }
    if (h.key === "cseq") {
      headers.push(header("CSeq", `${cseq} ${method}`));
      continue;
    }
    if (drop.has(h.key)) continue;
    if (h.key === "content-type") {
      // Added lines go before the body's headers, for a readable message.
      for (const a of pending) headers.push(checkedHeader(a));
      pending = [];
    }
    headers.push(h);
  }
  for (const a of pending) headers.push(checkedHeader(a));
  const startLine = request.startLine;
  if (startLine.kind !== "request") throw new Error("retryRequest() takes a request");
  return new SipMessage(startLine, headers, request.body, {
    via: [via],
    from: request.from,
    to: request.to,
    callId: request.callId,
    cseq: { seq: cseq, method },
    maxForwards: request.maxForwards,
    contentLength: request.body.length,
  });
}
