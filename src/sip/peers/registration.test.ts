/**
 * Registration (RFC 3261 §10.2) under the ManualClock against scripted
 * registrars: Digest retry, refresh, 423, backoff (RFC 5626 §4.5), and
 * the unREGISTER on stop.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { RecordingLogger } from "../../core/logger.js";
import { digestClient } from "../auth/digest-client.js";
import { DigestVerifier, staticCredentials } from "../auth/digest-verifier.js";
import type { SipMessage } from "../syntax/message.js";
import type { Reply } from "./peers-kit.test-support.js";
import { ScriptedSender, run } from "./peers-kit.test-support.js";
import type { RegistrationOptions } from "./registration.js";
import { RegistrationClient, backoffMs, refreshDelayMs } from "./registration.js";
import { peerTimers } from "./timers.js";

const TARGET = { protocol: "udp" as const, host: "192.0.2.2", port: 5060 };

function setup(script: (m: SipMessage, i: number) => Reply, o: Partial<RegistrationOptions> = {}) {
  const clock = new ManualClock();
  const log = new RecordingLogger();
  const sender = new ScriptedSender(clock, script);
  const events: string[] = [];
  const reg = new RegistrationClient({
    name: "carrier",
    sender,
    clock,
    log,
    timers: peerTimers(),
    target: TARGET,
    registrar: "sip:example.net",
    aor: "sip:alice@example.net",
    expiresS: 3600,
    random: () => 1,
    ...o,
  });
  reg.on("registered", (e) => events.push(`${clock.now()} registered ${e.expiresS}s refresh in ${e.refreshInMs} ms`));
  reg.on("failed", (e) => events.push(`${clock.now()} failed ${e.status ?? "-"} ${e.reason}`));
  reg.on("retrying", (e) => events.push(`${clock.now()} retrying in ${e.inMs} ms after ${e.failures}`));
  reg.on("unregistered", (e) => events.push(`${clock.now()} unregistered (${e.reason})`));
  return { clock, log, sender, reg, events };
}

/** A registrar that challenges with a real DigestVerifier and grants what is asked, capped. */
function registrar(clock: ManualClock, password = "pw", maxExpires = 3600) {
  const verifier = new DigestVerifier({ realm: "example.net", clock, credentials: staticCredentials([{ username: "alice", secret: { password } }]), nonceLifetimeMs: 300_000, algorithms: ["SHA-256", "MD5"] });
  return (m: SipMessage): Reply => {
    const v = verifier.verify(m, "www");
    if (!v.ok) return v.response;
    const asked = Number(m.get("Expires"));
    const contact = m.get("Contact") ?? "";
    return { status: 200, headers: [{ name: "Contact", value: `${contact};expires=${Math.min(asked, maxExpires)}` }] };
  };
}

