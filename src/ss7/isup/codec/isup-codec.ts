/**
 * The ISUP message walker: one generic decoder and encoder for every message
 * type, driven by the tables (messages.ts, parameters.ts).
 *
 * Message layout, ITU-T Q.763 §1 (ANSI T1.113.3 §1 the same but for the CIC):
 *
 *   CIC (2 octets, least significant first; 12 bits used in ITU, Q.763 §1.2;
 *        14 bits in ANSI)                      -- absent in a SIP-T body (RFC 3204)
 *   message type code (1 octet, §1.3)
 *   mandatory fixed part: parameters of fixed length, no name or length (§1.5)
 *   pointers: one per mandatory variable parameter, then one to the optional
 *        part if the message may have one (§1.6, §1.7); a pointer counts
 *        octets from itself to the parameter's length indicator; 0 means no
 *        optional part
 *   mandatory variable part: length indicator + content, in pointer order (§1.6)
 *   optional part: name, length, content ..., then the end of optional
 *        parameters octet 0x00 (§1.7, §1.8)
 *
 * Decoding never throws on input: it returns a DecodeResult whose error names
 * the offset, the parameter and the clause. What is kept without being
 * understood (unrecognised messages and parameters, optional parameters whose
 * content is in error) goes into `notes` with the compatibility instructions
 * the message carried (Q.763 §3.33, §3.41), for call control to apply
 * Q.764 §2.9.5. Encoding a decoded message reproduces the input octets.
 */
import { ByteWriter, fromHex, toHex } from "../../../core/bytes.js";
import { EncodeError } from "../../../core/errors.js";
import type { DecodeNote, DecodeResult } from "../../../core/result.js";
import type { FieldValues, MessageCompatibilityValue, ParameterCompatibilityValue, ParameterInstruction } from "./field-codecs.js";
import { ContentError } from "./field-codecs.js";
import { UNRECOGNISED } from "./messages.js";
import type { ParameterDef, ParameterName, ParameterValueMap } from "./parameters.js";
import { END_OF_OPTIONAL_PARAMETERS } from "./parameters.js";
import type { Profile } from "./profiles.js";
import { profileOf } from "./profiles.js";
import type { IsupCodecOptions, IsupMessage, IsupParameter, RawParameter } from "./types.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const CLAUSE_CIC = "Q.763 §1.2";
const CLAUSE_TYPE = "Q.763 §1.3";
const CLAUSE_FIXED = "Q.763 §1.5";
const CLAUSE_VARIABLE = "Q.763 §1.6";
const CLAUSE_OPTIONAL = "Q.763 §1.7";
const CLAUSE_EOP = "Q.763 §1.8";
const CLAUSE_UNRECOGNISED_MESSAGE = "Q.764 §2.9.5.3.1";
const CLAUSE_UNRECOGNISED_PARAMETER = "Q.764 §2.9.5.3.2";
const CLAUSE_CONTENT = "Q.764 §2.9.5";

class Failure {
  readonly offset: number;
  readonly field: string;
  readonly reason: string;
  readonly clause: string;
  constructor(offset: number, field: string, reason: string, clause: string) {
    this.offset = offset;
    this.field = field;
    this.reason = reason;
    this.clause = clause;
  }
}

function failed(f: Failure): DecodeResult<IsupMessage> {
  return { ok: false, error: { offset: f.offset, field: f.field, reason: f.reason, clause: f.clause } };
}

function hex2(code: number): string {
  return `0x${code.toString(16).toUpperCase().padStart(2, "0")}`;
}

function paramField(def: ParameterDef): string {
  return `ISUP parameter ${def.name}`;
}

/**
 * Decode one parameter's content [start, end). `lengthAt` is the offset of its
 * length indicator (or of the content for fixed parameters). A mandatory
 * parameter in error fails the message; an optional one is kept as octets
 * with a note.
 */
