/**
 * Property tests: any octets give a result or an error, never a throw or a
 * hang; whatever decodes encodes back to the same octets; generated messages
 * of every type, built from the layout descriptors of the tables, satisfy
 * decode(encode(m)) = m.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteWriter, toHex } from "../../../core/bytes.js";
import type { BitFieldSpec, BitsCodec, FieldValues, HeaderDataCodec, NumberCodec, PointCodeCodec, UintCodec, CallReferenceCodec } from "./field-codecs.js";
import { decodeIsup, encodeIsup } from "./isup-codec.js";
import type { ParameterDef } from "./parameters.js";
import type { Profile } from "./profiles.js";
import { ANSI_PROFILE, ITU_PROFILE } from "./profiles.js";
import type { IsupMessage, IsupParameter, IsupVariant } from "./types.js";
import { CAUSE_LOCATION, CAUSE_VALUE, CODING_STANDARD, LAYER1_PROTOCOL, TRANSFER_CAPABILITY } from "./names.js";

type Obj = Record<string, unknown>;

const hexOf = (min: number, max: number): fc.Arbitrary<string> => fc.uint8Array({ minLength: min, maxLength: Math.max(min, max) }).map((b) => toHex(b));
const BCD = "0123456789ABCDEF".split("");
const bcd = (min: number, max: number): fc.Arbitrary<string> => fc.array(fc.constantFrom(...BCD), { minLength: min, maxLength: Math.max(min, max) }).map((a) => a.join(""));
const int = (max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max });

function setNamed(out: Obj, key: string, v: number, names: Readonly<Record<number, string>>): void {
  out[key] = v;
  const n = names[v];
  if (n !== undefined) out[`${key}Name`] = n;
}

/** Bit fields of the octets below `octets`, decoded the way the codec would. */
function fieldsArb(fields: readonly BitFieldSpec[], octets: number): fc.Arbitrary<Obj> {
  const used = fields.filter((s) => s.octet < octets);
  if (used.length === 0) return fc.constant({});
  return fc.tuple(...used.map((s) => int((1 << s.width) - 1))).map((vals) => {
    const out: Obj = {};
    used.forEach((s, i) => {
      const v = vals[i] as number;
      if (v === s.omitWhen) return;
      if (s.names) setNamed(out, s.name, v, s.names);
      else out[s.name] = v;
    });
    return out;
  });
}

/** `more` instruction indicator octets: extension 0 on all but the last. */
const moreOctets = fc.array(int(0x7f), { minLength: 1, maxLength: 2 }).map((a) => toHex(Uint8Array.from(a.map((x, i) => (i === a.length - 1 ? x | 0x80 : x)))));

function userServiceInformationArb(): fc.Arbitrary<Obj> {
  return fc
    .record({
      cs: int(3),
      itc: int(31),
      mode: int(3),
      rate: fc.oneof(fc.constant(0x18), int(31)),
      ext3: int(1),
      ext4: int(1),
      mult: fc.option(fc.record({ m: int(0x7f), ext: int(1) }), { nil: undefined }),
      l1: fc.option(fc.record({ p: int(31), ext: int(1) }), { nil: undefined }),
      more: hexOf(0, 3),
    })
    .map((r) => {
      const out: Obj = { codingStandard: r.cs, transferMode: r.mode, informationTransferRate: r.rate };
      setNamed(out, "informationTransferCapability", r.itc, TRANSFER_CAPABILITY);
      if (r.ext3 === 0) out["octet3Extension"] = 0;
      if (r.ext4 === 0) out["octet4Extension"] = 0;
      let more = r.more;
      if (r.ext3 === 1 && r.ext4 === 1) {
        let layer1Possible = true;
        if (r.rate === 0x18) {
          if (r.mult === undefined) {
            // Without a multiplier octet, any next octet would be read as one.
            return out;
          }
          out["rateMultiplier"] = r.mult.m;
          if (r.mult.ext === 0) {
            out["rateMultiplierExtension"] = 0;
            layer1Possible = false;
          }
        }
        if (layer1Possible) {
          if (r.l1) {
            setNamed(out, "userInformationLayer1Protocol", r.l1.p, LAYER1_PROTOCOL);
            if (r.l1.ext === 0) out["layer1Extension"] = 0;
          } else if (more.length >= 2 && ((parseInt(more.slice(0, 2), 16) >> 5) & 3) === 1) {
            // That octet would be read as octet 5 (layer 1).
            more = `00${more.slice(2)}`;
          }
        }
      }
      if (more) out["additionalOctets"] = more;
      return out;
    });
}

