/**
 * The D-channel LAPD runs over: the only thing Q.921 needs from a card, a
 * DAHDI HDLC channel or a socket to a simulated PBX. One HDLC frame per call,
 * flags and bit stuffing already removed (Q.921 §2.1-§2.6, done by the
 * channel).
 *
 * Frame convention (DAHDI HDLC, as libpri uses it): the frame followed by two
 * octets where the line carries the FCS (Q.921 §2.7). We send `00 00` there;
 * the channel computes the real FCS. A channel that receives a frame with a
 * bad FCS discards it (Q.921 §2.9) instead of delivering it.
 */

export interface LapdChannel {
  /** Send one frame; it ends with LAPD_FCS_OCTETS placeholder octets unless the channel was set up without them. */
  send(frame: Uint8Array): void;
  /** Register the receiver of frames. */
  onFrame(cb: (frame: Uint8Array) => void): void;
}
