import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../../core/bytes.js";
import { decodeLapdFrame } from "../../q921/codec/lapd-frame.js";
import { field, fieldValues, tsharkDecodeLapd, tsharkMissing } from "../../q921/tshark-oracle.test-support.js";
import type { IeValueMap } from "./information-elements.js";
import { decodeQ931, encodeQ931, findAnyIe, findIe, hasSingleIe, ie } from "./q931-codec.js";
import type { Q931Ie, Q931Message } from "./q931-codec.js";
import { MESSAGE_BY_NAME } from "./message-types.js";

interface Vectors {
  readonly source: string;
  readonly vectors: readonly { readonly name: string; readonly hex: string }[];
}
const constructed = JSON.parse(readFileSync(new URL("./vectors/q931-constructed.json", import.meta.url), "utf8")) as Vectors;
const capture = JSON.parse(readFileSync(new URL("../../q921/codec/vectors/libpri-qsig-call.json", import.meta.url), "utf8")) as { frames: { hex: string }[] };

/** The Q.931 messages libpri sent in the captured call (information fields of its I frames). */
const libpriMessages: Uint8Array[] = capture.frames.flatMap((f) => {
  const r = decodeLapdFrame(fromHex(f.hex) as Uint8Array);
  return r.ok && r.value.control.format === "I" ? [r.value.info] : [];
});

const hex = (s: string): Uint8Array => fromHex(s) as Uint8Array;
const byName = (n: string): Uint8Array => hex(constructed.vectors.find((v) => v.name.startsWith(n))?.hex ?? "");

function decode(b: Uint8Array): { msg: Q931Message; notes: readonly { item: string; message: string }[] } {
  const r = decodeQ931(b);
  if (!r.ok) throw new Error(`${r.error.field}: ${r.error.reason}`);
  return { msg: r.value, notes: r.notes };
}

describe("Q.931 codec: libpri's QSIG call", () => {
  it("decodes every message and re-encodes it byte for byte", () => {
    expect(libpriMessages.map((m) => decode(m).msg.messageType)).toEqual([
      "SETUP",
      "CALL PROCEEDING",
      "ALERTING",
      "CONNECT",
      "CONNECT ACKNOWLEDGE",
      "DISCONNECT",
      "RELEASE",
      "RELEASE COMPLETE",
    ]);
    for (const m of libpriMessages) expect(toHex(encodeQ931(decode(m).msg))).toBe(toHex(m));
  });

  it("decodes the SETUP's elements", () => {
    const { msg, notes } = decode(libpriMessages[0] as Uint8Array);
    expect(notes).toEqual([]);
    expect(msg.callReference).toEqual({ length: 2, value: 1, flag: false });
    expect(findIe(msg, "bearerCapability")).toEqual({
      codingStandard: 0,
      informationTransferCapability: 0,
      transferMode: 0,
      informationTransferRate: 0x10,
      layer1: { protocol: 3, additional: new Uint8Array(0) },
    });
    expect(findIe(msg, "channelIdentification")).toEqual({
      interfaceType: "primary",
      exclusive: true,
      dChannel: false,
      channelSelection: 1,
      channels: { codingStandard: 0, elementType: 3, numbers: [1] },
    });
    expect(findIe(msg, "callingPartyNumber")).toEqual({ typeOfNumber: 0, numberingPlan: 0, presentation: 0, screening: 0, digits: "1001" });
    expect(findIe(msg, "calledPartyNumber")).toEqual({ typeOfNumber: 0, numberingPlan: 0, digits: "2001" });
    const fac = findIe(msg, "facility");
    expect(fac?.protocolProfile).toBe(0x1f);
    expect(fac?.components.length).toBe(0x22);
  });

  it("reads the call reference flag of responses and the cause of the clearing messages", () => {
    const proceeding = decode(libpriMessages[1] as Uint8Array).msg;
    expect(proceeding.callReference).toEqual({ length: 2, value: 1, flag: true });
    const disconnect = decode(libpriMessages[5] as Uint8Array).msg;
    expect(findIe(disconnect, "cause")).toEqual({ codingStandard: 0, location: 1, value: 16, diagnostics: new Uint8Array(0) });
  });
});

