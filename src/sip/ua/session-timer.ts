/**
 * Session timers, RFC 4028: what the UA core and the sessions need.
 *
 *  - §9 (UAS): a Session-Expires below our minimum from a UAC that supports
 *    timers gets 422 with Min-SE (`tooSmallInterval`); otherwise the 2xx to a
 *    session refresh request carries Session-Expires with the refresher of
 *    Table 2 and Require: timer (MUST for uac, SHOULD for uas when the UAC
 *    supports it) (`uasNegotiate`);
 *  - §7.1 / §7.4 (UAC): the Session-Expires and Min-SE of a refresh request
 *    (`refreshHeaders`), the 2xx read per §7.2 (`uacNegotiated`: no
 *    Session-Expires in the 2xx while we asked for one means we refresh with
 *    our value), a 422 retried with the larger Min-SE (§7.3, §7.4);
 *  - §10: the refresher refreshes at half the interval; the other side sends
 *    BYE min(32 s, interval/3) before the expiry; the refresher whose
 *    refreshes all failed ends the session at the expiry.
 *
 * The runtime (`SessionTimer`) is a state machine on the injected clock:
 *
 *                 Negotiated (we refresh)     +-----------+  RefreshDue: refresh()
 *            +------------------------------->| Refresher |<---+
 *   +------+ |                                +-----------+----+
 *   | Idle |-+     Negotiated (they refresh)     |  ^   | Expiry (no 2xx to a refresh in time)
 *   +------+ |                                   V  |   V
 *      ^     |                                +----------+ Expiry +---------+
 *      |     +------------------------------->| Watching |------->| Expired |: expire() (BYE)
 *      |          Off (a 2xx without one)     +----------+        +---------+
 *      +------------------------------------------+
 */
import type { Clock } from "../../core/clock.js";
import type { FsmActions, FsmDefinition } from "../../core/fsm.js";
import { FsmInstance } from "../../core/fsm.js";
import type { Logger } from "../../core/logger.js";
import type { SipMessage } from "../syntax/message.js";
import type { HeaderInit } from "../transaction/messages.js";
import type { SessionTimerConfig, SessionTimerOptions } from "./session-host.js";

/** RFC 4028 §5: Min-SE is never below 90 s, and 90 s when absent. */
export const MIN_SE_FLOOR_S = 90;

/** Checked settings with their defaults (1800 s, Min-SE 90 s, we refresh); throws on a configuration that cannot work. */
export function sessionTimerConfig(o: SessionTimerOptions): SessionTimerConfig {
  const minSE = o.minSE ?? MIN_SE_FLOOR_S;
  const expiresS = o.expiresS ?? Math.max(1800, minSE);
  if (!Number.isInteger(minSE) || minSE < MIN_SE_FLOOR_S) throw new Error(`session timer Min-SE ${minSE} s is below 90 s (RFC 4028 §5)`);
  if (!Number.isInteger(expiresS) || expiresS < minSE || expiresS > 0xffffffff) throw new Error(`session timer interval ${expiresS} s is below Min-SE ${minSE} s (RFC 4028 §7.1)`);
  return { expiresS, minSE, refresher: o.refresher ?? "local" };
}

function supportsTimer(m: SipMessage): boolean {
  const s = m.supported();
  return s.ok && s.value !== undefined && s.value.some((t) => t.toLowerCase() === "timer");
}

function requiresTimer(m: SipMessage): boolean {
  const s = m.require();
  return s.ok && s.value !== undefined && s.value.some((t) => t.toLowerCase() === "timer");
}

function minSEOf(m: SipMessage): number | undefined {
  const r = m.typed("min-se");
  return r.ok ? r.value : undefined;
}

/**
 * §9: the refusal of a session refresh request whose interval is too small
 * (422 with our Min-SE), or of one whose Session-Expires or Min-SE does not
 * parse (400); undefined when it may go on.
 */
export function tooSmallInterval(m: SipMessage, cfg: SessionTimerConfig): { status: number; reason?: string; headers: HeaderInit[] } | undefined {
  const se = m.sessionExpires();
  if (!se.ok) return { status: 400, reason: "Bad Request - Invalid Session-Expires", headers: [] };
  const min = m.typed("min-se");
  if (!min.ok) return { status: 400, reason: "Bad Request - Invalid Min-SE", headers: [] };
  if (se.value === undefined || !supportsTimer(m)) return undefined;
  if (se.value.deltaSeconds < cfg.minSE) return { status: 422, headers: [{ name: "Min-SE", value: String(cfg.minSE) }] };
  return undefined;
}

