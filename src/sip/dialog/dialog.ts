/**
 * A SIP dialog, RFC 3261 §12: its identity (Call-ID, local and remote tag),
 * sequence numbers, URIs, remote target, route set and secure flag.
 *
 *  - §12.1.1 UAS side: route set from the request's Record-Route in order,
 *    remote target its Contact, remote sequence number its CSeq, local
 *    sequence number empty until the first request.
 *  - §12.1.2 UAC side: route set from the response's Record-Route reversed,
 *    remote target its Contact, local sequence number the request's CSeq.
 *  - §12.2.1.1 requests in the dialog: Request-URI and Route from the route
 *    set (loose routing; the strict-router fallback when its first URI has
 *    no `lr`), CSeq one more than the last.
 *  - §12.2.2 requests received: a lower CSeq than the last is refused (500);
 *    target refresh requests and their 2xx move the remote target
 *    (§12.2.1.2, §12.2.2).
 *
 *      +-------+  2xx (UAC) / 2xx sent (UAS)  +-----------+
 *      | Early |----------------------------->| Confirmed |
 *      +-------+                              +-----------+
 *          |  non-2xx final, BYE, timeout          | BYE sent or received,
 *          |                                       | session failure
 *          V                                       V
 *      +--------------------------------------------------+
 *      |                    Terminated                    |
 *      +--------------------------------------------------+
 */
import type { Clock } from "../../core/clock.js";
import type { FsmActions, FsmDefinition } from "../../core/fsm.js";
import { FsmInstance } from "../../core/fsm.js";
import type { Logger } from "../../core/logger.js";
import type { FromTo, Via } from "../syntax/header-values.js";
import type { SipMessage } from "../syntax/message.js";
import type { NameAddr } from "../syntax/name-addr.js";
import type { SipUri, Uri } from "../syntax/uri.js";
import { uriParam } from "../syntax/uri.js";
import type { BodyInit, HeaderInit } from "../transaction/messages.js";
import { buildRequest } from "../transaction/messages.js";
import type { SendTarget } from "../transport/types.js";
import { nextHopFor } from "./next-hop.js";

export type DialogState = "Early" | "Confirmed" | "Terminated";
export type DialogEvent = "Confirm" | "Terminate";

export const dialogDefinition: FsmDefinition<DialogState, DialogEvent> = {
  name: "SIP-DIALOG",
  initial: "Early",
  states: {
    Early: { accepts: ["Confirm", "Terminate"], to: ["Confirmed", "Terminated"] },
    Confirmed: { accepts: ["Terminate"], to: ["Terminated"] },
    Terminated: { accepts: [], to: [], final: true },
  },
};

const dialogActions: FsmActions<DialogState, DialogEvent, unknown> = {
  Early: { Confirm: (f) => f.transition("Confirmed"), Terminate: (f) => f.transition("Terminated") },
  Confirmed: { Terminate: (f) => f.transition("Terminated") },
};

