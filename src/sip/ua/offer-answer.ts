/**
 * Where a session is in the offer/answer exchange, RFC 3264 §4 with the SIP
 * rules of RFC 3261 §13.2.1 (an offer in the INVITE is answered in the 2xx;
 * an INVITE without one gets the offer in the 2xx and the answer in the ACK;
 * bodies in unreliable provisional responses preview the answer), §14.1 (no
 * new offer while one is outstanding: 491) and RFC 3311 §5 (UPDATE).
 *
 *                   sendOffer                    receiveAnswer
 *     +---------+ ------------> +------------+ -------------> +--------+
 *     | Initial |               | LocalOffer |                | Stable |
 *     +---------+ <------------ +------------+ <------------- +--------+
 *        |   ^      rollback                      sendOffer     |   ^
 *        |   |      rollback    +-------------+  receiveOffer   |   |
 *        |   +----------------- | RemoteOffer | <---------------+   |
 *        +--------------------> |             | --------------------+
 *           receiveOffer        +-------------+    sendAnswer
 *
 * (rollback from an offer made in Stable returns to Stable.)
 *
 * "Initial" has no session yet; "Stable" has one. A rejected offer (a non-2xx
 * to the request that carried it) returns to where the exchange was before.
 * The tracker is data: one table of allowed steps; a step it does not allow
 * is reported, not taken.
 */

export type OfferAnswerState = "Initial" | "LocalOffer" | "RemoteOffer" | "Stable";
export type OfferAnswerStep = "sendOffer" | "receiveOffer" | "sendAnswer" | "receiveAnswer" | "rollback";

const TABLE: Readonly<Record<OfferAnswerState, Partial<Record<OfferAnswerStep, OfferAnswerState>>>> = {
  Initial: { sendOffer: "LocalOffer", receiveOffer: "RemoteOffer" },
  LocalOffer: { receiveAnswer: "Stable", rollback: "Initial" },
  RemoteOffer: { sendAnswer: "Stable", rollback: "Initial" },
  Stable: { sendOffer: "LocalOffer", receiveOffer: "RemoteOffer" },
};

export class OfferAnswer {
  private current: OfferAnswerState = "Initial";
  /** The state to return to when an outstanding offer is rejected. */
  private before: OfferAnswerState = "Initial";

  get state(): OfferAnswerState {
    return this.current;
  }

  /** An offer is outstanding: a new one now is glare (RFC 3261 §14.1, RFC 3311 §5.2). */
  get pending(): boolean {
    return this.current === "LocalOffer" || this.current === "RemoteOffer";
  }

  /** Whether a session has been established (an answer was exchanged once). */
  get established(): boolean {
    return this.current === "Stable" || this.before === "Stable";
  }

  can(step: OfferAnswerStep): boolean {
    return TABLE[this.current][step] !== undefined;
  }

  /** Take a step; false (state unchanged) when the table does not allow it. */
  step(step: OfferAnswerStep): boolean {
    let next = TABLE[this.current][step];
    if (next === undefined) return false;
    if (step === "sendOffer" || step === "receiveOffer") this.before = this.current;
    if (step === "rollback") next = this.before;
    this.current = next;
    return true;
  }
}
