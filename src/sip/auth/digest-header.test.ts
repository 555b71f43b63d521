import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuthValue } from "./digest-header.js";
import {
  decodeExtValue,
  digestChallenge,
  digestCredentials,
  encodeExtValue,
  formatAuthValue,
  formatDigestChallenge,
  formatDigestCredentials,
  parseChallenges,
  parseCredentials,
} from "./digest-header.js";

function one(value: string): AuthValue {
  const r = parseChallenges(value);
  if (!r.ok) throw new Error(r.error.reason);
  expect(r.value).toHaveLength(1);
  return r.value[0] as AuthValue;
}

describe("challenges (RFC 3261 §25.1, RFC 7235 §4.1, RFC 7616 §3.3)", () => {
  it("reads the RFC 7616 §3.9.1 SHA-256 challenge", () => {
    const c = digestChallenge(one('Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'));
    expect(c.ok && c.value).toMatchObject({ realm: "http-auth@example.org", algorithm: "SHA-256", qop: ["auth", "auth-int"], nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque: "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", stale: false, userhash: false });
  });

  it("defaults the algorithm to MD5 and reads stale case-insensitively (RFC 7616 §3.3)", () => {
    const c = digestChallenge(one('digest realm="r", nonce="n", stale=TRUE'));
    expect(c.ok && c.value).toMatchObject({ algorithm: "MD5", stale: true, qop: [] });
  });

  it("reads several challenges in one field value (RFC 7235 §4.1)", () => {
    const r = parseChallenges('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple", Digest realm="r", nonce="x", algorithm=SHA-256, Bearer abc+/=');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.map((v) => v.scheme)).toEqual(["Newauth", "Basic", "Digest", "Bearer"]);
    expect(r.value[0]?.params.find((p) => p.name === "title")?.value).toBe('Login to "apps"');
    expect(r.value[3]?.token68).toBe("abc+/=");
  });

  it("keeps escapes and unknown parameters; empty list elements are skipped", () => {
    const v = one('Digest realm="a\\\\b", , nonce="n",, foo=bar');
    expect(v.params.map((p) => [p.name, p.value])).toEqual([
      ["realm", "a\\b"],
      ["nonce", "n"],
      ["foo", "bar"],
    ]);
  });

  const bad: [string, string][] = [
    ['Digest realm="r", realm="s", nonce="n"', "given twice"],
    ['Digest nonce="n", realm="r', "closing quote"],
    ["Digest realm=", "expected a token or quoted-string"],
    ['Digest realm="r" nonce="n"', "expected ','"],
    ["", "empty field value"],
    ['Digest realm="\u0001"', "control character"],
  ];
  for (const [value, why] of bad) {
    it(`refuses ${JSON.stringify(value)} (${why})`, () => {
      const r = parseChallenges(value);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.reason).toContain(why);
        expect(r.error.field).toBe("WWW-Authenticate");
      }
    });
  }

  it("a Digest challenge needs realm and nonce; stale and userhash are booleans", () => {
    expect(digestChallenge(one('Digest nonce="n"')).ok).toBe(false);
    expect(digestChallenge(one('Digest realm="r"')).ok).toBe(false);
    expect(digestChallenge(one('Digest realm="r", nonce="n", stale=maybe')).ok).toBe(false);
    expect(digestChallenge(one('Digest realm="r", nonce="n", userhash=1')).ok).toBe(false);
    expect(digestChallenge(one('Digest realm="r", nonce="n", qop=","')).ok).toBe(false);
  });

  it("writes quoted what RFC 7616 §3.3 quotes, and reads back what it wrote", () => {
    const text = formatDigestChallenge({ realm: "gw", nonce: "abc", algorithm: "SHA-512-256-sess", qop: ["auth", "auth-int"], opaque: "o", stale: true, userhash: true, charset: "UTF-8" });
    expect(text).toBe('Digest realm="gw", nonce="abc", opaque="o", stale=true, algorithm=SHA-512-256-sess, qop="auth,auth-int", charset=UTF-8, userhash=true');
    const c = digestChallenge(one(text));
    expect(c.ok && c.value).toMatchObject({ realm: "gw", nonce: "abc", opaque: "o", stale: true, algorithm: "SHA-512-256-sess", qop: ["auth", "auth-int"], charset: "UTF-8", userhash: true });
  });
});

