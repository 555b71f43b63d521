/**
 * `sipt-gw sip parse FILE|-`: parse one SIP message (RFC 3261 §7, §25) and
 * print it as JSON: start line, headers in order with the parsed form of
 * those the stack knows, the body as text when printable (else hex) and, for
 * multipart bodies (RFC 2046 §5.1, RFC 5621), each part. A message that does
 * not parse prints the reason (with the response a SIP element would send)
 * and exits 1.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { toHex } from "../../core/bytes.js";
import type { DecodeNote } from "../../core/result.js";
import type { SipHeader } from "../../sip/syntax/header-lines.js";
import { isTypedHeader, parseHeaderValue } from "../../sip/syntax/header-values.js";
import { headerDef } from "../../sip/syntax/header-table.js";
import type { SipMessage } from "../../sip/syntax/message.js";
import type { BodyPart, MultipartBody } from "../../sip/syntax/multipart.js";
import { parseMultipartBody } from "../../sip/syntax/multipart.js";
import { paramValue } from "../../sip/syntax/params.js";
import type { SipLimits } from "../../sip/syntax/parse-message.js";
import { parseSipMessage } from "../../sip/syntax/parse-message.js";
import { formatStartLine } from "../../sip/syntax/serialize-message.js";
import type { Uri } from "../../sip/syntax/uri.js";
import { formatUri } from "../../sip/syntax/uri.js";
import { EXIT } from "../exit-codes.js";

function isUri(v: unknown): v is Uri {
  return typeof v === "object" && v !== null && "kind" in v && (v.kind === "sip" || v.kind === "tel" || v.kind === "absolute");
}

/** JSON view of parsed values: URIs gain their text form, undefined fields drop out. */
function view(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(view);
  if (isUri(v)) return { text: formatUri(v), ...v };
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = view(x);
    return out;
  }
  return v;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A body as text when it is UTF-8 without control characters other than CR, LF, HTAB; else hex. */
export function bodyView(body: Uint8Array): { length: number; text?: string; hex?: string } {
  if (body.length === 0) return { length: 0, text: "" };
  try {
    const text = utf8.decode(body);
    // eslint-disable-next-line no-control-regex -- printable means no CTLs besides CR, LF, HTAB
    if (!/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text)) return { length: body.length, text };
  } catch {
    // not UTF-8: fall through to hex
  }
  return { length: body.length, hex: toHex(body) };
}

function headerView(h: SipHeader): Record<string, unknown> {
  const canonical = headerDef(h.key)?.name;
  const out: Record<string, unknown> = { name: h.name };
  if (canonical !== undefined && canonical !== h.name) out["canonical"] = canonical;
  out["value"] = h.value;
  if (isTypedHeader(h.key)) {
    const r = parseHeaderValue(h.key, h.value);
    if (r.ok) out["parsed"] = view(r.value);
    else out["error"] = `${r.error.field}: ${r.error.reason}`;
  }
  return out;
}

function partsView(mp: MultipartBody, depth: number): unknown[] {
  return mp.parts.map((p: BodyPart) => {
    const out: Record<string, unknown> = { headers: p.headers.map(headerView) };
    if (p.contentType !== undefined) out["contentType"] = view(p.contentType);
    if (p.contentDisposition !== undefined) out["contentDisposition"] = view(p.contentDisposition);
    out["body"] = bodyView(p.body);
    // Nested multipart (multipart/alternative inside multipart/mixed...), a few levels deep.
    const boundary = p.contentType?.type.toLowerCase() === "multipart" ? paramValue(p.contentType.params, "boundary") : undefined;
    if (boundary !== undefined && depth < 4) {
      const inner = parseMultipartBody(p.body, boundary);
      out["parts"] = inner.ok ? partsView(inner.value, depth + 1) : { error: inner.error.reason };
    }
    return out;
  });
}

