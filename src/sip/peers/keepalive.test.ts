import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { RecordingLogger } from "../../core/logger.js";
import type { SipMessage } from "../syntax/message.js";
import type { KeepaliveOptions } from "./keepalive.js";
import { OptionsKeepalive } from "./keepalive.js";
import type { Reply } from "./peers-kit.test-support.js";
import { ScriptedSender, run } from "./peers-kit.test-support.js";

function setup(script: (m: SipMessage, i: number) => Reply, o: Partial<KeepaliveOptions> = {}) {
  const clock = new ManualClock();
  const sender = new ScriptedSender(clock, script);
  const changes: string[] = [];
  const ka = new OptionsKeepalive({
    name: "carrier",
    sender,
    clock,
    log: new RecordingLogger(),
    target: { protocol: "udp", host: "192.0.2.2", port: 5060 },
    uri: "sip:192.0.2.2:5060",
    from: "<sip:gw@192.0.2.1:5060>",
    intervalMs: 10_000,
    timeoutMs: 2_000,
    upAfter: 2,
    downAfter: 3,
    ...o,
  });
  ka.onChange((c) => changes.push(`${clock.now()} ${c.from}->${c.to} ${c.reason}`));
  return { clock, sender, ka, changes };
}

describe("OptionsKeepalive (RFC 3261 §11)", () => {
  it("up after N successes; any final response but 408/503 is alive", async () => {
    const statuses = [200, 404, 408, 200, 200, 503, 503, 503, 200, 200];
    const s = setup((_m, i) => ({ status: statuses[i] ?? 200 }));
    s.ka.start();
    await run(s.clock, 95_000, 10);
    expect(s.sender.sent.length).toBe(10);
    expect(s.sender.sent.every((m) => m.method === "OPTIONS" && m.callId === "reg-call-1@192.0.2.1")).toBe(true);
    expect(s.sender.sent.map((m) => m.cseq.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(s.changes).toEqual(["10020 Unknown->Up 404 Not Found", "70020 Up->Down 503 Service Unavailable", "90020 Down->Up 200 OK"]);
    expect(s.ka.status()).toMatchObject({ state: "Up", probes: 10, successes: 6, failures: 4, consecutiveSuccesses: 2, lastStatus: 200, lastRttMs: 20 });
  });

  it("no final response within the timeout, timeouts and transport errors are failures; a late answer is ignored", async () => {
    const replies: Reply[] = ["silence", "timeout", "transport-error"];
    const s = setup((_m, i) => replies[i] ?? { status: 200 }, { upAfter: 1 });
    s.ka.start();
    await run(s.clock, 25_000, 100);
    expect(s.changes).toEqual(["20100 Unknown->Down transport error: refused"]);
    expect(s.ka.status()).toMatchObject({ failures: 3, consecutiveFailures: 3, lastStatus: 503 });
    await run(s.clock, 10_000, 100);
    expect(s.changes.at(-1)).toBe("30100 Down->Up 200 OK");
  });

  it("a response after the deadline does not count twice", async () => {
    const s = setup(() => ({ status: 200 }), { timeoutMs: 10 });
    s.ka.start();
    await run(s.clock, 5_000, 5);
    expect(s.ka.status()).toMatchObject({ probes: 1, successes: 0, failures: 1, lastStatus: 408 });
  });

  it("stop cancels everything", async () => {
    const s = setup(() => ({ status: 200 }));
    s.ka.start();
    await run(s.clock, 100);
    s.ka.stop();
    expect(s.clock.armed).toBe(0);
    await run(s.clock, 60_000, 1000);
    expect(s.sender.sent.length).toBe(1);
  });

  it("refuses a timeout not shorter than the interval", () => {
    expect(() => setup(() => ({ status: 200 }), { timeoutMs: 10_000 })).toThrow(/shorter than the interval/);
  });
});
