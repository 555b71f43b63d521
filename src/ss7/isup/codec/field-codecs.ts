/**
 * Field codecs: how the content of one ISUP parameter maps to named fields
 * (ITU-T Q.763 §3, ANSI T1.113.3 §3). Each kind of layout is written once
 * and described by data, so the parameter table (parameters.ts) only says
 * which layout a parameter has:
 *
 * - `bits`: octets of bit fields (most indicator parameters),
 * - `number`: header bit fields, odd/even indicator and BCD address signals
 *   (Q.763 §3.9 and every number built like it),
 * - `digits`, `uint`, `headerData`, `octetList`, `pointCode`: small fixed shapes,
 * - `cause` (Q.763 §3.12 / Q.850 §2), `userServiceInformation` (Q.763 §3.57 /
 *   Q.931 §4.5.5), `rangeAndStatus` (Q.763 §3.43), `genericDigits` (§3.24),
 *   `callReference` (§3.8), `messageCompatibility` (§3.33),
 *   `parameterCompatibility` (§3.41), `ansiTransitNetworkSelection`.
 *
 * Every bit of a parameter lands in some field, so decode then encode gives
 * the same octets: spare bits and extension bits are fields that are left
 * out of the decoded object when they hold their usual value (`omitWhen`) and
 * take that value when an encoder is not given them (Q.763 §1.10 spare bits).
 *
 * A decoder returns the value or a ContentError (never throws); the walker
 * turns a ContentError into a DecodeError naming the parameter and clause.
 * Encoders validate what they are given (it may come from JSON) and throw
 * EncodeError naming the field.
 */
import type { ByteWriter } from "../../../core/bytes.js";
import { fromHex, toHex } from "../../../core/bytes.js";
import { decodeBcd, decodeIa5, encodeBcd, encodeIa5 } from "../../../core/digits.js";
import { EncodeError } from "../../../core/errors.js";
import type { NameTable } from "./names.js";
import {
  CAUSE_LOCATION,
  CAUSE_VALUE,
  CODING_STANDARD,
  LAYER1_PROTOCOL,
  TRANSFER_CAPABILITY,
} from "./names.js";

/** The content of a parameter does not fit its layout. `at` is relative to the content's first octet. */
export class ContentError {
  readonly at: number;
  readonly reason: string;
  constructor(at: number, reason: string) {
    this.at = at;
    this.reason = reason;
  }
}

/** Decoded fields of one parameter, as plain data (JSON-safe: numbers, strings, arrays). */
export type FieldValues = Readonly<Record<string, unknown>>;

export interface FieldCodec<T = FieldValues> {
  /** Which layout; tests build generators from `kind` and the descriptor properties. */
  readonly kind: string;
  /** Content length bounds this layout can represent (the parameter table may narrow them). */
  readonly minLength: number;
  readonly maxLength: number;
  decode(buf: Uint8Array, start: number, end: number): T | ContentError;
  encode(value: FieldValues, w: ByteWriter, field: string): void;
}

// ---------------------------------------------------------------------------
// Encoder input validation (the value may come from JSON)

function bad(field: string, reason: string): never {
  throw new EncodeError(field, reason);
}

function checkObject(value: unknown, field: string): FieldValues {
  if (typeof value !== "object" || value === null || Array.isArray(value)) bad(field, "is not an object of fields");
  return value as FieldValues;
}

function checkKeys(value: FieldValues, allowed: ReadonlySet<string>, field: string): void {
  for (const k in value) {
    if (!allowed.has(k)) bad(`${field}.${k}`, `is not a field of this parameter (fields: ${[...allowed].join(", ")})`);
  }
}

function intOf(value: FieldValues, key: string, max: number, field: string, dflt?: number): number {
  const x = value[key];
  if (x === undefined) {
    if (dflt !== undefined) return dflt;
    bad(`${field}.${key}`, "is missing");
  }
  if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > max) {
    bad(`${field}.${key}`, `${JSON.stringify(x)} is not an integer 0-${max}`);
  }
  return x;
}

function hexOf(value: FieldValues, key: string, field: string): Uint8Array | undefined {
  const x = value[key];
  if (x === undefined) return undefined;
  if (typeof x !== "string") bad(`${field}.${key}`, "is not a hex string");
  const b = fromHex(x);
  if (b === undefined) bad(`${field}.${key}`, `${JSON.stringify(x)} is not hex octets`);
  return b;
}

const BCD_CHARS = "0123456789ABCDEFabcdef";

function bcdOf(value: FieldValues, key: string, field: string): string {
  const x = value[key];
  if (typeof x !== "string") bad(`${field}.${key}`, "is missing or not a string of digits");
  for (let i = 0; i < x.length; i++) {
    if (BCD_CHARS.indexOf(x.charAt(i)) < 0) {
      bad(`${field}.${key}`, `character ${JSON.stringify(x.charAt(i))} at ${i} is not an address signal 0-9 or A-F`);
    }
  }
  return x;
}

// ---------------------------------------------------------------------------
// bits: octets of bit fields

