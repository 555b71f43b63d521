/**
 * `sipt-gw circuits [CIC[-CIC]]`: a running gateway's ISUP circuits (call
 * state, local and remote blocking, maintenance procedures in progress);
 * `sipt-gw circuits block|unblock|reset|query CIC[-CIC]`: the Q.764
 * maintenance procedures on one circuit (BLO, UBL, RSC) or a range (CGB,
 * CGU, GRS, CQM), over the control socket.
 */
import type { Command } from "commander";
import { request } from "../../gateway/management/client.js";
import type { CicRange, CircuitAction, CircuitActionReply, ListCircuitsReply, RequestBody, ResponseBody } from "../../gateway/management/messages.js";
import { EXIT } from "../exit-codes.js";
import { controlSocketOption } from "./status.js";

/** Q.763 §1.2: 12-bit CICs in ITU, 14-bit in ANSI. */
const MAX_CIC = 16383;

/** "12" or "1-15" as a range; a reason when it is not one. */
export function parseCicRange(text: string): CicRange | string {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (!m) return `${JSON.stringify(text)} is not a CIC or a CIC range (e.g. 5 or 1-15)`;
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  if (first > MAX_CIC || last > MAX_CIC) return `CIC ${Math.max(first, last)} is above ${MAX_CIC}`;
  if (last < first) return `CIC range ${first}-${last} ends before it starts`;
  return { first, last };
}

function blocking(state: string): string {
  return state === "unblocked" ? "" : state;
}

