/**
 * Character classes of the SIP grammar, RFC 3261 §25.1 (core rules), with the
 * URI classes of RFC 3261 §19.1 / §25.1 and RFC 3966 §3.
 *
 * One flag table for the 128 ASCII code points; every code point >= 0x80 is
 * UTF8-NONASCII / UTF8-CONT (§25.1) and belongs to no class here: the
 * productions that admit it (qdtext, comment, TEXT-UTF8char, Reason-Phrase)
 * test for it explicitly.
 */

export const ALPHA = 1 << 0;
export const DIGIT = 1 << 1;
export const HEXDIG = 1 << 2;
/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = 1 << 3;
/** word = 1*(token chars / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}") */
export const WORD = 1 << 4;
/** unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")" */
export const UNRESERVED = 1 << 5;
/** user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/" */
export const USER_UNRESERVED = 1 << 6;
/** password chars besides unreserved and escaped: "&" / "=" / "+" / "$" / "," */
export const PASSWORD_EXTRA = 1 << 7;
/** param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$" (RFC 3261 and RFC 3966 alike) */
export const PARAM_UNRESERVED = 1 << 8;
/** hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$" */
export const HNV_UNRESERVED = 1 << 9;
/** reserved = ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" / "$" / "," */
export const RESERVED = 1 << 10;
/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (the trailing part) */
export const SCHEME = 1 << 11;
/** phonedigit-hex and visual-separator chars of RFC 3966: HEXDIG "*" "#" "-" "." "(" ")" */
export const PHONEDIGIT_HEX = 1 << 12;

const table = new Uint16Array(128);

function mark(chars: string, flag: number): void {
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charCodeAt(i);
    table[c] = (table[c] as number) | flag;
  }
}

const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const lower = upper.toLowerCase();
const digits = "0123456789";
mark(upper + lower, ALPHA | TOKEN | WORD | UNRESERVED | SCHEME);
mark(digits, DIGIT | HEXDIG | TOKEN | WORD | UNRESERVED | SCHEME | PHONEDIGIT_HEX);
mark("ABCDEFabcdef", HEXDIG | PHONEDIGIT_HEX);
mark("-.!%*_+`'~", TOKEN | WORD);
mark("()<>:\\\"/[]?{}", WORD);
mark("-_.!~*'()", UNRESERVED);
mark("&=+$,;?/", USER_UNRESERVED);
mark("&=+$,", PASSWORD_EXTRA);
mark("[]/:&+$", PARAM_UNRESERVED);
mark("[]/?:+$", HNV_UNRESERVED);
mark(";/?:@&=+$,", RESERVED);
mark("+-.", SCHEME);
mark("*#-.()", PHONEDIGIT_HEX);

/** True when code point `c` is ASCII and carries `flag`. */
export function is(c: number, flag: number): boolean {
  return c < 128 && c >= 0 && ((table[c] as number) & flag) !== 0;
}

export const SP = 0x20;
export const HTAB = 0x09;
export const CR = 0x0d;
export const LF = 0x0a;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const PERCENT = 0x25;

export function isWsp(c: number): boolean {
  return c === SP || c === HTAB;
}

export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (!is(text.charCodeAt(i), TOKEN)) return false;
  return true;
}

export function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}
