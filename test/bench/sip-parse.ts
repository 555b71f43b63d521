/**
 * SIP parse (+ serialize) throughput on one core: src/sip/syntax against the
 * parsers of JsSIP and SIP.js over a realistic mix (see sip/parse-mix.ts for
 * the mix and what each side does per message).
 *
 * Build with tsc, then: node <out>/test/bench/sip-parse.js [seconds per parser, default 3]
 * Last line: "sip-parse: parse_per_s=N vs_best_parser=R" (R = ours / faster of the two).
 */
import { measureParsers } from "./sip/parse-mix.js";

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? "3");
  const f = await measureParsers(seconds, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`sip-parse: parse_per_s=${f.ours} vs_best_parser=${f.ratio.toFixed(2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`sip-parse: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
