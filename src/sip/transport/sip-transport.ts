/**
 * The SIP transport, RFC 3261 §18: UDP (node:dgram), TCP (node:net) and TLS
 * (node:tls, RFC 3261 §26.2), IPv4 and IPv6, each listener bound to a
 * configured address. The only I/O of the SIP stack; it knows nothing of
 * transactions: it delivers parsed messages upward (`TransportUser`) and
 * reports the outcome of each send to whoever asked.
 *
 *  - §18.1.1: a request over UDP larger than MTU - 200 octets (1300 with the
 *    default MTU of 1500) goes over TCP when the next hop allows it (it did
 *    not name its transport and a TCP listener exists), with the top Via's
 *    transport and sent-by changed to match.
 *  - §18.1.2: responses are matched to us by the sent-by of their top Via.
 *  - §18.2.1 / RFC 3581 §4: received and rport in the top Via of requests.
 *  - §18.2.2: responses sent per Via (see response-route.ts); datagrams leave
 *    from the socket the request arrived on.
 *  - §18.3 and RFC 5626 §4.4.1: stream framing and CRLF keep-alive
 *    (stream-connection.ts); RFC 5923 §4: a connection is reused for any
 *    message to the same address and port, whichever side opened it, and a
 *    connection is also reachable under the `alias` sent-by of a request
 *    (TLS with a verified peer, TCP when allowed); idle connections are
 *    closed after `idleTimeoutMs`.
 *  - Malformed input: see inbound.ts. Nothing read from the network throws.
 */
import { createSocket } from "node:dgram";
import type { RemoteInfo, Socket as UdpSocket } from "node:dgram";
import { createServer, connect as netConnect } from "node:net";
import type { Server, Socket } from "node:net";
import { connect as tlsConnect, createServer as createTlsServer } from "node:tls";
import type { TLSSocket } from "node:tls";
import { randomBytes } from "node:crypto";
import { lookup as dnsLookup } from "node:dns";
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { makeVia } from "../syntax/header-values.js";
import type { SipMessage } from "../syntax/message.js";
import type { SipLimits } from "../syntax/parse-message.js";
import { serializeSipMessage } from "../syntax/serialize-message.js";
import { addressFamily, canonicalAddress, defaultPort, flowKey, hostForHeader, isIpLiteral, stripBrackets, unmapIPv4 } from "./addresses.js";
import type { Inbound } from "./inbound.js";
import { readInbound, withTopVia } from "./inbound.js";
import { responseTarget } from "./response-route.js";
import type { ConnectionOwner } from "./stream-connection.js";
import { StreamConnection } from "./stream-connection.js";
import type {
  Origin,
  OutboundRequest,
  OutboundResponse,
  SendCallback,
  SendOutcome,
  SendTarget,
  SentBy,
  SipTransportService,
  TransportCounters,
  TransportFailure,
  TransportFailureCode,
  TransportProtocol,
  TransportUser,
} from "./types.js";
import { newCounters, notify, viaTransportToken } from "./types.js";

/** Certificates and verification for TLS (RFC 3261 §26.2.1, RFC 5922). */
export interface TlsConfig {
  /** PEM private key and certificate chain of this side. */
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /** Trusted CAs (PEM) for the peer's certificate; the system store when absent. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** Server side: ask the client for a certificate (mutual TLS). */
  readonly requestCert?: boolean;
  /** Refuse a peer whose certificate does not verify (default true). */
  readonly rejectUnauthorized?: boolean;
  /** Client side: the name to verify the server's certificate against when connecting to an IP literal. */
  readonly servername?: string;
}

export interface ListenerConfig {
  readonly protocol: TransportProtocol;
  /** Bind address, an IP literal ("127.0.0.1", "::1", "0.0.0.0", "::"). */
  readonly address: string;
  /** 0 picks an ephemeral port (a TCP or TLS listener then tries the port of a UDP listener on the same address first, §18.2.1). */
  readonly port: number;
  /** Written in Via sent-by and Contact instead of the bound address and port (wildcard binds, NAT). */
  readonly advertise?: { readonly host: string; readonly port?: number };
  /** Required for a TLS listener; also used for connections it opens. */
  readonly tls?: TlsConfig;
}