function decodeParameter(
  def: ParameterDef,
  bytes: Uint8Array,
  start: number,
  end: number,
  lengthAt: number,
  mandatory: boolean,
  notes: DecodeNote[],
): IsupParameter | Failure {
  const n = end - start;
  let problem: { at: number; reason: string } | undefined;
  if (n < def.minLength) problem = { at: lengthAt, reason: `length ${n} is below minimum ${def.minLength}` };
  else if (n > def.maxLength) problem = { at: lengthAt, reason: `length ${n} is above maximum ${def.maxLength}` };
  else if (def.codec === undefined) return { name: def.name, raw: toHex(bytes.subarray(start, end)) };
  else {
    const v = def.codec.decode(bytes, start, end);
    if (!(v instanceof ContentError)) return { name: def.name, value: v as FieldValues };
    problem = { at: start + v.at, reason: v.reason };
  }
  if (mandatory) return new Failure(problem.at, paramField(def), problem.reason, def.clause);
  notes.push({
    offset: problem.at,
    item: `parameter ${def.name}`,
    message: `content error (${problem.reason}, ${def.clause}); kept as octets`,
    clause: CLAUSE_CONTENT,
  });
  return { name: def.name, raw: toHex(bytes.subarray(start, end)) };
}

interface Unrecognised {
  readonly code: number;
  readonly offset: number;
}

/** Walk an optional part from `q`; returns the offset after the end octet. */
function walkOptional(
  profile: Profile,
  bytes: Uint8Array,
  q: number,
  params: IsupParameter[],
  notes: DecodeNote[],
  unrecognised: Unrecognised[],
): number | Failure {
  const len = bytes.length;
  for (;;) {
    if (q >= len) return new Failure(q, "optional part", "ends without the end of optional parameters octet", CLAUSE_EOP);
    const code = bytes[q] as number;
    if (code === END_OF_OPTIONAL_PARAMETERS) return q + 1;
    const def = profile.parametersByCode[code];
    const field = def ? paramField(def) : `ISUP parameter ${hex2(code)}`;
    if (q + 1 >= len) return new Failure(q + 1, field, "the length indicator is missing", CLAUSE_OPTIONAL);
    const plen = bytes[q + 1] as number;
    const cs = q + 2;
    const ce = cs + plen;
    if (ce > len) return new Failure(q + 1, field, `length ${plen} runs past the end of the message (${len - cs} octets left)`, CLAUSE_OPTIONAL);
    if (def === undefined) {
      params.push({ name: UNRECOGNISED, code, raw: toHex(bytes.subarray(cs, ce)) });
      unrecognised.push({ code, offset: q });
    } else {
      const p = decodeParameter(def, bytes, cs, ce, q + 1, false, notes);
      if (p instanceof Failure) return p;
      params.push(p);
    }
    q = ce;
  }
}

function describeInstruction(i: ParameterInstruction): string {
  const passOn = ["release call", "discard message", "discard parameter", "release call (reserved value 3)"][i.passOnNotPossibleIndicator] as string;
  return (
    `parameter compatibility information: ${i.transitAtIntermediateExchangeIndicator ? "end node" : "transit"} interpretation, ` +
    `release call ${i.releaseCallIndicator}, send notification ${i.sendNotificationIndicator}, ` +
    `discard message ${i.discardMessageIndicator}, discard parameter ${i.discardParameterIndicator}, ` +
    `pass on not possible: ${passOn}`
  );
}

function describeMessageInstruction(m: MessageCompatibilityValue): string {
  return (
    `message compatibility information: ${m.transitAtIntermediateExchangeIndicator ? "end node" : "transit"} interpretation, ` +
    `release call ${m.releaseCallIndicator}, send notification ${m.sendNotificationIndicator}, ` +
    `discard message ${m.discardMessageIndicator}, pass on not possible: ${m.passOnNotPossibleIndicator ? "discard information" : "release call"}`
  );
}

function findInstruction(params: readonly IsupParameter[], code: number): ParameterInstruction | undefined {
  for (const p of params) {
    if (p.name !== "parameterCompatibilityInformation" || !("value" in p)) continue;
    for (const i of (p.value as unknown as ParameterCompatibilityValue).instructions) if (i.parameterCode === code) return i;
  }
  return undefined;
}

/**
 * Best effort to find the message compatibility information of a message we
 * do not know (Q.764 §2.9.5.3.1): read the body as a message with no
 * mandatory part, i.e. a pointer to the optional part first.
 * Deviation: the body is only read this way to find the instructions; the
 * message itself stays as octets, since its real layout is unknown.
 */