describe("RegistrationClient (RFC 3261 §10.2)", () => {
  it("registers through a Digest challenge, keeps Call-ID, counts CSeq, refreshes before expiry", async () => {
    const holder: { script?: (m: SipMessage) => Reply } = {};
    const s = setup((m) => (holder.script as (m: SipMessage) => Reply)(m), { authenticator: digestClient({ username: "alice", password: "pw" }) });
    holder.script = registrar(s.clock, "pw", 120);
    s.reg.start();
    await run(s.clock, 100);
    expect(s.reg.state).toBe("Registered");
    expect(s.sender.sent.map((m) => [m.method, m.cseq.seq, m.callId, m.get("Expires"), m.has("Authorization")])).toEqual([
      ["REGISTER", 1, "reg-call-1@192.0.2.1", "3600", false],
      ["REGISTER", 2, "reg-call-1@192.0.2.1", "3600", true],
    ]);
    const first = s.sender.sent[0] as SipMessage;
    expect(first.requestUri?.kind === "sip" && first.requestUri.host).toBe("example.net");
    expect([first.from.uri, first.to.uri].map((u) => (u.kind === "sip" ? `${u.user}@${u.host}` : ""))).toEqual(["alice@example.net", "alice@example.net"]);
    expect(s.sender.sent[1]?.get("Authorization")).toContain("algorithm=SHA-256");
    // Granted 120 s: refresh at max(60 s, 120 s - 600 s) = 60 s after the 200.
    expect(s.events).toEqual(["40 registered 120s refresh in 60000 ms"]);
    await run(s.clock, 59_000, 1000);
    expect(s.sender.sent.length).toBe(2);
    await run(s.clock, 3_000, 10);
    expect(s.sender.sent.map((m) => m.cseq.seq)).toEqual([1, 2, 3, 4]);
    expect(s.sender.sent.every((m) => m.callId === "reg-call-1@192.0.2.1")).toBe(true);
    expect(s.reg.status()).toMatchObject({ state: "Registered", expiresS: 120, consecutiveFailures: 0 });
    expect(s.log.transcript()).toContain("SIP-REG(carrier){Registered}: State change to Registering");
  });

  it("423 Interval Too Brief: again at once with Min-Expires (RFC 3261 §10.2.8)", async () => {
    const s = setup((m) => (Number(m.get("Expires")) < 1800 ? { status: 423, headers: [{ name: "Min-Expires", value: "1800" }] } : { status: 200, headers: [{ name: "Contact", value: `${m.get("Contact") ?? ""};expires=1800` }] }), { expiresS: 60 });
    s.reg.start();
    await run(s.clock, 100);
    expect(s.sender.sent.map((m) => m.get("Expires"))).toEqual(["60", "1800"]);
    expect(s.events).toEqual(["40 registered 1800s refresh in 1200000 ms"]);
  });

  it("takes the Expires header when our Contact carries no expires, and fails when the 2xx omits our Contact", async () => {
    const a = setup(() => ({ status: 200, headers: [{ name: "Contact", value: "<sip:gw@192.0.2.1:5060>" }, { name: "Expires", value: "300" }] }));
    a.reg.start();
    await run(a.clock, 50);
    expect(a.reg.status().expiresS).toBe(300);
    const b = setup(() => ({ status: 200, headers: [{ name: "Contact", value: "<sip:someone-else@192.0.2.9>;expires=300" }] }));
    b.reg.start();
    await run(b.clock, 50);
    expect(b.events[0]).toBe("20 failed 200 the 2xx does not list our Contact");
  });

  it("backs off 30 s doubling to the maximum on failures, with Retry-After honoured (RFC 5626 §4.5)", async () => {
    let n = 0;
    const s = setup(() => {
      n++;
      if (n === 1) return { status: 503, headers: [{ name: "Retry-After", value: "120" }] };
      if (n <= 8) return n % 2 === 0 ? "timeout" : "transport-error";
      return { status: 200 };
    });
    s.reg.start();
    await run(s.clock, 20_000_000, 1000);
    const waits = s.events.filter((e) => e.includes("retrying")).map((e) => Number(/in (\d+) ms/.exec(e)?.[1]));
    expect(waits).toEqual([120_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_800_000, 1_800_000]);
    expect(s.events.filter((e) => e.includes("failed")).slice(0, 3).map((e) => e.replace(/^\d+ /, ""))).toEqual([
      "failed 503 503 Whatever".replace("Whatever", "Service Unavailable"),
      "failed 408 no response (timeout, RFC 3261 §8.1.3.1)",
      "failed 503 transport error: refused",
    ]);
    expect(s.reg.state).toBe("Registered");
    expect(s.reg.status().consecutiveFailures).toBe(0);
  });

  it("jitter: between 50 % and 100 % of the wait", () => {
    expect(backoffMs(1, 30_000, 1_800_000, () => 0)).toBe(15_000);
    expect(backoffMs(1, 30_000, 1_800_000, () => 1)).toBe(30_000);
    expect(backoffMs(4, 30_000, 1_800_000, () => 0.5)).toBe(180_000);
    expect(backoffMs(40, 30_000, 1_800_000, () => 1)).toBe(1_800_000);
    expect(refreshDelayMs(3600, 600_000)).toBe(3_000_000);
    expect(refreshDelayMs(60, 600_000)).toBe(30_000);
  });

  it("a wrong password fails after the second challenge, without a loop", async () => {
    const holder: { script?: (m: SipMessage) => Reply } = {};
    const s = setup((m) => (holder.script as (m: SipMessage) => Reply)(m), { authenticator: digestClient({ username: "alice", password: "wrong" }) });
    holder.script = registrar(s.clock, "right");
    s.reg.start();
    await run(s.clock, 200);
    // 401, answered, 401 again (new nonce), answered, 401: the client gives up on the third.
    expect(s.sender.sent.length).toBe(3);
    expect(s.events[0]).toMatch(/^\d+ failed 401 401 Unauthorized$/);
    expect(s.reg.state).toBe("Waiting");
  });

  it("without credentials a 401 is a failure", async () => {
    const s = setup(() => ({ status: 401, headers: [{ name: "WWW-Authenticate", value: 'Digest realm="x", nonce="y", qop="auth"' }] }));
    s.reg.start();
    await run(s.clock, 50);
    expect(s.events[0]).toBe("20 failed 401 401 Unauthorized");
  });

  it("stop sends REGISTER Expires: 0 for our Contact and ends Stopped (RFC 3261 §10.2.2)", async () => {
    const s = setup((m) => ({ status: 200, headers: [{ name: "Contact", value: `${m.get("Contact") ?? ""};expires=${m.get("Expires") ?? ""}` }] }));
    s.reg.start();
    await run(s.clock, 50);
    const stopped = s.reg.stop();
    await run(s.clock, 50);
    await stopped;
    const last = s.sender.sent.at(-1) as SipMessage;
    expect([last.get("Expires"), last.get("Contact"), last.cseq.seq]).toEqual(["0", "<sip:gw@192.0.2.1:5060>", 2]);
    expect(s.reg.state).toBe("Stopped");
    expect(s.events.at(-1)).toBe("70 unregistered (200 to REGISTER Expires: 0)");
    expect(s.clock.armed).toBe(0);
  });

  it("stop before any binding sends nothing", async () => {
    const s = setup(() => "timeout");
    s.reg.start();
    await run(s.clock, 50);
    expect(s.reg.state).toBe("Waiting");
    await s.reg.stop();
    expect(s.sender.sent.length).toBe(1);
    expect(s.reg.state).toBe("Stopped");
  });

  it("a refresh that fails keeps the binding's expiry in the status", async () => {
    let n = 0;
    const s = setup((m) => (++n === 1 ? { status: 200, headers: [{ name: "Contact", value: `${m.get("Contact") ?? ""};expires=100` }] } : "timeout"));
    s.reg.start();
    await run(s.clock, 50);
    await run(s.clock, 51_000, 1000);
    expect(s.reg.state).toBe("Waiting");
    expect(s.reg.status().boundUntilMs).toBe(100_020);
    await run(s.clock, 60_000, 1000);
    expect(s.reg.status().boundUntilMs).toBeUndefined();
  });
});
