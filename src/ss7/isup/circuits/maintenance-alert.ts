/**
 * Maintenance alerts: what ISUP reports to the operator where Q.764 says
 * "maintenance is alerted" (e.g. §2.8.2 on T13/T15/T19/T21 expiry, §2.9.3 on
 * T17/T23, §2.9.6 on T5, §2.13 on UCIC, §2.1.8 on a failed continuity recheck).
 */
export type MaintenanceAlertKind =
  | "no-acknowledgement"
  | "release-not-completed"
  | "unequipped-circuit"
  | "unexpected-acknowledgement"
  | "audit-discrepancy"
  | "audit-failed"
  | "continuity-failure"
  | "confusion-received"
  | "blocking-not-saved"
  | "user-part-unavailable";

export interface MaintenanceAlert {
  readonly kind: MaintenanceAlertKind;
  readonly dpc: number;
  /** First circuit concerned (the message's CIC). */
  readonly cic: number;
  /** Range for group procedures (circuits cic..cic+range). */
  readonly range?: number;
  readonly text: string;
}
