/**
 * name-addr / addr-spec with header parameters, RFC 3261 §25.1:
 *   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *(token LWS) / quoted-string
 *   LAQUOT = SWS "<"   RAQUOT = ">" SWS
 * used by From, To (§20.20, §20.39), Contact (§20.10), Route, Record-Route
 * (§20.34, §20.30), P-Asserted-Identity (RFC 3325 §9.1).
 *
 * RFC 4475 §3.1.1.6: a token display name directly followed by "<" (no LWS)
 * is accepted, as that message says elements should.
 * RFC 3261 §20.10: a URI containing a comma, question mark or semicolon must
 * be in angle brackets; in addr-spec form ";" starts the header parameters
 * and "?" is an error (RFC 4475 §3.1.2.13).
 */
import { DQUOTE, TOKEN, isWsp } from "./chars.js";
import type { Cursor } from "./cursor.js";
import type { Param } from "./params.js";
import { formatParams, quote, readParams } from "./params.js";
import type { Uri } from "./uri.js";
import { formatUri, readUri } from "./uri.js";

export interface NameAddr {
  /** Quoted display names unquoted and unescaped; token display names joined by single spaces. */
  readonly displayName: string | undefined;
  readonly uri: Uri;
  /** Header parameters after the address (tag, expires, q, lr...). */
  readonly params: readonly Param[];
}

function readBracketed(cur: Cursor, what: string): Uri {
  // cursor on '<'
  const open = cur.i;
  cur.i++;
  const close = cur.text.indexOf(">", cur.i);
  if (close < 0 || close >= cur.end) cur.fail(`'<' without matching '>' in ${what}`, open);
  const inner = cur.text.slice(cur.i, close);
  if (inner.length > 0 && (isWsp(inner.charCodeAt(0)) || isWsp(inner.charCodeAt(inner.length - 1)))) {
    cur.fail(`whitespace inside <> around the URI of ${what} (RFC 3261 §25.1 LAQUOT / RAQUOT)`, open);
  }
  const uri = readUri(inner, cur.field, { allowHeaders: true }, cur.i);
  cur.i = close + 1;
  return uri;
}

/** Cut an addr-spec out: it ends at ';', ',', whitespace or the end (RFC 3261 §20.10). */
function readAddrSpec(cur: Cursor, what: string): Uri {
  const start = cur.i;
  while (cur.i < cur.end) {
    const c = cur.text.charCodeAt(cur.i);
    if (c === 0x3b || c === 0x2c || isWsp(c)) break;
    cur.i++;
  }
  const text = cur.text.slice(start, cur.i);
  if (text.length === 0) cur.fail(`expected an address in ${what}`, start);
  const uri = readUri(text, cur.field, { allowHeaders: true }, start);
  if (uri.kind === "sip" && uri.headers.length > 0) {
    cur.fail(`a URI with headers ('?') in ${what} must be enclosed in <> (RFC 3261 §20.10)`, start);
  }
  return uri;
}

/**
 * ( name-addr / addr-spec ) *( SEMI param ) at the cursor (after SWS).
 * With `nameAddrOnly` (Route, Record-Route) the angle brackets are required.
 */
export function readNameAddr(cur: Cursor, what: string, nameAddrOnly: boolean): NameAddr {
  cur.ws();
  const start = cur.i;
  let displayName: string | undefined;
  let uri: Uri;
  const c = cur.peek();
  if (c === DQUOTE) {
    displayName = cur.quotedString(`display name of ${what}`);
    cur.ws();
    if (cur.peek() !== 0x3c) cur.fail(`expected '<' after the display name of ${what}`);
    uri = readBracketed(cur, what);
  } else if (c === 0x3c) {
    uri = readBracketed(cur, what);
  } else {
    // *(token LWS) "<" or an addr-spec: look ahead over tokens.
    const words: string[] = [];
    for (;;) {
      const t = cur.run(TOKEN);
      if (t.length === 0) break;
      words.push(t);
      cur.ws();
    }
    if (words.length > 0 && cur.peek() === 0x3c) {
      displayName = words.join(" ");
      uri = readBracketed(cur, what);
    } else {
      cur.i = start;
      if (nameAddrOnly) cur.fail(`${what} must be a name-addr (URI in <>)`, start);
      // A display name with non-token characters and no quotes (RFC 4475 §3.1.2.15).
      const lt = cur.text.indexOf("<", start);
      const colon = cur.text.indexOf(":", start);
      if (lt >= 0 && lt < cur.end && (colon < 0 || colon > lt)) {
        cur.fail(`display name of ${what} has characters that need quotes (RFC 3261 §25.1 display-name)`, start);
      }
      uri = readAddrSpec(cur, what);
    }
  }
  const params = readParams(cur, what);
  return { displayName, uri, params };
}

export function formatNameAddr(na: NameAddr): string {
  const dn = na.displayName !== undefined ? `${quote(na.displayName)} ` : "";
  return `${dn}<${formatUri(na.uri)}>${formatParams(na.params)}`;
}
