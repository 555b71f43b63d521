import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { RecordingLogger } from "../../core/logger.js";
import { request } from "./client.js";
import { FrameReader, frame } from "./framing.js";
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from "./messages.js";
import type { RequestBody, ResponseBody } from "./messages.js";
import { ManagementServer } from "./server.js";

const dir = mkdtempSync(join(tmpdir(), "sipt-mgmt-"));
const path = join(dir, "control.sock");
const log = new RecordingLogger();
const LINKS: ResponseBody = {
  kind: "links",
  links: {
    variant: "itu",
    pointCode: "0-0-1",
    linksets: [{ name: "pstn", adjacentPointCode: "0-0-2", state: "Available" }],
    links: [{ linkset: "pstn", slc: 0, span: 1, timeslot: 16, state: "Available", level2: "InService", framesTx: 11, framesRx: 14, msusTx: 5, msusRx: 5, suErrors: 0 }],
    destinations: [{ pointCode: "0-0-2", accessible: true, via: "pstn", routes: [{ linkset: "pstn", status: "allowed" }] }],
  },
};
const circuit = (cic: number) => ({
  trunk: "pstn",
  pointCode: "0-0-2",
  cic,
  span: 1,
  timeslot: cic,
  callState: "Idle",
  callId: 0,
  localMaintenance: "unblocked",
  localHardware: "unblocked",
  remoteMaintenance: cic === 3,
  remoteHardware: false,
  remoteUnequipped: false,
  procedures: cic === 4 ? ["BLO"] : [],
});
const seen: RequestBody[] = [];
const server = new ManagementServer(
  path,
  (req) => {
    seen.push(req);
    switch (req.kind) {
      case "status":
        return { kind: "status", status: { version: "9.9.9", uptimeMs: 1234, configSource: "test", pid: 42, components: [{ name: "card", state: "running", detail: "sim" }] } };
      case "listLinks":
        return LINKS;
      case "listCircuits":
        return { kind: "circuits", circuits: { circuits: [circuit(req.range?.first ?? 1)] } };
      case "circuitAction":
        if (req.request.range.first === 99) throw new Error("no trunk has CIC 99");
        return { kind: "circuitAction", result: { trunk: "pstn", first: req.request.range.first, last: req.request.range.last, procedure: "CQM", answered: true, discrepancies: [{ cic: 2, actions: ["set-remote-maintenance"] }] } };
      default:
        return { kind: "error", code: "failed", message: `no ${req.kind} in this test` };
    }
  },
  log,
);

beforeAll(() => server.start());
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("management API over the control socket", () => {
  it("answers a status request", async () => {
    const body = await request(path, { kind: "status" });
    expect(body).toEqual({ kind: "status", status: { version: "9.9.9", uptimeMs: 1234, configSource: "test", pid: 42, components: [{ name: "card", state: "running", detail: "sim" }] } });
  });

  it("answers garbage with an error and drops an oversized frame, then keeps serving", async () => {
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const s = connect(path, () => s.write(frame(Uint8Array.from([0xff, 0xff, 0xff]))));
      const r = new FrameReader();
      s.on("data", (c: Buffer) => {
        const { frames } = r.push(c);
        if (frames[0]) {
          s.end();
          resolve(frames[0]);
        }
      });
      s.on("error", reject);
    });
    const decoded = decodeResponse(reply);
    expect(decoded.ok && decoded.value.body.kind).toBe("error");
    await new Promise<void>((resolve) => {
      const s = connect(path, () => s.write(Buffer.from([0x7f, 0xff, 0xff, 0xff])));
      s.on("close", () => resolve());
      s.on("error", () => resolve());
    });
    expect(log.records.some((r) => r.msg === "control socket peer dropped")).toBe(true);
    expect((await request(path, { kind: "status" })).kind).toBe("status");
  });

  it("carries the SS7 requests: links, circuits of a range, circuit actions; a failing action is an error answer", async () => {
    expect(await request(path, { kind: "listLinks" })).toEqual(LINKS);
    expect(await request(path, { kind: "listCircuits", trunk: "", range: { first: 3, last: 3 } })).toEqual({ kind: "circuits", circuits: { circuits: [circuit(3)] } });
    expect(await request(path, { kind: "listCircuits", trunk: "pstn" })).toEqual({ kind: "circuits", circuits: { circuits: [circuit(1)] } });
    expect(seen.at(-1)).toEqual({ kind: "listCircuits", trunk: "pstn" });
    expect(await request(path, { kind: "circuitAction", request: { action: "query", trunk: "pstn", range: { first: 1, last: 15 }, blockingType: "maintenance" } })).toEqual({
      kind: "circuitAction",
      result: { trunk: "pstn", first: 1, last: 15, procedure: "CQM", answered: true, discrepancies: [{ cic: 2, actions: ["set-remote-maintenance"] }] },
    });
    expect(seen.at(-1)).toEqual({ kind: "circuitAction", request: { action: "query", trunk: "pstn", range: { first: 1, last: 15 }, blockingType: "maintenance" } });
    expect(await request(path, { kind: "circuitAction", request: { action: "block", trunk: "", range: { first: 99, last: 99 }, blockingType: "hardware" } })).toEqual({ kind: "error", code: "failed", message: "no trunk has CIC 99" });
  });

  it("refuses malformed SS7 requests: unknown action, reversed range, missing range", () => {
    const bad = (body: RequestBody, patch: (b: Uint8Array) => Uint8Array = (b) => b) => decodeRequest(patch(encodeRequest({ id: 7, body })));
    const withAction = (action: string): RequestBody => ({ kind: "circuitAction", request: { action: action as "block", trunk: "", range: { first: 1, last: 2 }, blockingType: "maintenance" } });
    expect(bad(withAction("explode"))).toEqual({ ok: false, id: 7, error: 'bad request: action "explode" is not one of block, unblock, reset, query' });
    expect(bad({ kind: "listCircuits", trunk: "", range: { first: 5, last: 2 } })).toEqual({ ok: false, id: 7, error: "bad request: CIC range 5-2 ends before it starts" });
    expect(bad({ kind: "circuitAction", request: { action: "reset", trunk: "", range: undefined as unknown as { first: number; last: number }, blockingType: "maintenance" } })).toEqual({
      ok: false,
      id: 7,
      error: "bad request: a circuit action needs a CIC range",
    });
    expect(decodeRequest(encodeRequest({ id: 8, body: withAction("unblock") }))).toEqual({ ok: true, value: { id: 8, body: withAction("unblock") } });
  });

  it("says clearly when no gateway is listening", async () => {
    await expect(request(join(dir, "absent.sock"), { kind: "status" }, 500)).rejects.toThrow(/is the gateway running\?/);
  });

  it("decoders never throw on random bytes; frames reassemble across any split", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(typeof decodeRequest(b).ok).toBe("boolean");
        expect(typeof decodeResponse(b).ok).toBe("boolean");
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }), fc.integer({ min: 1, max: 7 }), (payloads, step) => {
        const stream = Buffer.concat(payloads.map((p) => frame(p)));
        const r = new FrameReader();
        const got: Buffer[] = [];
        for (let i = 0; i < stream.length; i += step) got.push(...r.push(stream.subarray(i, i + step)).frames);
        expect(got.map((g) => [...g])).toEqual(payloads.map((p) => [...p]));
      }),
    );
    expect(decodeResponse(encodeResponse({ id: 5, body: { kind: "error", code: "failed", message: "x" } }))).toEqual({ ok: true, value: { id: 5, body: { kind: "error", code: "failed", message: "x" } } });
  });
});
