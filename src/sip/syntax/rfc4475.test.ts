/**
 * RFC 4475 "SIP Torture Test Messages": every message of §3.1.1 (valid),
 * §3.1.2 (invalid), §3.2, §3.3 and §3.4, decoded from the RFC's markup in
 * vectors/rfc4475/ (see its README for what each one must do and why).
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { SipParseError, SipParseResult } from "./parse-message.js";
import { parseSipMessage } from "./parse-message.js";
import type { SipMessage } from "./message.js";
import { serializeSipMessage } from "./serialize-message.js";
import type { SipUri } from "./uri.js";
import { sipUriEquals, unescapeUriComponent } from "./uri.js";
import { decodeRfc4475Markup } from "./vectors/rfc4475/markup.js";
import { paramValue } from "./params.js";
import { frameSipStream } from "./stream-framer.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "vectors", "rfc4475");
const limits = { maxMessageBytes: 65535, maxHeaders: 256 };

function rfc4475(name: string): Uint8Array {
  return decodeRfc4475Markup(readFileSync(join(dir, `${name}.txt`), "utf8"));
}

function parse(name: string, opts: { stream?: boolean; eager?: boolean } = {}): SipParseResult {
  return parseSipMessage(rfc4475(name), { limits, ...opts });
}

function ok(name: string, opts: { eager?: boolean } = {}): SipMessage {
  const r = parse(name, opts);
  if (!r.ok) throw new Error(`${name}: ${r.error.reason}`);
  return r.value;
}

function err(name: string, opts: { stream?: boolean; eager?: boolean } = {}): SipParseError {
  const r = parse(name, opts);
  if (r.ok) throw new Error(`${name} was accepted`);
  return r.error;
}

function sip(u: unknown): SipUri {
  const uri = u as SipUri;
  expect(uri.kind).toBe("sip");
  return uri;
}

const valid = ["wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq", "dblreq", "semiuri", "transports", "mpart01", "unreason", "noreason"];
const acceptedElsewhere = ["badbranch", "unkscm", "novelsc", "unksm2", "bext01", "invut", "regaut01", "bcast", "zeromf", "cparam01", "cparam02", "regescrt", "sdp01", "inv2543", "baddate", "regbadct"];

describe("RFC 4475 vectors", () => {
  it("holds every message of §3 and nothing else", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".txt")).map((f) => f.slice(0, -4)).sort();
    expect(files).toHaveLength(49);
  });
});

describe("RFC 4475 §3.1.1 valid messages", () => {
  it("§3.1.1.1 wsinv: folding, LWS everywhere, compact and long forms, leading zeros", () => {
    const m = ok("wsinv");
    const ru = sip(m.requestUri);
    expect([m.method, ru.user, ru.host, ru.params]).toEqual(["INVITE", "vivekg", "chair-dnrc.example.com", [{ name: "unknownparam", value: undefined }]]);
    expect(formatTo(m)).toEqual(["sip:vivekg@chair-dnrc.example.com", "1918181833n"]);
    expect(m.from.displayName).toBe('J Rosenberg \\"');
    expect(m.from.tag).toBe("98asjd8");
    expect(m.maxForwards).toBe(68);
    expect(m.callId).toBe("wsinv.ndaksdj@192.0.2.1");
    expect(m.contentLength).toBe(150);
    expect(m.cseq).toEqual({ seq: 9, method: "INVITE" });
    expect(m.via.map((v) => [v.protocolName, v.protocolVersion, v.transport, v.host, v.branch])).toEqual([
      ["SIP", "2.0", "UDP", "192.0.2.2", "390skdjuw"],
      ["SIP", "2.0", "TCP", "spindle.example.com", "z9hG4bK9ikj8"],
      ["SIP", "2.0", "UDP", "192.168.255.111", "z9hG4bK30239"],
    ]);
    expect(m.get("Subject")).toBe("");
    expect(m.get("s")).toBe("");
    expect(m.get("NewFangledHeader")).toBe("newfangled value continued newfangled value");
    expect(m.get("UnknownHeaderWithUnusualValue")).toBe(";;,,;;,;");
    const route = m.route();
    expect(route.ok && route.value?.map((r) => (r.uri as SipUri).params.map((p) => p.name))).toEqual([["lr", "unknownwith", "unknown-no-value"]]);
    const contact = m.contact();
    if (!contact.ok || contact.value === undefined || contact.value.wildcard) throw new Error("contact");
    const c = contact.value.values[0];
    expect(c?.displayName).toBe('Quoted string ""');
    expect(c?.q).toBe(0.33);
    expect(c?.params.map((p) => [p.name, p.value])).toEqual([["newparam", "newvalue"], ["secondparam", undefined], ["q", "0.33"]]);
    const ct = m.contentType();
    expect(ct.ok && ct.value).toEqual({ type: "application", subtype: "sdp", params: [] });
    expect(new TextDecoder().decode(m.body).startsWith("v=0\r\no=mhandley")).toBe(true);
    expect(m.body.length).toBe(150);
  });

  it("§3.1.1.2 intmeth: the whole token, word and quoted-pair ranges", () => {
    const m = ok("intmeth");
    expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    const ru = sip(m.requestUri);
    expect(ru.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(ru.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(ru.host).toBe("example.com");
    expect(m.via[0]?.branch).toBe("z9hG4bK-.!%66*_+`'~");
    expect(m.to.displayName).toBe("BEL:\x07 NUL:\x00 DEL:\x7f");
    expect(sip(m.to.uri).user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(m.from.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(paramValue(m.from.params, "fromParam''~+*_!.-%")).toBe("работающий");
    expect(m.from.tag).toBe("_token~1'+`*%!-.");
    expect(m.callId).toBe("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    expect(m.cseq).toEqual({ seq: 139122385, method: "!interesting-Method0123456789_*+`.%indeed'~" });
    expect(m.maxForwards).toBe(255);
    expect(m.get("extensionHeader-!.%*+_`'~")).toBe("\ufeff大停電");
  });

  it("§3.1.1.3 esc01: % HEX HEX in user parts and URI parameters, resolved once", () => {
    const m = ok("esc01");
    expect(unescapeUriComponent(sip(m.requestUri).user as string)).toBe("sips:user@example.com");
    expect(unescapeUriComponent(sip(m.to.uri).user as string)).toBe("user");
    expect(unescapeUriComponent(sip(m.from.uri).user as string)).toBe("I have spaces");
    const contact = m.contact();
    if (!contact.ok || contact.value === undefined || contact.value.wildcard) throw new Error("contact");
    const uri = sip(contact.value.values[0]?.uri);
    expect(unescapeUriComponent(uri.user as string)).toBe("caller");
    expect(uri.params.map((p) => [unescapeUriComponent(p.name), p.value === undefined ? undefined : unescapeUriComponent(p.value)])).toEqual([
      ["lr", undefined],
      ["name", "value%41"],
    ]);
    expect(m.callId).toBe("esc01.239409asdfakjkn23onasd0-3234");
  });

  it("§3.1.1.4 escnull: escaped NULs keep the two Contact URIs distinct", () => {
    const m = ok("escnull");
    const contact = m.contact();
    if (!contact.ok || contact.value === undefined || contact.value.wildcard) throw new Error("contact");
    const [a, b] = contact.value.values.map((v) => sip(v.uri));
    expect(unescapeUriComponent(a?.user as string)).toBe("\0");
    expect(unescapeUriComponent(b?.user as string)).toBe("\0\0");
    expect(sipUriEquals(a as SipUri, b as SipUri)).toBe(false);
    expect(unescapeUriComponent(sip(m.to.uri).user as string)).toBe("null-\0-null");
    expect(m.contentLength).toBe(0);
  });

  it("§3.1.1.5 esc02: % is not an escape in methods, display names, branches, header names", () => {
    const m = ok("esc02");
    expect(m.method).toBe("RE%47IST%45R");
    expect(m.to.displayName).toBe("%Z%45");
    expect(m.via[0]?.branch).toBe("z9hG4bK209%fzsnel234");
    const contact = m.contact();
    expect(contact.ok && contact.value !== undefined && !contact.value.wildcard && contact.value.values.map((v) => sip(v.uri).host)).toEqual(["host1.example.com", "host3.example.com"]);
    expect(m.get("C%6Fntact")).toBe("<sip:alias2@host2.example.com>");
  });

  it("§3.1.1.6 lwsdisp: token display name directly before <", () => {
    const m = ok("lwsdisp");
    expect(m.from.displayName).toBe("caller");
    expect(sip(m.from.uri).user).toBe("caller");
  });

  it("§3.1.1.7 longreq: long values and 34 Via values in every spelling", () => {
    const m = ok("longreq");
    expect(m.to.displayName).toBe(`I have a user name of ${"extreme".repeat(10)} proportion`);
    const tu = sip(m.to.uri);
    expect(tu.port).toBe(6000);
    expect(tu.params.map((p) => p.name)).toEqual(["unknownparam1", `longparam${"name".repeat(25)}`, `very${"long".repeat(25)}ParameterNameWithNoValue`]);
    expect(sip(m.from.uri).user).toBe("amazinglylongcallername".repeat(5));
    expect(m.from.tag).toBe(`12${"982".repeat(50)}424`);
    expect(m.via).toHaveLength(34);
    expect(m.via[0]?.host).toBe("sip33.example.com");
    expect(m.via[33]?.received).toBe("192.0.2.5");
    expect(m.via[33]?.branch).toBe(`very${"long".repeat(50)}branchvalue`);
    expect(m.callId).toBe(`longreq.one${"really".repeat(20)}longcallid`);
    expect(m.get(`Unknown-${"Long".repeat(20)}-Name`)).toBe(`unknown-${"long".repeat(20)}-value; unknown-${"long".repeat(20)}-parameter-name = unknown-${"long".repeat(20)}-parameter-value`);
  });

  it("§3.1.1.8 dblreq: octets after Content-Length in a datagram are ignored", () => {
    const r = parse("dblreq");
    if (!r.ok) throw new Error(r.error.reason);
    expect(r.value.method).toBe("REGISTER");
    expect(r.value.body.length).toBe(0);
    expect(r.notes.some((n) => n.item === "Content-Length" && n.message.includes("discarded"))).toBe(true);
    // Serializing (forwarding) leaves the INVITE octets out.
    expect(new TextDecoder().decode(serializeSipMessage(r.value))).not.toContain("INVITE");
  });

  it("§3.1.1.9 semiuri: the user part is user;par=u@example.net", () => {
    const m = ok("semiuri");
    const ru = sip(m.requestUri);
    expect(unescapeUriComponent(ru.user as string)).toBe("user;par=u@example.net");
    expect(ru.host).toBe("example.com");
    expect(ru.params).toEqual([]);
    expect(m.values("Accept")).toEqual(["application/sdp", "application/pkcs7-mime", "multipart/mixed", "multipart/signed", "message/sip", "message/sipfrag"]);
  });

  it("§3.1.1.10 transports: known and unknown Via transports", () => {
    expect(ok("transports").via.map((v) => v.transport)).toEqual(["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
  });

  it("§3.1.1.11 mpart01: a multipart body with a binary part holding NULs", () => {
    const m = ok("mpart01");
    expect(m.via[0]?.rport).toBe(true);
    expect(m.via[0]?.port).toBe(5070);
    const mp = m.multipart();
    if (mp === undefined || !mp.ok) throw new Error("multipart");
    expect(mp.value.parts).toHaveLength(2);
    const [text, bin] = mp.value.parts;
    expect(text?.contentType).toEqual({ type: "text", subtype: "plain", params: [] });
    expect(new TextDecoder().decode(text?.body)).toBe("Hello");
    expect(bin?.contentType?.subtype).toBe("octet-stream");
    expect(bin?.body.length).toBe(342);
    expect([...(bin?.body.subarray(0, 4) ?? [])]).toEqual([0x30, 0x82, 0x01, 0x52]);
    expect(bin?.body.includes(0)).toBe(true);
    const date = m.date();
    expect(date.ok && date.value?.epochMs).toBe(Date.UTC(2005, 9, 15, 4, 44, 56));
  });

  it("§3.1.1.12 unreason: a reason phrase with non-ASCII UTF-8", () => {
    const m = ok("unreason");
    expect(m.startLine).toEqual({ kind: "response", version: "SIP/2.0", status: 200, reason: "= 2**3 * 5**2 но сто девяносто девять - простое" });
    expect(m.body.length).toBe(154);
  });

  it("§3.1.1.13 noreason: an empty reason phrase after the required SP", () => {
    expect(ok("noreason").startLine).toEqual({ kind: "response", version: "SIP/2.0", status: 100, reason: "" });
  });

  it.each(valid)("%s parses eagerly too, and serialize(parse(m)) parses to the same message", (name) => {
    const m = ok(name, { eager: true });
    const again = parseSipMessage(serializeSipMessage(m), { limits, stream: true, eager: true });
    if (!again.ok) throw new Error(again.error.reason);
    expect(structure(again.value)).toEqual(structure(m));
  });
});

function formatTo(m: SipMessage): [string, string | undefined] {
  const u = sip(m.to.uri);
  return [`sip:${u.user}@${u.host}`, m.to.tag];
}

/** What must survive a serialize/parse round trip. */
function structure(m: SipMessage): unknown {
  return {
    startLine: m.startLine,
    headers: m.headers.map((h) => [h.key, h.key === "content-length" ? String(m.body.length) : h.value]),
    body: [...m.body],
    via: m.via,
    from: m.from,
    to: m.to,
    callId: m.callId,
    cseq: m.cseq,
    maxForwards: m.maxForwards,
  };
}

