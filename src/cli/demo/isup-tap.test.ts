import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeSignalUnit } from "../../ss7/mtp2/su-codec.js";
import { encodeMtp3Message, SERVICE_INDICATOR } from "../../ss7/mtp3/msu-codec.js";
import type { IsupMessage } from "../../ss7/isup/codec/index.js";
import { encodeIsup } from "../../ss7/isup/codec/index.js";
import { sampleMessage } from "../../ss7/isup/codec/samples.js";
import { IsupTap, isupLabel } from "./isup-tap.js";

function frame(m: IsupMessage, fsn: number, si: number = SERVICE_INDICATOR.ISUP): Uint8Array {
  const payload = encodeMtp3Message({ sio: { si, ni: 2, priority: 0 }, label: { dpc: 2, opc: 1, sls: 0 }, userData: encodeIsup(m, { variant: "itu" }) }, "itu");
  return encodeSignalUnit({ kind: "MSU", bsn: 0, bib: 1, fsn, fib: 1, payload });
}

function withParameter(m: IsupMessage, name: string, value: unknown): IsupMessage {
  return { ...m, parameters: m.parameters.map((p) => (p.name === name ? ({ name, value } as unknown as IsupMessage["parameters"][number]) : p)) };
}

describe("ISUP on the signalling link tap", () => {
  it("reads an IAM's called number without the ST signal, and a REL's cause", () => {
    const tap = new IsupTap("itu");
    const iam = sampleMessage("itu", "IAM", 7);
    const called = iam.parameters.find((p) => p.name === "calledPartyNumber");
    const iamSt = withParameter(iam, "calledPartyNumber", { ...(called as { value: Record<string, unknown> }).value, digits: "5551234F" });
    const t = tap.read("tx", frame(iamSt, 1));
    expect(t && isupLabel(t)).toBe("IAM cic 7 5551234");
    expect(t).toMatchObject({ direction: "tx", opc: 1, dpc: 2, retransmission: false });
    const rel = sampleMessage("itu", "REL", 7);
    const cause = rel.parameters.find((p) => p.name === "causeIndicators") as { value: Record<string, unknown> };
    const t2 = tap.read("rx", frame(withParameter(rel, "causeIndicators", { ...cause.value, causeValue: 17 }), 5));
    expect(t2 && isupLabel(t2)).toBe("REL cic 7 cause 17");
  });

  it("marks an MSU sent again with the same FSN as a retransmission (Q.703 §5.2)", () => {
    const tap = new IsupTap("itu");
    const acm = sampleMessage("itu", "ACM", 3);
    expect(tap.read("rx", frame(acm, 9))?.retransmission).toBe(false);
    const again = tap.read("rx", frame(acm, 9));
    expect(again?.retransmission).toBe(true);
    expect(again && isupLabel(again)).toBe("ACM cic 3 (again)");
    // The other direction keeps its own sequence.
    expect(tap.read("tx", frame(acm, 9))?.retransmission).toBe(false);
  });

  it("passes over fill-in units, other users and what does not decode", () => {
    const tap = new IsupTap("itu");
    expect(tap.read("rx", encodeSignalUnit({ kind: "FISU", bsn: 1, bib: 1, fsn: 1, fib: 1 }))).toBeUndefined();
    expect(tap.read("rx", frame(sampleMessage("itu", "ANM", 1), 2, SERVICE_INDICATOR.SNM))).toBeUndefined();
    expect(tap.read("rx", Uint8Array.of(0x80, 0x81, 0x05, 0x85, 0x01, 0x00, 0x00))).toBeUndefined();
  });

  it("never throws on any frame", () => {
    const tap = new IsupTap("itu");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom("rx" as const, "tx" as const), (bytes, dir) => {
        const t = tap.read(dir, bytes);
        return t === undefined || typeof isupLabel(t) === "string";
      }),
      { numRuns: 3000 },
    );
    // A well-formed MSU and routing label around any ISUP octets: the ISUP decoder is the one exercised.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 270 }), fc.integer({ min: 0, max: 127 }), (userData, fsn) => {
        const payload = encodeMtp3Message({ sio: { si: SERVICE_INDICATOR.ISUP, ni: 2, priority: 0 }, label: { dpc: 1, opc: 2, sls: 0 }, userData }, "itu");
        const t = tap.read("rx", encodeSignalUnit({ kind: "MSU", bsn: 0, bib: 1, fsn, fib: 1, payload }));
        return t === undefined || typeof isupLabel(t) === "string";
      }),
      { numRuns: 3000 },
    );
  });
});
