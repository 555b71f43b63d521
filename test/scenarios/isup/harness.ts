/**
 * Two ISUP signalling points, A and B, joined by an in-memory MTP under the
 * ManualClock, with fault injection (drop by direction and message type,
 * pause/resume), a continuity "wire" (B's loop makes A's check pass), and a
 * transcript of messages, state changes, indications and alerts for golden
 * files. A node can also face a scripted far end (`single`).
 */
import { ManualClock } from "../../../src/core/clock.js";
import type { LogFields, Logger, LogLevel } from "../../../src/core/logger.js";
import { resolveTimers } from "../../../src/core/timers.js";
import type { IsupMessage, IsupVariant } from "../../../src/ss7/isup/codec/index.js";
import { decodeIsup, encodeIsup } from "../../../src/ss7/isup/codec/index.js";
import { sampleMessage } from "../../../src/ss7/isup/codec/samples.js";
import type { BlockingStore } from "../../../src/ss7/isup/circuits/blocking-store.js";
import { MemoryBlockingStore } from "../../../src/ss7/isup/circuits/blocking-store.js";
import type { CircuitGroupConfig, CircuitRef } from "../../../src/ss7/isup/circuits/circuit-group.js";
import type { ContinuityMedia } from "../../../src/ss7/isup/call/continuity-media.js";
import type { IsupNodeOptions } from "../../../src/ss7/isup/call/isup-node.js";
import { IsupNode } from "../../../src/ss7/isup/call/isup-node.js";
import type { IsupIndication, IsupUser, MaintenanceAlert } from "../../../src/ss7/isup/call/primitives.js";
import { isupTimers } from "../../../src/ss7/isup/call/timers.js";

export const PC_A = 100;
export const PC_B = 200;