describe("credentials (RFC 3261 §25.1, RFC 7616 §3.4)", () => {
  it("reads the RFC 2617 §3.5 Authorization", () => {
    const p = parseCredentials('Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"');
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    const d = digestCredentials(p.value);
    expect(d.ok && d.value).toMatchObject({ username: "Mufasa", realm: "testrealm@host.com", uri: "/dir/index.html", qop: "auth", nc: "00000001", ncValue: 1, cnonce: "0a4f113b", algorithm: "MD5" });
  });

  it("decodes username* (RFC 7616 §3.9.2, RFC 5987) and refuses it next to username", () => {
    const base = 'realm="api@example.org", uri="/doe.json", nonce="n", response="ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd"';
    const p = parseCredentials(`Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, ${base}`);
    const d = p.ok ? digestCredentials(p.value) : p;
    expect(d.ok && d.value.username).toBe("J\u00e4s\u00f8n Doe");
    const both = parseCredentials(`Digest username="x", username*=UTF-8''x, ${base}`);
    expect(both.ok && digestCredentials(both.value).ok).toBe(false);
    expect(encodeExtValue("J\u00e4s\u00f8n Doe")).toBe("UTF-8''J%C3%A4s%C3%B8n%20Doe");
    expect(decodeExtValue("ISO-8859-1''x")).toBeUndefined();
  });

  it("refuses one field value holding two credentials, a bad nc and qop without cnonce", () => {
    expect(parseCredentials('Digest username="a", realm="r", Digest username="b"').ok).toBe(false);
    const check = (v: string): boolean => {
      const p = parseCredentials(v);
      return p.ok && digestCredentials(p.value).ok;
    };
    const ok = 'Digest username="a", realm="r", nonce="n", uri="sip:x@y", response="0123456789abcdef0123456789abcdef"';
    expect(check(ok)).toBe(true);
    expect(check(`${ok}, qop=auth, nc=1, cnonce="c"`)).toBe(false);
    expect(check(`${ok}, qop=auth, nc=00000001`)).toBe(false);
    expect(check(ok.replace("0123456789abcdef0123456789abcdef", "xyz"))).toBe(false);
  });

  it("round-trips what it writes", () => {
    const text = formatDigestCredentials({ username: 'a"b\\c', realm: "r", nonce: "n", uri: "sip:x@y;transport=tcp", response: "0123456789abcdef0123456789abcdef", algorithm: "MD5-sess", cnonce: "c", opaque: "o", qop: "auth-int", nc: 255, userhash: true });
    expect(text).toContain("nc=000000ff");
    const p = parseCredentials(text);
    const d = p.ok ? digestCredentials(p.value) : p;
    expect(d.ok && d.value).toMatchObject({ username: 'a"b\\c', realm: "r", nonce: "n", uri: "sip:x@y;transport=tcp", algorithm: "MD5-sess", cnonce: "c", opaque: "o", qop: "auth-int", ncValue: 255, userhash: true });
  });
});

describe("property: any text gives a result or an error, never a throw", () => {
  const alphabet = fc.constantFrom(..."Digest realm=\"\\,;: \t=abcXYZ019-_.+/~*\u00e4\u0001".split(""));
  const text = fc.oneof(fc.string({ maxLength: 200 }), fc.array(alphabet, { maxLength: 120 }).map((a) => a.join("")));

  it("parseChallenges / parseCredentials and the Digest readers", () => {
    fc.assert(
      fc.property(text, (s) => {
        const c = parseChallenges(s);
        if (c.ok) for (const v of c.value) digestChallenge(v);
        const a = parseCredentials(s, "Proxy-Authorization");
        if (a.ok) digestCredentials(a.value, "Proxy-Authorization");
        decodeExtValue(s);
      }),
      { numRuns: 3000 },
    );
  });

  const token = fc.stringMatching(/^[A-Za-z0-9!%*_+`'~.-]{1,12}$/);
  const qtext = fc.string({ maxLength: 20 }).filter((s) => [...s].every((ch) => (ch.charCodeAt(0) >= 0x20 || ch === "\t") && ch !== "\u007f"));
  const param = fc.record({ name: token, value: fc.oneof(token, qtext), quoted: fc.boolean() }).map((p) => ({ ...p, quoted: p.quoted || !/^[A-Za-z0-9!%*_+`'~.-]+$/.test(p.value) }));

  it("parse(format(x)) = x for generated challenges", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ scheme: token, params: fc.uniqueArray(param, { selector: (p) => p.name.toLowerCase(), minLength: 1, maxLength: 6 }) }),
          { minLength: 1, maxLength: 3 },
        ),
        (values) => {
          const text = values.map((v) => formatAuthValue({ ...v, token68: undefined })).join(", ");
          const r = parseChallenges(text);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(r.value.map((v) => ({ scheme: v.scheme, params: v.params }))).toEqual(values);
        },
      ),
      { numRuns: 500 },
    );
  });
});
