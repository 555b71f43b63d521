import { describe, expect, it } from "vitest";
import { SyntaxFailure } from "./cursor.js";
import {
  formatCSeq,
  formatContentDisposition,
  formatMediaType,
  formatReason,
  formatVia,
  makeVia,
  parseQValue,
  readCSeq,
  readCallId,
  readContactList,
  readContentDisposition,
  readDate,
  readFromTo,
  readMediaType,
  readNameAddrList,
  readPrivacy,
  readRAck,
  readReasonList,
  readScalar,
  readSessionExpires,
  readTokenList,
  readViaList,
  isTypedHeader,
  parseHeaderValue,
} from "./header-values.js";
import { formatNameAddr } from "./name-addr.js";
import { param } from "./params.js";
import { splitCommaList } from "./header-lines.js";

function failure(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof SyntaxFailure) return e.reason;
    throw e;
  }
  throw new Error("accepted");
}

describe("Via (RFC 3261 §20.42, RFC 3581)", () => {
  it("reads sent-protocol, sent-by and the parameters the stack uses", () => {
    const [v] = readViaList("SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bK776asdhds;received=2001:db8::8;rport=5071;ttl=16;maddr=224.2.0.1;x-ext");
    expect(v).toMatchObject({ transport: "UDP", host: "[2001:db8::9]", hostType: "ipv6", port: 5070, branch: "z9hG4bK776asdhds", received: "2001:db8::8", rport: 5071, ttl: 16, maddr: "224.2.0.1" });
    expect(readViaList("SIP/2.0/TCP a.example.com;rport")[0]?.rport).toBe(true);
  });

  it("splits comma-separated values and allows LWS around separators", () => {
    const vs = readViaList("SIP / 2.0 / UDP a.example.com : 5060 ; branch = z9hG4bK1 , SIP/2.0/TLS b.example.com;branch=z9hG4bK2");
    expect(vs.map((v) => [v.host, v.port, v.branch])).toEqual([
      ["a.example.com", 5060, "z9hG4bK1"],
      ["b.example.com", undefined, "z9hG4bK2"],
    ]);
  });

  it.each([
    ["SIP/2.0/UDP", /whitespace between the transport/],
    ["SIP/2.0 UDP h", /'\/' after the protocol version/],
    ["SIP/2.0/UDP h;branch", /branch needs a token/],
    ["SIP/2.0/UDP h;received=example.com", /received must be an IPv4 or IPv6/],
    ["SIP/2.0/UDP h;ttl=256", /ttl must be 0-255/],
    ["SIP/2.0/UDP h;rport=70000", /rport must be a port/],
    ["SIP/2.0/UDP h;maddr=[::1", /IPv6 reference without closing/],
    ["SIP/2.0/UDP h:0x50", /unexpected/],
    ["SIP/2.0/UDP h,", /protocol-name/],
  ])("%s is rejected", (value, reason) => {
    expect(failure(() => readViaList(value))).toMatch(reason);
  });

  it("formats canonically and round-trips", () => {
    const v = makeVia("TLS", "gw.example.net", "hostname", 5061, [param("branch", "z9hG4bKx1"), param("rport")]);
    expect(formatVia(v)).toBe("SIP/2.0/TLS gw.example.net:5061;branch=z9hG4bKx1;rport");
    expect(readViaList(formatVia(v))[0]).toEqual(v);
  });
});

