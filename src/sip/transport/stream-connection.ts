/**
 * One TCP or TLS connection carrying SIP, RFC 3261 §18.3 (framing by
 * Content-Length through `frameSipStream`), RFC 5626 §4.4.1 (CRLF keep-alive:
 * the side that opened the flow sends a double CRLF "ping", the other side
 * answers with one CRLF "pong"; no pong within 10 s means the flow failed),
 * RFC 5923 §4 (a connection is kept and reused for further messages to the
 * same address), and the idle bookkeeping the reaper reads.
 *
 * The connection knows nothing of SIP messages beyond their framing: it hands
 * each complete frame to its owner.
 */
import type { Socket } from "node:net";
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { SipLimits } from "../syntax/parse-message.js";
import { frameSipStream } from "../syntax/stream-framer.js";
import type { TransportProtocol } from "./types.js";

export interface ConnectionOwner {
  /** One framed message (octets from start line to the end of its body). */
  frame(conn: StreamConnection, bytes: Uint8Array): void;
  /** Framing is lost (§18.3): the owner counts it; the connection closes itself. */
  framingError(conn: StreamConnection, reason: string, status: number): void;
  pingReceived(conn: StreamConnection): void;
  keepAliveSent(conn: StreamConnection): void;
  /** The connection closed; `reason` says why, `byUs` when we closed it. */
  closed(conn: StreamConnection, reason: string, byUs: boolean): void;
  /** The connection is up (TCP connected, TLS handshake done). */
  established(conn: StreamConnection): void;
}

interface QueuedWrite {
  readonly bytes: Uint8Array;
  readonly done: ((err: Error | undefined) => void) | undefined;
}

const PING = new Uint8Array([0x0d, 0x0a, 0x0d, 0x0a]);
const PONG = new Uint8Array([0x0d, 0x0a]);

export class StreamConnection {
  readonly id: number;
  readonly protocol: TransportProtocol;
  /** We opened it (we are the flow's client and send the keep-alives). */
  readonly outbound: boolean;
  remoteAddress: string;
  remotePort: number;
  localAddress = "";
  localPort = 0;
  /** Listener whose sent-by our messages on this connection carry. */
  readonly listenerId: number;
  /** Keys this connection is reachable under in the transport's flow table. */
  readonly keys = new Set<string>();
  lastActivity: number;
  /** TLS: the peer's certificate verified against the configured CAs. */
  authorized = false;

  private readonly socket: Socket;
  private readonly owner: ConnectionOwner;
  private readonly clock: Clock;
  private readonly limits: SipLimits;
  private buffer: Buffer = Buffer.alloc(0);
  private up: boolean;
  private closing = false;
  private isClosed = false;
  private closeReason = "";
  private closedByUs = false;
  private queue: QueuedWrite[] = [];
  private crlfRun = 0;
  private awaitingPong = false;
  private keepAliveTimer: TimerHandle | undefined;
  private pongTimer: TimerHandle | undefined;

  constructor(a: {
    id: number;
    protocol: TransportProtocol;
    outbound: boolean;
    socket: Socket;
    remoteAddress: string;
    remotePort: number;
    listenerId: number;
    owner: ConnectionOwner;
    clock: Clock;
    limits: SipLimits;
    /** Already connected (accepted sockets). */
    up: boolean;
  }) {
    this.id = a.id;
    this.protocol = a.protocol;
    this.outbound = a.outbound;
    this.socket = a.socket;
    this.remoteAddress = a.remoteAddress;
    this.remotePort = a.remotePort;
    this.listenerId = a.listenerId;
    this.owner = a.owner;
    this.clock = a.clock;
    this.limits = a.limits;
    this.up = a.up;
    this.lastActivity = a.clock.now();
    a.socket.setNoDelay(true);
    a.socket.on("data", (d: Buffer) => this.onData(d));
    a.socket.on("error", (e: Error) => {
      if (this.closeReason === "") this.closeReason = e.message;
    });
    a.socket.on("close", () => this.onClose());
    if (this.up) this.markUp();
  }

  get isOpen(): boolean {
    return !this.isClosed && !this.closing;
  }

  get isUp(): boolean {
    return this.up && this.isOpen;
  }

  /** The socket connected (and finished its TLS handshake): flush what waited. */
  markUp(): void {
    this.up = true;
    const s = this.socket;
    if (s.localAddress !== undefined) this.localAddress = s.localAddress;
    if (s.localPort !== undefined) this.localPort = s.localPort;
    if (s.remoteAddress !== undefined) this.remoteAddress = s.remoteAddress;
    if (s.remotePort !== undefined) this.remotePort = s.remotePort;
    const q = this.queue;
    this.queue = [];
    for (const w of q) this.writeNow(w.bytes, w.done);
    this.owner.established(this);
  }

