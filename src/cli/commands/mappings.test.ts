import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EMBEDDED_DEFAULT_YAML } from "../../config/embedded-default.js";
import { effectiveTables, runMappingsLookup, runMappingsShow } from "./mappings.js";

const dir = mkdtempSync(join(tmpdir(), "sipt-mappings-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("mappings lookup", () => {
  it("an ISUP cause with a row", () => {
    expect(runMappingsLookup({ isupCause: "17" })).toEqual({ code: 0, output: '{"isupCause":17,"sipStatus":486,"ref":"RFC 3398 §7.2.4.1"}\n' });
  });
  it("location selects the conditional row (cause 21 from the user -> 603)", () => {
    expect(JSON.parse(runMappingsLookup({ isupCause: "21", location: "0" }).output)).toMatchObject({ sipStatus: 603 });
    expect(JSON.parse(runMappingsLookup({ isupCause: "21", location: "2" }).output)).toMatchObject({ sipStatus: 403 });
  });
  it("no row: the default is named", () => {
    expect(JSON.parse(runMappingsLookup({ isupCause: "99" }).output)).toEqual({ isupCause: 99, sipStatus: 500, ref: "RFC 3398 §7.2.4.1 (default)" });
    expect(JSON.parse(runMappingsLookup({ sipStatus: "418" }).output)).toEqual({ sipStatus: 418, isupCause: 31, location: 10, ref: "RFC 3398 §8.2.6.1 (default)" });
  });
  it("a SIP status with a row, and the Warning variant", () => {
    expect(JSON.parse(runMappingsLookup({ sipStatus: "486" }).output)).toEqual({ sipStatus: 486, isupCause: 17, location: 10, ref: "RFC 3398 §8.2.6.1" });
    expect(JSON.parse(runMappingsLookup({ sipStatus: "488", warning: "305" }).output)).toMatchObject({ isupCause: 65 });
  });
  it("bad arguments exit 2 with a message", () => {
    for (const o of [{}, { isupCause: "17", sipStatus: "486" }, { isupCause: "x" }, { isupCause: "128" }, { sipStatus: "99" }, { sipStatus: "486", location: "1" }, { isupCause: "16", warning: "305" }]) {
      const r = runMappingsLookup(o);
      expect(r.code).toBe(2);
      expect(r.error).toMatch(/--/);
      expect(r.output).toBe("");
    }
  });
});

describe("mappings show", () => {
  it("prints every table with its rows and refs", () => {
    const r = runMappingsShow({});
    expect(r.code).toBe(0);
    for (const t of effectiveTables()) expect(r.output).toContain(`[${t.name}]`);
    expect(r.output).toContain("isupCause=17 sipStatus=486  RFC 3398 §7.2.4.1");
    expect(r.output).toContain("otherwise: sipStatus=500 ref=RFC 3398 §7.2.4.1 (default)");
  });
  it("--json gives the same tables", () => {
    const r = runMappingsShow({ json: true });
    expect(JSON.parse(r.output)).toEqual(JSON.parse(JSON.stringify(effectiveTables())));
  });
  it("an unknown trunk or a bad configuration exits 2", () => {
    expect(runMappingsShow({ trunk: "nope" })).toMatchObject({ code: 2, error: expect.stringMatching(/no trunk named "nope"/) });
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "card: [\n");
    expect(runMappingsShow({ config: bad })).toMatchObject({ code: 2 });
  });
  it("a configuration without trunk overrides shows the defaults", () => {
    const f = join(dir, "default.yaml");
    writeFileSync(f, EMBEDDED_DEFAULT_YAML);
    expect(runMappingsShow({ config: f }).output).toBe(runMappingsShow({}).output);
  });
  it("override rows come first and are marked", () => {
    const t = effectiveTables({ isupToSip: [{ isupCause: 17, sipStatus: 600, ref: "trunk policy" }] });
    expect(t[0]?.rows[0]).toEqual({ isupCause: 17, sipStatus: 600, ref: "trunk policy", trunk: true });
  });
});