/** What a 2xx to a session refresh request settled: the interval and who refreshes, from our side. */
export interface Negotiated {
  readonly intervalS: number;
  readonly refresher: "local" | "remote";
}

/**
 * §9: the headers of our 2xx to a session refresh request (initial INVITE,
 * re-INVITE or UPDATE) and what they settle. `dialogMinSE` is the largest
 * Min-SE seen on the dialog.
 */
export function uasNegotiate(request: SipMessage, cfg: SessionTimerConfig): { headers: HeaderInit[]; negotiated: Negotiated } {
  const se = request.sessionExpires();
  const asked = se.ok ? se.value : undefined;
  const reqMin = Math.max(minSEOf(request) ?? MIN_SE_FLOOR_S, MIN_SE_FLOOR_S);
  const uacSupports = supportsTimer(request);
  let interval: number;
  if (asked !== undefined) {
    // "MAY reduce its value but MUST NOT set it to a duration lower than the value in the Min-SE ... MUST NOT increase".
    interval = cfg.expiresS < asked.deltaSeconds ? Math.max(cfg.expiresS, reqMin) : asked.deltaSeconds;
  } else {
    // No Session-Expires: the UAS may ask for a timer itself, not below the request's Min-SE.
    interval = Math.max(cfg.expiresS, reqMin);
  }
  // Table 2: a UAC without timer support cannot refresh; its choice stands when it made one; ours otherwise.
  const requested = asked?.refresher;
  const refresher: "uac" | "uas" = !uacSupports ? "uas" : requested === "uac" || requested === "uas" ? requested : cfg.refresher === "local" ? "uas" : "uac";
  const headers: HeaderInit[] = [{ name: "Session-Expires", value: `${interval};refresher=${refresher}` }];
  // "If the refresher parameter ... has a value of 'uac', the UAS MUST place a Require ... 'timer'"; SHOULD for uas when supported.
  if (refresher === "uac" || uacSupports) headers.push({ name: "Require", value: "timer" });
  return { headers, negotiated: { intervalS: interval, refresher: refresher === "uas" ? "local" : "remote" } };
}

/**
 * §7.2: what the 2xx to our session refresh request settled. `sentS` is the
 * Session-Expires we sent; undefined means none (and then a 2xx without one
 * turns the timer off).
 */
export function uacNegotiated(response: SipMessage, sentS: number | undefined): Negotiated | undefined {
  const se = response.sessionExpires();
  const got = se.ok ? se.value : undefined;
  if (got !== undefined) {
    // The refresher parameter "will be present"; without it we refresh (the session stays safe).
    return { intervalS: got.deltaSeconds, refresher: got.refresher === "uas" ? "remote" : "local" };
  }
  // "... as if the Session-Expires header field were in the 2xx response, and its value was the same as that in the request, but with a refresher parameter of 'uac'."
  if (sentS !== undefined && !requiresTimer(response)) return { intervalS: sentS, refresher: "local" };
  return undefined;
}

/** The Min-SE of a 422 (RFC 4028 §6: it MUST carry one); undefined when missing or unreadable. */
export function minSEOf422(response: SipMessage): number | undefined {
  const v = minSEOf(response);
  return v !== undefined && v >= MIN_SE_FLOOR_S ? v : undefined;
}

/** The Min-SE a request brings into the dialog (§7.4 "received in session refresh requests"). */
export function minSEOfRequest(request: SipMessage): number | undefined {
  const v = minSEOf(request);
  return v !== undefined && v >= MIN_SE_FLOOR_S ? v : undefined;
}

type State = "Idle" | "Refresher" | "Watching" | "Expired";
type Event = "Negotiated" | "Off" | "RefreshDue" | "Expiry";

export const sessionTimerDefinition: FsmDefinition<State, Event> = {
  name: "SIP-SESSION-TIMER",
  initial: "Idle",
  states: {
    Idle: { accepts: ["Negotiated", "Off"], to: ["Refresher", "Watching"] },
    Refresher: { accepts: ["Negotiated", "Off", "RefreshDue", "Expiry"], to: ["Watching", "Idle", "Expired"] },
    Watching: { accepts: ["Negotiated", "Off", "Expiry"], to: ["Refresher", "Idle", "Expired"] },
    Expired: { accepts: [], to: [], final: true },
  },
};

class Fsm extends FsmInstance<State, Event, Negotiated> {
  owner: SessionTimer | undefined;
}

const arm = (f: FsmInstance<State, Event, Negotiated>, n: Negotiated | undefined): void => {
  if (n === undefined) return;
  f.transition(n.refresher === "local" ? "Refresher" : "Watching");
  (f as Fsm).owner?.armTimers(n);
};

