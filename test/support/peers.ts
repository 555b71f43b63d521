/**
 * Real peers for interop tests (sipp, kamailio, tshark, libss7, libpri ...).
 * A test that needs a missing peer fails in CI (CI is set) and is skipped
 * locally with a line saying what is missing and how to install it.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, it } from "vitest";

export interface Peer {
  readonly name: string;
  /** An executable on PATH, or an absolute file path that must exist. */
  readonly probe: string;
  readonly debianPackage: string;
}

export const PEERS = {
  sipp: { name: "sipp", probe: "sipp", debianPackage: "sip-tester" },
  tshark: { name: "tshark", probe: "tshark", debianPackage: "tshark" },
  text2pcap: { name: "text2pcap", probe: "text2pcap", debianPackage: "wireshark-common" },
  kamailio: { name: "kamailio", probe: "kamailio", debianPackage: "kamailio" },
  baresip: { name: "baresip", probe: "baresip", debianPackage: "baresip" },
  socat: { name: "socat", probe: "socat", debianPackage: "socat" },
  libss7: { name: "libss7", probe: "/usr/include/libss7.h", debianPackage: "libss7-dev" },
  libpri: { name: "libpri", probe: "/usr/include/libpri.h", debianPackage: "libpri-dev" },
  spandsp: { name: "spandsp", probe: "/usr/include/x86_64-linux-gnu/spandsp.h", debianPackage: "libspandsp-dev" },
} as const satisfies Record<string, Peer>;

const cache = new Map<string, boolean>();

export function peerAvailable(p: Peer): boolean {
  const hit = cache.get(p.probe);
  if (hit !== undefined) return hit;
  let ok: boolean;
  if (p.probe.startsWith("/")) ok = existsSync(p.probe);
  else {
    try {
      execFileSync("sh", ["-c", `command -v ${p.probe}`], { stdio: "ignore" });
      ok = true;
    } catch {
      ok = false;
    }
  }
  cache.set(p.probe, ok);
  return ok;
}

export function missingPeers(peers: readonly Peer[]): Peer[] {
  return peers.filter((p) => !peerAvailable(p));
}

/**
 * `describe` that needs real peers: in CI a missing peer is a failing test;
 * locally the block is skipped and the reason printed.
 */
export function describeWithPeers(title: string, peers: readonly Peer[], body: () => void): void {
  const missing = missingPeers(peers);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const what = missing.map((p) => `${p.name} (Debian package ${p.debianPackage})`).join(", ");
  if (process.env["CI"]) {
    describe(title, () => {
      it(`needs ${what}`, () => {
        throw new Error(`missing peer: ${what}; .ci/debian-packages installs it`);
      });
    });
    return;
  }
  console.warn(`SKIPPED "${title}": missing ${what}; run: sudo bash .ci/debian-packages`);
  describe.skip(title, body);
}
