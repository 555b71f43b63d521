/**
 * `sipt-gw farend call` and `sipt-gw farend send`: drive a far end that the
 * running gateway started (the `farends` section) through its command socket
 * (src/cli/farend-component.ts). `call` makes the switch originate a call
 * (an IAM towards the gateway, which routes it, e.g. to SIP) and follows it
 * until it is released; `send` passes one JSON command and prints the reply.
 */
import type { Socket } from "node:net";
import { createConnection } from "node:net";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import type { GatewayConfig } from "../../config/schema.js";
import { formatProblem } from "../../config/load.js";
import { loadConfig } from "../config-file.js";
import { EXIT } from "../exit-codes.js";
import { farendSocketPath } from "../farend-component.js";

export interface FarendLink {
  readonly events: AsyncIterable<Record<string, unknown>>;
  send(cmd: Record<string, unknown>): void;
  close(): void;
}

/** Connect to far end `name` of the gateway configured by `cfg`. */
export function connectFarend(cfg: GatewayConfig, name: string, timeoutMs = 3_000): Promise<FarendLink> {
  const path = farendSocketPath(cfg, name);
  return new Promise((resolve, reject) => {
    const sock: Socket = createConnection(path);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no far end ${name} at ${path} (is the gateway running with it?)`));
    }, timeoutMs);
    sock.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot reach far end ${name} at ${path}: ${e.message} (is the gateway running with it?)`));
    });
    sock.once("connect", () => {
      clearTimeout(timer);
      const rl = createInterface({ input: sock });
      async function* events(): AsyncGenerator<Record<string, unknown>> {
        for await (const line of rl) {
          try {
            const v = JSON.parse(line) as unknown;
            if (typeof v === "object" && v !== null) yield v as Record<string, unknown>;
          } catch {
            /* the far end writes JSON lines only; anything else is skipped */
          }
        }
      }
      resolve({ events: events(), send: (cmd) => sock.write(`${JSON.stringify(cmd)}\n`), close: () => sock.end() });
    });
  });
}

interface CallOptions {
  readonly config?: string;
  readonly farend?: string;
  readonly called: string;
  readonly calling?: string;
  readonly cic?: string;
  readonly holdSeconds?: string;
  readonly timeoutSeconds?: string;
}

function usage(msg: string): void {
  process.stderr.write(`sipt-gw farend: ${msg}\n`);
  process.exitCode = EXIT.usage;
}

function configOrExit(file: string | undefined): GatewayConfig | undefined {
  const r = loadConfig(file);
  if (!r.ok) {
    process.stderr.write(`${r.problems.map(formatProblem).join("\n")}\n`);
    process.exitCode = EXIT.usage;
    return undefined;
  }
  return r.config;
}

function firstFarend(cfg: GatewayConfig, name: string | undefined): string | undefined {
  return name ?? cfg.farends[0]?.name;
}

/**
 * Originate a call from the far-end switch and follow it: print its ISUP
 * events, release it after `holdSeconds` once answered, and exit 0 when the
 * circuit is idle again (1 when the call failed to be answered or timed out).
 */
