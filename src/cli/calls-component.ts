/**
 * Call routing and interworking as a gateway component: builds the ISUP <-> SIP
 * interworking unit (src/interworking/calls) from the `routing` and `ss7`
 * sections, hands it to the SS7 component as its CallSink and to the SIP
 * user agent as its INVITE handler, and gives it the media plane.
 */
import type { Clock } from "../core/clock.js";
import { SystemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { GatewayConfig } from "../config/schema.js";
import { Router } from "../gateway/routing/router.js";
import type { CallMediaPlane } from "../interworking/calls/media-plane.js";
import type { CallSummary, IsupTrunkInfo, SipTrunkInfo } from "../interworking/calls/isup-sip-unit.js";
import { IsupSipUnit } from "../interworking/calls/isup-sip-unit.js";
import type { QsigCallSummary } from "../interworking/calls/qsig-sip-unit.js";
import { QsigSipUnit } from "../interworking/calls/qsig-sip-unit.js";
import type { TrunkKind } from "../interworking/calls/routing.js";
import { isupSipMapping } from "../interworking/calls/isup-sip-mapping.js";
import type { MediaSwitch } from "../media/types.js";
import type { IsupToSipRow, SipToIsupRow } from "../../mappings/rfc3398-causes.js";
import type { CallSink } from "./ss7-call-sink.js";
import { planSs7 } from "./ss7-plan.js";
import type { SipComponent } from "./sip-component.js";

export interface CallsComponentOptions {
  readonly config: GatewayConfig;
  readonly log: Logger;
  readonly sip: SipComponent;
  /** The media plane, once its component has started. */
  readonly media: () => CallMediaPlane | undefined;
  readonly clock?: Clock;
}

function causeNumber(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}

/** A trunk's override row of the Q.850 -> SIP table, checked. */
function isupToSipRow(r: Readonly<Record<string, unknown>>, at: string): IsupToSipRow {
  const { isupCause, sipStatus, location } = r;
  if (!causeNumber(isupCause, 0, 127)) throw new Error(`${at}: isupCause must be a Q.850 cause 0..127`);
  if (sipStatus !== null && !causeNumber(sipStatus, 300, 699)) throw new Error(`${at}: sipStatus must be a final status 300..699 or null`);
  if (location !== undefined && !causeNumber(location, 0, 15)) throw new Error(`${at}: location must be 0..15`);
  return { isupCause, sipStatus, ...(location !== undefined ? { location } : {}), ref: `trunk override (${at})` };
}

/** A trunk's override row of the SIP -> Q.850 table, checked. */
function sipToIsupRow(r: Readonly<Record<string, unknown>>, at: string): SipToIsupRow {
  const { sipStatus, isupCause } = r;
  if (!causeNumber(sipStatus, 300, 699)) throw new Error(`${at}: sipStatus must be a final status 300..699`);
  if (isupCause !== null && !causeNumber(isupCause, 1, 127)) throw new Error(`${at}: isupCause must be a Q.850 cause 1..127 or null`);
  return { sipStatus, isupCause, ref: `trunk override (${at})` };
}

/** The media plane seen through a getter: the unit exists before the media component starts. */
class LateMediaPlane implements CallMediaPlane {
  constructor(private readonly get: () => CallMediaPlane | undefined) {}
  private plane(): CallMediaPlane {
    const p = this.get();
    if (!p) throw new Error("the media engine is not running");
    return p;
  }
  get media(): MediaSwitch {
    return this.plane().media;
  }
  channelOf(span: number, timeslot: number): number | undefined {
    return this.get()?.channelOf(span, timeslot);
  }
  lawOf(span: number): "alaw" | "ulaw" {
    return this.plane().lawOf(span);
  }
  get rtpBindAddress(): string {
    return this.plane().rtpBindAddress;
  }
  get defaults(): CallMediaPlane["defaults"] {
    return this.plane().defaults;
  }
}

export class CallsComponent {
  readonly name = "calls";
  readonly unit: IsupSipUnit;
  /** The QSIG <-> SIP unit, when the configuration has PRI/QSIG trunks: the ISDN component's sink. */
  readonly qsig: QsigSipUnit | undefined;

  constructor(private readonly opts: CallsComponentOptions) {
    const { config } = opts;
    const routing = config.routing;
    if (!routing) throw new Error("CallsComponent needs a routing section");
    const kinds = new Map<string, TrunkKind>();
    const isupTrunks: IsupTrunkInfo[] = [];
    if (config.ss7) {
      for (const t of planSs7(config.ss7).trunks) {
        kinds.set(t.name, "isup");
        const rows = config.ss7.trunks.find((c) => c.name === t.name)?.mappings ?? {};
        isupTrunks.push({
          name: t.name,
          bearer: (cic) => (t.timeslots.has(cic) ? { span: t.span, timeslot: t.timeslots.get(cic) as number } : undefined),
          // Rows as `sipt-gw mappings show` names the tables; shapes as mappings/rfc3398-causes.ts.
          isupToSip: (rows["isupToSip"] ?? []).map((r, i) => isupToSipRow(r, `ss7.trunks ${t.name} mappings.isupToSip[${i}]`)),
          sipToIsup: (rows["sipToIsup"] ?? []).map((r, i) => sipToIsupRow(r, `ss7.trunks ${t.name} mappings.sipToIsup[${i}]`)),
        });
      }
    }
    for (const t of config.isdn?.trunks ?? []) kinds.set(t.name, "qsig");
    const sipTrunks: SipTrunkInfo[] = routing.sipTrunks.map((t) => {
      kinds.set(t.name, "sip");
      return {
        name: t.name,
        peers: t.peers.map((p) => {
          if (!("peer" in p)) return { protocol: p.transport, host: p.host, port: p.port };
          const c = config.sip.peers.find((q) => q.name === p.peer);
          if (!c) throw new Error(`routing.sipTrunks ${t.name}: no peer named ${p.peer} in sip.peers`);
          return { protocol: c.transport, host: c.address, port: c.port, name: c.name };
        }),
        sipt: t.sipt,
        isupVersion: t.isupVersion,
        trusted: t.trusted,
        failoverOn: t.failoverOn,
        noAnswerMs: t.noAnswerSeconds * 1000,
        acceptAnySource: t.acceptAnySource,
      };
    });
    const router = new Router(routing.routes, kinds);
    const sipListen = config.sip.listen[0];
    const clock = opts.clock ?? new SystemClock();
    const peers = {
      authenticatorFor: (name: string) => opts.sip.peers?.authenticatorFor(name),
      available: (name: string) => opts.sip.peers?.available(name) ?? true,
      peerOf: (request: Parameters<SipComponent["peerOf"]>[0]) => opts.sip.peerOf(request),
    };
    this.unit = new IsupSipUnit({
      log: opts.log,
      clock,
      routing: router,
      mapping: isupSipMapping,
      variant: config.ss7?.variant ?? "itu",
      isupTrunks,
      sipTrunks,
      media: new LateMediaPlane(opts.media),
      countryCode: routing.countryCode,
      interDigitMs: routing.interDigitSeconds * 1000,
      causeLocation: config.ss7?.causeLocation ?? 2,
      localHost: sipListen?.address ?? "127.0.0.1",
      peers,
    });
    // PRI/QSIG trunks (RFC 4497): B-channel n of a trunk is timeslot n of its span.
    this.qsig = config.isdn
      ? new QsigSipUnit({
          log: opts.log.child({ unit: "qsig-sip" }),
          clock,
          routing: router,
          qsigTrunks: config.isdn.trunks.map((t) => ({ name: t.name, bearer: (ch: number) => ({ span: t.span, timeslot: ch }) })),
          sipTrunks,
          media: new LateMediaPlane(opts.media),
          interDigitMs: routing.interDigitSeconds * 1000,
          localHost: sipListen?.address ?? "127.0.0.1",
          // RFC 4497 §9.2.2: the calling number is taken from P-Asserted-Identity, not From.
          callingFromFrom: false,
          peers,
        })
      : undefined;
  }

  /** The SS7 component's CallSink. */
  get sink(): CallSink {
    return this.unit;
  }

  async start(): Promise<void> {
    const ua = this.opts.sip.ua;
    if (!ua) throw new Error("SIP must start before calls");
    if (!this.opts.media()) throw new Error("the media engine must start before calls");
    this.unit.attachSip(ua);
    // One UA, two units: the QSIG unit takes the INVITEs routed to its trunks and passes the rest on.
    this.qsig?.attachSip(ua, (s) => this.unit.handleInvite(s));
    await Promise.resolve();
  }

  async stop(): Promise<void> {
    this.qsig?.releaseAll();
    this.qsig?.detachSip();
    this.unit.releaseAll();
    this.unit.detachSip();
    await Promise.resolve();
  }

  calls(): (CallSummary | QsigCallSummary)[] {
    return [...this.unit.list(), ...(this.qsig?.list() ?? [])];
  }

  detail(): string {
    const c = this.unit.counters;
    const q = this.qsig ? `, ${this.qsig.list().length} PBX calls up` : "";
    return `${this.unit.list().length} calls up${q}; ${c.pstnToSip} from PSTN, ${c.sipToPstn} from SIP, ${c.unknownSource} refused (unknown source)`;
  }
}
