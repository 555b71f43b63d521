/**
 * Fuzz test of the card control client: random octets, valid and damaged
 * frames, truncated and oversized frames, ports that fail to open, vanish
 * mid-frame or report errors, and time passing, in random order. The client
 * must never throw, every request must settle, and the state must stay one
 * the transition table knows.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { resolveTimers } from "../../src/core/timers.js";
import { CARD_CONTROL_FSM, CardControlClient, CardControlError } from "./card-control-client.js";
import type { Body, Envelope, RequestKind } from "./card-control-messages.js";
import { decodeEnvelope, encodeEnvelope } from "./card-control-messages.js";
import { FrameDecoder, MAX_PAYLOAD, SYNC0, SYNC1, encodeFrame } from "./frame-codec.js";
import type { ScriptedControlPort, ScriptedPortBehaviour } from "./scripted-control-port.js";
import { scriptedOpener } from "./scripted-control-port.js";
import { cardControlTimers } from "./timers.js";

const timers = resolveTimers(cardControlTimers);
const none = { los: false, lof: false, ais: false, rai: false };

type Action =
  | { t: "bytes"; data: Uint8Array }
  | { t: "answer"; pick: number; asError: boolean; wrongKind: boolean }
  | { t: "alarm"; sequence: number }
  | { t: "truncated"; cut: number }
  | { t: "oversized" }
  | { t: "disappear"; midFrame: boolean }
  | { t: "fail" }
  | { t: "advance"; ms: number }
  | { t: "request"; which: number }
  | { t: "openFails"; fails: boolean };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ t: fc.constant("bytes" as const), data: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ t: fc.constant("answer" as const), pick: fc.nat(), asError: fc.boolean(), wrongKind: fc.boolean() }),
  fc.record({ t: fc.constant("alarm" as const), sequence: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ t: fc.constant("truncated" as const), cut: fc.nat() }),
  fc.constant<Action>({ t: "oversized" }),
  fc.record({ t: fc.constant("disappear" as const), midFrame: fc.boolean() }),
  fc.constant<Action>({ t: "fail" }),
  fc.record({ t: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 6000 }) }),
  fc.record({ t: fc.constant("request" as const), which: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ t: fc.constant("openFails" as const), fails: fc.boolean() }),
);

const RESPONSES: Record<RequestKind, Body> = {
  identifyRequest: { kind: "identifyResponse", value: { model: "m", firmware: "f", serialNumber: "s", abiVersion: 65536, protocolVersion: 1, spanCount: 1, portCount: 0, driver: "d" } },
  queryStatusRequest: {
    kind: "queryStatusResponse",
    value: { spans: [], ports: [], link: { rxFrames: 0, txFrames: 0, rxCrcErrors: 0, rxHeaderErrors: 0, rxGarbageOctets: 0, rxMalformed: 0, txDropped: 0, rxAbandoned: 0 }, uptimeMs: 0 },
  },
  configureSpanRequest: { kind: "configureSpanResponse", value: {} },
  setLoopbackRequest: { kind: "setLoopbackResponse", value: {} },
  injectFaultRequest: { kind: "injectFaultResponse", value: {} },
};

function frameOf(env: Envelope): Uint8Array {
  return encodeFrame(encodeEnvelope(env));
}

describe("CardControlClient fuzz", () => {
  it("never throws, settles every request, keeps a valid state", async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 60 }), async (actions) => {
        const clock = new ManualClock();
        const made: ScriptedControlPort[] = [];
        let behaviour: ScriptedPortBehaviour = { modemError: "Inappropriate ioctl for device" };
        const client = new CardControlClient({ path: "/tmp/fuzz/control", openPort: scriptedOpener(() => behaviour, made), clock, log: silentLogger, timers, reopenAfterTimeouts: 2 });
        const outcomes: Promise<string>[] = [];
        const asked: { id: number; kind: RequestKind }[] = [];
        client.start();
        const port = (): ScriptedControlPort | undefined => made[made.length - 1];
        for (const a of actions) {
          switch (a.t) {
            case "bytes":
              port()?.receive(a.data);
              break;
            case "answer": {
              const q = asked[a.pick % Math.max(1, asked.length)] ?? { id: 1, kind: "identifyRequest" as const };
              const env: Envelope = a.asError
                ? { id: q.id, body: { kind: "error", value: { code: 5, text: "fuzz", cardError: -4 } } }
                : { id: q.id, body: a.wrongKind ? { kind: "setLoopbackResponse", value: {} } : RESPONSES[q.kind] };
              port()?.receive(frameOf(env));
              break;
            }
            case "alarm":
              port()?.receive(frameOf({ id: 0, body: { kind: "alarmEvent", value: { span: 1, alarms: none, changed: { ...none, ais: true }, sequence: a.sequence, timeNs: 1 } } }));
              break;
            case "truncated": {
              const f = frameOf({ id: 7, body: { kind: "identifyRequest", value: {} } });
              port()?.receive(f.subarray(0, a.cut % f.length));
              break;
            }
            case "oversized": {
              const len = MAX_PAYLOAD + 100;
              port()?.receive(new Uint8Array([SYNC0, SYNC1, len >> 8, len & 0xff, (~len >> 8) & 0xff, ~len & 0xff, ...new Uint8Array(200)]));
              break;
            }
            case "disappear":
              if (a.midFrame) port()?.receive(frameOf({ id: 1, body: { kind: "queryStatusRequest", value: {} } }).subarray(0, 5));
              port()?.disappear();
              break;
            case "fail":
              port()?.fail("EIO");
              break;
            case "advance":
              clock.advance(a.ms);
              break;
            case "request": {
              const p =
                a.which === 0
                  ? client.identify()
                  : a.which === 1
                    ? client.queryStatus()
                    : a.which === 2
                      ? client.setLoopback(1, 2)
                      : a.which === 3
                        ? client.configureSpan(1, { framing: 2, lineCode: 1, clock: 1, clockPriority: 0, companding: 1, bearerMask: 2, sigMask: 4 })
                        : client.injectFault(1, { kind: "alarm", value: { alarm: 1, on: true } });
              outcomes.push(
                p.then(
                  () => "ok",
                  (e: unknown) => (e instanceof CardControlError ? e.failure : `unexpected ${String(e)}`),
                ),
              );
              const w = port()?.written.at(-1);
              const item = w === undefined ? undefined : new FrameDecoder(200).push(w)[0];
              if (item?.kind === "frame") {
                const r = decodeEnvelope(item.payload);
                if (r.ok && r.value.body !== undefined) asked.push({ id: r.value.id, kind: r.value.body.kind as RequestKind });
              }
              break;
            }
            case "openFails":
              behaviour = a.fails ? { openError: "ENOENT: no such file" } : { modemError: "Inappropriate ioctl for device" };
              break;
          }
          expect(Object.keys(CARD_CONTROL_FSM.states)).toContain(client.state);
        }
        await client.stop();
        const results = await Promise.all(outcomes);
        for (const r of results) {
          expect(["ok", "timeout", "closed", "not-connected", "card", "protocol"]).toContain(r);
          seen.set(r, (seen.get(r) ?? 0) + 1);
        }
        expect(client.state).toBe("Closed");
      }),
      // A fixed seed: the coverage check below must not depend on the draw.
      { numRuns: 300, seed: 20261121 },
    );
    // The runs reached every outcome (the answers hit outstanding requests).
    expect([...seen.keys()].sort()).toEqual(["card", "closed", "not-connected", "ok", "protocol", "timeout"]);
  });

  it("recovers after being closed mid-frame and answers the next request", async () => {
    const clock = new ManualClock();
    const made: ScriptedControlPort[] = [];
    const client = new CardControlClient({ path: "/tmp/fuzz/control", openPort: scriptedOpener(() => ({}), made), clock, log: silentLogger, timers, reopenAfterTimeouts: 3 });
    const problems: string[] = [];
    client.on("protocolError", (e) => problems.push(e.reason));
    client.start();
    made[0]?.receive(frameOf({ id: 0, body: { kind: "identifyRequest", value: {} } }).subarray(0, 7));
    made[0]?.disappear("EIO");
    expect(problems).toEqual(["stream ended inside a frame: 7 octets discarded"]);
    expect(client.state).toBe("Backoff");
    clock.advance(timers.reconnectInitial);
    expect(client.state).toBe("Open");
    const p = client.identify();
    const written = made[1]?.written[0];
    expect(written).toBeDefined();
    const value = { model: "m", firmware: "f", serialNumber: "s", abiVersion: 1, protocolVersion: 1, spanCount: 0, portCount: 0, driver: "d" };
    made[1]?.receive(frameOf({ id: 1, body: { kind: "identifyResponse", value } }));
    await expect(p).resolves.toEqual(value);
    await client.stop();
  });
});
