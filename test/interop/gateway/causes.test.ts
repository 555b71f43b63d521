/**
 * Every row of both RFC 3398 cause tables through the real path: the libss7
 * switch releases with each Q.850 cause and the SIP side sees the status of
 * §7.2.4.1 (with the cause in a Reason header, RFC 3326); the SIP side
 * answers with each status and the switch sees the cause of §8.2.6.1. The
 * SIP peer is a user agent of this project's stack (many calls, quickly); the
 * PSTN side is libss7 through the simulated card.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { matching } from "../../../hardware/farend/farend-process.js";
import { ISUP_TO_SIP, SIP_TO_ISUP, SIP_TO_ISUP_DEFAULT } from "../../../mappings/rfc3398-causes.js";
import { SystemClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { isupCauseToSip } from "../../../src/interworking/cause-mapping.js";
import { q850CauseOf } from "../../../src/interworking/calls/reason.js";
import { SipTransport } from "../../../src/sip/transport/sip-transport.js";
import type { InviteServerSession, UserAgentCore } from "../../../src/sip/ua/index.js";
import { createUserAgent } from "../../../src/sip/ua/index.js";
import { describeWithPeers, PEERS } from "../../support/peers.js";
import { freePort } from "../../support/ports.js";
import { GatewayRig } from "./rig.js";

const OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n";

describeWithPeers("RFC 3398 cause tables through the real path", [PEERS.libss7, PEERS.spandsp], () => {
  let rig: GatewayRig;
  let transport: SipTransport;
  let ua: UserAgentCore;
  /** What the SIP side answers the gateway's next INVITE with. */
  let answerWith: ((s: InviteServerSession) => void) | undefined;

  beforeAll(async () => {
    const port = await freePort();
    const clock = new SystemClock();
    transport = new SipTransport({ listeners: [{ protocol: "udp", address: "127.0.0.1", port }], clock, log: silentLogger, idleTimeoutMs: 0 });
    await transport.start();
    ua = createUserAgent({ transport, clock, log: silentLogger, contactUser: "peer" });
    ua.onInvite((s) => {
      const f = answerWith;
      if (f) f(s);
      else s.reject(500);
    });
    rig = await GatewayRig.start({ sipPeerPort: port, rules: [{ prefix: "5590", action: "release", cause_from_digits: 3 }] });
  }, 60_000);

  afterAll(async () => {
    await rig?.dispose();
    ua?.shutdown();
    await transport?.close();
  });

  it("ISUP -> SIP (§7.2.4.1): the switch releases with each cause, the caller gets its status and the cause in Reason", async () => {
    const causes = [...new Set(ISUP_TO_SIP.map((r) => r.isupCause)), 99 /* unlisted: the default */];
    const seen: string[] = [];
    for (const cause of causes) {
      const called = `5590${String(cause).padStart(3, "0")}`;
      const status = await new Promise<{ status: number; cause: number | undefined; location: number | undefined }>((resolve, reject) => {
        const s = ua.invite({
          uri: `sip:${called}@127.0.0.1:${rig.sipPort}`,
          from: "<sip:2125550100@127.0.0.1>",
          to: `<sip:${called}@127.0.0.1>`,
          target: { protocol: "udp", host: "127.0.0.1", port: rig.sipPort },
          body: { contentType: "application/sdp", content: OFFER },
        });
        const timer = setTimeout(() => reject(new Error(`no final response for ${called}\n${rig.transcript(20)}`)), 10_000);
        s.on("failed", (f) => {
          clearTimeout(timer);
          const r = q850CauseOf(f.response);
          resolve({ status: f.status, cause: r?.cause, location: r?.location });
        });
        s.on("answered", () => {
          clearTimeout(timer);
          s.bye();
          resolve({ status: 200, cause: undefined, location: undefined });
        });
      });
      const expected = isupCauseToSip(cause, status.location !== undefined ? { location: status.location } : {});
      // 16 has no status of its own (RFC 3398 §7.2.4.1): answered 480 with the cause in Reason.
      expect({ cause, status: status.status, reasonCause: status.cause }).toEqual({ cause, status: expected.sipStatus ?? 480, reasonCause: cause });
      seen.push(`${cause}->${status.status}`);
    }
    console.log(`ISUP cause -> SIP status: ${seen.join(" ")}`);
  }, 120_000);

  it("SIP -> ISUP (§8.2.6.1): the callee answers with each status, the switch gets the REL cause", async () => {
    const rows = [...SIP_TO_ISUP.map((r) => ({ status: r.sipStatus, warning: undefined as number | undefined, cause: r.isupCause ?? SIP_TO_ISUP_DEFAULT.isupCause })), { status: 488, warning: 304, cause: 65 }, { status: 499, warning: undefined, cause: SIP_TO_ISUP_DEFAULT.isupCause }];
    const seen: string[] = [];
    let cic = 1;
    for (const row of rows) {
      answerWith = (s) => s.reject(row.status, row.warning !== undefined ? { headers: [{ name: "Warning", value: `${row.warning} gw "Incompatible media format"` }] } : {});
      cic = cic >= 15 ? 1 : cic + 1;
      const from = rig.farend.mark();
      await rig.farend.request({ cmd: "call", cic, called: "2125551234", calling: "3125550100" });
      const rel = await rig.farend.waitFor(matching("rx", { msg: "REL", cic }), 10_000, { from, what: `REL for ${row.status}` });
      expect({ status: row.status, cause: rel["cause"] }).toEqual({ status: row.status, cause: row.cause });
      seen.push(`${row.status}${row.warning ? `/${row.warning}` : ""}->${String(rel["cause"])}`);
      await rig.farend.waitFor(matching("state", { cic, state: "idle" }), 5_000, { from, what: "circuit idle" });
    }
    console.log(`SIP status -> ISUP cause: ${seen.join(" ")}`);
  }, 180_000);
});
