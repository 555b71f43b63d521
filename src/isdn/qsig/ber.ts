/**
 * A small BER codec (ITU-T X.690 §8) for what ROSE and the QSIG operations
 * need: identifier octets with low and high tag numbers (§8.1.2), definite
 * short and long lengths and the indefinite length (§8.1.3), and the
 * primitive types INTEGER/ENUMERATED (§8.3, §8.4), BOOLEAN (§8.2), NULL
 * (§8.8), OCTET STRING (§8.7), OBJECT IDENTIFIER (§8.19) and the restricted
 * character strings as octets (§8.23).
 *
 * Decoding keeps how each length was written (form and number of octets), so
 * `encodeBer(decodeBer(b))` returns `b`; values built by our code are encoded
 * with the shortest definite lengths (the DER choice, X.690 §10.1).
 *
 * Pure: bytes in, DecodeResult out.
 */
import { ByteReader, ByteWriter, decodeWith } from "../../core/bytes.js";
import { EncodeError } from "../../core/errors.js";
import type { DecodeResult } from "../../core/result.js";

export const TagClass = { universal: 0, application: 1, context: 2, private: 3 } as const;
export type TagClass = (typeof TagClass)[keyof typeof TagClass];

export const UNIVERSAL = {
  BOOLEAN: 1,
  INTEGER: 2,
  OCTET_STRING: 4,
  NULL: 5,
  OBJECT_IDENTIFIER: 6,
  ENUMERATED: 10,
  SEQUENCE: 16,
  SET: 17,
  NumericString: 18,
  IA5String: 22,
} as const;

interface BerHeader {
  readonly tagClass: TagClass;
  readonly tagNumber: number;
  /**
   * How the length was written when decoded: "indefinite", or the number of
   * octets of a definite length (1 = short form). Absent: shortest definite form.
   */
  readonly lengthForm?: "indefinite" | number;
}

export interface BerPrimitive extends BerHeader {
  readonly constructed: false;
  readonly value: Uint8Array;
}

export interface BerConstructed extends BerHeader {
  readonly constructed: true;
  readonly children: readonly BerNode[];
}

export type BerNode = BerPrimitive | BerConstructed;

/** Nesting limit: ROSE arguments are shallow; this bounds work on hostile input. */
const MAX_DEPTH = 32;

/** Decode a sequence of TLVs filling `bytes` exactly. */
export function decodeBer(bytes: Uint8Array): DecodeResult<BerNode[]> {
  return decodeWith(() => {
    const r = new ByteReader(bytes);
    const out: BerNode[] = [];
    while (!r.atEnd) out.push(readNode(r, 0));
    return out;
  });
}

/** Decode exactly one TLV filling `bytes`. */
export function decodeBerOne(bytes: Uint8Array): DecodeResult<BerNode> {
  return decodeWith(() => {
    const r = new ByteReader(bytes);
    const n = readNode(r, 0);
    if (!r.atEnd) r.fail("BER", `${r.remaining} octets after the element`, "X.690 §8.1.1");
    return n;
  });
}

