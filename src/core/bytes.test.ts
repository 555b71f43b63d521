import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ByteReader, ByteWriter, decodeWith, fromHex, toHex } from "./bytes.js";

describe("ByteReader", () => {
  it("reads big- and little-endian fields and tracks the offset", () => {
    const r = new ByteReader(Uint8Array.from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09]));
    expect(r.u8()).toBe(0x01);
    expect(r.u16be()).toBe(0x0203);
    expect(r.u16le()).toBe(0x0504);
    expect(r.offset).toBe(5);
    expect(r.u32be()).toBe(0x06070809);
    expect(r.atEnd).toBe(true);
  });

  it("reports the offset and field of a read past the end", () => {
    const res = decodeWith(() => {
      const r = new ByteReader(Uint8Array.from([0xaa, 0xbb, 0xcc]));
      r.u16be("cic");
      return r.u16be("pointer");
    });
    expect(res).toEqual({ ok: false, error: { offset: 2, field: "pointer", reason: "needs 2 bytes, only 1 left" } });
  });

  it("keeps original offsets inside a sub-reader", () => {
    const res = decodeWith(() => {
      const r = new ByteReader(Uint8Array.from([0, 1, 2, 3, 4, 5]));
      r.skip(2);
      const s = r.sub(2, "parameter");
      s.u8();
      s.u8();
      return s.u8("digit");
    });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.offset).toBe(4);
  });

  it("u32 values keep the top bit unsigned", () => {
    const r = new ByteReader(Uint8Array.from([0xff, 0xff, 0xff, 0xfe, 0xfe, 0xff, 0xff, 0xff]));
    expect(r.u32be()).toBe(0xfffffffe);
    expect(r.u32le()).toBe(0xfffffffe);
  });

  it("any reads over any bytes give a value or a decode error, never an exception", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 40 }), (bytes, ops) => {
        const res = decodeWith(() => {
          const r = new ByteReader(bytes);
          let acc = 0;
          for (const op of ops) {
            if (op === 0) acc += r.u8();
            else if (op === 1) acc += r.u16be();
            else if (op === 2) acc += r.u32le();
            else if (op === 3) acc += r.bytes(3).length;
            else if (op === 4) acc += r.sub(2).remaining;
            else r.skip(1);
          }
          return acc;
        });
        expect(typeof res.ok).toBe("boolean");
      }),
      { numRuns: 500 },
    );
  });
});

describe("ByteWriter", () => {
  it("grows, patches and rejects out-of-range values", () => {
    const w = new ByteWriter(1);
    const at = w.reserve(1);
    for (let i = 0; i < 100; i++) w.u8(i);
    w.patchU8(at, 0xee);
    w.u16be(0x1234).u16le(0x1234).u32be(0xdeadbeef).u24le(0x010203);
    const out = w.finish();
    expect(out.length).toBe(1 + 100 + 2 + 2 + 4 + 3);
    expect(out[0]).toBe(0xee);
    expect(toHex(out.subarray(101))).toBe("12343412deadbeef030201");
    expect(() => w.u8(256)).toThrow(RangeError);
    expect(() => w.u16be(-1)).toThrow(RangeError);
  });

  it("round-trips through the reader", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 50 }), (vals) => {
        const w = new ByteWriter();
        for (const v of vals) w.u16be(v);
        const r = new ByteReader(w.finish());
        expect(vals.map(() => r.u16be())).toEqual(vals);
      }),
    );
  });
});

describe("hex", () => {
  it("parses spaced, colon-separated and prefixed hex, and rejects the rest", () => {
    expect(toHex(fromHex("0x01 02:0a")!)).toBe("01020a");
    expect(fromHex("123")).toBeUndefined();
    expect(fromHex("zz")).toBeUndefined();
    expect(toHex(Uint8Array.from([1, 255]), " ")).toBe("01 ff");
  });
});
