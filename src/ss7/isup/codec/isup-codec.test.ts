import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../../core/bytes.js";
import { EncodeError } from "../../../core/errors.js";
import { formatDecodeError } from "../../../core/result.js";
import type { IsupMessage, IsupVariant } from "./index.js";
import {
  decodeIsup,
  encodeIsup,
  getParameter,
  getParameters,
  parameterInstruction,
  unrecognisedMessageInstruction,
  unrecognisedParameters,
} from "./index.js";
import { ANSI_PROFILE, ITU_PROFILE, profileOf } from "./profiles.js";
import { allSampleMessages, sampleMessage } from "./samples.js";

interface Vector {
  readonly description: string;
  readonly source: string;
  readonly variant: IsupVariant;
  readonly sipt?: boolean;
  readonly hex: string;
  readonly decoded?: IsupMessage;
  readonly notes?: readonly unknown[];
  readonly error?: string;
}

const vectorDir = join(import.meta.dirname, "vectors");
const vectors = readdirSync(vectorDir)
  .filter((f) => f.endsWith(".json"))
  .map((file) => [file, JSON.parse(readFileSync(join(vectorDir, file), "utf8")) as Vector] as const);

function bytes(hex: string): Uint8Array {
  const b = fromHex(hex);
  if (!b) throw new Error(`bad hex in test: ${hex}`);
  return b;
}

function decodeOk(hex: string, variant: IsupVariant = "itu", sipt = false): IsupMessage {
  const r = decodeIsup(bytes(hex), { variant, sipt });
  if (!r.ok) throw new Error(formatDecodeError(r.error));
  return r.value;
}

describe("vectors", () => {
  it("are there, each with a description and a source", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(20);
    for (const [file, v] of vectors) {
      expect(v.description, file).not.toBe("");
      expect(v.source, file).not.toBe("");
      expect((v.decoded === undefined) !== (v.error === undefined), file).toBe(true);
    }
  });

  it.each(vectors)("%s decodes to its golden form and encodes back to the same octets", (_file, v) => {
    const opts = { variant: v.variant, sipt: v.sipt === true };
    const r = decodeIsup(bytes(v.hex), opts);
    if (v.error !== undefined) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(formatDecodeError(r.error)).toBe(v.error);
      return;
    }
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual(v.decoded);
    expect(r.notes).toEqual(v.notes ?? []);
    expect(toHex(encodeIsup(v.decoded as IsupMessage, opts))).toBe(v.hex);
  });
});

describe("tables", () => {
  it("define every Q.763 message type the codec must know, and the ANSI ones", () => {
    const itu = "IAM SAM INR INF COT ACM CON FOT ANM REL SUS RES RLC CCR RSC BLO UBL BLA UBA GRS CGB CGU CGBA CGUA GRA CQM CQR CPG USR UCIC CFN LPA FAC FAA FAR FRJ IDR IRS SGM APM PRI NRM OLM CRG UPT UPA PAM LOP SDN";
    for (const m of itu.split(" ")) expect(ITU_PROFILE.messagesByMnemonic.has(m), m).toBe(true);
    for (const m of "CRA CRM CVR CVT EXM".split(" ")) {
      expect(ANSI_PROFILE.messagesByMnemonic.has(m), m).toBe(true);
      expect(ITU_PROFILE.messagesByMnemonic.has(m), m).toBe(false);
    }
  });

  it("give IAM its Q.763 and T1.113 shapes", () => {
    const itu = ITU_PROFILE.messagesByMnemonic.get("IAM");
    const ansi = ANSI_PROFILE.messagesByMnemonic.get("IAM");
    expect(itu?.def.fixed).toEqual(["natureOfConnectionIndicators", "forwardCallIndicators", "callingPartysCategory", "transmissionMediumRequirement"]);
    expect(itu?.def.variable).toEqual(["calledPartyNumber"]);
    expect(ansi?.def.fixed).toEqual(["natureOfConnectionIndicators", "forwardCallIndicators", "callingPartysCategory"]);
    expect(ansi?.def.variable).toEqual(["userServiceInformation", "calledPartyNumber"]);
  });

  it("give every parameter a clause and sane bounds", () => {
    for (const p of [...ITU_PROFILE.parameters, ...ANSI_PROFILE.parameters]) {
      expect(p.clause, p.name).toMatch(/^(Q\.763|T1\.113)/);
      expect(p.minLength, p.name).toBeLessThanOrEqual(p.maxLength);
      expect(p.maxLength, p.name).toBeLessThanOrEqual(255);
    }
    expect(ANSI_PROFILE.parametersByCode[0xc0]?.name).toBe("genericAddress");
    expect(ITU_PROFILE.parametersByCode[0xc0]?.name).toBe("genericNumber");
  });
});

