/**
 * The authentication header fields of SIP, parsed and written:
 * WWW-Authenticate and Proxy-Authenticate (challenges), Authorization and
 * Proxy-Authorization (credentials).
 *
 *  - RFC 3261 §25.1 (challenge, credentials, digest-cln, dig-resp, LWS and
 *    quoted-string with quoted-pair), §20.7, §20.27, §20.28, §20.44;
 *  - RFC 7235 §2.1 and §4.1 (auth-param, token68, several challenges in one
 *    field value separated by commas; each parameter at most once);
 *  - RFC 7616 §3.3 and §3.4 (the Digest parameters: realm, domain, nonce,
 *    opaque, stale, algorithm, qop, charset, userhash; username, username*,
 *    uri, response, cnonce, nc), §3.4 (which values a sender quotes);
 *  - RFC 8760 §2.7 (the SIP ABNF with the new algorithms);
 *  - RFC 5987 §3.2 (the ext-value of username*).
 *
 * Untrusted input never throws: every parser returns a DecodeResult whose
 * error names the offset in the value, the field and the reason.
 */
import type { DecodeResult } from "../../core/result.js";

/** One auth-param as received: the value unquoted, and whether it came quoted. */
export interface AuthParam {
  /** As received (compare case-insensitively). */
  readonly name: string;
  readonly value: string;
  readonly quoted: boolean;
}

/** A challenge or a credentials value of any scheme (RFC 7235 §2.1). */
export interface AuthValue {
  /** As received: "Digest", "Basic", ... (case-insensitive). */
  readonly scheme: string;
  readonly params: readonly AuthParam[];
  /** The token68 form (e.g. Basic credentials); undefined for the parameter form. */
  readonly token68: string | undefined;
  /** Offset of the scheme in the field value. */
  readonly offset: number;
}

export type AuthHeaderName = "WWW-Authenticate" | "Proxy-Authenticate" | "Authorization" | "Proxy-Authorization";

// RFC 3261 §25.1 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
const TOKEN_CHARS = new Uint8Array(128);
for (const c of "-.!%*_+`'~") TOKEN_CHARS[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN_CHARS[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN_CHARS[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN_CHARS[c] = 1;

function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN_CHARS[c] === 1;
}

// RFC 7235 §2.1 token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
function isToken68Char(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e || c === 0x2b || c === 0x2f;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

class Fail {
  constructor(
    readonly at: number,
    readonly reason: string,
  ) {}
}

/** A scanner over one unfolded field value; failures are returned, never thrown past the public functions. */
class Scan {
  i = 0;
  constructor(readonly s: string) {}
  get end(): boolean {
    return this.i >= this.s.length;
  }
  peek(): number {
    return this.i < this.s.length ? this.s.charCodeAt(this.i) : -1;
  }
  ws(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x09) break;
      this.i++;
    }
  }
  token(): string | undefined {
    const start = this.i;
    while (this.i < this.s.length && isTokenChar(this.s.charCodeAt(this.i))) this.i++;
    return this.i > start ? this.s.slice(start, this.i) : undefined;
  }
  /** quoted-string (RFC 3261 §25.1): DQUOTE *(qdtext / quoted-pair) DQUOTE; the text without quotes and escapes. */
  quoted(): string | Fail {
    const start = this.i;
    this.i++; // the opening DQUOTE
    let out = "";
    for (;;) {
      if (this.i >= this.s.length) return new Fail(start, "quoted-string without its closing quote");
      const c = this.s.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return out;
      }
      if (c === 0x5c) {
        // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
        const n = this.s.charCodeAt(this.i + 1);
        if (Number.isNaN(n) || n === 0x0a || n === 0x0d || n > 0x7f) return new Fail(this.i, "bad quoted-pair in quoted-string");
        out += this.s[this.i + 1] as string;
        this.i += 2;
        continue;
      }
      // qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) return new Fail(this.i, `control character 0x${c.toString(16).padStart(2, "0")} in quoted-string`);
      out += this.s[this.i] as string;
      this.i++;
    }
  }
}

/** Does an auth-param (token BWS "=") start here? Leaves the scanner where it was. */
function paramAhead(sc: Scan): boolean {
  const save = sc.i;
  const name = sc.token();
  sc.ws();
  const eq = sc.peek() === 0x3d;
  sc.i = save;
  return name !== undefined && eq;
}

