/**
 * Digit codecs shared by ISUP, Q.931 and SIP number mapping.
 *
 * BCD address signals (Q.763 §3.9, §3.10): two digits per octet, the first
 * digit in the low nibble; an odd/even indicator says whether the last
 * octet's high nibble is filler. Digits are carried as the hexadecimal
 * character of their nibble so nothing is lost: "0"-"9", "B" (code 11),
 * "C" (code 12), "F" (ST, end of pulsing), "A", "D", "E" (spare codes).
 *
 * IA5 digits (Q.931 §4.5.10): one character per octet, bit 8 zero.
 */
import { EncodeError } from "./errors.js";

const NIBBLE = "0123456789ABCDEF";

export interface BcdDigits {
  readonly bytes: Uint8Array;
  /** True when the number of digits is odd (Q.763 odd/even indicator = 1). */
  readonly odd: boolean;
}

/** Encode digits ("0"-"9", "A"-"F", case-insensitive) as BCD, first digit in the low nibble. */
export function encodeBcd(digits: string): BcdDigits {
  const n = digits.length;
  const out = new Uint8Array((n + 1) >> 1);
  for (let i = 0; i < n; i++) {
    const v = NIBBLE.indexOf(digits.charAt(i).toUpperCase());
    if (v < 0) throw new EncodeError("BCD digits", `character ${JSON.stringify(digits.charAt(i))} at ${i} is not a digit 0-9 or A-F`);
    const idx = i >> 1;
    out[idx] = (out[idx] as number) | (i & 1 ? v << 4 : v);
  }
  return { bytes: out, odd: (n & 1) === 1 };
}

/**
 * Decode BCD digits. With `odd`, the high nibble of the last octet is filler
 * and is dropped. Every nibble value has a character, so this cannot fail.
 */
export function decodeBcd(bytes: Uint8Array, odd: boolean): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    s += NIBBLE.charAt(b & 0x0f);
    if (!(odd && i === bytes.length - 1)) s += NIBBLE.charAt(b >> 4);
  }
  return s;
}

/** True when every character is a BCD digit character. */
export function isBcdDigits(s: string): boolean {
  return /^[0-9A-Fa-f]*$/.test(s);
}

/** IA5 digits as Q.931 carries them (bit 8 = 0). Returns undefined on an octet with bit 8 set. */
export function decodeIa5(bytes: Uint8Array): string | undefined {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b & 0x80) return undefined;
    s += String.fromCharCode(b);
  }
  return s;
}

export function encodeIa5(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) throw new EncodeError("IA5 characters", `character ${JSON.stringify(text.charAt(i))} at ${i} is outside IA5`);
    out[i] = c;
  }
  return out;
}
