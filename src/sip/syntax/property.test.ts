/**
 * Property tests: any octets into any decoder give a result or an error,
 * never a throw or a hang; mutated valid messages likewise, and whatever is
 * accepted serializes into a message that parses to the same structure;
 * generated messages round-trip.
 */
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readContactList, readFromTo, readMediaType, readViaList } from "./header-values.js";
import type { SipMessage, StartLine } from "./message.js";
import { LAZY_HEADER_KEYS } from "./message.js";
import { parseMultipartBody, serializeMultipartBody } from "./multipart.js";
import { formatNameAddr } from "./name-addr.js";
import { createSipMessage, parseSipMessage } from "./parse-message.js";
import { serializeSipMessage } from "./serialize-message.js";
import { frameSipStream } from "./stream-framer.js";
import { SyntaxFailure } from "./cursor.js";
import type { SipUri } from "./uri.js";
import { formatUri, parseUri } from "./uri.js";
import { decodeRfc4475Markup } from "./vectors/rfc4475/markup.js";

const limits = { maxMessageBytes: 65535, maxHeaders: 256 };
const dir = join(dirname(fileURLToPath(import.meta.url)), "vectors", "rfc4475");
const seeds = ["wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "semiuri", "transports", "mpart01", "unreason", "noreason", "badinv01", "quotbal", "inv2543", "regbadct", "baddate"].map((n) =>
  decodeRfc4475Markup(readFileSync(join(dir, `${n}.txt`), "utf8")),
);

/** Read everything a layer above could ask for; none of it may throw. */
function touchAll(m: SipMessage): void {
  for (const k of LAZY_HEADER_KEYS) m.typed(k);
  m.multipart();
  m.values("Accept");
  serializeSipMessage(m);
}

function structure(m: SipMessage): unknown {
  return {
    startLine: m.startLine,
    // Content-Length is always written from the body, so it is left out of the comparison.
    headers: m.headers.filter((h) => h.key !== "content-length").map((h) => [h.key, h.value]),
    body: Buffer.from(m.body).toString("hex"),
    core: [m.via, m.from, m.to, m.callId, m.cseq, m.maxForwards],
    // Offsets move when folds and compact names are rewritten; the values and reasons may not.
    typed: LAZY_HEADER_KEYS.map((k) => {
      const r = m.typed(k);
      return r.ok ? r.value : `error: ${r.error.reason}`;
    }),
  };
}

/** Accepted input must serialize to a message that parses to the same structure. */
function roundTrips(m: SipMessage, eager: boolean): void {
  const again = parseSipMessage(serializeSipMessage(m), { limits, stream: true, eager });
  if (!again.ok) throw new Error(`serialized message rejected: ${again.error.reason}`);
  expect(structure(again.value)).toEqual(structure(m));
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant("insertText" as const), at: fc.nat(), text: fc.constantFrom(";", ",", ":", "<", ">", '"', "\\", " ", "\r\n", "\r\n ", "%", "@", "[", "]", "=", "?", "--", "\t", "\0") }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(src: Uint8Array, muts: readonly Mutation[]): Uint8Array {
  let b = Buffer.from(src);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    switch (m.kind) {
      case "flip":
        if (at < b.length) b[at] = m.byte;
        break;
      case "insert":
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case "insertText":
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.text, "latin1"), b.subarray(at)]);
        break;
      case "delete":
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
        break;
      case "truncate":
        b = b.subarray(0, at);
        break;
    }
  }
  return b;
}

const noThrow = (f: () => unknown): void => {
  try {
    f();
  } catch (e) {
    // Value readers signal bad input with SyntaxFailure (caught at the message boundary); nothing else may escape.
    if (!(e instanceof SyntaxFailure)) throw e;
  }
};