describe("every message type", () => {
  it.each(["itu", "ansi"] as const)("round-trips its %s sample", (variant) => {
    for (const m of allSampleMessages(variant, 7)) {
      const b = encodeIsup(m, { variant });
      const r = decodeIsup(b, { variant });
      expect(r.ok, m.messageType).toBe(true);
      if (!r.ok) continue;
      expect(toHex(encodeIsup(r.value, { variant })), m.messageType).toBe(toHex(b));
      expect(r.value.messageType).toBe(m.messageType);
      expect(r.value.parameters.map((p) => p.name)).toEqual(m.parameters.map((p) => p.name));
      const sipt = encodeIsup(m, { variant, sipt: true });
      expect(toHex(sipt)).toBe(toHex(b.subarray(2)));
    }
  });
});

describe("circuit identification code", () => {
  it("uses 12 bits in ITU and keeps the spare bits", () => {
    const m = decodeOk("8813 10 00");
    expect(m.cic).toBe(0x388);
    expect(m.cicSpare).toBe(1);
    expect(() => encodeIsup({ messageType: "RLC", cic: 4096, parameters: [] }, { variant: "itu" })).toThrow(/cic.*0-4095/);
  });

  it("uses 14 bits in ANSI", () => {
    const m = decodeOk("8813 10", "ansi");
    expect(m.cic).toBe(5000);
    expect(m.cicSpare).toBeUndefined();
    expect(toHex(encodeIsup({ messageType: "RLC", cic: 16383, parameters: [] }, { variant: "ansi" }))).toBe("ff3f10");
  });

  it("is absent from a SIP-T body", () => {
    const m = decodeOk("09 00", "itu", true);
    expect(m).toEqual({ messageType: "ANM", parameters: [] });
    expect(toHex(encodeIsup({ messageType: "ANM", cic: 99, parameters: [] }, { variant: "itu", sipt: true }))).toBe("0900");
  });
});

describe("decode errors name offset, parameter and clause", () => {
  it("as the example in the brief", () => {
    const r = decodeIsup(bytes("0c00 01 00 6001 0a 03 02 00 01 83"), { variant: "itu" });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toEqual({ offset: 10, field: "ISUP parameter calledPartyNumber", reason: "length 1 is below minimum 2", clause: "Q.763 §3.9" });
      expect(formatDecodeError(r.error)).toBe("Cannot decode ISUP parameter calledPartyNumber at offset 10: length 1 is below minimum 2 (Q.763 §3.9)");
    }
  });

  it.each([
    ["", "circuit identification code", 0],
    ["0c", "circuit identification code", 1],
    ["0c00", "message type code", 2],
    ["0c00 06 16", "ISUP parameter backwardCallIndicators", 3],
    ["0c00 06 1614", "pointers", 5],
    ["0c00 0c 00 00", "ISUP parameter causeIndicators", 3],
    ["0c00 0c 09 00", "ISUP parameter causeIndicators", 3],
    ["0c00 0c 02 00 05 8290", "ISUP parameter causeIndicators", 5],
    ["0c00 0c 02 00 02 8290 00", "message", 8],
    ["0c00 0c 03 00 ff 02 8290", "ISUP parameter causeIndicators", 3],
    ["0c00 06 1614 02 ff 00", "optional part", 5],
    ["0c00 06 1614 01 29", "ISUP parameter optionalBackwardCallIndicators", 7],
    ["0c00 06 1614 01 29 05 01", "ISUP parameter optionalBackwardCallIndicators", 7],
    ["0c00 0c 02 00 02 0290", "ISUP parameter causeIndicators", 7],
    ["0c00 11 00", "message", 3],
  ])("%s fails at %s", (hex, field, offset) => {
    const r = decodeIsup(bytes(hex), { variant: "itu" });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.field).toBe(field);
      expect(r.error.offset).toBe(offset);
      expect(r.error.clause).toMatch(/^Q\.763 §/);
    }
  });

  it("refuses an odd/even indicator with no address signals in a mandatory number", () => {
    const r = decodeIsup(bytes("0c00 02 02 00 01 80"), { variant: "itu" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatDecodeError(r.error)).toBe("Cannot decode ISUP parameter subsequentNumber at offset 5: length 1 is below minimum 2 (Q.763 §3.51)");
    const r2 = decodeIsup(bytes("0c00 01 00 6001 0a 03 02 00 02 83 10"), { variant: "itu" });
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.error.reason).toBe("odd/even indicator says odd but there are no address signals");
  });
});

