/**
 * Telephone numbers between ISUP format and SIP: RFC 3398 §12 (construction
 * of telephony URIs), §12.1 (ISUP format -> tel URI), §12.2 (tel URI -> ISUP
 * format), §7.2.1.1 and §8.2.1.1 (Request-URI <-> called party number), with
 * the tel URI syntax of RFC 3966 §3 and §5.1.5 (local numbers and
 * phone-context) and the user=phone SIP URI of RFC 3261 §19.1.1 and §19.1.6.
 *
 * Pure: plain values in, plain values out. The NOA tables are data in
 * mappings/rfc3398-numbers.ts; a trunk's override rows are consulted first.
 */
import { EncodeError } from "../../core/errors.js";
import { escapeUser, unescapeUriComponent } from "../../sip/syntax/uri.js";
import type { Uri } from "../../sip/syntax/uri.js";
import { E164_NUMBERING_PLAN, NOA_TO_SIP, NOA_TO_SIP_DEFAULT, SIP_TO_NOA } from "../../../mappings/rfc3398-numbers.js";
import type { NoaToSipRow, NoaTreatment, SipNumberKind, SipToNoaRow } from "../../../mappings/rfc3398-numbers.js";

/** How a trunk writes and reads numbers. */
export interface NumberingSettings {
  /** E.164 country code of the trunk's network, digits only ("1", "44"). */
  readonly countryCode: string;
  /** National digits that make a subscriber number national significant (an area code); absent: subscriber numbers go as-is. */
  readonly subscriberPrefix?: string;
  /** RFC 3966 §5.1.5 phone-context written on numbers sent as-is (e.g. "+1" or a domain); absent: none. */
  readonly phoneContext?: string;
  /** Rows overriding NOA_TO_SIP (consulted first). */
  readonly toSip?: readonly NoaToSipRow[];
  /** Rows overriding SIP_TO_NOA (consulted first). */
  readonly toIsup?: readonly SipToNoaRow[];
}

/** The number fields of Q.763 §3.9 / §3.10 that the mapping reads. */
export interface IsupNumberFields {
  readonly natureOfAddressIndicator: number;
  readonly numberingPlanIndicator: number;
  /** Address signals, "0"-"9", "B", "C", "F" (ST) ..., as the ISUP codec decodes them. */
  readonly digits: string;
}

/** A telephone-subscriber (RFC 3966 §3) made from an ISUP number. */
export interface TelephoneNumber {
  /** "+CCNSN" for a global number, digits for a local one (no visual separators, no parameters). */
  readonly number: string;
  readonly global: boolean;
  /** RFC 3966 §5.1.5 phone-context of a local number, when the trunk gives one. */
  readonly phoneContext?: string;
  readonly ref: string;
}

export type ToTelephoneResult = ({ readonly ok: true } & TelephoneNumber) | { readonly ok: false; readonly reason: string; readonly ref: string };

function noaRow(noa: number, overrides: readonly NoaToSipRow[]): { treatment: NoaTreatment; ref: string } {
  for (const table of [overrides, NOA_TO_SIP]) {
    const row = table.find((r) => r.noa === noa);
    if (row) return row;
  }
  return NOA_TO_SIP_DEFAULT;
}

/**
 * ISUP format -> telephone number (RFC 3398 §12.1). A trailing ST (code 15,
 * "F") ends the number (Q.763 §3.9 f)) and is dropped; other non-decimal
 * address signals cannot be written in a global number and fail.
 */
