import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import type { SipMessage } from "./message.js";
import type { SipParseError } from "./parse-message.js";
import { collectKnownFields, createSipMessage, parseSipMessage } from "./parse-message.js";
import { formatStartLine, serializeSipMessage } from "./serialize-message.js";
import { frameSipStream } from "./stream-framer.js";
import type { SipUri } from "./uri.js";

const limits = { maxMessageBytes: 4096, maxHeaders: 32 };

const head = [
  "INVITE sip:+15555550100@carrier.example.com;user=phone SIP/2.0",
  "v: SIP/2.0/UDP gw1.example.net:5060;branch=z9hG4bK74bf9;rport",
  "Max-Forwards: 70",
  'f: "Alice" <sip:alice@gw1.example.net>;tag=9fxced76sl',
  "t: <sip:+15555550100@carrier.example.com;user=phone>",
  "i: 3848276298220188511@gw1.example.net",
  "CSeq: 1 INVITE",
  "m: <sip:gw1.example.net:5060>",
  "k: 100rel, timer",
  "Allow: INVITE, ACK, BYE",
  "c: application/sdp",
];

function msg(lines: string[], body = ""): Uint8Array {
  return Buffer.from(`${lines.join("\r\n")}\r\nl: ${Buffer.byteLength(body)}\r\n\r\n${body}`, "latin1");
}

function ok(bytes: Uint8Array, opts: { stream?: boolean; eager?: boolean } = {}): SipMessage {
  const r = parseSipMessage(bytes, { limits, ...opts });
  if (!r.ok) throw new Error(r.error.reason);
  return r.value;
}

function err(bytes: Uint8Array, opts: { stream?: boolean; eager?: boolean } = {}): SipParseError {
  const r = parseSipMessage(bytes, { limits, ...opts });
  if (r.ok) throw new Error("accepted");
  return r.error;
}

const text = (b: Uint8Array): string => Buffer.from(b).toString("latin1");

