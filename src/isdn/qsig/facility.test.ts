import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../core/bytes.js";
import { decodeLapdFrame } from "../q921/codec/lapd-frame.js";
import { field, fieldValues, tsharkDecodeLapd, tsharkMissing } from "../q921/tshark-oracle.test-support.js";
import { decodeQ931, encodeQ931, findIe, ie } from "../q931/codec/q931-codec.js";
import type { PartyNumber, PresentedNumberUnscreened } from "./addressing.js";
import { TagClass, octetString } from "./ber.js";
import { decodeQsigFacility, encodeQsigFacility, operationsOf, qsigFacilityOf } from "./facility.js";
import type { QsigOperation } from "./facility.js";
import { nameFromText, nameText } from "./names.js";
import type { QsigName } from "./names.js";

const capture = JSON.parse(readFileSync(new URL("../q921/codec/vectors/libpri-qsig-call.json", import.meta.url), "utf8")) as { frames: { hex: string }[] };

function libpriSetupFacility() {
  const frame = decodeLapdFrame(fromHex(capture.frames[4]?.hex ?? "") as Uint8Array);
  if (!frame.ok) throw new Error("capture frame 5 does not decode");
  const msg = decodeQ931(frame.value.info);
  if (!msg.ok) throw new Error("capture SETUP does not decode");
  const fac = findIe(msg.value, "facility");
  if (!fac) throw new Error("no facility in the SETUP");
  return fac;
}

describe("QSIG facility: libpri's callingName", () => {
  it("decodes networking extensions, interpretation and the callingName invoke", () => {
    const r = decodeQsigFacility(libpriSetupFacility());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const kinds = r.value.components.map((c) => c.kind);
    expect(kinds).toEqual(["networkFacilityExtension", "interpretation", "rose"]);
    expect(r.value.components[0]).toEqual({ kind: "networkFacilityExtension", value: { sourceEntity: 0, destinationEntity: 0 } });
    const ops = operationsOf(r.value);
    expect(ops).toHaveLength(1);
    const op = ops[0] as QsigOperation & { operation: "callingName" };
    expect(op.operation).toBe("callingName");
    expect(op.argument).toEqual({ name: { presentation: "allowed", nameData: new TextEncoder().encode("Alice Example"), extended: false }, sequence: false });
    expect(nameText(op.argument.name)).toBe("Alice Example");
  });

  it("re-encodes libpri's components byte for byte", () => {
    const fac = libpriSetupFacility();
    const r = decodeQsigFacility(fac);
    if (!r.ok) throw new Error(r.error.reason);
    expect(toHex(encodeQsigFacility(r.value).components)).toBe(toHex(fac.components));
  });

  it("builds the same facility libpri sends for a calling name", () => {
    const ours = qsigFacilityOf([{ operation: "callingName", argument: { name: nameFromText("Alice Example"), sequence: false } }], 1);
    expect(ours).toEqual(libpriSetupFacility());
  });

  it("keeps an invoke with an undecodable argument, saying why", () => {
    const bad = encodeQsigFacility({
      protocolProfile: 0x1f,
      components: [{ kind: "rose", apdu: { type: "invoke", invokeId: 1, operation: { local: 0 }, argument: octetString(new Uint8Array(0), TagClass.context, 0) } }],
    });
    expect(toHex(bad.components)).toBe("a108020101020100" + "8000");
    const r = decodeQsigFacility(bad);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.components[0]).toMatchObject({ kind: "rose", argumentError: "NameArg.nameData: 0 octets; NameData is 1..50" });
  });
});

