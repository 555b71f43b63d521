import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { RecordingLogger } from "../../core/logger.js";
import { digestClient } from "../auth/digest-client.js";
import { DigestVerifier, staticCredentials } from "../auth/digest-verifier.js";
import { request } from "../auth/messages.test-support.js";
import type { Origin } from "../transport/types.js";
import { parsePrefix } from "./cidr.js";
import type { InboundGuardOptions } from "./inbound-guard.js";
import { InboundGuard } from "./inbound-guard.js";
import { SourceRateLimiter } from "./rate-limit.js";

function origin(remoteAddress: string, remotePort = 5060, protocol: Origin["protocol"] = "udp"): Origin {
  return { protocol, remoteAddress, remotePort, localAddress: "192.0.2.1", localPort: 5060, listenerId: 0, connectionId: undefined };
}

const prefix = (t: string) => parsePrefix(t) as NonNullable<ReturnType<typeof parsePrefix>>;
const INVITE = () => request("INVITE", "sip:+4930123@192.0.2.1");

function guard(o: Partial<InboundGuardOptions> = {}, clock = new ManualClock()) {
  return new InboundGuard({
    clock,
    log: new RecordingLogger(),
    peers: [
      { name: "carrier-a", sources: [{ prefix: prefix("198.51.100.0/24") }] },
      { name: "carrier-a-sbc", sources: [{ prefix: prefix("198.51.100.10"), port: 5070, transport: "tcp" }] },
      { name: "v6", sources: [{ prefix: prefix("2001:db8::/48") }] },
    ],
    random: (n) => new Uint8Array(n).fill(1),
    ...o,
  });
}

