/**
 * The ISUP <-> SIP message mapping the calls use, composed from the pure
 * per-field functions of src/interworking/isup-sip (numbers, parties,
 * backward messages) and the provisioned defaults RFC 3398 §7.2.1.1 asks for
 * ("Gateways MUST be provisioned with default values for mandatory ISUP
 * parameters that cannot be derived from translation").
 */
import type { IsupMessage, IsupParameter } from "../../ss7/isup/codec/index.js";
import { getParameter } from "../../ss7/isup/codec/index.js";
import type { SipMessage } from "../../sip/syntax/message.js";
import { quote } from "../../sip/syntax/params.js";
import type { HeaderInit } from "../../sip/transaction/messages.js";
import { CPC_TO_ISUP_DEFAULT } from "../../../mappings/rfc3398-cpc.js";
import { answerMessage, backwardToProvisional, provisionalToBackward } from "../isup-sip/backward.js";
import type { IsupNumberFields } from "../isup-sip/numbers.js";
import { telephoneToIsupNumber } from "../isup-sip/numbers.js";
import type { CallingPartyNumberValue, NameAddrFields } from "../isup-sip/parties.js";
import { calledNumberToRequestUri, callingPartyToSip, sipToCallingParty } from "../isup-sip/parties.js";
import { categoryToCpc, cpcToCategory } from "../isup-sip/category.js";
import type { IsupRedirection } from "../isup-sip/redirection.js";
import { redirectionToSip, sipToRedirection } from "../isup-sip/redirection.js";
import { telephoneOfUri } from "../isup-sip/numbers.js";
import { diversionHeader, diversionsOf, makeDiversion } from "../../sip/headers/diversion.js";
import { historyInfoHeader, historyInfoOf, makeHistoryEntry } from "../../sip/headers/history-info.js";
import type { Uri } from "../../sip/syntax/uri.js";
import { parseUri } from "../../sip/syntax/uri.js";
import type { InviteFieldsResult, IamResult, IsupSipMapping, MappingContext, ProvisionalFields } from "./mapping.js";

/** Q.763 §3.9 b) nature of address indicator: 3 national (significant) number, 4 international number. */
const NOA_NATIONAL = 3;
const NOA_INTERNATIONAL = 4;

function nameAddr(n: NameAddrFields): string {
  return n.displayName !== undefined && n.displayName !== "" ? `${quote(n.displayName)} <${n.uri}>` : `<${n.uri}>`;
}

/**
 * The called number after routing as ISUP number fields: a "+" number is
 * international; otherwise the IAM's own nature of address stays (the route
 * only changed digits within the same plan).
 */
function routedNumber(called: string, original: IsupNumberFields | undefined): IsupNumberFields {
  if (called.startsWith("+")) return { natureOfAddressIndicator: NOA_INTERNATIONAL, numberingPlanIndicator: 1, digits: called.slice(1) };
  return { natureOfAddressIndicator: original?.natureOfAddressIndicator ?? NOA_NATIONAL, numberingPlanIndicator: original?.numberingPlanIndicator ?? 1, digits: called };
}

function param(name: string, value: Readonly<Record<string, unknown>>): IsupParameter {
  return { name, value } as IsupParameter;
}

/** Replace (or add, in Q.763 order for optional parameters: at the end) a parameter. */
function withParameter(m: IsupMessage, p: IsupParameter): IsupMessage {
  const i = m.parameters.findIndex((q) => q.name === p.name);
  if (i < 0) return { ...m, parameters: [...m.parameters, p] };
  const parameters = [...m.parameters];
  parameters[i] = p;
  return { ...m, parameters };
}

function withoutParameter(m: IsupMessage, name: string): IsupMessage {
  return { ...m, parameters: m.parameters.filter((p) => p.name !== name) };
}

