/**
 * ISUP parameter definitions: ITU-T Q.763 (12/1999) Table 5 and §3, and the
 * ANSI T1.113.3 profile. One row per parameter: code, name (the spec's name
 * in camelCase), clause, field layout (field-codecs.ts) and content length
 * bounds (without the parameter name and length octets). A row without a
 * layout keeps the parameter's octets as they are (`raw`).
 */
import type { FieldCodec } from "./field-codecs.js";
import {
  ansiTransitNetworkSelection,
  bits,
  callReference,
  cause,
  digitsOnly,
  f,
  genericDigits,
  headerData,
  messageCompatibility,
  named,
  number,
  octetList,
  opt,
  parameterCompatibility,
  pointCode,
  rangeAndStatus,
  uint,
  userServiceInformation,
} from "./field-codecs.js";
import {
  ANSI_CHARGE_NATURE_OF_ADDRESS,
  CALLED_NATURE_OF_ADDRESS,
  CALLING_PARTYS_CATEGORY,
  CGS_MESSAGE_TYPE,
  EVENT_INDICATOR,
  NATURE_OF_ADDRESS,
  NUMBERING_PLAN,
  PRESENTATION,
  SCREENING,
  TRANSMISSION_MEDIUM,
} from "./names.js";

export interface ParameterDef<T = unknown> {
  readonly code: number;
  readonly name: string;
  readonly clause: string;
  /** Field layout; undefined keeps the content as raw octets. */
  readonly codec: FieldCodec<T> | undefined;
  readonly minLength: number;
  readonly maxLength: number;
}

interface Row<T> {
  readonly code: number;
  readonly clause: string;
  readonly codec: FieldCodec<T>;
  readonly minLength: number;
  readonly maxLength: number;
}

interface RawRow {
  readonly code: number;
  readonly clause: string;
  readonly codec: undefined;
  readonly minLength: number;
  readonly maxLength: number;
}

function row<T>(code: number, clause: string, codec: FieldCodec<T>, minLength = codec.minLength, maxLength = codec.maxLength): Row<T> {
  if (minLength < codec.minLength || maxLength > codec.maxLength || minLength > maxLength) {
    throw new Error(`parameter table bug: 0x${code.toString(16)} bounds ${minLength}-${maxLength} outside its layout`);
  }
  return { code, clause, codec, minLength, maxLength };
}

function raw(code: number, clause: string, minLength = 1, maxLength = 255): RawRow {
  return { code, clause, codec: undefined, minLength, maxLength };
}

// Shared field groups (Q.763 §3.9 b)-d), §3.10 e), f)).
const calledNoa = named("natureOfAddressIndicator", 0, 1, 7, CALLED_NATURE_OF_ADDRESS);
const noa = named("natureOfAddressIndicator", 0, 1, 7, NATURE_OF_ADDRESS);
const npi = named("numberingPlanIndicator", 1, 5, 3, NUMBERING_PLAN);
const apri = named("addressPresentationRestrictedIndicator", 1, 3, 2, PRESENTATION);
const screening = named("screeningIndicator", 1, 1, 2, SCREENING);

/** Q.763 §3.39, §3.44: original called number and redirecting number. */
const redirectingLikeNumber = number(2, 0, 8, [noa, opt("spare", 1, 8, 1), npi, apri, opt("spare2", 1, 1, 2)]);

const oneOctet = <const N extends string>(name: N, names?: Readonly<Record<number, string>>) =>
  names ? bits(1, 1, [named(name, 0, 1, 8, names)]) : bits(1, 1, [f(name, 0, 1, 8)]);

