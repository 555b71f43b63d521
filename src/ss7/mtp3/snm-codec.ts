/**
 * Signalling network management messages (service indicator 0), Q.704 §15
 * (ITU) and ANSI T1.111.4 §15: heading H0/H1 and the fields after it, one
 * table row per message, one generic walker. Fields are packed least
 * significant bit first across the octets, as Q.704 §15 draws them. In ITU
 * networks the SLC of a link-related message is carried in the SLS field of
 * the routing label (§15.2); ANSI messages carry it in the message itself.
 */
import { ByteReader, ByteWriter, decodeWith } from "../../core/bytes.js";
import { EncodeError } from "../../core/errors.js";
import type { DecodeResult } from "../../core/result.js";
import type { Mtp3Variant } from "./point-code.js";

export type SnmField = "slc" | "fsn" | "changebackCode" | "destination" | "status" | "userPartId" | "cause" | "sdli";
type Layout = readonly { readonly field: SnmField | "spare"; readonly bits: number }[];

interface SnmDef {
  readonly h0: number;
  readonly h1: number;
  readonly title: string;
  readonly clause: string;
  /** Layout after the heading; null when the variant does not define the message. */
  readonly itu: Layout | null;
  readonly ansi: Layout | null;
}

const none: Layout = [];
const slcOnly: Layout = [
  { field: "slc", bits: 4 },
  { field: "spare", bits: 4 },
];
const ituDest: Layout = [
  { field: "destination", bits: 14 },
  { field: "spare", bits: 2 },
];
const ansiDest: Layout = [{ field: "destination", bits: 24 }];
const link = (title: string, h0: number, h1: number, clause: string): SnmDef => ({ h0, h1, title, clause, itu: none, ansi: slcOnly });
const route = (title: string, h0: number, h1: number, clause: string, ituToo = true): SnmDef => ({
  h0,
  h1,
  title,
  clause,
  itu: ituToo ? ituDest : null,
  ansi: ansiDest,
});

/** Every signalling network management message, by mnemonic (Q.704 §15.3 heading codes). */
export const SNM_MESSAGES = {
  COO: {
    h0: 1,
    h1: 1,
    title: "changeover order",
    clause: "Q.704 §15.4",
    itu: [
      { field: "fsn", bits: 7 },
      { field: "spare", bits: 1 },
    ],
    ansi: [
      { field: "slc", bits: 4 },
      { field: "fsn", bits: 7 },
      { field: "spare", bits: 5 },
    ],
  },
  COA: {
    h0: 1,
    h1: 2,
    title: "changeover acknowledgement",
    clause: "Q.704 §15.4",
    itu: [
      { field: "fsn", bits: 7 },
      { field: "spare", bits: 1 },
    ],
    ansi: [
      { field: "slc", bits: 4 },
      { field: "fsn", bits: 7 },
      { field: "spare", bits: 5 },
    ],
  },
  XCO: { h0: 1, h1: 3, title: "extended changeover order", clause: "Q.704 §15.4", itu: [{ field: "fsn", bits: 24 }], ansi: null },
  XCA: { h0: 1, h1: 4, title: "extended changeover acknowledgement", clause: "Q.704 §15.4", itu: [{ field: "fsn", bits: 24 }], ansi: null },
  CBD: {
    h0: 1,
    h1: 5,
    title: "changeback declaration",
    clause: "Q.704 §15.5",
    itu: [{ field: "changebackCode", bits: 8 }],
    ansi: [
      { field: "slc", bits: 4 },
      { field: "changebackCode", bits: 8 },
      { field: "spare", bits: 4 },
    ],
  },
  CBA: {
    h0: 1,
    h1: 6,
    title: "changeback acknowledgement",
    clause: "Q.704 §15.5",
    itu: [{ field: "changebackCode", bits: 8 }],
    ansi: [
      { field: "slc", bits: 4 },
      { field: "changebackCode", bits: 8 },
      { field: "spare", bits: 4 },
    ],
  },
  ECO: link("emergency changeover order", 2, 1, "Q.704 §15.6"),
  ECA: link("emergency changeover acknowledgement", 2, 2, "Q.704 §15.6"),
  RCT: { h0: 3, h1: 1, title: "signalling-route-set-congestion-test", clause: "Q.704 §15", itu: none, ansi: none },
  TFC: {
    h0: 3,
    h1: 2,
    title: "transfer-controlled",
    clause: "Q.704 §15",
    itu: [
      { field: "destination", bits: 14 },
      { field: "status", bits: 2 },
    ],
    ansi: [
      { field: "destination", bits: 24 },
      { field: "status", bits: 2 },
      { field: "spare", bits: 6 },
    ],
  },
  TFP: route("transfer-prohibited", 4, 1, "Q.704 §15"),
  TCP: route("transfer-cluster-prohibited", 4, 2, "T1.111.4 §15", false),
  TFR: route("transfer-restricted", 4, 3, "Q.704 §15"),
  TCR: route("transfer-cluster-restricted", 4, 4, "T1.111.4 §15", false),
  TFA: route("transfer-allowed", 4, 5, "Q.704 §15"),
  TCA: route("transfer-cluster-allowed", 4, 6, "T1.111.4 §15", false),
  RST: route("signalling-route-set-test (prohibited)", 5, 1, "Q.704 §15"),
  RSR: route("signalling-route-set-test (restricted)", 5, 2, "Q.704 §15"),
  RCP: route("signalling-route-set-test (cluster prohibited)", 5, 3, "T1.111.4 §15", false),
  RCR: route("signalling-route-set-test (cluster restricted)", 5, 4, "T1.111.4 §15", false),
  LIN: link("link inhibit", 6, 1, "Q.704 §15"),
  LUN: link("link uninhibit", 6, 2, "Q.704 §15"),
  LIA: link("link inhibit acknowledgement", 6, 3, "Q.704 §15"),
  LUA: link("link uninhibit acknowledgement", 6, 4, "Q.704 §15"),
  LID: link("link inhibit denied", 6, 5, "Q.704 §15"),
  LFU: link("link forced uninhibit", 6, 6, "Q.704 §15"),
  LLT: link("link local inhibit test", 6, 7, "Q.704 §15"),
  LRT: link("link remote inhibit test", 6, 8, "Q.704 §15"),
  TRA: { h0: 7, h1: 1, title: "traffic restart allowed", clause: "Q.704 §15", itu: none, ansi: none },
  TRW: { h0: 7, h1: 2, title: "traffic restart waiting", clause: "T1.111.4 §15", itu: null, ansi: none },
  DLC: {
    h0: 8,
    h1: 1,
    title: "signalling-data-link-connection-order",
    clause: "Q.704 §15",
    itu: [
      { field: "sdli", bits: 12 },
      { field: "spare", bits: 4 },
    ],
    ansi: [
      { field: "slc", bits: 4 },
      { field: "sdli", bits: 14 },
      { field: "spare", bits: 6 },
    ],
  },
  CSS: link("connection-successful", 8, 2, "Q.704 §15"),
  CNS: link("connection-not-successful", 8, 3, "Q.704 §15"),
  CNP: link("connection-not-possible", 8, 4, "Q.704 §15"),
  UPU: {
    h0: 10,
    h1: 1,
    title: "user part unavailable",
    clause: "Q.704 §15",
    itu: [
      { field: "destination", bits: 14 },
      { field: "spare", bits: 2 },
      { field: "userPartId", bits: 4 },
      { field: "cause", bits: 4 },
    ],
    ansi: [
      { field: "destination", bits: 24 },
      { field: "userPartId", bits: 4 },
      { field: "cause", bits: 4 },
    ],
  },
} as const satisfies Record<string, SnmDef>;

