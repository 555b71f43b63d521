/**
 * The simulated card's own calls (hardware/sim/sim_internal.h): line-side
 * status, fault injection and span-to-span wiring, bound from the same
 * library as the card ABI.
 */
import { fileURLToPath } from "node:url";
import koffi from "koffi";
import type { Alarm, CardErrorCode } from "../api/card.js";
import { KoffiCardError, type KoffiCard } from "./koffi-card.js";
import { CardPtr, ERROR_CODES } from "./native.js";

/** Where `make -C hardware/sim` puts the simulated card. */
export const SIM_LIBRARY_PATH = fileURLToPath(new URL("../../hardware/sim/build/libsipt_sim.so", import.meta.url));
/** The card profiles shipped with the project. */
export const PROFILES_DIR = fileURLToPath(new URL("../../hardware/profiles/", import.meta.url));

export type SpanErrorKind = "slip" | "bpv" | "crc" | "fas";
export type Direction = "rx" | "tx";

const ALARM_BIT: Readonly<Record<Alarm, number>> = { LOS: 0x01, LOF: 0x02, AIS: 0x04, RAI: 0x08 };
const ERR_KIND: Readonly<Record<SpanErrorKind, number>> = { slip: 1, bpv: 2, crc: 3, fas: 4 };

const SpanLineT = koffi.struct({
  span: "uint32_t",
  injected_alarms: "uint32_t",
  cut: "uint32_t",
  wired: "uint32_t",
  wire_connected: "uint32_t",
  wire_span: "uint32_t",
  bearer_connected: "uint32_t",
  sig_connected_mask: "uint32_t",
  rx_invalid_blocks: "uint64_t",
  sig_tx_corrupted: "uint64_t",
  wire_rundir: koffi.array("char", 112, "String"),
});

const PortLineT = koffi.struct({
  port: "uint32_t",
  connected: "uint32_t",
  rx_invalid: "uint64_t",
  rx_blocks: "uint64_t",
  tx_blocks: "uint64_t",
  slips: "uint64_t",
});

export interface SpanLine {
  readonly span: number;
  readonly injectedAlarms: readonly Alarm[];
  readonly cut: boolean;
  readonly wired: boolean;
  readonly wireConnected: boolean;
  readonly wireSpan: number;
  readonly wireRundir: string;
  readonly bearerConnected: boolean;
  /** Timeslots with a far end attached to their signalling socket. */
  readonly signallingConnected: readonly number[];
  readonly rxInvalidBlocks: number;
  readonly sigTxCorrupted: number;
}

export interface PortLine {
  readonly port: number;
  readonly connected: boolean;
  readonly rxInvalid: number;
  readonly rxBlocks: number;
  readonly txBlocks: number;
  readonly slips: number;
}

type Rec = Record<string, unknown>;

export class SimControl {
  private readonly f;
  constructor(private readonly card: KoffiCard) {
    const lib = card.library.lib;
    this.f = {
      rundir: lib.func("sipt_sim_rundir", "const char *", [CardPtr]),
      spanLine: lib.func("sipt_sim_span_line", "int", [CardPtr, "uint32_t", koffi.out(koffi.pointer(SpanLineT))]),
      portLine: lib.func("sipt_sim_port_line", "int", [CardPtr, "uint32_t", koffi.out(koffi.pointer(PortLineT))]),
      setAlarm: lib.func("sipt_sim_set_alarm", "int", [CardPtr, "uint32_t", "uint32_t", "uint32_t"]),
      spanErrors: lib.func("sipt_sim_inject_span_errors", "int", [CardPtr, "uint32_t", "uint32_t", "uint32_t"]),
      sigErrors: lib.func("sipt_sim_inject_sig_errors", "int", [CardPtr, "uint32_t", "uint32_t", "uint32_t", "uint32_t"]),
      cut: lib.func("sipt_sim_cut", "int", [CardPtr, "uint32_t", "uint32_t"]),
      wire: lib.func("sipt_sim_wire", "int", [CardPtr, "uint32_t", "const char *", "uint32_t"]),
    };
  }

  private check(op: string, rc: number): void {
    if (rc < 0) {
      const code = (ERROR_CODES.get(rc) as CardErrorCode | undefined) ?? "EUNKNOWN";
      throw new KoffiCardError(code, op, String(this.card.library.abi.strerror(rc)));
    }
  }

  rundir(): string {
    return String(this.f.rundir(this.card.native));
  }

  spanLine(span: number): SpanLine {
    const r: Rec = {};
    this.check(`spanLine(${span})`, this.f.spanLine(this.card.native, span, r));
    const mask = Number(r["sig_connected_mask"]);
    const bits = Number(r["injected_alarms"]);
    return {
      span: Number(r["span"]),
      injectedAlarms: (Object.keys(ALARM_BIT) as Alarm[]).filter((a) => (bits & ALARM_BIT[a]) !== 0),
      cut: Number(r["cut"]) !== 0,
      wired: Number(r["wired"]) !== 0,
      wireConnected: Number(r["wire_connected"]) !== 0,
      wireSpan: Number(r["wire_span"]),
      wireRundir: String(r["wire_rundir"]),
      bearerConnected: Number(r["bearer_connected"]) !== 0,
      signallingConnected: Array.from({ length: 31 }, (_, i) => i + 1).filter((t) => ((mask >>> t) & 1) === 1),
      rxInvalidBlocks: Number(r["rx_invalid_blocks"]),
      sigTxCorrupted: Number(r["sig_tx_corrupted"]),
    };
  }

  portLine(port: number): PortLine {
    const r: Rec = {};
    this.check(`portLine(${port})`, this.f.portLine(this.card.native, port, r));
    return {
      port: Number(r["port"]),
      connected: Number(r["connected"]) !== 0,
      rxInvalid: Number(r["rx_invalid"]),
      rxBlocks: Number(r["rx_blocks"]),
      txBlocks: Number(r["tx_blocks"]),
      slips: Number(r["slips"]),
    };
  }

  setAlarm(span: number, alarm: Alarm, on: boolean): void {
    this.check(`setAlarm(${span}, ${alarm})`, this.f.setAlarm(this.card.native, span, ALARM_BIT[alarm], on ? 1 : 0));
  }

  injectSpanErrors(span: number, kind: SpanErrorKind, count: number): void {
    this.check(`injectSpanErrors(${span}, ${kind})`, this.f.spanErrors(this.card.native, span, ERR_KIND[kind], count));
  }

  /** Corrupt the next `count` frames on a signalling timeslot in one direction. */
  injectSignallingErrors(span: number, timeslot: number, direction: Direction, count: number): void {
    this.check(
      `injectSignallingErrors(${span}/${timeslot})`,
      this.f.sigErrors(this.card.native, span, timeslot, direction === "rx" ? 1 : 2, count),
    );
  }

  cut(span: number, cut: boolean): void {
    this.check(`cut(${span})`, this.f.cut(this.card.native, span, cut ? 1 : 0));
  }

  /** Wire a span to span `remoteSpan` of the card whose run directory is `remoteRundir` (undefined unwires). */
  wire(span: number, remoteRundir: string | undefined, remoteSpan = 0): void {
    this.check(`wire(${span})`, this.f.wire(this.card.native, span, remoteRundir ?? null, remoteSpan));
  }
}
