/**
 * libpri 1.6 as the PBX at the far end of a QSIG trunk, driven from Node
 * through koffi: pri_new() on one end of an AF_UNIX SOCK_SEQPACKET
 * socketpair (one LAPD frame per read/write, two FCS placeholder octets at
 * the end, as on a DAHDI HDLC channel), our Q.921/Q.931 stack on the other.
 * `tick()` runs one round of libpri's main loop: poll, pri_check_event or
 * pri_schedule_run, and hands events to the test.
 */
import koffi from "koffi";
import type { LibraryHandle, TypeObject } from "koffi";
import type { LapdChannel } from "../../../src/isdn/q921/channel.js";

const AF_UNIX = 1;
const SOCK_SEQPACKET = 5;
const POLLIN = 1;

export const PRI = {
  NETWORK: 1,
  CPE: 2,
  SWITCH_QSIG: 10,
  EVENT_DCHAN_UP: 1,
  EVENT_DCHAN_DOWN: 2,
  EVENT_RESTART: 3,
  EVENT_RING: 5,
  EVENT_HANGUP: 6,
  EVENT_RINGING: 7,
  EVENT_ANSWER: 8,
  EVENT_HANGUP_ACK: 9,
  EVENT_RESTART_ACK: 10,
  EVENT_PROCEEDING: 13,
  EVENT_HANGUP_REQ: 15,
  EVENT_CONNECT_ACK: 27,
  TRANS_CAP_SPEECH: 0,
  LAYER_1_ALAW: 0x23,
  UNKNOWN: 0,
  PRES_ALLOWED_USER_NUMBER_NOT_SCREENED: 0,
} as const;

type Fn = (...args: never[]) => unknown;

interface Bindings {
  readonly socketpair: (d: number, t: number, p: number, sv: number[]) => number;
  readonly poll: (fds: { fd: number; events: number; revents: number }, n: number, timeout: number) => number;
  readonly read: (fd: number, buf: Uint8Array, n: number) => number;
  readonly write: (fd: number, buf: Uint8Array, n: number) => number;
  readonly close: (fd: number) => number;
  readonly pri: Record<string, Fn>;
  readonly ring: TypeObject;
  readonly hangup: TypeObject;
  readonly msgProto: TypeObject;
}

let bindings: Bindings | undefined;

/** Load libc and libpri once per process. Returns why it cannot, or undefined. */
export function loadLibpri(): string | undefined {
  if (bindings) return undefined;
  let libpri: LibraryHandle;
  try {
    libpri = koffi.load("libpri.so.1.4");
  } catch (e) {
    return `libpri 1.6 (libpri.so.1.4, Debian package libpri1.4) cannot be loaded: ${(e as Error).message}`;
  }
  const libc = koffi.load("libc.so.6");
  const pollfd = koffi.struct({ fd: "int", events: "short", revents: "short" });
  const f = (sig: string): Fn => libpri.func(sig) as unknown as Fn;
  const chars = (n: number): TypeObject => koffi.array("char", n);
  // Leading fields of pri_event_ring and pri_event_hangup, in the order and types of libpri.h 1.6.
  const ring = koffi.struct({
    e: "int",
    channel: "int",
    callingpres: "int",
    callingplanani: "int",
    callingplan: "int",
    callingani: chars(256),
    callingnum: chars(256),
    callingname: chars(256),
    calledplan: "int",
    ani2: "int",
    callednum: chars(256),
    redirectingnum: chars(256),
    redirectingname: chars(256),
    redirectingreason: "int",
    callingplanrdnis: "int",
    useruserinfo: chars(260),
    flexible: "int",
    cref: "int",
    ctype: "int",
    layer1: "int",
    complete: "int",
    call: "void *",
  });
  const hangup = koffi.struct({ e: "int", channel: "int", cause: "int", cref: "int", call: "void *" });
  bindings = {
    socketpair: libc.func("int socketpair(int, int, int, _Out_ int *sv)") as unknown as Bindings["socketpair"],
    poll: libc.func("poll", "int", [koffi.inout(koffi.pointer(pollfd)), "unsigned long", "int"]) as unknown as Bindings["poll"],
    read: libc.func("long read(int fd, _Out_ uint8_t *buf, unsigned long count)") as unknown as Bindings["read"],
    write: libc.func("long write(int fd, const uint8_t *buf, unsigned long count)") as unknown as Bindings["write"],
    close: libc.func("int close(int fd)") as unknown as Bindings["close"],
    pri: {
      pri_new: f("void *pri_new(int fd, int nodetype, int switchtype)"),
      pri_set_message: f("void pri_set_message(void *cb)"),
      pri_set_error: f("void pri_set_error(void *cb)"),
      pri_facility_enable: f("void pri_facility_enable(void *pri)"),
      pri_check_event: f("void *pri_check_event(void *pri)"),
      pri_schedule_run: f("void *pri_schedule_run(void *pri)"),
      pri_new_call: f("void *pri_new_call(void *pri)"),
      pri_sr_new: f("void *pri_sr_new(void)"),
      pri_sr_free: f("void pri_sr_free(void *sr)"),
      pri_sr_set_channel: f("int pri_sr_set_channel(void *sr, int channel, int exclusive, int nonisdn)"),
      pri_sr_set_bearer: f("int pri_sr_set_bearer(void *sr, int transmode, int userl1)"),
      pri_sr_set_called: f("int pri_sr_set_called(void *sr, const char *called, int plan, int complete)"),
      pri_sr_set_caller: f("int pri_sr_set_caller(void *sr, const char *caller, const char *name, int plan, int pres)"),
      pri_setup: f("int pri_setup(void *pri, void *call, void *sr)"),
      pri_proceeding: f("int pri_proceeding(void *pri, void *call, int channel, int info)"),
      pri_acknowledge: f("int pri_acknowledge(void *pri, void *call, int channel, int info)"),
      pri_answer: f("int pri_answer(void *pri, void *call, int channel, int nonisdn)"),
      pri_hangup: f("int pri_hangup(void *pri, void *call, int cause)"),
      pri_reset: f("int pri_reset(void *pri, int channel)"),
    },
    ring,
    hangup,
    msgProto: koffi.proto("void libpri_isdn_msg(void *pri, const char *s)"),
  };
  return undefined;
}

