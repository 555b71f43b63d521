import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { parseBlockingSnapshot } from "./blocking-store.js";
import { FileBlockingStore } from "./file-blocking-store.js";

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "isup-store-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("FileBlockingStore", () => {
  it("reads an absent file as empty, saves and loads back, leaves no temporary file", () => {
    const dir = tmp();
    const s = new FileBlockingStore(join(dir, "b.json"));
    expect(s.load()).toEqual({ ok: true, value: { version: 1, circuits: [] }, notes: [] });
    const snap = { version: 1 as const, circuits: [{ dpc: 2, cic: 7, maintenance: true, hardware: false }] };
    s.save(snap);
    s.save({ version: 1, circuits: [...snap.circuits, { dpc: 2, cic: 9, maintenance: false, hardware: true }] });
    const back = s.load();
    expect(back.ok && back.value.circuits.map((c) => c.cic)).toEqual([7, 9]);
    expect(readdirSync(dir)).toEqual(["b.json"]);
  });

  it("reports a corrupt file instead of forgetting the blocking", () => {
    const dir = tmp();
    const file = join(dir, "b.json");
    writeFileSync(file, '{"version":1,"circuits":[{"dpc":2}]}');
    const r = new FileBlockingStore(file).load();
    expect(r.ok).toBe(false);
    expect(r.ok ? "" : r.error.reason).toContain("circuits[0].cic");
  });

  it("save throws when the directory does not exist (the node reports it)", () => {
    const s = new FileBlockingStore(join(tmp(), "missing", "b.json"));
    expect(() => s.save({ version: 1, circuits: [] })).toThrow();
  });

  it("parsing any text gives a snapshot or an error, never a throw", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const r = parseBlockingSnapshot(text);
        expect(typeof r.ok).toBe("boolean");
      }),
      { numRuns: 500 },
    );
  });

  it("what is saved parses back unchanged", () => {
    const circuit = fc.record({ dpc: fc.integer({ min: 0, max: 0xffffff }), cic: fc.integer({ min: 0, max: 0x3fff }), maintenance: fc.boolean(), hardware: fc.boolean() });
    fc.assert(
      fc.property(fc.array(circuit, { maxLength: 20 }), (circuits) => {
        const r = parseBlockingSnapshot(JSON.stringify({ version: 1, circuits }));
        expect(r.ok && r.value.circuits).toEqual(circuits);
      }),
      { numRuns: 200 },
    );
  });
});
