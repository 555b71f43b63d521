/**
 * Calling party's category and originating line information <-> SIP, as
 * data. Each row carries its clause.
 *
 * RFC 3398 maps neither; the reference used is 3GPP TS 29.163: Annex C
 * (Table C.2.1 ISUP -> SIP, Table C.1.1 SIP -> ISUP) for the calling party's
 * category (Q.763 §3.11) and the "cpc" URI parameter, and Annex H for the
 * ANSI originating line information (T1.113.3) and the "oli" URI parameter.
 * Both parameters are defined by 3GPP TS 24.229 §7.2A.12 and are carried in
 * the tel URI, or the user part of a SIP URI with user=phone, of the
 * P-Asserted-Identity.
 */

export interface CpcRow {
  /** Calling party's category, Q.763 §3.11. */
  readonly category: number;
  /** "cpc" URI parameter value, 3GPP TS 24.229 §7.2A.12. */
  readonly cpc: string;
  /** Accept-Language tag that goes with cpc=operator. */
  readonly language?: string;
  readonly ref: string;
}

const C21 = "3GPP TS 29.163 Table C.2.1";
const C11 = "3GPP TS 29.163 Table C.1.1";

/** Both directions; ISUP -> SIP takes the first row of a category, SIP -> ISUP the first row of a cpc (and language). */
export const CPC_ROWS: readonly CpcRow[] = [
  { category: 1, cpc: "operator", language: "fr", ref: `${C21}, ${C11}` },
  { category: 2, cpc: "operator", language: "en", ref: `${C21}, ${C11}` },
  { category: 3, cpc: "operator", language: "de", ref: `${C21}, ${C11}` },
  { category: 4, cpc: "operator", language: "ru", ref: `${C21}, ${C11}` },
  { category: 5, cpc: "operator", language: "es", ref: `${C21}, ${C11}` },
  { category: 10, cpc: "ordinary", ref: `${C21}, ${C11}` },
  { category: 13, cpc: "test", ref: `${C21}, ${C11}` },
  { category: 15, cpc: "payphone", ref: `${C21}, ${C11}` },
  { category: 0, cpc: "unknown", ref: `${C21}, ${C11}` },
];

/** Table C.2.1 NOTE 2: a category not in the table gives no "cpc" (operator policy may add a national value). */
export const CPC_TO_SIP_DEFAULT = { cpc: null, ref: `${C21} NOTE 2 (default: no cpc)` } as const;

/** Table C.1.1 NOTE 2: an absent or unmapped "cpc" gives "ordinary calling subscriber". */
export const CPC_TO_ISUP_DEFAULT = { category: 10, ref: `${C11} NOTE 2 (default)` } as const;

/**
 * Table C.1.1: cpc=operator without an Accept-Language in the table: the
 * operator language is a matter of operator policy (a trunk may override).
 */
export const CPC_OPERATOR_DEFAULT = { category: 2, ref: `${C11} (operator policy; default: English)` } as const;

/**
 * 3GPP TS 24.229 §7.2A.12: oli-value = 2DIGIT; 3GPP TS 29.163 Annex H: the
 * ANSI OLI parameter value is carried as is (values 0-99 fit two digits).
 */
export const OLI = { min: 0, max: 99, ref: "3GPP TS 29.163 Annex H; 3GPP TS 24.229 §7.2A.12" } as const;
