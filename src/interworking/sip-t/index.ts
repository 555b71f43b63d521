/**
 * SIP-T encapsulation (RFC 3204, RFC 3372): public surface.
 */
export type { Handling, IsupPartOptions, QsigPartOptions, SipBodyInput } from "./body-parts.js";
export { ISUP_BASE_VALUES, SIPT_BOUNDARY_BASE, isupBodyPart, isupContentType, qsigBodyPart, sipBody } from "./body-parts.js";
export type { IgnoredPart, IsupBody, QsigBody, ReadBodiesOptions, ReadBodiesResult } from "./read-bodies.js";
export { MAX_MULTIPART_DEPTH, acceptValue, defaultDisposition, readBodies } from "./read-bodies.js";
