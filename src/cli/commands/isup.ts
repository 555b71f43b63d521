/**
 * `sipt-gw isup decode|encode`: the ISUP codec (ITU-T Q.763, ANSI T1.113.3)
 * from the command line.
 *
 *   sipt-gw isup decode [--variant itu|ansi] [--sipt] HEX...
 *       prints the message as JSON (message type by mnemonic, parameters by
 *       their Q.763 names, numbers as digit strings); notes about what was
 *       kept without being understood go to stderr. Malformed input: exit 1
 *       with the offset and the reason.
 *   sipt-gw isup encode [--variant itu|ansi] [--sipt] [FILE]
 *       reads that JSON (FILE or stdin) and prints the message as hex.
 *
 * The JSON printed by decode is what encode reads, so the two chain.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { fromHex, toHex } from "../../core/bytes.js";
import { EncodeError } from "../../core/errors.js";
import { formatDecodeError } from "../../core/result.js";
import type { IsupMessage, IsupVariant } from "../../ss7/isup/codec/index.js";
import { decodeIsup, encodeIsup } from "../../ss7/isup/codec/index.js";
import { EXIT } from "../exit-codes.js";

/** Where the command writes; tests pass their own. */
export interface IsupIo {
  out(text: string): void;
  err(text: string): void;
}

export interface IsupCliOptions {
  readonly variant?: string;
  readonly sipt?: boolean;
}

const processIo: IsupIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

function variantOf(opts: IsupCliOptions, io: IsupIo): IsupVariant | undefined {
  const v = opts.variant ?? "itu";
  if (v === "itu" || v === "ansi") return v;
  io.err(`isup: --variant must be itu or ansi, not ${JSON.stringify(v)}\n`);
  return undefined;
}

/** Decode hex text; returns the exit code (0 ok, 1 malformed input, 2 usage). */
export function runIsupDecode(hex: string, opts: IsupCliOptions, io: IsupIo = processIo): number {
  const variant = variantOf(opts, io);
  if (!variant) return EXIT.usage;
  const bytes = fromHex(hex);
  if (!bytes) {
    io.err(`isup decode: ${JSON.stringify(hex.length > 40 ? `${hex.slice(0, 40)}...` : hex)} is not hex octets\n`);
    return EXIT.failure;
  }
  const r = decodeIsup(bytes, { variant, sipt: opts.sipt === true });
  if (!r.ok) {
    io.err(`isup decode: ${formatDecodeError(r.error)}\n`);
    return EXIT.failure;
  }
  io.out(`${JSON.stringify(r.value, null, 2)}\n`);
  for (const n of r.notes) io.err(`note: offset ${n.offset}: ${n.item}: ${n.message}${n.clause ? ` (${n.clause})` : ""}\n`);
  return EXIT.ok;
}

/** Encode JSON text (as decode prints it); returns the exit code. */
export function runIsupEncode(json: string, opts: IsupCliOptions, io: IsupIo = processIo): number {
  const variant = variantOf(opts, io);
  if (!variant) return EXIT.usage;
  let message: unknown;
  try {
    message = JSON.parse(json);
  } catch (e) {
    io.err(`isup encode: the input is not JSON: ${(e as Error).message}\n`);
    return EXIT.failure;
  }
  try {
    io.out(`${toHex(encodeIsup(message as IsupMessage, { variant, sipt: opts.sipt === true }))}\n`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof EncodeError) {
      io.err(`isup encode: ${e.message}\n`);
      return EXIT.failure;
    }
    throw e;
  }
}

export function register(program: Command): void {
  const isup = program.command("isup").description("decode and encode ISUP messages (ITU-T Q.763, ANSI T1.113)");
  isup
    .command("decode")
    .description("decode an ISUP message given in hex (CIC first, as after the MTP3 routing label; with --sipt, a SIP-T body) and print it as JSON")
    .argument("<hex...>", "the message octets in hex; spaces and colons allowed")
    .option("--variant <variant>", "itu or ansi", "itu")
    .option("--sipt", "the octets are a SIP-T application/ISUP body (RFC 3204): no CIC")
    .action((hex: string[], opts: IsupCliOptions) => {
      process.exitCode = runIsupDecode(hex.join(" "), opts);
    });
  isup
    .command("encode")
    .description("encode an ISUP message given as JSON (as isup decode prints it) and print it in hex")
    .argument("[file]", "JSON file to read; stdin when absent")
    .option("--variant <variant>", "itu or ansi", "itu")
    .option("--sipt", "produce a SIP-T application/ISUP body (RFC 3204): no CIC")
    .action((file: string | undefined, opts: IsupCliOptions) => {
      let text: string;
      try {
        text = readFileSync(file ?? 0, "utf8");
      } catch (e) {
        process.stderr.write(`isup encode: cannot read ${file ?? "stdin"}: ${(e as Error).message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      process.exitCode = runIsupEncode(text, opts);
    });
}
