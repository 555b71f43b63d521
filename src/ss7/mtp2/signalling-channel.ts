/**
 * The signalling channel MTP2 runs over: the only thing this layer needs from
 * a card, a DAHDI HDLC channel or a socket to a simulated far end. It carries
 * one HDLC frame per call, flags and bit stuffing already removed
 * (Q.703 §3-§4: delimitation and acceptance, done by the channel).
 *
 * Frame convention (the DAHDI HDLC convention libss7 uses): the signal unit
 * followed by two octets where the line carries the check bits (Q.703 §2).
 * We send `00 00` there; the channel computes or strips the real FCS. Received
 * frames carry two octets there too, whose value MTP2 ignores: a channel that
 * sees a bad FCS reports an errored signal unit instead of delivering it.
 *
 * Repetition: a real line repeats the last FISU or LSSU between frames. A
 * channel may suppress repeated frames (DAHDI's MTP2 mode does); it then
 * delivers a frame only when it differs from the previous one, and may report
 * how many repeats it swallowed so the error-rate monitors count them.
 */

/** Octets after every signal unit where the line carries the check bits (Q.703 §2). */
export const FCS_OCTETS = 2;

/** What a channel observes on the line besides good frames (Q.703 §4, §10). */
export type ChannelIndication =
  /** Signal units received in error: bad FCS, abort, length not a whole number of octets, too long or too short. */
  | { readonly type: "su-error"; readonly count: number }
  /** Octets received while in octet counting mode (loss of alignment; Q.703 §4, §10.2, §10.3). */
  | { readonly type: "octet-counting"; readonly octets: number }
  /** Correct signal units received but not delivered because each repeated the previous one. */
  | { readonly type: "su-repeated"; readonly count: number };

export interface SignallingChannel {
  /** Send one signal unit; `frame` ends with FCS_OCTETS placeholder octets. */
  send(frame: Uint8Array): void;
  /** Register the receiver for frames (each ends with FCS_OCTETS octets). */
  onFrame(cb: (frame: Uint8Array) => void): void;
  /** Register the receiver for line indications; channels that detect nothing may omit it. */
  onIndication?(cb: (ind: ChannelIndication) => void): void;
}
