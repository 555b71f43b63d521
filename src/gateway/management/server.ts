/**
 * The control socket: a local stream socket (owner-only permissions) serving
 * the management API. A peer that sends garbage gets an error response or is
 * disconnected; it never disturbs the gateway.
 */
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { dirname } from "node:path";
import type { Logger } from "../../core/logger.js";
import { FrameReader, frame } from "./framing.js";
import { decodeRequest, encodeResponse } from "./messages.js";
import type { RequestBody, ResponseBody } from "./messages.js";

export type ManagementHandler = (req: RequestBody) => Promise<ResponseBody> | ResponseBody;

export class ManagementServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly path: string,
    private readonly handler: ManagementHandler,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    rmSync(this.path, { force: true });
    const server = createServer((s) => this.serve(s));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.path, () => {
        server.off("error", reject);
        resolve();
      });
    });
    chmodSync(this.path, 0o600);
    this.server = server;
    this.log.info({ socket: this.path }, "control socket listening");
  }

  private serve(s: Socket): void {
    this.sockets.add(s);
    const reader = new FrameReader();
    s.on("close", () => this.sockets.delete(s));
    s.on("error", () => s.destroy());
    s.on("data", (chunk: Buffer) => {
      const { frames, error } = reader.push(chunk);
      for (const f of frames) void this.answer(s, f);
      if (error) {
        this.log.warn({ reason: error }, "control socket peer dropped");
        s.destroy();
      }
    });
  }

  private async answer(s: Socket, bytes: Buffer): Promise<void> {
    const req = decodeRequest(bytes);
    let body: ResponseBody;
    let id = 0;
    if (!req.ok) {
      id = req.id;
      body = { kind: "error", code: req.error === "unknown request" ? "unknown-request" : "bad-request", message: req.error };
    } else {
      id = req.value.id;
      try {
        body = await this.handler(req.value.body);
      } catch (e) {
        this.log.error({ err: (e as Error).message }, "management request failed");
        body = { kind: "error", code: "failed", message: (e as Error).message };
      }
    }
    if (!s.destroyed) s.write(frame(encodeResponse({ id, body })));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}
