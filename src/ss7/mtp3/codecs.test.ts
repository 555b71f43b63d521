import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../core/bytes.js";
import { decodeMtp3Message, encodeMtp3Message } from "./msu-codec.js";
import type { Mtp3Message } from "./msu-codec.js";
import { formatPointCode, parsePointCode, POINT_CODE_BITS, SLS_BITS } from "./point-code.js";
import type { Mtp3Variant } from "./point-code.js";
import { decodeSlt, encodeSlt } from "./slt-codec.js";
import { decodeSnm, encodeSnm, SNM_MESSAGES } from "./snm-codec.js";
import type { SnmField, SnmMessage, SnmType } from "./snm-codec.js";
import captures from "./vectors/libss7-captures.json" with { type: "json" };

function hex(s: string): Uint8Array {
  const b = fromHex(s);
  if (b === undefined) throw new Error(`bad hex in test vector: ${s}`);
  return b;
}

const variants: Mtp3Variant[] = ["itu", "ansi"];

describe("MTP3 codecs against frames captured from libss7 2.0", () => {
  for (const v of captures.vectors) {
    it(`${v.name}`, () => {
      const r = decodeMtp3Message(hex(v.payload), "itu");
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      const m = r.value;
      expect({ si: m.sio.si, ni: m.sio.ni, dpc: m.label.dpc, opc: m.label.opc, sls: m.label.sls }).toEqual({ si: v.si, ni: 2, dpc: v.dpc, opc: v.opc, sls: v.sls });
      if ("slt" in v && v.slt) {
        const s = decodeSlt(m.userData, "itu");
        expect(s.ok && { type: s.value.type, pattern: toHex(s.value.pattern) }).toEqual(v.slt);
      }
      if ("snm" in v && v.snm) expect(decodeSnm(m.userData, "itu")).toMatchObject({ ok: true, value: v.snm });
      if ("userData" in v && v.userData) expect(toHex(m.userData)).toBe(v.userData);
      expect(toHex(encodeMtp3Message(m, "itu"))).toBe(v.payload);
    });
  }
});

describe("routing label (Q.704 §2.2) and SIO (Q.704 §14.2)", () => {
  it("packs an ITU label as DPC, OPC, SLS from the least significant bit", () => {
    const m: Mtp3Message = { sio: { si: 5, ni: 2, priority: 0 }, label: { dpc: 0x3fff, opc: 1, sls: 15 }, userData: new Uint8Array([0xaa]) };
    expect(toHex(encodeMtp3Message(m, "itu"))).toBe("85ff7f00f0aa");
  });

  it("packs an ANSI label as three octets of DPC, three of OPC and one of SLS", () => {
    const m: Mtp3Message = { sio: { si: 5, ni: 2, priority: 1 }, label: { dpc: 0x010203, opc: 0x040506, sls: 0x1f }, userData: new Uint8Array([]) };
    expect(toHex(encodeMtp3Message(m, "ansi"))).toBe("9503020106050 41f".replace(/ /g, ""));
  });

  it("rejects a truncated label, naming it", () => {
    const r = decodeMtp3Message(hex("850102"), "itu");
    expect(r.ok ? "ok" : r.error.field).toBe("routing label");
    expect(decodeMtp3Message(hex(""), "ansi").ok).toBe(false);
  });

  it("refuses to encode a point code or SLS that does not fit", () => {
    const base: Mtp3Message = { sio: { si: 5, ni: 2, priority: 0 }, label: { dpc: 1, opc: 2, sls: 0 }, userData: new Uint8Array() };
    expect(() => encodeMtp3Message({ ...base, label: { dpc: 1 << 14, opc: 2, sls: 0 } }, "itu")).toThrow(/DPC/);
    expect(() => encodeMtp3Message({ ...base, label: { dpc: 1, opc: 2, sls: 16 } }, "itu")).toThrow(/SLS/);
    expect(() => encodeMtp3Message({ ...base, sio: { si: 16, ni: 0, priority: 0 } }, "itu")).toThrow(/SI/);
  });

  for (const variant of variants) {
    it(`${variant}: any bytes decode or fail, never throw; decode(encode(x)) = x (property)`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
          return typeof decodeMtp3Message(b, variant).ok === "boolean";
        }),
        { numRuns: 2000 },
      );
      const pc = fc.integer({ min: 0, max: 2 ** POINT_CODE_BITS[variant] - 1 });
      const plain = { noNullPrototype: true };
      const msg = fc.record(
        {
          sio: fc.record({ si: fc.integer({ min: 0, max: 15 }), ni: fc.integer({ min: 0, max: 3 }), priority: fc.integer({ min: 0, max: 3 }) }, plain),
          label: fc.record({ dpc: pc, opc: pc, sls: fc.integer({ min: 0, max: 2 ** SLS_BITS[variant] - 1 }) }, plain),
          userData: fc.uint8Array({ maxLength: 270 }),
        },
        plain,
      );
      fc.assert(
        fc.property(msg, (m) => {
          const r = decodeMtp3Message(encodeMtp3Message(m, variant), variant);
          return r.ok && isDeepStrictEqual(r.value, m);
        }),
        { numRuns: 1000 },
      );
    });
  }
});

