/**
 * libss7 2.0 driven from Node through koffi, as the far-end switch of an MTP
 * link, and the file-descriptor signalling channel our MTP2 uses on the other
 * end of the socketpair. The far end runs the libss7 main loop (poll,
 * ss7_schedule_run, ss7_read/ss7_write, ss7_check_event); our end reads its
 * socket on the same bounded polling tick. Both ends carry one frame per
 * SOCK_SEQPACKET message with two FCS placeholder octets (PEERS.md).
 */
import koffi from "koffi";
import type { TypeObject } from "koffi";
import type { ChannelIndication, SignallingChannel } from "../../../src/ss7/mtp2/signalling-channel.js";

const AF_UNIX = 1;
const SOCK_SEQPACKET = 5;
const POLLIN = 0x1;
const POLLPRI = 0x2;
const POLLOUT = 0x4;

/** libss7.h constants used here. */
export const SS7 = {
  ITU: 1,
  TRANSPORT_DAHDIMTP2: 1,
  NI_NAT: 2,
  DEBUG_MTP2: 1,
  DEBUG_MTP3: 2,
  EVENT_UP: 1,
  EVENT_DOWN: 2,
  MTP2_LINK_UP: 3,
  MTP2_LINK_DOWN: 4,
  ISUP_EVENT_GRS: 10,
  ISUP_EVENT_GRA: 11,
} as const;

interface Libc {
  socketpair: (domain: number, type: number, protocol: number, sv: number[]) => number;
  poll: (fds: { fd: number; events: number; revents: number }, nfds: number, timeout: number) => number;
  read: (fd: number, buf: Buffer, n: number) => number;
  write: (fd: number, buf: Uint8Array, n: number) => number;
  close: (fd: number) => number;
}

let libcCache: Libc | undefined;
function libc(): Libc {
  if (libcCache) return libcCache;
  const lib = koffi.load("libc.so.6");
  koffi.struct("pollfd", { fd: "int", events: "short", revents: "short" });
  libcCache = {
    socketpair: lib.func("int socketpair(int domain, int type, int protocol, _Out_ int *sv)") as unknown as Libc["socketpair"],
    poll: lib.func("int poll(_Inout_ pollfd *fds, unsigned long nfds, int timeout)") as unknown as Libc["poll"],
    read: lib.func("long read(int fd, _Out_ uint8_t *buf, unsigned long count)") as unknown as Libc["read"],
    write: lib.func("long write(int fd, const uint8_t *buf, unsigned long count)") as unknown as Libc["write"],
    close: lib.func("int close(int fd)") as unknown as Libc["close"],
  };
  return libcCache;
}

/** A SOCK_SEQPACKET socketpair: [ours, theirs]. */
export function seqpacketPair(): [number, number] {
  const sv = [-1, -1];
  if (libc().socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) !== 0) throw new Error("socketpair(AF_UNIX, SOCK_SEQPACKET) failed");
  return [sv[0] as number, sv[1] as number];
}

export function closeFd(fd: number): void {
  libc().close(fd);
}

function pollOnce(fd: number, events: number): number {
  const p = { fd, events, revents: 0 };
  const n = libc().poll(p, 1, 0);
  return n > 0 ? p.revents : 0;
}

/** Our end of the socketpair as a SignallingChannel, read by `pump()`. */
export class FdChannel implements SignallingChannel {
  private frameCb: ((f: Uint8Array) => void) | undefined;
  private readonly buf = Buffer.alloc(1024);
  /** Frames written and read, for the test's diagnostics. */
  readonly trace: string[] = [];
  /** When set, nothing is read or written: the line is dead in both directions. */
  dead = false;

  constructor(private readonly fd: number) {}

  send(frame: Uint8Array): void {
    if (this.dead) return;
    this.trace.push(`> ${Buffer.from(frame).toString("hex")}`);
    if (libc().write(this.fd, frame, frame.length) !== frame.length) throw new Error(`write of ${frame.length} octets to fd ${this.fd} failed`);
  }

  onFrame(cb: (frame: Uint8Array) => void): void {
    this.frameCb = cb;
  }

  onIndication(_cb: (ind: ChannelIndication) => void): void {
    // A socket reports no line errors.
  }