const ituRows = {
  callReference: row(0x01, "Q.763 §3.8", callReference(2)),
  transmissionMediumRequirement: row(0x02, "Q.763 §3.54", oneOctet("transmissionMediumRequirement", TRANSMISSION_MEDIUM)),
  accessTransport: raw(0x03, "Q.763 §3.3"),
  calledPartyNumber: row(
    0x04,
    "Q.763 §3.9",
    number(2, 0, 8, [calledNoa, f("internalNetworkNumberIndicator", 1, 8, 1), npi, opt("spare", 1, 1, 4)]),
  ),
  subsequentNumber: row(0x05, "Q.763 §3.51", number(1, 0, 8, [opt("spare", 0, 1, 7)]), 2),
  natureOfConnectionIndicators: row(
    0x06,
    "Q.763 §3.35",
    bits(1, 1, [f("satelliteIndicator", 0, 1, 2), f("continuityCheckIndicator", 0, 3, 2), f("echoControlDeviceIndicator", 0, 5, 1), opt("spare", 0, 6, 3)]),
  ),
  forwardCallIndicators: row(
    0x07,
    "Q.763 §3.23",
    bits(2, 2, [
      f("nationalInternationalCallIndicator", 0, 1, 1),
      f("endToEndMethodIndicator", 0, 2, 2),
      f("interworkingIndicator", 0, 4, 1),
      f("endToEndInformationIndicator", 0, 5, 1),
      f("isdnUserPartIndicator", 0, 6, 1),
      f("isdnUserPartPreferenceIndicator", 0, 7, 2),
      f("isdnAccessIndicator", 1, 1, 1),
      f("sccpMethodIndicator", 1, 2, 2),
      opt("spare", 1, 4, 1),
      // Bits M and N: Q.769.1 number portability uses (national).
      opt("portedNumberTranslationIndicator", 1, 5, 1),
      opt("queryOnReleaseAttemptIndicator", 1, 6, 1),
      opt("nationalUse", 1, 7, 2),
    ]),
  ),
  optionalForwardCallIndicators: row(
    0x08,
    "Q.763 §3.38",
    bits(1, 1, [f("closedUserGroupCallIndicator", 0, 1, 2), f("simpleSegmentationIndicator", 0, 3, 1), opt("spare", 0, 4, 4), f("connectedLineIdentityRequestIndicator", 0, 8, 1)]),
  ),
  callingPartysCategory: row(0x09, "Q.763 §3.11", oneOctet("callingPartysCategory", CALLING_PARTYS_CATEGORY)),
  callingPartyNumber: row(0x0a, "Q.763 §3.10", number(2, 0, 8, [noa, f("numberIncompleteIndicator", 1, 8, 1), npi, apri, screening])),
  redirectingNumber: row(0x0b, "Q.763 §3.44", redirectingLikeNumber),
  redirectionNumber: row(0x0c, "Q.763 §3.46", number(2, 0, 8, [noa, f("internalNetworkNumberIndicator", 1, 8, 1), npi, opt("spare", 1, 1, 4)])),
  connectionRequest: raw(0x0d, "Q.763 §3.17", 5, 7),
  informationRequestIndicators: row(
    0x0e,
    "Q.763 §3.29",
    bits(2, 2, [
      f("callingPartyAddressRequestIndicator", 0, 1, 1),
      f("holdingIndicator", 0, 2, 1),
      opt("spare", 0, 3, 1),
      f("callingPartysCategoryRequestIndicator", 0, 4, 1),
      f("chargeInformationRequestIndicator", 0, 5, 1),
      opt("spare2", 0, 6, 2),
      f("maliciousCallIdentificationRequestIndicator", 0, 8, 1),
      opt("spare3", 1, 1, 4),
      opt("nationalUse", 1, 5, 4),
    ]),
  ),
  informationIndicators: row(
    0x0f,
    "Q.763 §3.28",
    bits(2, 2, [
      f("callingPartyAddressResponseIndicator", 0, 1, 2),
      f("holdProvidedIndicator", 0, 3, 1),
      opt("spare", 0, 4, 2),
      f("callingPartysCategoryResponseIndicator", 0, 6, 1),
      f("chargeInformationResponseIndicator", 0, 7, 1),
      f("solicitedInformationIndicator", 0, 8, 1),
      opt("spare2", 1, 1, 4),
      opt("nationalUse", 1, 5, 4),
    ]),
  ),
  continuityIndicators: row(0x10, "Q.763 §3.18", bits(1, 1, [f("continuityIndicator", 0, 1, 1), opt("spare", 0, 2, 7)])),
  backwardCallIndicators: row(
    0x11,
    "Q.763 §3.5",
    bits(2, 2, [
      f("chargeIndicator", 0, 1, 2),
      f("calledPartysStatusIndicator", 0, 3, 2),
      f("calledPartysCategoryIndicator", 0, 5, 2),
      f("endToEndMethodIndicator", 0, 7, 2),
      f("interworkingIndicator", 1, 1, 1),
      f("endToEndInformationIndicator", 1, 2, 1),
      f("isdnUserPartIndicator", 1, 3, 1),
      f("holdingIndicator", 1, 4, 1),
      f("isdnAccessIndicator", 1, 5, 1),
      f("echoControlDeviceIndicator", 1, 6, 1),
      f("sccpMethodIndicator", 1, 7, 2),
    ]),
  ),
  causeIndicators: row(0x12, "Q.763 §3.12", cause()),
  redirectionInformation: row(
    0x13,
    "Q.763 §3.45",
    bits(2, 2, [
      f("redirectingIndicator", 0, 1, 3),
      opt("spare", 0, 4, 1),
      f("originalRedirectionReason", 0, 5, 4),
      f("redirectionCounter", 1, 1, 3),
      opt("spare2", 1, 4, 1),
      f("redirectingReason", 1, 5, 4),
    ]),
  ),
  circuitGroupSupervisionMessageType: row(0x15, "Q.763 §3.13", bits(1, 1, [named("typeIndicator", 0, 1, 2, CGS_MESSAGE_TYPE), opt("spare", 0, 3, 6)])),
  rangeAndStatus: row(0x16, "Q.763 §3.43", rangeAndStatus()),
  facilityIndicator: row(0x18, "Q.763 §3.22", oneOctet("facilityIndicator")),
  closedUserGroupInterlockCode: raw(0x1a, "Q.763 §3.15", 4, 4),
  userServiceInformation: row(0x1d, "Q.763 §3.57", userServiceInformation(), 2, 11),
  signallingPointCode: row(0x1e, "Q.763 §3.50", pointCode(2)),
  userToUserInformation: row(0x20, "Q.763 §3.61", headerData(1, [f("protocolDiscriminator", 0, 1, 8)], "userInformation"), 1, 129),
  connectedNumber: row(0x21, "Q.763 §3.16", number(2, 0, 8, [noa, opt("spare", 1, 8, 1), npi, apri, screening])),
  suspendResumeIndicators: row(0x22, "Q.763 §3.52", bits(1, 1, [f("suspendResumeIndicator", 0, 1, 1), opt("spare", 0, 2, 7)])),
  transitNetworkSelection: row(
    0x23,
    "Q.763 §3.53",
    number(1, 0, 8, [f("typeOfNetworkIdentification", 0, 5, 3), f("networkIdentificationPlan", 0, 1, 4)]),
  ),
  eventInformation: row(0x24, "Q.763 §3.21", bits(1, 1, [named("eventIndicator", 0, 1, 7, EVENT_INDICATOR), f("eventPresentationRestrictedIndicator", 0, 8, 1)])),
  circuitAssignmentMap: raw(0x25, "Q.763 §3.69", 5, 5),
  circuitStateIndicator: row(0x26, "Q.763 §3.14", octetList("circuitStates"), 1, 32),
  automaticCongestionLevel: row(0x27, "Q.763 §3.4", oneOctet("automaticCongestionLevel")),
  originalCalledNumber: row(0x28, "Q.763 §3.39", redirectingLikeNumber),
  optionalBackwardCallIndicators: row(
    0x29,
    "Q.763 §3.37",
    bits(1, 1, [
      f("inBandInformationIndicator", 0, 1, 1),
      f("callDiversionMayOccurIndicator", 0, 2, 1),
      f("simpleSegmentationIndicator", 0, 3, 1),
      f("mlppUserIndicator", 0, 4, 1),
      opt("nationalUse", 0, 5, 4),
    ]),
  ),
  userToUserIndicators: row(
    0x2a,
    "Q.763 §3.60",
    bits(1, 1, [f("type", 0, 1, 1), f("service1", 0, 2, 2), f("service2", 0, 4, 2), f("service3", 0, 6, 2), f("networkDiscardIndicator", 0, 8, 1)]),
  ),
  originationIscPointCode: row(0x2b, "Q.763 §3.40", pointCode(2)),
  genericNotificationIndicator: raw(0x2c, "Q.763 §3.25", 1, 1),
  callHistoryInformation: row(0x2d, "Q.763 §3.7", uint("propagationDelayValue", 2)),
  accessDeliveryInformation: raw(0x2e, "Q.763 §3.2", 1, 1),
  networkSpecificFacility: raw(0x2f, "Q.763 §3.36"),
  userServiceInformationPrime: row(0x30, "Q.763 §3.58", userServiceInformation(), 2, 11),
  propagationDelayCounter: row(0x31, "Q.763 §3.42", uint("propagationDelayValue", 2)),
  remoteOperations: raw(0x32, "Q.763 §3.48"),
  serviceActivation: raw(0x33, "Q.763 §3.49"),
  userTeleserviceInformation: raw(0x34, "Q.763 §3.59", 2, 3),
  transmissionMediumUsed: row(0x35, "Q.763 §3.56", oneOctet("transmissionMediumUsed", TRANSMISSION_MEDIUM)),
  callDiversionInformation: raw(0x36, "Q.763 §3.6", 1, 1),
  echoControlInformation: raw(0x37, "Q.763 §3.19", 1, 1),
  messageCompatibilityInformation: row(0x38, "Q.763 §3.33", messageCompatibility()),
  parameterCompatibilityInformation: row(0x39, "Q.763 §3.41", parameterCompatibility()),
  mlppPrecedence: raw(0x3a, "Q.763 §3.34", 6, 6),
  mcidRequestIndicators: raw(0x3b, "Q.763 §3.31", 1, 1),
  mcidResponseIndicators: raw(0x3c, "Q.763 §3.32", 1, 1),
  hopCounter: row(0x3d, "Q.763 §3.80", bits(1, 1, [f("hopCounter", 0, 1, 5), opt("spare", 0, 6, 3)])),
  transmissionMediumRequirementPrime: row(0x3e, "Q.763 §3.55", oneOctet("transmissionMediumRequirementPrime", TRANSMISSION_MEDIUM)),
  locationNumber: row(0x3f, "Q.763 §3.30", number(2, 0, 8, [noa, f("internalNetworkNumberIndicator", 1, 8, 1), npi, apri, screening])),
  redirectionNumberRestriction: raw(0x40, "Q.763 §3.47", 1, 1),
  callTransferReference: raw(0x43, "Q.763 §3.65", 1, 1),
  loopPreventionIndicators: raw(0x44, "Q.763 §3.67", 1, 1),
  callTransferNumber: row(0x45, "Q.763 §3.64", number(2, 0, 8, [noa, opt("spare", 1, 8, 1), npi, apri, screening])),
  ccss: raw(0x4b, "Q.763 §3.63", 1, 1),
  forwardGvns: raw(0x4c, "Q.763 §3.66", 3),
  backwardGvns: raw(0x4d, "Q.763 §3.62", 1),
  redirectCapability: raw(0x4e, "Q.763 Table 5 (national use)"),
  networkManagementControls: raw(0x5b, "Q.763 §3.68"),
  correlationId: raw(0x65, "Q.763 §3.70"),
  scfId: raw(0x66, "Q.763 §3.71"),
  callDiversionTreatmentIndicators: raw(0x6e, "Q.763 §3.72"),
  calledInNumber: row(0x6f, "Q.763 §3.73", redirectingLikeNumber),
  callOfferingTreatmentIndicators: raw(0x70, "Q.763 §3.74"),
  chargedPartyIdentification: raw(0x71, "Q.763 §3.75"),
  conferenceTreatmentIndicators: raw(0x72, "Q.763 §3.76"),
  displayInformation: raw(0x73, "Q.763 §3.77"),
  uidActionIndicators: raw(0x74, "Q.763 §3.78"),
  uidCapabilityIndicators: raw(0x75, "Q.763 §3.79"),
  redirectCounter: raw(0x77, "Q.763 Table 5 (national use)"),
  applicationTransport: raw(0x78, "Q.763 Table 5", 3),
  collectCallRequest: raw(0x79, "Q.763 Table 5", 1, 1),
  genericNumber: row(
    0xc0,
    "Q.763 §3.26",
    number(3, 1, 8, [
      f("numberQualifierIndicator", 0, 1, 8),
      named("natureOfAddressIndicator", 1, 1, 7, NATURE_OF_ADDRESS),
      f("numberIncompleteIndicator", 2, 8, 1),
      named("numberingPlanIndicator", 2, 5, 3, NUMBERING_PLAN),
      named("addressPresentationRestrictedIndicator", 2, 3, 2, PRESENTATION),
      named("screeningIndicator", 2, 1, 2, SCREENING),
    ]),
  ),
  genericDigits: row(0xc1, "Q.763 §3.24", genericDigits()),
} as const;