describe("signalling network management messages (Q.704 §15)", () => {
  it("encodes the ITU formats bit for bit", () => {
    const cases: [SnmMessage, string][] = [
      [{ type: "COO", fsn: 0x55 }, "1155"],
      [{ type: "CBD", changebackCode: 0xa5 }, "51a5"],
      [{ type: "ECO" }, "12"],
      [{ type: "TFP", destination: 0x3fff }, "14ff3f"],
      [{ type: "TFA", destination: 300 }, "542c01"],
      [{ type: "UPU", destination: 0x1234, userPartId: 5, cause: 1 }, "1a341215"],
      [{ type: "TRA" }, "17"],
      [{ type: "LIN" }, "16"],
      [{ type: "XCO", fsn: 0x123456 }, "31563412"],
      [{ type: "DLC", sdli: 0xabc }, "18bc0a"],
    ];
    for (const [m, h] of cases) {
      expect(toHex(encodeSnm(m, "itu"))).toBe(h);
      expect(decodeSnm(hex(h), "itu")).toEqual({ ok: true, value: m, notes: [] });
    }
  });

  it("encodes the ANSI formats with the SLC in the message", () => {
    expect(toHex(encodeSnm({ type: "COO", slc: 3, fsn: 0x7f }, "ansi"))).toBe("11f307");
    expect(toHex(encodeSnm({ type: "LIN", slc: 9 }, "ansi"))).toBe("1609");
    expect(toHex(encodeSnm({ type: "TFP", destination: 0x010203 }, "ansi"))).toBe("14030201");
  });

  it("reports unknown headings, messages a variant does not define, and truncation", () => {
    expect(decodeSnm(hex("ff"), "itu")).toMatchObject({ ok: false, error: { field: "heading H0/H1" } });
    expect(decodeSnm(hex("24"), "itu")).toMatchObject({ ok: false, error: { field: "TCP" } });
    expect(decodeSnm(hex("14ff"), "itu")).toMatchObject({ ok: false, error: { field: "TFP fields" } });
    expect(decodeSnm(hex("17aa"), "itu")).toMatchObject({ ok: true, notes: [{ item: "TRA trailing octets" }] });
    expect(() => encodeSnm({ type: "TFP" }, "itu")).toThrow(/destination/);
    expect(() => encodeSnm({ type: "XCO", fsn: 1 }, "ansi")).toThrow(/ANSI/);
  });

  for (const variant of variants) {
    it(`${variant}: never throws on arbitrary bytes; decode(encode(x)) = x for every defined message (property)`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 12 }), (b) => {
          return typeof decodeSnm(b, variant).ok === "boolean";
        }),
        { numRuns: 2000 },
      );
      const defined = (Object.keys(SNM_MESSAGES) as SnmType[]).filter((t) => SNM_MESSAGES[t][variant] !== null);
      const gen = fc.constantFrom(...defined).chain((type) => {
        const layout = SNM_MESSAGES[type][variant] ?? [];
        const fields: Record<string, fc.Arbitrary<number>> = {};
        for (const f of layout) if (f.field !== "spare") fields[f.field] = fc.integer({ min: 0, max: 2 ** f.bits - 1 });
        return fc.record(fields).map((r) => ({ type, ...(r as Partial<Record<SnmField, number>>) }) as SnmMessage);
      });
      fc.assert(
        fc.property(gen, (m) => isDeepStrictEqual(decodeSnm(encodeSnm(m, variant), variant), { ok: true, value: m, notes: [] })),
        { numRuns: 1000 },
      );
    });
  }
});

describe("signalling link test messages (Q.707 §5)", () => {
  it("encodes SLTM/SLTA with the length in the upper half octet; ANSI puts the SLC in the lower", () => {
    expect(toHex(encodeSlt({ type: "SLTM", pattern: hex("0102") }, "itu"))).toBe("11200102");
    expect(toHex(encodeSlt({ type: "SLTA", slc: 5, pattern: hex("ff") }, "ansi"))).toBe("2115ff");
    expect(() => encodeSlt({ type: "SLTM", pattern: new Uint8Array(16) }, "itu")).toThrow(/over 15/);
  });

  it("never throws on arbitrary bytes; round trip (property)", () => {
    for (const variant of variants) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 20 }), (b) => {
          return typeof decodeSlt(b, variant).ok === "boolean";
        }),
        { numRuns: 1000 },
      );
      fc.assert(
        fc.property(fc.constantFrom<"SLTM" | "SLTA">("SLTM", "SLTA"), fc.integer({ min: 0, max: 15 }), fc.uint8Array({ maxLength: 15 }), (type, slc, pattern) => {
          const m = variant === "ansi" ? { type, slc, pattern } : { type, pattern };
          return isDeepStrictEqual(decodeSlt(encodeSlt(m, variant), variant), { ok: true, value: m, notes: [] });
        }),
        { numRuns: 500 },
      );
    }
  });
});

describe("point codes", () => {
  it("formats and parses ITU 3-8-3 and ANSI network-cluster-member", () => {
    expect(formatPointCode(0x3fff, "itu")).toBe("7-255-7");
    expect(parsePointCode("2-171-5", "itu")).toBe((2 << 11) | (171 << 3) | 5);
    expect(parsePointCode("16383", "itu")).toBe(16383);
    expect(parsePointCode("16384", "itu")).toBeUndefined();
    expect(parsePointCode("8-0-0", "itu")).toBeUndefined();
    expect(formatPointCode(0x010203, "ansi")).toBe("1-2-3");
    expect(parsePointCode("1-2-3", "ansi")).toBe(0x010203);
    expect(parsePointCode("x", "ansi")).toBeUndefined();
  });
});
