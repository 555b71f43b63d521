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

  it("fires timers of one duration in the order set, never early, and skips cancelled ones", async () => {
    const c = new SystemClock();
    const seen: string[] = [];
    const early: string[] = [];
    const set = (name: string, ms: number): ReturnType<SystemClock["setTimer"]> => {
      const t0 = c.now();
      return c.setTimer(ms, () => {
        if (c.now() - t0 < ms) early.push(name);
        seen.push(name);
      });
    };
    const a = set("a", 15);
    set("b", 15);
    set("c", 5);
    const d = set("d", 15);
    a.cancel();
    d.cancel();
    await new Promise<void>((resolve) => c.setTimer(40, resolve));
    expect(seen).toEqual(["c", "b"]);
    expect(early).toEqual([]);
    expect(a.active).toBe(false);
  });

  it("runs a timer set by a firing timer, of the same duration, after its own wait", async () => {
    const c = new SystemClock();
    const t0 = c.now();
    const at: number[] = [];
    await new Promise<void>((resolve) => {
      c.setTimer(10, () => {
        at.push(c.now() - t0);
        c.setTimer(10, () => {
          at.push(c.now() - t0);
          resolve();
        });
      });
    });
    expect(at[0]).toBeGreaterThanOrEqual(10);
    expect(at[1]).toBeGreaterThanOrEqual(20);
  });

  it("keeps the other timers of a duration when one throws", async () => {
    const c = new SystemClock();
    const seen: string[] = [];
    const errors: unknown[] = [];
    const onError = (e: unknown): void => {
      errors.push(e);
    };
    const listeners = process.listeners("uncaughtException");
    process.removeAllListeners("uncaughtException");
    process.on("uncaughtException", onError);
    try {
      c.setTimer(5, () => {
        throw new Error("timer failed");
      });
      c.setTimer(5, () => seen.push("second"));
      await new Promise<void>((resolve) => c.setTimer(30, resolve));
    } finally {
      process.off("uncaughtException", onError);
      for (const l of listeners) process.on("uncaughtException", l);
    }
    expect(errors).toHaveLength(1);
    expect(seen).toEqual(["second"]);
  });

  it("does not keep the process alive once every timer is cancelled or fired", async () => {
    const c = new SystemClock();
    const refed = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = refed();
    const h = c.setTimer(60_000, () => undefined);
    expect(refed()).toBe(before + 1);
    h.cancel();
    expect(refed()).toBe(before);
    // Set again while the first Node timer is still pending: it holds the process again.
    const h2 = c.setTimer(60_000, () => undefined);
    expect(refed()).toBe(before + 1);
    h2.cancel();
    expect(refed()).toBe(before);
    // A timer of another duration fires; the cancelled one's Node timer, still pending, holds nothing.
    await new Promise<void>((resolve) => c.setTimer(5, resolve));
    expect(refed()).toBe(before);
  });
});

