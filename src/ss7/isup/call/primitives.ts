/**
 * The service interface between ISUP call control and its user (the
 * interworking unit): primitives after ITU-T Q.762 §2 and Q.764 §2.1-§2.5.
 * Indications carry the decoded message and the octets it came in (CIC
 * included: Q.763 §1.2), so that SIP-T (RFC 3204, RFC 3372) can copy the
 * ISUP body; requests carry the message to send, which ISUP sends as given,
 * setting only the CIC (and, where the trunk asks for it, the continuity
 * check indicator: Q.764 §2.1.8).
 */
import type { IsupMessage } from "../codec/index.js";
import type { CircuitRef } from "../circuits/circuit-group.js";
import type { MaintenanceAlert } from "../circuits/maintenance-alert.js";

export type { CircuitRef } from "../circuits/circuit-group.js";
export type { MaintenanceAlert, MaintenanceAlertKind } from "../circuits/maintenance-alert.js";
export type { AuditResult, AuditDiscrepancy } from "../circuits/circuit-supervision.js";

/** A call as the user names it; stays the same when an automatic repeat attempt moves it to another circuit. */
export type CallId = number;

/** Q.763 §3.35 continuity check indicator as call control reads it. */
export type ContinuityRequirement = "not-required" | "required" | "previous";

/** Why a call ended without the user asking. */
export type ReleaseReason =
  /** REL received. */
  | "remote"
  /** A call control timer expired (see `timer`). */
  | "timeout"
  /** RSC or GRS (Q.764 §2.9.3). */
  | "reset"
  /** Hardware-failure-oriented blocking (Q.764 §2.8.2.3). */
  | "hardware-blocking"
  /** UCIC (Q.764 §2.13). */
  | "unequipped"
  /** MTP-PAUSE for the destination (Q.764 §2.15). */
  | "mtp-pause"
  /** COT with continuity failure, or no COT (Q.764 §2.1.8). */
  | "continuity-failure"
  /** The compatibility procedure said to release (Q.764 §2.9.5.3). */
  | "unrecognised-information"
  /** An unexpected RLC (Q.764 §2.9.5.1). */
  | "protocol-error"
  /** An automatic repeat attempt found no circuit (Q.764 §2.8.1). */
  | "no-circuit";

/** Why an outgoing call moved to another circuit (Q.764 §2.8.1 automatic repeat attempt). */
export type RepeatReason = "dual-seizure" | "remote-blocking" | "reset" | "continuity-failure" | "unequipped" | "unrecognised-information";

interface Received {
  readonly call: CallId;
  readonly circuit: CircuitRef;
  readonly message: IsupMessage;
  /** The message as received (CIC first). */
  readonly octets: Uint8Array;
}

export type IsupIndication =
  /** IAM received (Q.764 §2.1.1, §2.1.2). */
  | (Received & { readonly primitive: "SETUP.ind"; readonly continuity: ContinuityRequirement; readonly addressComplete: boolean })
  /** SAM received in overlap receiving (Q.764 §2.1.2). */
  | (Received & { readonly primitive: "SUBSEQUENT-ADDRESS.ind"; readonly digits: string; readonly addressComplete: boolean })
  /** COT with continuity received: the call may be completed (Q.764 §2.1.8). */
  | { readonly primitive: "CONTINUITY.ind"; readonly call: CallId; readonly circuit: CircuitRef }
  | (Received & { readonly primitive: "ADDRESS-COMPLETE.ind" })
  /** T11 expired and ISUP sent the trunk's early ACM (Q.764 §2.1.4.6); `message` is what was sent. */
  | { readonly primitive: "EARLY-ACM.ind"; readonly call: CallId; readonly circuit: CircuitRef; readonly message: IsupMessage }
  | (Received & { readonly primitive: "PROGRESS.ind" })
  | (Received & { readonly primitive: "ANSWER.ind" })
  | (Received & { readonly primitive: "CONNECT.ind" })
  | (Received & { readonly primitive: "SUSPEND.ind"; readonly initiator: "user" | "network" })
  | (Received & { readonly primitive: "RESUME.ind"; readonly initiator: "user" | "network" })
  | (Received & { readonly primitive: "INFORMATION-REQUEST.ind" })
  | (Received & { readonly primitive: "INFORMATION.ind" })
  /** Any other message of the call (FAC, USR, APM, ...), and unrecognised ones to pass on (Q.764 §2.9.5.3). */
  | (Received & { readonly primitive: "CALL-MESSAGE.ind" })
  /** The call was moved to another circuit; media must follow it. */
  | { readonly primitive: "REATTEMPT.ind"; readonly call: CallId; readonly circuit: CircuitRef; readonly previous: CircuitRef; readonly reason: RepeatReason }
  | {
      readonly primitive: "RELEASE.ind";
      readonly call: CallId;
      readonly circuit: CircuitRef;
      /** Q.850 cause value, location and diagnostics (hex). */
      readonly cause: number;
      readonly location: number;
      readonly diagnostics?: string;
      readonly reason: ReleaseReason;
      readonly timer?: string;
      /** The REL, when one was received. */
      readonly message?: IsupMessage;
      readonly octets?: Uint8Array;
    };

export type IsupPrimitive = IsupIndication["primitive"];

/** The user of ISUP call control (implemented by interworking). */
export interface IsupUser {
  indication(ind: IsupIndication): void;
  alert(alert: MaintenanceAlert): void;
}

export type RequestResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export type SetupResult =
  | { readonly ok: true; readonly call: CallId; readonly circuit: CircuitRef }
  /** `cause`: the Q.850 cause to give the caller (34 no circuit available, 42 congestion, ...). */
  | { readonly ok: false; readonly reason: string; readonly cause: number };

export interface SetupRequest {
  /** Circuit group (trunk) name. */
  readonly group: string;
  /** The IAM to send; its CIC is ignored. */
  readonly iam: IsupMessage;
}

/** A release request: a cause (ISUP builds the REL) or a REL to send as it is. */
export type ReleaseRequest = { readonly cause: number; readonly location: number; readonly diagnostics?: string } | IsupMessage;
