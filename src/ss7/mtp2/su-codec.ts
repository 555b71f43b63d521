/**
 * Signal unit codec, Q.703 §2 (basic signal unit format) and §11 (formats
 * and codes): FISU, LSSU and MSU with their BSN/BIB, FSN/FIB and length
 * indicator. Pure functions of bytes; frames carry FCS_OCTETS placeholder
 * octets after the signal unit (see signalling-channel.ts).
 *
 *   octet 0    BIB(1) BSN(7)        octet 1   FIB(1) FSN(7)
 *   octet 2    spare(2) LI(6)       then: nothing (FISU), status field (LSSU),
 *                                   SIO + SIF (MSU), then the two check-bit octets
 */
import { ByteReader, ByteWriter, decodeWith } from "../../core/bytes.js";
import { EncodeError } from "../../core/errors.js";
import type { DecodeResult } from "../../core/result.js";
import { FCS_OCTETS } from "./signalling-channel.js";

/** LSSU status indications, Q.703 §11.1.2 (bits C B A of the status field). */
export const LSSU_STATUS = { SIO: 0, SIN: 1, SIE: 2, SIOS: 3, SIPO: 4, SIB: 5 } as const;
export type LssuStatus = keyof typeof LSSU_STATUS;
const STATUS_BY_CODE: readonly LssuStatus[] = ["SIO", "SIN", "SIE", "SIOS", "SIPO", "SIB"];

/** Length indicator for SIO+SIF longer than 62 octets, Q.703 §2.3.3. */
export const LI_MAX = 63;
/** Longest signalling information field, Q.703 §2.3. */
export const SIF_MAX_OCTETS = 272;
/** SIO plus the shortest SIF (2 octets, Q.703 §2.3). */
export const MSU_PAYLOAD_MIN_OCTETS = 3;
export const MSU_PAYLOAD_MAX_OCTETS = 1 + SIF_MAX_OCTETS;

export type Bit = 0 | 1;

export interface SuHeader {
  readonly bsn: number;
  readonly bib: Bit;
  readonly fsn: number;
  readonly fib: Bit;
}

export interface Fisu extends SuHeader {
  readonly kind: "FISU";
}
export interface Lssu extends SuHeader {
  readonly kind: "LSSU";
  readonly status: LssuStatus;
  /** One-octet (LI = 1) or two-octet (LI = 2) status field, Q.703 §11.1.1. */
  readonly statusOctets: 1 | 2;
}
export interface Msu extends SuHeader {
  readonly kind: "MSU";
  /** Service information octet followed by the signalling information field. */
  readonly payload: Uint8Array;
}
export type SignalUnit = Fisu | Lssu | Msu;

function checkHeader(h: SuHeader): void {
  for (const [name, v] of [["BSN", h.bsn], ["FSN", h.fsn]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 127) throw new EncodeError(name, `${v} is not a 7-bit sequence number`);
  }
}

/** Encode one signal unit followed by FCS_OCTETS zero octets. Throws EncodeError on our own bad values. */
export function encodeSignalUnit(su: SignalUnit): Uint8Array {
  checkHeader(su);
  const w = new ByteWriter(8);
  w.u8((su.bib << 7) | su.bsn);
  w.u8((su.fib << 7) | su.fsn);
  switch (su.kind) {
    case "FISU":
      w.u8(0);
      break;
    case "LSSU":
      w.u8(su.statusOctets);
      w.u8(LSSU_STATUS[su.status]);
      if (su.statusOctets === 2) w.u8(0);
      break;
    case "MSU": {
      const n = su.payload.length;
      if (n < MSU_PAYLOAD_MIN_OCTETS || n > MSU_PAYLOAD_MAX_OCTETS) {
        throw new EncodeError("MSU SIO+SIF", `${n} octets outside ${MSU_PAYLOAD_MIN_OCTETS}..${MSU_PAYLOAD_MAX_OCTETS} (Q.703 §2.3)`);
      }
      // Q.703 §2.3.3: LI = 63 for every SIO+SIF of 63 octets or more.
      w.u8(Math.min(n, LI_MAX));
      w.bytes(su.payload);
      break;
    }
  }
  for (let i = 0; i < FCS_OCTETS; i++) w.u8(0);
  return w.finish();
}

/** Decode one received frame (signal unit plus FCS_OCTETS octets). Never throws. */
export function decodeSignalUnit(frame: Uint8Array): DecodeResult<SignalUnit> {
  return decodeWith<SignalUnit>((notes) => {
    if (frame.length < 3 + FCS_OCTETS) {
      return new ByteReader(frame, 0, 0).fail("signal unit", `${frame.length} octets is shorter than a FISU (3 octets + ${FCS_OCTETS} check octets)`, "Q.703 §4");
    }
    const r: ByteReader = new ByteReader(frame, 0, frame.length - FCS_OCTETS);
    const o0 = r.u8("BSN/BIB");
    const o1 = r.u8("FSN/FIB");
    const liAt = r.offset;
    const o2 = r.u8("LI");
    const h: SuHeader = { bsn: o0 & 0x7f, bib: (o0 >> 7) as Bit, fsn: o1 & 0x7f, fib: (o1 >> 7) as Bit };
    const li = o2 & 0x3f;
    if ((o2 & 0xc0) !== 0) notes.push({ offset: liAt, item: "LI spare bits", message: `spare bits ${(o2 >> 6).toString(2)} ignored`, clause: "Q.703 §2.3.3" });
    const rest = r.remaining;
    if (li === 0) {
      if (rest !== 0) r.fail("LI", `LI 0 (FISU) but ${rest} octets follow`, "Q.703 §2.3.3");
      return { kind: "FISU", ...h };
    }
    if (li <= 2) {
      if (rest !== li) r.fail("LI", `LI ${li} (LSSU) but ${rest} status octets follow`, "Q.703 §2.3.3");
      const sfAt = r.offset;
      const sf = r.u8("status field");
      const status = STATUS_BY_CODE[sf & 0x07];
      if (status === undefined) r.fail("status field", `status indication ${(sf & 7).toString(2).padStart(3, "0")} is spare`, "Q.703 §11.1.2");
      if ((sf & 0xf8) !== 0) notes.push({ offset: sfAt, item: "status field spare bits", message: "spare bits ignored", clause: "Q.703 §11.1.2" });
      if (li === 2) r.u8("second status octet");
      return { kind: "LSSU", ...h, status, statusOctets: li as 1 | 2 };
    }
    if (li < LI_MAX) {
      if (rest !== li) r.fail("LI", `LI ${li} but SIO+SIF is ${rest} octets`, "Q.703 §2.3.3");
    } else if (rest < LI_MAX || rest > MSU_PAYLOAD_MAX_OCTETS) {
      r.fail("LI", `LI 63 needs SIO+SIF of ${LI_MAX}..${MSU_PAYLOAD_MAX_OCTETS} octets, got ${rest}`, "Q.703 §2.3.3");
    }
    return { kind: "MSU", ...h, payload: r.rest().slice() };
  });
}

/** One-line summary for logs and transcripts: `MSU bsn=5 bib=1 fsn=6 fib=1 li=12`. */
export function describeSignalUnit(su: SignalUnit): string {
  const hdr = `bsn=${su.bsn} bib=${su.bib} fsn=${su.fsn} fib=${su.fib}`;
  switch (su.kind) {
    case "FISU":
      return `FISU ${hdr}`;
    case "LSSU":
      return `LSSU ${su.status} ${hdr}`;
    case "MSU":
      return `MSU ${hdr} li=${Math.min(su.payload.length, LI_MAX)} len=${su.payload.length}`;
  }
}
