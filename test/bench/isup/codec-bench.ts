/**
 * ISUP codec benchmark: decode and encode a realistic call mix (IAM, ACM,
 * ANM, REL, RLC as in samples.ts, ITU, CIC first), each measured for about
 * three seconds on one core. Prints one line:
 *
 *   isup-codec: decode_per_s=N encode_per_s=M
 *
 * Run after `npm run build:ts`: node dist/test/bench/isup/codec-bench.js. Its
 * functions are also used by cps.ts (npm run bench:isup).
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decodeIsup, encodeIsup } from "../../../src/ss7/isup/codec/isup-codec.js";
import { sampleMessage } from "../../../src/ss7/isup/codec/samples.js";
import type { IsupMessage } from "../../../src/ss7/isup/codec/types.js";

const SECONDS = 3;
const MIX = ["IAM", "ACM", "ANM", "REL", "RLC"];

export function measure(seconds: number, op: (i: number) => number): number {
  let sink = 0;
  // Warm up so the measured loop runs optimised code.
  const warmEnd = performance.now() + 300;
  for (let i = 0; performance.now() < warmEnd; i++) sink += op(i);
  let ops = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    for (let j = 0; j < 1000; j++) sink += op(ops + j);
    ops += 1000;
    now = performance.now();
  }
  if (sink === -1) console.log("unreachable");
  return Math.round(ops / ((now - start) / 1000));
}

/** Decode and encode rates of the call mix, each measured for `seconds`. */
export function codecRates(seconds = SECONDS): { decodePerS: number; encodePerS: number } {
  const messages: IsupMessage[] = MIX.map((t, i) => sampleMessage("itu", t, 100 + i));
  const wire: Uint8Array[] = messages.map((m) => encodeIsup(m, { variant: "itu" }));
  const itu = { variant: "itu" } as const;
  const decodePerS = measure(seconds, (i) => {
    const r = decodeIsup(wire[i % wire.length] as Uint8Array, itu);
    return r.ok ? r.value.parameters.length : 0;
  });
  const encodePerS = measure(seconds, (i) => encodeIsup(messages[i % messages.length] as IsupMessage, itu).length);
  return { decodePerS, encodePerS };
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  const { decodePerS, encodePerS } = codecRates();
  console.log(`isup-codec: decode_per_s=${decodePerS} encode_per_s=${encodePerS}`);
}
