/**
 * The message-level mapping the ISUP <-> SIP calls use (RFC 3398 §7 for calls
 * from SIP, §8 for calls from ISUP): the SIP fields an IAM gives, the IAM an
 * INVITE gives, and the backward messages both ways. Implemented over the
 * pure functions of src/interworking/isup-sip (isup-sip-mapping.ts); the calls
 * only see this interface.
 */
import type { IsupMessage, IsupVariant } from "../../ss7/isup/codec/index.js";
import type { SipMessage } from "../../sip/syntax/message.js";
import type { HeaderInit } from "../../sip/transaction/messages.js";

/** What a trunk decides about the mapping. */
export interface MappingContext {
  /** E.164 country code of our network (national numbers <-> +CC...). */
  readonly countryCode: string;
  /** RFC 3325 trust: P-Asserted-Identity sent to, and believed from, this SIP trunk. */
  readonly trusted: boolean;
  /** Host written in From when there is no calling number. */
  readonly localHost: string;
  readonly variant: IsupVariant;
  /** The media path has an echo canceller (Q.763 §3.35 c), §3.5 j)). */
  readonly echoControl: boolean;
}

export type InviteFieldsResult =
  | {
      readonly ok: true;
      readonly requestUri: string;
      /** To header value (name-addr, no tag). */
      readonly to: string;
      /** From header value (name-addr, no tag). */
      readonly from: string;
      /** P-Asserted-Identity, Privacy. */
      readonly headers: readonly HeaderInit[];
    }
  /** `cause`: the Q.850 cause of the REL (28 invalid number format). */
  | { readonly ok: false; readonly cause: number; readonly reason: string };

export type IamResult = { readonly ok: true; readonly iam: IsupMessage } | { readonly ok: false; readonly status: number; readonly reason: string };

export interface ProvisionalFields {
  readonly status: 180 | 181 | 183;
  /** In-band information is (or will be) available: send the SDP answer for early media. */
  readonly inband: boolean;
}

export interface IsupSipMapping {
  /** RFC 3398 §8.2.1.1: IAM -> Request-URI, To, From, P-Asserted-Identity, Privacy; `called` is the routed number. */
  inviteFields(iam: IsupMessage, called: string, ctx: MappingContext, peer: { readonly host: string; readonly port: number }): InviteFieldsResult;
  /**
   * RFC 3398 §7.2.1.1: INVITE -> IAM, on `base` (an encapsulated IAM, RFC 3372)
   * when one came, the SIP headers overwriting it; `called` is the routed number.
   */
  iam(invite: SipMessage, called: string, base: IsupMessage | undefined, ctx: MappingContext): IamResult;
  /** RFC 3398 §7.2.5, §7.2.6, §7.2.9: ACM or CPG -> 18x; undefined when it maps to none. */
  provisional(m: IsupMessage): ProvisionalFields | undefined;
  /** RFC 3398 §8.2.3: a 18x -> ACM and/or CPG (none for 100 and 199). */
  backward(status: number, withMedia: boolean, acmSent: boolean, ctx: MappingContext): readonly IsupMessage[];
  /** RFC 3398 §8.2.4: the 2xx -> ANM, or CON when no ACM was sent. */
  answer(acmSent: boolean, ctx: MappingContext): IsupMessage;
}
