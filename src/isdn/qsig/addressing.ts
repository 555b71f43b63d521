/**
 * QSIG addressing data elements (ECMA-165 = ISO/IEC 11582 Annex B,
 * Addressing-Data-Elements-asn1-97): PartyNumber and
 * PresentedNumberUnscreened, as the diversion operations use them.
 *
 *   PartyNumber ::= CHOICE { unknownPartyNumber [0] IMPLICIT NumberDigits,
 *     publicPartyNumber [1] IMPLICIT SEQUENCE { PublicTypeOfNumber, NumberDigits },
 *     dataPartyNumber [3], telexPartyNumber [4] IMPLICIT NumberDigits,
 *     privatePartyNumber [5] IMPLICIT SEQUENCE { PrivateTypeOfNumber, NumberDigits },
 *     nationalStandardPartyNumber [8] IMPLICIT NumberDigits }
 *   NumberDigits ::= NumericString (SIZE (1..20))
 *   PresentedNumberUnscreened ::= CHOICE { presentationAllowedAddressNU [0] PartyNumber,
 *     presentationRestricted [1] IMPLICIT NULL, numberNotAvailableDueToInterworking [2] IMPLICIT NULL,
 *     presentationRestrictedAddressNU [3] PartyNumber }
 *
 * Pure.
 */
import { EncodeError } from "../../core/errors.js";
import { BerShapeError, TagClass, UNIVERSAL, constructed, enumerated, expectConstructed, expectPrimitive, isTag, nullValue, octetString, readInteger, readNull } from "./ber.js";
import type { BerNode } from "./ber.js";

export type NumberingPlan = "unknown" | "public" | "data" | "telex" | "private" | "nationalStandard";

export interface PartyNumber {
  readonly plan: NumberingPlan;
  /** PublicTypeOfNumber or PrivateTypeOfNumber; only for the public and private plans. */
  readonly typeOfNumber?: number;
  /** NumericString digits (0-9 and space), 1..20. */
  readonly digits: string;
}

export type PresentedNumberUnscreened =
  | { readonly presentation: "allowed"; readonly number: PartyNumber }
  /** presentationRestricted [1] without a number, or presentationRestrictedAddressNU [3] with one. */
  | { readonly presentation: "restricted"; readonly number?: PartyNumber }
  | { readonly presentation: "notAvailableDueToInterworking" };

const PLAN_TAG: Readonly<Record<NumberingPlan, number>> = { unknown: 0, public: 1, data: 3, telex: 4, private: 5, nationalStandard: 8 };
const PLAN_BY_TAG = new Map<number, NumberingPlan>(Object.entries(PLAN_TAG).map(([k, v]) => [v, k as NumberingPlan]));

function readDigits(n: BerNode | undefined, field: string): string {
  const v = expectPrimitive(n, field).value;
  if (v.length < 1 || v.length > 20) throw new BerShapeError(field, `${v.length} digits; NumberDigits is 1..20`);
  for (const b of v) if (!((b >= 0x30 && b <= 0x39) || b === 0x20)) throw new BerShapeError(field, `octet 0x${b.toString(16)} is not a NumericString character`);
  return String.fromCharCode(...v);
}

function digitsOctets(d: string): Uint8Array {
  if (!/^[0-9 ]{1,20}$/.test(d)) throw new EncodeError("NumberDigits", `${JSON.stringify(d)} is not 1..20 NumericString characters`);
  return Uint8Array.from([...d].map((c) => c.charCodeAt(0)));
}

export function readPartyNumber(n: BerNode | undefined, field = "PartyNumber"): PartyNumber {
  if (!n || n.tagClass !== TagClass.context) throw new BerShapeError(field, "missing or not a PartyNumber alternative");
  const plan = PLAN_BY_TAG.get(n.tagNumber);
  if (!plan) throw new BerShapeError(field, `[${n.tagNumber}] is not a PartyNumber alternative`);
  if (plan === "public" || plan === "private") {
    const s = expectConstructed(n, field);
    const [ton, digits, extra] = s.children;
    if (!isTag(ton, TagClass.universal, UNIVERSAL.ENUMERATED)) throw new BerShapeError(`${field}.typeOfNumber`, "missing or not ENUMERATED");
    if (!isTag(digits, TagClass.universal, UNIVERSAL.NumericString)) throw new BerShapeError(`${field}.digits`, "missing or not a NumericString");
    if (extra) throw new BerShapeError(field, "elements after the digits");
    return { plan, typeOfNumber: readInteger(ton, `${field}.typeOfNumber`), digits: readDigits(digits, `${field}.digits`) };
  }
  return { plan, digits: readDigits(n, field) };
}

export function partyNumberNode(p: PartyNumber): BerNode {
  const tag = PLAN_TAG[p.plan];
  if (p.plan === "public" || p.plan === "private") {
    if (p.typeOfNumber === undefined) throw new EncodeError("PartyNumber", `the ${p.plan} plan needs a type of number`);
    return constructed(TagClass.context, tag, [enumerated(p.typeOfNumber), octetString(digitsOctets(p.digits), TagClass.universal, UNIVERSAL.NumericString)]);
  }
  if (p.typeOfNumber !== undefined) throw new EncodeError("PartyNumber", `the ${p.plan} plan has no type of number`);
  return octetString(digitsOctets(p.digits), TagClass.context, tag);
}

export function readPresentedNumberUnscreened(n: BerNode | undefined, field = "PresentedNumberUnscreened"): PresentedNumberUnscreened {
  if (!n || n.tagClass !== TagClass.context) throw new BerShapeError(field, "missing or not a PresentedNumberUnscreened alternative");
  switch (n.tagNumber) {
    case 0:
    case 3: {
      // Tagged PartyNumber: a CHOICE, so the tag is explicit (X.680 §31.2.7).
      const c = expectConstructed(n, field);
      if (c.children.length !== 1) throw new BerShapeError(field, "explicit tag must hold exactly one PartyNumber");
      const number = readPartyNumber(c.children[0], `${field}.partyNumber`);
      return n.tagNumber === 0 ? { presentation: "allowed", number } : { presentation: "restricted", number };
    }
    case 1:
      readNull(n, field);
      return { presentation: "restricted" };
    case 2:
      readNull(n, field);
      return { presentation: "notAvailableDueToInterworking" };
    default:
      throw new BerShapeError(field, `[${n.tagNumber}] is not a PresentedNumberUnscreened alternative`);
  }
}

export function presentedNumberUnscreenedNode(p: PresentedNumberUnscreened): BerNode {
  switch (p.presentation) {
    case "allowed":
      return constructed(TagClass.context, 0, [partyNumberNode(p.number)]);
    case "restricted":
      return p.number ? constructed(TagClass.context, 3, [partyNumberNode(p.number)]) : nullValue(TagClass.context, 1);
    case "notAvailableDueToInterworking":
      return nullValue(TagClass.context, 2);
  }
}

