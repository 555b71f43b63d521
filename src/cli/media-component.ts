/**
 * The media plane as a gateway component: starts the media worker (drivers/media, the native
 * TDM <-> RTP engine) on the card's bearer, and gives the call logic the GatewayMedia view of
 * it: the media switch, the engine channel of a span's timeslot, a span's G.711 law, the RTP
 * bind address and the stream defaults of the configuration's `media` section.
 *
 * Order: after the card component (it borrows the card's bearer exchange), before anything
 * that connects calls. On stop the worker ends first and only then is the bearer given back,
 * so the card can close (KoffiCard.leaseBearer).
 *
 * spandsp's echo canceller prints on stdout in Debian's build; the engine rebinds those calls
 * of libspandsp to a counting sink before the first canceller exists (drivers/media README),
 * so the gateway's stdout (its log) carries none of it: `spandsp_stdout_suppressed` counts them.
 */
import type { CardDriver } from "../../drivers/api/card.js";
import { KoffiCard, type BearerLease } from "../../drivers/card/koffi-card.js";
import { BEARER_STAT, BEARER_STAT_COUNT, CARD_TDM_BEARER_MODULE, type CardTdmBearerOptions } from "../../drivers/card/tdm-bearer.js";
import { MediaEngineHost } from "../../drivers/media/media-host.js";
import { resolveMediaLibrary, type NativeEngineOptions } from "../../drivers/media/native-engine.js";
import type { GatewayConfig } from "../config/schema.js";
import type { Logger } from "../core/logger.js";
import type { GatewayMedia, GatewayMediaDefaults } from "../media/gateway-media.js";
import { TdmChannelMap, type TdmTopology } from "../media/tdm-channel-map.js";
import type { G711Law, MediaSwitch } from "../media/types.js";

export type { GatewayMedia, GatewayMediaDefaults } from "../media/gateway-media.js";

export interface MediaComponentOptions {
  readonly config: GatewayConfig;
  readonly log: Logger;
  /** The open card (CardComponent.driver); read at start. */
  readonly card: () => CardDriver | undefined;
  /** Engine settings beyond the configuration (tests, benches): library path, echo bulk delay... */
  readonly engine?: Partial<Pick<NativeEngineOptions, "libraryPath" | "ecBulkDelaySamples" | "rtcpIntervalMs" | "eventQueueLength">>;
}

interface Running {
  readonly host: MediaEngineHost;
  readonly lease: BearerLease;
  readonly map: TdmChannelMap;
  readonly card: CardDriver;
  readonly generation: Int32Array;
  readonly stats: BigInt64Array;
  /** Engine channels the card's bearer layout carries now. */
  bearers: ReadonlySet<number>;
  /** G.711 law of each engine channel, as the engine was last told. */
  readonly laws: G711Law[];
  /** Law of each span, by span number. */
  readonly spanLaw: Map<number, G711Law>;
  unsubscribe: () => void;
}

const LAW_BY_TYPE: Readonly<Record<"E1" | "T1", G711Law>> = { E1: "alaw", T1: "ulaw" };

/** The card's spans and ports, the laws of every engine channel and of every span. */
function cardPlan(card: CardDriver): { topology: TdmTopology; laws: G711Law[]; spanLaw: Map<number, G711Law> } {
  const spans = card.spans();
  const ports = card.ports();
  const spanLaw = new Map<number, G711Law>();
  const laws: G711Law[] = [];
  for (const s of [...spans].sort((a, b) => a.span - b.span)) {
    // The configured companding is what the span's bearer carries; unconfigured: the span type's.
    const law = card.spanConfig(s.span)?.companding ?? LAW_BY_TYPE[s.type];
    spanLaw.set(s.span, law);
    for (let ts = 1; ts <= s.timeslots; ts++) laws.push(law);
  }
  for (const p of [...ports].sort((a, b) => a.port - b.port)) laws.push(p.companding);
  return {
    topology: { spans: spans.map((s) => ({ span: s.span, timeslots: s.timeslots })), ports: ports.map((p) => p.port) },
    laws,
    spanLaw,
  };
}

function bearerSet(card: CardDriver, map: TdmChannelMap): Set<number> {
  const set = new Set<number>();
  for (const c of card.bearer.layout().channels) {
    const ch = c.kind === "span" ? map.channelOf(c.span, c.timeslot) : map.channelOfPort(c.port);
    if (ch !== undefined) set.add(ch);
  }
  return set;
}

export class MediaComponent implements GatewayMedia {
  readonly name = "media";
  readonly rtpBindAddress: string;
  readonly defaults: GatewayMediaDefaults;
  private running: Running | undefined;

  constructor(private readonly opts: MediaComponentOptions) {
    const m = opts.config.media;
    this.rtpBindAddress = m.rtpAddress;
    this.defaults = {
      dtmfMode: m.dtmfMode,
      echoCanceller: { enabled: m.echoCanceller.enabled, tailMs: m.echoCanceller.tailMs },
      ptimeMs: m.ptimeMs,
      jitterBuffer: { minMs: m.jitterBuffer.minMs, maxMs: m.jitterBuffer.maxMs },
    };
  }

  /** The media switch; only once started. */
  get media(): MediaSwitch {
    if (this.running === undefined) throw new Error("the media component is not running: no media switch yet");
    return this.running.host;
  }

  /** The channel map (engine channel <-> span/timeslot/port), once started. */
  get channels(): TdmChannelMap | undefined {
    return this.running?.map;
  }

  channelOf(span: number, timeslot: number): number | undefined {
    const r = this.running;
    if (r === undefined) return undefined;
    const ch = r.map.channelOf(span, timeslot);
    return ch !== undefined && r.bearers.has(ch) ? ch : undefined;
  }

