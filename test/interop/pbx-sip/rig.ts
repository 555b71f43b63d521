/**
 * The whole gateway in this process (card, media engine, SIP, the ISDN
 * component) on the simulated card, with the QSIG <-> SIP unit as the ISDN
 * component's call sink and the SIP user agent's INVITE handler, facing the
 * libpri PBX of hardware/farend (sipt-farend-pbx, QSIG, user side) on span 1
 * (D-channel timeslot 16, bearer on the span) and SIP peers on 127.0.0.1.
 * The configuration goes through the real loader; the unit is built from it
 * here the way the composition root builds it (B-channel n = timeslot n of
 * the trunk's span).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KoffiCard } from "../../../drivers/card/koffi-card.js";
import { SimControl } from "../../../drivers/card/sim-control.js";
import type { IsdnCallSink } from "../../../src/cli/isdn-call-sink.js";
import { Gateway } from "../../../src/cli/gateway-process.js";
import { TIMER_TABLES } from "../../../src/cli/timer-tables.js";
import { formatProblem, loadConfigText } from "../../../src/config/load.js";
import { SystemClock } from "../../../src/core/clock.js";
import { RecordingLogger } from "../../../src/core/logger.js";
import { Router } from "../../../src/gateway/routing/router.js";
import type { SipTrunkInfo } from "../../../src/interworking/calls/isup-sip-unit.js";
import type { CallMediaPlane } from "../../../src/interworking/calls/media-plane.js";
import { QsigSipUnit } from "../../../src/interworking/calls/qsig-sip-unit.js";
import type { TrunkKind } from "../../../src/interworking/calls/routing.js";
import type { FarendRule } from "../../../hardware/farend/farend-process.js";
import { FarendProcess, matching, pbxArgs } from "../../../hardware/farend/farend-process.js";
import { freePort } from "../../support/ports.js";

export const TRUNK = "pbx";
export const SPAN = 1;
export const D_CHANNEL = 16;

export interface PbxSipRigOptions {
  /** Where calls from the PBX go (sipp's port). */
  readonly sipPeerPort: number;
  readonly rules?: readonly FarendRule[];
  readonly sipt?: "off" | "optional" | "required";
}

/** The media plane seen through a getter: the unit exists before the gateway's media component starts. */
function latePlane(get: () => CallMediaPlane | undefined): CallMediaPlane {
  const plane = (): CallMediaPlane => {
    const p = get();
    if (!p) throw new Error("the media engine is not running");
    return p;
  };
  return {
    get media() {
      return plane().media;
    },
    channelOf: (span, ts) => get()?.channelOf(span, ts),
    lawOf: (span) => plane().lawOf(span),
    get rtpBindAddress() {
      return plane().rtpBindAddress;
    },
    get defaults() {
      return plane().defaults;
    },
  };
}

export class PbxSipRig {
  private constructor(
    readonly dir: string,
    readonly gw: Gateway,
    readonly unit: QsigSipUnit,
    readonly farend: FarendProcess,
    readonly log: RecordingLogger,
    readonly sipPort: number,
  ) {}

