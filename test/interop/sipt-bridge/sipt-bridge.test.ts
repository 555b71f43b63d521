/**
 * PSTN - SIP-T - PSTN bridging between two gateways (RFC 3372 §4, RFC 3398
 * §7.2.1.1, RFC 3204): switch A -> gateway A -> INVITE with SDP and the
 * encapsulated IAM -> gateway B -> switch B, then ACM / ANM / REL back the
 * same way, audio across both cards, release from either end.
 *
 * Each ISUP message is taken byte-exactly from the gateways' SS7 frame
 * monitors (what switch A sent, what switch B received, and back) and
 * compared parameter by parameter; what RFC 3398 §7.2.1.1 lets the SIP header
 * fields overwrite (called and calling party number) is compared as a number
 * instead (isup-compare.ts says why for each exclusion). Every SIP datagram
 * between the gateways goes through a recording relay and is dissected by
 * tshark, which must find the ISUP message type and digits we meant and no
 * malformed packet or expert error.
 *
 * Run twice: both trunks with `sipt: required`, then with `sipt: optional`
 * (RFC 3204 §6 handling).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FarendCommand, FarendEvent } from "../../../hardware/farend/farend-process.js";
import { matching } from "../../../hardware/farend/farend-process.js";
import { toHex } from "../../../src/core/bytes.js";
import { readBodies } from "../../../src/interworking/sip-t/read-bodies.js";
import type { IsupMessage } from "../../../src/ss7/isup/codec/index.js";
import { decodeIsup, encodeIsup, isDecoded } from "../../../src/ss7/isup/codec/index.js";
import { describeWithPeers, PEERS } from "../../support/peers.js";
import type { BridgeSide, SiptMode } from "./bridge.js";
import { Bridge } from "./bridge.js";
import type { LinkIsup, NumberView, ParameterRow } from "./isup-compare.js";
import { compareParameters, formatRows, linkIsup, numberOf } from "./isup-compare.js";
import type { OurReading } from "./sip-capture.js";
import { MESSAGE_TYPE_CODE, readDatagram, tsharkRows } from "./sip-capture.js";
import { TestUac } from "./test-uac.js";

/** Switch B leaves calls to 212... to the test (ACM, ANM, release on command). */
const RULES_B = [{ prefix: "212", action: "manual" as const }];

/** Q.850 location (Q.850 §2.2.5) and ITU coding standard a libss7 REL carries are checked as they came. */
interface CallPlan {
  readonly name: string;
  readonly cic: number;
  readonly call: FarendCommand & { readonly called: string; readonly calling: string };
  readonly releasedBy: "A" | "B";
  readonly cause: number;
}

const PLANS: readonly CallPlan[] = [
  {
    name: "presentation allowed, ordinary subscriber, 3.1 kHz audio; released by switch A (cause 16)",
    cic: 5,
    call: { cmd: "call", cic: 5, called: "2125551234", calling: "3125550100", category: 10, transcap: 3, called_nai: 3, calling_nai: 3, pres: 0, screen: 3 },
    releasedBy: "A",
    cause: 16,
  },
  {
    name: "presentation restricted, payphone, speech; released by switch B (cause 31)",
    cic: 6,
    call: { cmd: "call", cic: 6, called: "2125557788", calling: "3125550111", category: 15, transcap: 0, called_nai: 3, calling_nai: 3, pres: 1, screen: 3 },
    releasedBy: "B",
    cause: 31,
  },
];

const NO_ISUP: IsupMessage = { messageType: "", parameters: [] };

/**
 * An IAM as a SIP-T originator would encapsulate it (no CIC, RFC 3204 §3.1),
 * with optional parameters libss7 cannot send: Q.763 §3.57 user service
 * information, §3.26 generic number (additional calling party number),
 * §3.39 original called number, §3.44 redirecting number, §3.45 redirection
 * information, §3.38 optional forward call indicators, §3.80 hop counter,
 * §3.42 propagation delay counter. The called number ends with ST (§3.9).
 */
