/** `sipt-gw status`: ask a running gateway how it is, over its control socket. */
import type { Command } from "commander";
import { request } from "../../gateway/management/client.js";
import type { RequestBody, ResponseBody } from "../../gateway/management/messages.js";
import { defaultControlSocket } from "../../gateway/management/socket-path.js";
import { formatProblem } from "../../config/load.js";
import { loadConfig } from "../config-file.js";
import { EXIT } from "../exit-codes.js";

export function controlSocketOption(opts: { socket?: string; config?: string }): string | { error: string } {
  if (opts.socket) return opts.socket;
  if (opts.config) {
    const r = loadConfig(opts.config);
    if (!r.ok) return { error: r.problems.map(formatProblem).join("\n") };
    return r.config.control.socket || defaultControlSocket();
  }
  return defaultControlSocket();
}

/**
 * Ask the gateway that `opts` names (socket or configuration) one request and
 * return its reply of `kind`; on anything else the reason is written to stderr,
 * the exit code set (2 for a bad --config, 1 otherwise) and undefined returned.
 */
export async function askGateway<K extends ResponseBody["kind"]>(opts: { socket?: string; config?: string }, body: RequestBody, kind: K, what: string): Promise<Extract<ResponseBody, { kind: K }> | undefined> {
  const path = controlSocketOption(opts);
  if (typeof path !== "string") {
    process.stderr.write(`${path.error}\n`);
    process.exitCode = EXIT.usage;
    return undefined;
  }
  try {
    const reply = await request(path, body);
    if (reply.kind === kind) return reply as Extract<ResponseBody, { kind: K }>;
    process.stderr.write(reply.kind === "error" ? `gateway answered ${reply.code}: ${reply.message}\n` : `gateway answered ${reply.kind} to a ${what} request\n`);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
  }
  process.exitCode = EXIT.failure;
  return undefined;
}

export function register(program: Command): void {
  program
    .command("status")
    .description("show a running gateway's version, uptime and components (over its control socket)")
    .option("-s, --socket <path>", "control socket path (default: from --config, else the per-user default)")
    .option("-c, --config <file>", "read the control socket path from this configuration")
    .option("--json", "print JSON")
    .action(async (opts: { socket?: string; config?: string; json?: boolean }) => {
      const reply = await askGateway(opts, { kind: "status" }, "status", "status");
      if (!reply) return;
      const st = reply.status;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(st)}\n`);
        return;
      }
      process.stdout.write(`sipt-gw ${st.version}, pid ${st.pid}, up ${(st.uptimeMs / 1000).toFixed(1)} s, configuration ${st.configSource}\n`);
      for (const c of st.components) process.stdout.write(`  ${c.name.padEnd(16)} ${c.state.padEnd(9)} ${c.detail}\n`);
    });
}
