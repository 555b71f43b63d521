/**
 * `sipt-gw isdn decode [--lapd] HEX`: decode a Q.931 message (protocol
 * discriminator first) or, with --lapd, a whole LAPD frame with its two FCS
 * placeholder octets, and print it as JSON: message types by name, numbers as
 * digit strings, octet strings in hexadecimal, QSIG operations in Facility
 * elements decoded. Input that does not decode exits 1 with the offset and
 * the reason.
 */
import type { Command } from "commander";
import { fromHex, toHex } from "../../core/bytes.js";
import { formatDecodeError } from "../../core/result.js";
import type { DecodeNote } from "../../core/result.js";
import { decodeFrmrInfo, decodeLapdFrame, isCommand } from "../../isdn/q921/codec/lapd-frame.js";
import type { LapdFrame } from "../../isdn/q921/codec/lapd-frame.js";
import { decodeQ931 } from "../../isdn/q931/codec/q931-codec.js";
import type { Q931Ie, Q931Message } from "../../isdn/q931/codec/q931-codec.js";
import { encodeBer } from "../../isdn/qsig/ber.js";
import type { BerNode } from "../../isdn/qsig/ber.js";
import { decodeQsigFacility } from "../../isdn/qsig/facility.js";
import { nameText } from "../../isdn/qsig/names.js";
import type { QsigName } from "../../isdn/qsig/names.js";
import { EXIT } from "../exit-codes.js";

export type IsdnDecodeResult = { readonly ok: true; readonly json: unknown } | { readonly ok: false; readonly error: string };

function isBerNode(v: object): v is BerNode {
  return "tagClass" in v && "tagNumber" in v && "constructed" in v;
}

function isName(v: object): v is QsigName {
  return "presentation" in v && ("nameData" in v || v.presentation === "notAvailable" || v.presentation === "restrictedNull") && !("number" in v);
}

/** JSON-friendly copy: octets as hex, BER nodes as the hex of their encoding, names with their text. */
export function toJsonValue(v: unknown): unknown {
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v !== null && typeof v === "object") {
    if (isBerNode(v)) return toHex(encodeBer(v));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJsonValue(x);
    if (isName(v)) {
      const text = nameText(v);
      if (text !== undefined) out["text"] = text;
    }
    return out;
  }
  return v;
}

function ieJson(e: Q931Ie): unknown {
  switch (e.kind) {
    case "shift":
      return { shift: e.locking ? "locking" : "non-locking", codeset: e.codeset };
    case "single":
      return { name: e.name, codeset: e.codeset, octet: `0x${e.octet.toString(16)}` };
    case "raw":
      return toJsonValue({ name: e.name, codeset: e.codeset, id: `0x${e.id.toString(16).padStart(2, "0")}`, status: e.status, comprehensionRequired: e.comprehensionRequired, reason: e.reason, contents: e.contents });
    case "ie": {
      const base: Record<string, unknown> = { name: e.name, codeset: 0, value: toJsonValue(e.value) };
      if (e.wire) base["wire"] = toHex(e.wire);
      if (e.name === "facility") {
        const q = decodeQsigFacility(e.value);
        base["components"] = q.ok ? toJsonValue(q.value.components) : { error: formatDecodeError(q.error) };
      }
      return base;
    }
  }
}

function messageJson(m: Q931Message, notes: readonly DecodeNote[]): unknown {
  return {
    protocolDiscriminator: m.protocolDiscriminator,
    callReference: m.callReference,
    messageType: typeof m.messageType === "number" ? `0x${m.messageType.toString(16).padStart(2, "0")}` : m.messageType,
    informationElements: m.ies.map(ieJson),
    ...(notes.length ? { notes } : {}),
  };
}

function frameJson(f: LapdFrame): Record<string, unknown> {
  const c = f.control;
  const control = c.format === "undefined" ? { format: "undefined", octets: toHex(c.octets) } : c;
  return {
    sapi: f.sapi,
    cr: f.cr,
    // Table 1/Q.921: a command from the network side or a response from the user side has C/R = 1.
    commandIfFromNetwork: isCommand(f, true),
    tei: f.tei,
    control,
    ...(f.info.length ? { information: toHex(f.info) } : {}),
  };
}

/** Decode hex text; the pure part of the command. */
export function isdnDecode(hex: string, opts: { lapd?: boolean } = {}): IsdnDecodeResult {
  const bytes = fromHex(hex);
  if (bytes === undefined) return { ok: false, error: "input is not hexadecimal octets" };
  if (!opts.lapd) {
    const r = decodeQ931(bytes);
    return r.ok ? { ok: true, json: messageJson(r.value, r.notes) } : { ok: false, error: formatDecodeError(r.error) };
  }
  const fr = decodeLapdFrame(bytes);
  if (!fr.ok) return { ok: false, error: formatDecodeError(fr.error) };
  const f = fr.value;
  const out: Record<string, unknown> = { lapd: frameJson(f) };
  if (f.control.format === "U" && f.control.type === "FRMR") {
    const fi = decodeFrmrInfo(f.info);
    out["frmr"] = fi.ok ? toJsonValue(fi.value) : { error: formatDecodeError(fi.error) };
  }
  const carriesQ931 = f.sapi === 0 && f.info.length > 0 && (f.control.format === "I" || (f.control.format === "U" && f.control.type === "UI"));
  if (carriesQ931) {
    const r = decodeQ931(f.info);
    // Offsets in the whole frame: the information field starts after address and control.
    if (!r.ok) return { ok: false, error: formatDecodeError({ ...r.error, offset: r.error.offset + bytes.length - 2 - f.info.length }) };
    out["q931"] = messageJson(r.value, r.notes);
  }
  return { ok: true, json: out };
}

export function register(program: Command): void {
  const isdn = program.command("isdn").description("ISDN / QSIG tools: Q.921 and Q.931 decoding");
  isdn
    .command("decode")
    .description("decode a Q.931 message (protocol discriminator first) or, with --lapd, a LAPD frame with its 2 FCS placeholder octets, and print JSON")
    .option("--lapd", "the input is a whole LAPD frame: address, control, information, 2 FCS placeholder octets")
    .argument("<hex...>", "octets in hexadecimal; spaces and colons allowed")
    .action((hex: string[], opts: { lapd?: boolean }) => {
      const r = isdnDecode(hex.join(""), opts.lapd ? { lapd: true } : {});
      if (r.ok) {
        process.stdout.write(`${JSON.stringify(r.json, null, 2)}\n`);
      } else {
        process.stderr.write(`sipt-gw isdn decode: ${r.error}\n`);
        process.exitCode = EXIT.failure;
      }
    });
}
