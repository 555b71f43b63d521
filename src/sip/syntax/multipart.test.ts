import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { EncodeError } from "../../core/errors.js";
import { boundaryProblem, chooseBoundary, parseMultipartBody, serializeMultipartBody } from "./multipart.js";

const isup = Uint8Array.from([0x01, 0x00, 0x60, 0x01, 0x0a, 0x00, 0x02, 0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff]);
const sdp = Buffer.from("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n", "latin1");

function text(b: Uint8Array): string {
  return Buffer.from(b).toString("latin1");
}

describe("multipart bodies (RFC 2046 §5.1, RFC 5621, RFC 3204)", () => {
  it("parses the SIP-T shape: SDP and a binary ISUP part with handling=optional", () => {
    const body = Buffer.concat([
      Buffer.from("--unique-boundary-1\r\nContent-Type: application/sdp\r\n\r\n", "latin1"),
      sdp,
      Buffer.from("\r\n--unique-boundary-1\r\nContent-Type: application/ISUP; version=nxv3; base=etsi121\r\nContent-Disposition: signal; handling=optional\r\n\r\n", "latin1"),
      isup,
      Buffer.from("\r\n--unique-boundary-1--\r\n", "latin1"),
    ]);
    const r = parseMultipartBody(body, "unique-boundary-1");
    if (!r.ok) throw new Error(r.error.reason);
    const [a, b] = r.value.parts;
    expect(a?.contentType?.subtype).toBe("sdp");
    expect(text(a?.body ?? new Uint8Array())).toBe(text(sdp));
    expect(b?.contentType?.type).toBe("application");
    expect(b?.contentDisposition).toMatchObject({ type: "signal", handling: "optional" });
    expect([...(b?.body ?? [])]).toEqual([...isup]);
    expect(r.value.preamble.length + r.value.epilogue.length).toBe(0);
  });

  it("keeps preamble and epilogue, honours transport padding, and skips boundary look-alikes", () => {
    const body = Buffer.from("This is the preamble.\r\n--b1 \t\r\n\r\nno headers here\r\n--b1x is not a boundary\r\n--b1\r\nContent-Type: text/plain\r\n\r\n\r\n--b1--  \r\nepilogue", "latin1");
    const r = parseMultipartBody(body, "b1");
    if (!r.ok) throw new Error(r.error.reason);
    expect(text(r.value.preamble)).toBe("This is the preamble.");
    expect(r.value.parts.map((p) => [p.headers.length, text(p.body)])).toEqual([
      [0, "no headers here\r\n--b1x is not a boundary"],
      [1, ""],
    ]);
    expect(text(r.value.epilogue)).toBe("epilogue");
  });

  it.each([
    ["no boundary at all", "hello", /no boundary line/],
    ["no close-delimiter", "--b1\r\n\r\nx", /no close-delimiter/],
    ["no part", "--b1--\r\n", /at least one part/],
    ["garbage after the close-delimiter", "--b1\r\n\r\nx\r\n--b1--junk", /not followed by CRLF/],
    ["part headers without an empty line", "--b1\r\nContent-Type: text/plain\r\nbody\r\n--b1--", /not followed by an empty line/],
    ["bad part Content-Type", "--b1\r\nContent-Type: text\r\n\r\nx\r\n--b1--", /between type and subtype/],
    ["two Content-Types", "--b1\r\nContent-Type: a/b\r\nContent-Type: a/c\r\n\r\nx\r\n--b1--", /more than one Content-Type/],
  ])("rejects %s", (_what, body, reason) => {
    const r = parseMultipartBody(Buffer.from(body, "latin1"), "b1");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toMatch(reason);
  });

  it("checks boundaries (RFC 2046 §5.1.1)", () => {
    expect(boundaryProblem("simple boundary")).toBeUndefined();
    expect(boundaryProblem("")).toMatch(/1 to 70/);
    expect(boundaryProblem("x".repeat(71))).toMatch(/1 to 70/);
    expect(boundaryProblem("ends with space ")).toMatch(/must not end with a space/);
    expect(boundaryProblem("no;semicolons")).toMatch(/bchars/);
  });

  it("serializes and parses back to the same parts", () => {
    const parts = [
      { headers: [{ name: "content-type", value: "application/sdp" }], body: sdp },
      { headers: [{ name: "Content-Type", value: "application/ISUP;version=itu-t92+" }, { name: "Content-Disposition", value: "signal;handling=optional" }], body: isup },
      { headers: [], body: new Uint8Array() },
    ];
    const bytes = serializeMultipartBody(parts, "sipt-gw-1");
    expect(text(bytes).startsWith("--sipt-gw-1\r\nContent-Type: application/sdp\r\n\r\nv=0")).toBe(true);
    expect(text(bytes).endsWith("\r\n--sipt-gw-1--\r\n")).toBe(true);
    const r = parseMultipartBody(bytes, "sipt-gw-1");
    if (!r.ok) throw new Error(r.error.reason);
    expect(r.value.parts.map((p) => [p.headers.map((h) => [h.name, h.value]), [...p.body]])).toEqual(parts.map((p) => [p.headers.map((h) => [h.name === "content-type" ? "Content-Type" : h.name, h.value]), [...p.body]]));
  });

  it("refuses a boundary that occurs in a part, and finds one that does not", () => {
    const parts = [{ headers: [], body: Buffer.from("line\r\n--b\r\nmore", "latin1") }];
    expect(() => serializeMultipartBody(parts, "b")).toThrow(EncodeError);
    expect(() => serializeMultipartBody([], "b")).toThrow(EncodeError);
    const bd = chooseBoundary(parts, "b");
    expect(bd).toBe("b-1");
    expect(parseMultipartBody(serializeMultipartBody(parts, bd), bd).ok).toBe(true);
  });
});
