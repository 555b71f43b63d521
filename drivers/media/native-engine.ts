/**
 * koffi binding of the native media engine (include/sipt_media.h, build/libsipt_media.so).
 * One FFI crossing per tick for all channels (media_engine_tick); counters and events are read
 * in bulk into preallocated buffers. Structure layouts are checked against the library's own
 * sizes when it is opened, and the counter names against its name table.
 */
import { existsSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { fileURLToPath } from "node:url";
import koffi from "koffi";
import { parseIpAddress } from "../../src/media/ip-address.js";
import { validateToneSpec } from "../../src/media/tone-profiles.js";
import type {
  CounterRow,
  G711Law,
  MediaCounters,
  MediaEvent,
  MediaEventKind,
  MediaPort,
  MediaPortRequest,
  MediaSide,
  RtpStreamConfig,
  ToneSpec,
} from "../../src/media/types.js";
import { GLOBAL_COUNTER_NAMES, STREAM_COUNTER_NAMES } from "./counters.js";

export const MEDIA_ABI_VERSION = 1;

export interface NativeEngineOptions {
  readonly maxChannels: number;
  readonly maxStreams: number;
  /** Samples per channel per tick: 80, 160 or 240 (10, 20, 30 ms). */
  readonly blockSamples: 80 | 160 | 240;
  /** "blocks": channel c at c * blockSamples; "interleaved": 125 us frames of all channels. */
  readonly tdmLayout?: "blocks" | "interleaved";
  /** TDM loop delay for the echo canceller's reference, in samples (default 2 blocks). */
  readonly ecBulkDelaySamples?: number;
  readonly eventQueueLength?: number;
  /** RFC 3550 §6.2 deterministic RTCP interval (default 5000, minimum 500). */
  readonly rtcpIntervalMs?: number;
  /** One law for all channels, or one per channel. */
  readonly tdmLaw: G711Law | readonly G711Law[];
  /** Overrides the library location. */
  readonly libraryPath?: string;
}

/** A request the engine refused, with the errno it gave. */
export class MediaEngineError extends Error {
  readonly errno: number;
  readonly code: string;
  constructor(operation: string, rc: number, detail?: string) {
    const errno = -rc;
    const code = Object.entries(osConstants.errno).find(([, v]) => v === errno)?.[0] ?? `errno ${errno}`;
    super(`media engine refused ${operation}: ${code}${detail !== undefined ? ` (${detail})` : ""}`);
    this.name = "MediaEngineError";
    this.errno = errno;
    this.code = code;
  }
}

const DIRECTIONS = { sendrecv: 0, sendonly: 1, recvonly: 2, inactive: 3 } as const;
const DTMF_MODES = { rfc4733: 0, inband: 1, both: 2 } as const;
const SIDES: Record<MediaSide, number> = { tdm: 0, rtp: 1 };
const EVENT_KINDS: Record<number, MediaEventKind> = {
  1: "dtmf-tdm-start",
  2: "dtmf-tdm-end",
  3: "dtmf-rtp-start",
  4: "dtmf-rtp-end",
  5: "latched",
  6: "ssrc-changed",
  7: "tone-done",
  8: "rtcp-bye",
  9: "dtmf-sent",
};
const EVENT_SIZE = 24;
const EVENT_BATCH = 256;

const EngineConfig = koffi.struct("media_engine_config_t", {
  abi_version: "uint32_t",
  max_channels: "uint32_t",
  max_streams: "uint32_t",
  block_samples: "uint32_t",
  tdm_layout: "uint32_t",
  ec_bulk_delay_samples: "uint32_t",
  event_queue_len: "uint32_t",
  rtcp_interval_ms: "uint32_t",
});
const PortConfig = koffi.struct("media_port_config_t", {
  family: "uint8_t",
  rtcp_mux: "uint8_t",
  port: "uint16_t",
  addr: koffi.array("uint8_t", 16),
  dscp: "uint8_t",
  pad: koffi.array("uint8_t", 3),
});
const PortInfo = koffi.struct("media_port_info_t", { rtp_port: "uint16_t", rtcp_port: "uint16_t", port_id: "int32_t" });
const StreamConfig = koffi.struct("media_stream_config_t", {
  tdm_channel: "uint32_t",
  port_id: "int32_t",
  remote_family: "uint8_t",
  direction: "uint8_t",
  codec: "uint8_t",
  payload_type: "uint8_t",
  remote_addr: koffi.array("uint8_t", 16),
  remote_rtp_port: "uint16_t",
  remote_rtcp_port: "uint16_t",
  event_pt: "int16_t",
  ptime_ms: "uint8_t",
  dtmf_mode: "uint8_t",
  ssrc: "uint32_t",
  ec_enabled: "uint8_t",
  latch: "uint8_t",
  ec_tail_ms: "uint16_t",
  jb_min_ms: "uint16_t",
  jb_max_ms: "uint16_t",
  relatch_ms: "uint16_t",
  pad: "uint16_t",
  cname: koffi.array("char", 32),
});
const ToneStepT = koffi.struct("media_tone_step_t", {
  f1_hz: "int16_t",
  f2_hz: "int16_t",
  l1_dbm0: "int16_t",
  l2_dbm0: "int16_t",
  on_ms: "uint16_t",
  off_ms: "uint16_t",
});
const ToneT = koffi.struct("media_tone_t", { steps: "uint8_t", repeat: "uint8_t", pad: "uint16_t", step: koffi.array(ToneStepT, 4) });
// registers the opaque handle type named in the prototypes below
koffi.opaque("media_engine_t");

interface Api {
  create: (cfg: unknown, law: Uint8Array | null, err: Int32Array) => unknown;
  destroy: (e: unknown) => void;
  setLaw: (e: unknown, ch: number, law: number) => number;
  portOpen: (e: unknown, cfg: unknown, info: Record<string, number>) => number;
  portClose: (e: unknown, id: number) => number;
  streamAdd: (e: unknown, cfg: unknown) => number;
  streamModify: (e: unknown, id: number, cfg: unknown) => number;
  streamRemove: (e: unknown, id: number) => number;
  xconnect: (e: unknown, a: number, b: number) => number;
  xconnectClear: (e: unknown, ch: number) => number;
  toneStart: (e: unknown, ch: number, side: number, tone: unknown) => number;
  toneStop: (e: unknown, ch: number, side: number) => number;
  dtmfSend: (e: unknown, ch: number, side: number, digit: number, ms: number) => number;
  tick: (e: unknown, rx: Uint8Array, tx: Uint8Array, tick: number) => number;
  reclaim: (e: unknown) => number;
  counterCount: (kind: number) => number;
  counterName: (kind: number, i: number) => string | null;
  readCounters: (e: unknown, g: BigUint64Array, rows: BigUint64Array, max: number) => number;
  readEvents: (e: unknown, out: Uint8Array, max: number) => number;
  abiVersion: () => number;
  structSize: (which: number) => number;
}

let cachedApi: { path: string; api: Api } | undefined;

/** Where the library is: the option, $SIPT_MEDIA_LIB, beside this module, or the source tree. */
export function resolveMediaLibrary(explicit?: string): string {
  const candidates = [
    explicit,
    process.env["SIPT_MEDIA_LIB"],
    fileURLToPath(new URL("./build/libsipt_media.so", import.meta.url)),
    fileURLToPath(new URL("../../../drivers/media/build/libsipt_media.so", import.meta.url)),
  ].filter((p): p is string => p !== undefined && p !== "");
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    throw new Error(`libsipt_media.so not found (tried ${candidates.join(", ")}); build it with make -C drivers/media`);
  }
  return found;
}

