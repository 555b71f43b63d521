import { describe, expect, it } from "vitest";
import { Journal } from "./journal.js";

describe("the journal", () => {
  it("finds from a mark, waits for what is to come and gives up at its deadline", async () => {
    const j = new Journal<number>(() => 0);
    j.push(1);
    const m = j.mark();
    j.push(2);
    expect(j.find((v) => v > 0, m).map((x) => x.value)).toEqual([2]);
    const later = j.waitFor((v) => v === 3, 1000);
    setTimeout(() => j.push(3), 10);
    expect((await later)?.value).toBe(3);
    expect(await j.waitFor((v) => v === 4, 20)).toBeUndefined();
  });

  it("keeps marks valid when old entries are dropped", () => {
    const j = new Journal<number>(() => 0, 3);
    for (let i = 0; i < 5; i++) j.push(i);
    expect(j.mark()).toBe(5);
    expect(j.find(() => true, 3).map((x) => x.value)).toEqual([3, 4]);
    expect(j.find(() => true, 0).map((x) => x.value)).toEqual([2, 3, 4]);
  });

  it("ends pending waits when the source ends", async () => {
    const j = new Journal<number>(() => 0);
    const w = j.waitFor(() => true, 10_000);
    j.end();
    expect(await w).toBeUndefined();
  });
});