describe("parameters", () => {
  it("give typed access to decoded fields", () => {
    const m = decodeOk("0c00 0c 02 00 02 82 90");
    const cause = getParameter(m, "causeIndicators");
    expect(cause?.causeValue).toBe(16);
    expect(cause?.causeValueName).toBe("normal call clearing");
    expect(cause?.location).toBe(2);
    expect(getParameter(m, "calledPartyNumber")).toBeUndefined();
  });

  it("keep the ST digit, odd digit counts and a non-zero filler", () => {
    // SAM: subsequent number, O/E bit 8 of octet 1 (Q.763 §3.51).
    const even = decodeOk("0c00 02 02 00 03 00 21 f3");
    expect(getParameter(even, "subsequentNumber")).toEqual({ digits: "123F" });
    const odd = decodeOk("0c00 02 02 00 03 80 21 03");
    expect(getParameter(odd, "subsequentNumber")).toEqual({ digits: "123" });
    const filler = decodeOk("0c00 02 02 00 03 80 21 a3");
    expect(getParameter(filler, "subsequentNumber")).toEqual({ digits: "123", filler: 10 });
    expect(toHex(encodeIsup(filler, { variant: "itu" }))).toBe("0c000202000380" + "21a3");
    expect(() => encodeIsup({ messageType: "SAM", cic: 12, parameters: [{ name: "subsequentNumber", value: { digits: "12", filler: 1 } }] }, { variant: "itu" })).toThrow(
      /only an odd number of address signals has a filler/,
    );
  });

  it("decode range and status to one status character per circuit", () => {
    const m = decodeOk("0100 18 00 01 02 07 0f");
    expect(getParameter(m, "rangeAndStatus")).toEqual({ range: 7, status: "11110000" });
    const odd = decodeOk("0100 1a 00 01 03 09 01 02");
    expect(getParameter(odd, "rangeAndStatus")).toEqual({ range: 9, status: "1000000001" });
    // Padding bits that are not 0 keep every bit, so the octets survive.
    const padded = decodeOk("0100 1a 00 01 03 09 01 06");
    expect(getParameter(padded, "rangeAndStatus")?.status).toBe("1000000001100000");
    expect(toHex(encodeIsup(padded, { variant: "itu" }))).toBe("01001a0001030901" + "06");
  });

  it("decode the cause with recommendation and diagnostics", () => {
    const m = decodeOk("0c00 0c 02 00 05 02 80 e2 1d 01");
    expect(getParameter(m, "causeIndicators")).toEqual({
      codingStandard: 0,
      codingStandardName: "ITU-T standardized coding",
      location: 2,
      locationName: "public network serving the local user",
      recommendation: 0,
      causeValue: 98,
      causeValueName: "message not compatible with call state or message type non-existent or not implemented",
      diagnostics: "1d01",
    });
    expect(toHex(encodeIsup(m, { variant: "itu" }))).toBe("0c000c02000502" + "80e21d01");
  });

  it("decode the user service information octets of Q.931", () => {
    const m = decodeOk("0100 01 00 60 01 0a 03 06 00 03 80 90 a2 02 00 10", "ansi");
    expect(getParameter(m, "userServiceInformation")).toEqual({
      codingStandard: 0,
      informationTransferCapability: 0,
      informationTransferCapabilityName: "speech",
      transferMode: 0,
      informationTransferRate: 16,
      userInformationLayer1Protocol: 2,
      userInformationLayer1ProtocolName: "ITU-T G.711 mu-law",
    });
    expect(getParameter(m, "calledPartyNumber")?.digits).toBe("");
  });

  it("decode generic digits by encoding scheme", () => {
    const base = "0c00 09 01 c1 03 01 21 43 00";
    expect(getParameter(decodeOk(base), "genericDigits")).toEqual({ typeOfDigits: 1, encodingScheme: 0, digits: "1234" });
    expect(getParameter(decodeOk(base.replace("c1 03 01 21 43", "c1 03 21 21 03")), "genericDigits")).toEqual({ typeOfDigits: 1, encodingScheme: 1, digits: "123" });
    expect(getParameter(decodeOk(base.replace("c1 03 01 21 43", "c1 03 41 31 32")), "genericDigits")).toEqual({ typeOfDigits: 1, encodingScheme: 2, digits: "12" });
    expect(getParameter(decodeOk(base.replace("c1 03 01 21 43", "c1 03 61 ff 00")), "genericDigits")).toEqual({ typeOfDigits: 1, encodingScheme: 3, data: "ff00" });
  });
});

