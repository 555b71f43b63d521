/**
 * The circuit state indicator of a CQR (ITU-T Q.763 §3.14) and the comparison
 * a circuit group query makes with it (Q.764 §2.8.3). One octet per circuit:
 *
 *   bits B A  maintenance blocking state   bits D C  call processing state
 *   bits F E  hardware blocking state      bits H G  spare
 *
 *   D C = 00: B A = 00 transient, 11 unequipped (01, 10 spare); F E spare
 *   D C = 01 incoming busy, 10 outgoing busy, 11 idle; then
 *     B A (and F E): 00 not blocked, 01 locally blocked, 10 remotely blocked,
 *                    11 locally and remotely blocked
 */

/** What call control does with a circuit, as far as a CQR can say. */
export type CallActivity = "idle" | "incoming" | "outgoing" | "transient";

export interface BlockingView {
  readonly local: boolean;
  readonly remote: boolean;
}

export type CircuitStateView =
  | { readonly kind: "unequipped" }
  | { readonly kind: "transient" }
  | {
      readonly kind: "equipped";
      readonly call: "idle" | "incoming" | "outgoing";
      readonly maintenance: BlockingView;
      readonly hardware: BlockingView;
    };

function blockBits(b: BlockingView): number {
  return (b.local ? 1 : 0) | (b.remote ? 2 : 0);
}

/** Q.763 §3.14: the octet for one circuit. */
export function encodeCircuitState(s: CircuitStateView): number {
  if (s.kind === "unequipped") return 0x03;
  if (s.kind === "transient") return 0x00;
  const dc = s.call === "incoming" ? 1 : s.call === "outgoing" ? 2 : 3;
  return (blockBits(s.hardware) << 4) | (dc << 2) | blockBits(s.maintenance);
}

/** Q.763 §3.14: reads one octet; spare codes give undefined. */
export function decodeCircuitState(octet: number): CircuitStateView | undefined {
  const ba = octet & 3;
  const dc = (octet >> 2) & 3;
  const fe = (octet >> 4) & 3;
  if (dc === 0) {
    if (ba === 0) return { kind: "transient" };
    if (ba === 3) return { kind: "unequipped" };
    return undefined;
  }
  return {
    kind: "equipped",
    call: dc === 1 ? "incoming" : dc === 2 ? "outgoing" : "idle",
    maintenance: { local: (ba & 1) !== 0, remote: (ba & 2) !== 0 },
    hardware: { local: (fe & 1) !== 0, remote: (fe & 2) !== 0 },
  };
}

/** What the querying exchange does about one circuit after comparing the CQR with its own view (Q.764 §2.8.3). */
export type AuditAction =
  /** The far end blocks the circuit and we did not know: mark it remotely blocked. */
  | "set-remote-maintenance"
  | "clear-remote-maintenance"
  | "set-remote-hardware"
  | "clear-remote-hardware"
  /** The far end thinks we block it and we do not: unblock (UBL or CGU hardware). */
  | "send-unblocking-maintenance"
  | "send-unblocking-hardware"
  /** We block it and the far end does not know: block again (BLO or CGB hardware). */
  | "send-blocking-maintenance"
  | "send-blocking-hardware"
  /** Both ends in a stable call state that disagree: reset the circuit. */
  | "reset"
  /** The far end does not have the circuit. */
  | "far-end-unequipped";

/** Our own view of a circuit: richer than the octet (blocking is known in transient states too). */
export interface OwnCircuitView {
  readonly call: CallActivity;
  readonly maintenance: BlockingView;
  readonly hardware: BlockingView;
}

/** The octet we send for our own view (Q.763 §3.14 has no blocking bits in the transient state). */
export function ownCircuitState(v: OwnCircuitView): CircuitStateView {
  return v.call === "transient" ? { kind: "transient" } : { kind: "equipped", call: v.call, maintenance: v.maintenance, hardware: v.hardware };
}

/**
 * Compare the far end's state of a circuit with ours (local = what we block,
 * remote = what we believe the far end blocks). A transient state on either
 * side is not compared.
 */
export function compareCircuitState(ours: OwnCircuitView, theirs: CircuitStateView): AuditAction[] {
  if (theirs.kind === "unequipped") return ["far-end-unequipped"];
  if (theirs.kind === "transient") return [];
  const out: AuditAction[] = [];
  if (theirs.maintenance.local !== ours.maintenance.remote) out.push(theirs.maintenance.local ? "set-remote-maintenance" : "clear-remote-maintenance");
  if (theirs.hardware.local !== ours.hardware.remote) out.push(theirs.hardware.local ? "set-remote-hardware" : "clear-remote-hardware");
  if (theirs.maintenance.remote && !ours.maintenance.local) out.push("send-unblocking-maintenance");
  if (!theirs.maintenance.remote && ours.maintenance.local) out.push("send-blocking-maintenance");
  if (theirs.hardware.remote && !ours.hardware.local) out.push("send-unblocking-hardware");
  if (!theirs.hardware.remote && ours.hardware.local) out.push("send-blocking-hardware");
  // Our incoming is their outgoing and the other way round; idle must match idle.
  const mirrored = theirs.call === "incoming" ? "outgoing" : theirs.call === "outgoing" ? "incoming" : "idle";
  if (ours.call !== "transient" && mirrored !== ours.call) out.push("reset");
  return out;
}
