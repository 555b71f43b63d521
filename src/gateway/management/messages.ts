/** Typed encode/decode of the management messages (protobufjs, reflection from MANAGEMENT_PROTO). */
import protobuf from "protobufjs";
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

export type RequestBody = { kind: "status" };
export type ResponseBody = { kind: "error"; code: string; message: string } | { kind: "status"; status: StatusReply };

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
  if (r.body.kind === "status") payload["status"] = {};
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
  if (o["body"] === "status") return { ok: true, value: { id, body: { kind: "status" } } };
  return { ok: false, id, error: "unknown request" };
}

export function encodeResponse(r: Response): Uint8Array {
  const payload: Record<string, unknown> = { id: r.id };
  if (r.body.kind === "error") payload["error"] = { code: r.body.code, message: r.body.message };
  else payload["status"] = r.body.status;
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
  if (o["body"] === "status") return { ok: true, value: { id, body: { kind: "status", status: o["status"] as StatusReply } } };
  return { ok: false, error: "response with no known body" };
}
