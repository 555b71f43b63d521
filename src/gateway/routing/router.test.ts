import { describe, expect, it } from "vitest";
import type { TrunkKind } from "../../interworking/calls/routing.js";
import { Router, type RouteRule } from "./router.js";

const trunks = new Map<string, TrunkKind>([
  ["pstn", "isup"],
  ["pbx", "qsig"],
  ["provider", "sip"],
  ["backup", "sip"],
]);

function rule(p: Partial<RouteRule> & Pick<RouteRule, "name" | "to">): RouteRule {
  return { from: [], prefix: "", strip: 0, prepend: "", minDigits: 0, ...p };
}

describe("Router", () => {
  const router = new Router(
    [
      rule({ name: "default-out", from: ["pstn", "pbx"], to: ["provider", "backup"] }),
      rule({ name: "emergency", from: ["pbx"], prefix: "112", to: ["pstn"] }),
      rule({ name: "intl", from: ["pbx"], prefix: "00", strip: 2, prepend: "+", to: ["provider"], minDigits: 6 }),
      rule({ name: "in", from: ["provider", "backup"], prefix: "+1555", strip: 2, to: ["pstn"] }),
    ],
    trunks,
  );

  it("takes the longest matching prefix among the routes for the calling trunk, with its failover list", () => {
    expect(router.route({ fromTrunk: "pstn", called: "5551234" })).toEqual({
      ok: true,
      route: "default-out",
      targets: [
        { trunk: "provider", kind: "sip", called: "5551234" },
        { trunk: "backup", kind: "sip", called: "5551234" },
      ],
    });
    expect(router.route({ fromTrunk: "pbx", called: "112" })).toMatchObject({ ok: true, route: "emergency", targets: [{ trunk: "pstn", kind: "isup", called: "112" }] });
    // the emergency route is the PBX's only: from the PSTN, 112 takes the default
    expect(router.route({ fromTrunk: "pstn", called: "112" })).toMatchObject({ ok: true, route: "default-out" });
  });

  it("rewrites the number: strip, then prepend", () => {
    expect(router.route({ fromTrunk: "pbx", called: "004930123456" })).toMatchObject({ ok: true, route: "intl", targets: [{ called: "+4930123456" }] });
    expect(router.route({ fromTrunk: "provider", called: "+15551234567" })).toMatchObject({ ok: true, route: "in", targets: [{ trunk: "pstn", called: "5551234567" }] });
  });

  it("refuses with cause 3 when nothing matches and 28 when the number is too short for its route", () => {
    expect(router.route({ fromTrunk: "provider", called: "+4930" })).toMatchObject({ ok: false, cause: 3 });
    expect(router.route({ fromTrunk: "pbx", called: "0049" })).toMatchObject({ ok: false, cause: 28 });
  });

  it("says when more digits could still change the route (overlap)", () => {
    expect(router.mayGrow({ fromTrunk: "pbx", called: "11" })).toBe(true); // could become 112
    expect(router.mayGrow({ fromTrunk: "pbx", called: "0" })).toBe(true); // could become 00...
    expect(router.mayGrow({ fromTrunk: "pbx", called: "0049" })).toBe(true); // intl needs 6 digits
    expect(router.mayGrow({ fromTrunk: "pbx", called: "004930" })).toBe(false);
    expect(router.mayGrow({ fromTrunk: "pbx", called: "5" })).toBe(false);
    expect(router.mayGrow({ fromTrunk: "pstn", called: "11" })).toBe(false);
  });

  it("rejects a configuration naming a trunk that does not exist", () => {
    expect(() => new Router([rule({ name: "x", to: ["nowhere"] })], trunks)).toThrow(/nowhere/);
  });
});
