/**
 * The header helpers against the RFCs' own examples (vectors/rfc-examples.json)
 * and the rules of each grammar: RFC 3326 §2, RFC 3325 §9, RFC 3323 §4.2,
 * RFC 5806 §4, RFC 7044 §5 with RFC 4458 §2.2.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SipMessage } from "../syntax/message.js";
import { parseSipMessage } from "../syntax/parse-message.js";
import type { SipUri } from "../syntax/uri.js";
import { parseUri } from "../syntax/uri.js";
import { diversionCount, diversionHeader, diversionsOf, formatDiversions, makeDiversion, parseDiversions } from "./diversion.js";
import { formatHistoryInfo, historyInfoOf, historyParent, makeHistoryEntry, parseHistoryInfo } from "./history-info.js";
import { formatIdentities, identitiesOf, identityHeader, parseIdentities } from "./identity.js";
import { formatPrivacy, parsePrivacy, privacyAsks, privacyOf } from "./privacy.js";
import { formatReasons, parseReasons, q850Reason, reasonFor, reasonHeader, reasonsOf, sipReason } from "./reason.js";

interface Vector {
  readonly value: string;
  readonly canonical?: string;
  readonly source: string;
  readonly field?: "P-Asserted-Identity" | "P-Preferred-Identity";
}
const V = JSON.parse(readFileSync(new URL("./vectors/rfc-examples.json", import.meta.url), "utf8")) as Record<"reason" | "identity" | "privacy" | "diversion" | "historyInfo", Vector[]>;

function ok<T>(r: { ok: true; value: T } | { ok: false; error: { reason: string } }): T {
  if (!r.ok) throw new Error(r.error.reason);
  return r.value;
}

function sipUri(text: string): SipUri {
  const u = ok(parseUri(text));
  if (u.kind !== "sip") throw new Error("not a SIP URI");
  return u;
}

/** A request carrying the given header lines (the rest is the minimum RFC 3261 §8.1.1 asks for). */
function request(lines: readonly string[]): SipMessage {
  const text = ["INVITE sip:bob@192.0.2.2 SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKh", "Max-Forwards: 70", "From: <sip:a@192.0.2.1>;tag=1", "To: <sip:bob@192.0.2.2>", "Call-ID: h1", "CSeq: 1 INVITE", ...lines, "Content-Length: 0", "", ""].join("\r\n");
  const r = parseSipMessage(new TextEncoder().encode(text), { limits: { maxMessageBytes: 65_535, maxHeaders: 256 } });
  if (!r.ok) throw new Error(r.error.reason);
  return r.value;
}

describe("the RFCs' examples parse and format back", () => {
  for (const v of V.reason) {
    it(`Reason (${v.source}): ${v.value}`, () => {
      const r = parseReasons(v.value);
      expect(r.ok && r.notes).toEqual([]);
      expect(formatReasons(ok(r))).toBe(v.canonical ?? v.value);
    });
  }
  for (const v of V.identity) {
    it(`${v.field ?? ""} (${v.source}): ${v.value}`, () => {
      const r = parseIdentities(v.value, v.field);
      expect(r.ok && r.notes).toEqual([]);
      expect(formatIdentities(ok(r))).toBe(v.canonical ?? v.value);
    });
  }
  for (const v of V.privacy) {
    it(`Privacy (${v.source}): ${v.value}`, () => {
      const r = parsePrivacy(v.value);
      expect(r.ok && r.notes).toEqual([]);
      expect(formatPrivacy(ok(r))).toBe(v.canonical ?? v.value);
    });
  }
  for (const v of V.diversion) {
    it(`Diversion (${v.source}): ${v.value}`, () => {
      expect(formatDiversions(ok(parseDiversions(v.value)))).toBe(v.canonical ?? v.value);
    });
  }
  for (const v of V.historyInfo) {
    it(`History-Info (${v.source}): ${v.value}`, () => {
      const r = parseHistoryInfo(v.value);
      expect(r.ok && r.notes).toEqual([]);
      expect(formatHistoryInfo(ok(r))).toBe(v.canonical ?? v.value);
    });
  }
});

