/**
 * RFC 4497 (SIP <-> QSIG interworking) cause mapping tables, as data. Each row
 * carries its clause.
 *
 * - QSIG_TO_SIP: RFC 4497 §8.4.1 Table 1, the cause of the first QSIG
 *   clearing message (DISCONNECT, RELEASE, RELEASE COMPLETE) received while a
 *   SIP INVITE awaits our final response -> that final response (case 5).
 *   Default 500 for causes not in the table.
 * - SIP_TO_QSIG: RFC 4497 §8.4.4 Table 2, a SIP 4xx-6xx final response to our
 *   INVITE -> the cause of the QSIG DISCONNECT. Default 31.
 * - SIP_TO_QSIG_LOCATION: §8.4.4, the location of that cause: "user" for 6xx,
 *   "private network serving the remote user" otherwise (Q.850 Table 1).
 * - GATEWAY_CLEARING: §8.4.5, the response or cause when the gateway itself
 *   clears one side because the other failed.
 */

export interface QsigToSipRow {
  readonly qsigCause: number;
  /** SIP final response; null where the cause ends the call with BYE or CANCEL (16, NOTE 3). */
  readonly sipStatus: number | null;
  /** Applies only when the cause location is this value (Q.850 Table 1), e.g. 0 = user. */
  readonly location?: number;
  /** Applies only when the diagnostic can give a Contact (true) or cannot (false). */
  readonly diagnostic?: boolean;
  readonly ref: string;
  readonly note?: string;
}

const T1 = "RFC 4497 §8.4.1 Table 1";

export const QSIG_TO_SIP: readonly QsigToSipRow[] = [
  { qsigCause: 1, sipStatus: 404, ref: T1 },
  { qsigCause: 2, sipStatus: 404, ref: T1 },
  { qsigCause: 3, sipStatus: 404, ref: T1 },
  { qsigCause: 16, sipStatus: null, ref: T1, note: "NOTE 3: normally BYE or CANCEL; a response to the INVITE uses the default (500)" },
  { qsigCause: 17, sipStatus: 486, ref: T1 },
  { qsigCause: 18, sipStatus: 408, ref: T1 },
  { qsigCause: 19, sipStatus: 480, ref: T1 },
  { qsigCause: 20, sipStatus: 480, ref: T1 },
  { qsigCause: 21, location: 0, sipStatus: 603, ref: T1, note: "location user: 603 Decline" },
  { qsigCause: 21, sipStatus: 403, ref: T1 },
  { qsigCause: 22, diagnostic: true, sipStatus: 301, ref: T1, note: "the diagnostic gives the Contact of the 301" },
  { qsigCause: 22, sipStatus: 410, ref: T1 },
  { qsigCause: 23, sipStatus: 410, ref: T1 },
  { qsigCause: 27, sipStatus: 502, ref: T1 },
  { qsigCause: 28, sipStatus: 484, ref: T1 },
  { qsigCause: 29, sipStatus: 501, ref: T1 },
  { qsigCause: 31, sipStatus: 480, ref: T1 },
  { qsigCause: 34, sipStatus: 503, ref: T1 },
  { qsigCause: 38, sipStatus: 503, ref: T1 },
  { qsigCause: 41, sipStatus: 503, ref: T1 },
  { qsigCause: 42, sipStatus: 503, ref: T1 },
  { qsigCause: 47, sipStatus: 503, ref: T1 },
  { qsigCause: 55, sipStatus: 403, ref: T1 },
  { qsigCause: 57, sipStatus: 403, ref: T1 },
  { qsigCause: 58, sipStatus: 503, ref: T1 },
  { qsigCause: 65, sipStatus: 488, ref: T1, note: "NOTE 4: a Warning header may be added from the diagnostic" },
  { qsigCause: 69, sipStatus: 501, ref: T1 },
  { qsigCause: 70, sipStatus: 488, ref: T1, note: "NOTE 4: a Warning header may be added from the diagnostic" },
  { qsigCause: 79, sipStatus: 501, ref: T1 },
  { qsigCause: 87, sipStatus: 403, ref: T1 },
  { qsigCause: 88, sipStatus: 503, ref: T1 },
  { qsigCause: 102, sipStatus: 504, ref: T1 },
];

/** RFC 4497 §8.4.1 case 5: 500 (Server internal error) for causes not in Table 1. */
export const QSIG_TO_SIP_DEFAULT = { sipStatus: 500, ref: "RFC 4497 §8.4.1 (default)" } as const;

/**
 * RFC 4497 §8.4.1 NOTE 2: cause 44 (requested channel not available) is
 * meaningful only at the gateway, which sends another SETUP on another
 * channel; when it cannot, it treats the call as congestion (503, §8.3.1).
 */
export const QSIG_CHANNEL_NOT_AVAILABLE = { qsigCause: 44, sipStatus: 503, ref: "RFC 4497 §8.4.1 NOTE 2, §8.3.1" } as const;

export interface SipToQsigRow {
  readonly sipStatus: number;
  /** Q.850 cause; null where the status needs no cause (487, NOTE 7). */
  readonly qsigCause: number | null;
  /** NOTE 8: with a Warning header, the cause to use when its warn-code says the bearer is the problem. */
  readonly byWarning?: Readonly<Record<number, number>>;
  readonly ref: string;
  readonly note?: string;
}

const T2 = "RFC 4497 §8.4.4 Table 2";

