/**
 * Reading the body of a received SIP message for SIP-T: the session
 * description and the encapsulated ISUP or QSIG, per
 *  - RFC 3204 §3.1 (application/ISUP: `version` required, `base` optional;
 *    the default disposition-type is `signal`), §3.2 (application/QSIG),
 *    §6 (handling: `optional` -> ignore the part, `required` -> 415; absent
 *    means `required`);
 *  - RFC 3261 §20.11 (default disposition: `session` for application/sdp,
 *    `render` otherwise), §20.15 (a non-empty body needs a Content-Type),
 *    §21.4.13 (415 lists what is understood in Accept);
 *  - RFC 2046 §5.1 (multipart; a part without Content-Type is
 *    text/plain; charset=us-ascii);
 *  - RFC 5621 §4.2 (nested multipart is parsed; unknown multipart subtypes
 *    are multipart/mixed), §6.1 and §8.3 (multipart/alternative: the last
 *    part understood is used, the handling of the whole decides), §7.3
 *    (multipart/related read as mixed), §8.2 (multipart default disposition
 *    `render`), §8.4 (415 for a required part whose type or disposition is not
 *    supported in this context).
 *
 * Pure and total: any input gives a result, never a throw. Octets returned
 * are views into `body`.
 */
import { isToken } from "../../sip/syntax/chars.js";
import type { ContentDisposition, MediaType } from "../../sip/syntax/header-values.js";
import { parseHeaderValue } from "../../sip/syntax/header-values.js";
import { parseMultipartBody } from "../../sip/syntax/multipart.js";
import { paramValue, quote } from "../../sip/syntax/params.js";

export interface ReadBodiesOptions {
  /**
   * ISUP `version` values understood (RFC 3204 §3.1), compared
   * case-insensitively. A part whose `version` is not listed is still used
   * when its `base` is listed (RFC 3204 §3.1: the ISUP "can also be processed
   * using the identified base specification").
   */
  readonly isupVersions: readonly string[];
  /**
   * QSIG `version` values understood (RFC 3204 §3.2); a QSIG part without a
   * version is used. Absent: application/QSIG is not supported.
   */
  readonly qsigVersions?: readonly string[];
}

export interface IsupBody {
  /** The ISUP message from its message type code (RFC 3204 §3.1: no routing label, no CIC). */
  readonly octets: Uint8Array;
  readonly version: string;
  readonly base?: string;
  /** RFC 3204 §6 handling as received ("required" when absent). */
  readonly handling: string;
}

export interface QsigBody {
  readonly octets: Uint8Array;
  readonly version?: string;
  readonly handling: string;
}

export interface IgnoredPart {
  /** The part's Content-Type as written (or the RFC 2046 §5.1 default). */
  readonly contentType: string;
  readonly disposition: string;
  readonly handling: string;
  readonly reason: string;
}

export type ReadBodiesResult =
  | {
      readonly ok: true;
      /** The session description (disposition `session`), as text. */
      readonly sdp?: string;
      readonly isup?: IsupBody;
      readonly qsig?: QsigBody;
      /** Parts with handling=optional that were not understood (RFC 3204 §6), and further ISUP/QSIG parts. */
      readonly ignored: readonly IgnoredPart[];
    }
  | {
      readonly ok: false;
      readonly status: 400 | 415;
      readonly reason: string;
      /** For a 415 caused by a content type or ISUP/QSIG version: the Accept value to send (RFC 3261 §21.4.13). */
      readonly accept?: string;
    };

/** Nesting deeper than this is refused (RFC 5621 §4.3 asks senders not to nest needlessly). */
export const MAX_MULTIPART_DEPTH = 8;

class Rejection {
  constructor(
    readonly status: 400 | 415,
    readonly reason: string,
    readonly accept: boolean,
  ) {}
}

interface Collected {
  sdp?: string;
  isup?: IsupBody;
  qsig?: QsigBody;
  ignored: IgnoredPart[];
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const TEXT_PLAIN: MediaType = { type: "text", subtype: "plain", params: [{ name: "charset", value: "us-ascii", quoted: false }] };

function mediaText(t: MediaType): string {
  let out = `${t.type}/${t.subtype}`;
  for (const p of t.params) out += p.value === undefined ? `;${p.name}` : `;${p.name}=${p.quoted || !isToken(p.value) ? safeQuote(p.value) : p.value}`;
  return out;
}

function safeQuote(v: string): string {
  return quote(v.replace(/[\r\n]/g, " "));
}

function kindOf(t: MediaType): string {
  return `${t.type.toLowerCase()}/${t.subtype.toLowerCase()}`;
}

/** RFC 3261 §20.11, RFC 3204 §3.1 and §3.2, RFC 5621 §8.2: the disposition-type when none is given. */
export function defaultDisposition(t: MediaType): string {
  const k = kindOf(t);
  if (k === "application/sdp") return "session";
  if (k === "application/isup" || k === "application/qsig") return "signal";
  return "render";
}

function inList(list: readonly string[], v: string | undefined): boolean {
  if (v === undefined) return false;
  const lower = v.toLowerCase();
  return list.some((x) => x.toLowerCase() === lower);
}

/** The Accept value of a 415 from this reader: what it understands, with the ISUP and QSIG versions. */
export function acceptValue(opts: ReadBodiesOptions): string {
  const v = (x: string): string => (isToken(x) ? x : safeQuote(x));
  const items = ["application/sdp", ...opts.isupVersions.map((x) => `application/ISUP;version=${v(x)}`)];
  if (opts.qsigVersions !== undefined) {
    if (opts.qsigVersions.length === 0) items.push("application/QSIG");
    else items.push(...opts.qsigVersions.map((x) => `application/QSIG;version=${v(x)}`));
  }
  items.push("multipart/mixed", "multipart/alternative");
  return items.join(", ");
}

class Reader {
  constructor(private readonly opts: ReadBodiesOptions) {}