describe("unrecognised information (Q.764 §2.9.5)", () => {
  it("keeps an unrecognised parameter byte-exact with its instruction", () => {
    const m = decodeOk("0c00 0c 02 04 02 85 a2 fe 02 ab cd 39 02 fe 94 00");
    const u = unrecognisedParameters(m);
    expect(u).toHaveLength(1);
    expect(u[0]?.parameter).toEqual({ name: "unrecognised", code: 0xfe, raw: "abcd" });
    expect(u[0]?.instruction).toMatchObject({ parameterCode: 0xfe, sendNotificationIndicator: 1, discardParameterIndicator: 1, releaseCallIndicator: 0 });
    expect(parameterInstruction(m, 0xfe)).toEqual(u[0]?.instruction);
    expect(parameterInstruction(m, 0xfd)).toBeUndefined();
    expect(getParameters(m, "unrecognised")).toHaveLength(1);
  });

  it("says when there is no instruction for an unrecognised parameter", () => {
    const r = decodeIsup(bytes("0c00 09 01 f0 01 07 00"), { variant: "itu" });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.notes).toEqual([
        { offset: 4, item: "parameter 0xF0", message: "unrecognised parameter kept as octets; no instruction for it in parameter compatibility information", clause: "Q.764 §2.9.5.3.2" },
      ]);
      expect(toHex(encodeIsup(r.value, { variant: "itu" }))).toBe("0c000901f0010700");
    }
  });

  it("keeps an unrecognised message byte-exact and finds its message compatibility information", () => {
    const m = decodeOk("0c00 fd 01 38 01 8c 00");
    expect(m).toEqual({ messageType: "unrecognised", messageTypeCode: 0xfd, cic: 12, parameters: [], body: "0138018c00" });
    expect(unrecognisedMessageInstruction(m, "itu")).toEqual({
      transitAtIntermediateExchangeIndicator: 0,
      releaseCallIndicator: 0,
      sendNotificationIndicator: 1,
      discardMessageIndicator: 1,
      passOnNotPossibleIndicator: 0,
      broadbandNarrowbandInterworkingIndicator: 0,
    });
    const opaque = decodeOk("0c00 fd ff ff");
    expect(unrecognisedMessageInstruction(opaque, "itu")).toBeUndefined();
    expect(toHex(encodeIsup(opaque, { variant: "itu" }))).toBe("0c00fdffff");
  });

  it("treats an ANSI-only message as unrecognised in ITU and the reverse", () => {
    expect(decodeOk("0100 ea 00").messageType).toBe("unrecognised");
    expect(decodeOk("0100 ea 00", "ansi").messageType).toBe("CRM");
    expect(decodeOk("0100 41 00").messageType).toBe("APM");
  });

  it("keeps an empty optional part as it was sent", () => {
    const m = decodeOk("0c00 09 01 00");
    expect(m.emptyOptionalPart).toBe(true);
    expect(toHex(encodeIsup(m, { variant: "itu" }))).toBe("0c00090100");
  });
});

