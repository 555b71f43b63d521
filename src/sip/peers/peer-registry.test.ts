import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { RecordingLogger } from "../../core/logger.js";
import { sipSchema } from "../../config/schema.js";
import { request, response } from "../auth/messages.test-support.js";
import type { Origin } from "../transport/types.js";
import type { Reply } from "./peers-kit.test-support.js";
import { ScriptedSender, run } from "./peers-kit.test-support.js";
import type { PeerConfig, PeerEvent } from "./peer-registry.js";
import { PeerRegistry } from "./peer-registry.js";
import { peerTimers } from "./timers.js";

const sip = sipSchema.parse({
  listen: [{ transport: "udp", address: "192.0.2.1", port: 5060 }],
  peers: [
    {
      name: "carrier",
      address: "198.51.100.10",
      register: { user: "4930123", password: "pw", domain: "carrier.example", expires: 600 },
      auth: { username: "4930123", password: "pw" },
      keepalive: { intervalMs: 15_000, timeoutMs: 3_000, upAfter: 1, downAfter: 2 },
    },
    {
      name: "pbx",
      address: "2001:db8::10",
      transport: "tcp",
      port: 5061,
      inbound: { sources: [{ cidr: "2001:db8::/64", transport: "tcp" }], authenticate: true, realm: "gw.example", users: [{ username: "pbx", password: "secret" }] },
    },
  ],
  access: { rate: {} },
});

function origin(remoteAddress: string, protocol: Origin["protocol"] = "udp"): Origin {
  return { protocol, remoteAddress, remotePort: 5060, localAddress: "192.0.2.1", localPort: 5060, listenerId: 0, connectionId: undefined };
}

describe("configuration (sip.peers, sip.access)", () => {
  it("gives the defaults and refuses what cannot work", () => {
    const peers: readonly PeerConfig[] = sip.peers;
    expect(peers[0]).toMatchObject({ port: 5060, transport: "udp", inbound: { sources: [], authenticate: false, algorithms: ["SHA-256", "MD5"] } });
    expect(sip.access).toMatchObject({ unknownSources: "reject", rate: { requestsPerSecond: 50, burst: 100, invitesPerSecond: 10, inviteBurst: 20, dropAbovePerSecond: 500, retryAfter: 5 } });
    const base = { listen: [{ transport: "udp", address: "192.0.2.1", port: 5060 }] };
    expect(sipSchema.safeParse({ ...base, peers: [{ name: "a", address: "x" }, { name: "a", address: "y" }] }).success).toBe(false);
    expect(sipSchema.safeParse({ ...base, peers: [{ name: "a", address: "x", inbound: { authenticate: true } }] }).success).toBe(false);
    expect(sipSchema.safeParse({ ...base, peers: [{ name: "a", address: "x", inbound: { sources: [{ cidr: "nonsense" }] } }] }).success).toBe(false);
    expect(sipSchema.safeParse({ ...base, peers: [{ name: "a", address: "x", inbound: { users: [{ username: "u" }] } }] }).success).toBe(false);
    expect(sipSchema.safeParse({ ...base, peers: [{ name: "a", address: "x", bogus: 1 }] }).success).toBe(false);
  });
});

