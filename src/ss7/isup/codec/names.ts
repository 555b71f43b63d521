/**
 * Names of coded values, for readable decodes (ITU-T Q.763 §3, ITU-T Q.850
 * §2.2, ANSI T1.113.3). Decoders add `<field>Name` beside a field whose value
 * has a name here; encoders read only the number, so a name is informative.
 */

export type NameTable = Readonly<Record<number, string>>;

/** Q.763 §3.9 b) nature of address indicator (called party number, 1-8). */
export const CALLED_NATURE_OF_ADDRESS: NameTable = {
  1: "subscriber number (national use)",
  2: "unknown (national use)",
  3: "national (significant) number",
  4: "international number",
  5: "network-specific number (national use)",
  6: "network routing number in national (significant) number format (national use)",
  7: "network routing number in network-specific number format (national use)",
  8: "network routing number concatenated with called directory number (national use)",
};

/** Q.763 §3.10 b) nature of address indicator (calling party number and the other numbers). */
export const NATURE_OF_ADDRESS: NameTable = {
  1: "subscriber number (national use)",
  2: "unknown (national use)",
  3: "national (significant) number",
  4: "international number",
};

/** ANSI T1.113.3 charge number nature of address. */
export const ANSI_CHARGE_NATURE_OF_ADDRESS: NameTable = {
  1: "ANI of the calling party; subscriber number",
  2: "ANI not available or not provided",
  3: "ANI of the calling party; national number",
  5: "ANI of the called party; subscriber number",
  6: "ANI of the called party; no number present",
  7: "ANI of the called party; national number",
};

/** Q.763 §3.9 d) numbering plan indicator. */
export const NUMBERING_PLAN: NameTable = {
  1: "ISDN (Telephony) numbering plan (ITU-T E.164)",
  3: "data numbering plan (ITU-T X.121) (national use)",
  4: "telex numbering plan (ITU-T F.69) (national use)",
  5: "reserved for national use",
  6: "reserved for national use",
};

/** Q.763 §3.10 e) address presentation restricted indicator. */
export const PRESENTATION: NameTable = {
  0: "presentation allowed",
  1: "presentation restricted",
  2: "address not available (national use)",
  3: "reserved for restriction by the network",
};

/** Q.763 §3.10 f) screening indicator. */
export const SCREENING: NameTable = {
  0: "reserved (user provided, not verified)",
  1: "user provided, verified and passed",
  2: "reserved (user provided, verified and failed)",
  3: "network provided",
};

/** Q.763 §3.11 calling party's category. */
export const CALLING_PARTYS_CATEGORY: NameTable = {
  0: "calling party's category unknown at this time (national use)",
  1: "operator, language French",
  2: "operator, language English",
  3: "operator, language German",
  4: "operator, language Russian",
  5: "operator, language Spanish",
  9: "reserved (national use)",
  10: "ordinary calling subscriber",
  11: "calling subscriber with priority",
  12: "data call (voice band data)",
  13: "test call",
  15: "payphone",
};

/** Q.763 §3.54 transmission medium requirement. */
export const TRANSMISSION_MEDIUM: NameTable = {
  0: "speech",
  2: "64 kbit/s unrestricted",
  3: "3.1 kHz audio",
  4: "reserved for alternate speech (service 2)/64 kbit/s unrestricted (service 1)",
  5: "reserved for alternate 64 kbit/s unrestricted (service 1)/speech (service 2)",
  6: "64 kbit/s preferred",
  7: "2 x 64 kbit/s unrestricted",
  8: "384 kbit/s unrestricted",
  9: "1536 kbit/s unrestricted",
  10: "1920 kbit/s unrestricted",
};

/** Q.763 §3.21 event indicator. */
export const EVENT_INDICATOR: NameTable = {
  1: "ALERTING",
  2: "PROGRESS",
  3: "in-band information or an appropriate pattern is now available",
  4: "call forwarded on busy (national use)",
  5: "call forwarded on no reply (national use)",
  6: "call forwarded unconditional (national use)",
};

/** Q.763 §3.13 circuit group supervision message type indicator. */
export const CGS_MESSAGE_TYPE: NameTable = {
  0: "maintenance oriented",
  1: "hardware failure oriented",
  2: "reserved for national use",
};

