/**
 * Q.921 (LAPD) frame codec: address field (Q.921 §3.3, §3.4), control field
 * in modulo 128 operation (Q.921 §3.4.1-§3.4.4, Table 4/Q.921, Table 5/Q.921)
 * and information field; the FRMR information field (Q.921 §3.6.12,
 * Figure 6/Q.921) is decoded too.
 *
 * Frames arrive and leave the way a DAHDI HDLC channel carries them: flags
 * and bit stuffing removed, followed by two octets where the line carries the
 * FCS (Q.921 §2.7). With `fcsOctets: 2` (the default) the decoder drops those
 * two octets and the encoder appends `00 00`; the channel computes or checks
 * the real FCS. `fcsOctets: 0` handles frames without them.
 *
 * Pure: bytes in, DecodeResult out; nothing here throws on input.
 */
import { ByteReader, ByteWriter, decodeWith } from "../../../core/bytes.js";
import { DecodeFailure, EncodeError } from "../../../core/errors.js";
import type { DecodeResult } from "../../../core/result.js";

/** Octets after every frame where the line carries the FCS (Q.921 §2.7). */
export const LAPD_FCS_OCTETS = 2;

/** SAPI values of Q.921 Table 2/Q.921. */
export const SAPI_CALL_CONTROL = 0;
export const SAPI_LAYER2_MANAGEMENT = 63;

export type SupervisoryType = "RR" | "RNR" | "REJ";
export type UnnumberedType = "SABME" | "DM" | "UI" | "DISC" | "UA" | "FRMR" | "XID";

/** Control field, modulo 128 (Q.921 §3.4, Table 5/Q.921). */
export type LapdControl =
  /** I format: two octets, N(S) and N(R) seven bits each, P in octet 2 bit 1. */
  | { readonly format: "I"; readonly ns: number; readonly nr: number; readonly pf: boolean }
  /** S format: two octets, `0000SS01` then N(R) and P/F. */
  | { readonly format: "S"; readonly type: SupervisoryType; readonly nr: number; readonly pf: boolean }
  /** U format: one octet `MMMPMM11`. */
  | { readonly format: "U"; readonly type: UnnumberedType; readonly pf: boolean }
  /**
   * A control field Q.921 does not define (Q.921 §5.8.5 condition "undefined
   * control field", MDL-ERROR L). Kept as received: one octet for U format,
   * two for S format.
   */
  | { readonly format: "undefined"; readonly octets: Uint8Array };

export interface LapdFrame {
  /** Service access point identifier, 0..63 (Q.921 §3.3.3). */
  readonly sapi: number;
  /** The C/R bit as sent (Q.921 §3.3.2, Table 1/Q.921). See `isCommand`. */
  readonly cr: 0 | 1;
  /** Terminal endpoint identifier, 0..127 (Q.921 §3.3.4). */
  readonly tei: number;
  readonly control: LapdControl;
  /** Information field; empty when the frame has none. */
  readonly info: Uint8Array;
}

export interface LapdCodecOptions {
  /** FCS placeholder octets after the frame: 2 (DAHDI HDLC convention) or 0. */
  readonly fcsOctets?: 0 | 2;
}

/** FRMR information field, modulo 128 (Q.921 §3.6.12, Figure 6/Q.921). */
export interface FrmrInfo {
  /** Control field of the rejected frame (two octets; U frames padded with 0). */
  readonly rejectedControl: Uint8Array;
  readonly vs: number;
  readonly vr: number;
  /** C/R bit of the rejected frame: true when it was a response. */
  readonly rejectedWasResponse: boolean;
  /** W: undefined or unimplemented control field. */
  readonly w: boolean;
  /** X: information field not permitted (always with W). */
  readonly x: boolean;
  /** Y: information field longer than N201. */
  readonly y: boolean;
  /** Z: invalid N(R). */
  readonly z: boolean;
}

// U-format commands and responses: the control octet with P/F (bit 5) cleared (Table 5/Q.921).
const U_CODES: Readonly<Record<UnnumberedType, number>> = {
  SABME: 0x6f,
  DM: 0x0f,
  UI: 0x03,
  DISC: 0x43,
  UA: 0x63,
  FRMR: 0x87,
  XID: 0xaf,
};
const U_BY_CODE = new Map<number, UnnumberedType>(Object.entries(U_CODES).map(([k, v]) => [v, k as UnnumberedType]));