function readParam(sc: Scan, seen: Set<string>): AuthParam | Fail {
  const at = sc.i;
  const name = sc.token();
  if (name === undefined) return new Fail(at, "expected an auth-param name");
  sc.ws();
  if (sc.peek() !== 0x3d) return new Fail(sc.i, `expected '=' after ${name}`);
  sc.i++;
  sc.ws();
  const lower = name.toLowerCase();
  // RFC 7235 §2.1: each parameter name MUST only occur once per challenge.
  if (seen.has(lower)) return new Fail(at, `parameter ${name} given twice (RFC 7235 §2.1)`);
  seen.add(lower);
  if (sc.peek() === 0x22) {
    const v = sc.quoted();
    if (v instanceof Fail) return v;
    return { name, value: v, quoted: true };
  }
  const v = sc.token();
  if (v === undefined) return new Fail(sc.i, `expected a token or quoted-string value for ${name}`);
  return { name, value: v, quoted: false };
}

/** After an element: comma (with any empty elements) or end. True when a comma was taken. */
function comma(sc: Scan): boolean | Fail {
  sc.ws();
  if (sc.end) return false;
  if (sc.peek() !== 0x2c) return new Fail(sc.i, "expected ',' between auth-params");
  while (sc.peek() === 0x2c) {
    sc.i++;
    sc.ws();
  }
  return true;
}

/**
 * One field value as a list of challenges or credentials (RFC 7235 §4.1:
 * `1#challenge`; RFC 3261 §25.1 allows one per value, and a value of the
 * RFC 7235 form is read too). `single` asks for exactly one (credentials).
 */
function parseAuthValues(value: string, field: AuthHeaderName, single: boolean): DecodeResult<AuthValue[]> {
  const clause = field.includes("Authenticate") ? "RFC 3261 §25.1 challenge; RFC 7235 §4.1" : "RFC 3261 §25.1 credentials; RFC 7235 §4.2";
  const fail = (f: Fail): DecodeResult<AuthValue[]> => ({ ok: false, error: { offset: f.at, field, reason: f.reason, clause } });
  if (value.length > 16_384) return fail(new Fail(16_384, "field value longer than 16384 characters"));
  const sc = new Scan(value);
  const out: AuthValue[] = [];
  sc.ws();
  while (sc.peek() === 0x2c) {
    sc.i++;
    sc.ws();
  }
  while (!sc.end) {
    const offset = sc.i;
    const scheme = sc.token();
    if (scheme === undefined) return fail(new Fail(sc.i, "expected an auth-scheme token"));
    const afterScheme = sc.i;
    sc.ws();
    if (sc.end || sc.peek() === 0x2c) {
      // A scheme with no parameters (RFC 7235 allows it; Digest always has some).
      out.push({ scheme, params: [], token68: undefined, offset });
    } else if (sc.i === afterScheme) {
      return fail(new Fail(sc.i, `expected whitespace after the auth-scheme ${scheme}`));
    } else if (!paramAhead(sc)) {
      // token68
      const start = sc.i;
      while (!sc.end && isToken68Char(sc.peek())) sc.i++;
      if (sc.i === start) return fail(new Fail(sc.i, `expected auth-params or token68 after ${scheme}`));
      while (sc.peek() === 0x3d) sc.i++;
      out.push({ scheme, params: [], token68: value.slice(start, sc.i), offset });
    } else {
      const params: AuthParam[] = [];
      const seen = new Set<string>();
      for (;;) {
        const p = readParam(sc, seen);
        if (p instanceof Fail) return fail(p);
        params.push(p);
        const more = comma(sc);
        if (more instanceof Fail) return fail(more);
        if (!more || sc.end) break;
        if (!paramAhead(sc)) {
          // The next element starts a new challenge (RFC 7235 §4.1).
          break;
        }
      }
      out.push({ scheme, params, token68: undefined, offset });
      if (sc.end) break;
      continue;
    }
    const more = comma(sc);
    if (more instanceof Fail) return fail(more);
  }
  if (out.length === 0) return fail(new Fail(0, "empty field value"));
  if (single && out.length > 1) return fail(new Fail((out[1] as AuthValue).offset, "more than one credentials in one field value (RFC 3261 §20.7)"));
  return { ok: true, value: out, notes: [] };
}

/** The challenges of one WWW-Authenticate / Proxy-Authenticate field value. */
export function parseChallenges(value: string, field: "WWW-Authenticate" | "Proxy-Authenticate" = "WWW-Authenticate"): DecodeResult<AuthValue[]> {
  return parseAuthValues(value, field, false);
}

/** The credentials of one Authorization / Proxy-Authorization field value. */
export function parseCredentials(value: string, field: "Authorization" | "Proxy-Authorization" = "Authorization"): DecodeResult<AuthValue> {
  const r = parseAuthValues(value, field, true);
  if (!r.ok) return r;
  return { ok: true, value: r.value[0] as AuthValue, notes: [] };
}

