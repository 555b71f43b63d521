/**
 * Q.931 message codec (Q.931 §4): protocol discriminator (§4.2), call
 * reference (§4.3), message type (§4.4) and information elements (§4.5) with
 * codeset shifts (§4.5.2-§4.5.4). One generic walker over the element table
 * of information-elements.ts.
 *
 * Every octet is kept: shift elements stay in the element list where they
 * were, elements of codesets other than 0 and elements without a codec are
 * kept as bytes, and a decoded element whose re-encoding would differ from
 * what arrived (spare bits set, say) carries the octets received in `wire`,
 * so `encodeQ931(decodeQ931(b))` returns `b` for every message that decodes.
 *
 * Pure: bytes in, DecodeResult out.
 */
import { ByteReader, ByteWriter, decodeWith } from "../../../core/bytes.js";
import { DecodeFailure, EncodeError } from "../../../core/errors.js";
import type { DecodeNote, DecodeResult } from "../../../core/result.js";
import { IE_BY_ID, IE_BY_NAME, SINGLE_OCTET_IES, encodeIeContents, ieName, isComprehensionRequired } from "./information-elements.js";
import type { DecodedIeName, IeValueMap, SingleOctetName } from "./information-elements.js";
import { MESSAGE_BY_CODE, messageTypeCode } from "./message-types.js";
import type { Q931MessageName } from "./message-types.js";

/** Q.931 §4.2: user-network call control messages. */
export const Q931_PROTOCOL_DISCRIMINATOR = 0x08;

export interface CallReference {
  /** Length of the call reference value in octets (Q.931 §4.3): 2 on a primary rate interface, 0 for the dummy call reference. */
  readonly length: number;
  /** Call reference value without the flag; 0 with length > 0 is the global call reference. */
  readonly value: number;
  /** Call reference flag: false in messages sent by the side that allocated the value, true in messages sent to it. */
  readonly flag: boolean;
}

/** A codeset shift (Q.931 §4.5.3 locking, §4.5.4 non-locking). */
export interface ShiftIe {
  readonly kind: "shift";
  readonly locking: boolean;
  /** The codeset shifted to. */
  readonly codeset: number;
}

/** A single-octet element (Q.931 §4.5.1 type 1 and 2). */
export interface SingleOctetIe {
  readonly kind: "single";
  readonly codeset: number;
  readonly name: SingleOctetName;
  /** The whole octet: identifier and, for type 1, the value in bits 4-1. */
  readonly octet: number;
}

/** A variable-length element this codec decoded. */
export type DecodedIe = {
  readonly [K in DecodedIeName]: {
    readonly kind: "ie";
    readonly codeset: 0;
    readonly name: K;
    readonly value: IeValueMap[K];
    /** The contents as received, present only when re-encoding `value` would give different octets. */
    readonly wire?: Uint8Array;
  };
}[DecodedIeName];

/** A variable-length element kept as bytes. */
export interface RawIe {
  readonly kind: "raw";
  readonly codeset: number;
  readonly id: number;
  /** Spec name in codeset 0 ("lowLayerCompatibility"), else "codeset<N>-0x<id>". */
  readonly name: string;
  /** Contents, octet 3 onwards. */
  readonly contents: Uint8Array;
  /**
   * unrecognized: identifier unknown here (Q.931 §5.8.7.1);
   * invalid: known, contents not decodable (Q.931 §5.8.6.2, §5.8.7.2; `reason` says why);
   * undecoded: known and kept as bytes by design.
   */
  readonly status: "unrecognized" | "invalid" | "undecoded";
  /** Q.931 §4.5.1: codeset 0 identifiers 0000xxxx. */
  readonly comprehensionRequired: boolean;
  readonly reason?: string;
}

export type Q931Ie = ShiftIe | SingleOctetIe | DecodedIe | RawIe;

export interface Q931Message {
  readonly protocolDiscriminator: number;
  readonly callReference: CallReference;
  /** Name from Table 4-2/Q.931, or the code when the type is not one Q.931 or Q.932 defines. */
  readonly messageType: Q931MessageName | number;
  readonly ies: readonly Q931Ie[];
}

