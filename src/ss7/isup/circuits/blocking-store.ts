/**
 * Persistence of local blocking (ITU-T Q.764 §2.8.2): a circuit an operator
 * blocked stays blocked across a restart, so the start-up reset (GRS) is
 * followed by blocking again. Call control saves the whole set on every
 * change; the set is small (blocked circuits only).
 */
import type { DecodeResult } from "../../../core/result.js";
import { decodeFailed, decoded } from "../../../core/result.js";

export interface BlockedCircuit {
  readonly dpc: number;
  readonly cic: number;
  /** Locally blocked for maintenance (BLO / CGB maintenance). */
  readonly maintenance: boolean;
  /** Locally blocked for a hardware failure (CGB hardware). */
  readonly hardware: boolean;
}

export interface BlockingSnapshot {
  readonly version: 1;
  readonly circuits: readonly BlockedCircuit[];
}

export interface BlockingStore {
  /** What was saved last; an empty snapshot when nothing was ever saved; an error when it cannot be read. */
  load(): DecodeResult<BlockingSnapshot>;
  /** Replace what is saved. Throws only when the medium fails (the caller reports it). */
  save(snapshot: BlockingSnapshot): void;
}

export const EMPTY_SNAPSHOT: BlockingSnapshot = { version: 1, circuits: [] };

/** A store kept in memory: for tests and for gateways that do not persist blocking. */
export class MemoryBlockingStore implements BlockingStore {
  private snapshot: BlockingSnapshot;

  constructor(initial: BlockingSnapshot = EMPTY_SNAPSHOT) {
    this.snapshot = initial;
  }

  load(): DecodeResult<BlockingSnapshot> {
    return decoded(this.snapshot);
  }

  save(snapshot: BlockingSnapshot): void {
    this.snapshot = { version: 1, circuits: snapshot.circuits.map((c) => ({ ...c })) };
  }
}

/** Parse a snapshot from JSON text; never throws. */
export function parseBlockingSnapshot(text: string): DecodeResult<BlockingSnapshot> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return decodeFailed({ offset: 0, field: "blocking store", reason: `not JSON: ${(e as Error).message}` });
  }
  const fail = (reason: string) => decodeFailed<BlockingSnapshot>({ offset: 0, field: "blocking store", reason });
  if (typeof data !== "object" || data === null) return fail("not an object");
  const rec = data as Record<string, unknown>;
  if (rec["version"] !== 1) return fail(`version ${JSON.stringify(rec["version"])} is not 1`);
  const list = rec["circuits"];
  if (!Array.isArray(list)) return fail("circuits is not a list");
  const circuits: BlockedCircuit[] = [];
  for (let i = 0; i < list.length; i++) {
    const c: unknown = list[i];
    if (typeof c !== "object" || c === null) return fail(`circuits[${i}] is not an object`);
    const r = c as Record<string, unknown>;
    const dpc = r["dpc"];
    const cic = r["cic"];
    const m = r["maintenance"];
    const h = r["hardware"];
    if (typeof dpc !== "number" || !Number.isInteger(dpc) || dpc < 0) return fail(`circuits[${i}].dpc is not a point code`);
    if (typeof cic !== "number" || !Number.isInteger(cic) || cic < 0 || cic > 0x3fff) return fail(`circuits[${i}].cic is not a CIC`);
    if (typeof m !== "boolean" || typeof h !== "boolean") return fail(`circuits[${i}] needs maintenance and hardware booleans`);
    circuits.push({ dpc, cic, maintenance: m, hardware: h });
  }
  return decoded({ version: 1, circuits });
}