describe("Q.931 codec: constructed vectors", () => {
  it("decodes every vector and re-encodes it byte for byte", () => {
    for (const v of constructed.vectors) {
      const b = hex(v.hex);
      expect(toHex(encodeQ931(decode(b).msg)), v.name).toBe(v.hex);
    }
  });

  it("uses the global call reference for RESTART and decodes the restart indicator", () => {
    const { msg } = decode(byName("RESTART of B-channel 12"));
    expect(msg.callReference).toEqual({ length: 2, value: 0, flag: false });
    expect(findIe(msg, "restartIndicator")).toEqual({ restartClass: 0 });
    expect(findIe(msg, "channelIdentification")?.channels?.numbers).toEqual([12]);
    expect(findIe(decode(byName("RESTART of all interfaces")).msg, "restartIndicator")).toEqual({ restartClass: 7 });
  });

  it("tracks codesets across non-locking and locking shifts (Q.931 §4.5.3, §4.5.4)", () => {
    const { msg, notes } = decode(byName("SETUP with sending complete"));
    expect(hasSingleIe(msg, "sendingComplete")).toBe(true);
    const tail = msg.ies.slice(-4);
    expect(tail).toEqual([
      { kind: "shift", locking: false, codeset: 5 },
      { kind: "raw", codeset: 5, id: 0x32, name: "codeset5-0x32", contents: Uint8Array.of(0), status: "unrecognized", comprehensionRequired: false },
      { kind: "shift", locking: true, codeset: 6 },
      { kind: "raw", codeset: 6, id: 0x01, name: "codeset6-0x01", contents: Uint8Array.of(0x12, 0x34), status: "unrecognized", comprehensionRequired: false },
    ]);
    expect(notes.map((n) => n.item)).toEqual(["codeset5-0x32", "codeset6-0x01"]);
    expect(findIe(msg, "callingPartyNumber")).toEqual({ typeOfNumber: 2, numberingPlan: 1, presentation: 0, screening: 3, digits: "0301234567" });
    expect(findIe(msg, "calledPartyNumber")).toEqual({ typeOfNumber: 4, numberingPlan: 1, digits: "4711" });
    expect(findIe(msg, "highLayerCompatibility")).toEqual({ codingStandard: 0, interpretation: 4, presentation: 1, identification: 1 });
  });

  it("flags unrecognized elements, comprehension required per Q.931 §4.5.1", () => {
    const { msg } = decode(byName("SETUP with an unrecognized"));
    expect(findAnyIe(msg, "codeset0-0x0e")).toMatchObject({ kind: "raw", status: "unrecognized", comprehensionRequired: true });
    expect(findAnyIe(msg, "codeset0-0x5f")).toMatchObject({ kind: "raw", status: "unrecognized", comprehensionRequired: false });
  });

  it("keeps an element with invalid contents as bytes with the reason", () => {
    const { msg, notes } = decode(byName("DISCONNECT with a cause element missing"));
    expect(findAnyIe(msg, "cause")).toMatchObject({ kind: "raw", status: "invalid", comprehensionRequired: true, reason: "octet 4 cause value: the cause value is missing" });
    expect(findIe(msg, "cause")).toBeUndefined();
    expect(notes[0]).toMatchObject({ item: "cause", offset: 8 });
  });

  it("keeps a non-canonical element's octets next to its value", () => {
    const { msg } = decode(byName("CALL PROCEEDING with a spare bit"));
    const ci = msg.ies[0];
    expect(ci).toMatchObject({ kind: "ie", name: "channelIdentification", wire: Uint8Array.of(0xb9, 0x83, 0x81) });
    // Editing the value makes the encoder use the value, not the stale octets.
    const edited: Q931Message = { ...msg, ies: [{ ...(ci as Extract<Q931Ie, { kind: "ie" }>), value: { ...(findIe(msg, "channelIdentification") as IeValueMap["channelIdentification"]), exclusive: false } } as Q931Ie] };
    expect(toHex(encodeQ931(edited))).toBe("0802800f021803a18381");
  });

  it("decodes multirate bearer capability, slot maps, interface identifiers and channel lists", () => {
    const multi = decode(byName("SETUP of 6x64")).msg;
    expect(findIe(multi, "bearerCapability")).toMatchObject({ informationTransferCapability: 8, informationTransferRate: 0x18, rateMultiplier: 6 });
    expect(findIe(multi, "channelIdentification")).toEqual({
      interfaceIdentifier: Uint8Array.of(0x81),
      interfaceType: "primary",
      exclusive: true,
      dChannel: false,
      channelSelection: 1,
      channels: { codingStandard: 0, elementType: 3, slotMap: Uint8Array.of(0, 0, 0, 0xfc) },
    });
    const v110 = decode(byName("SETUP of V.110")).msg;
    expect(findIe(v110, "bearerCapability")?.layer1).toEqual({ protocol: 1, additional: Uint8Array.of(0x8f) });
    expect(findIe(v110, "channelIdentification")?.channels?.numbers).toEqual([1, 2, 3]);
  });

  it("rejects what is not a Q.931 message with the offset and clause", () => {
    expect(decodeQ931(hex("0902000105"))).toMatchObject({ ok: false, error: { offset: 0, field: "protocol discriminator", clause: "Q.931 §4.2, §5.8.1" } });
    expect(decodeQ931(hex("0812000105"))).toMatchObject({ ok: false, error: { offset: 1, field: "call reference length" } });
    expect(decodeQ931(hex("08020001"))).toMatchObject({ ok: false, error: { offset: 4, field: "message type" } });
    expect(decodeQ931(hex("0802000185"))).toMatchObject({ ok: false, error: { offset: 4, field: "message type" } });
    expect(decodeQ931(hex("080200010504058090"))).toMatchObject({ ok: false, error: { offset: 7, field: "bearerCapability contents" } });
  });

  it("keeps an unknown message type as its code with a note (Q.931 §5.8.4)", () => {
    const r = decodeQ931(hex("0802000133"));
    expect(r.ok && r.value.messageType).toBe(0x33);
    expect(r.ok && r.notes[0]?.clause).toBe("Q.931 §5.8.4");
    if (r.ok) expect(toHex(encodeQ931(r.value))).toBe("0802000133");
  });

  it("encodes messages built from values, including the dummy call reference", () => {
    const msg: Q931Message = {
      protocolDiscriminator: 8,
      callReference: { length: 2, value: 0x1234, flag: true },
      messageType: "DISCONNECT",
      ies: [ie("cause", { codingStandard: 0, location: 1, value: 16, diagnostics: new Uint8Array(0) })],
    };
    expect(toHex(encodeQ931(msg))).toBe("0802923445080281 90".replace(" ", ""));
    expect(toHex(encodeQ931({ ...msg, callReference: { length: 0, value: 0, flag: false }, messageType: "STATUS ENQUIRY", ies: [] }))).toBe("080075");
    expect(() => encodeQ931({ ...msg, callReference: { length: 1, value: 200, flag: false } })).toThrow(/does not fit/);
  });
});

