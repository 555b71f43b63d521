import { describe, expect, it } from "vitest";
import { parseUri } from "../../sip/syntax/uri.js";
import type { Uri } from "../../sip/syntax/uri.js";
import { NOA_TO_SIP, SIP_TO_NOA } from "../../../mappings/rfc3398-numbers.js";
import { PRESENTATION_TO_SIP, SCREENING_TO_SIP } from "../../../mappings/rfc3398-identity.js";
import { isupNumberToTelephone, telephoneUri, uriToIsupNumber } from "./numbers.js";
import type { NumberingSettings } from "./numbers.js";
import { calledNumberToRequestUri, callingPartyToSip, requestUriToCalledNumber, sipToCallingParty } from "./parties.js";
import type { CalledNumberSettings, CallingPartyNumberValue, IdentitySettings } from "./parties.js";

const US: NumberingSettings = { countryCode: "1" };
const CALLED: CalledNumberSettings = { countryCode: "1", internalNetworkNumberIndicator: 0, endOfPulsing: false };
const SIP_FORM = { scheme: "sip", host: "gw.example.net" } as const;
const ID: IdentitySettings = { countryCode: "1", trusted: true, form: SIP_FORM, gatewayHost: "gw.example.net" };

function uri(text: string): Uri {
  const r = parseUri(text);
  if (!r.ok) throw new Error(`test URI ${text}: ${r.error.reason}`);
  return r.value;
}

function cgpn(over: Partial<CallingPartyNumberValue> = {}): CallingPartyNumberValue {
  return { natureOfAddressIndicator: 3, numberIncompleteIndicator: 0, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, screeningIndicator: 3, digits: "3125550100", ...over };
}

describe("ISUP number -> telephone number, every NOA row (RFC 3398 §12.1)", () => {
  const expected: Record<number, { number: string; global: boolean }> = {
    4: { number: "+442079460000", global: true },
    3: { number: "+1442079460000", global: true },
    1: { number: "442079460000", global: false },
    2: { number: "442079460000", global: false },
    5: { number: "442079460000", global: false },
    6: { number: "442079460000", global: false },
    7: { number: "442079460000", global: false },
    8: { number: "442079460000", global: false },
  };
  for (const row of NOA_TO_SIP) {
    it(`NOA ${row.noa} (${row.treatment})`, () => {
      const r = isupNumberToTelephone({ natureOfAddressIndicator: row.noa, numberingPlanIndicator: 1, digits: "442079460000" }, US);
      expect(r).toMatchObject({ ok: true, ...expected[row.noa], ref: row.ref });
    });
  }
  it("a spare NOA goes as-is (default row)", () => {
    expect(isupNumberToTelephone({ natureOfAddressIndicator: 0x70, numberingPlanIndicator: 1, digits: "123" }, US)).toMatchObject({ ok: true, number: "123", global: false, ref: expect.stringMatching(/default/) });
  });
  it("subscriber numbers become national with the trunk's subscriber prefix", () => {
    expect(isupNumberToTelephone({ natureOfAddressIndicator: 1, numberingPlanIndicator: 1, digits: "5551234" }, { ...US, subscriberPrefix: "212" })).toMatchObject({ ok: true, number: "+12125551234", global: true });
  });
  it("a trunk row sends national numbers as-is, with phone-context", () => {
    const s: NumberingSettings = { ...US, phoneContext: "+1", toSip: [{ noa: 3, treatment: "as-is", ref: "trunk" }] };
    expect(isupNumberToTelephone({ natureOfAddressIndicator: 3, numberingPlanIndicator: 1, digits: "2125551234" }, s)).toEqual({ ok: true, number: "2125551234", global: false, phoneContext: "+1", ref: "trunk" });
  });
  it("drops a trailing ST, refuses other non-decimal signals, empty numbers and non-E.164 plans", () => {
    expect(isupNumberToTelephone({ natureOfAddressIndicator: 4, numberingPlanIndicator: 1, digits: "4420F" }, US)).toMatchObject({ ok: true, number: "+4420" });
    expect(isupNumberToTelephone({ natureOfAddressIndicator: 4, numberingPlanIndicator: 1, digits: "44B0" }, US)).toMatchObject({ ok: false });
    expect(isupNumberToTelephone({ natureOfAddressIndicator: 4, numberingPlanIndicator: 1, digits: "F" }, US)).toMatchObject({ ok: false, reason: "no address signals" });
    expect(isupNumberToTelephone({ natureOfAddressIndicator: 4, numberingPlanIndicator: 3, digits: "4420" }, US)).toMatchObject({ ok: false, reason: expect.stringMatching(/not E.164/) });
  });
});