export interface SipTransportOptions {
  readonly listeners: readonly ListenerConfig[];
  readonly clock: Clock;
  readonly log: Logger;
  readonly limits?: SipLimits;
  /** Path MTU (RFC 3261 §18.1.1); requests over UDP above MTU - 200 octets move to TCP. Default 1500. */
  readonly mtu?: number;
  /** Keep-alive interval for connections we open (RFC 5626 §4.4.1); 0 turns it off. Default 0. */
  readonly keepAliveIntervalMs?: number;
  /** How long a pong may take (RFC 5626 §4.4.1: 10 s). */
  readonly keepAliveTimeoutMs?: number;
  /** Close a connection idle this long. Default 300 000 ms; 0 turns reaping off. */
  readonly idleTimeoutMs?: number;
  /** Give up a connection attempt after this long. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Most stream connections at once; further accepted ones are closed. Default 10 000. */
  readonly maxConnections?: number;
  /** Honour `alias` (RFC 5923) on TCP, where the peer's identity cannot be checked. Default false. */
  readonly acceptTcpAlias?: boolean;
  /** Kernel socket buffer size for UDP listeners, octets (high call rates). */
  readonly udpBufferBytes?: number;
  readonly random?: () => number;
}

export const DEFAULT_LIMITS: SipLimits = { maxMessageBytes: 65_535, maxHeaders: 256 };

/**
 * Address lookup for datagram sockets: an IP literal is its own address at
 * once (the default lookup defers even those to the next tick, a cost paid on
 * every send); names go to the system resolver.
 */
function datagramLookup(host: string, family: unknown, cb: (err: Error | null, address: string, family: number) => void): void {
  const fam = addressFamily(host);
  if (fam !== undefined) {
    cb(null, stripBrackets(host), fam);
    return;
  }
  dnsLookup(host, { family: family === 6 ? 6 : 4 }, (err, address, f) => cb(err, address, f));
}

/** The outcome of every datagram handed to the kernel: one shared object, none made per send. */
const DATAGRAM_SENT: SendOutcome = Object.freeze({ ok: true, connectionId: undefined });

/** Largest UDP payload over IPv4 (65 535 - 8 - 20). */
const MAX_DATAGRAM = 65_507;

interface Listener {
  readonly id: number;
  readonly config: ListenerConfig;
  readonly protocol: TransportProtocol;
  readonly family: 4 | 6;
  readonly bindAddress: string;
  port: number;
  udp: UdpSocket | undefined;
  server: Server | undefined;
  /** Sent-by host and port written in our Vias. */
  sentBy: SentBy;
}

function failure(code: TransportFailureCode, reason: string, t: { protocol: TransportProtocol; host: string; port: number }): TransportFailure {
  return { code, reason, protocol: t.protocol, host: t.host, port: t.port };
}

export class SipTransport implements SipTransportService, ConnectionOwner {
  readonly counters: TransportCounters = newCounters();
  private readonly opts: SipTransportOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly limits: SipLimits;
  private readonly udpMaxRequest: number;
  private readonly listeners: Listener[] = [];
  private readonly connections = new Map<number, StreamConnection>();
  private readonly flows = new Map<string, StreamConnection>();
  private readonly ourSentBy = new Set<string>();
  private user: TransportUser | undefined;
  private nextConnectionId = 1;
  private reaper: TimerHandle | undefined;
  private started = false;
  private shutDown = false;
  private readonly random: () => number;
  private readonly tagSeed = randomBytes(4).toString("hex");
  private tagCounter = 0;

