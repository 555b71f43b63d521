/**
 * RFC 4028 negotiation rules one by one: §9 Table 2 (who refreshes), the
 * interval the UAS may choose (never above the request's, never below its
 * Min-SE or 90 s), §7.2 (the UAC reading the 2xx), §9 422, §10 timings.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { silentLogger } from "../../core/logger.js";
import type { SipMessage } from "../syntax/message.js";
import { parseSipMessage } from "../syntax/parse-message.js";
import { SessionTimer, sessionTimerConfig, tooSmallInterval, uacNegotiated, uasNegotiate } from "./session-timer.js";

function msg(first: string, lines: readonly string[]): SipMessage {
  const text = [first, "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKst", "Max-Forwards: 70", "From: <sip:a@192.0.2.1>;tag=1", "To: <sip:b@192.0.2.2>", "Call-ID: st", "CSeq: 1 INVITE", ...lines, "Content-Length: 0", "", ""].join("\r\n");
  const r = parseSipMessage(new TextEncoder().encode(text), { limits: { maxMessageBytes: 65_535, maxHeaders: 256 } });
  if (!r.ok) throw new Error(r.error.reason);
  return r.value;
}
const invite = (lines: readonly string[]): SipMessage => msg("INVITE sip:b@192.0.2.2 SIP/2.0", lines);
const ok200 = (lines: readonly string[]): SipMessage => msg("SIP/2.0 200 OK", lines);

describe("settings", () => {
  it("defaults 1800 s / 90 s / we refresh; refuses Min-SE below 90 and an interval below Min-SE", () => {
    expect(sessionTimerConfig({})).toEqual({ expiresS: 1800, minSE: 90, refresher: "local" });
    expect(sessionTimerConfig({ minSE: 2000 }).expiresS).toBe(2000);
    expect(() => sessionTimerConfig({ minSE: 89 })).toThrow(/below 90/);
    expect(() => sessionTimerConfig({ expiresS: 100, minSE: 120 })).toThrow(/below Min-SE/);
  });
});

describe("§9 Table 2 at the UAS: the refresher of the 2xx", () => {
  const local = sessionTimerConfig({ expiresS: 1800, refresher: "local" });
  const remote = sessionTimerConfig({ expiresS: 1800, refresher: "remote" });
  const rows: [string, string[], "uac" | "uas", boolean][] = [
    ["UAC without timer support, no refresher: uas", ["Session-Expires: 1800"], "uas", false],
    ["UAC supports, no refresher: ours (local: uas)", ["Supported: timer", "Session-Expires: 1800"], "uas", true],
    ["UAC supports, refresher=uac: uac", ["Supported: timer", "Session-Expires: 1800;refresher=uac"], "uac", true],
    ["UAC supports, refresher=uas: uas", ["Supported: timer", "Session-Expires: 1800;refresher=uas"], "uas", true],
  ];
  for (const [name, lines, refresher, require] of rows) {
    it(name, () => {
      const n = uasNegotiate(invite(lines), local);
      expect(n.headers).toEqual([{ name: "Session-Expires", value: `1800;refresher=${refresher}` }, ...(require ? [{ name: "Require", value: "timer" }] : [])]);
      expect(n.negotiated).toEqual({ intervalS: 1800, refresher: refresher === "uas" ? "local" : "remote" });
    });
  }
  it("UAC supports, no refresher, our preference remote: uac, with Require: timer (MUST)", () => {
    expect(uasNegotiate(invite(["Supported: timer", "Session-Expires: 1800"]), remote).headers).toEqual([
      { name: "Session-Expires", value: "1800;refresher=uac" },
      { name: "Require", value: "timer" },
    ]);
  });
});

describe("§9: the interval the UAS answers with", () => {
  it("may lower the request's value to ours, not below its Min-SE; never raises it", () => {
    const cfg = sessionTimerConfig({ expiresS: 600 });
    expect(uasNegotiate(invite(["Supported: timer", "Session-Expires: 3600"]), cfg).negotiated.intervalS).toBe(600);
    expect(uasNegotiate(invite(["Supported: timer", "Session-Expires: 3600", "Min-SE: 1200"]), cfg).negotiated.intervalS).toBe(1200);
    expect(uasNegotiate(invite(["Supported: timer", "Session-Expires: 300"]), cfg).negotiated.intervalS).toBe(300);
  });
  it("asks for one itself when the request has none, at least its Min-SE", () => {
    const cfg = sessionTimerConfig({ expiresS: 600 });
    expect(uasNegotiate(invite(["Supported: timer"]), cfg).negotiated.intervalS).toBe(600);
    expect(uasNegotiate(invite(["Supported: timer", "Min-SE: 900"]), cfg).negotiated.intervalS).toBe(900);
  });
  it("422 with our Min-SE for too small an interval from a UAC that supports timers; 400 for an unreadable one", () => {
    const cfg = sessionTimerConfig({ minSE: 300 });
    expect(tooSmallInterval(invite(["Supported: timer", "Session-Expires: 299"]), cfg)).toEqual({ status: 422, headers: [{ name: "Min-SE", value: "300" }] });
    expect(tooSmallInterval(invite(["Supported: timer", "Session-Expires: 300"]), cfg)).toBeUndefined();
    // Without timer support at the UAC the 422 would not be understood (§9 asks for Supported: timer).
    expect(tooSmallInterval(invite(["Session-Expires: 100"]), cfg)).toBeUndefined();
    expect(tooSmallInterval(invite(["Session-Expires: soon"]), cfg)?.status).toBe(400);
    expect(tooSmallInterval(invite(["Min-SE: x"]), cfg)?.status).toBe(400);
  });
});

describe("§7.2 at the UAC: reading the 2xx", () => {
  it("takes the interval and refresher given; without Session-Expires and Require we refresh with what we sent", () => {
    expect(uacNegotiated(ok200(["Session-Expires: 900;refresher=uas", "Require: timer"]), 1800)).toEqual({ intervalS: 900, refresher: "remote" });
    expect(uacNegotiated(ok200(["Session-Expires: 900;refresher=uac", "Require: timer"]), 1800)).toEqual({ intervalS: 900, refresher: "local" });
    expect(uacNegotiated(ok200([]), 1800)).toEqual({ intervalS: 1800, refresher: "local" });
    expect(uacNegotiated(ok200([]), undefined)).toBeUndefined();
  });
});

describe("§10 timings", () => {
  it("the refresher refreshes at half the interval; the other side expires min(32 s, interval/3) early; a new 2xx starts again", () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    const t = new SessionTimer({ id: "x", clock, log: silentLogger, refresh: () => seen.push(`refresh ${clock.now()}`), expire: () => seen.push(`expire ${clock.now()}`) });
    t.negotiate({ intervalS: 90, refresher: "remote" });
    clock.advance(59_999);
    expect(seen).toEqual([]);
    clock.advance(1);
    expect(seen).toEqual(["expire 60000"]);
    expect(t.state).toBe("Expired");
    const u = new SessionTimer({ id: "y", clock, log: silentLogger, refresh: () => seen.push(`refresh ${clock.now()}`), expire: () => seen.push(`expire ${clock.now()}`) });
    u.negotiate({ intervalS: 1800, refresher: "local" });
    clock.advance(900_000);
    u.negotiate({ intervalS: 1800, refresher: "local" });
    clock.advance(899_999);
    expect(seen.slice(1)).toEqual(["refresh 960000"]);
    u.negotiate({ intervalS: 1800, refresher: "remote" });
    clock.advance(1_800_000);
    expect(seen.slice(1)).toEqual(["refresh 960000", `expire ${1_859_999 + 1_800_000 - 32_000}`]);
    const v = new SessionTimer({ id: "z", clock, log: silentLogger, refresh: () => seen.push("never"), expire: () => seen.push("never") });
    v.negotiate({ intervalS: 90, refresher: "local" });
    v.negotiate(undefined);
    expect(v.state).toBe("Idle");
    clock.advance(200_000);
    expect(seen.includes("never")).toBe(false);
  });
});