export interface BitFieldSpec {
  readonly name: string;
  /** Octet index within the layout, from 0. */
  readonly octet: number;
  /** Bit position of the field's least significant bit (bit 1 of the spec = shift 0). */
  readonly shift: number;
  readonly width: number;
  /** Left out of the decoded object when equal to this; the encoder's default. */
  readonly omitWhen?: number;
  readonly names?: NameTable;
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The decoded type of a list of bit fields. */
export type BitsValue<F extends readonly BitFieldSpec[]> = Simplify<
  { readonly [S in F[number] as S extends { omitWhen: number } ? never : S["name"]]: number } & {
    readonly [S in F[number] as S extends { omitWhen: number } ? S["name"] : never]?: number;
  } & { readonly [S in F[number] as S extends { names: NameTable } ? `${S["name"]}Name` : never]?: string }
>;

/** A bit field (`bit` counts like the spec: 1 is the least significant). */
export function f<const N extends string>(name: N, octet: number, lowBit: number, width: number): { name: N; octet: number; shift: number; width: number } {
  return { name, octet, shift: lowBit - 1, width };
}

/** A field left out of decodes when it holds `usual` (spare bits: 0; extension bits: 1). */
export function opt<const N extends string>(
  name: N,
  octet: number,
  lowBit: number,
  width: number,
  usual = 0,
): { name: N; octet: number; shift: number; width: number; omitWhen: number } {
  return { name, octet, shift: lowBit - 1, width, omitWhen: usual };
}

/** A field whose values have names (decodes add `<name>Name`). */
export function named<const N extends string>(
  name: N,
  octet: number,
  lowBit: number,
  width: number,
  names: NameTable,
): { name: N; octet: number; shift: number; width: number; names: NameTable } {
  return { name, octet, shift: lowBit - 1, width, names };
}

interface CompiledField {
  readonly name: string;
  readonly nameKey: string | undefined;
  readonly octet: number;
  readonly shift: number;
  readonly mask: number;
  readonly omitWhen: number | undefined;
  readonly names: NameTable | undefined;
}

/**
 * Check a field list (no overlap, inside its octets; with `full`, every bit
 * of every octet belongs to a field, so nothing is lost) and precompute masks.
 * A failure is a bug in a table, found when the module loads.
 */
function compileFields(fields: readonly BitFieldSpec[], octets: number, what: string, full: boolean): CompiledField[] {
  const used = new Uint8Array(octets);
  const out: CompiledField[] = [];
  for (const s of fields) {
    const mask = (1 << s.width) - 1;
    const bitsMask = (mask << s.shift) & 0xff;
    if (s.octet < 0 || s.octet >= octets || s.shift < 0 || s.shift + s.width > 8 || (used[s.octet] as number) & bitsMask) {
      throw new Error(`field table bug in ${what}: ${s.name} overlaps or is out of range`);
    }
    used[s.octet] = (used[s.octet] as number) | bitsMask;
    out.push({
      name: s.name,
      nameKey: s.names ? `${s.name}Name` : undefined,
      octet: s.octet,
      shift: s.shift,
      mask,
      omitWhen: s.omitWhen,
      names: s.names,
    });
  }
  if (full) {
    for (let o = 0; o < octets; o++) {
      if (used[o] !== 0xff) throw new Error(`field table bug in ${what}: octet ${o + 1} has bits without a field`);
    }
  }
  return out;
}

function allowedKeys(fields: readonly CompiledField[], extra: readonly string[] = []): Set<string> {
  const s = new Set<string>(extra);
  for (const c of fields) {
    s.add(c.name);
    if (c.nameKey) s.add(c.nameKey);
  }
  return s;
}

function decodeFieldsInto(out: Record<string, unknown>, fields: readonly CompiledField[], buf: Uint8Array, start: number, octets: number): void {
  for (let i = 0; i < fields.length; i++) {
    const c = fields[i] as CompiledField;
    if (c.octet >= octets) continue;
    const v = ((buf[start + c.octet] as number) >> c.shift) & c.mask;
    if (v === c.omitWhen) continue;
    out[c.name] = v;
    if (c.names !== undefined) {
      const n = c.names[v];
      if (n !== undefined) out[c.nameKey as string] = n;
    }
  }
}

function encodeFields(value: FieldValues, fields: readonly CompiledField[], octets: number, w: ByteWriter, field: string, orInto?: { octet: number; bits: number }): void {
  for (let o = 0; o < octets; o++) {
    let byte = orInto !== undefined && orInto.octet === o ? orInto.bits : 0;
    for (let i = 0; i < fields.length; i++) {
      const c = fields[i] as CompiledField;
      if (c.octet !== o) continue;
      byte |= intOf(value, c.name, c.mask, field, c.omitWhen) << c.shift;
    }
    w.u8(byte);
  }
}

export interface BitsCodec<T> extends FieldCodec<T> {
  readonly kind: "bits";
  readonly fields: readonly BitFieldSpec[];
  readonly minOctets: number;
  readonly maxOctets: number;
}

/**
 * Octets of bit fields; octets past `minOctets` are optional (present when
 * the content is that long, written when one of their fields is given).
 */
export function bits<const F extends readonly BitFieldSpec[]>(minOctets: number, maxOctets: number, fields: F): BitsCodec<BitsValue<F>> {
  const compiled = compileFields(fields, maxOctets, fields.map((x) => x.name).join(","), true);
  const allowed = allowedKeys(compiled);
  return {
    kind: "bits",
    fields,
    minOctets,
    maxOctets,
    minLength: minOctets,
    maxLength: maxOctets,
    decode(buf, start, end) {
      const out: Record<string, unknown> = {};
      decodeFieldsInto(out, compiled, buf, start, end - start);
      return out as BitsValue<F>;
    },
    encode(value, w, field) {
      checkKeys(value, allowed, field);
      let n = minOctets;
      for (const c of compiled) if (c.octet >= n && value[c.name] !== undefined) n = c.octet + 1;
      encodeFields(value, compiled, n, w, field);
    },
  };
}

// ---------------------------------------------------------------------------
// number: header fields, odd/even indicator, BCD address signals (Q.763 §3.9)

export type NumberValue<F extends readonly BitFieldSpec[]> = Simplify<
  BitsValue<F> & {
    /** Address signals, first digit first: "0"-"9", "B" (code 11), "C" (code 12), "F" (ST), "A"/"D"/"E" spare. */
    readonly digits: string;
    /** Q.763 §3.9 f) filler, kept only when non-zero (a malformed but seen coding). */
    readonly filler?: number;
  }
>;

export interface NumberCodec<T> extends FieldCodec<T> {
  readonly kind: "number";
  readonly fields: readonly BitFieldSpec[];
  readonly headerOctets: number;
  readonly oddOctet: number;
  readonly oddBit: number;
}

/**
 * A number parameter: `headerOctets` octets of fields with the odd/even
 * indicator at (`oddOctet`, bit `oddBit`), then address signals, two per
 * octet, first signal in bits 4-1 (Q.763 §3.9 a), e), f)).
 */
export function number<const F extends readonly BitFieldSpec[]>(headerOctets: number, oddOctet: number, oddBit: number, fields: F): NumberCodec<NumberValue<F>> {
  const oe = { name: "oddEvenIndicator", octet: oddOctet, shift: oddBit - 1, width: 1 };
  compileFields([...fields, oe], headerOctets, fields.map((x) => x.name).join(","), true);
  const compiled = compileFields(fields, headerOctets, "number", false);
  const allowed = allowedKeys(compiled, ["digits", "filler"]);
  const oddMask = 1 << (oddBit - 1);
  return {
    kind: "number",
    fields,
    headerOctets,
    oddOctet,
    oddBit,
    minLength: headerOctets,
    maxLength: 255,
    decode(buf, start, end) {
      if (end - start < headerOctets) return new ContentError(0, `needs ${headerOctets} header octets, has ${end - start}`);
      const out: Record<string, unknown> = {};
      decodeFieldsInto(out, compiled, buf, start, headerOctets);
      const odd = ((buf[start + oddOctet] as number) & oddMask) !== 0;
      const first = start + headerOctets;
      if (odd && first === end) return new ContentError(oddOctet, "odd/even indicator says odd but there are no address signals");
      out["digits"] = decodeBcd(buf.subarray(first, end), odd);
      if (odd) {
        const filler = (buf[end - 1] as number) >> 4;
        if (filler !== 0) out["filler"] = filler;
      }
      return out as NumberValue<F>;
    },
    encode(value, w, field) {
      checkKeys(value, allowed, field);
      const digits = bcdOf(value, "digits", field);
      const odd = (digits.length & 1) === 1;
      const filler = intOf(value, "filler", 15, field, 0);
      if (filler !== 0 && !odd) bad(`${field}.filler`, "only an odd number of address signals has a filler");
      encodeFields(value, compiled, headerOctets, w, field, odd ? { octet: oddOctet, bits: oddMask } : undefined);
      const bcd = encodeBcd(digits).bytes;
      if (filler !== 0) bcd[bcd.length - 1] = (bcd[bcd.length - 1] as number) | (filler << 4);
      w.bytes(bcd);
    },
  };
}

// ---------------------------------------------------------------------------
// digits: every nibble an address signal (ANSI jurisdiction information)

export interface DigitsValue {
  readonly digits: string;
}

export function digitsOnly(): FieldCodec<DigitsValue> {
  const allowed = new Set(["digits"]);
  return {
    kind: "digits",
    minLength: 1,
    maxLength: 255,
    decode(buf, start, end) {
      return { digits: decodeBcd(buf.subarray(start, end), false) };
    },
    encode(value, w, field) {
      checkKeys(value, allowed, field);
      const digits = bcdOf(value, "digits", field);
      if (digits.length & 1) bad(`${field}.digits`, "needs an even number of digits (every nibble is a digit)");
      w.bytes(encodeBcd(digits).bytes);
    },
  };
}

// ---------------------------------------------------------------------------
// uint: one unsigned integer, most significant octet first

export interface UintCodec<N extends string> extends FieldCodec<{ readonly [K in N]: number }> {
  readonly kind: "uint";
  readonly name: N;
  readonly octets: number;
}

export function uint<const N extends string>(name: N, octets: number): UintCodec<N> {
  const allowed = new Set<string>([name]);
  const max = 2 ** (8 * octets) - 1;
  return {
    kind: "uint",
    name,
    octets,
    minLength: octets,
    maxLength: octets,
    decode(buf, start) {
      let v = 0;
      for (let i = 0; i < octets; i++) v = v * 256 + (buf[start + i] as number);
      return { [name]: v } as { readonly [K in N]: number };
    },
    encode(value, w, field) {
      checkKeys(value, allowed, field);
      const v = intOf(value, name, max, field);
      for (let i = octets - 1; i >= 0; i--) w.u8(Math.floor(v / 2 ** (8 * i)) % 256);
    },
  };
}

// ---------------------------------------------------------------------------
// headerData: octets of bit fields, then octets kept as hex

export type HeaderDataValue<F extends readonly BitFieldSpec[], D extends string> = Simplify<BitsValue<F> & { readonly [K in D]: string }>;

export interface HeaderDataCodec<T> extends FieldCodec<T> {
  readonly kind: "headerData";
  readonly fields: readonly BitFieldSpec[];
  readonly headerOctets: number;
  readonly dataName: string;
}

export function headerData<const F extends readonly BitFieldSpec[], const D extends string>(headerOctets: number, fields: F, dataName: D): HeaderDataCodec<HeaderDataValue<F, D>> {
  const compiled = compileFields(fields, headerOctets, dataName, true);
  const allowed = allowedKeys(compiled, [dataName]);
  return {
    kind: "headerData",
    fields,
    headerOctets,
    dataName,
    minLength: headerOctets,
    maxLength: 255,
    decode(buf, start, end) {
      const out: Record<string, unknown> = {};
      decodeFieldsInto(out, compiled, buf, start, headerOctets);
      out[dataName] = toHex(buf.subarray(start + headerOctets, end));
      return out as HeaderDataValue<F, D>;
    },
    encode(value, w, field) {
      checkKeys(value, allowed, field);
      encodeFields(value, compiled, headerOctets, w, field);
      const data = hexOf(value, dataName, field);
      if (data === undefined) bad(`${field}.${dataName}`, "is missing");
      w.bytes(data);
    },
  };
}

// ---------------------------------------------------------------------------
// octetList: one number per octet (circuit state indicator, Q.763 §3.14)

export interface OctetListCodec<N extends string> extends FieldCodec<{ readonly [K in N]: readonly number[] }> {
  readonly kind: "octetList";
  readonly name: N;
}

export function octetList<const N extends string>(name: N): OctetListCodec<N> {
  const allowed = new Set<string>([name]);
  return {
    kind: "octetList",
    name,
    minLength: 1,
    maxLength: 255,
    decode(buf, start, end) {
      return { [name]: Array.from(buf.subarray(start, end)) } as unknown as { readonly [K in N]: readonly number[] };
    },
    encode(value, w, field) {
      checkKeys(value, allowed, field);
      const list = value[name];
      if (!Array.isArray(list)) bad(`${field}.${name}`, "is missing or not a list of octet values");
      for (let i = 0; i < list.length; i++) {
        const x: unknown = list[i];
        if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > 255) bad(`${field}.${name}[${i}]`, `${JSON.stringify(x)} is not an octet value 0-255`);
        w.u8(x);
      }
    },
  };
}