const RICH_IAM: IsupMessage = {
  messageType: "IAM",
  parameters: [
    { name: "natureOfConnectionIndicators", value: { satelliteIndicator: 1, continuityCheckIndicator: 0, echoControlDeviceIndicator: 1 } },
    {
      name: "forwardCallIndicators",
      value: { nationalInternationalCallIndicator: 0, endToEndMethodIndicator: 0, interworkingIndicator: 0, endToEndInformationIndicator: 0, isdnUserPartIndicator: 1, isdnUserPartPreferenceIndicator: 0, isdnAccessIndicator: 1, sccpMethodIndicator: 0 },
    },
    { name: "callingPartysCategory", value: { callingPartysCategory: 10 } },
    { name: "transmissionMediumRequirement", value: { transmissionMediumRequirement: 3 } },
    { name: "calledPartyNumber", value: { natureOfAddressIndicator: 3, internalNetworkNumberIndicator: 0, numberingPlanIndicator: 1, digits: "2125550199F" } },
    { name: "callingPartyNumber", value: { natureOfAddressIndicator: 3, numberIncompleteIndicator: 0, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, screeningIndicator: 3, digits: "3125550123" } },
    { name: "optionalForwardCallIndicators", value: { closedUserGroupCallIndicator: 0, simpleSegmentationIndicator: 0, connectedLineIdentityRequestIndicator: 1 } },
    { name: "userServiceInformation", value: { codingStandard: 0, informationTransferCapability: 16, transferMode: 0, informationTransferRate: 16, userInformationLayer1Protocol: 3 } },
    { name: "genericNumber", value: { numberQualifierIndicator: 6, natureOfAddressIndicator: 3, numberIncompleteIndicator: 0, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, screeningIndicator: 1, digits: "6465550106" } },
    { name: "originalCalledNumber", value: { natureOfAddressIndicator: 3, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, digits: "4155550102" } },
    { name: "redirectingNumber", value: { natureOfAddressIndicator: 3, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, digits: "4155550101" } },
    { name: "redirectionInformation", value: { redirectingIndicator: 3, originalRedirectionReason: 1, redirectionCounter: 1, redirectingReason: 1 } },
    { name: "hopCounter", value: { hopCounter: 20 } },
    { name: "propagationDelayCounter", value: { propagationDelayValue: 12 } },
  ],
};

const TONE_A_TO_B = 1004;
const TONE_B_TO_A = 1400;

function isupOn(side: BridgeSide, from: number, direction: "tx" | "rx", type: string, cic: number): LinkIsup | undefined {
  return linkIsup(side.frames, from).find((m) => m.direction === direction && m.message.messageType === type && m.message.cic === cic);
}

async function awaitIsup(bridge: Bridge, side: BridgeSide, from: number, direction: "tx" | "rx", type: string, cic: number): Promise<LinkIsup> {
  let found: LinkIsup | undefined;
  await bridge.until(() => (found = isupOn(side, from, direction, type, cic)) !== undefined, 10_000, `${type} ${direction} on CIC ${cic} at gateway ${side === bridge.a ? "A" : "B"}`);
  return found as LinkIsup;
}

/** Differences the comparison found, as readable lines (empty when everything crossed as sent). */
function problems(rows: readonly ParameterRow[]): string[] {
  return rows.filter((r) => r.verdict !== "same" && r.verdict !== "excluded").map((r) => `${r.parameter}: ${r.verdict}, sent ${r.sent}, received ${r.received}`);
}

