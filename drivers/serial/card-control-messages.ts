/**
 * The card control messages (hardware/proto/card_control.proto), loaded
 * from the .proto at run time with protobufjs: the .proto is the one
 * definition, shared with the card's C tables (hardware/sim/ctl/ccmsg.c).
 *
 * Decoding first walks the wire format against the reflected types (Protocol
 * Buffers encoding guide: varints of at most 10 octets, wire types 0, 1, 2
 * and 5 only, each known field with its own wire type, lengths within
 * their message), so a malformed payload is reported with its offset and
 * field; protobufjs alone would misread a field sent with the wrong wire
 * type. Then protobufjs decodes, and one generic walker turns the result
 * into the shapes below:
 *   - field names in camelCase; enumerations as their numbers (equal to the
 *     SIPT_* constants of hardware/abi/sipt_card.h), names via enumName();
 *   - 64-bit counters as numbers, rejected above 2^53-1;
 *   - embedded messages always present, except `optional` ones, which are
 *     absent when not sent;
 *   - a oneof `x` as `x: { kind, value }`, absent when no member is set.
 * Nothing here throws on input: decodeEnvelope returns a DecodeResult.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { DecodeFailure, EncodeError } from "../../src/core/errors.js";
import type { DecodeNote, DecodeResult } from "../../src/core/result.js";
import { decodeFailed, decoded } from "../../src/core/result.js";
import { MAX_PAYLOAD } from "./frame-codec.js";

export const PROTO_PACKAGE = "sipt.cardctl.v1";
export const PROTO_RELATIVE_PATH = "hardware/proto/card_control.proto";
export const PROTOCOL_VERSION = 1;
const CLAUSE = "hardware/proto/card_control.proto";

// ---- message shapes (mirror card_control.proto) ----------------------------

export interface AlarmSet {
  readonly los: boolean;
  readonly lof: boolean;
  readonly ais: boolean;
  readonly rai: boolean;
}

export interface SpanConfig {
  readonly framing: number;
  readonly lineCode: number;
  readonly clock: number;
  readonly clockPriority: number;
  readonly companding: number;
  readonly bearerMask: number;
  readonly sigMask: number;
}

export type IdentifyRequest = Record<string, never>;
export interface IdentifyResponse {
  readonly model: string;
  readonly firmware: string;
  readonly serialNumber: string;
  readonly abiVersion: number;
  readonly protocolVersion: number;
  readonly spanCount: number;
  readonly portCount: number;
  readonly driver: string;
}

export interface ConfigureSpanRequest {
  readonly span: number;
  readonly config?: SpanConfig;
}
export type ConfigureSpanResponse = Record<string, never>;

export type QueryStatusRequest = Record<string, never>;
export interface SpanStatus {
  readonly span: number;
  readonly name: string;
  readonly type: number;
  readonly configured: boolean;
  readonly config?: SpanConfig;
  readonly alarms: AlarmSet;
  readonly clockSource: boolean;
  readonly slips: number;
  readonly bpv: number;
  readonly crcErrors: number;
  readonly fasErrors: number;
  readonly rxBlocks: number;
  readonly txBlocks: number;
  readonly loopback: number;
  readonly lineCut: boolean;
  readonly injectedAlarms: AlarmSet;
}
export interface PortStatus {
  readonly port: number;
  readonly name: string;
  readonly kind: number;
  readonly offHook: boolean;
  readonly ringing: boolean;
  readonly reversed: boolean;
  readonly battery: boolean;
  readonly loopMa: number;
}
export interface LinkCounters {
  readonly rxFrames: number;
  readonly txFrames: number;
  readonly rxCrcErrors: number;
  readonly rxHeaderErrors: number;
  readonly rxGarbageOctets: number;
  readonly rxMalformed: number;
  readonly txDropped: number;
  readonly rxAbandoned: number;
}
export interface QueryStatusResponse {
  readonly spans: readonly SpanStatus[];
  readonly ports: readonly PortStatus[];
  readonly link: LinkCounters;
  readonly uptimeMs: number;
}

export interface SetLoopbackRequest {
  readonly span: number;
  readonly mode: number;
}
export type SetLoopbackResponse = Record<string, never>;

export interface AlarmFault {
  readonly alarm: number;
  readonly on: boolean;
}
export interface SpanErrors {
  readonly kind: number;
  readonly count: number;
}
export interface SignallingErrors {
  readonly timeslot: number;
  readonly direction: number;
  readonly count: number;
}
export interface LineCut {
  readonly cut: boolean;
}
export type Fault =
  | { readonly kind: "alarm"; readonly value: AlarmFault }
  | { readonly kind: "spanErrors"; readonly value: SpanErrors }
  | { readonly kind: "signallingErrors"; readonly value: SignallingErrors }
  | { readonly kind: "lineCut"; readonly value: LineCut };
export interface InjectFaultRequest {
  readonly span: number;
  readonly fault?: Fault;
}
export type InjectFaultResponse = Record<string, never>;

export interface AlarmEvent {
  readonly span: number;
  readonly alarms: AlarmSet;
  readonly changed: AlarmSet;
  readonly sequence: number;
  readonly timeNs: number;
}

export interface CardError {
  readonly code: number;
  readonly text: string;
  readonly cardError: number;
}

export interface BodyTypes {
  identifyRequest: IdentifyRequest;
  identifyResponse: IdentifyResponse;
  configureSpanRequest: ConfigureSpanRequest;
  configureSpanResponse: ConfigureSpanResponse;
  queryStatusRequest: QueryStatusRequest;
  queryStatusResponse: QueryStatusResponse;
  setLoopbackRequest: SetLoopbackRequest;
  setLoopbackResponse: SetLoopbackResponse;
  injectFaultRequest: InjectFaultRequest;
  injectFaultResponse: InjectFaultResponse;
  alarmEvent: AlarmEvent;
  error: CardError;
}
export type BodyKind = keyof BodyTypes;
export type Body = { [K in BodyKind]: { readonly kind: K; readonly value: BodyTypes[K] } }[BodyKind];

export interface Envelope {
  /** Correlation id; 0 in events. */
  readonly id: number;
  readonly body?: Body;
}

