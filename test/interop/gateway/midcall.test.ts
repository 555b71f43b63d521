/**
 * Offers within an answered call (RFC 3261 §14, RFC 3311, RFC 3264 §8.4):
 * the gateway answers re-INVITE and UPDATE from the media engine, and a hold
 * from the SIP side reaches the PSTN as a CPG with the generic notification
 * 'remote hold', its end as 'remote retrieval' (RFC 3398 §9.2).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { matching } from "../../../hardware/farend/farend-process.js";
import { SystemClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { parseSdp } from "../../../src/sdp/session-description.js";
import { SipTransport } from "../../../src/sip/transport/sip-transport.js";
import type { InviteClientSession, UserAgentCore } from "../../../src/sip/ua/index.js";
import { createUserAgent } from "../../../src/sip/ua/index.js";
import { describeWithPeers, PEERS } from "../../support/peers.js";
import { freePort } from "../../support/ports.js";
import type { SignallingFrame } from "../../../src/cli/ss7-card-channel.js";
import { sentIsup } from "../ss7/tshark-oracle.js";
import { formatCalls } from "../../../src/cli/commands/calls.js";
import { request } from "../../../src/gateway/management/client.js";
import { GatewayRig } from "./rig.js";

const sdp = (version: number, direction: string): string =>
  `v=0\r\no=- 1 ${version} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=${direction}\r\n`;

describeWithPeers("offers within the call, hold and retrieval", [PEERS.libss7, PEERS.spandsp], () => {
  let rig: GatewayRig;
  let transport: SipTransport;
  let ua: UserAgentCore;
  const frames: SignallingFrame[] = [];

  /** The generic notification indicators of the CPGs the gateway sent (libss7 does not report them). */
  async function cpgNotifications(count: number): Promise<string[]> {
    const end = Date.now() + 5_000;
    for (;;) {
      const found = sentIsup(frames)
        .filter((m) => m.message.messageType === "CPG")
        .map((m) => {
          const p = m.message.parameters.find((q) => q.name === "genericNotificationIndicator");
          return p && "raw" in p ? p.raw : "none";
        });
      if (found.length >= count) return found;
      if (Date.now() > end) throw new Error(`${found.length} CPGs sent, ${count} expected\n${rig.transcript(30)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  beforeAll(async () => {
    const port = await freePort();
    const clock = new SystemClock();
    transport = new SipTransport({ listeners: [{ protocol: "udp", address: "127.0.0.1", port }], clock, log: silentLogger, idleTimeoutMs: 0 });
    await transport.start();
    ua = createUserAgent({ transport, clock, log: silentLogger, contactUser: "peer" });
    rig = await GatewayRig.start({ sipPeerPort: port, rules: [{ prefix: "5551", action: "answer", after_ms: 100 }] });
    rig.gw.ss7?.monitor((f) => frames.push(f));
  }, 60_000);

  afterAll(async () => {
    await rig?.dispose();
    ua?.shutdown();
    await transport?.close();
  });

  it("answers a hold re-INVITE (recvonly), sends CPG remote hold, then remote retrieval", async () => {
    const from = rig.farend.mark();
    const call: InviteClientSession = await new Promise((resolve, reject) => {
      const s = ua.invite({
        uri: `sip:5551234@127.0.0.1:${rig.sipPort}`,
        from: "<sip:2125550100@127.0.0.1>",
        to: "<sip:5551234@127.0.0.1>",
        target: { protocol: "udp", host: "127.0.0.1", port: rig.sipPort },
        body: { contentType: "application/sdp", content: sdp(1, "sendrecv") },
      });
      const timer = setTimeout(() => reject(new Error(`not answered\n${rig.transcript(20)}`)), 10_000);
      s.on("answered", () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.on("failed", (f) => reject(new Error(`call failed: ${f.status} ${f.reason}`)));
    });
    // The management API lists the call with both legs (sipt-gw calls).
    const listed = await request(rig.gw.controlSocket, { kind: "listCalls" });
    expect(listed.kind === "calls" && listed.calls).toEqual([
      expect.objectContaining({ direction: "sip-to-pstn", state: "answered", tdmTrunk: "pstn", sipTrunk: "sip", callId: call.callId, called: "5551234" }),
    ]);
    expect(listed.kind === "calls" && formatCalls(listed.calls, Date.now())).toMatch(/sip-to-pstn\s+answered\s+pstn\/\d+\s+sip /);
    const hold = await call.reinvite({ body: { contentType: "application/sdp", content: sdp(2, "sendonly") } });
    expect(hold.kind).toBe("response");
    if (hold.kind !== "response") return;
    expect(hold.response.status).toBe(200);
    const answer = parseSdp(new TextDecoder().decode(hold.response.body));
    expect(answer.ok && answer.value.audio[0]?.direction).toBe("recvonly");
    // Q.763 §3.25: notification indicator 1111001 remote hold, with the extension bit.
    expect(await cpgNotifications(1)).toEqual(["f9"]);
    const resume = await call.reinvite({ body: { contentType: "application/sdp", content: sdp(3, "sendrecv") } });
    expect(resume.kind === "response" && resume.response.status).toBe(200);
    const resumed = resume.kind === "response" ? parseSdp(new TextDecoder().decode(resume.response.body)) : undefined;
    expect(resumed?.ok && resumed.value.audio[0]?.direction).toBe("sendrecv");
    // 1111010 remote retrieval.
    expect(await cpgNotifications(2)).toEqual(["f9", "fa"]);
    // A session refresh without an offer (RFC 4028 by UPDATE) is simply accepted.
    const refresh = await call.update({});
    expect(refresh.kind === "response" && refresh.response.status).toBe(200);
    call.bye();
    await rig.farend.waitFor(matching("rx", { msg: "REL" }), 5_000, { from, what: "REL after BYE" });
  }, 30_000);
});
