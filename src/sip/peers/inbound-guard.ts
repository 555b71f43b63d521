/**
 * The inbound guard: what the gateway asks before routing a request that
 * arrived from the network. An INVITE from an unknown or unauthenticated
 * source never reaches routing.
 *
 *  1. Rate (rate-limit.ts), per source address, before anything else: a
 *     flood beyond the drop threshold is dropped unanswered; over the
 *     bucket, 503 Service Unavailable with Retry-After (RFC 3261 §21.5.4,
 *     §20.33). INVITEs have their own bucket; ACK and CANCEL only count
 *     towards the flood threshold.
 *  2. Access list: the source address (CIDR, IPv4 and IPv6), port and
 *     transport must match one of a peer's allowed sources; the most
 *     specific match names the peer. No match: 403 Forbidden (RFC 3261
 *     §21.4.4), or no answer when configured to drop.
 *  3. Optional Digest authentication of INVITEs from a peer: 407 with
 *     Proxy-Authenticate through the peer's DigestVerifier (RFC 3261 §22.3;
 *     the gateway authenticates as the edge proxy of its trunks).
 *
 * An ACK is never answered (RFC 3261 §17.1.1.3: no response to ACK); it is
 * only passed or dropped. Every refusal is counted by reason.
 */
import { randomBytes } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { DigestVerifier } from "../auth/digest-verifier.js";
import type { SipMessage } from "../syntax/message.js";
import { buildResponse } from "../transaction/messages.js";
import type { Origin, TransportProtocol } from "../transport/types.js";
import type { Prefix } from "./cidr.js";
import { addressKey, addressOctets, prefixContains } from "./cidr.js";
import type { RateLimits } from "./rate-limit.js";
import { SourceRateLimiter } from "./rate-limit.js";

export interface SourceRule {
  readonly prefix: Prefix;
  readonly port?: number;
  readonly transport?: TransportProtocol;
}

export interface GuardPeer {
  readonly name: string;
  readonly sources: readonly SourceRule[];
  /** Authenticate this peer's INVITEs (407 challenges) with this verifier. */
  readonly verifier?: DigestVerifier;
}

export interface InboundGuardOptions {
  readonly peers: readonly GuardPeer[];
  readonly clock: Clock;
  readonly log: Logger;
  /** No limits when absent. */
  readonly rate?: RateLimits;
  /** Retry-After of the 503 to a rate-limited source, seconds. */
  readonly retryAfterS?: number;
  /** Requests from sources no peer allows: 403, or dropped without an answer. */
  readonly unknownSources?: "reject" | "drop";
  readonly random?: (n: number) => Uint8Array;
}

export type GuardRefusal = "unknown-source" | "rate-limited" | "flood" | "auth-challenge" | "auth-failed";

export type GuardDecision =
  | { readonly ok: true; readonly peer: string; readonly user?: string }
  | { readonly ok: false; readonly reason: GuardRefusal; readonly detail: string; readonly response?: SipMessage };

export type GuardCounters = Record<GuardRefusal | "accepted", number>;

function score(r: SourceRule): number {
  return r.prefix.length * 4 + (r.port !== undefined ? 2 : 0) + (r.transport !== undefined ? 1 : 0);
}

export class InboundGuard {
  readonly counters: GuardCounters = { accepted: 0, "unknown-source": 0, "rate-limited": 0, flood: 0, "auth-challenge": 0, "auth-failed": 0 };
  /** Per peer: accepted and refused requests. */
  readonly perPeer = new Map<string, { accepted: number; refused: number }>();
  private readonly o: InboundGuardOptions;
  private readonly limiter: SourceRateLimiter | undefined;
  private readonly random: (n: number) => Uint8Array;

  constructor(o: InboundGuardOptions) {
    this.o = o;
    this.limiter = o.rate !== undefined ? new SourceRateLimiter(o.rate) : undefined;
    this.random = o.random ?? randomBytes;
    for (const p of o.peers) this.perPeer.set(p.name, { accepted: 0, refused: 0 });
  }

  /** The peer a source belongs to (most specific allowed source), if any. */
  peerOf(origin: Pick<Origin, "remoteAddress" | "remotePort" | "protocol">): GuardPeer | undefined {
    const octets = addressOctets(origin.remoteAddress);
    if (octets === undefined) return undefined;
    let best: GuardPeer | undefined;
    let bestScore = -1;
    for (const p of this.o.peers) {
      for (const r of p.sources) {
        if (r.port !== undefined && r.port !== origin.remotePort) continue;
        if (r.transport !== undefined && r.transport !== origin.protocol) continue;
        if (!prefixContains(r.prefix, octets)) continue;
        const s = score(r);
        if (s > bestScore) {
          best = p;
          bestScore = s;
        }
      }
    }
    return best;
  }

  private tag(): string {
    return Buffer.from(this.random(6)).toString("hex");
  }

  private refuse(request: SipMessage, reason: GuardRefusal, detail: string, response: SipMessage | undefined, peer?: string): GuardDecision {
    this.counters[reason]++;
    if (peer !== undefined) {
      const c = this.perPeer.get(peer);
      if (c !== undefined) c.refused++;
    }
    this.o.log.debug({ method: request.method, callId: request.callId, reason, peer }, `inbound request refused: ${detail}`);
    // RFC 3261 §17.1.1.3: an ACK gets no response.
    return { ok: false, reason, detail, ...(response !== undefined && request.method !== "ACK" ? { response } : {}) };
  }

  /** Call before routing any request from the network. */
  check(request: SipMessage, origin: Origin): GuardDecision {
    const method = request.method;
    if (this.limiter !== undefined) {
      const key = addressKey(origin.remoteAddress) ?? origin.remoteAddress;
      const kind = method === "INVITE" ? "invite" : method === "ACK" || method === "CANCEL" ? "exempt" : "other";
      const d = this.limiter.check(key, kind, this.o.clock.now());
      if (d === "drop") return this.refuse(request, "flood", `more than ${this.o.rate?.dropAbovePerSecond ?? 0} requests/s from ${origin.remoteAddress}`, undefined);
      if (d === "limit") {
        const retryAfter = this.o.retryAfterS ?? 5;
        return this.refuse(request, "rate-limited", `${method} from ${origin.remoteAddress} over its rate`, buildResponse(request, 503, { toTag: this.tag(), headers: [{ name: "Retry-After", value: String(retryAfter) }] }));
      }
    }
    const peer = this.peerOf(origin);
    if (peer === undefined) {
      const detail = `no peer allows ${origin.protocol.toUpperCase()} ${origin.remoteAddress}:${origin.remotePort}`;
      const response = this.o.unknownSources === "drop" ? undefined : buildResponse(request, 403, { toTag: this.tag() });
      return this.refuse(request, "unknown-source", detail, response);
    }
    let user: string | undefined;
    if (method === "INVITE" && peer.verifier !== undefined) {
      const v = peer.verifier.verify(request, "proxy");
      if (!v.ok) {
        const first = v.refusal === "no-credentials" || v.refusal === "stale";
        return this.refuse(request, first ? "auth-challenge" : "auth-failed", `${peer.name}: ${v.detail}`, v.response, peer.name);
      }
      user = v.user;
    }
    this.counters.accepted++;
    const c = this.perPeer.get(peer.name);
    if (c !== undefined) c.accepted++;
    return user !== undefined ? { ok: true, peer: peer.name, user } : { ok: true, peer: peer.name };
  }
}
