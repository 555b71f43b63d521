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
 * first bad rate (harness.ts).
 *
 * Build with tsc, then: node <out>/test/bench/sip/uas-cps.js [--seconds 10] [--from 1000] [--max 20000]
 * Last line: "sip: uas_cps=C vs_sipp=Q" (Q = ours / sipp's).
 */
import { highestRate, numberArg, startOurs, startSippUas } from "./harness.js";

const o = { seconds: numberArg("seconds", 10), from: numberArg("from", 1000), max: numberArg("max", 20_000) };
const ours = await highestRate("ours", startOurs, o);
const sipp = await highestRate("sipp", startSippUas, o);
console.log(`sip: uas_cps=${ours} vs_sipp=${sipp > 0 ? (ours / sipp).toFixed(2) : "n/a"}`);