describe("From / To / Contact / Route", () => {
  it("reads display names, tags and header parameters", () => {
    const f = readFromTo('"A. G. Bell" <sip:agb@bell-telephone.com> ;tag=a48s', "From");
    expect([f.displayName, f.tag, formatNameAddr(f)]).toEqual(["A. G. Bell", "a48s", '"A. G. Bell" <sip:agb@bell-telephone.com>;tag=a48s']);
    const t = readFromTo("sip:+12125551212@server.phone2net.com;tag=887s", "To");
    expect([t.displayName, t.tag, t.uri.kind]).toEqual([undefined, "887s", "sip"]);
    expect(readFromTo("Anonymous <sip:c8oqz84zk7z@privacy.org>;tag=hyh8", "From").displayName).toBe("Anonymous");
    expect(readFromTo('"" <sip:x@y>', "From").displayName).toBe("");
  });

  it.each([
    ['"open <sip:a@b>', /unterminated quoted string/],
    ["<sip:a@b", /without matching '>'/],
    ["< sip:a@b>", /whitespace inside <>/],
    ["sip:a@b;tag", /tag needs a token/],
    ["sip:a@b?x=y", /must be enclosed in <>/],
    ["A, B <sip:a@b>", /need(s)? quotes/],
    ["<sip:a@b> junk", /unexpected/],
    ['"x\\\r" <sip:a@b>', /quoted-pair/],
  ])("From %s is rejected", (value, reason) => {
    expect(failure(() => readFromTo(value, "From"))).toMatch(reason);
  });

  it("reads Contact lists, '*', q and expires", () => {
    const c = readContactList('"Mr. Watson" <sip:watson@worcester.bell-telephone.com>;q=0.7; expires=3600, "Mr. Watson" <mailto:watson@bell-telephone.com> ;q=0.1');
    if (c.wildcard) throw new Error("wildcard");
    expect(c.values.map((v) => [v.q, v.expires, v.uri.kind])).toEqual([
      [0.7, 3600, "sip"],
      [0.1, undefined, "absolute"],
    ]);
    expect(readContactList(" * ")).toEqual({ wildcard: true, values: [] });
    expect(failure(() => readContactList("<sip:a@b>;q=1.5"))).toMatch(/qvalue/);
    expect(failure(() => readContactList("<sip:a@b>;expires=4294967296"))).toMatch(/delta-seconds up to 2\^32-1/);
    expect(failure(() => readContactList("*, <sip:a@b>"))).toMatch(/unexpected/);
  });

  it("qvalue grammar", () => {
    expect(["0", "0.", "0.5", "0.123", "1", "1.000"].map(parseQValue)).toEqual([0, 0, 0.5, 0.123, 1, 1]);
    expect(["1.1", "0.1234", ".5", "2"].map(parseQValue)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("Route needs name-addr; commas inside quotes and <> do not split", () => {
    const r = readNameAddrList('<sip:p1.example.com;lr>, "a,b" <sip:p2.example.com;lr>', "Route", true);
    expect(r.map((n) => n.displayName)).toEqual([undefined, "a,b"]);
    expect(failure(() => readNameAddrList("sip:p1.example.com;lr", "Route", true))).toMatch(/must be a name-addr/);
    expect(splitCommaList('"a,b" <sip:x;p=1,2>, c, "q\\",x"')).toEqual(['"a,b" <sip:x;p=1,2>', "c", '"q\\",x"']);
  });
});

describe("scalar and token headers", () => {
  it("CSeq (§20.16)", () => {
    expect(readCSeq("4711 INVITE")).toEqual({ seq: 4711, method: "INVITE" });
    expect(readCSeq("4294967295 ACK").seq).toBe(4294967295);
    expect(failure(() => readCSeq("4294967296 ACK"))).toMatch(/above 4294967295/);
    expect(failure(() => readCSeq("1INVITE"))).toMatch(/whitespace/);
    expect(failure(() => readCSeq("1 INVITE x"))).toMatch(/unexpected/);
    expect(formatCSeq({ seq: 2, method: "BYE" })).toBe("2 BYE");
  });

  it("Call-ID (§20.8)", () => {
    expect(readCallId("f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com")).toBe("f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com");
    expect(failure(() => readCallId("a@b@c"))).toMatch(/unexpected/);
    expect(failure(() => readCallId("a b"))).toMatch(/unexpected/);
  });

  it("delta-seconds and Max-Forwards ranges", () => {
    expect(readScalar(" 070 ", "Max-Forwards", 255)).toBe(70);
    expect(failure(() => readScalar("256", "Max-Forwards", 255))).toMatch(/above 255/);
    expect(failure(() => readScalar("", "Expires", 10))).toMatch(/digits/);
  });

  it("Content-Type and Content-Disposition (§20.15, §20.11, RFC 3204)", () => {
    const ct = readMediaType("application/ISUP ; version=itu-t92+ ; base=\"itu-t92+\"");
    expect(ct.params.map((p) => [p.name, p.value, p.quoted])).toEqual([
      ["version", "itu-t92+", false],
      ["base", "itu-t92+", true],
    ]);
    expect(formatMediaType(ct)).toBe('application/ISUP;version=itu-t92+;base="itu-t92+"');
    expect(failure(() => readMediaType("text"))).toMatch(/'\/' between type and subtype/);
    expect(failure(() => readMediaType("text/plain;charset"))).toMatch(/needs a value/);
    const cd = readContentDisposition("signal; handling=optional");
    expect([cd.type, cd.handling, formatContentDisposition(cd)]).toEqual(["signal", "optional", "signal;handling=optional"]);
    expect(readContentDisposition("session").handling).toBe("required");
  });

  it("option tags, Privacy, RAck, Reason, Session-Expires, Date", () => {
    expect(readTokenList("100rel , timer", "Supported", true)).toEqual(["100rel", "timer"]);
    expect(readTokenList("", "Supported", true)).toEqual([]);
    expect(failure(() => readTokenList("", "Require", false))).toMatch(/at least one/);
    expect(failure(() => readTokenList("a,,b", "Require", false))).toMatch(/token/);
    expect(readPrivacy("id; header")).toEqual(["id", "header"]);
    expect(readRAck("776656 1 INVITE")).toEqual({ rseq: 776656, cseq: 1, method: "INVITE" });
    const rs = readReasonList('Q.850 ;cause=16 ;text="Terminated", SIP;cause=600');
    expect(rs.map((r) => [r.protocol, r.cause, r.text])).toEqual([
      ["Q.850", 16, "Terminated"],
      ["SIP", 600, undefined],
    ]);
    expect(formatReason({ protocol: "Q.850", cause: 31, text: 'Normal, "unspecified"' })).toBe('Q.850;cause=31;text="Normal, \\"unspecified\\""');
    expect(failure(() => readReasonList("Q.850;cause=x"))).toMatch(/cause must be/);
    expect(readSessionExpires("1800;refresher=uac")).toMatchObject({ deltaSeconds: 1800, refresher: "uac" });
    expect(failure(() => readSessionExpires("1800;refresher=me"))).toMatch(/uac or uas/);
    expect(readDate("Sat, 13 Nov 2010 23:29:00 GMT").epochMs).toBe(Date.UTC(2010, 10, 13, 23, 29, 0));
    expect(failure(() => readDate("Sat, 13 Nov 2010 23:29:00 UTC"))).toMatch(/UTC is not GMT/);
    expect(failure(() => readDate("13 Nov 2010"))).toMatch(/RFC 1123/);
  });
});

describe("parseHeaderValue", () => {
  it("reads by header key and never throws", () => {
    expect(parseHeaderValue("cseq", "7 BYE")).toEqual({ ok: true, value: { seq: 7, method: "BYE" }, notes: [] });
    const bad = parseHeaderValue("via", "SIP/2.0/UDP");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatchObject({ field: "Via", reason: expect.stringMatching(/whitespace/) });
    expect([isTypedHeader("contact"), isTypedHeader("x-foo"), isTypedHeader("toString")]).toEqual([true, false, false]);
  });
});
