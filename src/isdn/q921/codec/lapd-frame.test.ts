import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../../core/bytes.js";
import { field, tsharkDecodeLapd, tsharkMissing } from "../tshark-oracle.test-support.js";
import { crBit, decodeFrmrInfo, decodeLapdFrame, encodeFrmrInfo, encodeLapdFrame, isCommand } from "./lapd-frame.js";
import type { LapdControl, LapdFrame } from "./lapd-frame.js";

interface Capture {
  readonly source: string;
  readonly frames: readonly { readonly dir: "network->cpe" | "cpe->network"; readonly hex: string }[];
}
const capture = JSON.parse(readFileSync(new URL("./vectors/libpri-qsig-call.json", import.meta.url), "utf8")) as Capture;
const bytesOf = (hex: string): Uint8Array => fromHex(hex) as Uint8Array;

function frame(control: LapdControl, cr: 0 | 1 = 1, info: Uint8Array = new Uint8Array(0)): LapdFrame {
  return { sapi: 0, cr, tei: 0, control, info };
}

/** One frame of every kind the data link entity sends, plus FRMR, UI and XID. */
const OWN_FRAMES: readonly LapdFrame[] = [
  frame({ format: "U", type: "SABME", pf: true }),
  frame({ format: "U", type: "UA", pf: true }, 0),
  frame({ format: "U", type: "DM", pf: false }, 0),
  frame({ format: "U", type: "DISC", pf: true }),
  frame({ format: "U", type: "UI", pf: false }, 1, Uint8Array.of(0x08, 0x01, 0x00, 0x75)),
  frame({ format: "U", type: "FRMR", pf: false }, 0, encodeFrmrInfo({ rejectedControl: Uint8Array.of(0x01, 0x0a), vs: 3, vr: 9, rejectedWasResponse: false, w: false, x: false, y: false, z: true })),
  frame({ format: "U", type: "XID", pf: true }, 1, Uint8Array.of(0x82, 0x80, 0x00)),
  frame({ format: "S", type: "RR", nr: 5, pf: true }),
  frame({ format: "S", type: "RNR", nr: 127, pf: false }, 0),
  frame({ format: "S", type: "REJ", nr: 64, pf: true }, 0),
  frame({ format: "I", ns: 126, nr: 3, pf: false }, 1, Uint8Array.of(0x08, 0x02, 0x00, 0x01, 0x7d)),
  { sapi: 63, cr: 0, tei: 127, control: { format: "U", type: "UI", pf: false }, info: Uint8Array.of(0x0f, 0x12, 0x34, 0x01, 0xff) },
];

describe("LAPD frame codec: libpri vectors", () => {
  it("decodes every captured frame and re-encodes it byte for byte", () => {
    for (const f of capture.frames) {
      const bytes = bytesOf(f.hex);
      const res = decodeLapdFrame(bytes);
      expect(res.ok, f.hex).toBe(true);
      if (!res.ok) continue;
      expect(toHex(encodeLapdFrame(res.value))).toBe(f.hex);
      // Table 1/Q.921: every frame libpri sent is a command or response consistent with its side.
      expect(res.value.sapi).toBe(0);
      expect(res.value.tei).toBe(0);
    }
  });

  it("reads the SABME collision, UAs and the first I frame as Q.921 defines them", () => {
    const d = (i: number): LapdFrame => {
      const r = decodeLapdFrame(bytesOf((capture.frames[i] as { hex: string }).hex));
      if (!r.ok) throw new Error(r.error.reason);
      return r.value;
    };
    expect(d(0)).toMatchObject({ cr: 1, control: { format: "U", type: "SABME", pf: true } });
    expect(isCommand(d(0), true)).toBe(true);
    expect(d(1)).toMatchObject({ cr: 0, control: { format: "U", type: "SABME", pf: true } });
    expect(isCommand(d(1), false)).toBe(true);
    expect(d(2)).toMatchObject({ cr: 0, control: { format: "U", type: "UA", pf: true } });
    expect(isCommand(d(2), true)).toBe(false);
    const setup = d(4);
    expect(setup.control).toEqual({ format: "I", ns: 0, nr: 0, pf: false });
    expect(setup.info[0]).toBe(0x08);
    expect(setup.info.length).toBe(bytesOf(capture.frames[4]?.hex ?? "").length - 6);
    expect(d(5)).toMatchObject({ cr: 1, control: { format: "S", type: "RR", nr: 1, pf: false } });
  });
});

