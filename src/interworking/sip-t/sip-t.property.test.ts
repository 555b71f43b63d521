import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bodyOctets } from "../../sip/transaction/messages.js";
import { isupBodyPart, qsigBodyPart, sipBody } from "./body-parts.js";
import { readBodies } from "./read-bodies.js";

const OPTS = { isupVersions: ["itu-t92+", "ansi00"], qsigVersions: ["iso"] };

const contentTypes = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    "application/sdp",
    "application/ISUP;version=itu-t92+",
    "application/ISUP;version=nxv3",
    "application/QSIG",
    "multipart/mixed;boundary=b",
    "multipart/alternative;boundary=b",
    "multipart/mixed",
    "text/plain",
  ),
  fc.string({ maxLength: 60 }),
);
const dispositions = fc.oneof(fc.constant(undefined), fc.constantFrom("signal;handling=optional", "session", "render;handling=required", "signal;handling=x"), fc.string({ maxLength: 40 }));

/** Bodies that look like multipart with boundary "b", with random part headers and octets. */
const multipartish = fc
  .array(
    fc.record({
      headers: fc.array(fc.constantFrom("Content-Type: application/sdp", "Content-Type: application/ISUP;version=itu-t92+", "Content-Disposition: signal;handling=optional", "Content-Type: multipart/mixed;boundary=b", "X: y"), { maxLength: 3 }),
      body: fc.uint8Array({ maxLength: 40 }),
    }),
    { maxLength: 4 },
  )
  .map((parts) => {
    const chunks: Uint8Array[] = [];
    const enc = new TextEncoder();
    for (const p of parts) chunks.push(enc.encode(`--b\r\n${p.headers.join("\r\n")}\r\n\r\n`), p.body, enc.encode("\r\n"));
    chunks.push(enc.encode("--b--\r\n"));
    return Uint8Array.from(chunks.flatMap((c) => [...c]));
  });

describe("readBodies properties", () => {
  it("any content type, disposition and octets give a result, never a throw", () => {
    fc.assert(
      fc.property(contentTypes, dispositions, fc.oneof(fc.uint8Array({ maxLength: 200 }), multipartish), (ct, cd, body) => {
        const r = readBodies(ct, cd, body, OPTS);
        expect(typeof r.ok).toBe("boolean");
        if (!r.ok) expect([400, 415]).toContain(r.status);
      }),
      { numRuns: 3000 },
    );
  });
  it("what sipBody writes, readBodies gives back", () => {
    fc.assert(
      fc.property(
        fc.option(fc.string({ maxLength: 80 }).map((s) => `v=0\r\n${s.replace(/[\r\n]/g, "")}\r\n`), { nil: undefined }),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 60 }), { nil: undefined }),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 30 }), { nil: undefined }),
        fc.constantFrom("optional", "required") as fc.Arbitrary<"optional" | "required">,
        (sdp, isup, qsig, handling) => {
          const b = sipBody({
            ...(sdp !== undefined ? { sdp } : {}),
            ...(isup !== undefined ? { isup: isupBodyPart(isup, { version: "itu-t92+", handling }) } : {}),
            ...(qsig !== undefined ? { qsig: qsigBodyPart(qsig, { version: "iso", handling }) } : {}),
          });
          if (b === undefined) {
            expect(sdp === undefined && isup === undefined && qsig === undefined).toBe(true);
            return;
          }
          const r = readBodies(b.contentType, b.disposition, bodyOctets(b), OPTS);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(r.sdp).toEqual(sdp);
          expect(r.isup?.octets).toEqual(isup);
          expect(r.qsig?.octets).toEqual(qsig);
          expect(r.ignored).toEqual([]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