const ops: QsigOperation[] = [
  { operation: "callingName", argument: { name: { presentation: "restricted", nameData: Uint8Array.of(0x4a, 0x6f), extended: false }, sequence: false } },
  { operation: "calledName", argument: { name: { presentation: "notAvailable" }, sequence: true } },
  { operation: "connectedName", argument: { name: nameFromText("Zoë Ünicode €"), sequence: false } },
  { operation: "busyName", argument: { name: { presentation: "restrictedNull" }, sequence: false } },
  {
    operation: "divertingLegInformation2",
    argument: {
      diversionCounter: 2,
      diversionReason: 2,
      originalDiversionReason: 1,
      divertingNr: { presentation: "allowed", number: { plan: "public", typeOfNumber: 2, digits: "301234" } },
      originalCalledNr: { presentation: "restricted" },
      redirectingName: nameFromText("Bob"),
    },
  },
  { operation: "divertingLegInformation1", argument: { diversionReason: 3, subscriptionOption: 2, nominatedNr: { plan: "private", typeOfNumber: 4, digits: "2002" } } },
  { operation: "divertingLegInformation3", argument: { presentationAllowedIndicator: true, redirectionName: { presentation: "restricted", nameData: Uint8Array.of(0x41), extended: true, characterSet: 1 } } },
];

describe("QSIG facility: our encodings", () => {
  it("round-trips every operation we build", () => {
    const r = decodeQsigFacility(qsigFacilityOf(ops, 7));
    expect(r.ok && operationsOf(r.value)).toEqual(ops);
  });

  it("chooses ISO 8859-1 simple form when it fits and UTF-8 extended form otherwise", () => {
    expect(nameFromText("Jürgen")).toEqual({ presentation: "allowed", nameData: Uint8Array.of(0x4a, 0xfc, 0x72, 0x67, 0x65, 0x6e), extended: false });
    const utf = nameFromText("Zoë €");
    expect(utf).toMatchObject({ extended: true, characterSet: 9 });
    expect(nameText(utf)).toBe("Zoë €");
    expect(() => qsigFacilityOf([{ operation: "callingName", argument: { name: nameFromText("x".repeat(51)), sequence: false } }], 1)).toThrow(/1\.\.50/);
  });
});

const missing = tsharkMissing();
if (missing && !process.env.CI) console.warn(`QSIG tshark oracle skipped: ${missing}`);

describe("QSIG facility against tshark", () => {
  it.skipIf(missing !== undefined && !process.env.CI)("tshark decodes every operation we build to the same fields", () => {
    if (missing) throw new Error(`tshark oracle required in CI: ${missing}`);
    const m = encodeQ931({ protocolDiscriminator: 8, callReference: { length: 2, value: 1, flag: true }, messageType: "FACILITY", ies: [ie("facility", qsigFacilityOf(ops, 7))] });
    const [p = []] = tsharkDecodeLapd([Uint8Array.from([0, 1, 0, 0, ...m])]);
    expect(field(p, "q932.pp")).toBe("0x1f");
    expect(fieldValues(p, "q932.ros.present")).toEqual(["7", "8", "9", "10", "11", "12", "13"]);
    expect(fieldValues(p, "qsig.operation")).toEqual(["0", "1", "2", "3", "21", "20", "22"]);
    expect(fieldValues(p, "qsig.na.namePresentationRestrictedSimple")).toEqual(["Jo"]);
    expect(p.some((f) => f.name === "qsig.na.nameNotAvailable_element")).toBe(true);
    expect(p.some((f) => f.name === "qsig.na.namePresentationRestrictedNull_element")).toBe(true);
    expect(fieldValues(p, "qsig.na.characterSet")).toEqual(["9", "1"]);
    expect(field(p, "qsig.cf.diversionCounter")).toBe("2");
    expect(fieldValues(p, "qsig.cf.diversionReason")).toEqual(["2", "3"]);
    expect(field(p, "qsig.cf.originalDiversionReason")).toBe("1");
    expect(field(p, "qsig.publicNumberDigits")).toBe("301234");
    expect(field(p, "qsig.publicTypeOfNumber")).toBe("2");
    expect(field(p, "qsig.cf.originalCalledNr")).toBe("1");
    expect(field(p, "qsig.na.namePresentationAllowedSimple")).toBe("Bob");
    expect(field(p, "qsig.cf.subscriptionOption")).toBe("2");
    expect(field(p, "qsig.privateNumberDigits")).toBe("2002");
    expect(field(p, "qsig.privateTypeOfNumber")).toBe("4");
    expect(field(p, "qsig.cf.presentationAllowedIndicator")).toBe("1");
    expect(fieldValues(p, "qsig.na.nameData")).toContain("A");
    expect(p.filter((f) => f.name.startsWith("_ws.expert") || f.name === "_ws.malformed")).toEqual([]);
  });
});