describe("parseSipMessage", () => {
  it("parses core fields eagerly and the rest on demand", () => {
    const m = ok(msg(head, "v=0\r\n"));
    expect([m.isRequest, m.method, m.status, m.callId, m.cseq.seq, m.maxForwards, m.branch, m.from.tag, m.contentLength]).toEqual([
      true,
      "INVITE",
      undefined,
      "3848276298220188511@gw1.example.net",
      1,
      70,
      "z9hG4bK74bf9",
      "9fxced76sl",
      5,
    ]);
    expect((m.requestUri as SipUri).params).toEqual([{ name: "user", value: "phone" }]);
    const sup = m.supported();
    expect(sup.ok && sup.value).toEqual(["100rel", "timer"]);
    expect(m.allow()).toEqual({ ok: true, value: ["INVITE", "ACK", "BYE"], notes: [] });
    expect(m.require()).toEqual({ ok: true, value: undefined, notes: [] });
    expect(m.get("Supported")).toBe("100rel, timer");
    expect(m.headersNamed("SUPPORTED")).toHaveLength(1);
    expect(m.values("allow")).toEqual(["INVITE", "ACK", "BYE"]);
    expect(m.multipart()).toBeUndefined();
    // Cached: the same result object comes back.
    expect(m.contact()).toBe(m.contact());
  });

  it("serializes with full names and a Content-Length that matches the body", () => {
    const m = ok(msg(head, "v=0\r\n"));
    const out = text(serializeSipMessage(m));
    expect(out).toContain("\r\nVia: SIP/2.0/UDP gw1.example.net:5060;branch=z9hG4bK74bf9;rport\r\n");
    expect(out).toContain('\r\nFrom: "Alice" <sip:alice@gw1.example.net>;tag=9fxced76sl\r\n');
    expect(out).toContain("\r\nCall-ID: 3848276298220188511@gw1.example.net\r\n");
    expect(out).toContain("\r\nSupported: 100rel, timer\r\nAllow: INVITE, ACK, BYE\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n");
    expect(formatStartLine(m.startLine)).toBe(head[0]);
  });

  it("responses: status line, method from CSeq, no Max-Forwards needed", () => {
    const lines = ["SIP/2.0 183 Session Progress", ...head.slice(1).filter((l) => !l.startsWith("Max-Forwards")), "RSeq: 1", "Require: 100rel"];
    const m = ok(msg(lines));
    expect([m.isRequest, m.status, m.method, m.maxForwards]).toEqual([false, 183, "INVITE", undefined]);
    expect(m.rseq()).toEqual({ ok: true, value: 1, notes: [] });
    expect(m.startLine).toEqual({ kind: "response", version: "SIP/2.0", status: 183, reason: "Session Progress" });
  });

  it("CRLFs before the start line are ignored (RFC 3261 §7.5)", () => {
    const r = parseSipMessage(Buffer.concat([Buffer.from("\r\n\r\n"), msg(head)]), { limits });
    expect(r.ok && r.notes.some((n) => n.clause === "RFC 3261 §7.5")).toBe(true);
  });

  it("keeps an unknown header's spelling and a compact form's meaning", () => {
    const m = ok(msg([...head, "X-Custom-ID: abc", "P-Asserted-Identity: <tel:+441632960001>"]));
    const out = text(serializeSipMessage(m));
    expect(out).toContain("\r\nX-Custom-ID: abc\r\n");
    const pai = m.pAssertedIdentity();
    expect(pai.ok && pai.value?.[0]?.uri.kind).toBe("tel");
  });

  it.each<[string, Uint8Array, Partial<SipParseError>, RegExp]>([
    ["a bare LF", Buffer.from(`${head.join("\n")}\r\n\r\n`), { status: 400 }, /CR or LF/],
    ["a NUL outside quotes", msg([...head, "Subject: a\0b"]), { header: undefined, field: "Subject" }, /control character 0x00/],
    ["invalid UTF-8", msg([...head, "Subject: \xc3\x28"]), { field: "Subject", header: "Subject" }, /not UTF-8/],
    ["a header line without colon", msg([...head, "Brokenheader"]), { status: 400 }, /without ':'/],
    ["a header name with a space", msg([...head, "Bad Name: x"]), { status: 400 }, /followed by 'N' instead of ':'/],
    ["a continuation first", Buffer.from(`INVITE sip:a@b SIP/2.0\r\n continued\r\n\r\n`), { status: 400 }, /continuation line/],
    ["no empty line", Buffer.from(`${head.join("\r\n")}\r\n`), { framing: true }, /no empty line/],
    ["no Via", msg(head.filter((l) => !l.startsWith("v:"))), { header: "Via", reasonPhrase: "Bad Request - Missing Via header" }, /mandatory/],
    ["two Call-IDs", msg([...head, "Call-ID: x@y"]), { header: "Call-ID" }, /more than one Call-ID/],
    ["Max-Forwards 256", msg([...head, "Max-Forwards: 256"].filter((l) => l !== "Max-Forwards: 70")), { header: "Max-Forwards" }, /above 255/],
    ["an empty message", Buffer.from("\r\n\r\n"), { framing: true }, /no start line/],
    ["a request line with a tab", Buffer.from("INVITE\tsip:a@b SIP/2.0\r\n\r\n"), { field: "start line" }, /control character 0x09|Request-Line/],
    ["a response without SP after the code", Buffer.from("SIP/2.0 200\r\n\r\n"), { isRequest: false }, /no SP after the status code/],
    ["a status code 99", Buffer.from("SIP/2.0 099 x\r\n\r\n"), { isRequest: false }, /outside 100-699/],
    ["SIP/2.x", Buffer.from("OPTIONS sip:a@b SIP/2.x\r\n\r\n"), { status: 400, field: "SIP-Version" }, /not a SIP-Version/],
  ])("rejects %s", (_what, bytes, expected, reason) => {
    const e = err(bytes);
    expect(e).toMatchObject(expected);
    expect(e.reason).toMatch(reason);
  });

  it("reports octet offsets when UTF-8 text comes first", () => {
    const bytes = Buffer.from(`${[...head, "Subject: Grüße, 日本", "Expires: soon"].join("\r\n")}\r\nl: 0\r\n\r\n`, "utf8");
    const m = ok(bytes);
    expect(m.get("Subject")).toBe("Grüße, 日本");
    const e = m.expires();
    expect(e.ok).toBe(false);
    if (!e.ok) expect(e.error.offset).toBe(bytes.indexOf(Buffer.from("Expires: soon")));
    expect(m.headersNamed("l")[0]?.offset).toBe(bytes.indexOf(Buffer.from("l: 0")));
  });

  it("enforces the limits with 513", () => {
    const big = msg(head, "x".repeat(5000));
    expect(err(big)).toMatchObject({ status: 513, framing: true });
    const many = msg([...head, ...Array.from({ length: 40 }, (_, i) => `X-H${i}: ${i}`)]);
    expect(err(many)).toMatchObject({ status: 513, reasonPhrase: "Message Too Large - Too many header fields" });
  });

  it("accepts a non-grammar reason phrase with a note", () => {
    const lines = ["SIP/2.0 404 Not Found [no route]", ...head.slice(1)];
    const r = parseSipMessage(msg(lines), { limits });
    expect(r.ok && r.notes.some((n) => n.item === "Reason-Phrase")).toBe(true);
  });

  it("eager mode reports a broken header it would otherwise leave for later", () => {
    const bytes = msg([...head, "Expires: soon"]);
    const lazy = ok(bytes);
    expect(lazy.expires().ok).toBe(false);
    expect(err(bytes, { eager: true })).toMatchObject({ header: "Expires", reasonPhrase: "Bad Request - Invalid Expires" });
  });

  it("a broken request still gives the fields for a 400", () => {
    const e = err(msg([...head.slice(0, 1), "Via: SIP/2.0/UDP h;branch=z9hG4bKa", "CSeq: x INVITE", ...head.slice(2)]));
    expect(e.known).toMatchObject({ via: ["SIP/2.0/UDP h;branch=z9hG4bKa"], cseq: "x INVITE", callId: "3848276298220188511@gw1.example.net" });
    expect(e.reasonPhrase).toBe("Bad Request - Invalid CSeq sequence number");
    expect(collectKnownFields("X\r\nFrom: a\r\n b\r\nTo: c")).toEqual({ via: [], from: "a b", to: "c", callId: undefined, cseq: undefined });
  });
});

