/**
 * Our SIP stack against sipp (sip-tester 3.6.1) on 127.0.0.1, ephemeral
 * ports, every run bounded by -m and -timeout:
 *  - sipp UAC -> our UAS (INVITE/100/180/200/ACK/BYE/200), UDP with -lost 10
 *    (retransmissions absorbed on both sides), and TCP;
 *  - our UAC -> sipp UAS, UDP and TCP;
 *  - CANCEL before answer both ways (scenarios/uac-cancel.xml,
 *    scenarios/uas-cancel.xml): 200 to the CANCEL, 487, ACK;
 *  - a re-INVITE mid-call from sipp (scenarios/uac-reinvite.xml).
 */
import { afterEach, expect, it } from "vitest";
import type { InviteClientSession } from "../../../src/sip/ua/uac-session.js";
import type { InviteServerSession } from "../../../src/sip/ua/uas-session.js";
import { PEERS, describeWithPeers } from "../../support/peers.js";
import { freePort } from "../../support/ports.js";
import { start } from "../../support/processes.js";
import { ANSWER, LOOP, OFFER, closeStacks, ours, scenario, sipp, transportFlag } from "./sipp-support.js";

afterEach(closeStacks);

describeWithPeers("sipp interop (RFC 3261 §13, §9, §14, §15)", [PEERS.sipp], () => {
  for (const protocol of ["udp", "tcp"] as const) {
    it(`sipp UAC -> our UAS over ${protocol.toUpperCase()}${protocol === "udp" ? " with 10% loss" : ""}`, async () => {
      const s = await ours();
      let answered = 0;
      let ended = 0;
      const causes = new Map<string, number>();
      const sessions: InviteServerSession[] = [];
      s.ua.onInvite((call: InviteServerSession) => {
        sessions.push(call);
        call.progress(180);
        call.accept({ body: { contentType: "application/sdp", content: ANSWER } });
        answered++;
        call.on("ended", (e) => {
          ended++;
          causes.set(e.cause, (causes.get(e.cause) ?? 0) + 1);
        });
      });
      const sippPort = await freePort();
      const calls = protocol === "udp" ? 40 : 20;
      const r = await sipp(["-sn", "uac", `${LOOP}:${s.port}`, "-i", LOOP, "-p", String(sippPort), "-t", transportFlag(protocol), "-m", String(calls), "-r", "20", ...(protocol === "udp" ? ["-lost", "10"] : [])], 90);
      expect(r.code, r.out).toBe(0);
      expect(answered).toBe(calls);
      // sipp matches a response by its status only: when it "lost" its own ACK and BYE, a retransmitted 2xx of
      // ours can stand in for the 200 to its BYE, and it counts the call as done. Our side of such a call is still
      // retransmitting the 2xx and waiting for the ACK (§13.3.1.4; BYE after 64*T1): Accepted, not lost.
      const open = sessions.filter((x) => !x.isEnded);
      expect(open.map((x) => x.state).filter((st) => st !== "Accepted"), open.map((x) => `${x.state} ${x.callId}`).join("\n")).toEqual([]);
      expect(ended).toBeGreaterThanOrEqual(answered - 3);
      expect([...causes.keys()].every((c) => c === "remote-bye")).toBe(true);
      if (protocol === "udp") {
        // Each call needs 180, 200 and the 200 to BYE; lost ones were sent again (2xx retransmission, §13.3.1.4)
        // or came again and were absorbed (INVITE and BYE retransmissions, §17.2).
        const extra = s.transport.counters.messagesOut - 3 * answered + s.transactions.counters.retransmissionsAbsorbed;
        expect(extra).toBeGreaterThan(0);
      }
    });

    it(`our UAC -> sipp UAS over ${protocol.toUpperCase()}`, async () => {
      const s = await ours();
      const sippPort = await freePort();
      const calls = 10;
      const p = start("sipp", ["-sn", "uas", "-i", LOOP, "-p", String(sippPort), "-t", transportFlag(protocol), "-m", String(calls), "-nostdin", "-timeout", "60s"]);
      await new Promise((r) => setTimeout(r, 300));
      const results = await Promise.all(
        Array.from({ length: calls }, (_v, i) =>
          new Promise<string>((resolve) => {
            const c: InviteClientSession = s.ua.invite({
              uri: `sip:service@${LOOP}:${sippPort}${protocol === "tcp" ? ";transport=tcp" : ""}`,
              from: `<sip:gw${i}@${LOOP}>`,
              to: `<sip:service@${LOOP}:${sippPort}>`,
              body: { contentType: "application/sdp", content: OFFER },
            });
            c.on("answered", () => setTimeout(() => c.bye(), 50));
            c.on("failed", (f) => resolve(`failed ${f.status} ${f.reason}`));
            c.on("ended", (e) => resolve(e.cause));
          }),
        ),
      );
      expect(results).toEqual(Array.from({ length: calls }, () => "local-bye"));
      expect(await p.exited(20_000), p.stderr()).toBe(0);
    });
  }

  it("CANCEL before answer: sipp UAC cancels while our UAS rings: 200, 487, ACK; the Reason comes up", async () => {
    const s = await ours();
    const reasons: string[] = [];
    s.ua.onInvite((call: InviteServerSession) => {
      call.progress(180);
      call.on("cancelled", (cancel) => reasons.push(cancel.get("Reason") ?? ""));
    });
    const r = await sipp(["-sf", scenario("uac-cancel.xml"), `${LOOP}:${s.port}`, "-i", LOOP, "-p", String(await freePort()), "-m", "5", "-r", "10"], 30);
    expect(r.code, r.out).toBe(0);
    expect(reasons).toEqual(Array.from({ length: 5 }, () => 'Q.850;cause=16;text="Normal call clearing"'));
    // The INVITE server transactions wait out Timer H/I or end; none is left in Proceeding.
    expect(s.ua.dialogCount).toBe(0);
  });

  it("CANCEL before answer: our UAC cancels while sipp's UAS rings", async () => {
    const s = await ours();
    const sippPort = await freePort();
    const p = start("sipp", ["-sf", scenario("uas-cancel.xml"), "-i", LOOP, "-p", String(sippPort), "-m", "3", "-nostdin", "-timeout", "30s"]);
    await new Promise((r) => setTimeout(r, 300));
    const results = await Promise.all(
      [0, 1, 2].map(
        (i) =>
          new Promise<string>((resolve) => {
            const c = s.ua.invite({ uri: `sip:service@${LOOP}:${sippPort}`, from: `<sip:gw${i}@${LOOP}>`, to: `<sip:service@${LOOP}:${sippPort}>`, body: { contentType: "application/sdp", content: OFFER } });
            c.on("progress", (resp) => {
              if (resp.status === 180) c.cancel({ headers: [{ name: "Reason", value: "Q.850;cause=31" }] });
            });
            c.on("failed", (f) => resolve(`${f.cause} ${f.status}`));
          }),
      ),
    );
    expect(results).toEqual(["cancelled 487", "cancelled 487", "cancelled 487"]);
    expect(await p.exited(20_000), p.stderr()).toBe(0);
  });

  it("re-INVITE mid-call from sipp: answered with a new answer, ACKed, then BYE", async () => {
    const s = await ours();
    const roles: string[] = [];
    s.ua.onInvite((call: InviteServerSession) => {
      call.accept({ body: { contentType: "application/sdp", content: ANSWER } });
      call.on("reinvite", (inc) => {
        roles.push(inc.bodyRole);
        inc.accept({ body: { contentType: "application/sdp", content: ANSWER.replace("RTP/AVP 0", "RTP/AVP 8").replace("rtpmap:0 PCMU", "rtpmap:8 PCMA") } });
      });
      call.on("ack", (_a, role) => roles.push(`ack ${role}`));
    });
    const r = await sipp(["-sf", scenario("uac-reinvite.xml"), `${LOOP}:${s.port}`, "-i", LOOP, "-p", String(await freePort()), "-m", "3", "-r", "5"], 30);
    expect(r.code, r.out).toBe(0);
    expect(roles).toEqual(["offer", "ack none", "offer", "ack none", "offer", "ack none"]);
  });
});