/** The circuits reply as a table, one line per CIC. */
export function formatCircuits(r: ListCircuitsReply): string {
  const rows = r.circuits.map((c) => {
    const local = [blocking(c.localMaintenance) && `maintenance ${c.localMaintenance}`, blocking(c.localHardware) && `hardware ${c.localHardware}`].filter(Boolean).join(", ");
    const remote = [c.remoteMaintenance && "maintenance", c.remoteHardware && "hardware", c.remoteUnequipped && "unequipped"].filter(Boolean).join(", ");
    return [c.trunk, String(c.cic), `${c.span}/${c.timeslot}`, c.callState, c.callId ? String(c.callId) : "-", local || "-", remote || "-", c.procedures.join(" ") || "-"];
  });
  const head = ["TRUNK", "CIC", "SPAN/TS", "CALL STATE", "CALL", "LOCAL BLOCKING", "REMOTE BLOCKING", "PROCEDURES"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  return `${[line(head), ...rows.map(line)].join("\n")}\n`;
}

export function formatAction(a: CircuitActionReply): string {
  const cics = a.first === a.last ? `CIC ${a.first}` : `CICs ${a.first}-${a.last}`;
  if (a.procedure !== "CQM") return `${a.procedure} sent for ${cics} of trunk ${a.trunk}\n`;
  if (!a.answered) return `CQM for ${cics} of trunk ${a.trunk}: no CQR before T28 expired\n`;
  if (a.discrepancies.length === 0) return `CQM for ${cics} of trunk ${a.trunk}: the far end agrees on every circuit\n`;
  return `CQM for ${cics} of trunk ${a.trunk}: ${a.discrepancies.length} circuit(s) differed\n${a.discrepancies.map((d) => `  CIC ${d.cic}: ${d.actions.join(", ")}\n`).join("")}`;
}

interface CommonOptions {
  socket?: string;
  config?: string;
  json?: boolean;
  trunk?: string;
}

async function ask(opts: CommonOptions, body: RequestBody, timeoutMs: number): Promise<ResponseBody | undefined> {
  const path = controlSocketOption(opts);
  if (typeof path !== "string") {
    process.stderr.write(`${path.error}\n`);
    process.exitCode = EXIT.usage;
    return undefined;
  }
  try {
    const reply = await request(path, body, timeoutMs);
    if (reply.kind === "error") {
      process.stderr.write(`gateway answered ${reply.code}: ${reply.message}\n`);
      process.exitCode = EXIT.failure;
      return undefined;
    }
    return reply;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = EXIT.failure;
    return undefined;
  }
}

function rangeArgument(text: string | undefined): CicRange | undefined | null {
  if (text === undefined) return undefined;
  const r = parseCicRange(text);
  if (typeof r === "string") {
    process.stderr.write(`${r}\n`);
    process.exitCode = EXIT.usage;
    return null;
  }
  return r;
}

const common = (c: Command): Command =>
  c
    .option("-t, --trunk <name>", "trunk (circuit group); needed only when several trunks hold the CICs")
    .option("-s, --socket <path>", "control socket path (default: from --config, else the per-user default)")
    .option("-c, --config <file>", "read the control socket path from this configuration")
    .option("--json", "print JSON");

/** A query waits for the CQR: up to T28 (at most 20 s, Table A.1/Q.764) per CQM. */
const QUERY_TIMEOUT_MS = 30_000;

export function register(program: Command): void {
  const circuits = common(
    program
      .command("circuits")
      .description("show a running gateway's ISUP circuits: call state, blocking, procedures; or block, unblock, reset, query them")
      .argument("[cics]", "a CIC or a range A-B (default: every circuit)"),
  ).action(async (text: string | undefined, opts: CommonOptions) => {
    const range = rangeArgument(text);
    if (range === null) return;
    const reply = await ask(opts, { kind: "listCircuits", trunk: opts.trunk ?? "", ...(range ? { range } : {}) }, 5_000);
    if (!reply) return;
    if (reply.kind !== "circuits") {
      process.stderr.write(`gateway answered ${reply.kind} to a circuits request\n`);
      process.exitCode = EXIT.failure;
      return;
    }
    process.stdout.write(opts.json ? `${JSON.stringify(reply.circuits)}\n` : formatCircuits(reply.circuits));
  });

  const actions: readonly [CircuitAction, string][] = [
    ["block", "block: BLO for one CIC, CGB for a range; maintenance oriented unless --hardware (Q.764 §2.8.2)"],
    ["unblock", "unblock: UBL for one CIC, CGU for a range (Q.764 §2.8.2)"],
    ["reset", "reset: RSC for one CIC, GRS for a range (Q.764 §2.9.3)"],
    ["query", "circuit group query: CQM, and compare the far end's CQR with our states (Q.764 §2.8.3); exit code 1 when it did not answer or disagreed"],
  ];
  for (const [action, description] of actions) {
    const sub = common(circuits.command(action).description(description).argument("<cics>", "a CIC or a range A-B"));
    if (action === "block" || action === "unblock") sub.option("--hardware", "hardware failure oriented (CGB/CGU with type indicator hardware)");
    sub.action(async (text: string, _local: unknown, cmd: Command) => {
      // Options given before or after the action word (`circuits --trunk t block 5`, `circuits block 5 --trunk t`).
      const opts = cmd.optsWithGlobals<CommonOptions & { hardware?: boolean }>();
      const range = rangeArgument(text);
      if (!range) return;
      const body: RequestBody = { kind: "circuitAction", request: { action, trunk: opts.trunk ?? "", range, blockingType: opts.hardware ? "hardware" : "maintenance" } };
      const reply = await ask(opts, body, action === "query" ? QUERY_TIMEOUT_MS : 5_000);
      if (!reply) return;
      if (reply.kind !== "circuitAction") {
        process.stderr.write(`gateway answered ${reply.kind} to a circuit action\n`);
        process.exitCode = EXIT.failure;
        return;
      }
      process.stdout.write(opts.json ? `${JSON.stringify(reply.result)}\n` : formatAction(reply.result));
      // A query whose far end did not answer, or disagreed, is a finding for the operator's scripts.
      if (action === "query" && (!reply.result.answered || reply.result.discrepancies.length > 0)) process.exitCode = EXIT.failure;
    });
  }
}
