/**
 * The gateway's ISDN component (IsdnComponent, configuration through the real
 * loader) on the simulated card's span 2, D-channel in timeslot 16, facing the
 * libpri PBX of hardware/farend (sipt-farend-pbx, PRI_SWITCH_QSIG) on the
 * card's line side. `TestSink` stands where the interworking unit will: it
 * records every indication and answers calls as each test says. Every frame
 * the component sends or receives on the D-channel is kept for the tshark
 * oracle (tshark-lapd.ts).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { openSimCard } from "../../../drivers/card/sim-harness.js";
import type { SimCard } from "../../../drivers/card/sim-harness.js";
import { spanConfigOf } from "../../../src/cli/card-component.js";
import type { IsdnCallSink, IsdnMaintenanceEvent, IsdnRequests } from "../../../src/cli/isdn-call-sink.js";
import type { DChannelFrame } from "../../../src/cli/isdn-card-channel.js";
import { IsdnComponent } from "../../../src/cli/isdn-component.js";
import { TIMER_TABLES } from "../../../src/cli/timer-tables.js";
import { formatProblem, loadConfigText } from "../../../src/config/load.js";
import { RecordingLogger } from "../../../src/core/logger.js";
import type { CallIndication, Q931Call } from "../../../src/isdn/q931/call/call.js";
import { ie } from "../../../src/isdn/q931/codec/q931-codec.js";
import type { Q931Ie } from "../../../src/isdn/q931/codec/q931-codec.js";
import type { FarendRule } from "../../../hardware/farend/farend-process.js";
import { ensureFarendBuilt, farendBinary, FarendProcess, matching, pbxArgs } from "../../../hardware/farend/farend-process.js";

export const TRUNK = "pbx";
export const SPAN = 2;
export const D_CHANNEL = 16;

/** Why the suite cannot run here, or undefined. */
export function prerequisite(): string | undefined {
  if (!existsSync("/usr/include/libpri.h")) return "libpri (Debian package libpri-dev) is not installed";
  if (!existsSync(farendBinary("pbx"))) {
    const r = ensureFarendBuilt();
    if (!r.ok) return r.reason;
  }
  return existsSync(farendBinary("pbx")) ? undefined : `${farendBinary("pbx")} was not built`;
}

export const SPEECH = ie("bearerCapability", { codingStandard: 0, informationTransferCapability: 0, transferMode: 0, informationTransferRate: 0x10, layer1: { protocol: 3, additional: new Uint8Array(0) } });
export const calledIe = (digits: string): Q931Ie => ie("calledPartyNumber", { typeOfNumber: 0, numberingPlan: 0, digits });
export const callingIe = (digits: string): Q931Ie => ie("callingPartyNumber", { typeOfNumber: 0, numberingPlan: 0, presentation: 0, screening: 0, digits });

/** The call control user of the trunk: records, and answers SETUP.ind as `onSetup` says. */
export class TestSink implements IsdnCallSink {
  readonly ind: CallIndication[] = [];
  readonly maint: IsdnMaintenanceEvent[] = [];
  l3: IsdnRequests | undefined;
  onSetup: (call: Q931Call) => void = () => undefined;
  private readonly waiters = new Set<{ pred: (i: CallIndication) => boolean; from: number; resolve: (i: CallIndication) => void }>();

  attach(l3: IsdnRequests, trunk: string): void {
    if (trunk !== TRUNK) throw new Error(`attached to trunk ${trunk}`);
    this.l3 = l3;
  }
  detach(): void {
    this.l3 = undefined;
  }
  indication(trunk: string, i: CallIndication): void {
    if (trunk !== TRUNK) throw new Error(`indication for trunk ${trunk}`);
    const index = this.ind.length;
    this.ind.push(i);
    if (i.primitive === "SETUP.ind") this.onSetup(i.call);
    // Q.931 §5.3.4: DISCONNECT is answered by RELEASE.
    if (i.primitive === "DISCONNECT.ind") i.call.release();
    for (const w of [...this.waiters]) {
      if (index >= w.from && w.pred(i)) {
        this.waiters.delete(w);
        w.resolve(i);
      }
    }
  }
  maintenance(_trunk: string, e: IsdnMaintenanceEvent): void {
    this.maint.push(e);
  }

  mark(): number {
    return this.ind.length;
  }

