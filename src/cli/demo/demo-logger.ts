/**
 * The gateway's logger during the demo: nothing goes to stdout (the demo
 * prints its ladders there); records at info and above are kept, bounded,
 * to explain a failure, and each one passes a hook that turns the call
 * logic's steps into notes on the ladder's gateway line.
 */
import type { LogFields, LogFn, Logger, LogLevel, LogRecord } from "../../core/logger.js";

const RANK: Readonly<Record<LogLevel, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

export interface DemoLogSink {
  readonly records: LogRecord[];
  readonly max: number;
  readonly minLevel: LogLevel;
  onRecord: ((r: LogRecord) => void) | undefined;
}

export class DemoLogger implements Logger {
  constructor(
    private readonly sink: DemoLogSink,
    private readonly bindings: LogFields = {},
  ) {}

  static create(minLevel: LogLevel = "info", max = 2000): DemoLogger {
    return new DemoLogger({ records: [], max, minLevel, onRecord: undefined });
  }

  get records(): readonly LogRecord[] {
    return this.sink.records;
  }

  set onRecord(fn: ((r: LogRecord) => void) | undefined) {
    this.sink.onRecord = fn;
  }

  private log(level: LogLevel, a: LogFields | string, b?: string): void {
    if (RANK[level] < RANK[this.sink.minLevel]) return;
    const r: LogRecord = typeof a === "string" ? { level, fields: { ...this.bindings }, msg: a } : { level, fields: { ...this.bindings, ...a }, msg: b ?? "" };
    if (this.sink.records.length >= this.sink.max) this.sink.records.shift();
    this.sink.records.push(r);
    this.sink.onRecord?.(r);
  }

  fatal: LogFn = (a: LogFields | string, b?: string) => this.log("fatal", a, b);
  error: LogFn = (a: LogFields | string, b?: string) => this.log("error", a, b);
  warn: LogFn = (a: LogFields | string, b?: string) => this.log("warn", a, b);
  info: LogFn = (a: LogFields | string, b?: string) => this.log("info", a, b);
  debug: LogFn = (a: LogFields | string, b?: string) => this.log("debug", a, b);
  trace: LogFn = (a: LogFields | string, b?: string) => this.log("trace", a, b);

  child(bindings: LogFields): Logger {
    return new DemoLogger(this.sink, { ...this.bindings, ...bindings });
  }
}

/** The ladder note for a record of the call logic (component "calls"), or undefined for any other record. */
export function gatewayNote(r: LogRecord): string | undefined {
  if (r.fields["component"] !== "calls" || RANK[r.level] < RANK.info) return undefined;
  const extra: string[] = [];
  const f = r.fields;
  if (typeof f["why"] === "string") extra.push(f["why"]);
  if (typeof f["cause"] === "number") extra.push(`cause ${f["cause"]}`);
  if (typeof f["reason"] === "string") extra.push(f["reason"]);
  return extra.length > 0 ? `${r.msg} (${extra.join(", ")})` : r.msg;
}
