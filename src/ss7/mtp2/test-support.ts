/**
 * Test support for MTP2/MTP3 unit tests (not used by the gateway): a Logger
 * that keeps a transcript of the canonical lines with the clock time. Tests
 * compare it with a golden text file (vitest `toMatchFileSnapshot`).
 */
import type { Clock } from "../../core/clock.js";
import type { LogFields, LogFn, Logger, LogLevel } from "../../core/logger.js";

/** Records info and above (and anything tests add) as `  1500 <message>` lines. */
export class TranscriptLogger implements Logger {
  constructor(
    private readonly clock: Clock,
    readonly lines: string[] = [],
  ) {}

  private rec(level: LogLevel, a: LogFields | string, b?: string): void {
    if (level === "debug" || level === "trace") return;
    const msg = typeof a === "string" ? a : (b ?? "");
    this.lines.push(`${String(this.clock.now()).padStart(6)} ${level === "info" ? "" : `${level.toUpperCase()} `}${msg}`);
  }

  /** A line of the test's own (frames, primitives). */
  note(text: string): void {
    this.lines.push(`${String(this.clock.now()).padStart(6)} ${text}`);
  }

  fatal: LogFn = (a: LogFields | string, b?: string) => this.rec("fatal", a, b);
  error: LogFn = (a: LogFields | string, b?: string) => this.rec("error", a, b);
  warn: LogFn = (a: LogFields | string, b?: string) => this.rec("warn", a, b);
  info: LogFn = (a: LogFields | string, b?: string) => this.rec("info", a, b);
  debug: LogFn = (a: LogFields | string, b?: string) => this.rec("debug", a, b);
  trace: LogFn = (a: LogFields | string, b?: string) => this.rec("trace", a, b);
  child(): Logger {
    return this;
  }

  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}
