/**
 * Signalling link test messages, Q.707 §5 (ITU, service indicator 1) and
 * ANSI T1.111.7 (service indicator 1 or 2): heading H0 = 1 with H1 = 1 (SLTM)
 * or 2 (SLTA), then one octet with the length indicator in its upper four
 * bits (lower four: spare in ITU, the SLC in ANSI), then the test pattern.
 */
import { ByteReader, ByteWriter, decodeWith } from "../../core/bytes.js";
import { EncodeError } from "../../core/errors.js";
import type { DecodeResult } from "../../core/result.js";
import type { Mtp3Variant } from "./point-code.js";

export interface SltMessage {
  readonly type: "SLTM" | "SLTA";
  /** ANSI only; in ITU the SLC is the SLS of the routing label. */
  readonly slc?: number;
  /** 0..15 octets. */
  readonly pattern: Uint8Array;
}

export function encodeSlt(m: SltMessage, variant: Mtp3Variant): Uint8Array {
  if (m.pattern.length > 15) throw new EncodeError(`${m.type} test pattern`, `${m.pattern.length} octets is over 15 (Q.707 §5)`);
  const slc = variant === "ansi" ? (m.slc ?? 0) : 0;
  if (!Number.isInteger(slc) || slc < 0 || slc > 15) throw new EncodeError(`${m.type} SLC`, `${slc} is not 0..15`);
  const w = new ByteWriter(2 + m.pattern.length);
  w.u8(m.type === "SLTM" ? 0x11 : 0x21);
  w.u8((m.pattern.length << 4) | slc);
  w.bytes(m.pattern);
  return w.finish();
}

/** Decode what follows the routing label of an SI=1 (or ANSI SI=2) message. Never throws. */
export function decodeSlt(data: Uint8Array, variant: Mtp3Variant): DecodeResult<SltMessage> {
  return decodeWith((notes) => {
    const r: ByteReader = new ByteReader(data);
    const heading = r.u8("heading H0/H1");
    if (heading !== 0x11 && heading !== 0x21) {
      return r.fail("heading H0/H1", `H0=${heading & 0xf} H1=${heading >> 4} is not SLTM or SLTA`, "Q.707 §5");
    }
    const type = heading === 0x11 ? "SLTM" : "SLTA";
    const o = r.u8("length indicator");
    const pattern = r.bytes(o >> 4, "test pattern").slice();
    if (!r.atEnd) notes.push({ offset: r.offset, item: `${type} trailing octets`, message: `${r.remaining} octet(s) after the test pattern ignored`, clause: "Q.707 §5" });
    return variant === "ansi" ? { type, slc: o & 0x0f, pattern } : { type, pattern };
  });
}
