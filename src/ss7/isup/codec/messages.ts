/**
 * ISUP message definitions: ITU-T Q.763 (12/1999) Table 4 (message type
 * codes) and the message format tables of §4, and the ANSI T1.113.3 profile.
 * One row per message: code, mnemonic, clause, the mandatory fixed
 * parameters in order, the mandatory variable parameters in order (their
 * pointers' order), and whether an optional part (with its pointer) follows.
 * A message whose format is a national matter, or which carries another
 * message inside, keeps its body as octets (`opaqueBody`).
 */

export interface MessageDef {
  readonly code: number;
  readonly mnemonic: string;
  /** The spec's name of the message. */
  readonly title: string;
  readonly clause: string;
  readonly fixed: readonly string[];
  readonly variable: readonly string[];
  readonly optionalPart: boolean;
  /** Body after the message type code kept as octets. */
  readonly opaqueBody?: true;
}

interface Shape {
  readonly fixed?: readonly string[];
  readonly variable?: readonly string[];
  readonly optionalPart?: boolean;
  readonly opaqueBody?: true;
}

function msg(code: number, mnemonic: string, title: string, clause: string, shape: Shape = {}): MessageDef {
  return {
    code,
    mnemonic,
    title,
    clause,
    fixed: shape.fixed ?? [],
    variable: shape.variable ?? [],
    optionalPart: shape.optionalPart ?? false,
    ...(shape.opaqueBody ? { opaqueBody: true as const } : {}),
  };
}

const Q = "Q.763 §4";
const OPT = { optionalPart: true } as const;
const BCI = { fixed: ["backwardCallIndicators"], optionalPart: true } as const;
const CGS = { fixed: ["circuitGroupSupervisionMessageType"], variable: ["rangeAndStatus"] } as const;
const RS = { variable: ["rangeAndStatus"] } as const;
const SUSRES = { fixed: ["suspendResumeIndicators"], optionalPart: true } as const;
const FAC_IND = { fixed: ["facilityIndicator"], optionalPart: true } as const;
const CAUSE = { variable: ["causeIndicators"], optionalPart: true } as const;