const missing = tsharkMissing();
if (missing && !process.env.CI) console.warn(`Q.931 tshark oracle skipped: ${missing}`);

describe("Q.931 codec against tshark", () => {
  it.skipIf(missing !== undefined && !process.env.CI)("agrees field by field on libpri's messages and the constructed ones", () => {
    if (missing) throw new Error(`tshark oracle required in CI: ${missing}`);
    const messages = [...libpriMessages, ...constructed.vectors.map((v) => hex(v.hex))];
    // Carry each message in an I frame from the user side (SAPI 0, TEI 0).
    const packets = tsharkDecodeLapd(messages.map((m) => Uint8Array.from([0x00, 0x01, 0x00, 0x00, ...m])));
    messages.forEach((bytes, i) => {
      const { msg } = decode(bytes);
      const p = packets[i] ?? [];
      const label = `${i}: ${toHex(bytes)}`;
      const code = typeof msg.messageType === "number" ? msg.messageType : (MESSAGE_BY_NAME.get(msg.messageType)?.code as number);
      expect(Number(field(p, "q931.message_type")), label).toBe(code);
      expect(parseInt((field(p, "q931.call_ref") ?? "").replace(/:/g, ""), 16), label).toBe(msg.callReference.value);
      expect(field(p, "q931.call_ref_flag"), label).toBe(msg.callReference.flag ? "1" : "0");
      const ci = findIe(msg, "channelIdentification");
      expect(fieldValues(p, "q931.channel.number").map(Number), label).toEqual([...(ci?.channels?.numbers ?? [])]);
      if (ci) {
        expect(field(p, "q931.channel.exclusive"), label).toBe(ci.exclusive ? "1" : "0");
        expect(field(p, "q931.channel.interface_type"), label).toBe(ci.interfaceType === "primary" ? "1" : "0");
      }
      const cause = findIe(msg, "cause");
      expect(field(p, "q931.cause_value"), label).toBe(cause ? String(cause.value) : undefined);
      if (cause) expect(field(p, "q931.cause_location"), label).toBe(String(cause.location));
      expect(field(p, "q931.calling_party_number.digits"), label).toBe(findIe(msg, "callingPartyNumber")?.digits);
      expect(field(p, "q931.called_party_number.digits"), label).toBe(findIe(msg, "calledPartyNumber")?.digits);
      const ri = findIe(msg, "restartIndicator");
      expect(field(p, "q931.restart_indicator"), label).toBe(ri ? `0x${ri.restartClass.toString(16).padStart(2, "0")}` : undefined);
      const cs = findIe(msg, "callState");
      expect(field(p, "q931.call_state"), label).toBe(cs ? `0x${cs.value.toString(16).padStart(2, "0")}` : undefined);
      const pi = findIe(msg, "progressIndicator");
      expect(field(p, "q931.progress_indicator.description"), label).toBe(pi ? `0x${pi.description.toString(16).padStart(2, "0")}` : undefined);
      const bc = findIe(msg, "bearerCapability");
      if (bc) {
        expect(Number(field(p, "q931.information_transfer_capability")), label).toBe(bc.informationTransferCapability);
        expect(Number(field(p, "q931.information_transfer_rate")), label).toBe(bc.informationTransferRate);
        expect(field(p, "q931.bearer_capability.rate_multiplier"), label).toBe(bc.rateMultiplier?.toString());
      }
    });
  });
});

