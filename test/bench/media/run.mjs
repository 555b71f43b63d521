// run.mjs - media bench runner. For each switch (the native engine, a minimal raw C loop, a Node
// per-packet relay) it finds the largest number of channels switched in real time - 20 ms
// blocks, A-law TDM <-> PCMU RTP - with no lost frame and a p99 tick lateness under 2 ms, by
// doubling then bisecting with short trials, and confirms the result over --seconds (default 60).
// The switch runs on one CPU, the C RTP peer on the other; everything binds to 127.0.0.1 and
// stops by itself. Usage: node test/bench/media/run.mjs [--seconds S] [--trial-seconds T]
//   [--only engine|raw|node] [--max N] [--dtmf 0|1] [--at N]
// --at N runs one trial of --seconds at N channels per switch instead of the search: the CPU per
// 1000 channels at a fixed load is the figure to compare on a shared machine.
import { spawn, execFileSync } from "node:child_process";
import console from "node:console";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { clearTimeout, setTimeout } from "node:timers";
import { URL, fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
};
const confirmSeconds = Number(arg("--seconds", "60"));
const trialSeconds = Number(arg("--trial-seconds", "3"));
const warmup = 1;
const only = arg("--only", "");
const maxChannels = Number(arg("--max", "16000"));
// DTMF detection off by default: the baselines do not detect DTMF either (--dtmf 1 to include it)
const dtmf = arg("--dtmf", "0");
const fixedN = Number(arg("--at", "0"));
const P99_LIMIT_MS = 2;

execFileSync("make", ["-s", "-C", join(here, "../../../drivers/media")], { stdio: "inherit" });
execFileSync("make", ["-s", "-C", here], { stdio: "inherit" });
const work = mkdtempSync(join(tmpdir(), "sipt-media-bench-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

const SUBJECTS = {
  engine: (n, s, port, file) => [join(here, "build/engine_bench"), ["--channels", n, "--seconds", s, "--warmup", warmup, "--cpu", 1, "--peer-port", port, "--ports-file", file, "--dtmf", dtmf]],
  raw: (n, s, port, file) => [join(here, "build/raw_relay"), ["--channels", n, "--seconds", s, "--warmup", warmup, "--cpu", 1, "--peer-port", port, "--ports-file", file]],
  // the runner gives the Node relay the scheduling the C programs take themselves
  node: (n, s, port, file) => ["chrt", ["-f", "10", "taskset", "-c", "1", process.execPath, join(here, "node_relay.mjs"), "--channels", n, "--seconds", s, "--warmup", warmup, "--peer-port", port, "--ports-file", file]],
};

function lines(child) {
  const rl = createInterface({ input: child.stdout });
  const queue = [];
  const waiters = [];
  rl.on("line", (l) => (waiters.length > 0 ? waiters.shift()(l) : queue.push(l)));
  child.on("close", () => { for (const w of waiters.splice(0)) w(undefined); });
  return () => (queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r)));
}

async function trial(kind, n, seconds) {
  const file = join(work, `ports-${kind}-${n}`);
  const peer = spawn(join(here, "build/peer"), ["--channels", n, "--seconds", seconds, "--warmup", warmup, "--cpu", 0, "--ports-file", file].map(String), { stdio: ["pipe", "pipe", "inherit"] });
  const peerLine = lines(peer);
  const port = Number((await peerLine())?.split(" ")[1]);
  const [cmd, args] = SUBJECTS[kind](n, seconds, port, file);
  const subject = spawn(cmd, args.map(String), { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, SIPT_BENCH_SCHED: "fifo" } });
  const subjectLine = lines(subject);
  const kill = setTimeout(() => { peer.kill(); subject.kill(); }, (seconds + warmup + 60) * 1000);
  try {
    if ((await subjectLine()) !== "ready") throw new Error(`${kind} did not start with ${n} channels`);
    peer.stdin.end("go\n");
    subject.stdin.end("go\n");
    const [s, p] = await Promise.all([subjectLine(), peerLine()]);
    const sub = JSON.parse(s ?? "{}");
    const far = JSON.parse(p ?? "{}");
    const lostFrames = (sub.lost ?? 1) + (sub.late ?? 0) + Math.ceil((sub.plc_samples ?? 0) / 160) + (sub.send_errors ?? 0) + (far.lost ?? 1) + (far.send_fail ?? 0);
    const ok = lostFrames === 0 && sub.p99_late_ms < P99_LIMIT_MS && far.received > 0;
    const cpuPer1000 = (100 * sub.cpu_s) / sub.wall_s / (n / 1000);
    console.log(`  ${kind} n=${n} ${seconds}s: ${ok ? "ok  " : "FAIL"} lost=${lostFrames} p99=${sub.p99_late_ms}ms max=${sub.max_late_ms}ms tick_max=${sub.tick_max_ms}ms cpu/1000ch=${cpuPer1000.toFixed(1)}%${sub.io ? ` io=${sub.io}` : ""} peer_p99=${far.p99_late_ms}ms sched=${sub.sched}/${far.sched}`);
    return { ok, n, p99: sub.p99_late_ms, max: sub.max_late_ms, cpuPer1000 };
  } finally {
    clearTimeout(kill);
    for (const c of [peer, subject]) if (c.exitCode === null && c.signalCode === null) await new Promise((r) => c.once("close", r));
  }
}

async function search(kind, startN) {
  let lo = 0;
  let hi = maxChannels + 1;
  let n = startN;
  let best;
  while (n < hi) {
    const r = await trial(kind, n, trialSeconds);
    if (!r.ok) { hi = n; break; }
    lo = n;
    best = r;
    n = Math.min(n * 2, maxChannels);
    if (n === lo) break;
  }
  while (hi - lo > Math.max(20, lo * 0.04)) {
    const mid = Math.floor((lo + hi) / 2);
    const r = await trial(kind, mid, trialSeconds);
    if (r.ok) { lo = mid; best = r; } else hi = mid;
  }
  for (let attempt = 0; attempt < 4 && lo > 0; attempt++) {
    const r = await trial(kind, lo, confirmSeconds);
    if (r.ok) return r;
    lo = Math.floor(lo * 0.95);
  }
  return best !== undefined && lo > 0 ? { ...best, ok: false } : { ok: false, n: 0, p99: NaN, max: NaN, cpuPer1000: NaN };
}

if (fixedN > 0) {
  for (const kind of ["engine", "raw", "node"]) if (only === "" || only === kind) await trial(kind, fixedN, confirmSeconds);
  process.exit(0);
}
const results = {};
for (const [kind, startN] of [["engine", 500], ["raw", 500], ["node", 100]]) {
  if (only !== "" && only !== kind) continue;
  console.log(`${kind}:`);
  const r = await search(kind, startN);
  results[kind] = r;
  console.log(`${kind}: channels=${r.n} p99_late_ms=${r.p99} max_late_ms=${r.max} cpu_per_1000ch=${r.cpuPer1000.toFixed(1)}%${r.ok ? "" : " (not confirmed)"}`);
}
const e = results.engine?.n ?? 0;
const ratio = (x) => (x && x.n > 0 ? (e / x.n).toFixed(2) : "n/a");
console.log(`media: channels=${e} p99_late_ms=${results.engine?.p99 ?? "n/a"} vs_raw_c=${ratio(results.raw)} vs_node=${ratio(results.node)}`);