export function isupNumberToTelephone(n: IsupNumberFields, settings: NumberingSettings): ToTelephoneResult {
  if (n.numberingPlanIndicator !== E164_NUMBERING_PLAN.npi) {
    return { ok: false, reason: `numbering plan ${n.numberingPlanIndicator} is not E.164: a tel URI may not carry it`, ref: E164_NUMBERING_PLAN.ref };
  }
  let digits = n.digits.toUpperCase();
  if (digits.endsWith("F")) digits = digits.slice(0, -1);
  if (digits.length === 0) return { ok: false, reason: "no address signals", ref: "RFC 3398 §12.1" };
  if (!/^[0-9]+$/.test(digits)) return { ok: false, reason: `address signals ${JSON.stringify(digits)} hold codes other than 0-9`, ref: "RFC 3398 §12.1; RFC 3966 §3" };
  const row = noaRow(n.natureOfAddressIndicator, settings.toSip ?? []);
  let treatment = row.treatment;
  if (treatment === "subscriber") {
    if (settings.subscriberPrefix === undefined) treatment = "as-is";
    else {
      digits = settings.subscriberPrefix + digits;
      treatment = "national";
    }
  }
  switch (treatment) {
    case "international":
      return { ok: true, number: `+${digits}`, global: true, ref: row.ref };
    case "national":
      return { ok: true, number: `+${settings.countryCode}${digits}`, global: true, ref: row.ref };
    default:
      return { ok: true, number: digits, global: false, ...(settings.phoneContext !== undefined ? { phoneContext: settings.phoneContext } : {}), ref: row.ref };
  }
}

/** URI parameters of a telephone-subscriber (RFC 3966 §3 par), in order: cpc, oli (3GPP TS 24.229 §7.2A.12) and the like. */
export type TelephoneParams = readonly { readonly name: string; readonly value?: string }[];

export type UriForm = { readonly scheme: "tel" } | { readonly scheme: "sip" | "sips"; readonly host: string; readonly port?: number };

/**
 * The URI text of a telephone number (RFC 3398 §12): "tel:+12125551234" or
 * "sip:+12125551234@host;user=phone" (RFC 3261 §19.1.6: the
 * telephone-subscriber, parameters included, is the user part; ";" and "="
 * are user-unreserved, RFC 3261 §25.1). Throws
 * EncodeError for a local number in a tel URI without phone-context
 * (RFC 3966 §5.1.5 requires one): a configuration mistake.
 */
export function telephoneUri(t: TelephoneNumber, form: UriForm, params: TelephoneParams = []): string {
  let sub = t.number;
  if (!t.global) {
    if (t.phoneContext !== undefined) sub += `;phone-context=${t.phoneContext}`;
    else if (form.scheme === "tel") throw new EncodeError("tel URI", `local number ${t.number} needs a phone-context (RFC 3966 §5.1.5)`);
  }
  for (const p of params) sub += p.value === undefined ? `;${p.name}` : `;${p.name}=${p.value}`;
  if (form.scheme === "tel") return `tel:${sub}`;
  return `${form.scheme}:${escapeUser(sub)}@${form.host}${form.port !== undefined ? `:${form.port}` : ""};user=phone`;
}

/** A telephone-subscriber read from a SIP or tel URI. */
export interface ParsedTelephone {
  /** Digits only (visual separators removed), without "+". */
  readonly digits: string;
  readonly global: boolean;
  /** Parameters after the number (phone-context, cpc, oli, isub, npdi...), names lower-cased. */
  readonly params: ReadonlyMap<string, string | undefined>;
}

export type ParseTelephoneResult = ({ readonly ok: true } & ParsedTelephone) | { readonly ok: false; readonly status: 404 | 416 | 484; readonly reason: string; readonly ref: string };

/** RFC 3966 §3 visual-separator. */
const VISUAL = /[-.()]/g;

function parseSubscriber(text: string): ParseTelephoneResult {
  const [num = "", ...rest] = text.split(";");
  const params = new Map<string, string | undefined>();
  for (const p of rest) {
    if (p.length === 0) continue;
    const eq = p.indexOf("=");
    params.set((eq < 0 ? p : p.slice(0, eq)).toLowerCase(), eq < 0 ? undefined : p.slice(eq + 1));
  }
  const global = num.startsWith("+");
  const digits = (global ? num.slice(1) : num).replace(VISUAL, "");
  if (digits.length === 0) return { ok: false, status: 484, reason: `${JSON.stringify(text)} has no digits`, ref: "RFC 3398 §12.2" };
  if (!/^[0-9]+$/.test(digits)) {
    if (global) return { ok: false, status: 404, reason: `${JSON.stringify(num)} is not a global number (RFC 3966 §3: digits and visual separators)`, ref: "RFC 3398 §7.2.1.1" };
    return { ok: false, status: 484, reason: `local number ${JSON.stringify(num)} holds signals other than 0-9, which this gateway does not map`, ref: "RFC 3398 §12.2" };
  }
  if (global && digits.length > 15) return { ok: false, status: 404, reason: `+${digits} has more than the 15 digits of an E.164 number`, ref: "RFC 3398 §12.2; ITU-T E.164 §6" };
  return { ok: true, digits, global, params };
}

