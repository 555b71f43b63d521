/**
 * Call states of Q.931 §2.1 as ECMA-143 (QSIG basic call) uses them, and the
 * state table of a call (Q.931 §5, Annex A SDL; ECMA-143 §10).
 *
 * State names describe what this end did or saw, as ECMA-143 does for both
 * PINXs and Q.931 §2.1.1 does for the user side. A Q.931 network side
 * reports the same situation under the number of §2.1.2 (the network names
 * states after the user's call direction): CALL_STATE_VALUE maps a state to
 * the number a STATUS carries.
 *
 *   outgoing (we sent SETUP)                 incoming (we received SETUP)
 *   Null --SETUP--> CallInitiated (T303)     Null --SETUP--> CallPresent
 *     SETUP ACK --> OverlapSending (T304)       SETUP ACK --> OverlapReceiving (T302)
 *     CALL PROC --> OutgoingCallProceeding      CALL PROC --> IncomingCallProceeding
 *                   (T310)                      ALERTING  --> CallReceived
 *     ALERTING  --> CallDelivered (T301)        CONNECT   --> ConnectRequest (T313) --CONNECT ACK-->
 *     CONNECT   --> (CONNECT ACK) Active        Active
 *
 *   clearing, from any state:
 *     DISCONNECT sent --> DisconnectRequest (T305) --RELEASE recv--> Null (RELEASE COMPLETE sent)
 *     DISCONNECT recv --> DisconnectIndication --RELEASE sent--> ReleaseRequest (T308) --RELEASE COMPLETE--> Null
 */
import type { FsmDefinition } from "../../../core/fsm.js";

export type CallState =
  | "Null"
  | "CallInitiated"
  | "OverlapSending"
  | "OutgoingCallProceeding"
  | "CallDelivered"
  | "CallPresent"
  | "CallReceived"
  | "ConnectRequest"
  | "IncomingCallProceeding"
  | "Active"
  | "DisconnectRequest"
  | "DisconnectIndication"
  | "ReleaseRequest"
  | "OverlapReceiving";

export type CallEvent =
  // Requests from the call control user.
  | "SETUP_REQ"
  | "MORE_INFO_REQ"
  | "PROCEEDING_REQ"
  | "ALERTING_REQ"
  | "PROGRESS_REQ"
  | "SETUP_RESP"
  | "INFO_REQ"
  | "NOTIFY_REQ"
  | "FACILITY_REQ"
  | "DISCONNECT_REQ"
  | "RELEASE_REQ"
  | "STATUS_ENQUIRY_REQ"
  // Messages from the peer.
  | "SETUP"
  | "SETUP_ACK"
  | "CALL_PROCEEDING"
  | "ALERTING"
  | "PROGRESS"
  | "CONNECT"
  | "CONNECT_ACK"
  | "DISCONNECT"
  | "RELEASE"
  | "RELEASE_COMPLETE"
  | "INFORMATION"
  | "NOTIFY"
  | "FACILITY"
  | "STATUS"
  | "STATUS_ENQUIRY"
  // Timers.
  | "T301"
  | "T302"
  | "T303"
  | "T304"
  | "T305"
  | "T308"
  | "T309"
  | "T310"
  | "T313"
  | "T322"
  // Data link and maintenance.
  | "DL_RELEASED"
  | "DL_ESTABLISHED"
  | "DL_RESET"
  | "RESTARTED";

/** Events every state but Null takes: clearing, status, supplementary information, link and restart. */
const ANY: readonly CallEvent[] = [
  "RELEASE",
  "RELEASE_COMPLETE",
  "DISCONNECT",
  "STATUS",
  "STATUS_ENQUIRY",
  "NOTIFY",
  "FACILITY",
  "RELEASE_REQ",
  "STATUS_ENQUIRY_REQ",
  "NOTIFY_REQ",
  "FACILITY_REQ",
  "T322",
  "T309",
  "DL_RELEASED",
  "DL_ESTABLISHED",
  "DL_RESET",
  "RESTARTED",
];
const CLEARING: readonly CallState[] = ["DisconnectRequest", "DisconnectIndication", "ReleaseRequest", "Null"];

