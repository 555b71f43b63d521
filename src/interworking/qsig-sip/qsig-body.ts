/**
 * The application/QSIG body of RFC 3204 §3.2: one QSIG message in Q.931
 * format (protocol discriminator first: ISO/IEC 11572, ECMA-143), with the
 * optional `version` parameter (Table 2: "iso") and the disposition `signal`
 * (§3.2, §6) with its handling. Building one as a body part, and finding and
 * decoding it in a received body (the whole body, or one part of a
 * multipart/mixed body: RFC 2046 §5.1, RFC 5621). Pure.
 */
import type { DecodeResult } from "../../core/result.js";
import { encodeQ931, decodeQ931 } from "../../isdn/q931/codec/q931-codec.js";
import type { Q931Message } from "../../isdn/q931/codec/q931-codec.js";
import { SyntaxFailure } from "../../sip/syntax/cursor.js";
import { readContentDisposition, readMediaType } from "../../sip/syntax/header-values.js";
import type { MediaType } from "../../sip/syntax/header-values.js";
import type { BodyPartInit } from "../../sip/syntax/multipart.js";
import { parseMultipartBody } from "../../sip/syntax/multipart.js";
import { findParam } from "../../sip/syntax/params.js";

/** RFC 3204 §3.2 Table 2: the registered QSIG version. */
export const QSIG_VERSION_ISO = "iso";

export interface QsigBodyOptions {
  /** RFC 3204 §3.2 `version`; absent: none written. */
  readonly version?: typeof QSIG_VERSION_ISO;
  /** RFC 3204 §6: "required" makes a receiver that cannot handle QSIG refuse the request (415). */
  readonly handling: "optional" | "required";
}

/** RFC 3204 §3.2: one application/QSIG body part carrying `msg` in Q.931 format. */
export function qsigBody(msg: Q931Message, opts: QsigBodyOptions): BodyPartInit {
  return {
    headers: [
      { name: "Content-Type", value: opts.version === undefined ? "application/QSIG" : `application/QSIG;version=${opts.version}` },
      { name: "Content-Disposition", value: `signal;handling=${opts.handling}` },
    ],
    body: encodeQ931(msg),
  };
}

export interface ReceivedQsig {
  readonly message: Q931Message;
  /** `version` of the part, when present (RFC 3204 §3.2). */
  readonly version?: string;
  /** handling of its Content-Disposition ("required" when absent, RFC 3261 §20.11). */
  readonly handling: string;
}

function fail(field: string, reason: string, clause: string): DecodeResult<never> {
  return { ok: false, error: { offset: 0, field, reason, clause } };
}

function isQsig(t: MediaType): boolean {
  return t.type.toLowerCase() === "application" && t.subtype.toLowerCase() === "qsig";
}

function decodePart(t: MediaType, disposition: string | undefined, body: Uint8Array): DecodeResult<ReceivedQsig | undefined> {
  let handling = "required";
  if (disposition !== undefined) {
    const d = readContentDisposition(disposition);
    // RFC 3204 §3.2: QSIG bodies are of disposition-type signal.
    if (d.type.toLowerCase() !== "signal") return fail("Content-Disposition", `disposition ${d.type} is not signal`, "RFC 3204 §3.2");
    handling = d.handling;
  }
  const m = decodeQ931(body);
  if (!m.ok) return m;
  const version = findParam(t.params, "version")?.value;
  return { ok: true, value: { message: m.value, ...(version !== undefined ? { version } : {}), handling }, notes: m.notes };
}

/**
 * The QSIG message of a received SIP body: the body itself when its
 * Content-Type is application/QSIG, or the first application/QSIG part of a
 * multipart/mixed body; `undefined` (ok) when there is none. Malformed
 * headers or octets give an error with the reason; nothing throws.
 */
export function readQsigBody(contentType: string, contentDisposition: string | undefined, body: Uint8Array): DecodeResult<ReceivedQsig | undefined> {
  try {
    const t = readMediaType(contentType);
    if (isQsig(t)) return decodePart(t, contentDisposition, body);
    if (t.type.toLowerCase() !== "multipart") return { ok: true, value: undefined, notes: [] };
    const boundary = findParam(t.params, "boundary")?.value;
    if (boundary === undefined) return fail("Content-Type", "multipart body without a boundary parameter", "RFC 2046 §5.1.1");
    const mp = parseMultipartBody(body, boundary);
    if (!mp.ok) return mp;
    for (const part of mp.value.parts) {
      if (!part.contentType || !isQsig(part.contentType)) continue;
      const disp = part.headers.find((h) => h.name.toLowerCase() === "content-disposition")?.value;
      return decodePart(part.contentType, disp, part.body);
    }
    return { ok: true, value: undefined, notes: [] };
  } catch (e) {
    if (e instanceof SyntaxFailure) return fail(e.field, e.reason, "RFC 3261 §20.15, §20.11");
    throw e;
  }
}
