/**
 * OPTIONS keep-alive of a peer (RFC 3261 §11: OPTIONS to learn whether a
 * peer is there and what it supports). Every interval one OPTIONS goes out;
 * a probe succeeds on any final response except 408 and 503 (the peer, or a
 * proxy in front of it, cannot serve), and fails on those, on no final
 * response within the timeout, and on a transport error (RFC 3261 §8.1.3.1
 * treats the last two as 408 and 503). The peer is Up after `upAfter`
 * successes in a row and Down after `downAfter` failures in a row; it
 * starts Unknown.
 *
 *            upAfter successes             downAfter failures
 *   Unknown ------------------> Up  <-------------------------> Down
 *      |                         ^          upAfter successes    ^
 *      +------------------------------------------------------- -+
 *                          downAfter failures
 */
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { SendTarget } from "../transport/types.js";
import type { RequestOutcome } from "../ua/session-host.js";
import type { PeerRequestSender } from "./request-sender.js";

export type KeepaliveState = "Unknown" | "Up" | "Down";

export interface KeepaliveOptions {
  readonly name: string;
  readonly sender: PeerRequestSender;
  readonly clock: Clock;
  readonly log: Logger;
  readonly target: SendTarget;
  /** Request-URI of the OPTIONS, e.g. "sip:192.0.2.10:5060". */
  readonly uri: string;
  /** Our From, e.g. "<sip:gw@192.0.2.1>". */
  readonly from: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly upAfter: number;
  readonly downAfter: number;
}

export interface KeepaliveStatus {
  readonly state: KeepaliveState;
  readonly since: number;
  readonly probes: number;
  readonly successes: number;
  readonly failures: number;
  readonly consecutiveSuccesses: number;
  readonly consecutiveFailures: number;
  /** Status of the last final response (408 for a timeout, 503 for a transport error). */
  readonly lastStatus: number | undefined;
  readonly lastReason: string | undefined;
  readonly lastRttMs: number | undefined;
}

export interface KeepaliveChange {
  readonly name: string;
  readonly from: KeepaliveState;
  readonly to: KeepaliveState;
  readonly reason: string;
}

export class OptionsKeepalive {
  readonly name: string;
  private readonly o: KeepaliveOptions;
  private state: KeepaliveState = "Unknown";
  private since: number;
  private probes = 0;
  private successes = 0;
  private failures = 0;
  private inRow = 0;
  private inRowFailures = 0;
  private lastStatus: number | undefined;
  private lastReason: string | undefined;
  private lastRttMs: number | undefined;
  private readonly callId: string;
  private cseq = 0;
  private probe = 0;
  private running = false;
  private next: TimerHandle | undefined;
  private deadline: TimerHandle | undefined;
  private readonly listeners: ((c: KeepaliveChange) => void)[] = [];

  constructor(o: KeepaliveOptions) {
    if (o.upAfter < 1 || o.downAfter < 1) throw new Error("upAfter and downAfter are at least 1");
    if (o.timeoutMs >= o.intervalMs) throw new Error(`keep-alive timeout ${o.timeoutMs} ms must be shorter than the interval ${o.intervalMs} ms`);
    this.o = o;
    this.name = o.name;
    this.since = o.clock.now();
    this.callId = o.sender.newCallId();
  }

  onChange(fn: (c: KeepaliveChange) => void): void {
    this.listeners.push(fn);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.send();
  }

  stop(): void {
    this.running = false;
    this.probe++;
    this.next?.cancel();
    this.deadline?.cancel();
  }

  status(): KeepaliveStatus {
    return {
      state: this.state,
      since: this.since,
      probes: this.probes,
      successes: this.successes,
      failures: this.failures,
      consecutiveSuccesses: this.inRow,
      consecutiveFailures: this.inRowFailures,
      lastStatus: this.lastStatus,
      lastReason: this.lastReason,
      lastRttMs: this.lastRttMs,
    };
  }

  private send(): void {
    if (!this.running) return;
    const id = ++this.probe;
    const sentAt = this.o.clock.now();
    this.probes++;
    this.cseq++;
    this.next = this.o.clock.setTimer(this.o.intervalMs, () => this.send());
    this.deadline = this.o.clock.setTimer(this.o.timeoutMs, () => {
      if (id !== this.probe) return;
      this.probe++;
      this.result(false, 408, `no final response within ${this.o.timeoutMs} ms`, undefined);
    });
    void this.o.sender
      .send({ method: "OPTIONS", uri: this.o.uri, from: this.o.from, to: `<${this.o.uri}>`, callId: this.callId, cseq: this.cseq, target: this.o.target, headers: [{ name: "Accept", value: "application/sdp" }] })
      .then((outcome: RequestOutcome) => {
        if (id !== this.probe) return; // late: the deadline already counted it, or a newer probe is out
        this.probe++;
        this.deadline?.cancel();
        const rtt = this.o.clock.now() - sentAt;
        switch (outcome.kind) {
          case "response": {
            const status = outcome.response.status ?? 0;
            const reason = outcome.response.startLine.kind === "response" ? outcome.response.startLine.reason : "";
            this.result(status !== 408 && status !== 503, status, `${status} ${reason}`.trim(), rtt);
            return;
          }
          case "timeout":
            this.result(false, 408, "timeout (RFC 3261 §8.1.3.1)", undefined);
            return;
          case "transport-error":
            this.result(false, 503, `transport error: ${outcome.error.reason}`, undefined);
            return;
          case "not-sent":
            this.result(false, undefined, `not sent: ${outcome.reason}`, undefined);
            return;
        }
      });
  }

  private result(alive: boolean, status: number | undefined, reason: string, rttMs: number | undefined): void {
    this.lastStatus = status;
    this.lastReason = reason;
    if (rttMs !== undefined) this.lastRttMs = rttMs;
    if (alive) {
      this.successes++;
      this.inRow++;
      this.inRowFailures = 0;
      if (this.state !== "Up" && this.inRow >= this.o.upAfter) this.change("Up", reason);
    } else {
      this.failures++;
      this.inRowFailures++;
      this.inRow = 0;
      if (this.state !== "Down" && this.inRowFailures >= this.o.downAfter) this.change("Down", reason);
    }
  }

  private change(to: KeepaliveState, reason: string): void {
    const from = this.state;
    this.state = to;
    this.since = this.o.clock.now();
    this.o.log.info({ peer: this.name, from, to, reason }, `SIP-PEER(${this.name}): ${from} -> ${to} (${reason})`);
    for (const fn of this.listeners) fn({ name: this.name, from, to, reason });
  }
}