export class Transcript {
  readonly lines: string[] = [];
  /** Set once the scenario is over: stopping the nodes adds nothing. */
  frozen = false;
  constructor(private readonly clock: ManualClock) {}
  add(who: string, text: string): void {
    if (this.frozen) return;
    this.lines.push(`${String(this.clock.now()).padStart(7)} ${who}: ${text}`);
  }
  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

const SHOWN: ReadonlySet<LogLevel> = new Set(["info", "warn", "error", "fatal"]);

/** A Logger writing info and above into the transcript. */
class TranscriptLogger implements Logger {
  constructor(
    private readonly t: Transcript,
    private readonly who: string,
  ) {}
  private put(level: LogLevel, a: LogFields | string, b?: string): void {
    if (!SHOWN.has(level)) return;
    const msg = typeof a === "string" ? a : (b ?? "");
    this.t.add(this.who, level === "info" ? msg : `${level.toUpperCase()} ${msg}`);
  }
  fatal = (a: LogFields | string, b?: string) => this.put("fatal", a, b);
  error = (a: LogFields | string, b?: string) => this.put("error", a, b);
  warn = (a: LogFields | string, b?: string) => this.put("warn", a, b);
  info = (a: LogFields | string, b?: string) => this.put("info", a, b);
  debug = (a: LogFields | string, b?: string) => this.put("debug", a, b);
  trace = (a: LogFields | string, b?: string) => this.put("trace", a, b);
  child(): Logger {
    return this;
  }
}

function describeIndication(i: IsupIndication): string {
  const base = `${i.primitive} call=${i.call} cic=${i.circuit.cic}`;
  switch (i.primitive) {
    case "SETUP.ind":
      return `${base} continuity=${i.continuity} complete=${i.addressComplete}`;
    case "SUBSEQUENT-ADDRESS.ind":
      return `${base} digits=${i.digits} complete=${i.addressComplete}`;
    case "SUSPEND.ind":
    case "RESUME.ind":
      return `${base} ${i.initiator}`;
    case "REATTEMPT.ind":
      return `${base} previous=${i.previous.cic} reason=${i.reason}`;
    case "RELEASE.ind":
      return `${base} cause=${i.cause} reason=${i.reason}${i.timer ? ` timer=${i.timer}` : ""}`;
    case "CALL-MESSAGE.ind":
      return `${base} ${i.message.messageType}`;
    default:
      return base;
  }
}

/** A user that records what it gets and lets a test react. */
export class RecordingUser implements IsupUser {
  readonly indications: IsupIndication[] = [];
  readonly alerts: MaintenanceAlert[] = [];
  onIndication: ((i: IsupIndication) => void) | undefined;
  constructor(
    private readonly t: Transcript,
    private readonly who: string,
  ) {}
  indication(ind: IsupIndication): void {
    this.indications.push(ind);
    this.t.add(this.who, `<- ${describeIndication(ind)}`);
    this.onIndication?.(ind);
  }
  alert(a: MaintenanceAlert): void {
    this.alerts.push(a);
    this.t.add(this.who, `ALERT ${a.kind}: ${a.text}`);
  }
  last<P extends IsupIndication["primitive"]>(primitive: P): Extract<IsupIndication, { primitive: P }> | undefined {
    for (let k = this.indications.length - 1; k >= 0; k--) {
      const i = this.indications[k];
      if (i?.primitive === primitive) return i as Extract<IsupIndication, { primitive: P }>;
    }
    return undefined;
  }
  count(primitive: IsupIndication["primitive"]): number {
    return this.indications.filter((i) => i.primitive === primitive).length;
  }
}

/** Loops and transceivers: a check from one side passes when the other side has a loop on that CIC. */
export class ContinuityWire {
  readonly loops = new Map<string, Set<number>>();
  readonly broken = new Set<number>();
  resultDelayMs = 60;
  media(who: string, other: () => string, node: () => IsupNode | undefined, clock: ManualClock, t: Transcript): ContinuityMedia {
    const loopsOf = (w: string): Set<number> => {
      let s = this.loops.get(w);
      if (!s) this.loops.set(w, (s = new Set()));
      return s;
    };
    return {
      connectLoop: (c: CircuitRef) => {
        t.add(who, `media: loop connected on CIC ${c.cic}`);
        loopsOf(who).add(c.cic);
      },
      startCheck: (c: CircuitRef) => {
        t.add(who, `media: transceiver on CIC ${c.cic}`);
        clock.setTimer(this.resultDelayMs, () => {
          const passed = !this.broken.has(c.cic) && loopsOf(other()).has(c.cic);
          node()?.continuityResult(c, passed);
        });
      },
      disconnect: (c: CircuitRef) => {
        t.add(who, `media: disconnected on CIC ${c.cic}`);
        loopsOf(who).delete(c.cic);
      },
    };
  }
}

export interface Side {
  readonly name: string;
  readonly pc: number;
  node: IsupNode;
  readonly user: RecordingUser;
  store: BlockingStore;
  /** Messages this side sent, decoded, and when. */
  readonly sent: IsupMessage[];
  readonly sentAt: number[];
}

export interface PairOptions {
  readonly variant?: IsupVariant;
  /** Groups of A (towards B); B gets the mirror. */
  readonly groupA?: Partial<CircuitGroupConfig>;
  readonly groupB?: Partial<CircuitGroupConfig>;
  readonly node?: Partial<IsupNodeOptions>;
  readonly cics?: readonly number[];
  /** One-way delay of the in-memory MTP. */
  readonly delayMs?: number;
}

export type Drop = (from: string, m: IsupMessage) => boolean;

export function cics(first: number, last: number): number[] {
  const out: number[] = [];
  for (let c = first; c <= last; c++) out.push(c);
  return out;
}

export function describeMessage(m: IsupMessage): string {
  const extra: string[] = [];
  for (const p of m.parameters) {
    if (!("value" in p)) {
      extra.push(`${p.name}${p.code !== undefined ? `(0x${p.code.toString(16)})` : ""}`);
      continue;
    }
    const v = p.value as Record<string, unknown>;
    if (p.name === "causeIndicators") extra.push(`cause=${String(v["causeValue"])}${v["diagnostics"] ? `/${String(v["diagnostics"])}` : ""}`);
    if (p.name === "rangeAndStatus") extra.push(`range=${String(v["range"])}${v["status"] !== undefined ? ` status=${String(v["status"])}` : ""}`);
    if (p.name === "circuitGroupSupervisionMessageType") extra.push(v["typeIndicator"] === 0 ? "maintenance" : "hardware");
    if (p.name === "continuityIndicators") extra.push(v["continuityIndicator"] === 1 ? "continuity" : "failure");
    if (p.name === "calledPartyNumber" || p.name === "subsequentNumber") extra.push(`digits=${String(v["digits"])}`);
    if (p.name === "natureOfConnectionIndicators" && v["continuityCheckIndicator"] !== 0) extra.push(`continuityCheck=${String(v["continuityCheckIndicator"])}`);
    if (p.name === "circuitStateIndicator") extra.push(`states=${(v["circuitStates"] as number[]).map((x) => x.toString(16).padStart(2, "0")).join("")}`);
    if (p.name === "suspendResumeIndicators") extra.push(v["suspendResumeIndicator"] === 1 ? "network" : "user");
  }
  return `${m.messageType} cic=${m.cic ?? "-"}${extra.length ? ` ${extra.join(" ")}` : ""}`;
}

export class Pair {
  readonly clock = new ManualClock();
  readonly t = new Transcript(this.clock);
  readonly wire = new ContinuityWire();
  readonly a: Side;
  readonly b: Side;
  readonly variant: IsupVariant;
  drops: Drop[] = [];
  /** A side whose node is replaced by a script: it answers each message it receives with the returned ones. */
  readonly scripted = new Map<Side, (m: IsupMessage) => IsupMessage[]>();
  /** Links down without MTP-PAUSE (messages lost). */
  cut = false;
  private readonly delayMs: number;
  private readonly build: (s: Side) => IsupNode;

