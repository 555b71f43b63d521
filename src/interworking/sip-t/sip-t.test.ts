import { describe, expect, it } from "vitest";
import { fromHex } from "../../core/bytes.js";
import { parseMultipartBody } from "../../sip/syntax/multipart.js";
import { bodyOctets } from "../../sip/transaction/messages.js";
import { encodeIsup } from "../../ss7/isup/codec/index.js";
import type { IsupMessage } from "../../ss7/isup/codec/index.js";
import { isupBodyPart, isupContentType, qsigBodyPart, sipBody } from "./body-parts.js";
import { acceptValue, readBodies } from "./read-bodies.js";
import type { ReadBodiesOptions } from "./read-bodies.js";

const SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n";
const ACM: IsupMessage = {
  messageType: "ACM",
  parameters: [
    {
      name: "backwardCallIndicators",
      value: {
        chargeIndicator: 2,
        calledPartysStatusIndicator: 1,
        calledPartysCategoryIndicator: 1,
        endToEndMethodIndicator: 0,
        interworkingIndicator: 0,
        endToEndInformationIndicator: 0,
        isdnUserPartIndicator: 1,
        holdingIndicator: 0,
        isdnAccessIndicator: 0,
        echoControlDeviceIndicator: 0,
        sccpMethodIndicator: 0,
      },
    },
  ],
};
const ACM_OCTETS = encodeIsup(ACM, { variant: "itu", sipt: true });
const OPTS: ReadBodiesOptions = { isupVersions: ["itu-t92+"] };
const text = new TextEncoder();

function mp(boundary: string, parts: readonly string[]): Uint8Array {
  return text.encode(`${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("")}--${boundary}--\r\n`);
}

describe("isupBodyPart / qsigBodyPart (RFC 3204 §3.1, §3.2)", () => {
  it("writes application/ISUP with version, base and signal disposition", () => {
    const p = isupBodyPart(ACM_OCTETS, { version: "itu-t92+", base: "itu-t92+", handling: "optional" });
    expect(p.headers).toEqual([
      { name: "Content-Type", value: "application/ISUP;version=itu-t92+;base=itu-t92+" },
      { name: "Content-Disposition", value: "signal;handling=optional" },
    ]);
    expect(p.body).toBe(ACM_OCTETS);
    expect(isupContentType({ version: "ansi00" })).toBe("application/ISUP;version=ansi00");
  });
  it("refuses a version that is not a token and an empty message (caller bugs)", () => {
    expect(() => isupBodyPart(ACM_OCTETS, { version: "itu t92", handling: "required" })).toThrow(/not a token/);
    expect(() => isupBodyPart(new Uint8Array(0), { version: "itu-t92+", handling: "required" })).toThrow(/message type code/);
  });
  it("writes application/QSIG with and without version", () => {
    expect(qsigBodyPart(fromHex("08020001") as Uint8Array, { version: "iso", handling: "required" }).headers[0]).toEqual({ name: "Content-Type", value: "application/QSIG;version=iso" });
    expect(qsigBodyPart(fromHex("08020001") as Uint8Array, { handling: "optional" }).headers[0]).toEqual({ name: "Content-Type", value: "application/QSIG" });
  });
});

