/**
 * ISUP <-> SIP parameter mappings (RFC 3398 and the references each file
 * names): public surface.
 */
export type { IsupNumberFields, NumberingSettings, ParsedTelephone, TelephoneNumber, TelephoneParams, UriForm } from "./numbers.js";
export { isupNumberToTelephone, telephoneOfUri, telephoneToIsupNumber, telephoneUri, uriToIsupNumber } from "./numbers.js";
export type { CalledNumberSettings, CalledPartyNumberValue, CallingPartyNumberValue, CallingPartyResult, IdentitySettings, NameAddrFields, SipIdentity, SipIdentityIn } from "./parties.js";
export { calledNumberToRequestUri, callingPartyToSip, requestUriToCalledNumber, sipToCallingParty } from "./parties.js";
export type { BackwardOptions, BackwardResult, ProvisionalMapping } from "./backward.js";
export { answerMessage, backwardToProvisional, defaultBackwardCallIndicators, provisionalToBackward } from "./backward.js";
export type { CpcToSip } from "./category.js";
export { categoryToCpc, cpcToCategory, oliFromSip, oliToSip } from "./category.js";
export type { DiversionEntry, HistoryInfoEntry, IsupRedirection, RedirectingNumberValue, RedirectionInformationValue, SipRedirection, SipRedirectionIn } from "./redirection.js";
export { redirectionToSip, sipToRedirection } from "./redirection.js";