export function messageView(m: SipMessage, notes: readonly DecodeNote[]): Record<string, unknown> {
  const sl = m.startLine;
  const startLine = sl.kind === "request" ? { kind: "request", method: sl.method, uri: view(sl.uri), version: sl.version } : { kind: "response", version: sl.version, status: sl.status, reason: sl.reason };
  const out: Record<string, unknown> = { startLine: { text: formatStartLine(sl), ...startLine }, headers: m.headers.map(headerView), body: bodyView(m.body) };
  const mp = m.multipart();
  if (mp !== undefined && mp.ok) {
    out["parts"] = partsView(mp.value, 1);
    if (mp.value.preamble.length > 0) out["preamble"] = bodyView(mp.value.preamble);
    if (mp.value.epilogue.length > 0) out["epilogue"] = bodyView(mp.value.epilogue);
  }
  if (notes.length > 0) out["notes"] = notes;
  return out;
}

export interface ParseCommandOptions {
  readonly stream?: boolean;
  readonly lazy?: boolean;
  readonly limits: SipLimits;
}

/** The whole command without I/O: octets in, text and exit code out. */
export function runSipParse(bytes: Uint8Array, opts: ParseCommandOptions): { code: number; output: string } {
  const r = parseSipMessage(bytes, { limits: opts.limits, stream: opts.stream === true, eager: opts.lazy !== true });
  if (r.ok) return { code: EXIT.ok, output: `${JSON.stringify(messageView(r.value, r.notes), null, 2)}\n` };
  const e = r.error;
  const lines = [
    `rejected: ${e.field} at offset ${e.offset}: ${e.reason}${e.clause !== undefined && !e.reason.includes(e.clause) ? ` (${e.clause})` : ""}`,
    e.isRequest === false ? "a response: it would be discarded" : `response: ${e.status} ${e.reasonPhrase}`,
  ];
  if (e.framing) lines.push("framing lost: a stream transport closes the connection");
  return { code: EXIT.failure, output: `${lines.join("\n")}\n` };
}

async function readInput(file: string): Promise<Uint8Array> {
  if (file !== "-") return readFile(file);
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const DEFAULT_LIMITS: SipLimits = { maxMessageBytes: 65535, maxHeaders: 256 };

export function register(program: Command): void {
  const sip = program.command("sip").description("SIP tools");
  sip
    .command("parse")
    .description("parse one SIP message from FILE (or - for stdin) and print it as JSON; exit 1 with the reason if it is malformed")
    .argument("<file>", "file holding the message octets, or - for stdin")
    .option("--stream", "the octets came from a stream transport: Content-Length is mandatory and exact (RFC 3261 §18.3)")
    .option("--lazy", "check only what every message needs (Via, From, To, Call-ID, CSeq, Max-Forwards, Content-Length), as the stack does on receipt")
    .option("--max-bytes <n>", "largest message accepted, octets", String(DEFAULT_LIMITS.maxMessageBytes))
    .option("--max-headers <n>", "most header fields accepted", String(DEFAULT_LIMITS.maxHeaders))
    .action(async (file: string, opts: { stream?: boolean; lazy?: boolean; maxBytes: string; maxHeaders: string }) => {
      const maxMessageBytes = Number(opts.maxBytes);
      const maxHeaders = Number(opts.maxHeaders);
      if (!Number.isInteger(maxMessageBytes) || maxMessageBytes <= 0 || !Number.isInteger(maxHeaders) || maxHeaders <= 0) {
        process.stderr.write("sipt-gw sip parse: --max-bytes and --max-headers take positive integers\n");
        process.exitCode = EXIT.usage;
        return;
      }
      let bytes: Uint8Array;
      try {
        bytes = await readInput(file);
      } catch (e) {
        process.stderr.write(`sipt-gw sip parse: cannot read ${file}: ${(e as Error).message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const { code, output } = runSipParse(bytes, { stream: opts.stream === true, lazy: opts.lazy === true, limits: { maxMessageBytes, maxHeaders } });
      process.stdout.write(output);
      process.exitCode = code;
    });
}