  constructor(opts: SipTransportOptions) {
    this.opts = opts;
    this.clock = opts.clock;
    this.log = opts.log;
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    this.udpMaxRequest = (opts.mtu ?? 1500) - 200;
    this.random = opts.random ?? Math.random;
    opts.listeners.forEach((config, id) => {
      const family = addressFamily(config.address);
      if (family === undefined) throw new Error(`SIP listener ${id}: bind address '${config.address}' is not an IP literal`);
      if (config.protocol === "tls" && config.tls === undefined) throw new Error(`SIP listener ${id}: a TLS listener needs tls.key and tls.cert`);
      const bindAddress = stripBrackets(config.address);
      this.listeners.push({
        id,
        config,
        protocol: config.protocol,
        family,
        bindAddress,
        port: config.port,
        udp: undefined,
        server: undefined,
        sentBy: { protocol: config.protocol, transport: viaTransportToken(config.protocol), host: hostForHeader(bindAddress), port: config.port },
      });
    });
  }

  setUser(user: TransportUser): void {
    this.user = user;
  }

  /** Bind every listener. Rejects with what failed (address in use, bad certificate, ...). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const l of this.listeners) {
      if (l.protocol === "udp") await this.bindUdp(l);
      else await this.bindStream(l);
      const adv = l.config.advertise;
      l.sentBy = { protocol: l.protocol, transport: viaTransportToken(l.protocol), host: adv !== undefined ? hostForHeader(stripBrackets(adv.host)) : hostForHeader(l.bindAddress), port: adv?.port ?? l.port };
      this.ourSentBy.add(`${canonicalAddress(l.sentBy.host)}|${l.sentBy.port}`);
      if (adv === undefined && (l.bindAddress === "0.0.0.0" || l.bindAddress === "::")) {
        this.log.warn({ protocol: l.protocol, port: l.port }, "SIP listener bound to a wildcard address without an advertised address: Via and Contact will name the wildcard");
      }
      this.log.info({ protocol: l.protocol, address: l.bindAddress, port: l.port }, `SIP transport listening on ${l.protocol.toUpperCase()} ${hostForHeader(l.bindAddress)}:${l.port}`);
    }
    const idle = this.opts.idleTimeoutMs ?? 300_000;
    if (idle > 0) this.armReaper(idle);
  }

  /** Bound listeners with their actual ports (ephemeral ones resolved). */
  listening(): { protocol: TransportProtocol; address: string; port: number; sentBy: SentBy }[] {
    return this.listeners.map((l) => ({ protocol: l.protocol, address: l.bindAddress, port: l.port, sentBy: l.sentBy }));
  }