describe("LAPD frame codec: encoding rules", () => {
  it("sets C/R per Table 1/Q.921", () => {
    expect(crBit(true, true)).toBe(1);
    expect(crBit(false, true)).toBe(0);
    expect(crBit(true, false)).toBe(0);
    expect(crBit(false, false)).toBe(1);
  });

  it("appends two FCS placeholder octets by default and none when told", () => {
    const f = frame({ format: "U", type: "SABME", pf: true });
    expect(toHex(encodeLapdFrame(f))).toBe("02017f0000");
    expect(toHex(encodeLapdFrame(f, { fcsOctets: 0 }))).toBe("02017f");
    const r = decodeLapdFrame(Uint8Array.of(0x02, 0x01, 0x7f), { fcsOctets: 0 });
    expect(r.ok && r.value.control).toEqual({ format: "U", type: "SABME", pf: true });
  });

  it("rejects invalid frames with the offset and clause (Q.921 §2.9, §3.3.1)", () => {
    const short = decodeLapdFrame(Uint8Array.of(0x02, 0x01, 0x00));
    expect(short.ok).toBe(false);
    if (!short.ok) expect(short.error.clause).toBe("Q.921 §2.9");
    const ea = decodeLapdFrame(Uint8Array.of(0x03, 0x01, 0x7f, 0, 0));
    expect(!ea.ok && ea.error).toMatchObject({ offset: 0, field: "address octet 1" });
    const ea2 = decodeLapdFrame(Uint8Array.of(0x02, 0x00, 0x7f, 0, 0));
    expect(!ea2.ok && ea2.error).toMatchObject({ offset: 1, field: "address octet 2" });
    const iShort = decodeLapdFrame(Uint8Array.of(0x02, 0x01, 0x00, 0, 0));
    expect(!iShort.ok && iShort.error.reason).toMatch(/two/);
  });

  it("keeps undefined control fields as received (MDL-ERROR L material)", () => {
    const s11 = decodeLapdFrame(Uint8Array.of(0x02, 0x01, 0x0d, 0x02, 0, 0));
    expect(s11.ok && s11.value.control).toEqual({ format: "undefined", octets: Uint8Array.of(0x0d, 0x02) });
    const u = decodeLapdFrame(Uint8Array.of(0x02, 0x01, 0xe3, 0, 0));
    expect(u.ok && u.value.control).toEqual({ format: "undefined", octets: Uint8Array.of(0xe3) });
    if (u.ok) expect(toHex(encodeLapdFrame(u.value))).toBe("0201e30000");
  });

  it("decodes the FRMR information field (Figure 6/Q.921)", () => {
    const info = Uint8Array.of(0x01, 0x0a, 0x06, 0x13, 0x08);
    const r = decodeFrmrInfo(info);
    expect(r.ok && r.value).toEqual({ rejectedControl: Uint8Array.of(0x01, 0x0a), vs: 3, vr: 9, rejectedWasResponse: true, w: false, x: false, y: false, z: true });
    if (r.ok) expect(encodeFrmrInfo(r.value)).toEqual(info);
    expect(decodeFrmrInfo(Uint8Array.of(1, 2, 3)).ok).toBe(false);
  });
});

const missing = tsharkMissing();
if (missing && !process.env.CI) console.warn(`LAPD tshark oracle skipped: ${missing}`);