function readNode(r: ByteReader, depth: number): BerNode {
  if (depth > MAX_DEPTH) r.fail("BER", `nesting deeper than ${MAX_DEPTH}`);
  const id = r.u8("BER identifier");
  const tagClass = (id >> 6) as TagClass;
  const constructed = (id & 0x20) !== 0;
  let tagNumber = id & 0x1f;
  if (tagNumber === 0x1f) {
    // X.690 §8.1.2.4: high tag number form, base 128, bit 8 set on all but the last.
    tagNumber = 0;
    for (let i = 0; ; i++) {
      const b = r.u8("BER tag number");
      if (i === 0 && b === 0x80) r.fail("BER tag number", "leading octet 0x80 is not allowed", "X.690 §8.1.2.4.2");
      if (i >= 4) r.fail("BER tag number", "tag number longer than 28 bits", "X.690 §8.1.2.4");
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    if (tagNumber < 31) r.fail("BER tag number", `tag ${tagNumber} in the high tag number form; numbers below 31 use one octet`, "X.690 §8.1.2.2");
  }
  const l0 = r.u8("BER length");
  if (l0 === 0x80) {
    if (!constructed) r.fail("BER length", "indefinite length on a primitive element", "X.690 §8.1.3.2");
    const children: BerNode[] = [];
    for (;;) {
      if (r.remaining >= 2 && r.peekU8() === 0) {
        const at = r.offset;
        r.u8();
        if (r.u8("end-of-contents") !== 0) new ByteReader(new Uint8Array(0), 0, 0, at).fail("end-of-contents", "second octet is not 0", "X.690 §8.1.5");
        break;
      }
      if (r.atEnd) r.fail("BER", "end-of-contents missing after indefinite length", "X.690 §8.1.3.6");
      children.push(readNode(r, depth + 1));
    }
    return { tagClass, constructed: true, tagNumber, lengthForm: "indefinite", children };
  }
  let length = l0;
  let lengthForm = 1;
  if (l0 & 0x80) {
    const n = l0 & 0x7f;
    if (n === 0x7f) r.fail("BER length", "0xFF is reserved", "X.690 §8.1.3.5");
    if (n > 4) r.fail("BER length", `${n} length octets exceed what a D-channel message can carry`, "X.690 §8.1.3.5");
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + r.u8("BER length");
    lengthForm = n + 1;
  }
  if (length > r.remaining) r.fail("BER length", `length ${length} exceeds the ${r.remaining} octets left`, "X.690 §8.1.3");
  const shortest = lengthOctets(length);
  const form = lengthForm === shortest ? {} : { lengthForm };
  if (!constructed) return { tagClass, constructed: false, tagNumber, ...form, value: r.bytes(length, "BER contents").slice() };
  const sub = r.sub(length, "BER contents");
  const children: BerNode[] = [];
  while (!sub.atEnd) children.push(readNode(sub, depth + 1));
  return { tagClass, constructed: true, tagNumber, ...form, children };
}

function lengthOctets(len: number): number {
  if (len < 0x80) return 1;
  let n = 0;
  for (let v = len; v > 0; v = Math.floor(v / 256)) n++;
  return n + 1;
}

/** Encode TLVs. Throws EncodeError on values that cannot be written. */
export function encodeBer(nodes: BerNode | readonly BerNode[]): Uint8Array {
  const w = new ByteWriter(64);
  for (const n of Array.isArray(nodes) ? (nodes as readonly BerNode[]) : [nodes as BerNode]) writeNode(w, n);
  return w.finish();
}

function writeNode(w: ByteWriter, n: BerNode): void {
  if (!Number.isInteger(n.tagNumber) || n.tagNumber < 0 || n.tagNumber >= 2 ** 28) throw new EncodeError("BER tag", `tag number ${n.tagNumber} is outside 0..2^28-1`);
  const first = (n.tagClass << 6) | (n.constructed ? 0x20 : 0);
  if (n.tagNumber < 31) {
    w.u8(first | n.tagNumber);
  } else {
    w.u8(first | 0x1f);
    const groups: number[] = [];
    for (let v = n.tagNumber; v > 0; v = Math.floor(v / 128)) groups.unshift(v % 128);
    groups.forEach((g, i) => w.u8(i < groups.length - 1 ? g | 0x80 : g));
  }
  const contents = n.constructed ? encodeBer(n.children) : n.value;
  if (n.lengthForm === "indefinite") {
    if (!n.constructed) throw new EncodeError("BER length", "indefinite length on a primitive element");
    w.u8(0x80).bytes(contents).u8(0).u8(0);
    return;
  }
  const shortest = lengthOctets(contents.length);
  const form = n.lengthForm ?? shortest;
  if (form < shortest || form > 5) throw new EncodeError("BER length", `${contents.length} does not fit ${form} length octets`);
  if (form === 1) {
    w.u8(contents.length);
  } else {
    w.u8(0x80 | (form - 1));
    const octets: number[] = [];
    let v = contents.length;
    for (let i = 0; i < form - 1; i++) {
      octets.unshift(v % 256);
      v = Math.floor(v / 256);
    }
    octets.forEach((o) => w.u8(o));
  }
  w.bytes(contents);
}

// --- Builders and readers of primitive values ------------------------------------------

export function primitive(tagClass: TagClass, tagNumber: number, value: Uint8Array): BerPrimitive {
  return { tagClass, constructed: false, tagNumber, value };
}

export function constructed(tagClass: TagClass, tagNumber: number, children: readonly BerNode[]): BerConstructed {
  return { tagClass, constructed: true, tagNumber, children };
}

export function sequence(children: readonly BerNode[]): BerConstructed {
  return constructed(TagClass.universal, UNIVERSAL.SEQUENCE, children);
}

/** Two's complement, minimal octets (X.690 §8.3.2). */
export function integerOctets(v: number): Uint8Array {
  if (!Number.isSafeInteger(v)) throw new EncodeError("INTEGER", `${v} is not a safe integer`);
  const out: number[] = [];
  let x = v;
  for (;;) {
    const b = ((x % 256) + 256) % 256;
    out.unshift(b);
    x = (x - b) / 256;
    if ((x === 0 && b < 0x80) || (x === -1 && b >= 0x80)) return Uint8Array.from(out);
  }
}

export function integer(v: number, tagClass: TagClass = TagClass.universal, tagNumber: number = UNIVERSAL.INTEGER): BerPrimitive {
  return primitive(tagClass, tagNumber, integerOctets(v));
}

export function enumerated(v: number, tagClass: TagClass = TagClass.universal, tagNumber: number = UNIVERSAL.ENUMERATED): BerPrimitive {
  return primitive(tagClass, tagNumber, integerOctets(v));
}

export function nullValue(tagClass: TagClass = TagClass.universal, tagNumber: number = UNIVERSAL.NULL): BerPrimitive {
  return primitive(tagClass, tagNumber, new Uint8Array(0));
}

export function boolean(v: boolean, tagClass: TagClass = TagClass.universal, tagNumber: number = UNIVERSAL.BOOLEAN): BerPrimitive {
  return primitive(tagClass, tagNumber, Uint8Array.of(v ? 0xff : 0x00));
}

export function octetString(v: Uint8Array, tagClass: TagClass = TagClass.universal, tagNumber: number = UNIVERSAL.OCTET_STRING): BerPrimitive {
  return primitive(tagClass, tagNumber, v);
}

/** Why a node is not what a reader wanted; readers throw it, decoders catch it into a DecodeResult. */
export class BerShapeError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = "BerShapeError";
  }
}

