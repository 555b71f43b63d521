import { describe, expect, it } from "vitest";
import { ManualClock, SystemClock } from "./clock.js";

describe("ManualClock", () => {
  it("fires timers in due order and lets a firing timer set another", () => {
    const c = new ManualClock();
    const seen: string[] = [];
    c.setTimer(30, () => seen.push(`b@${c.now()}`));
    c.setTimer(10, () => {
      seen.push(`a@${c.now()}`);
      c.setTimer(5, () => seen.push(`a2@${c.now()}`));
    });
    c.setTimer(10, () => seen.push(`a'@${c.now()}`));
    c.advance(29);
    expect(seen).toEqual(["a@10", "a'@10", "a2@15"]);
    c.advance(1);
    expect(seen).toEqual(["a@10", "a'@10", "a2@15", "b@30"]);
    expect(c.now()).toBe(30);
  });

  it("does not fire a cancelled timer", () => {
    const c = new ManualClock();
    let fired = false;
    const h = c.setTimer(10, () => (fired = true));
    h.cancel();
    c.advance(100);
    expect(fired).toBe(false);
    expect(h.active).toBe(false);
    expect(c.armed).toBe(0);
  });

  it("runNext jumps to the next timer", () => {
    const c = new ManualClock(1000);
    let at = 0;
    c.setTimer(250, () => (at = c.now()));
    expect(c.runNext()).toBe(true);
    expect(at).toBe(1250);
    expect(c.runNext()).toBe(false);
  });
});

describe("SystemClock", () => {
  it("fires a real timer and can cancel one", async () => {
    const c = new SystemClock();
    const t0 = c.now();
    const h2 = c.setTimer(5, () => {
      throw new Error("cancelled timer fired");
    });
    h2.cancel();
    await new Promise<void>((resolve) => c.setTimer(20, resolve));
    expect(c.now() - t0).toBeGreaterThanOrEqual(15);
    expect(h2.active).toBe(false);
  });
});