  /** Read every frame waiting (bounded). */
  pump(): void {
    if (this.dead) return;
    for (let k = 0; k < 64 && (pollOnce(this.fd, POLLIN) & POLLIN) !== 0; k++) {
      const n = libc().read(this.fd, this.buf, this.buf.length);
      if (n <= 0) return;
      const frame = new Uint8Array(this.buf.subarray(0, n));
      this.trace.push(`< ${Buffer.from(frame).toString("hex")}`);
      this.frameCb?.(frame);
    }
  }
}

interface Binding {
  f: Record<string, (...args: never[]) => unknown>;
  cicRange: TypeObject;
  msgCb: TypeObject;
  hangupCb: TypeObject;
  callNullCb: TypeObject;
  notInServiceCb: TypeObject;
}

let bindingCache: Binding | undefined;
/** koffi types are process-wide: declare them once. */
function binding(): Binding {
  if (bindingCache) return bindingCache;
  const lib = koffi.load("libss7.so.2.0");
  const msgCb = koffi.proto("void ss7_msg_cb(void *ss7, const char *message)");
  const hangupCb = koffi.proto("int ss7_hangup_cb(void *ss7, int cic, unsigned int dpc, int cause, int do_hangup)");
  const callNullCb = koffi.proto("void ss7_call_null_cb(void *ss7, void *c, int lock)");
  const notInServiceCb = koffi.proto("void ss7_notinservice_cb(void *ss7, int cic, unsigned int dpc)");
  const cicRange = koffi.struct("ss7_event_cicrange", {
    e: "int",
    startcic: "int",
    endcic: "int",
    sent_endcic: "int",
    type: "int",
    sent_type: "int",
    opc: "unsigned int",
    status: koffi.array("uint8_t", 255),
    sent_status: koffi.array("unsigned int", 255),
    got_sent_msg: "unsigned long",
    call: "void *",
  });
  const fn = (sig: string) => lib.func(sig) as unknown as (...args: never[]) => unknown;
  const f = {
    ss7_set_message: fn("void ss7_set_message(ss7_msg_cb *func)"),
    ss7_set_error: fn("void ss7_set_error(ss7_msg_cb *func)"),
    ss7_set_hangup: fn("void ss7_set_hangup(ss7_hangup_cb *func)"),
    ss7_set_call_null: fn("void ss7_set_call_null(ss7_call_null_cb *func)"),
    ss7_set_notinservice: fn("void ss7_set_notinservice(ss7_notinservice_cb *func)"),
    ss7_new: fn("void *ss7_new(int switchtype)"),
    ss7_set_debug: fn("void ss7_set_debug(void *ss7, unsigned int flags)"),
    ss7_set_network_ind: fn("int ss7_set_network_ind(void *ss7, int ni)"),
    ss7_set_pc: fn("int ss7_set_pc(void *ss7, unsigned int pc)"),
    ss7_add_link: fn("int ss7_add_link(void *ss7, int transport, int fd, int slc, unsigned int adjpc)"),
    ss7_start: fn("int ss7_start(void *ss7)"),
    ss7_pollflags: fn("int ss7_pollflags(void *ss7, int fd)"),
    ss7_read: fn("int ss7_read(void *ss7, int fd)"),
    ss7_write: fn("int ss7_write(void *ss7, int fd)"),
    ss7_schedule_run: fn("int ss7_schedule_run(void *ss7)"),
    ss7_check_event: fn("void *ss7_check_event(void *ss7)"),
    isup_gra: fn("int isup_gra(void *ss7, void *c, int endcic, uint8_t *state)"),
    isup_new_call: fn("void *isup_new_call(void *ss7, int cic, unsigned int dpc, int outgoing)"),
    isup_grs: fn("int isup_grs(void *ss7, void *c, int endcic)"),
  };
  bindingCache = { f, cicRange, msgCb, hangupCb, callNullCb, notInServiceCb };
  return bindingCache;
}

export interface CicRangeEvent {
  readonly e: number;
  readonly startcic: number;
  readonly endcic: number;
  readonly opc: number;
  readonly call: unknown;
}

