/**
 * Property: whatever a far end sends (valid messages of every type on any
 * CIC, garbled octets), whatever the user, management and MTP do, and however
 * time passes, the ISUP node under test (B) never throws, every circuit that
 * waits for the far end has a timer running, calls and procedures stay
 * bounded, and once the far end behaves and the user releases its calls,
 * everything returns to idle with no call, no procedure and no timer left.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IsupMessage } from "../../../src/ss7/isup/codec/index.js";
import { encodeIsup, getParameter } from "../../../src/ss7/isup/codec/index.js";
import { allSampleMessages } from "../../../src/ss7/isup/codec/samples.js";
import { earlyAcmMessage } from "../../../src/ss7/isup/call/message-builders.js";
import type { CallId } from "../../../src/ss7/isup/call/primitives.js";
import { PC_A, Pair, cics, iam } from "./harness.js";

const CICS = cics(1, 6);
const TYPES = allSampleMessages("itu").map((m) => m.messageType);

/** A far end that acknowledges everything and answers every IAM with REL. */
function politeFarEnd(m: IsupMessage): IsupMessage[] {
  const cic = m.cic ?? 0;
  const bare = (messageType: string): IsupMessage => ({ messageType, cic, parameters: [] });
  const rs = getParameter(m, "rangeAndStatus");
  const same = (messageType: string): IsupMessage => ({ ...m, messageType });
  switch (m.messageType) {
    case "REL":
    case "RSC":
      return [bare("RLC")];
    case "IAM":
      return [{ messageType: "REL", cic, parameters: [{ name: "causeIndicators", value: { codingStandard: 0, location: 0, causeValue: 16 } }] }];
    case "GRS":
      return [{ messageType: "GRA", cic, parameters: [{ name: "rangeAndStatus", value: { range: rs?.range ?? 0, status: "0".repeat((rs?.range ?? 0) + 1) } }] }];
    case "BLO":
      return [bare("BLA")];
    case "UBL":
      return [bare("UBA")];
    case "CGB":
      return [same("CGBA")];
    case "CGU":
      return [same("CGUA")];
    case "CQM":
      return [
        {
          messageType: "CQR",
          cic,
          parameters: [
            { name: "rangeAndStatus", value: { range: rs?.range ?? 0 } },
            { name: "circuitStateIndicator", value: { circuitStates: new Array<number>((rs?.range ?? 0) + 1).fill(0x0c) } },
          ],
        },
      ];
    case "UPT":
      return [bare("UPA")];
    default:
      return [];
  }
}

type Command =
  | { k: "msg"; type: string; cic: number; v: number }
  | { k: "polite"; on: boolean }
  | { k: "flip"; type: string; cic: number; pos: number; val: number }
  | { k: "garble"; bytes: Uint8Array }
  | { k: "setup" }
  | { k: "user"; op: string; idx: number }
  | { k: "mgmt"; op: string; cic: number }
  | { k: "mtp"; op: string }
  | { k: "media"; cic: number; pass: boolean }
  | { k: "time"; ms: number };

const cic = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 2 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 8 }) });
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ k: fc.constant("msg" as const), type: fc.constantFrom(...TYPES), cic, v: fc.nat(255) }) },
  {
    weight: 10,
    arbitrary: fc.record({ k: fc.constant("msg" as const), type: fc.constantFrom("IAM", "IAM", "IAM", "ACM", "ANM", "CON", "REL", "RLC", "COT", "COT", "CCR", "SUS", "RES", "SAM", "INF", "INR", "GRS", "CGB", "BLO", "UBL", "RSC", "BLA", "UBA"), cic, v: fc.nat(255) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("polite" as const), on: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("flip" as const), type: fc.constantFrom(...TYPES), cic, pos: fc.nat(40), val: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("garble" as const), bytes: fc.uint8Array({ maxLength: 40 }) }) },
  { weight: 2, arbitrary: fc.constant({ k: "setup" as const }) },
  {
    weight: 8,
    arbitrary: fc.record({
      k: fc.constant("user" as const),
      op: fc.constantFrom("acm", "anm", "con", "cpg", "rel", "sus", "res", "inr", "inf", "sam", "sufficient", "fac", "cot"),
      idx: fc.nat(5),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("mgmt" as const), op: fc.constantFrom("blo", "ubl", "cgb", "cgu", "cgbh", "cguh", "rsc", "grs", "cqm", "ccr"), cic: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("mtp" as const), op: fc.constantFrom("pause", "resume", "upu", "cong") }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("media" as const), cic: fc.integer({ min: 1, max: 6 }), pass: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("time" as const), ms: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 3_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 400_000 }) }) }) },
);

