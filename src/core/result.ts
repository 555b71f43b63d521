/**
 * Results of decoding untrusted input (STYLE.md "Untrusted input never throws").
 * A decoder returns `ok: true` with the value and notes about what it kept but
 * did not understand, or `ok: false` with where and why it stopped.
 */

/** Something a decoder kept without understanding it, for the layer above to act on. */
export interface DecodeNote {
  /** Byte offset in the input where the noted item starts. */
  readonly offset: number;
  /** What the note is about, e.g. "parameter 0xC7" or "header X-Foo". */
  readonly item: string;
  readonly message: string;
  /** Spec clause that says how to treat it, e.g. "Q.764 §2.9.5". */
  readonly clause?: string;
}

export interface DecodeError {
  /** Byte (or character) offset at which decoding failed. */
  readonly offset: number;
  /** The field, parameter or header being decoded, in the spec's naming. */
  readonly field: string;
  /** Why it failed, in words a telecom engineer reads without the source. */
  readonly reason: string;
  readonly clause?: string;
}

export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T; readonly notes: readonly DecodeNote[] }
  | { readonly ok: false; readonly error: DecodeError };

export function decoded<T>(value: T, notes: readonly DecodeNote[] = []): DecodeResult<T> {
  return { ok: true, value, notes };
}

export function decodeFailed<T = never>(error: DecodeError): DecodeResult<T> {
  return { ok: false, error };
}

/** One line that says what failed, where and why. */
export function formatDecodeError(e: DecodeError): string {
  const clause = e.clause ? ` (${e.clause})` : "";
  return `Cannot decode ${e.field} at offset ${e.offset}: ${e.reason}${clause}`;
}