/** ANSI T1.113.3: rows that differ from ITU, and ANSI-only parameters. */
const ansiOnlyRows = {
  callReference: row(0x01, "T1.113.3 (call reference, 3-octet point code)", callReference(3)),
  signallingPointCode: row(0x1e, "T1.113.3 (signalling point code)", pointCode(3)),
  redirectionInformation: row(
    0x13,
    "T1.113.3 (redirection information)",
    bits(1, 2, [
      f("redirectingIndicator", 0, 1, 3),
      opt("spare", 0, 4, 1),
      f("originalRedirectionReason", 0, 5, 4),
      f("redirectionCounter", 1, 1, 3),
      opt("spare2", 1, 4, 1),
      f("redirectingReason", 1, 5, 4),
    ]),
  ),
  transitNetworkSelection: row(0x23, "T1.113.3 (transit network selection)", ansiTransitNetworkSelection()),
  genericAddress: row(
    0xc0,
    "T1.113.3 (generic address)",
    number(3, 1, 8, [
      f("typeOfAddress", 0, 1, 8),
      named("natureOfAddressIndicator", 1, 1, 7, NATURE_OF_ADDRESS),
      opt("spare", 2, 8, 1),
      named("numberingPlanIndicator", 2, 5, 3, NUMBERING_PLAN),
      named("addressPresentationRestrictedIndicator", 2, 3, 2, PRESENTATION),
      opt("spare2", 2, 1, 2),
    ]),
  ),
  operatorServicesInformation: raw(0xc2, "T1.113.3 (operator services information)"),
  egressService: raw(0xc3, "T1.113.3 (egress service)"),
  jurisdictionInformation: row(0xc4, "T1.113.3 (jurisdiction information)", digitsOnly()),
  carrierIdentification: raw(0xc5, "T1.113.3 (carrier identification)"),
  businessGroup: raw(0xc6, "T1.113.3 (business group)"),
  genericName: raw(0xc7, "T1.113.3 (generic name)"),
  notificationIndicator: raw(0xe1, "T1.113.3 (notification indicator)"),
  circuitGroupCharacteristicIndicator: row(
    0xe5,
    "T1.113.3 (circuit group characteristic indicator)",
    bits(1, 1, [
      f("circuitGroupCarrierIndicator", 0, 1, 2),
      f("doubleSeizingControlIndicator", 0, 3, 2),
      f("alarmCarrierIndicator", 0, 5, 2),
      f("continuityCheckRequirementsIndicator", 0, 7, 2),
    ]),
  ),
  circuitValidationResponseIndicator: row(0xe6, "T1.113.3 (circuit validation response indicator)", oneOctet("circuitValidationResponseIndicator")),
  outgoingTrunkGroupNumber: raw(0xe7, "T1.113.3 (outgoing trunk group number)"),
  circuitIdentificationName: raw(0xe8, "T1.113.3 (circuit identification name)"),
  commonLanguageLocationIdentification: raw(0xe9, "T1.113.3 (CLLI code)"),
  originatingLineInformation: row(0xea, "T1.113.3 (originating line information)", oneOctet("originatingLineInformation")),
  chargeNumber: row(
    0xeb,
    "T1.113.3 (charge number)",
    number(2, 0, 8, [
      named("natureOfAddressIndicator", 0, 1, 7, ANSI_CHARGE_NATURE_OF_ADDRESS),
      opt("spare", 1, 8, 1),
      npi,
      opt("spare2", 1, 1, 4),
    ]),
  ),
  serviceCodeIndicator: raw(0xec, "T1.113.3 (service code indicator)"),
  specialProcessingRequest: raw(0xed, "T1.113.3 (special processing request)"),
  carrierSelectionInformation: raw(0xee, "T1.113.3 (carrier selection information)"),
  networkTransport: raw(0xef, "T1.113.3 (network transport)"),
} as const;

