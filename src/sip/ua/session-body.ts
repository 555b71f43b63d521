/**
 * Whether a message body carries a session description, RFC 3261 §13.2.1
 * and §20.11 (Content-Disposition "session", the default for
 * application/sdp), RFC 5621 §3 (a multipart body's parts each with their
 * own type and disposition; SIP-T, RFC 3372 / RFC 3204: SDP beside an
 * application/ISUP part). The UA core needs only this to track offers and
 * answers; what the SDP says is for the layer above.
 */
import type { DecodeResult } from "../../core/result.js";
import type { ContentDisposition, MediaType } from "../syntax/header-values.js";
import { mediaTypeIs, parseHeaderValue } from "../syntax/header-values.js";
import type { SipMessage } from "../syntax/message.js";
import { parseMultipartBody } from "../syntax/multipart.js";
import { paramValue } from "../syntax/params.js";
import type { BodyInit } from "../transaction/messages.js";
import { bodyOctets } from "../transaction/messages.js";

function isSessionPart(type: MediaType | undefined, disposition: ContentDisposition | undefined): boolean {
  if (type === undefined || !mediaTypeIs(type, "application", "sdp")) return false;
  return disposition === undefined || disposition.type.toLowerCase() === "session";
}

function scan(type: MediaType | undefined, disposition: ContentDisposition | undefined, body: Uint8Array): Uint8Array | undefined {
  if (body.length === 0 || type === undefined) return undefined;
  if (isSessionPart(type, disposition)) return body;
  if (type.type.toLowerCase() !== "multipart") return undefined;
  const boundary = paramValue(type.params, "boundary");
  if (boundary === undefined) return undefined;
  const mp = parseMultipartBody(body, boundary);
  if (!mp.ok) return undefined;
  for (const part of mp.value.parts) {
    const inner = scan(part.contentType, part.contentDisposition, part.body);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

function value<T>(r: DecodeResult<T | undefined>): T | undefined {
  return r.ok ? r.value : undefined;
}

/** The session description a received message carries (the SDP octets), or undefined. */
export function sessionDescriptionOf(m: SipMessage): Uint8Array | undefined {
  if (m.body.length === 0) return undefined;
  return scan(value(m.contentType()), value(m.contentDisposition()), m.body);
}

/** Answers for bodies that are not multipart, by Content-Type and Content-Disposition (a handful of distinct values). */
const simpleBodies = new Map<string, boolean>();

/** Whether a body given in code carries a session description. */
export function bodyCarriesSession(b: BodyInit | undefined): boolean {
  if (b === undefined) return false;
  const cacheKey = `${b.contentType}\u0001${b.disposition ?? ""}`;
  const known = simpleBodies.get(cacheKey);
  if (known !== undefined) return known && (typeof b.content === "string" ? b.content.length > 0 : b.content.length > 0);
  const t = parseHeaderValue("content-type", b.contentType);
  if (!t.ok) return false;
  const d = b.disposition !== undefined ? parseHeaderValue("content-disposition", b.disposition) : undefined;
  const disposition = d !== undefined && d.ok ? d.value : undefined;
  if (t.value.type.toLowerCase() !== "multipart" && simpleBodies.size < 64) simpleBodies.set(cacheKey, isSessionPart(t.value, disposition));
  return scan(t.value, disposition, bodyOctets(b)) !== undefined;
}

/** The body of a message we built, as a BodyInit, when it carries a session description (to send it again unchanged). */
export function sessionBodyOf(m: SipMessage): BodyInit | undefined {
  if (sessionDescriptionOf(m) === undefined) return undefined;
  const type = m.get("Content-Type") ?? "application/sdp";
  const disposition = m.get("Content-Disposition");
  return disposition !== undefined ? { contentType: type, content: m.body, disposition } : { contentType: type, content: m.body };
}