export const CALL_FSM: FsmDefinition<CallState, CallEvent> = {
  name: "Q931-CALL",
  initial: "Null",
  states: {
    Null: { accepts: ["SETUP_REQ", "SETUP"], to: ["CallInitiated", "CallPresent"], final: true },
    CallInitiated: {
      accepts: [...ANY, "SETUP_ACK", "CALL_PROCEEDING", "ALERTING", "CONNECT", "DISCONNECT_REQ", "T303"],
      to: ["CallInitiated", "OverlapSending", "OutgoingCallProceeding", "CallDelivered", "Active", ...CLEARING],
      timer: { name: "T303", expiry: "T303" },
    },
    OverlapSending: {
      accepts: [...ANY, "CALL_PROCEEDING", "ALERTING", "CONNECT", "PROGRESS", "INFORMATION", "INFO_REQ", "DISCONNECT_REQ", "T304"],
      to: ["OverlapSending", "OutgoingCallProceeding", "CallDelivered", "Active", ...CLEARING],
      timer: { name: "T304", expiry: "T304" },
    },
    OutgoingCallProceeding: {
      accepts: [...ANY, "ALERTING", "CONNECT", "PROGRESS", "INFORMATION", "INFO_REQ", "DISCONNECT_REQ", "T310"],
      to: ["CallDelivered", "Active", ...CLEARING],
    },
    CallDelivered: {
      accepts: [...ANY, "CONNECT", "PROGRESS", "INFORMATION", "INFO_REQ", "DISCONNECT_REQ", "T301"],
      to: ["Active", ...CLEARING],
      timer: { name: "T301", expiry: "T301" },
    },
    CallPresent: {
      accepts: [...ANY, "MORE_INFO_REQ", "PROCEEDING_REQ", "ALERTING_REQ", "SETUP_RESP", "DISCONNECT_REQ"],
      to: ["OverlapReceiving", "IncomingCallProceeding", "CallReceived", "ConnectRequest", "Active", ...CLEARING],
    },
    OverlapReceiving: {
      accepts: [...ANY, "INFORMATION", "PROCEEDING_REQ", "ALERTING_REQ", "SETUP_RESP", "PROGRESS_REQ", "INFO_REQ", "DISCONNECT_REQ", "T302"],
      to: ["OverlapReceiving", "IncomingCallProceeding", "CallReceived", "ConnectRequest", "Active", ...CLEARING],
      timer: { name: "T302", expiry: "T302" },
    },
    IncomingCallProceeding: {
      accepts: [...ANY, "ALERTING_REQ", "SETUP_RESP", "PROGRESS_REQ", "INFORMATION", "INFO_REQ", "DISCONNECT_REQ"],
      to: ["CallReceived", "ConnectRequest", "Active", ...CLEARING],
    },
    CallReceived: {
      accepts: [...ANY, "SETUP_RESP", "PROGRESS_REQ", "INFORMATION", "INFO_REQ", "DISCONNECT_REQ"],
      to: ["ConnectRequest", "Active", ...CLEARING],
    },
    ConnectRequest: {
      accepts: [...ANY, "CONNECT_ACK", "INFORMATION", "INFO_REQ", "DISCONNECT_REQ", "T313"],
      to: ["Active", ...CLEARING],
      timer: { name: "T313", expiry: "T313" },
    },
    Active: {
      accepts: [...ANY, "CONNECT_ACK", "INFORMATION", "INFO_REQ", "DISCONNECT_REQ"],
      to: CLEARING,
    },
    DisconnectRequest: {
      accepts: [...ANY, "INFORMATION", "T305"],
      to: ["ReleaseRequest", "Null"],
      timer: { name: "T305", expiry: "T305" },
    },
    DisconnectIndication: {
      accepts: [...ANY, "INFORMATION", "DISCONNECT_REQ"],
      to: ["ReleaseRequest", "Null"],
    },
    ReleaseRequest: {
      accepts: [...ANY, "T308"],
      to: ["ReleaseRequest", "Null"],
      timer: { name: "T308", expiry: "T308" },
    },
  },
};

/** Call state values (Table 4-3/Q.931 call state IE) for the user side and for ECMA-143, Q.931 §2.1.1. */
export const USER_CALL_STATE: Readonly<Record<CallState, number>> = {
  Null: 0,
  CallInitiated: 1,
  OverlapSending: 2,
  OutgoingCallProceeding: 3,
  CallDelivered: 4,
  CallPresent: 6,
  CallReceived: 7,
  ConnectRequest: 8,
  IncomingCallProceeding: 9,
  Active: 10,
  DisconnectRequest: 11,
  DisconnectIndication: 12,
  ReleaseRequest: 19,
  OverlapReceiving: 25,
};

