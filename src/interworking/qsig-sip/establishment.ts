/**
 * Call establishment between QSIG and SIP, RFC 4497 §8.2 (QSIG -> SIP) and
 * §8.3 (SIP -> QSIG), with the number mapping of §9 and the basic service of
 * §10:
 *  - SETUP -> INVITE fields (§8.2.1.1, §8.2.2.1, §9.1.1, §9.1.2, §10.2);
 *    INFORMATION digits concatenated (§8.2.2.1.2);
 *  - INVITE -> SETUP elements (§8.3.1, §9.2.1, §9.2.2, §10.1 Table 3);
 *  - SIP 18x -> ALERTING / PROGRESS (§8.2.1.3); ALERTING / PROGRESS -> 180 /
 *    183, with progress descriptions 1 and 8 deciding early media (§8.3.3,
 *    §8.3.4, §8.3.5);
 *  - 200 (OK) -> CONNECT with the connected number (§8.2.1.4, §9.2.3);
 *    CONNECT -> 200 (OK) with P-Asserted-Identity (§8.3.6, §9.1.3).
 *
 * Pure functions over decoded Q.931 messages and plain SIP field objects;
 * sessions, transactions and SDP are the caller's.
 */
import type { BearerCapability, CalledPartyNumber, CallingPartyNumber } from "../../isdn/q931/codec/information-elements.js";
import { findIe, hasSingleIe, ie, SENDING_COMPLETE } from "../../isdn/q931/codec/q931-codec.js";
import type { Q931Ie, Q931Message } from "../../isdn/q931/codec/q931-codec.js";
import type { CallerToSip, ConnectedToSip, IdentityPolicy, LocalNumbering, SipIdentityFields, SipNumber, SipToQsigPolicy } from "./identity.js";
import { callerToSip, connectedToSip, identityToQsig, nameFacility, numberToSipUser, qsigNameOf, sipUserToNumber } from "./identity.js";

/** Q.850 cause 28, invalid number format (address incomplete). */
const INVALID_NUMBER_FORMAT = 28;
/** Q.850 cause 65, bearer capability not implemented. */
const BEARER_NOT_IMPLEMENTED = 65;

/** Q.931 §4.5.5 information transfer capability values RFC 4497 §10.2 Table 4 maps to audio. */
const AUDIO_CAPABILITIES: ReadonlyMap<number, string> = new Map([
  [0, "speech"],
  [16, "3.1 kHz audio"],
]);

/** G.711 law of the user information layer 1 protocol (Q.931 §4.5.5 octet 5: 2 mu-law, 3 A-law). */
export type G711Law = "ulaw" | "alaw";

export interface InviteFromSetup {
  /** Request-URI and To user part (§9.1.1). */
  readonly called: SipNumber;
  /** The called number as received, for overlap concatenation (§8.2.2.1.2). */
  readonly calledNumber: CalledPartyNumber;
  readonly caller: CallerToSip;
  /** Sending complete received (§8.2.1): en bloc; otherwise the number may need more digits (§8.2.2). */
  readonly sendingComplete: boolean;
  /** SDP media type from the Bearer capability (§10.2 Table 4) and the G.711 law when layer 1 names one. */
  readonly media: { readonly type: "audio"; readonly capability: string; readonly law?: G711Law };
  readonly ref: string;
}

export type SetupToInviteResult =
  | { readonly ok: true; readonly invite: InviteFromSetup }
  /** The SETUP cannot make an INVITE: clear the QSIG call with `cause` (§8.2.1.1). */
  | { readonly ok: false; readonly cause: number; readonly reason: string; readonly ref: string };

function lawOf(bc: BearerCapability): G711Law | undefined {
  if (bc.layer1?.protocol === 2) return "ulaw";
  if (bc.layer1?.protocol === 3) return "alaw";
  return undefined;
}

/**
 * RFC 4497 §8.2.1.1, §9.1, §10.2: the INVITE fields of a QSIG SETUP. A SETUP
 * whose called number gives no Request-URI, or whose bearer is not audio, is
 * refused with the cause to clear it with.
 */
export function setupToInvite(setup: Q931Message, policy: IdentityPolicy): SetupToInviteResult {
  const bc = findIe(setup, "bearerCapability");
  const capability = bc ? AUDIO_CAPABILITIES.get(bc.informationTransferCapability) : undefined;
  if (!bc || capability === undefined) {
    return { ok: false, cause: BEARER_NOT_IMPLEMENTED, reason: `bearer capability ${bc ? bc.informationTransferCapability : "absent"} is not speech or 3.1 kHz audio`, ref: "RFC 4497 §8.2.1.1, §10.2 Table 4" };
  }
  const cpn = findIe(setup, "calledPartyNumber");
  const called = cpn ? numberToSipUser(cpn) : undefined;
  if (!cpn || !called) {
    return { ok: false, cause: INVALID_NUMBER_FORMAT, reason: cpn ? `called number ${JSON.stringify(cpn.digits)} gives no Request-URI` : "no called party number", ref: "RFC 4497 §8.2.1.1, §9.1.1" };
  }
  const law = lawOf(bc);
  return {
    ok: true,
    invite: {
      called,
      calledNumber: cpn,
      caller: callerToSip(findIe(setup, "callingPartyNumber"), qsigNameOf(setup, "callingName"), policy),
      sendingComplete: hasSingleIe(setup, "sendingComplete"),
      media: { type: "audio", capability, ...(law ? { law } : {}) },
      ref: "RFC 4497 §8.2.1.1, §9.1.1, §9.1.2, §10.2",
    },
  };
}

