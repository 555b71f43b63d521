/**
 * Timer tables (STYLE.md, after Osmocom's osmo_tdef): every protocol timer is
 * declared once with its default, allowed range, description and clause.
 * Configuration may override a value within its range; anything else is a
 * configuration error naming the timer and the range.
 */

export interface TimerSpec {
  readonly defaultMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly description: string;
  /** The clause that defines the timer, e.g. "Q.764 §2.4.1 / Table A.1/Q.764". */
  readonly clause: string;
}

export interface TimerTable<K extends string = string> {
  /** Layer name as used in configuration (`timers.<layer>.<name>`). */
  readonly layer: string;
  readonly specs: Readonly<Record<K, TimerSpec>>;
}

export type TimerValues<K extends string = string> = Readonly<Record<K, number>>;

export function defineTimerTable<K extends string>(layer: string, specs: Record<K, TimerSpec>): TimerTable<K> {
  for (const [name, s] of Object.entries<TimerSpec>(specs)) {
    if (!(s.minMs <= s.defaultMs && s.defaultMs <= s.maxMs)) {
      throw new RangeError(`timer ${layer}.${name}: default ${s.defaultMs} ms outside its own range ${s.minMs}..${s.maxMs}`);
    }
  }
  return { layer, specs };
}

export interface TimerOverrideProblem {
  readonly timer: string;
  readonly reason: string;
}

/** Check overrides against a table; returns the problems found (empty when all are acceptable). */
export function checkTimerOverrides(table: TimerTable, overrides: Readonly<Record<string, number>>): TimerOverrideProblem[] {
  const problems: TimerOverrideProblem[] = [];
  for (const [name, value] of Object.entries(overrides)) {
    const spec = (table.specs as Record<string, TimerSpec | undefined>)[name];
    if (spec === undefined) {
      problems.push({ timer: name, reason: `unknown ${table.layer} timer; known: ${Object.keys(table.specs).join(", ")}` });
    } else if (!Number.isFinite(value) || value < spec.minMs || value > spec.maxMs) {
      problems.push({
        timer: name,
        reason: `${value} ms is outside the allowed range ${spec.minMs}..${spec.maxMs} ms (${spec.description}, ${spec.clause})`,
      });
    }
  }
  return problems;
}

/**
 * Effective timer values: defaults with overrides applied. Throws RangeError
 * on a bad override, because configuration is checked before this is called.
 */
export function resolveTimers<K extends string>(table: TimerTable<K>, overrides: Readonly<Record<string, number>> = {}): TimerValues<K> {
  const problems = checkTimerOverrides(table, overrides);
  if (problems.length > 0) {
    throw new RangeError(problems.map((p) => `${table.layer}.${p.timer}: ${p.reason}`).join("; "));
  }
  const out: Record<string, number> = {};
  for (const [name, spec] of Object.entries<TimerSpec>(table.specs)) out[name] = overrides[name] ?? spec.defaultMs;
  return out as TimerValues<K>;
}
