/**
 * The root logger: the one place pino is imported (STYLE.md rule 3).
 * JSON lines by default; readable lines when stdout is a terminal or when
 * asked for (`--log-format pretty`).
 */
import { pino } from "pino";
import pretty from "pino-pretty";
import type { Logger, LogLevel } from "../core/logger.js";

export type LogFormat = "json" | "pretty" | "auto";

export interface RootLoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Where lines go; defaults to stdout (fd 1). */
  readonly destination?: NodeJS.WritableStream;
  readonly isTty?: boolean;
}

export function createRootLogger(opts: RootLoggerOptions): Logger {
  const tty = opts.isTty ?? process.stdout.isTTY === true;
  const usePretty = opts.format === "pretty" || (opts.format === "auto" && tty);
  const base = { level: opts.level, base: { app: "sipt-gw" }, timestamp: pino.stdTimeFunctions.isoTime };
  if (usePretty) {
    const stream = pretty({ colorize: tty, singleLine: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,app", destination: opts.destination ?? 1, sync: true });
    return pino(base, stream) as unknown as Logger;
  }
  return pino(base, (opts.destination ?? pino.destination({ dest: 1, sync: true })) as pino.DestinationStream) as unknown as Logger;
}
