/**
 * The whole gateway in this process (card, media engine, SIP, SS7, calls)
 * on the simulated card, facing the libss7 switch of hardware/farend on span
 * 1 (signalling timeslot 16 and the span's bearer) and SIP peers on
 * 127.0.0.1. The configuration goes through the real loader.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Gateway } from "../../../src/cli/gateway-process.js";
import { TIMER_TABLES } from "../../../src/cli/timer-tables.js";
import { formatProblem, loadConfigText } from "../../../src/config/load.js";
import { RecordingLogger } from "../../../src/core/logger.js";
import type { FarendRule } from "../../../hardware/farend/farend-process.js";
import { FarendProcess, matching, ss7SwitchArgs } from "../../../hardware/farend/farend-process.js";
import { freePort } from "../../support/ports.js";

export interface GatewayRigOptions {
  /** Where calls from the PSTN go. */
  readonly sipPeerPort: number;
  readonly rules?: readonly FarendRule[];
  readonly sipt?: "off" | "optional" | "required";
  /** Extra YAML lines under `timers:` (indented by 2). */
  readonly timersYaml?: string;
  /** Extra YAML lines under `sip:` (indented by 2), e.g. peers. */
  readonly sipYaml?: string;
  /** The SIP trunk's `peers:` list as YAML flow text (default: the peer port on 127.0.0.1). */
  readonly trunkPeersYaml?: string;
}

export class GatewayRig {
  private constructor(
    readonly dir: string,
    readonly gw: Gateway,
    readonly farend: FarendProcess,
    readonly log: RecordingLogger,
    readonly sipPort: number,
  ) {}

  static async start(o: GatewayRigOptions): Promise<GatewayRig> {
    const dir = mkdtempSync(join(tmpdir(), "sipt-gw-calls-"));
    const sipPort = await freePort();
    const yaml = `log: { level: info, format: json }
control: { socket: ${join(dir, "control.sock")} }
card:
  driver: sim
  profile: sim-2e1-4fxs-4fxo
  runDir: ${join(dir, "card")}
  spans:
    - { span: 1, type: e1, framing: crc4, lineCode: hdb3, clock: recovered, signalling: [16] }
sip:
  listen: [{ transport: udp, address: 127.0.0.1, port: ${sipPort} }]
${o.sipYaml ?? ""}
ss7:
  variant: itu
  pointCode: 1
  linksets:
    - { name: pstn, adjacentPointCode: 2, links: [{ span: 1, timeslot: 16, slc: 0 }] }
  trunks:
    - name: pstn
      pointCode: 2
      span: 1
      circuits: [{ cics: 1-15, timeslots: 1-15 }, { cics: 17-31, timeslots: 17-31 }]
  blockingStore: ${join(dir, "blocking.json")}
routing:
  countryCode: "1"
  sipTrunks:
    - name: sip
      peers: ${o.trunkPeersYaml ?? `[{ host: 127.0.0.1, port: ${o.sipPeerPort}, transport: udp }]`}
      sipt: "${o.sipt ?? "off"}"
  routes:
    - { name: out, from: [pstn], to: [sip] }
    - { name: in, from: [sip], to: [pstn] }
media:
  rtpAddress: 127.0.0.1
timers:
${o.timersYaml ?? "  {}"}
`;
    const r = loadConfigText(yaml, "calls.yaml", TIMER_TABLES);
    if (!r.ok) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`test configuration refused:\n${r.problems.map(formatProblem).join("\n")}`);
    }
    const log = new RecordingLogger();
    const gw = new Gateway(r.config, log, "calls.yaml");
    let farend: FarendProcess | undefined;
    try {
      await gw.start();
      farend = FarendProcess.spawn(
        "ss7",
        ss7SwitchArgs({
          sig: join(dir, "card", "span1-ts16.sig"),
          bearer: join(dir, "card", "span1.bearer"),
          variant: "itu",
          opc: 2,
          dpc: 1,
          ni: "nat",
          cics: "1-31",
          ...(o.rules ? { rules: o.rules } : {}),
          defaultRule: { action: "answer" },
        }),
        "pstn",
      );
      const rig = new GatewayRig(dir, gw, farend, log, sipPort);
      await rig.ready();
      return rig;
    } catch (e) {
      await farend?.dispose();
      await gw.stop("setup failed");
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Link up at both ends, our start-up circuit resets acknowledged. */
  private async ready(timeoutMs = 20_000): Promise<void> {
    await this.farend.waitFor(matching("link", { state: "up" }), timeoutMs, { what: "far-end link up" });
    const isup = (): NonNullable<NonNullable<Gateway["ss7"]>["isup"]> | undefined => this.gw.ss7?.isup;
    await this.until(() => isup()?.status().every((c) => c.procedures.length === 0) === true && this.farend.all(matching("rx", { msg: "GRS" })).length >= 2, timeoutMs, "start-up GRS acknowledged");
  }

  async until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.transcript(40)}`);
      await new Promise((res) => setTimeout(res, 10));
    }
  }

  transcript(n: number): string {
    const gw = this.log.records.filter((r) => !/MTP|SLT|GRS/.test(r.msg)).slice(-n).map((r) => `gw ${r.level} ${r.msg}`);
    const fe = this.farend.all(() => true).filter((e) => e.ev !== "tone").slice(-n).map((e) => `pstn ${JSON.stringify(e)}`);
    return ["--- gateway ---", ...gw, "--- far end ---", ...fe].join("\n");
  }

  async dispose(): Promise<void> {
    await this.farend.dispose();
    await this.gw.stop("test over");
    rmSync(this.dir, { recursive: true, force: true });
  }
}