describe("telephoneUri (RFC 3398 §12, RFC 3966, RFC 3261 §19.1.6)", () => {
  it("writes tel and sip user=phone URIs with parameters", () => {
    const t = { number: "+12125551234", global: true, ref: "" };
    expect(telephoneUri(t, { scheme: "tel" })).toBe("tel:+12125551234");
    expect(telephoneUri(t, SIP_FORM, [{ name: "cpc", value: "payphone" }])).toBe("sip:+12125551234;cpc=payphone@gw.example.net;user=phone");
    expect(telephoneUri(t, { scheme: "sips", host: "h", port: 5061 })).toBe("sips:+12125551234@h:5061;user=phone");
  });
  it("local numbers carry phone-context; a tel URI without one is a configuration error", () => {
    expect(telephoneUri({ number: "5551234", global: false, phoneContext: "+1212", ref: "" }, { scheme: "tel" })).toBe("tel:5551234;phone-context=+1212");
    expect(telephoneUri({ number: "5551234", global: false, ref: "" }, SIP_FORM)).toBe("sip:5551234@gw.example.net;user=phone");
    expect(() => telephoneUri({ number: "5551234", global: false, ref: "" }, { scheme: "tel" })).toThrow(/phone-context/);
  });
});

describe("URI -> ISUP number, every SIP_TO_NOA row (RFC 3398 §12.2)", () => {
  const cases: Record<string, { uri: string; noa: number; digits: string }> = {
    "global-own-country": { uri: "tel:+1-212-555-1234", noa: 3, digits: "2125551234" },
    "global-other-country": { uri: "sip:+44.20.7946.0000@example.net;user=phone", noa: 4, digits: "442079460000" },
    local: { uri: "sip:(212)5551234@example.net", noa: 3, digits: "2125551234" },
  };
  for (const row of SIP_TO_NOA) {
    it(row.kind, () => {
      const c = cases[row.kind];
      if (c === undefined) throw new Error(`no case for ${row.kind}`);
      expect(uriToIsupNumber(uri(c.uri), US)).toEqual({ ok: true, number: { natureOfAddressIndicator: c.noa, numberingPlanIndicator: 1, digits: c.digits }, kind: row.kind, ref: row.ref });
    });
  }
  it("a trunk row refuses local numbers with 484", () => {
    expect(uriToIsupNumber(uri("tel:5551234;phone-context=+1212"), { ...US, toIsup: [{ kind: "local", noa: null, stripCountryCode: false, ref: "trunk" }] })).toMatchObject({ ok: false, status: 484, ref: "trunk" });
  });
  it("errors: names 404, local non-digits 484, too long 404, other schemes 416, no user 404, only a CC 484", () => {
    expect(uriToIsupNumber(uri("sip:alice@example.net"), US)).toMatchObject({ ok: false, status: 404 });
    expect(uriToIsupNumber(uri("sip:alice@example.net;user=phone"), US)).toMatchObject({ ok: false, status: 484 });
    expect(uriToIsupNumber(uri("tel:*21#;phone-context=example.net"), US)).toMatchObject({ ok: false, status: 484 });
    expect(uriToIsupNumber(uri("tel:+1234567890123456"), US)).toMatchObject({ ok: false, status: 404 });
    expect(uriToIsupNumber(uri("mailto:a@example.net"), US)).toMatchObject({ ok: false, status: 416 });
    expect(uriToIsupNumber(uri("sip:example.net"), US)).toMatchObject({ ok: false, status: 404 });
    expect(uriToIsupNumber(uri("tel:+1"), US)).toMatchObject({ ok: false, status: 484 });
    expect(uriToIsupNumber(uri("sip:%2B1-212-555-1234@example.net;user=phone"), US)).toMatchObject({ ok: true, number: { digits: "2125551234" } });
  });
});

