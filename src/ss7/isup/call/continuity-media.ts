/**
 * What ISUP asks of the media side for the continuity check (ITU-T Q.764
 * §2.1.8, Q.724 §7): a gateway has no check loop of its own, so the media
 * engine provides one (a loopback or a transceiver answering the check tone)
 * and, for outgoing checks, a transceiver that sends the tone and detects its
 * return. Results come back through `IsupNode.continuityResult`.
 */
import type { CircuitRef } from "../circuits/circuit-group.js";

export interface ContinuityMedia {
  /** Connect a check loop (or loopback transceiver) on the circuit: incoming check requested by the far end. */
  connectLoop(circuit: CircuitRef): void;
  /**
   * Connect a transceiver, send the check tone and report whether it came
   * back within the transmission limits (Q.724 §7.3), by calling
   * `IsupNode.continuityResult(circuit, passed)`. T24 bounds the wait.
   */
  startCheck(circuit: CircuitRef): void;
  /** Remove the loop or transceiver. */
  disconnect(circuit: CircuitRef): void;
}
