import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { RecordingLogger } from "../../core/logger.js";
import { request } from "./client.js";
import { FrameReader, frame } from "./framing.js";
import { decodeRequest, decodeResponse, encodeResponse } from "./messages.js";
import { ManagementServer } from "./server.js";

const dir = mkdtempSync(join(tmpdir(), "sipt-mgmt-"));
const path = join(dir, "control.sock");
const log = new RecordingLogger();
const server = new ManagementServer(
  path,
  () => ({ kind: "status", status: { version: "9.9.9", uptimeMs: 1234, configSource: "test", pid: 42, components: [{ name: "card", state: "running", detail: "sim" }] } }),
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
