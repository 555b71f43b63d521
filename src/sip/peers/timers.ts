/**
 * Timers of SIP peers: registration refresh and retry (RFC 3261 §10.2.1,
 * §10.2.4; RFC 5626 §4.5 for the backoff), OPTIONS keep-alive (RFC 3261
 * §11), and the lifetime of the nonces the gateway issues (RFC 7616 §5.4).
 * Configuration overrides them as `timers.sipPeers.<name>`; a peer's own
 * keepalive settings override the keep-alive defaults for that peer.
 */
import type { TimerValues } from "../../core/timers.js";
import { defineTimerTable, resolveTimers } from "../../core/timers.js";

export const sipPeerTimers = defineTimerTable("sipPeers", {
  registerRefreshMargin: {
    defaultMs: 600_000,
    minMs: 5_000,
    maxMs: 3_600_000,
    description: "refresh a registration this long before it expires, but never before half its granted life",
    clause: "RFC 3261 §10.2.4",
  },
  registerRetryBase: {
    defaultMs: 30_000,
    minMs: 1_000,
    maxMs: 600_000,
    description: "wait after the first failed registration; doubles with each further failure (base-time)",
    clause: "RFC 5626 §4.5",
  },
  registerRetryMax: {
    defaultMs: 1_800_000,
    minMs: 10_000,
    maxMs: 86_400_000,
    description: "longest wait between registration attempts (max-time)",
    clause: "RFC 5626 §4.5",
  },
  keepaliveInterval: {
    defaultMs: 30_000,
    minMs: 1_000,
    maxMs: 3_600_000,
    description: "OPTIONS keep-alive period per peer",
    clause: "RFC 3261 §11",
  },
  keepaliveTimeout: {
    defaultMs: 5_000,
    minMs: 500,
    maxMs: 64_000,
    description: "OPTIONS keep-alive: a final response must arrive within this, or the probe failed",
    clause: "RFC 3261 §11, §17.1.2.2 (at most Timer F)",
  },
  nonceLifetime: {
    defaultMs: 300_000,
    minMs: 10_000,
    maxMs: 3_600_000,
    description: "lifetime of a Digest nonce the gateway issues; older answers get stale=true",
    clause: "RFC 7616 §3.3, §5.4",
  },
});

export type SipPeerTimerName = keyof typeof sipPeerTimers.specs;

export function peerTimers(overrides: Readonly<Record<string, number>> = {}): TimerValues<SipPeerTimerName> {
  return resolveTimers(sipPeerTimers, overrides);
}
