import { describe, expect, it } from "vitest";
import { parseUri } from "../../sip/syntax/uri.js";
import type { Uri } from "../../sip/syntax/uri.js";
import { CPC_ROWS } from "../../../mappings/rfc3398-cpc.js";
import { REDIRECTION_REASONS } from "../../../mappings/rfc3398-redirection.js";
import { categoryToCpc, cpcToCategory, oliFromSip, oliToSip } from "./category.js";
import { redirectionToSip, sipToRedirection } from "./redirection.js";

function uri(text: string): Uri {
  const r = parseUri(text);
  if (!r.ok) throw new Error(r.error.reason);
  return r.value;
}

describe("calling party's category <-> cpc (3GPP TS 29.163 Tables C.2.1, C.1.1)", () => {
  for (const row of CPC_ROWS) {
    it(`category ${row.category} <-> cpc=${row.cpc}${row.language ? ` (${row.language})` : ""}`, () => {
      expect(categoryToCpc(row.category)).toEqual({ cpc: row.cpc, ...(row.language ? { acceptLanguage: row.language } : {}), ref: row.ref });
      expect(cpcToCategory(row.cpc.toUpperCase(), row.language ? `${row.language}-XX;q=0.9, en;q=0.1` : undefined)).toEqual({ category: row.category, ref: row.ref });
    });
  }
  it("unmapped category: no cpc (NOTE 2); absent or unknown cpc: ordinary (NOTE 2)", () => {
    expect(categoryToCpc(11)).toEqual({ ref: expect.stringMatching(/NOTE 2/) });
    expect(cpcToCategory(undefined, undefined)).toMatchObject({ category: 10 });
    expect(cpcToCategory("prison", undefined)).toMatchObject({ category: 10 });
  });
  it("cpc=operator without a known language: the operator-policy default", () => {
    expect(cpcToCategory("operator", "it")).toMatchObject({ category: 2, ref: expect.stringMatching(/policy/) });
  });
  it("trunk rows override", () => {
    expect(categoryToCpc(11, [{ category: 11, cpc: "priority", ref: "trunk" }])).toEqual({ cpc: "priority", ref: "trunk" });
    expect(cpcToCategory("priority", undefined, [{ category: 11, cpc: "priority", ref: "trunk" }])).toEqual({ category: 11, ref: "trunk" });
  });
  it("oli: two digits both ways (Annex H, TS 24.229 §7.2A.12)", () => {
    expect(oliToSip(0)).toBe("00");
    expect(oliToSip(27)).toBe("27");
    expect(oliToSip(100)).toBeUndefined();
    expect(oliFromSip("07")).toBe(7);
    expect(oliFromSip("7")).toBeUndefined();
    expect(oliFromSip(undefined)).toBeUndefined();
  });
});

const S = { countryCode: "1", form: { scheme: "tel" } as const };
const num = (digits: string, apri = 0) => ({ natureOfAddressIndicator: 3, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: apri, digits });

describe("redirection <-> Diversion / History-Info (RFC 5806, RFC 7044, RFC 4458, Q.763 §3.45)", () => {
  for (const row of REDIRECTION_REASONS) {
    it(`redirecting reason ${row.redirectingReason} <-> ${row.diversionReason} / cause ${row.historyInfoCause}`, () => {
      const r = redirectionToSip({ redirectingNumber: num("4155550101"), redirectionInformation: { redirectingIndicator: 3, originalRedirectionReason: 0, redirectionCounter: 1, redirectingReason: row.redirectingReason } }, "tel:+12125551234", S);
      expect(r.diversion).toEqual([{ uri: "tel:+14155550101", reason: row.diversionReason, counter: 1 }]);
      expect(r.historyInfo).toEqual([
        { uri: "tel:+14155550101", index: "1", privacy: false },
        { uri: "tel:+12125551234", index: "1.1", cause: row.historyInfoCause, mp: "1", privacy: false },
      ]);
      const fromHi = sipToRedirection({ historyInfo: [{ uri: uri("tel:+14155550101"), index: "1" }, { uri: uri("tel:+12125551234"), index: "1.1", cause: row.historyInfoCause }] }, S);
      expect(fromHi.redirectionInformation?.redirectingReason).toBe(row.redirectingReason);
      const fromDiv = sipToRedirection({ diversion: [{ uri: uri("tel:+14155550101"), reason: row.diversionReason }] }, S);
      // deflection covers two ISUP reasons; the first row wins.
      expect(fromDiv.redirectionInformation?.redirectingReason).toBe(row.redirectingReason === 5 ? 4 : row.redirectingReason);
    });
  }
  it("OCN and redirecting number: two diversions, three History-Info entries, privacy kept", () => {
    const r = redirectionToSip(
      { redirectingNumber: num("4155550101", 1), originalCalledNumber: num("4155550102"), redirectionInformation: { redirectingIndicator: 3, originalRedirectionReason: 2, redirectionCounter: 2, redirectingReason: 1 } },
      "tel:+12125551234",
      S,
    );
    expect(r.diversion).toEqual([
      { uri: "tel:+14155550101", reason: "user-busy", counter: 1, privacy: "full" },
      { uri: "tel:+14155550102", reason: "no-answer", counter: 1 },
    ]);
    expect(r.historyInfo.map((e) => [e.index, e.cause, e.mp, e.privacy])).toEqual([
      ["1", undefined, undefined, false],
      ["1.1", 408, "1", true],
      ["1.1.1", 486, "1.1", false],
    ]);
    const back = sipToRedirection({ historyInfo: r.historyInfo.map((e) => ({ uri: uri(e.uri), index: e.index, privacy: e.privacy, ...(e.cause !== undefined ? { cause: e.cause } : {}) })) }, S);
    expect(back).toMatchObject({
      redirectingNumber: num("4155550101", 1),
      originalCalledNumber: num("4155550102"),
      redirectionInformation: { redirectingIndicator: 4, originalRedirectionReason: 2, redirectionCounter: 2, redirectingReason: 1 },
    });
  });
  it("all redirection information restricted (indicator 4) marks every entry", () => {
    const r = redirectionToSip({ redirectingNumber: num("4155550101"), redirectionInformation: { redirectingIndicator: 4, originalRedirectionReason: 0, redirectionCounter: 1, redirectingReason: 3 } }, "tel:+12125551234", S);
    expect(r.diversion[0]?.privacy).toBe("full");
    expect(r.historyInfo[0]?.privacy).toBe(true);
  });
  it("nothing to map: empty arrays; Diversion counters add up and are capped at 5; unknown reasons are unconditional", () => {
    expect(redirectionToSip({}, "tel:+1", S)).toMatchObject({ diversion: [], historyInfo: [] });
    expect(sipToRedirection({}, S)).toEqual({ ref: expect.any(String) });
    const r = sipToRedirection({ diversion: [{ uri: uri("tel:+14155550101"), reason: "time-of-day", counter: 3 }, { uri: uri("tel:+14155550102"), reason: "deflection", counter: 4 }] }, S);
    expect(r.redirectionInformation).toEqual({ redirectingIndicator: 3, originalRedirectionReason: 0, redirectionCounter: 5, redirectingReason: 3 });
    expect(r.originalCalledNumber?.digits).toBe("4155550102");
  });
});
