/**
 * Backward call progress mappings between ISUP and SIP, as data. Each row
 * carries its clause.
 *
 * - ACM_TO_SIP: RFC 3398 §7.2.5 (early ACM) and §7.2.6 (ACM): the called
 *   party's status indicator of the backward call indicators (Q.763 §3.5 b))
 *   -> SIP provisional response.
 * - CPG_TO_SIP: RFC 3398 §7.2.9: the event indicator of the event information
 *   (Q.763 §3.21) -> SIP provisional response.
 * - SIP_TO_ISUP_FIRST / SIP_TO_ISUP_LATER: RFC 3398 §8.2.3: a 18x before /
 *   after an ACM was sent -> ACM (with the called party's status) or CPG
 *   (with its event).
 * - ANSWER: RFC 3398 §8.2.4 and §13: a 2xx -> ANM, or CON when no ACM was sent
 *   (ITU only; ANSI never sends CON).
 */

export interface AcmToSipRow {
  /** Called party's status indicator, Q.763 §3.5 b). */
  readonly calledPartysStatus: number;
  readonly sipStatus: 180 | 181 | 183;
  readonly ref: string;
  readonly note?: string;
}

export const ACM_TO_SIP: readonly AcmToSipRow[] = [
  { calledPartysStatus: 1, sipStatus: 180, ref: "RFC 3398 §7.2.6", note: "subscriber free: 180 Ringing" },
  { calledPartysStatus: 0, sipStatus: 183, ref: "RFC 3398 §7.2.5", note: "no indication: an early ACM, 183 Session Progress" },
  { calledPartysStatus: 2, sipStatus: 183, ref: "RFC 3398 §7.2.5; Q.763 §3.5 b)", note: "connect when free (national use): not alerting yet" },
];

/** An ACM with a spare status: progress without alerting. */
export const ACM_TO_SIP_DEFAULT = { sipStatus: 183 as const, ref: "RFC 3398 §7.2.5 (default)" };

/**
 * RFC 3398 §7.2.6: in-band information (optional backward call indicators,
 * Q.763 §3.37 a)) or interworking encountered (backward call indicators,
 * Q.763 §3.5 e)): backward media, then 183 Session Progress.
 */
export const INBAND_TO_SIP = { sipStatus: 183 as const, ref: "RFC 3398 §7.2.6" };

export interface CpgToSipRow {
  /** Event indicator, Q.763 §3.21 a); null: no event information. */
  readonly event: number | null;
  readonly sipStatus: 180 | 181 | 183;
  /** The event says in-band information is available: cut the backward media path through. */
  readonly inband: boolean;
  readonly ref: string;
  readonly note?: string;
}

const R729 = "RFC 3398 §7.2.9";

export const CPG_TO_SIP: readonly CpgToSipRow[] = [
  { event: 1, sipStatus: 180, inband: false, ref: R729, note: "alerting" },
  { event: 2, sipStatus: 183, inband: false, ref: R729, note: "progress" },
  { event: 3, sipStatus: 183, inband: true, ref: R729, note: "in-band information or an appropriate pattern is now available" },
  { event: 4, sipStatus: 181, inband: false, ref: R729, note: "call forwarded on busy (national use)" },
  { event: 5, sipStatus: 181, inband: false, ref: R729, note: "call forwarded on no reply (national use)" },
  { event: 6, sipStatus: 181, inband: false, ref: R729, note: "call forwarded unconditional (national use)" },
  { event: null, sipStatus: 183, inband: false, ref: R729, note: "no event code present" },
];

/** Spare event values (Q.763 §3.21 a)) are not in RFC 3398 §7.2.9: no SIP response. */
export const CPG_TO_SIP_DEFAULT = { sipStatus: null, ref: `${R729} (default: event not listed, no response)` } as const;

/** What a provisional response becomes. */
export type BackwardIsup =
  /** ACM with this called party's status indicator (Q.763 §3.5 b)). */
  | { readonly message: "ACM"; readonly calledPartysStatus: number }
  /** Early ACM (status 0) followed by a CPG with this event. */
  | { readonly message: "ACM+CPG"; readonly event: number }
  /** CPG with this event indicator (Q.763 §3.21 a)). */
  | { readonly message: "CPG"; readonly event: number }
  /** Nothing is sent. */
  | { readonly message: null };