// ---------------------------------------------------------------------------
// pointCode: ITU 14-bit signalling point code, least significant octet first
// (Q.763 §3.50), or ANSI 24-bit member/cluster/network (T1.113.3)

export interface PointCodeValue {
  readonly signallingPointCode: number;
  readonly spare?: number;
}

export interface PointCodeCodec extends FieldCodec<PointCodeValue> {
  readonly kind: "pointCode";
  readonly octets: 2 | 3;
}

function decodePc(buf: Uint8Array, at: number, octets: 2 | 3, out: Record<string, unknown>): void {
  if (octets === 2) {
    const v = (buf[at] as number) | ((buf[at + 1] as number) << 8);
    out["signallingPointCode"] = v & 0x3fff;
    if (v >> 14) out["spare"] = v >> 14;
  } else {
    // ANSI: member, cluster, network; the value is network.cluster.member as one 24-bit number.
    out["signallingPointCode"] = (buf[at] as number) | ((buf[at + 1] as number) << 8) | ((buf[at + 2] as number) << 16);
  }
}

function encodePc(value: FieldValues, octets: 2 | 3, w: ByteWriter, field: string): void {
  if (octets === 2) {
    const pc = intOf(value, "signallingPointCode", 0x3fff, field);
    const spare = intOf(value, "spare", 3, field, 0);
    w.u16le(pc | (spare << 14));
  } else {
    if (value["spare"] !== undefined) bad(`${field}.spare`, "an ANSI point code has no spare bits");
    w.u24le(intOf(value, "signallingPointCode", 0xffffff, field));
  }
}

