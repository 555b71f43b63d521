/**
 * SIP as a gateway component: the transports of `sip.listen` (RFC 3261 §18;
 * UDP, TCP, TLS with certificates from files), the transaction layer with
 * the configured timers (§17) and the user-agent core (§8, §12-§15). The
 * call logic takes `ua` once the component has started.
 */
import { readFileSync } from "node:fs";
import type { Clock } from "../core/clock.js";
import { SystemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { GatewayConfig } from "../config/schema.js";
import { transactionTimers } from "../sip/transaction/timers.js";
import type { ListenerConfig } from "../sip/transport/sip-transport.js";
import { SipTransport } from "../sip/transport/sip-transport.js";
import { createUserAgent } from "../sip/ua/index.js";
import type { UserAgentCore } from "../sip/ua/index.js";
import { PeerRegistry } from "../sip/peers/peer-registry.js";
import { userAgentSender } from "../sip/peers/request-sender.js";
import { peerTimers } from "../sip/peers/timers.js";
import type { SipMessage } from "../sip/syntax/message.js";
import type { ScreenDecision } from "../sip/transaction/transaction-layer.js";
import { packageVersion } from "./version.js";

export class SipComponent {
  readonly name = "sip";
  private transport: SipTransport | undefined;
  private core: UserAgentCore | undefined;
  private registry: PeerRegistry | undefined;
  private readonly clock: Clock;
  /** The peer the inbound guard matched each accepted request to (kept while the request lives). */
  private readonly peerOfRequest = new WeakMap<SipMessage, string>();

  constructor(
    private readonly config: GatewayConfig,
    private readonly log: Logger,
    clock?: Clock,
  ) {
    this.clock = clock ?? new SystemClock();
  }

  /** The user-agent core, once started. */
  get ua(): UserAgentCore | undefined {
    return this.core;
  }

  /** The configured peers (registration, keep-alive, inbound guard), once started; undefined without sip.peers. */
  get peers(): PeerRegistry | undefined {
    return this.registry;
  }

  /** The peer the inbound guard matched a request to; undefined when no peers are configured. */
  peerOf(request: SipMessage): string | undefined {
    return this.peerOfRequest.get(request);
  }

  /** Where each listener is bound (after start: ephemeral ports resolved). */
  bound(): { protocol: string; address: string; port: number }[] {
    return this.transport?.listening() ?? [];
  }

  async start(): Promise<void> {
    const listeners: ListenerConfig[] = this.config.sip.listen.map((l) => ({
      protocol: l.transport,
      address: l.address,
      port: l.port,
      ...(l.transport === "tls"
        ? {
            tls: {
              key: readFileSync(required(l.privateKey, "privateKey")),
              cert: readFileSync(required(l.certificate, "certificate")),
            },
          }
        : {}),
    }));
    const transport = new SipTransport({
      listeners,
      clock: this.clock,
      log: this.log.child({ layer: "transport" }),
      limits: { maxMessageBytes: this.config.sip.maxMessageBytes, maxHeaders: 256 },
    });
    await transport.start();
    this.transport = transport;
    const withPeers = this.config.sip.peers.length > 0;
    // Every new request passes the inbound guard before any state is kept for it: an INVITE from
    // an unknown or unauthenticated source never reaches routing (access lists, rate limits, 403/407/503).
    const screen = (request: SipMessage, origin: Parameters<PeerRegistry["check"]>[1]): ScreenDecision => {
      const r = this.registry;
      if (!r) return { action: "accept" };
      const d = r.check(request, origin);
      if (d.ok) {
        this.peerOfRequest.set(request, d.peer);
        return { action: "accept" };
      }
      return d.response ? { action: "respond", response: d.response } : { action: "drop" };
    };
    this.core = createUserAgent({
      transport,
      clock: this.clock,
      log: this.log,
      timers: transactionTimers(this.config.timers["sip"] ?? {}),
      contactUser: "sipt-gw",
      userAgent: `sipt-gw/${packageVersion()}`,
      // RFC 3262 and RFC 4028 offered to every peer; used when the peer asks or agrees.
      reliable: "supported",
      sessionTimer: {},
      ...(withPeers ? { screen } : {}),
    });
    if (withPeers) {
      this.registry = new PeerRegistry({
        peers: this.config.sip.peers,
        access: this.config.sip.access,
        sender: userAgentSender(this.core),
        clock: this.clock,
        log: this.log.child({ layer: "peers" }),
        timers: peerTimers(this.config.timers["sipPeers"] ?? {}),
        localUser: "sipt-gw",
      });
      this.registry.onEvent((e) => this.log.info({ event: e }, "SIP peer"));
      this.registry.start();
    }
    this.log.info({ listening: this.bound(), peers: this.config.sip.peers.map((p) => p.name) }, "SIP listening");
  }

  async stop(): Promise<void> {
    await this.registry?.stop();
    this.registry = undefined;
    this.core?.shutdown();
    await this.transport?.close();
    this.core = undefined;
    this.transport = undefined;
  }

  detail(): string {
    return this.bound()
      .map((l) => `${l.protocol} ${l.address}:${l.port}`)
      .join(", ");
  }
}

function required(v: string | undefined, key: string): string {
  if (v === undefined || v === "") throw new Error(`sip.listen: a TLS listener needs ${key} (a PEM file)`);
  return v;
}