export interface SipToIsupProgressRow {
  readonly sipStatus: number;
  readonly isup: BackwardIsup;
  readonly ref: string;
  readonly note?: string;
}

const R823 = "RFC 3398 §8.2.3";

/** No ACM sent yet (RFC 3398 §8.2.3 first table). */
export const SIP_TO_ISUP_FIRST: readonly SipToIsupProgressRow[] = [
  { sipStatus: 100, isup: { message: null }, ref: "RFC 3398 §8.2.2", note: "100 triggers no PSTN message" },
  { sipStatus: 180, isup: { message: "ACM", calledPartysStatus: 1 }, ref: R823, note: "ACM, BCI subscriber free" },
  { sipStatus: 181, isup: { message: "ACM+CPG", event: 6 }, ref: R823, note: "early ACM and CPG, event 6 (forwarding)" },
  { sipStatus: 182, isup: { message: "ACM", calledPartysStatus: 0 }, ref: R823, note: "ACM, BCI no indication" },
  { sipStatus: 183, isup: { message: "ACM", calledPartysStatus: 0 }, ref: R823, note: "ACM, BCI no indication" },
  { sipStatus: 199, isup: { message: null }, ref: "RFC 6228", note: "199 Early Dialog Terminated reports a forked early dialog ending, not call progress" },
];

/** RFC 3398 §8.1.1 step 4: any other provisional response of 180 or above gives an ACM with "no indication". */
export const SIP_TO_ISUP_FIRST_DEFAULT = { isup: { message: "ACM", calledPartysStatus: 0 } as BackwardIsup, ref: "RFC 3398 §8.1.1 (default)" } as const;

/** ACM already sent (RFC 3398 §8.2.3 second table). */
export const SIP_TO_ISUP_LATER: readonly SipToIsupProgressRow[] = [
  { sipStatus: 100, isup: { message: null }, ref: "RFC 3398 §8.2.2" },
  { sipStatus: 180, isup: { message: "CPG", event: 1 }, ref: R823, note: "alerting" },
  { sipStatus: 181, isup: { message: "CPG", event: 6 }, ref: R823, note: "forwarding" },
  { sipStatus: 182, isup: { message: "CPG", event: 2 }, ref: R823, note: "progress" },
  { sipStatus: 183, isup: { message: "CPG", event: 2 }, ref: R823, note: "progress" },
  { sipStatus: 199, isup: { message: null }, ref: "RFC 6228" },
];

export const SIP_TO_ISUP_LATER_DEFAULT = { isup: { message: "CPG", event: 2 } as BackwardIsup, ref: `${R823} (default)` } as const;

/**
 * RFC 3398 §8.2.3: a 183 while backward media plays says in-band information
 * is available: the optional backward call indicators of the ACM, or event 3
 * of the CPG (Q.763 §3.21 a)).
 */
export const INBAND_EVENT = { event: 3, ref: R823 } as const;

/** RFC 3398 §8.2.4, §13: the answer message. */
export const ANSWER = {
  afterAcm: { message: "ANM", ref: "RFC 3398 §8.2.4" },
  withoutAcm: { message: "CON", ref: "RFC 3398 §8.2.4" },
  ansiWithoutAcm: { message: "ANM", ref: "RFC 3398 §13 (ANSI: CON MUST NOT be sent)" },
} as const;

/**
 * RFC 3398 §8.2.3: the backward call indicators of an ACM made without an
 * encapsulated one (Q.763 §3.5). The called party's status and the echo
 * control device indicator are set per call.
 */
export const DEFAULT_BACKWARD_CALL_INDICATORS = {
  chargeIndicator: 2,
  calledPartysCategoryIndicator: 1,
  endToEndMethodIndicator: 0,
  interworkingIndicator: 0,
  endToEndInformationIndicator: 0,
  isdnUserPartIndicator: 1,
  holdingIndicator: 0,
  isdnAccessIndicator: 0,
  sccpMethodIndicator: 0,
  ref: "RFC 3398 §8.2.3",
} as const;
