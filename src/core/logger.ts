/**
 * The Logger every layer receives: the subset of pino's API we use, so the
 * composition root can pass a pino logger and tests a recording one.
 * Logs are objects plus a message; children carry context (trunk, span, CIC,
 * Call-ID) so one call can be followed across ISUP, SIP and RTP.
 */

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace";
export const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace"];

export type LogFields = Record<string, unknown>;

export interface LogFn {
  (fields: LogFields, msg: string): void;
  (msg: string): void;
}

export interface Logger {
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  child(bindings: LogFields): Logger;
  /** Whether a record at `level` would be kept (pino has it); absent: assume it would. */
  isLevelEnabled?(level: LogLevel): boolean;
}

export interface LogRecord {
  readonly level: LogLevel;
  readonly fields: LogFields;
  readonly msg: string;
}

/**
 * A logger that keeps records in memory: tests read them as a transcript.
 * Children share the parent's record list and merge their bindings in.
 */
export class RecordingLogger implements Logger {
  readonly records: LogRecord[];
  private readonly bindings: LogFields;

  constructor(records: LogRecord[] = [], bindings: LogFields = {}) {
    this.records = records;
    this.bindings = bindings;
  }

  private log(level: LogLevel, a: LogFields | string, b?: string): void {
    if (typeof a === "string") this.records.push({ level, fields: { ...this.bindings }, msg: a });
    else this.records.push({ level, fields: { ...this.bindings, ...a }, msg: b ?? "" });
  }

  fatal: LogFn = (a: LogFields | string, b?: string) => this.log("fatal", a, b);
  error: LogFn = (a: LogFields | string, b?: string) => this.log("error", a, b);
  warn: LogFn = (a: LogFields | string, b?: string) => this.log("warn", a, b);
  info: LogFn = (a: LogFields | string, b?: string) => this.log("info", a, b);
  debug: LogFn = (a: LogFields | string, b?: string) => this.log("debug", a, b);
  trace: LogFn = (a: LogFields | string, b?: string) => this.log("trace", a, b);

  child(bindings: LogFields): Logger {
    return new RecordingLogger(this.records, { ...this.bindings, ...bindings });
  }

  /** Messages only, one per line: the transcript a golden file compares. */
  transcript(): string {
    return this.records.map((r) => r.msg).join("\n");
  }
}

const noop: LogFn = () => undefined;

/** A logger that drops everything (benchmarks, tools that print their own output). */
export const silentLogger: Logger = {
  fatal: noop,
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  child: () => silentLogger,
};
