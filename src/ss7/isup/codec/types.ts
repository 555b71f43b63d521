/**
 * The decoded form of an ISUP message (ITU-T Q.763 §1, ANSI T1.113.3): plain
 * data, safe to print as JSON and to read back. Octets that are kept without
 * being understood are hex strings.
 */
import type { FieldValues } from "./field-codecs.js";

export type IsupVariant = "itu" | "ansi";

export interface IsupCodecOptions {
  readonly variant: IsupVariant;
  /**
   * A SIP-T body (RFC 3204 application/ISUP): the message starts at the
   * message type code, with no circuit identification code.
   */
  readonly sipt?: boolean;
}

/** A parameter decoded into named fields. */
export interface DecodedParameter {
  /** The spec's name in camelCase, e.g. "calledPartyNumber". */
  readonly name: string;
  readonly value: FieldValues;
}

/**
 * A parameter kept as octets: one without a field layout, one whose content
 * did not fit its layout (a note says why), or one the variant does not
 * define (`name` "unrecognised" and its `code`).
 */
export interface RawParameter {
  readonly name: string;
  /** Parameter name code; present for unrecognised parameters. */
  readonly code?: number;
  /** The parameter's content octets (without name and length octets) as hex. */
  readonly raw: string;
}

export type IsupParameter = DecodedParameter | RawParameter;

export interface IsupMessage {
  /** Mnemonic, e.g. "IAM"; "unrecognised" for a code the variant does not define. */
  readonly messageType: string;
  /** Message type code; present for unrecognised messages only. */
  readonly messageTypeCode?: number;
  /** Circuit identification code (absent in a SIP-T body). */
  readonly cic?: number;
  /** The spare bits above the CIC (4 in ITU, 2 in ANSI) when not 0. */
  readonly cicSpare?: number;
  /** Parameters in the order they are on the wire: mandatory fixed, mandatory variable, optional. */
  readonly parameters: readonly IsupParameter[];
  /** Octets after the message type code, for messages kept whole (unrecognised, national format). */
  readonly body?: string;
  /** The optional part pointer pointed at a lone end of optional parameters octet. */
  readonly emptyOptionalPart?: true;
}

export function isDecoded(p: IsupParameter): p is DecodedParameter {
  return (p as DecodedParameter).value !== undefined;
}
