/**
 * The History-Info header field, RFC 7044 §5:
 *
 *   History-Info       = "History-Info" HCOLON hi-entry *(COMMA hi-entry)
 *   hi-entry           = hi-targeted-to-uri *(SEMI hi-param)
 *   hi-targeted-to-uri = name-addr
 *   hi-param           = hi-index / hi-target-param / hi-extension
 *   hi-index           = "index" EQUAL index-val
 *   index-val          = number *("." number)
 *   number             = [ %x31-39 *DIGIT ] DIGIT
 *   hi-target-param    = rc-param / mp-param / np-param
 *   rc-param = "rc" EQUAL index-val; mp-param = "mp" EQUAL index-val; np-param = "np" EQUAL index-val
 *   hi-extension       = generic-param
 *
 * RFC 7044 §5: hi-index is mandatory; one of rc, mp or np tells how the
 * target was found; a Reason (RFC 3326) and a Privacy (RFC 3323, "history")
 * may ride as escaped headers of the hi-targeted-to-uri. RFC 4458 §2.1,
 * §2.2 and §5: the `target` and `cause` URI parameters (cause-param =
 * "cause" EQUAL Status-Code: 302 unconditional, 404 unknown, 408 no reply,
 * 480 deflection immediate, 486 busy, 487 deflection during alerting, 503
 * not reachable) carried in the hi-targeted-to-uri.
 */
import type { DecodeNote, DecodeResult } from "../../core/result.js";
import type { Cursor } from "../syntax/cursor.js";
import type { SipMessage } from "../syntax/message.js";
import type { NameAddr } from "../syntax/name-addr.js";
import { formatNameAddr, readNameAddr } from "../syntax/name-addr.js";
import type { Param } from "../syntax/params.js";
import { param } from "../syntax/params.js";
import type { SipUri, Uri } from "../syntax/uri.js";
import { escapeParam, escapeUriHeader, unescapeUriComponent } from "../syntax/uri.js";
import { parsePrivacy } from "./privacy.js";
import type { Reason } from "./reason.js";
import { formatReasons, parseReasons } from "./reason.js";
import { gather, readValue } from "./read.js";

export type HiTargetKind = "rc" | "mp" | "np";

export interface HistoryEntry {
  /** The hi-targeted-to-uri with every hi-param as written. */
  readonly address: NameAddr;
  /** hi-index, e.g. "1.1.2". */
  readonly index: string;
  /** rc (same user, new URI), mp (mapped to another user) or np (no change), with the index it points to. */
  readonly target: { readonly kind: HiTargetKind; readonly index: string } | undefined;
  /** RFC 4458 cause URI parameter (a status code), when present. */
  readonly cause: number | undefined;
  /** RFC 4458 target URI parameter, unescaped, when present. */
  readonly mailbox: string | undefined;
  /** The Reason escaped in the URI's headers (RFC 7044 §5), parsed. */
  readonly reasons: readonly Reason[] | undefined;
  /** The Privacy escaped in the URI's headers (RFC 7044 §5: "history"). */
  readonly privacy: readonly string[] | undefined;
}

const CLAUSE = "RFC 7044 §5";
const INDEX = /^(?:[1-9][0-9]*|0)(?:\.(?:[1-9][0-9]*|0))*$/;

/** Whether `text` is an index-val (RFC 7044 §5). */
export function isIndexVal(text: string): boolean {
  return text.length <= 256 && INDEX.test(text);
}

function uriParamValue(uri: Uri, name: string): string | undefined {
  if (uri.kind !== "sip") return undefined;
  return uri.params.find((p) => p.name.toLowerCase() === name)?.value;
}

function uriHeaderValue(uri: Uri, name: string): string | undefined {
  if (uri.kind !== "sip") return undefined;
  const h = uri.headers.find((x) => unescapeUriComponent(x.name).toLowerCase() === name.toLowerCase());
  return h === undefined ? undefined : unescapeUriComponent(h.value);
}

function readOne(cur: Cursor, notes: DecodeNote[]): HistoryEntry {
  cur.ws();
  const at = cur.i;
  const address = readNameAddr(cur, "History-Info", true);
  const indexes = address.params.filter((p) => p.name.toLowerCase() === "index");
  const first = indexes[0];
  if (first === undefined) cur.fail("hi-entry without index (RFC 7044 §5: hi-index is mandatory)", at);
  if (indexes.length > 1) cur.fail("index given twice (RFC 7044 §5)", at);
  if (first.value === undefined || first.quoted || !isIndexVal(first.value)) cur.fail(`index '${first.value ?? ""}' is not an index-val (RFC 7044 §5)`, at);
  let target: HistoryEntry["target"];
  for (const p of address.params) {
    const n = p.name.toLowerCase();
    if (n !== "rc" && n !== "mp" && n !== "np") continue;
    if (p.value === undefined || p.quoted || !isIndexVal(p.value)) cur.fail(`${n} '${p.value ?? ""}' is not an index-val (RFC 7044 §5 ${n}-param)`, at);
    if (target !== undefined) {
      notes.push({ offset: at, item: "History-Info", message: `more than one of rc, mp, np in entry ${first.value}; the first (${target.kind}) is taken`, clause: CLAUSE });
      continue;
    }
    target = { kind: n, index: p.value };
  }
  const uri = address.uri;
  let cause: number | undefined;
  const c = uriParamValue(uri, "cause");
  if (c !== undefined) {
    // RFC 4458 §5: cause-param = "cause" EQUAL Status-Code (3DIGIT).
    if (/^[1-6][0-9][0-9]$/.test(c)) cause = Number(c);
    else notes.push({ offset: at, item: "History-Info", message: `cause URI parameter '${c}' is not a status code; ignored`, clause: "RFC 4458 §5" });
  }
  const mb = uriParamValue(uri, "target");
  let reasons: Reason[] | undefined;
  const rh = uriHeaderValue(uri, "Reason");
  if (rh !== undefined) {
    const r = parseReasons(rh);
    if (r.ok) reasons = r.value;
    else notes.push({ offset: at, item: "History-Info", message: `the Reason in entry ${first.value} does not parse: ${r.error.reason}; ignored`, clause: CLAUSE });
  }
  let privacy: string[] | undefined;
  const ph = uriHeaderValue(uri, "Privacy");
  if (ph !== undefined) {
    const r = parsePrivacy(ph);
    if (r.ok) privacy = r.value;
    else notes.push({ offset: at, item: "History-Info", message: `the Privacy in entry ${first.value} does not parse: ${r.error.reason}; ignored`, clause: CLAUSE });
  }
  return { address, index: first.value, target, cause, mailbox: mb === undefined ? undefined : unescapeUriComponent(mb), reasons, privacy };
}

