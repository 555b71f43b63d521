/**
 * Test support: Wireshark's LAPD/Q.931/QSIG dissectors (tshark) as an
 * independent decoding oracle. Frames go through text2pcap with the user
 * DLT 147 mapped to "lapd" and come back as PDML fields in document order.
 * Used by the tests only; nothing in the gateway imports it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PdmlField {
  readonly name: string;
  readonly show: string;
  readonly value: string;
  readonly showname: string;
}

export type PdmlPacket = readonly PdmlField[];

/** Why the oracle cannot run here, or undefined when text2pcap and tshark are installed. */
export function tsharkMissing(): string | undefined {
  for (const tool of ["tshark", "text2pcap"]) {
    const r = spawnSync(tool, ["-v"], { encoding: "utf8", timeout: 10_000 });
    if (r.error || r.status !== 0) return `${tool} is not installed (Debian package tshark)`;
  }
  return undefined;
}

function unescapeXml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function attr(tag: string, name: string): string {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? unescapeXml(m[1] as string) : "";
}

/** Decode LAPD frames (without FCS octets) with tshark; one field list per frame. */
export function tsharkDecodeLapd(frames: readonly Uint8Array[]): PdmlPacket[] {
  const dir = mkdtempSync(join(tmpdir(), "sipt-gw-lapd-"));
  try {
    const text = frames
      .map((f) => {
        const lines: string[] = [];
        for (let off = 0; off < f.length; off += 16) {
          const chunk = Array.from(f.subarray(off, off + 16), (b) => b.toString(16).padStart(2, "0")).join(" ");
          lines.push(`${off.toString(16).padStart(6, "0")} ${chunk}`);
        }
        return lines.join("\n");
      })
      .join("\n");
    const txt = join(dir, "frames.txt");
    const pcap = join(dir, "frames.pcap");
    writeFileSync(txt, `${text}\n`);
    const t2p = spawnSync("text2pcap", ["-q", "-l", "147", txt, pcap], { encoding: "utf8", timeout: 20_000 });
    if (t2p.status !== 0) throw new Error(`text2pcap failed: ${t2p.stderr}`);
    const ts = spawnSync("tshark", ["-r", pcap, "-o", 'uat:user_dlts:"User 0 (DLT=147)","lapd","0","","0",""', "-T", "pdml"], {
      encoding: "utf8",
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (ts.status !== 0) throw new Error(`tshark failed: ${ts.stderr}`);
    const packets: PdmlField[][] = [];
    let cur: PdmlField[] | undefined;
    for (const line of ts.stdout.split("\n")) {
      if (line.startsWith("<packet>")) {
        cur = [];
        packets.push(cur);
        continue;
      }
      const m = /<field\s[^>]*>/.exec(line);
      if (m && cur) cur.push({ name: attr(m[0], "name"), show: attr(m[0], "show"), value: attr(m[0], "value"), showname: attr(m[0], "showname") });
    }
    if (packets.length !== frames.length) throw new Error(`tshark returned ${packets.length} packets for ${frames.length} frames`);
    return packets;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** All `show` values of a field in a packet, in order. */
export function fieldValues(p: PdmlPacket, name: string): string[] {
  return p.filter((f) => f.name === name).map((f) => f.show);
}

/** The first `show` value of a field, or undefined. */
export function field(p: PdmlPacket, name: string): string | undefined {
  return p.find((f) => f.name === name)?.show;
}