/**
 * RFC 3398 §7.2.1.1: the provisioned IAM for a call from SIP with no
 * encapsulated IAM. Nature of connection: no satellite, no continuity check,
 * echo control device as the media path has one (Q.763 §3.35). Forward call
 * indicators: national call, no end-to-end method, interworking encountered
 * and ISUP not used all the way (the call came from SIP), ISUP preferred,
 * originating access non-ISDN, no SCCP (Q.763 §3.23). Transmission medium
 * requirement 3.1 kHz audio (Q.763 §3.54: speech is not promised across IP).
 */
function provisionedIam(ctx: MappingContext): IsupMessage {
  return {
    messageType: "IAM",
    parameters: [
      param("natureOfConnectionIndicators", { satelliteIndicator: 0, continuityCheckIndicator: 0, echoControlDeviceIndicator: ctx.echoControl ? 1 : 0 }),
      param("forwardCallIndicators", {
        nationalInternationalCallIndicator: 0,
        endToEndMethodIndicator: 0,
        interworkingIndicator: 1,
        endToEndInformationIndicator: 0,
        isdnUserPartIndicator: 0,
        isdnUserPartPreferenceIndicator: 0,
        isdnAccessIndicator: 0,
        sccpMethodIndicator: 0,
      }),
      param("callingPartysCategory", { callingPartysCategory: CPC_TO_ISUP_DEFAULT.category }),
      param("transmissionMediumRequirement", { transmissionMediumRequirement: 3 }),
    ],
  };
}

/** The cpc parameter of a telephone number URI (3GPP TS 24.229 §7.2A.12), if any. */
function cpcOf(uri: Uri): string | undefined {
  const t = telephoneOfUri(uri);
  return t.ok ? t.params.get("cpc") : undefined;
}

/** Diversion and History-Info of the redirection parameters of an IAM (RFC 5806, RFC 7044 with RFC 4458). */
function redirectionHeaders(iam: IsupMessage, requestUri: string, ctx: MappingContext): HeaderInit[] {
  const r: IsupRedirection = {
    ...(getParameter(iam, "redirectingNumber") ? { redirectingNumber: getParameter(iam, "redirectingNumber") as unknown as NonNullable<IsupRedirection["redirectingNumber"]> } : {}),
    ...(getParameter(iam, "originalCalledNumber") ? { originalCalledNumber: getParameter(iam, "originalCalledNumber") as unknown as NonNullable<IsupRedirection["originalCalledNumber"]> } : {}),
    ...(getParameter(iam, "redirectionInformation") ? { redirectionInformation: getParameter(iam, "redirectionInformation") as unknown as NonNullable<IsupRedirection["redirectionInformation"]> } : {}),
  };
  if (!r.redirectingNumber && !r.originalCalledNumber) return [];
  const sip = redirectionToSip(r, requestUri, { countryCode: ctx.countryCode, form: { scheme: "sip", host: ctx.localHost } });
  const out: HeaderInit[] = [];
  const diversions = sip.diversion.flatMap((d) => {
    const u = parseUri(d.uri);
    return u.ok ? [makeDiversion({ address: { displayName: undefined, uri: u.value, params: [] }, reason: d.reason, counter: d.counter, ...(d.privacy ? { privacy: d.privacy } : {}) })] : [];
  });
  if (diversions.length > 0) out.push(diversionHeader(...diversions));
  const entries = sip.historyInfo.flatMap((h) => {
    const u = parseUri(h.uri);
    if (!u.ok || u.value.kind !== "sip") return [];
    return [makeHistoryEntry({ uri: u.value, index: h.index, ...(h.mp !== undefined ? { target: { kind: "mp" as const, index: h.mp } } : {}), ...(h.cause !== undefined ? { cause: h.cause } : {}), ...(h.privacy ? { privacy: ["history"] } : {}) })];
  });
  if (entries.length > 0) out.push(historyInfoHeader(...entries));
  return out;
}

