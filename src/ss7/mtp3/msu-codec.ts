/**
 * MTP3 message signal unit content: service information octet (Q.704 §14.2)
 * and routing label (Q.704 §2.2; ANSI T1.111.4 §2.2) followed by the user
 * data. Pure functions of bytes.
 *
 *   SIO:    NI(2) priority/spare(2) SI(4)          (high bits first)
 *   ITU:    SLS(4) OPC(14) DPC(14)                  32 bits, least significant first
 *   ANSI:   DPC(24) OPC(24) SLS(8)                  7 octets, least significant first
 */
import { ByteReader, ByteWriter, decodeWith } from "../../core/bytes.js";
import { EncodeError } from "../../core/errors.js";
import type { DecodeResult } from "../../core/result.js";
import { isPointCode, SLS_BITS } from "./point-code.js";
import type { Mtp3Variant } from "./point-code.js";

/** Service indicators, Q.704 §14.2.1. */
export const SERVICE_INDICATOR = {
  SNM: 0,
  /** Signalling network testing and maintenance (Q.707). */
  SNTM: 1,
  /** Special testing and maintenance (ANSI). */
  SNTM_SPECIAL: 2,
  SCCP: 3,
  TUP: 4,
  ISUP: 5,
  DUP_CALL: 6,
  DUP_FACILITY: 7,
  MTP_TEST: 8,
  BISUP: 9,
  SISUP: 10,
} as const;

/** Network indicator values, Q.704 §14.2.2. */
export const NETWORK_INDICATOR = { international: 0, internationalSpare: 1, national: 2, nationalSpare: 3 } as const;

export interface ServiceInformation {
  /** Service indicator, 0..15. */
  readonly si: number;
  /** Network indicator, 0..3. */
  readonly ni: number;
  /** ANSI message priority 0..3; spare (0) in ITU networks. */
  readonly priority: number;
}

export interface RoutingLabel {
  readonly dpc: number;
  readonly opc: number;
  readonly sls: number;
}

export interface Mtp3Message {
  readonly sio: ServiceInformation;
  readonly label: RoutingLabel;
  /** What follows the routing label (SNM heading, ISUP CIC, ...). */
  readonly userData: Uint8Array;
}

export const LABEL_OCTETS: Readonly<Record<Mtp3Variant, number>> = { itu: 4, ansi: 7 };

function check(cond: boolean, field: string, reason: string): void {
  if (!cond) throw new EncodeError(field, reason);
}

export function encodeRoutingLabel(w: ByteWriter, label: RoutingLabel, variant: Mtp3Variant): void {
  check(isPointCode(label.dpc, variant), "DPC", `${label.dpc} is not a ${variant.toUpperCase()} point code`);
  check(isPointCode(label.opc, variant), "OPC", `${label.opc} is not a ${variant.toUpperCase()} point code`);
  check(Number.isInteger(label.sls) && label.sls >= 0 && label.sls < 2 ** SLS_BITS[variant], "SLS", `${label.sls} does not fit ${SLS_BITS[variant]} bits`);
  if (variant === "itu") {
    w.u32le((label.dpc | (label.opc << 14) | (label.sls << 28)) >>> 0);
  } else {
    w.u24le(label.dpc);
    w.u24le(label.opc);
    w.u8(label.sls);
  }
}

export function decodeRoutingLabel(r: ByteReader, variant: Mtp3Variant): RoutingLabel {
  if (variant === "itu") {
    const v = r.u32le("routing label");
    return { dpc: v & 0x3fff, opc: (v >>> 14) & 0x3fff, sls: v >>> 28 };
  }
  const dpc = r.u24le("DPC");
  const opc = r.u24le("OPC");
  const sls = r.u8("SLS");
  return { dpc, opc, sls };
}

/** Encode SIO + label + user data: the payload MTP2 carries. */
export function encodeMtp3Message(m: Mtp3Message, variant: Mtp3Variant): Uint8Array {
  const { si, ni, priority } = m.sio;
  check(Number.isInteger(si) && si >= 0 && si <= 15, "SI", `${si} is not 0..15`);
  check(Number.isInteger(ni) && ni >= 0 && ni <= 3, "NI", `${ni} is not 0..3`);
  check(Number.isInteger(priority) && priority >= 0 && priority <= 3, "priority", `${priority} is not 0..3`);
  const w = new ByteWriter(1 + LABEL_OCTETS[variant] + m.userData.length);
  w.u8((ni << 6) | (priority << 4) | si);
  encodeRoutingLabel(w, m.label, variant);
  w.bytes(m.userData);
  return w.finish();
}

/** Decode SIO + label; the rest is user data. Never throws. */
export function decodeMtp3Message(payload: Uint8Array, variant: Mtp3Variant): DecodeResult<Mtp3Message> {
  return decodeWith(() => {
    const r = new ByteReader(payload);
    const sio = r.u8("service information octet");
    const label = decodeRoutingLabel(r, variant);
    return { sio: { si: sio & 0x0f, ni: sio >> 6, priority: (sio >> 4) & 0x03 }, label, userData: r.rest().slice() };
  });
}
