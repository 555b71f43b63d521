#!/usr/bin/env node
/**
 * The sipt-gw command: the composition root. Subcommands register
 * themselves from ./commands; exit codes: 0 ok, 1 runtime failure,
 * 2 usage or configuration error.
 */
import { Command, CommanderError } from "commander";
import { fileURLToPath } from "node:url";
import { realpathSync } from "node:fs";
import { register as registerCalls } from "./commands/calls.js";
import { register as registerCard } from "./commands/card.js";
import { register as registerCircuits } from "./commands/circuits.js";
import { register as registerConfig } from "./commands/config.js";
import { register as registerDemo } from "./commands/demo.js";
import { register as registerFarend } from "./commands/farend.js";
import { register as registerIsdn } from "./commands/isdn.js";
import { register as registerIsup } from "./commands/isup.js";
import { register as registerLinks } from "./commands/links.js";
import { register as registerMappings } from "./commands/mappings.js";
import { register as registerSip } from "./commands/sip.js";
import { register as registerStart } from "./commands/start.js";
import { register as registerStatus } from "./commands/status.js";
import { register as registerVersion } from "./commands/version.js";
import { EXIT } from "./exit-codes.js";
import { packageVersion } from "./version.js";

export function buildProgram(): Command {
  const program = new Command("sipt-gw")
    .description("SIP-T / PSTN media gateway controller: ISUP and QSIG over E1/T1 to SIP")
    .version(packageVersion(), "-V, --version", "print the version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  registerStart(program);
  registerStatus(program);
  registerLinks(program);
  registerCircuits(program);
  registerConfig(program);
  registerVersion(program);
  registerIsup(program);
  registerIsdn(program);
  registerFarend(program);
  registerSip(program);
  registerCard(program);
  registerCalls(program);
  registerMappings(program);
  registerDemo(program);
  // Every subcommand reports usage errors with exit code 2 instead of exiting by itself.
  const override = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT.ok;
      return EXIT.usage;
    }
    process.stderr.write(`sipt-gw: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.failure;
  }
  return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`sipt-gw: ${String(e)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