function loadApi(path: string): Api {
  if (cachedApi?.path === path) return cachedApi.api;
  const lib = koffi.load(path);
  const api: Api = {
    create: lib.func("media_engine_t *media_engine_create(const media_engine_config_t *cfg, const uint8_t *law, _Out_ int32_t *err)"),
    destroy: lib.func("void media_engine_destroy(media_engine_t *e)"),
    setLaw: lib.func("int32_t media_engine_set_tdm_law(media_engine_t *e, uint32_t ch, uint32_t law)"),
    portOpen: lib.func("int32_t media_engine_port_open(media_engine_t *e, const media_port_config_t *cfg, _Out_ media_port_info_t *info)"),
    portClose: lib.func("int32_t media_engine_port_close(media_engine_t *e, int32_t id)"),
    streamAdd: lib.func("int32_t media_engine_stream_add(media_engine_t *e, const media_stream_config_t *cfg)"),
    streamModify: lib.func("int32_t media_engine_stream_modify(media_engine_t *e, int32_t id, const media_stream_config_t *cfg)"),
    streamRemove: lib.func("int32_t media_engine_stream_remove(media_engine_t *e, int32_t id)"),
    xconnect: lib.func("int32_t media_engine_xconnect(media_engine_t *e, uint32_t a, uint32_t b)"),
    xconnectClear: lib.func("int32_t media_engine_xconnect_clear(media_engine_t *e, uint32_t ch)"),
    toneStart: lib.func("int32_t media_engine_tone_start(media_engine_t *e, uint32_t ch, uint32_t side, const media_tone_t *tone)"),
    toneStop: lib.func("int32_t media_engine_tone_stop(media_engine_t *e, uint32_t ch, uint32_t side)"),
    dtmfSend: lib.func("int32_t media_engine_dtmf_send(media_engine_t *e, uint32_t ch, uint32_t side, uint8_t digit, uint32_t ms)"),
    tick: lib.func("int32_t media_engine_tick(media_engine_t *e, const uint8_t *rx, uint8_t *tx, uint64_t tick)"),
    reclaim: lib.func("int32_t media_engine_reclaim(media_engine_t *e)"),
    counterCount: lib.func("uint32_t media_engine_counter_count(uint32_t kind)"),
    counterName: lib.func("const char *media_engine_counter_name(uint32_t kind, uint32_t index)"),
    readCounters: lib.func("int32_t media_engine_read_counters(media_engine_t *e, uint64_t *g, uint64_t *rows, uint32_t max)"),
    readEvents: lib.func("int32_t media_engine_read_events(media_engine_t *e, uint8_t *out, uint32_t max)"),
    abiVersion: lib.func("uint32_t media_engine_abi_version(void)"),
    structSize: lib.func("uint32_t media_engine_struct_size(uint32_t which)"),
  };
  const abi = api.abiVersion();
  if (abi !== MEDIA_ABI_VERSION) throw new Error(`${path} implements media ABI ${abi}, this binding ABI ${MEDIA_ABI_VERSION}`);
  const layouts = [EngineConfig, PortConfig, PortInfo, StreamConfig, ToneT];
  layouts.forEach((t, i) => {
    const size = api.structSize(i);
    if (koffi.sizeof(t) !== size) throw new Error(`${path}: structure ${i} is ${size} octets in C, ${koffi.sizeof(t)} in the binding`);
  });
  if (api.structSize(5) !== EVENT_SIZE) throw new Error(`${path}: media_engine_event_t is ${api.structSize(5)} octets, expected ${EVENT_SIZE}`);
  const names = (kind: number): string[] => Array.from({ length: api.counterCount(kind) }, (_, i) => api.counterName(kind, i) ?? "");
  const check = (kind: number, expected: readonly string[]): void => {
    const got = names(kind);
    if (got.join(",") !== expected.join(",")) throw new Error(`${path}: counter names (kind ${kind}) differ from the binding: ${got.join(",")}`);
  };
  check(0, GLOBAL_COUNTER_NAMES);
  check(1, STREAM_COUNTER_NAMES);
  cachedApi = { path, api };
  return api;
}

