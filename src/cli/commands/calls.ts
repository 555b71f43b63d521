/** `sipt-gw calls`: the calls up in a running gateway, each with its TDM and SIP legs, over its control socket. */
import type { Command } from "commander";
import type { CallRow } from "../../gateway/management/messages.js";
import { askGateway } from "./status.js";

/** The calls as a table; `nowMs` (wall clock) gives their ages. */
export function formatCalls(calls: readonly CallRow[], nowMs: number): string {
  if (calls.length === 0) return "no calls up\n";
  const head = ["ID", "DIRECTION", "STATE", "TDM LEG", "SIP LEG", "CALLED", "AGE", "ANSWERED"];
  const age = (ms: number): string => `${Math.max(0, Math.round((nowMs - ms) / 1000))} s`;
  const rows = calls.map((c) => [
    String(c.id),
    c.direction,
    c.state,
    c.circuit > 0 ? `${c.tdmTrunk}/${c.circuit}` : c.tdmTrunk || "-",
    c.sipTrunk ? `${c.sipTrunk} ${c.callId}` : "-",
    c.called,
    age(c.startedMs),
    c.answeredMs > 0 ? age(c.answeredMs) : "-",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return `${[line(head), ...rows.map(line)].join("\n")}\n`;
}

export function register(program: Command): void {
  program
    .command("calls")
    .description("show the calls up in a running gateway: direction, state, TDM leg (trunk/CIC or B-channel), SIP leg (trunk, Call-ID), age")
    .option("-s, --socket <path>", "control socket path (default: from --config, else the per-user default)")
    .option("-c, --config <file>", "read the control socket path from this configuration")
    .option("--json", "print JSON")
    .action(async (opts: { socket?: string; config?: string; json?: boolean }) => {
      const reply = await askGateway(opts, { kind: "listCalls" }, "calls", "calls");
      if (reply) process.stdout.write(opts.json ? `${JSON.stringify(reply.calls)}\n` : formatCalls(reply.calls, Date.now()));
    });
}