function causeArb(): fc.Arbitrary<Obj> {
  return fc
    .record({
      cs: int(3),
      loc: int(15),
      spare: int(1),
      rec: fc.option(fc.record({ r: int(0x7f), ext: int(1) }), { nil: undefined }),
      cv: int(0x7f),
      cext: int(1),
      diag: hexOf(0, 4),
    })
    .map((r) => {
      const out: Obj = {};
      setNamed(out, "codingStandard", r.cs, CODING_STANDARD);
      setNamed(out, "location", r.loc, CAUSE_LOCATION);
      if (r.spare) out["spare"] = 1;
      if (r.rec) {
        out["recommendation"] = r.rec.r;
        if (r.rec.ext === 0) out["recommendationExtension"] = 0;
      }
      setNamed(out, "causeValue", r.cv, CAUSE_VALUE);
      if (r.cext === 0) out["causeExtension"] = 0;
      if (r.diag) out["diagnostics"] = r.diag;
      return out;
    });
}

function genericDigitsArb(): fc.Arbitrary<Obj> {
  return fc.oneof(
    fc.record({ typeOfDigits: int(31), encodingScheme: fc.constant(0), digits: fc.integer({ min: 0, max: 6 }).chain((n) => bcd(2 * n, 2 * n)) }),
    fc
      .record({ typeOfDigits: int(31), n: fc.integer({ min: 0, max: 5 }), filler: int(15) })
      .chain((r) => bcd(2 * r.n + 1, 2 * r.n + 1).map((digits) => ({ typeOfDigits: r.typeOfDigits, encodingScheme: 1, digits, ...(r.filler ? { filler: r.filler } : {}) }))),
    fc.record({ typeOfDigits: int(31), encodingScheme: fc.constant(1), data: fc.constant("") }),
    fc.record({ typeOfDigits: int(31), encodingScheme: fc.constant(2), digits: fc.string({ maxLength: 8 }).filter((s) => [...s].every((c) => c.charCodeAt(0) < 0x80)) }),
    fc.record({ typeOfDigits: int(31), encodingScheme: fc.constant(2), data: fc.tuple(hexOf(0, 3), fc.integer({ min: 0x80, max: 0xff })).map(([h, b]) => h + b.toString(16)) }),
    fc.record({ typeOfDigits: int(31), encodingScheme: fc.integer({ min: 3, max: 7 }), data: hexOf(0, 6) }),
  );
}

const instructionBits = {
  transitAtIntermediateExchangeIndicator: int(1),
  releaseCallIndicator: int(1),
  sendNotificationIndicator: int(1),
  discardMessageIndicator: int(1),
};

function messageCompatibilityArb(): fc.Arbitrary<Obj> {
  return fc
    .record({ ...instructionBits, passOnNotPossibleIndicator: int(1), broadbandNarrowbandInterworkingIndicator: int(3), more: fc.option(moreOctets, { nil: undefined }) })
    .map(({ more, ...r }) => (more ? { ...r, moreInstructionIndicators: more } : r));
}

function parameterCompatibilityArb(): fc.Arbitrary<Obj> {
  const one = fc
    .record({
      parameterCode: int(255),
      ...instructionBits,
      discardParameterIndicator: int(1),
      passOnNotPossibleIndicator: int(3),
      o1a: fc.option(fc.record({ bni: int(3), spare: int(0x1f), more: fc.option(moreOctets, { nil: undefined }) }), { nil: undefined }),
    })
    .map(({ o1a, ...r }) => {
      const out: Obj = { ...r };
      if (o1a) {
        out["broadbandNarrowbandInterworkingIndicator"] = o1a.bni;
        if (o1a.spare) out["spare"] = o1a.spare;
        if (o1a.more) out["moreInstructionIndicators"] = o1a.more;
      }
      return out;
    });
  return fc.array(one, { minLength: 1, maxLength: 3 }).map((instructions) => ({ instructions }));
}