/** libss7 as the far end: one ITU link, DAHDI MTP2 transport, national network. */
export class Libss7Peer {
  readonly messages: string[] = [];
  readonly events: number[] = [];
  /** When false the main loop does nothing: the far end has stopped answering. */
  serving = true;
  private readonly ss7: unknown;
  private readonly f: Record<string, (...args: never[]) => unknown>;
  private readonly callbacks: bigint[] = [];
  private readonly call: (name: string, ...args: unknown[]) => unknown;
  private readonly cicRange: TypeObject;
  onGrs: ((ev: CicRangeEvent) => void) | undefined;

  static load(): { ok: true } | { ok: false; reason: string } {
    try {
      koffi.load("libss7.so.2.0");
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: `libss7 2.0 not loadable (${(e as Error).message}); install libss7-dev` };
    }
  }

  constructor(
    private readonly fd: number,
    opts: { pointCode: number; adjacentPc: number; slc: number },
  ) {
    const b = binding();
    this.f = b.f;
    this.cicRange = b.cicRange;
    const { msgCb, hangupCb, callNullCb, notInServiceCb } = b;
    const reg = (cb: (...a: never[]) => unknown, proto: TypeObject): bigint => {
      const h = koffi.register(cb, koffi.pointer(proto));
      this.callbacks.push(h);
      return h;
    };
    const call = (name: string, ...args: unknown[]): unknown => (this.f[name] as (...a: unknown[]) => unknown)(...args);
    this.call = call;
    // PEERS.md: all five global callbacks must be set; libss7 calls them without checking.
    call("ss7_set_message", reg(((_s: unknown, m: string) => this.messages.push(`msg: ${m.trimEnd()}`)) as never, msgCb));
    call("ss7_set_error", reg(((_s: unknown, m: string) => this.messages.push(`error: ${m.trimEnd()}`)) as never, msgCb));
    call("ss7_set_hangup", reg((() => 0) as never, hangupCb));
    call("ss7_set_call_null", reg((() => undefined) as never, callNullCb));
    call("ss7_set_notinservice", reg((() => undefined) as never, notInServiceCb));
    const ss7 = call("ss7_new", SS7.ITU);
    if (ss7 === null) throw new Error("ss7_new failed");
    this.ss7 = ss7;
    call("ss7_set_debug", ss7, SS7.DEBUG_MTP2 | SS7.DEBUG_MTP3);
    call("ss7_set_network_ind", ss7, SS7.NI_NAT);
    call("ss7_set_pc", ss7, opts.pointCode);
    if ((call("ss7_add_link", ss7, SS7.TRANSPORT_DAHDIMTP2, fd, opts.slc, opts.adjacentPc) as number) !== 0) throw new Error("ss7_add_link failed");
    if ((call("ss7_start", ss7) as number) !== 0) throw new Error("ss7_start failed");
  }

  /** One turn of the libss7 main loop (PEERS.md). */
  tick(): void {
    if (!this.serving) return;
    const want = this.call("ss7_pollflags", this.ss7, this.fd) as number;
    const rev = pollOnce(this.fd, want | POLLIN | POLLPRI);
    if ((rev & (POLLIN | POLLPRI)) !== 0) this.call("ss7_read", this.ss7, this.fd);
    if ((rev & POLLOUT) !== 0 && (want & POLLOUT) !== 0) this.call("ss7_write", this.ss7, this.fd);
    this.call("ss7_schedule_run", this.ss7);
    for (let k = 0; k < 32; k++) {
      const ev = this.call("ss7_check_event", this.ss7);
      if (ev === null) break;
      const e = koffi.decode(ev, "int") as number;
      this.events.push(e);
      if (e === SS7.ISUP_EVENT_GRS) this.onGrs?.(koffi.decode(ev, this.cicRange) as CicRangeEvent);
    }
  }

  /** Answer a GRS with GRA, all circuits idle. */
  gra(ev: CicRangeEvent): void {
    const state = Buffer.alloc(255);
    this.call("isup_gra", this.ss7, ev.call, ev.endcic, state);
  }

  /** Send a GRS from libss7 (a message we must acknowledge at level 2). */
  grs(cic: number, endcic: number, dpc: number): void {
    const c = this.call("isup_new_call", this.ss7, cic, dpc, 1);
    if (c === null) throw new Error("isup_new_call failed");
    this.call("isup_grs", this.ss7, c, endcic);
  }

  dispose(): void {
    for (const h of this.callbacks) koffi.unregister(h);
    this.callbacks.length = 0;
  }
}
