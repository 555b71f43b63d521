/**
 * Numbers and names between QSIG and SIP, RFC 4497 §9:
 *  - a Q.931 number (digits, type of number, numbering plan: Q.931 §4.5.8,
 *    §4.5.10; ISO/IEC 11571) <-> the user part of a SIP or tel URI (§9.1,
 *    §9.2: "SHOULD take account of NPI and TON"; the URI form itself, tel or
 *    sip with user=phone, is the caller's choice, as RFC 4497 leaves it open);
 *  - Calling party number / Connected number with presentation and screening
 *    <-> From, P-Asserted-Identity (RFC 3325) and Privacy (RFC 3323):
 *    §9.1.2.1-§9.1.2.4, §9.1.3.1-§9.1.3.4, §9.2.2, §9.2.3;
 *  - the QSIG name (ECMA-164 callingName / connectedName in a Facility
 *    element) <-> the display-name beside that identity.
 *
 * Pure functions over decoded Q.931 messages and plain SIP field objects.
 */
import type { CallingPartyNumber, CalledPartyNumber } from "../../isdn/q931/codec/information-elements.js";
import { ie } from "../../isdn/q931/codec/q931-codec.js";
import type { Q931Ie, Q931Message } from "../../isdn/q931/codec/q931-codec.js";
import { decodeQsigFacility, operationsOf, qsigFacilityOf } from "../../isdn/qsig/facility.js";
import type { QsigOperationName } from "../../isdn/qsig/facility.js";
import { NAME_DATA_MAX_OCTETS, nameFromText, nameText } from "../../isdn/qsig/names.js";
import type { QsigName } from "../../isdn/qsig/names.js";

/** Q.931 §4.5.8 type of number and numbering plan values used here. */
export const TON = { unknown: 0, international: 1, national: 2, networkSpecific: 3, subscriber: 4, abbreviated: 6 } as const;
export const NPI = { unknown: 0, isdnTelephony: 1, data: 3, telex: 4, national: 8, private: 9 } as const;
/** Q.931 §4.5.10 octet 3a. */
export const PRESENTATION = { allowed: 0, restricted: 1, notAvailable: 2 } as const;
export const SCREENING = { userProvidedNotScreened: 0, userProvidedVerifiedPassed: 1, userProvidedVerifiedFailed: 2, networkProvided: 3 } as const;

/** The user part of a SIP / tel URI that a number maps to. */
export interface SipNumber {
  /** "+" and the E.164 digits for a global number; the digits as dialled in the PISN otherwise. */
  readonly user: string;
  /** A global number (RFC 3966 §5.1.4); a local one needs a phone-context the caller supplies. */
  readonly global: boolean;
}

/** How local numbers (not "+E.164") are written in QSIG: ISO/IEC 11571 PISN numbers by default. */
export interface LocalNumbering {
  readonly typeOfNumber: number;
  readonly numberingPlan: number;
}

export const DEFAULT_LOCAL_NUMBERING: LocalNumbering = { typeOfNumber: TON.unknown, numberingPlan: NPI.unknown };

/**
 * RFC 4497 §9.1: a QSIG number as a URI user part, taking TON and NPI into
 * account: international E.164 (or unknown plan) numbers become global
 * "+digits"; every other number stays local. Undefined when no URI can be
 * derived: no digits, or characters a telephone-subscriber cannot carry.
 */
