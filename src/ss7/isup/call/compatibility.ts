/**
 * Compatibility procedures for unrecognised messages and parameters (ITU-T
 * Q.764 §2.9.5.3; instruction indicators of Q.763 §3.33 and §3.41). Pure
 * decisions; call control carries them out.
 *
 * `passOn` says whether this exchange can pass unrecognised information on
 * (a SIP-T gateway carries the ISUP body further: it acts as a transit
 * point and the "transit interpretation" applies); otherwise it is the end
 * node of the ISUP connection.
 *
 * Causes (Q.850 Table 1) and their diagnostics:
 *   97  message type non-existent or not implemented    diagnostic: the message type code
 *   99  parameter non-existent or not implemented - discarded  diagnostic: the parameter name codes
 *  103  parameter non-existent or not implemented - passed on
 *  110  message with unrecognised parameter, discarded
 */
import type { MessageCompatibilityValue, ParameterInstruction } from "../codec/index.js";

export interface Notification {
  /** Q.850 cause for the CFN. */
  readonly cause: 97 | 99 | 103 | 110;
  /** Diagnostic octets (hex): the message type or parameter name codes. */
  readonly diagnostics: string;
}

export type MessageDecision =
  | { readonly action: "pass-on" }
  | { readonly action: "discard"; readonly notify?: Notification }
  | { readonly action: "release"; readonly cause: 97; readonly diagnostics: string };

export type ParameterDecision =
  /** Process the message; drop the parameters in `discard`, pass the others on. */
  | { readonly action: "process"; readonly discard: readonly number[]; readonly notifications: readonly Notification[] }
  | { readonly action: "discard-message"; readonly notifications: readonly Notification[] }
  | { readonly action: "release"; readonly cause: 99; readonly diagnostics: string };

export function hex2(code: number): string {
  return code.toString(16).padStart(2, "0");
}

/** Q.764 §2.9.5.3.1: an unrecognised message with its message compatibility information (if any). */
export function unrecognisedMessageDecision(code: number, mci: MessageCompatibilityValue | undefined, passOn: boolean): MessageDecision {
  const diag = hex2(code);
  // Without instruction indicators the message is discarded and a confusion message returned.
  if (!mci) return passOn ? { action: "pass-on" } : { action: "discard", notify: { cause: 97, diagnostics: diag } };
  if (mci.transitAtIntermediateExchangeIndicator === 0 && passOn) return { action: "pass-on" };
  if (mci.releaseCallIndicator === 1) return { action: "release", cause: 97, diagnostics: diag };
  const discard = (): MessageDecision => (mci.sendNotificationIndicator === 1 ? { action: "discard", notify: { cause: 97, diagnostics: diag } } : { action: "discard" });
  if (mci.discardMessageIndicator === 1) return discard();
  if (passOn) return { action: "pass-on" };
  // Pass on not possible: bit E.
  return mci.passOnNotPossibleIndicator === 0 ? { action: "release", cause: 97, diagnostics: diag } : discard();
}

type One = { kind: "pass" | "discard-param" | "discard-message" | "release"; notify?: Notification["cause"] };

function oneParameter(i: ParameterInstruction | undefined, passOn: boolean): One {
  if (!i) return passOn ? { kind: "pass" } : { kind: "discard-param", notify: 99 };
  const c = i.sendNotificationIndicator === 1;
  if (i.transitAtIntermediateExchangeIndicator === 0 && passOn) return { kind: "pass" };
  if (i.releaseCallIndicator === 1) return { kind: "release" };
  if (i.discardMessageIndicator === 1) return c ? { kind: "discard-message", notify: 110 } : { kind: "discard-message" };
  if (i.discardParameterIndicator === 1) return c ? { kind: "discard-param", notify: 99 } : { kind: "discard-param" };
  if (passOn) return c ? { kind: "pass", notify: 103 } : { kind: "pass" };
  // Pass on not possible: bits G F (Q.763 §3.41): 0 release call, 1 discard message, 2 discard parameter, 3 reserved (release).
  switch (i.passOnNotPossibleIndicator) {
    case 1:
      return c ? { kind: "discard-message", notify: 110 } : { kind: "discard-message" };
    case 2:
      return c ? { kind: "discard-param", notify: 99 } : { kind: "discard-param" };
    default:
      return { kind: "release" };
  }
}

/** Q.764 §2.9.5.3.2: the unrecognised parameters of one message, each with its instruction (if any). */
export function unrecognisedParametersDecision(
  params: readonly { readonly code: number; readonly instruction: ParameterInstruction | undefined }[],
  passOn: boolean,
): ParameterDecision {
  const release: number[] = [];
  const discardMessage: number[] = [];
  const discard: number[] = [];
  const notified = new Map<Notification["cause"], number[]>();
  for (const p of params) {
    const d = oneParameter(p.instruction, passOn);
    if (d.kind === "release") release.push(p.code);
    else if (d.kind === "discard-message") discardMessage.push(p.code);
    else if (d.kind === "discard-param") discard.push(p.code);
    if (d.notify !== undefined) {
      const list = notified.get(d.notify);
      if (list) list.push(p.code);
      else notified.set(d.notify, [p.code]);
    }
  }
  if (release.length > 0) return { action: "release", cause: 99, diagnostics: release.map(hex2).join("") };
  const notifications: Notification[] = [...notified.entries()].map(([cause, codes]) => ({ cause, diagnostics: codes.map(hex2).join("") }));
  if (discardMessage.length > 0) return { action: "discard-message", notifications: notifications.filter((n) => n.cause === 110) };
  return { action: "process", discard, notifications };
}
