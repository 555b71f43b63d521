/**
 * Call flows of the ISUP <-> SIP interworking unit, each a golden transcript
 * (test/golden/interworking/): the RFC 3398 ladders of §7.1 (SIP origination)
 * and §8.1 (ISUP origination), with the media requests they cause.
 */
import { describe, expect, it } from "vitest";
import { getParameter } from "../../../src/ss7/isup/codec/index.js";
import type { InviteServerSession } from "../../../src/sip/ua/index.js";
import { expectOk, iam } from "../isup/harness.js";
import { makeBench } from "./harness.js";

const OFFER = "v=0\r\no=- 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";
const ANSWER = "v=0\r\no=- 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 30000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n";

describe("ISUP <-> SIP call flows (RFC 3398)", () => {
  it("§8.1.1 ISUP origination: IAM -> INVITE, 180 -> ACM, 200 -> ANM, REL -> BYE", async () => {
    const b = makeBench();
    b.pair.startBoth();
    let callee: InviteServerSession | undefined;
    b.peer.onInvite((s) => {
      callee = s;
      s.progress(180);
    });
    b.note("the exchange calls 2125551234 from 3125550100");
    const out = b.pair.b.node.setupRequest({ group: "to-A", iam: iam("itu", "2125551234") });
    if (!out.ok) throw new Error(out.reason);
    await b.run(300);
    expect(callee).toBeDefined();
    expect(callee?.request.requestUri?.kind === "sip" && callee.request.requestUri.user).toBe("+12125551234");
    expect(b.pair.b.user.last("ADDRESS-COMPLETE.ind")).toBeDefined();
    b.note("the SIP side answers");
    callee?.accept({ body: { contentType: "application/sdp", content: ANSWER } });
    await b.run(300);
    expect(b.pair.b.user.last("ANSWER.ind")).toBeDefined();
    b.note("the exchange clears (cause 16)");
    expectOk(b.pair.b.node.releaseRequest(out.call, { cause: 16, location: 0 }));
    await b.run(300);
    expect(callee?.isEnded).toBe(true);
    expect(b.media.streams.size).toBe(0);
    b.pair.stop();
    await expect(b.text()).toMatchFileSnapshot("../../golden/interworking/isup-origination.txt");
  });

  it("RFC 3578 §2 overlap from ISUP: IAM 212, SAM 5551234 -> one INVITE with the whole number once the route has its digits", async () => {
    const b = makeBench({ overlap: true });
    b.pair.startBoth();
    const invites: string[] = [];
    b.peer.onInvite((s) => {
      invites.push(s.request.requestUri?.kind === "sip" ? (s.request.requestUri.user ?? "") : "");
      s.reject(486);
    });
    const out = b.pair.b.node.setupRequest({ group: "to-A", iam: iam("itu", "212") });
    if (!out.ok) throw new Error(out.reason);
    await b.run(1000);
    expect(invites).toEqual([]);
    b.note("the rest of the number arrives");
    expectOk(b.pair.b.node.subsequentAddressRequest(out.call, { messageType: "SAM", parameters: [{ name: "subsequentNumber", value: { digits: "5551234" } }] }));
    await b.run(500);
    expect(invites).toEqual(["+12125551234"]);
    expect(b.pair.b.user.last("RELEASE.ind")).toMatchObject({ cause: 17 });
    b.pair.stop();
    await expect(b.text()).toMatchFileSnapshot("../../golden/interworking/isup-overlap.txt");
  });

  it("redirection and category: IAM redirecting number, OCN, redirection information, payphone -> Diversion, History-Info, cpc; and back", async () => {
    const b = makeBench();
    b.pair.startBoth();
    const seen: Record<string, string> = {};
    b.peer.onInvite((s) => {
      for (const h of ["Diversion", "History-Info", "P-Asserted-Identity"]) seen[h] = s.request.get(h) ?? "";
      s.reject(486);
    });
    const base = iam("itu", "2125551234");
    const withRedirection = {
      ...base,
      parameters: [
        ...base.parameters.map((p) => (p.name === "callingPartysCategory" ? { name: p.name, value: { callingPartysCategory: 15 } } : p)),
        { name: "redirectingNumber", value: { natureOfAddressIndicator: 3, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, digits: "2125550111" } },
        { name: "originalCalledNumber", value: { natureOfAddressIndicator: 3, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, digits: "2125550100" } },
        { name: "redirectionInformation", value: { redirectingIndicator: 3, originalRedirectionReason: 1, redirectionCounter: 2, redirectingReason: 2 } },
      ],
    } as typeof base;
    const out = b.pair.b.node.setupRequest({ group: "to-A", iam: withRedirection });
    if (!out.ok) throw new Error(out.reason);
    await b.run(300);
    // RFC 5806: most recent diversion first; RFC 7044 with RFC 4458 causes: 486 (busy) then 408 (no reply).
    expect(seen["Diversion"]).toBe("<sip:+12125550111@192.0.2.1;user=phone>;reason=no-answer;counter=1, <sip:+12125550100@192.0.2.1;user=phone>;reason=user-busy;counter=1");
    expect(seen["History-Info"]).toContain(";cause=486");
    expect(seen["History-Info"]).toContain(";cause=408");
    expect(seen["P-Asserted-Identity"]).toContain(";cpc=payphone");

    b.note("and back: an INVITE with Diversion and a payphone's asserted number");
    const invite = b.peer.invite({
      uri: "sip:+12125551234@192.0.2.1;user=phone",
      from: "<sip:+13125550100@192.0.2.2;user=phone>",
      to: "<sip:+12125551234@192.0.2.1;user=phone>",
      target: { protocol: "udp", host: "192.0.2.1", port: 5060 },
      headers: [
        { name: "P-Asserted-Identity", value: "<sip:+13125550100;cpc=payphone@192.0.2.2;user=phone>" },
        { name: "Diversion", value: "<sip:+12125550111@192.0.2.2;user=phone>;reason=unconditional;counter=1" },
      ],
      body: { contentType: "application/sdp", content: OFFER },
    });
    invite.on("failed", () => undefined);
    await b.run(300);
    const setup = b.pair.b.user.last("SETUP.ind");
    expect(setup && getParameter(setup.message, "callingPartysCategory")).toMatchObject({ callingPartysCategory: 15 });
    expect(setup && getParameter(setup.message, "redirectingNumber")).toMatchObject({ digits: "2125550111" });
    expect(setup && getParameter(setup.message, "redirectionInformation")).toMatchObject({ redirectingReason: 3, redirectionCounter: 1 });
    b.pair.stop();
  });

  it("§7.1.1 SIP origination: INVITE -> IAM, ACM with in-band information -> 183 (§7.2.6), ANM -> 200, BYE -> REL", async () => {
    const b = makeBench();
    b.pair.startBoth();
    b.pair.b.user.onIndication = (ind) => {
      if (ind.primitive === "SETUP.ind") {
        expectOk(b.pair.b.node.addressCompleteRequest(ind.call, b.pair.sample("ACM")));
        b.clock.setTimer(200, () => expectOk(b.pair.b.node.answerRequest(ind.call, b.pair.sample("ANM"))));
      }
    };
    const events: string[] = [];
    const call = b.peer.invite({ uri: "sip:+12125551234@192.0.2.1;user=phone", from: "<sip:+13125550100@192.0.2.2;user=phone>", to: "<sip:+12125551234@192.0.2.1;user=phone>", target: { protocol: "udp", host: "192.0.2.1", port: 5060 }, body: { contentType: "application/sdp", content: OFFER } });
    call.on("progress", (r) => events.push(`progress ${r.status ?? 0}`));
    call.on("answered", (r) => events.push(`answered ${r.status ?? 0}`));
    await b.run(600);
    const setup = b.pair.b.user.last("SETUP.ind");
    expect(setup && getParameter(setup.message, "calledPartyNumber")).toMatchObject({ natureOfAddressIndicator: 3, digits: "2125551234" });
    expect(setup && getParameter(setup.message, "callingPartyNumber")).toMatchObject({ digits: "3125550100" });
    expect(events).toEqual(["progress 183", "answered 200"]);
    b.note("the SIP side hangs up");
    call.bye();
    await b.run(300);
    expect(b.pair.b.user.last("RELEASE.ind")).toMatchObject({ cause: 16 });
    b.pair.stop();
    await expect(b.text()).toMatchFileSnapshot("../../golden/interworking/sip-origination.txt");
  });

  it("§7.2.4.1 SIP origination, the exchange refuses with cause 17: 486 with Reason Q.850 17", async () => {
    const b = makeBench();
    b.pair.startBoth();
    b.pair.b.user.onIndication = (ind) => {
      if (ind.primitive === "SETUP.ind") expectOk(b.pair.b.node.releaseRequest(ind.call, { cause: 17, location: 0 }));
    };
    let failure = "";
    const call = b.peer.invite({ uri: "sip:5551234@192.0.2.1", from: "<sip:3125550100@192.0.2.2>", to: "<sip:5551234@192.0.2.1>", target: { protocol: "udp", host: "192.0.2.1", port: 5060 }, body: { contentType: "application/sdp", content: OFFER } });
    call.on("failed", (f) => (failure = `${f.status} ${f.response?.get("Reason") ?? ""}`));
    await b.run(600);
    expect(failure).toBe('486 Q.850;cause=17;text="User busy";location=U');
    b.pair.stop();
    await expect(b.text()).toMatchFileSnapshot("../../golden/interworking/sip-origination-busy.txt");
  });
});