  constructor(o: PairOptions = {}) {
    this.variant = o.variant ?? "itu";
    this.delayMs = o.delayMs ?? 5;
    const circuits = o.cics ?? cics(1, 31);
    const base = (dpc: number, name: string, extra: Partial<CircuitGroupConfig> | undefined): CircuitGroupConfig => ({
      name,
      dpc,
      cics: circuits,
      hunting: "sequential",
      addressing: "en-bloc",
      continuityCheck: false,
      answerTimer: false,
      ...extra,
    });
    const mk = (name: string, pc: number): Side => ({ name, pc, node: undefined as unknown as IsupNode, user: new RecordingUser(this.t, name), store: new MemoryBlockingStore(), sent: [], sentAt: [] });
    this.a = mk("A", PC_A);
    this.b = mk("B", PC_B);
    const groups = { A: base(PC_B, "to-B", o.groupA), B: base(PC_A, "to-A", o.groupB) };
    this.build = (s: Side) => {
      const other = s === this.a ? this.b : this.a;
      return new IsupNode({
        opc: s.pc,
        variant: this.variant,
        groups: [s === this.a ? groups.A : groups.B],
        timers: resolveTimers(isupTimers),
        mtp: { transferRequest: (req) => this.transfer(s, other, req.userData) },
        user: s.user,
        media: this.wire.media(s.name, () => other.name, () => s.node, this.clock, this.t),
        store: s.store,
        clock: this.clock,
        log: new TranscriptLogger(this.t, s.name),
        causeLocation: 2,
        sendUcic: true,
        passOn: false,
        repeatAttempts: 1,
        congestionSteps: 4,
        ...o.node,
      });
    };
    this.a.node = this.build(this.a);
    this.b.node = this.build(this.b);
  }

  /** Replace a side's node with a fresh one on the same store (a restart). */
  restart(s: Side): void {
    this.t.add(s.name, "--- restart ---");
    this.t.frozen = true;
    s.node.stop();
    this.t.frozen = false;
    s.node = this.build(s);
  }

  /** Messages carried so far; a bound that turns a message storm into a failure. */
  transfers = 0;
  maxTransfers = 200_000;