/** Each request kind and the response kind that answers it. */
export const RESPONSE_OF = {
  identifyRequest: "identifyResponse",
  configureSpanRequest: "configureSpanResponse",
  queryStatusRequest: "queryStatusResponse",
  setLoopbackRequest: "setLoopbackResponse",
  injectFaultRequest: "injectFaultResponse",
} as const;
export type RequestKind = keyof typeof RESPONSE_OF;
export type ResponseKind<K extends RequestKind> = (typeof RESPONSE_OF)[K];

// ---- enumerations (numbers as in the .proto) ----------------------------------

export const SpanType = { E1: 1, T1: 2 } as const;
export const Framing = { E1_DOUBLE_FRAME: 1, E1_CRC4: 2, T1_D4: 3, T1_ESF: 4 } as const;
export const LineCode = { HDB3: 1, AMI: 2, B8ZS: 3 } as const;
export const ClockMode = { MASTER: 1, RECOVERED: 2 } as const;
export const Companding = { ALAW: 1, ULAW: 2 } as const;
export const PortKind = { FXS: 1, FXO: 2 } as const;
export const Loopback = { NONE: 0, LINE: 1, PAYLOAD: 2, LOCAL: 3 } as const;
export const Alarm = { LOS: 1, LOF: 2, AIS: 3, RAI: 4 } as const;
export const SpanErrorKind = { SLIP: 1, BPV: 2, CRC: 3, FAS: 4 } as const;
export const Direction = { RX: 1, TX: 2 } as const;
export const ErrorCode = {
  MALFORMED: 1,
  UNKNOWN_REQUEST: 2,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 4,
  BAD_STATE: 5,
  NOT_SUPPORTED: 6,
  BUSY: 7,
  CARD_FAILURE: 8,
} as const;

/** The TypeScript constants above and the .proto enum each mirrors (checked by the tests). */
export const ENUM_MIRRORS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  SpanType,
  Framing,
  LineCode,
  ClockMode,
  Companding,
  PortKind,
  Loopback,
  Alarm,
  SpanErrorKind,
  Direction,
  ErrorCode,
};

// ---- the schema -------------------------------------------------------------------

/** Finds the .proto beside the package root, from the source tree or from dist/. */
function findProto(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, PROTO_RELATIVE_PATH);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`card control protocol definition ${PROTO_RELATIVE_PATH} not found above ${fileURLToPath(import.meta.url)}`);
}

