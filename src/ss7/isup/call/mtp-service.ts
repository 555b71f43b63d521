/**
 * The MTP service ISUP needs (ITU-T Q.701 §8 / Q.704 §2.4 primitives between
 * MTP and its users; Q.764 §2.11, §2.14, §2.15 for what ISUP does with them):
 * MTP-TRANSFER request and indication, MTP-PAUSE, MTP-RESUME and MTP-STATUS
 * indications. Declared here, narrowly, so that any MTP (MTP3 over MTP2,
 * M3UA, a test loopback) joins ISUP through a small adapter; the shapes are a
 * subset of what an MTP3 user receives, so an MTP3 indication can be passed
 * on as it is.
 */

/** Q.704 §14.2: service indicator of the ISDN user part. */
export const ISUP_SERVICE_INDICATOR = 5;

/** MTP-TRANSFER.req: the adapter adds SI 5, our OPC and the network indicator. */
export interface IsupTransferRequest {
  readonly dpc: number;
  /** Signalling link selection: from the CIC, so that one circuit's messages stay in sequence. */
  readonly sls: number;
  /** CIC, message type and parameters (Q.763 §1.2). */
  readonly userData: Uint8Array;
}

export interface IsupMtpService {
  transferRequest(req: IsupTransferRequest): void;
}

export interface IsupTransferIndication {
  readonly primitive: "MTP-TRANSFER.ind";
  readonly opc: number;
  readonly sls: number;
  readonly userData: Uint8Array;
}

/** The destination became inaccessible (Q.704 §13.2). */
export interface IsupPauseIndication {
  readonly primitive: "MTP-PAUSE.ind";
  readonly affectedDpc: number;
}

/** The destination became accessible again (Q.704 §13.3). */
export interface IsupResumeIndication {
  readonly primitive: "MTP-RESUME.ind";
  readonly affectedDpc: number;
}

/** Congestion towards a destination, or its ISUP unavailable (Q.704 §11.2.7, §11.2.5 UPU). */
export type IsupStatusIndication =
  | {
      readonly primitive: "MTP-STATUS.ind";
      readonly affectedDpc: number;
      readonly cause: "signalling-network-congestion";
      readonly congestionLevel: number;
    }
  | {
      readonly primitive: "MTP-STATUS.ind";
      readonly affectedDpc: number;
      readonly cause: "user-part-unavailable";
      readonly userPartCause: "unknown" | "unequipped-remote-user" | "inaccessible-remote-user";
    };

export type IsupMtpIndication = IsupTransferIndication | IsupPauseIndication | IsupResumeIndication | IsupStatusIndication;