export type SnmType = keyof typeof SNM_MESSAGES;

export type SnmMessage = { readonly type: SnmType } & { readonly [K in SnmField]?: number };

/** UPU cause values, Q.704 §15 (user part unavailable). */
export const UPU_CAUSE = { unknown: 0, unequippedRemoteUser: 1, inaccessibleRemoteUser: 2 } as const;

const BY_HEADING = new Map<number, SnmType>();
for (const [name, d] of Object.entries(SNM_MESSAGES) as [SnmType, SnmDef][]) BY_HEADING.set(d.h0 | (d.h1 << 4), name);

function layoutOf(type: SnmType, variant: Mtp3Variant): Layout | null {
  const d: SnmDef = SNM_MESSAGES[type];
  return variant === "itu" ? d.itu : d.ansi;
}

/** Encode heading and fields (what follows the routing label). Throws EncodeError on our own bad values. */
export function encodeSnm(msg: SnmMessage, variant: Mtp3Variant): Uint8Array {
  const d: SnmDef = SNM_MESSAGES[msg.type];
  const layout = layoutOf(msg.type, variant);
  if (layout === null) throw new EncodeError(msg.type, `not defined for ${variant.toUpperCase()} networks`);
  const totalBits = layout.reduce((n, f) => n + f.bits, 0);
  const w = new ByteWriter(1 + totalBits / 8);
  w.u8(d.h0 | (d.h1 << 4));
  let acc = 0n;
  let shift = 0n;
  for (const f of layout) {
    if (f.field !== "spare") {
      const v = msg[f.field];
      if (v === undefined) throw new EncodeError(`${msg.type} ${f.field}`, "missing");
      if (!Number.isInteger(v) || v < 0 || v >= 2 ** f.bits) throw new EncodeError(`${msg.type} ${f.field}`, `${v} does not fit ${f.bits} bits`);
      acc |= BigInt(v) << shift;
    }
    shift += BigInt(f.bits);
  }
  for (let i = 0; i < totalBits / 8; i++) w.u8(Number((acc >> BigInt(8 * i)) & 0xffn));
  return w.finish();
}

/** Decode the part after the routing label of an SI=0 message. Never throws. */
export function decodeSnm(data: Uint8Array, variant: Mtp3Variant): DecodeResult<SnmMessage> {
  return decodeWith((notes) => {
    const r: ByteReader = new ByteReader(data);
    const heading = r.u8("heading H0/H1");
    const type = BY_HEADING.get(heading);
    if (type === undefined) return r.fail("heading H0/H1", `H0=${heading & 0xf} H1=${heading >> 4} is not a signalling network management message`, "Q.704 §15.3");
    const layout = layoutOf(type, variant);
    if (layout === null) return r.fail(type, `not defined for ${variant.toUpperCase()} networks`, SNM_MESSAGES[type].clause);
    const octets = layout.reduce((n, f) => n + f.bits, 0) / 8;
    const raw = r.bytes(octets, `${type} fields`);
    let acc = 0n;
    for (let i = octets - 1; i >= 0; i--) acc = (acc << 8n) | BigInt(raw[i] as number);
    const out: Record<string, number | string> = { type };
    let shift = 0n;
    for (const f of layout) {
      if (f.field !== "spare") out[f.field] = Number((acc >> shift) & ((1n << BigInt(f.bits)) - 1n));
      shift += BigInt(f.bits);
    }
    if (!r.atEnd) notes.push({ offset: r.offset, item: `${type} trailing octets`, message: `${r.remaining} octet(s) after the fields ignored`, clause: SNM_MESSAGES[type].clause });
    return out as SnmMessage;
  });
}
