import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { digestClient } from "./digest-client.js";
import { digestHa1 } from "./digest-compute.js";
import type { DigestAlgorithm, Qop } from "./digest-header.js";
import { DIGEST_ALGORITHMS, digestChallenge, parseChallenges } from "./digest-header.js";
import type { DigestVerifierOptions } from "./digest-verifier.js";
import { DigestVerifier, staticCredentials } from "./digest-verifier.js";
import { request, response as responseOf } from "./messages.test-support.js";

const URI = "sip:+4930123@gw.example.net";

function verifier(o: Partial<DigestVerifierOptions> = {}, clock = new ManualClock()): DigestVerifier {
  return new DigestVerifier({
    realm: "gw.example.net",
    clock,
    credentials: staticCredentials([
      { username: "carrier", secret: { password: "pw1" } },
      { username: "stored", secret: { ha1: { "SHA-256": digestHa1("SHA-256", "stored", "gw.example.net", "pw2") } } },
    ]),
    nonceLifetimeMs: 300_000,
    secret: new Uint8Array(32).fill(7),
    ...o,
  });
}

/** The INVITE retried with the client's answer to `challenge`. */
function answered(challenge: ReturnType<DigestVerifier["challenge"]>, user: string, password: string, extra: string[] = [], body = "", method = "INVITE"): ReturnType<typeof request> {
  const bodyOctets = new TextEncoder().encode(body);
  const a = digestClient({ username: user, password }).answer(challenge, { method, uri: URI, ...(body !== "" ? { body: bodyOctets } : {}) });
  if (!a.ok) throw new Error(a.reason);
  return request(method, URI, [`${a.header.name}: ${a.header.value}`, ...extra], body);
}

