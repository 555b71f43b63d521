/**
 * Number format tables for ISUP <-> SIP, as data. Each row carries its clause.
 *
 * - NOA_TO_SIP: RFC 3398 §12.1 (ISUP format -> tel URI / user=phone user
 *   part), by the nature of address indicator of Q.763 §3.9 b) (called party
 *   number) and §3.10 b) (calling party number and the other numbers).
 * - SIP_TO_NOA: RFC 3398 §12.2 (telephone number -> ISUP format).
 *
 * A trunk overrides rows by giving rows of the same shape; they are consulted
 * first (e.g. `{ noa: 3, treatment: "as-is" }` sends national numbers without
 * the country code, `{ noa: 2, treatment: "national" }` treats "unknown" as
 * national, `{ kind: "local", noa: null }` refuses local numbers with 484).
 */

/**
 * What a number of a given nature becomes in SIP (RFC 3398 §12.1):
 * - "international": "+" and the digits unmodified;
 * - "national": "+", the trunk's country code, the digits;
 * - "subscriber": the trunk's subscriber prefix (area code) makes it national,
 *   then as "national"; without a prefix, as "as-is";
 * - "as-is": the digits copied without "+" (a local number, user=phone).
 */
export type NoaTreatment = "international" | "national" | "subscriber" | "as-is";

export interface NoaToSipRow {
  /** Nature of address indicator (Q.763 §3.9 b), §3.10 b)). */
  readonly noa: number;
  readonly treatment: NoaTreatment;
  readonly ref: string;
  readonly note?: string;
}

const R121 = "RFC 3398 §12.1";

export const NOA_TO_SIP: readonly NoaToSipRow[] = [
  { noa: 4, treatment: "international", ref: R121, note: "international number: digits appended to '+'" },
  { noa: 3, treatment: "national", ref: R121, note: "national (significant) number: the country code MUST be prefixed" },
  { noa: 1, treatment: "subscriber", ref: R121, note: "subscriber number: country and area code MAY need adding (trunk's subscriber prefix)" },
  { noa: 2, treatment: "as-is", ref: `${R121}; Q.763 §3.9 b)`, note: "unknown (national use): digits copied" },
  { noa: 5, treatment: "as-is", ref: `${R121}; Q.763 §3.9 b)`, note: "network-specific number: no '+'" },
  { noa: 6, treatment: "as-is", ref: `${R121}; Q.763 §3.9 b)`, note: "network routing number in national format (national use)" },
  { noa: 7, treatment: "as-is", ref: `${R121}; Q.763 §3.9 b)`, note: "network routing number in network-specific format (national use)" },
  { noa: 8, treatment: "as-is", ref: `${R121}; Q.763 §3.9 b)`, note: "network routing number concatenated with called directory number (national use)" },
];

/** RFC 3398 §12.1: "Only if a country or network-specific value is used for the NoA SHOULD a tel URL not include a '+'": spare and national values. */
export const NOA_TO_SIP_DEFAULT = { treatment: "as-is" as NoaTreatment, ref: `${R121} (default)` } as const;

/** RFC 3398 §12: a numbering plan other than E.164 (Q.763 §3.9 d) value 1) may not fit a tel URI: outside its scope. */
export const E164_NUMBERING_PLAN = { npi: 1, ref: "RFC 3398 §12; Q.763 §3.9 d)" } as const;

/** A telephone number received in SIP, by what it is relative to the trunk. */
export type SipNumberKind = "global-own-country" | "global-other-country" | "local";

export interface SipToNoaRow {
  readonly kind: SipNumberKind;
  /** Nature of address indicator to send; null: refuse the number (484, RFC 3398 §12.2). */
  readonly noa: number | null;
  /** Strip the country code from the digits. */
  readonly stripCountryCode: boolean;
  readonly ref: string;
  readonly note?: string;
}

const R122 = "RFC 3398 §12.2";

export const SIP_TO_NOA: readonly SipToNoaRow[] = [
  { kind: "global-own-country", noa: 3, stripCountryCode: true, ref: R122, note: "country code local to the gateway: national (significant) number, country code stripped" },
  { kind: "global-other-country", noa: 4, stripCountryCode: false, ref: R122, note: "international number, country code kept" },
  { kind: "local", noa: 3, stripCountryCode: false, ref: R122, note: "not international: MAY be treated per the national dialling plan (here national significant); a trunk may refuse with 484" },
];