let rootCache: protobuf.Root | undefined;
function root(): protobuf.Root {
  if (rootCache === undefined) {
    const r = protobuf.loadSync(findProto());
    r.resolveAll();
    rootCache = r;
  }
  return rootCache;
}

export function protoType(name: string): protobuf.Type {
  return root().lookupType(`${PROTO_PACKAGE}.${name}`);
}

export function protoEnum(name: string): protobuf.Enum {
  return root().lookupEnum(`${PROTO_PACKAGE}.${name}`);
}

/**
 * The .proto name of an enum value without its type prefix
 * (enumName("Framing", 2) = "E1_CRC4"), or "unknown(N)".
 */
export function enumName(enumType: string, value: number): string {
  const e = protoEnum(enumType);
  const full = e.valuesById[value];
  if (full === undefined) return `unknown(${value})`;
  const prefix = `${enumType.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}_`;
  return full.startsWith(prefix) ? full.slice(prefix.length) : full;
}

const SIXTY_FOUR = new Set(["uint64", "int64", "sint64", "fixed64", "sfixed64"]);

function isRealOneof(o: protobuf.OneOf): boolean {
  return !(o.fieldsArray.length === 1 && o.fieldsArray[0]?.options?.["proto3_optional"] === true);
}

function isOptionalField(f: protobuf.Field): boolean {
  return f.options?.["proto3_optional"] === true;
}

// ---- wire check -------------------------------------------------------------------

interface WireCursor {
  readonly b: Uint8Array;
  pos: number;
}

function fail(offset: number, field: string, reason: string): never {
  throw new DecodeFailure({ offset, field, reason, clause: CLAUSE });
}

function readVarint(c: WireCursor, end: number, field: string): bigint {
  const at = c.pos;
  let v = 0n;
  for (let i = 0; i < 10; i++) {
    if (c.pos >= end) fail(at, field, "varint runs past the end of its message");
    const byte = c.b[c.pos++] ?? 0;
    if (i === 9 && byte > 1) fail(at, field, "varint longer than 64 bits");
    v |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) return v;
  }
  return fail(at, field, "varint longer than 10 octets");
}

function expectedWireType(f: protobuf.Field): readonly number[] {
  if (f.resolvedType instanceof protobuf.Type) return [2];
  if (f.resolvedType instanceof protobuf.Enum) return f.repeated ? [0, 2] : [0];
  const basic = (protobuf.types.basic as Record<string, number | undefined>)[f.type];
  if (basic === undefined) return [2];
  return f.repeated && basic !== 2 ? [basic, 2] : [basic];
}

function checkWire(type: protobuf.Type, c: WireCursor, end: number, notes: DecodeNote[], depth: number): void {
  if (depth > 16) fail(c.pos, type.name, "messages nested deeper than 16");
  while (c.pos < end) {
    const at = c.pos;
    const tag = readVarint(c, end, `${type.name} tag`);
    const num = Number(tag >> 3n);
    const wt = Number(tag & 7n);
    if (num === 0 || num > 0x1fffffff) fail(at, `${type.name} tag`, `field number ${tag >> 3n} outside 1..536870911`);
    const field = type.fieldsById[num];
    const name = field ? `${type.name}.${field.name}` : `${type.name} field ${num}`;
    if (field && !expectedWireType(field).includes(wt)) fail(at, name, `wire type ${wt} where ${expectedWireType(field).join(" or ")} is due`);
    switch (wt) {
      case 0:
        readVarint(c, end, name);
        break;
      case 1:
      case 5: {
        const n = wt === 1 ? 8 : 4;
        if (end - c.pos < n) fail(at, name, `fixed ${n * 8}-bit value runs past the end of its message`);
        c.pos += n;
        break;
      }
      case 2: {
        const lenAt = c.pos;
        const len = readVarint(c, end, name);
        if (len > BigInt(end - c.pos)) fail(lenAt, name, `length ${len} runs past the end of its message (${end - c.pos} octets left)`);
        const stop = c.pos + Number(len);
        if (field?.resolvedType instanceof protobuf.Type) checkWire(field.resolvedType, c, stop, notes, depth + 1);
        c.pos = stop;
        break;
      }
      default:
        fail(at, name, `wire type ${wt} is not allowed (groups and types 6, 7 are not used)`);
    }
    if (!field) notes.push({ offset: at, item: name, message: "unknown field skipped (a newer sender's addition)", clause: CLAUSE });
  }
}

// ---- object walkers ---------------------------------------------------------------

