import { describe, expect, it } from "vitest";
import { digestClient } from "./digest-client.js";
import { digestHa1, digestResponse } from "./digest-compute.js";
import type { DigestAlgorithm } from "./digest-header.js";
import { digestCredentials, parseCredentials } from "./digest-header.js";
import { response } from "./messages.test-support.js";

const RFC7616 = [
  'WWW-Authenticate: Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  'WWW-Authenticate: Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
];

function credsOf(value: string) {
  const p = parseCredentials(value);
  if (!p.ok) throw new Error(p.error.reason);
  const d = digestCredentials(p.value);
  if (!d.ok) throw new Error(d.error.reason);
  return d.value;
}

/** Fixed "random" numbers so the cnonce is known. */
const fixed = (): number => 0.5;

describe("digestClient", () => {
  it("answers the RFC 7616 §3.9.1 401 with SHA-256 (the strongest offered) and a response that checks out", () => {
    const client = digestClient({ username: "Mufasa", password: "Circle of Life" }, fixed);
    const a = client.answer(response(401, "REGISTER", RFC7616.slice().reverse()), { method: "GET", uri: "/dir/index.html" });
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    expect(a.header.name).toBe("Authorization");
    const c = credsOf(a.header.value);
    expect(c).toMatchObject({ username: "Mufasa", realm: "http-auth@example.org", algorithm: "SHA-256", qop: "auth", nc: "00000001", opaque: "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", uri: "/dir/index.html" });
    expect(c.cnonce).toBe("80".repeat(16));
    const expected = digestResponse({ algorithm: "SHA-256", ha1: digestHa1("SHA-256", "Mufasa", "http-auth@example.org", "Circle of Life"), nonce: c.nonce, method: "GET", uri: "/dir/index.html", qop: "auth", cnonce: c.cnonce as string, nc: 1 });
    expect(c.response).toBe(expected);
  });

  it("with the same strength, follows the server's order (RFC 8760 §2.4)", () => {
    const client = digestClient({ username: "u", password: "p" });
    const r = response(401, "REGISTER", ['WWW-Authenticate: Digest realm="r", nonce="a", algorithm=SHA-512-256, qop="auth"', 'WWW-Authenticate: Digest realm="r", nonce="a", algorithm=SHA-256, qop="auth"']);
    const a = client.answer(r, { method: "REGISTER", uri: "sip:r" });
    expect(a.ok && credsOf(a.header.value).algorithm).toBe("SHA-512-256");
  });

  it("ignores schemes, algorithms and qop options it does not know (RFC 8760 §2.4, RFC 7616 §3.3)", () => {
    const client = digestClient({ username: "u", password: "p" });
    const r = response(401, "REGISTER", [
      'WWW-Authenticate: Basic realm="r"',
      'WWW-Authenticate: Digest realm="r", nonce="a", algorithm=SHA3-512, qop="auth"',
      'WWW-Authenticate: Digest realm="r", nonce="a", algorithm=MD5, qop="auth-conf"',
      'WWW-Authenticate: Digest realm="r", nonce="a", algorithm=MD5-sess, qop="auth"',
    ]);
    const a = client.answer(r, { method: "REGISTER", uri: "sip:r" });
    expect(a.ok && credsOf(a.header.value).algorithm).toBe("MD5-sess");
    const none = client.answer(response(401, "REGISTER", ['WWW-Authenticate: Basic realm="r"']), { method: "REGISTER", uri: "sip:r" });
    expect(none).toEqual({ ok: false, reason: "cannot answer the 401: scheme Basic not supported" });
  });

  it("407 gives Proxy-Authorization; a realm we have no credentials for is refused", () => {
    const client = digestClient({ username: "u", password: "p", realm: "proxy.example" });
    const r = response(407, "INVITE", ['Proxy-Authenticate: Digest realm="other", nonce="x", qop="auth"', 'Proxy-Authenticate: Digest realm="proxy.example", nonce="y", qop="auth"']);
    const a = client.answer(r, { method: "INVITE", uri: "sip:1@proxy.example" });
    expect(a.ok && a.header.name).toBe("Proxy-Authorization");
    expect(a.ok && credsOf(a.header.value).realm).toBe("proxy.example");
    const only = digestClient({ username: "u", password: "p", realm: "mine" }).answer(response(407, "INVITE", ['Proxy-Authenticate: Digest realm="theirs", nonce="x"']), { method: "INVITE", uri: "sip:x" });
    expect(only.ok).toBe(false);
    expect(!only.ok && only.reason).toContain('no challenge for realm "mine"');
  });

  it("counts per nonce; the retried request challenged for the same nonce fails; stale=true answers again", () => {
    const client = digestClient({ username: "u", password: "p" });
    const req = { method: "REGISTER", uri: "sip:example.net" };
    const n1 = 'WWW-Authenticate: Digest realm="r", nonce="n1", qop="auth"';
    const first = client.answer(response(401, "REGISTER", [n1], 1), req);
    expect(first.ok && credsOf(first.header.value).nc).toBe("00000001");
    // The retry (CSeq 2) is challenged again for n1: refused.
    const again = client.answer(response(401, "REGISTER", [n1], 2), req);
    expect(again.ok).toBe(false);
    expect(!again.ok && again.reason).toContain("refused");
    const stale = client.answer(response(401, "REGISTER", [`${n1}, stale=true`], 2), req);
    expect(stale.ok && credsOf(stale.header.value).nc).toBe("00000002");
    const fresh = client.answer(response(401, "REGISTER", ['WWW-Authenticate: Digest realm="r", nonce="n2", qop="auth", stale=true'], 3), req);
    expect(fresh.ok && credsOf(fresh.header.value).nc).toBe("00000001");
    // A later request (CSeq 5) challenged with a nonce answered before: answered with the next count.
    const later = client.answer(response(401, "REGISTER", [n1], 5), req);
    expect(later.ok && credsOf(later.header.value).nc).toBe("00000003");
    // Another Call-ID with the same nonce is another request.
    const other = client.answer(response(401, "REGISTER", [n1], 6, "call-2@192.0.2.1"), req);
    expect(other.ok && credsOf(other.header.value).nc).toBe("00000004");
  });

  it("a fresh cnonce on every answer", () => {
    const client = digestClient({ username: "u", password: "p" });
    const req = { method: "REGISTER", uri: "sip:example.net" };
    const a = client.answer(response(401, "REGISTER", ['WWW-Authenticate: Digest realm="r", nonce="n1", qop="auth"']), req);
    const b = client.answer(response(401, "REGISTER", ['WWW-Authenticate: Digest realm="r", nonce="n2", qop="auth"']), req);
    expect(a.ok && b.ok && credsOf(a.header.value).cnonce !== credsOf(b.header.value).cnonce).toBe(true);
  });

  it("auth-int when the body is given, over the body (RFC 7616 §3.4.3)", () => {
    const client = digestClient({ username: "u", password: "p" });
    const body = new TextEncoder().encode("v=0\r\n");
    const a = client.answer(response(401, "INVITE", ['WWW-Authenticate: Digest realm="r", nonce="n", qop="auth,auth-int", algorithm=SHA-256']), { method: "INVITE", uri: "sip:x@r", body });
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    const c = credsOf(a.header.value);
    expect(c.qop).toBe("auth-int");
    expect(c.response).toBe(digestResponse({ algorithm: "SHA-256", ha1: digestHa1("SHA-256", "u", "r", "p"), nonce: "n", method: "INVITE", uri: "sip:x@r", qop: "auth-int", cnonce: c.cnonce as string, nc: 1, body }));
  });

  it("no qop in the challenge: the RFC 2069 form, without nc and cnonce (RFC 2617 §3.2.2.1)", () => {
    const client = digestClient({ username: "u", password: "p" });
    const a = client.answer(response(401, "REGISTER", ['WWW-Authenticate: Digest realm="r", nonce="n"']), { method: "REGISTER", uri: "sip:r" });
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    const c = credsOf(a.header.value);
    expect([c.qop, c.nc, c.cnonce]).toEqual([undefined, undefined, undefined]);
    expect(c.response).toBe(digestResponse({ algorithm: "MD5", ha1: digestHa1("MD5", "u", "r", "p"), nonce: "n", method: "REGISTER", uri: "sip:r" }));
  });

  it("userhash=true sends H(username:realm) and userhash=true (RFC 7616 §3.4.4)", () => {
    const client = digestClient({ username: "J\u00e4s\u00f8n Doe", password: "Secret, or not?" });
    const a = client.answer(response(401, "REGISTER", ['WWW-Authenticate: Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true']), { method: "GET", uri: "/doe.json" });
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    const c = credsOf(a.header.value);
    expect(c.userhash).toBe(true);
    expect(c.username).toBe("793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b");
  });

  it("refuses what is not a challenge", () => {
    const alg: DigestAlgorithm = "MD5";
    expect(digestClient({ username: "u", password: alg }).answer(response(403, "INVITE"), { method: "INVITE", uri: "sip:x" }).ok).toBe(false);
  });
});
