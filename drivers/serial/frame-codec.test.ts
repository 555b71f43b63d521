import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/core/bytes.js";
import { crc32 } from "./crc32.js";
import type { FrameItem } from "./frame-codec.js";
import { FrameDecoder, MAX_FRAME, MAX_PAYLOAD, SYNC0, SYNC1, encodeFrame } from "./frame-codec.js";

const VECTORS = fileURLToPath(new URL("../../hardware/proto/vectors/frames.txt", import.meta.url));

function frames(items: readonly FrameItem[]): string[] {
  return items.flatMap((i) => (i.kind === "frame" ? [toHex(i.payload)] : []));
}
function errors(items: readonly FrameItem[]): string[] {
  return items.flatMap((i) => (i.kind === "error" ? [i.error.field] : []));
}
function feedInChunks(d: FrameDecoder, bytes: Uint8Array, sizes: readonly number[]): FrameItem[] {
  const out: FrameItem[] = [];
  let pos = 0;
  let k = 0;
  while (pos < bytes.length) {
    const n = Math.max(1, sizes.length > 0 ? (sizes[k++ % sizes.length] ?? 1) : bytes.length);
    out.push(...d.push(bytes.subarray(pos, pos + n)));
    pos += n;
  }
  return out;
}
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const hex = (s: string): Uint8Array => fromHex(s) ?? new Uint8Array(0);

describe("CRC-32/ISO-HDLC", () => {
  it("gives the catalogue check value 0xCBF43926 for '123456789'", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });
  it("chains across pieces", () => {
    const b = new TextEncoder().encode("123456789");
    expect(crc32(b, 4, 9, crc32(b, 0, 4))).toBe(0xcbf43926);
  });
});

