import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeRfc4475Markup } from "../../sip/syntax/vectors/rfc4475/markup.js";
import { bodyView, register, runSipParse } from "./sip.js";

const vectors = join(dirname(fileURLToPath(import.meta.url)), "../../sip/syntax/vectors/rfc4475");
const vector = (name: string): Uint8Array => decodeRfc4475Markup(readFileSync(join(vectors, `${name}.txt`), "utf8"));
const limits = { maxMessageBytes: 65535, maxHeaders: 256 };

interface JsonHeader {
  name: string;
  canonical?: string;
  value: string;
  parsed?: unknown;
  error?: string;
}

describe("sipt-gw sip parse", () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  it("prints start line, headers in order with parsed forms, and the body", () => {
    const { code, output } = runSipParse(vector("wsinv"), { limits });
    expect(code).toBe(0);
    const j = JSON.parse(output) as { startLine: { text: string; method: string }; headers: JsonHeader[]; body: { length: number; text: string } };
    expect(j.startLine.text).toBe("INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0");
    expect(j.headers.map((h) => h.name).slice(0, 4)).toEqual(["TO", "from", "MaX-fOrWaRdS", "Call-ID"]);
    expect(j.headers[0]).toMatchObject({ canonical: "To", value: "sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n", parsed: { tag: "1918181833n", uri: { text: "sip:vivekg@chair-dnrc.example.com" } } });
    expect(j.headers.find((h) => h.name === "cseq")?.parsed).toEqual({ seq: 9, method: "INVITE" });
    expect(j.headers.find((h) => h.name === "NewFangledHeader")).toEqual({ name: "NewFangledHeader", value: "newfangled value continued newfangled value" });
    expect(j.body.length).toBe(150);
    expect(j.body.text.startsWith("v=0\r\n")).toBe(true);
  });

  it("shows multipart parts, binary ones in hex", () => {
    const { code, output } = runSipParse(vector("mpart01"), { limits });
    expect(code).toBe(0);
    const j = JSON.parse(output) as { parts: Array<{ contentType: { subtype: string }; body: { text?: string; hex?: string } }> };
    expect(j.parts.map((p) => p.contentType.subtype)).toEqual(["plain", "octet-stream"]);
    expect(j.parts[0]?.body.text).toBe("Hello");
    expect(j.parts[1]?.body.hex?.startsWith("3082015206092a86")).toBe(true);
  });

  it("rejects with the precise reason and the response an element would send", () => {
    const bad = runSipParse(vector("badinv01"), { limits });
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/^rejected: Via at offset \d+: expected Via parameter name \(a token\) but found ';'/);
    expect(bad.output).toContain("response: 400 Bad Request - Invalid Via parameter name");
    expect(runSipParse(vector("bigcode"), { limits }).output).toContain("a response: it would be discarded");
    expect(runSipParse(vector("ncl"), { limits }).output).toContain("framing lost");
    // Eager by default: a bad Date is reported; --lazy leaves it to whoever reads it.
    expect(runSipParse(vector("baddate"), { limits }).code).toBe(1);
    expect(runSipParse(vector("baddate"), { limits, lazy: true }).code).toBe(0);
    expect(runSipParse(vector("inv2543"), { limits, stream: true }).code).toBe(1);
  });

  it("renders bodies as text only when printable", () => {
    expect(bodyView(Uint8Array.from([0x68, 0x69, 0x0d, 0x0a]))).toEqual({ length: 4, text: "hi\r\n" });
    expect(bodyView(Uint8Array.from([0x68, 0x00]))).toEqual({ length: 2, hex: "6800" });
    expect(bodyView(Uint8Array.from([0xc3]))).toEqual({ length: 1, hex: "c3" });
  });

  it("runs through commander with a file, and exits 2 when the file cannot be read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sipt-gw-sip-"));
    try {
      const file = join(dir, "esc01.sip");
      await writeFile(file, vector("esc01"));
      const out: string[] = [];
      vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
        out.push(String(s));
        return true;
      });
      const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
      const program = new Command().exitOverride();
      register(program);
      await program.parseAsync(["sip", "parse", file], { from: "user" });
      expect(process.exitCode).toBe(0);
      expect((JSON.parse(out.join("")) as { startLine: { method: string } }).startLine.method).toBe("INVITE");
      await program.parseAsync(["sip", "parse", join(dir, "missing.sip")], { from: "user" });
      expect(process.exitCode).toBe(2);
      expect(String(err.mock.calls[0]?.[0])).toMatch(/cannot read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