describe("RFC 4475 §3.1.2 invalid messages", () => {
  const cases: Array<[string, Partial<SipParseError>, RegExp]> = [
    ["badinv01", { status: 400, header: "Via" }, /Via parameter name/],
    ["clerr", { status: 400, header: "Content-Length", framing: true }, /Content-Length 9999 but only 154 octets/],
    ["ncl", { status: 400, header: "Content-Length", framing: true }, /expected Content-Length \(digits\)/],
    ["scalar02", { status: 400, header: "CSeq" }, /CSeq sequence number .* above 4294967295/],
    ["scalarlg", { header: "CSeq", isRequest: false }, /above 4294967295/],
    ["quotbal", { status: 400, header: "To" }, /unterminated quoted string/],
    ["ltgtruri", { status: 400, field: "start line" }, /Request-URI enclosed in <>/],
    ["lwsruri", { status: 400, field: "start line" }, /whitespace inside the Request-URI/],
    ["lwsstart", { status: 400, field: "start line" }, /more than one SP between Method and Request-URI/],
    ["trws", { status: 400, field: "start line" }, /whitespace at the end of the Request-Line/],
    ["escruri", { status: 400, field: "Request-URI" }, /headers .* not allowed in a Request-URI/],
    ["badaspec", { status: 400, header: "To" }, /whitespace inside <>/],
    ["baddn", { status: 400, header: "From" }, /need(s)? quotes/],
    ["badvers", { status: 505, field: "SIP-Version" }, /SIP\/7\.0 is not SIP\/2\.0/],
    ["mismatch01", { status: 400, header: "CSeq" }, /CSeq method INVITE does not match the request method OPTIONS/],
    ["mismatch02", { status: 501, header: "CSeq" }, /does not match the request method NEWMETHOD/],
    ["bigcode", { status: 400, isRequest: false, field: "start line" }, /not 3 digits/],
  ];
  it.each(cases)("%s is rejected with a specific reason", (name, expected, reason) => {
    const e = err(name);
    expect(e).toMatchObject(expected);
    expect(e.reason).toMatch(reason);
    expect(e.reasonPhrase).not.toMatch(/[\r\n]/);
  });

  it("reason phrases name what failed", () => {
    expect(err("scalar02").reasonPhrase).toBe("Bad Request - Invalid CSeq sequence number");
    expect(err("badvers").reasonPhrase).toBe("Version Not Supported - SIP/7.0 not supported");
    expect(err("mismatch01").reasonPhrase).toBe("Bad Request - CSeq method does not match the request method");
    expect(err("clerr").reasonPhrase).toBe("Bad Request - Content-Length larger than the datagram");
  });

  it("a rejected request still yields Via, From, To, Call-ID and CSeq for the 400", () => {
    expect(err("badinv01").known).toEqual({
      via: ["SIP/2.0/UDP 192.0.2.15;;,;,,"],
      from: "sip:caller@example.net;tag=134161461246",
      to: "sip:j.user@example.com",
      callId: "badinv01.0ha0isndaksdjasdf3234nas",
      cseq: "8 INVITE",
    });
    const lt = err("ltgtruri");
    expect([lt.isRequest, lt.method, lt.known.callId, lt.known.via]).toEqual([true, "INVITE", "ltgtruri.1@192.0.2.5", ["SIP/2.0/UDP 192.0.2.5"]]);
  });

  it("clerr on a stream: the framer waits for the missing octets; given as one message it is a framing error", () => {
    expect(frameSipStream(rfc4475("clerr"), limits).kind).toBe("incomplete");
    const e = err("clerr", { stream: true });
    expect(e.framing).toBe(true);
    expect(e.reason).toMatch(/Content-Length 9999 but 154 octets follow/);
  });

  it("§3.1.2.12 baddate: parsed, the Date header fails when read (non-GMT zone)", () => {
    const m = ok("baddate");
    const d = m.date();
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error.reason).toMatch(/EST is not GMT/);
    expect(err("baddate", { eager: true })).toMatchObject({ status: 400, header: "Date" });
  });

  it("§3.1.2.13 regbadct: parsed, the Contact fails when read (headers need <>)", () => {
    const m = ok("regbadct");
    const c = m.contact();
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error.reason).toMatch(/must be enclosed in <>/);
    expect(err("regbadct", { eager: true })).toMatchObject({ status: 400, header: "Contact" });
  });
});

