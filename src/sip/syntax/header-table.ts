/**
 * The SIP header fields this stack knows by name: canonical spelling, compact
 * form (RFC 3261 §7.3.3 and §20; the IANA "Header Fields" registry for the
 * compact forms added later: a RFC 3841, b RFC 3892, d RFC 3841, j RFC 3841,
 * n RFC 4474, o RFC 6665, r RFC 3515, u RFC 6665, x RFC 4028, y RFC 4474),
 * and whether several values may be carried (comma-separated, on one or more
 * lines, RFC 3261 §7.3.1).
 *
 * Header names compare case-insensitively (§7.3.5); unknown headers are kept
 * as received and serialized with the name they came with.
 */

export interface HeaderDef {
  /** Canonical spelling, written when serializing. */
  readonly name: string;
  /** Lower-case key used for lookups. */
  readonly key: string;
  readonly compact: string | undefined;
  /**
   * "comma": a comma-separated list, may appear on several lines (§7.3.1).
   * "lines": may appear on several lines but is not comma-splittable
   *   (WWW-Authenticate, Authorization, Proxy-Authenticate, Proxy-Authorization, §7.3.1).
   * "single": one value, one line.
   */
  readonly multi: "comma" | "lines" | "single";
  readonly clause: string;
}

const rows: ReadonlyArray<readonly [string, string | undefined, HeaderDef["multi"], string]> = [
  ["Accept", undefined, "comma", "RFC 3261 §20.1"],
  ["Accept-Contact", "a", "comma", "RFC 3841 §9.2"],
  ["Accept-Encoding", undefined, "comma", "RFC 3261 §20.2"],
  ["Accept-Language", undefined, "comma", "RFC 3261 §20.3"],
  ["Accept-Resource-Priority", undefined, "comma", "RFC 4412 §3.2"],
  ["Alert-Info", undefined, "comma", "RFC 3261 §20.4"],
  ["Allow", undefined, "comma", "RFC 3261 §20.5"],
  ["Allow-Events", "u", "comma", "RFC 6665 §8.2.2"],
  ["Authentication-Info", undefined, "single", "RFC 3261 §20.6"],
  ["Authorization", undefined, "lines", "RFC 3261 §20.7"],
  ["Call-ID", "i", "single", "RFC 3261 §20.8"],
  ["Call-Info", undefined, "comma", "RFC 3261 §20.9"],
  ["Contact", "m", "comma", "RFC 3261 §20.10"],
  ["Content-Disposition", undefined, "single", "RFC 3261 §20.11"],
  ["Content-Encoding", "e", "comma", "RFC 3261 §20.12"],
  ["Content-ID", undefined, "single", "RFC 2045 §7"],
  ["Content-Language", undefined, "comma", "RFC 3261 §20.13"],
  ["Content-Length", "l", "single", "RFC 3261 §20.14"],
  ["Content-Transfer-Encoding", undefined, "single", "RFC 2045 §6"],
  ["Content-Type", "c", "single", "RFC 3261 §20.15"],
  ["CSeq", undefined, "single", "RFC 3261 §20.16"],
  ["Date", undefined, "single", "RFC 3261 §20.17"],
  ["Error-Info", undefined, "comma", "RFC 3261 §20.18"],
  ["Event", "o", "single", "RFC 6665 §8.2.1"],
  ["Expires", undefined, "single", "RFC 3261 §20.19"],
  ["From", "f", "single", "RFC 3261 §20.20"],
  ["Identity", "y", "single", "RFC 8224 §4"],
  ["Identity-Info", "n", "single", "RFC 4474 §9"],
  ["In-Reply-To", undefined, "comma", "RFC 3261 §20.21"],
  ["Max-Forwards", undefined, "single", "RFC 3261 §20.22"],
  ["MIME-Version", undefined, "single", "RFC 3261 §20.24"],
  ["Min-Expires", undefined, "single", "RFC 3261 §20.23"],
  ["Min-SE", undefined, "single", "RFC 4028 §5"],
  ["Organization", undefined, "single", "RFC 3261 §20.25"],
  ["P-Asserted-Identity", undefined, "comma", "RFC 3325 §9.1"],
  ["P-Charging-Vector", undefined, "single", "RFC 7315 §4.6"],
  ["P-Preferred-Identity", undefined, "comma", "RFC 3325 §9.2"],
  ["Path", undefined, "comma", "RFC 3327 §4"],
  ["Priority", undefined, "single", "RFC 3261 §20.26"],
  ["Privacy", undefined, "single", "RFC 3323 §4.2"],
  ["Proxy-Authenticate", undefined, "lines", "RFC 3261 §20.27"],
  ["Proxy-Authorization", undefined, "lines", "RFC 3261 §20.28"],
  ["Proxy-Require", undefined, "comma", "RFC 3261 §20.29"],
  ["RAck", undefined, "single", "RFC 3262 §7.2"],
  ["Reason", undefined, "comma", "RFC 3326 §2"],
  ["Record-Route", undefined, "comma", "RFC 3261 §20.30"],
  ["Refer-To", "r", "single", "RFC 3515 §2.1"],
  ["Referred-By", "b", "single", "RFC 3892 §3"],
  ["Reject-Contact", "j", "comma", "RFC 3841 §9.3"],
  ["Replaces", undefined, "single", "RFC 3891 §6.1"],
  ["Reply-To", undefined, "single", "RFC 3261 §20.31"],
  ["Request-Disposition", "d", "comma", "RFC 3841 §9.1"],
  ["Require", undefined, "comma", "RFC 3261 §20.32"],
  ["Resource-Priority", undefined, "comma", "RFC 4412 §3.1"],
  ["Retry-After", undefined, "single", "RFC 3261 §20.33"],
  ["Route", undefined, "comma", "RFC 3261 §20.34"],
  ["RSeq", undefined, "single", "RFC 3262 §7.1"],
  ["Server", undefined, "single", "RFC 3261 §20.35"],
  ["Service-Route", undefined, "comma", "RFC 3608 §5"],
  ["Session-Expires", "x", "single", "RFC 4028 §4"],
  ["Subject", "s", "single", "RFC 3261 §20.36"],
  ["Subscription-State", undefined, "single", "RFC 6665 §8.2.3"],
  ["Supported", "k", "comma", "RFC 3261 §20.37"],
  ["Timestamp", undefined, "single", "RFC 3261 §20.38"],
  ["To", "t", "single", "RFC 3261 §20.39"],
  ["Unsupported", undefined, "comma", "RFC 3261 §20.40"],
  ["User-Agent", undefined, "single", "RFC 3261 §20.41"],
  ["Via", "v", "comma", "RFC 3261 §20.42"],
  ["Warning", undefined, "comma", "RFC 3261 §20.43"],
  ["WWW-Authenticate", undefined, "lines", "RFC 3261 §20.44"],
];

