/**
 * A linkset: the signalling links to one adjacent signalling point, with load
 * sharing by SLS (Q.704 §4.2.1) and the restart handshake with the adjacent
 * point (Q.704 §9, as a signalling end point without STP function: on the
 * first available link send TRA; traffic to and through the adjacent point
 * flows once its TRA arrives or T21 expires).
 *
 *   +-------------+ first link available (TRA) +------------+ TRA received, T21 +-----------+
 *   | Unavailable | -------------------------> | Restarting | -----------------> | Available |
 *   +-------------+ <------------------------- +------------+                    +-----------+
 *          ^            last link lost                                                 |
 *          +------------------------------- last link lost ----------------------------+
 *
 * Load sharing: the SLS values are spread over the links in SLC order
 * (SLS mod number of links). A message whose link is changing over or back
 * waits in that link's buffer; one whose link is otherwise unavailable goes
 * to the next available link (Q.704 §5.1: changeover to the alternative
 * links of the same linkset).
 */
import type { Clock } from "../../core/clock.js";
import { FsmInstance } from "../../core/fsm.js";
import type { FsmDefinition } from "../../core/fsm.js";
import type { Logger } from "../../core/logger.js";
import type { RunQueue } from "../mtp2/run-queue.js";
import { serialized } from "../mtp2/run-queue.js";
import type { SignallingLink } from "./signalling-link.js";
import type { Mtp3TimerValues } from "./timers.js";

export type LinksetState = "Unavailable" | "Restarting" | "Available";
export type LinksetEvent = "FirstLinkAvailable" | "LastLinkLost" | "TRA" | "T21";

export const linksetDefinition: FsmDefinition<LinksetState, LinksetEvent> = {
  name: "MTP3-LINKSET",
  initial: "Unavailable",
  states: {
    Unavailable: { accepts: ["FirstLinkAvailable", "LastLinkLost", "TRA"], to: ["Restarting", "Available"] },
    Restarting: { accepts: ["LastLinkLost", "TRA", "T21", "FirstLinkAvailable"], to: ["Unavailable", "Available"], timer: { name: "T21", expiry: "T21" } },
    Available: { accepts: ["LastLinkLost", "TRA", "FirstLinkAvailable"], to: ["Unavailable"] },
  },
};

export interface LinksetContext {
  sendTra(linkset: Linkset): void;
  /** The linkset became available or unavailable for traffic. */
  stateChanged(linkset: Linkset): void;
}

export interface LinksetOptions {
  readonly name: string;
  readonly adjacentPc: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: Mtp3TimerValues;
  readonly queue: RunQueue;
}

export type RouteOutcome = "sent" | "buffered" | "no link";

export class Linkset {
  readonly name: string;
  readonly adjacentPc: number;
  readonly fsm: FsmInstance<LinksetState, LinksetEvent>;
  private linksBySlc: SignallingLink[] = [];
  /** TRA from the adjacent point arrived before our first link was available. */
  private traEarly = false;

  constructor(opts: LinksetOptions, ctx: LinksetContext) {
    this.name = opts.name;
    this.adjacentPc = opts.adjacentPc;
    this.fsm = new FsmInstance(linksetDefinition, {
      id: opts.name,
      clock: opts.clock,
      log: opts.log,
      timers: opts.timers,
      actions: serialized(opts.queue, {
        Unavailable: {
          FirstLinkAvailable: (i) => {
            ctx.sendTra(this);
            if (this.traEarly) {
              this.traEarly = false;
              i.transition("Available");
              ctx.stateChanged(this);
            } else {
              i.transition("Restarting");
            }
          },
          LastLinkLost: () => undefined,
          TRA: () => {
            this.traEarly = true;
          },
        },
        Restarting: {
          LastLinkLost: (i) => i.transition("Unavailable"),
          FirstLinkAvailable: () => undefined,
          TRA: (i) => {
            i.transition("Available");
            ctx.stateChanged(this);
          },
          T21: (i) => {
            i.log.warn({ linkset: this.name }, `MTP3-LINKSET(${this.name}): no TRA from the adjacent point within T21, traffic allowed`);
            i.transition("Available");
            ctx.stateChanged(this);
          },
        },
        Available: {
          LastLinkLost: (i) => {
            this.traEarly = false;
            i.transition("Unavailable");
            ctx.stateChanged(this);
          },
          FirstLinkAvailable: () => undefined,
          TRA: (i) => i.log.info({ linkset: this.name }, `MTP3-LINKSET(${this.name}){Available}: TRA from the adjacent point while available`),
        },
      }),
    });
  }

  /** Called once, with the links of this linkset. */
  setLinks(links: readonly SignallingLink[]): void {
    this.linksBySlc = [...links].sort((a, b) => a.slc - b.slc);
  }

  get links(): readonly SignallingLink[] {
    return this.linksBySlc;
  }
  get state(): LinksetState {
    return this.fsm.state;
  }
  get available(): boolean {
    return this.fsm.state === "Available";
  }
  get anyLinkAvailable(): boolean {
    return this.linksBySlc.some((l) => l.available);
  }

  linkBySlc(slc: number): SignallingLink | undefined {
    return this.linksBySlc.find((l) => l.slc === slc);
  }

  /** A link able to carry management messages, other than `except` when possible. */
  managementLink(except?: SignallingLink): SignallingLink | undefined {
    return this.linksBySlc.find((l) => l !== except && l.canCarryManagement);
  }

  /** Re-evaluate after a link's availability changed. */
  linkAvailabilityChanged(): void {
    const any = this.anyLinkAvailable;
    if (any && this.fsm.state === "Unavailable") this.fsm.dispatch("FirstLinkAvailable");
    else if (!any && this.fsm.state !== "Unavailable") this.fsm.dispatch("LastLinkLost");
  }

  traReceived(): void {
    this.fsm.dispatch("TRA");
  }

  /** HMRT within the linkset (Q.704 §2.3, §4.2.1). */
  route(sls: number, payload: Uint8Array): RouteOutcome {
    const n = this.linksBySlc.length;
    if (n === 0) return "no link";
    const start = sls % n;
    const primary = this.linksBySlc[start] as SignallingLink;
    if (primary.available) {
      primary.mtp2.transmit(payload);
      return "sent";
    }
    if (primary.changingOver) {
      primary.changeoverBuffer.push(payload);
      return "buffered";
    }
    if (primary.changingBack) {
      primary.changebackBuffer.push(payload);
      return "buffered";
    }
    for (let k = 1; k < n; k++) {
      const alt = this.linksBySlc[(start + k) % n] as SignallingLink;
      if (alt.available) {
        alt.mtp2.transmit(payload);
        return "sent";
      }
    }
    return "no link";
  }
}