export function numberToSipUser(n: CalledPartyNumber): SipNumber | undefined {
  const digits = n.digits;
  if (digits.length === 0) return undefined;
  const international = n.typeOfNumber === TON.international && (n.numberingPlan === NPI.isdnTelephony || n.numberingPlan === NPI.unknown);
  if (international) return /^[0-9]+$/.test(digits) ? { user: `+${digits}`, global: true } : undefined;
  // RFC 3966 §3 local-number-digits: HEXDIG, "*", "#".
  return /^[0-9*#]+$/.test(digits) ? { user: digits, global: false } : undefined;
}

/**
 * RFC 4497 §9.2: a URI user part as a QSIG number. "+digits" is an
 * international ISDN/telephony number (Q.931 §4.5.8); other digits take the
 * local numbering given. Visual separators (RFC 3966 §3: "-", ".", "(", ")")
 * are dropped. Undefined when no number can be derived.
 */
export function sipUserToNumber(user: string, local: LocalNumbering = DEFAULT_LOCAL_NUMBERING): CalledPartyNumber | undefined {
  const s = user.replace(/[-.()]/g, "");
  if (/^\+[0-9]+$/.test(s)) return { typeOfNumber: TON.international, numberingPlan: NPI.isdnTelephony, digits: s.slice(1) };
  if (/^[0-9*#]+$/.test(s)) return { typeOfNumber: local.typeOfNumber, numberingPlan: local.numberingPlan, digits: s };
  return undefined;
}

// ------------------------------------------------------------------ names

/** The first QSIG name operation of `op` in the message's Facility elements (ECMA-164), if any decodes. */
export function qsigNameOf(msg: Pick<Q931Message, "ies">, op: Extract<QsigOperationName, "callingName" | "calledName" | "connectedName" | "busyName">): QsigName | undefined {
  for (const e of msg.ies) {
    if (e.kind !== "ie" || e.name !== "facility") continue;
    const d = decodeQsigFacility(e.value);
    if (!d.ok) continue;
    for (const o of operationsOf(d.value)) if (o.operation === op && "name" in o.argument) return o.argument.name;
  }
  return undefined;
}

/** A SIP display-name from a QSIG name: only a presentation-allowed name with text. */
function allowedText(name: QsigName | undefined): string | undefined {
  if (!name || name.presentation !== "allowed") return undefined;
  const t = nameText(name);
  return t !== undefined && t.length > 0 ? t : undefined;
}

/** Text that fits NameData (ECMA-164: 1..50 octets in its character set). */
function fitName(text: string): string | undefined {
  let t = [...text.trim()];
  const octets = (s: string[]): number => (s.every((c) => (c.codePointAt(0) as number) <= 0xff) ? s.length : new TextEncoder().encode(s.join("")).length);
  while (t.length > 0 && octets(t) > NAME_DATA_MAX_OCTETS) t = t.slice(0, -1);
  return t.length > 0 ? t.join("") : undefined;
}

/**
 * A Facility element with one QSIG name operation (ECMA-164), for a SETUP
 * (callingName) or CONNECT (connectedName), from a SIP display-name. Longer
 * names are cut to the 50 octets NameData holds. Undefined without text.
 */
export function nameFacility(op: "callingName" | "connectedName", displayName: string | undefined, presentation: "allowed" | "restricted", invokeId = 1): Q931Ie | undefined {
  const text = displayName === undefined ? undefined : fitName(displayName);
  if (text === undefined) return undefined;
  return ie("facility", qsigFacilityOf([{ operation: op, argument: { name: nameFromText(text, presentation), sequence: false } }], invokeId));
}

// ------------------------------------------------------------------ QSIG -> SIP identity

export interface IdentityPolicy {
  /** The gateway implements P-Asserted-Identity (RFC 3325), and with it Privacy (RFC 3323): RFC 4497 §9. */
  readonly assertIdentity: boolean;
  /** The next hop is trusted to honour Privacy (RFC 4497 §9.1) / to assert identities (§9.2). */
  readonly trustedNextHop: boolean;
}

export interface SipIdentity {
  readonly number: SipNumber;
  readonly displayName?: string;
}

/** The From header of an INVITE the gateway sends (RFC 4497 §9.1.2). */
export type FromIdentity =
  | { readonly kind: "caller"; readonly identity: SipIdentity }
  /** A URI identifying the gateway (§9.1.2.1). */
  | { readonly kind: "gateway"; readonly displayName?: string }
  /** An anonymous From (RFC 3323 §4.1.1.3: "Anonymous" <sip:anonymous@anonymous.invalid>), §9.1.2.2, §9.1.2.3. */
  | { readonly kind: "anonymous" };

export interface CallerToSip {
  readonly from: FromIdentity;
  readonly pAssertedIdentity?: SipIdentity;
  /** Privacy header priv-value (RFC 3323 §4.2). */
  readonly privacy?: "id";
  readonly ref: string;
}

/** A Q.931 calling or connected number's presentation: octet 3a absent means presentation allowed (Q.931 §4.5.10). */
function restricted(n: CallingPartyNumber | undefined): boolean {
  return n?.presentation === PRESENTATION.restricted;
}

/**
 * RFC 4497 §9.1.2: From, P-Asserted-Identity and Privacy of the INVITE from
 * the SETUP's Calling party number, with the QSIG calling name (ECMA-164) as
 * display-name when its presentation is allowed. A restricted name is never
 * shown; it rides only in a P-Asserted-Identity that Privacy protects.
 */
export function callerToSip(calling: CallingPartyNumber | undefined, name: QsigName | undefined, policy: IdentityPolicy): CallerToSip {
  const number = calling ? numberToSipUser(calling) : undefined;
  const isRestricted = restricted(calling);
  const shownName = allowedText(name);
  const protectedName = name && name.presentation === "restricted" ? nameText(name) : shownName;
  const withName = (n: SipNumber, d: string | undefined): SipIdentity => ({ number: n, ...(d !== undefined && d.length > 0 ? { displayName: d } : {}) });
  if (!number && !isRestricted) {
    return { from: { kind: "gateway", ...(shownName !== undefined ? { displayName: shownName } : {}) }, ref: "RFC 4497 §9.1.2.1" };
  }
  if (!number) {
    return { from: { kind: "anonymous" }, ...(policy.assertIdentity ? { privacy: "id" as const } : {}), ref: "RFC 4497 §9.1.2.2" };
  }
  if (isRestricted) {
    if (policy.assertIdentity && policy.trustedNextHop) {
      return { from: { kind: "anonymous" }, pAssertedIdentity: withName(number, protectedName), privacy: "id", ref: "RFC 4497 §9.1.2.3" };
    }
    return { from: { kind: "anonymous" }, ...(policy.assertIdentity ? { privacy: "id" as const } : {}), ref: "RFC 4497 §9.1.2.3 (as §9.1.2.2)" };
  }
  const id = withName(number, shownName);
  return { from: { kind: "caller", identity: id }, ...(policy.assertIdentity ? { pAssertedIdentity: id } : {}), ref: "RFC 4497 §9.1.2.4" };
}

export interface ConnectedToSip {
  readonly pAssertedIdentity?: SipIdentity;
  readonly privacy?: "id";
  readonly ref: string;
}

/**
 * RFC 4497 §9.1.3: P-Asserted-Identity and Privacy of the 200 (OK) from the
 * CONNECT's Connected number, with the QSIG connected name as display-name.
 */
export function connectedToSip(connected: CallingPartyNumber | undefined, name: QsigName | undefined, policy: IdentityPolicy): ConnectedToSip {
  const number = connected ? numberToSipUser(connected) : undefined;
  const isRestricted = restricted(connected);
  const shownName = allowedText(name);
  const protectedName = name && name.presentation === "restricted" ? nameText(name) : shownName;
  const withName = (n: SipNumber, d: string | undefined): SipIdentity => ({ number: n, ...(d !== undefined && d.length > 0 ? { displayName: d } : {}) });
  if (!number && !isRestricted) return { ref: "RFC 4497 §9.1.3.1" };
  if (!number) return { ...(policy.assertIdentity ? { privacy: "id" as const } : {}), ref: "RFC 4497 §9.1.3.2" };
  if (isRestricted) {
    if (policy.assertIdentity && policy.trustedNextHop) return { pAssertedIdentity: withName(number, protectedName), privacy: "id", ref: "RFC 4497 §9.1.3.3" };
    return { ...(policy.assertIdentity ? { privacy: "id" as const } : {}), ref: "RFC 4497 §9.1.3.3 (as §9.1.3.2)" };
  }
  return { ...(policy.assertIdentity ? { pAssertedIdentity: withName(number, shownName) } : {}), ref: "RFC 4497 §9.1.3.4" };
}

// ------------------------------------------------------------------ SIP -> QSIG identity

/** The identity headers of a SIP request or response, as plain values. */
export interface SipIdentityFields {
  /** The user part of the P-Asserted-Identity URI (the tel or sip one), when the header is present. */
  readonly pAssertedIdentityUser?: string;
  readonly pAssertedIdentityDisplayName?: string;
  /** The user part of the From URI; undefined for a From that has none. */
  readonly fromUser?: string;
  readonly fromDisplayName?: string;
  /** The From is anonymous (RFC 3323 §4.1.1.3: anonymous@anonymous.invalid, or display-name "Anonymous"). */
  readonly fromAnonymous?: boolean;
  /** priv-values of the Privacy header, lower case (RFC 3323 §4.2). */
  readonly privacy: readonly string[];
}

export interface SipToQsigPolicy extends IdentityPolicy {
  /** Use an unsigned From to derive the calling number (RFC 4497 §9.2: SHOULD NOT by default). */
  readonly useFrom: boolean;
  readonly local: LocalNumbering;
}

export interface NumberToQsig {
  /** The element to send; undefined when RFC 4497 lets it be omitted (no number, not available due to interworking). */
  readonly number?: CallingPartyNumber;
  /** The QSIG name for a Facility element, when the display-name comes with a number we may show. */
  readonly displayName?: string;
  readonly namePresentation: "allowed" | "restricted";
  readonly ref: string;
}

/**
 * RFC 4497 §9.2.2 (calling, from an INVITE) and §9.2.3 (connected, from a
 * 2xx): the number from a trusted P-Asserted-Identity with screening "network
 * provided", else (calling only, when configured) from the From with "user
 * provided, not screened"; presentation restricted for Privacy "id" or an
 * anonymous From (calling), allowed with a number, "not available due to
 * interworking" without one, in which case the element may be omitted.
 */
export function identityToQsig(fields: SipIdentityFields, policy: SipToQsigPolicy, what: "calling" | "connected"): NumberToQsig {
  const ref = what === "calling" ? "RFC 4497 §9.2.2" : "RFC 4497 §9.2.3";
  let digits: CalledPartyNumber | undefined;
  let screening: number = SCREENING.networkProvided;
  let displayName: string | undefined;
  if (policy.assertIdentity && policy.trustedNextHop && fields.pAssertedIdentityUser !== undefined) {
    digits = sipUserToNumber(fields.pAssertedIdentityUser, policy.local);
    displayName = fields.pAssertedIdentityDisplayName;
  }
  if (!digits && what === "calling" && policy.useFrom && !fields.fromAnonymous && fields.fromUser !== undefined) {
    digits = sipUserToNumber(fields.fromUser, policy.local);
    screening = SCREENING.userProvidedNotScreened;
    displayName = fields.fromDisplayName;
  }
  const privacyId = policy.assertIdentity && fields.privacy.includes("id");
  const isRestricted = privacyId || (what === "calling" && fields.fromAnonymous === true);
  const namePresentation = isRestricted ? "restricted" : "allowed";
  const name = displayName !== undefined && displayName.trim().length > 0 && !/^anonymous$/i.test(displayName.trim()) ? displayName : undefined;
  if (!digits) {
    if (!isRestricted) return { namePresentation, ref: `${ref} (no number: not available due to interworking, element omitted)` };
    return { number: { typeOfNumber: TON.unknown, numberingPlan: NPI.unknown, presentation: PRESENTATION.restricted, screening: SCREENING.networkProvided, digits: "" }, namePresentation, ref };
  }
  return {
    number: { ...digits, presentation: isRestricted ? PRESENTATION.restricted : PRESENTATION.allowed, screening },
    ...(name !== undefined ? { displayName: name } : {}),
    namePresentation,
    ref,
  };
}
