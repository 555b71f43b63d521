/**
 * The bodies of a received SIP message as a call uses them: the session
 * description and the encapsulated ISUP (RFC 3204, RFC 3372), read with the
 * SIP-T rules of src/interworking/sip-t (415 for an unknown ISUP version or an
 * unsupported part marked handling=required, RFC 3204 §5).
 */
import type { SipMessage } from "../../sip/syntax/message.js";
import type { IsupBody } from "../sip-t/read-bodies.js";
import { readBodies } from "../sip-t/read-bodies.js";

export interface SiptBodies {
  readonly sdp?: string;
  readonly isup?: IsupBody;
}

export type SiptBodiesResult = { readonly ok: true; readonly bodies: SiptBodies } | { readonly ok: false; readonly status: number; readonly reason: string; readonly accept?: string };

export function readSiptBodies(m: SipMessage, isupVersions: readonly string[]): SiptBodiesResult {
  const r = readBodies(m.get("Content-Type"), m.get("Content-Disposition"), m.body, { isupVersions });
  if (!r.ok) return { ok: false, status: r.status, reason: r.reason, ...(r.accept !== undefined ? { accept: r.accept } : {}) };
  return { ok: true, bodies: { ...(r.sdp !== undefined ? { sdp: r.sdp } : {}), ...(r.isup !== undefined ? { isup: r.isup } : {}) } };
}
