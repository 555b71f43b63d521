/**
 * `sipt-gw demo [--config FILE] [--json]`: every call model through a
 * gateway started in this process on the embedded default (src/cli/demo):
 * a ladder per call, its audio check and a verdict. Exit 0 when every call
 * passes, 1 when one fails, 2 for a configuration the demo cannot use.
 */
import type { Command } from "commander";
import { runDemo } from "../demo/run-demo.js";

interface DemoCliOptions {
  readonly config?: string;
  readonly json?: boolean;
}

export function register(program: Command): void {
  program
    .command("demo")
    .description("run every call model (SIP<->PSTN answered, busy, cancelled, rejected; PBX<->SIP answered) through a gateway on the embedded default, with ladders and verdicts")
    .option("-c, --config <file>", "YAML configuration file (default: the embedded one); moved to a temporary directory and ephemeral ports")
    .option("--json", "one JSON object per call instead of the ladders")
    .action(async (opts: DemoCliOptions) => {
      const abort = new AbortController();
      const onSignal = (): void => abort.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const r = await runDemo({ ...(opts.config !== undefined ? { configFile: opts.config } : {}), json: opts.json === true, signal: abort.signal });
        process.exitCode = r.exitCode;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
