import { readFileSync } from "node:fs";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isdnDecode, register } from "./isdn.js";

const capture = JSON.parse(readFileSync(new URL("../../isdn/q921/codec/vectors/libpri-qsig-call.json", import.meta.url), "utf8")) as { frames: { hex: string }[] };
const setupFrame = capture.frames[4]?.hex ?? "";

describe("sipt-gw isdn decode", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it("prints a Q.931 SETUP with names, digit strings and the QSIG calling name", () => {
    const r = isdnDecode(setupFrame.slice(8, -4));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const j = r.json as { messageType: string; callReference: unknown; informationElements: { name: string; value?: unknown; components?: unknown[] }[] };
    expect(j.messageType).toBe("SETUP");
    expect(j.callReference).toEqual({ length: 2, value: 1, flag: false });
    const byName = (n: string) => j.informationElements.find((e) => e.name === n);
    expect(byName("calledPartyNumber")?.value).toEqual({ typeOfNumber: 0, numberingPlan: 0, digits: "2001" });
    expect(byName("callingPartyNumber")?.value).toMatchObject({ digits: "1001", presentation: 0 });
    expect(byName("channelIdentification")?.value).toMatchObject({ exclusive: true, channels: { numbers: [1] } });
    const fac = byName("facility");
    expect(fac?.components?.[2]).toMatchObject({
      kind: "rose",
      apdu: { type: "invoke", invokeId: 1, operation: { local: 0 }, argument: "800d416c696365204578616d706c65" },
      operation: { operation: "callingName", argument: { name: { presentation: "allowed", nameData: "416c696365204578616d706c65", text: "Alice Example" } } },
    });
  });

  it("with --lapd prints the frame and the message it carries", () => {
    const r = isdnDecode(setupFrame, { lapd: true });
    expect(r.ok && r.json).toMatchObject({ lapd: { sapi: 0, cr: 1, tei: 0, control: { format: "I", ns: 0, nr: 0, pf: false } }, q931: { messageType: "SETUP" } });
    const sabme = isdnDecode("02017f0000", { lapd: true });
    expect(sabme.ok && sabme.json).toEqual({ lapd: { sapi: 0, cr: 1, commandIfFromNetwork: true, tei: 0, control: { format: "U", type: "SABME", pf: true } } });
  });

  it("reports malformed input with offset and reason", () => {
    expect(isdnDecode("0902000105")).toEqual({ ok: false, error: "Cannot decode protocol discriminator at offset 0: 0x09 is not Q.931 user-network call control (0x08) (Q.931 §4.2, §5.8.1)" });
    expect(isdnDecode("zz")).toEqual({ ok: false, error: "input is not hexadecimal octets" });
    const inFrame = isdnDecode("0001000008020001050403809000", { lapd: true });
    expect(inFrame.ok).toBe(false);
    if (!inFrame.ok) expect(inFrame.error).toMatch(/bearerCapability contents at offset 11: needs 3 bytes, only 1 left/);
  });

  it("registers a command that writes JSON and sets exit code 1 on bad input", async () => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
    const program = new Command("sipt-gw").exitOverride();
    register(program);
    await program.parseAsync(["isdn", "decode", "08", "02 00 01", "75"], { from: "user" });
    expect(JSON.parse(out.join(""))).toMatchObject({ messageType: "STATUS ENQUIRY" });
    expect(process.exitCode).toBeUndefined();
    await program.parseAsync(["isdn", "decode", "--lapd", "03"], { from: "user" });
    expect(process.exitCode).toBe(1);
    expect(err.join("")).toMatch(/offset 0: 1 octets is below the minimum of 5/);
  });
});
