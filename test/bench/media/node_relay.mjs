// node_relay.mjs - the Node baseline: a per-packet relay in plain Node doing the engine's job for
// N channels of A-law TDM <-> PCMU RTP: one dgram socket per stream, every received packet
// checked for sequence continuity and transcoded (mu-law -> A-law table) into the channel's TDM
// block, and every 20 ms one packet per channel built from the TDM block (A-law -> mu-law) and
// sent with socket.send. Same CLI, schedule and report as engine_bench.
import { Buffer } from "node:buffer";
import dgram from "node:dgram";
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { createInterface } from "node:readline";
import { setTimeout } from "node:timers";

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
};
const n = Number(arg("--channels", "100"));
const seconds = Number(arg("--seconds", "5"));
const warmup = Number(arg("--warmup", "1"));
const peerPort = Number(arg("--peer-port", "0"));
const portsFile = arg("--ports-file", "");

// G.711 A-law <-> mu-law through linear (segment rules of G.711)
const alawToLin = (a) => {
  a ^= 0x55;
  let t = ((a & 0x0f) << 4) + 8;
  const seg = (a & 0x70) >> 4;
  if (seg > 0) t += 0x100;
  if (seg > 1) t <<= seg - 1;
  return a & 0x80 ? t : -t;
};
const linToUlaw = (pcm) => {
  const sign = pcm < 0 ? 0x7f : 0xff;
  pcm = Math.min(Math.abs(pcm) + 0x84, 0x7fff);
  let seg = 0;
  for (let v = pcm >> 7; v > 1 && seg < 7; v >>= 1) seg++;
  return ((seg << 4) | ((pcm >> (seg + 3)) & 0x0f)) ^ sign;
};
const ulawToLin = (u) => {
  u = ~u & 0xff;
  let t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  t -= 0x84;
  return u & 0x80 ? -t : t;
};
const linToAlaw = (pcm) => {
  let mask = 0xd5;
  pcm >>= 3;
  if (pcm < 0) { mask = 0x55; pcm = -pcm - 1; }
  let seg = 0;
  for (let v = pcm >> 5; v > 0 && seg < 8; v >>= 1) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | (seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f)) ^ mask;
};
const a2u = Uint8Array.from({ length: 256 }, (_, a) => linToUlaw(alawToLin(a)));
const u2a = Uint8Array.from({ length: 256 }, (_, u) => linToAlaw(ulawToLin(u)));

const tdmRx = new Uint8Array(n * 160).fill(0xd5);
const tdmTx = new Uint8Array(n * 160);
const next = new Int32Array(n).fill(-1);
let lost = 0;
let rx = 0;
let tx = 0;
let sendErrors = 0;
let counting = false;
const sockets = [];
const ports = [];
for (let i = 0; i < n; i++) {
  const s = dgram.createSocket("udp4");
  const ch = i;
  s.on("message", (msg) => {
    if (msg.length < 12) return;
    const seq = msg.readUInt16BE(2);
    if (counting && next[ch] >= 0 && seq !== next[ch]) lost += (seq - next[ch]) & 0xffff;
    next[ch] = (seq + 1) & 0xffff;
    if (counting) rx++;
    const base = ch * 160;
    for (let k = 0; k < 160 && 12 + k < msg.length; k++) tdmTx[base + k] = u2a[msg[12 + k]];
  });
  sockets.push(s);
}
await Promise.all(sockets.map((s) => new Promise((r) => s.bind(0, "127.0.0.1", r))));
for (const s of sockets) ports.push(s.address().port);
writeFileSync(portsFile, ports.join("\n") + "\n");
const seqs = new Uint16Array(n);
process.stdout.write("ready\n");
await new Promise((resolve) => {
  const rl = createInterface({ input: process.stdin });
  rl.once("line", () => {
    rl.close();
    process.stdin.destroy();
    resolve();
  });
});

const period = 20;
const EARLY_MS = 2;
const late = [];
let tickMax = 0;
const start = performance.now() + period;
const ticks = (seconds + warmup) * 50;
let cpu0;
let wall0;
let k = 1;
await new Promise((resolve) => {
  const tick = () => {
    const due = start + (k - 1) * period;
    // timers fire up to a millisecond late: wake early and spin to the deadline, the best a
    // Node event loop can do for a block clock
    while (performance.now() < due) {
      // spin
    }
    const now = performance.now();
    if (k === warmup * 50 + 1) {
      counting = true;
      cpu0 = process.cpuUsage();
      wall0 = now;
    }
    if (counting) late.push(now - due);
    for (let i = 0; i < n; i++) {
      const pkt = Buffer.allocUnsafe(172);
      pkt[0] = 0x80;
      pkt[1] = 0;
      pkt.writeUInt16BE(seqs[i]++, 2);
      pkt.writeUInt32BE((k * 160) >>> 0, 4);
      pkt.writeUInt32BE(0x20000 + i, 8);
      const base = i * 160;
      for (let j = 0; j < 160; j++) pkt[12 + j] = a2u[tdmRx[base + j]];
      sockets[i].send(pkt, peerPort, "127.0.0.1", (err) => {
        if (!counting) return;
        if (err) sendErrors++;
        else tx++;
      });
    }
    if (counting) tickMax = Math.max(tickMax, performance.now() - now);
    k++;
    if (k > ticks) return void resolve();
    const nextDue = start + (k - 1) * period;
    setTimeout(tick, Math.max(0, nextDue - performance.now() - EARLY_MS));
  };
  setTimeout(tick, Math.max(0, start - performance.now() - EARLY_MS));
});
const wall = (performance.now() - wall0) / 1000;
const cpu = process.cpuUsage(cpu0);
late.sort((a, b) => a - b);
const p99 = late.length > 0 ? late[Math.min(late.length - 1, Math.ceil(0.99 * late.length) - 1)] : 0;
process.stdout.write(
  JSON.stringify({
    lost,
    late: 0,
    plc_samples: 0,
    send_errors: sendErrors,
    rx,
    tx,
    p99_late_ms: Number(p99.toFixed(3)),
    max_late_ms: Number((late.at(-1) ?? 0).toFixed(3)),
    tick_max_ms: Number(tickMax.toFixed(3)),
    cpu_s: (cpu.user + cpu.system) / 1e6,
    wall_s: wall,
    sched: process.env["SIPT_BENCH_SCHED"] ?? "normal",
  }) + "\n",
);
for (const s of sockets) s.close();
