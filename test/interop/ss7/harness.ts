/**
 * The gateway (in this process: card component on the simulated card, SS7
 * component, control socket) facing the libss7 switch of hardware/farend on
 * span 1, timeslot 16. The configuration goes through the real loader; the
 * test user stands where the interworking unit will. Every frame the gateway
 * sends or receives on the link is kept for the tshark oracle.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KoffiCard } from "../../../drivers/card/koffi-card.js";
import { SimControl } from "../../../drivers/card/sim-control.js";
import { Gateway } from "../../../src/cli/gateway-process.js";
import type { SignallingFrame } from "../../../src/cli/ss7-card-channel.js";
import { simLibraryPath } from "../../../src/cli/card-component.js";
import { TIMER_TABLES } from "../../../src/cli/timer-tables.js";
import { packageRoot } from "../../../src/cli/version.js";
import { formatProblem, loadConfigText } from "../../../src/config/load.js";
import type { Logger } from "../../../src/core/logger.js";
import { RecordingLogger } from "../../../src/core/logger.js";
import type { CallSink } from "../../../src/cli/ss7-call-sink.js";
import { request } from "../../../src/gateway/management/client.js";
import type { RequestBody, ResponseBody } from "../../../src/gateway/management/messages.js";
import type { FarendRule } from "../../../hardware/farend/farend-process.js";
import { ensureFarendBuilt, farendBinary, FarendProcess, matching, ss7SwitchArgs } from "../../../hardware/farend/farend-process.js";
import { TestUser } from "./test-user.js";

export const OUR_PC = 1;
export const FAR_PC = 2;
export const TRUNK = "pstn";
/** CICs of the trunk: n on timeslot n, timeslot 16 carrying the link. */
export const CICS = [...Array.from({ length: 15 }, (_, i) => i + 1), ...Array.from({ length: 15 }, (_, i) => i + 17)];