describe("frame vectors (hardware/proto/vectors/frames.txt, CRC by Python zlib)", () => {
  const lines = readFileSync(VECTORS, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"));
  it("has the vectors", () => expect(lines.length).toBeGreaterThanOrEqual(5));
  for (const line of lines) {
    const [name, payloadHex, frameHex] = line.split(/\s+/) as [string, string, string];
    const payload = payloadHex === "-" ? new Uint8Array(0) : hex(payloadHex);
    it(`${name}: encodes and decodes`, () => {
      expect(toHex(encodeFrame(payload))).toBe(frameHex);
      const items = new FrameDecoder(200).push(hex(frameHex));
      expect(items).toEqual([{ kind: "frame", payload, offset: 0 }]);
    });
  }
});

describe("FrameDecoder resynchronisation", () => {
  const f1 = encodeFrame(hex("08015200"));
  const f2 = encodeFrame(hex("08027200"));

  it("skips garbage and a lone sync octet between frames, counting the octets", () => {
    const d = new FrameDecoder(200);
    const items = d.push(concat(hex("0011a522"), f1, hex("a5a533"), f2));
    expect(frames(items)).toEqual(["08015200", "08027200"]);
    const skipped = items.flatMap((i) => (i.kind === "error" ? [i.error] : []));
    expect(skipped.map((e) => [e.offset, e.reason])).toEqual([
      [0, "4 octets before a sync pair skipped"],
      [4 + f1.length, "3 octets before a sync pair skipped"],
    ]);
  });

  it("drops a frame with a CRC error and keeps the next", () => {
    const bad = f1.slice();
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
    const items = new FrameDecoder(200).push(concat(bad, f2));
    expect(frames(items)).toEqual(["08027200"]);
    expect(errors(items)[0]).toBe("frame CRC");
  });

  it("rejects a header whose complement disagrees or whose length is above the maximum", () => {
    const big = MAX_PAYLOAD + 1;
    const h2 = new Uint8Array([SYNC0, SYNC1, big >> 8, big & 0xff, (~big >> 8) & 0xff, ~big & 0xff]);
    const items = new FrameDecoder(200).push(concat(hex("a55a0004fffa"), h2, f1));
    expect(frames(items)).toEqual(["08015200"]);
    const reasons = items.flatMap((i) => (i.kind === "error" && i.error.field === "frame header" ? [i.error.reason] : []));
    expect(reasons).toEqual(["length 0x0004 and its complement 0xFFFA disagree", `length ${big} exceeds the maximum ${MAX_PAYLOAD}`]);
  });

  it("finds a frame that began inside a false frame once the false one fails its CRC", () => {
    const d = new FrameDecoder(200);
    const first = d.push(concat(hex("a55a00c8ff37"), f1));
    expect(frames(first)).toEqual([]);
    const rest = d.push(new Uint8Array(300));
    expect(frames(rest)).toEqual(["08015200"]);
  });

  it("abandons an incomplete frame after an inter-octet gap, then decodes what follows", () => {
    const d = new FrameDecoder(200);
    expect(d.push(f1.subarray(0, 8), 1000)).toEqual([]);
    expect(d.pending).toBe(8);
    expect(frames(d.push(f1.subarray(8, 9), 1150))).toEqual([]); // 150 ms: within the limit
    const items = d.push(f2, 1400);
    expect(errors(items)[0]).toBe("frame");
    expect(frames(items)).toEqual(["08027200"]);
  });

  it("reports a frame cut by the end of the stream", () => {
    const d = new FrameDecoder(200);
    d.push(f1.subarray(0, 5));
    const items = d.end();
    expect(items).toHaveLength(1);
    expect(items[0]?.kind === "error" && items[0].error.reason).toBe("stream ended inside a frame: 5 octets discarded");
    expect(d.pending).toBe(0);
    expect(frames(d.push(f2))).toEqual(["08027200"]);
  });

  it("decodes the largest frame and refuses to encode a larger one", () => {
    const p = new Uint8Array(MAX_PAYLOAD).map((_, i) => (i * 7) & 0xff);
    const f = encodeFrame(p);
    expect(f.length).toBe(MAX_FRAME);
    expect(frames(feedInChunks(new FrameDecoder(200), f, [997]))).toHaveLength(1);
    expect(() => encodeFrame(new Uint8Array(MAX_PAYLOAD + 1))).toThrow(/exceeds the maximum 8192/);
  });
});

describe("FrameDecoder properties", () => {
  const payload = fc.uint8Array({ maxLength: 300 });
  const chunks = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 });

  it("any bytes, in any chunking, give frames or errors, never a throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), chunks, (bytes, sizes) => {
        const d = new FrameDecoder(200);
        const items = [...feedInChunks(d, bytes, sizes), ...d.end()];
        for (const i of items) expect(["frame", "error"]).toContain(i.kind);
      }),
      { numRuns: 300 },
    );
  });

  it("decode(encode(p)) = p, whatever the chunking", () => {
    fc.assert(
      fc.property(fc.array(payload, { maxLength: 5 }), chunks, (payloads, sizes) => {
        const d = new FrameDecoder(200);
        const items = feedInChunks(d, concat(...payloads.map(encodeFrame)), sizes);
        expect(frames(items)).toEqual(payloads.map((p) => toHex(p)));
        expect(errors(items)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("a frame after any garbage is found exactly once (given octets to complete a false frame)", () => {
    const syncRich = fc.array(fc.oneof(fc.constant(SYNC0), fc.constant(SYNC1), fc.integer({ min: 0, max: 255 })), { maxLength: 120 });
    fc.assert(
      fc.property(syncRich, payload, chunks, (garbage, p, sizes) => {
        const d = new FrameDecoder(200);
        const stream = concat(Uint8Array.from(garbage), encodeFrame(p), new Uint8Array(MAX_FRAME + 16));
        const found = frames(feedInChunks(d, stream, sizes)).filter((x) => x === toHex(p));
        expect(found).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
  });

  it("holds at most one incomplete frame between pushes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20000 }), (bytes) => {
        const d = new FrameDecoder(200);
        d.push(bytes);
        expect(d.pending).toBeLessThan(MAX_FRAME);
      }),
      { numRuns: 100 },
    );
  });
});