  /** Unusable part: listed when optional (RFC 3204 §6), a rejection when required. */
  private unusable(out: Collected, t: MediaType, disp: string, handling: string, reason: string, status: 400 | 415, accept: boolean): void {
    if (handling === "optional") {
      out.ignored.push({ contentType: mediaText(t), disposition: disp, handling, reason });
      return;
    }
    throw new Rejection(status, `${mediaText(t)} (${disp}, handling=${handling}): ${reason}`, accept);
  }

  visit(out: Collected, t: MediaType, d: ContentDisposition | undefined, body: Uint8Array, depth: number): void {
    const disp = d?.type.toLowerCase() ?? defaultDisposition(t);
    const handling = d?.handling ?? "required";
    const kind = kindOf(t);
    if (t.type.toLowerCase() === "multipart") {
      this.multipart(out, t, disp, handling, body, depth);
      return;
    }
    switch (kind) {
      case "application/sdp":
        this.sdp(out, t, disp, handling, body);
        return;
      case "application/isup":
        this.isup(out, t, disp, handling, body);
        return;
      case "application/qsig":
        if (this.opts.qsigVersions !== undefined) {
          this.qsig(out, t, disp, handling, body, this.opts.qsigVersions);
          return;
        }
        this.unusable(out, t, disp, handling, "QSIG bodies are not supported here (RFC 3204 §6)", 415, true);
        return;
      default:
        this.unusable(out, t, disp, handling, "content type not supported (RFC 3204 §6, RFC 5621 §8.4)", 415, true);
    }
  }

  private sdp(out: Collected, t: MediaType, disp: string, handling: string, body: Uint8Array): void {
    if (disp !== "session") {
      this.unusable(out, t, disp, handling, `disposition ${disp} of a session description is not supported here (RFC 5621 §8.4)`, 415, false);
      return;
    }
    if (out.sdp !== undefined) throw new Rejection(400, "more than one session description (application/sdp, disposition session) in the body", false);
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      this.unusable(out, t, disp, handling, "the session description is not UTF-8 text (RFC 4566 §5)", 400, false);
      return;
    }
    out.sdp = text;
  }

  private isup(out: Collected, t: MediaType, disp: string, handling: string, body: Uint8Array): void {
    if (disp !== "signal") {
      this.unusable(out, t, disp, handling, `disposition ${disp} of an ISUP body is not supported (RFC 3204 §3.1: signal)`, 415, false);
      return;
    }
    const version = paramValue(t.params, "version");
    const base = paramValue(t.params, "base");
    if (version === undefined) {
      this.unusable(out, t, disp, handling, "application/ISUP without its required version parameter (RFC 3204 §3.1)", 415, true);
      return;
    }
    if (!inList(this.opts.isupVersions, version) && !inList(this.opts.isupVersions, base)) {
      this.unusable(out, t, disp, handling, `ISUP version ${version}${base !== undefined ? ` (base ${base})` : ""} is not supported (RFC 3204 §3.1)`, 415, true);
      return;
    }
    if (body.length === 0) {
      this.unusable(out, t, disp, handling, "empty ISUP body: the message type code is missing (RFC 3204 §3.1)", 400, false);
      return;
    }
    if (out.isup !== undefined) {
      out.ignored.push({ contentType: mediaText(t), disposition: disp, handling, reason: "only the first application/ISUP part is used" });
      return;
    }
    out.isup = { octets: body, version, ...(base !== undefined ? { base } : {}), handling };
  }

