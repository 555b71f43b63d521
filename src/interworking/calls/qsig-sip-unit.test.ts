/**
 * QsigSipUnit under the manual clock: the gateway's Q.931 entity (network
 * side, ECMA-143) joined to a PBX entity (user side) by a data link double,
 * the gateway's SIP user agent and a SIP peer on a loopback network, and a
 * media switch double that records the RTP streams. Test names carry the
 * RFC 4497 clause they check.
 */
import { describe, expect, it } from "vitest";
import { RecordingLogger } from "../../core/logger.js";
import { resolveTimers } from "../../core/timers.js";
import type { Q931Call, CallIndication } from "../../isdn/q931/call/call.js";
import { BChannelPool } from "../../isdn/q931/call/channels.js";
import { Q931Layer3 } from "../../isdn/q931/call/layer3.js";
import type { RestartIndication } from "../../isdn/q931/call/layer3.js";
import { LinkPair } from "../../isdn/q931/call/test-harness.test-support.js";
import { decodeQ931, findIe, ie, SENDING_COMPLETE } from "../../isdn/q931/codec/q931-codec.js";
import type { Q931Ie, Q931Message } from "../../isdn/q931/codec/q931-codec.js";
import { q931Timers } from "../../isdn/q931/timers.js";
import { qsigFacilityOf } from "../../isdn/qsig/facility.js";
import { nameFromText } from "../../isdn/qsig/names.js";
import type { SipMessage } from "../../sip/syntax/message.js";
import type { InviteClientSession, InviteServerSession } from "../../sip/ua/index.js";
import { makeKit } from "../../sip/ua/ua-kit.test-support.js";
import type { Kit } from "../../sip/ua/ua-kit.test-support.js";
import { readBodies } from "../sip-t/read-bodies.js";
import type { SipTrunkInfo } from "./isup-sip-unit.js";
import type { CallMediaPlane } from "./media-plane.js";
import { q850CauseOf } from "./reason.js";
import type { CallRouting, RouteDecision, RouteRequest } from "./routing.js";
import { QsigSipUnit } from "./qsig-sip-unit.js";
import { MemoryMediaSwitch } from "../../media/memory-switch.test-support.js";

const TRUNK = "pbx";
const PEER_SDP = "v=0\r\no=- 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n";
const SPEECH = ie("bearerCapability", { codingStandard: 0, informationTransferCapability: 0, transferMode: 0, informationTransferRate: 0x10, layer1: { protocol: 3, additional: new Uint8Array(0) } });
const called = (digits: string): Q931Ie => ie("calledPartyNumber", { typeOfNumber: 0, numberingPlan: 0, digits });
const calling = (digits: string, presentation = 0): Q931Ie => ie("callingPartyNumber", { typeOfNumber: 0, numberingPlan: 0, presentation, screening: 0, digits });
const callingName = (text: string): Q931Ie => ie("facility", qsigFacilityOf([{ operation: "callingName", argument: { name: nameFromText(text, "allowed"), sequence: false } }], 1));

