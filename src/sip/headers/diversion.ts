/**
 * The Diversion header field, RFC 5806 §4, with the ABNF of erratum 3177
 * (as RFC 6044 gives it):
 *
 *   Diversion          = "Diversion" HCOLON diversion-params *(COMMA diversion-params)
 *   diversion-params   = name-addr *(SEMI (diversion-reason / diversion-counter /
 *                        diversion-limit / diversion-privacy / diversion-screen /
 *                        diversion-extension))
 *   diversion-reason   = "reason" EQUAL ("unknown" / "user-busy" / "no-answer" /
 *                        "unavailable" / "unconditional" / "time-of-day" /
 *                        "do-not-disturb" / "deflection" / "follow-me" /
 *                        "out-of-service" / "away" / token / quoted-string)
 *   diversion-counter  = "counter" EQUAL 1*2DIGIT
 *   diversion-limit    = "limit" EQUAL 1*2DIGIT
 *   diversion-privacy  = "privacy" EQUAL ("full" / "name" / "uri" / "off" / token / quoted-string)
 *   diversion-screen   = "screen" EQUAL ("yes" / "no" / token / quoted-string)
 *   diversion-extension = token [EQUAL (token / quoted-string)]
 *
 * Entries are in the order RFC 5806 §5 keeps them: the most recent
 * diversion first. Mapping the reasons to ISUP redirecting reasons
 * (RFC 5806 §9.1) is interworking's business, not this file's.
 */
import type { DecodeResult } from "../../core/result.js";
import type { Cursor } from "../syntax/cursor.js";
import type { SipMessage } from "../syntax/message.js";
import type { NameAddr } from "../syntax/name-addr.js";
import { formatNameAddr, readNameAddr } from "../syntax/name-addr.js";
import type { Param } from "../syntax/params.js";
import { findParam, param } from "../syntax/params.js";
import { gather, readValue, smallNumber } from "./read.js";

/** The diversion-reason values RFC 5806 §4 names. */
export const DIVERSION_REASONS = ["unknown", "user-busy", "no-answer", "unavailable", "unconditional", "time-of-day", "do-not-disturb", "deflection", "follow-me", "out-of-service", "away"] as const;
export type DiversionReason = (typeof DIVERSION_REASONS)[number];

export interface Diversion {
  /** The diverting party (name-addr), with every parameter as written. */
  readonly address: NameAddr;
  readonly reason: string | undefined;
  /** How many diversions this entry stands for (1-99). */
  readonly counter: number | undefined;
  readonly limit: number | undefined;
  /** full, name, uri, off or an extension. */
  readonly privacy: string | undefined;
  /** yes or no or an extension. */
  readonly screen: string | undefined;
}

const CLAUSE = "RFC 5806 §4";

function readOne(cur: Cursor): Diversion {
  cur.ws();
  const at = cur.i;
  const address = readNameAddr(cur, "Diversion", true);
  const once = (name: string): Param | undefined => {
    const all = address.params.filter((p) => p.name.toLowerCase() === name);
    if (all.length > 1) cur.fail(`${name} given twice (RFC 5806 §4)`, at);
    return all[0];
  };
  const valued = (name: string): string | undefined => {
    const p = once(name);
    if (p === undefined) return undefined;
    if (p.value === undefined || p.value.length === 0) cur.fail(`${name} needs a value (RFC 5806 §4 diversion-${name})`, at);
    return p.value;
  };
  const digits = (name: string): number | undefined => {
    const p = once(name);
    if (p === undefined) return undefined;
    const n = p.quoted ? undefined : smallNumber(p.value, 2);
    if (n === undefined) cur.fail(`${name} must be one or two digits, not ${p.value === undefined ? "empty" : `'${p.value}'`} (RFC 5806 §4 diversion-${name})`, at);
    return n;
  };
  return { address, reason: valued("reason"), counter: digits("counter"), limit: digits("limit"), privacy: valued("privacy"), screen: valued("screen") };
}

/** One Diversion header line's value. */
export function parseDiversions(value: string): DecodeResult<Diversion[]> {
  return readValue(value, "Diversion", CLAUSE, (cur) => {
    const out = [readOne(cur)];
    while (cur.sep(0x2c)) out.push(readOne(cur));
    cur.finish("Diversion value");
    return out;
  });
}

/** Every Diversion entry of a message, all lines in order (most recent first); undefined when absent. */
export function diversionsOf(m: SipMessage): DecodeResult<Diversion[]> | undefined {
  return gather(m, "Diversion", parseDiversions);
}

/** The sum of the counters (a missing counter counts 1, RFC 5806 §4): how often the call was diverted. */
export function diversionCount(list: readonly Diversion[]): number {
  let n = 0;
  for (const d of list) n += d.counter ?? 1;
  return n;
}

export interface DiversionInit {
  readonly address: NameAddr;
  readonly reason?: DiversionReason | string;
  readonly counter?: number;
  readonly limit?: number;
  readonly privacy?: "full" | "name" | "uri" | "off" | string;
  readonly screen?: "yes" | "no" | string;
}

/** A Diversion entry; the parameters follow the address's own (which must not repeat them). */
export function makeDiversion(init: DiversionInit): Diversion {
  const params: Param[] = [...init.address.params];
  for (const name of ["reason", "counter", "limit", "privacy", "screen"]) {
    if (findParam(params, name) !== undefined && (init as unknown as Record<string, unknown>)[name] !== undefined) throw new Error(`the address already carries ${name}`);
  }
  const num = (name: string, v: number | undefined): void => {
    if (v === undefined) return;
    if (!Number.isInteger(v) || v < 0 || v > 99) throw new Error(`Diversion ${name} ${v} is not 0-99 (RFC 5806 §4: 1*2DIGIT)`);
    params.push(param(name, String(v)));
  };
  if (init.reason !== undefined) params.push(param("reason", init.reason));
  num("counter", init.counter);
  num("limit", init.limit);
  if (init.privacy !== undefined) params.push(param("privacy", init.privacy));
  if (init.screen !== undefined) params.push(param("screen", init.screen));
  const address: NameAddr = { displayName: init.address.displayName, uri: init.address.uri, params };
  const find = (n: string): string | undefined => findParam(params, n)?.value;
  return { address, reason: find("reason"), counter: smallNumber(find("counter"), 2), limit: smallNumber(find("limit"), 2), privacy: find("privacy"), screen: find("screen") };
}

/** A Diversion header value (entries comma-separated, most recent first). */
export function formatDiversions(list: readonly Diversion[]): string {
  return list.map((d) => formatNameAddr(d.address)).join(", ");
}

export function diversionHeader(...list: readonly Diversion[]): { readonly name: "Diversion"; readonly value: string } {
  if (list.length === 0) throw new Error("Diversion needs at least one entry");
  return { name: "Diversion", value: formatDiversions(list) };
}