export function isTag(n: BerNode | undefined, tagClass: TagClass, tagNumber: number): n is BerNode {
  return n !== undefined && n.tagClass === tagClass && n.tagNumber === tagNumber;
}

export function expectPrimitive(n: BerNode | undefined, field: string): BerPrimitive {
  if (!n) throw new BerShapeError(field, "missing");
  if (n.constructed) throw new BerShapeError(field, "constructed where a primitive value is required");
  return n;
}

export function expectConstructed(n: BerNode | undefined, field: string): BerConstructed {
  if (!n) throw new BerShapeError(field, "missing");
  if (!n.constructed) throw new BerShapeError(field, "primitive where a constructed value is required");
  return n;
}

/** INTEGER or ENUMERATED contents (X.690 §8.3.2: minimal two's complement). */
export function readInteger(n: BerNode | undefined, field: string): number {
  const p = expectPrimitive(n, field);
  const v = p.value;
  if (v.length === 0) throw new BerShapeError(field, "INTEGER with no contents octets");
  if (v.length > 6) throw new BerShapeError(field, `INTEGER of ${v.length} octets is out of range`);
  if (v.length > 1 && ((v[0] === 0 && ((v[1] as number) & 0x80) === 0) || (v[0] === 0xff && ((v[1] as number) & 0x80) !== 0))) {
    throw new BerShapeError(field, "INTEGER not in its minimal form (X.690 §8.3.2)");
  }
  let acc = 0;
  for (const b of v) acc = acc * 256 + b;
  if ((v[0] as number) & 0x80) acc -= 2 ** (8 * v.length);
  return acc;
}

export function readBoolean(n: BerNode | undefined, field: string): boolean {
  const p = expectPrimitive(n, field);
  if (p.value.length !== 1) throw new BerShapeError(field, `BOOLEAN of ${p.value.length} octets; 1 required (X.690 §8.2.1)`);
  return p.value[0] !== 0;
}

export function readNull(n: BerNode | undefined, field: string): null {
  const p = expectPrimitive(n, field);
  if (p.value.length !== 0) throw new BerShapeError(field, "NULL with contents (X.690 §8.8.2)");
  return null;
}

/** Object identifier contents as dotted text (X.690 §8.19). */
export function readOid(n: BerNode | undefined, field: string): string {
  const v = expectPrimitive(n, field).value;
  if (v.length === 0) throw new BerShapeError(field, "OBJECT IDENTIFIER with no contents");
  const arcs: number[] = [];
  let cur = 0;
  let started = false;
  for (let i = 0; i < v.length; i++) {
    const b = v[i] as number;
    if (!started && b === 0x80) throw new BerShapeError(field, "subidentifier with a leading 0x80 (X.690 §8.19.2)");
    started = true;
    cur = cur * 128 + (b & 0x7f);
    if (cur > Number.MAX_SAFE_INTEGER / 128) throw new BerShapeError(field, "subidentifier too large");
    if (!(b & 0x80)) {
      arcs.push(cur);
      cur = 0;
      started = false;
    } else if (i === v.length - 1) {
      throw new BerShapeError(field, "last subidentifier octet has bit 8 set");
    }
  }
  const first = arcs.shift() as number;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs].join(".");
}

export function oidOctets(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map((s) => Number(s));
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) throw new EncodeError("OBJECT IDENTIFIER", `${dotted} is not a dotted object identifier`);
  const [a, b, ...rest] = arcs as [number, number, ...number[]];
  if (a > 2 || (a < 2 && b > 39)) throw new EncodeError("OBJECT IDENTIFIER", `${dotted}: first arcs out of range`);
  const out: number[] = [];
  for (const arc of [a * 40 + b, ...rest]) {
    const groups: number[] = [];
    let v = arc;
    do {
      groups.unshift(v % 128);
      v = Math.floor(v / 128);
    } while (v > 0);
    groups.forEach((g, i) => out.push(i < groups.length - 1 ? g | 0x80 : g));
  }
  return Uint8Array.from(out);
}
