import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeBcd, decodeIa5, encodeBcd, encodeIa5 } from "./digits.js";
import { toHex } from "./bytes.js";

describe("BCD digits (Q.763 §3.9)", () => {
  it("puts the first digit in the low nibble and sets odd for an odd count", () => {
    const e = encodeBcd("5551234");
    expect(toHex(e.bytes)).toBe("55153204");
    expect(e.odd).toBe(true);
    expect(decodeBcd(e.bytes, true)).toBe("5551234");
  });

  it("keeps code 11, code 12 and ST", () => {
    const e = encodeBcd("12BCF");
    expect(decodeBcd(e.bytes, e.odd)).toBe("12BCF");
  });

  it("rejects characters that are not digits", () => {
    expect(() => encodeBcd("12*")).toThrow(/not a digit/);
  });

  it("round-trips any digit string", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-F]{0,40}$/), (d) => {
        const e = encodeBcd(d);
        expect(decodeBcd(e.bytes, e.odd)).toBe(d);
      }),
    );
  });

  it("decodes any bytes without failing", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), fc.boolean(), (b, odd) => {
        expect(decodeBcd(b, odd).length).toBe(b.length * 2 - (odd && b.length > 0 ? 1 : 0));
      }),
    );
  });
});

describe("IA5 digits (Q.931 §4.5.10)", () => {
  it("round-trips and refuses bit 8", () => {
    expect(decodeIa5(encodeIa5("2125550000"))).toBe("2125550000");
    expect(decodeIa5(Uint8Array.from([0xb1]))).toBeUndefined();
    expect(() => encodeIa5("é")).toThrow(/outside IA5/);
  });
});
