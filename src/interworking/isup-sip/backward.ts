/**
 * Backward call progress between ISUP and SIP:
 *  - ACM / CPG received -> SIP provisional response: RFC 3398 §7.2.5 (early
 *    ACM), §7.2.6 (ACM, in-band information and interworking -> early media
 *    and 183), §7.2.9 (CPG event table);
 *  - SIP provisional response -> ACM or CPG: RFC 3398 §8.2.3 (both tables,
 *    in-band indication, the default backward call indicators);
 *  - SIP 2xx -> ANM, or CON when no ACM was sent: RFC 3398 §8.2.4, §13 (ANSI
 *    has no CON).
 * The messages built are decoded IsupMessage objects without CIC (the call
 * layer adds it, or encodes them with `sipt: true` for a SIP-T body). The
 * tables are data in mappings/rfc3398-events.ts; trunk override rows first.
 */
import type { IsupMessage, IsupParameter, IsupVariant } from "../../ss7/isup/codec/index.js";
import { getParameter } from "../../ss7/isup/codec/index.js";
import {
  ACM_TO_SIP,
  ACM_TO_SIP_DEFAULT,
  ANSWER,
  CPG_TO_SIP,
  DEFAULT_BACKWARD_CALL_INDICATORS,
  INBAND_EVENT,
  INBAND_TO_SIP,
  SIP_TO_ISUP_FIRST,
  SIP_TO_ISUP_FIRST_DEFAULT,
  SIP_TO_ISUP_LATER,
  SIP_TO_ISUP_LATER_DEFAULT,
} from "../../../mappings/rfc3398-events.js";
import type { AcmToSipRow, BackwardIsup, CpgToSipRow, SipToIsupProgressRow } from "../../../mappings/rfc3398-events.js";

export interface ProvisionalMapping {
  readonly sipStatus: 180 | 181 | 183;
  /** Backward media (in-band information) is available: answer the offer in the provisional response and cut the backward path through. */
  readonly earlyMedia: boolean;
  readonly ref: string;
}

export interface ToProvisionalOverrides {
  readonly acm?: readonly AcmToSipRow[];
  readonly cpg?: readonly CpgToSipRow[];
}

function inbandAvailable(m: IsupMessage): boolean {
  return getParameter(m, "optionalBackwardCallIndicators")?.inBandInformationIndicator === 1;
}

/**
 * RFC 3398 §7.2.5, §7.2.6, §7.2.9: the SIP provisional response for an ACM
 * or CPG received; undefined for other messages and for CPG events the RFC
 * does not list.
 */
export function backwardToProvisional(m: IsupMessage, overrides: ToProvisionalOverrides = {}): ProvisionalMapping | undefined {
  if (m.messageType === "ACM") {
    const bci = getParameter(m, "backwardCallIndicators");
    // §7.2.6: in-band information, or interworking encountered (the far network may only tell its state in-band).
    if (inbandAvailable(m) || bci?.interworkingIndicator === 1) return { sipStatus: INBAND_TO_SIP.sipStatus, earlyMedia: true, ref: INBAND_TO_SIP.ref };
    const status = bci?.calledPartysStatusIndicator;
    const row = status === undefined ? undefined : [...(overrides.acm ?? []), ...ACM_TO_SIP].find((r) => r.calledPartysStatus === status);
    if (row) return { sipStatus: row.sipStatus, earlyMedia: false, ref: row.ref };
    return { sipStatus: ACM_TO_SIP_DEFAULT.sipStatus, earlyMedia: false, ref: ACM_TO_SIP_DEFAULT.ref };
  }
  if (m.messageType === "CPG") {
    const event = getParameter(m, "eventInformation")?.eventIndicator ?? null;
    const row = [...(overrides.cpg ?? []), ...CPG_TO_SIP].find((r) => r.event === event);
    // Events RFC 3398 §7.2.9 does not list give no response (CPG_TO_SIP_DEFAULT).
    if (row === undefined) return undefined;
    // §7.2.6 / §7.2.9: in-band information indicated beside another event: early media and 183.
    if (!row.inband && inbandAvailable(m)) return { sipStatus: INBAND_TO_SIP.sipStatus, earlyMedia: true, ref: `${row.ref}; ${INBAND_TO_SIP.ref}` };
    return { sipStatus: row.sipStatus, earlyMedia: row.inband, ref: row.ref };
  }
  return undefined;
}

export interface BackwardOptions {
  readonly variant: IsupVariant;
  /** An ACM (or CON) was already sent on this call. */
  readonly acmSent: boolean;
  /** Backward media from the SIP side is being played to the caller (RFC 3398 §8.2.3: indicate in-band information). */
  readonly inband: boolean;
  /** Q.763 §3.5 j) echo control device indicator ("it depends on the call", RFC 3398 §8.2.3). */
  readonly echoControlDevice: 0 | 1;
  /** Signal "interworking encountered" and "ISUP not used all the way" (RFC 3398 §8.2.3 configurable option). */
  readonly interworkingEncountered?: boolean;
  readonly firstOverrides?: readonly SipToIsupProgressRow[];
  readonly laterOverrides?: readonly SipToIsupProgressRow[];
}

export interface BackwardResult {
  /** Messages to send in order (empty: none); no CIC. */
  readonly messages: readonly IsupMessage[];
  /** Whether an ACM has been sent once these are. */
  readonly acmSent: boolean;
  readonly ref: string;
}