  static async start(o: PbxSipRigOptions): Promise<PbxSipRig> {
    const dir = mkdtempSync(join(tmpdir(), "sipt-gw-pbx-sip-"));
    const sipPort = await freePort();
    // The gateway's own routes stay empty: routes to a qsig trunk are the unit's (see README).
    const yaml = `log: { level: info, format: json }
control: { socket: ${join(dir, "control.sock")} }
card:
  driver: sim
  profile: sim-2e1-4fxs-4fxo
  runDir: ${join(dir, "card")}
  spans:
    - { span: ${SPAN}, type: e1, framing: crc4, lineCode: hdb3, clock: recovered, signalling: [${D_CHANNEL}] }
sip:
  listen: [{ transport: udp, address: 127.0.0.1, port: ${sipPort} }]
isdn:
  trunks:
    - { name: ${TRUNK}, span: ${SPAN}, dChannel: ${D_CHANNEL}, side: network, mode: qsig, bChannels: [1-15, 17-31] }
routing:
  countryCode: "1"
  sipTrunks:
    - name: sip
      peers: [{ host: 127.0.0.1, port: ${o.sipPeerPort}, transport: udp }]
      sipt: "${o.sipt ?? "off"}"
      acceptAnySource: true
  routes: []
  interDigitSeconds: 2
media:
  rtpAddress: 127.0.0.1
`;
    const r = loadConfigText(yaml, "pbx-sip.yaml", TIMER_TABLES);
    if (!r.ok) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`test configuration refused:\n${r.problems.map(formatProblem).join("\n")}`);
    }
    const cfg = r.config;
    const log = new RecordingLogger();
    const routing = cfg.routing;
    const isdn = cfg.isdn;
    if (!routing || !isdn) throw new Error("the test configuration lost its routing or isdn section");
    const kinds = new Map<string, TrunkKind>([...routing.sipTrunks.map((t) => [t.name, "sip"] as const), ...isdn.trunks.map((t) => [t.name, "qsig"] as const)]);
    const router = new Router(
      [
        { name: "pbx-out", from: [TRUNK], prefix: "", to: ["sip"], strip: 0, prepend: "", minDigits: 0 },
        { name: "to-pbx", from: ["sip"], prefix: "", to: [TRUNK], strip: 0, prepend: "", minDigits: 0 },
      ],
      kinds,
    );
    const sipTrunks: SipTrunkInfo[] = routing.sipTrunks.map((t) => ({
      name: t.name,
      peers: t.peers.flatMap((p) => ("host" in p ? [{ protocol: p.transport, host: p.host, port: p.port }] : [])),
      sipt: t.sipt,
      isupVersion: t.isupVersion,
      trusted: t.trusted,
      failoverOn: t.failoverOn,
      noAnswerMs: t.noAnswerSeconds * 1000,
      acceptAnySource: t.acceptAnySource,
    }));
    const built: { gw?: Gateway } = {};
    const unit = new QsigSipUnit({
      log: log.child({ component: "qsig-calls" }),
      clock: new SystemClock(),
      routing: router,
      // B-channel n of a QSIG trunk is timeslot n of its span.
      qsigTrunks: isdn.trunks.map((t) => ({ name: t.name, bearer: (ch: number) => ({ span: t.span, timeslot: ch }) })),
      sipTrunks,
      media: latePlane(() => built.gw?.media),
      interDigitMs: routing.interDigitSeconds * 1000,
      localHost: "127.0.0.1",
      callingFromFrom: true,
    });
    // The unit is an IsdnCallSink by shape (src/interworking may not import src/cli).
    const sink: IsdnCallSink = unit;
    const gw = new Gateway(cfg, log, "pbx-sip.yaml", { isdnSink: sink });
    built.gw = gw;
    let farend: FarendProcess | undefined;
    try {
      await gw.start();
      const ua = gw.sip.ua;
      if (!ua) throw new Error("SIP did not start");
      unit.attachSip(ua);
      farend = FarendProcess.spawn(
        "pbx",
        pbxArgs({ sig: join(dir, "card", `span${SPAN}-ts${D_CHANNEL}.sig`), bearer: join(dir, "card", `span${SPAN}.bearer`), side: "user", ...(o.rules ? { rules: o.rules } : {}) }),
        "pbx",
      );
      const rig = new PbxSipRig(dir, gw, unit, farend, log, sipPort);
      await rig.ready();
      return rig;
    } catch (e) {
      await farend?.dispose();
      await gw.stop("setup failed");
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** D-channel up at both ends, our start-up RESTART of the interface acknowledged (Q.931 §5.5.1). */
  private async ready(timeoutMs = 20_000): Promise<void> {
    await this.farend.waitFor(matching("link", { state: "up" }), timeoutMs, { what: "far-end D-channel up" });
    await this.until(() => {
      const row = this.gw.isdn?.dChannels(TRUNK).dChannels[0];
      return row !== undefined && row.established && row.restartsAcknowledged >= 1 && row.bChannelsIdle === 30;
    }, timeoutMs, "D-channel up and the start-up RESTART acknowledged");
  }

  /** The simulated card's fault injection (line cut). */
  sim(): SimControl {
    const d = this.gw.card.driver;
    if (!(d instanceof KoffiCard)) throw new Error("the card is not the simulated card");
    return new SimControl(d);
  }

  busyChannels(): number[] {
    return (this.gw.isdn?.bChannels(TRUNK).bChannels ?? []).filter((b) => b.state !== "idle").map((b) => b.channel);
  }

  async until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.transcript(40)}`);
      await new Promise((res) => setTimeout(res, 10));
    }
  }

  transcript(n: number): string {
    const gw = this.log.records.filter((r) => !/Q921|frame/.test(r.msg)).slice(-n).map((r) => `gw ${r.level} ${r.msg} ${JSON.stringify(r.fields)}`);
    const fe = this.farend.all(() => true).filter((e) => e.ev !== "tone").slice(-n).map((e) => `pbx ${JSON.stringify(e)}`);
    return ["--- gateway ---", ...gw, "--- far end ---", ...fe].join("\n");
  }

  async dispose(): Promise<void> {
    await this.farend.dispose();
    this.unit.releaseAll();
    await this.gw.stop("test over");
    rmSync(this.dir, { recursive: true, force: true });
  }
}