// ------------------------------------------------------------------ Digest

/** The algorithms of the IANA "Hash Algorithms for HTTP Digest Authentication" registry (RFC 7616 §6.1, RFC 8760 §2.1). */
export const DIGEST_ALGORITHMS = ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

/** The registry name of an algorithm token (case-insensitive), or undefined when not one we know. */
export function digestAlgorithm(token: string): DigestAlgorithm | undefined {
  const t = token.toLowerCase();
  return DIGEST_ALGORITHMS.find((a) => a.toLowerCase() === t);
}

export type Qop = "auth" | "auth-int";

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque: string | undefined;
  /** RFC 7616 §3.3: the previous request was refused only because its nonce was stale. */
  readonly stale: boolean;
  /** The algorithm token as received; "MD5" when absent (RFC 7616 §3.3). */
  readonly algorithm: string;
  /** The qop options offered, as received (lower-cased); empty when the challenge has no qop (RFC 2069 style). */
  readonly qop: readonly string[];
  readonly domain: string | undefined;
  /** RFC 7616 §4: "UTF-8" when the server asks for it. */
  readonly charset: string | undefined;
  /** RFC 7616 §3.4.4: the server supports hashed user names. */
  readonly userhash: boolean;
  /** Every parameter as received (unknown ones are ignored, RFC 3261 §25.1 auth-param). */
  readonly params: readonly AuthParam[];
}

export interface DigestCredentials {
  /** The user name, or its hash when `userhash` (RFC 7616 §3.4.4); decoded from username* when that was sent. */
  readonly username: string;
  /** True when the name came in username* (RFC 7616 §3.4, RFC 5987). */
  readonly usernameExtended: boolean;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  /** As received; "MD5" when absent. */
  readonly algorithm: string;
  readonly cnonce: string | undefined;
  readonly opaque: string | undefined;
  /** The qop applied (lower-cased), undefined for an RFC 2069 style answer. */
  readonly qop: string | undefined;
  /** The nonce count as sent (8 hex digits), and its value. */
  readonly nc: string | undefined;
  readonly ncValue: number | undefined;
  readonly userhash: boolean;
  readonly params: readonly AuthParam[];
}

function get(params: readonly AuthParam[], name: string): AuthParam | undefined {
  const n = name.toLowerCase();
  return params.find((p) => p.name.toLowerCase() === n);
}

/** A failure about one parameter of a Digest value. */
function paramFail<T>(field: AuthHeaderName, offset: number, reason: string, clause: string): DecodeResult<T> {
  return { ok: false, error: { offset, field, reason, clause } };
}

function bool(p: AuthParam | undefined): boolean | "bad" {
  if (p === undefined) return false;
  const v = p.value.toLowerCase();
  return v === "true" ? true : v === "false" ? false : "bad";
}

/** A challenge of the Digest scheme, checked (RFC 7616 §3.3, RFC 3261 §25.1 digest-cln). */
export function digestChallenge(c: AuthValue, field: "WWW-Authenticate" | "Proxy-Authenticate" = "WWW-Authenticate"): DecodeResult<DigestChallenge> {
  const clause = "RFC 7616 §3.3";
  if (c.scheme.toLowerCase() !== "digest") return paramFail(field, c.offset, `scheme ${c.scheme} is not Digest`, clause);
  if (c.token68 !== undefined) return paramFail(field, c.offset, "a Digest challenge carries auth-params, not token68", clause);
  const realm = get(c.params, "realm");
  const nonce = get(c.params, "nonce");
  if (realm === undefined) return paramFail(field, c.offset, "Digest challenge without realm", clause);
  if (nonce === undefined) return paramFail(field, c.offset, "Digest challenge without nonce", clause);
  const stale = bool(get(c.params, "stale"));
  if (stale === "bad") return paramFail(field, c.offset, "stale is neither true nor false", clause);
  const userhash = bool(get(c.params, "userhash"));
  if (userhash === "bad") return paramFail(field, c.offset, "userhash is neither true nor false", "RFC 7616 §3.3");
  const qopP = get(c.params, "qop");
  const qop = qopP === undefined ? [] : qopP.value.split(",").map((q) => q.trim().toLowerCase()).filter((q) => q.length > 0);
  if (qopP !== undefined && qop.length === 0) return paramFail(field, c.offset, "qop without any option", "RFC 3261 §25.1 qop-options");
  return {
    ok: true,
    value: {
      realm: realm.value,
      nonce: nonce.value,
      opaque: get(c.params, "opaque")?.value,
      stale,
      algorithm: get(c.params, "algorithm")?.value ?? "MD5",
      qop,
      domain: get(c.params, "domain")?.value,
      charset: get(c.params, "charset")?.value,
      userhash,
      params: c.params,
    },
    notes: [],
  };
}

