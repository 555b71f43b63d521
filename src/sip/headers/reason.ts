/**
 * The Reason header field, RFC 3326 §2:
 *
 *   Reason            =  "Reason" HCOLON reason-value *(COMMA reason-value)
 *   reason-value      =  protocol *(SEMI reason-params)
 *   protocol          =  "SIP" / "Q.850" / token
 *   reason-params     =  protocol-cause / reason-text / reason-extension
 *   protocol-cause    =  "cause" EQUAL cause
 *   cause             =  1*DIGIT
 *   reason-text       =  "text" EQUAL quoted-string
 *   reason-extension  =  generic-param
 *
 * For protocol SIP the cause is a status code (RFC 3326 §2, RFC 3261 §21);
 * for Q.850 it is the ITU-T Q.850 cause value (Q.850 §2.2.5, 7 bits).
 * RFC 3326 §2: several Reason values may be carried, each with a different
 * protocol. Parsing is liberal where the grammar is commonly bent (a text
 * given as a token; a cause outside its protocol's range; two values with
 * the same protocol): those pass with a note, so the layer above decides.
 */
import type { DecodeNote, DecodeResult } from "../../core/result.js";
import type { Cursor } from "../syntax/cursor.js";
import { MAX_UINT32 } from "../syntax/header-values.js";
import type { SipMessage } from "../syntax/message.js";
import type { Param } from "../syntax/params.js";
import { formatParams, quote, readParams } from "../syntax/params.js";
import { gather, readValue } from "./read.js";

export interface Reason {
  /** "SIP", "Q.850" or an extension token, as written. */
  readonly protocol: string;
  readonly cause: number | undefined;
  /** The reason-text, unquoted. */
  readonly text: string | undefined;
  /** reason-extension parameters, in order. */
  readonly extensions: readonly Param[];
}

const CLAUSE = "RFC 3326 §2";

function readOne(cur: Cursor, notes: DecodeNote[]): Reason {
  cur.ws();
  const at = cur.i;
  const protocol = cur.token("protocol");
  const params = readParams(cur, "Reason");
  let cause: number | undefined;
  let text: string | undefined;
  const extensions: Param[] = [];
  for (const p of params) {
    const n = p.name.toLowerCase();
    if (n === "cause") {
      if (cause !== undefined) cur.fail("cause given twice (RFC 3326 §2)", at);
      if (p.value === undefined || p.quoted || !/^[0-9]+$/.test(p.value) || Number(p.value) > MAX_UINT32) cur.fail(`cause must be 1*DIGIT, not ${p.value === undefined ? "empty" : `'${p.value}'`} (RFC 3326 §2 protocol-cause)`, at);
      cause = Number(p.value);
    } else if (n === "text") {
      if (text !== undefined) cur.fail("text given twice (RFC 3326 §2)", at);
      if (p.value === undefined) cur.fail("text needs a quoted-string value (RFC 3326 §2 reason-text)", at);
      if (!p.quoted) notes.push({ offset: at, item: "Reason text", message: `text '${p.value}' is not a quoted-string; taken as written`, clause: CLAUSE });
      text = p.value;
    } else {
      extensions.push(p);
    }
  }
  const proto = protocol.toUpperCase();
  if (proto === "Q.850" && cause !== undefined && cause > 127) {
    notes.push({ offset: at, item: "Reason cause", message: `Q.850 cause ${cause} is above 127 (Q.850 §2.2.5: a 7-bit value)`, clause: "ITU-T Q.850 §2.2.5" });
  } else if (proto === "SIP" && cause !== undefined && (cause < 100 || cause > 699)) {
    notes.push({ offset: at, item: "Reason cause", message: `SIP cause ${cause} is not a status code (100-699)`, clause: "RFC 3261 §21" });
  }
  if ((proto === "Q.850" || proto === "SIP") && cause === undefined) {
    notes.push({ offset: at, item: "Reason cause", message: `${protocol} Reason without a cause`, clause: CLAUSE });
  }
  return { protocol, cause, text, extensions };
}

/** One Reason header line's value (a comma-separated list). */
export function parseReasons(value: string): DecodeResult<Reason[]> {
  return readValue(value, "Reason", CLAUSE, (cur, notes) => {
    const out = [readOne(cur, notes)];
    while (cur.sep(0x2c)) out.push(readOne(cur, notes));
    cur.finish("Reason value");
    return out;
  });
}

/**
 * Every Reason value of a message, all lines in order; undefined when it
 * has none. Two values with the same protocol are kept with a note (RFC
 * 3326 §2 says they MUST differ).
 */
export function reasonsOf(m: SipMessage): DecodeResult<Reason[]> | undefined {
  const r = gather(m, "Reason", parseReasons);
  if (r === undefined || !r.ok) return r;
  const seen = new Set<string>();
  const notes = [...r.notes];
  for (const v of r.value) {
    const p = v.protocol.toUpperCase();
    if (seen.has(p)) notes.push({ offset: 0, item: "Reason", message: `more than one Reason value with protocol ${v.protocol}`, clause: CLAUSE });
    seen.add(p);
  }
  return { ok: true, value: r.value, notes };
}

/** The value for `protocol` ("SIP", "Q.850") among `reasons`, compared case-insensitively. */
export function reasonFor(reasons: readonly Reason[] | undefined, protocol: string): Reason | undefined {
  const p = protocol.toUpperCase();
  return reasons?.find((r) => r.protocol.toUpperCase() === p);
}

/** One reason-value: protocol, cause, text, then the extensions. Throws on a text with CR or LF (a caller's bug). */
export function formatReasonValue(r: Reason): string {
  let out = r.protocol;
  if (r.cause !== undefined) out += `;cause=${r.cause}`;
  if (r.text !== undefined) out += `;text=${quote(r.text)}`;
  return out + formatParams(r.extensions);
}

/** A Reason header value: the values comma-separated. */
export function formatReasons(list: readonly Reason[]): string {
  return list.map(formatReasonValue).join(", ");
}

/** A Q.850 reason (RFC 3326 §2; cause per ITU-T Q.850 §2.2.5). */
export function q850Reason(cause: number, text?: string): Reason {
  if (!Number.isInteger(cause) || cause < 0 || cause > 127) throw new Error(`Q.850 cause ${cause} is not 0-127`);
  return { protocol: "Q.850", cause, text, extensions: [] };
}

/** A SIP reason: the cause is a status code (RFC 3326 §2). */
export function sipReason(status: number, text?: string): Reason {
  if (!Number.isInteger(status) || status < 100 || status > 699) throw new Error(`SIP cause ${status} is not a status code`);
  return { protocol: "SIP", cause: status, text, extensions: [] };
}

/** The header line to add to a request or response (`headers: [reasonHeader(...)]`). */
export function reasonHeader(...reasons: readonly Reason[]): { readonly name: "Reason"; readonly value: string } {
  if (reasons.length === 0) throw new Error("reasonHeader() needs at least one Reason");
  return { name: "Reason", value: formatReasons(reasons) };
}