describe("createSipMessage", () => {
  it("builds a message with the checks a parsed one gets", () => {
    const parsed = ok(msg(head));
    const r = createSipMessage({ startLine: parsed.startLine, headers: [...parsed.headers, { name: "Subject", value: "  hi  " }], body: Buffer.from("abc") });
    if (!r.ok) throw new Error(r.error.reason);
    expect(r.value.get("subject")).toBe("hi");
    const out = text(serializeSipMessage(r.value));
    expect(out).toContain("\r\nContent-Length: 3\r\nSubject: hi\r\n\r\nabc");
    expect(out.match(/Content-Length/g)).toHaveLength(1);
    const bad = createSipMessage({ startLine: parsed.startLine, headers: parsed.headers.filter((h) => h.key !== "cseq") });
    expect(bad.ok).toBe(false);
    expect(createSipMessage({ startLine: parsed.startLine, headers: [{ name: "Bad Name", value: "x" }] }).ok).toBe(false);
    expect(createSipMessage({ startLine: parsed.startLine, headers: [...parsed.headers, { name: "X", value: "a\r\nb" }] }).ok).toBe(false);
  });
});

describe("frameSipStream (RFC 3261 §18.3)", () => {
  const one = msg(head, "v=0\r\n");
  const stream = Buffer.concat([Buffer.from("\r\n"), one, one]);

  it("frames back-to-back messages and reports CRLF keep-alives", () => {
    let buf: Uint8Array = stream;
    const kinds: string[] = [];
    for (let guard = 0; guard < 10; guard++) {
      const f = frameSipStream(buf, limits);
      kinds.push(f.kind);
      if (f.kind === "incomplete" || f.kind === "error") break;
      if (f.kind === "message") expect(ok(f.message, { stream: true }).callId).toBe("3848276298220188511@gw1.example.net");
      buf = buf.subarray(f.consumed);
    }
    expect(kinds).toEqual(["crlf", "message", "message", "incomplete"]);
  });

  it("waits for the rest of a message, octet by octet", () => {
    for (let n = 1; n < one.length; n++) expect(frameSipStream(one.subarray(0, n), limits).kind).toBe("incomplete");
    expect(frameSipStream(one, limits)).toMatchObject({ kind: "message", consumed: one.length });
  });

  it("fails on what cannot be framed", () => {
    const noCl = Buffer.from(`${head.join("\r\n")}\r\n\r\n`);
    expect(frameSipStream(noCl, limits)).toMatchObject({ kind: "error", error: { reason: expect.stringMatching(/mandatory on stream/) } });
    const twoCl = Buffer.from(`${head.join("\r\n")}\r\nContent-Length: 0\r\nl: 0\r\n\r\n`);
    expect(frameSipStream(twoCl, limits)).toMatchObject({ kind: "error", error: { reason: "more than one Content-Length" } });
    const neg = Buffer.from(`${head.join("\r\n")}\r\nContent-Length: -1\r\n\r\n`);
    expect(frameSipStream(neg, limits)).toMatchObject({ kind: "error" });
    const folded = Buffer.from(`${head.join("\r\n")}\r\nContent-Length:\r\n 2\r\n\r\nab`);
    expect(frameSipStream(folded, limits)).toMatchObject({ kind: "message", consumed: folded.length });
    expect(frameSipStream(Buffer.alloc(5000, 0x41), limits)).toMatchObject({ kind: "error", status: 513 });
    const huge = Buffer.from(`${head.join("\r\n")}\r\nContent-Length: 100000\r\n\r\n`);
    expect(frameSipStream(huge, limits)).toMatchObject({ kind: "error", status: 513 });
  });

  it("parse with stream: true wants the exact length", () => {
    expect(err(Buffer.concat([one, Buffer.from("x")]), { stream: true })).toMatchObject({ framing: true });
  });
});