function unrecognisedMessageCompatibility(profile: Profile, body: Uint8Array): MessageCompatibilityValue | undefined {
  if (body.length < 2 || body[0] === 0) return undefined;
  const params: IsupParameter[] = [];
  const end = walkOptional(profile, body, body[0] as number, params, [], []);
  if (end instanceof Failure || end !== body.length) return undefined;
  for (const p of params) if (p.name === "messageCompatibilityInformation" && "value" in p) return p.value as unknown as MessageCompatibilityValue;
  return undefined;
}

/**
 * Decode an ISUP message: by default as carried after the MTP3 routing label
 * (CIC first); with `sipt`, a SIP-T body (message type first).
 */
export function decodeIsup(bytes: Uint8Array, options: IsupCodecOptions): DecodeResult<IsupMessage> {
  const profile = profileOf(options.variant);
  const len = bytes.length;
  const notes: DecodeNote[] = [];
  let p = 0;
  let cic = -1;
  let cicSpare = 0;
  if (options.sipt !== true) {
    if (len < 2) return failed(new Failure(len, "circuit identification code", `needs 2 octets, the message has ${len}`, CLAUSE_CIC));
    const v = (bytes[0] as number) | ((bytes[1] as number) << 8);
    cic = v & profile.cicMask;
    cicSpare = v >>> profile.cicBits;
    p = 2;
  }
  if (p >= len) return failed(new Failure(p, "message type code", "the message ends before its message type code", CLAUSE_TYPE));
  const code = bytes[p] as number;
  p++;
  const cm = profile.messagesByCode[code];
  const m: Mutable<IsupMessage> = { messageType: cm ? cm.def.mnemonic : UNRECOGNISED } as Mutable<IsupMessage>;
  if (!cm) m.messageTypeCode = code;
  if (cic >= 0) m.cic = cic;
  if (cicSpare !== 0) m.cicSpare = cicSpare;
  const params: IsupParameter[] = [];
  m.parameters = params;

  if (!cm || cm.def.opaqueBody) {
    const body = bytes.subarray(p);
    m.body = toHex(body);
    if (!cm) {
      const mci = unrecognisedMessageCompatibility(profile, body);
      notes.push({
        offset: p - 1,
        item: `message type ${hex2(code)}`,
        message: `unrecognised message (${body.length} octets after the type) kept as octets; ${mci ? describeMessageInstruction(mci) : "no message compatibility information found"}`,
        clause: CLAUSE_UNRECOGNISED_MESSAGE,
      });
    }
    return { ok: true, value: m, notes };
  }

  // Mandatory fixed part (Q.763 §1.5).
  for (const def of cm.fixed) {
    const e = p + def.minLength;
    if (e > len) return failed(new Failure(p, paramField(def), `needs ${def.minLength} octet${def.minLength === 1 ? "" : "s"}, ${len - p} left`, CLAUSE_FIXED));
    const r = decodeParameter(def, bytes, p, e, p, true, notes);
    if (r instanceof Failure) return failed(r);
    params.push(r);
    p = e;
  }

  // Pointers (Q.763 §1.6, §1.7).
  const nVar = cm.variable.length;
  const nPtr = nVar + (cm.def.optionalPart ? 1 : 0);
  if (p + nPtr > len) {
    return failed(new Failure(len, "pointers", `needs ${nPtr} pointer${nPtr === 1 ? "" : "s"}, ${len - p} octet${len - p === 1 ? "" : "s"} left`, CLAUSE_VARIABLE));
  }
  const ptrBase = p;
  let expected = p + nPtr;
  for (let i = 0; i < nVar; i++) {
    const def = cm.variable[i] as ParameterDef;
    const ptrAt = ptrBase + i;
    const ptr = bytes[ptrAt] as number;
    const at = ptrAt + ptr;
    if (ptr === 0 || at >= len) {
      return failed(new Failure(ptrAt, paramField(def), `pointer ${ptr} does not point into the message (${len} octets)`, CLAUSE_VARIABLE));
    }
    if (at !== expected) {
      // Deviation: Q.763 §1.6 fixes only the order of the pointers. Every
      // implementation puts the parameters in pointer order with no gaps, and
      // only that layout is re-encoded octet for octet, so others are refused.
      return failed(new Failure(ptrAt, paramField(def), `pointer ${ptr} leads to offset ${at}, not to ${expected} where the parameter follows the previous one`, CLAUSE_VARIABLE));
    }
    const plen = bytes[at] as number;
    const cs = at + 1;
    const ce = cs + plen;
    if (ce > len) return failed(new Failure(at, paramField(def), `length ${plen} runs past the end of the message (${len - cs} octets left)`, CLAUSE_VARIABLE));
    const r = decodeParameter(def, bytes, cs, ce, at, true, notes);
    if (r instanceof Failure) return failed(r);
    params.push(r);
    expected = ce;
  }

  let end = expected;
  const unrecognised: Unrecognised[] = [];
  if (cm.def.optionalPart) {
    const ptrAt = ptrBase + nVar;
    const ptr = bytes[ptrAt] as number;
    if (ptr !== 0) {
      const at = ptrAt + ptr;
      if (at !== expected) {
        // Deviation: as for the mandatory variable part above.
        return failed(new Failure(ptrAt, "optional part", `pointer ${ptr} leads to offset ${at}, not to ${expected} after the mandatory variable part`, CLAUSE_OPTIONAL));
      }
      const before = params.length;
      const r = walkOptional(profile, bytes, at, params, notes, unrecognised);
      if (r instanceof Failure) return failed(r);
      if (params.length === before) m.emptyOptionalPart = true;
      end = r;
    }
  }
  if (end !== len) {
    return failed(new Failure(end, "message", `${len - end} octet${len - end === 1 ? "" : "s"} after the end of the ${cm.def.mnemonic} message`, "Q.763 §1.4"));
  }

  for (const u of unrecognised) {
    const i = findInstruction(params, u.code);
    notes.push({
      offset: u.offset,
      item: `parameter ${hex2(u.code)}`,
      message: `unrecognised parameter kept as octets; ${i ? describeInstruction(i) : "no instruction for it in parameter compatibility information"}`,
      clause: CLAUSE_UNRECOGNISED_PARAMETER,
    });
  }
  return { ok: true, value: m, notes };
}

