/**
 * Framing SIP messages on a stream transport (TCP, TLS), RFC 3261 §18.3:
 * the header section ends at the first empty line and Content-Length, which
 * is mandatory on streams, gives the body length. CRLFs between messages are
 * ignored (§7.5); RFC 5626 §4.4.1 keep-alives are CRLF CRLF (ping) and CRLF
 * (pong), reported one CRLF at a time so the transport can tell them apart.
 *
 * A framing error cannot be recovered on a stream: the connection must be
 * closed (RFC 4475 §3.1.2.3, §3.3.9).
 */
import type { DecodeError } from "../../core/result.js";
import { indexOfCrlfCrlf } from "./octets.js";
import type { SipLimits } from "./parse-message.js";

export type StreamFrame =
  /** Not enough octets yet for a complete message. */
  | { readonly kind: "incomplete" }
  /** A CRLF before any start line (keep-alive or padding), 2 octets to drop. */
  | { readonly kind: "crlf"; readonly consumed: 2 }
  /** One whole message: parse `message` with `{ stream: true }`, then drop `consumed` octets. */
  | { readonly kind: "message"; readonly message: Uint8Array; readonly consumed: number }
  /** Framing is impossible: close the connection. */
  | { readonly kind: "error"; readonly error: DecodeError; readonly status: number };

// One code unit per octet, so positions in the text are octet offsets; only ASCII header names matter here.
const octetText = new TextDecoder("windows-1252");

function frameError(offset: number, reason: string, status = 400): StreamFrame {
  return { kind: "error", status, error: { offset, field: "Content-Length", reason, clause: "RFC 3261 §18.3" } };
}

/** Take the next frame off the front of a stream buffer. */
export function frameSipStream(buffer: Uint8Array, limits: SipLimits): StreamFrame {
  if (buffer.length === 0) return { kind: "incomplete" };
  if (buffer[0] === 0x0d) {
    if (buffer.length < 2) return { kind: "incomplete" };
    if (buffer[1] === 0x0a) return { kind: "crlf", consumed: 2 };
  }
  const blank = indexOfCrlfCrlf(buffer);
  if (blank < 0) {
    if (buffer.length > limits.maxMessageBytes) return frameError(buffer.length, `no end of the header section within ${limits.maxMessageBytes} octets`, 513);
    return { kind: "incomplete" };
  }
  const head = octetText.decode(buffer.subarray(0, blank));
  let contentLength: number | undefined;
  let pos = head.indexOf("\r\n");
  while (pos >= 0 && pos < head.length) {
    const lineStart = pos + 2;
    let e = head.indexOf("\r\n", lineStart);
    if (e < 0) e = head.length;
    // Unfold continuation lines into this field (§7.3.1).
    while (e + 2 < head.length && (head.charCodeAt(e + 2) === 0x20 || head.charCodeAt(e + 2) === 0x09)) {
      const n = head.indexOf("\r\n", e + 2);
      e = n < 0 ? head.length : n;
    }
    const c0 = head.charCodeAt(lineStart) | 0x20;
    if (c0 === 0x63 /* c */ || c0 === 0x6c /* l */) {
      const line = head.slice(lineStart, e).replaceAll("\r\n", "");
      const m = /^(?:content-length|l)[ \t]*:/i.exec(line);
      if (m !== null) {
        const text = line.slice(m[0].length).replace(/^[ \t]+|[ \t]+$/g, "");
        if (!/^[0-9]{1,15}$/.test(text)) return frameError(lineStart, `Content-Length '${text.slice(0, 20)}' is not a number`);
        const v = Number(text);
        if (contentLength !== undefined) return frameError(lineStart, "more than one Content-Length");
        contentLength = v;
      }
    }
    pos = e;
    if (e >= head.length) break;
  }
  if (contentLength === undefined) return frameError(0, "no Content-Length: it is mandatory on stream transports");
  const total = blank + 4 + contentLength;
  if (total > limits.maxMessageBytes) return frameError(0, `message of ${total} octets, above the limit of ${limits.maxMessageBytes}`, 513);
  if (buffer.length < total) return { kind: "incomplete" };
  return { kind: "message", message: buffer.subarray(0, total), consumed: total };
}
