/**
 * The SIP peers of the gateway, built from configuration (`sip.peers`,
 * `sip.access`): for each peer its next hop, an optional registration
 * (registration.ts, RFC 3261 §10), the Digest credentials for challenges it
 * sends us (auth/digest-client.ts, RFC 3261 §22.2-§22.3), an optional
 * OPTIONS keep-alive (keepalive.ts, RFC 3261 §11), and what it may send us
 * (inbound-guard.ts: allowed sources, optional Digest authentication of its
 * INVITEs with auth/digest-verifier.ts). `status()` gives one row per peer
 * for management.
 */
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { TimerValues } from "../../core/timers.js";
import type { DigestAuthenticator } from "../auth/digest-client.js";
import { digestClient } from "../auth/digest-client.js";
import type { DigestAlgorithm } from "../auth/digest-header.js";
import type { UserSecret } from "../auth/digest-verifier.js";
import { DigestVerifier, staticCredentials } from "../auth/digest-verifier.js";
import type { SipMessage } from "../syntax/message.js";
import type { Origin, SendTarget, TransportProtocol } from "../transport/types.js";
import { parsePrefix } from "./cidr.js";
import type { GuardDecision, GuardPeer, SourceRule } from "./inbound-guard.js";
import { InboundGuard } from "./inbound-guard.js";
import type { KeepaliveChange, KeepaliveStatus } from "./keepalive.js";
import { OptionsKeepalive } from "./keepalive.js";
import type { RegistrationStatus } from "./registration.js";
import { RegistrationClient, registrarUri } from "./registration.js";
import type { PeerRequestSender } from "./request-sender.js";
import type { SipPeerTimerName } from "./timers.js";

/** One peer as configuration gives it (the output of `sipPeerSchema` in src/config/schema.ts). */
export interface PeerConfig {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly transport: TransportProtocol;
  readonly register?: { readonly user: string; readonly password?: string | undefined; readonly domain: string; readonly expires: number; readonly authUser?: string | undefined } | undefined;
  readonly auth?: { readonly username: string; readonly password: string; readonly realm?: string | undefined } | undefined;
  readonly keepalive?: { readonly intervalMs?: number | undefined; readonly timeoutMs?: number | undefined; readonly upAfter: number; readonly downAfter: number } | undefined;
  readonly inbound: {
    readonly sources: readonly { readonly cidr: string; readonly port?: number | undefined; readonly transport?: TransportProtocol | undefined }[];
    readonly authenticate: boolean;
    readonly realm?: string | undefined;
    readonly algorithms: readonly DigestAlgorithm[];
    readonly users: readonly { readonly username: string; readonly password?: string | undefined; readonly ha1?: { readonly md5?: string | undefined; readonly sha256?: string | undefined; readonly sha512_256?: string | undefined } | undefined }[];
  };
}

/** `sip.access` from configuration. */
export interface AccessConfig {
  readonly unknownSources: "reject" | "drop";
  readonly rate?:
    | {
        readonly requestsPerSecond: number;
        readonly burst: number;
        readonly invitesPerSecond: number;
        readonly inviteBurst: number;
        readonly dropAbovePerSecond: number;
        readonly retryAfter: number;
        readonly maxSources: number;
      }
    | undefined;
}

export interface PeerRegistryOptions {
  readonly peers: readonly PeerConfig[];
  readonly access: AccessConfig;
  readonly sender: PeerRequestSender;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: TimerValues<SipPeerTimerName>;
  /** The user part of our From in OPTIONS. */
  readonly localUser?: string;
  /** Nonce HMAC key shared by the verifiers (random per process when absent). */
  readonly nonceSecret?: Uint8Array;
  readonly random?: () => number;
}

export type PeerEvent =
  | { readonly peer: string; readonly kind: "registered"; readonly expiresS: number }
  | { readonly peer: string; readonly kind: "registration-failed"; readonly reason: string; readonly status: number | undefined }
  | { readonly peer: string; readonly kind: "registration-retrying"; readonly inMs: number; readonly reason: string }
  | { readonly peer: string; readonly kind: "unregistered"; readonly reason: string }
  | { readonly peer: string; readonly kind: "keepalive"; readonly change: KeepaliveChange };

export interface PeerStatusRow {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly transport: TransportProtocol;
  readonly registration: RegistrationStatus | undefined;
  readonly keepalive: KeepaliveStatus | undefined;
  readonly inbound: { readonly sources: readonly string[]; readonly authenticate: boolean; readonly accepted: number; readonly refused: number };
}

