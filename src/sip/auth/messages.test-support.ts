/** Messages for the auth and peers tests, parsed from text like the wire would give them. */
import type { SipMessage } from "../syntax/message.js";
import { parseSipMessage } from "../syntax/parse-message.js";

const limits = { maxMessageBytes: 65_535, maxHeaders: 256 };

export function parse(text: string): SipMessage {
  const r = parseSipMessage(new TextEncoder().encode(text.replace(/\r?\n/g, "\r\n")), { limits });
  if (!r.ok) throw new Error(`test message does not parse: ${r.error.reason}`);
  return r.value;
}

export function request(method: string, uri: string, extra: readonly string[] = [], body = ""): SipMessage {
  const lines = [
    `${method} ${uri} SIP/2.0`,
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtest1",
    "Max-Forwards: 70",
    "From: <sip:gw@192.0.2.1>;tag=f1",
    "To: <sip:peer@192.0.2.2>",
    "Call-ID: call-1@192.0.2.1",
    `CSeq: 1 ${method}`,
    ...extra,
    `Content-Length: ${new TextEncoder().encode(body).length}`,
    "",
    body,
  ];
  return parse(lines.join("\n"));
}

export function response(status: number, method: string, extra: readonly string[] = [], cseq = 1, callId = "call-1@192.0.2.1"): SipMessage {
  const lines = [
    `SIP/2.0 ${status} Whatever`,
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtest1",
    "From: <sip:gw@192.0.2.1>;tag=f1",
    "To: <sip:peer@192.0.2.2>;tag=t1",
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} ${method}`,
    ...extra,
    "Content-Length: 0",
    "",
    "",
  ];
  return parse(lines.join("\n"));
}
