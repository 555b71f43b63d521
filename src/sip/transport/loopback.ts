/**
 * An in-memory network of SIP transports for deterministic tests and
 * demonstrations: messages travel as octets through the same receive path
 * as the real transport (inbound.ts: parse, §18.2.1 received/rport, 400 for
 * broken requests) and responses follow §18.2.2 (response-route.ts), but
 * delivery runs on the injected Clock and every packet can be dropped,
 * delayed or duplicated by fault rules. Each packet is written to a trace,
 * one line per packet, for golden transcripts.
 *
 * "udp" endpoints behave as datagram transports (the transaction layer
 * retransmits); "tcp" endpoints as reliable streams (no retransmissions,
 * Content-Length mandatory), each pair of endpoints one connection.
 */
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { silentLogger } from "../../core/logger.js";
import type { SipMessage } from "../syntax/message.js";
import type { SipLimits } from "../syntax/parse-message.js";
import { serializeSipMessage } from "../syntax/serialize-message.js";
import { canonicalAddress, defaultPort, hostForHeader, stripBrackets } from "./addresses.js";
import { readInbound } from "./inbound.js";
import { responseTarget } from "./response-route.js";
import type { Origin, OutboundRequest, OutboundResponse, SendCallback, SendTarget, SentBy, SipTransportService, TransportProtocol, TransportUser } from "./types.js";
import { newCounters, notify, viaTransportToken } from "./types.js";

export interface LoopbackPacket {
  /** Order of sending, from 1. */
  readonly seq: number;
  readonly protocol: TransportProtocol;
  readonly fromAddress: string;
  readonly fromPort: number;
  readonly toAddress: string;
  readonly toPort: number;
  readonly bytes: Uint8Array;
  /** The start line, for rules and the trace. */
  readonly summary: string;
}

/** What happens to one packet: lost, late, or delivered more than once. */
export interface FaultDecision {
  readonly drop?: boolean;
  /** Added to the network latency. */
  readonly delayMs?: number;
  /** Extra copies delivered after the first. */
  readonly duplicates?: number;
}

export type FaultRule = (p: LoopbackPacket) => FaultDecision | undefined;

const LIMITS: SipLimits = { maxMessageBytes: 65_535, maxHeaders: 256 };
const decoder = new TextDecoder();

/** The start line; for a response also the method of its CSeq. */
function summary(bytes: Uint8Array): string {
  let end = 0;
  while (end < bytes.length && end < 200 && bytes[end] !== 0x0d && bytes[end] !== 0x0a) end++;
  const line = decoder.decode(bytes.subarray(0, end));
  if (!line.startsWith("SIP/")) return line;
  const cseq = /\r\n(?:CSeq)[ \t]*:[ \t]*[0-9]+[ \t]+([A-Za-z]+)/i.exec(decoder.decode(bytes.subarray(0, Math.min(bytes.length, 2048))));
  return cseq?.[1] !== undefined ? `${line} (${cseq[1]})` : line;
}

export class LoopbackNetwork {
  readonly clock: Clock;
  /** One line per packet: time, endpoints, start line, fate. */
  readonly trace: string[] = [];
  private readonly latencyMs: number;
  private readonly endpoints = new Map<string, LoopbackTransport>();
  private faults: FaultRule[] = [];
  private seq = 0;
  private connectionIds = new Map<string, number>();

  constructor(clock: Clock, opts: { readonly latencyMs?: number } = {}) {
    this.clock = clock;
    this.latencyMs = opts.latencyMs ?? 0;
  }

  addFault(rule: FaultRule): void {
    this.faults.push(rule);
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Drop the next `count` packets whose start line matches `pattern`. */
  dropNext(pattern: RegExp, count = 1): void {
    let left = count;
    this.addFault((p) => {
      if (left > 0 && pattern.test(p.summary)) {
        left--;
        return { drop: true };
      }
      return undefined;
    });
  }

  private key(protocol: TransportProtocol, address: string, port: number): string {
    return `${protocol}|${canonicalAddress(address)}|${port}`;
  }

  attach(t: LoopbackTransport): void {
    const k = this.key(t.protocol, t.address, t.port);
    if (this.endpoints.has(k)) throw new Error(`loopback endpoint ${t.protocol} ${t.address}:${t.port} attached twice`);
    this.endpoints.set(k, t);
  }

  detach(t: LoopbackTransport): void {
    this.endpoints.delete(this.key(t.protocol, t.address, t.port));
  }

  /** A connection id shared by both ends of a "tcp" pair. */
  connectionId(a: string, b: string): number {
    const k = a < b ? `${a}#${b}` : `${b}#${a}`;
    let id = this.connectionIds.get(k);
    if (id === undefined) {
      id = this.connectionIds.size + 1;
      this.connectionIds.set(k, id);
    }
    return id;
  }

  /** Send one packet; false when nobody is attached there (an ICMP-style error for the sender). */
  send(from: LoopbackTransport, protocol: TransportProtocol, toHost: string, toPort: number, bytes: Uint8Array): boolean {
    const toAddress = stripBrackets(toHost);
    const target = this.endpoints.get(this.key(protocol, toAddress, toPort));
    const p: LoopbackPacket = { seq: ++this.seq, protocol, fromAddress: from.address, fromPort: from.port, toAddress, toPort, bytes, summary: summary(bytes) };
    let drop = false;
    let delay = this.latencyMs;
    let copies = 1;
    for (const rule of this.faults) {
      const d = rule(p);
      if (d === undefined) continue;
      if (d.drop === true) drop = true;
      delay += d.delayMs ?? 0;
      copies += d.duplicates ?? 0;
    }
    const fate = target === undefined ? " (unreachable)" : drop ? " (dropped)" : copies > 1 ? ` (x${copies})` : delay !== this.latencyMs ? ` (+${delay - this.latencyMs} ms)` : "";
    this.trace.push(`${this.clock.now()} ${hostForHeader(from.address)}:${from.port} -> ${hostForHeader(toAddress)}:${toPort} ${protocol.toUpperCase()} ${p.summary}${fate}`);
    if (target === undefined) return false;
    if (drop) return true;
    for (let i = 0; i < copies; i++) this.clock.setTimer(delay, () => target.deliver(p));
    return true;
  }
}

export class LoopbackTransport implements SipTransportService {
  readonly counters = newCounters();
  readonly protocol: TransportProtocol;
  readonly address: string;
  readonly port: number;
  private readonly network: LoopbackNetwork;
  private readonly log: Logger;
  private user: TransportUser | undefined;
  private readonly mySentBy: SentBy;
  private tags = 0;
  private closed = false;

