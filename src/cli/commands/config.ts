/** `sipt-gw config check FILE` and `sipt-gw config show [FILE]`. */
import type { Command } from "commander";
import { stringify } from "yaml";
import { resolveTimers } from "../../core/timers.js";
import { formatProblem } from "../../config/load.js";
import { loadConfig, EMBEDDED_NAME } from "../config-file.js";
import { TIMER_TABLES } from "../timer-tables.js";
import { EXIT } from "../exit-codes.js";

export function register(program: Command): void {
  const config = program.command("config").description("check or show configuration");

  config
    .command("check")
    .description("check a configuration file against the schema and the timer ranges; exit 2 on any problem")
    .argument("<file>", "YAML configuration file")
    .action((file: string) => {
      const r = loadConfig(file);
      if (!r.ok) {
        for (const p of r.problems) process.stderr.write(`${formatProblem(p)}\n`);
        process.stderr.write(`${r.problems.length} problem${r.problems.length === 1 ? "" : "s"} in ${file}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      process.stdout.write(`${file}: ok\n`);
    });

  config
    .command("show")
    .description("print the effective configuration with every default filled in, timers included")
    .argument("[file]", "YAML configuration file (default: the embedded default)")
    .option("--json", "print JSON instead of YAML")
    .action((file: string | undefined, opts: { json?: boolean }) => {
      const r = loadConfig(file);
      if (!r.ok) {
        for (const p of r.problems) process.stderr.write(`${formatProblem(p)}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const timers: Record<string, Record<string, number>> = {};
      for (const t of TIMER_TABLES) timers[t.layer] = { ...resolveTimers(t, r.config.timers[t.layer] ?? {}) };
      const effective = { ...r.config, timers };
      if (opts.json) process.stdout.write(`${JSON.stringify(effective, null, 2)}\n`);
      else process.stdout.write(`# effective configuration from ${file ?? EMBEDDED_NAME}\n${stringify(effective)}`);
    });
}
