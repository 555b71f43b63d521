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
import { packageVersion } from "./version.js";

export class SipComponent {
  readonly name = "sip";
  private transport: SipTransport | undefined;
  private core: UserAgentCore | undefined;
  private readonly clock: Clock;

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
    this.core = createUserAgent({
      transport,
      clock: this.clock,
      log: this.log,
      timers: transactionTimers(this.config.timers["sip"] ?? {}),
      contactUser: "sipt-gw",
      userAgent: `sipt-gw/${packageVersion()}`,
    });
    this.log.info({ listening: this.bound() }, "SIP listening");
  }

  async stop(): Promise<void> {
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
