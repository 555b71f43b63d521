/**
 * ISUP call setups per second: the gateway's SS7 stack (card component on
 * the simulated card in free-running mode, MTP2, MTP3, ISUP) against the
 * libss7 switch of hardware/farend, on one E1 with 30 circuits. Calls are
 * originated by the gateway, the switch answers at once (ACM, ANM), the
 * gateway clears (REL, RLC); a call counts once its circuit is idle again.
 * Up to 28 calls are in flight; the rate is measured over MEASURE_S after a
 * warm-up. Then the codec rates of codec-bench.ts. Last line:
 *
 *   isup: decode_per_s=N encode_per_s=M cps=C
 *
 * Run after `npm run build:ts`: node dist/test/bench/isup/cps.js (npm run bench:isup).
 * Needs libss7 (libss7-dev) and the native builds (npm run build:native).
 */
import { silentLogger } from "../../../src/core/logger.js";
import type { CallSink, IsupRequests } from "../../../src/cli/ss7-call-sink.js";
import type { IsupIndication } from "../../../src/ss7/isup/call/primitives.js";
import { iam } from "../../interop/ss7/test-user.js";
import { prerequisite, Rig, TRUNK } from "../../interop/ss7/harness.js";
import { codecRates } from "./codec-bench.js";

const WARMUP_S = 1;
const MEASURE_S = 5;
const IN_FLIGHT = 28;
/** A call that has not completed in this time is a failure of the run, not a slow call. */
const CALL_LIMIT_MS = 10_000;

/** The bench's ISUP user: answers nothing, releases each of its calls as soon as it is answered. */
class BenchUser implements CallSink {
  isup: IsupRequests | undefined;
  private readonly answered = new Map<number, () => void>();
  failures = 0;

  attach(isup: IsupRequests): void {
    this.isup = isup;
  }
  detach(): void {
    this.isup = undefined;
  }
  indication(ind: IsupIndication): void {
    if (ind.primitive === "ANSWER.ind" || ind.primitive === "CONNECT.ind") {
      this.answered.get(ind.call)?.();
      this.answered.delete(ind.call);
    } else if (ind.primitive === "RELEASE.ind") {
      // Released by the far end or a timer before the answer: counted, not completed.
      this.failures++;
      this.answered.delete(ind.call);
    } else if (ind.primitive === "SETUP.ind") {
      this.isup?.releaseRequest(ind.call, { cause: 21, location: 2 });
    }
  }
  alert(): void {
    // Maintenance alerts do not occur in a clean run; failures show as calls that do not complete.
  }
  whenAnswered(call: number): Promise<void> {
    return new Promise((resolve) => this.answered.set(call, resolve));
  }
}

async function main(): Promise<void> {
  const missing = prerequisite();
  if (missing !== undefined) {
    console.error(`isup cps bench cannot run: ${missing}`);
    process.exitCode = 1;
    return;
  }
  const user = new BenchUser();
  const rig = await Rig.start({ mode: "freerun", log: silentLogger, keepFrames: false, sink: user, defaultRule: { action: "answer" } });
  let completed = 0;
  let counting = false;
  let stop = false;
  let failure: unknown;
  let cps = 0;
  try {
    await rig.ready();
    const isup = rig.isup;
    const idle = (cic: number): boolean => {
      const c = isup.circuit(TRUNK, cic);
      return c !== undefined && isup.callActivity(c) === "idle";
    };
    const call = async (n: number): Promise<void> => {
      const r = isup.setupRequest({ group: TRUNK, iam: iam(`5551${String(n).padStart(3, "0")}`, "2125550000") });
      if (!r.ok) {
        // Every circuit busy for the moment: try again shortly.
        await new Promise((res) => setTimeout(res, 1));
        return;
      }
      const started = Date.now();
      const answered = await Promise.race([user.whenAnswered(r.call), new Promise<false>((res) => setTimeout(() => res(false), CALL_LIMIT_MS))]);
      if (answered === false) throw new Error(`call ${r.call} on CIC ${r.circuit.cic} not answered within ${CALL_LIMIT_MS} ms`);
      const rel = isup.releaseRequest(r.call, { cause: 16, location: 2 });
      if (!rel.ok) throw new Error(`release of call ${r.call} refused: ${rel.reason}`);
      while (!idle(r.circuit.cic)) {
        if (Date.now() - started > CALL_LIMIT_MS) throw new Error(`CIC ${r.circuit.cic} not idle ${CALL_LIMIT_MS} ms after its IAM`);
        await new Promise((res) => setTimeout(res, 1));
      }
      if (counting) completed++;
    };
    const worker = async (n: number): Promise<void> => {
      try {
        while (!stop) await call(n);
      } catch (e) {
        failure ??= e;
        stop = true;
      }
    };
    const workers = Array.from({ length: IN_FLIGHT }, (_, i) => worker(i));
    await new Promise((res) => setTimeout(res, WARMUP_S * 1000));
    counting = true;
    const t0 = performance.now();
    await new Promise((res) => setTimeout(res, MEASURE_S * 1000));
    counting = false;
    cps = Math.round(completed / ((performance.now() - t0) / 1000));
    stop = true;
    await Promise.all(workers);
    if (failure !== undefined) throw failure;
    if (user.failures > 0) throw new Error(`${user.failures} calls were released before they completed`);
    const audit = isup.audit();
    if (audit.length > 0) throw new Error(`circuits inconsistent after the run: ${audit.join("; ")}`);
  } finally {
    stop = true;
    await rig.dispose();
  }
  console.log(`isup-stack: cps=${cps} calls=${completed} in_flight=${IN_FLIGHT} circuits=30 measure_s=${MEASURE_S} (IAM ACM ANM REL RLC against libss7 2.0 through the simulated card, free-running)`);
  const { decodePerS, encodePerS } = codecRates();
  console.log(`isup: decode_per_s=${decodePerS} encode_per_s=${encodePerS} cps=${cps}`);
}

main().catch((e: unknown) => {
  console.error(`isup cps bench failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
});