// --- Properties -------------------------------------------------------------------

const ia5 = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 24 });
const extGroup = (max: number): fc.Arbitrary<Uint8Array> =>
  fc.array(fc.integer({ min: 0, max: 0x7f }), { minLength: 1, maxLength: max }).map((a) => Uint8Array.from(a.map((v, i) => (i === a.length - 1 ? v | 0x80 : v))));
const layer = fc.record({ protocol: fc.integer({ min: 0, max: 31 }), additional: fc.oneof(fc.constant(new Uint8Array(0)), extGroup(4)) });
const u = (max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max });

const arbIe: fc.Arbitrary<Q931Ie> = fc.oneof(
  fc
    .record({
      codingStandard: u(3),
      informationTransferCapability: u(31),
      transferMode: u(3),
      informationTransferRate: u(31),
      rateMultiplier: u(127),
      layer1: fc.option(layer, { nil: undefined }),
      layer2: fc.option(layer, { nil: undefined }),
      layer3: fc.option(layer, { nil: undefined }),
    })
    .map(({ rateMultiplier, layer1, layer2, layer3, ...rest }) =>
      ie("bearerCapability", {
        ...rest,
        ...(rest.informationTransferRate === 0x18 ? { rateMultiplier } : {}),
        ...(layer1 ? { layer1 } : {}),
        ...(layer2 ? { layer2 } : {}),
        ...(layer3 ? { layer3 } : {}),
      }),
    ),
  fc
    .record({
      interfaceIdentifier: fc.option(extGroup(3), { nil: undefined }),
      primary: fc.boolean(),
      exclusive: fc.boolean(),
      dChannel: fc.boolean(),
      channelSelection: u(3),
      list: fc.option(
        fc.oneof(
          fc.record({ codingStandard: u(3), elementType: u(15), numbers: fc.array(u(127), { minLength: 1, maxLength: 5 }) }),
          fc.record({ codingStandard: u(3), elementType: u(15), slotMap: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
        ),
        { nil: undefined },
      ),
    })
    .map(({ interfaceIdentifier, primary, list, ...rest }) =>
      ie("channelIdentification", {
        ...(interfaceIdentifier ? { interfaceIdentifier } : {}),
        interfaceType: primary ? "primary" : "basic",
        ...rest,
        ...(primary && list ? { channels: list } : {}),
      }),
    ),
  fc.record({ typeOfNumber: u(7), numberingPlan: u(15), digits: ia5 }).map((v) => ie("calledPartyNumber", v)),
  fc
    .record({ typeOfNumber: u(7), numberingPlan: u(15), pres: fc.option(fc.tuple(u(3), u(3)), { nil: undefined }), digits: ia5 })
    .map(({ pres, ...v }) => ie(fc.sample(fc.constantFrom("callingPartyNumber" as const, "connectedNumber" as const), 1)[0] ?? "callingPartyNumber", { ...v, ...(pres ? { presentation: pres[0], screening: pres[1] } : {}) })),
  fc
    .record({ codingStandard: u(3), location: u(15), recommendation: fc.option(u(127), { nil: undefined }), value: u(127), diagnostics: fc.uint8Array({ maxLength: 6 }) })
    .map(({ recommendation, ...v }) => ie("cause", { ...v, ...(recommendation !== undefined ? { recommendation } : {}) })),
  fc.record({ codingStandard: u(3), location: u(15), description: u(127) }).map((v) => ie("progressIndicator", v)),
  fc.record({ protocolProfile: u(31), components: fc.uint8Array({ maxLength: 40 }) }).map((v) => ie("facility", v)),
  fc.record({ description: u(127), extension: fc.uint8Array({ maxLength: 4 }) }).map((v) => ie("notificationIndicator", v)),
  fc.record({ restartClass: u(7) }).map((v) => ie("restartIndicator", v)),
  fc.record({ codingStandard: u(3), value: u(63) }).map((v) => ie("callState", v)),
  ia5.map((v) => ie("display", v)),
  fc
    .record({ codingStandard: u(3), interpretation: u(7), presentation: u(3), identification: u(127), ext: fc.option(u(127), { nil: undefined }) })
    .map(({ ext, ...v }) => ie("highLayerCompatibility", { ...v, ...(ext !== undefined ? { extendedIdentification: ext } : {}) })),
  fc.constant<Q931Ie>({ kind: "single", codeset: 0, name: "sendingComplete", octet: 0xa1 }),
  fc.integer({ min: 0, max: 15 }).map<Q931Ie>((v) => ({ kind: "single", codeset: 0, name: "congestionLevel", octet: 0xb0 | v })),
  fc
    .record({ id: fc.constantFrom(0x7c, 0x7e, 0x29, 0x2c, 0x74), contents: fc.uint8Array({ maxLength: 12 }) })
    .map<Q931Ie>(({ id, contents }) => ({ kind: "raw", codeset: 0, id, name: { 0x7c: "lowLayerCompatibility", 0x7e: "userUser", 0x29: "dateTime", 0x2c: "keypadFacility", 0x74: "redirectingNumber" }[id] as string, contents, status: "undecoded", comprehensionRequired: false })),
);

const arbMessage: fc.Arbitrary<Q931Message> = fc
  .record({
    value: fc.integer({ min: 0, max: 0x7fff }),
    flag: fc.boolean(),
    type: fc.constantFrom(...[...MESSAGE_BY_NAME.keys()]),
    ies: fc.array(arbIe, { maxLength: 8 }),
    cs6: fc.array(fc.record({ id: fc.integer({ min: 0, max: 0x7f }), contents: fc.uint8Array({ maxLength: 6 }) }), { maxLength: 2 }),
  })
  .map(({ value, flag, type, ies, cs6 }) => ({
    protocolDiscriminator: 8,
    callReference: { length: 2, value, flag },
    messageType: type,
    ies: [
      ...ies,
      ...(cs6.length
        ? [
            { kind: "shift", locking: true, codeset: 6 } as Q931Ie,
            ...cs6.map<Q931Ie>(({ id, contents }) => ({ kind: "raw", codeset: 6, id, name: `codeset6-0x${id.toString(16).padStart(2, "0")}`, contents, status: "unrecognized", comprehensionRequired: false })),
          ]
        : []),
    ],
  }));

describe("Q.931 codec properties", () => {
  it("any bytes decode to a message or an error, never a throw; what decodes re-encodes byte for byte", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (tail, header) => {
        const b = header ? Uint8Array.from([0x08, 0x02, 0x00, 0x01, 0x05, ...tail]) : tail;
        const r = decodeQ931(b);
        if (r.ok) expect(toHex(encodeQ931(r.value))).toBe(toHex(b));
      }),
      { numRuns: 4000 },
    );
  });

  it("decode(encode(message)) = message for generated messages", () => {
    fc.assert(
      fc.property(arbMessage, (m) => {
        const r = decodeQ931(encodeQ931(m));
        expect(r.ok && r.value).toEqual(m);
      }),
      { numRuns: 1500 },
    );
  });
});