/**
 * The same situations numbered as a Q.931 network side reports them
 * (Q.931 §2.1.2): a call the network sent SETUP for is N6 "call present",
 * one it received SETUP for is N1 "call initiated". A network side never
 * waits for CONNECT ACKNOWLEDGE, so ConnectRequest does not occur there.
 */
export const NETWORK_CALL_STATE: Readonly<Record<CallState, number>> = {
  Null: 0,
  CallInitiated: 6,
  OverlapSending: 25,
  OutgoingCallProceeding: 9,
  CallDelivered: 7,
  CallPresent: 1,
  OverlapReceiving: 2,
  IncomingCallProceeding: 3,
  CallReceived: 4,
  ConnectRequest: 10,
  Active: 10,
  DisconnectRequest: 12,
  DisconnectIndication: 11,
  ReleaseRequest: 19,
};

/** Global call reference states (Q.931 §2.4): REST 0, REST 1, REST 2. */
export const REST_STATE = { Rest0: 0, Rest1: 0x3d, Rest2: 0x3e } as const;

const OUT_PROGRESS: readonly CallState[] = ["CallInitiated", "OverlapSending", "OutgoingCallProceeding", "CallDelivered"];
const PEER_CLEARING: readonly CallState[] = ["DisconnectRequest", "ReleaseRequest"];

/**
 * The states the peer may be in, in its own terms, while we are in ours
 * (messages in flight included). Q.931 §5.8.11 leaves incompatibility to the
 * implementation except for the Null and release request rules, which the
 * caller applies first.
 */
export const COMPATIBLE_PEER_STATES: Readonly<Record<Exclude<CallState, "Null" | "ReleaseRequest">, readonly CallState[]>> = {
  CallInitiated: ["CallPresent", "OverlapReceiving", "IncomingCallProceeding", "CallReceived", "ConnectRequest", "Active", ...PEER_CLEARING],
  OverlapSending: ["OverlapReceiving", "IncomingCallProceeding", "CallReceived", "ConnectRequest", "Active", ...PEER_CLEARING],
  OutgoingCallProceeding: ["IncomingCallProceeding", "CallReceived", "ConnectRequest", "Active", ...PEER_CLEARING],
  CallDelivered: ["CallReceived", "ConnectRequest", "Active", ...PEER_CLEARING],
  CallPresent: ["CallInitiated", ...PEER_CLEARING],
  OverlapReceiving: ["CallInitiated", "OverlapSending", ...PEER_CLEARING],
  IncomingCallProceeding: ["CallInitiated", "OverlapSending", "OutgoingCallProceeding", ...PEER_CLEARING],
  CallReceived: [...OUT_PROGRESS, ...PEER_CLEARING],
  ConnectRequest: [...OUT_PROGRESS, "Active", ...PEER_CLEARING],
  Active: [...OUT_PROGRESS, "ConnectRequest", "Active", ...PEER_CLEARING],
  DisconnectRequest: [
    "CallInitiated",
    "OverlapSending",
    "OutgoingCallProceeding",
    "CallDelivered",
    "CallPresent",
    "OverlapReceiving",
    "IncomingCallProceeding",
    "CallReceived",
    "ConnectRequest",
    "Active",
    "DisconnectRequest",
    "DisconnectIndication",
    "ReleaseRequest",
  ],
  DisconnectIndication: ["DisconnectRequest", "ReleaseRequest"],
};

/** The state a call state value means in a numbering, or undefined for a value that numbering does not use. */
export function stateOfValue(value: number, numbering: Readonly<Record<CallState, number>>): CallState | undefined {
  if (numbering === NETWORK_CALL_STATE) {
    // ConnectRequest and Active share N10 here; N8 "connect request" (CONNECT received, not yet
    // acknowledged) is, for the user that sent CONNECT, the call about to be active.
    if (value === 10 || value === 8) return "Active";
  }
  return (Object.keys(numbering) as CallState[]).find((s) => numbering[s] === value);
}