describe("sipBody (RFC 3204 §4.1, RFC 3372, RFC 5621)", () => {
  it("is undefined with nothing to carry", () => {
    expect(sipBody({})).toBeUndefined();
  });
  it("carries SDP alone as application/sdp", () => {
    expect(sipBody({ sdp: SDP })).toEqual({ contentType: "application/sdp", content: text.encode(SDP) });
  });
  it("carries ISUP alone as the whole body with its disposition", () => {
    const b = sipBody({ isup: isupBodyPart(ACM_OCTETS, { version: "itu-t92+", handling: "required" }) });
    expect(b).toEqual({ contentType: "application/ISUP;version=itu-t92+", content: ACM_OCTETS, disposition: "signal;handling=required" });
  });
  it("carries SDP and ISUP as multipart/mixed, SDP first, parts intact", () => {
    const b = sipBody({ sdp: SDP, isup: isupBodyPart(ACM_OCTETS, { version: "itu-t92+", handling: "optional" }) });
    expect(b?.contentType).toBe("multipart/mixed;boundary=sipt-gw-boundary-1");
    expect(b?.disposition).toBeUndefined();
    const parsed = parseMultipartBody(bodyOctets(b as NonNullable<typeof b>), "sipt-gw-boundary-1");
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.parts.map((p) => `${p.contentType?.type}/${p.contentType?.subtype}`)).toEqual(["application/sdp", "application/ISUP"]);
    expect(new TextDecoder().decode(parsed.value.parts[0]?.body)).toBe(SDP);
    expect(parsed.value.parts[1]?.body).toEqual(ACM_OCTETS);
    expect(parsed.value.parts[1]?.contentDisposition?.handling).toBe("optional");
  });
  it("moves to another boundary when the ISUP octets contain the first", () => {
    const tricky = text.encode("\r\n--sipt-gw-boundary-1\r\n");
    const b = sipBody({ sdp: SDP, isup: isupBodyPart(tricky, { version: "itu-t92+", handling: "optional" }) });
    expect(b?.contentType).toBe("multipart/mixed;boundary=sipt-gw-boundary-1-1");
    const r = readBodies(b?.contentType, undefined, bodyOctets(b as NonNullable<typeof b>), OPTS);
    expect(r.ok && r.isup?.octets).toEqual(tricky);
  });
  it("round-trips SDP + ISUP + QSIG through readBodies", () => {
    const q = fromHex("08020001") as Uint8Array;
    const b = sipBody({ sdp: SDP, isup: isupBodyPart(ACM_OCTETS, { version: "itu-t92+", handling: "required" }), qsig: qsigBodyPart(q, { version: "iso", handling: "optional" }) });
    const r = readBodies(b?.contentType, b?.disposition, bodyOctets(b as NonNullable<typeof b>), { ...OPTS, qsigVersions: ["iso"] });
    expect(r).toEqual({ ok: true, sdp: SDP, isup: { octets: ACM_OCTETS, version: "itu-t92+", handling: "required" }, qsig: { octets: q, version: "iso", handling: "optional" }, ignored: [] });
  });
});

