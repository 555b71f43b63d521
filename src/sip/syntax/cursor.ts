/**
 * A cursor over one unfolded SIP header value (or start-line element) with the
 * lexical rules of RFC 3261 §25.1: LWS/SWS, the separators of §25.1 (SEMI,
 * COMMA, EQUAL, SLASH, COLON with surrounding SWS), token, word and
 * quoted-string with quoted-pair.
 *
 * Header values reach the cursor unfolded (§7.3.1: the CRLF of each fold is
 * removed, its whitespace kept), so LWS here is a run of SP / HTAB.
 *
 * The cursor fails by throwing SyntaxFailure; every public parser catches it
 * at its boundary and returns a DecodeResult, so nothing leaves this folder
 * as an exception.
 */
import { BACKSLASH, DQUOTE, DIGIT, TOKEN, WORD, is, isWsp } from "./chars.js";

export class SyntaxFailure extends Error {
  readonly field: string;
  readonly reason: string;
  /** Index in the text being parsed. */
  readonly at: number;
  /** The element that failed ("CSeq method", "sent-by port"), for short reason phrases. */
  readonly subject: string | undefined;
  constructor(field: string, reason: string, at: number, subject?: string) {
    super(`${field}: ${reason}`);
    this.name = "SyntaxFailure";
    this.field = field;
    this.reason = reason;
    this.at = at;
    this.subject = subject;
  }
}

/** Describe the character at a position for error messages. */
export function describeChar(text: string, i: number): string {
  if (i >= text.length) return "end of value";
  const c = text.charCodeAt(i);
  if (c < 0x21 || c === 0x7f) return `control character 0x${c.toString(16).padStart(2, "0")}`;
  return `'${text[i] as string}'`;
}

export class Cursor {
  readonly text: string;
  readonly field: string;
  i: number;
  readonly end: number;

  constructor(text: string, field: string, start = 0, end = text.length) {
    this.text = text;
    this.field = field;
    this.i = start;
    this.end = end;
  }

  fail(reason: string, at: number = this.i, subject?: string): never {
    throw new SyntaxFailure(this.field, reason, at, subject);
  }

  get atEnd(): boolean {
    return this.i >= this.end;
  }

  /** Code unit at the cursor, -1 at the end. */
  peek(): number {
    return this.i < this.end ? this.text.charCodeAt(this.i) : -1;
  }

  /** Skip SP / HTAB; true when any was skipped. */
  ws(): boolean {
    const start = this.i;
    while (this.i < this.end && isWsp(this.text.charCodeAt(this.i))) this.i++;
    return this.i > start;
  }

  /**
   * SWS c SWS (RFC 3261 §25.1 SEMI, COMMA, EQUAL, SLASH, COLON, STAR...):
   * consumes it and returns true, or leaves the cursor where it was.
   */
  sep(c: number): boolean {
    const save = this.i;
    this.ws();
    if (this.i < this.end && this.text.charCodeAt(this.i) === c) {
      this.i++;
      this.ws();
      return true;
    }
    this.i = save;
    return false;
  }

  expectSep(c: number, what: string): void {
    if (!this.sep(c)) {
      const save = this.i;
      this.ws();
      this.fail(`expected ${what} but found ${describeChar(this.text, this.i)}`, save);
    }
  }

  /** Consume one exact character (no surrounding whitespace). */
  eat(c: number): boolean {
    if (this.i < this.end && this.text.charCodeAt(this.i) === c) {
      this.i++;
      return true;
    }
    return false;
  }

  /** Run of characters carrying `flag`; may be empty. */
  run(flag: number): string {
    const start = this.i;
    while (this.i < this.end && is(this.text.charCodeAt(this.i), flag)) this.i++;
    return this.text.slice(start, this.i);
  }

  token(what: string): string {
    const t = this.run(TOKEN);
    if (t.length === 0) this.fail(`expected ${what} (a token) but found ${describeChar(this.text, this.i)}`, this.i, what);
    return t;
  }

  word(what: string): string {
    const t = this.run(WORD);
    if (t.length === 0) this.fail(`expected ${what} (a word) but found ${describeChar(this.text, this.i)}`, this.i, what);
    return t;
  }

  /**
   * quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE, the cursor on
   * the DQUOTE. Returns the content with quoted-pairs resolved.
   * qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII;
   * quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F).
   */
  quotedString(what: string): string {
    const open = this.i;
    if (!this.eat(DQUOTE)) this.fail(`expected ${what} (a quoted string)`);
    let out = "";
    let chunk = this.i;
    for (;;) {
      if (this.i >= this.end) this.fail(`unterminated quoted string in ${what}`, open, what);
      const c = this.text.charCodeAt(this.i);
      if (c === DQUOTE) {
        out += this.text.slice(chunk, this.i);
        this.i++;
        return out;
      }
      if (c === BACKSLASH) {
        out += this.text.slice(chunk, this.i);
        const q = this.i + 1 < this.end ? this.text.charCodeAt(this.i + 1) : -1;
        if (q < 0 || q > 0x7f || q === 0x0a || q === 0x0d) {
          this.fail(`invalid quoted-pair in ${what}: backslash before ${describeChar(this.text, this.i + 1)}`);
        }
        out += this.text[this.i + 1] as string;
        this.i += 2;
        chunk = this.i;
        continue;
      }
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) this.fail(`${describeChar(this.text, this.i)} inside quoted string in ${what}`);
      this.i++;
    }
  }

  /**
   * 1*DIGIT as a number. Fails when there are no digits or the value is above
   * `max` (leading zeros allowed, as in RFC 4475 §3.1.1.1).
   */
  digits(what: string, max: number): number {
    const start = this.i;
    let v = 0;
    while (this.i < this.end) {
      const c = this.text.charCodeAt(this.i);
      if (!is(c, DIGIT)) break;
      v = v * 10 + (c - 0x30);
      if (v > max) this.fail(`${what} ${this.text.slice(start, this.i + 1)}${is(this.text.charCodeAt(this.i + 1), DIGIT) ? "..." : ""} is above ${max}`, start, what);
      this.i++;
    }
    if (this.i === start) this.fail(`expected ${what} (digits) but found ${describeChar(this.text, this.i)}`, this.i, what);
    return v;
  }

  /** Trailing SWS then the end of the value. */
  finish(what: string): void {
    this.ws();
    if (this.i < this.end) this.fail(`unexpected ${describeChar(this.text, this.i)} after ${what}`);
  }
}
