/**
 * A minimal SIP UAC over UDP on 127.0.0.1 that stands where a SIP-T
 * originating gateway stands (RFC 3372 §4.1): it sends one INVITE with a
 * multipart/mixed body (SDP and an application/ISUP IAM built by the test),
 * records every response, and sends the ACK for a non-2xx final response
 * (RFC 3261 §17.1.1.3: same branch, To tag of the response) or for a 2xx
 * (§13.2.2.4, new branch). Messages are written by hand so the test decides
 * every octet the gateway receives; responses are read with our parser.
 */
import { createSocket, type Socket } from "node:dgram";
import { bodyOctets } from "../../../src/sip/transaction/messages.js";
import type { SipMessage } from "../../../src/sip/syntax/message.js";
import { parseSipMessage } from "../../../src/sip/syntax/parse-message.js";
import { isupBodyPart, sipBody } from "../../../src/interworking/sip-t/index.js";

export interface UacInvite {
  /** E.164 digits with +, e.g. "+12125550199". */
  readonly called: string;
  readonly calling: string;
  /** SIP-T body: ISUP octets from the message type code (RFC 3204 §3.1). */
  readonly isup: Uint8Array;
  readonly handling: "optional" | "required";
  readonly rtpPort: number;
}

export class TestUac {
  readonly responses: SipMessage[] = [];
  private readonly sock: Socket;
  private target = { host: "127.0.0.1", port: 0 };
  private inviteHead: { branch: string; callId: string; from: string; ruri: string } | undefined;

  private constructor() {
    this.sock = createSocket("udp4");
    this.sock.on("message", (msg) => {
      const r = parseSipMessage(new Uint8Array(msg), { limits: { maxMessageBytes: 65_535, maxHeaders: 256 } });
      if (r.ok && r.value.status !== undefined && this.responses.length < 1000) this.responses.push(r.value);
    });
  }

  static async open(): Promise<TestUac> {
    const u = new TestUac();
    await new Promise<void>((resolve) => u.sock.bind(0, "127.0.0.1", resolve));
    return u;
  }

  get port(): number {
    return this.sock.address().port;
  }

  get callId(): string {
    return this.inviteHead?.callId ?? "";
  }

  private send(text: string, body: Uint8Array = new Uint8Array(0)): void {
    const head = Buffer.from(text, "latin1");
    this.sock.send(Buffer.concat([head, body]), this.target.port, this.target.host);
  }

  invite(to: { host: string; port: number }, o: UacInvite): void {
    this.target = to;
    const tag = Math.random().toString(36).slice(2, 10);
    const branch = `z9hG4bK-uac-${tag}`;
    const callId = `sipt-bridge-uac-${tag}@127.0.0.1`;
    const ruri = `sip:${o.called}@${to.host}:${to.port};user=phone`;
    const from = `<sip:${o.calling}@127.0.0.1;user=phone>;tag=${tag}`;
    this.inviteHead = { branch, callId, from, ruri };
    const sdp = `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${o.rtpPort} RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n`;
    const body = sipBody({ sdp, isup: isupBodyPart(o.isup, { version: "itu-t92+", handling: o.handling }) });
    if (body === undefined) throw new Error("no SIP-T body");
    const octets = bodyOctets(body);
    this.send(
      `INVITE ${ruri} SIP/2.0\r\n` +
        `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport\r\n` +
        "Max-Forwards: 70\r\n" +
        `From: ${from}\r\n` +
        `To: <sip:${o.called}@${to.host};user=phone>\r\n` +
        `Call-ID: ${callId}\r\n` +
        "CSeq: 1 INVITE\r\n" +
        `Contact: <sip:uac@127.0.0.1:${this.port}>\r\n` +
        `P-Asserted-Identity: <sip:${o.calling}@127.0.0.1;user=phone>\r\n` +
        "MIME-Version: 1.0\r\n" +
        `Content-Type: ${body.contentType}\r\n` +
        `Content-Length: ${octets.length}\r\n\r\n`,
      octets,
    );
  }

  /** ACK for a non-2xx final response to the INVITE (RFC 3261 §17.1.1.3). */
  ackFailure(response: SipMessage): void {
    const h = this.inviteHead;
    if (!h) throw new Error("no INVITE sent");
    this.send(
      `ACK ${h.ruri} SIP/2.0\r\n` +
        `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${h.branch};rport\r\n` +
        "Max-Forwards: 70\r\n" +
        `From: ${h.from}\r\n` +
        `To: ${response.get("To") ?? ""}\r\n` +
        `Call-ID: ${h.callId}\r\n` +
        "CSeq: 1 ACK\r\n" +
        "Content-Length: 0\r\n\r\n",
    );
  }

  async waitResponse(pred: (m: SipMessage) => boolean, timeoutMs: number, what: string): Promise<SipMessage> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.responses.find(pred);
      if (m) return m;
      if (Date.now() > end) throw new Error(`no ${what} in ${timeoutMs} ms (responses: ${this.responses.map((r) => r.status).join(", ")})`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.sock.close();
  }
}
