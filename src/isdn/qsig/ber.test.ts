import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../core/bytes.js";
import { TagClass, decodeBer, decodeBerOne, encodeBer, integer, integerOctets, oidOctets, primitive, readInteger, readOid } from "./ber.js";
import type { BerNode } from "./ber.js";

const hex = (s: string): Uint8Array => fromHex(s) as Uint8Array;

describe("BER codec (X.690 §8)", () => {
  it("decodes the ROSE invoke of libpri's callingName and re-encodes it", () => {
    // From the SETUP in src/isdn/q921/codec/vectors/libpri-qsig-call.json.
    const b = hex("a115020101020100800d416c696365204578616d706c65");
    const r = decodeBerOne(b);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ tagClass: TagClass.context, constructed: true, tagNumber: 1 });
    expect(encodeBer(r.value)).toEqual(b);
  });

  it("keeps long-form and indefinite lengths as written", () => {
    for (const h of ["04810141", "048200020102", "308002010105000000", "bf8101020500", "1f81000100"]) {
      const r = decodeBer(hex(h));
      expect(r.ok, h).toBe(true);
      if (r.ok) expect(toHex(encodeBer(r.value)), h).toBe(h);
    }
  });

  it("rejects malformed TLVs with a reason and clause", () => {
    expect(decodeBer(hex("0405010203"))).toMatchObject({ ok: false, error: { field: "BER length" } });
    expect(decodeBer(hex("0480"))).toMatchObject({ ok: false, error: { clause: "X.690 §8.1.3.2" } });
    expect(decodeBer(hex("3080020101"))).toMatchObject({ ok: false });
    expect(decodeBer(hex("1f8001"))).toMatchObject({ ok: false, error: { clause: "X.690 §8.1.2.4.2" } });
    expect(decodeBer(hex("04ff"))).toMatchObject({ ok: false });
  });

  it("encodes integers in minimal two's complement (X.690 §8.3.2)", () => {
    const cases: [number, string][] = [
      [0, "00"],
      [1, "01"],
      [127, "7f"],
      [128, "0080"],
      [255, "00ff"],
      [256, "0100"],
      [-1, "ff"],
      [-128, "80"],
      [-129, "ff7f"],
      [65535, "00ffff"],
    ];
    for (const [v, h] of cases) {
      expect(toHex(integerOctets(v)), String(v)).toBe(h);
      expect(readInteger(primitive(0, 2, hex(h)), "x")).toBe(v);
    }
    expect(() => readInteger(primitive(0, 2, hex("0001")), "x")).toThrow(/minimal/);
  });

  it("encodes object identifiers (X.690 §8.19)", () => {
    // ECMA-164 name operations module: { iso(1) standard(0) pss1-name(13868) name-operations-asn1-97(1) }
    expect(toHex(oidOctets("1.0.13868.1"))).toBe("28ec2c01");
    expect(readOid(primitive(0, 6, hex("28ec2c01")), "oid")).toBe("1.0.13868.1");
    expect(readOid(primitive(0, 6, oidOctets("2.999.3")), "oid")).toBe("2.999.3");
  });
});

const arbNode: fc.Arbitrary<BerNode> = fc.letrec<{ node: BerNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({
      tagClass: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
      constructed: fc.constant(false as const),
      tagNumber: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 31, max: 100_000 })),
      value: fc.uint8Array({ maxLength: 140 }),
    }),
    fc.record({
      tagClass: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
      constructed: fc.constant(true as const),
      tagNumber: fc.integer({ min: 0, max: 40 }),
      children: fc.array(tie("node"), { maxLength: 4 }),
    }),
  ),
})).node;

describe("BER codec properties", () => {
  it("any bytes decode to TLVs or an error, never a throw; what decodes re-encodes byte for byte", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const r = decodeBer(b);
        if (r.ok) expect(encodeBer(r.value)).toEqual(b);
      }),
      { numRuns: 5000 },
    );
  });

  it("decode(encode(nodes)) = nodes", () => {
    fc.assert(
      fc.property(fc.array(arbNode, { maxLength: 3 }), (nodes) => {
        const r = decodeBer(encodeBer(nodes));
        expect(r.ok && r.value).toEqual(nodes);
      }),
      { numRuns: 1000 },
    );
  });

  it("integers round-trip", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (v) => {
        expect(readInteger(integer(v), "v")).toBe(v);
      }),
      { numRuns: 2000 },
    );
  });
});