type Obj = Record<string, unknown>;

function fromWire(type: protobuf.Type, o: Obj, path: string): Obj {
  const out: Obj = {};
  for (const f of type.fieldsArray) {
    if (f.partOf && isRealOneof(f.partOf)) continue;
    const v = o[f.name];
    const fieldPath = `${path}.${f.name}`;
    if (f.repeated) {
      out[f.name] = ((v as unknown[] | undefined) ?? []).map((x, i) => fromWireValue(f, x, `${fieldPath}[${i}]`));
    } else if (f.resolvedType instanceof protobuf.Type && (v === null || v === undefined)) {
      if (!isOptionalField(f)) out[f.name] = fromWire(f.resolvedType, f.resolvedType.toObject(f.resolvedType.create(), TO_OBJECT), fieldPath);
    } else {
      out[f.name] = fromWireValue(f, v, fieldPath);
    }
  }
  for (const oneof of type.oneofsArray) {
    if (!isRealOneof(oneof)) continue;
    const selected = o[oneof.name];
    if (typeof selected !== "string") continue;
    const f = type.fields[selected];
    if (f) out[oneof.name] = { kind: f.name, value: fromWireValue(f, o[f.name], `${path}.${f.name}`) };
  }
  return out;
}

function fromWireValue(f: protobuf.Field, v: unknown, path: string): unknown {
  if (f.resolvedType instanceof protobuf.Type) return fromWire(f.resolvedType, (v ?? {}) as Obj, path);
  if (SIXTY_FOUR.has(f.type)) {
    const big = BigInt(String(v ?? "0"));
    if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
      fail(0, path, `value ${big} is beyond 2^53-1, the largest this client represents exactly`);
    }
    return Number(big);
  }
  return v;
}

function toWire(type: protobuf.Type, o: Obj): Obj {
  const out: Obj = {};
  for (const f of type.fieldsArray) {
    if (f.partOf && isRealOneof(f.partOf)) continue;
    const v = o[f.name];
    if (v === undefined) continue;
    if (f.repeated) out[f.name] = (v as unknown[]).map((x) => toWireValue(f, x));
    else out[f.name] = toWireValue(f, v);
  }
  for (const oneof of type.oneofsArray) {
    if (!isRealOneof(oneof)) continue;
    const sel = o[oneof.name] as { kind: string; value: unknown } | undefined;
    if (sel === undefined) continue;
    const f = type.fields[sel.kind];
    if (!f || f.partOf !== oneof) throw new EncodeError(`${type.name}.${oneof.name}`, `"${sel.kind}" is not a member`);
    out[f.name] = toWireValue(f, sel.value);
  }
  return out;
}

function toWireValue(f: protobuf.Field, v: unknown): unknown {
  return f.resolvedType instanceof protobuf.Type ? toWire(f.resolvedType, v as Obj) : v;
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, defaults: true, oneofs: true };

// ---- entry points -----------------------------------------------------------------

/** Encode an Envelope (the payload of one frame). Throws EncodeError on our own bug. */
export function encodeEnvelope(env: Envelope): Uint8Array {
  const type = protoType("Envelope");
  const wire = toWire(type, env as unknown as Obj);
  const problem = type.verify(wire);
  if (problem !== null) throw new EncodeError("Envelope", problem);
  const bytes = type.encode(type.fromObject(wire)).finish();
  if (bytes.length > MAX_PAYLOAD) throw new EncodeError("Envelope", `${bytes.length} octets exceed the frame limit ${MAX_PAYLOAD}`);
  return bytes;
}

/** Decode a frame's payload as an Envelope; never throws. */
export function decodeEnvelope(payload: Uint8Array): DecodeResult<Envelope> {
  const notes: DecodeNote[] = [];
  try {
    const type = protoType("Envelope");
    checkWire(type, { b: payload, pos: 0 }, payload.length, notes, 0);
    const msg = type.decode(payload);
    const obj = type.toObject(msg, TO_OBJECT) as Obj;
    return decoded(fromWire(type, obj, "Envelope") as unknown as Envelope, notes);
  } catch (e) {
    if (e instanceof DecodeFailure) return decodeFailed(e.detail);
    // protobufjs found something the wire check let through
    return decodeFailed({ offset: 0, field: "Envelope", reason: e instanceof Error ? e.message : String(e), clause: CLAUSE });
  }
}
