/**
 * Failover between the peers of a SIP trunk (RFC 3398 §8; the trunk's
 * `failoverOn` statuses, no response at all, and the no-answer limit): a call
 * from the PSTN tries the first peer, then the next, and the PSTN sees only
 * the outcome of the last attempt.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { matching } from "../../../hardware/farend/farend-process.js";
import { SystemClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { SipTransport } from "../../../src/sip/transport/sip-transport.js";
import type { InviteServerSession, UserAgentCore } from "../../../src/sip/ua/index.js";
import { createUserAgent } from "../../../src/sip/ua/index.js";
import { describeWithPeers, PEERS } from "../../support/peers.js";
import { freePort } from "../../support/ports.js";
import { GatewayRig } from "./rig.js";

const ANSWER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n";

interface Peer {
  transport: SipTransport;
  ua: UserAgentCore;
  port: number;
  invites: number;
  behave: (s: InviteServerSession) => void;
}

describeWithPeers("failover between SIP peers", [PEERS.libss7, PEERS.spandsp], () => {
  let rig: GatewayRig;
  const peers: Peer[] = [];
  let silentPort: number;

  async function peer(): Promise<Peer> {
    const port = await freePort();
    const clock = new SystemClock();
    const transport = new SipTransport({ listeners: [{ protocol: "udp", address: "127.0.0.1", port }], clock, log: silentLogger, idleTimeoutMs: 0 });
    await transport.start();
    const ua = createUserAgent({ transport, clock, log: silentLogger, contactUser: `p${port}` });
    const p: Peer = { transport, ua, port, invites: 0, behave: (s) => s.reject(500) };
    ua.onInvite((s) => {
      p.invites++;
      p.behave(s);
    });
    peers.push(p);
    return p;
  }

  let first: Peer;
  let second: Peer;

  beforeAll(async () => {
    first = await peer();
    second = await peer();
    silentPort = await freePort(); // nothing listens: no response at all
    rig = await GatewayRig.start({
      sipPeerPort: first.port,
      trunkPeersYaml: `[{ host: 127.0.0.1, port: ${silentPort} }, { host: 127.0.0.1, port: ${first.port} }, { host: 127.0.0.1, port: ${second.port} }]`,
      timersYaml: "  sip: { T1: 100 }",
    });
  }, 60_000);

  afterAll(async () => {
    await rig?.dispose();
    for (const p of peers) {
      p.ua.shutdown();
      await p.transport.close();
    }
  });

  it("skips a peer that does not answer (timer B) and one answering 503, and connects on the third", async () => {
    first.behave = (s) => s.reject(503);
    second.behave = (s) => {
      s.progress(180);
      s.accept({ body: { contentType: "application/sdp", content: ANSWER } });
    };
    const from = rig.farend.mark();
    await rig.farend.request({ cmd: "call", cic: 3, called: "2125551234", calling: "3125550100" });
    await rig.farend.waitFor(matching("rx", { msg: "ANM", cic: 3 }), 20_000, { from, what: "ANM after failover" });
    expect([first.invites, second.invites]).toEqual([1, 1]);
    // The 503 of the second peer produced no REL: the PSTN saw only ACM and ANM.
    expect(rig.farend.all(matching("rx", { msg: "REL", cic: 3 }), from)).toEqual([]);
    await rig.farend.request({ cmd: "release", cic: 3, cause: 16 });
    await rig.farend.waitFor(matching("state", { cic: 3, state: "idle" }), 5_000, { from, what: "circuit idle" });
  }, 40_000);

  it("gives the PSTN the cause of the last attempt when every peer fails (486 -> 17)", async () => {
    first.behave = (s) => s.reject(503);
    second.behave = (s) => s.reject(486);
    const from = rig.farend.mark();
    await rig.farend.request({ cmd: "call", cic: 5, called: "2125551234", calling: "3125550100" });
    const rel = await rig.farend.waitFor(matching("rx", { msg: "REL", cic: 5 }), 20_000, { from, what: "REL" });
    expect(rel).toMatchObject({ cause: 17 });
  }, 40_000);
});
