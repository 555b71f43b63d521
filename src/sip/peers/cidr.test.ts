import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addressKey, addressOctets, parsePrefix, prefixContains } from "./cidr.js";

describe("address prefixes (RFC 4632, RFC 4291 §2.2, §2.3, §2.5.5.2)", () => {
  const cases: [string, string, boolean][] = [
    ["192.0.2.0/24", "192.0.2.77", true],
    ["192.0.2.0/24", "192.0.3.1", false],
    ["192.0.2.128/25", "192.0.2.127", false],
    ["192.0.2.128/25", "192.0.2.200", true],
    ["10.0.0.0/8", "::ffff:10.1.2.3", true],
    ["0.0.0.0/0", "203.0.113.9", true],
    ["0.0.0.0/0", "2001:db8::1", false],
    ["2001:db8::/32", "2001:db8:ffff::1", true],
    ["2001:db8::/32", "2001:db9::1", false],
    ["2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001", true],
    ["2001:db8::1", "[2001:db8::1]", true],
    ["fe80::/10", "fe80::1%eth0", true],
    ["::/0", "::1", true],
    ["2001:db8::/125", "2001:db8::7", true],
    ["2001:db8::/125", "2001:db8::8", false],
    ["203.0.113.5", "203.0.113.5", true],
    ["203.0.113.5", "203.0.113.6", false],
  ];
  for (const [prefix, address, inside] of cases) {
    it(`${address} ${inside ? "is" : "is not"} in ${prefix}`, () => {
      const p = parsePrefix(prefix);
      expect(p).toBeDefined();
      expect(prefixContains(p as NonNullable<typeof p>, address)).toBe(inside);
    });
  }

  it("refuses what is not an address or prefix", () => {
    for (const bad of ["", "256.0.0.1", "1.2.3", "1.2.3.4/33", "2001:db8::/129", "2001:db8:::1", "1:2:3:4:5:6:7:8:9", "example.net", "1.2.3.4/", "::ffff:1.2.3.256", "1::2::3"]) expect(parsePrefix(bad), bad).toBeUndefined();
  });

  it("masks bits past the length and writes canonical keys", () => {
    expect(parsePrefix("192.0.2.77/24")?.octets).toEqual(new Uint8Array([192, 0, 2, 0]));
    expect(addressKey("2001:DB8::A")).toBe("2001:db8:0:0:0:0:0:a");
    expect(addressKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(addressOctets("::")?.length).toBe(16);
  });

  it("property: any text parses or not, never throws; an address is inside its own /n prefix for every n", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        parsePrefix(s);
        addressKey(s);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.nat(128), (ip, n) => {
        const len = ip.includes(":") ? n : n % 33;
        const p = parsePrefix(`${ip}/${len}`);
        expect(p).toBeDefined();
        expect(prefixContains(p as NonNullable<typeof p>, ip)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