describe("DigestVerifier (RFC 3261 §22, RFC 7616, RFC 8760)", () => {
  it("challenges with one value per algorithm, most preferred first, qop always (RFC 8760 §2.3, §2.6)", () => {
    const v = verifier({ algorithms: ["SHA-512-256", "SHA-256", "MD5"] });
    const r = v.verify(request("INVITE", URI), "proxy");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.refusal).toBe("no-credentials");
    expect(r.response.status).toBe(407);
    expect(r.response.to.tag).toBeDefined();
    const values = r.response.headersNamed("Proxy-Authenticate").map((h) => {
      const p = parseChallenges(h.value, "Proxy-Authenticate");
      if (!p.ok || p.value[0] === undefined) throw new Error("bad challenge");
      const d = digestChallenge(p.value[0]);
      if (!d.ok) throw new Error(d.error.reason);
      return d.value;
    });
    expect(values.map((c) => c.algorithm)).toEqual(["SHA-512-256", "SHA-256", "MD5"]);
    expect(values.every((c) => c.realm === "gw.example.net" && c.qop.join() === "auth" && c.nonce === values[0]?.nonce)).toBe(true);
    expect(v.verify(request("REGISTER", URI), "www").ok === false && v.counters.challenges).toBe(2);
  });

  for (const algorithm of DIGEST_ALGORITHMS) {
    for (const qop of ["auth", "auth-int"] as Qop[]) {
      it(`accepts a right ${algorithm} qop=${qop} answer from digestClient`, () => {
        const v = verifier({ algorithms: [algorithm], qop: [qop] });
        const ch = v.challenge(request("INVITE", URI), "proxy");
        const r = v.verify(answered(ch, "carrier", "pw1", [], qop === "auth-int" ? "v=0\r\n" : ""), "proxy");
        expect(r).toEqual({ ok: true, user: "carrier", realm: "gw.example.net", algorithm });
      });
    }
  }

  it("checks a stored HA1 (RFC 7616 §5.2) and refuses an algorithm with no stored HA1", () => {
    const v = verifier({ algorithms: ["SHA-256", "MD5"] });
    const ch = v.challenge(request("INVITE", URI), "www");
    expect(v.verify(answered(ch, "stored", "pw2"), "www").ok).toBe(true);
    const md5 = verifier({ algorithms: ["MD5"] });
    const r = md5.verify(answered(md5.challenge(request("INVITE", URI), "www"), "stored", "pw2"), "www");
    expect(!r.ok && r.refusal).toBe("not-offered");
  });

  it("a wrong password or unknown user gets a new challenge, stale not set", () => {
    const v = verifier();
    for (const [u, p, why] of [
      ["carrier", "wrong", "bad-response"],
      ["nobody", "pw1", "unknown-user"],
    ] as const) {
      const r = v.verify(answered(v.challenge(request("INVITE", URI), "proxy"), u, p), "proxy");
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.refusal).toBe(why);
      expect(r.response.status).toBe(407);
      expect(r.response.get("Proxy-Authenticate")).not.toContain("stale");
    }
    expect(v.counters.refused["bad-response"]).toBe(1);
    expect(v.counters.refused["unknown-user"]).toBe(1);
  });

  it("refuses a nonce it did not issue, and one from another secret", () => {
    const v = verifier();
    const other = verifier({ secret: new Uint8Array(32).fill(9) });
    const r = v.verify(answered(other.challenge(request("INVITE", URI), "proxy"), "carrier", "pw1"), "proxy");
    expect(!r.ok && r.refusal).toBe("bad-nonce");
  });

  it("a right answer on an expired nonce is answered with stale=true (RFC 7616 §3.3)", () => {
    const clock = new ManualClock();
    const v = verifier({ nonceLifetimeMs: 30_000 }, clock);
    const ch = v.challenge(request("INVITE", URI), "proxy");
    clock.advance(30_001);
    const r = v.verify(answered(ch, "carrier", "pw1"), "proxy");
    expect(!r.ok && r.refusal).toBe("stale");
    expect(!r.ok && r.response.get("Proxy-Authenticate")).toContain("stale=true");
    // A wrong answer on the same expired nonce is not "stale".
    const wrong = v.verify(answered(ch, "carrier", "nope"), "proxy");
    expect(!wrong.ok && wrong.refusal).toBe("bad-response");
  });

  it("nc must grow per nonce: a replayed request is refused (RFC 7616 §3.4, §5.5)", () => {
    const v = verifier();
    const ch = v.challenge(request("INVITE", URI), "proxy");
    const client = digestClient({ username: "carrier", password: "pw1" });
    const a1 = client.answer(ch, { method: "INVITE", uri: URI });
    if (!a1.ok) throw new Error(a1.reason);
    const first = request("INVITE", URI, [`Proxy-Authorization: ${a1.header.value}`]);
    expect(v.verify(first, "proxy").ok).toBe(true);
    const replay = v.verify(first, "proxy");
    expect(!replay.ok && replay.refusal).toBe("replay");
    // The same nonce with nc=2 (a stale=true re-answer of the same nonce counts up).
    const staleAgain = client.answer(v.challenge(request("INVITE", URI), "proxy", true), { method: "INVITE", uri: URI });
    expect(staleAgain.ok).toBe(true);
  });

  it("the replay table is bounded; a forgotten nonce is stale, never replayable", () => {
    const v = verifier({ replayTableSize: 2 });
    const clock = new ManualClock();
    const v2 = verifier({ replayTableSize: 2 }, clock);
    const reqs = [0, 1, 2].map(() => {
      clock.advance(10);
      return answered(v2.challenge(request("INVITE", URI), "proxy"), "carrier", "pw1");
    });
    for (const r of reqs) expect(v2.verify(r, "proxy").ok).toBe(true);
    expect(v2.replayTableEntries).toBe(2);
    const again = v2.verify(reqs[0] as (typeof reqs)[number], "proxy");
    expect(!again.ok && again.refusal).toBe("stale");
    expect(v.replayTableEntries).toBe(0);
  });

  it("400 for malformed credentials, a missing qop, and a uri that is not the Request-URI (RFC 8760 §2.6)", () => {
    const v = verifier();
    const bad = v.verify(request("INVITE", URI, ['Proxy-Authorization: Digest username="carrier", realm="gw.example.net"']), "proxy");
    expect(!bad.ok && [bad.refusal, bad.response.status]).toEqual(["malformed", 400]);
    const ch = v.challenge(request("INVITE", URI), "proxy");
    const a = digestClient({ username: "carrier", password: "pw1" }).answer(ch, { method: "INVITE", uri: "sip:other@gw.example.net" });
    if (!a.ok) throw new Error(a.reason);
    const mismatch = v.verify(request("INVITE", URI, [`Proxy-Authorization: ${a.header.value}`]), "proxy");
    expect(!mismatch.ok && [mismatch.refusal, mismatch.response.status]).toEqual(["uri-mismatch", 400]);
    const noQop = v.verify(request("INVITE", URI, [`Proxy-Authorization: Digest username="carrier", realm="gw.example.net", nonce="n", uri="${URI}", response="0123456789abcdef0123456789abcdef"`]), "proxy");
    expect(!noQop.ok && noQop.response.status).toBe(400);
  });

  it("credentials for another realm are not ours: first challenge (RFC 3261 §22.4)", () => {
    const v = verifier();
    const r = v.verify(request("INVITE", URI, [`Proxy-Authorization: Digest username="x", realm="elsewhere", nonce="n", uri="${URI}", response="0123456789abcdef0123456789abcdef", qop=auth, nc=00000001, cnonce="c"`]), "proxy");
    expect(!r.ok && r.refusal).toBe("no-credentials");
  });

  it("userhash answers are mapped back to the user (RFC 7616 §3.4.4)", () => {
    const v = verifier({ userhash: true, algorithms: ["SHA-512-256"] });
    const ch = v.challenge(request("REGISTER", URI), "www");
    expect(ch.get("WWW-Authenticate")).toContain("userhash=true");
    const r = v.verify(answered(ch, "carrier", "pw1", [], "", "REGISTER"), "www");
    expect(r.ok && r.user).toBe("carrier");
  });

  it("an answer with an algorithm not offered is challenged again", () => {
    const offered: DigestAlgorithm[] = ["SHA-256"];
    const v = verifier({ algorithms: offered });
    const md5 = verifier({ algorithms: ["MD5"] });
    const r = v.verify(answered(md5.challenge(request("INVITE", URI), "proxy"), "carrier", "pw1"), "proxy");
    expect(!r.ok && r.refusal).toBe("not-offered");
  });
});

