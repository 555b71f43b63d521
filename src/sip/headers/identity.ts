/**
 * P-Asserted-Identity and P-Preferred-Identity, RFC 3325 §9.1 and §9.2:
 *
 *   PAssertedID       = "P-Asserted-Identity" HCOLON PAssertedID-value *(COMMA PAssertedID-value)
 *   PAssertedID-value = name-addr / addr-spec
 *   PPreferredID      = "P-Preferred-Identity" HCOLON PPreferredID-value *(COMMA PPreferredID-value)
 *   PPreferredID-value = name-addr / addr-spec
 *
 * RFC 3325 §9.1: one or two values; with one, a sip, sips or tel URI; with
 * two, one sip or sips URI and one tel URI. The grammar has no header
 * parameters: after an addr-spec, ";..." belongs to the URI (it is read as
 * URI parameters); after a name-addr, parameters are kept with a note.
 * Departures from §9.1 pass with a note; the trust decision (§2.3, §5) is
 * the layer above's.
 */
import type { DecodeNote, DecodeResult } from "../../core/result.js";
import type { Cursor } from "../syntax/cursor.js";
import type { SipMessage } from "../syntax/message.js";
import type { NameAddr } from "../syntax/name-addr.js";
import { formatNameAddr, readNameAddr } from "../syntax/name-addr.js";
import type { Param } from "../syntax/params.js";
import type { Uri, UriParam } from "../syntax/uri.js";
import { escapeParam } from "../syntax/uri.js";
import { gather, readValue } from "./read.js";

export type IdentityHeader = "P-Asserted-Identity" | "P-Preferred-Identity";

/** The values of one identity header, sorted by kind (RFC 3325 §9.1). */
export interface IdentitySet {
  /** All values in order. */
  readonly values: readonly NameAddr[];
  /** The sip or sips URI value, if any. */
  readonly sip: NameAddr | undefined;
  /** The tel URI value, if any. */
  readonly tel: NameAddr | undefined;
}

const clauseOf = (field: IdentityHeader): string => (field === "P-Asserted-Identity" ? "RFC 3325 §9.1" : "RFC 3325 §9.2");

/** RFC 3261 §25.1 paramchar (param-unreserved / unreserved / escaped), one or more. */
const PARAMCHARS = /^(?:[A-Za-z0-9\-_.!~*'()[\]/:&+$]|%[0-9A-Fa-f]{2})+$/;

/** A header parameter value as a URI parameter value: kept when it is already paramchars, else escaped. */
function wireParam(value: string, quoted: boolean): string {
  return !quoted && PARAMCHARS.test(value) ? value : escapeParam(value);
}

/** Header parameters read after an addr-spec become URI parameters (the RFC 3325 grammar has none of its own). */
function intoUri(uri: Uri, params: readonly Param[]): Uri {
  if (params.length === 0 || uri.kind === "absolute") return uri;
  const extra: UriParam[] = params.map((p) => ({ name: p.name, value: p.value === undefined ? undefined : wireParam(p.value, p.quoted) }));
  return { ...uri, params: [...uri.params, ...extra] };
}

function readOne(cur: Cursor, field: IdentityHeader, notes: DecodeNote[]): NameAddr {
  cur.ws();
  const start = cur.i;
  const na = readNameAddr(cur, field, false);
  const nameAddrForm = cur.text.slice(start, cur.i).includes("<");
  if (!nameAddrForm) return { displayName: undefined, uri: intoUri(na.uri, na.params), params: [] };
  if (na.params.length > 0) notes.push({ offset: start, item: field, message: `parameters after the name-addr (${na.params.map((p) => p.name).join(", ")}) are not in the grammar; kept`, clause: clauseOf(field) });
  return na;
}

/** One header line's value. */
export function parseIdentities(value: string, field: IdentityHeader = "P-Asserted-Identity"): DecodeResult<NameAddr[]> {
  return readValue(value, field, clauseOf(field), (cur, notes) => {
    const out = [readOne(cur, field, notes)];
    while (cur.sep(0x2c)) out.push(readOne(cur, field, notes));
    cur.finish(`${field} value`);
    return out;
  });
}

/** Check the §9.1 shape and sort the values by kind. */
export function classifyIdentities(values: readonly NameAddr[], field: IdentityHeader = "P-Asserted-Identity"): { set: IdentitySet; notes: DecodeNote[] } {
  const notes: DecodeNote[] = [];
  const clause = clauseOf(field);
  let sip: NameAddr | undefined;
  let tel: NameAddr | undefined;
  if (values.length > 2) notes.push({ offset: 0, item: field, message: `${values.length} values; at most two are allowed (one sip/sips and one tel)`, clause });
  for (const v of values) {
    if (v.uri.kind === "sip") {
      if (sip !== undefined) notes.push({ offset: 0, item: field, message: "more than one sip/sips URI", clause });
      else sip = v;
    } else if (v.uri.kind === "tel") {
      if (tel !== undefined) notes.push({ offset: 0, item: field, message: "more than one tel URI", clause });
      else tel = v;
    } else {
      notes.push({ offset: 0, item: field, message: `a ${v.uri.scheme}: URI; only sip, sips and tel are allowed`, clause });
    }
  }
  return { set: { values, sip, tel }, notes };
}

/** The identity header of a message, all its lines; undefined when absent. */
export function identitiesOf(m: SipMessage, field: IdentityHeader = "P-Asserted-Identity"): DecodeResult<IdentitySet> | undefined {
  const r = gather(m, field, (v) => parseIdentities(v, field));
  if (r === undefined || !r.ok) return r;
  const c = classifyIdentities(r.value, field);
  return { ok: true, value: c.set, notes: [...r.notes, ...c.notes] };
}

/** The header value: name-addr form for every value (so URI parameters stay in the URI). */
export function formatIdentities(values: readonly NameAddr[]): string {
  return values.map(formatNameAddr).join(", ");
}

/** The header line to add to a request (`headers: [identityHeader("P-Asserted-Identity", ...)]`). */
export function identityHeader(field: IdentityHeader, ...values: readonly NameAddr[]): { readonly name: IdentityHeader; readonly value: string } {
  if (values.length === 0) throw new Error(`${field} needs at least one value`);
  return { name: field, value: formatIdentities(values) };
}
