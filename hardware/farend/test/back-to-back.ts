/**
 * Two far ends wired back to back through sipt-linewire, for the tests of
 * this folder (and for anyone who needs a PSTN or PBX peer without a card).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import {
  ensureFarendBuilt,
  matching,
  spawnLinewire,
  spawnPbx,
  spawnSs7Switch,
  type FarendProcess,
  type PbxOptions,
  type Ss7SwitchOptions,
} from "../farend-process.js";

export interface Rig {
  readonly dir: string;
  readonly wire: FarendProcess;
  readonly a: FarendProcess;
  readonly b: FarendProcess;
  dispose(): Promise<void>;
}

type SideOptions<T> = Omit<T, "sig" | "bearer">;

/** Builds the binaries once per test file; the reason when it cannot. */
export function farendPrerequisite(): string | undefined {
  const r = ensureFarendBuilt();
  return r.ok ? undefined : r.reason;
}

async function rig(
  spawnA: (sig: string, bearer: string) => FarendProcess,
  spawnB: (sig: string, bearer: string) => FarendProcess,
  linkTimeoutMs: number,
  slots?: number,
): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), "farend-"));
  const p = (n: string): string => join(dir, n);
  const started: FarendProcess[] = [];
  const dispose = async (): Promise<void> => {
    await Promise.all(started.map((x) => x.dispose()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const wire = spawnLinewire(
      { aSig: p("a.sig"), aBearer: p("a.bearer"), bSig: p("b.sig"), bBearer: p("b.bearer"), ...(slots ? { slots } : {}) },
      "wire",
    );
    started.push(wire);
    await wire.waitFor(matching("listening", { side: "b", sock: "bearer" }), 5_000, { what: "listening sockets" });
    const a = spawnA(p("a.sig"), p("a.bearer"));
    started.push(a);
    const b = spawnB(p("b.sig"), p("b.bearer"));
    started.push(b);
    await Promise.all([
      a.waitFor(matching("link", { state: "up" }), linkTimeoutMs, { what: "link up" }),
      b.waitFor(matching("link", { state: "up" }), linkTimeoutMs, { what: "link up" }),
    ]);
    return { dir, wire, a, b, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Two libss7 switches; `slots` is the span's bearer width (31 for E1, 24 for T1). */
export function ss7Rig(a: SideOptions<Ss7SwitchOptions>, b: SideOptions<Ss7SwitchOptions>, slots = 31): Promise<Rig> {
  return rig(
    (sig, bearer) => spawnSs7Switch({ ...a, sig, bearer }, "ss7-a"),
    (sig, bearer) => spawnSs7Switch({ ...b, sig, bearer }, "ss7-b"),
    10_000,
    slots,
  );
}

/** Two libpri PBXs on a QSIG link: a is the network side, b the user side unless told otherwise. */
export function pbxRig(a: SideOptions<PbxOptions>, b: SideOptions<PbxOptions>): Promise<Rig> {
  return rig(
    (sig, bearer) => spawnPbx({ side: "network", ...a, sig, bearer }, "pbx-a"),
    (sig, bearer) => spawnPbx({ side: "user", ...b, sig, bearer }, "pbx-b"),
    5_000,
    b.span === "t1" || a.span === "t1" ? 24 : undefined,
  );
}
