/**
 * Called and calling party between ISUP and SIP:
 *  - called party number <-> Request-URI: RFC 3398 §8.2.1.1 (IAM -> INVITE),
 *    §7.2.1.1 (INVITE -> IAM), §12.1, §12.2;
 *  - calling party number, presentation and screening <-> From,
 *    P-Asserted-Identity, Privacy: RFC 3398 §8.2.1.1, §7.2.1.1, §12.1, §12.2,
 *    RFC 3325 §5, §6, §7, §9.1, RFC 3323 §4.2.
 *
 * Plain values in and out; the tables are data in mappings/rfc3398-numbers.ts
 * and mappings/rfc3398-identity.ts (trunk override rows first).
 */
import type { Uri } from "../../sip/syntax/uri.js";
import {
  ANONYMOUS_FROM,
  IDENTITY_TO_ISUP,
  NO_CALLING_NUMBER,
  NO_IDENTITY_TO_ISUP,
  PRESENTATION_TO_SIP,
  PRIVACY_TO_ISUP,
  PRIVACY_TO_ISUP_DEFAULT,
  SCREENING_TO_SIP,
} from "../../../mappings/rfc3398-identity.js";
import type { FromForm, IdentityToIsupRow, PresentationToSipRow, PrivacyToIsupRow, ScreeningToSipRow } from "../../../mappings/rfc3398-identity.js";
import type { IsupNumberFields, NumberingSettings, TelephoneNumber, TelephoneParams, UriForm } from "./numbers.js";
import { isupNumberToTelephone, telephoneOfUri, telephoneToIsupNumber, telephoneUri } from "./numbers.js";

// ------------------------------------------------------------------ called party

/** Q.763 §3.9 called party number, as the ISUP codec decodes and encodes it. */
export interface CalledPartyNumberValue {
  readonly natureOfAddressIndicator: number;
  readonly internalNetworkNumberIndicator: number;
  readonly numberingPlanIndicator: number;
  readonly digits: string;
}

export interface CalledNumberSettings extends NumberingSettings {
  /** Q.763 §3.9 c) INN indicator written in IAMs: 0 routing to an internal network number allowed, 1 not allowed. */
  readonly internalNetworkNumberIndicator: 0 | 1;
  /** Append ST (end of pulsing, code 15) to en-bloc called numbers (Q.763 §3.9 f), Q.764 §2.1.1.1). */
  readonly endOfPulsing: boolean;
}

export type CalledToSipResult =
  | { readonly ok: true; readonly number: TelephoneNumber; /** Request-URI (and To) text. */ readonly uri: string; readonly ref: string }
  | { readonly ok: false; readonly reason: string; /** Q.850 cause for the REL: 28 invalid number format. */ readonly cause: 28; readonly ref: string };

/**
 * RFC 3398 §8.2.1.1: the called party number of an IAM -> the destination
 * URI used as Request-URI and To (tel URI, or SIP URI with user=phone).
 */
export function calledNumberToRequestUri(cpn: IsupNumberFields, settings: NumberingSettings, form: UriForm): CalledToSipResult {
  const t = isupNumberToTelephone(cpn, settings);
  if (!t.ok) return { ok: false, reason: t.reason, cause: 28, ref: t.ref };
  return { ok: true, number: t, uri: telephoneUri(t, form), ref: `RFC 3398 §8.2.1.1; ${t.ref}` };
}

export type CalledToIsupResult =
  | { readonly ok: true; readonly calledPartyNumber: CalledPartyNumberValue; readonly ref: string }
  | { readonly ok: false; /** The SIP final response to send: 404, 416 or 484 (RFC 3398 §7.2.1.1, §12.2). */ readonly status: 404 | 416 | 484; readonly reason: string; readonly ref: string };

/** RFC 3398 §7.2.1.1, §12.2: the Request-URI of an INVITE -> the called party number of the IAM. */
export function requestUriToCalledNumber(uri: Uri, settings: CalledNumberSettings): CalledToIsupResult {
  const t = telephoneOfUri(uri);
  if (!t.ok) return t;
  const n = telephoneToIsupNumber(t, settings);
  if (!n.ok) return n;
  return {
    ok: true,
    calledPartyNumber: {
      natureOfAddressIndicator: n.number.natureOfAddressIndicator,
      internalNetworkNumberIndicator: settings.internalNetworkNumberIndicator,
      numberingPlanIndicator: n.number.numberingPlanIndicator,
      digits: settings.endOfPulsing ? `${n.number.digits}F` : n.number.digits,
    },
    ref: `RFC 3398 §7.2.1.1; ${n.ref}`,
  };
}

