/**
 * Shared parts of the SIP UAS benchmarks: our stack as UAS (transport,
 * transactions, dialogs and UA core on the system clock, answering every
 * INVITE with 180 then 200 with SDP; RFC 3261 §13, §15), sipp's own UAS, and
 * one `sipp -sn uac` run (INVITE, 100/180/200, ACK, BYE, 200 over UDP on
 * 127.0.0.1) with its outcome and the CPU the UAS spent on it.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { createSocket } from "node:dgram";
import { SystemClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { SipTransport } from "../../../src/sip/transport/sip-transport.js";
import { createUserAgent } from "../../../src/sip/ua/index.js";

export function numberArg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : def;
}

/** A free port on 127.0.0.1 for both TCP and UDP (sipp binds both). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => {
        const a = s.address();
        s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0));
      });
    });
    const ok = await new Promise<boolean>((resolve) => {
      const u = createSocket("udp4");
      u.once("error", () => resolve(false));
      u.bind(port, "127.0.0.1", () => u.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error("no free port on 127.0.0.1 after 50 attempts");
}

const ANSWER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

export interface Uas {
  readonly port: number;
  /** CPU (user + system) the UAS process has used so far, microseconds; undefined when not measurable. */
  cpuMicros(): number | undefined;
  close(): Promise<void>;
}

/** Our stack as UAS, in this process. */
export async function startOurs(): Promise<Uas> {
  const clock = new SystemClock();
  const transport = new SipTransport({ listeners: [{ protocol: "udp", address: "127.0.0.1", port: 0 }], clock, log: silentLogger, udpBufferBytes: 8 * 1024 * 1024, idleTimeoutMs: 0 });
  await transport.start();
  const ua = createUserAgent({ transport, clock, log: silentLogger, contactUser: "bench" });
  ua.onInvite((s) => {
    s.progress(180);
    s.accept({ body: { contentType: "application/sdp", content: ANSWER } });
  });
  const port = transport.listening()[0]?.port ?? 0;
  return {
    port,
    cpuMicros: () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    },
    close: async () => {
      ua.shutdown();
      await transport.close();
    },
  };
}

/** CPU time of a child process from /proc (Linux), microseconds. */
function childCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 of stat(5) (utime, stime), counted after the command name.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / 100 : undefined;
  } catch {
    return undefined;
  }
}

/** sipp's built-in UAS scenario in its own process. */
export async function startSippUas(): Promise<Uas> {
  const port = await freePort();
  const child = spawn("sipp", ["-sn", "uas", "-i", "127.0.0.1", "-p", String(port), "-nostdin", "-buff_size", "8388608"], { stdio: ["ignore", "ignore", "ignore"] });
  await new Promise((r) => setTimeout(r, 500));
  return {
    port,
    cpuMicros: () => childCpuMicros(child.pid),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        const kill = setTimeout(() => child.kill("SIGKILL"), 2000);
        child.once("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

export interface RunResult {
  readonly calls: number;
  readonly ok: number;
  readonly failed: number;
  /** CPU the UAS used during the run, ms per 1000 successful calls. */
  readonly cpuMsPer1000: number | undefined;
  /** Wall time of the run, seconds. */
  readonly seconds: number;
}

/** One sipp UAC run at `rate` calls/s for `seconds` against a UAS on `port`. */
export async function drive(uas: Uas, rate: number, seconds: number): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), "sipt-bench-"));
  try {
    const stf = join(dir, "stat.csv");
    const calls = Math.round(rate * seconds);
    const localPort = await freePort();
    const args = ["-sn", "uac", `127.0.0.1:${uas.port}`, "-i", "127.0.0.1", "-p", String(localPort), "-r", String(rate), "-m", String(calls), "-nostdin", "-timeout", `${seconds + 40}s`, "-trace_stat", "-stf", stf, "-fd", "1", "-buff_size", "8388608", "-max_invite_retrans", "4", "-max_non_invite_retrans", "4"];
    const cpu0 = uas.cpuMicros();
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const child = spawn("sipp", args, { stdio: ["ignore", "ignore", "ignore"] });
      // sipp can stall when it cannot keep up: give it its -timeout and a margin, then stop it.
      const kill = setTimeout(() => child.kill("SIGKILL"), (seconds + 60) * 1000);
      child.once("exit", () => {
        clearTimeout(kill);
        resolve();
      });
    });
    const cpu1 = uas.cpuMicros();
    const wall = (performance.now() - t0) / 1000;
    let ok = 0;
    let failed = calls;
    if (existsSync(stf)) {
      const rows = readFileSync(stf, "utf8").trim().split("\n");
      const head = (rows[0] ?? "").split(";");
      const last = (rows[rows.length - 1] ?? "").split(";");
      const col = (n: string): number => Number(last[head.indexOf(n)] ?? NaN);
      ok = col("SuccessfulCall(C)");
      failed = col("FailedCall(C)");
      if (!Number.isFinite(ok)) ok = 0;
      if (!Number.isFinite(failed)) failed = 0;
      // Calls that never ended count as failed.
      failed += Math.max(0, calls - ok - failed);
    }
    const cpuMsPer1000 = cpu0 !== undefined && cpu1 !== undefined && ok > 0 ? (cpu1 - cpu0) / ok : undefined;
    return { calls, ok, failed, cpuMsPer1000, seconds: wall };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The 1-minute load average and the core count, for the record beside each figure. */
export function machineLoad(): string {
  return `load ${(loadavg()[0] ?? 0).toFixed(2)} on ${navigatorCores()} cores`;
}

function navigatorCores(): number {
  return availableParallelism();
}

/**
 * The highest rate (calls/s) at which a run of `seconds` ends with fewer than
 * 0.1% failed calls: up by x1.25 from `from` to `max` (a failing rate is run
 * a second time, since the machine may be shared), then two bisection steps
 * between the last good and the first bad rate.
 */
export async function highestRate(name: string, start: () => Promise<Uas>, o: { from: number; max: number; seconds: number }): Promise<number> {
  let good = 0;
  let bad = 0;
  const once = async (rate: number): Promise<boolean> => {
    const side = await start();
    let r: RunResult;
    try {
      r = await drive(side, rate, o.seconds);
    } finally {
      await side.close();
    }
    const total = r.ok + r.failed;
    const pass = total > 0 && r.failed / total < 0.001;
    const cpu = r.cpuMsPer1000 !== undefined ? `, ${r.cpuMsPer1000.toFixed(0)} ms CPU per 1000 calls` : "";
    console.log(`${name}: rate ${rate}/s: ${r.ok} ok, ${r.failed} failed${cpu} (${machineLoad()}) -> ${pass ? "pass" : "fail"}`);
    return pass;
  };
  const tryRate = async (rate: number): Promise<boolean> => (await once(rate)) || (await once(rate));
  for (let rate = o.from; rate <= o.max; rate = Math.round(rate * 1.25)) {
    if (await tryRate(rate)) good = rate;
    else {
      bad = rate;
      break;
    }
  }
  if (bad === 0) return good;
  for (let i = 0; i < 2 && bad - good > 50; i++) {
    const mid = Math.round((good + bad) / 2);
    if (await tryRate(mid)) good = mid;
    else bad = mid;
  }
  return good;
}
