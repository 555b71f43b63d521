import { SerialPortMock } from "serialport";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { RecordingLogger } from "../../src/core/logger.js";
import { resolveTimers } from "../../src/core/timers.js";
import { CardControlClient, CardControlError } from "./card-control-client.js";
import type { AlarmEvent, Envelope } from "./card-control-messages.js";
import { decodeEnvelope, encodeEnvelope } from "./card-control-messages.js";
import { StreamControlPort } from "./control-port.js";
import { FrameDecoder, encodeFrame } from "./frame-codec.js";
import type { ScriptedControlPort, ScriptedPortBehaviour } from "./scripted-control-port.js";
import { scriptedOpener } from "./scripted-control-port.js";
import { cardControlTimers } from "./timers.js";

const PATH = "/dev/ttyCARD0";
const timers = resolveTimers(cardControlTimers);
const none = { los: false, lof: false, ais: false, rai: false };

/** The card's side of a SerialPortMock: reads what the client wrote, answers. */
class MockCard {
  private seen = 0;
  private readonly decoder = new FrameDecoder(200);
  readonly received: Envelope[] = [];
  constructor(private readonly stream: () => SerialPortMock | undefined) {}
  poll(): Envelope[] {
    const rec = this.stream()?.port?.recording ?? Buffer.alloc(0);
    const fresh = rec.subarray(this.seen);
    this.seen = rec.length;
    for (const item of this.decoder.push(fresh)) {
      if (item.kind !== "frame") continue;
      const r = decodeEnvelope(item.payload);
      if (r.ok) this.received.push(r.value);
    }
    return this.received;
  }
  async nextRequest(count: number): Promise<Envelope> {
    await vi.waitFor(() => expect(this.poll().length).toBeGreaterThanOrEqual(count), { timeout: 2000, interval: 2 });
    const e = this.received[count - 1];
    if (e === undefined) throw new Error("no request");
    return e;
  }
  send(env: Envelope): void {
    this.raw(encodeFrame(encodeEnvelope(env)));
  }
  raw(bytes: Uint8Array): void {
    this.stream()?.port?.emitData(Buffer.from(bytes));
  }
}

function setup(reopenAfterTimeouts = 3) {
  const clock = new ManualClock();
  const log = new RecordingLogger();
  const streams: SerialPortMock[] = [];
  const client = new CardControlClient({
    path: PATH,
    openPort: (path, handlers) => {
      const s = new SerialPortMock({ path, baudRate: 115200, autoOpen: false });
      streams.push(s);
      return new StreamControlPort(s, handlers);
    },
    clock,
    log,
    timers,
    reopenAfterTimeouts,
  });
  const card = new MockCard(() => streams[streams.length - 1]);
  return { client, clock, log, streams, card };
}

async function connected(client: CardControlClient): Promise<void> {
  await vi.waitFor(() => expect(client.state).toBe("Open"), { timeout: 2000, interval: 2 });
}

afterEach(() => {
  SerialPortMock.binding.reset();
});