describe("PeerRegistry", () => {
  function setup(script: (m: Parameters<ConstructorParameters<typeof ScriptedSender>[1]>[0], i: number) => Reply) {
    const clock = new ManualClock();
    const sender = new ScriptedSender(clock, script);
    const events: PeerEvent[] = [];
    const registry = new PeerRegistry({ peers: sip.peers, access: sip.access, sender, clock, log: new RecordingLogger(), timers: peerTimers(), random: () => 1 });
    registry.onEvent((e) => events.push(e));
    return { clock, sender, registry, events };
  }

  it("registers, keeps alive, reports status, and unregisters on stop", async () => {
    const s = setup((m) => {
      if (m.method === "OPTIONS") return { status: 200 };
      if (!m.has("Authorization")) return { status: 401, headers: [{ name: "WWW-Authenticate", value: 'Digest realm="carrier.example", nonce="abc", qop="auth", algorithm=SHA-256' }] };
      return { status: 200, headers: [{ name: "Contact", value: `${m.get("Contact") ?? ""};expires=${m.get("Expires") ?? ""}` }] };
    });
    expect(s.registry.names()).toEqual(["carrier", "pbx"]);
    s.registry.start();
    await run(s.clock, 200);
    expect(s.events.map((e) => e.kind)).toEqual(["keepalive", "registered"]);
    const reg = s.sender.sent.filter((m) => m.method === "REGISTER");
    expect(reg.map((m) => (m.requestUri?.kind === "sip" ? m.requestUri.host : ""))).toEqual(["carrier.example", "carrier.example"]);
    expect(reg[0]?.to.uri.kind === "sip" && `${reg[0].to.uri.user}@${reg[0].to.uri.host}`).toBe("4930123@carrier.example");
    const options = s.sender.sent.find((m) => m.method === "OPTIONS");
    expect(options?.requestUri?.kind === "sip" && options.requestUri.host).toBe("198.51.100.10");
    const rows = s.registry.status();
    expect(rows.map((r) => [r.name, r.registration?.state, r.keepalive?.state, r.inbound.sources])).toEqual([
      ["carrier", "Registered", "Up", ["198.51.100.10"]],
      ["pbx", undefined, undefined, ["tcp:2001:db8::/64"]],
    ]);
    expect(s.registry.available("carrier")).toBe(true);
    expect(s.registry.target("pbx")).toEqual({ protocol: "tcp", host: "2001:db8::10", port: 5061 });
    const stopped = s.registry.stop();
    await run(s.clock, 100);
    await stopped;
    expect(s.sender.sent.filter((m) => m.method === "REGISTER").at(-1)?.get("Expires")).toBe("0");
    expect(s.events.at(-1)?.kind).toBe("unregistered");
  });

  it("marks a peer unavailable when its keep-alive goes down", async () => {
    const s = setup((m) => (m.method === "OPTIONS" ? "timeout" : { status: 403 }));
    s.registry.start();
    await run(s.clock, 16_000, 100);
    expect(s.registry.available("carrier")).toBe(false);
    expect(s.events.filter((e) => e.kind === "keepalive").map((e) => (e.kind === "keepalive" ? e.change.to : ""))).toEqual(["Down"]);
    expect(s.events.find((e) => e.kind === "registration-failed")).toMatchObject({ status: 403 });
    await s.registry.stop();
  });

  it("answers challenges from a peer with its auth credentials, and guards inbound requests", () => {
    const s = setup(() => ({ status: 200 }));
    const auth = s.registry.authenticatorFor("carrier");
    const challenge = response(407, "INVITE", ['Proxy-Authenticate: Digest realm="carrier.example", nonce="n", qop="auth"']);
    const a = auth?.answer(challenge, { method: "INVITE", uri: "sip:+4930999@carrier.example" });
    expect(a?.ok && a.header.name).toBe("Proxy-Authorization");
    expect(s.registry.authenticatorFor("pbx")).toBeUndefined();
    expect(s.registry.check(request("INVITE", "sip:1@192.0.2.1"), origin("198.51.100.10"))).toEqual({ ok: true, peer: "carrier" });
    const pbx = s.registry.check(request("INVITE", "sip:1@192.0.2.1"), origin("2001:db8::99", "tcp"));
    expect(!pbx.ok && [pbx.reason, pbx.response?.status]).toEqual(["auth-challenge", 407]);
    expect(!pbx.ok && pbx.response?.get("Proxy-Authenticate")).toContain('realm="gw.example"');
    const udp = s.registry.check(request("INVITE", "sip:1@192.0.2.1"), origin("2001:db8::99", "udp"));
    expect(!udp.ok && udp.reason).toBe("unknown-source");
    const rows = s.registry.status();
    expect(rows.map((r) => [r.inbound.accepted, r.inbound.refused])).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });
});
