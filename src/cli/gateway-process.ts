/**
 * The running gateway: builds the components named by the configuration,
 * starts them in order, and stops them in reverse. Each component that lands
 * (card, signalling links, SIP transports, media) is added here.
 */
import type { Logger } from "../core/logger.js";
import type { GatewayConfig } from "../config/schema.js";
import { resolveTimers } from "../core/timers.js";
import { TIMER_TABLES } from "./timer-tables.js";

export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(reason: string): Promise<void>;
}

export class Gateway {
  private readonly started: Component[] = [];
  private readonly components: Component[] = [];
  private stopping = false;

  constructor(
    readonly config: GatewayConfig,
    readonly log: Logger,
    readonly source: string,
  ) {
    // Resolve every timer table now so a bad override fails before anything starts.
    for (const t of TIMER_TABLES) resolveTimers(t, config.timers[t.layer] ?? {});
  }

  add(c: Component): void {
    this.components.push(c);
  }

  async start(): Promise<void> {
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