describe("CardControlClient on @serialport/binding-mock", () => {
  it("opens, sends Identify with a correlation id and resolves with the response", async () => {
    SerialPortMock.binding.createPort(PATH, { record: true });
    const { client, card } = setup();
    const events: string[] = [];
    client.on("connected", () => events.push("connected"));
    client.start();
    await connected(client);
    const pending = client.identify();
    const req = await card.nextRequest(1);
    expect(req.body?.kind).toBe("identifyRequest");
    expect(req.id).toBeGreaterThan(0);
    const value = { model: "stub", firmware: "fw 1", serialNumber: "S1", abiVersion: 65536, protocolVersion: 1, spanCount: 2, portCount: 0, driver: "d" };
    card.send({ id: req.id, body: { kind: "identifyResponse", value } });
    await expect(pending).resolves.toEqual(value);
    expect(events).toEqual(["connected"]);
    expect(client.stats()).toMatchObject({ framesOut: 1, framesIn: 1, opens: 1 });
    await client.stop();
    expect(client.state).toBe("Closed");
  });

  it("matches responses to requests by id, in any order", async () => {
    SerialPortMock.binding.createPort(PATH, { record: true });
    const { client, card } = setup();
    client.start();
    await connected(client);
    const a = client.setLoopback(1, 1);
    const b = client.queryStatus();
    const ra = await card.nextRequest(1);
    const rb = await card.nextRequest(2);
    expect(ra.id).not.toBe(rb.id);
    const status = { spans: [], ports: [], link: { rxFrames: 1, txFrames: 0, rxCrcErrors: 0, rxHeaderErrors: 0, rxGarbageOctets: 0, rxMalformed: 0, txDropped: 0, rxAbandoned: 0 }, uptimeMs: 5 };
    card.send({ id: rb.id, body: { kind: "queryStatusResponse", value: status } });
    card.send({ id: ra.id, body: { kind: "setLoopbackResponse", value: {} } });
    await expect(b).resolves.toEqual(status);
    await expect(a).resolves.toBeUndefined();
    await client.stop();
  });

  it("rejects with the card's error code and text, and on a response of the wrong kind", async () => {
    SerialPortMock.binding.createPort(PATH, { record: true });
    const { client, card } = setup();
    client.start();
    await connected(client);
    const a = client.injectFault(3, { kind: "lineCut", value: { cut: true } });
    const ra = await card.nextRequest(1);
    card.send({ id: ra.id, body: { kind: "error", value: { code: 4, text: "InjectFault: no span 3 (this card has 2)", cardError: -2 } } });
    const err = await a.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardControlError);
    expect(err).toMatchObject({ failure: "card", code: 4, cardError: -2, message: expect.stringContaining("NOT_FOUND: InjectFault: no span 3") });
    const b = client.identify();
    const rb = await card.nextRequest(2);
    card.send({ id: rb.id, body: { kind: "configureSpanResponse", value: {} } });
    await expect(b).rejects.toMatchObject({ failure: "protocol", message: expect.stringContaining("configureSpanResponse instead of identifyResponse") });
    await client.stop();
  });

  it("times out a silent card and, after three timeouts in a row, reopens the port", async () => {
    SerialPortMock.binding.createPort(PATH, { record: true });
    const { client, clock, card } = setup(3);
    const disconnected: string[] = [];
    client.on("disconnected", (r) => disconnected.push(r));
    client.start();
    await connected(client);
    for (let i = 1; i <= 3; i++) {
      const p = client.identify();
      await card.nextRequest(i);
      clock.advance(timers.response - 1);
      expect(client.stats().timeouts).toBe(i - 1);
      clock.advance(1);
      await expect(p).rejects.toMatchObject({ failure: "timeout", message: expect.stringContaining(`within ${timers.response} ms`) });
    }
    expect(client.state).toBe("Backoff");
    expect(disconnected).toEqual(["no response to 3 requests in a row"]);
    clock.advance(timers.reconnectInitial);
    await connected(client);
    expect(client.stats().opens).toBe(2);
    await client.stop();
  });

  it("emits alarm events and counts the ones a sequence gap shows were lost", async () => {
    SerialPortMock.binding.createPort(PATH, { record: true });
    const { client, card } = setup();
    const alarms: AlarmEvent[] = [];
    const lost: number[] = [];
    client.on("alarm", (e) => alarms.push(e));
    client.on("eventsLost", (n) => lost.push(n));
    client.start();
    await connected(client);
    const ev = (sequence: number): Envelope => ({ id: 0, body: { kind: "alarmEvent", value: { span: 1, alarms: { ...none, los: true }, changed: { ...none, los: true }, sequence, timeNs: 1000 } } });
    card.send(ev(1));
    card.send(ev(2));
    card.send(ev(5));
    await vi.waitFor(() => expect(alarms).toHaveLength(3), { timeout: 2000, interval: 2 });
    expect(alarms.map((a) => a.sequence)).toEqual([1, 2, 5]);
    expect(lost).toEqual([2]);
    await client.stop();
  });

  it("reports garbage, CRC errors and undecodable payloads, and keeps working", async () => {
    SerialPortMock.binding.createPort(PATH, { record: true });
    const { client, card } = setup();
    const problems: string[] = [];
    client.on("protocolError", (e) => problems.push(e.field));
    client.start();
    await connected(client);
    const bad = encodeFrame(encodeEnvelope({ id: 0, body: { kind: "identifyRequest", value: {} } }));
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
    card.raw(new Uint8Array([1, 2, 3]));
    card.raw(bad);
    card.raw(encodeFrame(Uint8Array.from([0x0f, 0x00])));
    const p = client.identify();
    const req = await card.nextRequest(1);
    card.send({ id: req.id, body: { kind: "identifyResponse", value: { model: "m", firmware: "f", serialNumber: "s", abiVersion: 1, protocolVersion: 1, spanCount: 0, portCount: 0, driver: "d" } } });
    await expect(p).resolves.toMatchObject({ model: "m" });
    expect(problems).toEqual(["sync", "frame CRC", "sync", "Envelope.id"]);
    expect(client.stats()).toMatchObject({ malformed: 1, frameErrors: 3 });
    await client.stop();
  });

  it("retries a port that cannot be opened with a doubling wait, then connects", async () => {
    const { client, clock, log } = setup();
    client.start();
    await vi.waitFor(() => expect(client.state).toBe("Backoff"), { timeout: 2000, interval: 2 });
    expect(client.lastError).toContain("Port does not exist");
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const rec = log.records.filter((r) => r.msg === "card control port: reopening after a wait").at(-1);
      waits.push(Number(rec?.fields["delayMs"]));
      clock.advance(Number(rec?.fields["delayMs"]));
      await vi.waitFor(() => expect(client.state).toBe("Backoff"), { timeout: 2000, interval: 2 });
    }
    expect(waits).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    SerialPortMock.binding.createPort(PATH, { record: true });
    clock.advance(5000);
    await connected(client);
    await client.stop();
  });

  it("rejects outstanding requests when the port disappears, then reconnects", async () => {
    SerialPortMock.binding.createPort(PATH, { record: true });
    const { client, clock, card, streams } = setup();
    const disconnected: string[] = [];
    client.on("disconnected", (r) => disconnected.push(r));
    client.start();
    await connected(client);
    const p = client.queryStatus();
    await card.nextRequest(1);
    card.raw(encodeFrame(new Uint8Array(40)).subarray(0, 20)); // half a frame, then the port goes
    streams[0]?.close(undefined, new Error("device unplugged"));
    await expect(p).rejects.toMatchObject({ failure: "closed", message: expect.stringContaining("device unplugged") });
    expect(client.state).toBe("Backoff");
    expect(disconnected).toEqual(["port closed: device unplugged"]);
    await expect(client.identify()).rejects.toMatchObject({ failure: "not-connected" });
    clock.advance(timers.reconnectInitial);
    await connected(client);
    expect(streams).toHaveLength(2);
    await client.stop();
  });

  it("survives a listener that throws", async () => {
    SerialPortMock.binding.createPort(PATH, { record: true });
    const { client, card, log } = setup();
    const seen: number[] = [];
    client.on("alarm", () => {
      throw new Error("listener bug");
    });
    client.on("alarm", (e) => seen.push(e.span));
    client.start();
    await connected(client);
    card.send({ id: 0, body: { kind: "alarmEvent", value: { span: 2, alarms: none, changed: { ...none, rai: true }, sequence: 1, timeNs: 0 } } });
    await vi.waitFor(() => expect(seen).toEqual([2]), { timeout: 2000, interval: 2 });
    expect(log.records.some((r) => r.msg === "card control listener threw")).toBe(true);
    await client.stop();
  });

  it("ignores what arrives after stop and rejects what was outstanding", async () => {
    SerialPortMock.binding.createPort(PATH, { record: true });
    const { client, card } = setup();
    client.start();
    await connected(client);
    const p = client.identify();
    await card.nextRequest(1);
    await client.stop();
    await expect(p).rejects.toMatchObject({ failure: "closed" });
    expect(client.state).toBe("Closed");
    client.start(); // no effect after the final state
    expect(client.state).toBe("Closed");
  });
});

