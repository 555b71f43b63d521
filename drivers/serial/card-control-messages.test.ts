import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/core/bytes.js";
import type { AlarmSet, Body, Envelope, Fault, SpanConfig, SpanStatus } from "./card-control-messages.js";
import { ENUM_MIRRORS, RESPONSE_OF, decodeEnvelope, encodeEnvelope, enumName, protoEnum, protoType } from "./card-control-messages.js";

const VECTORS = fileURLToPath(new URL("../../hardware/proto/vectors/envelopes.txt", import.meta.url));
const hex = (s: string): Uint8Array => fromHex(s) ?? new Uint8Array(0);

const none: AlarmSet = { los: false, lof: false, ais: false, rai: false };
const e1crc4: SpanConfig = { framing: 2, lineCode: 1, clock: 2, clockPriority: 1, companding: 1, bearerMask: 0xfffefffe, sigMask: 0x10000 };
const span1: SpanStatus = {
  span: 1,
  name: "E1-1",
  type: 1,
  configured: true,
  config: { ...e1crc4, clock: 1, clockPriority: 0 },
  alarms: { ...none, los: true, lof: true },
  clockSource: true,
  slips: 3,
  bpv: 0,
  crcErrors: 70000,
  fasErrors: 1,
  rxBlocks: 123456789012,
  txBlocks: 5,
  loopback: 0,
  lineCut: true,
  injectedAlarms: none,
};
const span2: SpanStatus = {
  span: 2,
  name: "E1-2",
  type: 1,
  configured: false,
  alarms: none,
  clockSource: false,
  slips: 0,
  bpv: 0,
  crcErrors: 0,
  fasErrors: 0,
  rxBlocks: 0,
  txBlocks: 0,
  loopback: 2,
  lineCut: false,
  injectedAlarms: { ...none, rai: true },
};

/** The messages behind hardware/proto/vectors/envelopes.txt (the C test builds the same). */
const VECTOR_MESSAGES: Record<string, Envelope> = {
  identify_request: { id: 1, body: { kind: "identifyRequest", value: {} } },
  identify_response: {
    id: 1,
    body: {
      kind: "identifyResponse",
      value: { model: "sim-e1x2", firmware: "sipt-simctl 1.0", serialNumber: "SIM-0001", abiVersion: 65536, protocolVersion: 1, spanCount: 2, portCount: 2, driver: "sipt-sim" },
    },
  },
  configure_span_request: { id: 2, body: { kind: "configureSpanRequest", value: { span: 1, config: e1crc4 } } },
  configure_span_response: { id: 2, body: { kind: "configureSpanResponse", value: {} } },
  query_status_request: { id: 3, body: { kind: "queryStatusRequest", value: {} } },
  query_status_response: {
    id: 3,
    body: {
      kind: "queryStatusResponse",
      value: {
        spans: [span1, span2],
        ports: [
          { port: 1, name: "fxs1", kind: 1, offHook: true, ringing: false, reversed: true, battery: true, loopMa: 25 },
          { port: 2, name: "fxo1", kind: 2, offHook: false, ringing: true, reversed: false, battery: false, loopMa: 0 },
        ],
        link: { rxFrames: 10, txFrames: 11, rxCrcErrors: 1, rxHeaderErrors: 2, rxGarbageOctets: 300, rxMalformed: 4, txDropped: 5, rxAbandoned: 6 },
        uptimeMs: 1234567,
      },
    },
  },
  set_loopback_request: { id: 4, body: { kind: "setLoopbackRequest", value: { span: 2, mode: 2 } } },
  inject_fault_alarm: { id: 5, body: { kind: "injectFaultRequest", value: { span: 1, fault: { kind: "alarm", value: { alarm: 1, on: true } } } } },
  inject_fault_span_errors: { id: 6, body: { kind: "injectFaultRequest", value: { span: 1, fault: { kind: "spanErrors", value: { kind: 1, count: 5 } } } } },
  inject_fault_sig_errors: {
    id: 7,
    body: { kind: "injectFaultRequest", value: { span: 2, fault: { kind: "signallingErrors", value: { timeslot: 16, direction: 1, count: 3 } } } },
  },
  inject_fault_line_cut: { id: 8, body: { kind: "injectFaultRequest", value: { span: 1, fault: { kind: "lineCut", value: { cut: true } } } } },
  // time_ns 1700000000123456789 is above 2^53: this client refuses it (see the test below);
  // the vector checks the C encoder against protobufjs.
  alarm_event: { id: 0, body: { kind: "alarmEvent", value: { span: 1, alarms: { ...none, los: true, lof: true }, changed: { ...none, los: true, lof: true }, sequence: 1, timeNs: 0 } } },
  error: { id: 9, body: { kind: "error", value: { code: 4, text: "InjectFault: no span 3 (this card has 2)", cardError: -2 } } },
};

