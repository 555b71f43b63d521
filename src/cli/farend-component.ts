/**
 * Far-end simulators run by the gateway (the `farends` section): each is a
 * hardware/farend process on the simulated card's line side, started after
 * the card and stopped before it. Each gets a command socket in the card's
 * run directory (`farend-<name>.sock`): JSON-line commands in, its events out
 * (hardware/farend/README.md), so `sipt-gw farend call` and the demo can
 * drive the switch the running gateway started.
 */
import { existsSync, rmSync } from "node:fs";
import type { Server, Socket } from "node:net";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Logger } from "../core/logger.js";
import type { GatewayConfig } from "../config/schema.js";
import { pointCodeOf } from "../config/load.js";
import type { FarendEvent, FarendRule } from "../../hardware/farend/farend-process.js";
import { FarendProcess, ensureFarendBuilt, farendBinary, matching, pbxArgs, ss7SwitchArgs } from "../../hardware/farend/farend-process.js";
import { cardRunDir } from "./card-component.js";

type FarendConfig = GatewayConfig["farends"][number];

/** A configured rule as the far end takes it (members left out when not set). */
function farendRule(r: FarendConfig["rules"][number]): FarendRule {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as FarendRule;
}

/** The command socket of far end `name` of a gateway with this configuration. */
export function farendSocketPath(cfg: GatewayConfig, name: string): string {
  return join(cardRunDir(cfg), `farend-${name}.sock`);
}

interface Running {
  readonly cfg: FarendConfig;
  readonly proc: FarendProcess;
  readonly server: Server;
  readonly clients: Set<Socket>;
  readonly path: string;
}

export class FarendComponent {
  readonly name = "farends";
  private readonly running: Running[] = [];

  constructor(
    private readonly config: GatewayConfig,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.config.farends.length === 0) return;
    if (this.config.card.driver !== "sim") throw new Error("farends need the simulated card (card.driver: sim)");
    if (!existsSync(farendBinary("ss7")) || !existsSync(farendBinary("pbx"))) {
      const built = ensureFarendBuilt();
      if (!built.ok) throw new Error(`far-end simulators are not built: ${built.reason}`);
    }
    const run = cardRunDir(this.config);
    for (const f of this.config.farends) {
      const sig = join(run, `span${f.span}-ts${f.timeslot}.sig`);
      const bearer = join(run, `span${f.span}.bearer`);
      const rules = { rules: f.rules.map(farendRule), ...(f.defaultRule ? { defaultRule: farendRule(f.defaultRule) } : {}) };
      let args: string[];
      if (f.kind === "ss7") {
        const opc = f.pointCode !== undefined ? pointCodeOf(f.pointCode, f.variant) : undefined;
        const dpc = f.peerPointCode !== undefined ? pointCodeOf(f.peerPointCode, f.variant) : undefined;
        if (opc === undefined || dpc === undefined) throw new Error(`farends ${f.name}: an ss7 far end needs pointCode and peerPointCode`);
        args = ss7SwitchArgs({ sig, bearer, opc, dpc, variant: f.variant, ...rules });
      } else {
        const type = this.config.card.spans.find((s) => s.span === f.span)?.type ?? "e1";
        args = pbxArgs({ sig, bearer, side: f.side, span: type, ...rules });
      }
      const proc = FarendProcess.spawn(f.kind, args, f.name, { retainEvents: false });
      const log = this.log.child({ farend: f.name });
      proc.onEvent((e) => this.onEvent(log, e));
      const path = farendSocketPath(this.config, f.name);
      const clients = new Set<Socket>();
      const server = await this.listen(path, proc, clients);
      proc.onEvent((e) => {
        const line = `${JSON.stringify(e)}\n`;
        for (const c of clients) c.write(line);
      });
      this.running.push({ cfg: f, proc, server, clients, path });
      await proc.waitFor(matching("ready"), 10_000, { what: `far end ${f.name} ready` });
      log.info({ kind: f.kind, span: f.span, timeslot: f.timeslot, socket: path }, f.kind === "ss7" ? "far-end switch started" : "far-end PBX started");
    }
  }

  private onEvent(log: Logger, e: FarendEvent): void {
    if (e.ev === "fault" || e.ev === "stack_error") log.warn({ event: e }, "far end reports a problem");
    else if (e.ev === "link" || e.ev === "mtp2" || e.ev === "rule") log.debug({ event: e }, "far end");
  }

  private listen(path: string, proc: FarendProcess, clients: Set<Socket>): Promise<Server> {
    if (existsSync(path)) rmSync(path, { force: true });
    const server = createServer((sock) => {
      clients.add(sock);
      sock.on("error", () => clients.delete(sock));
      sock.on("close", () => clients.delete(sock));
      const rl = createInterface({ input: sock });
      rl.on("line", (line) => {
        if (line.trim() !== "") proc.sendRaw(line);
      });
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => resolve(server));
    });
  }

  async stop(): Promise<void> {
    for (const r of this.running.splice(0)) {
      for (const c of r.clients) c.destroy();
      await new Promise<void>((resolve) => r.server.close(() => resolve()));
      rmSync(r.path, { force: true });
      await r.proc.dispose();
    }
  }

  detail(): string {
    return this.running.map((r) => `${r.cfg.name} (${r.cfg.kind}, span ${r.cfg.span}) ${r.proc.exited ? "exited" : "running"}`).join("; ");
  }
}
