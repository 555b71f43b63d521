/**
 * Q.931 network- and user-side layer 3 timers: Q.931 §9 Tables 9-1 and 9-2,
 * as ECMA-143 (QSIG basic call) §12 uses them.
 */
import { defineTimerTable } from "../../core/timers.js";

const S = 1_000;

export const q931Timers = defineTimerTable("q931", {
  T301: { defaultMs: 180 * S, minMs: 180 * S, maxMs: 600 * S, description: "awaiting CONNECT after ALERTING received", clause: "Q.931 Table 9-2" },
  T302: { defaultMs: 15 * S, minMs: 10 * S, maxMs: 30 * S, description: "overlap receiving: awaiting further call information after SETUP ACKNOWLEDGE sent or INFORMATION received", clause: "Q.931 §5.2.4, Tables 9-1/9-2" },
  T303: { defaultMs: 4 * S, minMs: 2 * S, maxMs: 10 * S, description: "awaiting a response to SETUP; SETUP resent once on first expiry", clause: "Q.931 §5.1.1, Tables 9-1/9-2" },
  T304: { defaultMs: 30 * S, minMs: 20 * S, maxMs: 60 * S, description: "overlap sending: awaiting a response after SETUP ACKNOWLEDGE received or INFORMATION sent", clause: "Q.931 §5.1.3, Table 9-2" },
  T305: { defaultMs: 30 * S, minMs: 4 * S, maxMs: 60 * S, description: "awaiting RELEASE after DISCONNECT sent", clause: "Q.931 §5.3, Tables 9-1/9-2" },
  T308: { defaultMs: 4 * S, minMs: 2 * S, maxMs: 10 * S, description: "awaiting RELEASE COMPLETE after RELEASE sent; RELEASE resent once", clause: "Q.931 §5.3, Tables 9-1/9-2" },
  T309: { defaultMs: 90 * S, minMs: 10 * S, maxMs: 120 * S, description: "data link disconnected: calls in the active state kept until it expires", clause: "Q.931 §5.8.9, Tables 9-1/9-2" },
  T310: { defaultMs: 30 * S, minMs: 10 * S, maxMs: 120 * S, description: "awaiting ALERTING, CONNECT or DISCONNECT after CALL PROCEEDING", clause: "Q.931 §5.1.6, Tables 9-1/9-2" },
  T313: { defaultMs: 4 * S, minMs: 2 * S, maxMs: 10 * S, description: "awaiting CONNECT ACKNOWLEDGE after CONNECT sent (user side)", clause: "Q.931 §5.2.8, Table 9-2" },
  T316: { defaultMs: 120 * S, minMs: 30 * S, maxMs: 300 * S, description: "awaiting RESTART ACKNOWLEDGE; RESTART resent on expiry", clause: "Q.931 §5.5.1, Tables 9-1/9-2" },
  T322: { defaultMs: 4 * S, minMs: 2 * S, maxMs: 10 * S, description: "awaiting STATUS after STATUS ENQUIRY", clause: "Q.931 §5.8.10, Tables 9-1/9-2" },
});