describe("envelope vectors (hardware/proto/vectors/envelopes.txt)", () => {
  const lines = readFileSync(VECTORS, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"));
  it("lists every message this test knows", () => {
    expect(lines.map((l) => l.split(" ")[0]).sort()).toEqual(Object.keys(VECTOR_MESSAGES).sort());
  });
  for (const line of lines) {
    const [name, h] = line.split(" ") as [string, string];
    const msg = VECTOR_MESSAGES[name];
    if (msg === undefined) continue;
    if (name === "alarm_event") {
      it("alarm_event: a 64-bit time above 2^53 is refused with the field named", () => {
        const r = decodeEnvelope(hex(h));
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error).toMatchObject({ field: "Envelope.alarmEvent.timeNs", reason: expect.stringContaining("1700000000123456789") });
        const small = encodeEnvelope(msg);
        expect(decodeEnvelope(small)).toEqual({ ok: true, value: msg, notes: [] });
      });
      continue;
    }
    it(`${name}: protobufjs gives the vector's octets; decoding gives the message back`, () => {
      expect(toHex(encodeEnvelope(msg))).toBe(h);
      expect(decodeEnvelope(hex(h))).toEqual({ ok: true, value: msg, notes: [] });
    });
  }
});

describe("schema mirrors", () => {
  it("every TypeScript enum constant equals its .proto value, and none is missing", () => {
    for (const [name, mirror] of Object.entries(ENUM_MIRRORS)) {
      const e = protoEnum(name);
      const fromProto = Object.fromEntries(
        Object.entries(e.values)
          .filter(([, v]) => v !== 0 || name === "Loopback")
          .map(([, v]) => [enumName(name, v), v]),
      );
      expect(mirror, name).toEqual(fromProto);
    }
  });
  it("names enum values without their prefix", () => {
    expect(enumName("Framing", 2)).toBe("E1_CRC4");
    expect(enumName("ErrorCode", 4)).toBe("NOT_FOUND");
    expect(enumName("SpanErrorKind", 1)).toBe("SLIP");
    expect(enumName("Loopback", 9)).toBe("unknown(9)");
  });
  it("pairs each request with its response type", () => {
    const body = protoType("Envelope").oneofs["body"];
    for (const [req, resp] of Object.entries(RESPONSE_OF)) {
      expect(body?.oneof).toContain(req);
      expect(body?.oneof).toContain(resp);
    }
  });
});

describe("decoding rules", () => {
  it("skips unknown fields of every wire type and notes each", () => {
    const r = decodeEnvelope(hex("0801 980607 a5060a0b0c0d a9060102030405060708 b206026869 5200"));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual({ id: 1, body: { kind: "identifyRequest", value: {} } });
    expect(r.notes.map((n) => [n.offset, n.item])).toEqual([
      [2, "Envelope field 99"],
      [5, "Envelope field 100"],
      [11, "Envelope field 101"],
      [21, "Envelope field 102"],
    ]);
  });
  const bad: [string, string, string][] = [
    ["a group", "08019b06", "wire type 3"],
    ["wire type 7", "0f00", "wire type 7"],
    ["a known field with the wrong wire type", "0d01000000", "Envelope.id"],
    ["a nested field with the wrong wire type", "0801 6203 0a0101", "ConfigureSpanRequest.span"],
    ["a length past the end", "0801 5205 00", "Envelope.identifyRequest"],
    ["a truncated varint", "08ff", "Envelope.id"],
    ["an 11-octet varint", "08ffffffffffffffffffff01", "Envelope.id"],
    ["field number 0", "0001", "Envelope tag"],
  ];
  for (const [what, h, field] of bad) {
    it(`rejects ${what}, naming where`, () => {
      const r = decodeEnvelope(hex(h));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(`${r.error.field} ${r.error.reason}`).toContain(field);
    });
  }
  it("keeps the last oneof member seen", () => {
    const r = decodeEnvelope(hex("08015200 7200"));
    expect(r.ok && r.value.body?.kind).toBe("queryStatusRequest");
  });
  it("leaves an optional embedded message absent, and fills the others with defaults", () => {
    const r = decodeEnvelope(hex("0803 7a04 0a020802"));
    expect(r.ok).toBe(true);
    if (!r.ok || r.value.body?.kind !== "queryStatusResponse") return;
    const s = r.value.body.value.spans[0];
    expect(s && "config" in s).toBe(false);
    expect(s?.alarms).toEqual(none);
    expect(r.value.body.value.link.rxFrames).toBe(0);
  });
});