describe("CardControlClient link supervision (scripted port)", () => {
  function scripted(behaviour: () => ScriptedPortBehaviour) {
    const made: ScriptedControlPort[] = [];
    const clock = new ManualClock();
    const client = new CardControlClient({ path: "/tmp/card/control", openPort: scriptedOpener(behaviour, made), clock, log: new RecordingLogger(), timers, reopenAfterTimeouts: 3 });
    return { made, clock, client };
  }
  const identified = (port: ScriptedControlPort | undefined): number =>
    (port?.written ?? []).filter((w) => {
      const item = new FrameDecoder(200).push(w)[0];
      const r = item?.kind === "frame" ? decodeEnvelope(item.payload) : undefined;
      return r?.ok === true && r.value.body?.kind === "identifyRequest";
    }).length;

  it("checks an idle link with Identify and reopens it when three checks go unanswered", () => {
    const { made, clock, client } = scripted(() => ({}));
    client.start();
    expect(client.state).toBe("Open");
    clock.advance(timers.keepalive - 1);
    expect(identified(made[0])).toBe(0);
    clock.advance(1);
    expect(identified(made[0])).toBe(1);
    // unanswered: times out, and the next checks follow
    clock.advance(timers.response);
    clock.advance(timers.keepalive);
    clock.advance(timers.response);
    expect(client.state).toBe("Backoff");
    expect(client.lastError).toBe("no response to 3 requests in a row");
    void client.stop();
  });

  it("sends no keepalive while the card is talking", () => {
    const { made, clock, client } = scripted(() => ({}));
    client.start();
    for (let i = 0; i < 10; i++) {
      clock.advance(timers.keepalive / 2);
      made[0]?.receive(encodeFrame(encodeEnvelope({ id: 0, body: { kind: "alarmEvent", value: { span: 1, alarms: none, changed: none, sequence: i + 1, timeNs: 0 } } })));
    }
    expect(identified(made[0])).toBe(0);
    void client.stop();
  });

  it("treats a failed write as a lost port (a hung-up pty reports nothing else)", async () => {
    let behaviour: ScriptedPortBehaviour = { writeError: "EIO: i/o error, write" };
    const { made, clock, client } = scripted(() => behaviour);
    const events: string[] = [];
    client.on("disconnected", (r) => events.push(r));
    client.start();
    await expect(client.identify()).rejects.toMatchObject({ failure: "closed", message: expect.stringContaining("EIO") });
    expect(client.state).toBe("Backoff");
    expect(events).toEqual(["write failed: EIO: i/o error, write"]);
    behaviour = {};
    clock.advance(timers.reconnectInitial);
    expect(client.state).toBe("Open");
    expect(made).toHaveLength(2);
    void client.stop();
  });
});

describe("CardControlClient on a port without modem lines (a pty)", () => {
  it("connects although DTR/RTS cannot be set", () => {
    const made: ScriptedControlPort[] = [];
    const log = new RecordingLogger();
    const client = new CardControlClient({
      path: "/tmp/card/control",
      openPort: scriptedOpener(() => ({ modemError: "Inappropriate ioctl for device" }), made),
      clock: new ManualClock(),
      log,
      timers,
      reopenAfterTimeouts: 3,
    });
    client.start();
    expect(client.state).toBe("Open");
    expect(log.records.some((r) => r.msg === "modem control lines not settable on this port")).toBe(true);
    void client.stop();
  });
});
