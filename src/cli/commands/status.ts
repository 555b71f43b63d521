/** `sipt-gw status`: ask a running gateway how it is, over its control socket. */
import type { Command } from "commander";
import { request } from "../../gateway/management/client.js";
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

export function register(program: Command): void {
  program
    .command("status")
    .description("show a running gateway's version, uptime and components (over its control socket)")
    .option("-s, --socket <path>", "control socket path (default: from --config, else the per-user default)")
    .option("-c, --config <file>", "read the control socket path from this configuration")
    .option("--json", "print JSON")
    .action(async (opts: { socket?: string; config?: string; json?: boolean }) => {
      const path = controlSocketOption(opts);
      if (typeof path !== "string") {
        process.stderr.write(`${path.error}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      try {
        const body = await request(path, { kind: "status" });
        if (body.kind === "error") {
          process.stderr.write(`gateway answered ${body.code}: ${body.message}\n`);
          process.exitCode = EXIT.failure;
          return;
        }
        if (body.kind !== "status") {
          process.stderr.write(`gateway answered ${body.kind} to a status request\n`);
          process.exitCode = EXIT.failure;
          return;
        }
        const st = body.status;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(st)}\n`);
          return;
        }
        process.stdout.write(`sipt-gw ${st.version}, pid ${st.pid}, up ${(st.uptimeMs / 1000).toFixed(1)} s, configuration ${st.configSource}\n`);
        for (const c of st.components) process.stdout.write(`  ${c.name.padEnd(16)} ${c.state.padEnd(9)} ${c.detail}\n`);
      } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exitCode = EXIT.failure;
      }
    });
}