type RowValue<R> = R extends { readonly codec: FieldCodec<infer T> } ? T : never;
type ValuesOf<R> = { readonly [K in keyof R as [RowValue<R[K]>] extends [never] ? never : K]: RowValue<R[K]> };
type ItuValues = ValuesOf<typeof ituRows>;
type AnsiValues = ValuesOf<typeof ansiOnlyRows>;

/** Decoded value type of every parameter that has a field layout, by name (both variants). */
export type ParameterValueMap = {
  readonly [K in keyof ItuValues | keyof AnsiValues]: (K extends keyof ItuValues ? ItuValues[K] : never) | (K extends keyof AnsiValues ? AnsiValues[K] : never);
};

export type ParameterName = keyof typeof ituRows | keyof typeof ansiOnlyRows;

function toDefs(rows: Readonly<Record<string, Row<unknown> | RawRow>>): ParameterDef[] {
  return Object.entries(rows).map(([name, r]) => ({ name, ...r }) as ParameterDef);
}

/** ITU parameters whose code ANSI gives to another parameter. */
const ITU_ONLY = new Set(["genericNumber"]);

export const ITU_PARAMETERS: readonly ParameterDef[] = toDefs(ituRows);

export const ANSI_PARAMETERS: readonly ParameterDef[] = [
  ...toDefs(ituRows).filter((d) => !ITU_ONLY.has(d.name) && !(d.name in ansiOnlyRows)),
  ...toDefs(ansiOnlyRows),
];

/** The end of optional parameters octet (Q.763 §1.8, §3.20). */
export const END_OF_OPTIONAL_PARAMETERS = 0x00;
