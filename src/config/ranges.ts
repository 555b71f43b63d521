/** Number ranges as configuration writes them (CICs, timeslots, B-channels). */

/** A number or "A-B" (inclusive) as the list of numbers it names; undefined when it is neither or B < A. */
export function expandRange(r: number | string): number[] | undefined {
  if (typeof r === "number") return [r];
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(r);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (b < a) return undefined;
  const out: number[] = [];
  for (let n = a; n <= b; n++) out.push(n);
  return out;
}