const config = fc.record({
  overlap: fc.boolean(),
  continuityCheck: fc.boolean(),
  earlyAcm: fc.boolean(),
  answerTimer: fc.boolean(),
  passOn: fc.boolean(),
  hunting: fc.constantFrom("sequential" as const, "descending" as const, "round-robin" as const, "odd-even" as const),
});

/** A sample of `type` on CIC `c`, its key fields varied by `v` (continuity, ST, indicators, range and status). */
type Config = typeof config extends fc.Arbitrary<infer R> ? R : never;

function message(p: Pair, type: string, c: number, v = 0): IsupMessage {
  const m = { ...p.sample(type), cic: c };
  const set = (name: string, value: Record<string, unknown>): IsupMessage => ({
    ...m,
    parameters: m.parameters.map((x) => (x.name === name && "value" in x ? { name, value: { ...x.value, ...value } } : x)) as IsupMessage["parameters"],
  });
  switch (type) {
    case "IAM": {
      const withCot = set("natureOfConnectionIndicators", { continuityCheckIndicator: v % 3 });
      return { ...withCot, parameters: withCot.parameters.map((x) => (x.name === "calledPartyNumber" && "value" in x ? { name: x.name, value: { ...x.value, digits: v & 4 ? "212F" : "212" } } : x)) };
    }
    case "COT":
      return set("continuityIndicators", { continuityIndicator: v & 1 });
    case "SUS":
    case "RES":
      return set("suspendResumeIndicators", { suspendResumeIndicator: v & 1 });
    case "CGB":
    case "CGU":
    case "CGBA":
    case "CGUA": {
      const range = 1 + (v % 7);
      const status = Array.from({ length: range + 1 }, (_, i) => ((v >> i) & 1 ? "1" : "0")).join("");
      const t = set("circuitGroupSupervisionMessageType", { typeIndicator: (v >> 5) & 1 });
      return { ...t, parameters: t.parameters.map((x) => (x.name === "rangeAndStatus" ? { name: x.name, value: { range, status } } : x)) };
    }
    case "GRS":
    case "CQM":
      return set("rangeAndStatus", { range: v % 9 });
    case "GRA":
      return set("rangeAndStatus", { range: 1 + (v % 7), status: Array.from({ length: 2 + (v % 7) }, (_, i) => ((v >> i) & 1 ? "1" : "0")).join("") });
    default:
      return m;
  }
}

