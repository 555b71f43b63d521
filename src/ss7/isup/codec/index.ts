/**
 * ISUP codec (ITU-T Q.763, ANSI T1.113.3): public surface.
 */
export { decodeIsup, encodeIsup, getParameter, getParameters, parameterInstruction, unrecognisedMessageInstruction, unrecognisedParameters } from "./isup-codec.js";
export type { DecodedParameter, IsupCodecOptions, IsupMessage, IsupParameter, IsupVariant, RawParameter } from "./types.js";
export { isDecoded } from "./types.js";
export type { ParameterName, ParameterValueMap } from "./parameters.js";
export type {
  CauseValue,
  FieldValues,
  GenericDigitsValue,
  MessageCompatibilityValue,
  ParameterCompatibilityValue,
  ParameterInstruction,
  RangeAndStatusValue,
  UserServiceInformationValue,
} from "./field-codecs.js";
export { UNRECOGNISED } from "./messages.js";
