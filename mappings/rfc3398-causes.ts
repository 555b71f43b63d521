/**
 * RFC 3398 cause mapping tables, as data. Each row carries its clause.
 *
 * - ISUP_TO_SIP: RFC 3398 §7.2.4.1, ISDN cause of a REL received before a
 *   final response -> SIP status of that final response.
 * - SIP_TO_ISUP: RFC 3398 §8.2.6.1, SIP final status received -> cause of
 *   the REL sent.
 */

export interface IsupToSipRow {
  readonly isupCause: number;
  /** SIP status; null where the cause has no status (16 ends the call with BYE/CANCEL; 44 reselects a circuit). */
  readonly sipStatus: number | null;
  /** Applies only when the cause location is this value (Q.850 §2.2.3), e.g. 0 = user. */
  readonly location?: number;
  /** Applies only when a diagnostic is present (true) or absent (false). */
  readonly diagnostic?: boolean;
  readonly ref: string;
  readonly note?: string;
}

const R71 = "RFC 3398 §7.2.4.1";

export const ISUP_TO_SIP: readonly IsupToSipRow[] = [
  { isupCause: 1, sipStatus: 404, ref: R71 },
  { isupCause: 2, sipStatus: 404, ref: R71 },
  { isupCause: 3, sipStatus: 404, ref: R71 },
  { isupCause: 16, sipStatus: null, ref: R71, note: "normal clearing ends the call with BYE or CANCEL, not a status" },
  { isupCause: 17, sipStatus: 486, ref: R71 },
  { isupCause: 18, sipStatus: 408, ref: R71 },
  { isupCause: 19, sipStatus: 480, ref: R71 },
  { isupCause: 20, sipStatus: 480, ref: R71 },
  { isupCause: 21, location: 0, sipStatus: 603, ref: R71, note: "(+) location user: 6xx rather than 4xx" },
  { isupCause: 21, sipStatus: 403, ref: R71 },
  { isupCause: 22, diagnostic: true, sipStatus: 301, ref: R71, note: "new number from the diagnostic goes in Contact" },
  { isupCause: 22, sipStatus: 410, ref: R71 },
  { isupCause: 23, sipStatus: 410, ref: R71 },
  { isupCause: 26, sipStatus: 404, ref: R71, note: "(=) ANSI: misrouted ported number" },
  { isupCause: 27, sipStatus: 502, ref: R71 },
  { isupCause: 28, sipStatus: 484, ref: R71 },
  { isupCause: 29, sipStatus: 501, ref: R71 },
  { isupCause: 31, sipStatus: 480, ref: R71 },
  { isupCause: 34, sipStatus: 503, ref: R71 },
  { isupCause: 38, sipStatus: 503, ref: R71 },
  { isupCause: 41, sipStatus: 503, ref: R71 },
  { isupCause: 42, sipStatus: 503, ref: R71 },
  { isupCause: 44, sipStatus: null, ref: R71, note: "untranslatable: the originating side reselects a circuit" },
  { isupCause: 47, sipStatus: 503, ref: R71 },
  { isupCause: 55, sipStatus: 403, ref: R71 },
  { isupCause: 57, sipStatus: 403, ref: R71 },
  { isupCause: 58, sipStatus: 503, ref: R71 },
  { isupCause: 65, sipStatus: 488, ref: R71 },
  { isupCause: 70, sipStatus: 488, ref: R71 },
  { isupCause: 79, sipStatus: 501, ref: R71 },
  { isupCause: 87, sipStatus: 403, ref: R71 },
  { isupCause: 88, sipStatus: 503, ref: R71 },
  { isupCause: 102, sipStatus: 504, ref: R71 },
  { isupCause: 111, sipStatus: 500, ref: R71 },
  { isupCause: 127, sipStatus: 500, ref: R71 },
];

/** RFC 3398 §7.2.4.1: "If a cause value other than those listed below is received, the default response '500 Server internal error' SHOULD be used." */
export const ISUP_TO_SIP_DEFAULT = { sipStatus: 500, ref: `${R71} (default)` } as const;

export interface SipToIsupRow {
  readonly sipStatus: number;
  /** ISUP cause; null where the status has no mapping (487: the gateway's own CANCEL) or depends on the Warning header. */
  readonly isupCause: number | null;
  /** For 488/606: the cause chosen by Warning code (RFC 3261 §20.43). */
  readonly byWarning?: Readonly<Record<number, number>>;
  readonly ref: string;
  readonly note?: string;
}