// ------------------------------------------------------------------ calling party

/** Q.763 §3.10 calling party number, as the ISUP codec decodes and encodes it. */
export interface CallingPartyNumberValue {
  readonly natureOfAddressIndicator: number;
  readonly numberIncompleteIndicator: number;
  readonly numberingPlanIndicator: number;
  readonly addressPresentationRestrictedIndicator: number;
  readonly screeningIndicator: number;
  readonly digits: string;
}

export interface IdentitySettings extends NumberingSettings {
  /** RFC 3325 §5: the SIP peer is in our trust domain (P-Asserted-Identity sent to it and believed from it). */
  readonly trusted: boolean;
  /** How numbers are written in From and P-Asserted-Identity. */
  readonly form: UriForm;
  /** Host of the From written when there is no calling number (RFC 3398 §8.2.1.1: "sip:gw.example.net"). */
  readonly gatewayHost: string;
  readonly presentationOverrides?: readonly PresentationToSipRow[];
  readonly screeningOverrides?: readonly ScreeningToSipRow[];
  readonly identityOverrides?: readonly IdentityToIsupRow[];
  readonly privacyOverrides?: readonly PrivacyToIsupRow[];
  /** No usable identity in SIP: omit the calling party number (default) or send one with "address not available". */
  readonly noIdentity?: "omit" | "not-available";
}

/** A name-addr as plain fields (the header helpers format it). */
export interface NameAddrFields {
  readonly displayName?: string;
  readonly uri: string;
}

export interface SipIdentity {
  readonly from: NameAddrFields;
  /** RFC 3325 §9.1: present only towards a trusted peer and for a number that may be asserted. */
  readonly pAssertedIdentity?: NameAddrFields;
  /** RFC 3323 §4.2 Privacy values ("id"); empty: no Privacy header. */
  readonly privacy: readonly string[];
  readonly ref: string;
}

function firstRow<R>(tables: readonly (readonly R[])[], match: (r: R) => boolean): R | undefined {
  for (const t of tables) {
    const r = t.find(match);
    if (r !== undefined) return r;
  }
  return undefined;
}

function gatewayFrom(settings: IdentitySettings): NameAddrFields {
  return { uri: `sip:${settings.gatewayHost}` };
}

/**
 * RFC 3398 §8.2.1.1, §12.1: the calling party number of an IAM (undefined
 * when absent) -> From, P-Asserted-Identity and Privacy. `assertedParams`
 * are written on the asserted number only (cpc, oli: 3GPP TS 24.229
 * §7.2A.12, carried in the P-Asserted-Identity).
 */
export function callingPartyToSip(cgpn: CallingPartyNumberValue | undefined, settings: IdentitySettings, assertedParams: TelephoneParams = []): SipIdentity {
  if (cgpn === undefined) return { from: gatewayFrom(settings), privacy: [], ref: NO_CALLING_NUMBER.ref };
  const pres = firstRow([settings.presentationOverrides ?? [], PRESENTATION_TO_SIP], (r) => r.presentation === cgpn.addressPresentationRestrictedIndicator);
  const presentation: { from: FromForm; privacy: readonly string[]; assert: boolean; ref: string } = pres ?? {
    from: "anonymous",
    privacy: ["id"],
    assert: true,
    ref: "Q.763 §3.10 e) (spare value: treated as restricted)",
  };
  if (presentation.from === "gateway") return { from: gatewayFrom(settings), privacy: [], ref: presentation.ref };
  const t = isupNumberToTelephone(cgpn, settings);
  // A number that cannot be written in a URI is as good as absent (RFC 3398 §7.2.1.1, §12).
  if (!t.ok) return { from: presentation.from === "anonymous" ? { displayName: ANONYMOUS_FROM.displayName, uri: ANONYMOUS_FROM.uri } : gatewayFrom(settings), privacy: presentation.privacy, ref: t.ref };
  const screen = firstRow([settings.screeningOverrides ?? [], SCREENING_TO_SIP], (r) => r.screening === cgpn.screeningIndicator);
  const assert = settings.trusted && presentation.assert && (screen?.assert ?? false) && (t.global || settings.form.scheme !== "tel" || t.phoneContext !== undefined);
  const from: NameAddrFields = presentation.from === "anonymous" ? { displayName: ANONYMOUS_FROM.displayName, uri: ANONYMOUS_FROM.uri } : { uri: plainUri(t, settings) };
  return {
    from,
    ...(assert ? { pAssertedIdentity: { uri: telephoneUri(t, settings.form, assertedParams) } } : {}),
    privacy: presentation.privacy,
    ref: `${presentation.ref}${screen ? `; ${screen.ref}` : ""}`,
  };
}

