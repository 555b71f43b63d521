/** Typed encode/decode of the management messages (protobufjs, reflection from MANAGEMENT_PROTO). */
import protobuf from "protobufjs";
import type { IsdnRequestBody, IsdnResponseBody } from "./isdn-management.js";
import { isdnRequestFromObject, isdnRequestPayload, isdnResponseFromObject, isdnResponsePayload } from "./isdn-management.js";
import { MANAGEMENT_PROTO } from "./management-proto.js";

const root = protobuf.parse(MANAGEMENT_PROTO, { keepCase: false }).root;
const RequestType = root.lookupType("siptgw.management.v1.Request");
const ResponseType = root.lookupType("siptgw.management.v1.Response");

export interface ComponentStatus {
  name: string;
  state: string;
  detail: string;
}

export interface StatusReply {
  version: string;
  uptimeMs: number;
  configSource: string;
  pid: number;
  components: ComponentStatus[];
}

export interface SignallingLinkStatus {
  linkset: string;
  slc: number;
  span: number;
  timeslot: number;
  state: string;
  level2: string;
  framesTx: number;
  framesRx: number;
  msusTx: number;
  msusRx: number;
  suErrors: number;
}

export interface LinksetStatus {
  name: string;
  adjacentPointCode: string;
  state: string;
}

export interface DestinationStatus {
  pointCode: string;
  accessible: boolean;
  via: string;
  routes: { linkset: string; status: string }[];
}

export interface ListLinksReply {
  variant: string;
  pointCode: string;
  linksets: LinksetStatus[];
  links: SignallingLinkStatus[];
  destinations: DestinationStatus[];
}

export interface CicRange {
  first: number;
  last: number;
}

export interface CircuitStatus {
  trunk: string;
  pointCode: string;
  cic: number;
  span: number;
  timeslot: number;
  callState: string;
  /** 0 when no call. */
  callId: number;
  localMaintenance: string;
  localHardware: string;
  remoteMaintenance: boolean;
  remoteHardware: boolean;
  remoteUnequipped: boolean;
  procedures: string[];
}

export interface ListCircuitsReply {
  circuits: CircuitStatus[];
}

export type CircuitAction = "block" | "unblock" | "reset" | "query";
export const CIRCUIT_ACTIONS: readonly CircuitAction[] = ["block", "unblock", "reset", "query"];
export type BlockingType = "maintenance" | "hardware";

export interface CircuitActionRequest {
  action: CircuitAction;
  /** Empty: the one trunk holding the whole range. */
  trunk: string;
  range: CicRange;
  blockingType: BlockingType;
}

export interface CircuitActionReply {
  trunk: string;
  first: number;
  last: number;
  procedure: string;
  answered: boolean;
  discrepancies: { cic: number; actions: string[] }[];
}

/** One call through the gateway (ListCalls). */
export interface CallRow {
  id: number;
  direction: string;
  state: string;
  tdmTrunk: string;
  circuit: number;
  sipTrunk: string;
  callId: string;
  called: string;
  startedMs: number;
  answeredMs: number;
}

export type RequestBody =
  | { kind: "status" }
  | { kind: "listCalls" }
  | { kind: "listLinks" }
  | { kind: "listCircuits"; trunk: string; range?: CicRange }
  | { kind: "circuitAction"; request: CircuitActionRequest }
  | IsdnRequestBody;
export type ResponseBody =
  | { kind: "error"; code: string; message: string }
  | { kind: "status"; status: StatusReply }
  | { kind: "calls"; calls: CallRow[] }
  | { kind: "links"; links: ListLinksReply }
  | { kind: "circuits"; circuits: ListCircuitsReply }
  | { kind: "circuitAction"; result: CircuitActionReply }
  | IsdnResponseBody;

export interface Request {
  id: number;
  body: RequestBody;
}

export interface Response {
  id: number;
  body: ResponseBody;
}

const toObjectOpts = { oneofs: true, longs: Number, defaults: true, arrays: true } as const;

export function encodeRequest(r: Request): Uint8Array {
  const payload: Record<string, unknown> = { id: r.id };
  const b = r.body;
  switch (b.kind) {
    case "status":
      payload["status"] = {};
      break;
    case "listLinks":
      payload["listLinks"] = {};
      break;
    case "listCalls":
      payload["listCalls"] = {};
      break;
    case "listCircuits":
      payload["listCircuits"] = { trunk: b.trunk, ...(b.range ? { range: b.range } : {}) };
      break;
    case "circuitAction":
      payload["circuitAction"] = { ...b.request };
      break;
    case "listDChannels":
    case "listBChannels":
    case "bChannelRestart":
      Object.assign(payload, isdnRequestPayload(b));
      break;
  }
  return RequestType.encode(RequestType.create(payload)).finish();
}

