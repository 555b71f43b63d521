/**
 * Where the ISDN component hands the calls of its PRI / QSIG trunks: an
 * `IsdnCallSink` is the Q.931 call control user (Q.931 Annex A primitives;
 * ECMA-143 §10 for QSIG) of every trunk, given each trunk's running Q.931
 * entity to make its requests on. The interworking unit implements it; until
 * it is attached, `UnroutedIsdnCallSink` is what a gateway with PBX trunks and
 * no call routing does: every incoming call is refused at once with cause 3
 * "no route to destination" (Q.850 Table 1) by RELEASE COMPLETE, the answer
 * that refuses a SETUP not yet acknowledged (Q.931 §5.2.5), and a DISCONNECT
 * is answered by RELEASE (Q.931 §5.3.4).
 *
 * The contract, for implementers:
 * - `attach(l3, trunk)` comes once per trunk when the component starts, before
 *   any indication of that trunk; `detach(trunk)` when it stops, after which no
 *   indication of the trunk follows.
 * - `indication(trunk, ind)` carries every Q.931 call indication of the trunk
 *   (`CallIndication` of src/isdn/q931/call/call.ts: SETUP.ind, MORE-INFO.ind,
 *   PROCEEDING.ind, ALERTING.ind, PROGRESS.ind, SETUP.conf, SETUP-COMPLETE.ind,
 *   INFO.ind, NOTIFY.ind, FACILITY.ind, DISCONNECT.ind, STATUS.ind, with the
 *   `Q931Call` and the decoded message; RELEASE.ind / RELEASE.conf with the
 *   Q.850 cause when the call is back in Null and its B-channel free). The
 *   sink answers through the `Q931Call` methods (proceeding, alerting,
 *   connect, disconnect, release, ...). B-channel n of a trunk is timeslot n of
 *   the trunk's span.
 * - `maintenance(trunk, event)`, when implemented, reports the D-channel going
 *   up or down and restarts (Q.931 §5.5, §5.8.8, §5.8.9).
 * Indications are delivered synchronously from the protocol stack: a sink must
 * not block, and may call requests from inside an indication.
 */
import type { Logger } from "../core/logger.js";
import type { CallIndication } from "../isdn/q931/call/call.js";
import type { Q931Layer3, RestartIndication } from "../isdn/q931/call/layer3.js";

/** The requests a sink makes on a trunk's Q.931 entity: SETUP.req, RESTART.req, and what it may read. */
export type IsdnRequests = Pick<Q931Layer3, "setup" | "requestRestart" | "dataLinkUp" | "activeCalls">;

/** A Q.931 call indication of one trunk. */
export type IsdnIndication = CallIndication;

/** D-channel and restart events of one trunk. */
export type IsdnMaintenanceEvent =
  /** The data link is in multiple frame operation (DL-ESTABLISH.ind / .conf). */
  | { readonly kind: "d-channel-up" }
  /** The data link was released or failed (DL-RELEASE.ind, Q.931 §5.8.9); `physical` when the span is in alarm. */
  | { readonly kind: "d-channel-down"; readonly physical: boolean }
  | { readonly kind: "restart"; readonly restart: RestartIndication };

export interface IsdnCallSink {
  /** The trunk's Q.931 entity is running: requests go to `l3` until `detach(trunk)`. */
  attach(l3: IsdnRequests, trunk: string): void;
  /** The trunk stopped; no indication of it follows. */
  detach(trunk: string): void;
  /** A call indication of the trunk. */
  indication(trunk: string, ind: IsdnIndication): void;
  /** D-channel state and restart outcomes of the trunk. */
  maintenance?(trunk: string, event: IsdnMaintenanceEvent): void;
}

/** Q.850 cause 3, no route to destination. */
const NO_ROUTE = 3;

export class UnroutedIsdnCallSink implements IsdnCallSink {
  private readonly trunks = new Map<string, IsdnRequests>();

  constructor(private readonly log: Logger) {}

  attach(l3: IsdnRequests, trunk: string): void {
    this.trunks.set(trunk, l3);
  }

  detach(trunk: string): void {
    this.trunks.delete(trunk);
  }

  indication(trunk: string, ind: IsdnIndication): void {
    const { call } = ind;
    switch (ind.primitive) {
      case "SETUP.ind":
        this.log.warn({ trunk, cr: call.callReference, channel: call.channel }, "incoming call refused: no call routing on this gateway (cause 3)");
        // Q.931 §5.2.5: a call refused before any answer to its SETUP is cleared by RELEASE COMPLETE.
        if (!call.disconnect(NO_ROUTE)) this.log.error({ trunk, cr: call.callReference, state: call.state }, "refusal of an unrouted call not accepted by call control");
        return;
      case "DISCONNECT.ind":
        // Q.931 §5.3.4: the user answers DISCONNECT with RELEASE.
        call.release();
        return;
      default:
        return;
    }
  }

  maintenance(trunk: string, event: IsdnMaintenanceEvent): void {
    if (event.kind === "restart" && event.restart.primitive === "RESTART.fail") {
      this.log.error({ trunk, channels: event.restart.channels }, "RESTART not acknowledged: B-channels left out of service");
    }
  }
}