/**
 * RFC 4497 §8.4.4 NOTE 8: cause 65 for a 488 or 606 only when a new attempt
 * with another Bearer capability could succeed, which the warn-codes about
 * media (RFC 3261 §20.43: 301-305 incompatible network protocol, address
 * format, transport, bandwidth units, media type; 370 insufficient
 * bandwidth) say.
 */
const BEARER_WARNINGS: Readonly<Record<number, number>> = { 301: 65, 302: 65, 303: 65, 304: 65, 305: 65, 370: 65 };

export const SIP_TO_QSIG: readonly SipToQsigRow[] = [
  { sipStatus: 400, qsigCause: 41, ref: T2 },
  { sipStatus: 401, qsigCause: 21, ref: T2, note: "NOTE 5: only when the gateway cannot authenticate itself" },
  { sipStatus: 402, qsigCause: 21, ref: T2 },
  { sipStatus: 403, qsigCause: 21, ref: T2 },
  { sipStatus: 404, qsigCause: 1, ref: T2 },
  { sipStatus: 405, qsigCause: 63, ref: T2 },
  { sipStatus: 406, qsigCause: 79, ref: T2 },
  { sipStatus: 407, qsigCause: 21, ref: T2, note: "NOTE 5: only when the gateway cannot authenticate itself" },
  { sipStatus: 408, qsigCause: 102, ref: T2 },
  { sipStatus: 410, qsigCause: 22, ref: T2 },
  { sipStatus: 413, qsigCause: 127, ref: T2, note: "NOTE 6: after a retry is not possible or fails" },
  { sipStatus: 414, qsigCause: 127, ref: T2, note: "NOTE 6" },
  { sipStatus: 415, qsigCause: 79, ref: T2, note: "NOTE 6" },
  { sipStatus: 416, qsigCause: 127, ref: T2, note: "NOTE 6" },
  { sipStatus: 420, qsigCause: 127, ref: T2, note: "NOTE 6" },
  { sipStatus: 421, qsigCause: 127, ref: T2, note: "NOTE 6" },
  { sipStatus: 423, qsigCause: 127, ref: T2, note: "NOTE 6" },
  { sipStatus: 480, qsigCause: 18, ref: T2 },
  { sipStatus: 481, qsigCause: 41, ref: T2 },
  { sipStatus: 482, qsigCause: 25, ref: T2 },
  { sipStatus: 483, qsigCause: 25, ref: T2 },
  { sipStatus: 484, qsigCause: 28, ref: T2, note: "NOTE 6" },
  { sipStatus: 485, qsigCause: 1, ref: T2 },
  { sipStatus: 486, qsigCause: 17, ref: T2 },
  { sipStatus: 487, qsigCause: null, ref: T2, note: "NOTE 7: the QSIG call is already clearing; if clearing must start, the default (31)" },
  { sipStatus: 488, qsigCause: 31, byWarning: BEARER_WARNINGS, ref: T2, note: "NOTE 8: 65 by Warning header, 31 otherwise" },
  { sipStatus: 500, qsigCause: 41, ref: T2 },
  { sipStatus: 501, qsigCause: 79, ref: T2 },
  { sipStatus: 502, qsigCause: 38, ref: T2 },
  { sipStatus: 503, qsigCause: 41, ref: T2 },
  { sipStatus: 504, qsigCause: 102, ref: T2 },
  { sipStatus: 505, qsigCause: 127, ref: T2, note: "NOTE 6" },
  { sipStatus: 513, qsigCause: 127, ref: T2, note: "NOTE 6" },
  { sipStatus: 600, qsigCause: 17, ref: T2 },
  { sipStatus: 603, qsigCause: 21, ref: T2 },
  { sipStatus: 604, qsigCause: 1, ref: T2 },
  { sipStatus: 606, qsigCause: 31, byWarning: BEARER_WARNINGS, ref: T2, note: "NOTE 8: 65 by Warning header, 31 otherwise" },
];

/** RFC 4497 §8.4.4: cause 31 (normal, unspecified) for responses not in Table 2. */
export const SIP_TO_QSIG_DEFAULT = { qsigCause: 31, ref: "RFC 4497 §8.4.4 (default)" } as const;

/**
 * RFC 4497 §8.4.4: the Cause location is "user" (0) for a 6xx and "private
 * network serving the remote user" (5, Q.850 Table 1) otherwise.
 */
export const SIP_TO_QSIG_LOCATION = { user: 0, network: 5, ref: "RFC 4497 §8.4.4, Q.850 Table 1" } as const;

/** RFC 4497 §8.4.2, §8.4.3: BYE, and CANCEL before our final response, become DISCONNECT with cause 16. */
export const SIP_CLEARING_CAUSE = { qsigCause: 16, ref: "RFC 4497 §8.4.2, §8.4.3" } as const;

/**
 * RFC 4497 §8.4.5: the gateway clears the SIP call because QSIG failed (timer
 * expiry, protocol error, RESTART): 480 after T301, else 408 (a timer) or 500;
 * it clears the QSIG call because SIP failed: 102 after a SIP timer, else 41.
 */
export const GATEWAY_CLEARING = {
  afterT301: { sipStatus: 480, ref: "RFC 4497 §8.4.5" },
  qsigTimer: { sipStatus: 408, ref: "RFC 4497 §8.4.5" },
  qsigFailure: { sipStatus: 500, ref: "RFC 4497 §8.4.5" },
  sipTimer: { qsigCause: 102, ref: "RFC 4497 §8.4.5" },
  sipFailure: { qsigCause: 41, ref: "RFC 4497 §8.4.5" },
} as const;
