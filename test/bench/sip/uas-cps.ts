/**
 * Calls per second our SIP stack sustains as UAS on one core (this Node
 * process: transport, transactions, dialogs and UA core on the system clock),
 * beside sipp's own UAS on the same machine, both driven by `sipp -sn uac`
 * (INVITE, 100/180/200, ACK, BYE, 200; RFC 3261 §13, §15) over UDP on
 * 127.0.0.1.
 *
 * For each side the rate goes up (x1.25 from --from) while a run of
 * --seconds seconds ends with fewer than 0.1% failed calls (a failing rate is
 * run a second time, since the machine may be shared); the figure is the
 * highest such rate, refined by bisection between the last good and the
 * first bad rate.
 *
 * Build with tsc, then: node <out>/test/bench/sip/uas-cps.js [--seconds 10] [--from 1000] [--max 20000]
 * Last line: "sip: uas_cps=C vs_sipp=Q" (Q = ours / sipp's).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { createSocket } from "node:dgram";
import { SystemClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { SipTransport } from "../../../src/sip/transport/sip-transport.js";
import { createUserAgent } from "../../../src/sip/ua/index.js";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : def;
}

const SECONDS = arg("seconds", 10);
const FROM = arg("from", 1000);
const MAX = arg("max", 20_000);

async function freePort(): Promise<number> {
  for (;;) {
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
}

const ANSWER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

interface Ours {
  port: number;
  close(): Promise<void>;
}

async function startOurs(): Promise<Ours> {
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
    close: async () => {
      ua.shutdown();
      await transport.close();
    },
  };
}

async function startSippUas(): Promise<Ours> {
  const port = await freePort();
  const child = spawn("sipp", ["-sn", "uas", "-i", "127.0.0.1", "-p", String(port), "-nostdin", "-buff_size", "8388608"], { stdio: ["ignore", "ignore", "ignore"] });
  await new Promise((r) => setTimeout(r, 500));
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 2000).unref();
      }),
  };
}

interface RunResult {
  ok: number;
  failed: number;
}

/** One sipp UAC run at `rate` calls/s for SECONDS. */
async function drive(port: number, rate: number): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), "sipt-bench-"));
  const stf = join(dir, "stat.csv");
  const calls = Math.round(rate * SECONDS);
  const localPort = await freePort();
  const args = ["-sn", "uac", `127.0.0.1:${port}`, "-i", "127.0.0.1", "-p", String(localPort), "-r", String(rate), "-m", String(calls), "-nostdin", "-timeout", `${SECONDS + 40}s`, "-trace_stat", "-stf", stf, "-fd", "1", "-buff_size", "8388608", "-max_invite_retrans", "4", "-max_non_invite_retrans", "4"];
  await new Promise<void>((resolve) => {
    const child = spawn("sipp", args, { stdio: ["ignore", "ignore", "ignore"] });
    // sipp can stall when it cannot keep up: give it its -timeout and a margin, then stop it.
    const kill = setTimeout(() => child.kill("SIGKILL"), (SECONDS + 60) * 1000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
  });
  let ok = 0;
  let failed = calls;
  if (existsSync(stf)) {
    const rows = readFileSync(stf, "utf8").trim().split("\n");
    const head = (rows[0] ?? "").split(";");
    const last = (rows[rows.length - 1] ?? "").split(";");
    const col = (n: string): number => Number(last[head.indexOf(n)] ?? NaN);
    ok = col("SuccessfulCall(C)");
    failed = col("FailedCall(C)");
    // Calls that never ended count as failed.
    failed += Math.max(0, calls - ok - failed);
  }
  rmSync(dir, { recursive: true, force: true });
  return { ok, failed };
}

async function highestRate(name: string, start: () => Promise<Ours>): Promise<number> {
  let good = 0;
  let bad = 0;
  const once = async (rate: number): Promise<boolean> => {
    const side = await start();
    const r = await drive(side.port, rate);
    await side.close();
    const total = r.ok + r.failed;
    const pass = total > 0 && r.failed / total < 0.001;
    console.log(`${name}: rate ${rate}/s: ${r.ok} ok, ${r.failed} failed -> ${pass ? "pass" : "fail"}`);
    return pass;
  };
  // The machine may be shared: a failing rate gets a second run before it counts as failed.
  const tryRate = async (rate: number): Promise<boolean> => (await once(rate)) || (await once(rate));
  for (let rate = FROM; rate <= MAX; rate = Math.round(rate * 1.25)) {
    if (await tryRate(rate)) good = rate;
    else {
      bad = rate;
      break;
    }
  }
  if (bad === 0) return good;
  // Two bisection steps between the last good rate and the first bad one.
  for (let i = 0; i < 2 && bad - good > 50; i++) {
    const mid = Math.round((good + bad) / 2);
    if (await tryRate(mid)) good = mid;
    else bad = mid;
  }
  return good;
}

const ours = await highestRate("ours", startOurs);
const sipp = await highestRate("sipp", startSippUas);
console.log(`sip: uas_cps=${ours} vs_sipp=${sipp > 0 ? (ours / sipp).toFixed(2) : "n/a"}`);