export const MAX_CALL_REFERENCE_LENGTH = 4;

/** Decode one Q.931 message (protocol discriminator first). */
export function decodeQ931(bytes: Uint8Array): DecodeResult<Q931Message> {
  return decodeWith((notes) => {
    const r = new ByteReader(bytes);
    const pd = r.u8("protocol discriminator");
    // Q.931 §5.8.1: a message with another protocol discriminator is not Q.931.
    if (pd !== Q931_PROTOCOL_DISCRIMINATOR) failAt(0, "protocol discriminator", `0x${pd.toString(16).padStart(2, "0")} is not Q.931 user-network call control (0x08)`, "Q.931 §4.2, §5.8.1");
    const crOctet = r.u8("call reference length");
    if (crOctet & 0xf0) failAt(1, "call reference length", `bits 8-5 are ${(crOctet >> 4).toString(2).padStart(4, "0")}; 0000 required`, "Q.931 §4.3, §5.8.3.1");
    const length = crOctet & 0x0f;
    if (length > MAX_CALL_REFERENCE_LENGTH) failAt(1, "call reference length", `${length} octets exceeds the ${MAX_CALL_REFERENCE_LENGTH} supported`, "Q.931 §4.3, §5.8.3.1");
    let value = 0;
    let flag = false;
    if (length > 0) {
      const crBytes = r.bytes(length, "call reference value");
      flag = ((crBytes[0] as number) & 0x80) !== 0;
      value = (crBytes[0] as number) & 0x7f;
      for (let i = 1; i < length; i++) value = value * 256 + (crBytes[i] as number);
    }
    const mt = r.u8("message type");
    if (mt & 0x80) failAt(r.offset - 1, "message type", "bit 8 is 1; message types have bit 8 = 0", "Q.931 §4.4");
    if (mt === 0) failAt(r.offset - 1, "message type", "escape to nationally specific message types is not supported", "Q.931 §4.4");
    const def = MESSAGE_BY_CODE.get(mt);
    if (!def) notes.push({ offset: r.offset - 1, item: "message type", message: `0x${mt.toString(16).padStart(2, "0")} is not a Q.931 message type`, clause: "Q.931 §5.8.4" });
    const ies = decodeIes(r, notes);
    return { protocolDiscriminator: pd, callReference: { length, value, flag }, messageType: def ? def.name : mt, ies };
  });
}

function failAt(offset: number, field: string, reason: string, clause: string): never {
  throw new DecodeFailure({ offset, field, reason, clause });
}

function decodeIes(r: ByteReader, notes: DecodeNote[]): Q931Ie[] {
  const ies: Q931Ie[] = [];
  let locked = 0;
  let nonLocking: number | undefined;
  let lastId0 = -1;
  while (!r.atEnd) {
    const at = r.offset;
    const codeset = nonLocking ?? locked;
    nonLocking = undefined;
    const first = r.u8("information element identifier");
    if (first & 0x80) {
      if ((first & 0xf0) === 0x90) {
        const locking = (first & 0x08) === 0;
        const to = first & 0x07;
        if (locking) {
          // Q.931 §4.5.3: a locking shift goes to a higher codeset only.
          if (to <= locked) notes.push({ offset: at, item: "locking shift", message: `shift from codeset ${locked} to codeset ${to} is not to a higher codeset`, clause: "Q.931 §4.5.3" });
          locked = to;
        } else {
          nonLocking = to;
        }
        ies.push({ kind: "shift", locking, codeset: to });
        continue;
      }
      const known = codeset === 0 ? SINGLE_OCTET_IES.find((s) => s.match(first)) : undefined;
      ies.push({ kind: "single", codeset, name: known ? known.name : "unknown", octet: first });
      if (!known) notes.push({ offset: at, item: `single-octet element 0x${first.toString(16)}`, message: `unrecognized in codeset ${codeset}`, clause: "Q.931 §5.8.7.1" });
      continue;
    }
    const len = r.u8("information element length");
    const contents = r.bytes(len, `${ieName(codeset, first)} contents`).slice();
    if (codeset === 0) {
      // Q.931 §4.5.1: codeset 0 variable-length elements in ascending order.
      if (first < lastId0) notes.push({ offset: at, item: ieName(0, first), message: "out of the ascending order of codeset 0", clause: "Q.931 §5.8.5.1" });
      lastId0 = Math.max(lastId0, first);
    }
    ies.push(decodeIe(codeset, first, contents, at, notes));
  }
  if (nonLocking !== undefined) notes.push({ offset: r.offset, item: "non-locking shift", message: "at the end of the message, shifts nothing", clause: "Q.931 §4.5.4" });
  return ies;
}

