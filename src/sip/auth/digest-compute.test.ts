/**
 * The published Digest vectors (vectors/README.md says where each comes
 * from), and every algorithm of RFC 7616 §6.1 against the formulas of
 * §3.4.1-§3.4.4 written out independently here.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DIGEST_ALGORITHMS, digestAlgorithm, digestCredentials, parseChallenges, parseCredentials, digestChallenge } from "./digest-header.js";
import type { DigestAlgorithm, Qop } from "./digest-header.js";
import { digestHa1, digestHash, digestResponse, digestUserhash } from "./digest-compute.js";

interface Vector {
  source: string;
  challenge?: string;
  username?: string;
  password?: string;
  method?: string;
  uri?: string;
  algorithm: string;
  qop?: Qop;
  nc?: number;
  cnonce?: string;
  response?: string;
  authorization?: string;
  hash?: string;
}

const vectors = JSON.parse(readFileSync(new URL("./vectors/digest-vectors.json", import.meta.url), "utf8")) as Record<string, Vector>;

describe("published vectors", () => {
  for (const [name, v] of Object.entries(vectors)) {
    if (v.response === undefined) continue;
    it(`${name}: ${v.source}`, () => {
      const ch = parseChallenges(v.challenge as string);
      expect(ch.ok).toBe(true);
      if (!ch.ok) return;
      const c = digestChallenge(ch.value[0] as (typeof ch.value)[number]);
      expect(c.ok).toBe(true);
      if (!c.ok) return;
      const algorithm = digestAlgorithm(c.value.algorithm) as DigestAlgorithm;
      expect(algorithm).toBe(v.algorithm);
      const response = digestResponse({
        algorithm,
        ha1: digestHa1(algorithm, v.username as string, c.value.realm, v.password as string),
        nonce: c.value.nonce,
        method: v.method as string,
        uri: v.uri as string,
        qop: v.qop as Qop,
        cnonce: v.cnonce as string,
        nc: v.nc as number,
      });
      expect(response).toBe(v.response);
      // The Authorization as printed reads back to the same values.
      const a = parseCredentials(v.authorization as string);
      const d = a.ok ? digestCredentials(a.value) : a;
      expect(d.ok).toBe(true);
      if (!d.ok) return;
      expect(d.value).toMatchObject({ username: v.username, realm: c.value.realm, nonce: c.value.nonce, uri: v.uri, cnonce: v.cnonce, ncValue: v.nc, qop: v.qop, response: v.response });
      expect(d.value.opaque).toBe(c.value.opaque);
    });
  }

  it("RFC 8760 §2.6 item 7: H of an empty body", () => {
    const v = vectors["rfc8760-2.6-empty-body-sha256"] as Vector;
    expect(digestHash("SHA-256", new Uint8Array(0))).toBe(v.hash);
  });
});

/** RFC 7616 §3.4.1-§3.4.3 spelt out with node:crypto, as a second opinion. */
function reference(a: DigestAlgorithm, u: string, realm: string, pw: string, nonce: string, cnonce: string, nc: string, qop: Qop | undefined, method: string, uri: string, body: string): string {
  const alg = a.startsWith("MD5") ? "md5" : a.startsWith("SHA-256") ? "sha256" : "sha512-256";
  const H = (s: string): string => createHash(alg).update(Buffer.from(s, "utf8")).digest("hex");
  let ha1 = H(`${u}:${realm}:${pw}`);
  if (a.endsWith("-sess")) ha1 = H(`${ha1}:${nonce}:${cnonce}`);
  const ha2 = H(qop === "auth-int" ? `${method}:${uri}:${H(body)}` : `${method}:${uri}`);
  return qop === undefined ? H(`${ha1}:${nonce}:${ha2}`) : H(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
}

describe("every algorithm and qop (RFC 7616 §3.4.1-§3.4.3, RFC 2617 §3.2.2.1)", () => {
  for (const algorithm of DIGEST_ALGORITHMS) {
    for (const qop of ["auth", "auth-int", undefined] as const) {
      if (qop === undefined && algorithm.endsWith("-sess")) continue;
      it(`${algorithm} qop=${qop ?? "(none)"}`, () => {
        const body = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n";
        const got = digestResponse({
          algorithm,
          ha1: digestHa1(algorithm, "gw", "sip.example.net", "s3cr\u00e9t"),
          nonce: "nonce-1",
          method: "INVITE",
          uri: "sip:+4930123@sip.example.net",
          ...(qop !== undefined ? { qop, nc: 0x1a, cnonce: "cn" } : algorithm.endsWith("-sess") ? { cnonce: "cn" } : {}),
          body: new TextEncoder().encode(body),
        });
        expect(got).toBe(reference(algorithm, "gw", "sip.example.net", "s3cr\u00e9t", "nonce-1", "cn", "0000001a", qop, "INVITE", "sip:+4930123@sip.example.net", body));
        expect(got).toHaveLength(algorithm.startsWith("MD5") ? 32 : 64);
      });
    }
  }

  it("userhash is H(username:realm) with the same algorithm (RFC 7616 §3.4.4)", () => {
    expect(digestUserhash("SHA-512-256", "J\u00e4s\u00f8n Doe", "api@example.org")).toBe(createHash("sha512-256").update("J\u00e4s\u00f8n Doe:api@example.org", "utf8").digest("hex"));
  });

  it("charset=UTF-8 takes the NFC form of name and password (RFC 7616 §4)", () => {
    const decomposed = "Ja\u0308s";
    expect(digestHa1("SHA-256", decomposed, "r", "p", true)).toBe(digestHa1("SHA-256", "J\u00e4s", "r", "p"));
    expect(digestHa1("SHA-256", decomposed, "r", "p", false)).not.toBe(digestHa1("SHA-256", "J\u00e4s", "r", "p"));
  });
});
