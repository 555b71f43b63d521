import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../core/bytes.js";
import { decodeSignalUnit, encodeSignalUnit, LSSU_STATUS } from "./su-codec.js";
import type { Bit, LssuStatus, SignalUnit } from "./su-codec.js";
import vectors from "./vectors/signal-units.json" with { type: "json" };

function hex(s: string): Uint8Array {
  const b = fromHex(s);
  if (b === undefined) throw new Error(`bad hex in test vector: ${s}`);
  return b;
}

describe("MTP2 signal unit codec (Q.703 §2, §11)", () => {
  for (const v of vectors.vectors) {
    it(`decodes ${v.name} (${v.source})`, () => {
      const r = decodeSignalUnit(hex(v.frame));
      if (!r.ok) throw new Error(`expected ok: ${JSON.stringify(r.error)}`);
      const su = r.value;
      expect({ kind: su.kind, bsn: su.bsn, bib: su.bib, fsn: su.fsn, fib: su.fib }).toEqual(v.expect);
      if (su.kind === "LSSU") expect(su.status).toBe(v.status);
      if (su.kind === "MSU") expect(toHex(su.payload)).toBe(v.payload);
      expect(toHex(encodeSignalUnit(su))).toBe(v.frame.replace(/\s/g, ""));
    });
  }

  it("sets LI = 63 for SIO+SIF of 63 octets and more and decodes it back (Q.703 §2.3.3)", () => {
    for (const n of [62, 63, 64, 273]) {
      const payload = new Uint8Array(n).map((_, i) => i & 0xff);
      const frame = encodeSignalUnit({ kind: "MSU", bsn: 1, bib: 0, fsn: 2, fib: 1, payload });
      expect(frame[2]).toBe(Math.min(n, 63));
      expect(frame.length).toBe(3 + n + 2);
      const r = decodeSignalUnit(frame);
      expect(r.ok && r.value.kind === "MSU" && r.value.payload.length).toBe(n);
    }
  });

  it("rejects frames whose length contradicts the LI, naming the field", () => {
    const bad = [
      ["ffff00", "signal unit"],
      ["ffff000000", undefined],
      ["ffff00aa0000", "LI"],
      ["ffff0100", "signal unit"],
      ["ffff02030000", "LI"],
      ["ffff030102", "LI"],
      ["ffff048501020000", "LI"],
      [`ffff3f${"00".repeat(62)}0000`, "LI"],
      [`ffff3f${"00".repeat(274)}0000`, "LI"],
      ["ffff01060000", "status field"],
    ] as const;
    for (const [frame, field] of bad) {
      const r = decodeSignalUnit(hex(frame));
      if (field === undefined) expect(r.ok).toBe(true);
      else expect(r.ok ? "ok" : r.error.field).toBe(field);
    }
  });

  it("refuses to encode an MSU outside 3..273 octets or a sequence number over 127", () => {
    expect(() => encodeSignalUnit({ kind: "MSU", bsn: 0, bib: 0, fsn: 0, fib: 0, payload: new Uint8Array(2) })).toThrow(/SIO\+SIF/);
    expect(() => encodeSignalUnit({ kind: "MSU", bsn: 0, bib: 0, fsn: 0, fib: 0, payload: new Uint8Array(274) })).toThrow(/SIO\+SIF/);
    expect(() => encodeSignalUnit({ kind: "FISU", bsn: 128, bib: 0, fsn: 0, fib: 0 })).toThrow(/BSN/);
  });

  it("never throws on arbitrary bytes (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => typeof decodeSignalUnit(bytes).ok === "boolean"),
      { numRuns: 3000 },
    );
  });

  it("decode(encode(x)) = x for generated signal units (property)", () => {
    const bit = fc.constantFrom<Bit>(0, 1);
    const seq = fc.integer({ min: 0, max: 127 });
    const header = fc.record({ bsn: seq, bib: bit, fsn: seq, fib: bit });
    const su: fc.Arbitrary<SignalUnit> = fc.oneof(
      header.map((h) => ({ kind: "FISU" as const, ...h })),
      fc
        .tuple(header, fc.constantFrom(...(Object.keys(LSSU_STATUS) as LssuStatus[])), fc.constantFrom<1 | 2>(1, 2))
        .map(([h, status, statusOctets]) => ({ kind: "LSSU" as const, ...h, status, statusOctets })),
      fc.tuple(header, fc.uint8Array({ minLength: 3, maxLength: 273 })).map(([h, payload]) => ({ kind: "MSU" as const, ...h, payload })),
    );
    fc.assert(
      fc.property(su, (x) => {
        const r = decodeSignalUnit(encodeSignalUnit(x));
        return r.ok && isDeepStrictEqual(r.value, x);
      }),
      { numRuns: 2000 },
    );
  });
});
