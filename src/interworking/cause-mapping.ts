/**
 * Cause mapping between ISUP (Q.850 causes) and SIP status codes, per
 * RFC 3398 §7.2.4.1 and §8.2.6.1. The tables are data in mappings/; a trunk
 * may override rows (overrides are consulted first).
 */
import { ISUP_TO_SIP, ISUP_TO_SIP_DEFAULT, SIP_TO_ISUP, SIP_TO_ISUP_DEFAULT, SIP_TO_ISUP_LOCATION } from "../../mappings/rfc3398-causes.js";
import type { IsupToSipRow, SipToIsupRow } from "../../mappings/rfc3398-causes.js";

export interface IsupToSipResult {
  readonly isupCause: number;
  /** null: no SIP status (16: BYE/CANCEL; 44: reselect a circuit). */
  readonly sipStatus: number | null;
  readonly ref: string;
  readonly isDefault: boolean;
  readonly note?: string;
}

export interface SipToIsupResult {
  readonly sipStatus: number;
  /** null: no REL is generated from this status (487 after our own CANCEL). */
  readonly isupCause: number | null;
  /** Q.850 §2.2.3 location for the cause indicators. */
  readonly location: number;
  readonly ref: string;
  readonly isDefault: boolean;
  readonly note?: string;
}

export interface CauseContext {
  /** Q.850 location of the received cause indicators. */
  readonly location?: number;
  /** Whether the cause indicators carried a diagnostic. */
  readonly hasDiagnostic?: boolean;
}

function rowMatches(row: IsupToSipRow, cause: number, ctx: CauseContext): boolean {
  if (row.isupCause !== cause) return false;
  if (row.location !== undefined && row.location !== ctx.location) return false;
  if (row.diagnostic !== undefined && row.diagnostic !== (ctx.hasDiagnostic ?? false)) return false;
  return true;
}

/** RFC 3398 §7.2.4.1: the SIP final response for a REL received before one was sent. */
export function isupCauseToSip(cause: number, ctx: CauseContext = {}, overrides: readonly IsupToSipRow[] = []): IsupToSipResult {
  for (const table of [overrides, ISUP_TO_SIP]) {
    // Rows with conditions come before the unconditional row of the same cause.
    const row = table.find((r) => rowMatches(r, cause, ctx));
    if (row) return { isupCause: cause, sipStatus: row.sipStatus, ref: row.ref, isDefault: false, ...(row.note ? { note: row.note } : {}) };
  }
  return { isupCause: cause, sipStatus: ISUP_TO_SIP_DEFAULT.sipStatus, ref: ISUP_TO_SIP_DEFAULT.ref, isDefault: true };
}

export interface StatusContext {
  /** The warn-code of a Warning header (RFC 3261 §20.43), for 488 and 606. */
  readonly warningCode?: number;
}

/** RFC 3398 §8.2.6.1: the cause of the REL sent for a SIP final response >= 400. */
export function sipStatusToIsup(status: number, ctx: StatusContext = {}, overrides: readonly SipToIsupRow[] = []): SipToIsupResult {
  const location = status >= 600 ? SIP_TO_ISUP_LOCATION.user : SIP_TO_ISUP_LOCATION.network;
  for (const table of [overrides, SIP_TO_ISUP]) {
    const row = table.find((r) => r.sipStatus === status);
    if (row) {
      const byWarning = ctx.warningCode !== undefined ? row.byWarning?.[ctx.warningCode] : undefined;
      return {
        sipStatus: status,
        isupCause: byWarning ?? row.isupCause,
        location,
        ref: row.ref,
        isDefault: false,
        ...(row.note ? { note: row.note } : {}),
      };
    }
  }
  return { sipStatus: status, isupCause: SIP_TO_ISUP_DEFAULT.isupCause, location, ref: SIP_TO_ISUP_DEFAULT.ref, isDefault: true };
}
