/** A client of the control socket, used by the command line and tests. */
import { connect } from "node:net";
import { FrameReader, frame } from "./framing.js";
import { decodeResponse, encodeRequest } from "./messages.js";
import type { RequestBody, ResponseBody } from "./messages.js";

export class ManagementClientError extends Error {}

export async function request(path: string, body: RequestBody, timeoutMs = 5_000): Promise<ResponseBody> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    const reader = new FrameReader();
    const id = 1 + Math.floor(Math.random() * 0xfffffff);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new ManagementClientError(`no answer from the gateway on ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.on("connect", () => s.write(frame(encodeRequest({ id, body }))));
    s.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = e.code === "ENOENT" || e.code === "ECONNREFUSED" ? "is the gateway running? (sipt-gw start)" : e.message;
      reject(new ManagementClientError(`cannot reach the control socket ${path}: ${why}`));
    });
    s.on("data", (chunk: Buffer) => {
      const { frames, error } = reader.push(chunk);
      if (error) {
        clearTimeout(timer);
        s.destroy();
        reject(new ManagementClientError(error));
        return;
      }
      for (const f of frames) {
        const r = decodeResponse(f);
        clearTimeout(timer);
        s.end();
        if (!r.ok) reject(new ManagementClientError(r.error));
        else if (r.value.id !== id) reject(new ManagementClientError(`answer for request ${r.value.id}, expected ${id}`));
        else resolve(r.value.body);
        return;
      }
    });
  });
}