function run(cfg: Config, commands: Command[]): void {
  const p = new Pair({
    cics: CICS,
    groupB: {
      addressing: cfg.overlap ? "overlap" : "en-bloc",
      continuityCheck: cfg.continuityCheck,
      answerTimer: cfg.answerTimer,
      hunting: cfg.hunting,
      ...(cfg.earlyAcm ? { earlyAcm: earlyAcmMessage() } : {}),
    },
    node: { passOn: cfg.passOn },
  });
  p.t.frozen = true;
  p.startBoth();
  // From here on A is a script: B alone is under test.
  p.a.node.stop();
  p.scripted.set(p.a, () => []);
  const b = p.b.node;
  const calls: CallId[] = [];
  p.b.user.onIndication = (i) => {
    if (i.primitive === "SETUP.ind") calls.push(i.call);
  };
  // Recent calls are the likely live ones.
  const pick = (idx: number): CallId => calls[calls.length - 1 - (idx % 3)] ?? 0;
  const check = (where: string) => {
    expect(b.audit(), where).toEqual([]);
    const n = b.counts();
    expect(n.calls, where).toBeLessThanOrEqual(CICS.length);
    expect(n.groupProcedures, where).toBeLessThanOrEqual(4 * CICS.length);
  };

  for (const [k, c] of commands.entries()) {
    switch (c.k) {
      case "msg":
        p.inject(p.a, message(p, c.type, c.cic, c.v));
        p.settle(10);
        break;
      case "polite":
        p.scripted.set(p.a, c.on ? politeFarEnd : () => []);
        break;
      case "flip": {
        const bytes = encodeIsup(message(p, c.type, c.cic), { variant: "itu" });
        if (bytes.length > 0) bytes[c.pos % bytes.length] = c.val;
        p.injectOctets(p.a, bytes);
        p.settle(10);
        break;
      }
      case "garble":
        p.injectOctets(p.a, c.bytes);
        p.settle(10);
        break;
      case "setup": {
        const r = b.setupRequest({ group: "to-A", iam: iam("itu", cfg.overlap ? "21" : "2125551234") });
        if (r.ok) calls.push(r.call);
        break;
      }
      case "user": {
        const call = pick(c.idx);
        const req: Record<string, () => unknown> = {
          acm: () => b.addressCompleteRequest(call, p.sample("ACM")),
          anm: () => b.answerRequest(call, p.sample("ANM")),
          con: () => b.answerRequest(call, p.sample("CON")),
          cpg: () => b.progressRequest(call, p.sample("CPG")),
          rel: () => b.releaseRequest(call, { cause: 16, location: 0 }),
          sus: () => b.suspendRequest(call, p.sample("SUS")),
          res: () => b.resumeRequest(call, p.sample("RES")),
          inr: () => b.informationRequest(call, p.sample("INR")),
          inf: () => b.informationResponse(call, p.sample("INF")),
          sam: () => b.subsequentAddressRequest(call, p.sample("SAM")),
          sufficient: () => b.sufficientAddress(call),
          fac: () => b.callMessageRequest(call, p.sample("FAC")),
          cot: () => b.continuityReport(call, true),
        };
        req[c.op]?.();
        break;
      }
      case "mgmt": {
        const g = "to-A";
        const two = [c.cic, c.cic === 6 ? 5 : c.cic + 1];
        const ops: Record<string, () => unknown> = {
          blo: () => b.blockCircuit(g, c.cic),
          ubl: () => b.unblockCircuit(g, c.cic),
          cgb: () => b.blockGroup(g, two, "maintenance"),
          cgu: () => b.unblockGroup(g, two, "maintenance"),
          cgbh: () => b.blockGroup(g, two, "hardware"),
          cguh: () => b.unblockGroup(g, two, "hardware"),
          rsc: () => b.resetCircuitRequest(g, c.cic),
          grs: () => b.resetGroup(g, two),
          cqm: () => b.queryGroup(g, two, () => undefined),
          ccr: () => b.continuityTest(g, c.cic),
        };
        ops[c.op]?.();
        break;
      }
      case "mtp":
        if (c.op === "pause") b.mtpIndication({ primitive: "MTP-PAUSE.ind", affectedDpc: PC_A });
        else if (c.op === "resume") b.mtpIndication({ primitive: "MTP-RESUME.ind", affectedDpc: PC_A });
        else if (c.op === "upu") b.mtpIndication({ primitive: "MTP-STATUS.ind", affectedDpc: PC_A, cause: "user-part-unavailable", userPartCause: "unknown" });
        else b.mtpIndication({ primitive: "MTP-STATUS.ind", affectedDpc: PC_A, cause: "signalling-network-congestion", congestionLevel: 2 });
        break;
      case "media":
        b.continuityResult({ group: "to-A", dpc: PC_A, cic: c.cic }, c.pass);
        break;
      case "time":
        p.clock.advance(c.ms);
        break;
    }
    check(`after command ${k} ${JSON.stringify(c, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v))}`);
  }

  // Recovery: the route is up, the far end behaves, loops answer checks, the user releases its calls, blocking is lifted.
  b.mtpIndication({ primitive: "MTP-RESUME.ind", affectedDpc: PC_A });
  p.scripted.set(p.a, politeFarEnd);
  p.wire.loops.set("A", new Set(CICS));
  for (const call of calls) b.releaseRequest(call, { cause: 16, location: 0 });
  b.unblockGroup("to-A", undefined, "maintenance");
  b.unblockGroup("to-A", undefined, "hardware");
  p.clock.advance(20 * 60_000);
  // A reset from the far end clears what it blocked.
  p.inject(p.a, { messageType: "GRS", cic: 1, parameters: [{ name: "rangeAndStatus", value: { range: 5 } }] });
  p.clock.advance(20 * 60_000);
  const left = b.status().filter((s) => s.call !== "Idle" || s.procedures.length > 0 || s.localMaintenance !== "unblocked" || s.localHardware !== "unblocked" || s.remoteMaintenance || s.remoteHardware);
  expect(left).toEqual([]);
  expect(b.audit()).toEqual([]);
  expect(b.counts()).toEqual({ calls: 0, groupProcedures: 0 });
  p.stop();
  expect(p.clock.armed).toBe(0);
}

describe("ISUP node under random input (property)", () => {
  it("never throws, never hangs a circuit, never grows, and recovers", () => {
    fc.assert(
      fc.property(config, fc.array(command, { minLength: 5, maxLength: 60 }), (cfg, commands) => run(cfg, commands)),
      { numRuns: Number(process.env["ISUP_PROPERTY_RUNS"] ?? 1000) },
    );
  });
});
