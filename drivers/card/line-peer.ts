/**
 * Far ends on the simulated card's line side (hardware/sim/README.md):
 * AF_UNIX SOCK_SEQPACKET sockets reached through libc with koffi, since
 * Node's net module has no SEQPACKET. Used by tests and tools that play
 * the switch, PBX, telephone or CO line at the other end of a span or port.
 *
 * One receive loop per far end: poll(2) over all its sockets as a koffi
 * async call (a libuv worker thread waits, the event loop does not), then
 * non-blocking recv(2) on the event loop. A span far end answers every
 * bearer block it receives with exactly one block of the same shape (it is
 * slaved to the card's clock), filled by the caller's `answer` function.
 */
import koffi from "koffi";

const AF_UNIX = 1;
const SOCK_SEQPACKET = 5;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const POLLIN = 0x001;
const EAGAIN = 11;
const EINTR = 4;
const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;
const SUN_PATH_MAX = 108;

const libc = koffi.load("libc.so.6");
const c = {
  socket: libc.func("socket", "int", ["int", "int", "int"]),
  connect: libc.func("connect", "int", ["int", "const uint8_t *", "uint32_t"]),
  send: libc.func("send", "long", ["int", "const uint8_t *", "size_t", "int"]),
  recv: libc.func("recv", "long", ["int", "uint8_t *", "size_t", "int"]),
  poll: libc.func("poll", "int", ["uint8_t *", "unsigned long", "int"]),
  close: libc.func("close", "int", ["int"]),
};

/** One connected SOCK_SEQPACKET socket (non-blocking). */
export class SeqpacketSocket {
  private open = true;
  private constructor(readonly fd: number, readonly path: string) {}

