/**
 * The registration client and the keep-alive over the real stack: the UA
 * core's transaction layer and a loopback network under the ManualClock,
 * against a registrar built on a transaction layer and a DigestVerifier.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { RecordingLogger, silentLogger } from "../../core/logger.js";
import { digestClient } from "../auth/digest-client.js";
import { DigestVerifier, staticCredentials } from "../auth/digest-verifier.js";
import { TokenSource } from "../transaction/branch.js";
import { buildResponse } from "../transaction/messages.js";
import { TransactionLayer } from "../transaction/transaction-layer.js";
import type { ServerTransaction, TransactionUser } from "../transaction/types.js";
import { LoopbackNetwork, LoopbackTransport } from "../transport/loopback.js";
import { UserAgentCore } from "../ua/user-agent-core.js";
import { OptionsKeepalive } from "./keepalive.js";
import { run } from "./peers-kit.test-support.js";
import { RegistrationClient } from "./registration.js";
import { userAgentSender } from "./request-sender.js";
import { peerTimers } from "./timers.js";

function stack() {
  const clock = new ManualClock();
  const net = new LoopbackNetwork(clock, { latencyMs: 5 });
  const gwTransport = new LoopbackTransport(net, { address: "192.0.2.1" });
  const gwTx = new TransactionLayer({ transport: gwTransport, clock, log: silentLogger, tokens: new TokenSource("gw") });
  const ua = new UserAgentCore({ transactions: gwTx, clock, log: silentLogger, contactUser: "gw", userAgent: "sipt-gw" });
  const regTransport = new LoopbackTransport(net, { address: "192.0.2.2" });
  const regTx = new TransactionLayer({ transport: regTransport, clock, log: silentLogger, tokens: new TokenSource("reg") });
  const verifier = new DigestVerifier({ realm: "example.net", clock, credentials: staticCredentials([{ username: "alice", secret: { password: "pw" } }]), nonceLifetimeMs: 60_000 });
  const bindings = new Map<string, number>();
  let up = true;
  const registrar: TransactionUser = {
    receiveRequest(tx: ServerTransaction) {
      const m = tx.request;
      if (!up) return;
      if (m.method === "OPTIONS") {
        tx.respond(buildResponse(m, 200, { toTag: "o" }));
        return;
      }
      const v = verifier.verify(m, "www");
      if (!v.ok) {
        tx.respond(v.response);
        return;
      }
      const contact = m.get("Contact") ?? "";
      const expires = Number(m.get("Expires"));
      if (expires === 0) bindings.delete(contact);
      else bindings.set(contact, expires);
      tx.respond(buildResponse(m, 200, { toTag: "r", headers: expires === 0 ? [] : [{ name: "Contact", value: `${contact};expires=${expires}` }] }));
    },
    receiveCancel() {},
    receiveAck() {},
  };
  regTx.setUser(registrar);
  return { clock, net, ua, bindings, setUp: (v: boolean) => (up = v) };
}

describe("over the transaction layer (loopback network)", () => {
  it("REGISTER with Digest, refresh, unREGISTER; the binding follows", async () => {
    const s = stack();
    const log = new RecordingLogger();
    const reg = new RegistrationClient({
      name: "registrar",
      sender: userAgentSender(s.ua),
      clock: s.clock,
      log,
      timers: peerTimers(),
      target: { protocol: "udp", host: "192.0.2.2", port: 5060 },
      registrar: "sip:example.net",
      aor: "sip:alice@example.net",
      expiresS: 60,
      authenticator: digestClient({ username: "alice", password: "pw" }),
    });
    reg.start();
    await run(s.clock, 200);
    expect(reg.state).toBe("Registered");
    expect([...s.bindings]).toEqual([["<sip:gw@192.0.2.1:5060>", 60]]);
    await run(s.clock, 31_000, 100);
    expect(reg.state).toBe("Registered");
    const lines = s.net.trace.filter((l) => l.includes("REGISTER"));
    expect(lines.length).toBe(8); // twice: REGISTER, 401, REGISTER with Authorization, 200
    const stopped = reg.stop();
    await run(s.clock, 200);
    await stopped;
    expect(reg.state).toBe("Stopped");
    expect(s.bindings.size).toBe(0);
  });

  it("OPTIONS keep-alive sees the peer up, then down when it stops answering (Timer F)", async () => {
    const s = stack();
    const changes: string[] = [];
    const ka = new OptionsKeepalive({
      name: "registrar",
      sender: userAgentSender(s.ua),
      clock: s.clock,
      log: silentLogger,
      target: { protocol: "udp", host: "192.0.2.2", port: 5060 },
      uri: "sip:192.0.2.2",
      from: "<sip:gw@192.0.2.1>",
      intervalMs: 10_000,
      timeoutMs: 4_000,
      upAfter: 1,
      downAfter: 2,
    });
    ka.onChange((c) => changes.push(`${c.to}: ${c.reason}`));
    ka.start();
    await run(s.clock, 100);
    s.setUp(false);
    await run(s.clock, 25_000, 100);
    expect(changes).toEqual(["Up: 200 OK", "Down: no final response within 4000 ms"]);
    ka.stop();
  });
});