/** The From URI of a number; a local number in a tel URI without phone-context goes in a SIP URI instead. */
function plainUri(t: TelephoneNumber, settings: IdentitySettings): string {
  if (!t.global && t.phoneContext === undefined && settings.form.scheme === "tel") return telephoneUri(t, { scheme: "sip", host: settings.gatewayHost });
  return telephoneUri(t, settings.form);
}

/** The identity fields of an INVITE, parsed by the SIP layer. */
export interface SipIdentityIn {
  readonly from: Uri;
  /** P-Asserted-Identity URIs in order (RFC 3325 §9.1: at most one sip/sips and one tel). */
  readonly pAssertedIdentity?: readonly Uri[];
  /** Privacy header values (RFC 3323 §4.2), any case. */
  readonly privacy?: readonly string[];
}

export interface CallingPartyResult {
  /** Absent: no calling party number in the IAM. */
  readonly callingPartyNumber?: CallingPartyNumberValue;
  readonly source: "p-asserted-identity" | "from" | "none";
  readonly ref: string;
}

/**
 * RFC 3398 §7.2.1.1, §12.2 with RFC 3325: From, P-Asserted-Identity and
 * Privacy of an INVITE -> the calling party number of the IAM. A
 * P-Asserted-Identity is believed only from a trusted peer (RFC 3325 §5).
 */
export function sipToCallingParty(id: SipIdentityIn, settings: IdentitySettings): CallingPartyResult {
  const privacyValues = (id.privacy ?? []).map((p) => p.trim().toLowerCase());
  let presentation: { presentation: number; ref: string } = PRIVACY_TO_ISUP_DEFAULT;
  for (const v of privacyValues) {
    const row = firstRow([settings.privacyOverrides ?? [], PRIVACY_TO_ISUP], (r) => r.privacy === v);
    if (row !== undefined && row.presentation > presentation.presentation) presentation = row;
  }
  const candidates: { source: "p-asserted-identity" | "from"; uri: Uri }[] = [];
  if (settings.trusted) for (const u of id.pAssertedIdentity ?? []) candidates.push({ source: "p-asserted-identity", uri: u });
  candidates.push({ source: "from", uri: id.from });
  for (const c of candidates) {
    const t = telephoneOfUri(c.uri);
    if (!t.ok) continue;
    const n = telephoneToIsupNumber(t, settings);
    if (!n.ok) continue;
    const src = firstRow([settings.identityOverrides ?? [], IDENTITY_TO_ISUP], (r) => r.source === c.source);
    if (src === undefined) continue;
    return {
      callingPartyNumber: {
        natureOfAddressIndicator: n.number.natureOfAddressIndicator,
        numberIncompleteIndicator: 0,
        numberingPlanIndicator: 1,
        addressPresentationRestrictedIndicator: presentation.presentation,
        screeningIndicator: src.screening,
        digits: n.number.digits,
      },
      source: c.source,
      ref: `${src.ref}; ${presentation.ref}; ${n.ref}`,
    };
  }
  if ((settings.noIdentity ?? NO_IDENTITY_TO_ISUP.send) === "not-available") {
    // Q.763 §3.10: with "address not available" the nature of address is 0 (spare), screening network provided, no digits.
    return {
      callingPartyNumber: { natureOfAddressIndicator: 0, numberIncompleteIndicator: 0, numberingPlanIndicator: 0, addressPresentationRestrictedIndicator: 2, screeningIndicator: 3, digits: "" },
      source: "none",
      ref: `${NO_IDENTITY_TO_ISUP.ref}; Q.763 §3.10 e)`,
    };
  }
  return { source: "none", ref: NO_IDENTITY_TO_ISUP.ref };
}
