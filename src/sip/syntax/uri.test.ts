import { describe, expect, it } from "vitest";
import { classifyHost, isHostname, isIPv4, isIPv6 } from "./host.js";
import type { SipUri, TelUri, Uri } from "./uri.js";
import { escapeParam, escapeUser, formatUri, parseUri, sipUriEquals, unescapeUriComponent } from "./uri.js";

function uri(text: string): Uri {
  const r = parseUri(text);
  if (!r.ok) throw new Error(`${text}: ${r.error.reason}`);
  return r.value;
}

function bad(text: string, rules = { allowHeaders: true }): string {
  const r = parseUri(text, rules);
  if (r.ok) throw new Error(`${text} was accepted`);
  return r.error.reason;
}

describe("hosts (RFC 3261 §25.1, RFC 5954)", () => {
  it.each([
    ["192.0.2.1", "ipv4"],
    ["255.255.255.255", "ipv4"],
    ["example.com", "hostname"],
    ["example.com.", "hostname"],
    ["a-b.c0m", "hostname"],
    ["x", "hostname"],
    ["[2001:db8::1]", "ipv6"],
    ["[::ffff:192.0.2.1]", "ipv6"],
    ["[::]", "ipv6"],
    ["[1:2:3:4:5:6:7:8]", "ipv6"],
  ])("%s is %s", (text, type) => {
    expect(classifyHost(text)).toBe(type);
  });

  it.each(["256.1.1.1", "1.2.3", "-a.com", "a-.com", "a..b", "example.123", "[1:2:3:4:5:6:7:8:9]", "[1::2::3]", "[:::]", "[2001:db8::g]", "[12345::]", "", "a_b.com"])("%s is not a host", (text) => {
    expect(classifyHost(text)).toBeUndefined();
  });

  it("classifies the building blocks separately", () => {
    expect([isIPv4("10.0.0.1"), isIPv4("10.0.0.01.1"), isIPv6("fe80::1"), isIPv6("1:2:3:4:5:6:1.2.3.4"), isIPv6("1:2:3:4:5:6:7:1.2.3.4"), isHostname("9.example.org")]).toEqual([
      true,
      false,
      true,
      true,
      false,
      true,
    ]);
  });
});

