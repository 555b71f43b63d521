/**
 * The Privacy header field, RFC 3323 §4.2, with the priv-values "id"
 * (RFC 3325 §9.3) and "history" (RFC 7044 §4):
 *
 *   Privacy-hdr  =  "Privacy" HCOLON priv-value *(";" priv-value)
 *   priv-value   =  "header" / "session" / "user" / "none" / "critical"
 *                   / "id" / "history" / token
 *
 * RFC 3323 §4.2: each value appears at most once; "none" asks that no
 * privacy be applied, so it stands alone. Both are checked with notes (the
 * values are kept as written); values compare case-insensitively.
 */
import type { DecodeResult } from "../../core/result.js";
import type { SipMessage } from "../syntax/message.js";
import { readValue } from "./read.js";

/** The priv-values this stack knows; others are kept as written. */
export type PrivValue = "header" | "session" | "user" | "none" | "critical" | "id" | "history";

export const KNOWN_PRIV_VALUES: ReadonlySet<string> = new Set<PrivValue>(["header", "session", "user", "none", "critical", "id", "history"]);

const CLAUSE = "RFC 3323 §4.2";

/** A Privacy header value: the priv-values in order, as written. */
export function parsePrivacy(value: string): DecodeResult<string[]> {
  return readValue(value, "Privacy", CLAUSE, (cur, notes) => {
    cur.ws();
    const out = [cur.token("priv-value")];
    while (cur.sep(0x3b)) out.push(cur.token("priv-value"));
    cur.finish("Privacy value");
    const lower = out.map((v) => v.toLowerCase());
    const seen = new Set<string>();
    for (const v of lower) {
      if (seen.has(v)) notes.push({ offset: 0, item: "Privacy", message: `priv-value '${v}' appears more than once`, clause: CLAUSE });
      seen.add(v);
      if (!KNOWN_PRIV_VALUES.has(v)) notes.push({ offset: 0, item: "Privacy", message: `priv-value '${v}' is not one this stack knows; kept`, clause: CLAUSE });
    }
    if (seen.has("none") && seen.size > 1) notes.push({ offset: 0, item: "Privacy", message: "'none' given with other priv-values", clause: CLAUSE });
    return out;
  });
}

/** The Privacy of a message; undefined when absent (a single header field, RFC 3323 §4.2). */
export function privacyOf(m: SipMessage): DecodeResult<string[]> | undefined {
  const lines = m.headersNamed("Privacy");
  const first = lines[0];
  if (first === undefined) return undefined;
  if (lines.length > 1) {
    // Several lines: taken together, as a receiver would read ";"-joined values.
    return parsePrivacy(lines.map((h) => h.value).join(";"));
  }
  const r = parsePrivacy(first.value);
  if (r.ok || first.offset < 0) return r;
  return { ok: false, error: { ...r.error, offset: first.offset } };
}

/** Whether `values` ask for `v` (case-insensitive). */
export function privacyAsks(values: readonly string[] | undefined, v: PrivValue): boolean {
  if (values === undefined) return false;
  for (const x of values) if (x.toLowerCase() === v) return true;
  return false;
}

/** A Privacy header value; throws on an empty list or a value that is not a token (a caller's bug). */
export function formatPrivacy(values: readonly string[]): string {
  if (values.length === 0) throw new Error("Privacy needs at least one priv-value");
  for (const v of values) if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(v)) throw new Error(`priv-value '${v}' is not a token`);
  return values.join(";");
}

export function privacyHeader(...values: readonly string[]): { readonly name: "Privacy"; readonly value: string } {
  return { name: "Privacy", value: formatPrivacy(values) };
}
