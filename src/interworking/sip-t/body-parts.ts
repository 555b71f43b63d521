/**
 * Building SIP-T message bodies: RFC 3204 §3.1 (application/ISUP: required
 * `version`, optional `base`, binary, starting at the message type code),
 * §3.2 (application/QSIG, optional `version`), §3.1 and §6 (Content-
 * Disposition `signal` with `handling`), RFC 3372 §4 (SIP-T: SDP beside the
 * encapsulated ISUP), RFC 2046 §5.1 and RFC 5621 §4.3 (multipart/mixed, no
 * needless nesting), RFC 5621 §3.2 (binary transfer encoding).
 *
 * Pure: the boundary is derived deterministically from a base string and
 * checked against every part (RFC 2046 §5.1.1: it must not occur inside one).
 */
import { EncodeError } from "../../core/errors.js";
import { isToken } from "../../sip/syntax/chars.js";
import type { BodyPartInit } from "../../sip/syntax/multipart.js";
import { chooseBoundary, serializeMultipartBody } from "../../sip/syntax/multipart.js";
import type { BodyInit } from "../../sip/transaction/messages.js";

/** RFC 3204 §6 handling-param values this gateway writes. */
export type Handling = "optional" | "required";

export interface IsupPartOptions {
  /** RFC 3204 §3.1 `version` (required), e.g. "itu-t92+", "ansi00", or a bilateral "X-..." token. */
  readonly version: string;
  /** RFC 3204 §3.1 Table 1 `base`, for a receiver that does not know `version`. */
  readonly base?: string;
  readonly handling: Handling;
}

export interface QsigPartOptions {
  /** RFC 3204 §3.2 `version` (optional), Table 2: "iso". */
  readonly version?: string;
  readonly handling: Handling;
}

/** RFC 3204 §3.1 Table 1: the registered `base` values. */
export const ISUP_BASE_VALUES = ["itu-t88", "itu-t92+", "ansi88", "ansi00", "etsi121", "etsi356", "gr317", "ttc87", "ttc93+"] as const;

/** Base of the multipart boundary; chooseBoundary() adds "-N" when it occurs inside a part. */
export const SIPT_BOUNDARY_BASE = "sipt-gw-boundary-1";

function checkToken(value: string, what: string): string {
  // RFC 3261 §25.1 m-parameter: m-value is a token or quoted-string; we write tokens only.
  if (!isToken(value)) throw new EncodeError(what, `${JSON.stringify(value)} is not a token (RFC 3261 §25.1)`);
  return value;
}

/** "signal;handling=optional" (RFC 3204 §3.1 default disposition-type, §6 handling). */
function signalDisposition(handling: Handling): string {
  return `signal;handling=${handling}`;
}

/** The Content-Type of an ISUP part: "application/ISUP;version=itu-t92+[;base=...]" (RFC 3204 §3.1). */
export function isupContentType(opts: { readonly version: string; readonly base?: string }): string {
  let t = `application/ISUP;version=${checkToken(opts.version, "application/ISUP version")}`;
  if (opts.base !== undefined) t += `;base=${checkToken(opts.base, "application/ISUP base")}`;
  return t;
}

function qsigContentType(version: string | undefined): string {
  return version === undefined ? "application/QSIG" : `application/QSIG;version=${checkToken(version, "application/QSIG version")}`;
}

/**
 * One application/ISUP body part (RFC 3204 §3.1). `isupOctets` starts at the
 * message type code: no routing label, no CIC (encodeIsup with `sipt: true`).
 */
export function isupBodyPart(isupOctets: Uint8Array, opts: IsupPartOptions): BodyPartInit {
  if (isupOctets.length === 0) throw new EncodeError("application/ISUP body", "an ISUP message has at least its message type code");
  return {
    headers: [
      { name: "Content-Type", value: isupContentType(opts) },
      { name: "Content-Disposition", value: signalDisposition(opts.handling) },
    ],
    body: isupOctets,
  };
}

/** One application/QSIG body part (RFC 3204 §3.2): a Q.931-format QSIG message. */
export function qsigBodyPart(qsigOctets: Uint8Array, opts: QsigPartOptions): BodyPartInit {
  if (qsigOctets.length === 0) throw new EncodeError("application/QSIG body", "a QSIG message has at least its protocol discriminator");
  return {
    headers: [
      { name: "Content-Type", value: qsigContentType(opts.version) },
      { name: "Content-Disposition", value: signalDisposition(opts.handling) },
    ],
    body: qsigOctets,
  };
}

export interface SipBodyInput {
  /** The session description (application/sdp, disposition session by default, RFC 3261 §20.11). */
  readonly sdp?: string;
  /** From isupBodyPart(). */
  readonly isup?: BodyPartInit;
  /** From qsigBodyPart(). */
  readonly qsig?: BodyPartInit;
  /** Base of the multipart boundary (default SIPT_BOUNDARY_BASE). */
  readonly boundaryBase?: string;
}

function headerValue(part: BodyPartInit, name: string): string | undefined {
  const lower = name.toLowerCase();
  return part.headers.find((h) => h.name.toLowerCase() === lower)?.value;
}

const encoder = new TextEncoder();

/**
 * The body of a SIP message carrying SDP and/or encapsulated ISUP or QSIG
 * (RFC 3372 §4, RFC 3204 §4.1): nothing -> undefined; one part -> that part
 * as the whole body (its Content-Type and Content-Disposition become the
 * message's); several -> multipart/mixed (RFC 2046 §5.1.3, RFC 5621 §5)
 * with SDP first, then ISUP, then QSIG.
 */
export function sipBody(input: SipBodyInput): BodyInit | undefined {
  const parts: BodyPartInit[] = [];
  if (input.sdp !== undefined) parts.push({ headers: [{ name: "Content-Type", value: "application/sdp" }], body: encoder.encode(input.sdp) });
  if (input.isup !== undefined) parts.push(input.isup);
  if (input.qsig !== undefined) parts.push(input.qsig);
  const only = parts[0];
  if (only === undefined) return undefined;
  if (parts.length === 1) {
    const contentType = headerValue(only, "Content-Type");
    if (contentType === undefined) throw new EncodeError("body part", "has no Content-Type");
    const disposition = headerValue(only, "Content-Disposition");
    return { contentType, content: only.body, ...(disposition !== undefined ? { disposition } : {}) };
  }
  const boundary = chooseBoundary(parts, input.boundaryBase ?? SIPT_BOUNDARY_BASE);
  // RFC 5621 §8.2: a multipart/mixed body's disposition defaults to render with handling required,
  // which is what a body carrying the session description needs; no Content-Disposition is written.
  return { contentType: `multipart/mixed;boundary=${boundary}`, content: serializeMultipartBody(parts, boundary) };
}