/** Prefix routes; a number shorter than `minDigits` of its route may still grow (RFC 3578). */
class Routes implements CallRouting {
  constructor(private readonly rules: readonly { from: string; prefix: string; to: string; kind: "sip" | "qsig" | "isup"; minDigits: number }[]) {}
  route(req: RouteRequest): RouteDecision {
    const r = this.rules.filter((x) => x.from === req.fromTrunk && req.called.startsWith(x.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
    if (!r) return { ok: false, cause: 3, reason: "no route" };
    if (req.called.replace(/^\+/, "").length < r.minDigits) return { ok: false, cause: 28, reason: "too few digits" };
    return { ok: true, route: r.prefix, targets: [{ trunk: r.to, kind: r.kind, called: req.called }] };
  }
  mayGrow(req: RouteRequest): boolean {
    const r = this.rules.filter((x) => x.from === req.fromTrunk && (req.called.startsWith(x.prefix) || x.prefix.startsWith(req.called)));
    return r.some((x) => x.prefix.length > req.called.length || req.called.replace(/^\+/, "").length < x.minDigits);
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Rig {
  readonly k: Kit;
  readonly unit: QsigSipUnit;
  readonly gw: Q931Layer3;
  readonly pbx: Q931Layer3;
  readonly link: LinkPair;
  readonly media: MemoryMediaSwitch;
  /** Indications at the PBX, as "ALERTING.ind" / "RELEASE.ind 17" lines, and the messages. */
  readonly atPbx: CallIndication[];
  readonly invites: InviteServerSession[];
  readonly others: InviteServerSession[];
  readonly log: RecordingLogger;
  onPbxSetup: (c: Q931Call, m: Q931Message) => void;
  settle(ms?: number): Promise<void>;
  pbxLines(): string[];
  sentByGateway(): Q931Message[];
}

function rig(opts: { sipt?: SipTrunkInfo["sipt"]; interDigitMs?: number } = {}): Rig {
  const k = makeKit();
  const log = new RecordingLogger();
  const link = new LinkPair(k.clock);
  const timers = resolveTimers(q931Timers);
  const media = new MemoryMediaSwitch(undefined, 30_000);
  const plane: CallMediaPlane = {
    media,
    channelOf: (span, ts) => (span === 1 ? 100 + ts : undefined),
    lawOf: () => "alaw",
    rtpBindAddress: "192.0.2.1",
    defaults: { dtmfMode: "rfc4733", echoCanceller: { enabled: false, tailMs: 64 }, ptimeMs: 20 },
  };
  const sip: SipTrunkInfo = { name: "sip", peers: [{ protocol: "udp", host: "192.0.2.2", port: 5060 }], sipt: opts.sipt ?? "off", isupVersion: "itu-t92+", trusted: true, failoverOn: [], noAnswerMs: 0, acceptAnySource: false };
  const routing = new Routes([
    { from: TRUNK, prefix: "5551", to: "sip", kind: "sip", minDigits: 7 },
    { from: TRUNK, prefix: "+4930", to: "sip", kind: "sip", minDigits: 0 },
    { from: TRUNK, prefix: "+493012345", to: "sip", kind: "sip", minDigits: 0 },
    { from: "sip", prefix: "6", to: TRUNK, kind: "qsig", minDigits: 0 },
    { from: "sip", prefix: "7", to: "pstn", kind: "isup", minDigits: 0 },
  ]);
  const unit = new QsigSipUnit({
    log,
    clock: k.clock,
    routing,
    qsigTrunks: [{ name: TRUNK, bearer: (ch) => ({ span: 1, timeslot: ch }) }],
    sipTrunks: [sip],
    media: plane,
    interDigitMs: 4000,
    localHost: "192.0.2.1",
    callingFromFrom: true,
    ...(opts.interDigitMs !== undefined ? { interDigitMs: opts.interDigitMs } : {}),
  });
  const atPbx: CallIndication[] = [];
  const invites: InviteServerSession[] = [];
  const others: InviteServerSession[] = [];
  const mk = (me: "A" | "B", side: "network" | "user", onIndication: (i: CallIndication) => void, onRestart: (r: RestartIndication) => void): Q931Layer3 =>
    new Q931Layer3({ dataLink: link.end(me), clock: k.clock, log: log.child({ end: me }), timers, side, mode: "qsig", channels: new BChannelPool([1, 2, 3, 4, 5], side === "network" ? "descending" : "ascending"), channelSelection: "exclusive", restartAttempts: 2, id: me, onIndication, onRestart });
  const gw = mk(
    "A",
    "network",
    (i) => unit.indication(TRUNK, i),
    (r) => unit.maintenance(TRUNK, { kind: "restart", restart: r }),
  );
  const r: Rig = {
    k,
    unit,
    gw,
    pbx: undefined as unknown as Q931Layer3,
    link,
    media,
    atPbx,
    invites,
    others,
    log,
    onPbxSetup: () => undefined,
    async settle(ms = 300) {
      for (let t = 0; t < ms; t += 5) {
        await flush();
        k.clock.advance(5);
      }
      await flush();
    },
    pbxLines: () => atPbx.map((i) => ("cause" in i ? `${i.primitive} ${i.cause}` : i.primitive)),
    sentByGateway: () =>
      link.sent.map((b) => decodeQ931(b)).flatMap((d) => (d.ok && d.value.callReference.value !== 0 ? [d.value] : [])),
  };
  const pbx = mk(
    "B",
    "user",
    (i) => {
      atPbx.push(i);
      if (i.primitive === "SETUP.ind") r.onPbxSetup(i.call, i.message);
      if (i.primitive === "DISCONNECT.ind") i.call.release();
    },
    () => undefined,
  );
  (r as { pbx: Q931Layer3 }).pbx = pbx;
  unit.attach(gw, TRUNK);
  unit.attachSip(k.alice.ua, (s) => others.push(s));
  k.bob.ua.onInvite((s) => invites.push(s));
  gw.start();
  return r;
}

function bodyOf(m: SipMessage): { sdp?: string; qsig?: Uint8Array } {
  const r = readBodies(m.get("Content-Type"), m.get("Content-Disposition"), m.body, { isupVersions: [], qsigVersions: ["iso"] });
  if (!r.ok) throw new Error(r.reason);
  return { ...(r.sdp !== undefined ? { sdp: r.sdp } : {}), ...(r.qsig ? { qsig: r.qsig.octets } : {}) };
}

const sdpBody = { contentType: "application/sdp", content: PEER_SDP };

/** A call from the PBX: SETUP on channel 3 with the given elements. */
function pbxCall(r: Rig, ies: readonly Q931Ie[]): Q931Call {
  const s = r.pbx.setup([SPEECH, ...ies], 3);
  if (!s.ok) throw new Error(s.reason);
  return s.call;
}

describe("QSIG -> SIP (RFC 4497 §8.2)", () => {
  it("§8.2.1 en bloc: SETUP -> CALL PROCEEDING + INVITE (§9.1 From/PAI, name); 180 -> ALERTING; 200 -> CONNECT with media; DISCONNECT -> BYE with Reason", async () => {
    const r = rig();
    await r.settle(10);
    const call = pbxCall(r, [SENDING_COMPLETE, callingName("Alice Smith"), calling("2001"), called("5551234")]);
    await r.settle();
    expect(r.pbxLines()).toEqual(["PROCEEDING.ind"]);
    expect(r.invites).toHaveLength(1);
    const inv = r.invites[0] as InviteServerSession;
    expect(inv.request.requestUri).toMatchObject({ kind: "sip", user: "5551234", host: "192.0.2.2" });
    expect(inv.request.get("From")).toMatch(/^"Alice Smith" <sip:2001@192\.0\.2\.1>;tag=/);
    expect(inv.request.get("P-Asserted-Identity")).toBe('"Alice Smith" <sip:2001@192.0.2.1>');
    const offer = bodyOf(inv.request).sdp ?? "";
    expect(offer).toMatch(/m=audio 3\d+ RTP\/AVP 8 0 101/);
    inv.progress(180);
    await r.settle();
    expect(r.pbxLines()).toEqual(["PROCEEDING.ind", "ALERTING.ind"]);
    const alerting = r.atPbx[1] as Extract<CallIndication, { message: Q931Message }>;
    expect(findIe(alerting.message, "progressIndicator")).toBeUndefined(); // §8.2.1.3: no in-band information
    inv.accept({ body: sdpBody });
    await r.settle();
    expect(r.pbxLines()).toEqual(["PROCEEDING.ind", "ALERTING.ind", "SETUP.conf"]);
    expect(call.state).toBe("Active");
    expect(r.gw.activeCalls[0]?.state).toBe("Active"); // CONNECT ACKNOWLEDGE received (ECMA-143)
    const stream = [...r.media.streams.values()][0];
    expect(stream).toMatchObject({ tdmChannel: 103, codec: "PCMA", remote: { address: "192.0.2.2", rtpPort: 40000 }, direction: "sendrecv" });
    expect(r.unit.list()).toMatchObject([{ direction: "qsig-to-sip", state: "answered", channel: 3, qsigTrunk: TRUNK }]);
    const byes: SipMessage[] = [];
    inv.on("bye", (m) => byes.push(m));
    call.disconnect(16);
    await r.settle();
    expect(byes).toHaveLength(1);
    expect(q850CauseOf(byes[0])).toEqual({ cause: 16, location: 1 }); // the PBX's location: private network serving the local user
    expect(r.pbxLines().at(-1)).toBe("RELEASE.conf 16");
    expect(r.unit.list()).toEqual([]);
    expect(r.media.streams.size).toBe(0);
    expect(r.media.openPorts.size).toBe(0);
  });

  it("§8.2.1.3: 183 with SDP -> PROGRESS with progress description 1 and early media; a 180 after it gives ALERTING with description 8", async () => {
    const r = rig();
    await r.settle(10);
    pbxCall(r, [SENDING_COMPLETE, called("5551234")]);
    await r.settle();
    const inv = r.invites[0] as InviteServerSession;
    inv.progress(183, { body: sdpBody });
    await r.settle();
    const progress = r.atPbx.at(-1) as Extract<CallIndication, { message: Q931Message }>;
    expect(progress.primitive).toBe("PROGRESS.ind");
    expect(findIe(progress.message, "progressIndicator")).toMatchObject({ description: 1, location: 1 });
    expect([...r.media.streams.values()][0]).toMatchObject({ remote: { address: "192.0.2.2", rtpPort: 40000 } });
    inv.progress(180, { body: sdpBody });
    await r.settle();
    const alerting = r.atPbx.at(-1) as Extract<CallIndication, { message: Q931Message }>;
    expect(alerting.primitive).toBe("ALERTING.ind");
    expect(findIe(alerting.message, "progressIndicator")).toMatchObject({ description: 8 });
  });

  it("§8.4.4 Table 2: 486 -> DISCONNECT cause 17; 404 -> cause 1; 503 -> cause 41", async () => {
    for (const [status, cause] of [
      [486, 17],
      [404, 1],
      [503, 41],
    ] as const) {
      const r = rig();
      await r.settle(10);
      const call = pbxCall(r, [SENDING_COMPLETE, called("5551234")]);
      await r.settle();
      (r.invites[0] as InviteServerSession).reject(status);
      await r.settle();
      expect(r.pbxLines(), `status ${status}`).toEqual(["PROCEEDING.ind", "DISCONNECT.ind", `RELEASE.conf ${cause}`]);
      const disc = r.atPbx[1] as Extract<CallIndication, { message: Q931Message }>;
      expect(findIe(disc.message, "cause")?.value).toBe(cause);
      expect(call.state).toBe("Null");
      expect(r.unit.list()).toEqual([]);
    }
  });

  it("§8.4.1 3): PBX clears while the SIP side rings -> CANCEL with the cause in Reason", async () => {
    const r = rig();
    await r.settle(10);
    const call = pbxCall(r, [SENDING_COMPLETE, called("5551234")]);
    await r.settle();
    const inv = r.invites[0] as InviteServerSession;
    const cancels: SipMessage[] = [];
    inv.on("cancelled", (m) => cancels.push(m));
    inv.progress(180);
    await r.settle();
    call.disconnect(31);
    await r.settle();
    expect(cancels).toHaveLength(1);
    expect(q850CauseOf(cancels[0])?.cause).toBe(31);
    expect(call.state).toBe("Null");
  });

  it("§8.4.2: BYE from SIP -> DISCONNECT cause 16", async () => {
    const r = rig();
    await r.settle(10);
    const call = pbxCall(r, [SENDING_COMPLETE, called("5551234")]);
    await r.settle();
    const inv = r.invites[0] as InviteServerSession;
    inv.accept({ body: sdpBody });
    await r.settle();
    inv.bye();
    await r.settle();
    expect(r.pbxLines()).toEqual(["PROCEEDING.ind", "SETUP.conf", "DISCONNECT.ind", "RELEASE.conf 16"]);
    expect(call.state).toBe("Null");
    expect(r.unit.list()).toEqual([]);
  });

  it("§8.2.2.1 overlap: SETUP without Sending complete -> SETUP ACKNOWLEDGE; INFORMATION digits collected; Sending complete -> INVITE with them all", async () => {
    const r = rig();
    await r.settle(10);
    const call = pbxCall(r, [called("55")]);
    await r.settle();
    expect(r.pbxLines()).toEqual(["MORE-INFO.ind"]);
    call.information([called("51")]);
    await r.settle();
    expect(r.invites).toHaveLength(0);
    call.information([SENDING_COMPLETE, called("234")]);
    await r.settle();
    expect(r.pbxLines()).toEqual(["MORE-INFO.ind", "PROCEEDING.ind"]);
    expect(r.invites[0]?.request.requestUri).toMatchObject({ user: "5551234" });
  });

  it("§8.2.2.1 overlap: the number is complete once no route can grow, or when the inter-digit timer runs out", async () => {
    const r = rig({ interDigitMs: 3000 });
    await r.settle(10);
    const a = pbxCall(r, [called("5551")]);
    await r.settle();
    a.information([called("234")]); // seven digits: the 5551 route cannot grow further
    await r.settle();
    expect(r.invites[0]?.request.requestUri).toMatchObject({ user: "5551234" });
    const s = r.pbx.setup([SPEECH, ie("calledPartyNumber", { typeOfNumber: 1, numberingPlan: 1, digits: "4930" })], 4);
    if (!s.ok) throw new Error(s.reason);
    await r.settle();
    s.call.information([ie("calledPartyNumber", { typeOfNumber: 1, numberingPlan: 1, digits: "1234" })]);
    await r.settle(2900);
    expect(r.invites).toHaveLength(1);
    await r.settle(200);
    expect(r.invites).toHaveLength(2);
    expect(r.invites[1]?.request.requestUri).toMatchObject({ user: "+49301234" });
  });

  it("§8.2.1.1: Sending complete with a number no route takes -> cleared with the routing cause (28: address incomplete)", async () => {
    const r = rig();
    await r.settle(10);
    const call = pbxCall(r, [SENDING_COMPLETE, called("555")]);
    await r.settle();
    expect(r.pbxLines()).toEqual(["RELEASE.ind 28"]);
    expect(call.state).toBe("Null");
    expect(r.invites).toHaveLength(0);
  });

  it("RFC 3204 §3.2: with sipt on, the INVITE carries the SETUP as application/QSIG beside the SDP", async () => {
    const r = rig({ sipt: "optional" });
    await r.settle(10);
    pbxCall(r, [SENDING_COMPLETE, calling("2001"), called("5551234")]);
    await r.settle();
    const b = bodyOf((r.invites[0] as InviteServerSession).request);
    expect(b.sdp).toBeDefined();
    const setup = decodeQ931(b.qsig ?? new Uint8Array(0));
    expect(setup.ok && setup.value.messageType).toBe("SETUP");
    expect(setup.ok && findIe(setup.value, "calledPartyNumber")?.digits).toBe("5551234");
  });
});

describe("SIP -> QSIG (RFC 4497 §8.3)", () => {
  function invite(r: Rig, user: string, headers: { name: string; value: string }[] = [], body: typeof sdpBody | undefined = sdpBody): InviteClientSession {
    return r.k.bob.ua.invite({ uri: `sip:${user}@192.0.2.1`, from: '"Bob B" <sip:+4930555@192.0.2.2>', to: `<sip:${user}@192.0.2.1>`, headers, ...(body ? { body } : {}) });
  }

  it("§8.3.1: INVITE -> SETUP on a hunted B-channel with Sending complete; ALERTING -> 180; CONNECT -> 200 with SDP, CONNECT ACK; BYE -> DISCONNECT 16", async () => {
    const r = rig();
    await r.settle(10);
    let pbxCallRef: Q931Call | undefined;
    let setupMsg: Q931Message | undefined;
    r.onPbxSetup = (c, m) => {
      pbxCallRef = c;
      setupMsg = m;
      c.alerting();
    };
    const s = invite(r, "6001");
    const responses: number[] = [];
    let okBody: string | undefined;
    s.on("progress", (m) => responses.push(m.status ?? 0));
    s.on("answered", (m) => {
      responses.push(m.status ?? 0);
      okBody = bodyOf(m).sdp;
    });
    await r.settle();
    expect(setupMsg && findIe(setupMsg, "calledPartyNumber")).toMatchObject({ digits: "6001" });
    expect(setupMsg && findIe(setupMsg, "channelIdentification")?.channels?.numbers).toEqual([5]); // network side hunts from the top
    expect(setupMsg && findIe(setupMsg, "callingPartyNumber")).toMatchObject({ digits: "4930555", typeOfNumber: 1, screening: 0 });
    expect(setupMsg?.ies.some((e) => e.kind === "single" && e.name === "sendingComplete")).toBe(true);
    expect(setupMsg && findIe(setupMsg, "bearerCapability")).toMatchObject({ informationTransferCapability: 16, layer1: { protocol: 3 } });
    expect(responses).toEqual([180]);
    pbxCallRef?.connect();
    await r.settle();
    expect(responses).toEqual([180, 200]);
    expect(okBody).toMatch(/m=audio 3\d+ RTP\/AVP 8/);
    expect(pbxCallRef?.state).toBe("Active");
    expect([...r.media.streams.values()][0]).toMatchObject({ tdmChannel: 105, remote: { address: "192.0.2.2", rtpPort: 40000 } });
    s.bye();
    await r.settle();
    expect(r.pbxLines()).toEqual(["SETUP.ind", "SETUP-COMPLETE.ind", "DISCONNECT.ind", "RELEASE.conf 16"]);
    expect(r.unit.list()).toEqual([]);
    expect(r.media.openPorts.size).toBe(0);
  });

  it("§8.4.1 5) Table 1: the PBX refuses with cause 17 -> 486 with Reason cause=17; cause 34 -> 503", async () => {
    for (const [cause, status] of [
      [17, 486],
      [34, 503],
      [1, 404],
    ] as const) {
      const r = rig();
      await r.settle(10);
      r.onPbxSetup = (c) => c.disconnect(cause);
      const s = invite(r, "6001");
      let failure: { status: number; reason?: number } | undefined;
      s.on("failed", (f) => {
        const q = q850CauseOf(f.response)?.cause;
        failure = { status: f.status, ...(q !== undefined ? { reason: q } : {}) };
      });
      await r.settle();
      expect(failure).toEqual({ status, reason: cause });
      expect(r.gw.activeCalls).toHaveLength(0);
    }
  });

  it("§8.3.3-§8.3.5: PROGRESS with description 8 -> 183 with the SDP answer; a PROGRESS without it -> 183 without SDP", async () => {
    const r = rig();
    await r.settle(10);
    let c: Q931Call | undefined;
    r.onPbxSetup = (x) => {
      c = x;
      x.proceeding();
    };
    const s = invite(r, "6001");
    const got: { status: number; sdp: boolean }[] = [];
    s.on("progress", (m) => m.status !== 100 && got.push({ status: m.status ?? 0, sdp: bodyOf(m).sdp !== undefined }));
    await r.settle();
    expect(got).toEqual([]); // §8.3.2: CALL PROCEEDING gives nothing
    c?.progress([ie("progressIndicator", { codingStandard: 0, location: 1, description: 2 })]);
    await r.settle();
    c?.progress([ie("progressIndicator", { codingStandard: 0, location: 1, description: 8 })]);
    await r.settle();
    expect(got).toEqual([
      { status: 183, sdp: false },
      { status: 183, sdp: true },
    ]);
  });

  it("§8.4.3: CANCEL while the PBX rings -> DISCONNECT 16", async () => {
    const r = rig();
    await r.settle(10);
    r.onPbxSetup = (c) => c.alerting();
    const s = invite(r, "6001");
    const fails: number[] = [];
    s.on("failed", (f) => fails.push(f.status));
    await r.settle();
    s.cancel();
    await r.settle();
    expect(fails).toEqual([487]);
    expect(r.pbxLines()).toEqual(["SETUP.ind", "DISCONNECT.ind", "RELEASE.conf 16"]);
  });

  it("§8.4.1 1): the PBX clears an answered call -> BYE with its cause; no B-channel left: 503 (§8.3.1)", async () => {
    const r = rig();
    await r.settle(10);
    let c: Q931Call | undefined;
    r.onPbxSetup = (x) => {
      c = x;
      x.connect();
    };
    const s = invite(r, "6001");
    const byes: SipMessage[] = [];
    s.on("bye", (m) => byes.push(m));
    await r.settle();
    expect(s.state).toBe("Confirmed");
    c?.disconnect(16);
    await r.settle();
    expect(q850CauseOf(byes[0])?.cause).toBe(16);
    expect(r.unit.list()).toEqual([]);
    // All five channels busy: the INVITE gets 503.
    r.onPbxSetup = () => undefined;
    for (let i = 0; i < 5; i++) invite(r, "6001");
    await r.settle();
    const last = invite(r, "6002");
    let status = 0;
    last.on("failed", (f) => (status = f.status));
    await r.settle();
    expect(status).toBe(503);
  });

  it("routing: INVITEs not routed to a QSIG trunk go to the other handler; without one, 404 with the routing cause in Reason", async () => {
    const r = rig();
    await r.settle(10);
    invite(r, "7001");
    invite(r, "9999");
    await r.settle();
    expect(r.others.map((s) => s.request.requestUri)).toMatchObject([{ user: "7001" }, { user: "9999" }]);
    r.unit.attachSip(r.k.alice.ua);
    const got: { status: number; cause: number | undefined }[] = [];
    for (const user of ["9999", "7001"]) invite(r, user).on("failed", (f) => got.push({ status: f.status, cause: q850CauseOf(f.response)?.cause }));
    await r.settle();
    expect(got).toEqual([
      { status: 404, cause: 3 },
      { status: 404, cause: 3 },
    ]);
    expect(r.unit.counters.rejectedInvites).toBe(2);
  });
});

describe("gateway-initiated clearing (RFC 4497 §8.4.5)", () => {
  it("D-channel loss: the active call's SIP side gets BYE with cause 27; the ringing SIP->QSIG call, cleared by Q.931 §5.8.9 with cause 41, gets 503 (Table 1); the active QSIG call is cleared (41) once the D-channel is back", async () => {
    const r = rig();
    await r.settle(10);
    const active = pbxCall(r, [SENDING_COMPLETE, called("5551234")]);
    await r.settle();
    const inv = r.invites[0] as InviteServerSession;
    inv.accept({ body: sdpBody });
    await r.settle();
    const byes: SipMessage[] = [];
    inv.on("bye", (m) => byes.push(m));
    r.onPbxSetup = (c) => c.alerting();
    const s = r.k.bob.ua.invite({ uri: "sip:6001@192.0.2.1", from: "<sip:bob@192.0.2.2>", to: "<sip:6001@192.0.2.1>", body: sdpBody });
    let status = 0;
    let reason: number | undefined;
    s.on("failed", (f) => {
      status = f.status;
      reason = q850CauseOf(f.response)?.cause;
    });
    await r.settle();
    expect(active.state).toBe("Active");
    r.link.fail();
    r.unit.maintenance(TRUNK, { kind: "d-channel-down", physical: false });
    await r.settle();
    expect(q850CauseOf(byes[0])?.cause).toBe(27);
    // Q.931 §5.8.9 cleared the ringing call internally (41): Table 1 for a lost link.
    expect({ status, reason }).toEqual({ status: 503, reason: 41 });
    expect(r.unit.list()).toEqual([]);
    expect(r.unit.counters.clearedByDChannelLoss).toBe(1);
    // The kept call's DISCONNECT goes once the link is back.
    expect(active.state).toBe("Active"); // nothing is sent into the dead link; Q.931 keeps it under T309
    r.link.restore();
    await r.settle(50);
    r.unit.maintenance(TRUNK, { kind: "d-channel-up" });
    await r.settle();
    const disc = r.atPbx.find((i) => i.call === active && i.primitive === "DISCONNECT.ind") as Extract<CallIndication, { message: Q931Message }> | undefined;
    expect(disc && findIe(disc.message, "cause")?.value).toBe(41);
    expect(active.state).toBe("Null");
    expect(r.gw.activeCalls).toHaveLength(0);
  });

  it("RESTART of the channel of an answered call (Q.931 §5.5.2) -> RELEASE.ind 41 -> BYE with Reason cause 41", async () => {
    const r = rig();
    await r.settle(10);
    pbxCall(r, [SENDING_COMPLETE, called("5551234")]);
    await r.settle();
    const inv = r.invites[0] as InviteServerSession;
    inv.accept({ body: sdpBody });
    await r.settle();
    const byes: SipMessage[] = [];
    inv.on("bye", (m) => byes.push(m));
    r.pbx.requestRestart([3]);
    await r.settle();
    expect(q850CauseOf(byes[0])?.cause).toBe(41);
    expect(r.unit.list()).toEqual([]);
    expect(r.media.streams.size).toBe(0);
  });

  it("a RESTART clearing an unanswered SIP->QSIG call answers the INVITE 500 (§8.4.5)", async () => {
    const r = rig();
    await r.settle(10);
    r.onPbxSetup = (c) => c.alerting();
    const s = r.k.bob.ua.invite({ uri: "sip:6001@192.0.2.1", from: "<sip:bob@192.0.2.2>", to: "<sip:6001@192.0.2.1>", body: sdpBody });
    let status = 0;
    s.on("failed", (f) => (status = f.status));
    await r.settle();
    r.gw.requestRestart([5]);
    await r.settle();
    expect(status).toBe(500);
  });

  it("shutdown: releaseAll clears both sides", async () => {
    const r = rig();
    await r.settle(10);
    const call = pbxCall(r, [SENDING_COMPLETE, called("5551234")]);
    await r.settle();
    const inv = r.invites[0] as InviteServerSession;
    inv.accept({ body: sdpBody });
    await r.settle();
    const byes: SipMessage[] = [];
    inv.on("bye", (m) => byes.push(m));
    r.unit.releaseAll();
    await r.settle();
    expect(q850CauseOf(byes[0])?.cause).toBe(41);
    expect(call.state).toBe("Null");
    expect(r.pbxLines().at(-2)).toBe("DISCONNECT.ind");
    expect(r.pbxLines().at(-1)).toBe("RELEASE.conf 41");
  });
});