// S-format: bits 4-3 of octet 1 (Table 5/Q.921); 0b11 is undefined.
const S_CODES: Readonly<Record<SupervisoryType, number>> = { RR: 0x01, RNR: 0x05, REJ: 0x09 };
const S_BY_CODE = new Map<number, SupervisoryType>(Object.entries(S_CODES).map(([k, v]) => [v, k as SupervisoryType]));

/**
 * Whether a received frame is a command, given which side sent it
 * (Q.921 Table 1/Q.921): commands carry C/R = 1 from the network side and
 * C/R = 0 from the user side; responses the opposite.
 */
export function isCommand(frame: Pick<LapdFrame, "cr">, sentByNetworkSide: boolean): boolean {
  return sentByNetworkSide ? frame.cr === 1 : frame.cr === 0;
}

/** The C/R bit a side puts in a command or a response (Table 1/Q.921). */
export function crBit(command: boolean, senderIsNetworkSide: boolean): 0 | 1 {
  return command === senderIsNetworkSide ? 1 : 0;
}

/** Decode one frame. Frames Q.921 §2.9 calls invalid (too short, bad EA bits) are errors. */
export function decodeLapdFrame(bytes: Uint8Array, opts: LapdCodecOptions = {}): DecodeResult<LapdFrame> {
  const fcs = opts.fcsOctets ?? LAPD_FCS_OCTETS;
  return decodeWith(() => {
    if (bytes.length < 3 + fcs) {
      new ByteReader(bytes).fail("LAPD frame", `${bytes.length} octets is below the minimum of ${3 + fcs} (address, control${fcs ? ", FCS" : ""})`, "Q.921 §2.9");
    }
    const r = new ByteReader(bytes, 0, bytes.length - fcs);
    const a1 = r.u8("address octet 1");
    if (a1 & 0x01) failAt(0, "address octet 1", "EA bit is 1; a two-octet address needs EA = 0 in octet 1", "Q.921 §3.3.1");
    const a2 = r.u8("address octet 2");
    if (!(a2 & 0x01)) failAt(1, "address octet 2", "EA bit is 0; the address ends in octet 2 with EA = 1", "Q.921 §3.3.1");
    const sapi = a1 >> 2;
    const cr = ((a1 >> 1) & 1) as 0 | 1;
    const tei = a2 >> 1;
    const c1 = r.u8("control field");
    let control: LapdControl;
    if ((c1 & 0x01) === 0) {
      if (r.remaining < 1) r.fail("control field", "I frame has a one-octet control field; modulo 128 needs two", "Q.921 §3.4.1, §2.9");
      const c2 = r.u8("control field octet 2");
      control = { format: "I", ns: c1 >> 1, nr: c2 >> 1, pf: (c2 & 1) === 1 };
    } else if ((c1 & 0x03) === 0x01) {
      if (r.remaining < 1) r.fail("control field", "S frame has a one-octet control field; modulo 128 needs two", "Q.921 §3.4.2, §2.9");
      const c2 = r.u8("control field octet 2");
      const type = S_BY_CODE.get(c1);
      control = type === undefined ? { format: "undefined", octets: Uint8Array.of(c1, c2) } : { format: "S", type, nr: c2 >> 1, pf: (c2 & 1) === 1 };
    } else {
      const type = U_BY_CODE.get(c1 & 0xef);
      control = type === undefined ? { format: "undefined", octets: Uint8Array.of(c1) } : { format: "U", type, pf: (c1 & 0x10) !== 0 };
    }
    const info = r.rest().slice();
    return { sapi, cr, tei, control, info };
  });
}

function failAt(offset: number, field: string, reason: string, clause: string): never {
  throw new DecodeFailure({ offset, field, reason, clause });
}

