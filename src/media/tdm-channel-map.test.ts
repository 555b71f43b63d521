import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TdmChannelMap, idleCode, type TdmChannelKey } from "./tdm-channel-map.js";

const card = new TdmChannelMap({ spans: [{ span: 2, timeslots: 24 }, { span: 1, timeslots: 31 }], ports: [2, 1] });

describe("TdmChannelMap", () => {
  it("numbers every timeslot of every span in span order, then the ports", () => {
    expect(card.size).toBe(31 + 24 + 2);
    expect(card.channelOf(1, 1)).toBe(0);
    expect(card.channelOf(1, 16)).toBe(15); // a signalling timeslot keeps its number
    expect(card.channelOf(1, 31)).toBe(30);
    expect(card.channelOf(2, 1)).toBe(31);
    expect(card.channelOf(2, 24)).toBe(54);
    expect(card.channelOfPort(1)).toBe(55);
    expect(card.channelOfPort(2)).toBe(56);
    expect(card.keyOf(54)).toEqual({ kind: "span", span: 2, timeslot: 24 });
    expect(card.keyOf(56)).toEqual({ kind: "port", port: 2 });
    expect(card.keyOf(57)).toBeUndefined();
  });

  it("has no channel for timeslot 0, a timeslot beyond the span, a span or port the card lacks", () => {
    expect(card.channelOf(1, 0)).toBeUndefined(); // G.704: framing, never addressable
    expect(card.channelOf(2, 25)).toBeUndefined(); // a T1 has 24
    expect(card.channelOf(3, 1)).toBeUndefined();
    expect(card.channelOf(1, 1.5)).toBeUndefined();
    expect(card.channelOfPort(3)).toBeUndefined();
  });

  it("refuses a topology no card has", () => {
    expect(() => new TdmChannelMap({ spans: [{ span: 1, timeslots: 31 }, { span: 1, timeslots: 24 }], ports: [] })).toThrow(/span 1 is listed twice/);
    expect(() => new TdmChannelMap({ spans: [{ span: 1, timeslots: 32 }], ports: [] })).toThrow(/32 timeslots/);
    expect(() => new TdmChannelMap({ spans: [{ span: 0, timeslots: 31 }], ports: [] })).toThrow(/span number 0/);
    expect(() => new TdmChannelMap({ spans: [], ports: [1, 1] })).toThrow(/port 1 is listed twice/);
  });

  it("routes a card bearer layout (bearer timeslots only) to the engine channels", () => {
    const layout: TdmChannelKey[] = [
      { kind: "span", span: 1, timeslot: 1 },
      { kind: "span", span: 1, timeslot: 17 },
      { kind: "span", span: 2, timeslot: 24 },
      { kind: "port", port: 2 },
      { kind: "span", span: 9, timeslot: 1 }, // not on this card
      { kind: "span", span: 1, timeslot: 1 }, // named twice: only the first is routed
    ];
    expect(Array.from(card.route(layout))).toEqual([0, 16, 54, 56, -1, -1]);
    expect(card.isIdentity(card.route(layout))).toBe(false);
  });

  it("knows when a layout is its own numbering (blocks exchanged in place)", () => {
    const all = Array.from({ length: card.size }, (_, i) => card.keyOf(i) as TdmChannelKey);
    expect(card.isIdentity(card.route(all))).toBe(true);
    expect(card.isIdentity(card.route(all.slice(1)))).toBe(false);
  });

  it("property: every key maps to a distinct channel and back; any layout routes each channel at most once", () => {
    const topo = fc.record({
      spans: fc.uniqueArray(fc.record({ span: fc.integer({ min: 1, max: 16 }), timeslots: fc.constantFrom(24, 31) }), { selector: (s) => s.span, maxLength: 4 }),
      ports: fc.uniqueArray(fc.integer({ min: 1, max: 64 }), { maxLength: 8 }),
    });
    const key = fc.oneof(
      fc.record({ kind: fc.constant("span" as const), span: fc.integer({ min: 0, max: 20 }), timeslot: fc.integer({ min: -1, max: 33 }) }),
      fc.record({ kind: fc.constant("port" as const), port: fc.integer({ min: 0, max: 70 }) }),
    );
    fc.assert(
      fc.property(topo, fc.array(key, { maxLength: 80 }), (t, layout) => {
        const m = new TdmChannelMap(t);
        for (let ch = 0; ch < m.size; ch++) expect(m.channelOfKey(m.keyOf(ch) as TdmChannelKey)).toBe(ch);
        const r = m.route(layout);
        const routed = Array.from(r).filter((c) => c >= 0);
        expect(new Set(routed).size).toBe(routed.length);
        r.forEach((c, i) => {
          if (c >= 0) expect(m.keyOf(c)).toEqual(layout[i]);
        });
      }),
      { numRuns: 300 },
    );
  });

  it("gives the card ABI's idle codes", () => {
    expect(idleCode("alaw")).toBe(0xd5);
    expect(idleCode("ulaw")).toBe(0xff);
  });
});
