import { describe, expect, it } from "vitest";
import { findIe, hasSingleIe, ie, SENDING_COMPLETE } from "../../isdn/q931/codec/q931-codec.js";
import type { Q931Ie, Q931Message } from "../../isdn/q931/codec/q931-codec.js";
import { nameFromText } from "../../isdn/qsig/names.js";
import { nameFacility, numberToSipUser, qsigNameOf, sipUserToNumber } from "./identity.js";
import type { IdentityPolicy, SipToQsigPolicy } from "./identity.js";
import { addInformationDigits, connectToOk, inviteToSetup, okToConnect, overlapInviteDigits, provisionalToQsig, qsigToProvisional, setupToInvite } from "./establishment.js";
import { DEFAULT_LOCAL_NUMBERING } from "./identity.js";

const TRUSTED: IdentityPolicy = { assertIdentity: true, trustedNextHop: true };
const UNTRUSTED: IdentityPolicy = { assertIdentity: true, trustedNextHop: false };
const NO_PAI: IdentityPolicy = { assertIdentity: false, trustedNextHop: false };
const TO_QSIG: SipToQsigPolicy = { ...TRUSTED, useFrom: false, local: DEFAULT_LOCAL_NUMBERING };

const SPEECH = ie("bearerCapability", { codingStandard: 0, informationTransferCapability: 0, transferMode: 0, informationTransferRate: 0x10, layer1: { protocol: 3, additional: new Uint8Array(0) } });

function message(type: Q931Message["messageType"], ies: readonly Q931Ie[]): Q931Message {
  return { protocolDiscriminator: 8, callReference: { length: 2, value: 7, flag: false }, messageType: type, ies };
}

const called = (digits: string, typeOfNumber = 0, numberingPlan = 9) => ie("calledPartyNumber", { typeOfNumber, numberingPlan, digits });
const calling = (digits: string, presentation?: number, typeOfNumber = 0, numberingPlan = 9) =>
  ie("callingPartyNumber", { typeOfNumber, numberingPlan, digits, ...(presentation !== undefined ? { presentation, screening: 1 } : {}) });
const name = (text: string, presentation: "allowed" | "restricted" = "allowed") => nameFacility("callingName", text, presentation) as Q931Ie;

describe("numbers (RFC 4497 §9.1, §9.2)", () => {
  it("international E.164 numbers are global, others local", () => {
    expect(numberToSipUser({ typeOfNumber: 1, numberingPlan: 1, digits: "4930123" })).toEqual({ user: "+4930123", global: true });
    expect(numberToSipUser({ typeOfNumber: 1, numberingPlan: 0, digits: "4930123" })).toEqual({ user: "+4930123", global: true });
    expect(numberToSipUser({ typeOfNumber: 4, numberingPlan: 9, digits: "2001" })).toEqual({ user: "2001", global: false });
    expect(numberToSipUser({ typeOfNumber: 0, numberingPlan: 0, digits: "*21#" })).toEqual({ user: "*21#", global: false });
    expect(numberToSipUser({ typeOfNumber: 1, numberingPlan: 1, digits: "49*" })).toBeUndefined();
    expect(numberToSipUser({ typeOfNumber: 0, numberingPlan: 0, digits: "" })).toBeUndefined();
    expect(numberToSipUser({ typeOfNumber: 0, numberingPlan: 0, digits: "12a" })).toBeUndefined();
  });
  it("URI user parts become numbers, visual separators dropped", () => {
    expect(sipUserToNumber("+49-30-123")).toEqual({ typeOfNumber: 1, numberingPlan: 1, digits: "4930123" });
    expect(sipUserToNumber("2001", { typeOfNumber: 4, numberingPlan: 9 })).toEqual({ typeOfNumber: 4, numberingPlan: 9, digits: "2001" });
    expect(sipUserToNumber("alice")).toBeUndefined();
    expect(sipUserToNumber("+")).toBeUndefined();
  });
});

