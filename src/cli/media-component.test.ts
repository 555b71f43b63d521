import { describe, expect, it } from "vitest";
import type { CardDriver } from "../../drivers/api/card.js";
import { configSchema, type GatewayConfigInput } from "../config/schema.js";
import { silentLogger } from "../core/logger.js";
import type { CallMediaPlane } from "../interworking/calls/media-plane.js";
import { MediaComponent, type GatewayMedia } from "./media-component.js";

const base: GatewayConfigInput = {
  card: {
    driver: "sim",
    profile: "sim-2t1-2fxs",
    spans: [
      { span: 1, type: "t1", framing: "esf", lineCode: "b8zs", clock: "master", signalling: [24] },
      { span: 2, type: "e1", framing: "crc4", lineCode: "hdb3", clock: "master", signalling: [16] },
    ],
  },
  sip: { listen: [{ transport: "udp", address: "127.0.0.1", port: 5060 }] },
};

describe("media component", () => {
  it("takes the product defaults of the media section", () => {
    const m = new MediaComponent({ config: configSchema.parse(base), log: silentLogger, card: () => undefined });
    expect(m.name).toBe("media");
    expect(m.rtpBindAddress).toBe("127.0.0.1");
    expect(m.defaults).toEqual({
      dtmfMode: "rfc4733",
      echoCanceller: { enabled: true, tailMs: 64 },
      ptimeMs: 20,
      jitterBuffer: { minMs: 20, maxMs: 200 },
    });
  });

  it("takes the configured values", () => {
    const cfg = configSchema.parse({
      ...base,
      media: { rtpAddress: "::1", dtmfMode: "both", echoCanceller: { enabled: false, tailMs: 128 }, ptimeMs: 30, jitterBuffer: { minMs: 40, maxMs: 400 } },
    });
    const m = new MediaComponent({ config: cfg, log: silentLogger, card: () => undefined });
    expect(m.rtpBindAddress).toBe("::1");
    expect(m.defaults).toEqual({ dtmfMode: "both", echoCanceller: { enabled: false, tailMs: 128 }, ptimeMs: 30, jitterBuffer: { minMs: 40, maxMs: 400 } });
  });

  it("refuses media settings the engine cannot take", () => {
    const bad = (media: unknown): boolean => !configSchema.safeParse({ ...base, media }).success;
    expect(bad({ echoCanceller: { tailMs: 4 } })).toBe(true); // G.168 tail 8..128 ms here
    expect(bad({ echoCanceller: { tailMs: 256 } })).toBe(true);
    expect(bad({ ptimeMs: 40 })).toBe(true);
    expect(bad({ jitterBuffer: { minMs: 300, maxMs: 200 } })).toBe(true);
    expect(bad({ rtpAddress: "localhost" })).toBe(true);
    expect(bad({ dtmf: "rfc4733" })).toBe(true); // unknown key
  });

  it("is the call logic's media plane (GatewayMedia fits CallMediaPlane)", () => {
    const m: GatewayMedia = new MediaComponent({ config: configSchema.parse(base), log: silentLogger, card: () => undefined });
    const plane: CallMediaPlane = m;
    expect(plane.rtpBindAddress).toBe("127.0.0.1");
  });

  it("knows the law of configured spans before it runs, and has no channels or switch yet", () => {
    const m = new MediaComponent({ config: configSchema.parse(base), log: silentLogger, card: () => undefined });
    expect(m.lawOf(1)).toBe("ulaw");
    expect(m.lawOf(2)).toBe("alaw");
    expect(() => m.lawOf(3)).toThrow(/no span 3/);
    expect(m.channelOf(1, 1)).toBeUndefined();
    expect(() => m.media).toThrow(/not running/);
  });

  it("needs the card open, and a card opened through a card ABI library", async () => {
    const none = new MediaComponent({ config: configSchema.parse(base), log: silentLogger, card: () => undefined });
    await expect(none.start()).rejects.toThrow(/needs the card open first/);
    const other = new MediaComponent({ config: configSchema.parse(base), log: silentLogger, card: () => ({}) as CardDriver });
    await expect(other.start()).rejects.toThrow(/card ABI library/);
    await other.stop(); // nothing started: nothing to stop
  });
});
