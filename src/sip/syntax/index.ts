/**
 * SIP syntax: parse and serialize SIP messages (RFC 3261 §7, §25), URIs
 * (RFC 3261 §19.1, RFC 3966), header values, multipart bodies (RFC 2046
 * §5.1, RFC 5621) and stream framing (RFC 3261 §18.3). Pure functions of
 * octets and strings; nothing exported here throws on input.
 */
export type { SipHeader } from "./header-lines.js";
export { header, splitCommaList } from "./header-lines.js";
export type { HeaderDef } from "./header-table.js";
export { KNOWN_METHODS, canonicalHeaderName, headerDef, headerKey, knownHeaders } from "./header-table.js";
export type {
  CSeq,
  ContactList,
  ContactValue,
  ContentDisposition,
  FromTo,
  HeaderValue,
  HeaderValueKey,
  MediaType,
  RAck,
  ReasonValue,
  SessionExpires,
  SipDate,
  Via,
} from "./header-values.js";
export {
  MAX_UINT32,
  formatCSeq,
  formatContentDisposition,
  formatFromTo,
  formatMediaType,
  formatNameAddrList,
  formatReason,
  formatVia,
  isTypedHeader,
  makeVia,
  mediaTypeIs,
  parseHeaderValue,
} from "./header-values.js";
export type { Host, HostType } from "./host.js";
export { classifyHost, isHostname, isIPv4, isIPv6 } from "./host.js";
export type { CoreFields, RequestLine, StartLine, StatusLine } from "./message.js";
export { LAZY_HEADER_KEYS, SipMessage } from "./message.js";
export type { BodyPart, BodyPartInit, MultipartBody } from "./multipart.js";
export { boundaryProblem, chooseBoundary, parseMultipartBody, serializeMultipartBody } from "./multipart.js";
export type { NameAddr } from "./name-addr.js";
export { formatNameAddr } from "./name-addr.js";
export type { Param } from "./params.js";
export { findParam, formatParams, hasParam, param, paramValue, quote } from "./params.js";
export type { KnownFields, MessageInit, ParseOptions, SipLimits, SipParseError, SipParseResult } from "./parse-message.js";
export { collectKnownFields, createSipMessage, parseSipMessage } from "./parse-message.js";
export { formatHeaderSection, formatStartLine, serializeSipMessage } from "./serialize-message.js";
export type { StreamFrame } from "./stream-framer.js";
export { frameSipStream } from "./stream-framer.js";
export type { AbsoluteUri, SipUri, TelUri, Uri, UriHeader, UriParam, UriRules } from "./uri.js";
export { escapeParam, escapeUriHeader, escapeUser, formatUri, parseUri, sipUriEquals, unescapeToOctets, unescapeUriComponent, uriParam } from "./uri.js";