describe("SIP URIs (RFC 3261 §19.1)", () => {
  it("splits user, password, host, port, parameters and headers", () => {
    expect(uri("sips:alice:secret@[2001:db8::10]:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent")).toEqual({
      kind: "sip",
      scheme: "sips",
      user: "alice",
      password: "secret",
      host: "[2001:db8::10]",
      hostType: "ipv6",
      port: 5061,
      params: [
        { name: "transport", value: "tcp" },
        { name: "lr", value: undefined },
        { name: "maddr", value: "239.255.255.1" },
      ],
      headers: [
        { name: "subject", value: "project%20x" },
        { name: "priority", value: "urgent" },
      ],
    });
  });

  it("takes a telephone-subscriber user part with user=phone", () => {
    const u = uri("sip:+1-212-555-1212;isub=1411;phone-context=+1@gateway.com;user=phone") as SipUri;
    expect([u.user, u.host, u.params]).toEqual(["+1-212-555-1212;isub=1411;phone-context=+1", "gateway.com", [{ name: "user", value: "phone" }]]);
  });

  it("writes back exactly what it read", () => {
    for (const t of ["sip:a@b", "SIP:Alice@Example.COM:5060;Transport=UDP", "sip:%61lice@atlanta.com;a=%20", "sip:host;x?h=", "tel:+1-201-555-0123;ext=42", "urn:service:sos", "sip:[::1]:5070"]) {
      const u = uri(t);
      const back = formatUri(u);
      // Only the scheme is normalised to lower case.
      expect(back).toBe(t.replace(/^[A-Za-z]+:/, (s) => s.toLowerCase()));
    }
  });

  it.each([
    ["sip:", /missing host|not a valid host/],
    ["sip:@example.com", /empty the user part/],
    ["sip:user@", /missing host/],
    ["sip:a@b:99999", /port above 65535/],
    ["sip:a@b:", /not followed by a port/],
    ["sip:a@b;;x", /empty URI parameter/],
    ["sip:a@b;lr;LR", /appears more than once/],
    ["sip:a@b?x", /without '='/],
    ["sip:a b@c", /character 0x20 is not allowed in the user part/],
    ["sip:a@b%zz", /not a valid host/],
    ["sip:a%4@b", /'%' not followed by two hex digits/],
    ["sip:a@b;p=<x>", /'<' is not allowed/],
    ["sip:a@b@c", /not a valid host/],
    ["nocolon", /no scheme/],
    ["1abc:x", /must start with a letter/],
    ["foo:", /nothing after/],
    ["foo:a b", /character 0x20 is not allowed in a URI/],
  ])("%s is rejected", (text, reason) => {
    expect(bad(text)).toMatch(reason);
  });

  it("refuses headers where the context forbids them (RFC 3261 §19.1.1 Request-URI)", () => {
    expect(bad("sip:a@b?Route=x", { allowHeaders: false })).toMatch(/not allowed in a Request-URI/);
  });

  it("compares per RFC 3261 §19.1.4", () => {
    const eq = (a: string, b: string): boolean => sipUriEquals(uri(a) as SipUri, uri(b) as SipUri);
    // The equivalent pairs listed in §19.1.4.
    expect(eq("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp")).toBe(true);
    expect(eq("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5")).toBe(true);
    expect(eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;newparam=5")).toBe(true);
    expect(eq("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com", "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com")).toBe(true);
    expect(eq("sip:alice@atlanta.com?subject=project%20x&priority=urgent", "sip:alice@atlanta.com?priority=urgent&subject=project%20x")).toBe(true);
    // The non-equivalent pairs.
    expect(eq("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP")).toBe(false);
    expect(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060")).toBe(false);
    expect(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp")).toBe(false);
    expect(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp")).toBe(false);
    expect(eq("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting")).toBe(false);
    expect(eq("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4")).toBe(false);
    expect(eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off")).toBe(false);
  });

  it("escapes and unescapes once", () => {
    expect(escapeUser("a b@c;d")).toBe("a%20b%40c;d");
    expect(escapeParam("x;y=z")).toBe("x%3By%3Dz");
    expect(unescapeUriComponent("%E2%82%AC%2541")).toBe("€%41");
    expect(uri(`sip:${escapeUser("Ünïcode user")}@h`).kind).toBe("sip");
  });
});

describe("tel URIs (RFC 3966 §3)", () => {
  it("parses global and local numbers", () => {
    expect(uri("tel:+1-201-555-0123")).toEqual({ kind: "tel", scheme: "tel", number: "+1-201-555-0123", global: true, params: [] });
    const local = uri("tel:7042;phone-context=example.com;ext=12") as TelUri;
    expect([local.global, local.number, local.params.map((p) => p.name)]).toEqual([false, "7042", ["phone-context", "ext"]]);
    expect((uri("tel:*21#;phone-context=+44") as TelUri).number).toBe("*21#");
    expect((uri("tel:+358-555-1234567;isub=1411;postd=pp22") as TelUri).params).toHaveLength(2);
  });

  it.each([
    ["tel:", /empty telephone number/],
    ["tel:+", /at least one digit/],
    ["tel:+12a4", /'a' is not allowed in a global number/],
    ["tel:1234", /phone-context/],
    ["tel:1234;phone-context=ex ample", /not allowed/],
    ["tel:+1234;ext=abc", /ext must be phone digits/],
    ["tel:+1234;phone-context=-bad", /phone-context must be/],
    ["tel:+1;a_b=1", /not allowed in a tel URI parameter name/],
  ])("%s is rejected", (text, reason) => {
    expect(bad(text)).toMatch(reason);
  });
});