function b(): Bindings {
  if (!bindings) throw new Error("loadLibpri() first");
  return bindings;
}

function readable(fd: number): boolean {
  const p = { fd, events: POLLIN, revents: 0 };
  b().poll(p, 1, 0);
  return (p.revents & POLLIN) !== 0;
}

/** [ours, libpri's] */
export function seqpacketPair(): [number, number] {
  const sv = [0, 0];
  if (b().socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) !== 0) throw new Error("socketpair(AF_UNIX, SOCK_SEQPACKET) failed");
  return [sv[0] as number, sv[1] as number];
}

export function closeFd(fd: number): void {
  b().close(fd);
}

/** Our end of the socketpair as the D-channel our Q.921 runs on. */
export class FdLapdChannel implements LapdChannel {
  private cb: ((f: Uint8Array) => void) | undefined;
  readonly trace: string[] = [];
  constructor(private readonly fd: number) {}
  send(frame: Uint8Array): void {
    this.trace.push(`> ${Buffer.from(frame).toString("hex")}`);
    if (b().write(this.fd, frame, frame.length) !== frame.length) throw new Error("write to the socketpair failed");
  }
  onFrame(cb: (f: Uint8Array) => void): void {
    this.cb = cb;
  }
  /** Deliver what libpri wrote. */
  pump(): void {
    const buf = new Uint8Array(512);
    for (let k = 0; k < 64 && readable(this.fd); k++) {
      const n = Number(b().read(this.fd, buf, buf.length));
      if (n <= 0) return;
      const frame = buf.slice(0, n);
      this.trace.push(`< ${Buffer.from(frame).toString("hex")}`);
      this.cb?.(frame);
    }
  }
}

export interface RingEvent {
  readonly channel: number;
  readonly callednum: string;
  readonly callingnum: string;
  readonly callingname: string;
  readonly call: unknown;
}

/** libpri as the far-end PBX. */
export class LibpriPeer {
  readonly messages: string[] = [];
  readonly events: number[] = [];
  onRing: ((e: RingEvent) => void) | undefined;
  onEvent: ((e: number, hangupCall: unknown, cause: number) => void) | undefined;
  private readonly pri: unknown;
  private readonly cb: unknown;

  constructor(
    private readonly fd: number,
    nodetype: number,
  ) {
    const { pri, msgProto } = b();
    this.cb = koffi.register((_p: unknown, s: string) => void this.messages.push(s.trimEnd()), koffi.pointer(msgProto));
    pri["pri_set_message"]?.(this.cb as never);
    pri["pri_set_error"]?.(this.cb as never);
    this.pri = pri["pri_new"]?.(fd as never, nodetype as never, PRI.SWITCH_QSIG as never);
    if (!this.pri) throw new Error("pri_new failed");
    pri["pri_facility_enable"]?.(this.pri as never);
  }

  private call(name: string, ...args: unknown[]): unknown {
    const fn = b().pri[name];
    if (!fn) throw new Error(`no ${name}`);
    return fn(...(args as never[]));
  }

  /** One round of libpri's main loop. */
  tick(): void {
    const ev = readable(this.fd) ? this.call("pri_check_event", this.pri) : this.call("pri_schedule_run", this.pri);
    if (!ev) return;
    const e = koffi.decode(ev, "int") as number;
    this.events.push(e);
    if (e === PRI.EVENT_RING) {
      const r = koffi.decode(ev, b().ring) as RingEvent;
      this.onRing?.(r);
      return;
    }
    const h = koffi.decode(ev, b().hangup) as { call: unknown; cause: number };
    this.onEvent?.(e, h.call, h.cause);
  }

  /** Place a call: SETUP with calling number and name (QSIG callingName), exclusive channel. */
  setup(channel: number, called: string, caller: string, callerName: string): unknown {
    const c = this.call("pri_new_call", this.pri);
    const sr = this.call("pri_sr_new");
    this.call("pri_sr_set_channel", sr, channel, 1, 0);
    this.call("pri_sr_set_bearer", sr, PRI.TRANS_CAP_SPEECH, PRI.LAYER_1_ALAW);
    this.call("pri_sr_set_called", sr, called, PRI.UNKNOWN, 1);
    this.call("pri_sr_set_caller", sr, caller, callerName, PRI.UNKNOWN, PRI.PRES_ALLOWED_USER_NUMBER_NOT_SCREENED);
    const res = this.call("pri_setup", this.pri, c, sr);
    this.call("pri_sr_free", sr);
    if (res !== 0) throw new Error(`pri_setup returned ${String(res)}`);
    return c;
  }

  proceeding(call: unknown, channel: number): void {
    this.call("pri_proceeding", this.pri, call, channel, 0);
  }
  alerting(call: unknown, channel: number): void {
    this.call("pri_acknowledge", this.pri, call, channel, 0);
  }
  answer(call: unknown, channel: number): void {
    this.call("pri_answer", this.pri, call, channel, 0);
  }
  hangup(call: unknown, cause: number): void {
    this.call("pri_hangup", this.pri, call, cause);
  }
  reset(channel: number): void {
    this.call("pri_reset", this.pri, channel);
  }

  dispose(): void {
    koffi.unregister(this.cb as never);
  }
}
