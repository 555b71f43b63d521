import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex } from "../../core/bytes.js";
import { encodeLapdFrame } from "../../isdn/q921/codec/lapd-frame.js";
import { encodeQ931, ie } from "../../isdn/q931/codec/q931-codec.js";
import type { Q931Message } from "../../isdn/q931/codec/q931-codec.js";
import { callingNameOf, channelOf, q931CalledOf, q931CauseOf, q931Label, QsigTap } from "./qsig-tap.js";

/** libpri's own QSIG call, frame by frame as it wrote them (provenance in the file's `source`). */
const capture = JSON.parse(readFileSync(new URL("../../isdn/q921/codec/vectors/libpri-qsig-call.json", import.meta.url), "utf8")) as {
  frames: { dir: string; hex: string }[];
};

function iFrame(ns: number, info: Uint8Array): Uint8Array {
  return encodeLapdFrame({ sapi: 0, cr: 1, tei: 0, control: { format: "I", ns, nr: 0, pf: false }, info });
}

const disconnect: Q931Message = {
  protocolDiscriminator: 8,
  callReference: { length: 2, value: 5, flag: true },
  messageType: "DISCONNECT",
  ies: [ie("cause", { codingStandard: 0, location: 1, value: 16, diagnostics: new Uint8Array(0) })],
};

describe("the QSIG tap", () => {
  it("reads libpri's call as the Q.931 messages it carries, skipping link-layer frames", () => {
    const tap = new QsigTap();
    const seen = capture.frames.flatMap((f) => {
      const t = tap.read(f.dir === "network->cpe" ? "tx" : "rx", fromHex(f.hex) as Uint8Array);
      return t ? [`${t.direction} ${q931Label(t)}`] : [];
    });
    expect(seen).toEqual([
      "tx SETUP cr 1 ch 1 2001",
      "rx CALL PROCEEDING cr 1 ch 1",
      "rx ALERTING cr 1",
      "rx CONNECT cr 1 ch 1",
      "tx CONNECT ACKNOWLEDGE cr 1",
      "tx DISCONNECT cr 1 cause 16",
      "rx RELEASE cr 1 cause 16",
      "tx RELEASE COMPLETE cr 1 cause 16",
    ]);
  });

  it("finds the SETUP's channel, called number and QSIG calling name", () => {
    const tap = new QsigTap();
    const setup = capture.frames.map((f) => tap.read("tx", fromHex(f.hex) as Uint8Array)).find((t) => t?.message.messageType === "SETUP");
    expect(setup).toBeDefined();
    const m = (setup as NonNullable<typeof setup>).message;
    expect([channelOf(m), q931CalledOf(m), callingNameOf(m), q931CauseOf(m)]).toEqual([1, "2001", "Alice Example", undefined]);
  });

  it("marks an I frame sent again with the same N(S) (Q.921 §5.6.7), per direction", () => {
    const tap = new QsigTap();
    const body = encodeQ931(disconnect);
    const a = tap.read("tx", iFrame(3, body));
    const other = tap.read("rx", iFrame(3, body));
    const again = tap.read("tx", iFrame(3, body));
    const next = tap.read("tx", iFrame(4, body));
    expect([a?.retransmission, other?.retransmission, again?.retransmission, next?.retransmission]).toEqual([false, false, true, false]);
    expect(q931Label(again as NonNullable<typeof again>)).toBe("DISCONNECT cr 5 cause 16 (again)");
  });

  it("ignores frames of other SAPIs, supervisory frames and information of another protocol", () => {
    const tap = new QsigTap();
    const body = encodeQ931(disconnect);
    expect(tap.read("rx", encodeLapdFrame({ sapi: 63, cr: 0, tei: 127, control: { format: "U", type: "UI", pf: false }, info: body }))).toBeUndefined();
    expect(tap.read("rx", encodeLapdFrame({ sapi: 0, cr: 0, tei: 0, control: { format: "S", type: "RR", nr: 2, pf: false }, info: new Uint8Array(0) }))).toBeUndefined();
    expect(tap.read("rx", iFrame(0, Uint8Array.of(0x09, 0x02, 0x00, 0x05, 0x45)))).toBeUndefined();
    expect(tap.read("rx", encodeLapdFrame({ sapi: 0, cr: 0, tei: 0, control: { format: "U", type: "UI", pf: false }, info: body }))?.message.messageType).toBe("DISCONNECT");
  });

  it("never throws on any bytes, and reads back any I frame carrying an encoded message", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom("rx" as const, "tx" as const), (bytes, dir) => {
        const t = new QsigTap().read(dir, bytes);
        if (t) expect(typeof q931Label(t)).toBe("string");
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x7fff }), fc.integer({ min: 1, max: 127 }), fc.integer({ min: 0, max: 127 }), (cr, cause, ns) => {
        const m: Q931Message = { ...disconnect, callReference: { length: 2, value: cr, flag: false }, ies: [ie("cause", { codingStandard: 0, location: 1, value: cause, diagnostics: new Uint8Array(0) })] };
        const t = new QsigTap().read("tx", iFrame(ns, encodeQ931(m)));
        expect(t?.message).toEqual(m);
        expect(t && q931Label(t)).toBe(`DISCONNECT cr ${cr} cause ${cause}`);
      }),
      { numRuns: 300 },
    );
  });
});