  waitFor(pred: (i: CallIndication) => boolean, timeoutMs: number, what: string, from = 0): Promise<CallIndication> {
    const hit = this.ind.slice(from).find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        from,
        resolve: (i: CallIndication) => {
          clearTimeout(timer);
          resolve(i);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`no ${what} within ${timeoutMs} ms; indications: ${this.ind.slice(from).map((x) => x.primitive).join(", ")}`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  /** Primitives of one call, RELEASE.* with their cause. */
  primitives(call: Q931Call): string[] {
    return this.ind.filter((i) => i.call === call).map((i) => (i.primitive === "RELEASE.ind" || i.primitive === "RELEASE.conf" ? `${i.primitive} ${i.cause}` : i.primitive));
  }
}

export interface RigOptions {
  readonly side: "network" | "user";
  readonly rules?: readonly FarendRule[];
  /** YAML flow mapping of timer overrides, e.g. "q931: { T309: 10000 }". */
  readonly timers?: string;
}

export class IsdnRig {
  readonly frames: DChannelFrame[] = [];
  private constructor(
    readonly sim: SimCard,
    readonly comp: IsdnComponent,
    readonly sink: TestSink,
    readonly farend: FarendProcess,
    readonly log: RecordingLogger,
  ) {}

  static async start(o: RigOptions): Promise<IsdnRig> {
    const sim = await openSimCard({ mode: "realtime" });
    const yaml = `card:
  driver: sim
  profile: sim-2e1-4fxs-4fxo
  spans:
    - { span: ${SPAN}, type: e1, framing: crc4, lineCode: hdb3, clock: recovered, signalling: [${D_CHANNEL}] }
sip: { listen: [{ transport: udp, address: 127.0.0.1, port: 0 }] }
isdn:
  trunks:
    - { name: ${TRUNK}, span: ${SPAN}, dChannel: ${D_CHANNEL}, side: ${o.side}, mode: qsig, bChannels: [1-15, 17-31] }
timers: { ${o.timers ?? ""} }
`;
    const r = loadConfigText(yaml, "isdn-interop.yaml", TIMER_TABLES);
    if (!r.ok) {
      await sim.dispose();
      throw new Error(`test configuration refused:\n${r.problems.map(formatProblem).join("\n")}`);
    }
    const log = new RecordingLogger();
    const sink = new TestSink();
    let farend: FarendProcess | undefined;
    let comp: IsdnComponent | undefined;
    try {
      const spanCfg = r.config.card.spans[0];
      if (!spanCfg) throw new Error("no span in the test configuration");
      sim.card.configureSpan(SPAN, spanConfigOf(spanCfg));
      comp = new IsdnComponent({ config: r.config, log, card: () => sim.card, sink });
      const rig = new IsdnRig(sim, comp, sink, (farend = FarendProcess.spawn("pbx", pbxArgs({ sig: join(sim.rundir, `span${SPAN}-ts${D_CHANNEL}.sig`), side: o.side === "network" ? "user" : "network", ...(o.rules ? { rules: o.rules } : {}) }), "pbx")), log);
      comp.monitor((f) => rig.frames.push(f));
      await comp.start();
      return rig;
    } catch (e) {
      await farend?.dispose();
      await comp?.stop();
      await sim.dispose();
      throw e;
    }
  }

  get l3(): IsdnRequests {
    const l3 = this.sink.l3;
    if (!l3) throw new Error("the trunk is not attached");
    return l3;
  }

  /** Until the D-channel is up at both ends (and, network side, our start-up RESTART is acknowledged). */
  async ready(side: "network" | "user", timeoutMs = 10_000): Promise<void> {
    await this.farend.waitFor(matching("link", { state: "up" }), timeoutMs, { what: "far-end D-channel up" });
    await this.until(() => this.sink.l3?.dataLinkUp === true, timeoutMs, "our D-channel up");
    if (side === "network") await this.until(() => this.row().restartsAcknowledged === 1 && this.row().bChannelsIdle === 30, timeoutMs, "start-up RESTART acknowledged");
  }

  row(): ReturnType<IsdnComponent["dChannels"]>["dChannels"][number] {
    const r = this.comp.dChannels(TRUNK).dChannels[0];
    if (!r) throw new Error("no D-channel row");
    return r;
  }

  /** Channels not idle on our side. */
  busyChannels(): number[] {
    return this.comp
      .bChannels(TRUNK)
      .bChannels.filter((b) => b.state !== "idle")
      .map((b) => b.channel);
  }

  async until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.transcript(40)}`);
      await new Promise((res) => setTimeout(res, 5));
    }
  }

  /** The last log lines of the component and the far end, for failure messages. */
  transcript(n: number): string {
    const gw = this.log.records.slice(-n).map((r) => `gw ${r.level} ${r.msg}`);
    const fe = this.farend.all(() => true).slice(-n).map((e) => `pbx ${JSON.stringify(e)}`);
    return ["--- gateway ---", ...gw, "--- far end ---", ...fe].join("\n");
  }

  async dispose(): Promise<void> {
    await this.farend.dispose();
    await this.comp.stop();
    await this.sim.dispose();
  }
}
