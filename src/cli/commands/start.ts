/**
 * `sipt-gw start [--config FILE]`: run the gateway until SIGINT/SIGTERM.
 * With no file, the embedded default (the simulated card and its far ends).
 */
import type { Command } from "commander";
import { Option } from "commander";
import { formatProblem } from "../../config/load.js";
import type { LogLevel } from "../../core/logger.js";
import { LOG_LEVELS } from "../../core/logger.js";
import { loadConfig, EMBEDDED_NAME } from "../config-file.js";
import { EXIT } from "../exit-codes.js";
import { createRootLogger } from "../logging.js";
import type { LogFormat } from "../logging.js";
import { Gateway } from "../gateway-process.js";

interface StartOptions {
  config?: string;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
}

export function register(program: Command): void {
  program
    .command("start")
    .description("run the gateway (with no --config: the embedded default on the simulated card)")
    .option("-c, --config <file>", "YAML configuration file")
    .addOption(new Option("--log-level <level>", "log level, overrides the configuration").choices(LOG_LEVELS as string[]))
    .addOption(new Option("--log-format <format>", "json lines, pretty lines, or auto (pretty on a terminal)").choices(["json", "pretty", "auto"]))
    .action(async (opts: StartOptions) => {
      const r = loadConfig(opts.config);
      if (!r.ok) {
        for (const p of r.problems) process.stderr.write(`${formatProblem(p)}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const cfg = r.config;
      const log = createRootLogger({
        level: opts.logLevel ?? (cfg.log.level as LogLevel),
        format: opts.logFormat ?? cfg.log.format,
      });
      const gw = new Gateway(cfg, log, opts.config ?? EMBEDDED_NAME);
      // Signals are taken from the start: one that arrives while components start stops the
      // gateway as soon as start-up has finished (or failed), never leaves it running.
      let signalled: string | undefined;
      let onSignal: ((sig: string) => void) | undefined;
      const handler = (sig: string) => () => {
        if (signalled !== undefined) return;
        signalled = sig;
        onSignal?.(sig);
      };
      const onInt = handler("SIGINT");
      const onTerm = handler("SIGTERM");
      process.on("SIGINT", onInt);
      process.on("SIGTERM", onTerm);
      const release = (): void => {
        process.off("SIGINT", onInt);
        process.off("SIGTERM", onTerm);
      };
      try {
        await gw.start();
      } catch (e) {
        release();
        log.fatal({ err: (e as Error).message }, "gateway failed to start");
        await gw.stop("start failure");
        process.exitCode = EXIT.failure;
        return;
      }
      // Run until a signal, whether or not a component holds the event loop open.
      const keepAlive = setInterval(() => undefined, 1 << 30);
      const sig = await new Promise<string>((resolve) => {
        if (signalled !== undefined) resolve(signalled);
        else onSignal = resolve;
      });
      clearInterval(keepAlive);
      release();
      await gw.stop(sig);
      process.exitCode = EXIT.ok;
    });
}
