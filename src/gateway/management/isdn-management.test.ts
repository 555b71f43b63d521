import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import type { BChannelStatus, DChannelStatus, IsdnManagement, IsdnRequestBody, IsdnResponseBody } from "./isdn-management.js";
import { handleIsdnRequest, IsdnManagementError, isdnRequestFromObject, isdnRequestPayload, isdnResponseFromObject, isdnResponsePayload } from "./isdn-management.js";
import { MANAGEMENT_PROTO } from "./management-proto.js";

const root = protobuf.parse(MANAGEMENT_PROTO, { keepCase: false }).root;
const Req = root.lookupType("siptgw.management.v1.Request");
const Res = root.lookupType("siptgw.management.v1.Response");
const opts = { oneofs: true, longs: Number, defaults: true, arrays: true } as const;

const D: DChannelStatus = {
  trunk: "pbx", span: 2, timeslot: 16, side: "network", mode: "qsig", level2: "MultipleFrameEstablished", established: true, physicalDown: false,
  restartState: "Rest0", calls: 1, bChannelsIdle: 29, bChannelsReserved: 1, bChannelsMaintenance: 0, framesTx: 10, framesRx: 12, invalidFrames: 0,
  retransmittedI: 0, messagesTx: 4, messagesRx: 5, undecodable: 0, mdlErrors: 1, lastMdlError: "F", establishments: 1, linkFailures: 0,
  restartsRequested: 1, restartsAcknowledged: 1, restartsFailed: 0, restartsReceived: 0, callsIn: 1, callsOut: 0, callsClearedByLinkFailure: 0,
};
const B: BChannelStatus = { trunk: "pbx", channel: 5, span: 2, timeslot: 5, state: "reserved", callReference: 3, direction: "in", callState: "Active" };

function roundTripRequest(b: IsdnRequestBody): ReturnType<typeof isdnRequestFromObject> {
  const bytes = Req.encode(Req.create({ id: 9, ...isdnRequestPayload(b) })).finish();
  const o = Req.toObject(Req.decode(bytes), opts) as Record<string, unknown>;
  return isdnRequestFromObject(o["body"], o);
}

function roundTripResponse(b: IsdnResponseBody): ReturnType<typeof isdnResponseFromObject> {
  const bytes = Res.encode(Res.create({ id: 9, ...isdnResponsePayload(b) })).finish();
  const o = Res.toObject(Res.decode(bytes), opts) as Record<string, unknown>;
  return isdnResponseFromObject(o["body"], o);
}

describe("ISDN management messages", () => {
  it("requests survive the protobuf encoding", () => {
    expect(roundTripRequest({ kind: "listDChannels", trunk: "pbx" })).toEqual({ kind: "listDChannels", trunk: "pbx" });
    expect(roundTripRequest({ kind: "listBChannels", trunk: "" })).toEqual({ kind: "listBChannels", trunk: "" });
    expect(roundTripRequest({ kind: "bChannelRestart", request: { trunk: "pbx", channels: [1, 31] } })).toEqual({ kind: "bChannelRestart", request: { trunk: "pbx", channels: [1, 31] } });
    expect(roundTripRequest({ kind: "bChannelRestart", request: { trunk: "pbx", channels: [200] } })).toEqual({ error: "bad request: B-channel 200 is outside 1..127" });
    expect(isdnRequestFromObject("status", {})).toBeUndefined();
  });
  it("replies survive the protobuf encoding", () => {
    expect(roundTripResponse({ kind: "dChannels", dChannels: { dChannels: [D] } })).toEqual({ kind: "dChannels", dChannels: { dChannels: [D] } });
    expect(roundTripResponse({ kind: "bChannels", bChannels: { bChannels: [B] } })).toEqual({ kind: "bChannels", bChannels: { bChannels: [B] } });
    expect(roundTripResponse({ kind: "bChannelRestart", result: { trunk: "pbx", channels: [] } })).toEqual({ kind: "bChannelRestart", result: { trunk: "pbx", channels: [] } });
    expect(isdnResponseFromObject("links", {})).toBeUndefined();
  });
  it("answers from the source, refusals as error bodies", () => {
    const source: IsdnManagement = {
      dChannels: () => ({ dChannels: [D] }),
      bChannels: (t) => {
        if (t === "x") throw new IsdnManagementError("no ISDN trunk x");
        return { bChannels: [B] };
      },
      restart: (r) => ({ trunk: r.trunk, channels: r.channels }),
    };
    expect(handleIsdnRequest({ kind: "listDChannels", trunk: "" }, source)).toEqual({ kind: "dChannels", dChannels: { dChannels: [D] } });
    expect(handleIsdnRequest({ kind: "listBChannels", trunk: "x" }, source)).toEqual({ kind: "error", code: "failed", message: "no ISDN trunk x" });
    expect(handleIsdnRequest({ kind: "bChannelRestart", request: { trunk: "pbx", channels: [4] } }, source)).toEqual({ kind: "bChannelRestart", result: { trunk: "pbx", channels: [4] } });
    expect(handleIsdnRequest({ kind: "listDChannels", trunk: "" }, undefined)).toMatchObject({ kind: "error", message: expect.stringContaining("no ISDN trunks") });
  });
});