function decodeIe(codeset: number, id: number, contents: Uint8Array, at: number, notes: DecodeNote[]): Q931Ie {
  const name = ieName(codeset, id);
  const comprehensionRequired = isComprehensionRequired(codeset, id);
  const def = codeset === 0 ? IE_BY_ID.get(id) : undefined;
  if (!def) {
    notes.push({
      offset: at,
      item: name,
      message: `unrecognized information element${comprehensionRequired ? " (comprehension required)" : ""}`,
      clause: "Q.931 §5.8.7.1",
    });
    return { kind: "raw", codeset, id, name, contents, status: "unrecognized", comprehensionRequired };
  }
  if (!def.codec) return { kind: "raw", codeset, id, name, contents, status: "undecoded", comprehensionRequired };
  const codec = def.codec;
  // Contents start two octets after the identifier.
  const res = decodeWith(() => codec.decode(new ByteReader(contents, 0, contents.length, at + 2)));
  if (!res.ok) {
    notes.push({ offset: res.error.offset, item: name, message: `invalid contents: ${res.error.field}: ${res.error.reason}`, clause: res.error.clause ?? def.clause });
    return { kind: "raw", codeset, id, name, contents, status: "invalid", comprehensionRequired, reason: `${res.error.field}: ${res.error.reason}` };
  }
  const again = encodeIeContents(def.name as DecodedIeName, res.value);
  const ie = { kind: "ie", codeset: 0, name: def.name, value: res.value } as DecodedIe;
  return sameBytes(again, contents) ? ie : ({ ...ie, wire: contents } as DecodedIe);
}

