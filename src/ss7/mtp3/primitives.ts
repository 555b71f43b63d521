/**
 * Primitives between MTP3 and its users (Q.704 §2.4 distribution, §11 flow control, §13 route management):
 * MTP-TRANSFER request and indication, MTP-PAUSE, MTP-RESUME and
 * MTP-STATUS indications. Users register by service indicator (ISUP = 5).
 */

export interface MtpTransferRequest {
  readonly dpc: number;
  /** Defaults to this signalling point's own point code. */
  readonly opc?: number;
  readonly sls: number;
  /** Service indicator of the user part (5 = ISUP). */
  readonly si: number;
  /** ANSI message priority 0..3; 0 in ITU networks. */
  readonly priority?: number;
  /** What follows the routing label (for ISUP: CIC, message type, parameters). */
  readonly userData: Uint8Array;
}

export interface MtpTransferIndication {
  readonly primitive: "MTP-TRANSFER.ind";
  readonly opc: number;
  readonly dpc: number;
  readonly sls: number;
  readonly si: number;
  readonly ni: number;
  readonly priority: number;
  readonly userData: Uint8Array;
}

/** The destination became inaccessible (Q.704 §13.2). */
export interface MtpPauseIndication {
  readonly primitive: "MTP-PAUSE.ind";
  readonly affectedDpc: number;
}

/** The destination became accessible again (Q.704 §13.3, §9). */
export interface MtpResumeIndication {
  readonly primitive: "MTP-RESUME.ind";
  readonly affectedDpc: number;
}

export type UserPartUnavailableCause = "unknown" | "unequipped-remote-user" | "inaccessible-remote-user";

/** Congestion towards a destination (TFC) or a remote user part unavailable (UPU), Q.704 §11.2. */
export type MtpStatusIndication =
  | {
      readonly primitive: "MTP-STATUS.ind";
      readonly affectedDpc: number;
      readonly cause: "signalling-network-congestion";
      /** 0..3; 0 when the network does not use congestion levels. */
      readonly congestionLevel: number;
    }
  | {
      readonly primitive: "MTP-STATUS.ind";
      readonly affectedDpc: number;
      readonly cause: "user-part-unavailable";
      readonly userPartCause: UserPartUnavailableCause;
    };

export type MtpIndication = MtpTransferIndication | MtpPauseIndication | MtpResumeIndication | MtpStatusIndication;

/** A user part (ISUP, SCCP, ...) receiving indications for its service indicator. */
export type MtpUser = (ind: MtpIndication) => void;
