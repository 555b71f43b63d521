/**
 * Sample messages built from the message and parameter tables (Q.763 §3, §4;
 * ANSI T1.113.3): every message type of a variant with its mandatory
 * parameters filled with plausible values, and typical optional parameters
 * on the call-setup messages. Used by the tshark cross-check, the CLI tests
 * and the benchmark; they are data, not defaults for call control.
 */
import type { FieldValues } from "./field-codecs.js";
import type { ParameterDef } from "./parameters.js";
import type { CompiledMessage } from "./profiles.js";
import { profileOf } from "./profiles.js";
import type { IsupMessage, IsupParameter, IsupVariant } from "./types.js";

/** Plausible values for parameters that have a field layout. */
const SAMPLE_VALUES: Readonly<Record<string, FieldValues>> = {
  natureOfConnectionIndicators: { satelliteIndicator: 0, continuityCheckIndicator: 0, echoControlDeviceIndicator: 1 },
  forwardCallIndicators: {
    nationalInternationalCallIndicator: 0,
    endToEndMethodIndicator: 0,
    interworkingIndicator: 0,
    endToEndInformationIndicator: 0,
    isdnUserPartIndicator: 1,
    isdnUserPartPreferenceIndicator: 0,
    isdnAccessIndicator: 1,
    sccpMethodIndicator: 0,
  },
  callingPartysCategory: { callingPartysCategory: 10 },
  transmissionMediumRequirement: { transmissionMediumRequirement: 3 },
  transmissionMediumRequirementPrime: { transmissionMediumRequirementPrime: 3 },
  transmissionMediumUsed: { transmissionMediumUsed: 3 },
  calledPartyNumber: { natureOfAddressIndicator: 3, internalNetworkNumberIndicator: 0, numberingPlanIndicator: 1, digits: "2125551234" },
  callingPartyNumber: {
    natureOfAddressIndicator: 3,
    numberIncompleteIndicator: 0,
    numberingPlanIndicator: 1,
    addressPresentationRestrictedIndicator: 0,
    screeningIndicator: 3,
    digits: "3125550100",
  },
  subsequentNumber: { digits: "789" },
  redirectingNumber: { natureOfAddressIndicator: 3, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, digits: "4155550101" },
  originalCalledNumber: { natureOfAddressIndicator: 3, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, digits: "4155550102" },
  calledInNumber: { natureOfAddressIndicator: 3, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, digits: "8005550103" },
  redirectionNumber: { natureOfAddressIndicator: 4, internalNetworkNumberIndicator: 0, numberingPlanIndicator: 1, digits: "442079460104" },
  connectedNumber: { natureOfAddressIndicator: 3, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, screeningIndicator: 3, digits: "2125551234" },
  locationNumber: {
    natureOfAddressIndicator: 3,
    internalNetworkNumberIndicator: 0,
    numberingPlanIndicator: 1,
    addressPresentationRestrictedIndicator: 0,
    screeningIndicator: 3,
    digits: "2125550000",
  },
  callTransferNumber: { natureOfAddressIndicator: 3, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, screeningIndicator: 3, digits: "2125550105" },
  genericNumber: {
    numberQualifierIndicator: 6,
    natureOfAddressIndicator: 3,
    numberIncompleteIndicator: 0,
    numberingPlanIndicator: 1,
    addressPresentationRestrictedIndicator: 0,
    screeningIndicator: 1,
    digits: "6465550106",
  },
  genericAddress: { typeOfAddress: 6, natureOfAddressIndicator: 3, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, digits: "6465550107" },
  chargeNumber: { natureOfAddressIndicator: 3, numberingPlanIndicator: 1, digits: "3125550100" },
  jurisdictionInformation: { digits: "312555" },
  originatingLineInformation: { originatingLineInformation: 0 },
  transitNetworkSelection: { typeOfNetworkIdentification: 2, networkIdentificationPlan: 1, digits: "0288" },
  genericDigits: { typeOfDigits: 0, encodingScheme: 0, digits: "1234" },
  backwardCallIndicators: {
    chargeIndicator: 2,
    calledPartysStatusIndicator: 1,
    calledPartysCategoryIndicator: 1,
    endToEndMethodIndicator: 0,
    interworkingIndicator: 0,
    endToEndInformationIndicator: 0,
    isdnUserPartIndicator: 1,
    holdingIndicator: 0,
    isdnAccessIndicator: 1,
    echoControlDeviceIndicator: 0,
    sccpMethodIndicator: 0,
  },
  optionalBackwardCallIndicators: { inBandInformationIndicator: 1, callDiversionMayOccurIndicator: 0, simpleSegmentationIndicator: 0, mlppUserIndicator: 0 },
  optionalForwardCallIndicators: { closedUserGroupCallIndicator: 0, simpleSegmentationIndicator: 0, connectedLineIdentityRequestIndicator: 0 },
  causeIndicators: { codingStandard: 0, location: 2, causeValue: 16 },
  eventInformation: { eventIndicator: 1, eventPresentationRestrictedIndicator: 0 },
  continuityIndicators: { continuityIndicator: 1 },
  suspendResumeIndicators: { suspendResumeIndicator: 0 },
  circuitGroupSupervisionMessageType: { typeIndicator: 0 },
  informationRequestIndicators: {
    callingPartyAddressRequestIndicator: 1,
    holdingIndicator: 0,
    callingPartysCategoryRequestIndicator: 1,
    chargeInformationRequestIndicator: 0,
    maliciousCallIdentificationRequestIndicator: 0,
  },
  informationIndicators: {
    callingPartyAddressResponseIndicator: 3,
    holdProvidedIndicator: 0,
    callingPartysCategoryResponseIndicator: 1,
    chargeInformationResponseIndicator: 0,
    solicitedInformationIndicator: 1,
  },
  facilityIndicator: { facilityIndicator: 2 },
  userServiceInformation: { codingStandard: 0, informationTransferCapability: 0, transferMode: 0, informationTransferRate: 16, userInformationLayer1Protocol: 3 },
  userServiceInformationPrime: { codingStandard: 0, informationTransferCapability: 16, transferMode: 0, informationTransferRate: 16, userInformationLayer1Protocol: 3 },
  userToUserInformation: { protocolDiscriminator: 4, userInformation: "48656c6c6f" },
  userToUserIndicators: { type: 0, service1: 2, service2: 0, service3: 0, networkDiscardIndicator: 0 },
  hopCounter: { hopCounter: 20 },
  automaticCongestionLevel: { automaticCongestionLevel: 1 },
  propagationDelayCounter: { propagationDelayValue: 12 },
  callHistoryInformation: { propagationDelayValue: 30 },
  redirectionInformation: { redirectingIndicator: 3, originalRedirectionReason: 1, redirectionCounter: 1, redirectingReason: 1 },
  signallingPointCode: { signallingPointCode: 1234 },
  callReference: { callIdentity: 0x010203, signallingPointCode: 1234 },
  originationIscPointCode: { signallingPointCode: 4321 },
  circuitGroupCharacteristicIndicator: { circuitGroupCarrierIndicator: 2, doubleSeizingControlIndicator: 1, alarmCarrierIndicator: 2, continuityCheckRequirementsIndicator: 1 },
  circuitValidationResponseIndicator: { circuitValidationResponseIndicator: 1 },
  messageCompatibilityInformation: {
    transitAtIntermediateExchangeIndicator: 0,
    releaseCallIndicator: 0,
    sendNotificationIndicator: 1,
    discardMessageIndicator: 1,
    passOnNotPossibleIndicator: 1,
    broadbandNarrowbandInterworkingIndicator: 0,
  },
  parameterCompatibilityInformation: {
    instructions: [
      {
        parameterCode: 0xfe,
        transitAtIntermediateExchangeIndicator: 0,
        releaseCallIndicator: 0,
        sendNotificationIndicator: 1,
        discardMessageIndicator: 0,
        discardParameterIndicator: 1,
        passOnNotPossibleIndicator: 2,
      },
    ],
  },
};

