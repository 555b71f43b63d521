import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareCircuitState, decodeCircuitState, encodeCircuitState } from "./circuit-state-indicator.js";

describe("circuit state indicator (Q.763 §3.14)", () => {
  it("encodes the octets of Q.763 §3.14", () => {
    expect(encodeCircuitState({ kind: "transient" })).toBe(0x00);
    expect(encodeCircuitState({ kind: "unequipped" })).toBe(0x03);
    const idle = { kind: "equipped" as const, call: "idle" as const, maintenance: { local: false, remote: false }, hardware: { local: false, remote: false } };
    expect(encodeCircuitState(idle)).toBe(0x0c);
    expect(encodeCircuitState({ ...idle, call: "incoming", maintenance: { local: true, remote: false } })).toBe(0x05);
    expect(encodeCircuitState({ ...idle, call: "outgoing", hardware: { local: false, remote: true } })).toBe(0x28);
  });

  it("decodes every octet without throwing; spare codes give undefined; decode(encode(x)) = x", () => {
    expect(decodeCircuitState(0x01)).toBeUndefined();
    expect(decodeCircuitState(0x02)).toBeUndefined();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), (o) => {
        const v = decodeCircuitState(o);
        if (v) expect(decodeCircuitState(encodeCircuitState(v))).toEqual(v);
      }),
    );
  });

  it("compares our view with the far end's, mirrored", () => {
    const blk = (local: boolean, remote: boolean) => ({ local, remote });
    const ours = { call: "outgoing" as const, maintenance: blk(true, false), hardware: blk(false, false) };
    expect(compareCircuitState(ours, { kind: "equipped", call: "incoming", maintenance: blk(false, true), hardware: blk(false, false) })).toEqual([]);
    expect(compareCircuitState(ours, { kind: "equipped", call: "idle", maintenance: blk(true, false), hardware: blk(false, true) })).toEqual([
      "set-remote-maintenance",
      "send-blocking-maintenance",
      "send-unblocking-hardware",
      "reset",
    ]);
    expect(compareCircuitState({ ...ours, call: "transient" }, { kind: "equipped", call: "idle", maintenance: blk(false, true), hardware: blk(false, false) })).toEqual([]);
    expect(compareCircuitState(ours, { kind: "unequipped" })).toEqual(["far-end-unequipped"]);
    expect(compareCircuitState(ours, { kind: "transient" })).toEqual([]);
  });
});