// ---------------------------------------------------------------------------
// Encoding

function bad(field: string, reason: string): never {
  throw new EncodeError(field, reason);
}

const MESSAGE_KEYS = new Set(["messageType", "messageTypeCode", "cic", "cicSpare", "parameters", "body", "emptyOptionalPart"]);
const PARAMETER_KEYS = new Set(["name", "code", "value", "raw"]);

function asRecord(x: unknown, field: string): Readonly<Record<string, unknown>> {
  if (typeof x !== "object" || x === null || Array.isArray(x)) bad(field, "is not an object");
  return x as Readonly<Record<string, unknown>>;
}

function intIn(x: unknown, max: number, field: string): number {
  if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > max) bad(field, `${JSON.stringify(x)} is not an integer 0-${max}`);
  return x;
}

function hexIn(x: unknown, field: string): Uint8Array {
  if (typeof x !== "string") bad(field, "is not a hex string");
  const b = fromHex(x);
  if (b === undefined) bad(field, `${JSON.stringify(x)} is not hex octets`);
  return b;
}

function writeParameterContent(def: ParameterDef, p: Readonly<Record<string, unknown>>, w: ByteWriter, field: string): void {
  const start = w.length;
  if (p["raw"] !== undefined) {
    w.bytes(hexIn(p["raw"], `${field}.raw`));
    return;
  }
  if (def.codec === undefined) bad(field, `${def.name} has no field layout in this codec; give its octets as "raw"`);
  def.codec.encode(asRecord(p["value"], `${field}.value`), w, `${field}.value`);
  const n = w.length - start;
  if (n < def.minLength || n > def.maxLength) bad(field, `encodes to ${n} octets, outside ${def.minLength}-${def.maxLength} (${def.clause})`);
}

function checkParameter(x: unknown, field: string): Readonly<Record<string, unknown>> {
  const p = asRecord(x, field);
  for (const k in p) if (!PARAMETER_KEYS.has(k)) bad(`${field}.${k}`, "is not a key of a parameter (name, value, raw, code)");
  if (typeof p["name"] !== "string") bad(`${field}.name`, "is missing or not a string");
  if ((p["value"] === undefined) === (p["raw"] === undefined)) bad(field, "needs exactly one of value and raw");
  return p;
}

/**
 * Encode a message in the form decodeIsup returns. Throws EncodeError when the
 * message does not fit its definition (a wrong parameter order, a missing
 * mandatory parameter, a field out of range). With `sipt`, `cic` and
 * `cicSpare` are not written (a SIP-T body has no CIC, RFC 3204).
 */