/**
 * The telephone number of a URI (RFC 3398 §7.2.1.1, §12.2): a tel URI, or a
 * SIP/SIPS URI whose user part is a telephone-subscriber (user=phone, or a
 * user part made of "+", digits and visual separators). A user part that is
 * not a number -> 404; another scheme -> 416 (RFC 3261 §8.2.2.1).
 */
export function telephoneOfUri(uri: Uri): ParseTelephoneResult {
  switch (uri.kind) {
    case "tel":
      return parseSubscriber(unescapeUriComponent(uri.number) + uri.params.map((p) => (p.value === undefined ? `;${p.name}` : `;${p.name}=${unescapeUriComponent(p.value)}`)).join(""));
    case "sip": {
      if (uri.user === undefined) return { ok: false, status: 404, reason: "the URI has no user part: no telephone number", ref: "RFC 3398 §7.2.1.1" };
      const user = unescapeUriComponent(uri.user);
      const userPhone = uri.params.some((p) => p.name.toLowerCase() === "user" && p.value?.toLowerCase() === "phone");
      const num = user.split(";")[0] ?? "";
      if (!userPhone && !/^\+?[-.()]*[0-9][-0-9.()]*$/.test(num)) {
        return { ok: false, status: 404, reason: `user part ${JSON.stringify(user)} is not a telephone number`, ref: "RFC 3398 §7.2.1.1" };
      }
      return parseSubscriber(user);
    }
    case "absolute":
      return { ok: false, status: 416, reason: `URI scheme ${uri.scheme} carries no telephone number`, ref: "RFC 3261 §8.2.2.1" };
  }
}

export interface IsupNumberOut {
  readonly natureOfAddressIndicator: number;
  /** Q.763 §3.9 d): 1, ISDN (telephony) numbering plan E.164 (RFC 3398 §12.2: MUST). */
  readonly numberingPlanIndicator: 1;
  readonly digits: string;
}

export type ToIsupNumberResult = { readonly ok: true; readonly number: IsupNumberOut; readonly kind: SipNumberKind; readonly ref: string } | { readonly ok: false; readonly status: 404 | 416 | 484; readonly reason: string; readonly ref: string };

/** Telephone number -> ISUP format (RFC 3398 §12.2). */
export function telephoneToIsupNumber(t: ParsedTelephone, settings: NumberingSettings): ToIsupNumberResult {
  // E.164 country codes are prefix-free, so a prefix test finds the country code.
  const kind: SipNumberKind = !t.global ? "local" : t.digits.startsWith(settings.countryCode) ? "global-own-country" : "global-other-country";
  let row: SipToNoaRow | undefined;
  for (const table of [settings.toIsup ?? [], SIP_TO_NOA]) {
    row = table.find((r) => r.kind === kind);
    if (row) break;
  }
  if (row === undefined || row.noa === null) {
    return { ok: false, status: 484, reason: `${kind} numbers are not accepted on this trunk`, ref: row?.ref ?? "RFC 3398 §12.2" };
  }
  const digits = row.stripCountryCode ? t.digits.slice(settings.countryCode.length) : t.digits;
  if (digits.length === 0) return { ok: false, status: 484, reason: "only a country code: the number is incomplete", ref: row.ref };
  return { ok: true, number: { natureOfAddressIndicator: row.noa, numberingPlanIndicator: 1, digits }, kind, ref: row.ref };
}

/** A URI's telephone number in ISUP format: telephoneOfUri, then telephoneToIsupNumber. */
export function uriToIsupNumber(uri: Uri, settings: NumberingSettings): ToIsupNumberResult {
  const t = telephoneOfUri(uri);
  if (!t.ok) return t;
  return telephoneToIsupNumber(t, settings);
}