function lawCode(law: G711Law): number {
  return law === "ulaw" ? 2 : 1; // SIPT_MEDIA_LAW_*, numbered as the card ABI's companding
}

function ipOrThrow(text: string, what: string): { family: 4 | 6; bytes: number[] } {
  const ip = parseIpAddress(text);
  if (ip === undefined) throw new RangeError(`${what} ${JSON.stringify(text)} is not an IPv4 or IPv6 literal`);
  return { family: ip.family, bytes: Array.from(ip.bytes).concat(new Array<number>(16 - ip.bytes.length).fill(0)) };
}

/** The C structure for a stream configuration. */
export function streamConfigStruct(c: RtpStreamConfig): Record<string, unknown> {
  const remote = c.remote !== undefined ? ipOrThrow(c.remote.address, "remote address") : undefined;
  const cname = c.cname ?? "";
  if (Buffer.byteLength(cname) > 31) throw new RangeError(`cname ${JSON.stringify(cname)} is longer than 31 octets`);
  return {
    tdm_channel: c.tdmChannel,
    port_id: c.portId,
    remote_family: remote?.family ?? 0,
    direction: DIRECTIONS[c.direction],
    codec: c.codec === "PCMA" ? 1 : 0,
    payload_type: c.payloadType,
    remote_addr: remote?.bytes ?? new Array<number>(16).fill(0),
    remote_rtp_port: c.remote?.rtpPort ?? 0,
    remote_rtcp_port: c.remote?.rtcpPort ?? 0,
    event_pt: c.telephoneEventPt ?? -1,
    ptime_ms: c.ptimeMs,
    dtmf_mode: DTMF_MODES[c.dtmfMode],
    ssrc: c.ssrc ?? 0,
    ec_enabled: c.echoCanceller.enabled ? 1 : 0,
    latch: c.latch ? 1 : 0,
    ec_tail_ms: c.echoCanceller.tailMs,
    jb_min_ms: c.jitterBuffer?.minMs ?? 0,
    jb_max_ms: c.jitterBuffer?.maxMs ?? 0,
    relatch_ms: c.relatchMs ?? 0,
    pad: 0,
    cname,
  };
}

