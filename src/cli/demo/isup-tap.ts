/**
 * Reads the gateway's signalling link tap (every frame both ways, the
 * Ss7Component monitor) as ISUP messages for the ladder: Q.703 §2 signal
 * unit (only MSUs carry messages; an MSU whose FSN equals the last one sent
 * that way is a retransmission, §5.2), Q.704 §2.2/§14.2 SIO and routing
 * label (service indicator 5 is ISUP), Q.763 §1.2 CIC and message type,
 * and from the parameters what a reader of a call flow wants: the called
 * number of an IAM (§3.9) and the cause of a REL (§3.12, Q.850).
 * Frames it cannot read yield nothing; nothing here throws.
 */
import { decodeSignalUnit } from "../../ss7/mtp2/su-codec.js";
import { decodeMtp3Message, SERVICE_INDICATOR } from "../../ss7/mtp3/msu-codec.js";
import type { Mtp3Variant } from "../../ss7/mtp3/point-code.js";
import type { IsupMessage } from "../../ss7/isup/codec/index.js";
import { decodeIsup, getParameter } from "../../ss7/isup/codec/index.js";

export interface TappedIsup {
  /** "rx": from the far end to the gateway; "tx": from the gateway. */
  readonly direction: "rx" | "tx";
  readonly message: IsupMessage;
  readonly opc: number;
  readonly dpc: number;
  readonly retransmission: boolean;
}

export class IsupTap {
  private readonly lastFsn: Record<"rx" | "tx", number | undefined> = { rx: undefined, tx: undefined };

  constructor(private readonly variant: Mtp3Variant) {}

  /** The ISUP message in one frame of the link, if it carries one. */
  read(direction: "rx" | "tx", frame: Uint8Array): TappedIsup | undefined {
    const su = decodeSignalUnit(frame);
    if (!su.ok || su.value.kind !== "MSU") return undefined;
    const retransmission = this.lastFsn[direction] === su.value.fsn;
    this.lastFsn[direction] = su.value.fsn;
    const m3 = decodeMtp3Message(su.value.payload, this.variant);
    if (!m3.ok || m3.value.sio.si !== SERVICE_INDICATOR.ISUP) return undefined;
    const isup = decodeIsup(m3.value.userData, { variant: this.variant });
    if (!isup.ok) return undefined;
    return { direction, message: isup.value, opc: m3.value.label.opc, dpc: m3.value.label.dpc, retransmission };
  }
}

/** The cause value of a message's cause indicators (Q.763 §3.12), if it has one. */
export function causeOf(m: IsupMessage): number | undefined {
  return getParameter(m, "causeIndicators")?.causeValue;
}

/**
 * The called party's address signals of an IAM (Q.763 §3.9), without the
 * end-of-pulsing signal ST (code 1111, read as "F") that closes a complete number.
 */
export function calledOf(m: IsupMessage): string | undefined {
  const v = getParameter(m, "calledPartyNumber") as { readonly digits?: string } | undefined;
  return v?.digits?.replace(/F$/i, "");
}

/** One short line for the ladder: `IAM cic 5 2125551234`, `REL cic 5 cause 17`. */
export function isupLabel(t: TappedIsup): string {
  const m = t.message;
  const parts = [m.messageType];
  if (m.cic !== undefined) parts.push(`cic ${m.cic}`);
  const called = m.messageType === "IAM" ? calledOf(m) : undefined;
  if (called !== undefined) parts.push(called);
  const cause = causeOf(m);
  if (cause !== undefined) parts.push(`cause ${cause}`);
  if (t.retransmission) parts.push("(again)");
  return parts.join(" ");
}
