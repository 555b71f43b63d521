/**
 * Building and checking the messages call control sends and receives:
 * Cause (Q.850 §2.2), Channel identification for one B-channel (Q.931
 * §4.5.13), element ordering (Q.931 §4.5.1) and the information element
 * checks of Q.931 §5.8.5-§5.8.7.
 */
import { IE_BY_NAME } from "../codec/information-elements.js";
import type { ChannelIdentification, DecodedIeName } from "../codec/information-elements.js";
import { findAnyIe, ie } from "../codec/q931-codec.js";
import type { Q931Ie, Q931Message } from "../codec/q931-codec.js";
import { MESSAGE_BY_NAME } from "../codec/message-types.js";

/** Q.850 cause values call control uses. */
export const CAUSE = {
  normalClearing: 16,
  userBusy: 17,
  noAnswer: 19,
  invalidNumberFormat: 28,
  responseToStatusEnquiry: 30,
  normalUnspecified: 31,
  noChannel: 34,
  channelUnacceptable: 6,
  destinationOutOfOrder: 27,
  temporaryFailure: 41,
  requestedChannelNotAvailable: 44,
  serviceNotAvailable: 63,
  bearerServiceNotImplemented: 65,
  invalidCallReference: 81,
  channelDoesNotExist: 82,
  mandatoryIeMissing: 96,
  messageTypeNonExistent: 97,
  messageNotCompatible: 98,
  ieNonExistent: 99,
  invalidIeContents: 100,
  messageNotCompatibleWithState: 101,
  recoveryOnTimerExpiry: 102,
} as const;

export function causeIe(value: number, location: number, diagnostics: Uint8Array = new Uint8Array(0)): Q931Ie {
  return ie("cause", { codingStandard: 0, location, value, diagnostics });
}

/** Channel identification for one B-channel of a primary rate interface, by number (Q.931 §4.5.13). */
export function channelIe(channel: number, exclusive: boolean): Q931Ie {
  const v: ChannelIdentification = {
    interfaceType: "primary",
    exclusive,
    dChannel: false,
    channelSelection: 1,
    channels: { codingStandard: 0, elementType: 3, numbers: [channel] },
  };
  return ie("channelIdentification", v);
}

function idOf(e: Q931Ie): number | undefined {
  if (e.kind === "raw" && e.codeset === 0) return e.id;
  if (e.kind === "ie") return IE_BY_NAME.get(e.name)?.id;
  return undefined;
}

/**
 * Insert an element keeping codeset 0 variable-length elements in ascending
 * order (Q.931 §4.5.1) and ahead of any codeset shift; an element of the same
 * identifier already present is replaced.
 */
export function putIe(ies: readonly Q931Ie[], add: Q931Ie): Q931Ie[] {
  const id = idOf(add);
  if (id === undefined) return [...ies, add];
  const out = ies.filter((e) => idOf(e) !== id);
  let at = out.findIndex((e) => e.kind === "shift" || (idOf(e) ?? -1) > id);
  if (at < 0) at = out.length;
  out.splice(at, 0, add);
  return out;
}

export interface IeCheck {
  /** Mandatory elements absent (Q.931 §5.8.6.1), as identifiers. */
  readonly missing: number[];
  /** Mandatory elements with invalid contents (Q.931 §5.8.6.2). */
  readonly invalidMandatory: number[];
  /** Unrecognized elements marked comprehension required (Q.931 §5.8.7.1). */
  readonly unrecognizedRequired: number[];
  /** Other unrecognized codeset 0 elements (Q.931 §5.8.7.1). */
  readonly unrecognized: number[];
  /** Optional elements with invalid contents (Q.931 §5.8.7.2). */
  readonly invalidOptional: number[];
}

/** Check a received message's elements against Table 4-2/Q.931 mandatory lists and Q.931 §5.8.6-§5.8.7. */
export function checkIes(msg: Q931Message, extraMandatory: readonly DecodedIeName[] = []): IeCheck {
  const def = typeof msg.messageType === "string" ? MESSAGE_BY_NAME.get(msg.messageType) : undefined;
  const mandatory = new Set<string>([...(def?.mandatory ?? []), ...extraMandatory]);
  const out: IeCheck = { missing: [], invalidMandatory: [], unrecognizedRequired: [], unrecognized: [], invalidOptional: [] };
  for (const name of mandatory) {
    const found = findAnyIe(msg, name);
    const id = IE_BY_NAME.get(name)?.id as number;
    if (!found) out.missing.push(id);
    else if (found.kind === "raw" && found.status === "invalid") out.invalidMandatory.push(id);
  }
  const seen = new Set<string>();
  for (const e of msg.ies) {
    if (e.kind !== "raw" || e.codeset !== 0) continue;
    if (mandatory.has(e.name) && !seen.has(e.name)) {
      seen.add(e.name);
      continue;
    }
    if (e.status === "unrecognized") (e.comprehensionRequired ? out.unrecognizedRequired : out.unrecognized).push(e.id);
    else if (e.status === "invalid") out.invalidOptional.push(e.id);
  }
  return out;
}