/** The C structure for a tone. */
export function toneStruct(t: ToneSpec): Record<string, unknown> {
  const problem = validateToneSpec(t);
  if (problem !== undefined) throw new RangeError(`tone refused: ${problem}`);
  const steps = t.steps.map((s) => ({
    f1_hz: s.f1Hz,
    f2_hz: s.amHz !== undefined ? -s.amHz : (s.f2Hz ?? 0),
    l1_dbm0: s.levelDbm0,
    l2_dbm0: s.amHz !== undefined ? (s.amDepthPercent ?? 0) : (s.level2Dbm0 ?? s.levelDbm0),
    on_ms: s.onMs,
    off_ms: s.offMs,
  }));
  while (steps.length < 4) steps.push({ f1_hz: 0, f2_hz: 0, l1_dbm0: 0, l2_dbm0: 0, on_ms: 0, off_ms: 0 });
  return { steps: t.steps.length, repeat: t.repeat ? 1 : 0, pad: 0, step: steps };
}

export class NativeMediaEngine {
  readonly channels: number;
  readonly blockSamples: number;
  readonly maxStreams: number;
  private handle: unknown;
  private readonly api: Api;
  private readonly globalBuf: BigUint64Array;
  private readonly rowBuf: BigUint64Array;
  private readonly eventBuf: Uint8Array;
  private readonly ports = new Map<number, MediaPort>();

  private constructor(api: Api, handle: unknown, opts: NativeEngineOptions) {
    this.api = api;
    this.handle = handle;
    this.channels = opts.maxChannels;
    this.blockSamples = opts.blockSamples;
    this.maxStreams = opts.maxStreams;
    this.globalBuf = new BigUint64Array(GLOBAL_COUNTER_NAMES.length);
    this.rowBuf = new BigUint64Array(STREAM_COUNTER_NAMES.length * opts.maxStreams);
    this.eventBuf = new Uint8Array(EVENT_SIZE * EVENT_BATCH);
  }

  static open(opts: NativeEngineOptions): NativeMediaEngine {
    const api = loadApi(resolveMediaLibrary(opts.libraryPath));
    let laws: Uint8Array | null = null;
    if (typeof opts.tdmLaw === "string") {
      laws = new Uint8Array(opts.maxChannels).fill(lawCode(opts.tdmLaw));
    } else {
      if (opts.tdmLaw.length !== opts.maxChannels) throw new RangeError(`tdmLaw has ${opts.tdmLaw.length} entries for ${opts.maxChannels} channels`);
      laws = Uint8Array.from(opts.tdmLaw, lawCode);
    }
    const err = new Int32Array(1);
    const handle = api.create(
      {
        abi_version: MEDIA_ABI_VERSION,
        max_channels: opts.maxChannels,
        max_streams: opts.maxStreams,
        block_samples: opts.blockSamples,
        tdm_layout: opts.tdmLayout === "interleaved" ? 1 : 0,
        ec_bulk_delay_samples: opts.ecBulkDelaySamples ?? opts.blockSamples * 2,
        event_queue_len: opts.eventQueueLength ?? 0,
        rtcp_interval_ms: opts.rtcpIntervalMs ?? 0,
      },
      laws,
      err,
    );
    if (handle === null) throw new MediaEngineError("create", err[0] ?? -22, JSON.stringify({ ...opts, tdmLaw: undefined }));
    return new NativeMediaEngine(api, handle, opts);
  }

  private live(): unknown {
    if (this.handle === null) throw new Error("media engine used after destroy()");
    return this.handle;
  }

  private ok(op: string, rc: number): number {
    if (rc < 0) throw new MediaEngineError(op, rc);
    return rc;
  }

  /** One block for all channels; returns the number of packets sent. */
  tick(rx: Uint8Array, tx: Uint8Array, tick: number): number {
    return this.api.tick(this.live(), rx, tx, tick);
  }

  openPort(req: MediaPortRequest): MediaPort {
    const ip = ipOrThrow(req.bindAddress, "bind address");
    const info: Record<string, number> = {};
    const rc = this.api.portOpen(
      this.live(),
      { family: ip.family, rtcp_mux: req.rtcpMux ? 1 : 0, port: req.port ?? 0, addr: ip.bytes, dscp: req.dscp ?? 0, pad: [0, 0, 0] },
      info,
    );
    this.ok(`openPort(${req.bindAddress}:${req.port ?? 0})`, rc);
    const port: MediaPort = {
      portId: rc,
      bindAddress: req.bindAddress,
      rtpPort: info["rtp_port"] ?? 0,
      rtcpPort: info["rtcp_port"] ?? 0,
      rtcpMux: req.rtcpMux,
    };
    this.ports.set(rc, port);
    return port;
  }