describeWithPeers("ISUP - SIP-T - ISUP between two gateways", [PEERS.libss7, PEERS.spandsp, PEERS.tshark, PEERS.text2pcap], () => {
  describe.each(["required", "optional"] as const)("both SIP trunks with sipt: %s", (mode: SiptMode) => {
    let bridge: Bridge;
    let work: string;
    const report: string[] = [];
    /** Called party numbers as sent into the bridge and as they came out at switch B. */
    const calledPairs: { what: string; sent: NumberView | undefined; received: NumberView | undefined }[] = [];

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), "sipt-bridge-"));
      bridge = await Bridge.start(mode, RULES_B);
    }, 90_000);

    afterAll(async () => {
      if (report.length > 0) console.log(`--- sipt: ${mode} ---\n${report.join("\n")}`);
      await bridge?.dispose();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    for (const plan of PLANS) {
      it(`call: ${plan.name}`, async () => {
        const { a, b } = bridge;
        const swA = a.rig.farend;
        const swB = b.rig.farend;
        const fa = a.frames.length;
        const fb = b.frames.length;
        const markA = swA.mark();
        const markB = swB.mark();

        // --- IAM: switch A -> gateway A -> INVITE -> gateway B -> switch B
        await swA.request(plan.call);
        const iamAtB = await swB.waitFor(matching("rx", { msg: "IAM", called: plan.call.called }), 10_000, { from: markB, what: "IAM at switch B" });
        const cicB = Number(iamAtB["cic"]);
        const sent = await awaitIsup(bridge, a, fa, "rx", "IAM", plan.cic);
        const received = await awaitIsup(bridge, b, fb, "tx", "IAM", cicB);
        const rows = compareParameters(sent.message, received.message);
        report.push(formatRows(`IAM (${plan.name}): switch A CIC ${plan.cic} -> switch B CIC ${cicB}`, rows));

        // The numbers the SIP header fields carried instead (RFC 3398 §7.2.1.1, §8.2.1.1).
        const cdA = numberOf(sent.message, "calledPartyNumber");
        const cdB = numberOf(received.message, "calledPartyNumber");
        const cgA = numberOf(sent.message, "callingPartyNumber");
        const cgB = numberOf(received.message, "callingPartyNumber");
        report.push(`  called  sent ${JSON.stringify(cdA)}  received ${JSON.stringify(cdB)}`, `  calling sent ${JSON.stringify(cgA)}  received ${JSON.stringify(cgB)}`);
        calledPairs.push({ what: `call from switch A to ${plan.call.called}`, sent: cdA, received: cdB });
        expect(cdB?.digits).toBe(plan.call.called);
        expect({ nai: cdB?.nai, npi: cdB?.npi }).toEqual({ nai: cdA?.nai, npi: cdA?.npi });
        expect(cgB, "calling party number at switch B").toBeDefined();
        expect({ digits: cgB?.digits, nai: cgB?.nai, npi: cgB?.npi, apri: cgB?.apri }).toEqual({ digits: cgA?.digits, nai: cgA?.nai, npi: cgA?.npi, apri: cgA?.apri });
        // What libss7 itself reports of the IAM it received.
        expect(iamAtB).toMatchObject({ calling: plan.call.calling, pres: plan.call["pres"], category: plan.call["category"], transcap: plan.call["transcap"] });
        expect(problems(rows), formatRows("IAM", rows)).toEqual([]);
        // Gateway A encapsulated the IAM exactly as switch A sent it, less the CIC (RFC 3204 §3.1).
        const invite = bridge.relay.datagrams.map(readDatagram).find((o) => o.what === "INVITE" && numberOf(o.isup ?? NO_ISUP, "calledPartyNumber")?.digits === plan.call.called);
        expect(invite?.isupOctets && toHex(invite.isupOctets), "application/ISUP of the INVITE").toBe(toHex(sent.octets.subarray(2)));

        // --- ACM: switch B -> gateway B -> 180 (ACM encapsulated) -> gateway A -> switch A
        await swB.request({ cmd: "alert", cic: cicB });
        const acmSent = await awaitIsup(bridge, b, fb, "rx", "ACM", cicB);
        const acmRecv = await awaitIsup(bridge, a, fa, "tx", "ACM", plan.cic);
        const acmRows = compareParameters(acmSent.message, acmRecv.message);
        report.push(formatRows(`ACM: switch B CIC ${cicB} -> switch A CIC ${plan.cic}`, acmRows));
        expect(problems(acmRows), formatRows("ACM", acmRows)).toEqual([]);
        await swA.waitFor(matching("rx", { msg: "ACM", cic: plan.cic }), 5_000, { from: markA, what: "ACM at switch A" });

        // --- ANM: switch B -> gateway B -> 200 (ANM encapsulated) -> gateway A -> switch A
        await swB.request({ cmd: "answer", cic: cicB });
        const anmSent = await awaitIsup(bridge, b, fb, "rx", "ANM", cicB);
        const anmRecv = await awaitIsup(bridge, a, fa, "tx", "ANM", plan.cic);
        const anmRows = compareParameters(anmSent.message, anmRecv.message);
        report.push(formatRows(`ANM: switch B CIC ${cicB} -> switch A CIC ${plan.cic}`, anmRows));
        expect(problems(anmRows), formatRows("ANM", anmRows)).toEqual([]);
        await swA.waitFor(matching("rx", { msg: "ANM", cic: plan.cic }), 5_000, { from: markA, what: "ANM at switch A" });

        // --- audio across both cards, both ways (TDM A -> RTP -> TDM B and back)
        const tB = swB.mark();
        await swB.request({ cmd: "detect", cic: cicB, freq: TONE_A_TO_B, min_dbm0: -30 });
        await swA.request({ cmd: "play", cic: plan.cic, tone: TONE_A_TO_B, dbm0: -10 });
        const toneAtB: FarendEvent = await swB.waitFor(matching("tone", { freq: TONE_A_TO_B }), 8_000, { from: tB, what: `${TONE_A_TO_B} Hz at switch B` });
        await swA.request({ cmd: "stop", cic: plan.cic });
        const tA = swA.mark();
        await swA.request({ cmd: "detect", cic: plan.cic, freq: TONE_B_TO_A, min_dbm0: -30 });
        await swB.request({ cmd: "play", cic: cicB, tone: TONE_B_TO_A, dbm0: -10 });
        const toneAtA: FarendEvent = await swA.waitFor(matching("tone", { freq: TONE_B_TO_A }), 8_000, { from: tA, what: `${TONE_B_TO_A} Hz at switch A` });
        await swB.request({ cmd: "stop", cic: cicB });
        report.push(`  audio A->B ${JSON.stringify(toneAtB)}`, `  audio B->A ${JSON.stringify(toneAtA)}`);
        for (const [t, hz] of [[toneAtB, TONE_A_TO_B], [toneAtA, TONE_B_TO_A]] as const) {
          expect(Math.abs(Number(t["hz"]) - hz), JSON.stringify(t)).toBeLessThan(10);
          // Two G.711 A-law hops with no gain: the level arrives within 1 dB of the -10 dBm0 played.
          expect(Math.abs(Number(t["dbm0"]) + 10), JSON.stringify(t)).toBeLessThan(1);
        }

        // --- release from one end: REL crosses, RLC on both links, all four legs idle
        const [relSide, farSide, relSwitch, relCic, farCic] = plan.releasedBy === "A" ? [a, b, swA, plan.cic, cicB] : [b, a, swB, cicB, plan.cic];
        const farSwitch = plan.releasedBy === "A" ? swB : swA;
        const farMark = plan.releasedBy === "A" ? markB : markA;
        await relSwitch.request({ cmd: "release", cic: relCic, cause: plan.cause });
        const relSent = await awaitIsup(bridge, relSide, plan.releasedBy === "A" ? fa : fb, "rx", "REL", relCic);
        const relRecv = await awaitIsup(bridge, farSide, plan.releasedBy === "A" ? fb : fa, "tx", "REL", farCic);
        const relRows = compareParameters(relSent.message, relRecv.message);
        report.push(formatRows(`REL: switch ${plan.releasedBy} CIC ${relCic} -> the other switch CIC ${farCic}`, relRows));
        const relAtFar = await farSwitch.waitFor(matching("rx", { msg: "REL", cic: farCic }), 5_000, { from: farMark, what: "REL at the other switch" });
        expect(relAtFar).toMatchObject({ cause: plan.cause });
        await awaitIsup(bridge, relSide, plan.releasedBy === "A" ? fa : fb, "tx", "RLC", relCic);
        await awaitIsup(bridge, farSide, plan.releasedBy === "A" ? fb : fa, "rx", "RLC", farCic);
        await bridge.until(
          () => Bridge.calls(a).length === 0 && Bridge.calls(b).length === 0 && Bridge.circuitState(a, plan.cic) === "Idle" && Bridge.circuitState(b, cicB) === "Idle",
          5_000,
          "both gateways idle",
        );
        await swA.waitFor(matching("state", { cic: plan.cic, state: "idle" }), 5_000, { from: markA, what: "switch A circuit idle" });
        await swB.waitFor(matching("state", { cic: cicB, state: "idle" }), 5_000, { from: markB, what: "switch B circuit idle" });
        expect(problems(relRows), formatRows("REL", relRows)).toEqual([]);
      }, 60_000);
    }

    it("an encapsulated IAM with optional parameters (USI, generic number, redirection, OCN, hop counter ...) reaches switch B as encapsulated", async () => {
      const { b } = bridge;
      const swB = b.rig.farend;
      const fb = b.frames.length;
      const markB = swB.mark();
      const encapsulated = encodeIsup(RICH_IAM, { variant: "itu", sipt: true });
      const meant = decodeIsup(encapsulated, { variant: "itu", sipt: true });
      if (!meant.ok) throw new Error(`our own IAM does not decode: ${meant.error.reason}`);
      const uac = await TestUac.open();
      try {
        uac.invite({ host: "127.0.0.1", port: b.rig.sipPort }, { called: "+12125550199", calling: "+13125550123", isup: encapsulated, handling: mode, rtpPort: 40_000 });
        const iamAtB = await swB.waitFor(matching("rx", { msg: "IAM", called: "2125550199" }), 10_000, { from: markB, what: "IAM at switch B" });
        const cicB = Number(iamAtB["cic"]);
        const received = await awaitIsup(bridge, b, fb, "tx", "IAM", cicB);
        const rows = compareParameters(meant.value, received.message);
        report.push(formatRows(`IAM encapsulated by a SIP-T originator -> switch B CIC ${cicB}`, rows));
        const hop = (m: IsupMessage): number | undefined => {
          const p = m.parameters.find((q) => q.name === "hopCounter");
          return p && isDecoded(p) ? Number(p.value["hopCounter"]) : undefined;
        };
        report.push(`  hop counter sent ${hop(meant.value)} received ${hop(received.message)}`);
        expect(hop(received.message), "hop counter at switch B").toBeDefined();
        // Q.764 §2.1.1.1: gateway B counts itself as one exchange.
        expect(hop(received.message)).toBe((hop(meant.value) ?? 0) - 1);
        const cd = numberOf(received.message, "calledPartyNumber");
        calledPairs.push({ what: "IAM encapsulated by a SIP-T originator", sent: numberOf(meant.value, "calledPartyNumber"), received: cd });
        const cg = numberOf(received.message, "callingPartyNumber");
        expect({ digits: cd?.digits, nai: cd?.nai, npi: cd?.npi }).toEqual({ digits: "2125550199", nai: 3, npi: 1 });
        expect({ digits: cg?.digits, nai: cg?.nai, npi: cg?.npi, apri: cg?.apri }).toEqual({ digits: "3125550123", nai: 3, npi: 1, apri: 0 });
        expect(problems(rows), formatRows("IAM", rows)).toEqual([]);

        // Switch B refuses (user busy): REL -> 486 with the REL encapsulated and the cause in Reason
        // (RFC 3398 §7.2.4.1, RFC 3326), then RLC; our ACK ends the INVITE transaction.
        await swB.request({ cmd: "release", cic: cicB, cause: 17 });
        const final = await uac.waitResponse((m) => (m.status ?? 0) >= 300, 10_000, "final response");
        uac.ackFailure(final);
        expect(final.status).toBe(486);
        expect(final.get("Reason") ?? "").toMatch(/Q\.850;cause=17\b/);
        const relBody = readBodies(final.get("Content-Type"), final.get("Content-Disposition"), final.body, { isupVersions: ["itu-t92+"] });
        const rel = relBody.ok && relBody.isup ? decodeIsup(relBody.isup.octets, { variant: "itu", sipt: true }) : undefined;
        expect(rel?.ok && rel.value.messageType, "encapsulated REL in the 486").toBe("REL");
        const relSent = await awaitIsup(bridge, b, fb, "rx", "REL", cicB);
        if (rel?.ok) {
          const relRows = compareParameters(relSent.message, rel.value);
          report.push(formatRows("REL from switch B -> encapsulated in the 486", relRows));
          expect(problems(relRows)).toEqual([]);
        }
        await awaitIsup(bridge, b, fb, "tx", "RLC", cicB);
        await bridge.until(() => Bridge.calls(b).length === 0 && Bridge.circuitState(b, cicB) === "Idle", 5_000, "gateway B idle");
      } finally {
        uac.close();
      }
    }, 30_000);

    it("the called party number keeps its ST end-of-pulsing signal when the Request-URI names the same number", () => {
      // RFC 3398 §7.2.1.1: the encapsulated IAM's parameters SHOULD be reused; the Request-URI's number
      // MUST win, but when it is the number of the encapsulated called party number the parameter can
      // cross as it was. Without ST (Q.763 §3.9, address signal 1111) the next exchange cannot know the
      // number is complete and waits for more digits (Q.764 timer T35) in an open numbering plan.
      expect(calledPairs.length).toBe(PLANS.length + 1);
      for (const p of calledPairs) {
        expect(p.sent?.st, `${p.what}: the IAM sent into the bridge ends with ST`).toBe(true);
        expect(p.received?.st, `${p.what}: ST at switch B`).toBe(true);
      }
    });

    it("every SIP message between the gateways: SIP-T bodies as meant, tshark agrees, nothing malformed", () => {
      const datagrams = bridge.relay.datagrams;
      expect(bridge.relay.strays).toBe(0);
      const ours: OurReading[] = datagrams.map(readDatagram);
      const rows = tsharkRows(datagrams, work, `bridge-${mode}`);
      expect(rows).toHaveLength(datagrams.length);
      const ladder: string[] = [];
      ours.forEach((o, i) => {
        const row = rows[i] as ReadonlyMap<string, string>;
        const what = `datagram ${i} ${o.datagram.from}->${o.datagram.from === "A" ? "B" : "A"} ${o.what} (${o.cseqMethod})`;
        ladder.push(`  ${what}${o.isup ? ` + ${o.isup.messageType} (handling=${o.handling})` : ""}${o.sdp ? " + SDP" : ""}`);
        // tshark saw the same SIP message.
        if (/^\d+$/.test(o.what)) expect(row.get("sip.Status-Code"), what).toBe(o.what);
        else expect(row.get("sip.Method"), what).toBe(o.what);
        expect(row.get("_ws.malformed"), what).toBe("");
        // Expert severities (epan/proto.h): 0x00800000 is error. tshark 4.0 puts a warning
        // ("Trailing stray characters") on any SIP message with a binary or multipart body.
        const sev = (row.get("_ws.expert.severity") ?? "").split("|").filter((x) => x.length > 0).map(Number);
        expect(Math.max(0, ...sev), `${what}: ${row.get("_ws.expert.message")}`).toBeLessThan(0x00800000);
        const codes = (row.get("isup.message_type") ?? "").split("|").filter((x) => x.length > 0).map(Number);
        if (!o.isup) {
          expect(codes, what).toEqual([]);
          return;
        }
        expect(o.handling, what).toBe(mode);
        expect(codes, what).toEqual([MESSAGE_TYPE_CODE[o.isup.messageType]]);
        const called = numberOf(o.isup, "calledPartyNumber");
        // tshark prints the ST signal (Q.763 §3.9 address signal 15) as "F".
        if (called) expect(row.get("isup.called"), what).toBe(`${called.digits}${called.st ? "F" : ""}`);
        const calling = numberOf(o.isup, "callingPartyNumber");
        if (calling) expect(row.get("isup.calling"), what).toBe(calling.digits);
      });
      report.push(`SIP between the gateways (${datagrams.length} datagrams):`, ...ladder);

      // The intended ISUP in each message of the dialogue (RFC 3372 §5, RFC 3398 §7, §8).
      const expectIsup = (sel: (o: OurReading) => boolean, type: string, what: string): void => {
        const hits = ours.filter(sel);
        expect(hits.length, what).toBeGreaterThan(0);
        for (const h of hits) expect(h.isup?.messageType, `${what}: datagram ${h.datagram.index}`).toBe(type);
      };
      expectIsup((o) => o.what === "INVITE", "IAM", "INVITE carries the IAM");
      // libss7's ACM says "no indication" of the called party's status: 183 (RFC 3398 §7.2.5).
      expectIsup((o) => /^18[0-3]$/.test(o.what), "ACM", "the 18x carries the ACM");
      expectIsup((o) => o.what === "200" && o.cseqMethod === "INVITE", "ANM", "200 to the INVITE carries the ANM");
      for (const plan of PLANS) {
        const inv = ours.find((o) => o.what === "INVITE" && numberOf(o.isup ?? NO_ISUP, "calledPartyNumber")?.digits === plan.call.called);
        expect(inv, `INVITE for ${plan.call.called}`).toBeDefined();
        const calling = numberOf(inv?.isup ?? NO_ISUP, "callingPartyNumber");
        expect(calling?.digits, `encapsulated calling number for ${plan.call.called}`).toBe(plan.call.calling);
        // RFC 3398 §8.2.1.1 with RFC 3323 / RFC 3325: a restricted calling number is not in From; Privacy asks for id.
        if (plan.call["pres"] === 1) {
          expect(inv?.from, "From of a restricted caller").not.toContain(plan.call.calling);
          expect(inv?.privacy.split(";").map((x) => x.trim()), "Privacy of a restricted caller").toContain("id");
        } else expect(inv?.from, "From of a caller with presentation allowed").toContain(plan.call.calling);
        const byes = ours.filter((o) => o.callId === inv?.callId && o.what === "BYE");
        expect(byes.length, `BYE of the call to ${plan.call.called}`).toBeGreaterThan(0);
        expect(byes.every((o) => o.datagram.from === plan.releasedBy), `BYE sent by gateway ${plan.releasedBy}`).toBe(true);
        // RFC 3398 §10.2, RFC 3372 §5: the BYE carries the REL that caused it, with its cause.
        expect(byes.map((o) => o.isup?.messageType), `encapsulated REL in the BYE for ${plan.call.called}`).toEqual(byes.map(() => "REL"));
        expect(ours.some((o) => o.callId === inv?.callId && o.what === "200" && o.cseqMethod === "BYE"), `200 to the BYE for ${plan.call.called}`).toBe(true);
      }
    });
  });
});