interface Peer {
  readonly config: PeerConfig;
  readonly target: SendTarget;
  readonly authenticator: DigestAuthenticator | undefined;
  readonly registration: RegistrationClient | undefined;
  readonly keepalive: OptionsKeepalive | undefined;
  readonly sources: readonly string[];
}

/** A host for a SIP URI: IPv6 literals in brackets (RFC 3261 §19.1.1). */
function uriHost(address: string): string {
  return address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
}

function isIpLiteral(address: string): boolean {
  return parsePrefix(address) !== undefined;
}

function userSecret(u: PeerConfig["inbound"]["users"][number]): UserSecret {
  if (u.password !== undefined) return { password: u.password };
  const h = u.ha1 ?? {};
  return { ha1: { ...(h.md5 !== undefined ? { MD5: h.md5 } : {}), ...(h.sha256 !== undefined ? { "SHA-256": h.sha256 } : {}), ...(h.sha512_256 !== undefined ? { "SHA-512-256": h.sha512_256 } : {}) } };
}

export class PeerRegistry {
  readonly guard: InboundGuard;
  private readonly peers = new Map<string, Peer>();
  private readonly listeners: ((e: PeerEvent) => void)[] = [];
  private readonly log: Logger;

  constructor(o: PeerRegistryOptions) {
    this.log = o.log;
    const guardPeers: GuardPeer[] = [];
    for (const c of o.peers) {
      if (this.peers.has(c.name)) throw new Error(`peer ${c.name} configured twice`);
      const target: SendTarget = { protocol: c.transport, host: c.address, port: c.port };
      const log = o.log.child({ peer: c.name });
      const authenticator = c.auth !== undefined ? digestClient({ username: c.auth.username, password: c.auth.password, ...(c.auth.realm !== undefined ? { realm: c.auth.realm } : {}) }, o.random) : undefined;
      let registration: RegistrationClient | undefined;
      if (c.register !== undefined) {
        const r = c.register;
        const registrar = registrarUri(r.domain);
        if (registrar === undefined) throw new Error(`peer ${c.name}: register.domain "${r.domain}" is not a SIP domain`);
        const regAuth = r.password !== undefined ? digestClient({ username: r.authUser ?? r.user, password: r.password }, o.random) : authenticator;
        registration = new RegistrationClient({
          name: c.name,
          sender: o.sender,
          clock: o.clock,
          log,
          timers: o.timers,
          target,
          registrar,
          aor: `sip:${r.user}@${uriHost(r.domain)}`,
          expiresS: r.expires,
          ...(regAuth !== undefined ? { authenticator: regAuth } : {}),
          ...(o.random !== undefined ? { random: o.random } : {}),
        });
        registration.on("registered", (e) => this.emit({ peer: c.name, kind: "registered", expiresS: e.expiresS }));
        registration.on("failed", (e) => this.emit({ peer: c.name, kind: "registration-failed", reason: e.reason, status: e.status }));
        registration.on("retrying", (e) => this.emit({ peer: c.name, kind: "registration-retrying", inMs: e.inMs, reason: e.reason }));
        registration.on("unregistered", (e) => this.emit({ peer: c.name, kind: "unregistered", reason: e.reason }));
      }
      let keepalive: OptionsKeepalive | undefined;
      if (c.keepalive !== undefined) {
        const ours = o.sender.contactFor(target);
        const ourHost = ours?.uri.kind === "sip" ? `${ours.uri.host}${ours.uri.port !== undefined ? `:${ours.uri.port}` : ""}` : "invalid";
        keepalive = new OptionsKeepalive({
          name: c.name,
          sender: o.sender,
          clock: o.clock,
          log,
          target,
          uri: `sip:${uriHost(c.address)}:${c.port}${c.transport !== "udp" ? `;transport=${c.transport}` : ""}`,
          from: `<sip:${o.localUser ?? "gw"}@${ourHost}>`,
          intervalMs: c.keepalive.intervalMs ?? o.timers.keepaliveInterval,
          timeoutMs: c.keepalive.timeoutMs ?? o.timers.keepaliveTimeout,
          upAfter: c.keepalive.upAfter,
          downAfter: c.keepalive.downAfter,
        });
        keepalive.onChange((change) => this.emit({ peer: c.name, kind: "keepalive", change }));
      }
      const sourceRules: SourceRule[] = [];
      const sourceTexts: string[] = [];
      if (c.inbound.sources.length > 0) {
        for (const s of c.inbound.sources) {
          const prefix = parsePrefix(s.cidr);
          if (prefix === undefined) throw new Error(`peer ${c.name}: inbound source "${s.cidr}" is not an address or CIDR prefix`);
          sourceRules.push({ prefix, ...(s.port !== undefined ? { port: s.port } : {}), ...(s.transport !== undefined ? { transport: s.transport } : {}) });
          sourceTexts.push(`${s.transport !== undefined ? `${s.transport}:` : ""}${s.cidr}${s.port !== undefined ? ` port ${s.port}` : ""}`);
        }
      } else if (isIpLiteral(c.address)) {
        sourceRules.push({ prefix: parsePrefix(c.address) as NonNullable<ReturnType<typeof parsePrefix>> });
        sourceTexts.push(c.address);
      } else {
        log.warn({ address: c.address }, "peer has a host name and no inbound sources: requests from it will be refused");
      }
      let verifier: DigestVerifier | undefined;
      if (c.inbound.authenticate) {
        verifier = new DigestVerifier({
          realm: c.inbound.realm ?? "sipt-gw",
          clock: o.clock,
          credentials: staticCredentials(c.inbound.users.map((u) => ({ username: u.username, secret: userSecret(u) }))),
          nonceLifetimeMs: o.timers.nonceLifetime,
          algorithms: c.inbound.algorithms,
          ...(o.nonceSecret !== undefined ? { secret: o.nonceSecret } : {}),
        });
      }
      guardPeers.push({ name: c.name, sources: sourceRules, ...(verifier !== undefined ? { verifier } : {}) });
      this.peers.set(c.name, { config: c, target, authenticator, registration, keepalive, sources: sourceTexts });
    }
    const rate = o.access.rate;
    this.guard = new InboundGuard({
      peers: guardPeers,
      clock: o.clock,
      log: o.log,
      unknownSources: o.access.unknownSources,
      ...(rate !== undefined
        ? {
            rate: { requestsPerSecond: rate.requestsPerSecond, burst: rate.burst, invitesPerSecond: rate.invitesPerSecond, inviteBurst: rate.inviteBurst, dropAbovePerSecond: rate.dropAbovePerSecond, maxSources: rate.maxSources },
            retryAfterS: rate.retryAfter,
          }
        : {}),
    });
  }