export const ITU_MESSAGES: readonly MessageDef[] = [
  msg(0x01, "IAM", "Initial address", Q, {
    fixed: ["natureOfConnectionIndicators", "forwardCallIndicators", "callingPartysCategory", "transmissionMediumRequirement"],
    variable: ["calledPartyNumber"],
    optionalPart: true,
  }),
  msg(0x02, "SAM", "Subsequent address", Q, { variable: ["subsequentNumber"], optionalPart: true }),
  msg(0x03, "INR", "Information request (national use)", Q, { fixed: ["informationRequestIndicators"], optionalPart: true }),
  msg(0x04, "INF", "Information (national use)", Q, { fixed: ["informationIndicators"], optionalPart: true }),
  msg(0x05, "COT", "Continuity", Q, { fixed: ["continuityIndicators"] }),
  msg(0x06, "ACM", "Address complete", Q, BCI),
  msg(0x07, "CON", "Connect", Q, BCI),
  msg(0x08, "FOT", "Forward transfer", Q, OPT),
  msg(0x09, "ANM", "Answer", Q, OPT),
  msg(0x0c, "REL", "Release", Q, CAUSE),
  msg(0x0d, "SUS", "Suspend", Q, SUSRES),
  msg(0x0e, "RES", "Resume", Q, SUSRES),
  msg(0x10, "RLC", "Release complete", Q, OPT),
  msg(0x11, "CCR", "Continuity check request", Q),
  msg(0x12, "RSC", "Reset circuit", Q),
  msg(0x13, "BLO", "Blocking", Q),
  msg(0x14, "UBL", "Unblocking", Q),
  msg(0x15, "BLA", "Blocking acknowledgement", Q),
  msg(0x16, "UBA", "Unblocking acknowledgement", Q),
  msg(0x17, "GRS", "Circuit group reset", Q, RS),
  msg(0x18, "CGB", "Circuit group blocking", Q, CGS),
  msg(0x19, "CGU", "Circuit group unblocking", Q, CGS),
  msg(0x1a, "CGBA", "Circuit group blocking acknowledgement", Q, CGS),
  msg(0x1b, "CGUA", "Circuit group unblocking acknowledgement", Q, CGS),
  msg(0x1f, "FAR", "Facility request", Q, FAC_IND),
  msg(0x20, "FAA", "Facility accepted", Q, FAC_IND),
  msg(0x21, "FRJ", "Facility reject", Q, { fixed: ["facilityIndicator"], variable: ["causeIndicators"], optionalPart: true }),
  msg(0x24, "LPA", "Loop back acknowledgement (national use)", Q),
  msg(0x28, "PAM", "Pass-along (national use)", `${Q} (body: an embedded message)`, { opaqueBody: true }),
  msg(0x29, "GRA", "Circuit group reset acknowledgement", Q, RS),
  msg(0x2a, "CQM", "Circuit group query (national use)", Q, RS),
  msg(0x2b, "CQR", "Circuit group query response (national use)", Q, { variable: ["rangeAndStatus", "circuitStateIndicator"] }),
  msg(0x2c, "CPG", "Call progress", Q, { fixed: ["eventInformation"], optionalPart: true }),
  msg(0x2d, "USR", "User-to-user information", Q, { variable: ["userToUserInformation"], optionalPart: true }),
  msg(0x2e, "UCIC", "Unequipped CIC (national use)", Q),
  msg(0x2f, "CFN", "Confusion", Q, CAUSE),
  msg(0x30, "OLM", "Overload (national use)", Q),
  msg(0x31, "CRG", "Charge information (national use)", `${Q} (format is a national matter)`, { opaqueBody: true }),
  msg(0x32, "NRM", "Network resource management", Q, OPT),
  msg(0x33, "FAC", "Facility", Q, OPT),
  msg(0x34, "UPT", "User part test", Q, OPT),
  msg(0x35, "UPA", "User part available", Q, OPT),
  msg(0x36, "IDR", "Identification request", Q, OPT),
  msg(0x37, "IRS", "Identification response", Q, OPT),
  msg(0x38, "SGM", "Segmentation", Q, OPT),
  msg(0x40, "LOP", "Loop prevention", Q, OPT),
  msg(0x41, "APM", "Application transport", Q, OPT),
  msg(0x42, "PRI", "Pre-release information", Q, OPT),
  msg(0x43, "SDN", "Subsequent directory number (national use)", `${Q} (format is a national matter)`, { opaqueBody: true }),
];

const T = "T1.113.3";

/** ANSI T1.113.3: messages whose format differs from ITU, and ANSI-only messages. */
const ANSI_CHANGES: readonly MessageDef[] = [
  // The user service information is a mandatory variable parameter; there is
  // no transmission medium requirement.
  msg(0x01, "IAM", "Initial address", T, {
    fixed: ["natureOfConnectionIndicators", "forwardCallIndicators", "callingPartysCategory"],
    variable: ["userServiceInformation", "calledPartyNumber"],
    optionalPart: true,
  }),
  msg(0x10, "RLC", "Release complete", `${T} (no optional part)`),
  msg(0xe9, "CRA", "Circuit reservation acknowledgement", T),
  msg(0xea, "CRM", "Circuit reservation", T, { fixed: ["natureOfConnectionIndicators"] }),
  msg(0xeb, "CVR", "Circuit validation response", T, {
    fixed: ["circuitValidationResponseIndicator", "circuitGroupCharacteristicIndicator"],
    optionalPart: true,
  }),
  msg(0xec, "CVT", "Circuit validation test", T),
  msg(0xed, "EXM", "Exit", T, OPT),
];

export const ANSI_MESSAGES: readonly MessageDef[] = [
  ...ITU_MESSAGES.filter((m) => !ANSI_CHANGES.some((c) => c.code === m.code)),
  ...ANSI_CHANGES,
];

/** Mnemonic used for a message type code the variant does not define. */
export const UNRECOGNISED = "unrecognised";
