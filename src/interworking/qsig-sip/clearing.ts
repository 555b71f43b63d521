/**
 * Call clearing between QSIG and SIP, RFC 4497 §8.4:
 *  - the first QSIG clearing message (DISCONNECT, RELEASE, RELEASE COMPLETE)
 *    -> BYE, CANCEL, a final response by Table 1, or nothing yet, by the
 *    state of the SIP side (§8.4.1 cases 1-5);
 *  - BYE (§8.4.2), CANCEL (§8.4.3) and a 4xx-6xx final response (§8.4.4,
 *    Table 2) -> the cause and location of the QSIG DISCONNECT;
 *  - clearing the gateway starts itself (§8.4.5).
 */
import type { QsigToSipRow, SipToQsigRow } from "../../../mappings/rfc4497-causes.js";
import { GATEWAY_CLEARING, SIP_CLEARING_CAUSE } from "../../../mappings/rfc4497-causes.js";
import { findIe } from "../../isdn/q931/codec/q931-codec.js";
import type { Q931Message } from "../../isdn/q931/codec/q931-codec.js";
import type { SipStatusContext } from "./causes.js";
import { qsigCauseToSip, sipStatusToQsig } from "./causes.js";

/** Q.850 cause 31, normal unspecified: a clearing message without a Cause is taken as that (Q.931 §5.8.6.1). */
const NORMAL_UNSPECIFIED = 31;

/** Where the SIP side of the call is, as §8.4.1 distinguishes it. */
export type SipLegState =
  /** We sent 200 and received ACK, or received 200 and sent ACK (case 1). */
  | "confirmed"
  /** We sent 200 (OK) and await the ACK (case 2). */
  | "awaiting-ack"
  /** We sent INVITE and received a provisional response, no final (case 3). */
  | "invite-sent-provisional"
  /** We sent INVITE and received nothing yet (case 4). */
  | "invite-sent-no-response"
  /** We received INVITE and sent no final response (case 5). */
  | "invite-received";

export type SipClearingAction =
  | { readonly action: "bye"; readonly ref: string }
  /** Send BYE once the ACK arrives (case 2). */
  | { readonly action: "bye-after-ack"; readonly ref: string }
  | { readonly action: "cancel"; readonly ref: string }
  /** Nothing now; act as cases 1-3 when a response arrives (case 4). */
  | { readonly action: "await-response"; readonly ref: string }
  | { readonly action: "final-response"; readonly sipStatus: number; readonly ref: string; readonly isDefault: boolean };

/**
 * RFC 4497 §8.4.1: what the SIP side does on the first QSIG clearing message
 * of the call. The final response of case 5 comes from the message's cause
 * (Table 1; 500 by default and for a message without a Cause).
 */
export function qsigClearingToSip(msg: Q931Message, leg: SipLegState, overrides: readonly QsigToSipRow[] = []): SipClearingAction {
  switch (leg) {
    case "confirmed":
      return { action: "bye", ref: "RFC 4497 §8.4.1 1)" };
    case "awaiting-ack":
      return { action: "bye-after-ack", ref: "RFC 4497 §8.4.1 2)" };
    case "invite-sent-provisional":
      return { action: "cancel", ref: "RFC 4497 §8.4.1 3)" };
    case "invite-sent-no-response":
      return { action: "await-response", ref: "RFC 4497 §8.4.1 4)" };
    case "invite-received": {
      const cause = findIe(msg, "cause");
      if (!cause) return { action: "final-response", sipStatus: 500, ref: "RFC 4497 §8.4.1 5) (no cause: default)", isDefault: true };
      const r = qsigCauseToSip(cause.value, { location: cause.location }, overrides);
      return { action: "final-response", sipStatus: r.sipStatus, ref: `RFC 4497 §8.4.1 5); ${r.ref}`, isDefault: r.isDefault };
    }
  }
}

export interface QsigDisconnect {
  /** Q.850 cause of the DISCONNECT; null when no DISCONNECT is to be sent (487, Table 2 NOTE 7). */
  readonly cause: number | null;
  /** Q.850 location of the Cause; undefined: our own location. */
  readonly location?: number;
  readonly ref: string;
}

/** RFC 4497 §8.4.2 (BYE), §8.4.3 (CANCEL before our final response): DISCONNECT with cause 16. */
export function sipRequestClearingToQsig(method: "BYE" | "CANCEL"): QsigDisconnect {
  return { cause: SIP_CLEARING_CAUSE.qsigCause, ref: method === "BYE" ? "RFC 4497 §8.4.2" : "RFC 4497 §8.4.3" };
}

/**
 * RFC 4497 §8.4.4: DISCONNECT for a 4xx-6xx final response to our INVITE,
 * cause by Table 2 (31 by default), location user for 6xx and private network
 * serving the remote user otherwise.
 */
export function sipFinalToQsig(status: number, ctx: SipStatusContext = {}, overrides: readonly SipToQsigRow[] = []): QsigDisconnect {
  if (status < 400 || status > 699) throw new RangeError(`SIP status ${status} is not a 4xx-6xx final response`);
  const r = sipStatusToQsig(status, ctx, overrides);
  return { cause: r.qsigCause, location: r.location, ref: r.ref };
}

/** Why the gateway itself clears (RFC 4497 §8.4.5). */
export type GatewayFailure = "qsig-t301" | "qsig-timer" | "qsig-error" | "qsig-restart" | "sip-timer" | "sip-error";

/**
 * RFC 4497 §8.4.5: the final response for the SIP side when QSIG failed
 * (480 after T301, 408 after another timer, 500 after a protocol error or
 * RESTART), or the cause for the QSIG side when SIP failed (102 after a SIP
 * timer, 41 after a protocol error).
 */
export function gatewayClearing(why: GatewayFailure): { readonly sipStatus: number; readonly ref: string } | { readonly qsigCause: number; readonly ref: string } {
  switch (why) {
    case "qsig-t301":
      return GATEWAY_CLEARING.afterT301;
    case "qsig-timer":
      return GATEWAY_CLEARING.qsigTimer;
    case "qsig-error":
    case "qsig-restart":
      return GATEWAY_CLEARING.qsigFailure;
    case "sip-timer":
      return GATEWAY_CLEARING.sipTimer;
    case "sip-error":
      return GATEWAY_CLEARING.sipFailure;
  }
}

/** The cause a received QSIG clearing message carries, 31 when it has none (Q.931 §5.8.6.1 treats that as 31). */
export function clearingCause(msg: Q931Message): number {
  return findIe(msg, "cause")?.value ?? NORMAL_UNSPECIFIED;
}