describe("LAPD frame codec against tshark", () => {
  it.skipIf(missing !== undefined && !process.env.CI)("agrees field by field on every frame kind we send and on libpri's frames", () => {
    if (missing) throw new Error(`tshark oracle required in CI: ${missing}`);
    const ours = OWN_FRAMES.map((f) => encodeLapdFrame(f, { fcsOctets: 0 }));
    const theirs = capture.frames.map((f) => bytesOf(f.hex).subarray(0, -2));
    const all = [...ours, ...theirs];
    const packets = tsharkDecodeLapd(all);
    all.forEach((bytes, i) => {
      const res = decodeLapdFrame(bytes, { fcsOctets: 0 });
      expect(res.ok).toBe(true);
      if (!res.ok) return;
      const f = res.value;
      const p = packets[i] ?? [];
      const label = toHex(bytes);
      expect(field(p, "lapd.sapi"), label).toBe(String(f.sapi));
      expect(field(p, "lapd.cr"), label).toBe(String(f.cr));
      expect(field(p, "lapd.tei"), label).toBe(String(f.tei));
      const c = f.control;
      const ftype = Number(field(p, "lapd.control.ftype"));
      // tshark lists the P/F bit only when it is set; without a direction it cannot tell P from F.
      switch (c.format) {
        case "I":
          expect(ftype & 1, label).toBe(0);
          expect(field(p, "lapd.control.n_s"), label).toBe(String(c.ns));
          expect(field(p, "lapd.control.n_r"), label).toBe(String(c.nr));
          expect(field(p, "lapd.control.p") ?? "0", label).toBe(c.pf ? "1" : "0");
          break;
        case "S": {
          expect(ftype, label).toBe(1);
          // tshark shows the masked bits shifted down to bit 1.
          expect(Number(field(p, "lapd.control.s_ftype")), label).toBe({ RR: 0x00, RNR: 0x04, REJ: 0x08 }[c.type] >> 2);
          expect(field(p, "lapd.control.n_r"), label).toBe(String(c.nr));
          const pf = field(p, "lapd.control.p") ?? field(p, "lapd.control.f") ?? "0";
          expect(pf, label).toBe(c.pf ? "1" : "0");
          break;
        }
        case "U": {
          expect(ftype, label).toBe(3);
          const mod = Number(field(p, "lapd.control.u_modifier_cmd") ?? field(p, "lapd.control.u_modifier_resp"));
          expect(mod, label).toBe({ SABME: 0x6c, DM: 0x0c, UI: 0x00, DISC: 0x40, UA: 0x60, FRMR: 0x84, XID: 0xac }[c.type] >> 2);
          const pf = field(p, "lapd.control.p") ?? field(p, "lapd.control.f") ?? "0";
          expect(pf, label).toBe(c.pf ? "1" : "0");
          break;
        }
        case "undefined":
          throw new Error(`unexpected undefined control in ${label}`);
      }
    });
  });
});

const arbControl: fc.Arbitrary<LapdControl> = fc.oneof(
  fc.record({ format: fc.constant("I" as const), ns: fc.integer({ min: 0, max: 127 }), nr: fc.integer({ min: 0, max: 127 }), pf: fc.boolean() }),
  fc.record({ format: fc.constant("S" as const), type: fc.constantFrom("RR" as const, "RNR" as const, "REJ" as const), nr: fc.integer({ min: 0, max: 127 }), pf: fc.boolean() }),
  fc.record({ format: fc.constant("U" as const), type: fc.constantFrom("SABME" as const, "DM" as const, "UI" as const, "DISC" as const, "UA" as const, "FRMR" as const, "XID" as const), pf: fc.boolean() }),
);

const arbFrame: fc.Arbitrary<LapdFrame> = fc.record({
  sapi: fc.integer({ min: 0, max: 63 }),
  cr: fc.constantFrom(0 as const, 1 as const),
  tei: fc.integer({ min: 0, max: 127 }),
  control: arbControl,
  info: fc.uint8Array({ maxLength: 300 }),
});

describe("LAPD frame codec properties", () => {
  it("any bytes decode to a frame or an error, never a throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(0 as const, 2 as const), (b, fcs) => {
        const r = decodeLapdFrame(b, { fcsOctets: fcs });
        if (r.ok) expect(encodeLapdFrame(r.value, { fcsOctets: 0 })).toEqual(b.subarray(0, b.length - fcs));
      }),
      { numRuns: 3000 },
    );
  });

  it("any FRMR information field decodes or fails, never throws; decode(encode(x)) = x", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), (b) => {
        const r = decodeFrmrInfo(b);
        expect(r.ok).toBe(b.length === 5);
        if (r.ok) {
          const again = decodeFrmrInfo(encodeFrmrInfo(r.value));
          expect(again.ok && again.value).toEqual(r.value);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("decode(encode(frame)) = frame", () => {
    fc.assert(
      fc.property(arbFrame, (f) => {
        const r = decodeLapdFrame(encodeLapdFrame(f));
        expect(r.ok && r.value).toEqual(f);
      }),
      { numRuns: 2000 },
    );
  });
});