describe("RFC 4475 §3.2 to §3.4", () => {
  it.each(acceptedElsewhere)("%s parses (its handling belongs to a higher layer)", (name) => {
    expect(parse(name).ok).toBe(true);
  });

  it("§3.2.1 badbranch: the bare z9hG4bK branch is kept for the transaction layer", () => {
    expect(ok("badbranch").branch).toBe("z9hG4bK");
  });

  it("§3.3.1 insuf: missing From, To and Call-ID", () => {
    expect(err("insuf")).toMatchObject({ status: 400, header: "From", reasonPhrase: "Bad Request - Missing From header" });
  });

  it("§3.3.2 / §3.3.3 / §3.3.4 unknown and atypical URI schemes stay opaque", () => {
    expect(ok("unkscm").requestUri).toEqual({ kind: "absolute", scheme: "nobodyknowsthisscheme", rest: "totallyopaquecontent" });
    expect(ok("novelsc").requestUri).toEqual({ kind: "absolute", scheme: "soap.beep", rest: "//192.0.2.103:3002" });
    const m = ok("unksm2");
    expect(m.to.uri).toEqual({ kind: "absolute", scheme: "isbn", rest: "2983792873" });
    expect(m.from.uri).toEqual({ kind: "absolute", scheme: "http", rest: "//www.example.com" });
  });

  it("§3.3.5 bext01: Require and Proxy-Require lists", () => {
    const m = ok("bext01");
    const req = m.require();
    const preq = m.proxyRequire();
    expect(req.ok && req.value).toEqual(["nothingSupportsThis", "nothingSupportsThisEither"]);
    expect(preq.ok && preq.value).toEqual(["noProxiesSupportThis", "norDoAnyProxiesSupportThis"]);
  });

  it("§3.3.8 multi01 and §3.3.9 mcl01: single-valued fields given twice", () => {
    expect(err("multi01")).toMatchObject({ status: 400, header: "CSeq", reasonPhrase: "Bad Request - Multiple CSeq headers" });
    expect(err("mcl01")).toMatchObject({ status: 400, header: "Content-Length", framing: true });
  });

  it("§3.3.10 bcast, §3.3.11 zeromf", () => {
    expect(ok("bcast").via[1]?.host).toBe("255.255.255.255");
    expect(ok("zeromf").maxForwards).toBe(0);
  });

  it("§3.3.12 / §3.3.13 / §3.3.14: contact-param versus url-parameter versus escaped header", () => {
    const contactOf = (name: string) => {
      const c = ok(name).contact();
      if (!c.ok || c.value === undefined || c.value.wildcard) throw new Error(name);
      return c.value.values[0];
    };
    const c1 = contactOf("cparam01");
    expect([sip(c1?.uri).params, c1?.params.map((p) => p.name)]).toEqual([[], ["unknownparam"]]);
    const c2 = contactOf("cparam02");
    expect([sip(c2?.uri).params.map((p) => p.name), c2?.params]).toEqual([["unknownparam"], []]);
    expect(sip(contactOf("regescrt")?.uri).headers).toEqual([{ name: "Route", value: "%3Csip:sip.example.com%3E" }]);
  });

  it("§3.4.1 inv2543: no Content-Length, no Max-Forwards, no branch, no From tag", () => {
    const r = parse("inv2543");
    if (!r.ok) throw new Error(r.error.reason);
    const m = r.value;
    expect([m.maxForwards, m.branch, m.from.tag, m.contentLength, m.body.length]).toEqual([undefined, undefined, undefined, undefined, 105]);
    expect(m.to.params).toEqual([{ name: "user", value: "phone", quoted: false }]);
    expect(sip(m.from.uri).params).toEqual([{ name: "user", value: "phone" }]);
    expect(r.notes.some((n) => n.clause === "RFC 3261 §18.3")).toBe(true);
    // On a stream the same message cannot be framed.
    expect(err("inv2543", { stream: true })).toMatchObject({ framing: true, header: "Content-Length" });
  });
});
