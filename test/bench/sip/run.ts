/**
 * The combined SIP benchmark, on one core each:
 *  1. parsing: src/sip/syntax (parse, the reads the transaction and dialog
 *     layers make, serialize) against the parsers of JsSIP and SIP.js over a
 *     realistic mix of messages (parse-mix.ts);
 *  2. CPU per call of our stack as UAS at a fixed rate (user + system of this
 *     process per 1000 calls), the figure least sensitive to other load;
 *  3. the highest call rate our stack sustains as UAS against `sipp -sn uac`
 *     (INVITE, 100/180/200, ACK, BYE, 200; RFC 3261 §13, §15, over UDP on
 *     127.0.0.1) beside sipp's own UAS on the same machine (harness.ts).
 *
 * Build with tsc, then:
 *   node <out>/test/bench/sip/run.js [--parse-seconds 3] [--cpu-rate 2000] [--cpu-seconds 10]
 *                                    [--seconds 10] [--from 1000] [--max 20000]
 * (--cpu-rate 0 leaves step 2 out.)
 * Last line: "sip: parse_per_s=N vs_best_parser=R uas_cps=C vs_sipp=Q"
 * (R = ours / the faster of JsSIP and SIP.js in the same run; Q = ours / sipp's).
 */
import { drive, highestRate, machineLoad, numberArg, startOurs, startSippUas } from "./harness.js";
import { measureParsers } from "./parse-mix.js";

const parseSeconds = numberArg("parse-seconds", 3);
const cpuRate = numberArg("cpu-rate", 2000);
const cpuSeconds = numberArg("cpu-seconds", 10);
const search = { seconds: numberArg("seconds", 10), from: numberArg("from", 1000), max: numberArg("max", 20_000) };

async function main(): Promise<void> {
  console.log(`sip bench on ${machineLoad()}, node ${process.version}`);
  const parse = await measureParsers(parseSeconds, (line) => console.log(`parse: ${line}`));
  console.log(`parse: ours / faster of jssip and sip.js = ${parse.ratio.toFixed(2)}`);

  if (cpuRate > 0) {
    const uas = await startOurs();
    try {
      const r = await drive(uas, cpuRate, cpuSeconds);
      const cpu = r.cpuMsPer1000 === undefined ? "n/a" : r.cpuMsPer1000.toFixed(1);
      console.log(`uas cpu: ours at ${cpuRate}/s for ${cpuSeconds} s: ${r.ok} ok, ${r.failed} failed, ${cpu} ms CPU (user + system) per 1000 calls (${machineLoad()})`);
    } finally {
      await uas.close();
    }
  }

  const ours = await highestRate("uas rate: ours", startOurs, search);
  const sipp = await highestRate("uas rate: sipp", startSippUas, search);
  console.log(`uas rate: ours ${ours} calls/s, sipp -sn uas ${sipp} calls/s (highest rate with < 0.1% failed calls over ${search.seconds} s runs)`);
  const vsSipp = sipp > 0 ? (ours / sipp).toFixed(2) : "n/a";
  console.log(`sip: parse_per_s=${parse.ours} vs_best_parser=${parse.ratio.toFixed(2)} uas_cps=${ours} vs_sipp=${vsSipp}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`sip bench: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