/** The Diversion and History-Info of an INVITE as the redirection mapping reads them; unparseable headers count as absent. */
function redirectionIn(invite: SipMessage): Parameters<typeof sipToRedirection>[0] {
  const dv = diversionsOf(invite);
  const hi = historyInfoOf(invite);
  return {
    ...(dv?.ok ? { diversion: dv.value.map((d) => ({ uri: d.address.uri, ...(d.reason !== undefined ? { reason: d.reason } : {}), ...(d.counter !== undefined ? { counter: d.counter } : {}), ...(d.privacy !== undefined ? { privacy: d.privacy } : {}) })) } : {}),
    ...(hi?.ok ? { historyInfo: hi.value.map((e) => ({ uri: e.address.uri, index: e.index, ...(e.cause !== undefined ? { cause: e.cause } : {}), privacy: e.privacy?.includes("history") === true })) } : {}),
  };
}

export const isupSipMapping: IsupSipMapping = {
  inviteFields(iam, called, ctx, peer): InviteFieldsResult {
    const cdpn = getParameter(iam, "calledPartyNumber") as IsupNumberFields | undefined;
    const numbering = { countryCode: ctx.countryCode };
    const form = { scheme: "sip" as const, host: peer.host.includes(":") ? `[${peer.host}]` : peer.host, port: peer.port };
    const r = calledNumberToRequestUri(routedNumber(called, cdpn), numbering, form);
    if (!r.ok) return { ok: false, cause: r.cause, reason: r.reason };
    const cgpn = getParameter(iam, "callingPartyNumber") as CallingPartyNumberValue | undefined;
    // 3GPP TS 29.163 Table C.2.1: the calling party's category as the cpc of the asserted number.
    const category = (getParameter(iam, "callingPartysCategory") as { callingPartysCategory?: number } | undefined)?.callingPartysCategory;
    const cpc = category !== undefined ? categoryToCpc(category) : undefined;
    const id = callingPartyToSip(cgpn, { ...numbering, trusted: ctx.trusted, form: { scheme: "sip", host: ctx.localHost }, gatewayHost: ctx.localHost }, cpc?.cpc !== undefined ? [{ name: "cpc", value: cpc.cpc }] : []);
    const headers: HeaderInit[] = [];
    if (id.pAssertedIdentity) headers.push({ name: "P-Asserted-Identity", value: nameAddr(id.pAssertedIdentity) });
    if (id.privacy.length > 0) headers.push({ name: "Privacy", value: id.privacy.join(";") });
    if (id.pAssertedIdentity && cpc?.acceptLanguage !== undefined) headers.push({ name: "Accept-Language", value: cpc.acceptLanguage });
    headers.push(...redirectionHeaders(iam, r.uri, ctx));
    return { ok: true, requestUri: r.uri, to: `<${r.uri}>`, from: nameAddr(id.from), headers };
  },

  iam(invite: SipMessage, called: string, base: IsupMessage | undefined, ctx: MappingContext): IamResult {
    // RFC 3398 §7.2.1.1: the encapsulated IAM is the base; SIP header fields overwrite what they map to.
    let iam = base ?? provisionedIam(ctx);
    const n = telephoneToIsupNumber({ digits: called.replace(/^\+/, ""), global: called.startsWith("+"), params: new Map() }, { countryCode: ctx.countryCode });
    if (!n.ok) return { ok: false, status: n.status, reason: n.reason };
    // RFC 3398 §7.2.1.1: the Request-URI's number overwrites the encapsulated one. When it is the
    // same number (digits, nature of address, numbering plan) the encapsulated parameter is reused
    // as it is ("SHOULD reuse the values of each of the ISUP parameters"), so its ST signal
    // (Q.763 §3.9 address signal 1111) and internal network number indicator survive the bridge.
    const encapsulated = base !== undefined ? (getParameter(base, "calledPartyNumber") as IsupNumberFields | undefined) : undefined;
    const sameNumber =
      encapsulated !== undefined &&
      encapsulated.digits.replace(/[Ff]$/, "") === n.number.digits &&
      encapsulated.natureOfAddressIndicator === n.number.natureOfAddressIndicator &&
      encapsulated.numberingPlanIndicator === n.number.numberingPlanIndicator;
    if (!sameNumber)
      iam = withParameter(
        iam,
        param("calledPartyNumber", {
          natureOfAddressIndicator: n.number.natureOfAddressIndicator,
          internalNetworkNumberIndicator: 0,
          numberingPlanIndicator: n.number.numberingPlanIndicator,
          digits: n.number.digits,
        }),
      );
    // Q.764 §2.1.1.1 (hop counter procedure), Q.763 §3.80: this exchange counts itself; at zero the
    // call is not extended (RFC 3261 §16.3 step 3: the SIP equivalent is 483 Too Many Hops).
    const hops = getParameter(iam, "hopCounter") as { hopCounter?: number } | undefined;
    if (hops?.hopCounter !== undefined) {
      if (hops.hopCounter <= 1) return { ok: false, status: 483, reason: "the hop counter of the encapsulated IAM is exhausted (Q.764 §2.1.1.1)" };
      iam = withParameter(iam, param("hopCounter", { ...hops, hopCounter: hops.hopCounter - 1 }));
    }
    const pai = invite.pAssertedIdentity();
    const privacy = invite.privacy();
    const cg = sipToCallingParty(
      {
        from: invite.from.uri,
        ...(pai.ok && pai.value ? { pAssertedIdentity: pai.value.map((p) => p.uri) } : {}),
        ...(privacy.ok && privacy.value ? { privacy: privacy.value } : {}),
      },
      { countryCode: ctx.countryCode, trusted: ctx.trusted, form: { scheme: "sip", host: ctx.localHost }, gatewayHost: ctx.localHost },
    );
    iam = cg.callingPartyNumber ? withParameter(iam, param("callingPartyNumber", cg.callingPartyNumber as unknown as Record<string, unknown>)) : withoutParameter(iam, "callingPartyNumber");
    // 3GPP TS 29.163 Table C.1.1: the cpc of the number the calling party was taken from.
    if (base === undefined || getParameter(base, "callingPartysCategory") === undefined) {
      const source = cg.source === "p-asserted-identity" && pai.ok && pai.value ? pai.value[0]?.uri : cg.source === "from" ? invite.from.uri : undefined;
      const cpc = source !== undefined ? cpcOf(source) : undefined;
      if (cpc !== undefined) iam = withParameter(iam, param("callingPartysCategory", { callingPartysCategory: cpcToCategory(cpc, invite.get("Accept-Language")?.split(",")[0]?.trim()).category }));
    }
    // RFC 5806 / RFC 7044 -> Q.763 §3.39, §3.44, §3.45, unless the encapsulated IAM carries its own.
    if (base === undefined || getParameter(base, "redirectionInformation") === undefined) {
      const red = sipToRedirection(redirectionIn(invite), { countryCode: ctx.countryCode });
      if (red.redirectingNumber) iam = withParameter(iam, param("redirectingNumber", red.redirectingNumber as unknown as Record<string, unknown>));
      if (red.originalCalledNumber) iam = withParameter(iam, param("originalCalledNumber", red.originalCalledNumber as unknown as Record<string, unknown>));
      if (red.redirectionInformation) iam = withParameter(iam, param("redirectionInformation", red.redirectionInformation as unknown as Record<string, unknown>));
    }
    return { ok: true, iam };
  },

  provisional(m: IsupMessage): ProvisionalFields | undefined {
    const p = backwardToProvisional(m);
    return p ? { status: p.sipStatus, inband: p.earlyMedia } : undefined;
  },

  backward(status: number, withMedia: boolean, acmSent: boolean, ctx: MappingContext): readonly IsupMessage[] {
    return provisionalToBackward(status, { variant: ctx.variant, acmSent, inband: withMedia, echoControlDevice: ctx.echoControl ? 1 : 0, interworkingEncountered: true }).messages;
  },

  answer(acmSent: boolean, ctx: MappingContext): IsupMessage {
    return answerMessage({ variant: ctx.variant, acmSent, echoControlDevice: ctx.echoControl ? 1 : 0, interworkingEncountered: true }).message;
  },
};