export function pointCode(octets: 2 | 3): PointCodeCodec {
  const allowed = new Set(octets === 2 ? ["signallingPointCode", "spare"] : ["signallingPointCode"]);
  return {
    kind: "pointCode",
    octets,
    minLength: octets,
    maxLength: octets,
    decode(buf, start) {
      const out: Record<string, unknown> = {};
      decodePc(buf, start, octets, out);
      return out as unknown as PointCodeValue;
    },
    encode(value, w, field) {
      checkKeys(value, allowed, field);
      encodePc(value, octets, w, field);
    },
  };
}

// ---------------------------------------------------------------------------
// callReference (Q.763 §3.8): call identity (3 octets) + signalling point code

export interface CallReferenceValue extends PointCodeValue {
  readonly callIdentity: number;
}

export interface CallReferenceCodec extends FieldCodec<CallReferenceValue> {
  readonly kind: "callReference";
  readonly pointCodeOctets: 2 | 3;
}

export function callReference(pointCodeOctets: 2 | 3): CallReferenceCodec {
  const allowed = new Set(["callIdentity", "signallingPointCode", ...(pointCodeOctets === 2 ? ["spare"] : [])]);
  const len = 3 + pointCodeOctets;
  return {
    kind: "callReference",
    pointCodeOctets,
    minLength: len,
    maxLength: len,
    decode(buf, start) {
      const out: Record<string, unknown> = {
        callIdentity: ((buf[start] as number) << 16) | ((buf[start + 1] as number) << 8) | (buf[start + 2] as number),
      };
      decodePc(buf, start + 3, pointCodeOctets, out);
      return out as unknown as CallReferenceValue;
    },
    encode(value, w, field) {
      checkKeys(value, allowed, field);
      const id = intOf(value, "callIdentity", 0xffffff, field);
      w.u8(id >>> 16).u8((id >>> 8) & 0xff).u8(id & 0xff);
      encodePc(value, pointCodeOctets, w, field);
    },
  };
}

// ---------------------------------------------------------------------------
// cause (Q.763 §3.12, Q.850 §2.1)

export interface CauseValue {
  readonly codingStandard: number;
  readonly codingStandardName?: string;
  readonly location: number;
  readonly locationName?: string;
  /** Octet 1a, present when octet 1's extension bit is 0. */
  readonly recommendation?: number;
  readonly causeValue: number;
  readonly causeValueName?: string;
  /** Diagnostic octets, as hex; left out when there are none. */
  readonly diagnostics?: string;
  /** Bit 5 of octet 1, spare. */
  readonly spare?: number;
  /** Extension bit of octet 1a or octet 2 when it is not the usual 1 (kept for byte-exactness). */
  readonly recommendationExtension?: number;
  readonly causeExtension?: number;
}

const CAUSE_KEYS = new Set([
  "codingStandard",
  "codingStandardName",
  "location",
  "locationName",
  "recommendation",
  "causeValue",
  "causeValueName",
  "diagnostics",
  "spare",
  "recommendationExtension",
  "causeExtension",
]);