describe("called party number <-> Request-URI (RFC 3398 §8.2.1.1, §7.2.1.1)", () => {
  it("IAM -> Request-URI", () => {
    expect(calledNumberToRequestUri({ natureOfAddressIndicator: 3, numberingPlanIndicator: 1, digits: "2125551234" }, US, SIP_FORM)).toMatchObject({ ok: true, uri: "sip:+12125551234@gw.example.net;user=phone" });
    expect(calledNumberToRequestUri({ natureOfAddressIndicator: 4, numberingPlanIndicator: 1, digits: "442079460000" }, US, { scheme: "tel" })).toMatchObject({ ok: true, uri: "tel:+442079460000" });
    expect(calledNumberToRequestUri({ natureOfAddressIndicator: 4, numberingPlanIndicator: 2, digits: "1" }, US, { scheme: "tel" })).toMatchObject({ ok: false, cause: 28 });
  });
  it("Request-URI -> called party number, with INN and ST from the trunk", () => {
    expect(requestUriToCalledNumber(uri("tel:+12125551234"), CALLED)).toEqual({
      ok: true,
      calledPartyNumber: { natureOfAddressIndicator: 3, internalNetworkNumberIndicator: 0, numberingPlanIndicator: 1, digits: "2125551234" },
      ref: expect.stringMatching(/§7.2.1.1/),
    });
    expect(requestUriToCalledNumber(uri("sip:+442079460000@x;user=phone"), { ...CALLED, internalNetworkNumberIndicator: 1, endOfPulsing: true })).toMatchObject({
      ok: true,
      calledPartyNumber: { natureOfAddressIndicator: 4, internalNetworkNumberIndicator: 1, digits: "442079460000F" },
    });
    expect(requestUriToCalledNumber(uri("sip:bob@x"), CALLED)).toMatchObject({ ok: false, status: 404 });
  });
});

describe("calling party -> From / P-Asserted-Identity / Privacy (RFC 3398 §12.1, RFC 3325, RFC 3323)", () => {
  const anonymous = { displayName: "Anonymous", uri: "sip:anonymous@anonymous.invalid" };
  const numberUri = "sip:+13125550100@gw.example.net;user=phone";
  it("no calling party number: From with the gateway host only (§8.2.1.1)", () => {
    expect(callingPartyToSip(undefined, ID)).toEqual({ from: { uri: "sip:gw.example.net" }, privacy: [], ref: "RFC 3398 §8.2.1.1" });
  });
  for (const row of PRESENTATION_TO_SIP) {
    it(`presentation ${row.presentation} -> From ${row.from}, Privacy [${row.privacy.join(",")}]`, () => {
      const r = callingPartyToSip(cgpn({ addressPresentationRestrictedIndicator: row.presentation }), ID);
      const from = row.from === "number" ? { uri: numberUri } : row.from === "anonymous" ? anonymous : { uri: "sip:gw.example.net" };
      expect(r.from).toEqual(from);
      expect(r.privacy).toEqual(row.privacy);
      expect(r.pAssertedIdentity !== undefined).toBe(row.assert);
      expect(r.ref).toContain(row.ref);
    });
  }
  for (const row of SCREENING_TO_SIP) {
    it(`screening ${row.screening}: PAI ${row.assert ? "sent" : "not sent"} to a trusted peer, never to an untrusted one`, () => {
      const trusted = callingPartyToSip(cgpn({ screeningIndicator: row.screening }), ID, [{ name: "cpc", value: "ordinary" }]);
      expect(trusted.pAssertedIdentity).toEqual(row.assert ? { uri: "sip:+13125550100;cpc=ordinary@gw.example.net;user=phone" } : undefined);
      expect(callingPartyToSip(cgpn({ screeningIndicator: row.screening }), { ...ID, trusted: false }).pAssertedIdentity).toBeUndefined();
    });
  }
  it("restricted with a trusted peer: anonymous From, PAI with the number, Privacy: id (RFC 3325 §7)", () => {
    expect(callingPartyToSip(cgpn({ addressPresentationRestrictedIndicator: 1 }), ID)).toMatchObject({ from: anonymous, pAssertedIdentity: { uri: numberUri }, privacy: ["id"] });
  });
  it("a number that does not fit a URI is left out", () => {
    expect(callingPartyToSip(cgpn({ numberingPlanIndicator: 3 }), ID)).toMatchObject({ from: { uri: "sip:gw.example.net" }, privacy: [] });
    expect(callingPartyToSip(cgpn({ numberingPlanIndicator: 3, addressPresentationRestrictedIndicator: 1 }), ID)).toMatchObject({ from: anonymous, privacy: ["id"] });
  });
  it("tel form: local numbers without phone-context fall back to a SIP URI in From and are not asserted", () => {
    const r = callingPartyToSip(cgpn({ natureOfAddressIndicator: 2 }), { ...ID, form: { scheme: "tel" } });
    expect(r).toMatchObject({ from: { uri: "sip:3125550100@gw.example.net;user=phone" } });
    expect(r.pAssertedIdentity).toBeUndefined();
  });
});