describe("SETUP -> INVITE (RFC 4497 §8.2.1.1, §9.1)", () => {
  it("maps called number to the Request-URI, calling number and name to From and P-Asserted-Identity (§9.1.2.4)", () => {
    const r = setupToInvite(message("SETUP", [SENDING_COMPLETE, SPEECH, name("Alice"), calling("1000"), called("2000")]), TRUSTED);
    if (!r.ok) throw new Error(r.reason);
    expect(r.invite).toMatchObject({
      called: { user: "2000", global: false },
      sendingComplete: true,
      media: { type: "audio", capability: "speech", law: "alaw" },
      caller: { from: { kind: "caller", identity: { number: { user: "1000" }, displayName: "Alice" } }, pAssertedIdentity: { number: { user: "1000" }, displayName: "Alice" }, ref: "RFC 4497 §9.1.2.4" },
    });
    expect(r.invite.caller.privacy).toBeUndefined();
    const noPai = setupToInvite(message("SETUP", [SPEECH, calling("1000"), called("2000")]), NO_PAI);
    expect(noPai.ok && noPai.invite.caller).toEqual({ from: { kind: "caller", identity: { number: { user: "1000", global: false } } }, ref: "RFC 4497 §9.1.2.4" });
    expect(noPai.ok && noPai.invite.sendingComplete).toBe(false);
  });
  it("§9.1.2.1: no calling number, not restricted: the gateway's URI in From, no P-Asserted-Identity", () => {
    const r = setupToInvite(message("SETUP", [SPEECH, called("2000")]), TRUSTED);
    expect(r.ok && r.invite.caller).toEqual({ from: { kind: "gateway" }, ref: "RFC 4497 §9.1.2.1" });
    const na = setupToInvite(message("SETUP", [SPEECH, calling("", 2), called("2000")]), TRUSTED);
    expect(na.ok && na.invite.caller.from).toEqual({ kind: "gateway" });
  });
  it("§9.1.2.2: no number, restricted: anonymous From, Privacy id, no P-Asserted-Identity", () => {
    const r = setupToInvite(message("SETUP", [SPEECH, calling("", 1), called("2000")]), TRUSTED);
    expect(r.ok && r.invite.caller).toEqual({ from: { kind: "anonymous" }, privacy: "id", ref: "RFC 4497 §9.1.2.2" });
  });
  it("§9.1.2.3: number restricted: P-Asserted-Identity and Privacy id to a trusted next hop, else as §9.1.2.2", () => {
    const m = message("SETUP", [SPEECH, name("Bob", "restricted"), calling("1001", 1), called("2000")]);
    const t = setupToInvite(m, TRUSTED);
    expect(t.ok && t.invite.caller).toEqual({ from: { kind: "anonymous" }, pAssertedIdentity: { number: { user: "1001", global: false }, displayName: "Bob" }, privacy: "id", ref: "RFC 4497 §9.1.2.3" });
    const u = setupToInvite(m, UNTRUSTED);
    expect(u.ok && u.invite.caller).toEqual({ from: { kind: "anonymous" }, privacy: "id", ref: "RFC 4497 §9.1.2.3 (as §9.1.2.2)" });
    const n = setupToInvite(m, NO_PAI);
    expect(n.ok && n.invite.caller).toEqual({ from: { kind: "anonymous" }, ref: "RFC 4497 §9.1.2.3 (as §9.1.2.2)" });
  });
  it("a restricted name is never shown with an allowed number", () => {
    const r = setupToInvite(message("SETUP", [SPEECH, name("Carol", "restricted"), calling("1002"), called("2000")]), TRUSTED);
    expect(r.ok && r.invite.caller.from).toEqual({ kind: "caller", identity: { number: { user: "1002", global: false } } });
  });
  it("refuses SETUPs that give no Request-URI (cause 28) or no audio bearer (cause 65)", () => {
    expect(setupToInvite(message("SETUP", [SPEECH]), TRUSTED)).toMatchObject({ ok: false, cause: 28 });
    expect(setupToInvite(message("SETUP", [SPEECH, called("20x0")]), TRUSTED)).toMatchObject({ ok: false, cause: 28 });
    const data = ie("bearerCapability", { codingStandard: 0, informationTransferCapability: 8, transferMode: 0, informationTransferRate: 0x10 });
    expect(setupToInvite(message("SETUP", [data, called("2000")]), TRUSTED)).toMatchObject({ ok: false, cause: 65 });
    expect(setupToInvite(message("SETUP", [called("2000")]), TRUSTED)).toMatchObject({ ok: false, cause: 65 });
  });
  it("3.1 kHz audio is audio too (§10.2 Table 4), with the law of layer 1", () => {
    const bc = ie("bearerCapability", { codingStandard: 0, informationTransferCapability: 16, transferMode: 0, informationTransferRate: 0x10, layer1: { protocol: 2, additional: new Uint8Array(0) } });
    const r = setupToInvite(message("SETUP", [bc, called("4930123", 1, 1)]), TRUSTED);
    expect(r.ok && r.invite).toMatchObject({ called: { user: "+4930123", global: true }, media: { capability: "3.1 kHz audio", law: "ulaw" } });
  });
  it("overlap: INFORMATION digits are appended (§8.2.2.1.2)", () => {
    const a = addInformationDigits({ typeOfNumber: 0, numberingPlan: 9, digits: "20" }, message("INFORMATION", [called("01")]));
    expect(a).toMatchObject({ calledNumber: { digits: "2001" }, called: { user: "2001" }, sendingComplete: false });
    const b = addInformationDigits(a.calledNumber, message("INFORMATION", [SENDING_COMPLETE, called("5")]));
    expect(b).toMatchObject({ calledNumber: { digits: "20015" }, sendingComplete: true });
  });
});