// ---- properties ---------------------------------------------------------------

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.maxSafeNat();
const en = fc.integer({ min: 0, max: 6 });
const str = fc.string({ maxLength: 24 });
const alarmSet = fc.record({ los: fc.boolean(), lof: fc.boolean(), ais: fc.boolean(), rai: fc.boolean() });
const spanConfig = fc.record({ framing: en, lineCode: en, clock: en, clockPriority: u32, companding: en, bearerMask: u32, sigMask: u32 });
const spanStatus = fc.record(
  {
    span: u32,
    name: str,
    type: en,
    configured: fc.boolean(),
    config: spanConfig,
    alarms: alarmSet,
    clockSource: fc.boolean(),
    slips: u64,
    bpv: u64,
    crcErrors: u64,
    fasErrors: u64,
    rxBlocks: u64,
    txBlocks: u64,
    loopback: en,
    lineCut: fc.boolean(),
    injectedAlarms: alarmSet,
  },
  { requiredKeys: ["span", "name", "type", "configured", "alarms", "clockSource", "slips", "bpv", "crcErrors", "fasErrors", "rxBlocks", "txBlocks", "loopback", "lineCut", "injectedAlarms"] },
);
const portStatus = fc.record({ port: u32, name: str, kind: en, offHook: fc.boolean(), ringing: fc.boolean(), reversed: fc.boolean(), battery: fc.boolean(), loopMa: u32 });
const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constant("alarm" as const), value: fc.record({ alarm: en, on: fc.boolean() }) }),
  fc.record({ kind: fc.constant("spanErrors" as const), value: fc.record({ kind: en, count: u32 }) }),
  fc.record({ kind: fc.constant("signallingErrors" as const), value: fc.record({ timeslot: u32, direction: en, count: u32 }) }),
  fc.record({ kind: fc.constant("lineCut" as const), value: fc.record({ cut: fc.boolean() }) }),
);
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant<Body>({ kind: "identifyRequest", value: {} }),
  fc
    .record({ model: str, firmware: str, serialNumber: str, abiVersion: u32, protocolVersion: u32, spanCount: u32, portCount: u32, driver: str })
    .map((value): Body => ({ kind: "identifyResponse", value })),
  fc.record({ span: u32, config: spanConfig }, { requiredKeys: ["span"] }).map((value): Body => ({ kind: "configureSpanRequest", value })),
  fc.constant<Body>({ kind: "configureSpanResponse", value: {} }),
  fc.constant<Body>({ kind: "queryStatusRequest", value: {} }),
  fc
    .record({
      spans: fc.array(spanStatus, { maxLength: 3 }),
      ports: fc.array(portStatus, { maxLength: 3 }),
      link: fc.record({ rxFrames: u64, txFrames: u64, rxCrcErrors: u64, rxHeaderErrors: u64, rxGarbageOctets: u64, rxMalformed: u64, txDropped: u64, rxAbandoned: u64 }),
      uptimeMs: u64,
    })
    .map((value): Body => ({ kind: "queryStatusResponse", value })),
  fc.record({ span: u32, mode: en }).map((value): Body => ({ kind: "setLoopbackRequest", value })),
  fc.record({ span: u32, fault }, { requiredKeys: ["span"] }).map((value): Body => ({ kind: "injectFaultRequest", value })),
  fc.record({ span: u32, alarms: alarmSet, changed: alarmSet, sequence: u64, timeNs: u64 }).map((value): Body => ({ kind: "alarmEvent", value })),
  fc.record({ code: en, text: str, cardError: fc.integer({ min: -2147483648, max: 2147483647 }) }).map((value): Body => ({ kind: "error", value })),
);
const envelope: fc.Arbitrary<Envelope> = fc.record({ id: u32, body }, { requiredKeys: ["id"] });

describe("Envelope properties", () => {
  it("decode(encode(x)) = x", () => {
    fc.assert(
      fc.property(envelope, (env) => {
        expect(decodeEnvelope(encodeEnvelope(env))).toEqual({ ok: true, value: env, notes: [] });
      }),
      { numRuns: 400 },
    );
  });
  it("any bytes give a value or an error, never a throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = decodeEnvelope(bytes);
        expect(typeof r.ok).toBe("boolean");
      }),
      { numRuns: 2000 },
    );
  });
  it("every truncation and every one-octet change of a valid envelope decodes or fails cleanly", () => {
    fc.assert(
      fc.property(envelope, fc.nat(), fc.integer({ min: 0, max: 255 }), (env, at, v) => {
        const b = encodeEnvelope(env);
        for (let n = 0; n < b.length; n++) expect(typeof decodeEnvelope(b.subarray(0, n)).ok).toBe("boolean");
        if (b.length > 0) {
          const m = b.slice();
          m[at % b.length] = v;
          expect(typeof decodeEnvelope(m).ok).toBe("boolean");
        }
      }),
      { numRuns: 150 },
    );
  });
});