/** Values for one parameter's layout, within the table's length bounds. */
function valueArb(def: ParameterDef): fc.Arbitrary<Obj> {
  const c = def.codec;
  if (!c) throw new Error(`${def.name} has no layout`);
  let arb: fc.Arbitrary<Obj>;
  switch (c.kind) {
    case "bits": {
      const b = c as BitsCodec<unknown>;
      arb = fc.integer({ min: b.minOctets, max: b.maxOctets }).chain((n) => fieldsArb(b.fields, n));
      break;
    }
    case "number": {
      const n = c as NumberCodec<unknown>;
      const minDigits = Math.max(0, 2 * (def.minLength - n.headerOctets) - 1);
      arb = fc
        .tuple(fieldsArb(n.fields, n.headerOctets), bcd(minDigits, 16), int(15))
        .map(([h, digits, filler]) => ({ ...h, digits, ...(digits.length % 2 === 1 && filler ? { filler } : {}) }));
      break;
    }
    case "digits":
      arb = fc.integer({ min: Math.max(1, def.minLength), max: 6 }).chain((k) => bcd(2 * k, 2 * k)).map((digits) => ({ digits }));
      break;
    case "uint": {
      const u = c as UintCodec<string>;
      arb = int(2 ** (8 * u.octets) - 1).map((v) => ({ [u.name]: v }));
      break;
    }
    case "headerData": {
      const h = c as HeaderDataCodec<unknown>;
      arb = fc.tuple(fieldsArb(h.fields, h.headerOctets), hexOf(Math.max(0, def.minLength - h.headerOctets), 8)).map(([f, d]) => ({ ...f, [h.dataName]: d }));
      break;
    }
    case "octetList":
      arb = fc.array(int(255), { minLength: def.minLength, maxLength: Math.min(def.maxLength, 32) }).map((l) => ({ [(c as unknown as { name: string }).name]: l }));
      break;
    case "pointCode": {
      const p = c as PointCodeCodec;
      arb = p.octets === 2 ? fc.record({ signallingPointCode: int(0x3fff), spare: int(3) }).map((r) => (r.spare ? r : { signallingPointCode: r.signallingPointCode })) : fc.record({ signallingPointCode: int(0xffffff) });
      break;
    }
    case "callReference": {
      const p = c as CallReferenceCodec;
      arb =
        p.pointCodeOctets === 2
          ? fc.record({ callIdentity: int(0xffffff), signallingPointCode: int(0x3fff), spare: int(3) }).map((r) => (r.spare ? r : { callIdentity: r.callIdentity, signallingPointCode: r.signallingPointCode }))
          : fc.record({ callIdentity: int(0xffffff), signallingPointCode: int(0xffffff) });
      break;
    }
    case "cause":
      arb = causeArb();
      break;
    case "userServiceInformation":
      arb = userServiceInformationArb();
      break;
    case "rangeAndStatus":
      arb = fc.oneof(
        int(255).map((range) => ({ range })),
        int(255).chain((range) => fc.array(fc.constantFrom("0", "1"), { minLength: range + 1, maxLength: range + 1 }).map((s) => ({ range, status: s.join("") }))),
      );
      break;
    case "genericDigits":
      arb = genericDigitsArb();
      break;
    case "messageCompatibility":
      arb = messageCompatibilityArb();
      break;
    case "parameterCompatibility":
      arb = parameterCompatibilityArb();
      break;
    case "ansiTransitNetworkSelection":
      arb = fc
        .record({ typeOfNetworkIdentification: int(7), networkIdentificationPlan: int(15), networkIdentification: bcd(4, 4), circuitCode: int(15), spare: int(1), spare2: int(15) })
        .map(({ spare, spare2, ...r }) => ({ ...r, ...(spare ? { spare } : {}), ...(spare2 ? { spare2 } : {}) }));
      break;
    default:
      throw new Error(`no generator for layout ${c.kind} (${def.name})`);
  }
  return arb.filter((v) => {
    const w = new ByteWriter();
    c.encode(v as FieldValues, w, def.name);
    return w.length >= def.minLength && w.length <= def.maxLength;
  });
}

function parameterArb(def: ParameterDef): fc.Arbitrary<IsupParameter> {
  if (!def.codec) return hexOf(def.minLength, Math.min(def.maxLength, def.minLength + 6)).map((raw) => ({ name: def.name, raw }));
  return valueArb(def).map((value) => ({ name: def.name, value }));
}

function optionalParameterArb(profile: Profile): fc.Arbitrary<IsupParameter> {
  const unknownCodes = Array.from({ length: 255 }, (_, i) => i + 1).filter((c) => !profile.parametersByCode[c]);
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...profile.parameters).chain(parameterArb) },
    { weight: 1, arbitrary: fc.record({ name: fc.constant("unrecognised"), code: fc.constantFrom(...unknownCodes), raw: hexOf(0, 5) }) },
  );
}

