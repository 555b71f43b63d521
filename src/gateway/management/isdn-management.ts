/**
 * The management API's ISDN part: D-channel rows (Q.921 data link and Q.931
 * entity of each PRI / QSIG trunk, with their maintenance counters), B-channel
 * rows (Q.931 §5.1.2 channel state, the call holding it) and the RESTART of
 * B-channels (Q.931 §5.5.1). The messages are in MANAGEMENT_PROTO
 * (ListDChannelsRequest/Reply, ListBChannelsRequest/Reply,
 * BChannelRestartRequest/Reply); this file holds their TypeScript shapes, the
 * conversion from and to the protobuf objects of the Request / Response
 * oneofs, and the handler that answers them from an `IsdnManagement` source
 * (the ISDN component of the running gateway).
 */

export interface DChannelStatus {
  trunk: string;
  span: number;
  timeslot: number;
  /** "network" or "user". */
  side: string;
  /** "qsig" or "q931". */
  mode: string;
  /** Q.921 data link state (Annex B): TeiAssigned, AwaitingEstablishment, AwaitingRelease, MultipleFrameEstablished, TimerRecovery. */
  level2: string;
  /** The data link is in multiple frame operation. */
  established: boolean;
  /** The span is in an alarm that stops the D-channel (LOS, LOF, AIS). */
  physicalDown: boolean;
  /** Global call reference state: "Rest0", or "Rest1" while a RESTART awaits its acknowledgement. */
  restartState: string;
  calls: number;
  bChannelsIdle: number;
  bChannelsReserved: number;
  bChannelsMaintenance: number;
  framesTx: number;
  framesRx: number;
  /** Frames the data link discarded as invalid (Q.921 §2.9), plus those the card dropped for their FCS. */
  invalidFrames: number;
  retransmittedI: number;
  messagesTx: number;
  messagesRx: number;
  /** Q.931 messages ignored as undecodable (Q.931 §5.8.1-§5.8.3.1). */
  undecodable: number;
  /** MDL-ERROR indications (Q.921 Appendix II). */
  mdlErrors: number;
  /** The last MDL-ERROR code, "" when none. */
  lastMdlError: string;
  /** Times the data link came up (DL-ESTABLISH.ind / .conf). */
  establishments: number;
  /** Times the data link went down after being up (DL-RELEASE.ind). */
  linkFailures: number;
  restartsRequested: number;
  restartsAcknowledged: number;
  restartsFailed: number;
  restartsReceived: number;
  callsIn: number;
  callsOut: number;
  /** Calls cleared while the data link was down (Q.931 §5.8.9: internally, or at T309 expiry). */
  callsClearedByLinkFailure: number;
}

export interface ListDChannelsReply {
  dChannels: DChannelStatus[];
}

export interface BChannelStatus {
  trunk: string;
  /** Channel number as in the Channel identification element (Q.931 §4.5.13). */
  channel: number;
  span: number;
  timeslot: number;
  /** "idle", "reserved" or "maintenance". */
  state: string;
  /** Call reference value of the call holding the channel, 0 when none. */
  callReference: number;
  /** "in" (the peer's call reference) or "out" (ours); "" when no call. */
  direction: string;
  /** Q.931 call state of that call (CallPresent, Active, ...), "" when none. */
  callState: string;
}

export interface ListBChannelsReply {
  bChannels: BChannelStatus[];
}

export interface BChannelRestartRequest {
  /** Empty: the only ISDN trunk (an error when there are several). */
  trunk: string;
  /** B-channel numbers; empty: the whole interface (restart class 7). */
  channels: number[];
}

export interface BChannelRestartReply {
  trunk: string;
  channels: number[];
}

export type IsdnRequestBody =
  | { kind: "listDChannels"; trunk: string }
  | { kind: "listBChannels"; trunk: string }
  | { kind: "bChannelRestart"; request: BChannelRestartRequest };

export type IsdnResponseBody =
  | { kind: "dChannels"; dChannels: ListDChannelsReply }
  | { kind: "bChannels"; bChannels: ListBChannelsReply }
  | { kind: "bChannelRestart"; result: BChannelRestartReply };

/** What answers the ISDN requests: the ISDN component. Throws IsdnManagementError with a reason for the operator. */
export interface IsdnManagement {
  dChannels(trunk: string): ListDChannelsReply;
  bChannels(trunk: string): ListBChannelsReply;
  restart(request: BChannelRestartRequest): BChannelRestartReply;
}

