/**
 * Q.850 cause values and locations (ITU-T Q.850 (05/98) §2.2.3, §2.2.5, Table 1/Q.850).
 * Data only.
 */

export interface Q850Cause {
  readonly value: number;
  readonly name: string;
  readonly clause: string;
}

const T1 = "Q.850 Table 1";

export const Q850_CAUSES: readonly Q850Cause[] = [
  { value: 1, name: "Unallocated (unassigned) number", clause: T1 },
  { value: 2, name: "No route to specified transit network", clause: T1 },
  { value: 3, name: "No route to destination", clause: T1 },
  { value: 4, name: "Send special information tone", clause: T1 },
  { value: 5, name: "Misdialled trunk prefix", clause: T1 },
  { value: 6, name: "Channel unacceptable", clause: T1 },
  { value: 7, name: "Call awarded and being delivered in an established channel", clause: T1 },
  { value: 8, name: "Preemption", clause: T1 },
  { value: 9, name: "Preemption - circuit reserved for reuse", clause: T1 },
  { value: 14, name: "QoR: ported number", clause: "Q.850 Amd.1 Table 1" },
  { value: 16, name: "Normal call clearing", clause: T1 },
  { value: 17, name: "User busy", clause: T1 },
  { value: 18, name: "No user responding", clause: T1 },
  { value: 19, name: "No answer from user (user alerted)", clause: T1 },
  { value: 20, name: "Subscriber absent", clause: T1 },
  { value: 21, name: "Call rejected", clause: T1 },
  { value: 22, name: "Number changed", clause: T1 },
  { value: 23, name: "Redirection to new destination", clause: T1 },
  { value: 25, name: "Exchange routing error", clause: T1 },
  { value: 26, name: "Non-selected user clearing", clause: T1 },
  { value: 27, name: "Destination out of order", clause: T1 },
  { value: 28, name: "Invalid number format (address incomplete)", clause: T1 },
  { value: 29, name: "Facility rejected", clause: T1 },
  { value: 30, name: "Response to STATUS ENQUIRY", clause: T1 },
  { value: 31, name: "Normal, unspecified", clause: T1 },
  { value: 34, name: "No circuit/channel available", clause: T1 },
  { value: 38, name: "Network out of order", clause: T1 },
  { value: 39, name: "Permanent frame mode connection out of service", clause: T1 },
  { value: 40, name: "Permanent frame mode connection operational", clause: T1 },
  { value: 41, name: "Temporary failure", clause: T1 },
  { value: 42, name: "Switching equipment congestion", clause: T1 },
  { value: 43, name: "Access information discarded", clause: T1 },
  { value: 44, name: "Requested circuit/channel not available", clause: T1 },
  { value: 46, name: "Precedence call blocked", clause: T1 },
  { value: 47, name: "Resource unavailable, unspecified", clause: T1 },
  { value: 49, name: "Quality of Service not available", clause: T1 },
  { value: 50, name: "Requested facility not subscribed", clause: T1 },
  { value: 53, name: "Outgoing calls barred within CUG", clause: T1 },
  { value: 55, name: "Incoming calls barred within CUG", clause: T1 },
  { value: 57, name: "Bearer capability not authorized", clause: T1 },
  { value: 58, name: "Bearer capability not presently available", clause: T1 },
  { value: 62, name: "Inconsistency in designated outgoing access information and subscriber class", clause: T1 },
  { value: 63, name: "Service or option not available, unspecified", clause: T1 },
  { value: 65, name: "Bearer capability not implemented", clause: T1 },
  { value: 66, name: "Channel type not implemented", clause: T1 },
  { value: 69, name: "Requested facility not implemented", clause: T1 },
  { value: 70, name: "Only restricted digital information bearer capability is available", clause: T1 },
  { value: 79, name: "Service or option not implemented, unspecified", clause: T1 },
  { value: 81, name: "Invalid call reference value", clause: T1 },
  { value: 82, name: "Identified channel does not exist", clause: T1 },
  { value: 83, name: "A suspended call exists, but this call identity does not", clause: T1 },
  { value: 84, name: "Call identity in use", clause: T1 },
  { value: 85, name: "No call suspended", clause: T1 },
  { value: 86, name: "Call having the requested call identity has been cleared", clause: T1 },
  { value: 87, name: "User not member of CUG", clause: T1 },
  { value: 88, name: "Incompatible destination", clause: T1 },
  { value: 90, name: "Non-existent CUG", clause: T1 },
  { value: 91, name: "Invalid transit network selection", clause: T1 },
  { value: 95, name: "Invalid message, unspecified", clause: T1 },
  { value: 96, name: "Mandatory information element is missing", clause: T1 },
  { value: 97, name: "Message type non-existent or not implemented", clause: T1 },
  { value: 98, name: "Message not compatible with call state or message type non-existent or not implemented", clause: T1 },
  { value: 99, name: "Information element/parameter non-existent or not implemented", clause: T1 },
  { value: 100, name: "Invalid information element contents", clause: T1 },
  { value: 101, name: "Message not compatible with call state", clause: T1 },
  { value: 102, name: "Recovery on timer expiry", clause: T1 },
  { value: 103, name: "Parameter non-existent or not implemented, passed on", clause: T1 },
  { value: 110, name: "Message with unrecognized parameter, discarded", clause: T1 },
  { value: 111, name: "Protocol error, unspecified", clause: T1 },
  { value: 127, name: "Interworking, unspecified", clause: T1 },
];

/**
 * Q.850 §2.2.5: a cause value not implemented is treated as the
 * "unspecified" value of its class.
 */
export const Q850_CLASS_DEFAULTS: readonly { readonly from: number; readonly to: number; readonly value: number; readonly clause: string }[] = [
  { from: 0, to: 31, value: 31, clause: "Q.850 §2.2.5 (normal event class)" },
  { from: 32, to: 47, value: 47, clause: "Q.850 §2.2.5 (resource unavailable class)" },
  { from: 48, to: 63, value: 63, clause: "Q.850 §2.2.5 (service or option not available class)" },
  { from: 64, to: 79, value: 79, clause: "Q.850 §2.2.5 (service or option not implemented class)" },
  { from: 80, to: 95, value: 95, clause: "Q.850 §2.2.5 (invalid message class)" },
  { from: 96, to: 111, value: 111, clause: "Q.850 §2.2.5 (protocol error class)" },
  { from: 112, to: 127, value: 127, clause: "Q.850 §2.2.5 (interworking class)" },
];

export interface Q850Location {
  readonly value: number;
  readonly code: string;
  readonly name: string;
}

/** Q.850 §2.2.3 location field. */
export const Q850_LOCATIONS: readonly Q850Location[] = [
  { value: 0, code: "U", name: "user" },
  { value: 1, code: "LPN", name: "private network serving the local user" },
  { value: 2, code: "LN", name: "public network serving the local user" },
  { value: 3, code: "TN", name: "transit network" },
  { value: 4, code: "RLN", name: "public network serving the remote user" },
  { value: 5, code: "RPN", name: "private network serving the remote user" },
  { value: 7, code: "INTL", name: "international network" },
  { value: 10, code: "BI", name: "network beyond interworking point" },
];