describe("From / P-Asserted-Identity / Privacy -> calling party (RFC 3398 §12.2, RFC 3325)", () => {
  const from = uri("sip:+13125550100@pbx.example.net");
  const pai = uri("tel:+14155550199");
  it("PAI from a trusted peer: network provided", () => {
    expect(sipToCallingParty({ from, pAssertedIdentity: [pai] }, ID)).toMatchObject({
      callingPartyNumber: { natureOfAddressIndicator: 3, numberIncompleteIndicator: 0, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, screeningIndicator: 3, digits: "4155550199" },
      source: "p-asserted-identity",
    });
  });
  it("PAI from an untrusted peer is not believed: From, user provided not verified", () => {
    expect(sipToCallingParty({ from, pAssertedIdentity: [pai] }, { ...ID, trusted: false })).toMatchObject({ callingPartyNumber: { screeningIndicator: 0, digits: "3125550100" }, source: "from" });
  });
  it("Privacy id or header -> presentation restricted; none -> allowed", () => {
    expect(sipToCallingParty({ from, pAssertedIdentity: [pai], privacy: ["ID"] }, ID).callingPartyNumber?.addressPresentationRestrictedIndicator).toBe(1);
    expect(sipToCallingParty({ from, privacy: ["header"] }, ID).callingPartyNumber?.addressPresentationRestrictedIndicator).toBe(1);
    expect(sipToCallingParty({ from, privacy: ["none"] }, ID).callingPartyNumber?.addressPresentationRestrictedIndicator).toBe(0);
  });
  it("anonymous From and no PAI: no calling party number, or address not available per trunk", () => {
    const anon = uri("sip:anonymous@anonymous.invalid");
    expect(sipToCallingParty({ from: anon, privacy: ["id"] }, ID)).toEqual({ source: "none", ref: "RFC 3398 §7.2.1.1" });
    expect(sipToCallingParty({ from: anon }, { ...ID, noIdentity: "not-available" })).toMatchObject({ callingPartyNumber: { addressPresentationRestrictedIndicator: 2, screeningIndicator: 3, digits: "" }, source: "none" });
  });
  it("a PAI that is not a number falls back to the next identity", () => {
    expect(sipToCallingParty({ from, pAssertedIdentity: [uri("sip:alice@example.net"), pai] }, ID)).toMatchObject({ callingPartyNumber: { digits: "4155550199" }, source: "p-asserted-identity" });
  });
});
