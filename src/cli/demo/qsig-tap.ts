/**
 * Reads the gateway's D-channel tap (every frame both ways, the
 * IsdnComponent monitor) as Q.931 messages for the ladder: Q.921 §3.3/§3.4
 * frame (address and control; only I frames and UI frames on SAPI 0, call
 * control, carry layer 3 messages, Q.921 §3.3.3, Table 4/Q.921); an I frame
 * whose N(S) equals the last one sent that way is a retransmission
 * (Q.921 §5.6.7), Q.931 §4 message (protocol discriminator 08, call
 * reference, message type, Table 4-2), and from its elements what a reader
 * of a call flow wants: the B-channel (Channel identification, §4.5.13), the
 * called number (§4.5.8), the cause (§4.5.12, Q.850) and the QSIG calling
 * name (ECMA-164, in a Facility element). Frames it cannot read yield
 * nothing; nothing here throws.
 */
import { decodeLapdFrame, SAPI_CALL_CONTROL } from "../../isdn/q921/codec/lapd-frame.js";
import type { Q931Message } from "../../isdn/q931/codec/q931-codec.js";
import { decodeQ931, findIe, Q931_PROTOCOL_DISCRIMINATOR } from "../../isdn/q931/codec/q931-codec.js";
import { nameText } from "../../isdn/qsig/names.js";
import { qsigNameOf } from "../../interworking/qsig-sip/identity.js";

export interface TappedQ931 {
  /** "rx": from the PBX to the gateway; "tx": from the gateway. */
  readonly direction: "rx" | "tx";
  readonly message: Q931Message;
  readonly retransmission: boolean;
}

export class QsigTap {
  private readonly lastNs: Record<"rx" | "tx", number | undefined> = { rx: undefined, tx: undefined };

  /** The Q.931 message in one D-channel frame (as on the channel: the two FCS octets last), if it carries one. */
  read(direction: "rx" | "tx", frame: Uint8Array): TappedQ931 | undefined {
    const f = decodeLapdFrame(frame);
    if (!f.ok || f.value.sapi !== SAPI_CALL_CONTROL) return undefined;
    const c = f.value.control;
    let retransmission = false;
    if (c.format === "I") {
      // Q.921 §5.6.7: a frame sent again keeps its N(S); a new one takes the next.
      retransmission = this.lastNs[direction] === c.ns;
      this.lastNs[direction] = c.ns;
    } else if (!(c.format === "U" && c.type === "UI")) {
      return undefined;
    }
    const info = f.value.info;
    if (info.length === 0 || info[0] !== Q931_PROTOCOL_DISCRIMINATOR) return undefined;
    const m = decodeQ931(info);
    if (!m.ok) return undefined;
    return { direction, message: m.value, retransmission };
  }
}

/** The B-channel a message names (Channel identification, Q.931 §4.5.13, channel number octets), if it names one. */
export function channelOf(m: Q931Message): number | undefined {
  return findIe(m, "channelIdentification")?.channels?.numbers?.[0];
}

/** The called party's digits (Q.931 §4.5.8), if the message carries the element. */
export function q931CalledOf(m: Q931Message): string | undefined {
  return findIe(m, "calledPartyNumber")?.digits;
}

/** The Q.850 cause value of the message's Cause element (Q.931 §4.5.12), if it has one. */
export function q931CauseOf(m: Q931Message): number | undefined {
  return findIe(m, "cause")?.value;
}

/** The text of the QSIG calling name (ECMA-164 callingName in a Facility element), if one decodes. */
export function callingNameOf(m: Q931Message): string | undefined {
  const n = qsigNameOf(m, "callingName");
  return n === undefined ? undefined : nameText(n);
}

/** One short line for the ladder: `SETUP cr 1 ch 1 2125551234`, `DISCONNECT cr 1 cause 16`. */
export function q931Label(t: TappedQ931): string {
  const m = t.message;
  const parts = [typeof m.messageType === "number" ? `type 0x${m.messageType.toString(16).padStart(2, "0")}` : m.messageType];
  if (m.callReference.length > 0) parts.push(m.callReference.value === 0 ? "global cr" : `cr ${m.callReference.value}`);
  const ch = channelOf(m);
  if (ch !== undefined) parts.push(`ch ${ch}`);
  const called = q931CalledOf(m);
  if (called !== undefined) parts.push(called);
  const cause = q931CauseOf(m);
  if (cause !== undefined) parts.push(`cause ${cause}`);
  if (t.retransmission) parts.push("(again)");
  return parts.join(" ");
}