  constructor(network: LoopbackNetwork, opts: { readonly protocol?: TransportProtocol; readonly address: string; readonly port?: number; readonly log?: Logger }) {
    this.network = network;
    this.protocol = opts.protocol ?? "udp";
    this.address = stripBrackets(opts.address);
    this.port = opts.port ?? defaultPort(this.protocol);
    this.log = opts.log ?? silentLogger;
    this.mySentBy = { protocol: this.protocol, transport: viaTransportToken(this.protocol), host: hostForHeader(this.address), port: this.port };
    network.attach(this);
  }

  setUser(user: TransportUser): void {
    this.user = user;
  }

  sentBy(target: SendTarget): SentBy | undefined {
    return target.protocol === this.protocol ? this.mySentBy : undefined;
  }

  private transmit(protocol: TransportProtocol, host: string, port: number, bytes: Uint8Array, done: SendCallback | undefined): void {
    if (this.closed || protocol !== this.protocol) {
      this.counters.sendFailures++;
      const reason = this.closed ? "loopback transport closed" : `no ${protocol.toUpperCase()} on this loopback endpoint`;
      if (done) queueMicrotask(() => notify(done, { ok: false, error: { code: this.closed ? "shut-down" : "no-transport", reason, protocol, host, port } }));
      return;
    }
    this.counters.messagesOut++;
    this.counters.bytesOut += bytes.length;
    const ok = this.network.send(this, protocol, host, port, bytes);
    const connectionId = protocol === "udp" ? undefined : this.network.connectionId(`${this.address}:${this.port}`, `${stripBrackets(host)}:${port}`);
    if (!ok) this.counters.sendFailures++;
    if (done) {
      queueMicrotask(() =>
        notify(done, ok ? { ok: true, connectionId } : { ok: false, error: { code: protocol === "udp" ? "send-failed" : "connect-failed", reason: `nothing listens on ${protocol.toUpperCase()} ${host}:${port}`, protocol, host, port } }),
      );
    }
  }

  sendRequest(request: SipMessage, target: SendTarget, done?: SendCallback): OutboundRequest {
    const bytes = serializeSipMessage(request);
    this.transmit(target.protocol, target.host, target.port, bytes, done);
    return { message: request, bytes, target };
  }

  resendRequest(sent: OutboundRequest, done?: SendCallback): void {
    this.transmit(sent.target.protocol, sent.target.host, sent.target.port, sent.bytes, done);
  }

  sendResponse(response: SipMessage, origin: Origin, done?: SendCallback): OutboundResponse {
    const top = response.via[0];
    if (top === undefined) throw new Error("a response without Via cannot be sent (RFC 3261 §8.2.6.2)");
    const sent = { bytes: serializeSipMessage(response), origin, target: responseTarget(top, origin) };
    this.resendResponse(sent, done);
    return sent;
  }

  resendResponse(sent: OutboundResponse, done?: SendCallback): void {
    this.transmit(sent.target.protocol, sent.target.host, sent.target.port, sent.bytes, done);
  }

  /** Called by the network. */
  deliver(p: LoopbackPacket): void {
    if (this.closed) return;
    this.counters.bytesIn += p.bytes.length;
    const stream = p.protocol !== "udp";
    const origin: Origin = {
      protocol: p.protocol,
      remoteAddress: p.fromAddress,
      remotePort: p.fromPort,
      localAddress: this.address,
      localPort: this.port,
      listenerId: 0,
      connectionId: stream ? this.network.connectionId(`${p.fromAddress}:${p.fromPort}`, `${this.address}:${this.port}`) : undefined,
    };
    const r = readInbound(p.bytes, origin, {
      stream,
      limits: LIMITS,
      isOurSentBy: (host, port) => canonicalAddress(host) === canonicalAddress(this.address) && (port ?? defaultPort(this.protocol)) === this.port,
      makeTag: () => `lb${++this.tags}`,
    });
    if (r.kind === "message") {
      this.counters.messagesIn++;
      this.user?.receiveMessage(r.message, origin);
    } else if (r.kind === "answer") {
      this.counters.badRequestsAnswered++;
      this.transmit(p.protocol, p.fromAddress, p.fromPort, r.bytes, undefined);
    } else {
      this.counters[r.counter]++;
      this.log.debug({ reason: r.reason }, "loopback: message dropped");
    }
  }

  close(): void {
    this.closed = true;
    this.network.detach(this);
  }
}