  onEvent(fn: (e: PeerEvent) => void): void {
    this.listeners.push(fn);
  }

  private emit(e: PeerEvent): void {
    this.log.info({ ...e }, `peer ${e.peer}: ${e.kind}`);
    for (const fn of this.listeners) fn(e);
  }

  /** Start registrations and keep-alives. */
  start(): void {
    for (const p of this.peers.values()) {
      p.registration?.start();
      p.keepalive?.start();
    }
  }

  /** Stop keep-alives and remove our registrations (REGISTER Expires: 0). */
  async stop(): Promise<void> {
    for (const p of this.peers.values()) p.keepalive?.stop();
    await Promise.all([...this.peers.values()].map((p) => p.registration?.stop()));
  }

  names(): string[] {
    return [...this.peers.keys()];
  }

  /** The next hop of a peer. */
  target(name: string): SendTarget | undefined {
    return this.peers.get(name)?.target;
  }

  /** The Digest client for challenges this peer sends (UAC retry on 401/407); undefined without `auth`. */
  authenticatorFor(name: string): DigestAuthenticator | undefined {
    return this.peers.get(name)?.authenticator;
  }

  registration(name: string): RegistrationClient | undefined {
    return this.peers.get(name)?.registration;
  }

  keepalive(name: string): OptionsKeepalive | undefined {
    return this.peers.get(name)?.keepalive;
  }

  /** Is the peer usable for new calls: not known Down by its keep-alive (peers without one count as up). */
  available(name: string): boolean {
    const p = this.peers.get(name);
    if (p === undefined) return false;
    return p.keepalive === undefined || p.keepalive.status().state !== "Down";
  }

  /** The guard's verdict on a request from the network (call before routing). */
  check(request: SipMessage, origin: Origin): GuardDecision {
    return this.guard.check(request, origin);
  }

  status(): PeerStatusRow[] {
    return [...this.peers.values()].map((p) => {
      const counts = this.guard.perPeer.get(p.config.name) ?? { accepted: 0, refused: 0 };
      return {
        name: p.config.name,
        address: p.config.address,
        port: p.config.port,
        transport: p.config.transport,
        registration: p.registration?.status(),
        keepalive: p.keepalive?.status(),
        inbound: { sources: p.sources, authenticate: p.config.inbound.authenticate, accepted: counts.accepted, refused: counts.refused },
      };
    });
  }
}
