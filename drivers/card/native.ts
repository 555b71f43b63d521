/**
 * koffi declarations of hardware/abi/sipt_card.h (ABI 1.x) and the loader
 * that checks a library's ABI version before binding anything else.
 * Structures mirror the header field by field (natural alignment).
 */
import koffi from "koffi";

export const ABI_MAJOR = 1;
export const ABI_MINOR = 0;

/** SIPT_CARD_E* codes by value. */
export const ERROR_CODES: ReadonlyMap<number, string> = new Map([
  [-1, "EINVAL"],
  [-2, "ENOENT"],
  [-3, "EBUSY"],
  [-4, "ESTATE"],
  [-5, "EAGAIN"],
  [-6, "ETIMEDOUT"],
  [-7, "ENOMEM"],
  [-8, "EIO"],
  [-9, "EMSGSIZE"],
  [-10, "ENOTSUP"],
  [-11, "EPROFILE"],
  [-12, "EINTR"],
  [-13, "ELAYOUT"],
]);

export const RC = {
  OK: 0,
  EAGAIN: -5,
  ETIMEDOUT: -6,
  EMSGSIZE: -9,
  EINTR: -12,
} as const;

// Opaque handle: koffi passes it as a pointer value.
const CardT = koffi.opaque();
export const CardPtr = koffi.pointer(CardT);

type TypeSpec = Parameters<typeof koffi.out>[0];
type LibraryHandle = ReturnType<typeof koffi.load>;

const u32 = "uint32_t";
const u64 = "uint64_t";

export const CardInfoT = koffi.struct({
  driver: koffi.array("char", 32, "String"),
  model: koffi.array("char", 64, "String"),
  serial: koffi.array("char", 32, "String"),
  abi_version: u32,
  span_count: u32,
  port_count: u32,
  block_bytes: u32,
  mode: u32,
  reserved: koffi.array(u32, 3),
});

export const SpanInfoT = koffi.struct({
  name: koffi.array("char", 32, "String"),
  span: u32,
  type: u32,
  timeslots: u32,
  configured: u32,
  reserved: koffi.array(u32, 4),
});

export const SpanConfigT = koffi.struct({
  framing: u32,
  line_code: u32,
  clock: u32,
  clock_priority: u32,
  companding: u32,
  bearer_mask: u32,
  sig_mask: u32,
  reserved: koffi.array(u32, 5),
});

export const SpanStatusT = koffi.struct({
  span: u32,
  alarms: u32,
  configured: u32,
  clock_source: u32,
  slips: u64,
  bpv: u64,
  crc_errors: u64,
  fas_errors: u64,
  rx_blocks: u64,
  tx_blocks: u64,
  reserved: koffi.array(u64, 2),
});

export const SigStatusT = koffi.struct({
  span: u32,
  timeslot: u32,
  rx_queued: u32,
  reserved0: u32,
  rx_frames: u64,
  tx_frames: u64,
  rx_crc_errors: u64,
  rx_invalid: u64,
  rx_overflows: u64,
  tx_dropped: u64,
});

export const BearerChannelT = koffi.struct({
  kind: u32,
  span: u32,
  timeslot: u32,
  port: u32,
  companding: u32,
  reserved: u32,
});

export const BearerStatusT = koffi.struct({
  ticks: u64,
  late_ticks: u64,
  channels: u32,
  block_bytes: u32,
  mode: u32,
  clock_source: u32,
});

export const PortInfoT = koffi.struct({
  name: koffi.array("char", 32, "String"),
  port: u32,
  kind: u32,
  companding: u32,
  reserved: koffi.array(u32, 3),
});

export const PortStatusT = koffi.struct({
  port: u32,
  kind: u32,
  off_hook: u32,
  ringing: u32,
  polarity: u32,
  battery: u32,
  loop_ma: u32,
  reserved: u32,
});

export const EventT = koffi.struct({
  type: u32,
  span: u32,
  port: u32,
  timeslot: u32,
  value: u32,
  changed: u32,
  count: u64,
  time_ns: u64,
});

const out = (t: TypeSpec) => koffi.out(koffi.pointer(t));