export interface OverlapDigits {
  /** The called number so far: the SETUP's digits and every INFORMATION's, concatenated (§8.2.2.1.2). */
  readonly calledNumber: CalledPartyNumber;
  readonly called: SipNumber | undefined;
  /** Sending complete in this INFORMATION: no more digits follow (§8.2.2.1.2). */
  readonly sendingComplete: boolean;
  readonly ref: string;
}

/** RFC 4497 §8.2.2.1.2, §8.2.2.2.2: add the called digits of an INFORMATION message to the number so far. */
export function addInformationDigits(sofar: CalledPartyNumber, info: Q931Message): OverlapDigits {
  const more = findIe(info, "calledPartyNumber")?.digits ?? "";
  const calledNumber = { ...sofar, digits: sofar.digits + more };
  return { calledNumber, called: numberToSipUser(calledNumber), sendingComplete: hasSingleIe(info, "sendingComplete"), ref: "RFC 4497 §8.2.2.1.2" };
}

// ------------------------------------------------------------------ SIP -> QSIG SETUP

export interface InviteFields extends SipIdentityFields {
  /** The user part of the Request-URI (§9.2.1: never the To header). */
  readonly requestUriUser: string;
  /** The Request-URI's number is known to be complete (§8.3.1: Sending complete MAY be included). */
  readonly complete: boolean;
  /** The law of the PISN's B-channels (§10.1 Table 3). */
  readonly law: G711Law;
}

export type InviteToSetupResult =
  | { readonly ok: true; readonly ies: readonly Q931Ie[]; readonly ref: string }
  /** No SETUP can be made: answer the INVITE with `status` (§8.3.1). */
  | { readonly ok: false; readonly status: number; readonly reason: string; readonly ref: string };

/**
 * RFC 4497 §8.3.1, §9.2.1, §9.2.2, §10.1: the elements of the QSIG SETUP for
 * an INVITE (the Channel identification is added by call control): Bearer
 * capability per Table 3, Called party number from the Request-URI, Calling
 * party number per §9.2.2, the calling name (ECMA-164) from the display-name
 * of the identity used, Sending complete when the number is complete. A
 * Request-URI that gives no number is answered 404 (§8.3.1: a 4xx-6xx).
 */
export function inviteToSetup(f: InviteFields, policy: SipToQsigPolicy): InviteToSetupResult {
  const called = sipUserToNumber(f.requestUriUser, policy.local);
  if (!called) return { ok: false, status: 404, reason: `Request-URI user ${JSON.stringify(f.requestUriUser)} gives no called number`, ref: "RFC 4497 §8.3.1, §9.2.1" };
  const bc: BearerCapability = {
    codingStandard: 0,
    informationTransferCapability: 16,
    transferMode: 0,
    informationTransferRate: 0x10,
    layer1: { protocol: f.law === "ulaw" ? 2 : 3, additional: new Uint8Array(0) },
  };
  const calling = identityToQsig(f, policy, "calling");
  const ies: Q931Ie[] = [];
  if (f.complete) ies.push(SENDING_COMPLETE);
  ies.push(ie("bearerCapability", bc));
  const name = calling.number && calling.displayName !== undefined ? nameFacility("callingName", calling.displayName, calling.namePresentation) : undefined;
  if (name) ies.push(name);
  if (calling.number) ies.push(ie("callingPartyNumber", calling.number));
  ies.push(ie("calledPartyNumber", called));
  return { ok: true, ies, ref: `RFC 4497 §8.3.1, §9.2.1, §10.1 Table 3; ${calling.ref}` };
}

/** RFC 4497 §8.3.9: the digits an overlap INVITE adds to those already sent, or why it is not an overlap continuation. */
export function overlapInviteDigits(previousUser: string, newUser: string, local: LocalNumbering): { readonly ok: true; readonly ies: readonly Q931Ie[] } | { readonly ok: false; readonly status: 485; readonly ref: string } {
  const prev = sipUserToNumber(previousUser, local);
  const next = sipUserToNumber(newUser, local);
  if (!prev || !next || next.digits.length <= prev.digits.length || !next.digits.startsWith(prev.digits)) return { ok: false, status: 485, ref: "RFC 4497 §8.3.9" };
  return { ok: true, ies: [ie("calledPartyNumber", { ...next, digits: next.digits.slice(prev.digits.length) })] };
}

// ------------------------------------------------------------------ provisional responses