describe("any octets", () => {
  it("parseSipMessage, frameSipStream and parseMultipartBody never throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), fc.boolean(), fc.boolean(), (bytes, stream, eager) => {
        const r = parseSipMessage(bytes, { limits, stream, eager });
        if (r.ok) touchAll(r.value);
        frameSipStream(bytes, limits);
        parseMultipartBody(bytes, "b");
      }),
      { numRuns: 2000 },
    );
  });

  it("text-like input (SIP alphabet) never throws either", () => {
    const alphabet = fc.constantFrom(..."INVITE SIP/2.0 sip:a@b.c;=<>\"\\,:\r\n \t%0F-Via From To Call-ID CSeq l: m: v: Content-Length: 0 ;branch=z9hG4bK @[::1] *".split(""));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 400 }), (chars) => {
        const bytes = Buffer.from(chars.join(""), "latin1");
        const r = parseSipMessage(bytes, { limits, eager: true });
        if (r.ok) roundTrips(r.value, true);
        frameSipStream(bytes, limits);
      }),
      { numRuns: 1500 },
    );
  });

  it("value readers and URIs only fail with SyntaxFailure / DecodeResult", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (s) => {
        parseUri(s);
        noThrow(() => readViaList(s));
        noThrow(() => readFromTo(s, "From"));
        noThrow(() => readContactList(s));
        noThrow(() => readMediaType(s));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("mutated valid messages", () => {
  it("never throw, and what is accepted round-trips", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (i, muts, eager) => {
        const bytes = mutate(seeds[i] as Uint8Array, muts);
        const r = parseSipMessage(bytes, { limits, eager });
        if (r.ok) {
          touchAll(r.value);
          roundTrips(r.value, eager);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

// ----------------------------------------------------------- generated messages

const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,12}$/);
const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,6}[a-z0-9])?$/);
const hostname = fc.array(label, { minLength: 1, maxLength: 3 }).map((ls) => ls.join("."));
const host = fc.oneof(hostname, fc.ipV4(), fc.ipV6().map((a) => `[${a}]`));
const user = fc.stringMatching(/^([A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-F]{2}){1,12}$/);
const uriParam = fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9-]{0,7}$/), value: fc.option(fc.stringMatching(/^[A-Za-z0-9\-_.!~*'()[\]/:&+$]{1,8}$/), { nil: undefined }) });
const sipUri = fc
  .record({
    scheme: fc.constantFrom("sip" as const, "sips" as const),
    user: fc.option(user, { nil: undefined }),
    host,
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    params: fc.uniqueArray(uriParam, { maxLength: 3, selector: (p) => p.name }),
  })
  .map((u): SipUri => {
    const hostType = u.host.startsWith("[") ? "ipv6" : /^[0-9.]+$/.test(u.host) ? "ipv4" : "hostname";
    return { kind: "sip", scheme: u.scheme, user: u.user, password: undefined, host: u.host, hostType, port: u.port, params: u.params, headers: [] };
  });
const displayName = fc.option(fc.string({ maxLength: 16, unit: "binary" }).filter((s) => !/[\r\n]/.test(s) && !/[\ud800-\udfff]/.test(s)), { nil: undefined });

const generated = fc.record({
  method: token,
  requestUri: sipUri,
  fromUri: sipUri,
  fromName: displayName,
  toUri: sipUri,
  tag: token,
  branch: token,
  viaHost: host,
  seq: fc.integer({ min: 0, max: 0xffffffff }),
  callId: fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]{1,20}(@[A-Za-z0-9.]{1,10})?$/),
  response: fc.option(fc.tuple(fc.integer({ min: 100, max: 699 }), fc.stringMatching(/^[A-Za-z ]{0,20}$/)), { nil: undefined }),
  extra: fc.array(fc.tuple(fc.stringMatching(/^X-[A-Za-z0-9-]{1,10}$/), fc.stringMatching(/^[!-~]([ !-~]{0,30}[!-~])?$/)), { maxLength: 4 }),
  body: fc.uint8Array({ maxLength: 64 }),
});

describe("generated messages", () => {
  it("serialize and parse back to the same message", () => {
    fc.assert(
      fc.property(generated, (g) => {
        const startLine: StartLine = g.response !== undefined ? { kind: "response", version: "SIP/2.0", status: g.response[0], reason: g.response[1].trim() } : { kind: "request", method: g.method, uri: g.requestUri, version: "SIP/2.0" };
        const headers = [
          { name: "Via", value: `SIP/2.0/UDP ${g.viaHost};branch=z9hG4bK${g.branch}` },
          { name: "Max-Forwards", value: "70" },
          { name: "From", value: formatNameAddr({ displayName: g.fromName, uri: g.fromUri, params: [{ name: "tag", value: g.tag, quoted: false }] }) },
          { name: "To", value: `<${formatUri(g.toUri)}>` },
          { name: "Call-ID", value: g.callId },
          { name: "CSeq", value: `${g.seq} ${g.method}` },
          ...g.extra.map(([name, value]) => ({ name, value })),
        ];
        const built = createSipMessage({ startLine, headers, body: g.body }, { eager: true });
        if (!built.ok) throw new Error(`generated message rejected: ${built.error.reason} (${JSON.stringify(g)})`);
        const parsed = parseSipMessage(serializeSipMessage(built.value), { limits, stream: true, eager: true });
        if (!parsed.ok) throw new Error(`serialized message rejected: ${parsed.error.reason}`);
        expect(structure(parsed.value)).toEqual(structure(built.value));
        expect(parsed.value.from.displayName).toBe(g.fromName);
        expect(parsed.value.requestUri === undefined || formatUri(parsed.value.requestUri) === formatUri(g.requestUri)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it("multipart bodies round-trip", () => {
    const part = fc.record({ type: fc.stringMatching(/^[a-z]{1,8}\/[a-z0-9.+-]{1,10}$/), body: fc.uint8Array({ maxLength: 80 }) });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
        const init = parts.map((p) => ({ headers: [{ name: "Content-Type", value: p.type }], body: p.body }));
        let bytes: Uint8Array;
        try {
          bytes = serializeMultipartBody(init, "sipt-gw-boundary");
        } catch {
          return; // the boundary occurs in a random body: the serializer refused it, as it must
        }
        const r = parseMultipartBody(bytes, "sipt-gw-boundary");
        if (!r.ok) throw new Error(r.error.reason);
        expect(r.value.parts.map((p) => [p.headers[0]?.value, Buffer.from(p.body).toString("hex")])).toEqual(parts.map((p) => [p.type, Buffer.from(p.body).toString("hex")]));
      }),
      { numRuns: 1000 },
    );
  });
});
