/**
 * The running gateway: builds the components named by the configuration,
 * starts them in order, and stops them in reverse. Each component that lands
 * (card, signalling links, SIP transports, media) is added here.
 */
import type { Logger } from "../core/logger.js";
import type { GatewayConfig } from "../config/schema.js";
import { resolveTimers } from "../core/timers.js";
import { ManagementServer } from "../gateway/management/server.js";
import type { CallRow, RequestBody, ResponseBody } from "../gateway/management/messages.js";
import { defaultControlSocket } from "../gateway/management/socket-path.js";
import { CallsComponent } from "./calls-component.js";
import { CardComponent } from "./card-component.js";
import { FarendComponent } from "./farend-component.js";
import type { IsdnCallSink } from "./isdn-call-sink.js";
import { UnroutedIsdnCallSink } from "./isdn-call-sink.js";
import { IsdnComponent } from "./isdn-component.js";
import { handleIsdnRequest } from "../gateway/management/isdn-management.js";
import { MediaComponent } from "./media-component.js";
import { SipComponent } from "./sip-component.js";
import type { CallSink } from "./ss7-call-sink.js";
import { UnroutedCallSink } from "./ss7-call-sink.js";
import { Ss7Component, Ss7ManagementError } from "./ss7-component.js";
import { TIMER_TABLES } from "./timer-tables.js";
import { packageVersion } from "./version.js";

export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(reason: string): Promise<void>;
  /** One line on how the component is doing, for `sipt-gw status`. */
  detail?(): string;
}

export interface GatewayOptions {
  /** Where ISUP calls go; by default they are released as unrouted (ss7-call-sink.ts). */
  readonly callSink?: CallSink;
  /** Where PRI/QSIG calls go; by default they are refused as unrouted (isdn-call-sink.ts). */
  readonly isdnSink?: IsdnCallSink;
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
    options: GatewayOptions = {},
  ) {
    // Resolve every timer table now so a bad override fails before anything starts.
    for (const t of TIMER_TABLES) resolveTimers(t, config.timers[t.layer] ?? {});
    this.controlSocket = config.control.socket || defaultControlSocket();
    const mgmt = new ManagementServer(this.controlSocket, (req) => this.manage(req), log.child({ component: "management" }));
    this.add({ name: "management", start: () => mgmt.start(), stop: () => mgmt.stop(), detail: () => mgmt.path });
    this.card = new CardComponent(config, log.child({ component: "card" }));
    this.add(this.card);
    const card = this.card;
    // The media engine runs when calls are routed through this gateway.
    this.media = config.routing ? new MediaComponent({ config, log: log.child({ component: "media" }), card: () => card.driver }) : undefined;
    if (this.media) this.add(this.media);
    if (config.farends.length > 0) this.add(new FarendComponent(config, log.child({ component: "farends" })));
    this.sip = new SipComponent(config, log.child({ component: "sip" }));
    this.add(this.sip);
    const media = this.media;
    this.calls = config.routing && media ? new CallsComponent({ config, log: log.child({ component: "calls" }), sip: this.sip, media: () => (media.channels !== undefined ? media : undefined) }) : undefined;
    if (config.ss7) {
      const ss7Log = log.child({ component: "ss7" });
      const sink = options.callSink ?? this.calls?.sink ?? new UnroutedCallSink(ss7Log, config.ss7.causeLocation);
      this.ss7 = new Ss7Component({ config, log: ss7Log, card: () => card.driver, sink });
      this.add(this.ss7);
    }
    if (config.isdn) {
      const isdnLog = log.child({ component: "isdn" });
      this.isdn = new IsdnComponent({ config, log: isdnLog, card: () => card.driver, sink: options.isdnSink ?? this.calls?.qsig ?? new UnroutedIsdnCallSink(isdnLog) });
      this.add(this.isdn);
    }
    if (this.calls) this.add(this.calls);
  }

  /** Present when the configuration has an isdn section. */
  readonly isdn: IsdnComponent | undefined;

  /** Present when the configuration has a routing section. */
  readonly media: MediaComponent | undefined;
  readonly sip: SipComponent;
  /** Present when the configuration has a routing section. */
  readonly calls: CallsComponent | undefined;

  readonly card: CardComponent;
  /** Present when the configuration has an ss7 section. */
  readonly ss7: Ss7Component | undefined;

  private async manage(req: RequestBody): Promise<ResponseBody> {
    if (req.kind === "status") return this.statusReply();
    if (req.kind === "listCalls") return { kind: "calls", calls: this.callRows() };
    if (req.kind === "listDChannels" || req.kind === "listBChannels" || req.kind === "bChannelRestart") return handleIsdnRequest(req, this.isdn);
    const ss7 = this.ss7;
    if (!ss7) return { kind: "error", code: "failed", message: "this gateway has no SS7 configured (no ss7 section)" };
    try {
      switch (req.kind) {
        case "listLinks":
          return { kind: "links", links: ss7.links() };
        case "listCircuits":
          return { kind: "circuits", circuits: ss7.circuits(req.trunk, req.range) };
        case "circuitAction":
          return { kind: "circuitAction", result: await ss7.circuitAction(req.request) };
      }
    } catch (e) {
      if (e instanceof Ss7ManagementError) return { kind: "error", code: "failed", message: e.message };
      throw e;
    }
  }

  /** Every call up, as management rows. */
  private callRows(): CallRow[] {
    return (this.calls?.calls() ?? []).map((c) => ({
      id: c.id,
      direction: c.direction,
      state: c.state,
      tdmTrunk: "isupTrunk" in c ? c.isupTrunk : c.qsigTrunk,
      circuit: ("cic" in c ? c.cic : c.channel) ?? 0,
      sipTrunk: c.sipTrunk ?? "",
      callId: c.callId ?? "",
      called: c.called,
      startedMs: c.startedMs,
      answeredMs: c.answeredMs ?? 0,
    }));
  }

  private statusReply(): ResponseBody {
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
