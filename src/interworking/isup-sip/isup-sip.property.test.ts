import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeIsup, getParameter } from "../../ss7/isup/codec/index.js";
import { parseUri } from "../../sip/syntax/uri.js";
import { backwardToProvisional, provisionalToBackward } from "./backward.js";
import { categoryToCpc, cpcToCategory } from "./category.js";
import { calledNumberToRequestUri, callingPartyToSip, requestUriToCalledNumber, sipToCallingParty } from "./parties.js";
import { redirectionToSip, sipToRedirection } from "./redirection.js";

const ID = { countryCode: "44", trusted: true, form: { scheme: "sip", host: "gw.example.net" } as const, gatewayHost: "gw.example.net" };
const CALLED = { countryCode: "44", internalNetworkNumberIndicator: 0 as const, endOfPulsing: false };
const digits = fc.string({ unit: fc.constantFrom(..."0123456789BCDEF"), maxLength: 20 });
const small = (max: number) => fc.integer({ min: 0, max });

describe("mapping properties", () => {
  it("any decoded IAM, ACM or CPG goes through every mapping without a throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(0x01, 0x06, 0x2c), fc.constantFrom("itu", "ansi") as fc.Arbitrary<"itu" | "ansi">, (body, type, variant) => {
        const r = decodeIsup(Uint8Array.from([type, ...body]), { variant, sipt: true });
        if (!r.ok) return;
        const m = r.value;
        const cpn = getParameter(m, "calledPartyNumber");
        if (cpn) calledNumberToRequestUri(cpn, ID, ID.form);
        callingPartyToSip(getParameter(m, "callingPartyNumber"), ID);
        const cat = getParameter(m, "callingPartysCategory");
        if (cat) categoryToCpc(cat.callingPartysCategory);
        const rgn = getParameter(m, "redirectingNumber");
        const ocn = getParameter(m, "originalCalledNumber");
        const ri = getParameter(m, "redirectionInformation");
        redirectionToSip({ ...(rgn ? { redirectingNumber: rgn } : {}), ...(ocn ? { originalCalledNumber: ocn } : {}), ...(ri ? { redirectionInformation: ri } : {}) }, "sip:x@y", ID);
        backwardToProvisional(m);
      }),
      { numRuns: 3000 },
    );
  });
  it("any number fields give a URI or an error, and global ones come back to the same digits", () => {
    fc.assert(
      fc.property(small(127), small(7), digits, (noa, npi, ds) => {
        const r = calledNumberToRequestUri({ natureOfAddressIndicator: noa, numberingPlanIndicator: npi, digits: ds }, ID, ID.form);
        if (!r.ok) return;
        const u = parseUri(r.uri);
        expect(u.ok).toBe(true);
        if (!u.ok) return;
        const back = requestUriToCalledNumber(u.value, CALLED);
        if (r.number.global && back.ok) expect(`+${back.calledPartyNumber.natureOfAddressIndicator === 3 ? "44" : ""}${back.calledPartyNumber.digits}`).toBe(r.number.number);
      }),
      { numRuns: 2000 },
    );
  });
  it("any calling party fields give a From that parses; any From/PAI/Privacy give a result", () => {
    fc.assert(
      fc.property(small(127), small(1), small(7), small(3), small(3), digits, fc.string({ maxLength: 30 }), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), (noa, ni, npi, apri, si, ds, user, privacy) => {
        const id = callingPartyToSip({ natureOfAddressIndicator: noa, numberIncompleteIndicator: ni, numberingPlanIndicator: npi, addressPresentationRestrictedIndicator: apri, screeningIndicator: si, digits: ds }, ID);
        expect(parseUri(id.from.uri).ok).toBe(true);
        if (id.pAssertedIdentity) expect(parseUri(id.pAssertedIdentity.uri).ok).toBe(true);
        const from = parseUri(`sip:${encodeURIComponent(user)}@example.net`);
        if (from.ok) sipToCallingParty({ from: from.value, privacy }, ID);
        cpcToCategory(user, privacy[0]);
        sipToRedirection({ diversion: from.ok ? [{ uri: from.value, reason: user }] : [] }, ID);
      }),
      { numRuns: 2000 },
    );
  });
  it("any status code gives ISUP messages or none", () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 199 }), fc.boolean(), fc.boolean(), (status, acmSent, inband) => {
        const r = provisionalToBackward(status, { variant: "itu", acmSent, inband, echoControlDevice: 0 });
        expect(r.messages.length).toBeLessThanOrEqual(2);
        if (r.messages.length > 0) expect(r.acmSent).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