/** Parameters whose value depends on the message (range and status and its companions). */
function mandatoryValue(variant: IsupVariant, cm: CompiledMessage, def: ParameterDef): FieldValues | undefined {
  const type = cm.def.mnemonic;
  if (def.name === "rangeAndStatus") {
    if (type === "GRS" || type === "CQM") return { range: 7 };
    if (type === "CQR") return { range: 3 };
    if (type === "GRA") return { range: 7, status: "00100000" };
    return { range: 7, status: "11110000" };
  }
  if (def.name === "circuitStateIndicator") return { circuitStates: [0x0f, 0x0d, 0x0e, 0x0f] };
  if (def.name === "causeIndicators") return { codingStandard: variant === "ansi" ? 2 : 0, location: 2, causeValue: type === "REL" ? 16 : 97 };
  if (def.name === "circuitGroupSupervisionMessageType") return { typeIndicator: type === "CGBA" || type === "CGUA" ? 0 : 1 };
  if (def.name === "transitNetworkSelection" && variant === "ansi") {
    return { typeOfNetworkIdentification: 2, networkIdentificationPlan: 1, networkIdentification: "0288", circuitCode: 0 };
  }
  return SAMPLE_VALUES[def.name];
}

/** Typical optional parameters per message (by name), where one is worth showing. */
const TYPICAL_OPTIONAL: Readonly<Record<IsupVariant, Readonly<Record<string, readonly string[]>>>> = {
  itu: {
    IAM: ["callingPartyNumber", "optionalForwardCallIndicators", "hopCounter", "propagationDelayCounter"],
    SAM: [],
    ACM: ["optionalBackwardCallIndicators"],
    CPG: ["optionalBackwardCallIndicators"],
    ANM: ["backwardCallIndicators", "connectedNumber"],
    CON: ["connectedNumber"],
    REL: ["automaticCongestionLevel"],
    RLC: ["causeIndicators"],
    INF: ["callingPartyNumber", "callingPartysCategory"],
    SUS: ["callReference"],
    UPT: ["parameterCompatibilityInformation"],
    APM: ["messageCompatibilityInformation"],
  },
  ansi: {
    IAM: ["callingPartyNumber", "chargeNumber", "originatingLineInformation", "jurisdictionInformation", "hopCounter"],
    ACM: ["optionalBackwardCallIndicators"],
    CPG: ["optionalBackwardCallIndicators"],
    REL: ["automaticCongestionLevel"],
    INF: ["callingPartyNumber", "callingPartysCategory"],
  },
};