// --- Properties -------------------------------------------------------------------

const arbName: fc.Arbitrary<QsigName> = fc.oneof(
  fc.record({ presentation: fc.constantFrom("allowed" as const, "restricted" as const), nameData: fc.uint8Array({ minLength: 1, maxLength: 50 }), extended: fc.constant(false) }),
  fc
    .record({ presentation: fc.constantFrom("allowed" as const, "restricted" as const), nameData: fc.uint8Array({ minLength: 1, maxLength: 50 }), cs: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }) })
    .map(({ cs, ...n }) => ({ ...n, extended: true, ...(cs !== undefined ? { characterSet: cs } : {}) })),
  fc.constant({ presentation: "restrictedNull" as const }),
  fc.constant({ presentation: "notAvailable" as const }),
);
const digits = fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: 20 });
const arbParty: fc.Arbitrary<PartyNumber> = fc.oneof(
  fc.record({ plan: fc.constantFrom("unknown" as const, "data" as const, "telex" as const, "nationalStandard" as const), digits }),
  fc.record({ plan: fc.constantFrom("public" as const, "private" as const), typeOfNumber: fc.integer({ min: 0, max: 6 }), digits }),
);
const arbPresented: fc.Arbitrary<PresentedNumberUnscreened> = fc.oneof(
  arbParty.map((number) => ({ presentation: "allowed" as const, number })),
  fc.option(arbParty, { nil: undefined }).map((number) => (number ? { presentation: "restricted" as const, number } : { presentation: "restricted" as const })),
  fc.constant({ presentation: "notAvailableDueToInterworking" as const }),
);
const opt = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const strip = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

// strip() drops undefined optionals, which exactOptionalPropertyTypes cannot see through.
const arbOp = fc.oneof(
  fc.record({ operation: fc.constantFrom("callingName" as const, "calledName" as const, "connectedName" as const, "busyName" as const), argument: fc.record({ name: arbName, sequence: fc.boolean() }) }),
  fc.record({ operation: fc.constant("divertingLegInformation1" as const), argument: fc.record({ diversionReason: fc.integer({ min: 0, max: 3 }), subscriptionOption: fc.integer({ min: 0, max: 2 }), nominatedNr: arbParty }) }),
  fc.record({
    operation: fc.constant("divertingLegInformation2" as const),
    argument: fc
      .record({
        diversionCounter: fc.integer({ min: 1, max: 15 }),
        diversionReason: fc.integer({ min: 0, max: 3 }),
        originalDiversionReason: opt(fc.integer({ min: 0, max: 3 })),
        divertingNr: opt(arbPresented),
        originalCalledNr: opt(arbPresented),
        redirectingName: opt(arbName),
        originalCalledName: opt(arbName),
      })
      .map(strip),
  }),
  fc.record({ operation: fc.constant("divertingLegInformation3" as const), argument: fc.record({ presentationAllowedIndicator: fc.boolean(), redirectionName: opt(arbName) }).map(strip) }),
) as unknown as fc.Arbitrary<QsigOperation>;

describe("QSIG facility properties", () => {
  it("any component bytes decode or fail, never throw; what decodes re-encodes byte for byte", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), fc.constantFrom(0x11, 0x1f), (components, protocolProfile) => {
        const r = decodeQsigFacility({ protocolProfile, components });
        if (r.ok) expect(toHex(encodeQsigFacility(r.value).components)).toBe(toHex(components));
      }),
      { numRuns: 4000 },
    );
  });

  it("decode(encode(operations)) = operations", () => {
    fc.assert(
      fc.property(fc.array(arbOp, { minLength: 1, maxLength: 4 }), fc.integer({ min: -5, max: 30000 }), (list, id) => {
        const r = decodeQsigFacility(qsigFacilityOf(list, id));
        expect(r.ok && operationsOf(r.value)).toEqual(list);
      }),
      { numRuns: 1500 },
    );
  });
});
