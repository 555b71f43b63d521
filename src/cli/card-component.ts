/**
 * The card as a gateway component: opens the configured card library (the
 * bundled simulated card, or any library implementing hardware/abi),
 * configures its spans from configuration and logs its alarms. The
 * composition root is the only place that picks drivers/card.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { CardDriver, SpanConfig } from "../../drivers/api/card.js";
import { openCard } from "../../drivers/card/koffi-card.js";
import type { GatewayConfig } from "../config/schema.js";
import type { Logger } from "../core/logger.js";
import { defaultControlSocket } from "../gateway/management/socket-path.js";
import { dirname } from "node:path";
import { packageRoot } from "./version.js";

type CardConfig = GatewayConfig["card"];

export function simLibraryPath(): string {
  return join(packageRoot(), "hardware/sim/build/libsipt_sim.so");
}

export function profilePath(profile: string): string {
  if (isAbsolute(profile) || profile.endsWith(".json")) return isAbsolute(profile) ? profile : join(packageRoot(), "hardware/profiles", profile);
  return join(packageRoot(), "hardware/profiles", `${profile}.json`);
}

/** The simulated card's run directory: configured, or beside the control socket. */
export function cardRunDir(cfg: GatewayConfig): string {
  if (cfg.card.runDir) return cfg.card.runDir;
  return join(dirname(cfg.control.socket || defaultControlSocket()), "card");
}

/** The serial control port: configured, or the simulated card's pty in its run directory. */
export function cardControlPort(cfg: GatewayConfig): string | undefined {
  if (cfg.card.controlPort !== "auto") return cfg.card.controlPort;
  return cfg.card.driver === "sim" ? join(cardRunDir(cfg), "control") : undefined;
}

export function spanConfigOf(s: CardConfig["spans"][number]): SpanConfig {
  const maxTs = s.type === "e1" ? 31 : 24;
  const framing = s.framing === "crc4" ? "E1-CRC4" : s.framing === "no-crc4" ? "E1-DF" : s.framing === "esf" ? "T1-ESF" : "T1-D4";
  const bearer: number[] = [];
  for (let ts = 1; ts <= maxTs; ts++) if (!s.signalling.includes(ts)) bearer.push(ts);
  return {
    framing,
    lineCode: s.lineCode === "hdb3" ? "HDB3" : s.lineCode === "b8zs" ? "B8ZS" : "AMI",
    clock: s.clock,
    clockPriority: s.clock === "master" ? 0 : 1,
    companding: s.type === "e1" ? "alaw" : "ulaw",
    bearerTimeslots: bearer,
    signallingTimeslots: [...s.signalling].sort((a, b) => a - b),
  };
}

export class CardComponent {
  readonly name = "card";
  private card: CardDriver | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly cfg: GatewayConfig,
    private readonly log: Logger,
  ) {}

  get driver(): CardDriver | undefined {
    return this.card;
  }

  async start(): Promise<void> {
    const c = this.cfg.card;
    const library = c.driver === "sim" ? simLibraryPath() : (c.library as string);
    if (!existsSync(library)) {
      throw new Error(c.driver === "sim" ? `the simulated card library ${library} is not built: run npm run build:native` : `card library ${library} does not exist`);
    }
    const params: Record<string, string | number> =
      c.driver === "sim"
        ? { rundir: cardRunDir(this.cfg), profile: profilePath(c.profile), mode: c.mode, block: c.blockBytes, ctl: "control" }
        : { profile: c.profile, mode: c.mode, block: c.blockBytes };
    const card = await openCard({ library, params });
    this.card = card;
    this.unsubscribe = card.onEvent((e) => {
      if (e.type === "span-alarm") this.log.warn({ span: e.span, alarms: e.alarms, changed: e.changed }, e.alarms.length ? "span alarm" : "span alarm cleared");
      else if (e.type === "events-lost") this.log.error({ count: e.count }, "card events lost");
      else if (e.type === "span-slip" || e.type === "sig-crc") this.log.debug({ ...e, timeNs: undefined }, "card counter");
    });
    for (const s of c.spans) {
      card.configureSpan(s.span, spanConfigOf(s));
      this.log.info({ span: s.span, type: s.type, framing: s.framing, signalling: s.signalling }, "span configured");
    }
    const info = card.info();
    this.log.info({ model: info.model, serial: info.serial, abi: `${info.abi.major}.${info.abi.minor}`, spans: card.spans().length, ports: card.ports().length, controlPort: cardControlPort(this.cfg) }, "card open");
  }

  detail(): string {
    if (!this.card) return "";
    const info = this.card.info();
    return `${info.model} ${info.serial}, ${this.card.spans().length} spans, ${this.card.ports().length} ports, control ${cardControlPort(this.cfg) ?? "none"}`;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    const card = this.card;
    this.card = undefined;
    if (card) await card.close();
  }
}
