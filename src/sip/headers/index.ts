/**
 * Typed helpers for the header fields a SIP-T gateway reads and writes
 * beyond RFC 3261: Reason (RFC 3326), P-Asserted-Identity and
 * P-Preferred-Identity (RFC 3325), Privacy (RFC 3323), Diversion (RFC 5806)
 * and History-Info (RFC 7044, with the RFC 4458 cause). Pure: parse gives a
 * DecodeResult, format gives the header value.
 */
export type { Reason } from "./reason.js";
export { formatReasonValue, formatReasons, parseReasons, q850Reason, reasonFor, reasonHeader, reasonsOf, sipReason } from "./reason.js";
export type { IdentityHeader, IdentitySet } from "./identity.js";
export { classifyIdentities, formatIdentities, identitiesOf, identityHeader, parseIdentities } from "./identity.js";
export type { PrivValue } from "./privacy.js";
export { KNOWN_PRIV_VALUES, formatPrivacy, parsePrivacy, privacyAsks, privacyHeader, privacyOf } from "./privacy.js";
export type { Diversion, DiversionInit, DiversionReason } from "./diversion.js";
export { DIVERSION_REASONS, diversionCount, diversionHeader, diversionsOf, formatDiversions, makeDiversion, parseDiversions } from "./diversion.js";
export type { HiTargetKind, HistoryEntry, HistoryEntryInit } from "./history-info.js";
export { formatHistoryInfo, historyInfoHeader, historyInfoOf, historyParent, isIndexVal, makeHistoryEntry, parseHistoryInfo } from "./history-info.js";