describe("InboundGuard", () => {
  it("names the peer by the most specific allowed source (address, port, transport)", () => {
    const g = guard();
    expect(g.check(INVITE(), origin("198.51.100.10", 5060))).toEqual({ ok: true, peer: "carrier-a" });
    expect(g.check(INVITE(), origin("198.51.100.10", 5070, "tcp"))).toEqual({ ok: true, peer: "carrier-a-sbc" });
    expect(g.check(INVITE(), origin("198.51.100.10", 5070, "udp"))).toEqual({ ok: true, peer: "carrier-a" });
    expect(g.check(INVITE(), origin("2001:db8:0:1::5"))).toEqual({ ok: true, peer: "v6" });
    expect(g.counters.accepted).toBe(4);
  });

  it("an unknown source gets 403, or nothing when configured to drop; an ACK never gets an answer", () => {
    const g = guard();
    const r = g.check(INVITE(), origin("203.0.113.1"));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([r.reason, r.response?.status]).toEqual(["unknown-source", 403]);
    const ack = g.check(request("ACK", "sip:x@192.0.2.1"), origin("203.0.113.1"));
    expect(!ack.ok && ack.response).toBeUndefined();
    const d = guard({ unknownSources: "drop" }).check(INVITE(), origin("203.0.113.1"));
    expect(!d.ok && d.response).toBeUndefined();
    expect(g.counters["unknown-source"]).toBe(2);
  });

  it("rate: 503 with Retry-After over the bucket, INVITEs separately, drops a flood silently", () => {
    const clock = new ManualClock();
    const g = guard({ rate: { requestsPerSecond: 5, burst: 5, invitesPerSecond: 2, inviteBurst: 2, dropAbovePerSecond: 12, maxSources: 100 }, retryAfterS: 7 }, clock);
    const o = origin("198.51.100.20");
    const invites = [1, 2, 3].map(() => g.check(INVITE(), o));
    expect(invites.map((r) => r.ok)).toEqual([true, true, false]);
    const third = invites[2];
    expect(third !== undefined && !third.ok && [third.reason, third.response?.status, third.response?.get("Retry-After")]).toEqual(["rate-limited", 503, "7"]);
    const options = [1, 2, 3, 4, 5, 6].map(() => g.check(request("OPTIONS", "sip:192.0.2.1"), o).ok);
    expect(options).toEqual([true, true, true, true, true, false]);
    // 9 arrivals so far this second; the 13th and later are dropped without an answer.
    const rest = [1, 2, 3, 4, 5].map(() => g.check(request("OPTIONS", "sip:192.0.2.1"), o));
    expect(rest.map((r) => (r.ok ? "ok" : r.reason))).toEqual(["rate-limited", "rate-limited", "rate-limited", "flood", "flood"]);
    expect(rest.every((r) => r.ok || r.reason !== "flood" || r.response === undefined)).toBe(true);
    // Another source is not affected; a second later the buckets refill.
    expect(g.check(INVITE(), origin("198.51.100.21")).ok).toBe(true);
    clock.advance(1000);
    expect(g.check(INVITE(), o).ok).toBe(true);
    expect(g.counters).toMatchObject({ "rate-limited": 5, flood: 2 });
  });

  it("authenticates INVITEs of a peer with 407 (RFC 3261 §22.3); other methods pass", () => {
    const clock = new ManualClock();
    const verifier = new DigestVerifier({ realm: "gw", clock, credentials: staticCredentials([{ username: "trunk", secret: { password: "pw" } }]), nonceLifetimeMs: 60_000 });
    const g = new InboundGuard({ clock, log: new RecordingLogger(), peers: [{ name: "pbx", sources: [{ prefix: prefix("198.51.100.0/24") }], verifier }] });
    const o = origin("198.51.100.7");
    const first = g.check(INVITE(), o);
    expect(first.ok).toBe(false);
    if (first.ok) return;
    expect([first.reason, first.response?.status]).toEqual(["auth-challenge", 407]);
    const a = digestClient({ username: "trunk", password: "pw" }).answer(first.response as NonNullable<typeof first.response>, { method: "INVITE", uri: "sip:+4930123@192.0.2.1" });
    if (!a.ok) throw new Error(a.reason);
    expect(g.check(request("INVITE", "sip:+4930123@192.0.2.1", [`${a.header.name}: ${a.header.value}`]), o)).toEqual({ ok: true, peer: "pbx", user: "trunk" });
    const bad = digestClient({ username: "trunk", password: "nope" }).answer(first.response as NonNullable<typeof first.response>, { method: "INVITE", uri: "sip:+4930123@192.0.2.1" });
    if (!bad.ok) throw new Error(bad.reason);
    const refused = g.check(request("INVITE", "sip:+4930123@192.0.2.1", [`${bad.header.name}: ${bad.header.value}`]), o);
    expect(!refused.ok && [refused.reason, refused.response?.status]).toEqual(["auth-failed", 407]);
    expect(g.check(request("OPTIONS", "sip:192.0.2.1"), o)).toEqual({ ok: true, peer: "pbx" });
    expect(g.perPeer.get("pbx")).toEqual({ accepted: 2, refused: 2 });
  });
});

describe("SourceRateLimiter", () => {
  it("bounds its table, forgetting the least recently seen source", () => {
    const l = new SourceRateLimiter({ requestsPerSecond: 1, burst: 1, invitesPerSecond: 1, inviteBurst: 1, dropAbovePerSecond: 100, maxSources: 2 });
    expect(l.check("a", "other", 0)).toBe("pass");
    expect(l.check("b", "other", 0)).toBe("pass");
    expect(l.check("a", "other", 0)).toBe("limit");
    expect(l.check("c", "other", 0)).toBe("pass");
    expect([l.size, l.evicted]).toEqual([2, 1]);
    // b was forgotten (a was touched later): b starts again with a full bucket; a is still limited.
    expect(l.check("b", "other", 0)).toBe("pass");
    expect(l.check("c", "other", 500)).toBe("limit");
    expect(l.check("c", "other", 1000)).toBe("pass");
    expect(l.check("c", "exempt", 1000)).toBe("pass");
  });
});