  private transfer(from: Side, to: Side, userData: Uint8Array): void {
    if (++this.transfers > this.maxTransfers) throw new Error(`more than ${this.maxTransfers} messages: a message storm`);
    const r = decodeIsup(userData, { variant: this.variant });
    if (!r.ok) throw new Error(`${from.name} sent undecodable octets: ${r.error.reason}`);
    const m = r.value;
    from.sent.push(m);
    from.sentAt.push(this.clock.now());
    const lost = this.cut || this.drops.some((d) => d(from.name, m));
    this.t.add(from.name, `${lost ? "-x" : "->"} ${describeMessage(m)}`);
    if (lost) return;
    const copy = userData.slice();
    const script = this.scripted.get(to);
    this.clock.setTimer(this.delayMs, () => {
      if (script) for (const reply of script(m)) this.inject(to, reply);
      else to.node.mtpIndication({ primitive: "MTP-TRANSFER.ind", opc: from.pc, sls: 0, userData: copy });
    });
  }

  /** Inject a message as if `from` had sent it (a scripted far end). */
  inject(from: Side, m: IsupMessage): void {
    this.transfer(from, from === this.a ? this.b : this.a, encodeIsup(m, { variant: this.variant }));
  }

  /** Inject octets as if `from` had sent them (garbled input allowed). */
  injectOctets(from: Side, userData: Uint8Array): void {
    const to = from === this.a ? this.b : this.a;
    this.t.add(from.name, `-> ${userData.length} octets`);
    const copy = userData.slice();
    this.clock.setTimer(this.delayMs, () => to.node.mtpIndication({ primitive: "MTP-TRANSFER.ind", opc: from.pc, sls: 0, userData: copy }));
  }

  startBoth(): void {
    expectOk(this.a.node.start());
    expectOk(this.b.node.start());
    this.settle();
  }

  /** Let in-flight messages arrive (less than any protocol timer). */
  settle(ms = 200): void {
    this.clock.advance(ms);
  }

  sample(type: string, cic = 1): IsupMessage {
    return sampleMessage(this.variant, type, cic);
  }

  note(text: string): void {
    this.t.add("--", text);
  }

  stop(): void {
    this.t.frozen = true;
    this.a.node.stop();
    this.b.node.stop();
  }
}

/** A call from `from` to the other side, answered (ACM then ANM); returns both call ids. */
export function establish(p: Pair, from: Side): { out: number; in: number; cic: number } {
  const to = from === p.a ? p.b : p.a;
  const r = from.node.setupRequest({ group: from === p.a ? "to-B" : "to-A", iam: iam(p.variant) });
  if (!r.ok) throw new Error(`setup refused: ${r.reason}`);
  p.settle();
  const ind = to.user.last("SETUP.ind");
  if (!ind || ind.circuit.cic !== r.circuit.cic) throw new Error("no SETUP.ind");
  expectOk(to.node.addressCompleteRequest(ind.call, p.sample("ACM")));
  p.settle();
  expectOk(to.node.answerRequest(ind.call, p.sample("ANM")));
  p.settle();
  return { out: r.call, in: ind.call, cic: r.circuit.cic };
}

/** Both nodes have every circuit idle, no call and a clean audit. */
export function allIdle(p: Pair): string[] {
  const problems: string[] = [];
  for (const s of [p.a, p.b]) {
    for (const st of s.node.status()) if (st.call !== "Idle" || st.procedures.length > 0) problems.push(`${s.name} ${st.circuit.cic}: ${st.call} ${st.procedures.join(",")}`);
    problems.push(...s.node.audit().map((x) => `${s.name} ${x}`));
    const n = s.node.counts();
    if (n.calls !== 0 || n.groupProcedures !== 0) problems.push(`${s.name}: ${n.calls} calls, ${n.groupProcedures} group procedures left`);
  }
  return problems;
}

export function expectOk(r: { ok: boolean; reason?: string }): void {
  if (!r.ok) throw new Error(`request refused: ${r.reason ?? "?"}`);
}

/** The IAM sample without optional parameters, with a given number. */
export function iam(variant: IsupVariant, digits = "2125551234"): IsupMessage {
  const m = sampleMessage(variant, "IAM", 0);
  return {
    ...m,
    parameters: m.parameters.map((p) => (p.name === "calledPartyNumber" && "value" in p ? { name: p.name, value: { ...p.value, digits } } : p)),
  };
}
