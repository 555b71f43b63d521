/**
 * Properties of every header helper: any text gives a value or an error,
 * never a throw; a value built in code, formatted then parsed, is the same
 * value (parse ∘ format = id), and formatting that again gives the same
 * text (format ∘ parse ∘ format = format).
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { NameAddr } from "../syntax/name-addr.js";
import type { Param } from "../syntax/params.js";
import type { SipUri, Uri } from "../syntax/uri.js";
import { parseUri } from "../syntax/uri.js";
import { formatDiversions, makeDiversion, parseDiversions } from "./diversion.js";
import { formatHistoryInfo, makeHistoryEntry, parseHistoryInfo } from "./history-info.js";
import { formatIdentities, parseIdentities } from "./identity.js";
import { formatPrivacy, parsePrivacy } from "./privacy.js";
import type { Reason } from "./reason.js";
import { formatReasons, parseReasons } from "./reason.js";

const RUNS = { numRuns: 400 };

const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,10}$/);
/** Any text a quoted-string can carry: no CR or LF (RFC 3261 §25.1 quoted-pair). */
const text = fc.string({ maxLength: 24 }).filter((s) => !/[\r\n]/.test(s));
const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}[a-z0-9]$/);
const user = fc.stringMatching(/^[A-Za-z0-9+._-]{1,10}$/);

const sipUri: fc.Arbitrary<SipUri> = fc
  .tuple(fc.constantFrom("sip", "sips"), user, fc.array(label, { minLength: 1, maxLength: 3 }), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), fc.array(fc.tuple(label, fc.option(label, { nil: undefined })), { maxLength: 2 }))
  .map(([scheme, u, host, port, ps]) => `${scheme}:${u}@${host.join(".")}${port !== undefined ? `:${port}` : ""}${ps.map(([n, v]) => `;${n}${v !== undefined ? `=${v}` : ""}`).join("")}`)
  .map((t) => parseUri(t))
  .filter((r): r is { ok: true; value: SipUri; notes: [] } => r.ok && r.value.kind === "sip")
  .map((r) => r.value);

const telUri: fc.Arbitrary<Uri> = fc
  .stringMatching(/^\+[1-9][0-9]{3,12}$/)
  .map((n) => parseUri(`tel:${n}`))
  .filter((r) => r.ok)
  .map((r) => (r.ok ? r.value : (undefined as never)));

const displayName = fc.option(text, { nil: undefined });

/** A generic-param whose name is not one of `reserved`: a token value, a quoted one, or none. */
function genericParam(reserved: readonly string[]): fc.Arbitrary<Param> {
  return fc
    .tuple(
      token.filter((n) => !reserved.includes(n.toLowerCase())),
      fc.oneof(
        fc.constant({ value: undefined, quoted: false }),
        token.map((v) => ({ value: v, quoted: false })),
        text.map((v) => ({ value: v, quoted: true })),
      ),
    )
    .map(([name, v]) => ({ name, ...v }));
}

const reason: fc.Arbitrary<Reason> = fc.record({
  protocol: fc.oneof(fc.constantFrom("SIP", "Q.850"), token),
  cause: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
  text: fc.option(text, { nil: undefined }),
  extensions: fc.array(genericParam(["cause", "text"]), { maxLength: 2 }),
});

/** Any text, and mutations of real values: never a throw. */
function anyText(seeds: readonly string[]): fc.Arbitrary<string> {
  const mutated = fc.tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat({ max: 6 }), fc.string({ maxLength: 6, unit: "binary" })).map(([s, at, del, ins]) => {
    const i = at % (s.length + 1);
    return s.slice(0, i) + ins + s.slice(i + del);
  });
  return fc.oneof(fc.string({ maxLength: 60, unit: "binary" }), mutated);
}

const V = JSON.parse(readFileSync(new URL("./vectors/rfc-examples.json", import.meta.url), "utf8")) as Record<string, { value: string }[] | string>;
const seeds = (k: string): string[] => (V[k] as { value: string }[]).map((v) => v.value);