/** RFC 3398 §8.2.3: backward call indicators of an ACM/CON made without an encapsulated one (Q.763 §3.5). */
export function defaultBackwardCallIndicators(calledPartysStatus: number, opts: Pick<BackwardOptions, "echoControlDevice" | "interworkingEncountered">): IsupParameter {
  const d = DEFAULT_BACKWARD_CALL_INDICATORS;
  const iw = opts.interworkingEncountered === true;
  return {
    name: "backwardCallIndicators",
    value: {
      chargeIndicator: d.chargeIndicator,
      calledPartysStatusIndicator: calledPartysStatus,
      calledPartysCategoryIndicator: d.calledPartysCategoryIndicator,
      endToEndMethodIndicator: d.endToEndMethodIndicator,
      interworkingIndicator: iw ? 1 : d.interworkingIndicator,
      endToEndInformationIndicator: d.endToEndInformationIndicator,
      isdnUserPartIndicator: iw ? 0 : d.isdnUserPartIndicator,
      holdingIndicator: d.holdingIndicator,
      isdnAccessIndicator: d.isdnAccessIndicator,
      echoControlDeviceIndicator: opts.echoControlDevice,
      sccpMethodIndicator: d.sccpMethodIndicator,
    },
  };
}

/** Q.763 §3.37 a): optional backward call indicators saying in-band information is available. */
function inbandIndicators(): IsupParameter {
  return { name: "optionalBackwardCallIndicators", value: { inBandInformationIndicator: 1, callDiversionMayOccurIndicator: 0, simpleSegmentationIndicator: 0, mlppUserIndicator: 0 } };
}

function acm(status: number, inband: boolean, opts: BackwardOptions): IsupMessage {
  return { messageType: "ACM", parameters: [defaultBackwardCallIndicators(status, opts), ...(inband ? [inbandIndicators()] : [])] };
}

function cpg(event: number, extra: readonly IsupParameter[]): IsupMessage {
  return { messageType: "CPG", parameters: [{ name: "eventInformation", value: { eventIndicator: event, eventPresentationRestrictedIndicator: 0 } }, ...extra] };
}

function progressRow(status: number, opts: BackwardOptions): { isup: BackwardIsup; ref: string } {
  const [overrides, table, dflt] = opts.acmSent
    ? [opts.laterOverrides ?? [], SIP_TO_ISUP_LATER, SIP_TO_ISUP_LATER_DEFAULT]
    : [opts.firstOverrides ?? [], SIP_TO_ISUP_FIRST, SIP_TO_ISUP_FIRST_DEFAULT];
  return [...overrides, ...table].find((r) => r.sipStatus === status) ?? dflt;
}

/**
 * RFC 3398 §8.2.3: the ISUP messages for a SIP provisional response (1xx):
 * first 18x -> ACM (180: subscriber free; others: no indication; 181: early
 * ACM and CPG event 6), later ones -> CPG (alerting, progress, forwarding);
 * with backward media playing, in-band information is indicated (optional
 * backward call indicators in an ACM, event 3 instead of progress in a CPG).
 * 100 and 199 give nothing.
 */
export function provisionalToBackward(status: number, opts: BackwardOptions): BackwardResult {
  const row = progressRow(status, opts);
  const isup = row.isup;
  switch (isup.message) {
    case null:
      return { messages: [], acmSent: opts.acmSent, ref: row.ref };
    case "ACM":
      return { messages: [acm(isup.calledPartysStatus, opts.inband, opts)], acmSent: true, ref: opts.inband ? `${row.ref}; ${INBAND_EVENT.ref}` : row.ref };
    case "ACM+CPG":
      return { messages: [acm(0, opts.inband, opts), cpg(isup.event, [])], acmSent: true, ref: row.ref };
    case "CPG": {
      if (!opts.inband) return { messages: [cpg(isup.event, [])], acmSent: true, ref: row.ref };
      // Progress becomes "in-band information available"; alerting and forwarding keep their event with the indicator beside it.
      const ref = `${row.ref}; ${INBAND_EVENT.ref}`;
      if (isup.event === 2) return { messages: [cpg(INBAND_EVENT.event, [])], acmSent: true, ref };
      return { messages: [cpg(isup.event, [inbandIndicators()])], acmSent: true, ref };
    }
  }
}

/**
 * RFC 3398 §8.2.4: the answer for a 2xx to the INVITE: ANM after an ACM,
 * CON before any (ITU; RFC 3398 §13: ANSI sends ANM).
 */
export function answerMessage(opts: Pick<BackwardOptions, "variant" | "acmSent" | "echoControlDevice" | "interworkingEncountered">): { readonly message: IsupMessage; readonly ref: string } {
  if (opts.acmSent) return { message: { messageType: ANSWER.afterAcm.message, parameters: [] }, ref: ANSWER.afterAcm.ref };
  if (opts.variant === "ansi") return { message: { messageType: ANSWER.ansiWithoutAcm.message, parameters: [] }, ref: ANSWER.ansiWithoutAcm.ref };
  // The CON carries the backward call indicators an ACM would have (RFC 3398 §8.2.3 defaults), the party answered: subscriber free.
  return { message: { messageType: ANSWER.withoutAcm.message, parameters: [defaultBackwardCallIndicators(1, opts)] }, ref: ANSWER.withoutAcm.ref };
}
