/**
 * Service primitives between Q.921 and layer 3 (Q.921 §4.1.1, Table 3/Q.921)
 * and the MDL-ERROR indications to the connection management entity
 * (Q.921 Appendix II, Table II.1/Q.921).
 */

/** Indications and confirmations from the data link layer to layer 3. */
export type DlIndication =
  | { readonly primitive: "DL-ESTABLISH.ind" }
  | { readonly primitive: "DL-ESTABLISH.conf" }
  | { readonly primitive: "DL-RELEASE.ind" }
  | { readonly primitive: "DL-RELEASE.conf" }
  | { readonly primitive: "DL-DATA.ind"; readonly data: Uint8Array }
  | { readonly primitive: "DL-UNIT-DATA.ind"; readonly data: Uint8Array };

/**
 * What layer 3 sees of a data link (the DL service access point). The Q.921
 * data link entity implements it; a test double may too.
 */
export interface DataLinkService {
  /** DL-ESTABLISH.req */
  establish(): void;
  /** DL-RELEASE.req */
  release(): void;
  /** DL-DATA.req: acknowledged transfer of one layer 3 message. */
  data(message: Uint8Array): void;
  /** DL-UNIT-DATA.req: unacknowledged transfer (UI frame). */
  unitData(message: Uint8Array): void;
  /** Register the receiver of DL indications and confirmations. */
  onIndication(cb: (ind: DlIndication) => void): void;
  /** True in the multiple frame established and timer recovery states. */
  readonly established: boolean;
}

/** MDL-ERROR codes of Table II.1/Q.921. */
export type MdlErrorCode = "A" | "B" | "C" | "D" | "E" | "F" | "G" | "H" | "I" | "J" | "K" | "L" | "M" | "N" | "O";

export const MDL_ERROR_TEXT: Readonly<Record<MdlErrorCode, string>> = {
  A: "supervisory response with F = 1 received while no poll was outstanding",
  B: "DM response with F = 1 received in multiple frame operation",
  C: "UA response with F = 1 received while not awaiting one",
  D: "UA response with F = 0 received",
  E: "DM response with F = 0 received in multiple frame operation",
  F: "SABME received in multiple frame operation: peer re-established the link",
  G: "no UA to SABME after N200 retransmissions",
  H: "no response to DISC after N200 retransmissions",
  I: "no response to status enquiry after N200 retransmissions",
  J: "N(R) error: N(R) outside V(A)..V(S)",
  K: "FRMR received",
  L: "frame with an undefined control field received",
  M: "frame with an information field that is not permitted received",
  N: "frame of incorrect length received",
  O: "I frame with an information field longer than N201 received",
};

export interface MdlErrorIndication {
  readonly primitive: "MDL-ERROR.ind";
  readonly code: MdlErrorCode;
  readonly text: string;
}