/**
 * A sample of message `mnemonic` in `variant` on circuit `cic`. PAM carries
 * an ANM; CRG and SDN (national formats) carry two spare octets.
 */
export function sampleMessage(variant: IsupVariant, mnemonic: string, cic = 1): IsupMessage {
  const profile = profileOf(variant);
  const cm = profile.messagesByMnemonic.get(mnemonic);
  if (!cm) throw new Error(`no ${variant} message ${mnemonic}`);
  if (cm.def.opaqueBody) {
    // PAM: message type code of the embedded ANM, then its optional part pointer (none).
    return { messageType: mnemonic, cic, parameters: [], body: mnemonic === "PAM" ? "0900" : "0000" };
  }
  const parameters: IsupParameter[] = [];
  for (const def of [...cm.fixed, ...cm.variable]) {
    const value = mandatoryValue(variant, cm, def);
    if (value === undefined) throw new Error(`no sample value for ${def.name}`);
    parameters.push({ name: def.name, value });
  }
  if (cm.def.optionalPart) {
    for (const name of TYPICAL_OPTIONAL[variant][mnemonic] ?? []) {
      const def = profile.parametersByName.get(name);
      const value = def ? (name === "causeIndicators" ? mandatoryValue(variant, cm, def) : SAMPLE_VALUES[name]) : undefined;
      if (!value) throw new Error(`no sample value for optional ${name}`);
      parameters.push({ name, value });
    }
  }
  return { messageType: mnemonic, cic, parameters };
}

/** Every message type of the variant, as samples. */
export function allSampleMessages(variant: IsupVariant, cic = 1): IsupMessage[] {
  return profileOf(variant).messages.map((m) => sampleMessage(variant, m.def.mnemonic, cic));
}