  /** Connect once; undefined when nothing listens at `path` yet. */
  static tryConnect(path: string): SeqpacketSocket | undefined {
    const p = Buffer.from(path, "utf8");
    if (p.length >= SUN_PATH_MAX) throw new Error(`socket path ${path} is longer than ${SUN_PATH_MAX - 1} bytes`);
    const sa = Buffer.alloc(2 + SUN_PATH_MAX);
    sa.writeUInt16LE(AF_UNIX, 0);
    p.copy(sa, 2);
    const fd = c.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) as number;
    if (fd < 0) throw new Error(`socket(AF_UNIX, SOCK_SEQPACKET) failed: errno ${koffi.errno()}`);
    if ((c.connect(fd, sa, sa.length) as number) !== 0) {
      c.close(fd);
      return undefined;
    }
    return new SeqpacketSocket(fd, path);
  }

  /** Connect, retrying every 10 ms until `timeoutMs` (the card may still be starting). */
  static async connect(path: string, timeoutMs = 2000): Promise<SeqpacketSocket> {
    const end = performance.now() + timeoutMs;
    for (;;) {
      const s = SeqpacketSocket.tryConnect(path);
      if (s) return s;
      if (performance.now() >= end) throw new Error(`cannot connect to ${path} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Send one packet; false when the peer's queue is full or it is gone. */
  send(packet: Uint8Array): boolean {
    if (!this.open) return false;
    return (c.send(this.fd, packet, packet.length, MSG_DONTWAIT | MSG_NOSIGNAL) as number) === packet.length;
  }

  /** Receive one packet into buf: its length, -1 when none is waiting, 0 when the peer closed. */
  recv(buf: Uint8Array): number {
    if (!this.open) return 0;
    const n = Number(c.recv(this.fd, buf, buf.length, MSG_DONTWAIT));
    if (n >= 0) return n;
    const e = koffi.errno();
    return e === EAGAIN || e === EINTR ? -1 : 0;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    c.close(this.fd);
  }
}

/** poll(2) over sockets off the event loop; resolves with the readable ones. */
function pollReadable(socks: readonly SeqpacketSocket[], timeoutMs: number): Promise<SeqpacketSocket[]> {
  const buf = Buffer.alloc(8 * socks.length);
  socks.forEach((s, i) => {
    buf.writeInt32LE(s.fd, i * 8);
    buf.writeInt16LE(POLLIN, i * 8 + 4);
  });
  return new Promise((resolve, reject) => {
    c.poll.async(buf, socks.length, timeoutMs, (err: unknown, n: number) => {
      if (err) return reject(err as Error);
      if (n <= 0) return resolve([]);
      resolve(socks.filter((_, i) => buf.readInt16LE(i * 8 + 6) !== 0));
    });
  });
}

/** Waiters for queued packets (frames, messages) with a timeout. */
class PacketQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<(v: T | undefined) => void> = [];
  push(v: T): void {
    const w = this.waiters.shift();
    if (w) w(v);
    else this.items.push(v);
  }
  next(timeoutMs: number): Promise<T | undefined> {
    const v = this.items.shift();
    if (v !== undefined) return Promise.resolve(v);
    return new Promise((resolve) => {
      const done = (x: T | undefined) => {
        clearTimeout(timer);
        resolve(x);
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push(done);
    });
  }
  get length(): number {
    return this.items.length;
  }
  clear(): void {
    this.items.length = 0;
  }
}

abstract class LinePeer {
  private running = true;
  private loop: Promise<void> = Promise.resolve();
  private readonly scratch: Uint8Array;
  protected constructor(scratchBytes: number) {
    this.scratch = new Uint8Array(scratchBytes);
  }
  protected abstract sockets(): readonly SeqpacketSocket[];
  protected abstract onPacket(sock: SeqpacketSocket, packet: Uint8Array): void;
  protected abstract onClosed(sock: SeqpacketSocket): void;

  protected start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const socks = this.sockets();
      if (socks.length === 0) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const ready = await pollReadable(socks, 50);
      for (const s of ready) {
        for (let k = 0; k < 64 && this.running; k++) {
          const n = s.recv(this.scratch);
          if (n < 0) break;
          if (n === 0) {
            this.onClosed(s);
            break;
          }
          this.onPacket(s, this.scratch.subarray(0, n));
        }
      }
    }
  }

  async close(): Promise<void> {
    this.running = false;
    await this.loop;
    for (const s of this.sockets()) s.close();
  }
}

export interface SpanFarEndOptions {
  readonly rundir: string;
  readonly span: number;
  /** Signalling timeslots to attach to (RUNDIR/span<S>-ts<T>.sig). */
  readonly signallingTimeslots?: readonly number[];
  /** Attach to RUNDIR/span<S>.bearer and answer every block. */
  readonly bearer?: {
    /** 31 (E1) or 24 (T1). */
    readonly slots: number;
    readonly blockBytes: number;
    /**
     * Fill `tx` (slots*blockBytes, timeslot-major) as the answer to the block
     * `rx` with sequence `seq`. Default: idle code 0xD5.
     */
    readonly answer?: (rx: Uint8Array, tx: Uint8Array, seq: number) => void;
  };
  readonly connectTimeoutMs?: number;
}

/** The far end of one span: a switch or PBX on the other side of the cable. */
export class SpanFarEnd extends LinePeer {
  private readonly sig = new Map<number, SeqpacketSocket>();
  private readonly sigTs = new Map<SeqpacketSocket, number>();
  private readonly queues = new Map<number, PacketQueue<Uint8Array>>();
  private bearerSock: SeqpacketSocket | undefined;
  private readonly txPacket: Uint8Array;
  private blocksIn = 0;
  private blocksOut = 0;
  private lastSeq = -1;
  private seqGaps = 0;

  private constructor(private readonly opts: SpanFarEndOptions) {
    const b = opts.bearer;
    const pkt = b ? 8 + b.slots * b.blockBytes : 0;
    super(Math.max(pkt, 2048) + 16);
    this.txPacket = new Uint8Array(pkt);
    if (b) {
      const dv = new DataView(this.txPacket.buffer);
      dv.setUint16(4, b.slots, true);
      dv.setUint16(6, b.blockBytes, true);
      this.txPacket.fill(0xd5, 8);
    }
  }

  static async connect(opts: SpanFarEndOptions): Promise<SpanFarEnd> {
    const fe = new SpanFarEnd(opts);
    const t = opts.connectTimeoutMs ?? 2000;
    try {
      for (const ts of opts.signallingTimeslots ?? []) {
        const s = await SeqpacketSocket.connect(`${opts.rundir}/span${opts.span}-ts${ts}.sig`, t);
        fe.sig.set(ts, s);
        fe.sigTs.set(s, ts);
        fe.queues.set(ts, new PacketQueue());
      }
      if (opts.bearer) fe.bearerSock = await SeqpacketSocket.connect(`${opts.rundir}/span${opts.span}.bearer`, t);
    } catch (e) {
      for (const s of fe.sockets()) s.close();
      throw e;
    }
    fe.start();
    return fe;
  }

  protected sockets(): readonly SeqpacketSocket[] {
    return this.bearerSock ? [...this.sig.values(), this.bearerSock] : [...this.sig.values()];
  }

  protected onPacket(sock: SeqpacketSocket, packet: Uint8Array): void {
    if (sock === this.bearerSock) {
      this.onBlock(packet);
      return;
    }
    const ts = this.sigTs.get(sock);
    if (ts !== undefined) this.queues.get(ts)?.push(packet.slice());
  }

  protected onClosed(sock: SeqpacketSocket): void {
    sock.close();
    if (sock === this.bearerSock) this.bearerSock = undefined;
    const ts = this.sigTs.get(sock);
    if (ts !== undefined) this.sig.delete(ts);
  }

  private onBlock(packet: Uint8Array): void {
    const b = this.opts.bearer;
    if (!b || packet.length !== this.txPacket.length) return;
    const dv = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
    const seq = dv.getUint32(0, true);
    if (this.lastSeq >= 0 && seq !== ((this.lastSeq + 1) >>> 0)) this.seqGaps++;
    this.lastSeq = seq;
    this.blocksIn++;
    const tx = this.txPacket.subarray(8);
    if (b.answer) b.answer(packet.subarray(8), tx, seq);
    new DataView(this.txPacket.buffer).setUint32(0, seq, true);
    if (this.bearerSock?.send(this.txPacket)) this.blocksOut++;
  }

  /** Send one frame (with its two FCS placeholder octets) on a timeslot. */
  sendFrame(timeslot: number, frame: Uint8Array): boolean {
    const s = this.sig.get(timeslot);
    if (!s) throw new Error(`far end of span ${this.opts.span} is not attached to timeslot ${timeslot}`);
    return s.send(frame);
  }

  /** The next frame received on a timeslot, or undefined after `timeoutMs`. */
  nextFrame(timeslot: number, timeoutMs: number): Promise<Uint8Array | undefined> {
    const q = this.queues.get(timeslot);
    if (!q) throw new Error(`far end of span ${this.opts.span} is not attached to timeslot ${timeslot}`);
    return q.next(timeoutMs);
  }

  queuedFrames(timeslot: number): number {
    return this.queues.get(timeslot)?.length ?? 0;
  }

  get bearerStats(): { readonly blocksIn: number; readonly blocksOut: number; readonly seqGaps: number } {
    return { blocksIn: this.blocksIn, blocksOut: this.blocksOut, seqGaps: this.seqGaps };
  }
}

/** Messages of RUNDIR/port<P>.line (hardware/sim/README.md). */
export const PORT_MSG = { BEARER: 0x01, HOOK: 0x10, RING: 0x11, POLARITY: 0x12, BATTERY: 0x13 } as const;

export interface PortMessage {
  readonly type: number;
  readonly value: number;
}

export interface PortFarEndOptions {
  readonly rundir: string;
  readonly port: number;
  readonly blockBytes: number;
  /** Fill `tx` (blockBytes) as the answer to bearer block `rx`. Default: idle 0xD5. */
  readonly answer?: (rx: Uint8Array, tx: Uint8Array, seq: number) => void;
  readonly connectTimeoutMs?: number;
}

/** The far end of an analog port: a telephone on an FXS port, a CO line on an FXO port. */
export class PortFarEnd extends LinePeer {
  private sock: SeqpacketSocket | undefined;
  private readonly messages = new PacketQueue<PortMessage>();
  private readonly txPacket: Uint8Array;
  private blocksIn = 0;

  private constructor(private readonly opts: PortFarEndOptions) {
    super(8 + opts.blockBytes + 16);
    this.txPacket = new Uint8Array(8 + opts.blockBytes);
    this.txPacket[0] = PORT_MSG.BEARER;
    new DataView(this.txPacket.buffer).setUint16(2, opts.blockBytes, true);
    this.txPacket.fill(0xd5, 8);
  }

  static async connect(opts: PortFarEndOptions): Promise<PortFarEnd> {
    const fe = new PortFarEnd(opts);
    fe.sock = await SeqpacketSocket.connect(`${opts.rundir}/port${opts.port}.line`, opts.connectTimeoutMs ?? 2000);
    fe.start();
    return fe;
  }

  protected sockets(): readonly SeqpacketSocket[] {
    return this.sock ? [this.sock] : [];
  }

  protected onPacket(_sock: SeqpacketSocket, p: Uint8Array): void {
    if (p[0] === PORT_MSG.BEARER && p.length === this.txPacket.length) {
      this.blocksIn++;
      const seq = new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(4, true);
      if (this.opts.answer) this.opts.answer(p.subarray(8), this.txPacket.subarray(8), seq);
      new DataView(this.txPacket.buffer).setUint32(4, seq, true);
      this.sock?.send(this.txPacket);
    } else if (p.length === 2) {
      this.messages.push({ type: p[0] ?? 0, value: p[1] ?? 0 });
    }
  }

  protected onClosed(sock: SeqpacketSocket): void {
    sock.close();
    this.sock = undefined;
  }

  /** Send a supervision message (hook, ring, polarity, battery). */
  signal(type: number, value: number): boolean {
    return this.sock?.send(Uint8Array.of(type, value)) ?? false;
  }

  /** The next supervision message from the card, or undefined after `timeoutMs`. */
  nextMessage(timeoutMs: number): Promise<PortMessage | undefined> {
    return this.messages.next(timeoutMs);
  }

  get blocksReceived(): number {
    return this.blocksIn;
  }
}
