/**
 * The UA extensions against sipp (sip-tester 3.6.1) on 127.0.0.1, ephemeral
 * ports, every run bounded by -m and -timeout:
 *  - sipp UAC requiring 100rel -> our UAS sending a reliable 183 with the
 *    answer: PRACK with the right RAck, 200 to it, then the 2xx (RFC 3262 §3-§5,
 *    scenarios/uac-100rel.xml);
 *  - our UAC -> sipp UAS sending a reliable 183: our PRACK carries RAck 1 1
 *    INVITE, checked by sipp (RFC 3262 §4, scenarios/uas-183-rel.xml);
 *  - sipp UAC refreshing the session by UPDATE: our 2xx say Session-Expires 90
 *    with refresher=uac and Require: timer (RFC 4028 §9, scenarios/uac-session-timer.xml).
 */
import { afterEach, expect, it } from "vitest";
import type { InviteServerSession } from "../../../src/sip/ua/uas-session.js";
import { PEERS, describeWithPeers } from "../../support/peers.js";
import { freePort } from "../../support/ports.js";
import { start } from "../../support/processes.js";
import { ANSWER, LOOP, OFFER, closeStacks, ours, scenario, sipp } from "./sipp-support.js";

afterEach(closeStacks);

const sdpBody = { contentType: "application/sdp", content: ANSWER };

describeWithPeers("sipp interop: PRACK and session timers (RFC 3262, RFC 4028)", [PEERS.sipp], () => {
  it("sipp UAC with Require: 100rel -> our UAS: reliable 183 with the answer, PRACK, 200, then the 2xx", async () => {
    const s = await ours({}, { reliable: "supported" });
    const seen: string[] = [];
    s.ua.onInvite((call: InviteServerSession) => {
      const how = call.progress(183, { body: sdpBody });
      call.accept();
      call.on("prack", (inc, p) => seen.push(`${how} ${p.status ?? 0} prack ${inc.bodyRole} ${call.offerAnswer.state}`));
    });
    const r = await sipp(["-sf", scenario("uac-100rel.xml"), `${LOOP}:${s.port}`, "-i", LOOP, "-p", String(await freePort()), "-m", "5", "-r", "10"], 30);
    expect(r.code, r.out).toBe(0);
    // Require: 100rel in the INVITE makes the 183 reliable though progress() did not ask (§3).
    expect(seen).toEqual(Array.from({ length: 5 }, () => "reliable 183 prack none Stable"));
  });

  it("our UAC -> sipp UAS with a reliable 183: PRACK with RAck 1 1 INVITE, the answer taken from the 183", async () => {
    const s = await ours({}, { reliable: "supported" });
    const sippPort = await freePort();
    const p = start("sipp", ["-sf", scenario("uas-183-rel.xml"), "-i", LOOP, "-p", String(sippPort), "-m", "3", "-nostdin", "-timeout", "30s", "-timeout_error"]);
    await new Promise((res) => setTimeout(res, 300));
    const results = await Promise.all(
      [0, 1, 2].map(
        (i) =>
          new Promise<string>((resolve) => {
            const c = s.ua.invite({ uri: `sip:service@${LOOP}:${sippPort}`, from: `<sip:gw${i}@${LOOP}>`, to: `<sip:service@${LOOP}:${sippPort}>`, body: { contentType: "application/sdp", content: OFFER } });
            const got: string[] = [];
            c.on("progress", (resp, _d, role) => got.push(`${resp.status ?? 0} ${role}`));
            c.on("prack", (_p, o) => got.push(`prack ${o.kind === "response" ? o.response.status : o.kind}`));
            c.on("answered", (_r, _d, role) => {
              got.push(`answered ${role} ${c.offerAnswer.state}`);
              setTimeout(() => c.bye(), 50);
            });
            c.on("failed", (f) => resolve(`failed ${f.status} ${f.reason}`));
            c.on("ended", (e) => resolve(`${got.join(", ")}, ${e.cause}`));
          }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 3 }, () => "183 answer, prack 200, answered none Stable, local-bye"));
    expect(await p.exited(20_000), p.stderr()).toBe(0);
  });

  it("sipp UAC refreshing by UPDATE -> our UAS: Session-Expires 90;refresher=uac and Require: timer in both 2xx", async () => {
    const s = await ours({}, { sessionTimer: { expiresS: 1800, minSE: 90 } });
    const timers: string[] = [];
    s.ua.onInvite((call: InviteServerSession) => {
      call.on("sessionTimer", (n) => timers.push(n === undefined ? "off" : `${n.intervalS} ${n.refresher}`));
      call.accept({ body: sdpBody });
    });
    const r = await sipp(["-sf", scenario("uac-session-timer.xml"), `${LOOP}:${s.port}`, "-i", LOOP, "-p", String(await freePort()), "-m", "3", "-r", "10"], 30);
    expect(r.code, r.out).toBe(0);
    // Each call: the INVITE's 2xx and the UPDATE's 2xx settle 90 s with sipp refreshing.
    expect(timers).toEqual(Array.from({ length: 6 }, () => "90 remote"));
  });
});