/** Encode one frame; appends `opts.fcsOctets` (default 2) zero octets. Throws EncodeError on our own bad values. */
export function encodeLapdFrame(frame: LapdFrame, opts: LapdCodecOptions = {}): Uint8Array {
  const fcs = opts.fcsOctets ?? LAPD_FCS_OCTETS;
  checkRange("SAPI", frame.sapi, 63);
  checkRange("TEI", frame.tei, 127);
  const w = new ByteWriter(frame.info.length + 4 + fcs);
  w.u8((frame.sapi << 2) | (frame.cr << 1)).u8((frame.tei << 1) | 1);
  const c = frame.control;
  switch (c.format) {
    case "I":
      checkRange("N(S)", c.ns, 127);
      checkRange("N(R)", c.nr, 127);
      w.u8(c.ns << 1).u8((c.nr << 1) | (c.pf ? 1 : 0));
      break;
    case "S":
      checkRange("N(R)", c.nr, 127);
      w.u8(S_CODES[c.type]).u8((c.nr << 1) | (c.pf ? 1 : 0));
      break;
    case "U":
      w.u8(U_CODES[c.type] | (c.pf ? 0x10 : 0));
      break;
    case "undefined":
      if (c.octets.length < 1 || c.octets.length > 2) throw new EncodeError("control field", `undefined control field of ${c.octets.length} octets; 1 or 2 expected`);
      w.bytes(c.octets);
      break;
  }
  w.bytes(frame.info);
  for (let i = 0; i < fcs; i++) w.u8(0);
  return w.finish();
}

function checkRange(field: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new EncodeError(field, `${v} is outside 0..${max}`);
}

/** The control field octets of a frame as sent, for the FRMR information field. */
export function controlOctets(c: LapdControl): Uint8Array {
  switch (c.format) {
    case "I":
      return Uint8Array.of(c.ns << 1, (c.nr << 1) | (c.pf ? 1 : 0));
    case "S":
      return Uint8Array.of(S_CODES[c.type], (c.nr << 1) | (c.pf ? 1 : 0));
    case "U":
      return Uint8Array.of(U_CODES[c.type] | (c.pf ? 0x10 : 0));
    case "undefined":
      return c.octets;
  }
}

/** Decode the five-octet FRMR information field (Figure 6/Q.921). */
export function decodeFrmrInfo(info: Uint8Array): DecodeResult<FrmrInfo> {
  return decodeWith(() => {
    const r = new ByteReader(info);
    if (info.length !== 5) r.fail("FRMR information field", `${info.length} octets; modulo 128 operation uses 5`, "Q.921 §3.6.12");
    const rejectedControl = r.bytes(2, "rejected frame control field").slice();
    const o3 = r.u8("V(S)");
    const o4 = r.u8("V(R)");
    const o5 = r.u8("WXYZ");
    return {
      rejectedControl,
      vs: o3 >> 1,
      vr: o4 >> 1,
      rejectedWasResponse: (o4 & 1) === 1,
      w: (o5 & 0x01) !== 0,
      x: (o5 & 0x02) !== 0,
      y: (o5 & 0x04) !== 0,
      z: (o5 & 0x08) !== 0,
    };
  });
}

export function encodeFrmrInfo(f: FrmrInfo): Uint8Array {
  if (f.rejectedControl.length < 1 || f.rejectedControl.length > 2) throw new EncodeError("FRMR rejected control field", `${f.rejectedControl.length} octets; 1 or 2 expected`);
  checkRange("V(S)", f.vs, 127);
  checkRange("V(R)", f.vr, 127);
  return Uint8Array.of(
    f.rejectedControl[0] as number,
    f.rejectedControl[1] ?? 0,
    f.vs << 1,
    (f.vr << 1) | (f.rejectedWasResponse ? 1 : 0),
    (f.w ? 1 : 0) | (f.x ? 2 : 0) | (f.y ? 4 : 0) | (f.z ? 8 : 0),
  );
}

/** A short human-readable form for logs: `SABME P`, `I N(S)=3 N(R)=5`, `RR N(R)=2 F`. */
export function describeControl(c: LapdControl, command: boolean): string {
  const pf = (set: boolean): string => (set ? (command ? " P" : " F") : "");
  switch (c.format) {
    case "I":
      return `I N(S)=${c.ns} N(R)=${c.nr}${pf(c.pf)}`;
    case "S":
      return `${c.type} N(R)=${c.nr}${pf(c.pf)}`;
    case "U":
      return `${c.type}${pf(c.pf)}`;
    case "undefined":
      return `undefined control ${Array.from(c.octets, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  }
}
