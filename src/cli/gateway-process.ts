/**
 * The running gateway: builds the components named by the configuration,
 * starts them in order, and stops them in reverse. Each component that lands
 * (card, signalling links, SIP transports, media) is added here.
 */
import type { Logger } from "../core/logger.js";
import type { GatewayConfig } from "../config/schema.js";
import { resolveTimers } from "../core/timers.js";
import { ManagementServer } from "../gateway/management/server.js";
import type { ResponseBody } from "../gateway/management/messages.js";
import { defaultControlSocket } from "../gateway/management/socket-path.js";
import { CardComponent } from "./card-component.js";
import { TIMER_TABLES } from "./timer-tables.js";
import { packageVersion } from "./version.js";

export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(reason: string): Promise<void>;
  /** One line on how the component is doing, for `sipt-gw status`. */
  detail?(): string;
}

export class Gateway {
  private readonly started: Component[] = [];
  private readonly components: Component[] = [];
  private stopping = false;
  private startedAtMs = 0;
  readonly controlSocket: string;

  constructor(
    readonly config: GatewayConfig,
    readonly log: Logger,
    readonly source: string,
  ) {
    // Resolve every timer table now so a bad override fails before anything starts.
    for (const t of TIMER_TABLES) resolveTimers(t, config.timers[t.layer] ?? {});
    this.controlSocket = config.control.socket || defaultControlSocket();
    const mgmt = new ManagementServer(this.controlSocket, (req) => this.manage(req.kind), log.child({ component: "management" }));
    this.add({ name: "management", start: () => mgmt.start(), stop: () => mgmt.stop(), detail: () => mgmt.path });
    this.card = new CardComponent(config, log.child({ component: "card" }));
    this.add(this.card);
  }

  readonly card: CardComponent;

  private manage(kind: "status"): ResponseBody {
    switch (kind) {
      case "status":
        return {
          kind: "status",
          status: {
            version: packageVersion(),
            uptimeMs: Date.now() - this.startedAtMs,
            configSource: this.source,
            pid: process.pid,
            components: this.components.map((c) => ({
              name: c.name,
              state: this.started.includes(c) ? (this.stopping ? "stopping" : "running") : "stopped",
              detail: c.detail?.() ?? "",
            })),
          },
        };
    }
  }

  add(c: Component): void {
    this.components.push(c);
  }

  async start(): Promise<void> {
    this.startedAtMs = Date.now();
    this.log.info({ config: this.source, card: this.config.card.driver, profile: this.config.card.profile, sip: this.config.sip.listen }, "gateway starting");
    for (const c of this.components) {
      await c.start();
      this.started.push(c);
      this.log.info({ component: c.name }, "component started");
    }
    this.log.info({ components: this.started.map((c) => c.name) }, "gateway started");
  }

  async stop(reason: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info({ reason }, "gateway stopping");
    while (this.started.length > 0) {
      const c = this.started.pop() as Component;
      try {
        await c.stop(reason);
      } catch (e) {
        this.log.error({ component: c.name, err: (e as Error).message }, "component failed to stop cleanly");
      }
    }
    this.log.info("gateway stopped");
  }
}