describe("Reason (RFC 3326 §2)", () => {
  it("reads protocol, cause, text and extensions; several values in one line", () => {
    const list = ok(parseReasons('SIP;cause=486;text="Busy Here", Q.850 ;cause=17;x-carrier=abc'));
    expect(list).toEqual([
      { protocol: "SIP", cause: 486, text: "Busy Here", extensions: [] },
      { protocol: "Q.850", cause: 17, text: undefined, extensions: [{ name: "x-carrier", value: "abc", quoted: false }] },
    ]);
    expect(reasonFor(list, "q.850")?.cause).toBe(17);
  });

  it("unescapes the quoted text and writes it back escaped", () => {
    const r = ok(parseReasons('Q.850;cause=16;text="say \\"hi\\""'));
    expect(r[0]?.text).toBe('say "hi"');
    expect(formatReasons(r)).toBe('Q.850;cause=16;text="say \\"hi\\""');
  });

  it("refuses what the grammar forbids: a cause that is not digits, a cause twice, an empty value", () => {
    for (const bad of ["SIP;cause=abc", "SIP;cause=", 'SIP;cause="16"', "SIP;cause=1;cause=2", "", ";cause=1", "SIP;cause=99999999999"]) {
      const r = parseReasons(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.error.clause).toBe("RFC 3326 §2");
    }
  });

  it("takes with a note what is commonly bent: a token text, causes out of range, no cause", () => {
    const notes = (v: string): string[] => {
      const r = parseReasons(v);
      return r.ok ? r.notes.map((n) => n.message) : [`error: ${r.error.reason}`];
    };
    expect(notes("Q.850;cause=16;text=Normal")).toEqual(["text 'Normal' is not a quoted-string; taken as written"]);
    expect(notes("Q.850;cause=200")).toEqual(["Q.850 cause 200 is above 127 (Q.850 §2.2.5: a 7-bit value)"]);
    expect(notes("SIP;cause=16")).toEqual(["SIP cause 16 is not a status code (100-699)"]);
    expect(notes("SIP")).toEqual(["SIP Reason without a cause"]);
    expect(notes("preemption;cause=1")).toEqual([]);
  });

  it("gathers every line of a message and notes two values with the same protocol", () => {
    const m = request(["Reason: Q.850;cause=16", 'Reason: SIP;cause=200;text="Call completed elsewhere"', "Reason: q.850;cause=31"]);
    const r = reasonsOf(m);
    expect(r?.ok && r.value.map((x) => `${x.protocol} ${x.cause ?? ""}`)).toEqual(["Q.850 16", "SIP 200", "q.850 31"]);
    expect(r?.ok && r.notes.map((n) => n.message)).toEqual(["more than one Reason value with protocol q.850"]);
    expect(reasonsOf(request([]))).toBeUndefined();
  });

  it("builds the header line the gateway sends (Q.850 in CANCEL/BYE, RFC 3326 §3.4)", () => {
    expect(reasonHeader(q850Reason(16, "Normal call clearing"))).toEqual({ name: "Reason", value: 'Q.850;cause=16;text="Normal call clearing"' });
    expect(reasonHeader(sipReason(408, "Session expired"), q850Reason(102)).value).toBe('SIP;cause=408;text="Session expired", Q.850;cause=102');
    expect(() => q850Reason(128)).toThrow();
    expect(() => sipReason(99)).toThrow();
    expect(() => reasonHeader()).toThrow();
  });

  it("reports the offset of the header line that fails, as the message's own typed headers do", () => {
    const m = request(["Reason: SIP;cause=x"]);
    const r = reasonsOf(m);
    expect(r?.ok).toBe(false);
    if (r !== undefined && !r.ok) expect(r.error.offset).toBe(m.headers.find((h) => h.key === "reason")?.offset);
  });
});