  /** The engine channel of an analog port; undefined when the card has no such port. */
  channelOfPort(port: number): number | undefined {
    const r = this.running;
    if (r === undefined) return undefined;
    const ch = r.map.channelOfPort(port);
    return ch !== undefined && r.bearers.has(ch) ? ch : undefined;
  }

  lawOf(span: number): G711Law {
    const r = this.running;
    const law = r?.spanLaw.get(span);
    if (law !== undefined) return law;
    const type = this.opts.config.card.spans.find((s) => s.span === span)?.type;
    if (type !== undefined) return type === "t1" ? "ulaw" : "alaw";
    throw new RangeError(`lawOf(${span}): the card has no span ${span}`);
  }

  async start(): Promise<void> {
    const log = this.opts.log;
    const card = this.opts.card();
    if (card === undefined) throw new Error("the media component needs the card open first (start the card component before it)");
    if (!(card instanceof KoffiCard)) throw new Error("the media worker attaches to a card opened through drivers/card (a card ABI library)");
    const libraryPath = resolveMediaLibrary(this.opts.engine?.libraryPath);
    const plan = cardPlan(card);
    const map = new TdmChannelMap(plan.topology);
    const lease = card.leaseBearer("media worker");
    try {
      const block = lease.blockBytes;
      if (block !== 80 && block !== 160 && block !== 240)
        throw new Error(`the card moves bearer blocks of ${block} octets; the media engine ticks on 80, 160 or 240 (card.blockBytes)`);
      const generation = new SharedArrayBuffer(4);
      const stats = new SharedArrayBuffer(8 * BEARER_STAT_COUNT);
      const bearerOptions: CardTdmBearerOptions = { library: lease.library, handle: lease.handle, topology: plan.topology, laws: plan.laws, layoutGeneration: generation, stats };
      const engine: NativeEngineOptions = {
        maxChannels: map.size,
        maxStreams: this.opts.config.media.maxStreams ?? map.size,
        blockSamples: block,
        tdmLaw: plan.laws,
        libraryPath,
        ...(this.opts.engine?.ecBulkDelaySamples !== undefined ? { ecBulkDelaySamples: this.opts.engine.ecBulkDelaySamples } : {}),
        ...(this.opts.engine?.rtcpIntervalMs !== undefined ? { rtcpIntervalMs: this.opts.engine.rtcpIntervalMs } : {}),
        ...(this.opts.engine?.eventQueueLength !== undefined ? { eventQueueLength: this.opts.engine.eventQueueLength } : {}),
      };
      const host = await MediaEngineHost.start({
        engine,
        log,
        bearerModule: CARD_TDM_BEARER_MODULE,
        bearerOptions: bearerOptions as unknown as Readonly<Record<string, unknown>>,
      });
      const running: Running = {
        host,
        lease,
        map,
        card,
        generation: new Int32Array(generation),
        stats: new BigInt64Array(stats),
        bearers: bearerSet(card, map),
        laws: [...plan.laws],
        spanLaw: plan.spanLaw,
        unsubscribe: () => undefined,
      };
      running.unsubscribe = card.onEvent((e) => {
        if (e.type === "bearer-layout") this.layoutChanged();
      });
      this.running = running;
      log.info(
        { channels: map.size, bearers: running.bearers.size, blockSamples: block, pacing: lease.mode === "realtime" ? "card" : "worker", rtpAddress: this.rtpBindAddress },
        "media plane running on the card bearer",
      );
    } catch (e) {
      lease.release();
      throw e;
    }
  }

  /** SIPT_EV_BEARER_LAYOUT: the worker re-reads the layout; laws follow the spans' companding. */
  private layoutChanged(): void {
    const cur = this.running;
    if (cur === undefined) return;
    Atomics.add(cur.generation, 0, 1);
    cur.bearers = bearerSet(cur.card, cur.map);
    const plan = cardPlan(cur.card);
    for (const [span, law] of plan.spanLaw) cur.spanLaw.set(span, law);
    plan.laws.forEach((law, ch) => {
      if (cur.laws[ch] === law) return;
      cur.laws[ch] = law;
      cur.host.setTdmLaw(ch, law).catch((err: unknown) => this.opts.log.error({ channel: ch, law, err: (err as Error).message }, "cannot follow the card's companding"));
    });
    this.opts.log.info({ bearers: cur.bearers.size }, "card bearer layout changed");
  }

  detail(): string {
    const r = this.running;
    if (r === undefined) return "";
    const s = (i: number): bigint => Atomics.load(r.stats, i);
    return `${r.map.size} channels (${r.bearers.size} bearers), ${s(BEARER_STAT.exchanges)} blocks, ${s(BEARER_STAT.errors)} bearer errors, RTP on ${this.rtpBindAddress}`;
  }

  /** Bearer counters of the worker (BEARER_STAT), for status and tests. */
  bearerStats(): Readonly<Record<keyof typeof BEARER_STAT, bigint>> | undefined {
    const r = this.running;
    if (r === undefined) return undefined;
    const out = {} as Record<keyof typeof BEARER_STAT, bigint>;
    for (const [k, i] of Object.entries(BEARER_STAT) as [keyof typeof BEARER_STAT, number][]) out[k] = Atomics.load(r.stats, i);
    return out;
  }

  async stop(): Promise<void> {
    const r = this.running;
    this.running = undefined;
    if (r === undefined) return;
    r.unsubscribe();
    try {
      await r.host.close();
    } finally {
      // The worker has made its last exchange (or is gone): the card may close now.
      r.lease.release();
    }
  }
}
