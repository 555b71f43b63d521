/**
 * What the sipp interop tests share: our stack on 127.0.0.1 (UDP and TCP on
 * one ephemeral port, system clock), sipp runs bounded by -m and -timeout in
 * a temporary directory that keeps its error log, and the scenario files.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SystemClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { transactionTimers } from "../../../src/sip/transaction/timers.js";
import { TransactionLayer } from "../../../src/sip/transaction/transaction-layer.js";
import { SipTransport } from "../../../src/sip/transport/sip-transport.js";
import type { TransportProtocol } from "../../../src/sip/transport/types.js";
import type { UserAgentCoreOptions } from "../../../src/sip/ua/user-agent-core.js";
import { UserAgentCore } from "../../../src/sip/ua/user-agent-core.js";
import { freePort } from "../../support/ports.js";
import { start } from "../../support/processes.js";

export const LOOP = "127.0.0.1";
export const scenario = (name: string): string => fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url));
export const ANSWER = "v=0\r\no=- 7 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
export const OFFER = ANSWER;

export interface Ours {
  transport: SipTransport;
  transactions: TransactionLayer;
  ua: UserAgentCore;
  port: number;
}

const stacks: Ours[] = [];

/** Our transport, transaction layer and UA core; `closeStacks()` (in afterEach) takes them down. */
export async function ours(timers: Record<string, number> = {}, ua: Partial<UserAgentCoreOptions> = {}): Promise<Ours> {
  const port = await freePort();
  const clock = new SystemClock();
  const transport = new SipTransport({
    listeners: [
      { protocol: "udp", address: LOOP, port },
      { protocol: "tcp", address: LOOP, port },
    ],
    clock,
    log: silentLogger,
    idleTimeoutMs: 0,
  });
  await transport.start();
  const transactions = new TransactionLayer({ transport, clock, log: silentLogger, timers: transactionTimers(timers) });
  const core = new UserAgentCore({ transactions, clock, log: silentLogger, contactUser: "gw", userAgent: "sipt-gw interop", ...ua });
  const s = { transport, transactions, ua: core, port };
  stacks.push(s);
  return s;
}

export async function closeStacks(): Promise<void> {
  for (const s of stacks.splice(0)) {
    s.ua.shutdown();
    await s.transport.close();
  }
}

/** sipp's exit code (0 when every call succeeded), run in a temporary directory that keeps its error log. */
export async function sipp(args: string[], timeoutS: number): Promise<{ code: number | null; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), "sipt-sipp-"));
  try {
    const p = start("sipp", [...args, "-nostdin", "-timeout", `${timeoutS}s`, "-timeout_error", "-trace_err"], { cwd: dir });
    const code = await p.exited((timeoutS + 10) * 1000);
    const errors = readdirSync(dir).filter((f) => f.endsWith("_errors.log")).map((f) => readFileSync(join(dir, f), "utf8").slice(-3000));
    return { code, out: `${p.stdout().slice(-3000)}\n${p.stderr().slice(-2000)}\n${errors.join("\n")}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function transportFlag(p: TransportProtocol): string {
  return p === "udp" ? "u1" : "t1";
}
