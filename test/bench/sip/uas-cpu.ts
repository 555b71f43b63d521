/**
 * CPU per call of our SIP stack as UAS at a fixed call rate: `sipp -sn uac`
 * drives INVITE, 100/180/200, ACK, BYE, 200 (RFC 3261 §13, §15) over UDP on
 * 127.0.0.1 at --rate calls/s for --seconds, --runs times; each run reports
 * the CPU (user + system, all threads of this process, GC included) spent per
 * 1000 successful calls. Less sensitive to other load on the machine than the
 * highest sustainable rate.
 *
 * Build with tsc, then: node <out>/test/bench/sip/uas-cpu.js [--rate 2000] [--seconds 15] [--runs 3]
 * Last line: "sip-uas-cpu: ms_per_1000_calls=M rate=R" (M = the lowest of the runs).
 */
import { drive, machineLoad, numberArg, startOurs } from "./harness.js";

const RATE = numberArg("rate", 2000);
const SECONDS = numberArg("seconds", 15);
const RUNS = numberArg("runs", 3);

let best = Infinity;
for (let i = 0; i < RUNS; i++) {
  const uas = await startOurs();
  try {
    const r = await drive(uas, RATE, SECONDS);
    const cpu = r.cpuMsPer1000;
    console.log(`ours at ${RATE}/s: ${r.ok} ok, ${r.failed} failed in ${r.seconds.toFixed(1)} s, ${cpu === undefined ? "n/a" : cpu.toFixed(1)} ms CPU per 1000 calls (${machineLoad()})`);
    if (cpu !== undefined && r.failed === 0) best = Math.min(best, cpu);
  } finally {
    await uas.close();
  }
}
console.log(`sip-uas-cpu: ms_per_1000_calls=${Number.isFinite(best) ? best.toFixed(1) : "n/a"} rate=${RATE}`);