export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/** The key a UA core files a dialog under (§12: Call-ID, local tag, remote tag). */
export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\u0001${localTag}\u0001${remoteTag}`;
}

/** The key of the dialog a received request belongs to: its To tag is ours, its From tag theirs (§12.2.2). */
export function dialogKeyOfRequest(m: SipMessage): string | undefined {
  const local = m.to.tag;
  const remote = m.from.tag;
  return local === undefined ? undefined : dialogKey(m.callId, local, remote ?? "");
}

export interface DialogInit {
  readonly role: "uac" | "uas";
  readonly callId: string;
  readonly local: FromTo;
  readonly remote: FromTo;
  readonly localSeq: number | undefined;
  readonly remoteSeq: number | undefined;
  readonly remoteTarget: Uri;
  readonly routeSet: readonly NameAddr[];
  readonly secure: boolean;
  readonly early: boolean;
  readonly clock: Clock;
  readonly log: Logger;
  readonly onTerminate?: (d: Dialog, cause: string) => void;
}

export interface DialogRequestInit {
  readonly headers?: readonly HeaderInit[];
  readonly body?: BodyInit;
  readonly contact?: NameAddr;
  /** The CSeq number (the ACK for a 2xx reuses the INVITE's, §13.2.2.4); otherwise the next local one. */
  readonly cseq?: number;
  readonly maxForwards?: number;
}

export class Dialog {
  readonly id: DialogId;
  readonly key: string;
  readonly role: "uac" | "uas";
  readonly localUri: FromTo;
  readonly remoteUri: FromTo;
  readonly routeSet: readonly NameAddr[];
  readonly secure: boolean;
  remoteTarget: Uri;
  private localSeqValue: number | undefined;
  private remoteSeqValue: number | undefined;
  private readonly fsm: FsmInstance<DialogState, DialogEvent, unknown>;
  private termCause = "terminated";

  constructor(init: DialogInit) {
    const localTag = init.local.tag;
    const remoteTag = init.remote.tag;
    if (localTag === undefined) throw new Error("a dialog needs a local tag (RFC 3261 §12.1)");
    this.role = init.role;
    this.id = { callId: init.callId, localTag, remoteTag: remoteTag ?? "" };
    this.key = dialogKey(init.callId, localTag, remoteTag ?? "");
    this.localUri = init.local;
    this.remoteUri = init.remote;
    this.routeSet = init.routeSet;
    this.secure = init.secure;
    this.remoteTarget = init.remoteTarget;
    this.localSeqValue = init.localSeq;
    this.remoteSeqValue = init.remoteSeq;
    this.fsm = new FsmInstance(dialogDefinition, {
      id: `${init.callId};${localTag};${remoteTag ?? ""}`,
      clock: init.clock,
      log: init.log,
      timers: {},
      actions: dialogActions,
      ...(init.onTerminate !== undefined ? { onTerminate: () => init.onTerminate?.(this, this.termCause) } : {}),
    });
    if (!init.early) this.fsm.dispatch("Confirm");
  }

  get state(): DialogState {
    return this.fsm.state;
  }

  get localSeq(): number | undefined {
    return this.localSeqValue;
  }

  get remoteSeq(): number | undefined {
    return this.remoteSeqValue;
  }

  get isTerminated(): boolean {
    return this.fsm.state === "Terminated" || this.fsm.isTerminated;
  }

  confirm(): void {
    if (this.fsm.state === "Early") this.fsm.dispatch("Confirm");
  }

  terminate(cause: string): void {
    if (this.fsm.accepts("Terminate")) {
      this.termCause = cause;
      this.fsm.dispatch("Terminate");
    }
  }

  /**
   * Carry the sequence numbers an early dialog with the same identity reached
   * into this one (the UAC's dialog confirmed by the 2xx): PRACK or UPDATE in
   * the early dialog used CSeq numbers, and §12.2.1.1 wants them to grow.
   */
  continueFrom(early: Dialog): void {
    const l = early.localSeq;
    const r = early.remoteSeq;
    if (l !== undefined && (this.localSeqValue === undefined || l > this.localSeqValue)) this.localSeqValue = l;
    if (r !== undefined && (this.remoteSeqValue === undefined || r > this.remoteSeqValue)) this.remoteSeqValue = r;
  }

  /** §12.2.1.1: the next CSeq number (an empty local sequence starts at 1, below 2^31). */
  nextCSeq(): number {
    this.localSeqValue = this.localSeqValue === undefined ? 1 : this.localSeqValue + 1;
    return this.localSeqValue;
  }

  /**
   * §12.2.2: check a request's CSeq against the remote sequence number.
   * False when it is lower than the last (the request gets 500); otherwise
   * the remote sequence number moves to it.
   */
  acceptRemoteCSeq(request: SipMessage): boolean {
    const seq = request.cseq.seq;
    if (this.remoteSeqValue !== undefined && seq < this.remoteSeqValue) return false;
    // Deviation: an equal number is taken too: it is a retransmission the transaction layer did not match (a new branch), or an ACK/CANCEL.
    this.remoteSeqValue = seq;
    return true;
  }

  /** §12.2.1.2 / §12.2.2: a target refresh moves the remote target to the Contact's URI. */
  refreshTarget(message: SipMessage): void {
    const c = message.contact();
    if (!c.ok || c.value === undefined || c.value.wildcard) return;
    const first = c.value.values[0];
    if (first !== undefined) this.remoteTarget = first.uri;
  }

  /** Request-URI, Route and next hop per §12.2.1.1 and §8.1.2. */
  routing(): { uri: Uri; route: NameAddr[]; target: SendTarget | undefined } {
    const first = this.routeSet[0];
    if (first === undefined) return { uri: this.remoteTarget, route: [], target: nextHopFor(this.remoteTarget) };
    const firstUri = first.uri;
    if (firstUri.kind === "sip" && uriParam(firstUri, "lr") !== undefined) {
      return { uri: this.remoteTarget, route: [...this.routeSet], target: nextHopFor(firstUri) };
    }
    // Strict router: its URI becomes the Request-URI (without the parameters a Request-URI may not carry),
    // the rest of the route set follows, the remote target last; the request goes to the Request-URI (§8.1.2).
    const uri: Uri = firstUri.kind === "sip" ? stripForRequestUri(firstUri) : firstUri;
    const route = [...this.routeSet.slice(1), { displayName: undefined, uri: this.remoteTarget, params: [] }];
    return { uri, route, target: nextHopFor(uri) };
  }

  /** A request within the dialog (§12.2.1.1); `via` is the Via for its next hop. */
  createRequest(method: string, via: Via, init: DialogRequestInit = {}): SipMessage {
    const r = this.routing();
    const cseq = init.cseq ?? this.nextCSeq();
    return buildRequest({
      method,
      uri: r.uri,
      via,
      from: this.localUri,
      to: this.remoteUri,
      callId: this.id.callId,
      cseq,
      ...(init.maxForwards !== undefined ? { maxForwards: init.maxForwards } : {}),
      route: r.route,
      ...(init.contact !== undefined ? { contact: init.contact } : {}),
      ...(init.headers !== undefined ? { headers: init.headers } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
  }
}

/** §19.1.1 Table 1: method and header components are not allowed in a Request-URI. */
function stripForRequestUri(u: SipUri): SipUri {
  return { ...u, params: u.params.filter((p) => p.name.toLowerCase() !== "method"), headers: [] };
}

function contactUri(m: SipMessage): Uri | undefined {
  const c = m.contact();
  if (!c.ok || c.value === undefined || c.value.wildcard) return undefined;
  return c.value.values[0]?.uri;
}

function isSecure(request: SipMessage, overTls: boolean): boolean {
  const u = request.requestUri;
  return overTls && u !== undefined && u.kind === "sip" && u.scheme === "sips";
}

/** §12.1.1: the dialog a UAS creates with a response carrying `localTag`; undefined when the request has no usable Contact. */
export function uasDialog(request: SipMessage, localTag: string, a: { early: boolean; overTls: boolean; clock: Clock; log: Logger; onTerminate?: (d: Dialog, cause: string) => void }): Dialog | undefined {
  const target = contactUri(request);
  if (target === undefined) return undefined;
  const rr = request.recordRoute();
  const local: FromTo = request.to.tag !== undefined ? request.to : { ...request.to, params: [...request.to.params, { name: "tag", value: localTag, quoted: false }], tag: localTag };
  return new Dialog({
    role: "uas",
    callId: request.callId,
    local,
    remote: request.from,
    localSeq: undefined,
    remoteSeq: request.cseq.seq,
    remoteTarget: target,
    routeSet: rr.ok && rr.value !== undefined ? rr.value : [],
    secure: isSecure(request, a.overTls),
    early: a.early,
    clock: a.clock,
    log: a.log,
    ...(a.onTerminate !== undefined ? { onTerminate: a.onTerminate } : {}),
  });
}

/** §12.1.2: the dialog a UAC creates from a response with a To tag. A response without Contact keeps the Request-URI as target. */
export function uacDialog(request: SipMessage, response: SipMessage, a: { early: boolean; overTls: boolean; clock: Clock; log: Logger; onTerminate?: (d: Dialog, cause: string) => void }): Dialog | undefined {
  if (response.to.tag === undefined || request.requestUri === undefined) return undefined;
  const rr = response.recordRoute();
  const routeSet = rr.ok && rr.value !== undefined ? [...rr.value].reverse() : [];
  return new Dialog({
    role: "uac",
    callId: request.callId,
    local: request.from,
    remote: response.to,
    localSeq: request.cseq.seq,
    remoteSeq: undefined,
    remoteTarget: contactUri(response) ?? request.requestUri,
    routeSet,
    secure: isSecure(request, a.overTls),
    early: a.early,
    clock: a.clock,
    log: a.log,
    ...(a.onTerminate !== undefined ? { onTerminate: a.onTerminate } : {}),
  });
}