export function cause(): FieldCodec<CauseValue> {
  return {
    kind: "cause",
    minLength: 2,
    maxLength: 255,
    decode(buf, start, end) {
      const o1 = buf[start] as number;
      const out: Record<string, unknown> = {};
      const cs = (o1 >> 5) & 3;
      out["codingStandard"] = cs;
      const csName = CODING_STANDARD[cs];
      if (csName !== undefined) out["codingStandardName"] = csName;
      const loc = o1 & 0x0f;
      out["location"] = loc;
      const locName = CAUSE_LOCATION[loc];
      if (locName !== undefined) out["locationName"] = locName;
      if (o1 & 0x10) out["spare"] = 1;
      let p = start + 1;
      if ((o1 & 0x80) === 0) {
        // Q.850 §2.2.4: octet 1a, recommendation.
        if (end - p < 2) return new ContentError(p - start, "extension bit announces octet 1a (recommendation) but the cause value octet would be missing");
        const o1a = buf[p++] as number;
        out["recommendation"] = o1a & 0x7f;
        if ((o1a & 0x80) === 0) out["recommendationExtension"] = 0;
      }
      const o2 = buf[p++] as number;
      const cv = o2 & 0x7f;
      out["causeValue"] = cv;
      const cvName = CAUSE_VALUE[cv];
      if (cvName !== undefined) out["causeValueName"] = cvName;
      if ((o2 & 0x80) === 0) out["causeExtension"] = 0;
      if (p < end) out["diagnostics"] = toHex(buf.subarray(p, end));
      return out as unknown as CauseValue;
    },
    encode(value, w, field) {
      checkKeys(value, CAUSE_KEYS, field);
      const cs = intOf(value, "codingStandard", 3, field);
      const loc = intOf(value, "location", 15, field);
      const spare = intOf(value, "spare", 1, field, 0);
      const hasRec = value["recommendation"] !== undefined;
      w.u8((hasRec ? 0 : 0x80) | (cs << 5) | (spare << 4) | loc);
      if (hasRec) {
        const rec = intOf(value, "recommendation", 0x7f, field);
        w.u8((intOf(value, "recommendationExtension", 1, field, 1) << 7) | rec);
      } else if (value["recommendationExtension"] !== undefined) {
        bad(`${field}.recommendationExtension`, "given without a recommendation");
      }
      w.u8((intOf(value, "causeExtension", 1, field, 1) << 7) | intOf(value, "causeValue", 0x7f, field));
      const diag = hexOf(value, "diagnostics", field);
      if (diag !== undefined) w.bytes(diag);
    },
  };
}

// ---------------------------------------------------------------------------
// userServiceInformation (Q.763 §3.57: the Q.931 §4.5.5 bearer capability
// contents from octet 3 on)

export interface UserServiceInformationValue {
  readonly codingStandard: number;
  readonly informationTransferCapability: number;
  readonly informationTransferCapabilityName?: string;
  readonly transferMode: number;
  readonly informationTransferRate: number;
  /** Octet 4.1, present when the rate is multirate (0x18). */
  readonly rateMultiplier?: number;
  /** Octet 5 bits 5-1, when octet 5 (layer 1 identification 01) is present. */
  readonly userInformationLayer1Protocol?: number;
  readonly userInformationLayer1ProtocolName?: string;
  /** Octets after those decoded above (5a-5d, layer 2 and 3 octets), as hex. */
  readonly additionalOctets?: string;
  /** Extension bits when not the usual 1 (a following octet group then sits in additionalOctets). */
  readonly octet3Extension?: number;
  readonly octet4Extension?: number;
  readonly rateMultiplierExtension?: number;
  readonly layer1Extension?: number;
}

const USI_KEYS = new Set([
  "codingStandard",
  "informationTransferCapability",
  "informationTransferCapabilityName",
  "transferMode",
  "informationTransferRate",
  "rateMultiplier",
  "userInformationLayer1Protocol",
  "userInformationLayer1ProtocolName",
  "additionalOctets",
  "octet3Extension",
  "octet4Extension",
  "rateMultiplierExtension",
  "layer1Extension",
]);

/** Q.931 §4.5.5 information transfer rate "multirate (64 kbit/s base rate)". */
const MULTIRATE = 0x18;

