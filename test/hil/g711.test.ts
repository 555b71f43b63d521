import { describe, expect, it } from "vitest";
import { alawDecode, alawEncode, levelDbm0, sinePeak, ulawDecode, ulawEncode } from "./g711.js";

describe("G.711 helpers used by the card tests", () => {
  it("A-law: every code decodes and re-encodes to itself; idle 0xD5 is +8", () => {
    for (let c = 0; c < 256; c++) expect(alawEncode(alawDecode(c))).toBe(c);
    expect(alawDecode(0xd5)).toBe(8);
    expect(alawDecode(0x55)).toBe(-8);
    expect(alawDecode(0xaa)).toBe(32256); // segment 7, top step: (0xF << 4 | 0x108) << 6
  });
  it("mu-law: every code but negative zero round-trips; 0xFF is zero", () => {
    for (let c = 0; c < 256; c++) if (c !== 0x7f) expect(ulawEncode(ulawDecode(c))).toBe(c);
    expect(ulawDecode(0xff)).toBe(0);
    expect(ulawDecode(0x80)).toBe(32124);
  });
  it("quantisation error stays within half a step of each segment", () => {
    const bad: number[] = [];
    for (let x = -32768; x < 32768; x += 3) {
      const ea = Math.abs(alawDecode(alawEncode(x)) - x);
      const eu = Math.abs(ulawDecode(ulawEncode(x)) - x);
      if (ea > Math.max(16, Math.abs(x) / 32) + 8 || eu > Math.max(8, Math.abs(x) / 32) + 8) bad.push(x);
    }
    expect(bad).toEqual([]);
  });
  it("a coded -10 dBm0 sine measures -10 dBm0 within 0.05 dB", () => {
    const n = 8000;
    const s = new Float64Array(n);
    const a = sinePeak(-10);
    for (let i = 0; i < n; i++) s[i] = alawDecode(alawEncode(a * Math.sin((2 * Math.PI * 1004 * i) / 8000)));
    expect(Math.abs(levelDbm0(s) + 10)).toBeLessThan(0.05);
  });
});