describe("parsers never throw", () => {
  const cases: [string, (s: string) => { ok: boolean }, string[]][] = [
    ["Reason", parseReasons, seeds("reason")],
    ["P-Asserted-Identity", (s) => parseIdentities(s), seeds("identity")],
    ["Privacy", parsePrivacy, seeds("privacy")],
    ["Diversion", parseDiversions, seeds("diversion")],
    ["History-Info", parseHistoryInfo, seeds("historyInfo")],
  ];
  for (const [name, parse, s] of cases) {
    it(`${name}: any text gives ok or an error`, () => {
      fc.assert(
        fc.property(anyText(s), (t) => {
          const r = parse(t);
          expect(typeof r.ok).toBe("boolean");
        }),
        RUNS,
      );
    });
  }
});

describe("parse ∘ format = id", () => {
  it("Reason", () => {
    fc.assert(
      fc.property(fc.array(reason, { minLength: 1, maxLength: 3 }), (list) => {
        const t = formatReasons(list);
        const r = parseReasons(t);
        expect(r.ok && r.value).toEqual(list);
        if (r.ok) expect(formatReasons(r.value)).toBe(t);
      }),
      RUNS,
    );
  });

  it("P-Asserted-Identity (name-addr form)", () => {
    const id: fc.Arbitrary<NameAddr> = fc.record({ displayName, uri: fc.oneof(sipUri, telUri), params: fc.constant([]) });
    fc.assert(
      fc.property(fc.array(id, { minLength: 1, maxLength: 3 }), (list) => {
        const t = formatIdentities(list);
        const r = parseIdentities(t);
        expect(r.ok && r.value).toEqual(list);
      }),
      RUNS,
    );
  });

  it("Privacy", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom("header", "session", "user", "none", "critical", "id", "history"), token), { minLength: 1, maxLength: 5 }), (values) => {
        const r = parsePrivacy(formatPrivacy(values));
        expect(r.ok && r.value).toEqual(values);
      }),
      RUNS,
    );
  });

  it("Diversion", () => {
    const entry = fc
      .record({
        address: fc.record({ displayName, uri: fc.oneof(sipUri, telUri), params: fc.array(genericParam(["reason", "counter", "limit", "privacy", "screen"]), { maxLength: 2 }) }),
        reason: fc.option(fc.oneof(fc.constantFrom("user-busy", "no-answer", "unconditional", "deflection"), token, text.filter((s) => s.length > 0)), { nil: undefined }),
        counter: fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }),
        limit: fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }),
        privacy: fc.option(fc.constantFrom("full", "name", "uri", "off"), { nil: undefined }),
        screen: fc.option(fc.constantFrom("yes", "no"), { nil: undefined }),
      })
      .map((init) => makeDiversion(Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined)) as unknown as Parameters<typeof makeDiversion>[0]));
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 3 }), (list) => {
        const r = parseDiversions(formatDiversions(list));
        // A reason given as quoted text reads back as written, with its quoted flag; compare the meaning.
        expect(r.ok && r.value.map((d) => [d.reason, d.counter, d.limit, d.privacy, d.screen, d.address.uri, d.address.displayName])).toEqual(list.map((d) => [d.reason, d.counter, d.limit, d.privacy, d.screen, d.address.uri, d.address.displayName]));
        if (r.ok) expect(formatDiversions(r.value)).toBe(formatDiversions(list));
      }),
      RUNS,
    );
  });

  it("History-Info (with RFC 4458 cause and mailbox, escaped Reason and Privacy)", () => {
    const index = fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 4 }).map((a) => a.join("."));
    const entry = fc
      .record({
        uri: sipUri.map((u) => ({ ...u, params: u.params.filter((p) => !["cause", "target"].includes(p.name)) })),
        displayName: text,
        index,
        target: fc.option(fc.record({ kind: fc.constantFrom("rc" as const, "mp" as const, "np" as const), index }), { nil: undefined }),
        cause: fc.option(fc.integer({ min: 100, max: 699 }), { nil: undefined }),
        mailbox: fc.option(text.filter((s) => s.length > 0), { nil: undefined }),
        reasons: fc.option(fc.array(reason, { minLength: 1, maxLength: 2 }), { nil: undefined }),
        privacy: fc.option(fc.constant(["history"]), { nil: undefined }),
      })
      .map((init) => makeHistoryEntry(Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined)) as unknown as Parameters<typeof makeHistoryEntry>[0]));
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 3 }), (list) => {
        const t = formatHistoryInfo(list);
        const r = parseHistoryInfo(t);
        expect(r.ok && r.value).toEqual(list);
        if (r.ok) expect(formatHistoryInfo(r.value)).toBe(t);
      }),
      RUNS,
    );
  });
});