/** `wire` is used only while it still decodes to the element's value, so an edited value is never hidden by stale octets. */
function wireStillMatches(decode: (r: ByteReader) => unknown, wire: Uint8Array, value: unknown): boolean {
  const res = decodeWith(() => decode(new ByteReader(wire)));
  return res.ok && deepEqual(res.value, value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array || b instanceof Uint8Array) return a instanceof Uint8Array && b instanceof Uint8Array && sameBytes(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Encode a message. Throws EncodeError when our own message is not encodable (a bug or bad configuration). */
export function encodeQ931(msg: Q931Message): Uint8Array {
  const w = new ByteWriter(64);
  if (!Number.isInteger(msg.protocolDiscriminator) || msg.protocolDiscriminator < 0 || msg.protocolDiscriminator > 0xff) {
    throw new EncodeError("protocol discriminator", `${msg.protocolDiscriminator} is not an octet`);
  }
  w.u8(msg.protocolDiscriminator);
  const cr = msg.callReference;
  if (cr.length < 0 || cr.length > MAX_CALL_REFERENCE_LENGTH || !Number.isInteger(cr.length)) throw new EncodeError("call reference", `length ${cr.length} is outside 0..${MAX_CALL_REFERENCE_LENGTH}`);
  w.u8(cr.length);
  if (cr.length > 0) {
    const max = 2 ** (cr.length * 8 - 1);
    if (!Number.isInteger(cr.value) || cr.value < 0 || cr.value >= max) throw new EncodeError("call reference", `value ${cr.value} does not fit ${cr.length} octets with the flag`);
    let v = cr.value;
    const octets: number[] = [];
    for (let i = 0; i < cr.length; i++) {
      octets.unshift(v % 256);
      v = Math.floor(v / 256);
    }
    octets[0] = (octets[0] as number) | (cr.flag ? 0x80 : 0);
    for (const o of octets) w.u8(o);
  } else if (cr.value !== 0 || cr.flag) {
    throw new EncodeError("call reference", "the dummy call reference (length 0) has no value or flag");
  }
  const mt = messageTypeCode(msg.messageType);
  if (mt < 1 || mt > 0x7f) throw new EncodeError("message type", `0x${mt.toString(16)} is outside 0x01..0x7f`);
  w.u8(mt);
  let locked = 0;
  let nonLocking: number | undefined;
  for (const ie of msg.ies) {
    const codeset = nonLocking ?? locked;
    nonLocking = undefined;
    if (ie.kind === "shift") {
      if (ie.codeset < 0 || ie.codeset > 7) throw new EncodeError("shift", `codeset ${ie.codeset} is outside 0..7`);
      w.u8(0x90 | (ie.locking ? 0 : 0x08) | ie.codeset);
      if (ie.locking) locked = ie.codeset;
      else nonLocking = ie.codeset;
      continue;
    }
    if (ie.codeset !== codeset) throw new EncodeError(ie.name, `element of codeset ${ie.codeset} where codeset ${codeset} is active; insert a shift`);
    if (ie.kind === "single") {
      if (ie.octet < 0x80 || ie.octet > 0xff || (ie.octet & 0xf0) === 0x90) throw new EncodeError(ie.name, `0x${ie.octet.toString(16)} is not a single-octet element`);
      w.u8(ie.octet);
      continue;
    }
    let id: number;
    let contents: Uint8Array;
    if (ie.kind === "raw") {
      id = ie.id;
      contents = ie.contents;
    } else {
      const def = IE_BY_NAME.get(ie.name);
      if (!def?.codec) throw new EncodeError(ie.name, "unknown element name");
      id = def.id;
      contents = ie.wire !== undefined && wireStillMatches(def.codec.decode, ie.wire, ie.value) ? ie.wire : encodeIeContents(ie.name, ie.value);
    }
    if (id < 0 || id > 0x7f) throw new EncodeError(ie.name, `identifier 0x${id.toString(16)} has bit 8 set`);
    if (contents.length > 255) throw new EncodeError(ie.name, `${contents.length} octets of contents exceed the one-octet length`);
    w.u8(id).u8(contents.length).bytes(contents);
  }
  return w.finish();
}

/** The first decoded element of a name in codeset 0 (Q.931 §5.8.5.2: repetitions after the first are ignored). */
export function findIe<K extends DecodedIeName>(msg: Pick<Q931Message, "ies">, name: K): IeValueMap[K] | undefined {
  for (const ie of msg.ies) {
    if (ie.kind === "ie" && ie.name === name) return ie.value as IeValueMap[K];
    if (ie.kind === "raw" && ie.codeset === 0 && ie.name === name) return undefined;
  }
  return undefined;
}

/** The first element of a codeset 0 name, decoded or kept as bytes. */
export function findAnyIe(msg: Pick<Q931Message, "ies">, name: string): DecodedIe | RawIe | undefined {
  for (const ie of msg.ies) {
    if ((ie.kind === "ie" || ie.kind === "raw") && ie.codeset === 0 && ie.name === name) return ie;
  }
  return undefined;
}

export function hasSingleIe(msg: Pick<Q931Message, "ies">, name: SingleOctetName): boolean {
  return msg.ies.some((ie) => ie.kind === "single" && ie.codeset === 0 && ie.name === name);
}

/** Build a decoded codeset 0 element. */
export function ie<K extends DecodedIeName>(name: K, value: IeValueMap[K]): DecodedIe {
  return { kind: "ie", codeset: 0, name, value } as DecodedIe;
}

export const SENDING_COMPLETE: SingleOctetIe = { kind: "single", codeset: 0, name: "sendingComplete", octet: 0xa1 };