function messageArb(profile: Profile): fc.Arbitrary<IsupMessage> {
  const cic = fc.record({ cic: int(profile.cicMask), cicSpare: int((1 << (16 - profile.cicBits)) - 1) }).map((r) => (r.cicSpare ? r : { cic: r.cic }));
  const unknownTypes = Array.from({ length: 256 }, (_, i) => i).filter((c) => !profile.messagesByCode[c]);
  const known = fc.constantFrom(...profile.messages).chain((cm): fc.Arbitrary<IsupMessage> => {
    if (cm.def.opaqueBody) return fc.tuple(cic, hexOf(0, 6)).map(([c, body]) => ({ messageType: cm.def.mnemonic, ...c, parameters: [], body }));
    const mandatory = [...cm.fixed, ...cm.variable].map(parameterArb);
    const optional = cm.def.optionalPart ? fc.array(optionalParameterArb(profile), { maxLength: 4 }) : fc.constant([]);
    return fc.tuple(cic, mandatory.length ? fc.tuple(...mandatory) : fc.constant([]), optional, fc.boolean()).map(([c, man, opt, empty]) => ({
      messageType: cm.def.mnemonic,
      ...c,
      parameters: [...man, ...opt],
      ...(cm.def.optionalPart && opt.length === 0 && empty ? { emptyOptionalPart: true as const } : {}),
    }));
  });
  const unknown = fc.tuple(cic, fc.constantFrom(...unknownTypes), hexOf(0, 8)).map(([c, code, body]) => ({ messageType: "unrecognised", messageTypeCode: code, ...c, parameters: [], body }));
  return fc.oneof({ weight: 12, arbitrary: known }, { weight: 1, arbitrary: unknown });
}

const PROFILES: readonly [IsupVariant, Profile][] = [
  ["itu", ITU_PROFILE],
  ["ansi", ANSI_PROFILE],
];

describe.each(PROFILES)("ISUP codec properties (%s)", (variant, profile) => {
  it("any octets: a result or an error, and what decodes encodes back unchanged", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (b, sipt) => {
        const r = decodeIsup(b, { variant, sipt });
        if (r.ok) expect(toHex(encodeIsup(r.value, { variant, sipt }))).toBe(toHex(b));
        else expect(r.error.offset).toBeLessThanOrEqual(b.length);
      }),
      { numRuns: 3000 },
    );
  });

  it("octets shaped like messages (a known type code, then anything)", () => {
    const codes = profile.messages.map((m) => m.def.code);
    fc.assert(
      fc.property(fc.constantFrom(...codes), fc.uint8Array({ maxLength: 48 }), (code, rest) => {
        const b = Uint8Array.from([code, ...rest]);
        const r = decodeIsup(b, { variant, sipt: true });
        if (r.ok) expect(toHex(encodeIsup(r.value, { variant, sipt: true }))).toBe(toHex(b));
      }),
      { numRuns: 3000 },
    );
  });

  it("generated messages of every type: decode(encode(m)) = m and encode(decode(b)) = b", () => {
    fc.assert(
      fc.property(messageArb(profile), (m) => {
        const b = encodeIsup(m, { variant });
        const r = decodeIsup(b, { variant });
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.value).toEqual(m);
        expect(toHex(encodeIsup(r.value, { variant }))).toBe(toHex(b));
      }),
      { numRuns: 1500 },
    );
  });

  it("generated messages with octets corrupted: never a throw, and what decodes round-trips", () => {
    fc.assert(
      fc.property(messageArb(profile), fc.array(fc.tuple(fc.nat(), int(255)), { minLength: 1, maxLength: 3 }), fc.nat(8), (m, edits, cut) => {
        const b = encodeIsup(m, { variant });
        for (const [at, v] of edits) b[at % b.length] = v;
        const c = b.subarray(0, Math.max(0, b.length - (cut > 5 ? 0 : cut)));
        const r = decodeIsup(c, { variant });
        if (r.ok) expect(toHex(encodeIsup(r.value, { variant }))).toBe(toHex(c));
      }),
      { numRuns: 1500 },
    );
  });

  it("every message type is generated", () => {
    const seen = new Set<string>();
    fc.sample(messageArb(profile), { numRuns: 3000, seed: 42 }).forEach((m) => seen.add(m.messageType));
    for (const cm of profile.messages) expect(seen.has(cm.def.mnemonic), cm.def.mnemonic).toBe(true);
  });
});
