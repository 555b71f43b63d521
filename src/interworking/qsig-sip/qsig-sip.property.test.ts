/**
 * application/QSIG bodies (RFC 3204 §3.2) built and read back, alone and in
 * multipart/mixed; and properties: nothing decoded from any octets makes a
 * mapping function throw, every SETUP built from any INVITE fields encodes
 * and decodes back to the same elements, numbers round-trip through URIs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeQ931, encodeQ931, ie } from "../../isdn/q931/codec/q931-codec.js";
import type { Q931Message } from "../../isdn/q931/codec/q931-codec.js";
import { chooseBoundary, serializeMultipartBody } from "../../sip/syntax/multipart.js";
import { qsigClearingToSip } from "./clearing.js";
import type { SipLegState } from "./clearing.js";
import { connectToOk, inviteToSetup, okToConnect, qsigToProvisional, setupToInvite } from "./establishment.js";
import { DEFAULT_LOCAL_NUMBERING, numberToSipUser, sipUserToNumber } from "./identity.js";
import { qsigBody, readQsigBody } from "./qsig-body.js";

const SETUP: Q931Message = {
  protocolDiscriminator: 8,
  callReference: { length: 2, value: 0x1234, flag: false },
  messageType: "SETUP",
  ies: [
    ie("bearerCapability", { codingStandard: 0, informationTransferCapability: 16, transferMode: 0, informationTransferRate: 0x10, layer1: { protocol: 3, additional: new Uint8Array(0) } }),
    ie("calledPartyNumber", { typeOfNumber: 0, numberingPlan: 9, digits: "2000" }),
  ],
};

describe("application/QSIG body (RFC 3204 §3.2)", () => {
  it("is built with version and signal disposition, and read back", () => {
    const part = qsigBody(SETUP, { version: "iso", handling: "required" });
    expect(part.headers).toEqual([
      { name: "Content-Type", value: "application/QSIG;version=iso" },
      { name: "Content-Disposition", value: "signal;handling=required" },
    ]);
    expect(part.body).toEqual(encodeQ931(SETUP));
    const r = readQsigBody("application/QSIG;version=iso", "signal;handling=required", part.body);
    expect(r).toMatchObject({ ok: true, value: { message: { messageType: "SETUP", callReference: { value: 0x1234 } }, version: "iso", handling: "required" } });
  });
  it("is found in a multipart/mixed body beside SDP", () => {
    const parts = [
      { headers: [{ name: "Content-Type", value: "application/sdp" }], body: new TextEncoder().encode("v=0\r\n") },
      qsigBody(SETUP, { handling: "optional" }),
    ];
    const boundary = chooseBoundary(parts, "b1");
    const body = serializeMultipartBody(parts, boundary);
    const r = readQsigBody(`multipart/mixed;boundary=${boundary}`, undefined, body);
    expect(r.ok && r.value).toMatchObject({ message: { messageType: "SETUP" }, handling: "optional" });
    expect(r.ok && r.value && "version" in r.value).toBe(false);
  });
  it("no QSIG part: undefined; wrong disposition, bad octets, bad headers: errors", () => {
    expect(readQsigBody("application/sdp", undefined, new Uint8Array(3))).toEqual({ ok: true, value: undefined, notes: [] });
    expect(readQsigBody("application/QSIG", "render", encodeQ931(SETUP))).toMatchObject({ ok: false, error: { clause: "RFC 3204 §3.2" } });
    expect(readQsigBody("application/QSIG", undefined, Uint8Array.of(0x09, 0x02, 0x00))).toMatchObject({ ok: false });
    expect(readQsigBody("application", undefined, new Uint8Array(0))).toMatchObject({ ok: false });
    expect(readQsigBody("multipart/mixed", undefined, new Uint8Array(0))).toMatchObject({ ok: false, error: { clause: "RFC 2046 §5.1.1" } });
  });
});

const LEGS: readonly SipLegState[] = ["confirmed", "awaiting-ack", "invite-sent-provisional", "invite-sent-no-response", "invite-received"];
const POLICIES = [
  { assertIdentity: true, trustedNextHop: true },
  { assertIdentity: true, trustedNextHop: false },
  { assertIdentity: false, trustedNextHop: false },
];

/** Octets that look like Q.931 often enough: the protocol discriminator, a 2-octet call reference, a known message type, then anything. */
const q931ish = fc.tuple(fc.constantFrom(0x05, 0x01, 0x07, 0x02, 0x0f, 0x45, 0x4d, 0x5a, 0x03, 0x7b, 0x7d), fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 0, max: 0x7fff }), fc.boolean()).map(
  ([type, rest, cr, flag]) => Uint8Array.from([0x08, 0x02, ((cr >> 8) & 0x7f) | (flag ? 0x80 : 0), cr & 0xff, type, ...rest]),
);