export function userServiceInformation(): FieldCodec<UserServiceInformationValue> {
  return {
    kind: "userServiceInformation",
    minLength: 2,
    maxLength: 255,
    decode(buf, start, end) {
      const o3 = buf[start] as number;
      const o4 = buf[start + 1] as number;
      const out: Record<string, unknown> = {};
      out["codingStandard"] = (o3 >> 5) & 3;
      const itc = o3 & 0x1f;
      out["informationTransferCapability"] = itc;
      const itcName = TRANSFER_CAPABILITY[itc];
      if (itcName !== undefined) out["informationTransferCapabilityName"] = itcName;
      out["transferMode"] = (o4 >> 5) & 3;
      const rate = o4 & 0x1f;
      out["informationTransferRate"] = rate;
      const ext3 = o3 >> 7;
      const ext4 = o4 >> 7;
      if (ext3 === 0) out["octet3Extension"] = 0;
      if (ext4 === 0) out["octet4Extension"] = 0;
      let p = start + 2;
      if (ext3 === 1 && ext4 === 1) {
        if (rate === MULTIRATE && p < end) {
          const m = buf[p++] as number;
          out["rateMultiplier"] = m & 0x7f;
          if ((m & 0x80) === 0) out["rateMultiplierExtension"] = 0;
        }
        if (p < end && (((buf[p] as number) >> 5) & 3) === 1 && out["rateMultiplierExtension"] === undefined) {
          const l1 = buf[p++] as number;
          const proto = l1 & 0x1f;
          out["userInformationLayer1Protocol"] = proto;
          const pn = LAYER1_PROTOCOL[proto];
          if (pn !== undefined) out["userInformationLayer1ProtocolName"] = pn;
          if ((l1 & 0x80) === 0) out["layer1Extension"] = 0;
        }
      }
      if (p < end) out["additionalOctets"] = toHex(buf.subarray(p, end));
      return out as unknown as UserServiceInformationValue;
    },
    encode(value, w, field) {
      checkKeys(value, USI_KEYS, field);
      const ext3 = intOf(value, "octet3Extension", 1, field, 1);
      const ext4 = intOf(value, "octet4Extension", 1, field, 1);
      const rate = intOf(value, "informationTransferRate", 0x1f, field);
      w.u8((ext3 << 7) | (intOf(value, "codingStandard", 3, field) << 5) | intOf(value, "informationTransferCapability", 0x1f, field));
      w.u8((ext4 << 7) | (intOf(value, "transferMode", 3, field) << 5) | rate);
      const plain = ext3 === 1 && ext4 === 1;
      if (value["rateMultiplier"] !== undefined) {
        if (!plain || rate !== MULTIRATE) bad(`${field}.rateMultiplier`, "needs informationTransferRate 24 (multirate) and octets 3 and 4 without extension");
        w.u8((intOf(value, "rateMultiplierExtension", 1, field, 1) << 7) | intOf(value, "rateMultiplier", 0x7f, field));
      } else if (value["rateMultiplierExtension"] !== undefined) {
        bad(`${field}.rateMultiplierExtension`, "given without a rateMultiplier");
      }
      if (value["userInformationLayer1Protocol"] !== undefined) {
        if (!plain) bad(`${field}.userInformationLayer1Protocol`, "needs octets 3 and 4 without extension");
        if (value["rateMultiplierExtension"] === 0) bad(`${field}.userInformationLayer1Protocol`, "cannot follow a rate multiplier octet with extension 0");
        w.u8((intOf(value, "layer1Extension", 1, field, 1) << 7) | 0x20 | intOf(value, "userInformationLayer1Protocol", 0x1f, field));
      } else if (value["layer1Extension"] !== undefined) {
        bad(`${field}.layer1Extension`, "given without a userInformationLayer1Protocol");
      }
      const more = hexOf(value, "additionalOctets", field);
      if (more !== undefined) w.bytes(more);
    },
  };
}

// ---------------------------------------------------------------------------
// rangeAndStatus (Q.763 §3.43)

export interface RangeAndStatusValue {
  readonly range: number;
  /**
   * Status bits as "0"/"1" characters, character i for CIC + i. Length
   * range + 1 when the field is as Q.763 §3.43 b) says; otherwise every bit
   * of the status octets (8 per octet), so nothing is lost.
   */
  readonly status?: string;
}

const RS_KEYS = new Set(["range", "status"]);

export function rangeAndStatus(): FieldCodec<RangeAndStatusValue> {
  return {
    kind: "rangeAndStatus",
    minLength: 1,
    maxLength: 33,
    decode(buf, start, end) {
      const range = buf[start] as number;
      const n = end - start - 1;
      if (n === 0) return { range };
      const wanted = range + 1;
      let bitsCount = n * 8;
      if (n === (wanted + 7) >> 3) {
        // Canonical when the padding bits after the last status bit are 0.
        const last = buf[end - 1] as number;
        const used = wanted - (n - 1) * 8;
        if (used === 8 || last >> used === 0) bitsCount = wanted;
      }
      let s = "";
      for (let i = 0; i < bitsCount; i++) s += ((buf[start + 1 + (i >> 3)] as number) >> (i & 7)) & 1 ? "1" : "0";
      return { range, status: s };
    },
    encode(value, w, field) {
      checkKeys(value, RS_KEYS, field);
      w.u8(intOf(value, "range", 255, field));
      const s = value["status"];
      if (s === undefined) return;
      if (typeof s !== "string" || s.length === 0 || s.length > 256) bad(`${field}.status`, "is not a string of 1 to 256 status bits");
      let byte = 0;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c !== 0x30 && c !== 0x31) bad(`${field}.status`, `character ${JSON.stringify(s.charAt(i))} at ${i} is not 0 or 1`);
        if (c === 0x31) byte |= 1 << (i & 7);
        if ((i & 7) === 7 || i === s.length - 1) {
          w.u8(byte);
          byte = 0;
        }
      }
    },
  };
}

// ---------------------------------------------------------------------------
// genericDigits (Q.763 §3.24)

export interface GenericDigitsValue {
  readonly typeOfDigits: number;
  readonly encodingScheme: number;
  /** For encoding scheme 0/1 (BCD even/odd) and 2 (IA5) when every octet is IA5. */
  readonly digits?: string;
  /** Filler of BCD odd (scheme 1) when non-zero. */
  readonly filler?: number;
  /** The digits octets as hex, for binary and other schemes. */
  readonly data?: string;
}

const GD_KEYS = new Set(["typeOfDigits", "encodingScheme", "digits", "filler", "data"]);