/** One History-Info header line's value. */
export function parseHistoryInfo(value: string): DecodeResult<HistoryEntry[]> {
  return readValue(value, "History-Info", CLAUSE, (cur, notes) => {
    const out = [readOne(cur, notes)];
    while (cur.sep(0x2c)) out.push(readOne(cur, notes));
    cur.finish("History-Info value");
    return out;
  });
}

/** Every hi-entry of a message, all lines in order; undefined when absent. Repeated indexes are noted. */
export function historyInfoOf(m: SipMessage): DecodeResult<HistoryEntry[]> | undefined {
  const r = gather(m, "History-Info", parseHistoryInfo);
  if (r === undefined || !r.ok) return r;
  const seen = new Set<string>();
  const notes = [...r.notes];
  for (const e of r.value) {
    if (seen.has(e.index)) notes.push({ offset: 0, item: "History-Info", message: `index ${e.index} appears more than once`, clause: CLAUSE });
    seen.add(e.index);
  }
  return { ok: true, value: r.value, notes };
}

export interface HistoryEntryInit {
  /** The Request-URI the request was sent to. */
  readonly uri: SipUri;
  readonly displayName?: string;
  readonly index: string;
  readonly target?: { readonly kind: HiTargetKind; readonly index: string };
  /** RFC 4458 cause (a status code). */
  readonly cause?: number;
  /** RFC 4458 target (mailbox). */
  readonly mailbox?: string;
  readonly reasons?: readonly Reason[];
  readonly privacy?: readonly string[];
}

/** An hi-entry; throws on an index that is not an index-val (a caller's bug). */
export function makeHistoryEntry(init: HistoryEntryInit): HistoryEntry {
  if (!isIndexVal(init.index)) throw new Error(`'${init.index}' is not an index-val (RFC 7044 §5)`);
  if (init.target !== undefined && !isIndexVal(init.target.index)) throw new Error(`'${init.target.index}' is not an index-val (RFC 7044 §5)`);
  if (init.cause !== undefined && !(Number.isInteger(init.cause) && init.cause >= 100 && init.cause <= 699)) throw new Error(`cause ${init.cause} is not a status code (RFC 4458 §5)`);
  const u = init.uri;
  const uriParams = u.params.filter((p) => !["cause", "target"].includes(p.name.toLowerCase()));
  if (init.mailbox !== undefined) uriParams.push({ name: "target", value: escapeParam(init.mailbox) });
  if (init.cause !== undefined) uriParams.push({ name: "cause", value: String(init.cause) });
  const uriHeaders = u.headers.filter((h) => !["reason", "privacy"].includes(unescapeUriComponent(h.name).toLowerCase()));
  if (init.privacy !== undefined && init.privacy.length > 0) uriHeaders.push({ name: "Privacy", value: escapeUriHeader(init.privacy.join(";")) });
  if (init.reasons !== undefined && init.reasons.length > 0) uriHeaders.push({ name: "Reason", value: escapeUriHeader(formatReasons(init.reasons)) });
  const uri: SipUri = { ...u, params: uriParams, headers: uriHeaders };
  const params: Param[] = [param("index", init.index)];
  if (init.target !== undefined) params.push(param(init.target.kind, init.target.index));
  const address: NameAddr = { displayName: init.displayName, uri, params };
  return {
    address,
    index: init.index,
    target: init.target,
    cause: init.cause,
    mailbox: init.mailbox,
    reasons: init.reasons !== undefined && init.reasons.length > 0 ? init.reasons : undefined,
    privacy: init.privacy !== undefined && init.privacy.length > 0 ? init.privacy : undefined,
  };
}

/** A History-Info header value (entries comma-separated, in order). */
export function formatHistoryInfo(list: readonly HistoryEntry[]): string {
  return list.map((e) => formatNameAddr(e.address)).join(", ");
}

export function historyInfoHeader(...list: readonly HistoryEntry[]): { readonly name: "History-Info"; readonly value: string } {
  if (list.length === 0) throw new Error("History-Info needs at least one entry");
  return { name: "History-Info", value: formatHistoryInfo(list) };
}

/** The entry an rc/mp/np points to. */
export function historyParent(list: readonly HistoryEntry[], e: HistoryEntry): HistoryEntry | undefined {
  const t = e.target;
  return t === undefined ? undefined : list.find((x) => x.index === t.index);
}