describe("properties", () => {
  it("no decoded message makes a QSIG -> SIP mapping throw", () => {
    fc.assert(
      fc.property(fc.oneof(q931ish, fc.uint8Array({ maxLength: 64 })), fc.constantFrom(...POLICIES), fc.constantFrom(...LEGS), (bytes, policy, leg) => {
        const d = decodeQ931(bytes);
        if (!d.ok) return;
        setupToInvite(d.value, policy);
        qsigToProvisional(d.value, true);
        connectToOk(d.value, policy);
        qsigClearingToSip(d.value, leg);
      }),
      { numRuns: 3000 },
    );
  });

  it("no received body makes readQsigBody throw", () => {
    const ct = fc.oneof(fc.constantFrom("application/QSIG", "application/qsig;version=iso", "multipart/mixed;boundary=x", "multipart/mixed", "text/plain"), fc.string({ maxLength: 40 }));
    const disp = fc.option(fc.oneof(fc.constantFrom("signal", "signal;handling=optional", "render"), fc.string({ maxLength: 30 })), { nil: undefined });
    fc.assert(
      fc.property(ct, disp, fc.oneof(q931ish, fc.uint8Array({ maxLength: 120 }), fc.string({ maxLength: 120 }).map((s) => new TextEncoder().encode(s))), (c, d, b) => {
        const r = readQsigBody(c, d, b);
        expect(typeof r.ok).toBe("boolean");
      }),
      { numRuns: 2000 },
    );
  });

  it("every SETUP and CONNECT built from SIP fields encodes and decodes to the same elements", () => {
    const user = fc.oneof(fc.stringMatching(/^\+?[0-9]{1,15}$/), fc.stringMatching(/^[0-9*#]{1,12}$/), fc.string({ maxLength: 12 }));
    const display = fc.option(fc.string({ maxLength: 70 }), { nil: undefined });
    const fields = fc.record({
      requestUriUser: user,
      complete: fc.boolean(),
      law: fc.constantFrom("alaw" as const, "ulaw" as const),
      pAssertedIdentityUser: fc.option(user, { nil: undefined }),
      pAssertedIdentityDisplayName: display,
      fromUser: fc.option(user, { nil: undefined }),
      fromDisplayName: display,
      fromAnonymous: fc.boolean(),
      privacy: fc.subarray(["id", "header", "user", "none"]),
    });
    fc.assert(
      fc.property(fields, fc.boolean(), (f0, useFrom) => {
        const f = Object.fromEntries(Object.entries(f0).filter(([, v]) => v !== undefined)) as unknown as Parameters<typeof inviteToSetup>[0];
        const policy = { assertIdentity: true, trustedNextHop: true, useFrom, local: DEFAULT_LOCAL_NUMBERING };
        for (const [type, ies] of [
          ["SETUP", (() => {
            const r = inviteToSetup(f, policy);
            return r.ok ? r.ies : undefined;
          })()],
          ["CONNECT", okToConnect(f, policy).ies],
        ] as const) {
          if (!ies) continue;
          const m: Q931Message = { protocolDiscriminator: 8, callReference: { length: 2, value: 1, flag: true }, messageType: type, ies };
          const d = decodeQ931(encodeQ931(m));
          expect(d.ok).toBe(true);
          if (d.ok) expect(encodeQ931(d.value)).toEqual(encodeQ931(m));
        }
      }),
      { numRuns: 1500 },
    );
  });

  it("numbers survive QSIG -> URI user -> QSIG", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,15}$/), fc.boolean(), (digits, international) => {
        const n = international ? { typeOfNumber: 1, numberingPlan: 1, digits } : { typeOfNumber: 0, numberingPlan: 0, digits };
        const u = numberToSipUser(n);
        expect(u).toBeDefined();
        expect(sipUserToNumber(u?.user ?? "")).toEqual(n);
      }),
      { numRuns: 500 },
    );
  });
});
