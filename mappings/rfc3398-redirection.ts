/**
 * Redirection reasons between ISUP and SIP, as data. Each row carries its
 * clause.
 *
 * ISUP: the redirecting reason and original redirection reason of the
 * redirection information (Q.763 §3.45 c), e)). SIP: the Diversion header's
 * diversion-reason (RFC 5806) and the "cause" URI parameter of History-Info
 * entries (RFC 7044, with the cause values of RFC 4458 §2, which are
 * named after the Q.732 redirecting reasons; 3GPP TS 29.163 §7.4 uses the
 * same correspondence).
 */

export interface RedirectionReasonRow {
  /** Redirecting reason, Q.763 §3.45 e). */
  readonly redirectingReason: number;
  /** RFC 5806 diversion-reason. */
  readonly diversionReason: string;
  /** RFC 4458 cause value (a SIP status code). */
  readonly historyInfoCause: number;
  readonly ref: string;
  readonly note?: string;
}

const REF = "Q.763 §3.45 e); RFC 5806; RFC 4458 §2";

/** Both directions; SIP -> ISUP takes the first row with the reason or cause. */
export const REDIRECTION_REASONS: readonly RedirectionReasonRow[] = [
  { redirectingReason: 0, diversionReason: "unknown", historyInfoCause: 404, ref: REF, note: "unknown/not available" },
  { redirectingReason: 1, diversionReason: "user-busy", historyInfoCause: 486, ref: REF, note: "user busy" },
  { redirectingReason: 2, diversionReason: "no-answer", historyInfoCause: 408, ref: REF, note: "no reply" },
  { redirectingReason: 3, diversionReason: "unconditional", historyInfoCause: 302, ref: REF, note: "unconditional" },
  { redirectingReason: 4, diversionReason: "deflection", historyInfoCause: 487, ref: REF, note: "deflection during alerting" },
  { redirectingReason: 5, diversionReason: "deflection", historyInfoCause: 480, ref: REF, note: "deflection immediate response" },
  { redirectingReason: 6, diversionReason: "unavailable", historyInfoCause: 503, ref: REF, note: "mobile subscriber not reachable" },
];

/**
 * RFC 4458 §2: a reason with no equivalent maps to "unconditional" both ways
 * (diversion-reasons time-of-day, do-not-disturb, follow-me, out-of-service,
 * away; spare redirecting reasons).
 */
export const REDIRECTION_REASON_DEFAULT = { redirectingReason: 3, diversionReason: "unconditional", historyInfoCause: 302, ref: "RFC 4458 §2 (default: unconditional)" } as const;

/** Q.763 §3.45 c): original redirection reason has only values 0-3; others go as 0 (unknown/not available). */
export const ORIGINAL_REDIRECTION_REASON_MAX = { max: 3, fallback: 0, ref: "Q.763 §3.45 c)" } as const;

/** Q.763 §3.45 d): the redirection counter is 1 to 5. */
export const REDIRECTION_COUNTER = { min: 1, max: 5, ref: "Q.763 §3.45 d)" } as const;

/**
 * Q.763 §3.45 a) redirecting indicator: whether the call was diverted or
 * rerouted, and which redirection information is presentation restricted.
 */
export interface RedirectingIndicatorRow {
  readonly indicator: number;
  readonly kind: "none" | "rerouted" | "diversion";
  /** All redirection information is restricted (Diversion privacy=full, History-Info Privacy: history). */
  readonly allRestricted: boolean;
  /** Only the redirection number (the diverted-to number) is restricted. */
  readonly redirectionNumberRestricted: boolean;
  readonly ref: string;
}

const R345 = "Q.763 §3.45 a)";

export const REDIRECTING_INDICATORS: readonly RedirectingIndicatorRow[] = [
  { indicator: 0, kind: "none", allRestricted: false, redirectionNumberRestricted: false, ref: R345 },
  { indicator: 1, kind: "rerouted", allRestricted: false, redirectionNumberRestricted: false, ref: R345 },
  { indicator: 2, kind: "rerouted", allRestricted: true, redirectionNumberRestricted: true, ref: R345 },
  { indicator: 3, kind: "diversion", allRestricted: false, redirectionNumberRestricted: false, ref: R345 },
  { indicator: 4, kind: "diversion", allRestricted: true, redirectionNumberRestricted: true, ref: R345 },
  { indicator: 5, kind: "rerouted", allRestricted: false, redirectionNumberRestricted: true, ref: R345 },
  { indicator: 6, kind: "diversion", allRestricted: false, redirectionNumberRestricted: true, ref: R345 },
];