  closePort(portId: number): void {
    this.ok(`closePort(${portId})`, this.api.portClose(this.live(), portId));
    this.ports.delete(portId);
  }

  addStream(config: RtpStreamConfig): number {
    return this.ok(`addStream(channel ${config.tdmChannel})`, this.api.streamAdd(this.live(), streamConfigStruct(config)));
  }

  modifyStream(streamId: number, config: RtpStreamConfig): void {
    this.ok(`modifyStream(${streamId})`, this.api.streamModify(this.live(), streamId, streamConfigStruct(config)));
  }

  removeStream(streamId: number): void {
    this.ok(`removeStream(${streamId})`, this.api.streamRemove(this.live(), streamId));
  }

  crossConnect(a: number, b: number): void {
    this.ok(`crossConnect(${a}, ${b})`, this.api.xconnect(this.live(), a, b));
  }

  clearCrossConnect(channel: number): void {
    this.ok(`clearCrossConnect(${channel})`, this.api.xconnectClear(this.live(), channel));
  }

  startTone(channel: number, side: MediaSide, tone: ToneSpec): void {
    this.ok(`startTone(${channel}, ${side})`, this.api.toneStart(this.live(), channel, SIDES[side], toneStruct(tone)));
  }

  stopTone(channel: number, side: MediaSide): void {
    this.ok(`stopTone(${channel}, ${side})`, this.api.toneStop(this.live(), channel, SIDES[side]));
  }

  sendDtmf(channel: number, side: MediaSide, digit: string, durationMs: number): void {
    if (digit.length !== 1) throw new RangeError(`DTMF digit ${JSON.stringify(digit)} is not one character`);
    this.ok(`sendDtmf(${channel}, ${side}, ${digit})`, this.api.dtmfSend(this.live(), channel, SIDES[side], digit.charCodeAt(0), durationMs));
  }

  setTdmLaw(channel: number, law: G711Law): void {
    this.ok(`setTdmLaw(${channel})`, this.api.setLaw(this.live(), channel, lawCode(law)));
  }

  /** Frees what ticks retired (control calls do it too). */
  reclaim(): void {
    this.api.reclaim(this.live());
  }

  counters(): MediaCounters {
    const rows = this.api.readCounters(this.live(), this.globalBuf, this.rowBuf, this.maxStreams);
    const toRow = (names: readonly string[], buf: BigUint64Array, base: number): CounterRow => {
      const row: Record<string, number> = {};
      names.forEach((n, i) => {
        row[n] = Number(buf[base + i] ?? 0n);
      });
      return row;
    };
    const streams: CounterRow[] = [];
    for (let r = 0; r < rows; r++) streams.push(toRow(STREAM_COUNTER_NAMES, this.rowBuf, r * STREAM_COUNTER_NAMES.length));
    return { global: toRow(GLOBAL_COUNTER_NAMES, this.globalBuf, 0), streams };
  }

  events(): MediaEvent[] {
    const out: MediaEvent[] = [];
    const view = new DataView(this.eventBuf.buffer, this.eventBuf.byteOffset, this.eventBuf.byteLength);
    for (;;) {
      const n = this.api.readEvents(this.live(), this.eventBuf, EVENT_BATCH);
      for (let i = 0; i < n; i++) {
        const o = i * EVENT_SIZE;
        const kindCode = view.getUint16(o + 16, true);
        const kind = EVENT_KINDS[kindCode];
        if (kind === undefined) continue;
        const streamId = view.getInt32(o + 8, true);
        const code = view.getUint16(o + 18, true);
        let detail: string | undefined;
        if (kind.startsWith("dtmf")) detail = code >= 256 ? `event-${code - 256}` : String.fromCharCode(code);
        else if (kind === "tone-done") detail = code === 0 ? "tdm" : "rtp";
        out.push({
          kind,
          tick: view.getBigUint64(o, true),
          ...(streamId >= 0 ? { streamId } : {}),
          channel: view.getUint32(o + 12, true),
          ...(detail !== undefined ? { detail } : {}),
          value: view.getInt32(o + 20, true),
        });
      }
      if (n < EVENT_BATCH) return out;
    }
  }

  port(portId: number): MediaPort | undefined {
    return this.ports.get(portId);
  }

  destroy(): void {
    if (this.handle === null) return;
    this.api.destroy(this.handle);
    this.handle = null;
  }
}