/** Q.850 §2.2.2 coding standard (ANSI T1.113 uses 2 for its own coding). */
export const CODING_STANDARD: NameTable = {
  0: "ITU-T standardized coding",
  1: "ISO/IEC standard",
  2: "national standard",
  3: "standard specific to identified location",
};

/** Q.850 §2.2.3 location. */
export const CAUSE_LOCATION: NameTable = {
  0: "user",
  1: "private network serving the local user",
  2: "public network serving the local user",
  3: "transit network",
  4: "public network serving the remote user",
  5: "private network serving the remote user",
  7: "international network",
  10: "network beyond interworking point",
};

/** Q.850 Table 1 cause values. */
export const CAUSE_VALUE: NameTable = {
  1: "unallocated (unassigned) number",
  2: "no route to specified transit network",
  3: "no route to destination",
  4: "send special information tone",
  5: "misdialled trunk prefix",
  6: "channel unacceptable",
  7: "call awarded and being delivered in an established channel",
  8: "preemption",
  9: "preemption - circuit reserved for reuse",
  14: "QoR: ported number",
  16: "normal call clearing",
  17: "user busy",
  18: "no user responding",
  19: "no answer from user (user alerted)",
  20: "subscriber absent",
  21: "call rejected",
  22: "number changed",
  23: "redirection to new destination",
  25: "exchange routing error",
  26: "non-selected user clearing",
  27: "destination out of order",
  28: "invalid number format (address incomplete)",
  29: "facility rejected",
  30: "response to STATUS ENQUIRY",
  31: "normal, unspecified",
  34: "no circuit/channel available",
  38: "network out of order",
  39: "permanent frame mode connection out of service",
  40: "permanent frame mode connection operational",
  41: "temporary failure",
  42: "switching equipment congestion",
  43: "access information discarded",
  44: "requested circuit/channel not available",
  46: "precedence call blocked",
  47: "resource unavailable, unspecified",
  49: "quality of service not available",
  50: "requested facility not subscribed",
  53: "outgoing calls barred within CUG",
  55: "incoming calls barred within CUG",
  57: "bearer capability not authorized",
  58: "bearer capability not presently available",
  62: "inconsistency in designated outgoing access information and subscriber class",
  63: "service or option not available, unspecified",
  65: "bearer capability not implemented",
  66: "channel type not implemented",
  69: "requested facility not implemented",
  70: "only restricted digital information bearer capability is available",
  79: "service or option not implemented, unspecified",
  81: "invalid call reference value",
  82: "identified channel does not exist",
  83: "a suspended call exists, but this call identity does not",
  84: "call identity in use",
  85: "no call suspended",
  86: "call having the requested call identity has been cleared",
  87: "user not member of CUG",
  88: "incompatible destination",
  90: "non-existent CUG",
  91: "invalid transit network selection",
  95: "invalid message, unspecified",
  96: "mandatory information element is missing",
  97: "message type non-existent or not implemented",
  98: "message not compatible with call state or message type non-existent or not implemented",
  99: "information element / parameter non-existent or not implemented",
  100: "invalid information element contents",
  101: "message not compatible with call state",
  102: "recovery on timer expiry",
  103: "parameter non-existent or not implemented - passed on",
  110: "message with unrecognized parameter discarded",
  111: "protocol error, unspecified",
  127: "interworking, unspecified",
};

/** Q.931 §4.5.5 information transfer capability (user service information). */
export const TRANSFER_CAPABILITY: NameTable = {
  0: "speech",
  8: "unrestricted digital information",
  9: "restricted digital information",
  16: "3.1 kHz audio",
  17: "unrestricted digital information with tones/announcements",
  24: "video",
};

/** Q.931 §4.5.5 user information layer 1 protocol. */
export const LAYER1_PROTOCOL: NameTable = {
  1: "ITU-T V.110, I.460 and X.30 rate adaption",
  2: "ITU-T G.711 mu-law",
  3: "ITU-T G.711 A-law",
  4: "ITU-T G.721 32 kbit/s ADPCM and I.460",
  5: "ITU-T H.221 and H.242",
  6: "ITU-T H.223 and H.245",
  7: "non-ITU-T standardized rate adaption",
  8: "ITU-T V.120",
  9: "ITU-T X.31 HDLC flag stuffing",
};