const off = (f: FsmInstance<State, Event, Negotiated>): void => {
  f.stopTimer("refresh");
  f.stopTimer("expiry");
  f.transition("Idle");
};

const actions: FsmActions<State, Event, Negotiated> = {
  Idle: { Negotiated: arm, Off: () => undefined },
  Refresher: {
    Negotiated: (f, n) => {
      if (n?.refresher === "local") (f as Fsm).owner?.armTimers(n);
      else arm(f, n);
    },
    Off: off,
    RefreshDue: (f) => (f as Fsm).owner?.refreshDue(),
    Expiry: (f) => {
      f.transition("Expired");
      (f as Fsm).owner?.expired();
    },
  },
  Watching: {
    Negotiated: (f, n) => {
      if (n?.refresher === "remote") (f as Fsm).owner?.armTimers(n);
      else arm(f, n);
    },
    Off: off,
    Expiry: (f) => {
      f.transition("Expired");
      (f as Fsm).owner?.expired();
    },
  },
};

/** The session timer of one dialog. */
export class SessionTimer {
  /** The largest Min-SE seen on the dialog: from 422s and from requests (§7.4); undefined when none. */
  dialogMinSE: number | undefined;
  private current: Negotiated | undefined;
  private readonly fsm: Fsm;
  private readonly onRefresh: () => void;
  private readonly onExpire: () => void;

  constructor(a: { id: string; clock: Clock; log: Logger; refresh: () => void; expire: () => void }) {
    this.onRefresh = a.refresh;
    this.onExpire = a.expire;
    this.fsm = new Fsm(sessionTimerDefinition, { id: a.id, clock: a.clock, log: a.log, timers: {}, actions });
    this.fsm.owner = this;
  }

  get state(): State {
    return this.fsm.state;
  }

  /** The interval and refresher in force; undefined when there is no session expiration. */
  get negotiated(): Negotiated | undefined {
    return this.fsm.state === "Refresher" || this.fsm.state === "Watching" ? this.current : undefined;
  }

  /** Note a Min-SE from a 422 or a request on the dialog (§7.4). */
  noteMinSE(v: number | undefined): void {
    if (v !== undefined && (this.dialogMinSE === undefined || v > this.dialogMinSE)) this.dialogMinSE = v;
  }

  /** A 2xx to a session refresh request was sent or received: the session expiration starts again (§7.2, §9). */
  negotiate(n: Negotiated | undefined): void {
    if (this.fsm.isTerminated) return;
    if (n === undefined) {
      if (this.fsm.accepts("Off")) this.fsm.dispatch("Off");
      return;
    }
    this.fsm.dispatch("Negotiated", n);
  }

  /**
   * §7.4: the Session-Expires (and Min-SE) of a refresh request we send:
   * max(Min-SE, the current interval), refresher uac when we refresh, uas
   * when the peer does.
   */
  refreshHeaders(cfg: SessionTimerConfig): { headers: HeaderInit[]; sentS: number } {
    const n = this.negotiated;
    const min = Math.max(this.dialogMinSE ?? MIN_SE_FLOOR_S, cfg.minSE);
    const interval = Math.max(n?.intervalS ?? cfg.expiresS, min);
    const headers: HeaderInit[] = [{ name: "Session-Expires", value: n === undefined ? String(interval) : `${interval};refresher=${n.refresher === "local" ? "uac" : "uas"}` }];
    if (this.dialogMinSE !== undefined || cfg.minSE !== MIN_SE_FLOOR_S) headers.push({ name: "Min-SE", value: String(min) });
    return { headers, sentS: interval };
  }

  stop(): void {
    this.fsm.terminate("session ended");
  }

  armTimers(n: Negotiated): void {
    this.current = n;
    const ms = n.intervalS * 1000;
    if (n.refresher === "local") {
      // §7.2 / §9: "RECOMMENDED that this refresh be sent once half the session interval has elapsed".
      this.fsm.startTimer("refresh", "RefreshDue", ms / 2);
      this.fsm.startTimer("expiry", "Expiry", ms);
    } else {
      this.fsm.stopTimer("refresh");
      // §10: BYE "slightly before the session expiration. The minimum of 32 seconds and one third of the session interval".
      this.fsm.startTimer("expiry", "Expiry", ms - Math.min(32_000, ms / 3));
    }
  }

  refreshDue(): void {
    this.onRefresh();
  }

  expired(): void {
    this.onExpire();
  }
}