export function genericDigits(): FieldCodec<GenericDigitsValue> {
  return {
    kind: "genericDigits",
    minLength: 1,
    maxLength: 255,
    decode(buf, start, end) {
      const o1 = buf[start] as number;
      const scheme = o1 >> 5;
      const out: Record<string, unknown> = { typeOfDigits: o1 & 0x1f, encodingScheme: scheme };
      const body = buf.subarray(start + 1, end);
      if (scheme === 0 || (scheme === 1 && body.length > 0)) {
        out["digits"] = decodeBcd(body, scheme === 1);
        if (scheme === 1 && (body[body.length - 1] as number) >> 4) out["filler"] = (body[body.length - 1] as number) >> 4;
      } else {
        const ia5 = scheme === 2 ? decodeIa5(body) : undefined;
        if (ia5 !== undefined) out["digits"] = ia5;
        else out["data"] = toHex(body);
      }
      return out as unknown as GenericDigitsValue;
    },
    encode(value, w, field) {
      checkKeys(value, GD_KEYS, field);
      const scheme = intOf(value, "encodingScheme", 7, field);
      w.u8((scheme << 5) | intOf(value, "typeOfDigits", 0x1f, field));
      const hasDigits = value["digits"] !== undefined;
      const data = hexOf(value, "data", field);
      if (hasDigits === (data !== undefined)) bad(field, "needs exactly one of digits and data");
      if (data !== undefined) {
        if (scheme === 0 || (scheme === 1 && data.length > 0)) bad(`${field}.data`, "BCD encoding schemes carry digits, not data");
        w.bytes(data);
        return;
      }
      if (scheme === 0 || scheme === 1) {
        const d = bcdOf(value, "digits", field);
        if ((d.length & 1) !== scheme) bad(`${field}.digits`, `encoding scheme ${scheme} needs an ${scheme ? "odd" : "even"} number of digits`);
        const bcd = encodeBcd(d).bytes;
        const filler = intOf(value, "filler", 15, field, 0);
        if (filler && scheme !== 1) bad(`${field}.filler`, "only BCD odd has a filler");
        if (filler) bcd[bcd.length - 1] = (bcd[bcd.length - 1] as number) | (filler << 4);
        w.bytes(bcd);
      } else if (scheme === 2) {
        const d = value["digits"];
        if (typeof d !== "string") bad(`${field}.digits`, "is not a string");
        try {
          w.bytes(encodeIa5(d));
        } catch {
          bad(`${field}.digits`, "has characters outside IA5");
        }
      } else {
        bad(`${field}.digits`, `encoding scheme ${scheme} carries data, not digits`);
      }
    },
  };
}

// ---------------------------------------------------------------------------
// Instruction indicators (Q.763 §3.33 message compatibility information,
// §3.41 parameter compatibility information)

export interface MessageCompatibilityValue {
  readonly transitAtIntermediateExchangeIndicator: number;
  readonly releaseCallIndicator: number;
  readonly sendNotificationIndicator: number;
  readonly discardMessageIndicator: number;
  readonly passOnNotPossibleIndicator: number;
  readonly broadbandNarrowbandInterworkingIndicator: number;
  /** Octets 1a... of the instruction indicators, as hex (their extension bits included). */
  readonly moreInstructionIndicators?: string;
}

export interface ParameterInstruction {
  readonly parameterCode: number;
  readonly transitAtIntermediateExchangeIndicator: number;
  readonly releaseCallIndicator: number;
  readonly sendNotificationIndicator: number;
  readonly discardMessageIndicator: number;
  readonly discardParameterIndicator: number;
  readonly passOnNotPossibleIndicator: number;
  /** Octet 1a bits J I, when octet 1a is present. */
  readonly broadbandNarrowbandInterworkingIndicator?: number;
  /** Octet 1a bits O-K when not 0. */
  readonly spare?: number;
  /** Octets 1b... as hex (their extension bits included). */
  readonly moreInstructionIndicators?: string;
}

export interface ParameterCompatibilityValue {
  readonly instructions: readonly ParameterInstruction[];
}

const MCI_KEYS = new Set([
  "transitAtIntermediateExchangeIndicator",
  "releaseCallIndicator",
  "sendNotificationIndicator",
  "discardMessageIndicator",
  "passOnNotPossibleIndicator",
  "broadbandNarrowbandInterworkingIndicator",
  "moreInstructionIndicators",
]);

const PCI_TOP_KEYS = new Set(["instructions"]);

const PCI_KEYS = new Set([
  "parameterCode",
  "transitAtIntermediateExchangeIndicator",
  "releaseCallIndicator",
  "sendNotificationIndicator",
  "discardMessageIndicator",
  "discardParameterIndicator",
  "passOnNotPossibleIndicator",
  "broadbandNarrowbandInterworkingIndicator",
  "spare",
  "moreInstructionIndicators",
]);

/** Index one past the octet whose extension bit (bit 8) is 1, from `p`; -1 when the octets run out. */
function extensionEnd(buf: Uint8Array, p: number, end: number): number {
  while (p < end) {
    if ((buf[p++] as number) & 0x80) return p;
  }
  return -1;
}

function writeMore(value: FieldValues, w: ByteWriter, field: string): void {
  const more = hexOf(value, "moreInstructionIndicators", field);
  if (more === undefined) return;
  for (let i = 0; i < more.length; i++) {
    const last = i === more.length - 1;
    if ((((more[i] as number) & 0x80) !== 0) !== last) bad(`${field}.moreInstructionIndicators`, "every octet but the last needs extension bit 0, the last 1");
  }
  if (more.length === 0) bad(`${field}.moreInstructionIndicators`, "is empty; leave it out instead");
  w.bytes(more);
}

export function messageCompatibility(): FieldCodec<MessageCompatibilityValue> {
  return {
    kind: "messageCompatibility",
    minLength: 1,
    maxLength: 255,
    decode(buf, start, end) {
      const o = buf[start] as number;
      const stop = extensionEnd(buf, start, end);
      if (stop < 0) return new ContentError(end - start - 1, "instruction indicators end with extension bit 0");
      if (stop !== end) return new ContentError(stop - start, "octets after the last instruction indicators octet");
      const out: Record<string, unknown> = {
        transitAtIntermediateExchangeIndicator: o & 1,
        releaseCallIndicator: (o >> 1) & 1,
        sendNotificationIndicator: (o >> 2) & 1,
        discardMessageIndicator: (o >> 3) & 1,
        passOnNotPossibleIndicator: (o >> 4) & 1,
        broadbandNarrowbandInterworkingIndicator: (o >> 5) & 3,
      };
      if (stop > start + 1) out["moreInstructionIndicators"] = toHex(buf.subarray(start + 1, stop));
      return out as unknown as MessageCompatibilityValue;
    },
    encode(value, w, field) {
      checkKeys(value, MCI_KEYS, field);
      const more = value["moreInstructionIndicators"] !== undefined;
      w.u8(
        (more ? 0 : 0x80) |
          (intOf(value, "broadbandNarrowbandInterworkingIndicator", 3, field) << 5) |
          (intOf(value, "passOnNotPossibleIndicator", 1, field) << 4) |
          (intOf(value, "discardMessageIndicator", 1, field) << 3) |
          (intOf(value, "sendNotificationIndicator", 1, field) << 2) |
          (intOf(value, "releaseCallIndicator", 1, field) << 1) |
          intOf(value, "transitAtIntermediateExchangeIndicator", 1, field),
      );
      writeMore(value, w, field);
    },
  };
}