describe("P-Asserted-Identity / P-Preferred-Identity (RFC 3325 §9)", () => {
  it("sorts a sip and a tel value (§9.1)", () => {
    const m = request(['P-Asserted-Identity: "Cullen Jennings" <sip:fluffy@cisco.com>', "P-Asserted-Identity: tel:+14085264000"]);
    const r = identitiesOf(m);
    if (r === undefined || !r.ok) throw new Error("no PAI");
    expect(r.notes).toEqual([]);
    expect(r.value.sip?.displayName).toBe("Cullen Jennings");
    expect(r.value.tel?.uri).toMatchObject({ kind: "tel", number: "+14085264000", global: true });
  });

  it("an addr-spec's ';...' belongs to its URI: there are no header parameters in the grammar", () => {
    const [v] = ok(parseIdentities("sip:+15551234@gw.example.com;user=phone"));
    expect(v?.params).toEqual([]);
    expect(v?.uri).toMatchObject({ kind: "sip", user: "+15551234", params: [{ name: "user", value: "phone" }] });
    expect(formatIdentities(v === undefined ? [] : [v])).toBe("<sip:+15551234@gw.example.com;user=phone>");
  });

  it("notes departures from §9.1: parameters after a name-addr, two sip values, three values, another scheme", () => {
    const msgs = (lines: string[]): string[] => {
      const r = identitiesOf(request(lines));
      return r?.ok ? r.notes.map((n) => n.message) : [`error ${r?.error.reason ?? "absent"}`];
    };
    expect(msgs(["P-Asserted-Identity: <sip:a@x>;foo=1"])).toEqual(["parameters after the name-addr (foo) are not in the grammar; kept"]);
    expect(msgs(["P-Asserted-Identity: <sip:a@x>, <sip:b@x>"])).toEqual(["more than one sip/sips URI"]);
    expect(msgs(["P-Asserted-Identity: <sip:a@x>, <tel:+1>, <tel:+2>"])).toEqual(["3 values; at most two are allowed (one sip/sips and one tel)", "more than one tel URI"]);
    expect(msgs(["P-Asserted-Identity: <mailto:a@x>"])).toEqual(["a mailto: URI; only sip, sips and tel are allowed"]);
  });

  it("refuses what is not a name-addr or addr-spec", () => {
    for (const bad of ["", "<sip:a@x", "Cullen <>", "sip:a@x,", "<sip:a@x> junk"]) expect(parseIdentities(bad).ok, bad).toBe(false);
  });

  it("builds the header line (P-Preferred-Identity from a UA, §9.2)", () => {
    const na = { displayName: "Gateway", uri: sipUri("sip:+15551234@gw.example.com;user=phone"), params: [] };
    expect(identityHeader("P-Preferred-Identity", na)).toEqual({ name: "P-Preferred-Identity", value: '"Gateway" <sip:+15551234@gw.example.com;user=phone>' });
    expect(() => identityHeader("P-Asserted-Identity")).toThrow();
  });
});

describe("Privacy (RFC 3323 §4.2, RFC 3325 §9.3)", () => {
  it("reads the values in order; asks are case-insensitive", () => {
    const v = ok(parsePrivacy("ID ; Critical"));
    expect(v).toEqual(["ID", "Critical"]);
    expect(privacyAsks(v, "id")).toBe(true);
    expect(privacyAsks(v, "user")).toBe(false);
    expect(privacyAsks(undefined, "id")).toBe(false);
  });

  it("notes a repeated value, 'none' with others, an unknown value", () => {
    const r = parsePrivacy("none;id;id;x-foo");
    expect(r.ok && r.notes.map((n) => n.message)).toEqual(["priv-value 'id' appears more than once", "priv-value 'x-foo' is not one this stack knows; kept", "'none' given with other priv-values"]);
  });

  it("refuses an empty value, an empty priv-value, a comma list", () => {
    for (const bad of ["", "id;", ";id", "id, user", "id;;user"]) expect(parsePrivacy(bad).ok, bad).toBe(false);
  });

  it("of a message; absent is undefined", () => {
    expect(privacyOf(request(["Privacy: id;header"]))).toMatchObject({ ok: true, value: ["id", "header"] });
    expect(privacyOf(request([]))).toBeUndefined();
    expect(() => formatPrivacy([])).toThrow();
    expect(() => formatPrivacy(["a b"])).toThrow();
  });
});

describe("Diversion (RFC 5806 §4)", () => {
  it("reads every parameter; the most recent entry first; the count sums the counters", () => {
    const m = request(["Diversion: <sip:+15551000@pbx.example.com>;reason=no-answer;counter=2;privacy=off;screen=yes", 'Diversion: "First" <tel:+15552000>;reason="user-busy";limit=5;x=1']);
    const r = diversionsOf(m);
    if (r === undefined || !r.ok) throw new Error("no Diversion");
    expect(r.value.map((d) => [d.reason, d.counter, d.limit, d.privacy, d.screen])).toEqual([
      ["no-answer", 2, undefined, "off", "yes"],
      ["user-busy", undefined, 5, undefined, undefined],
    ]);
    expect(diversionCount(r.value)).toBe(3);
    expect(r.value[1]?.address.params.find((p) => p.name === "x")?.value).toBe("1");
  });

  it("refuses a counter or limit of more than two digits, a repeated parameter, an addr-spec", () => {
    for (const bad of ["<sip:a@x>;counter=100", "<sip:a@x>;counter=", "<sip:a@x>;limit=a", "<sip:a@x>;reason=a;reason=b", "sip:a@x;reason=user-busy", "<sip:a@x>;reason"]) {
      expect(parseDiversions(bad).ok, bad).toBe(false);
    }
  });

  it("builds entries and the header line", () => {
    const d = makeDiversion({ address: { displayName: undefined, uri: sipUri("sip:+15551000@pbx.example.com;user=phone"), params: [] }, reason: "unconditional", counter: 1, privacy: "off" });
    expect(diversionHeader(d).value).toBe("<sip:+15551000@pbx.example.com;user=phone>;reason=unconditional;counter=1;privacy=off");
    expect(ok(parseDiversions(diversionHeader(d).value))).toEqual([d]);
    expect(() => makeDiversion({ address: d.address, counter: 100 })).toThrow();
    expect(() => makeDiversion({ address: d.address, reason: "away" })).toThrow();
  });
});

