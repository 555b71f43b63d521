/**
 * The demo's hold on the simulated PSTN switch the gateway started: its
 * command socket (connectFarend, src/cli/commands/farend-call.ts), its
 * events kept in a journal with the time they arrived, and commands answered
 * by their `id` (hardware/farend/README.md lists the commands and events).
 */
import type { GatewayConfig } from "../../config/schema.js";
import type { FarendLink } from "../commands/farend-call.js";
import { connectFarend } from "../commands/farend-call.js";
import { Journal } from "./journal.js";

export type SwitchEvent = Readonly<Record<string, unknown>>;

export class SwitchLink {
  readonly events: Journal<SwitchEvent>;
  private nextId = 1;

  private constructor(
    private readonly link: FarendLink,
    now: () => number,
  ) {
    this.events = new Journal<SwitchEvent>(now);
    void this.pump();
  }

  static async connect(cfg: GatewayConfig, name: string, now: () => number): Promise<SwitchLink> {
    return new SwitchLink(await connectFarend(cfg, name), now);
  }

  private async pump(): Promise<void> {
    try {
      for await (const e of this.link.events) this.events.push(e);
    } catch {
      // The socket went away: pending waits end below.
    }
    this.events.end();
  }

  /** Send a command and wait for its answer: undefined when accepted, the switch's reason when refused. */
  async request(cmd: Readonly<Record<string, string | number | boolean>>, timeoutMs = 3_000): Promise<string | undefined> {
    const id = `demo-${this.nextId++}`;
    const from = this.events.mark();
    this.link.send({ ...cmd, id });
    const reply = await this.events.waitFor((e) => e["id"] === id && (e["ev"] === "ok" || e["ev"] === "error"), timeoutMs, from);
    if (reply === undefined) return `no answer to ${String(cmd["cmd"])} within ${timeoutMs} ms`;
    return reply.value["ev"] === "ok" ? undefined : String(reply.value["reason"] ?? "refused");
  }

  close(): void {
    this.link.close();
  }
}

/** Matches a switch event by name and members. */
export function ev(name: string, members: Readonly<Record<string, unknown>> = {}): (e: SwitchEvent) => boolean {
  return (e) => e["ev"] === name && Object.entries(members).every(([k, v]) => e[k] === v);
}