describe("INVITE -> SETUP (RFC 4497 §8.3.1, §9.2, §10.1)", () => {
  it("builds Bearer capability (Table 3), called number from the Request-URI, calling number and name from a trusted P-Asserted-Identity", () => {
    const r = inviteToSetup({ requestUriUser: "+4930123", complete: true, law: "alaw", pAssertedIdentityUser: "2001", pAssertedIdentityDisplayName: "Dave", fromUser: "9999", privacy: [] }, TO_QSIG);
    if (!r.ok) throw new Error(r.reason);
    const m = message("SETUP", r.ies);
    expect(hasSingleIe(m, "sendingComplete")).toBe(true);
    expect(findIe(m, "bearerCapability")).toEqual({ codingStandard: 0, informationTransferCapability: 16, transferMode: 0, informationTransferRate: 16, layer1: { protocol: 3, additional: new Uint8Array(0) } });
    expect(findIe(m, "calledPartyNumber")).toEqual({ typeOfNumber: 1, numberingPlan: 1, digits: "4930123" });
    expect(findIe(m, "callingPartyNumber")).toEqual({ typeOfNumber: 0, numberingPlan: 0, digits: "2001", presentation: 0, screening: 3 });
    const n = qsigNameOf(m, "callingName");
    expect(n).toMatchObject({ presentation: "allowed" });
    expect(r.ref).toContain("§9.2.2");
  });
  it("uses the From only when configured, as user provided not screened; Privacy id restricts", () => {
    const f = { requestUriUser: "2000", complete: false, law: "ulaw" as const, fromUser: "3001", fromDisplayName: "Eve", privacy: ["id"] };
    const off = inviteToSetup(f, TO_QSIG);
    expect(off.ok && findIe(message("SETUP", off.ies), "callingPartyNumber")).toEqual({ typeOfNumber: 0, numberingPlan: 0, digits: "", presentation: 1, screening: 3 });
    const on = inviteToSetup(f, { ...TO_QSIG, useFrom: true });
    if (!on.ok) throw new Error(on.reason);
    const m = message("SETUP", on.ies);
    expect(findIe(m, "callingPartyNumber")).toEqual({ typeOfNumber: 0, numberingPlan: 0, digits: "3001", presentation: 1, screening: 0 });
    expect(qsigNameOf(m, "callingName")).toMatchObject({ presentation: "restricted" });
    expect(findIe(m, "bearerCapability")?.layer1?.protocol).toBe(2);
  });
  it("no number and no privacy: the Calling party number is omitted (not available due to interworking)", () => {
    const r = inviteToSetup({ requestUriUser: "2000", complete: false, law: "alaw", fromAnonymous: false, privacy: [] }, TO_QSIG);
    expect(r.ok && findIe(message("SETUP", r.ies), "callingPartyNumber")).toBeUndefined();
  });
  it("an anonymous From makes the number restricted", () => {
    const r = inviteToSetup({ requestUriUser: "2000", complete: false, law: "alaw", pAssertedIdentityUser: "+15551234", fromAnonymous: true, privacy: [] }, TO_QSIG);
    expect(r.ok && findIe(message("SETUP", r.ies), "callingPartyNumber")).toMatchObject({ digits: "15551234", typeOfNumber: 1, presentation: 1, screening: 3 });
  });
  it("an untrusted P-Asserted-Identity is not used", () => {
    const r = inviteToSetup({ requestUriUser: "2000", complete: false, law: "alaw", pAssertedIdentityUser: "2001", privacy: [] }, { ...TO_QSIG, trustedNextHop: false });
    expect(r.ok && findIe(message("SETUP", r.ies), "callingPartyNumber")).toBeUndefined();
  });
  it("a Request-URI without a number is answered 404", () => {
    expect(inviteToSetup({ requestUriUser: "alice", complete: true, law: "alaw", privacy: [] }, TO_QSIG)).toMatchObject({ ok: false, status: 404 });
  });
  it("long display names are cut to the 50 octets of NameData", () => {
    const r = inviteToSetup({ requestUriUser: "2000", complete: true, law: "alaw", pAssertedIdentityUser: "2001", pAssertedIdentityDisplayName: "x".repeat(80), privacy: [] }, TO_QSIG);
    const n = r.ok ? qsigNameOf(message("SETUP", r.ies), "callingName") : undefined;
    expect(n && "nameData" in n ? n.nameData.length : 0).toBe(50);
  });
  it("overlap INVITEs (§8.3.9): INFORMATION with only the new digits, 485 when not a continuation", () => {
    expect(overlapInviteDigits("20", "2001", DEFAULT_LOCAL_NUMBERING)).toEqual({ ok: true, ies: [called("01", 0, 0)] });
    expect(overlapInviteDigits("20", "3001", DEFAULT_LOCAL_NUMBERING)).toMatchObject({ ok: false, status: 485 });
    expect(overlapInviteDigits("20", "20", DEFAULT_LOCAL_NUMBERING)).toMatchObject({ ok: false, status: 485 });
  });
});