const R86 = "RFC 3398 §8.2.6.1";
/** Warning codes that speak to an unavailable bearer capability -> 65 (RFC 3398 §8.2.6.1 last paragraph). */
const BEARER_WARNINGS: Readonly<Record<number, number>> = { 304: 65, 305: 65 };

export const SIP_TO_ISUP: readonly SipToIsupRow[] = [
  { sipStatus: 400, isupCause: 41, ref: R86 },
  { sipStatus: 401, isupCause: 21, ref: R86, note: "(*) only when the gateway cannot authenticate itself" },
  { sipStatus: 402, isupCause: 21, ref: R86 },
  { sipStatus: 403, isupCause: 21, ref: R86 },
  { sipStatus: 404, isupCause: 1, ref: R86 },
  { sipStatus: 405, isupCause: 63, ref: R86 },
  { sipStatus: 406, isupCause: 79, ref: R86, note: "(+) retry first where possible" },
  { sipStatus: 407, isupCause: 21, ref: R86, note: "(*) only when the gateway cannot authenticate itself" },
  { sipStatus: 408, isupCause: 102, ref: R86 },
  { sipStatus: 410, isupCause: 22, ref: R86 },
  { sipStatus: 413, isupCause: 127, ref: R86, note: "(+)" },
  { sipStatus: 414, isupCause: 127, ref: R86, note: "(+)" },
  { sipStatus: 415, isupCause: 79, ref: R86, note: "(+)" },
  { sipStatus: 416, isupCause: 127, ref: R86, note: "(+)" },
  { sipStatus: 420, isupCause: 127, ref: R86, note: "(+)" },
  { sipStatus: 421, isupCause: 127, ref: R86, note: "(+)" },
  { sipStatus: 423, isupCause: 127, ref: R86, note: "(+)" },
  { sipStatus: 480, isupCause: 18, ref: R86 },
  { sipStatus: 481, isupCause: 41, ref: R86 },
  { sipStatus: 482, isupCause: 25, ref: R86 },
  { sipStatus: 483, isupCause: 25, ref: R86 },
  { sipStatus: 484, isupCause: 28, ref: R86, note: "(+) overlap: more digits may complete the call (RFC 3578)" },
  { sipStatus: 485, isupCause: 1, ref: R86 },
  { sipStatus: 486, isupCause: 17, ref: R86 },
  { sipStatus: 487, isupCause: null, ref: R86, note: "no mapping: the request was terminated by our own CANCEL" },
  { sipStatus: 488, isupCause: 31, byWarning: BEARER_WARNINGS, ref: R86, note: "by Warning header; 31 by default" },
  { sipStatus: 500, isupCause: 41, ref: R86 },
  { sipStatus: 501, isupCause: 79, ref: R86 },
  { sipStatus: 502, isupCause: 38, ref: R86 },
  { sipStatus: 503, isupCause: 41, ref: R86 },
  { sipStatus: 504, isupCause: 102, ref: R86 },
  // Deviation: RFC 3398 prints this row as "504 Version Not Supported"; the status is 505 (RFC 3261 §21.5.7).
  { sipStatus: 505, isupCause: 127, ref: R86, note: "(+) printed as 504 in the RFC; 505 per RFC 3261 §21.5.7" },
  { sipStatus: 513, isupCause: 127, ref: R86, note: "(+)" },
  { sipStatus: 600, isupCause: 17, ref: R86 },
  { sipStatus: 603, isupCause: 21, ref: R86 },
  { sipStatus: 604, isupCause: 1, ref: R86 },
  { sipStatus: 606, isupCause: 31, byWarning: BEARER_WARNINGS, ref: R86, note: "by Warning header; 31 by default" },
];

/** RFC 3398 §8.2.6.1: unlisted status codes map to 31 "Normal, unspecified". */
export const SIP_TO_ISUP_DEFAULT = { isupCause: 31, ref: `${R86} (default)` } as const;

/**
 * RFC 3398 §8.2.6.1: 6xx are given the location 'user', 4xx and 5xx a
 * 'network' location. The network location used is BI, "network beyond
 * interworking point" (Q.850 §2.2.3), since the SIP side is beyond this
 * gateway's interworking point; a trunk may override it.
 */
export const SIP_TO_ISUP_LOCATION = { user: 0, network: 10, ref: `${R86}, Q.850 §2.2.3` } as const;