export function encodeIsup(message: IsupMessage, options: IsupCodecOptions): Uint8Array {
  const profile = profileOf(options.variant);
  const m = asRecord(message, "message");
  for (const k in m) if (!MESSAGE_KEYS.has(k)) bad(`message.${k}`, `is not a key of a message (${[...MESSAGE_KEYS].join(", ")})`);
  const w = new ByteWriter(128);
  if (options.sipt !== true) {
    const cic = intIn(m["cic"], profile.cicMask, "cic");
    const spare = m["cicSpare"] === undefined ? 0 : intIn(m["cicSpare"], (1 << (16 - profile.cicBits)) - 1, "cicSpare");
    w.u16le(cic | (spare << profile.cicBits));
  }
  const type = m["messageType"];
  if (typeof type !== "string") bad("messageType", "is missing or not a string");
  const list = m["parameters"];
  if (!Array.isArray(list)) bad("parameters", "is missing or not a list");

  if (type === UNRECOGNISED) {
    const code = intIn(m["messageTypeCode"], 255, "messageTypeCode");
    const known = profile.messagesByCode[code];
    if (known) bad("messageTypeCode", `${hex2(code)} is ${known.def.mnemonic} in ${profile.variant}; give messageType "${known.def.mnemonic}"`);
    if (list.length) bad("parameters", "an unrecognised message carries its octets in body, not parameters");
    w.u8(code).bytes(hexIn(m["body"], "body"));
    return w.finish();
  }
  const cm = profile.messagesByMnemonic.get(type);
  if (!cm) bad("messageType", `${JSON.stringify(type)} is not a message type mnemonic of the ${profile.variant} profile`);
  if (m["messageTypeCode"] !== undefined && m["messageTypeCode"] !== cm.def.code) bad("messageTypeCode", `does not match ${type} (${hex2(cm.def.code)})`);
  w.u8(cm.def.code);
  if (cm.def.opaqueBody) {
    if (list.length) bad("parameters", `${type} carries its octets in body, not parameters`);
    w.bytes(hexIn(m["body"], "body"));
    return w.finish();
  }
  if (m["body"] !== undefined) bad("body", `${type} is encoded from its parameters; body is only for messages kept as octets`);

  const nFixed = cm.fixed.length;
  const nVar = cm.variable.length;
  if (list.length < nFixed + nVar) {
    const missing = [...cm.fixed, ...cm.variable][list.length] as ParameterDef;
    bad("parameters", `${type} needs its mandatory parameters first, in order (${cm.def.fixed.concat(cm.def.variable).join(", ")}); ${missing.name} is missing`);
  }
  // Mandatory fixed part.
  for (let i = 0; i < nFixed; i++) {
    const def = cm.fixed[i] as ParameterDef;
    const field = `parameters[${i}]`;
    const p = checkParameter(list[i], field);
    if (p["name"] !== def.name) bad(`${field}.name`, `${type} needs ${def.name} here, not ${JSON.stringify(p["name"])}`);
    const start = w.length;
    writeParameterContent(def, p, w, field);
    if (w.length - start !== def.minLength) bad(field, `${def.name} is a fixed ${def.minLength}-octet parameter here, got ${w.length - start}`);
  }
  // Pointers, then the mandatory variable part.
  const optional = list.length > nFixed + nVar || m["emptyOptionalPart"] === true;
  if (optional && !cm.def.optionalPart) bad("parameters", `${type} has no optional part; it takes only ${cm.def.fixed.concat(cm.def.variable).join(", ") || "no parameters"}`);
  if (m["emptyOptionalPart"] !== undefined && m["emptyOptionalPart"] !== true) bad("emptyOptionalPart", "is only ever true");
  if (m["emptyOptionalPart"] === true && list.length > nFixed + nVar) bad("emptyOptionalPart", "is for an optional part with no parameters");
  const ptrBase = w.reserve(nVar + (cm.def.optionalPart ? 1 : 0));
  const setPointer = (slot: number, field: string): void => {
    const ptr = w.length - (ptrBase + slot);
    if (ptr > 255) bad(field, `lies ${ptr} octets after its pointer; a pointer holds at most 255`);
    w.patchU8(ptrBase + slot, ptr);
  };
  for (let i = 0; i < nVar; i++) {
    const def = cm.variable[i] as ParameterDef;
    const idx = nFixed + i;
    const field = `parameters[${idx}]`;
    const p = checkParameter(list[idx], field);
    if (p["name"] !== def.name) bad(`${field}.name`, `${type} needs ${def.name} here, not ${JSON.stringify(p["name"])}`);
    setPointer(i, field);
    writeLengthAndContent(def, p, w, field);
  }
  // Optional part.
  if (optional) {
    setPointer(nVar, "optional part");
    for (let idx = nFixed + nVar; idx < list.length; idx++) {
      const field = `parameters[${idx}]`;
      const p = checkParameter(list[idx], field);
      const name = p["name"] as string;
      let def: ParameterDef | undefined;
      let code: number;
      if (name === UNRECOGNISED) {
        code = intIn(p["code"], 255, `${field}.code`);
        if (code === END_OF_OPTIONAL_PARAMETERS) bad(`${field}.code`, "0 is the end of optional parameters octet");
        if (p["raw"] === undefined) bad(field, "an unrecognised parameter needs raw");
      } else {
        def = profile.parametersByName.get(name);
        if (!def) bad(`${field}.name`, `${JSON.stringify(name)} is not a parameter name of the ${profile.variant} profile (use "unrecognised" with code and raw)`);
        code = def.code;
        if (p["code"] !== undefined && p["code"] !== code) bad(`${field}.code`, `does not match ${name} (${hex2(code)})`);
      }
      w.u8(code);
      if (def) writeLengthAndContent(def, p, w, field);
      else writeLengthAndRaw(p, w, field);
    }
    w.u8(END_OF_OPTIONAL_PARAMETERS);
  }
  return w.finish();
}