describe("progress and alerting (RFC 4497 §8.2.1.3, §8.3.3-§8.3.5)", () => {
  const pi = (description: number) => ie("progressIndicator", { codingStandard: 0, location: 1, description });
  it("ALERTING -> 180, PROGRESS -> 183; progress description 1 or 8 means early media", () => {
    expect(qsigToProvisional(message("ALERTING", []), false)).toEqual({ sipStatus: 180, earlyMedia: false, reliable: false, ref: "RFC 4497 §8.3.4, §8.3.5" });
    expect(qsigToProvisional(message("ALERTING", [pi(8)]), true)).toMatchObject({ sipStatus: 180, earlyMedia: true, reliable: true });
    expect(qsigToProvisional(message("PROGRESS", [pi(1)]), false)).toMatchObject({ sipStatus: 183, earlyMedia: true });
    expect(qsigToProvisional(message("PROGRESS", [pi(2)]), false)).toMatchObject({ sipStatus: 183, earlyMedia: false });
    const withCause = message("PROGRESS", [ie("cause", { codingStandard: 0, location: 1, value: 17, diagnostics: new Uint8Array(0) }), pi(8)]);
    expect(qsigToProvisional(withCause, false)).toMatchObject({ sipStatus: 183, earlyMedia: true, cause: 17 });
  });
  it("CALL PROCEEDING gives no SIP message (§8.3.2)", () => {
    expect(qsigToProvisional(message("CALL PROCEEDING", []), false)).toBeUndefined();
  });
  it("180 -> ALERTING once, with progress description 8 only for in-band information", () => {
    expect(provisionalToQsig(180, { alertingSent: false, progress1Sent: false }, false, 1)).toEqual({ message: "ALERTING", ies: [], ref: "RFC 4497 §8.2.1.3" });
    expect(provisionalToQsig(180, { alertingSent: false, progress1Sent: true }, true, 1)).toEqual({ message: "ALERTING", ies: [pi(8)], ref: "RFC 4497 §8.2.1.3" });
    expect(provisionalToQsig(180, { alertingSent: true, progress1Sent: false }, false, 1).message).toBeUndefined();
  });
  it("181/182/183 -> PROGRESS with description 1 once, before ALERTING", () => {
    for (const s of [181, 182, 183]) expect(provisionalToQsig(s, { alertingSent: false, progress1Sent: false }, false, 1)).toEqual({ message: "PROGRESS", ies: [pi(1)], ref: "RFC 4497 §8.2.1.3" });
    expect(provisionalToQsig(183, { alertingSent: false, progress1Sent: true }, false, 1).message).toBeUndefined();
    expect(provisionalToQsig(183, { alertingSent: true, progress1Sent: false }, false, 1).message).toBeUndefined();
    expect(provisionalToQsig(199, { alertingSent: false, progress1Sent: false }, false, 1).message).toBeUndefined();
  });
});

