/**
 * tshark as the oracle for SIP-T bodies (RFC 3204, RFC 3372): for every ISUP
 * message type the gateway carries in SIP (IAM, ACM, CPG, ANM, CON, REL,
 * INF, INR, USR, FAC), an INVITE with a multipart/mixed body (SDP and
 * application/ISUP, built by sipBody/isupBodyPart) is written into a pcap
 * (text2pcap, UDP 5070 -> 5060) and dissected by tshark. Its ISUP message
 * type, called and calling digits, event and cause must equal ours, and no
 * malformed-packet or expert error may appear.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { toHex } from "../../../src/core/bytes.js";
import { isupBodyPart, sipBody } from "../../../src/interworking/sip-t/index.js";
import { bodyOctets } from "../../../src/sip/transaction/messages.js";
import { encodeIsup, getParameter } from "../../../src/ss7/isup/codec/index.js";
import type { IsupMessage } from "../../../src/ss7/isup/codec/index.js";
import { sampleMessage } from "../../../src/ss7/isup/codec/samples.js";
import { PEERS, describeWithPeers } from "../../support/peers.js";

const TYPES = ["IAM", "ACM", "CPG", "ANM", "CON", "REL", "INF", "INR", "USR", "FAC"] as const;
/** Q.763 Table 4 message type codes, as tshark prints isup.message_type. */
const CODES: Record<(typeof TYPES)[number], number> = { IAM: 1, ACM: 6, CPG: 0x2c, ANM: 9, CON: 7, REL: 0x0c, INF: 4, INR: 3, USR: 0x2d, FAC: 0x33 };
const SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\n";

const dir = mkdtempSync(join(tmpdir(), "sipt-tshark-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function invite(i: number, m: IsupMessage): Uint8Array {
  const body = sipBody({ sdp: SDP, isup: isupBodyPart(encodeIsup(m, { variant: "itu", sipt: true }), { version: "itu-t92+", base: "itu-t92+", handling: "optional" }) });
  if (body === undefined) throw new Error("no body");
  const octets = bodyOctets(body);
  const head =
    "INVITE sip:+12125551234@127.0.0.1;user=phone SIP/2.0\r\n" +
    `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-sipt-${i}\r\n` +
    "From: <sip:+13125550100@127.0.0.1;user=phone>;tag=1\r\nTo: <sip:+12125551234@127.0.0.1;user=phone>\r\n" +
    `Call-ID: sipt-tshark-${i}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:gw@127.0.0.1:5070>\r\nMIME-Version: 1.0\r\n` +
    `Content-Type: ${body.contentType}\r\nContent-Length: ${octets.length}\r\n\r\n`;
  return new Uint8Array([...new TextEncoder().encode(head), ...octets]);
}

const FIELDS = ["sip.Method", "isup.message_type", "isup.called", "isup.calling", "isup.event_ind", "isup.cause_indicator", "_ws.malformed", "_ws.expert.severity"] as const;

describeWithPeers("tshark dissects our SIP-T bodies", [PEERS.tshark, PEERS.text2pcap], () => {
  it("every message type carried in multipart/mixed beside SDP", () => {
    const messages = TYPES.map((t) => sampleMessage("itu", t));
    const packets = messages.map((m, i) => invite(i, m));
    const txt = join(dir, "sipt.txt");
    const pcap = join(dir, "sipt.pcap");
    writeFileSync(txt, packets.map((p) => `0000 ${toHex(p, " ")}\n`).join(""));
    const t2p = spawnSync("text2pcap", ["-q", "-4", "127.0.0.1,127.0.0.1", "-u", "5070,5060", txt, pcap], { encoding: "utf8", timeout: 20_000 });
    expect(t2p.status, t2p.stderr).toBe(0);
    const args = ["-r", pcap, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,", ...FIELDS.flatMap((f) => ["-e", f])];
    const ts = spawnSync("tshark", args, { encoding: "utf8", timeout: 60_000 });
    expect(ts.status, ts.stderr).toBe(0);
    const rows = ts.stdout.trimEnd().split("\n").map((l) => l.split("\t"));
    if (process.env["SIPT_TSHARK_DEBUG"]) writeFileSync(process.env["SIPT_TSHARK_DEBUG"], readFileSync(pcap));
    expect(rows).toHaveLength(TYPES.length);
    TYPES.forEach((type, i) => {
      const m = messages[i] as IsupMessage;
      const row = new Map(FIELDS.map((f, k) => [f, rows[i]?.[k] ?? ""]));
      const what = `${type} (packet ${i + 1})`;
      expect(row.get("sip.Method"), what).toBe("INVITE");
      expect((row.get("isup.message_type") ?? "").split(",").map(Number), what).toEqual([CODES[type]]);
      expect(row.get("_ws.malformed"), what).toBe("");
      // Expert severities (epan/proto.h): 0x00600000 warning, 0x00800000 error. No error may appear.
      // tshark 4.0 puts one warning, "Trailing stray characters", on the SIP header tree of any
      // message whose body holds CR or LF octets after the headers (binary ISUP, or a multipart
      // body); the same warning comes with a hand-written single-part SIP-T IAM, so it is allowed.
      const severities = (row.get("_ws.expert.severity") ?? "").split(",").filter((x) => x.length > 0).map(Number);
      expect(Math.max(0, ...severities), `${what}: expert error`).toBeLessThan(0x00800000);
      const called = getParameter(m, "calledPartyNumber");
      if (called) expect(row.get("isup.called"), what).toBe(called.digits);
      const calling = getParameter(m, "callingPartyNumber");
      if (calling) expect(row.get("isup.calling"), what).toBe(calling.digits);
      const event = getParameter(m, "eventInformation");
      if (event) expect(Number(row.get("isup.event_ind")), what).toBe(event.eventIndicator);
      const cause = getParameter(m, "causeIndicators");
      if (cause) expect(Number(row.get("isup.cause_indicator")), what).toBe(cause.causeValue);
    });
  });
});