export async function runFarendCall(o: CallOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  if (!/^[0-9*#]+$/.test(o.called)) {
    usage(`--called must be digits, got ${JSON.stringify(o.called)}`);
    return EXIT.usage;
  }
  const cfg = configOrExit(o.config);
  if (!cfg) return EXIT.usage;
  const name = firstFarend(cfg, o.farend);
  if (!name) {
    usage("the configuration has no farends");
    return EXIT.usage;
  }
  const kind = cfg.farends.find((f) => f.name === name)?.kind;
  if (kind !== "ss7") {
    usage(`far end ${name} is a ${kind ?? "unknown"} far end: farend call drives the PSTN switch; use farend send '{"cmd":"call","channel":1,"called":"..."}' for a PBX`);
    return EXIT.usage;
  }
  const cic = o.cic !== undefined ? Number(o.cic) : 1 + Math.floor(Math.random() * 15);
  const hold = Number(o.holdSeconds ?? "3");
  const timeout = Number(o.timeoutSeconds ?? "30");
  if (!Number.isInteger(cic) || cic < 1 || !Number.isFinite(hold) || hold < 0 || !Number.isFinite(timeout) || timeout <= 0) {
    usage("--cic must be a positive integer, --hold-seconds and --timeout-seconds non-negative numbers");
    return EXIT.usage;
  }
  let link: FarendLink;
  try {
    link = await connectFarend(cfg, name);
  } catch (e) {
    process.stderr.write(`sipt-gw farend call: ${(e as Error).message}\n`);
    return EXIT.failure;
  }
  let answered = false;
  let released = false;
  const deadline = setTimeout(() => {
    out.write(`no end of the call within ${timeout} s: releasing\n`);
    link.send({ cmd: "release", cic, cause: 16 });
    setTimeout(() => link.close(), 2_000).unref();
  }, timeout * 1000);
  link.send({ cmd: "call", cic, called: o.called, ...(o.calling ? { calling: o.calling } : {}) });
  try {
    for await (const e of link.events) {
      if (e["cic"] !== cic && e["ev"] !== "error") continue;
      out.write(`${JSON.stringify(e)}\n`);
      if (e["ev"] === "error") {
        process.stderr.write(`sipt-gw farend call: the switch refused: ${String(e["reason"])}\n`);
        break;
      }
      if (e["ev"] === "rx" && e["msg"] === "ANM" && !answered) {
        answered = true;
        setTimeout(() => link.send({ cmd: "release", cic, cause: 16 }), hold * 1000).unref();
      }
      if (e["ev"] === "rx" && e["msg"] === "REL") released = true;
      if (e["ev"] === "state" && e["state"] === "idle") break;
    }
  } finally {
    clearTimeout(deadline);
    link.close();
  }
  return answered || released ? (answered ? EXIT.ok : EXIT.failure) : EXIT.failure;
}

/** Send one command to a far end and print the reply. */
export async function runFarendSend(o: { config?: string; farend?: string }, json: string, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let cmd: unknown;
  try {
    cmd = JSON.parse(json);
  } catch (e) {
    usage(`the command is not JSON: ${(e as Error).message}`);
    return EXIT.usage;
  }
  if (typeof cmd !== "object" || cmd === null || typeof (cmd as { cmd?: unknown }).cmd !== "string") {
    usage('the command must be a JSON object with "cmd", e.g. {"cmd":"stats"}');
    return EXIT.usage;
  }
  const cfg = configOrExit(o.config);
  if (!cfg) return EXIT.usage;
  const name = firstFarend(cfg, o.farend);
  if (!name) {
    usage("the configuration has no farends");
    return EXIT.usage;
  }
  const id = `cli-${process.pid}`;
  let link: FarendLink;
  try {
    link = await connectFarend(cfg, name);
  } catch (e) {
    process.stderr.write(`sipt-gw farend send: ${(e as Error).message}\n`);
    return EXIT.failure;
  }
  link.send({ ...(cmd as Record<string, unknown>), id });
  const timer = setTimeout(() => link.close(), 5_000);
  try {
    for await (const e of link.events) {
      if (e["id"] !== id) continue;
      out.write(`${JSON.stringify(e)}\n`);
      return e["ev"] === "ok" ? EXIT.ok : EXIT.failure;
    }
    process.stderr.write("sipt-gw farend send: no reply within 5 s\n");
    return EXIT.failure;
  } finally {
    clearTimeout(timer);
    link.close();
  }
}

/** Adds `call` and `send` under an existing `farend` command. */
export function registerFarendControl(farend: Command): void {
  farend
    .command("call")
    .description("make the running gateway's simulated PSTN switch originate a call (an IAM towards the gateway) and follow it")
    .requiredOption("--called <digits>", "the called number, e.g. 2125551234")
    .option("--calling <digits>", "the calling number")
    .option("--cic <n>", "circuit to use (default: a random CIC 1-15)")
    .option("--hold-seconds <s>", "release this long after the answer (default 3)")
    .option("--timeout-seconds <s>", "give up and release after this long (default 30)")
    .option("--farend <name>", "which far end of the configuration (default: the first)")
    .option("-c, --config <file>", "the gateway's configuration (default: the embedded one)")
    .action(async (o: CallOptions) => {
      process.exitCode = await runFarendCall(o);
    });
  farend
    .command("send")
    .description("send one JSON command to a far end of the running gateway and print its reply (hardware/farend/README.md lists the commands)")
    .argument("<json>", 'the command, e.g. \'{"cmd":"stats"}\'')
    .option("--farend <name>", "which far end of the configuration (default: the first)")
    .option("-c, --config <file>", "the gateway's configuration (default: the embedded one)")
    .action(async (json: string, o: { config?: string; farend?: string }) => {
      process.exitCode = await runFarendSend(o, json);
    });
}