  write(bytes: Uint8Array, done?: (err: Error | undefined) => void): void {
    if (!this.isOpen) {
      const err = new Error(`connection ${this.id} to ${this.remoteAddress}:${this.remotePort} is closed${this.closeReason ? ` (${this.closeReason})` : ""}`);
      if (done) queueMicrotask(() => done(err));
      return;
    }
    if (!this.up) {
      this.queue.push({ bytes, done });
      return;
    }
    this.writeNow(bytes, done);
  }

  private writeNow(bytes: Uint8Array, done: ((err: Error | undefined) => void) | undefined): void {
    this.lastActivity = this.clock.now();
    if (done) this.socket.write(bytes, (err) => done(err ?? undefined));
    else this.socket.write(bytes);
  }

  /** Start RFC 5626 §4.4.1 keep-alives: a ping every `intervalMs` scaled by 0.8-1.0, pong expected within `timeoutMs`. */
  startKeepAlive(intervalMs: number, timeoutMs: number, random: () => number): void {
    if (intervalMs <= 0) return;
    const arm = (): void => {
      // §4.4.1: the interval is chosen at random between 80% and 100% of the recommended one.
      const ms = Math.round(intervalMs * (0.8 + 0.2 * random()));
      this.keepAliveTimer = this.clock.setTimer(ms, () => {
        if (!this.isOpen) return;
        this.writeNow(PING, undefined);
        this.awaitingPong = true;
        this.owner.keepAliveSent(this);
        this.pongTimer = this.clock.setTimer(timeoutMs, () => {
          if (this.awaitingPong) this.close(`no keep-alive pong within ${timeoutMs} ms (RFC 5626 §4.4.1)`, false);
        });
        arm();
      });
    };
    arm();
  }

  /** Close after what is queued has been written. */
  close(reason: string, byUs = true): void {
    if (this.isClosed || this.closing) return;
    this.closing = true;
    this.closeReason = reason;
    this.closedByUs = byUs;
    this.stopTimers();
    this.socket.end();
    // A peer that never closes its side must not hold the socket.
    this.socket.destroySoon();
  }

  destroy(reason: string): void {
    if (this.isClosed) return;
    if (this.closeReason === "") this.closeReason = reason;
    this.closedByUs = true;
    this.stopTimers();
    this.socket.destroy();
  }

  private stopTimers(): void {
    this.keepAliveTimer?.cancel();
    this.pongTimer?.cancel();
    this.keepAliveTimer = undefined;
    this.pongTimer = undefined;
  }

  private onData(d: Buffer): void {
    if (this.isClosed) return;
    this.lastActivity = this.clock.now();
    this.buffer = this.buffer.length === 0 ? d : Buffer.concat([this.buffer, d]);
    let off = 0;
    while (off < this.buffer.length && !this.isClosed && !this.closing) {
      const view = off === 0 ? this.buffer : this.buffer.subarray(off);
      const f = frameSipStream(view, this.limits);
      if (f.kind === "incomplete") break;
      if (f.kind === "error") {
        this.owner.framingError(this, `${f.error.field}: ${f.error.reason}`, f.status);
        this.close(`framing error: ${f.error.reason} (RFC 3261 §18.3)`);
        return;
      }
      off += f.consumed;
      if (f.kind === "crlf") {
        this.onCrlf();
        continue;
      }
      this.crlfRun = 0;
      this.owner.frame(this, f.message);
    }
    this.buffer = off >= this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(off);
  }

  private onCrlf(): void {
    if (this.awaitingPong) {
      // RFC 5626 §4.4.1: a CRLF answering our ping.
      this.awaitingPong = false;
      this.pongTimer?.cancel();
      this.pongTimer = undefined;
      this.crlfRun = 0;
      return;
    }
    this.crlfRun++;
    if (this.crlfRun === 2) {
      // A double CRLF ping: answer with one CRLF.
      this.crlfRun = 0;
      this.writeNow(PONG, undefined);
      this.owner.pingReceived(this);
    }
  }

  private onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.stopTimers();
    const reason = this.closeReason || "closed by the peer";
    const err = new Error(`connection ${this.id} to ${this.remoteAddress}:${this.remotePort} closed before writing (${reason})`);
    const q = this.queue;
    this.queue = [];
    for (const w of q) w.done?.(err);
    this.owner.closed(this, reason, this.closedByUs);
  }
}