describe("readBodies: single parts (RFC 3261 §20.11, §20.15; RFC 3204 §3.1, §6)", () => {
  it("no body: nothing, whatever the headers say", () => {
    expect(readBodies(undefined, undefined, new Uint8Array(0), OPTS)).toEqual({ ok: true, ignored: [] });
    expect(readBodies("application/sdp", undefined, new Uint8Array(0), OPTS)).toEqual({ ok: true, ignored: [] });
  });
  it("a body without Content-Type is a 400", () => {
    expect(readBodies(undefined, undefined, text.encode(SDP), OPTS)).toMatchObject({ ok: false, status: 400, reason: expect.stringMatching(/§20.15/) });
  });
  it("malformed Content-Type or Content-Disposition is a 400", () => {
    expect(readBodies("application", undefined, text.encode(SDP), OPTS)).toMatchObject({ ok: false, status: 400 });
    expect(readBodies("application/sdp", "session;handling=\"x\"", text.encode(SDP), OPTS)).toMatchObject({ ok: false, status: 400 });
  });
  it("application/sdp defaults to disposition session", () => {
    expect(readBodies("Application/SDP", undefined, text.encode(SDP), OPTS)).toEqual({ ok: true, sdp: SDP, ignored: [] });
  });
  it("an SDP with an unsupported disposition and required handling is a 415 without Accept", () => {
    const r = readBodies("application/sdp", "early-session", text.encode(SDP), OPTS);
    expect(r).toMatchObject({ ok: false, status: 415 });
    expect(r.ok ? "ok" : r.accept).toBeUndefined();
  });
  it("an SDP that is not UTF-8 is a 400", () => {
    expect(readBodies("application/sdp", undefined, new Uint8Array([0xff, 0xfe]), OPTS)).toMatchObject({ ok: false, status: 400 });
  });
  it("ISUP alone defaults to disposition signal, handling required", () => {
    expect(readBodies("application/ISUP;version=ITU-T92+", undefined, ACM_OCTETS, OPTS)).toEqual({ ok: true, isup: { octets: ACM_OCTETS, version: "ITU-T92+", handling: "required" }, ignored: [] });
  });
  it("unknown ISUP version, handling required: 415 with the Accept value", () => {
    const r = readBodies("application/ISUP;version=nxv3", "signal;handling=required", ACM_OCTETS, OPTS);
    expect(r).toEqual({
      ok: false,
      status: 415,
      reason: expect.stringMatching(/ISUP version nxv3 is not supported/),
      accept: "application/sdp, application/ISUP;version=itu-t92+, multipart/mixed, multipart/alternative",
    });
  });
  it("unknown ISUP version with a supported base is used (RFC 3204 §3.1)", () => {
    const r = readBodies("application/ISUP;version=nxv3;base=itu-t92+", undefined, ACM_OCTETS, OPTS);
    expect(r).toEqual({ ok: true, isup: { octets: ACM_OCTETS, version: "nxv3", base: "itu-t92+", handling: "required" }, ignored: [] });
  });
  it("unknown ISUP version, handling optional: ignored and listed", () => {
    const r = readBodies("application/ISUP;version=nxv3", "signal;handling=optional", ACM_OCTETS, OPTS);
    expect(r).toEqual({ ok: true, ignored: [{ contentType: "application/ISUP;version=nxv3", disposition: "signal", handling: "optional", reason: expect.stringMatching(/nxv3/) }] });
  });
  it("ISUP without version: 415 when required", () => {
    expect(readBodies("application/ISUP", undefined, ACM_OCTETS, OPTS)).toMatchObject({ ok: false, status: 415, accept: expect.any(String) });
  });
  it("an empty ISUP part inside multipart is a 400 when required", () => {
    const body = mp("b", ["Content-Type: application/ISUP;version=itu-t92+\r\n\r\n"]);
    expect(readBodies("multipart/mixed;boundary=b", undefined, body, OPTS)).toMatchObject({ ok: false, status: 400 });
  });
  it("QSIG is a 415 unless versions are configured", () => {
    const q = fromHex("08020001") as Uint8Array;
    expect(readBodies("application/QSIG;version=iso", undefined, q, OPTS)).toMatchObject({ ok: false, status: 415 });
    expect(readBodies("application/QSIG", undefined, q, { ...OPTS, qsigVersions: ["iso"] })).toEqual({ ok: true, qsig: { octets: q, handling: "required" }, ignored: [] });
    expect(readBodies("application/QSIG;version=ecma", undefined, q, { ...OPTS, qsigVersions: ["iso"] })).toMatchObject({ ok: false, status: 415 });
  });
  it("an unknown type: 415 when required, ignored when optional", () => {
    expect(readBodies("text/plain", undefined, text.encode("hi"), OPTS)).toMatchObject({ ok: false, status: 415, accept: expect.stringContaining("application/sdp") });
    expect(readBodies("text/plain", "render;handling=optional", text.encode("hi"), OPTS)).toEqual({
      ok: true,
      ignored: [{ contentType: "text/plain", disposition: "render", handling: "optional", reason: expect.any(String) }],
    });
  });
  it("acceptValue lists the QSIG versions and quotes non-token versions", () => {
    expect(acceptValue({ isupVersions: ["a b"], qsigVersions: [] })).toBe('application/sdp, application/ISUP;version="a b", application/QSIG, multipart/mixed, multipart/alternative');
  });
});