const byKey = new Map<string, HeaderDef>();
for (const [name, compact, multi, clause] of rows) {
  const def: HeaderDef = { name, key: name.toLowerCase(), compact, multi, clause };
  byKey.set(def.key, def);
  if (compact !== undefined) byKey.set(compact, def);
}

/** The definition for a header name in any case, full or compact; undefined if unknown. */
export function headerDef(name: string): HeaderDef | undefined {
  return byKey.get(name.toLowerCase());
}

// Memo of exact spellings seen ("Via", "v", "CSeq"...) to their keys; bounded, and a pure function's cache.
const keyMemo = new Map<string, string>();

/** Lookup key for a header name: the canonical lower-case full name, or the lower-cased name. */
export function headerKey(name: string): string {
  const memo = keyMemo.get(name);
  if (memo !== undefined) return memo;
  const lower = name.toLowerCase();
  const def = byKey.get(lower);
  const key = def !== undefined ? def.key : lower;
  if (keyMemo.size < 1024) keyMemo.set(name, key);
  return key;
}

/** The name to write: canonical for known headers, as given otherwise. */
export function canonicalHeaderName(name: string): string {
  return byKey.get(name.toLowerCase())?.name ?? name;
}

export function knownHeaders(): readonly HeaderDef[] {
  return [...new Set(byKey.values())];
}

/** Method names registered with IANA ("Methods" registry of the SIP parameters). */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  "INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "INFO", "PRACK", "SUBSCRIBE", "NOTIFY", "UPDATE", "MESSAGE", "REFER", "PUBLISH",
]);
