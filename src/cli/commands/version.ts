/** `sipt-gw version`: versions of the gateway and of what it runs on. */
import type { Command } from "commander";
import { packageVersion } from "../version.js";

export function register(program: Command): void {
  program
    .command("version")
    .description("print the gateway version and the runtime it runs on")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      const info = { name: "sipt-gw", version: packageVersion(), node: process.versions.node, platform: `${process.platform}-${process.arch}` };
      if (opts.json) process.stdout.write(`${JSON.stringify(info)}\n`);
      else process.stdout.write(`sipt-gw ${info.version} (node ${info.node}, ${info.platform})\n`);
    });
}