describe("readBodies: multipart (RFC 2046 §5.1, RFC 5621 §4-§8)", () => {
  const isupPart = (extra = ""): string => `Content-Type: application/ISUP;version=itu-t92+\r\nContent-Disposition: signal${extra}\r\n\r\n${new TextDecoder("latin1").decode(ACM_OCTETS)}`;
  const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
  function mpBytes(boundary: string, parts: readonly string[]): Uint8Array {
    return latin1(`${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("")}--${boundary}--\r\n`);
  }

  it("reads the RFC 3204 §4.1 shape: SDP then ISUP with handling optional", () => {
    const body = mpBytes("unique-boundary-1", [`Content-Type: application/SDP; charset=ISO-10646\r\n\r\n${SDP}`, isupPart(";handling=optional")]);
    const r = readBodies("multipart/mixed; boundary=unique-boundary-1", undefined, body, OPTS);
    expect(r).toEqual({ ok: true, sdp: SDP, isup: { octets: ACM_OCTETS, version: "itu-t92+", handling: "optional" }, ignored: [] });
  });
  it("a part without Content-Type is text/plain (RFC 2046 §5.1): 415 when required", () => {
    const body = mpBytes("b", [`\r\nhello`, isupPart()]);
    expect(readBodies("multipart/mixed;boundary=b", undefined, body, OPTS)).toMatchObject({ ok: false, status: 415 });
  });
  it("optional unknown parts are listed, the rest is used", () => {
    const body = mpBytes("b", [`Content-Type: application/x-billing\r\nContent-Disposition: render;handling=optional\r\n\r\nabc`, isupPart()]);
    const r = readBodies("multipart/mixed;boundary=b", undefined, body, OPTS);
    expect(r.ok && r.isup?.octets).toEqual(ACM_OCTETS);
    expect(r.ok && r.ignored.map((i) => i.contentType)).toEqual(["application/x-billing"]);
  });
  it("a second ISUP part is ignored and listed", () => {
    const body = mpBytes("b", [isupPart(), isupPart(";handling=optional")]);
    const r = readBodies("multipart/mixed;boundary=b", undefined, body, OPTS);
    expect(r.ok && r.ignored).toEqual([{ contentType: "application/ISUP;version=itu-t92+", disposition: "signal", handling: "optional", reason: "only the first application/ISUP part is used" }]);
  });
  it("two session descriptions are a 400", () => {
    const body = mpBytes("b", [`Content-Type: application/sdp\r\n\r\n${SDP}`, `Content-Type: application/sdp\r\n\r\n${SDP}`]);
    expect(readBodies("multipart/mixed;boundary=b", undefined, body, OPTS)).toMatchObject({ ok: false, status: 400 });
  });
  it("nested multipart/mixed is read (RFC 5621 §4.2)", () => {
    const inner = mpBytes("inner", [isupPart()]);
    const body = latin1(`--outer\r\nContent-Type: application/sdp\r\n\r\n${SDP}\r\n--outer\r\nContent-Type: multipart/mixed;boundary=inner\r\n\r\n${new TextDecoder("latin1").decode(inner)}\r\n--outer--\r\n`);
    const r = readBodies("multipart/mixed;boundary=outer", undefined, body, OPTS);
    expect(r.ok && r.sdp).toBe(SDP);
    expect(r.ok && r.isup?.octets).toEqual(ACM_OCTETS);
  });
  it("multipart/alternative uses the last part understood (RFC 5621 §6.1)", () => {
    const body = mpBytes("alt", [`Content-Type: application/sdp\r\n\r\n${SDP}`, `Content-Type: application/x-newer-sdp\r\n\r\nxyz`]);
    expect(readBodies("multipart/alternative;boundary=alt", undefined, body, OPTS)).toEqual({ ok: true, sdp: SDP, ignored: [] });
  });
  it("multipart/alternative with nothing understood: 415 when required, ignored when optional", () => {
    const body = mpBytes("alt", [`Content-Type: application/x-a\r\n\r\na`, `Content-Type: application/x-b\r\n\r\nb`]);
    expect(readBodies("multipart/alternative;boundary=alt", undefined, body, OPTS)).toMatchObject({ ok: false, status: 415 });
    expect(readBodies("multipart/alternative;boundary=alt", "render;handling=optional", body, OPTS)).toMatchObject({ ok: true, ignored: [{ reason: expect.stringMatching(/no alternative/) }] });
  });
  it("multipart/related and unknown subtypes are read as mixed (RFC 5621 §4.2, §7.3)", () => {
    const body = mpBytes("b", [isupPart()]);
    expect(readBodies("multipart/related;boundary=b", undefined, body, OPTS)).toMatchObject({ ok: true, isup: { version: "itu-t92+" } });
    expect(readBodies("multipart/x-foo;boundary=b", undefined, body, OPTS)).toMatchObject({ ok: true, isup: { version: "itu-t92+" } });
  });
  it("multipart without boundary, or with a broken body, is a 400", () => {
    expect(readBodies("multipart/mixed", undefined, text.encode("x"), OPTS)).toMatchObject({ ok: false, status: 400, reason: expect.stringMatching(/boundary/) });
    expect(readBodies("multipart/mixed;boundary=b", undefined, text.encode("--b\r\nContent-Type: application/sdp\r\n\r\nv=0"), OPTS)).toMatchObject({ ok: false, status: 400 });
  });
  it("nesting beyond the limit is a 400, not a stack overflow", () => {
    let body = mpBytes("b0", [isupPart()]);
    for (let i = 1; i < 20; i++) body = latin1(`--b${i}\r\nContent-Type: multipart/mixed;boundary=b${i - 1}\r\n\r\n${new TextDecoder("latin1").decode(body)}\r\n--b${i}--\r\n`);
    expect(readBodies("multipart/mixed;boundary=b19", undefined, body, OPTS)).toMatchObject({ ok: false, status: 400, reason: expect.stringMatching(/nested/) });
  });
});