/** Bind every ABI function of an already version-checked library. */
function bindAbi(lib: LibraryHandle) {
  const f = (name: string, ret: TypeSpec, args: TypeSpec[]) => lib.func(name, ret, args);
  return {
    strerror: f("sipt_card_strerror", "const char *", ["int"]),
    open: f("sipt_card_open", "int", ["const char *", out(CardPtr)]),
    close: f("sipt_card_close", "int", [CardPtr]),
    info: f("sipt_card_info", "int", [CardPtr, out(CardInfoT)]),
    spanInfo: f("sipt_card_span_info", "int", [CardPtr, u32, out(SpanInfoT)]),
    portInfo: f("sipt_card_port_info", "int", [CardPtr, u32, out(PortInfoT)]),
    spanConfigure: f("sipt_card_span_configure", "int", [CardPtr, u32, koffi.pointer(SpanConfigT)]),
    spanGetConfig: f("sipt_card_span_get_config", "int", [CardPtr, u32, out(SpanConfigT)]),
    spanStatus: f("sipt_card_span_status", "int", [CardPtr, u32, out(SpanStatusT)]),
    sigOpen: f("sipt_card_sig_open", "int", [CardPtr, u32, u32]),
    sigClose: f("sipt_card_sig_close", "int", [CardPtr, "int"]),
    sigSend: f("sipt_card_sig_send", "int", [CardPtr, "int", "const uint8_t *", "size_t"]),
    sigRecv: f("sipt_card_sig_recv", "int", [CardPtr, "int", "uint8_t *", "size_t", out("size_t")]),
    sigStatus: f("sipt_card_sig_status", "int", [CardPtr, "int", out(SigStatusT)]),
    eventFd: f("sipt_card_event_fd", "int", [CardPtr]),
    wait: f("sipt_card_wait", "int", [CardPtr, "int"]),
    interrupt: f("sipt_card_interrupt", "int", [CardPtr]),
    nextEvent: f("sipt_card_next_event", "int", [CardPtr, out(EventT)]),
    bearerLayout: f("sipt_card_bearer_layout", "int", [
      CardPtr,
      koffi.out(koffi.pointer(BearerChannelT)),
      "size_t",
      out("size_t"),
      out(u32),
    ]),
    bearerExchange: f("sipt_card_bearer_exchange", "int", [CardPtr, "const uint8_t *", "uint8_t *", "size_t", out(u64)]),
    bearerStatus: f("sipt_card_bearer_status", "int", [CardPtr, out(BearerStatusT)]),
    fxsRingStart: f("sipt_card_fxs_ring_start", "int", [CardPtr, u32, koffi.pointer(u32), "size_t"]),
    fxsRingStop: f("sipt_card_fxs_ring_stop", "int", [CardPtr, u32]),
    fxsPolarity: f("sipt_card_fxs_polarity", "int", [CardPtr, u32, u32]),
    fxsBattery: f("sipt_card_fxs_battery", "int", [CardPtr, u32, u32]),
    fxoHook: f("sipt_card_fxo_hook", "int", [CardPtr, u32, u32]),
    fxoFlash: f("sipt_card_fxo_flash", "int", [CardPtr, u32, u32]),
    portStatus: f("sipt_card_port_status", "int", [CardPtr, u32, out(PortStatusT)]),
  };
}

export type CardAbi = ReturnType<typeof bindAbi>;

export interface LoadedLibrary {
  readonly path: string;
  readonly lib: LibraryHandle;
  readonly abi: CardAbi;
  readonly version: { readonly major: number; readonly minor: number };
}

/** Thrown by loadCardLibrary; drivers/card wraps it as a CardError "EABI". */
export class AbiMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AbiMismatch";
  }
}

const loaded = new Map<string, LoadedLibrary>();

/**
 * Load a card library, check `sipt_card_abi_version()` (same major, minor at
 * least ours), then bind the ABI. Cached per path: a process binds a library once.
 */
export function loadCardLibrary(path: string): LoadedLibrary {
  const hit = loaded.get(path);
  if (hit) return hit;
  const lib = koffi.load(path);
  let raw: number;
  try {
    raw = Number(lib.func("sipt_card_abi_version", "uint32_t", [])());
  } catch (e) {
    lib.unload();
    throw new AbiMismatch(
      `card library ${path} does not export sipt_card_abi_version: ${(e as Error).message}; this gateway needs ABI ${ABI_MAJOR}.x`,
    );
  }
  const version = { major: raw >>> 16, minor: raw & 0xffff };
  if (version.major !== ABI_MAJOR || version.minor < ABI_MINOR) {
    lib.unload();
    throw new AbiMismatch(
      `card library ${path} implements ABI ${version.major}.${version.minor}, this gateway needs ${ABI_MAJOR}.x` +
        (version.major === ABI_MAJOR ? ` (minor ${ABI_MINOR} or later)` : ""),
    );
  }
  const entry: LoadedLibrary = { path, lib, abi: bindAbi(lib), version };
  loaded.set(path, entry);
  return entry;
}