export function decodeRequest(bytes: Uint8Array): { ok: true; value: Request } | { ok: false; id: number; error: string } {
  let o: Record<string, unknown>;
  try {
    o = RequestType.toObject(RequestType.decode(bytes), toObjectOpts) as Record<string, unknown>;
  } catch (e) {
    return { ok: false, id: 0, error: `undecodable request: ${(e as Error).message}` };
  }
  const id = Number(o["id"] ?? 0);
  switch (o["body"]) {
    case "status":
      return { ok: true, value: { id, body: { kind: "status" } } };
    case "listLinks":
      return { ok: true, value: { id, body: { kind: "listLinks" } } };
    case "listCalls":
      return { ok: true, value: { id, body: { kind: "listCalls" } } };
    case "listCircuits": {
      const l = o["listCircuits"] as { trunk: string; range?: CicRange | null };
      const range = rangeOf(l.range);
      if (typeof range === "string") return { ok: false, id, error: range };
      return { ok: true, value: { id, body: { kind: "listCircuits", trunk: l.trunk, ...(range ? { range } : {}) } } };
    }
    case "circuitAction": {
      const a = o["circuitAction"] as { action: string; trunk: string; range?: CicRange | null; blockingType: string };
      if (!(CIRCUIT_ACTIONS as readonly string[]).includes(a.action)) return { ok: false, id, error: `bad request: action ${JSON.stringify(a.action)} is not one of ${CIRCUIT_ACTIONS.join(", ")}` };
      const blockingType = a.blockingType === "" ? "maintenance" : a.blockingType;
      if (blockingType !== "maintenance" && blockingType !== "hardware") return { ok: false, id, error: `bad request: blocking type ${JSON.stringify(a.blockingType)} is not maintenance or hardware` };
      const range = rangeOf(a.range);
      if (typeof range === "string") return { ok: false, id, error: range };
      if (!range) return { ok: false, id, error: "bad request: a circuit action needs a CIC range" };
      return { ok: true, value: { id, body: { kind: "circuitAction", request: { action: a.action as CircuitAction, trunk: a.trunk, range, blockingType } } } };
    }
  }
  const isdn = isdnRequestFromObject(o["body"], o);
  if (isdn && "error" in isdn) return { ok: false, id, error: isdn.error };
  if (isdn) return { ok: true, value: { id, body: isdn } };
  return { ok: false, id, error: "unknown request" };
}

export function encodeResponse(r: Response): Uint8Array {
  const payload: Record<string, unknown> = { id: r.id };
  const b = r.body;
  switch (b.kind) {
    case "error":
      payload["error"] = { code: b.code, message: b.message };
      break;
    case "status":
      payload["status"] = b.status;
      break;
    case "links":
      payload["links"] = b.links;
      break;
    case "calls":
      payload["calls"] = { calls: b.calls };
      break;
    case "circuits":
      payload["circuits"] = b.circuits;
      break;
    case "circuitAction":
      payload["circuitAction"] = b.result;
      break;
    case "dChannels":
    case "bChannels":
    case "bChannelRestart":
      Object.assign(payload, isdnResponsePayload(b));
      break;
  }
  return ResponseType.encode(ResponseType.create(payload)).finish();
}

export function decodeResponse(bytes: Uint8Array): { ok: true; value: Response } | { ok: false; error: string } {
  let o: Record<string, unknown>;
  try {
    o = ResponseType.toObject(ResponseType.decode(bytes), toObjectOpts) as Record<string, unknown>;
  } catch (e) {
    return { ok: false, error: `undecodable response: ${(e as Error).message}` };
  }
  const id = Number(o["id"] ?? 0);
  if (o["body"] === "error") {
    const e = o["error"] as { code: string; message: string };
    return { ok: true, value: { id, body: { kind: "error", code: e.code, message: e.message } } };
  }
  switch (o["body"]) {
    case "status":
      return { ok: true, value: { id, body: { kind: "status", status: o["status"] as StatusReply } } };
    case "links":
      return { ok: true, value: { id, body: { kind: "links", links: o["links"] as ListLinksReply } } };
    case "calls":
      return { ok: true, value: { id, body: { kind: "calls", calls: (o["calls"] as { calls: CallRow[] }).calls } } };
    case "circuits":
      return { ok: true, value: { id, body: { kind: "circuits", circuits: o["circuits"] as ListCircuitsReply } } };
    case "circuitAction":
      return { ok: true, value: { id, body: { kind: "circuitAction", result: o["circuitAction"] as CircuitActionReply } } };
  }
  const isdn = isdnResponseFromObject(o["body"], o);
  if (isdn) return { ok: true, value: { id, body: isdn } };
  return { ok: false, error: "response with no known body" };
}

/** A range from the wire: absent, or first <= last. */
function rangeOf(r: CicRange | null | undefined): CicRange | undefined | string {
  if (r === null || r === undefined) return undefined;
  if (r.last < r.first) return `bad request: CIC range ${r.first}-${r.last} ends before it starts`;
  return { first: r.first, last: r.last };
}
