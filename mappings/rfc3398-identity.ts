/**
 * Calling party identity between ISUP and SIP, as data. Each row carries its
 * clause.
 *
 * ISUP: the address presentation restricted indicator (Q.763 §3.10 e)) and
 * screening indicator (Q.763 §3.10 f)) of the calling party number. SIP: From
 * (RFC 3261 §20.20), P-Asserted-Identity (RFC 3325 §9.1, sent only inside a
 * trust domain, RFC 3325 §5), Privacy (RFC 3323 §4.2: "id" asks that the
 * asserted identity be withheld, RFC 3325 §7; "header" that identifying
 * headers be hidden).
 *
 * RFC 3398 §12.1: presentation restricted -> From "Anonymous"
 * <sip:anonymous@anonymous.invalid>; address not available -> as if there
 * were no calling party number (§8.2.1.1: a From with only the gateway's
 * host). §12.2: a number from SIP is sent presentation allowed, network
 * provided, unless policy says otherwise: here a P-Asserted-Identity from a
 * trusted peer is network provided, a From alone user provided, not verified
 * (RFC 3325 §6: only an asserted identity is vouched for).
 */

export type FromForm = "number" | "anonymous" | "gateway";

export interface PresentationToSipRow {
  /** Address presentation restricted indicator, Q.763 §3.10 e). */
  readonly presentation: number;
  readonly from: FromForm;
  /** Privacy header values to send (RFC 3323 §4.2). */
  readonly privacy: readonly string[];
  /** Whether a P-Asserted-Identity may carry the number (trusted trunks only, screening permitting). */
  readonly assert: boolean;
  readonly ref: string;
}

export const PRESENTATION_TO_SIP: readonly PresentationToSipRow[] = [
  { presentation: 0, from: "number", privacy: [], assert: true, ref: "RFC 3398 §12.1; RFC 3325 §9.1" },
  { presentation: 1, from: "anonymous", privacy: ["id"], assert: true, ref: "RFC 3398 §12.1; RFC 3323 §4.2; RFC 3325 §7" },
  { presentation: 2, from: "gateway", privacy: [], assert: false, ref: "RFC 3398 §12.1, §8.2.1.1 (address not available: as if absent)" },
  { presentation: 3, from: "anonymous", privacy: ["id"], assert: true, ref: "Q.763 §3.10 e) (restriction by the network); RFC 3323 §4.2" },
];

/** No calling party number at all (RFC 3398 §8.2.1.1). */
export const NO_CALLING_NUMBER = { from: "gateway" as FromForm, privacy: [] as readonly string[], assert: false, ref: "RFC 3398 §8.2.1.1" } as const;

export interface ScreeningToSipRow {
  /** Screening indicator, Q.763 §3.10 f). */
  readonly screening: number;
  /** The number may be asserted (P-Asserted-Identity) towards a trusted peer. */
  readonly assert: boolean;
  readonly ref: string;
  readonly note?: string;
}

export const SCREENING_TO_SIP: readonly ScreeningToSipRow[] = [
  { screening: 0, assert: false, ref: "RFC 3325 §9.1; Q.763 §3.10 f)", note: "user provided, not verified: not vouched for" },
  { screening: 1, assert: true, ref: "RFC 3325 §9.1; Q.763 §3.10 f)", note: "user provided, verified and passed" },
  { screening: 2, assert: false, ref: "RFC 3325 §9.1; Q.763 §3.10 f)", note: "user provided, verified and failed" },
  { screening: 3, assert: true, ref: "RFC 3325 §9.1; Q.763 §3.10 f)", note: "network provided" },
];

/** Where the calling number sent in ISUP came from. */
export type IdentitySource = "p-asserted-identity" | "from";

export interface IdentityToIsupRow {
  readonly source: IdentitySource;
  /** Screening indicator to send, Q.763 §3.10 f). */
  readonly screening: number;
  readonly ref: string;
}

export const IDENTITY_TO_ISUP: readonly IdentityToIsupRow[] = [
  { source: "p-asserted-identity", screening: 3, ref: "RFC 3398 §12.2; RFC 3325 §9.1 (asserted by a trusted peer: network provided)" },
  { source: "from", screening: 0, ref: "RFC 3325 §6 (From is not vouched for: user provided, not verified)" },
];

export interface PrivacyToIsupRow {
  /** Privacy header value (RFC 3323 §4.2, RFC 3325 §9.3), lower case. */
  readonly privacy: string;
  /** Address presentation restricted indicator to send, Q.763 §3.10 e). */
  readonly presentation: number;
  readonly ref: string;
}

export const PRIVACY_TO_ISUP: readonly PrivacyToIsupRow[] = [
  { privacy: "id", presentation: 1, ref: "RFC 3325 §7, §9.3; RFC 3323 §4.2" },
  { privacy: "header", presentation: 1, ref: "RFC 3323 §4.2" },
];

/** RFC 3398 §12.2: presentation allowed unless the caller asked for privacy. */
export const PRIVACY_TO_ISUP_DEFAULT = { presentation: 0, ref: "RFC 3398 §12.2 (default)" } as const;

/**
 * No usable identity (RFC 3398 §7.2.1.1: the CIN SHOULD be omitted when From
 * is unusable); a trunk may send instead a calling party number with
 * presentation "address not available" (Q.763 §3.10 e), national use).
 */
export const NO_IDENTITY_TO_ISUP = { send: "omit" as "omit" | "not-available", ref: "RFC 3398 §7.2.1.1" } as const;

/** RFC 3398 §12.1 / RFC 3323 §4.1.1.3: the anonymous From. */
export const ANONYMOUS_FROM = { displayName: "Anonymous", uri: "sip:anonymous@anonymous.invalid", ref: "RFC 3398 §12.1; RFC 3323 §4.1.1.3" } as const;