describe("encode validates what it is given", () => {
  const rel = (): IsupMessage => sampleMessage("itu", "REL", 3);
  const bad = (m: unknown, re: RegExp, variant: IsupVariant = "itu"): void => {
    expect(() => encodeIsup(m as IsupMessage, { variant })).toThrow(EncodeError);
    expect(() => encodeIsup(m as IsupMessage, { variant })).toThrow(re);
  };

  it("rejects a missing or misplaced mandatory parameter", () => {
    bad({ messageType: "REL", cic: 1, parameters: [] }, /causeIndicators is missing/);
    bad({ messageType: "IAM", cic: 1, parameters: [...sampleMessage("itu", "IAM").parameters].reverse() }, /needs natureOfConnectionIndicators here/);
  });

  it("rejects unknown names, keys and fields", () => {
    bad({ messageType: "XYZ", cic: 1, parameters: [] }, /not a message type mnemonic of the itu profile/);
    bad({ ...rel(), extra: 1 }, /message.extra/);
    bad({ ...rel(), parameters: [...rel().parameters, { name: "nonsense", raw: "00" }] }, /not a parameter name of the itu profile/);
    bad({ ...rel(), parameters: [{ name: "causeIndicators", value: { codingStandard: 0, location: 2, causeValu: 16 } }] }, /causeValu/);
    bad({ ...rel(), parameters: [{ name: "causeIndicators", value: { codingStandard: 0, location: 2, causeValue: 200 } }] }, /causeValue.*0-127/);
    bad({ ...rel(), parameters: [{ name: "causeIndicators" }] }, /exactly one of value and raw/);
  });

  it("rejects bad digits and optional parameters where there is no optional part", () => {
    const iam = sampleMessage("itu", "IAM");
    const params = iam.parameters.map((p) => (p.name === "calledPartyNumber" && "value" in p ? { name: p.name, value: { ...p.value, digits: "12*4" } } : p));
    bad({ ...iam, parameters: params }, /"\*" at 2 is not an address signal/);
    bad({ messageType: "BLO", cic: 1, parameters: [{ name: "hopCounter", value: { hopCounter: 3 } }] }, /BLO has no optional part/);
    bad({ messageType: "unrecognised", messageTypeCode: 1, cic: 1, parameters: [], body: "" }, /0x01 is IAM/);
  });

  it("takes raw octets for any parameter, and names for information only", () => {
    const m: IsupMessage = {
      messageType: "REL",
      cic: 3,
      parameters: [
        { name: "causeIndicators", value: { codingStandard: 0, location: 2, causeValue: 16, causeValueName: "whatever" } },
        { name: "accessTransport", raw: "7c03" },
      ],
    };
    // CIC 3, REL, pointers 2 and 4, cause 82 90, access transport 7c 03, end.
    expect(toHex(encodeIsup(m, { variant: "itu" }))).toBe("03000c02040282900302" + "7c0300");
    const back = decodeOk("03000c020402829003027c0300");
    expect(back.parameters[1]).toEqual({ name: "accessTransport", raw: "7c03" });
  });

  it("checks the ANSI profile's own shapes", () => {
    const iam = sampleMessage("ansi", "IAM");
    expect(() => encodeIsup(iam, { variant: "itu" })).toThrow(/needs transmissionMediumRequirement here/);
    bad({ messageType: "CRM", cic: 1, parameters: [] }, /natureOfConnectionIndicators is missing/, "ansi");
    expect(profileOf("ansi").messagesByMnemonic.get("RLC")?.def.optionalPart).toBe(false);
  });
});
