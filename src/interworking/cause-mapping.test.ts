import { describe, expect, it } from "vitest";
import { ISUP_TO_SIP, SIP_TO_ISUP } from "../../mappings/rfc3398-causes.js";
import { Q850_CAUSES } from "../../mappings/q850-causes.js";
import { isupCauseToSip, sipStatusToIsup } from "./cause-mapping.js";

describe("ISUP cause -> SIP status (RFC 3398 §7.2.4.1)", () => {
  it.each([
    [1, 404], [2, 404], [3, 404], [17, 486], [18, 408], [19, 480], [20, 480], [21, 403], [22, 410], [23, 410],
    [26, 404], [27, 502], [28, 484], [29, 501], [31, 480], [34, 503], [38, 503], [41, 503], [42, 503], [47, 503],
    [55, 403], [57, 403], [58, 503], [65, 488], [70, 488], [79, 501], [87, 403], [88, 503], [102, 504], [111, 500], [127, 500],
  ])("cause %i -> %i", (cause, status) => {
    expect(isupCauseToSip(cause, { location: 2 })).toMatchObject({ sipStatus: status, isDefault: false, ref: "RFC 3398 §7.2.4.1" });
  });

  it("21 from the user gives 603, 22 with a diagnostic gives 301", () => {
    expect(isupCauseToSip(21, { location: 0 }).sipStatus).toBe(603);
    expect(isupCauseToSip(22, { hasDiagnostic: true }).sipStatus).toBe(301);
  });

  it("16 and 44 have no status", () => {
    expect(isupCauseToSip(16).sipStatus).toBeNull();
    expect(isupCauseToSip(44).sipStatus).toBeNull();
  });

  it("an unlisted cause gives the default 500, named as the default", () => {
    expect(isupCauseToSip(99)).toEqual({ isupCause: 99, sipStatus: 500, ref: "RFC 3398 §7.2.4.1 (default)", isDefault: true });
  });

  it("a trunk override wins over the table", () => {
    expect(isupCauseToSip(17, {}, [{ isupCause: 17, sipStatus: 600, ref: "trunk pstn1" }]).sipStatus).toBe(600);
  });

  it("every cause in the table is a Q.850 cause", () => {
    const known = new Set(Q850_CAUSES.map((c) => c.value));
    for (const r of ISUP_TO_SIP) expect(known.has(r.isupCause), String(r.isupCause)).toBe(true);
  });
});

describe("SIP status -> ISUP cause (RFC 3398 §8.2.6.1)", () => {
  it.each([
    [400, 41], [401, 21], [402, 21], [403, 21], [404, 1], [405, 63], [406, 79], [407, 21], [408, 102], [410, 22],
    [413, 127], [414, 127], [415, 79], [416, 127], [420, 127], [421, 127], [423, 127], [480, 18], [481, 41], [482, 25],
    [483, 25], [484, 28], [485, 1], [486, 17], [488, 31], [500, 41], [501, 79], [502, 38], [503, 41], [504, 102],
    [505, 127], [513, 127], [600, 17], [603, 21], [604, 1], [606, 31],
  ])("status %i -> cause %i", (status, cause) => {
    expect(sipStatusToIsup(status)).toMatchObject({ isupCause: cause, isDefault: false });
  });

  it("6xx carry location user, 4xx/5xx a network location (BI)", () => {
    expect(sipStatusToIsup(603).location).toBe(0);
    expect(sipStatusToIsup(486).location).toBe(10);
    expect(sipStatusToIsup(503).location).toBe(10);
  });

  it("488/606 map by Warning code: bearer capability -> 65", () => {
    expect(sipStatusToIsup(488, { warningCode: 305 }).isupCause).toBe(65);
    expect(sipStatusToIsup(606, { warningCode: 304 }).isupCause).toBe(65);
    expect(sipStatusToIsup(488, { warningCode: 399 }).isupCause).toBe(31);
  });

  it("487 has no mapping; unlisted statuses default to 31", () => {
    expect(sipStatusToIsup(487).isupCause).toBeNull();
    expect(sipStatusToIsup(499)).toMatchObject({ isupCause: 31, isDefault: true, ref: "RFC 3398 §8.2.6.1 (default)" });
    expect(sipStatusToIsup(580)).toMatchObject({ isupCause: 31, isDefault: true });
  });

  it("every status row maps to a Q.850 cause", () => {
    const known = new Set(Q850_CAUSES.map((c) => c.value));
    for (const r of SIP_TO_ISUP) if (r.isupCause !== null) expect(known.has(r.isupCause), String(r.sipStatus)).toBe(true);
  });
});