/** Q.931 §4.5.23 progress descriptions: 1 call not end-to-end ISDN, 8 in-band information available. */
const PI_NOT_END_TO_END = 1;
const PI_INBAND = 8;

function progressDescriptions(msg: Pick<Q931Message, "ies">): number[] {
  return msg.ies.flatMap((e) => (e.kind === "ie" && e.name === "progressIndicator" ? [e.value.description] : []));
}

export interface ProvisionalFromQsig {
  readonly sipStatus: 180 | 183;
  /**
   * A progress description 1 or 8 was received: the media are to be
   * connected and the 18x must carry SDP (§8.3.3, §8.3.4, §8.3.5).
   */
  readonly earlyMedia: boolean;
  /** RFC 3262: the 18x is sent reliably (Require: 100rel) when the INVITE supported or required 100rel. */
  readonly reliable: boolean;
  /** PROGRESS with a Cause (§8.3.3): the cause for the final response if clearing follows (Table 1). */
  readonly cause?: number;
  readonly ref: string;
}

/**
 * RFC 4497 §8.3.3, §8.3.4, §8.3.5: ALERTING -> 180, PROGRESS -> 183. CALL
 * PROCEEDING and other messages give no SIP message (§8.3.2): undefined.
 */
export function qsigToProvisional(msg: Q931Message, invite100rel: boolean): ProvisionalFromQsig | undefined {
  const pis = progressDescriptions(msg);
  const earlyMedia = pis.includes(PI_NOT_END_TO_END) || pis.includes(PI_INBAND);
  if (msg.messageType === "ALERTING") return { sipStatus: 180, earlyMedia, reliable: invite100rel, ref: "RFC 4497 §8.3.4, §8.3.5" };
  if (msg.messageType === "PROGRESS") {
    const cause = findIe(msg, "cause")?.value;
    return { sipStatus: 183, earlyMedia, reliable: invite100rel, ...(cause !== undefined ? { cause } : {}), ref: "RFC 4497 §8.3.3, §8.3.5" };
  }
  return undefined;
}

/** What QSIG has already been told of the call, for §8.2.1.3. */
export interface BackwardState {
  readonly alertingSent: boolean;
  /** A message with progress description 1 was sent. */
  readonly progress1Sent: boolean;
}

export type QsigFromProvisional =
  | { readonly message: "ALERTING" | "PROGRESS"; readonly ies: readonly Q931Ie[]; readonly ref: string }
  | { readonly message: undefined; readonly ref: string };

/**
 * RFC 4497 §8.2.1.3: a SIP 18x to the INVITE -> ALERTING (180, none sent yet;
 * progress description 8 only when in-band information is sent, e.g. the
 * gateway's own ring-back tone or early media from SIP) or PROGRESS with
 * progress description 1 (181/182/183 before ALERTING and without an earlier
 * description 1); nothing otherwise. `location` is our Q.850 location.
 */
export function provisionalToQsig(status: number, state: BackwardState, inband: boolean, location: number): QsigFromProvisional {
  const pi = (description: number): Q931Ie => ie("progressIndicator", { codingStandard: 0, location, description });
  if (status === 180 && !state.alertingSent) return { message: "ALERTING", ies: inband ? [pi(PI_INBAND)] : [], ref: "RFC 4497 §8.2.1.3" };
  if ((status === 181 || status === 182 || status === 183) && !state.alertingSent && !state.progress1Sent) {
    return { message: "PROGRESS", ies: [pi(PI_NOT_END_TO_END)], ref: "RFC 4497 §8.2.1.3" };
  }
  return { message: undefined, ref: "RFC 4497 §8.2.1.3 (no QSIG message)" };
}

// ------------------------------------------------------------------ answer

/** RFC 4497 §8.3.6, §9.1.3: the identity headers of the 200 (OK) for a QSIG CONNECT. */
export function connectToOk(connect: Q931Message, policy: IdentityPolicy): ConnectedToSip {
  return connectedToSip(findIe(connect, "connectedNumber"), qsigNameOf(connect, "connectedName"), policy);
}

/**
 * RFC 4497 §8.2.1.4, §9.2.3: the elements of the QSIG CONNECT for the first
 * 2xx: the Connected number from a trusted P-Asserted-Identity (screening
 * network provided), restricted by Privacy "id", and the connected name
 * (ECMA-164) from its display-name; without a number the element is omitted.
 */
export function okToConnect(f: SipIdentityFields, policy: SipToQsigPolicy): { readonly ies: readonly Q931Ie[]; readonly ref: string } {
  const c = identityToQsig(f, policy, "connected");
  const ies: Q931Ie[] = [];
  const name = c.number && c.displayName !== undefined ? nameFacility("connectedName", c.displayName, c.namePresentation) : undefined;
  if (name) ies.push(name);
  if (c.number) ies.push(ie("connectedNumber", c.number as CallingPartyNumber));
  return { ies, ref: `RFC 4497 §8.2.1.4; ${c.ref}` };
}