describe("History-Info (RFC 7044 §5, RFC 4458)", () => {
  it("reads index, rc/mp/np, the escaped Reason and Privacy, the RFC 4458 cause", () => {
    const m = request([
      "History-Info: <sip:bob@biloxi.example.com;p=x>;index=1, <sip:bob@biloxi.example.com;p=x>;np=1;index=1.1",
      "History-Info: <sip:bob@192.0.2.3?Reason=SIP%3Bcause%3D480%3Btext%3D%22Temporarily%20Unavailable%22>;index=1.1.1;rc=1.1",
      "History-Info: <sip:vm@example.com;target=bob%40biloxi.example.com;cause=408?Privacy=history>;index=1.1.2;mp=1.1",
    ]);
    const r = historyInfoOf(m);
    if (r === undefined || !r.ok) throw new Error("no History-Info");
    expect(r.notes).toEqual([]);
    const [a, b, c, d] = r.value;
    expect([a?.index, b?.index, c?.index, d?.index]).toEqual(["1", "1.1", "1.1.1", "1.1.2"]);
    expect(b?.target).toEqual({ kind: "np", index: "1" });
    expect(c?.reasons).toEqual([{ protocol: "SIP", cause: 480, text: "Temporarily Unavailable", extensions: [] }]);
    expect(d?.cause).toBe(408);
    expect(d?.mailbox).toBe("bob@biloxi.example.com");
    expect(d?.privacy).toEqual(["history"]);
    expect(d !== undefined ? historyParent(r.value, d)?.index : undefined).toBe("1.1");
  });

  it("refuses an entry without index, a bad index-val (leading zero, empty part), an addr-spec", () => {
    for (const bad of ["<sip:a@x>", "<sip:a@x>;index=01", "<sip:a@x>;index=1..2", "<sip:a@x>;index=1.", "<sip:a@x>;index=1;rc=x", "sip:a@x;index=1", "<sip:a@x>;index=1;index=2", '<sip:a@x>;index="1"']) {
      expect(parseHistoryInfo(bad).ok, bad).toBe(false);
    }
  });

  it("notes: two target parameters, a cause that is no status code, an unparsable Reason, a repeated index", () => {
    const r = historyInfoOf(request(["History-Info: <sip:a@x;cause=99?Reason=%3B>;index=1;rc=1;mp=1, <sip:b@x>;index=1"]));
    expect(r?.ok && r.notes.map((n) => n.message)).toEqual([
      "more than one of rc, mp, np in entry 1; the first (rc) is taken",
      "cause URI parameter '99' is not a status code; ignored",
      "the Reason in entry 1 does not parse: expected protocol (a token) but found ';'; ignored",
      "index 1 appears more than once",
    ]);
  });

  it("builds entries with cause, mailbox, Reason and Privacy; they read back the same", () => {
    const e = makeHistoryEntry({ uri: sipUri("sip:vm@example.com"), index: "1.2", target: { kind: "mp", index: "1.1" }, cause: 486, mailbox: "bob@example.com", reasons: [sipReason(486, "Busy Here")], privacy: ["history"] });
    const text = formatHistoryInfo([e]);
    expect(text).toBe("<sip:vm@example.com;target=bob%40example.com;cause=486?Privacy=history&Reason=SIP%3Bcause%3D486%3Btext%3D%22Busy%20Here%22>;index=1.2;mp=1.1");
    expect(ok(parseHistoryInfo(text))).toEqual([e]);
    expect(() => makeHistoryEntry({ uri: sipUri("sip:a@x"), index: "0.01" })).toThrow();
  });
});