describe("answer (RFC 4497 §8.2.1.4, §8.3.6, §9.1.3, §9.2.3)", () => {
  const connected = (digits: string, presentation?: number) => ie("connectedNumber", { typeOfNumber: 0, numberingPlan: 9, digits, ...(presentation !== undefined ? { presentation, screening: 3 } : {}) });
  const cname = (t: string, p: "allowed" | "restricted" = "allowed") => nameFacility("connectedName", t, p) as Q931Ie;
  it("CONNECT -> 200 P-Asserted-Identity with the connected name (§9.1.3.4)", () => {
    expect(connectToOk(message("CONNECT", [cname("Frank"), connected("2001")]), TRUSTED)).toEqual({ pAssertedIdentity: { number: { user: "2001", global: false }, displayName: "Frank" }, ref: "RFC 4497 §9.1.3.4" });
    expect(connectToOk(message("CONNECT", [connected("2001")]), NO_PAI)).toEqual({ ref: "RFC 4497 §9.1.3.4" });
  });
  it("§9.1.3.1-§9.1.3.3", () => {
    expect(connectToOk(message("CONNECT", []), TRUSTED)).toEqual({ ref: "RFC 4497 §9.1.3.1" });
    expect(connectToOk(message("CONNECT", [connected("", 1)]), TRUSTED)).toEqual({ privacy: "id", ref: "RFC 4497 §9.1.3.2" });
    expect(connectToOk(message("CONNECT", [cname("Gina", "restricted"), connected("2002", 1)]), TRUSTED)).toEqual({ pAssertedIdentity: { number: { user: "2002", global: false }, displayName: "Gina" }, privacy: "id", ref: "RFC 4497 §9.1.3.3" });
    expect(connectToOk(message("CONNECT", [connected("2002", 1)]), UNTRUSTED)).toEqual({ privacy: "id", ref: "RFC 4497 §9.1.3.3 (as §9.1.3.2)" });
  });
  it("200 -> CONNECT with Connected number (network provided) and name from a trusted P-Asserted-Identity", () => {
    const r = okToConnect({ pAssertedIdentityUser: "+4930555", pAssertedIdentityDisplayName: "Hal", privacy: [] }, TO_QSIG);
    const m = message("CONNECT", r.ies);
    expect(findIe(m, "connectedNumber")).toEqual({ typeOfNumber: 1, numberingPlan: 1, digits: "4930555", presentation: 0, screening: 3 });
    expect(qsigNameOf(m, "connectedName")).toEqual(nameFromText("Hal"));
    expect(okToConnect({ privacy: [] }, TO_QSIG).ies).toEqual([]);
    const restricted = okToConnect({ pAssertedIdentityUser: "2003", privacy: ["id"] }, TO_QSIG);
    expect(findIe(message("CONNECT", restricted.ies), "connectedNumber")).toMatchObject({ presentation: 1 });
  });
});
