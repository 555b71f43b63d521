/**
 * Q.931 message types (Q.931 §4.4, Table 4-2/Q.931; FACILITY from Q.932 §8.1)
 * with the information elements each message must carry in the procedures of
 * ECMA-143 (QSIG basic call) and Q.931 §3: what call control checks before it
 * acts on a message (Q.931 §5.8.6.1).
 */
import type { DecodedIeName } from "./information-elements.js";

export type Q931MessageName =
  | "ALERTING"
  | "CALL PROCEEDING"
  | "CONNECT"
  | "CONNECT ACKNOWLEDGE"
  | "PROGRESS"
  | "SETUP"
  | "SETUP ACKNOWLEDGE"
  | "RESUME"
  | "RESUME ACKNOWLEDGE"
  | "RESUME REJECT"
  | "SUSPEND"
  | "SUSPEND ACKNOWLEDGE"
  | "SUSPEND REJECT"
  | "USER INFORMATION"
  | "DISCONNECT"
  | "RELEASE"
  | "RELEASE COMPLETE"
  | "RESTART"
  | "RESTART ACKNOWLEDGE"
  | "SEGMENT"
  | "CONGESTION CONTROL"
  | "INFORMATION"
  | "NOTIFY"
  | "STATUS"
  | "STATUS ENQUIRY"
  | "FACILITY";

export interface MessageTypeDefinition {
  readonly code: number;
  readonly name: Q931MessageName;
  readonly clause: string;
  /**
   * Elements without which the message cannot be acted on (Q.931 §3, ECMA-143
   * §11). Elements that are mandatory only in some directions or as the first
   * response to SETUP are checked by call control, not listed here.
   */
  readonly mandatory: readonly DecodedIeName[];
}

const defs: MessageTypeDefinition[] = [
  { code: 0x01, name: "ALERTING", clause: "Q.931 §3.1.1", mandatory: [] },
  { code: 0x02, name: "CALL PROCEEDING", clause: "Q.931 §3.1.2", mandatory: [] },
  { code: 0x03, name: "PROGRESS", clause: "Q.931 §3.1.8", mandatory: ["progressIndicator"] },
  { code: 0x05, name: "SETUP", clause: "Q.931 §3.1.14", mandatory: ["bearerCapability"] },
  { code: 0x07, name: "CONNECT", clause: "Q.931 §3.1.3", mandatory: [] },
  { code: 0x0d, name: "SETUP ACKNOWLEDGE", clause: "Q.931 §3.1.15", mandatory: [] },
  { code: 0x0f, name: "CONNECT ACKNOWLEDGE", clause: "Q.931 §3.1.4", mandatory: [] },
  { code: 0x20, name: "USER INFORMATION", clause: "Q.931 §3", mandatory: [] },
  { code: 0x21, name: "SUSPEND REJECT", clause: "Q.931 §3.1.20", mandatory: ["cause"] },
  { code: 0x22, name: "RESUME REJECT", clause: "Q.931 §3.1.13", mandatory: ["cause"] },
  { code: 0x25, name: "SUSPEND", clause: "Q.931 §3.1.18", mandatory: [] },
  { code: 0x26, name: "RESUME", clause: "Q.931 §3.1.11", mandatory: [] },
  { code: 0x2d, name: "SUSPEND ACKNOWLEDGE", clause: "Q.931 §3.1.19", mandatory: [] },
  { code: 0x2e, name: "RESUME ACKNOWLEDGE", clause: "Q.931 §3.1.12", mandatory: [] },
  { code: 0x45, name: "DISCONNECT", clause: "Q.931 §3.1.5", mandatory: ["cause"] },
  { code: 0x46, name: "RESTART", clause: "Q.931 §3.4", mandatory: ["restartIndicator"] },
  { code: 0x4d, name: "RELEASE", clause: "Q.931 §3.1.9", mandatory: [] },
  { code: 0x4e, name: "RESTART ACKNOWLEDGE", clause: "Q.931 §3.4", mandatory: ["restartIndicator"] },
  { code: 0x5a, name: "RELEASE COMPLETE", clause: "Q.931 §3.1.10", mandatory: [] },
  { code: 0x60, name: "SEGMENT", clause: "Q.931 §3", mandatory: [] },
  { code: 0x62, name: "FACILITY", clause: "Q.932 §8.1", mandatory: [] },
  { code: 0x6e, name: "NOTIFY", clause: "Q.931 §3.1.7", mandatory: ["notificationIndicator"] },
  { code: 0x75, name: "STATUS ENQUIRY", clause: "Q.931 §3.1.17", mandatory: [] },
  { code: 0x79, name: "CONGESTION CONTROL", clause: "Q.931 §3", mandatory: [] },
  { code: 0x7b, name: "INFORMATION", clause: "Q.931 §3.1.6", mandatory: [] },
  { code: 0x7d, name: "STATUS", clause: "Q.931 §3.1.16", mandatory: ["cause", "callState"] },
];

export const MESSAGE_BY_CODE: ReadonlyMap<number, MessageTypeDefinition> = new Map(defs.map((d) => [d.code, d]));
export const MESSAGE_BY_NAME: ReadonlyMap<Q931MessageName, MessageTypeDefinition> = new Map(defs.map((d) => [d.name, d]));

export function messageTypeCode(t: Q931MessageName | number): number {
  if (typeof t === "number") return t;
  const d = MESSAGE_BY_NAME.get(t);
  if (!d) throw new Error(`no message type ${t}`);
  return d.code;
}