describe("property: any credentials or challenge text gives an outcome, never a throw", () => {
  const printable = fc.string({ maxLength: 160 }).map((s) => s.replace(/[^\x20-\x7e]/g, "a").trim()).filter((s) => s.length > 0);
  const digestish = fc
    .array(fc.constantFrom('Digest ', 'username="carrier"', 'realm="gw.example.net"', 'nonce="AAAA"', `uri="${URI}"`, 'response="0123456789abcdef0123456789abcdef"', "qop=auth", "nc=00000001", 'cnonce="x"', "algorithm=SHA-256", "userhash=true", ", ", ",", "=", '"'), { maxLength: 14 })
    .map((a) => a.join(""))
    .filter((s) => s.trim().length > 0);

  it("DigestVerifier.verify and digestClient.answer", () => {
    const v = verifier({ algorithms: ["SHA-256", "MD5", "SHA-512-256-sess"], userhash: true });
    const client = digestClient({ username: "carrier", password: "pw1" });
    fc.assert(
      fc.property(fc.oneof(printable, digestish), (text) => {
        const r = v.verify(request("INVITE", URI, [`Proxy-Authorization: ${text}`]), "proxy");
        expect(r.ok === false || r.user === "carrier").toBe(true);
        client.answer(response401(text), { method: "INVITE", uri: URI });
      }),
      { numRuns: 1500 },
    );
  });
});

function response401(challenge: string) {
  return responseOf(401, "INVITE", [`WWW-Authenticate: ${challenge}`]);
}
