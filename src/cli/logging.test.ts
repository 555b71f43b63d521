import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createRootLogger } from "./logging.js";

function capture() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (c: Buffer) => (text += c.toString("utf8")));
  return { stream, text: () => text };
}

describe("root logger", () => {
  it("writes JSON lines with child context and honours the level", () => {
    const c = capture();
    const log = createRootLogger({ level: "info", format: "json", destination: c.stream, isTty: false });
    const call = log.child({ trunk: "pstn1", cic: 12 }).child({ callId: "abc@127.0.0.1" });
    call.info({ cause: 16 }, "call released");
    call.debug("not shown at info");
    const lines = c.text().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, trunk: "pstn1", cic: 12, callId: "abc@127.0.0.1", cause: 16, msg: "call released", app: "sipt-gw" });
    expect(typeof lines[0]!["time"]).toBe("string");
  });

  it("writes readable lines when asked for pretty output", () => {
    const c = capture();
    const log = createRootLogger({ level: "debug", format: "pretty", destination: c.stream, isTty: false });
    log.child({ cic: 7 }).debug({ state: "Idle" }, "circuit reset");
    const text = c.text();
    expect(text).toContain("DEBUG");
    expect(text).toContain("circuit reset");
    expect(text).toContain(`"cic":7`);
    expect(text.trim().split("\n")).toHaveLength(1);
    expect(() => JSON.parse(text)).toThrow();
  });
});
