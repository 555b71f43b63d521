/**
 * Where the SS7 component hands ISUP calls: a `CallSink` is an ISUP user
 * (Q.764 §2.1-§2.5 indications, maintenance alerts) that is given the running
 * ISUP node to make its requests on. The interworking unit implements it;
 * until it is attached, `UnroutedCallSink` is what a gateway with SS7 and no
 * call routing does: every incoming call is released at once with cause 3
 * "no route to destination" (Q.850 Table 1; Q.764 §2.2 release by the
 * incoming exchange), and maintenance alerts are logged.
 */
import type { Logger } from "../core/logger.js";
import type { IsupNode } from "../ss7/isup/call/isup-node.js";
import type { IsupIndication, IsupUser, MaintenanceAlert } from "../ss7/isup/call/primitives.js";

/** The requests a call sink makes on ISUP (the request side of IsupNode). */
export type IsupRequests = Pick<
  IsupNode,
  | "setupRequest"
  | "subsequentAddressRequest"
  | "sufficientAddress"
  | "addressCompleteRequest"
  | "progressRequest"
  | "answerRequest"
  | "releaseRequest"
  | "suspendRequest"
  | "resumeRequest"
  | "informationRequest"
  | "informationResponse"
  | "callMessageRequest"
  | "continuityReport"
>;

export interface CallSink extends IsupUser {
  /** ISUP is running: requests go to `isup` until `detach`. */
  attach(isup: IsupRequests): void;
  /** ISUP stopped; no indication follows. */
  detach(): void;
}

/** Q.850 cause 3, no route to destination. */
const NO_ROUTE = 3;

export class UnroutedCallSink implements CallSink {
  private isup: IsupRequests | undefined;

  constructor(
    private readonly log: Logger,
    /** Q.850 location of the cause (Q.850 §2.2.5). */
    private readonly location: number,
  ) {}

  attach(isup: IsupRequests): void {
    this.isup = isup;
  }

  detach(): void {
    this.isup = undefined;
  }

  indication(ind: IsupIndication): void {
    if (ind.primitive !== "SETUP.ind") return;
    const { call, circuit } = ind;
    this.log.warn({ trunk: circuit.group, cic: circuit.cic, call }, "incoming call released: no call routing on this gateway (cause 3)");
    const r = this.isup?.releaseRequest(call, { cause: NO_ROUTE, location: this.location });
    if (r && !r.ok) this.log.error({ trunk: circuit.group, cic: circuit.cic, reason: r.reason }, "release of an unrouted call refused");
  }

  alert(alert: MaintenanceAlert): void {
    this.log.warn({ kind: alert.kind, dpc: alert.dpc, cic: alert.cic }, alert.text);
  }
}