function writeLengthAndContent(def: ParameterDef, p: Readonly<Record<string, unknown>>, w: ByteWriter, field: string): void {
  const at = w.reserve(1);
  writeParameterContent(def, p, w, field);
  const n = w.length - at - 1;
  if (n > 255) bad(field, `content of ${n} octets does not fit a length indicator`);
  w.patchU8(at, n);
}

function writeLengthAndRaw(p: Readonly<Record<string, unknown>>, w: ByteWriter, field: string): void {
  const raw = hexIn(p["raw"], `${field}.raw`);
  if (raw.length > 255) bad(field, `content of ${raw.length} octets does not fit a length indicator`);
  w.u8(raw.length).bytes(raw);
}

// ---------------------------------------------------------------------------
// Access helpers for call control

/** The first parameter of that name decoded into fields, or undefined. */
export function getParameter<N extends keyof ParameterValueMap>(message: IsupMessage, name: N): ParameterValueMap[N] | undefined {
  for (const p of message.parameters) if (p.name === name && "value" in p) return p.value as unknown as ParameterValueMap[N];
  return undefined;
}

/** Every occurrence of a parameter (some may repeat, e.g. generic number). */
export function getParameters(message: IsupMessage, name: ParameterName | typeof UNRECOGNISED): readonly IsupParameter[] {
  return message.parameters.filter((p) => p.name === name);
}

/** The instruction indicators the message's parameter compatibility information gives for a parameter code (Q.763 §3.41). */
export function parameterInstruction(message: IsupMessage, code: number): ParameterInstruction | undefined {
  return findInstruction(message.parameters, code);
}

/** Unrecognised parameters of a message with their instructions, for Q.764 §2.9.5.3.2. */
export function unrecognisedParameters(message: IsupMessage): readonly { readonly parameter: RawParameter; readonly instruction: ParameterInstruction | undefined }[] {
  const out: { parameter: RawParameter; instruction: ParameterInstruction | undefined }[] = [];
  for (const p of message.parameters) {
    if (p.name === UNRECOGNISED && "raw" in p && p.code !== undefined) out.push({ parameter: p, instruction: findInstruction(message.parameters, p.code) });
  }
  return out;
}

/** For an unrecognised message, its message compatibility information if it could be found (Q.764 §2.9.5.3.1). */
export function unrecognisedMessageInstruction(message: IsupMessage, variant: IsupCodecOptions["variant"]): MessageCompatibilityValue | undefined {
  if (message.messageType !== UNRECOGNISED || message.body === undefined) return undefined;
  const body = fromHex(message.body);
  return body ? unrecognisedMessageCompatibility(profileOf(variant), body) : undefined;
}
