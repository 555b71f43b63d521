/**
 * The import-rules checker (`npm run deps`, dependency-cruiser with
 * .dependency-cruiser.cjs) must reject every forbidden direction of
 * STYLE.md. A scratch tree shaped like ours, with one offending import per
 * rule and some allowed ones, is cruised with the project's own rules.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

let dir = "";
let violations: Violation[] = [];

const files: Record<string, string> = {
  // allowed
  "src/core/bytes.ts": "export const x = 1;\n",
  "src/sip/syntax/parse.ts": 'import { x } from "../../core/bytes.js";\nexport const p = x;\n',
  "src/sip/transaction/tx.ts": 'import { p } from "../syntax/parse.js";\nexport const t = p;\n',
  "src/interworking/isup-sip.ts": 'import { t } from "../sip/transaction/tx.js";\nimport { i } from "../ss7/isup/call/cic.js";\nexport const w = t + i;\n',
  "src/ss7/isup/call/cic.ts": "export const i = 2;\n",
  "drivers/api/card.ts": "export interface Card { open(): void }\n",
  "src/media/session.ts": 'import type { Card } from "../../drivers/api/card.js";\nexport type S = Card;\n',
  "drivers/card/binding.ts": 'import koffi from "koffi";\nexport const k = koffi;\n',
  // forbidden, one per rule
  "src/sip/dialog/bad-sip-ss7.ts": 'import { i } from "../../ss7/isup/call/cic.js";\nexport const b = i;\n',
  "src/media/bad-koffi.ts": 'import koffi from "koffi";\nexport const k = koffi;\n',
  "src/core/bad-io.ts": 'import { readFileSync } from "node:fs";\nexport const r = readFileSync;\n',
  "src/core/bad-import.ts": 'import { p } from "../sip/syntax/parse.js";\nexport const q = p;\n',
  "src/sip/syntax/bad-up.ts": 'import { t } from "../transaction/tx.js";\nexport const u = t;\n',
  "src/ss7/isup/codec/bad-clock.ts": 'import { setTimeout } from "node:timers";\nexport const c = setTimeout;\n',
  "src/gateway/bad-driver.ts": 'import { k } from "../../drivers/card/binding.js";\nexport const d = k;\n',
  "src/sip/ua/bad-pino.ts": 'import pino from "pino";\nexport const l = pino;\n',
  "src/ss7/mtp2/bad-up.ts": 'import { i } from "../isup/call/cic.js";\nexport const m = i;\n',
  "src/media/bad-signalling.ts": 'import { t } from "../sip/transaction/tx.js";\nexport const s = t;\n',
  "mappings/bad-mapping.ts": 'import { x } from "../src/core/bytes.js";\nexport const y = x;\n',
  "src/sdp/cycle-a.ts": 'import { b } from "./cycle-b.js";\nexport const a = () => b;\n',
  "src/sdp/cycle-b.ts": 'import { a } from "./cycle-a.js";\nexport const b = () => a;\n',
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sipt-deps-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  copyFileSync(join(root, "tsconfig.json"), join(dir, "tsconfig.json"));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "scratch", type: "module", dependencies: { koffi: "*", pino: "*" } }));
  let out: string;
  try {
    out = execFileSync(join(root, "node_modules/.bin/depcruise"), ["--config", join(root, ".dependency-cruiser.cjs"), "--output-type", "json", "src", "drivers", "mappings"], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    // depcruise exits non-zero when it finds violations; its JSON is still on stdout.
    out = String((e as { stdout?: string }).stdout ?? "");
  }
  violations = (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function rulesFor(from: string): string[] {
  return violations.filter((v) => v.from === from).map((v) => v.rule.name);
}

describe("import rules (STYLE.md dependency direction)", () => {
  it.each([
    ["src/sip/dialog/bad-sip-ss7.ts", "signalling-stacks-apart"],
    ["src/media/bad-koffi.ts", "koffi-only-in-drivers"],
    ["src/core/bad-io.ts", "core-no-io"],
    ["src/core/bad-import.ts", "core-is-a-leaf"],
    ["src/sip/syntax/bad-up.ts", "sip-chain-syntax"],
    ["src/ss7/isup/codec/bad-clock.ts", "codecs-no-io"],
    ["src/gateway/bad-driver.ts", "src-only-types-from-drivers"],
    ["src/sip/ua/bad-pino.ts", "pino-only-at-root"],
    ["src/ss7/mtp2/bad-up.ts", "ss7-chain"],
    ["src/media/bad-signalling.ts", "media-not-signalling"],
    ["mappings/bad-mapping.ts", "mappings-are-data"],
    ["src/sdp/cycle-a.ts", "no-cycles"],
  ])("rejects %s (%s)", (from, rule) => {
    expect(rulesFor(from)).toContain(rule);
  });

  it("accepts the allowed directions", () => {
    for (const ok of ["src/sip/syntax/parse.ts", "src/sip/transaction/tx.ts", "src/interworking/isup-sip.ts", "src/media/session.ts", "drivers/card/binding.ts"]) {
      expect(rulesFor(ok), ok).toEqual([]);
    }
  });
});
