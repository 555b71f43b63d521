/**
 * Cause mapping between QSIG (Q.850 causes in the Cause information element)
 * and SIP status codes, per RFC 4497 §8.4.1 Table 1 (QSIG clearing -> final
 * response to a received INVITE) and §8.4.4 Table 2 (final response to our
 * INVITE -> QSIG DISCONNECT cause and location). The tables are data in
 * mappings/rfc4497-causes.ts; a trunk may override rows (overrides first).
 */
import { QSIG_CHANNEL_NOT_AVAILABLE, QSIG_TO_SIP, QSIG_TO_SIP_DEFAULT, SIP_TO_QSIG, SIP_TO_QSIG_DEFAULT, SIP_TO_QSIG_LOCATION } from "../../../mappings/rfc4497-causes.js";
import type { QsigToSipRow, SipToQsigRow } from "../../../mappings/rfc4497-causes.js";

export interface QsigToSipResult {
  readonly qsigCause: number;
  /** The final response to the INVITE. */
  readonly sipStatus: number;
  readonly ref: string;
  readonly isDefault: boolean;
  /** Cause 16 normally ends the call with BYE or CANCEL (Table 1 NOTE 3); this is the status when a response must be sent. */
  readonly byeOrCancel: boolean;
  readonly note?: string;
}

export interface QsigCauseContext {
  /** Q.850 location of the received Cause (Q.850 Table 1). */
  readonly location?: number;
  /** The diagnostic of cause 22 gives a number a Contact can be made from. */
  readonly diagnosticGivesContact?: boolean;
}

function rowMatches(row: QsigToSipRow, cause: number, ctx: QsigCauseContext): boolean {
  if (row.qsigCause !== cause) return false;
  if (row.location !== undefined && row.location !== ctx.location) return false;
  if (row.diagnostic !== undefined && row.diagnostic !== (ctx.diagnosticGivesContact ?? false)) return false;
  return true;
}

/**
 * RFC 4497 §8.4.1 case 5, Table 1: the SIP final response for a QSIG clearing
 * message received before our final response to the INVITE. Cause 16 (NOTE 3)
 * and causes not in the table give the default, 500; cause 44 gives 503 when
 * no other channel can be tried (NOTE 2).
 */
export function qsigCauseToSip(cause: number, ctx: QsigCauseContext = {}, overrides: readonly QsigToSipRow[] = []): QsigToSipResult {
  for (const table of [overrides, QSIG_TO_SIP]) {
    // Rows with conditions come before the unconditional row of the same cause.
    const row = table.find((r) => rowMatches(r, cause, ctx));
    if (!row) continue;
    if (row.sipStatus === null) {
      return { qsigCause: cause, sipStatus: QSIG_TO_SIP_DEFAULT.sipStatus, ref: row.ref, isDefault: true, byeOrCancel: true, ...(row.note ? { note: row.note } : {}) };
    }
    return { qsigCause: cause, sipStatus: row.sipStatus, ref: row.ref, isDefault: false, byeOrCancel: false, ...(row.note ? { note: row.note } : {}) };
  }
  if (cause === QSIG_CHANNEL_NOT_AVAILABLE.qsigCause) return { qsigCause: cause, sipStatus: QSIG_CHANNEL_NOT_AVAILABLE.sipStatus, ref: QSIG_CHANNEL_NOT_AVAILABLE.ref, isDefault: false, byeOrCancel: false };
  return { qsigCause: cause, sipStatus: QSIG_TO_SIP_DEFAULT.sipStatus, ref: QSIG_TO_SIP_DEFAULT.ref, isDefault: true, byeOrCancel: false };
}

export interface SipToQsigResult {
  readonly sipStatus: number;
  /** null: the status needs no QSIG clearing of its own (487, NOTE 7: the QSIG call is already clearing). */
  readonly qsigCause: number | null;
  /** Q.850 location of the Cause: 0 user (6xx), 5 private network serving the remote user (4xx, 5xx). */
  readonly location: number;
  readonly ref: string;
  readonly isDefault: boolean;
  readonly note?: string;
}

export interface SipStatusContext {
  /** warn-code of a Warning header (RFC 3261 §20.43), for 488 and 606 (Table 2 NOTE 8). */
  readonly warningCode?: number;
}

/** RFC 4497 §8.4.4 Table 2: the cause and location of the QSIG DISCONNECT for a SIP 4xx-6xx final response. */
export function sipStatusToQsig(status: number, ctx: SipStatusContext = {}, overrides: readonly SipToQsigRow[] = []): SipToQsigResult {
  const location = status >= 600 ? SIP_TO_QSIG_LOCATION.user : SIP_TO_QSIG_LOCATION.network;
  for (const table of [overrides, SIP_TO_QSIG]) {
    const row = table.find((r) => r.sipStatus === status);
    if (!row) continue;
    const byWarning = ctx.warningCode !== undefined ? row.byWarning?.[ctx.warningCode] : undefined;
    return { sipStatus: status, qsigCause: byWarning ?? row.qsigCause, location, ref: row.ref, isDefault: false, ...(row.note ? { note: row.note } : {}) };
  }
  return { sipStatus: status, qsigCause: SIP_TO_QSIG_DEFAULT.qsigCause, location, ref: SIP_TO_QSIG_DEFAULT.ref, isDefault: true };
}
