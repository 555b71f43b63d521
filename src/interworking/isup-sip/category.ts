/**
 * Calling party's category and originating line information <-> the "cpc"
 * and "oli" telephone-subscriber parameters: 3GPP TS 29.163 Annex C (Tables
 * C.2.1 and C.1.1) and Annex H, parameters defined by 3GPP TS 24.229
 * §7.2A.12 and carried on the P-Asserted-Identity (RFC 3398 maps neither).
 * The tables are data in mappings/rfc3398-cpc.ts; trunk override rows first.
 */
import { CPC_OPERATOR_DEFAULT, CPC_ROWS, CPC_TO_ISUP_DEFAULT, CPC_TO_SIP_DEFAULT, OLI } from "../../../mappings/rfc3398-cpc.js";
import type { CpcRow } from "../../../mappings/rfc3398-cpc.js";

export interface CpcToSip {
  /** "cpc" value; absent when the category has no mapping (Table C.2.1 NOTE 2). */
  readonly cpc?: string;
  /** Accept-Language to send with cpc=operator. */
  readonly acceptLanguage?: string;
  readonly ref: string;
}

/** Table C.2.1: the calling party's category of an IAM (Q.763 §3.11) -> cpc (and Accept-Language). */
export function categoryToCpc(category: number, overrides: readonly CpcRow[] = []): CpcToSip {
  const row = [...overrides, ...CPC_ROWS].find((r) => r.category === category);
  if (row === undefined) return { ref: CPC_TO_SIP_DEFAULT.ref };
  return { cpc: row.cpc, ...(row.language !== undefined ? { acceptLanguage: row.language } : {}), ref: row.ref };
}

/** The primary language subtags of an Accept-Language value, in order (RFC 3261 §20.3). */
function languages(acceptLanguage: string | undefined): string[] {
  if (acceptLanguage === undefined) return [];
  return acceptLanguage.split(",").map((l) => (l.split(";")[0] ?? "").trim().toLowerCase().split("-")[0] ?? "").filter((l) => l.length > 0);
}

/**
 * Table C.1.1: cpc (from a trusted P-Asserted-Identity; undefined when
 * absent) and Accept-Language -> the calling party's category of the IAM.
 */
export function cpcToCategory(cpc: string | undefined, acceptLanguage: string | undefined, overrides: readonly CpcRow[] = []): { readonly category: number; readonly ref: string } {
  if (cpc === undefined) return CPC_TO_ISUP_DEFAULT;
  const value = cpc.toLowerCase();
  const rows = [...overrides, ...CPC_ROWS].filter((r) => r.cpc === value);
  if (rows.length === 0) return CPC_TO_ISUP_DEFAULT;
  const plain = rows.find((r) => r.language === undefined);
  if (plain !== undefined) return { category: plain.category, ref: plain.ref };
  for (const lang of languages(acceptLanguage)) {
    const row = rows.find((r) => r.language === lang);
    if (row !== undefined) return { category: row.category, ref: row.ref };
  }
  return CPC_OPERATOR_DEFAULT;
}

/** Annex H: the ANSI OLI value (T1.113.3) -> "oli" (two digits); undefined when it does not fit. */
export function oliToSip(oli: number): string | undefined {
  if (!Number.isInteger(oli) || oli < OLI.min || oli > OLI.max) return undefined;
  return oli.toString().padStart(2, "0");
}

/** Annex H: "oli" of a trusted P-Asserted-Identity -> the ANSI OLI value; undefined when absent or malformed (OLI omitted). */
export function oliFromSip(oli: string | undefined): number | undefined {
  if (oli === undefined || !/^[0-9]{2}$/.test(oli)) return undefined;
  return Number(oli);
}