export function parameterCompatibility(): FieldCodec<ParameterCompatibilityValue> {
  return {
    kind: "parameterCompatibility",
    minLength: 2,
    maxLength: 255,
    decode(buf, start, end) {
      const instructions: ParameterInstruction[] = [];
      let p = start;
      while (p < end) {
        if (end - p < 2) return new ContentError(p - start, "upgraded parameter name without instruction indicators");
        const code = buf[p++] as number;
        const o = buf[p] as number;
        const stop = extensionEnd(buf, p, end);
        if (stop < 0) return new ContentError(end - start - 1, "instruction indicators end with extension bit 0");
        const e: Record<string, unknown> = {
          parameterCode: code,
          transitAtIntermediateExchangeIndicator: o & 1,
          releaseCallIndicator: (o >> 1) & 1,
          sendNotificationIndicator: (o >> 2) & 1,
          discardMessageIndicator: (o >> 3) & 1,
          discardParameterIndicator: (o >> 4) & 1,
          passOnNotPossibleIndicator: (o >> 5) & 3,
        };
        if (stop > p + 1) {
          const o1a = buf[p + 1] as number;
          e["broadbandNarrowbandInterworkingIndicator"] = o1a & 3;
          if ((o1a >> 2) & 0x1f) e["spare"] = (o1a >> 2) & 0x1f;
          if (stop > p + 2) e["moreInstructionIndicators"] = toHex(buf.subarray(p + 2, stop));
        }
        instructions.push(e as unknown as ParameterInstruction);
        p = stop;
      }
      return { instructions };
    },
    encode(value, w, field) {
      checkKeys(value, PCI_TOP_KEYS, field);
      const list = value["instructions"];
      if (!Array.isArray(list) || list.length === 0) bad(`${field}.instructions`, "is missing or empty");
      list.forEach((raw: unknown, i: number) => {
        const fld = `${field}.instructions[${i}]`;
        const e = checkObject(raw, fld);
        checkKeys(e, PCI_KEYS, fld);
        w.u8(intOf(e, "parameterCode", 255, fld));
        const has1a = e["broadbandNarrowbandInterworkingIndicator"] !== undefined;
        const more = e["moreInstructionIndicators"] !== undefined;
        if (!has1a && (more || e["spare"] !== undefined)) bad(fld, "octet 1b and spare bits need broadbandNarrowbandInterworkingIndicator (octet 1a)");
        w.u8(
          (has1a ? 0 : 0x80) |
            (intOf(e, "passOnNotPossibleIndicator", 3, fld) << 5) |
            (intOf(e, "discardParameterIndicator", 1, fld) << 4) |
            (intOf(e, "discardMessageIndicator", 1, fld) << 3) |
            (intOf(e, "sendNotificationIndicator", 1, fld) << 2) |
            (intOf(e, "releaseCallIndicator", 1, fld) << 1) |
            intOf(e, "transitAtIntermediateExchangeIndicator", 1, fld),
        );
        if (has1a) {
          w.u8((more ? 0 : 0x80) | (intOf(e, "spare", 0x1f, fld, 0) << 2) | intOf(e, "broadbandNarrowbandInterworkingIndicator", 3, fld));
          writeMore(e, w, fld);
        }
      });
    },
  };
}

// ---------------------------------------------------------------------------
// ansiTransitNetworkSelection (T1.113.3: type and plan, four BCD digits of
// network identification, circuit code)

export interface AnsiTransitNetworkSelectionValue {
  readonly typeOfNetworkIdentification: number;
  readonly networkIdentificationPlan: number;
  readonly networkIdentification: string;
  readonly circuitCode: number;
  readonly spare?: number;
  readonly spare2?: number;
}

const ATNS_KEYS = new Set(["typeOfNetworkIdentification", "networkIdentificationPlan", "networkIdentification", "circuitCode", "spare", "spare2"]);

export function ansiTransitNetworkSelection(): FieldCodec<AnsiTransitNetworkSelectionValue> {
  return {
    kind: "ansiTransitNetworkSelection",
    minLength: 4,
    maxLength: 4,
    decode(buf, start) {
      const o1 = buf[start] as number;
      const o4 = buf[start + 3] as number;
      const out: Record<string, unknown> = {
        typeOfNetworkIdentification: (o1 >> 4) & 7,
        networkIdentificationPlan: o1 & 0x0f,
        networkIdentification: decodeBcd(buf.subarray(start + 1, start + 3), false),
        circuitCode: o4 >> 4,
      };
      if (o1 & 0x80) out["spare"] = 1;
      if (o4 & 0x0f) out["spare2"] = o4 & 0x0f;
      return out as unknown as AnsiTransitNetworkSelectionValue;
    },
    encode(value, w, field) {
      checkKeys(value, ATNS_KEYS, field);
      w.u8((intOf(value, "spare", 1, field, 0) << 7) | (intOf(value, "typeOfNetworkIdentification", 7, field) << 4) | intOf(value, "networkIdentificationPlan", 15, field));
      const d = bcdOf(value, "networkIdentification", field);
      if (d.length !== 4) bad(`${field}.networkIdentification`, "needs exactly 4 digits");
      w.bytes(encodeBcd(d).bytes);
      w.u8((intOf(value, "circuitCode", 15, field) << 4) | intOf(value, "spare2", 15, field, 0));
    },
  };
}
