/**
 * A UDP relay standing between two SIP gateways (A and B) on 127.0.0.1 that
 * records every datagram it carries, so the whole SIP dialogue between them
 * can be checked afterwards (tshark, our own parser).
 *
 * Two sockets: `towardB` (gateway A's trunk points at it) and `towardA`
 * (gateway B's trunk points at it). A datagram that arrives on `towardB` is
 * sent to B from `towardA`, and one that arrives on `towardA` is sent to A
 * from `towardB`, so each gateway sees the relay as its only peer.
 *
 * Responses follow the requests back because the gateways ask for rport
 * (RFC 3581 §4: a response goes to the source address and port of the
 * request, i.e. the relay). In-dialog requests go to the remote target, the
 * Contact URI (RFC 3261 §12.2.1.1); to keep them on the relay, the relay
 * replaces the sender's own address in Contact header fields with the
 * relay socket that leads back to the sender (what a NAT ALG or an SBC does
 * to a Contact). Nothing else in the datagram changes; the datagram is
 * recorded as the gateway sent it, before that rewrite.
 */
import { createSocket, type Socket } from "node:dgram";

export type RelaySide = "A" | "B";

export interface RelayedDatagram {
  /** Arrival order, from 0. */
  readonly index: number;
  /** Who sent it. */
  readonly from: RelaySide;
  /** Milliseconds since the relay opened. */
  readonly t: number;
  readonly srcPort: number;
  readonly dstPort: number;
  /** As the gateway sent it. */
  readonly octets: Uint8Array;
  /** As the relay passed it on (Contact rewritten). */
  readonly forwarded: Uint8Array;
}

/** Largest number of datagrams kept (bounded memory whatever a test does). */
const KEEP = 10_000;

const CRLF2 = Buffer.from("\r\n\r\n");

/** Contact header fields (RFC 3261 §20.10; compact form "m", §7.3.3). */
const CONTACT_LINE = /^(contact|m)[ \t]*:/i;

/**
 * `octets` with `host:fromPort` replaced by `host:toPort` in Contact header
 * fields; the body (after the first empty line) is left as it is.
 */
export function rewriteContact(octets: Uint8Array, host: string, fromPort: number, toPort: number): Uint8Array {
  const buf = Buffer.from(octets.buffer, octets.byteOffset, octets.byteLength);
  const end = buf.indexOf(CRLF2);
  if (end < 0) return octets;
  const head = buf.subarray(0, end).toString("latin1");
  const needle = `${host}:${fromPort}`;
  let changed = false;
  const lines = head.split("\r\n").map((line) => {
    if (!CONTACT_LINE.test(line) || !line.includes(needle)) return line;
    changed = true;
    return line.split(needle).join(`${host}:${toPort}`);
  });
  if (!changed) return octets;
  return new Uint8Array(Buffer.concat([Buffer.from(lines.join("\r\n"), "latin1"), buf.subarray(end)]));
}

export class SipRelay {
  readonly datagrams: RelayedDatagram[] = [];
  /** Datagrams that arrived from an address that is neither gateway (dropped). */
  strays = 0;
  private readonly startedMs = Date.now();
  private aPort = 0;
  private bPort = 0;

  private constructor(
    private readonly towardB: Socket,
    private readonly towardA: Socket,
    readonly host: string,
  ) {
    towardB.on("message", (msg, rinfo) => this.relay(msg, rinfo.address, rinfo.port, "A"));
    towardA.on("message", (msg, rinfo) => this.relay(msg, rinfo.address, rinfo.port, "B"));
  }

  static async open(host = "127.0.0.1"): Promise<SipRelay> {
    const bind = (s: Socket): Promise<void> =>
      new Promise((resolve, reject) => {
        s.once("error", reject);
        s.bind(0, host, () => {
          s.off("error", reject);
          resolve();
        });
      });
    const b = createSocket("udp4");
    const a = createSocket("udp4");
    try {
      await bind(b);
      await bind(a);
    } catch (e) {
      b.close();
      a.close();
      throw e;
    }
    return new SipRelay(b, a, host);
  }

  /** The port gateway A sends to (its trunk's peer). */
  get portTowardB(): number {
    return this.towardB.address().port;
  }

  /** The port gateway B sends to (its trunk's peer). */
  get portTowardA(): number {
    return this.towardA.address().port;
  }

  /** Where the gateways listen; datagrams before this call are dropped. */
  connect(aPort: number, bPort: number): void {
    this.aPort = aPort;
    this.bPort = bPort;
  }

  private relay(msg: Buffer, address: string, port: number, from: RelaySide): void {
    const expected = from === "A" ? this.aPort : this.bPort;
    if (expected === 0 || address !== this.host || port !== expected) {
      this.strays++;
      return;
    }
    const octets = new Uint8Array(msg);
    // The sender's Contact must lead back through the socket that forwards to it.
    const back = from === "A" ? this.portTowardA : this.portTowardB;
    const forwarded = rewriteContact(octets, this.host, port, back);
    if (this.datagrams.length < KEEP) {
      this.datagrams.push({
        index: this.datagrams.length,
        from,
        t: Date.now() - this.startedMs,
        srcPort: port,
        dstPort: from === "A" ? this.portTowardB : this.portTowardA,
        octets,
        forwarded,
      });
    }
    const out = from === "A" ? this.towardA : this.towardB;
    out.send(forwarded, from === "A" ? this.bPort : this.aPort, this.host);
  }

  async close(): Promise<void> {
    await Promise.all([new Promise<void>((r) => this.towardB.close(() => r())), new Promise<void>((r) => this.towardA.close(() => r()))]);
  }
}
