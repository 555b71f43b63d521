/**
 * An INVITE from an unknown or unauthenticated source never reaches routing
 * (the inbound guard of src/sip/peers runs before any transaction exists):
 * a source no peer allows gets 403 and no IAM leaves; a peer that must
 * authenticate gets 407 (RFC 3261 §22.3) and, answering it with its
 * credentials (RFC 7616), reaches the PSTN. Calls towards a named peer answer
 * its challenges with the configured credentials.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { matching } from "../../../hardware/farend/farend-process.js";
import { SystemClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { digestClient } from "../../../src/sip/auth/digest-client.js";
import { SipTransport } from "../../../src/sip/transport/sip-transport.js";
import type { CallFailure, UserAgentCore } from "../../../src/sip/ua/index.js";
import { createUserAgent } from "../../../src/sip/ua/index.js";
import { describeWithPeers, PEERS } from "../../support/peers.js";
import { freePort } from "../../support/ports.js";
import { GatewayRig } from "./rig.js";

const OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n";

describeWithPeers("inbound guard before routing", [PEERS.libss7, PEERS.spandsp], () => {
  let rig: GatewayRig;
  let transport: SipTransport;
  let ua: UserAgentCore;
  let uaPort: number;

  beforeAll(async () => {
    uaPort = await freePort();
    const clock = new SystemClock();
    transport = new SipTransport({ listeners: [{ protocol: "udp", address: "127.0.0.1", port: uaPort }], clock, log: silentLogger, idleTimeoutMs: 0 });
    await transport.start();
    ua = createUserAgent({ transport, clock, log: silentLogger, contactUser: "peer" });
    ua.onInvite((s) => s.reject(486));
    // The provider may send from 127.0.0.1 only when it authenticates; nothing else is allowed.
    rig = await GatewayRig.start({
      sipPeerPort: uaPort,
      rules: [{ prefix: "5551", action: "answer", after_ms: 100 }],
      sipYaml: `  peers:
    - name: provider
      address: 127.0.0.1
      port: ${uaPort}
      inbound:
        sources: [{ cidr: 127.0.0.1/32, port: ${uaPort} }]
        authenticate: true
        realm: gw.test
        users: [{ username: carrier, password: s3cret }]`,
      trunkPeersYaml: "[{ peer: provider }]",
    });
  }, 60_000);

  afterAll(async () => {
    await rig?.dispose();
    ua?.shutdown();
    await transport?.close();
  });

  function call(called: string, withCredentials: boolean): Promise<{ status: number; answered: boolean }> {
    return new Promise((resolve, reject) => {
      const s = ua.invite({
        uri: `sip:${called}@127.0.0.1:${rig.sipPort}`,
        from: "<sip:2125550100@127.0.0.1>",
        to: `<sip:${called}@127.0.0.1>`,
        target: { protocol: "udp", host: "127.0.0.1", port: rig.sipPort },
        body: { contentType: "application/sdp", content: OFFER },
        ...(withCredentials ? { authenticator: digestClient({ username: "carrier", password: "s3cret" }) } : {}),
      });
      const timer = setTimeout(() => reject(new Error(`no final response\n${rig.transcript(20)}`)), 10_000);
      s.on("failed", (f: CallFailure) => {
        clearTimeout(timer);
        resolve({ status: f.status, answered: false });
      });
      s.on("answered", () => {
        clearTimeout(timer);
        s.bye();
        resolve({ status: 200, answered: true });
      });
    });
  }

  it("refuses an INVITE without credentials with 407, and no IAM leaves", async () => {
    const from = rig.farend.mark();
    expect(await call("5551234", false)).toEqual({ status: 407, answered: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(rig.farend.all(matching("rx", { msg: "IAM" }), from)).toEqual([]);
  });

  it("routes the INVITE once the peer answers the challenge", async () => {
    const from = rig.farend.mark();
    expect(await call("5551234", true)).toEqual({ status: 200, answered: true });
    expect(rig.farend.all(matching("rx", { msg: "IAM" }), from)).toHaveLength(1);
  });

  it("refuses a source no peer allows with 403 before any transaction", async () => {
    // A second UA on another port: 127.0.0.1 but not the allowed port.
    const port = await freePort();
    const clock = new SystemClock();
    const t2 = new SipTransport({ listeners: [{ protocol: "udp", address: "127.0.0.1", port }], clock, log: silentLogger, idleTimeoutMs: 0 });
    await t2.start();
    const ua2 = createUserAgent({ transport: t2, clock, log: silentLogger, contactUser: "stranger" });
    try {
      const from = rig.farend.mark();
      const status = await new Promise<number>((resolve, reject) => {
        const s = ua2.invite({
          uri: `sip:5551234@127.0.0.1:${rig.sipPort}`,
          from: "<sip:666@127.0.0.1>",
          to: "<sip:5551234@127.0.0.1>",
          target: { protocol: "udp", host: "127.0.0.1", port: rig.sipPort },
          body: { contentType: "application/sdp", content: OFFER },
        });
        const timer = setTimeout(() => reject(new Error("no final response")), 10_000);
        s.on("failed", (f: CallFailure) => {
          clearTimeout(timer);
          resolve(f.status);
        });
      });
      expect(status).toBe(403);
      expect(rig.farend.all(matching("rx", { msg: "IAM" }), from)).toEqual([]);
      expect(rig.gw.sip.ua?.transactions.counters.screenedOut ?? 0).toBeGreaterThan(0);
    } finally {
      ua2.shutdown();
      await t2.close();
    }
  });
});