/** Why the suite cannot run here, or undefined. */
export function prerequisite(): string | undefined {
  if (!existsSync("/usr/include/libss7.h")) return "libss7 (Debian package libss7-dev) is not installed";
  if (!existsSync(farendBinary("ss7"))) {
    const r = ensureFarendBuilt();
    if (!r.ok) return r.reason;
  }
  // The simulated card library the gateway loads (built by make, serialised across test workers).
  const simDir = join(packageRoot(), "hardware/sim");
  try {
    mkdirSync(join(simDir, "build"), { recursive: true });
    execFileSync("flock", [join(simDir, "build", ".build-lock"), "make", "-s", "-C", simDir], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    return `cannot build the simulated card (make -C ${simDir}): ${(e as Error).message}`;
  }
  return existsSync(farendBinary("ss7")) && existsSync(simLibraryPath()) ? undefined : "the far-end switch or the simulated card library was not built";
}

export interface SetupOptions {
  readonly mode?: "realtime" | "freerun";
  readonly rules?: readonly FarendRule[];
  readonly defaultRule?: FarendRule;
  /** Extra YAML lines under `timers:` (indented by 2). */
  readonly timersYaml?: string;
  readonly logLevel?: "info" | "debug";
  /** Where the gateway logs; by default a RecordingLogger kept for failure messages. */
  readonly log?: Logger;
  /** Keep every signalling frame for the tshark oracle (default true). */
  readonly keepFrames?: boolean;
  /** Where ISUP calls go; by default a TestUser. */
  readonly sink?: CallSink;
}

export class Rig {
  readonly frames: SignallingFrame[] = [];
  private constructor(
    readonly dir: string,
    readonly gw: Gateway,
    readonly user: TestUser,
    readonly farend: FarendProcess,
    readonly log: RecordingLogger,
    readonly sim: SimControl,
  ) {}

  static async start(o: SetupOptions = {}): Promise<Rig> {
    const dir = mkdtempSync(join(tmpdir(), "sipt-ss7-interop-"));
    const yaml = `log: { level: ${o.logLevel ?? "info"}, format: json }
control: { socket: ${join(dir, "control.sock")} }
card:
  driver: sim
  profile: sim-2e1-4fxs-4fxo
  runDir: ${join(dir, "card")}
  mode: ${o.mode ?? "realtime"}
  spans:
    - { span: 1, type: e1, framing: crc4, lineCode: hdb3, clock: recovered, signalling: [16] }
sip:
  listen: [{ transport: udp, address: 127.0.0.1, port: 0 }]
ss7:
  variant: itu
  pointCode: ${OUR_PC}
  networkIndicator: national
  linksets:
    - name: ${TRUNK}
      adjacentPointCode: ${FAR_PC}
      links: [{ span: 1, timeslot: 16, slc: 0 }]
  trunks:
    - name: ${TRUNK}
      pointCode: ${FAR_PC}
      span: 1
      circuits: [{ cics: 1-15, timeslots: 1-15 }, { cics: 17-31, timeslots: 17-31 }]
      hunting: sequential
  blockingStore: ${join(dir, "blocking.json")}
timers:
${o.timersYaml ?? "  {}"}
`;
    const r = loadConfigText(yaml, "interop.yaml", TIMER_TABLES);
    if (!r.ok) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`test configuration refused:\n${r.problems.map(formatProblem).join("\n")}`);
    }
    const log = new RecordingLogger();
    const user = new TestUser();
    const gw = new Gateway(r.config, o.log ?? log, "interop.yaml", { callSink: o.sink ?? user });
    let farend: FarendProcess | undefined;
    try {
      await gw.start();
      const card = gw.card.driver;
      if (!(card instanceof KoffiCard)) throw new Error("the gateway's card is not the simulated card");
      const rig = new Rig(dir, gw, user, (farend = FarendProcess.spawn(
        "ss7",
        ss7SwitchArgs({
          sig: join(dir, "card", "span1-ts16.sig"),
          variant: "itu",
          opc: FAR_PC,
          dpc: OUR_PC,
          ni: "nat",
          cics: "1-31",
          ...(o.rules ? { rules: o.rules } : {}),
          defaultRule: o.defaultRule ?? { action: "answer" },
        }),
        "pstn",
      )), log, new SimControl(card));
      if (o.keepFrames !== false) gw.ss7?.monitor((f) => rig.frames.push(f));
      return rig;
    } catch (e) {
      await farend?.dispose();
      await gw.stop("setup failed");
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  get isup(): NonNullable<Gateway["ss7"]>["isup"] & object {
    const n = this.gw.ss7?.isup;
    if (!n) throw new Error("ISUP is not running");
    return n;
  }

  /** Until the link is in service at both ends and our start-up GRSs are acknowledged. */
  async ready(timeoutMs = 15_000): Promise<void> {
    await this.farend.waitFor(matching("link", { state: "up" }), timeoutMs, { what: "far-end link up" });
    await this.until(() => this.gw.ss7?.mtp3?.destinationStatus().every((d) => d.accessible) === true, timeoutMs, "MTP-RESUME");
    await this.until(() => this.isup.status().every((c) => c.procedures.length === 0), timeoutMs, "start-up GRS acknowledged");
  }

  async until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.transcript(40)}`);
      await new Promise((res) => setTimeout(res, 10));
    }
  }

  /** The last log lines of the gateway and the far end, for failure messages. */
  transcript(n: number): string {
    const gw = this.log.records.slice(-n).map((r) => `gw ${r.level} ${r.msg} ${JSON.stringify({ ...r.fields, component: undefined })}`);
    const fe = this.farend.all(() => true).slice(-n).map((e) => `pstn ${JSON.stringify(e)}`);
    return ["--- gateway ---", ...gw, "--- far end ---", ...fe].join("\n");
  }

  manage(body: RequestBody, timeoutMs = 5_000): Promise<ResponseBody> {
    return request(this.gw.controlSocket, body, timeoutMs);
  }

  async dispose(): Promise<void> {
    await this.farend.dispose();
    await this.gw.stop("test over");
    rmSync(this.dir, { recursive: true, force: true });
  }
}
