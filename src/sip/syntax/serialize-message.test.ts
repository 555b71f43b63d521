/**
 * serializeSipMessage (with its fast path for an all-ASCII header section)
 * against the text form (formatHeaderSection, RFC 3261 §7) encoded as UTF-8
 * (RFC 3629, TextEncoder: a lone surrogate becomes U+FFFD), then the body.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSipMessage } from "./parse-message.js";
import { formatHeaderSection, serializeSipMessage } from "./serialize-message.js";

const encoder = new TextEncoder();

function expected(m: Parameters<typeof serializeSipMessage>[0]): Uint8Array {
  const head = encoder.encode(formatHeaderSection(m));
  const out = new Uint8Array(head.length + m.body.length);
  out.set(head);
  out.set(m.body, head.length);
  return out;
}

function invite(extra: { name: string; value: string }[], body?: Uint8Array) {
  const r = createSipMessage({
    startLine: { kind: "request", method: "INVITE", uri: { kind: "sip", scheme: "sip", user: "+15555550100", password: undefined, host: "carrier.example.com", hostType: "hostname", port: undefined, params: [], headers: [] }, version: "SIP/2.0" },
    headers: [
      { name: "v", value: "SIP/2.0/UDP gw1.example.net:5060;branch=z9hG4bK74bf9" },
      { name: "From", value: "<sip:alice@gw1.example.net>;tag=9fxced76sl" },
      { name: "To", value: "<sip:+15555550100@carrier.example.com>" },
      { name: "Call-ID", value: "3848276298220188511@gw1.example.net" },
      { name: "CSeq", value: "1 INVITE" },
      ...extra,
    ],
    ...(body !== undefined ? { body } : {}),
  });
  if (!r.ok) throw new Error(r.error.reason);
  return r.value;
}

/** Any UTF-16 code unit but CR and LF (which a header value cannot hold), lone surrogates included. */
const unit = fc.integer({ min: 0, max: 0xffff }).filter((c) => c !== 0x0d && c !== 0x0a).map((c) => String.fromCharCode(c));

describe("serializeSipMessage", () => {
  it("writes full header names (compact forms expanded), Content-Length from the body, then the body", () => {
    const m = invite([{ name: "l", value: "99" }, { name: "s", value: "Grüße 📞" }], new Uint8Array([1, 2, 0, 13, 10]));
    const text = new TextDecoder().decode(serializeSipMessage(m).subarray(0, -5));
    expect(text).toBe(
      "INVITE sip:+15555550100@carrier.example.com SIP/2.0\r\nVia: SIP/2.0/UDP gw1.example.net:5060;branch=z9hG4bK74bf9\r\nFrom: <sip:alice@gw1.example.net>;tag=9fxced76sl\r\nTo: <sip:+15555550100@carrier.example.com>\r\nCall-ID: 3848276298220188511@gw1.example.net\r\nCSeq: 1 INVITE\r\nContent-Length: 5\r\nSubject: Grüße 📞\r\n\r\n",
    );
    expect([...serializeSipMessage(m).subarray(-5)]).toEqual([1, 2, 0, 13, 10]);
  });

  it("gives the octets of the text form encoded as UTF-8, for any header values and bodies", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit, maxLength: 40 }), { maxLength: 6 }), fc.uint8Array({ maxLength: 64 }), (values, body) => {
        const m = invite(values.map((v, i) => ({ name: i % 2 === 0 ? "Subject" : "X-Value", value: v })), body);
        expect(serializeSipMessage(m)).toEqual(expected(m));
      }),
      { numRuns: 1000 },
    );
  });

  it("handles a large non-ASCII header section, and messages after it", () => {
    const big = invite([{ name: "X-Long", value: "é".repeat(70_000) }]);
    expect(serializeSipMessage(big)).toEqual(expected(big));
    const small = invite([{ name: "Subject", value: "after" }]);
    expect(serializeSipMessage(small)).toEqual(expected(small));
  });
});
