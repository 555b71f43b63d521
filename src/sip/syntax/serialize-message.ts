/**
 * Writing a SIP message, RFC 3261 §7: start line, header fields with their
 * full names (§7.3.3: compact forms are accepted, full names are written),
 * each line ended by CRLF, an empty line, the body. Content-Length is always
 * written and always the body's length in octets (§20.14; mandatory on
 * streams, §18.3); values are written as held, unfolded (§7.3.1 allows
 * replacing LWS with SP).
 */
import { headerDef } from "./header-table.js";
import type { SipMessage, StartLine } from "./message.js";
import { encodeUtf8Into } from "./octets.js";
import { formatUri } from "./uri.js";

export function formatStartLine(line: StartLine): string {
  return line.kind === "request" ? `${line.method} ${formatUri(line.uri)} SIP/2.0` : `SIP/2.0 ${line.status} ${line.reason}`;
}

const encoder = new TextEncoder();
/** The header section (start line to the empty line) as text. */
export function formatHeaderSection(m: SipMessage): string {
  let s = `${formatStartLine(m.startLine)}\r\n`;
  let lengthWritten = false;
  for (const h of m.headers) {
    if (h.key === "content-length") {
      if (!lengthWritten) s += `Content-Length: ${m.body.length}\r\n`;
      lengthWritten = true;
      continue;
    }
    s += `${headerDef(h.key)?.name ?? h.name}: ${h.value}\r\n`;
  }
  if (!lengthWritten) s += `Content-Length: ${m.body.length}\r\n`;
  return `${s}\r\n`;
}

/** The message as octets: the header section in UTF-8, then the body as is. */
export function serializeSipMessage(m: SipMessage): Uint8Array {
  const text = formatHeaderSection(m);
  // Written as if ASCII (one octet per character, the usual case): exact when every character was read in as many octets.
  const ascii = new Uint8Array(text.length + m.body.length);
  const r = encoder.encodeInto(text, ascii);
  if (r.read === text.length && r.written === text.length) {
    ascii.set(m.body, text.length);
    return ascii;
  }
  // Otherwise at most three octets per UTF-16 unit.
  const out = new Uint8Array(text.length * 3 + m.body.length);
  const written = encodeUtf8Into(text, out, 0);
  out.set(m.body, written);
  return out.subarray(0, written + m.body.length);
}