/** RFC 5987 §3.2 ext-value: charset "'" [language] "'" value-chars; only UTF-8 is taken (RFC 7616 §4). */
export function decodeExtValue(s: string): string | undefined {
  const m = /^([A-Za-z0-9!#$%&+^_`{}~-]+)'[A-Za-z0-9-]*'(.*)$/.exec(s);
  if (m === null || (m[1] as string).toLowerCase() !== "utf-8") return undefined;
  const body = m[2] as string;
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 0x25) {
      const h = body.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) return undefined;
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (/[A-Za-z0-9!#$&+.^_`|~-]/.test(body[i] as string)) bytes.push(c);
    else return undefined;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}

/** RFC 5987 §3.2 ext-value of a UTF-8 string. */
export function encodeExtValue(s: string): string {
  let out = "UTF-8''";
  for (const b of new TextEncoder().encode(s)) {
    const ch = String.fromCharCode(b);
    out += b < 0x80 && /[A-Za-z0-9!#$&+.^_`|~-]/.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Credentials of the Digest scheme, checked (RFC 7616 §3.4, RFC 3261 §25.1 digest-response). */
export function digestCredentials(c: AuthValue, field: "Authorization" | "Proxy-Authorization" = "Authorization"): DecodeResult<DigestCredentials> {
  const clause = "RFC 7616 §3.4";
  if (c.scheme.toLowerCase() !== "digest") return paramFail(field, c.offset, `scheme ${c.scheme} is not Digest`, "RFC 8760 §2.6");
  if (c.token68 !== undefined) return paramFail(field, c.offset, "Digest credentials carry auth-params, not token68", clause);
  const username = get(c.params, "username");
  const usernameStar = get(c.params, "username*");
  if (username !== undefined && usernameStar !== undefined) return paramFail(field, c.offset, "both username and username* (RFC 7616 §3.4: an error)", clause);
  let name: string;
  if (usernameStar !== undefined) {
    const d = decodeExtValue(usernameStar.value);
    if (d === undefined) return paramFail(field, c.offset, "username* is not a UTF-8 ext-value (RFC 5987 §3.2)", clause);
    name = d;
  } else if (username !== undefined) name = username.value;
  else return paramFail(field, c.offset, "Digest credentials without username", clause);
  const need = (n: string): AuthParam | string => get(c.params, n) ?? `Digest credentials without ${n}`;
  const realm = need("realm");
  const nonce = need("nonce");
  const uri = need("uri");
  const response = need("response");
  for (const p of [realm, nonce, uri, response]) if (typeof p === "string") return paramFail(field, c.offset, p, clause);
  const resp = (response as AuthParam).value;
  // RFC 3261 §25.1 request-digest = LDQUOT 32LHEX RDQUOT; RFC 8760 §2.2: 64 hex digits for SHA-256 and SHA-512/256.
  if (!/^[0-9a-fA-F]+$/.test(resp) || (resp.length !== 32 && resp.length !== 64)) return paramFail(field, c.offset, "response is not 32 or 64 hexadecimal digits", "RFC 8760 §2.2");
  const qopP = get(c.params, "qop");
  const ncP = get(c.params, "nc");
  const cnonceP = get(c.params, "cnonce");
  let ncValue: number | undefined;
  if (ncP !== undefined) {
    // nc-value = 8LHEX
    if (!/^[0-9a-fA-F]{8}$/.test(ncP.value)) return paramFail(field, c.offset, "nc is not 8 hexadecimal digits", "RFC 3261 §25.1 nc-value");
    ncValue = parseInt(ncP.value, 16);
  }
  const qop = qopP?.value.toLowerCase();
  if (qop !== undefined && (cnonceP === undefined || ncP === undefined)) return paramFail(field, c.offset, "qop without cnonce and nc", "RFC 7616 §3.4");
  const userhash = bool(get(c.params, "userhash"));
  if (userhash === "bad") return paramFail(field, c.offset, "userhash is neither true nor false", clause);
  return {
    ok: true,
    value: {
      username: name,
      usernameExtended: usernameStar !== undefined,
      realm: (realm as AuthParam).value,
      nonce: (nonce as AuthParam).value,
      uri: (uri as AuthParam).value,
      response: resp.toLowerCase(),
      algorithm: get(c.params, "algorithm")?.value ?? "MD5",
      cnonce: cnonceP?.value,
      opaque: get(c.params, "opaque")?.value,
      qop,
      nc: ncP?.value,
      ncValue,
      userhash,
      params: c.params,
    },
    notes: [],
  };
}

// ---------------------------------------------------------------- writing

/** quoted-string with `"` and `\` escaped (RFC 3261 §25.1 quoted-pair). */
export function quoteString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function formatParam(p: AuthParam): string {
  return `${p.name}=${p.quoted ? quoteString(p.value) : p.value}`;
}

/** A challenge or credentials value: scheme, then the params (or token68). */
export function formatAuthValue(v: Pick<AuthValue, "scheme" | "params" | "token68">): string {
  if (v.token68 !== undefined) return `${v.scheme} ${v.token68}`;
  return v.params.length === 0 ? v.scheme : `${v.scheme} ${v.params.map(formatParam).join(", ")}`;
}

export interface DigestChallengeInit {
  readonly realm: string;
  readonly nonce: string;
  readonly algorithm?: DigestAlgorithm;
  readonly qop?: readonly Qop[];
  readonly opaque?: string;
  readonly stale?: boolean;
  readonly domain?: string;
  readonly charset?: "UTF-8";
  readonly userhash?: boolean;
}

/**
 * A Digest challenge value. RFC 7616 §3.3: realm, domain, nonce, opaque and
 * qop are quoted; stale and algorithm are not.
 */
export function formatDigestChallenge(c: DigestChallengeInit): string {
  const ps: AuthParam[] = [{ name: "realm", value: c.realm, quoted: true }];
  if (c.domain !== undefined) ps.push({ name: "domain", value: c.domain, quoted: true });
  ps.push({ name: "nonce", value: c.nonce, quoted: true });
  if (c.opaque !== undefined) ps.push({ name: "opaque", value: c.opaque, quoted: true });
  if (c.stale === true) ps.push({ name: "stale", value: "true", quoted: false });
  if (c.algorithm !== undefined) ps.push({ name: "algorithm", value: c.algorithm, quoted: false });
  if (c.qop !== undefined && c.qop.length > 0) ps.push({ name: "qop", value: c.qop.join(","), quoted: true });
  if (c.charset !== undefined) ps.push({ name: "charset", value: c.charset, quoted: false });
  if (c.userhash !== undefined) ps.push({ name: "userhash", value: String(c.userhash), quoted: false });
  return formatAuthValue({ scheme: "Digest", params: ps, token68: undefined });
}

export interface DigestCredentialsInit {
  readonly username: string;
  /** Send the name as username* (RFC 7616 §3.4, RFC 5987) instead of username. */
  readonly usernameExtended?: boolean;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  /** Written when given (RFC 3261 §22.4 leaves MD5 implicit; we write it always). */
  readonly algorithm?: string;
  readonly cnonce?: string;
  readonly opaque?: string;
  readonly qop?: Qop;
  readonly nc?: number;
  readonly userhash?: boolean;
}

/** nc-value: the count as 8 lower-case hex digits (RFC 7616 §3.4). */
export function formatNonceCount(nc: number): string {
  return (nc >>> 0).toString(16).padStart(8, "0");
}

/**
 * A Digest credentials value. RFC 7616 §3.4: username, realm, nonce, uri,
 * response, cnonce and opaque quoted; algorithm, qop and nc not.
 * RFC 8760 §2.6 item 2: uri always quoted.
 */
export function formatDigestCredentials(c: DigestCredentialsInit): string {
  const ps: AuthParam[] = [];
  if (c.usernameExtended === true) ps.push({ name: "username*", value: encodeExtValue(c.username), quoted: false });
  else ps.push({ name: "username", value: c.username, quoted: true });
  ps.push({ name: "realm", value: c.realm, quoted: true }, { name: "nonce", value: c.nonce, quoted: true }, { name: "uri", value: c.uri, quoted: true }, { name: "response", value: c.response, quoted: true });
  if (c.algorithm !== undefined) ps.push({ name: "algorithm", value: c.algorithm, quoted: false });
  if (c.cnonce !== undefined) ps.push({ name: "cnonce", value: c.cnonce, quoted: true });
  if (c.opaque !== undefined) ps.push({ name: "opaque", value: c.opaque, quoted: true });
  if (c.qop !== undefined) ps.push({ name: "qop", value: c.qop, quoted: false });
  if (c.nc !== undefined) ps.push({ name: "nc", value: formatNonceCount(c.nc), quoted: false });
  if (c.userhash === true) ps.push({ name: "userhash", value: "true", quoted: false });
  return formatAuthValue({ scheme: "Digest", params: ps, token68: undefined });
}