  private qsig(out: Collected, t: MediaType, disp: string, handling: string, body: Uint8Array, versions: readonly string[]): void {
    if (disp !== "signal") {
      this.unusable(out, t, disp, handling, `disposition ${disp} of a QSIG body is not supported (RFC 3204 §3.2: signal)`, 415, false);
      return;
    }
    const version = paramValue(t.params, "version");
    if (version !== undefined && !inList(versions, version)) {
      this.unusable(out, t, disp, handling, `QSIG version ${version} is not supported (RFC 3204 §3.2)`, 415, true);
      return;
    }
    if (body.length === 0) {
      this.unusable(out, t, disp, handling, "empty QSIG body", 400, false);
      return;
    }
    if (out.qsig !== undefined) {
      out.ignored.push({ contentType: mediaText(t), disposition: disp, handling, reason: "only the first application/QSIG part is used" });
      return;
    }
    out.qsig = { octets: body, ...(version !== undefined ? { version } : {}), handling };
  }

  private multipart(out: Collected, t: MediaType, disp: string, handling: string, body: Uint8Array, depth: number): void {
    if (depth >= MAX_MULTIPART_DEPTH) throw new Rejection(400, `multipart bodies nested more than ${MAX_MULTIPART_DEPTH} deep`, false);
    const boundary = paramValue(t.params, "boundary");
    if (boundary === undefined) throw new Rejection(400, `${kindOf(t)} without a boundary parameter (RFC 2046 §5.1.1)`, false);
    const mp = parseMultipartBody(body, boundary);
    if (!mp.ok) throw new Rejection(400, `${kindOf(t)}: ${mp.error.field}: ${mp.error.reason}`, false);
    if (t.subtype.toLowerCase() === "alternative") {
      // RFC 5621 §6.1: the last part understood; §8.3: the handling of the whole decides, the parts' own is ignored.
      for (let i = mp.value.parts.length - 1; i >= 0; i--) {
        const p = mp.value.parts[i];
        if (p === undefined) continue;
        const trial: Collected = { ignored: [] };
        const pd = p.contentDisposition;
        const optional: ContentDisposition = { type: pd?.type ?? defaultDisposition(p.contentType ?? TEXT_PLAIN), params: pd?.params ?? [], handling: "required" };
        try {
          this.visit(trial, p.contentType ?? TEXT_PLAIN, optional, p.body, depth + 1);
        } catch (e) {
          if (e instanceof Rejection) continue;
          throw e;
        }
        this.merge(out, trial);
        return;
      }
      this.unusable(out, t, disp, handling, "no alternative is understood (RFC 5621 §6.1)", 415, true);
      return;
    }
    // multipart/mixed, and (RFC 5621 §4.2, §7.3) related and unknown subtypes read as mixed.
    for (const p of mp.value.parts) this.visit(out, p.contentType ?? TEXT_PLAIN, p.contentDisposition, p.body, depth + 1);
  }

  private merge(out: Collected, inner: Collected): void {
    if (inner.sdp !== undefined) {
      if (out.sdp !== undefined) throw new Rejection(400, "more than one session description (application/sdp, disposition session) in the body", false);
      out.sdp = inner.sdp;
    }
    if (inner.isup !== undefined) {
      if (out.isup === undefined) out.isup = inner.isup;
      else out.ignored.push({ contentType: "application/ISUP", disposition: "signal", handling: inner.isup.handling, reason: "only the first application/ISUP part is used" });
    }
    if (inner.qsig !== undefined) {
      if (out.qsig === undefined) out.qsig = inner.qsig;
      else out.ignored.push({ contentType: "application/QSIG", disposition: "signal", handling: inner.qsig.handling, reason: "only the first application/QSIG part is used" });
    }
    out.ignored.push(...inner.ignored);
  }
}

/**
 * The SDP, ISUP and QSIG a received message carries, from its Content-Type
 * and Content-Disposition header values (undefined when absent) and its body.
 * Never throws.
 */
export function readBodies(contentType: string | undefined, contentDisposition: string | undefined, body: Uint8Array, opts: ReadBodiesOptions): ReadBodiesResult {
  if (body.length === 0) return { ok: true, ignored: [] };
  if (contentType === undefined) return { ok: false, status: 400, reason: "a message body without Content-Type (RFC 3261 §20.15)" };
  const t = parseHeaderValue("content-type", contentType);
  if (!t.ok) return { ok: false, status: 400, reason: `Content-Type: ${t.error.reason}` };
  let d: ContentDisposition | undefined;
  if (contentDisposition !== undefined) {
    const r = parseHeaderValue("content-disposition", contentDisposition);
    if (!r.ok) return { ok: false, status: 400, reason: `Content-Disposition: ${r.error.reason}` };
    d = r.value;
  }
  const out: Collected = { ignored: [] };
  try {
    new Reader(opts).visit(out, t.value, d, body, 0);
  } catch (e) {
    if (e instanceof Rejection) {
      return { ok: false, status: e.status, reason: e.reason, ...(e.status === 415 && e.accept ? { accept: acceptValue(opts) } : {}) };
    }
    throw e;
  }
  return {
    ok: true,
    ...(out.sdp !== undefined ? { sdp: out.sdp } : {}),
    ...(out.isup !== undefined ? { isup: out.isup } : {}),
    ...(out.qsig !== undefined ? { qsig: out.qsig } : {}),
    ignored: out.ignored,
  };
}