/** A request the ISDN component cannot carry out; the message is for the operator. */
export class IsdnManagementError extends Error {}

/** Names of the Request oneof members, as protobufjs reports them (keepCase false). */
const REQUEST_FIELD = { listDChannels: "listDChannels", listBChannels: "listBChannels", bChannelRestart: "bChannelRestart" } as const;
const RESPONSE_FIELD = { dChannels: "dChannels", bChannels: "bChannels", bChannelRestart: "bChannelRestart" } as const;

/** The Request payload member for an ISDN body (to merge into the protobuf object). */
export function isdnRequestPayload(b: IsdnRequestBody): Record<string, unknown> {
  switch (b.kind) {
    case "listDChannels":
      return { [REQUEST_FIELD.listDChannels]: { trunk: b.trunk } };
    case "listBChannels":
      return { [REQUEST_FIELD.listBChannels]: { trunk: b.trunk } };
    case "bChannelRestart":
      return { [REQUEST_FIELD.bChannelRestart]: { trunk: b.request.trunk, channels: [...b.request.channels] } };
  }
}

/**
 * The ISDN body of a decoded Request object (`body` is the oneof member name),
 * undefined when the member is not an ISDN one, or the reason it is refused.
 */
export function isdnRequestFromObject(body: unknown, o: Record<string, unknown>): IsdnRequestBody | { error: string } | undefined {
  switch (body) {
    case REQUEST_FIELD.listDChannels:
      return { kind: "listDChannels", trunk: String((o[body] as { trunk?: string }).trunk ?? "") };
    case REQUEST_FIELD.listBChannels:
      return { kind: "listBChannels", trunk: String((o[body] as { trunk?: string }).trunk ?? "") };
    case REQUEST_FIELD.bChannelRestart: {
      const r = o[body] as { trunk?: string; channels?: number[] };
      const channels = (r.channels ?? []).map(Number);
      const bad = channels.find((c) => !Number.isInteger(c) || c < 1 || c > 127);
      if (bad !== undefined) return { error: `bad request: B-channel ${bad} is outside 1..127` };
      return { kind: "bChannelRestart", request: { trunk: String(r.trunk ?? ""), channels } };
    }
    default:
      return undefined;
  }
}

/** The Response payload member for an ISDN body. */
export function isdnResponsePayload(b: IsdnResponseBody): Record<string, unknown> {
  switch (b.kind) {
    case "dChannels":
      return { [RESPONSE_FIELD.dChannels]: b.dChannels };
    case "bChannels":
      return { [RESPONSE_FIELD.bChannels]: b.bChannels };
    case "bChannelRestart":
      return { [RESPONSE_FIELD.bChannelRestart]: b.result };
  }
}

/** The ISDN body of a decoded Response object, undefined when the member is not an ISDN one. */
export function isdnResponseFromObject(body: unknown, o: Record<string, unknown>): IsdnResponseBody | undefined {
  switch (body) {
    case RESPONSE_FIELD.dChannels:
      return { kind: "dChannels", dChannels: o[body] as ListDChannelsReply };
    case RESPONSE_FIELD.bChannels:
      return { kind: "bChannels", bChannels: o[body] as ListBChannelsReply };
    case RESPONSE_FIELD.bChannelRestart:
      return { kind: "bChannelRestart", result: o[body] as BChannelRestartReply };
    default:
      return undefined;
  }
}

/** Answer an ISDN request from `source`; a refused request becomes an error body with the reason. */
export function handleIsdnRequest(req: IsdnRequestBody, source: IsdnManagement | undefined): IsdnResponseBody | { kind: "error"; code: string; message: string } {
  if (!source) return { kind: "error", code: "failed", message: "this gateway has no ISDN trunks configured (no isdn section)" };
  try {
    switch (req.kind) {
      case "listDChannels":
        return { kind: "dChannels", dChannels: source.dChannels(req.trunk) };
      case "listBChannels":
        return { kind: "bChannels", bChannels: source.bChannels(req.trunk) };
      case "bChannelRestart":
        return { kind: "bChannelRestart", result: source.restart(req.request) };
    }
  } catch (e) {
    if (e instanceof IsdnManagementError) return { kind: "error", code: "failed", message: e.message };
    throw e;
  }
}
