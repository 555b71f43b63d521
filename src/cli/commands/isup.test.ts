import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { toHex } from "../../core/bytes.js";
import { encodeIsup } from "../../ss7/isup/codec/index.js";
import { allSampleMessages } from "../../ss7/isup/codec/samples.js";
import type { IsupIo } from "./isup.js";
import { register, runIsupDecode, runIsupEncode } from "./isup.js";

function capture(): IsupIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}

describe("sipt-gw isup decode", () => {
  it("prints the message as JSON with Q.763 names and digit strings", () => {
    const io = capture();
    expect(runIsupDecode("0c00 01 00 6001 0a 03 02 08 06 83 10 21 43 65 07 0a 07 03 13 21 43 65 87 09 3d 01 0f 00", {}, io)).toBe(0);
    const m = JSON.parse(io.stdout) as { messageType: string; cic: number; parameters: { name: string; value?: { digits?: string } }[] };
    expect(m.messageType).toBe("IAM");
    expect(m.cic).toBe(12);
    expect(m.parameters.map((p) => p.name)).toEqual([
      "natureOfConnectionIndicators",
      "forwardCallIndicators",
      "callingPartysCategory",
      "transmissionMediumRequirement",
      "calledPartyNumber",
      "callingPartyNumber",
      "hopCounter",
    ]);
    expect(m.parameters[4]?.value?.digits).toBe("1234567");
    expect(io.stderr).toBe("");
  });

  it("exits 1 with the offset and the reason on malformed input", () => {
    const io = capture();
    expect(runIsupDecode("0c00 01 00 6001 0a 03 02 00 01 83", {}, io)).toBe(1);
    expect(io.stdout).toBe("");
    expect(io.stderr).toBe("isup decode: Cannot decode ISUP parameter calledPartyNumber at offset 10: length 1 is below minimum 2 (Q.763 §3.9)\n");
    const io2 = capture();
    expect(runIsupDecode("0c0z", {}, io2)).toBe(1);
    expect(io2.stderr).toMatch(/is not hex octets/);
  });

  it("exits 2 on a variant it does not know", () => {
    const io = capture();
    expect(runIsupDecode("0c0010", { variant: "japan" }, io)).toBe(2);
    expect(io.stderr).toMatch(/--variant must be itu or ansi/);
  });

  it("writes notes about unrecognised parameters to stderr", () => {
    const io = capture();
    expect(runIsupDecode("0c00 0c 02 04 02 85 a2 fe 02 ab cd 39 02 fe 94 00", {}, io)).toBe(0);
    expect(io.stderr).toMatch(/^note: offset 8: parameter 0xFE: unrecognised parameter kept as octets; parameter compatibility information: .*discard parameter 1/);
  });
});

describe("sipt-gw isup encode", () => {
  it("takes the JSON decode prints, for every message type of both variants and SIP-T", () => {
    for (const variant of ["itu", "ansi"] as const) {
      for (const sipt of [false, true]) {
        for (const m of allSampleMessages(variant, 77)) {
          const hex = toHex(encodeIsup(m, { variant, sipt }));
          const dec = capture();
          expect(runIsupDecode(hex, { variant, sipt }, dec), `${variant} ${m.messageType}`).toBe(0);
          const enc = capture();
          expect(runIsupEncode(dec.stdout, { variant, sipt }, enc), enc.stderr).toBe(0);
          expect(enc.stdout).toBe(`${hex}\n`);
        }
      }
    }
  });

  it("exits 1 on JSON that is not a message, naming the field", () => {
    const io = capture();
    expect(runIsupEncode('{"messageType":"REL","cic":1,"parameters":[]}', {}, io)).toBe(1);
    expect(io.stderr).toBe(
      "isup encode: Cannot encode parameters: REL needs its mandatory parameters first, in order (causeIndicators); causeIndicators is missing\n",
    );
    const io2 = capture();
    expect(runIsupEncode("{not json", {}, io2)).toBe(1);
    expect(io2.stderr).toMatch(/^isup encode: the input is not JSON/);
    const io3 = capture();
    expect(runIsupEncode("[]", {}, io3)).toBe(1);
    expect(io3.stderr).toMatch(/message: is not an object/);
  });
});

describe("register", () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function run(args: string[]): { out: string; err: string } {
    let out = "";
    let err = "";
    vi.spyOn(process.stdout, "write").mockImplementation((t: string | Uint8Array) => {
      out += String(t);
      return true;
    });
    vi.spyOn(process.stderr, "write").mockImplementation((t: string | Uint8Array) => {
      err += String(t);
      return true;
    });
    const program = new Command().exitOverride();
    register(program);
    program.parse(args, { from: "user" });
    return { out, err };
  }

  it("adds isup decode and isup encode with help", () => {
    const program = new Command();
    register(program);
    const isup = program.commands.find((c) => c.name() === "isup");
    expect(isup?.commands.map((c) => c.name())).toEqual(["decode", "encode"]);
    expect(isup?.commands[0]?.helpInformation()).toMatch(/--variant <variant>/);
  });

  it("decodes from arguments and encodes from a file", () => {
    const r = run(["isup", "decode", "--variant", "ansi", "8813", "0c", "02", "00", "02", "c2", "90"]);
    expect(process.exitCode).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ messageType: "REL", cic: 5000 });
    const dir = mkdtempSync(join(tmpdir(), "isup-cli-"));
    dirs.push(dir);
    const file = join(dir, "rel.json");
    writeFileSync(file, r.out);
    vi.restoreAllMocks();
    const e = run(["isup", "encode", "--variant", "ansi", file]);
    expect(process.exitCode).toBe(0);
    expect(e.out).toBe("88130c020002c290\n");
  });
});
