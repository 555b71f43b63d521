/**
 * Two user agents on a loopback network under the manual clock, for the UA
 * tests: alice at 192.0.2.1 and bob at 192.0.2.2, each with its own
 * transport, transaction layer and UA core; every packet is in the network
 * trace and every session event in `events`, so a call flow reads as one
 * transcript.
 */
import { ManualClock } from "../../core/clock.js";
import { RecordingLogger } from "../../core/logger.js";
import { TokenSource } from "../transaction/branch.js";
import type { BodyInit } from "../transaction/messages.js";
import { TransactionLayer } from "../transaction/transaction-layer.js";
import { LoopbackNetwork, LoopbackTransport } from "../transport/loopback.js";
import type { TransportProtocol } from "../transport/types.js";
import type { UserAgentCoreOptions } from "./user-agent-core.js";
import { UserAgentCore } from "./user-agent-core.js";

export interface Side {
  readonly ua: UserAgentCore;
  readonly transport: LoopbackTransport;
  readonly transactions: TransactionLayer;
  readonly address: string;
}

export interface Kit {
  readonly clock: ManualClock;
  readonly net: LoopbackNetwork;
  readonly log: RecordingLogger;
  readonly alice: Side;
  readonly bob: Side;
  readonly events: string[];
  note(s: string): void;
  /** The trace and the events interleaved in time order are not needed: both lists, one after the other. */
  transcript(): string;
}

export function sdp(version: number, host = "192.0.2.1"): BodyInit {
  return { contentType: "application/sdp", content: `v=0\r\no=- 1 ${version} IN IP4 ${host}\r\ns=-\r\nc=IN IP4 ${host}\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n` };
}

/** Reproducible "random" octets for tokens (xorshift32 seeded from the name). */
export function seeded(name: string): (n: number) => Buffer {
  let x = 0x9e3779b9;
  for (let i = 0; i < name.length; i++) x = Math.imul(x ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return (n) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      b[i] = x & 0xff;
    }
    return b;
  };
}

export function makeKit(opts: { protocol?: TransportProtocol; latencyMs?: number; random?: () => number; ua?: Partial<UserAgentCoreOptions>; alice?: Partial<UserAgentCoreOptions>; bob?: Partial<UserAgentCoreOptions> } = {}): Kit {
  const clock = new ManualClock();
  const log = new RecordingLogger();
  const net = new LoopbackNetwork(clock, { latencyMs: opts.latencyMs ?? 10 });
  const events: string[] = [];
  const side = (name: "alice" | "bob", address: string): Side => {
    const transport = new LoopbackTransport(net, { address, protocol: opts.protocol ?? "udp" });
    const l = log.child({ ua: name });
    const transactions = new TransactionLayer({ transport, clock, log: l, tokens: new TokenSource(name, seeded(name)) });
    const ua = new UserAgentCore({ transactions, clock, log: l, contactUser: name, random: opts.random ?? (() => 0.5), ...opts.ua, ...opts[name] });
    return { ua, transport, transactions, address };
  };
  const alice = side("alice", "192.0.2.1");
  const bob = side("bob", "192.0.2.2");
  const note = (s: string): void => {
    events.push(`${clock.now()} ${s}`);
  };
  return {
    clock,
    net,
    log,
    alice,
    bob,
    events,
    note,
    transcript: () => `${net.trace.join("\n")}\n--\n${events.join("\n")}`,
  };
}
