import { isIP } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpAddress, parseIpAddress } from "./ip-address.js";

describe("parseIpAddress", () => {
  it.each([
    ["127.0.0.1", 4, "127.0.0.1"],
    ["::1", 6, "::1"],
    ["2001:DB8::8:800:200C:417A", 6, "2001:db8::8:800:200c:417a"], // RFC 4291 §2.2 example
    ["::ffff:192.0.2.1", 6, "::ffff:c000:201"],
    ["fe80::", 6, "fe80::"],
    ["1:0:0:2:0:0:0:3", 6, "1:0:0:2::3"], // RFC 5952 §4.2.3: the longest run
  ])("reads %s", (text, family, canonical) => {
    const ip = parseIpAddress(text);
    expect(ip?.family).toBe(family);
    expect(ip && formatIpAddress(ip)).toBe(canonical);
  });

  it.each(["", "1.2.3", "256.1.1.1", "01.2.3.4", "1::2::3", "fe80::1%eth0", "12345::", "1:2:3:4:5:6:7:8:9", "::g"])("refuses %s", (text) => {
    expect(parseIpAddress(text)).toBeUndefined();
  });

  it("agrees with node:net on any string (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 45 }), fc.ipV4(), fc.ipV6()), (s) => {
        const ip = parseIpAddress(s);
        const node = isIP(s);
        if (s.includes("%")) return ip === undefined;
        return (ip?.family ?? 0) === node;
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips formatted addresses (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = formatIpAddress({ family: 6, bytes });
        expect(parseIpAddress(text)?.bytes).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
  });
});