  private bindUdp(l: Listener): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = createSocket({ type: l.family === 4 ? "udp4" : "udp6", ipv6Only: l.family === 6, lookup: datagramLookup });
      const onError = (e: Error): void => reject(new Error(`SIP UDP listener on ${l.bindAddress}:${l.port}: ${e.message}`));
      s.once("error", onError);
      s.bind({ address: l.bindAddress, port: l.port, exclusive: true }, () => {
        s.off("error", onError);
        l.port = s.address().port;
        l.udp = s;
        if (this.opts.udpBufferBytes !== undefined) {
          try {
            s.setRecvBufferSize(this.opts.udpBufferBytes);
            s.setSendBufferSize(this.opts.udpBufferBytes);
          } catch (e) {
            this.log.warn({ err: (e as Error).message }, "SIP UDP socket buffer size not applied");
          }
        }
        s.on("error", (e) => this.log.error({ err: e.message, port: l.port }, "SIP UDP socket error"));
        s.on("message", (msg, rinfo) => this.onDatagram(l, msg, rinfo));
        resolve();
      });
    });
  }

  private async bindStream(l: Listener): Promise<void> {
    // §18.2.1: a server listening on UDP listens on the same port for TCP; an ephemeral stream listener
    // takes the port of the UDP listener on its address unless another of its protocol has it.
    const portTaken = (port: number): boolean => this.listeners.some((o) => o !== l && o.protocol === l.protocol && o.port === port);
    const sameUdp = l.port === 0 ? this.listeners.find((u) => u.protocol === "udp" && u.udp !== undefined && u.bindAddress === l.bindAddress && !portTaken(u.port)) : undefined;
    if (sameUdp !== undefined) {
      try {
        await this.listenStream(l, sameUdp.port);
        return;
      } catch {
        // that port is taken for TCP: take any
      }
    }
    await this.listenStream(l, l.port);
  }

  private listenStream(l: Listener, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let server: Server;
      if (l.protocol === "tls") {
        const t = l.config.tls as TlsConfig;
        server = createTlsServer(
          {
            key: t.key,
            cert: t.cert,
            ...(t.ca !== undefined ? { ca: t.ca as string | Buffer | (string | Buffer)[] } : {}),
            requestCert: t.requestCert ?? false,
            rejectUnauthorized: t.rejectUnauthorized ?? true,
          },
          (sock) => this.onAccepted(l, sock, sock.authorized),
        );
        server.on("tlsClientError", (e) => this.log.warn({ err: e.message }, "SIP TLS handshake with a client failed"));
      } else {
        server = createServer((sock) => this.onAccepted(l, sock, false));
      }
      const onError = (e: Error): void => reject(new Error(`SIP ${l.protocol.toUpperCase()} listener on ${l.bindAddress}:${port}: ${e.message}`));
      server.once("error", onError);
      server.listen({ host: l.bindAddress, port, ipv6Only: l.family === 6, exclusive: true }, () => {
        server.off("error", onError);
        server.on("error", (e) => this.log.error({ err: e.message }, "SIP stream listener error"));
        const a = server.address();
        l.port = typeof a === "object" && a !== null ? a.port : port;
        l.server = server;
        resolve();
      });
    });
  }

  // ------------------------------------------------------------------ sending

  /** The listener that sends to `target`: its protocol and address family (a name: IPv4 first). */
  private listenerFor(protocol: TransportProtocol, host: string): Listener | undefined {
    const fam = addressFamily(host);
    let fallback: Listener | undefined;
    for (const l of this.listeners) {
      if (l.protocol !== protocol) continue;
      if (fam === undefined || l.family === fam) {
        if (fam !== undefined || l.family === 4) return l;
        fallback ??= l;
      }
    }
    return fallback;
  }

  sentBy(target: SendTarget): SentBy | undefined {
    return this.listenerFor(target.protocol, target.host)?.sentBy;
  }

  sendRequest(request: SipMessage, target: SendTarget, done?: SendCallback): OutboundRequest {
    let message = request;
    let bytes = serializeSipMessage(request);
    let t = target;
    if (target.protocol === "udp" && bytes.length > this.udpMaxRequest && target.protocolFixed !== true) {
      // §18.1.1: too close to the MTU for UDP: a congestion-controlled transport, when the next hop allows it.
      const tcp = this.listenerFor("tcp", target.host);
      const top = request.via[0];
      if (tcp !== undefined && top !== undefined) {
        const via = makeVia("TCP", tcp.sentBy.host, isIpLiteral(tcp.sentBy.host) ? (addressFamily(tcp.sentBy.host) === 6 ? "ipv6" : "ipv4") : "hostname", tcp.sentBy.port, top.params);
        message = withTopVia(request, via);
        bytes = serializeSipMessage(message);
        t = { protocol: "tcp", host: target.host, port: target.port };
        this.counters.udpToTcpSwitches++;
      }
    }
    this.write(t, bytes, undefined, done);
    return { message, bytes, target: t };
  }

  resendRequest(sent: OutboundRequest, done?: SendCallback): void {
    this.write(sent.target, sent.bytes, undefined, done);
  }

  sendResponse(response: SipMessage, origin: Origin, done?: SendCallback): OutboundResponse {
    const top = response.via[0];
    if (top === undefined) throw new Error("a response without Via cannot be sent (RFC 3261 §8.2.6.2)");
    const sent = { bytes: serializeSipMessage(response), origin, target: responseTarget(top, origin) };
    this.resendResponse(sent, done);
    return sent;
  }

  resendResponse(sent: OutboundResponse, done?: SendCallback): void {
    this.write(sent.target, sent.bytes, sent.origin, done);
  }

  private fail(done: SendCallback | undefined, f: TransportFailure): void {
    this.counters.sendFailures++;
    if (done) queueMicrotask(() => notify(done, { ok: false, error: f }));
  }

  private write(target: SendTarget, bytes: Uint8Array, origin: Origin | undefined, done: SendCallback | undefined): void {
    if (this.shutDown) {
      this.fail(done, failure("shut-down", "the SIP transport is shut down", target));
      return;
    }
    const host = stripBrackets(target.host);
    if (target.protocol === "udp") {
      if (bytes.length > MAX_DATAGRAM) {
        this.fail(done, failure("too-large", `${bytes.length} octets do not fit a UDP datagram`, target));
        return;
      }
      const fromListener = origin !== undefined ? this.listeners[origin.listenerId] : undefined;
      const l = fromListener?.udp !== undefined ? fromListener : this.listenerFor("udp", host);
      if (l?.udp === undefined) {
        this.fail(done, failure("no-transport", `no UDP listener for ${addressFamily(host) === 6 ? "IPv6" : "IPv4"}`, target));
        return;
      }
      this.counters.messagesOut++;
      this.counters.bytesOut += bytes.length;
      l.udp.send(bytes, target.port, host, (err) => {
        if (err) {
          this.counters.sendFailures++;
          notify(done, { ok: false, error: failure("send-failed", err.message, target) });
        } else notify(done, DATAGRAM_SENT);
      });
      return;
    }
    let conn = target.connectionId !== undefined ? this.connections.get(target.connectionId) : undefined;
    if (conn === undefined || !conn.isOpen) conn = this.flows.get(flowKey(target.protocol, host, target.port));
    if (conn === undefined || !conn.isOpen) {
      const opened = this.open(target.protocol, host, target.port);
      if (typeof opened === "string") {
        this.fail(done, failure("no-transport", opened, target));
        return;
      }
      conn = opened;
    }
    const c = conn;
    this.counters.messagesOut++;
    this.counters.bytesOut += bytes.length;
    c.write(bytes, (err) => {
      if (err) {
        this.counters.sendFailures++;
        notify(done, { ok: false, error: failure(c.isUp || c.isOpen ? "send-failed" : "connect-failed", err.message, target) });
      } else notify(done, { ok: true, connectionId: c.id });
    });
  }

  /** Open a connection (§18.1.1 / RFC 5923 §4: kept for reuse); a string says why not. */
  private open(protocol: TransportProtocol, host: string, port: number): StreamConnection | string {
    const l = this.listenerFor(protocol, host);
    if (l === undefined) return `no ${protocol.toUpperCase()} listener for this address family`;
    const max = this.opts.maxConnections ?? 10_000;
    if (this.connections.size >= max) return `${max} connections open`;
    let sock: Socket;
    const localAddress = l.bindAddress === "0.0.0.0" || l.bindAddress === "::" ? undefined : l.bindAddress;
    if (protocol === "tls") {
      const t = l.config.tls as TlsConfig;
      const servername = t.servername ?? (isIpLiteral(host) ? undefined : host);
      sock = tlsConnect({
        host,
        port,
        key: t.key,
        cert: t.cert,
        ...(t.ca !== undefined ? { ca: t.ca as string | Buffer | (string | Buffer)[] } : {}),
        ...(servername !== undefined ? { servername } : {}),
        ...(localAddress !== undefined ? { localAddress } : {}),
        rejectUnauthorized: t.rejectUnauthorized ?? true,
      });
    } else {
      sock = netConnect({ host, port, ...(localAddress !== undefined ? { localAddress } : {}) });
    }
    const conn = new StreamConnection({ id: this.nextConnectionId++, protocol, outbound: true, socket: sock, remoteAddress: host, remotePort: port, listenerId: l.id, owner: this, clock: this.clock, limits: this.limits, up: false });
    this.connections.set(conn.id, conn);
    this.addFlow(conn, flowKey(protocol, host, port));
    this.counters.connectionsOpened++;
    const timeout = this.clock.setTimer(this.opts.connectTimeoutMs ?? 10_000, () => {
      if (!conn.isUp) conn.destroy(`no connection within ${this.opts.connectTimeoutMs ?? 10_000} ms`);
    });
    const onUp = (): void => {
      timeout.cancel();
      if (protocol === "tls") conn.authorized = (sock as TLSSocket).authorized;
      conn.markUp();
      conn.startKeepAlive(this.opts.keepAliveIntervalMs ?? 0, this.opts.keepAliveTimeoutMs ?? 10_000, this.random);
    };
    if (protocol === "tls") sock.once("secureConnect", onUp);
    else sock.once("connect", onUp);
    sock.once("close", () => timeout.cancel());
    return conn;
  }

  private addFlow(conn: StreamConnection, key: string): void {
    const old = this.flows.get(key);
    if (old !== undefined && old !== conn && old.isOpen) return;
    this.flows.set(key, conn);
    conn.keys.add(key);
  }

  private onAccepted(l: Listener, sock: Socket, authorized: boolean): void {
    const max = this.opts.maxConnections ?? 10_000;
    if (this.connections.size >= max || this.shutDown) {
      this.log.warn({ max }, "SIP connection refused: connection limit reached");
      sock.destroy();
      return;
    }
    const remoteAddress = unmapIPv4(sock.remoteAddress ?? "");
    const remotePort = sock.remotePort ?? 0;
    const conn = new StreamConnection({ id: this.nextConnectionId++, protocol: l.protocol, outbound: false, socket: sock, remoteAddress, remotePort, listenerId: l.id, owner: this, clock: this.clock, limits: this.limits, up: true });
    conn.authorized = authorized;
    this.connections.set(conn.id, conn);
    this.addFlow(conn, flowKey(l.protocol, remoteAddress, remotePort));
    this.counters.connectionsAccepted++;
  }

  // ---------------------------------------------------------------- receiving

  private makeTag = (): string => `${this.tagSeed}${(this.tagCounter++).toString(36)}`;

  private isOurSentBy = (host: string, port: number | undefined): boolean => {
    if (port === undefined) {
      // A sent-by without a port means the default port of its transport.
      return this.ourSentBy.has(`${canonicalAddress(host)}|5060`) || this.ourSentBy.has(`${canonicalAddress(host)}|5061`);
    }
    return this.ourSentBy.has(`${canonicalAddress(host)}|${port}`);
  };

  private onDatagram(l: Listener, msg: Buffer, rinfo: RemoteInfo): void {
    this.counters.bytesIn += msg.length;
    // RFC 5626 §4.4.2 STUN keep-alives (first octet 0 or 1) and bare CRLF keep-alives carry no SIP.
    const first = msg[0] ?? 0;
    if (msg.length <= 4 || (first < 0x20 && first !== 0x0d && first !== 0x0a)) return;
    const origin: Origin = { protocol: "udp", remoteAddress: unmapIPv4(rinfo.address), remotePort: rinfo.port, localAddress: l.bindAddress, localPort: l.port, listenerId: l.id, connectionId: undefined };
    const r = readInbound(msg, origin, { stream: false, limits: this.limits, isOurSentBy: this.isOurSentBy, makeTag: this.makeTag });
    this.handleInbound(r, origin, undefined);
  }

  frame(conn: StreamConnection, bytes: Uint8Array): void {
    this.counters.bytesIn += bytes.length;
    const l = this.listeners[conn.listenerId] as Listener;
    const origin: Origin = {
      protocol: conn.protocol,
      remoteAddress: unmapIPv4(conn.remoteAddress),
      remotePort: conn.remotePort,
      localAddress: conn.localAddress || l.bindAddress,
      localPort: conn.localPort || l.port,
      listenerId: conn.listenerId,
      connectionId: conn.id,
    };
    const r = readInbound(bytes, origin, { stream: true, limits: this.limits, isOurSentBy: this.isOurSentBy, makeTag: this.makeTag });
    if (r.kind === "message" && r.message.isRequest && !conn.outbound) this.noteAlias(conn, r.message);
    this.handleInbound(r, origin, conn);
  }

  /** RFC 5923 §4: `alias` in the top Via makes this connection the flow to the sent-by address. */
  private noteAlias(conn: StreamConnection, m: SipMessage): void {
    const top = m.via[0];
    if (top === undefined || !top.params.some((p) => p.name.toLowerCase() === "alias")) return;
    const allowed = conn.protocol === "tls" ? conn.authorized : this.opts.acceptTcpAlias === true;
    if (!allowed || !isIpLiteral(top.host)) return;
    this.addFlow(conn, flowKey(conn.protocol, top.host, top.port ?? defaultPort(conn.protocol)));
  }

  private handleInbound(r: Inbound, origin: Origin, conn: StreamConnection | undefined): void {
    switch (r.kind) {
      case "message":
        this.counters.messagesIn++;
        if (this.user !== undefined) this.user.receiveMessage(r.message, origin);
        return;
      case "answer":
        this.counters.badRequestsAnswered++;
        this.log.debug({ from: `${origin.remoteAddress}:${origin.remotePort}`, status: r.status, reason: r.reason }, "SIP request did not parse: answered");
        if (conn !== undefined) {
          conn.write(r.bytes);
          if (r.close) {
            this.counters.framingErrors++;
            conn.close("framing lost (RFC 3261 §18.3)");
          }
        } else {
          this.write({ protocol: "udp", host: origin.remoteAddress, port: origin.remotePort }, r.bytes, origin, undefined);
        }
        return;
      case "drop":
        this.counters[r.counter]++;
        this.log.debug({ from: `${origin.remoteAddress}:${origin.remotePort}`, reason: r.reason }, "SIP message dropped");
        if (r.close && conn !== undefined) {
          this.counters.framingErrors++;
          conn.close("framing lost (RFC 3261 §18.3)");
        }
        return;
    }
  }

  // ----------------------------------------------------- connection callbacks

  framingError(conn: StreamConnection, reason: string, status: number): void {
    this.counters.framingErrors++;
    this.log.warn({ connection: conn.id, remote: `${conn.remoteAddress}:${conn.remotePort}`, reason, status }, "SIP stream framing error: closing the connection");
  }

  pingReceived(): void {
    this.counters.keepAlivePongsSent++;
  }

  keepAliveSent(): void {
    this.counters.keepAlivePingsSent++;
  }

  established(conn: StreamConnection): void {
    this.addFlow(conn, flowKey(conn.protocol, conn.remoteAddress, conn.remotePort));
    this.log.debug({ connection: conn.id, protocol: conn.protocol, remote: `${conn.remoteAddress}:${conn.remotePort}` }, "SIP connection established");
  }

  closed(conn: StreamConnection, reason: string, byUs: boolean): void {
    this.connections.delete(conn.id);
    for (const k of conn.keys) if (this.flows.get(k) === conn) this.flows.delete(k);
    this.counters.connectionsClosed++;
    if (reason.startsWith("no keep-alive pong")) this.counters.keepAliveFailures++;
    this.log.debug({ connection: conn.id, reason }, "SIP connection closed");
    if (!byUs && !this.shutDown) this.user?.flowFailed?.(conn.id, reason);
  }

  private armReaper(idleMs: number): void {
    const every = Math.max(1_000, Math.min(idleMs / 2, 30_000));
    this.reaper = this.clock.setTimer(every, () => {
      const now = this.clock.now();
      for (const c of this.connections.values()) {
        if (c.isOpen && now - c.lastActivity >= idleMs) {
          this.counters.connectionsReaped++;
          c.close(`idle for ${idleMs} ms`);
        }
      }
      if (!this.shutDown) this.armReaper(idleMs);
    });
  }

  /** Open connections (for tests and metrics). */
  connectionCount(): number {
    return this.connections.size;
  }

  /** Close every socket; pending sends fail with "shut-down". */
  async close(): Promise<void> {
    if (this.shutDown) return;
    this.shutDown = true;
    this.reaper?.cancel();
    for (const c of [...this.connections.values()]) c.destroy("transport shut down");
    const waits: Promise<void>[] = [];
    for (const l of this.listeners) {
      const udp = l.udp;
      if (udp !== undefined) waits.push(new Promise((resolve) => udp.close(() => resolve())));
      const server = l.server;
      if (server !== undefined) waits.push(new Promise((resolve) => server.close(() => resolve())));
    }
    await Promise.all(waits);
  }
}
