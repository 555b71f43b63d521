/**
 * One signalling link as MTP3 manages it: signalling link management (SLM,
 * Q.704 §12: activation, restoration with T17, emergency alignment when no
 * other link of the linkset is available), the signalling link test (Q.707
 * §2.2: on activation and every SLT T2, repeated once, then the link is
 * restarted), changeover (STM, Q.704 §5: COO/COA with buffer updating,
 * ECO/ECA when BSNT cannot be retrieved, time-controlled with T1 for
 * processor outage and inhibiting, T2 without acknowledgement) and changeback
 * (Q.704 §6: CBD/CBA with T4, repeated once with T5).
 *
 *   Inactive --Activate--> Aligning --L2 in service (SLTM)--> Testing --SLTA ok--+--> Available
 *                             ^ T17                            | fails twice     |    (no other link)
 *                        RestartDelay <-------------------------+                 +--> ChangingBack (CBD, T4)
 *                             ^   ^                                                      | T4: CBD again
 *           changeover done   |   +------ L2 out of service (Aligning, Testing)          v
 *                             |                                                     ChangingBackRepeat (T5)
 *   ChangeoverAwaitingAck (T2) <--L2 failure, COO or ECO sent-- Available <--CBA, T5-----+
 *   ChangeoverTimed (T1)       <--remote processor outage, inhibited--+
 *          | done: Blocked (until recovered or uninhibited, then changeback)
 *
 * While a link is changing over, traffic for its SLS values is held in the
 * changeover buffer; while changing back, in the changeback buffer; both are
 * sent on (by the linkset's load sharing) when the procedure ends.
 */
import type { Clock } from "../../core/clock.js";
import { FsmInstance } from "../../core/fsm.js";
import type { FsmDefinition } from "../../core/fsm.js";
import type { Logger } from "../../core/logger.js";
import type { Mtp2Service } from "../mtp2/mtp2-link.js";
import type { RunQueue } from "../mtp2/run-queue.js";
import { serialized } from "../mtp2/run-queue.js";
import type { SnmMessage } from "./snm-codec.js";
import type { Mtp3TimerValues } from "./timers.js";

export type LinkState =
  | "Inactive"
  | "RestartDelay"
  | "Aligning"
  | "Testing"
  | "Available"
  | "ChangeoverAwaitingAck"
  | "ChangeoverTimed"
  | "Blocked"
  | "ChangingBack"
  | "ChangingBackRepeat";

export type LinkEvent =
  | "Activate"
  | "Deactivate"
  | "T17"
  | "InService"
  | "OutOfService"
  | "RemoteProcessorOutage"
  | "RemoteProcessorRecovered"
  | "SltaOk"
  | "SltaBad"
  | "SLT_T1"
  | "SLT_T2"
  | "COO"
  | "COA"
  | "ECO"
  | "ECA"
  | "T1"
  | "T2"
  | "CBA"
  | "T4"
  | "T5"
  | "Inhibited"
  | "Uninhibited";

const always: readonly LinkEvent[] = ["COO", "ECO", "Inhibited", "Uninhibited"];

export const linkDefinition: FsmDefinition<LinkState, LinkEvent> = {
  name: "MTP3-LINK",
  initial: "Inactive",
  states: {
    Inactive: { accepts: ["Activate", "Deactivate", "OutOfService", ...always], to: ["Aligning"] },
    RestartDelay: {
      accepts: ["Deactivate", "T17", "OutOfService", ...always],
      to: ["Aligning", "Inactive"],
      timer: { name: "T17", expiry: "T17" },
    },
    Aligning: { accepts: ["Deactivate", "InService", "OutOfService", "RemoteProcessorOutage", ...always], to: ["Testing", "RestartDelay", "Inactive", "Blocked"] },
    Testing: {
      accepts: ["Deactivate", "OutOfService", "RemoteProcessorOutage", "SltaOk", "SltaBad", "SLT_T1", ...always],
      to: ["Testing", "Available", "ChangingBack", "Blocked", "RestartDelay", "Inactive"],
      timer: { name: "SLT_T1", expiry: "SLT_T1" },
    },
    Available: {
      accepts: ["Deactivate", "OutOfService", "RemoteProcessorOutage", "SltaOk", "SltaBad", "SLT_T1", "SLT_T2", ...always],
      to: ["ChangeoverAwaitingAck", "ChangeoverTimed", "RestartDelay", "Inactive", "Blocked"],
    },
    ChangeoverAwaitingAck: {
      accepts: ["Deactivate", "OutOfService", "COA", "ECA", "T2", ...always],
      to: ["RestartDelay", "Inactive", "Blocked"],
      timer: { name: "T2", expiry: "T2" },
    },
    ChangeoverTimed: {
      accepts: ["Deactivate", "OutOfService", "RemoteProcessorOutage", "RemoteProcessorRecovered", "T1", ...always],
      to: ["RestartDelay", "Inactive", "Blocked"],
      timer: { name: "T1", expiry: "T1" },
    },
    Blocked: {
      accepts: ["Deactivate", "OutOfService", "RemoteProcessorOutage", "RemoteProcessorRecovered", ...always],
      to: ["Available", "ChangingBack", "RestartDelay", "Inactive"],
    },
    ChangingBack: {
      accepts: ["Deactivate", "OutOfService", "RemoteProcessorOutage", "CBA", "T4", ...always],
      to: ["Available", "ChangingBackRepeat", "RestartDelay", "Inactive", "ChangeoverTimed", "Blocked"],
      timer: { name: "T4", expiry: "T4" },
    },
    ChangingBackRepeat: {
      accepts: ["Deactivate", "OutOfService", "RemoteProcessorOutage", "CBA", "T5", ...always],
      to: ["Available", "RestartDelay", "Inactive", "ChangeoverTimed", "Blocked"],
      timer: { name: "T5", expiry: "T5" },
    },
  },
};

/** What a link asks of the rest of MTP3. */
export interface LinkContext {
  /** SLTM with this SP's test pattern, on the link itself (Q.707 §2.2). */
  sendSltm(link: SignallingLink): void;
  /** A message about `link` on another available link of the same linkset; false when there is none. */
  sendSnmAbout(link: SignallingLink, msg: SnmMessage): boolean;
  /** Whether another link of the same linkset is available for traffic. */
  alternativeAvailable(link: SignallingLink): boolean;
  /** Route these SIO+SIF payloads again (HMRT, by their SLS). */
  divert(messages: readonly Uint8Array[]): void;
  /** The link became available or unavailable for traffic. */
  availabilityChanged(link: SignallingLink): void;
  nextChangebackCode(): number;
}

export interface LinkOptions {
  readonly linkset: string;
  readonly slc: number;
  readonly mtp2: Mtp2Service;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timers: Mtp3TimerValues;
  readonly queue: RunQueue;
}

export interface LinkPayload {
  readonly fsn?: number;
  readonly code?: number;
}

type Inst = FsmInstance<LinkState, LinkEvent, LinkPayload>;
type BlockReason = "remote processor outage" | "remotely inhibited";

export class SignallingLink {
  readonly linkset: string;
  readonly slc: number;
  readonly mtp2: Mtp2Service;
  readonly fsm: Inst;
  /** Traffic for this link's SLS values held during changeover. */
  readonly changeoverBuffer: Uint8Array[] = [];
  /** Traffic for this link's SLS values held during changeback. */
  readonly changebackBuffer: Uint8Array[] = [];
  private readonly ctx: LinkContext;
  private readonly log: Logger;
  private active = false;
  private sltFailures = 0;
  private changebackCode = 0;
  private readonly blocked = new Set<BlockReason>();
  private changeoverCause: "failure" | BlockReason = "failure";

  constructor(opts: LinkOptions, ctx: LinkContext) {
    this.linkset = opts.linkset;
    this.slc = opts.slc;
    this.mtp2 = opts.mtp2;
    this.ctx = ctx;
    this.log = opts.log;
    const id = `${opts.linkset}/${opts.slc}`;

    const align = (i: Inst): void => {
      // Q.704 §12: emergency alignment when no other link of the linkset can carry traffic.
      this.mtp2.setEmergency(!ctx.alternativeAvailable(this));
      this.mtp2.start();
      i.transition("Aligning");
    };
    const stopPeriodicTest = (i: Inst): void => {
      i.stopTimer("SLT_T1");
      i.stopTimer("SLT_T2");
    };
    const afterOutage = (i: Inst): void => {
      stopPeriodicTest(i);
      i.transition(this.active ? "RestartDelay" : "Inactive");
    };
    const testPassed = (i: Inst): void => {
      this.sltFailures = 0;
      i.startTimer("SLT_T2", "SLT_T2");
      if (this.blocked.size > 0) i.transition("Blocked");
      else startChangeback(i);
    };
    const testFailed = (i: Inst): void => {
      this.sltFailures++;
      if (this.sltFailures < 2) {
        // Q.707 §2.2: a failed test is repeated once.
        ctx.sendSltm(this);
        if (i.state === "Testing") i.transition("Testing");
        else i.startTimer("SLT_T1", "SLT_T1");
        return;
      }
      this.log.warn({ link: id, failures: this.sltFailures }, `MTP3-LINK(${id}){${i.state}}: signalling link test failed twice, restarting the link`);
      this.sltFailures = 0;
      stopPeriodicTest(i);
      this.mtp2.stop();
      if (i.state === "Testing") i.transition("RestartDelay");
    };
    const startChangeback = (i: Inst): void => {
      // Q.704 §6.2: traffic moves back only after CBA, so nothing overtakes what the alternative link carried.
      if (ctx.alternativeAvailable(this)) {
        this.changebackCode = ctx.nextChangebackCode();
        if (ctx.sendSnmAbout(this, { type: "CBD", changebackCode: this.changebackCode, slc: this.slc })) {
          i.transition("ChangingBack");
          return;
        }
      }
      i.transition("Available");
      ctx.availabilityChanged(this);
    };
    const finishChangeback = (i: Inst): void => {
      i.transition("Available");
      ctx.divert(this.changebackBuffer.splice(0));
      ctx.availabilityChanged(this);
    };
    const leaveChangeback = (i: Inst, to: "RestartDelay" | "Inactive" | "Blocked"): void => {
      i.transition(to);
      ctx.divert(this.changebackBuffer.splice(0));
    };
    /** Q.704 §5: start changeover of a link that carried traffic. */
    const startChangeover = (i: Inst, cause: "failure" | BlockReason): void => {
      stopPeriodicTest(i);
      this.changeoverCause = cause;
      if (cause !== "failure") this.blocked.add(cause);
      if (!ctx.alternativeAvailable(this)) {
        const lost = cause === "failure" ? this.mtp2.retrieveMessages(undefined).length : 0;
        if (lost > 0) this.log.warn({ link: id, lost }, `MTP3-LINK(${id}): no alternative link, ${lost} message(s) discarded`);
        complete(i, []);
        return;
      }
      if (cause === "failure") {
        const bsnt = this.mtp2.retrieveBsnt();
        // Q.704 §5.2: COO carries the BSNT; when it cannot be retrieved, ECO (§5.6).
        const msg: SnmMessage = bsnt === undefined ? { type: "ECO", slc: this.slc } : { type: "COO", fsn: bsnt, slc: this.slc };
        ctx.sendSnmAbout(this, msg);
        i.transition("ChangeoverAwaitingAck");
      } else {
        i.transition("ChangeoverTimed");
      }
      ctx.availabilityChanged(this);
    };
    const complete = (i: Inst, retrieved: readonly Uint8Array[]): void => {
      const to = this.changeoverCause === "failure" ? (this.active ? "RestartDelay" : "Inactive") : "Blocked";
      i.transition(to);
      ctx.divert(retrieved);
      ctx.divert(this.changeoverBuffer.splice(0));
      ctx.availabilityChanged(this);
    };
    /** Q.704 §5.2, §5.6: answer COO with COA (BSNT) or ECA when BSNT cannot be retrieved. */
    const answerChangeover = (): void => {
      const bsnt = this.mtp2.retrieveBsnt();
      ctx.sendSnmAbout(this, bsnt === undefined ? { type: "ECA", slc: this.slc } : { type: "COA", fsn: bsnt, slc: this.slc });
    };
    /** COO/ECO for a link that carries traffic: the far end saw it fail first. */
    const changeoverOrdered = (i: Inst, p: LinkPayload | undefined, emergency: boolean): void => {
      stopPeriodicTest(i);
      this.mtp2.stop();
      answerChangeover();
      this.changeoverCause = "failure";
      const retrieved = this.mtp2.retrieveMessages(emergency ? undefined : p?.fsn);
      ctx.divert(this.changebackBuffer.splice(0));
      complete(i, retrieved);
    };
    const answerOnly = { COO: () => answerChangeover(), ECO: () => answerChangeover() };
    const inhibit = {
      Inhibited: () => {
        this.blocked.add("remotely inhibited");
      },
      Uninhibited: () => {
        this.blocked.delete("remotely inhibited");
      },
    };
    const deactivate = (i: Inst): void => {
      this.active = false;
      stopPeriodicTest(i);
      this.mtp2.stop();
      if (i.state !== "Available" && !i.state.startsWith("ChangingBack")) i.transition("Inactive");
    };

    this.fsm = new FsmInstance(linkDefinition, {
      id,
      clock: opts.clock,
      log: opts.log,
      timers: opts.timers,
      actions: serialized(opts.queue, {
        Inactive: {
          Activate: (i) => {
            this.active = true;
            align(i);
          },
          Deactivate: () => undefined,
          OutOfService: () => undefined,
          ...answerOnly,
          ...inhibit,
        },
        RestartDelay: {
          Deactivate: (i) => deactivate(i),
          T17: (i) => align(i),
          OutOfService: () => undefined,
          ...answerOnly,
          ...inhibit,
        },
        Aligning: {
          Deactivate: (i) => deactivate(i),
          InService: (i) => {
            this.sltFailures = 0;
            ctx.sendSltm(this);
            i.transition("Testing");
          },
          OutOfService: (i) => afterOutage(i),
          RemoteProcessorOutage: (i) => {
            this.blocked.add("remote processor outage");
            i.transition("Blocked");
          },
          ...answerOnly,
          ...inhibit,
        },
        Testing: {
          Deactivate: (i) => deactivate(i),
          OutOfService: (i) => afterOutage(i),
          RemoteProcessorOutage: (i) => {
            this.blocked.add("remote processor outage");
            i.transition("Blocked");
          },
          SltaOk: (i) => testPassed(i),
          SltaBad: (i) => testFailed(i),
          SLT_T1: (i) => testFailed(i),
          ...answerOnly,
          ...inhibit,
        },
        Available: {
          Deactivate: (i) => deactivate(i),
          OutOfService: (i) => startChangeover(i, "failure"),
          RemoteProcessorOutage: (i) => startChangeover(i, "remote processor outage"),
          SltaOk: (i) => {
            i.stopTimer("SLT_T1");
            this.sltFailures = 0;
          },
          SltaBad: (i) => testFailed(i),
          SLT_T1: (i) => testFailed(i),
          SLT_T2: (i) => {
            ctx.sendSltm(this);
            i.startTimer("SLT_T1", "SLT_T1");
            i.startTimer("SLT_T2", "SLT_T2");
          },
          COO: (i, p) => changeoverOrdered(i, p, false),
          ECO: (i, p) => changeoverOrdered(i, p, true),
          Inhibited: (i) => startChangeover(i, "remotely inhibited"),
          Uninhibited: () => undefined,
        },
        ChangeoverAwaitingAck: {
          Deactivate: () => {
            this.active = false;
          },
          OutOfService: () => undefined,
          COA: (i, p) => complete(i, this.mtp2.retrieveMessages(p?.fsn)),
          ECA: (i) => complete(i, this.mtp2.retrieveMessages(undefined)),
          // Q.704 §5.2: COO crossing ours: answer it and take it as the acknowledgement.
          COO: (i, p) => {
            answerChangeover();
            complete(i, this.mtp2.retrieveMessages(p?.fsn));
          },
          ECO: (i) => {
            answerChangeover();
            complete(i, this.mtp2.retrieveMessages(undefined));
          },
          // Q.704 §5.7: no acknowledgement; traffic restarts without buffer updating.
          T2: (i) => complete(i, this.mtp2.retrieveMessages(undefined)),
          ...inhibit,
        },
        ChangeoverTimed: {
          Deactivate: () => {
            this.active = false;
          },
          OutOfService: () => {
            this.changeoverCause = "failure";
          },
          RemoteProcessorOutage: () => {
            this.blocked.add("remote processor outage");
          },
          RemoteProcessorRecovered: () => {
            this.blocked.delete("remote processor outage");
          },
          T1: (i) => complete(i, this.changeoverCause === "remote processor outage" ? this.mtp2.retrieveMessages(undefined) : []),
          ...answerOnly,
          ...inhibit,
        },
        Blocked: {
          Deactivate: (i) => deactivate(i),
          OutOfService: (i) => {
            this.blocked.delete("remote processor outage");
            afterOutage(i);
          },
          RemoteProcessorOutage: () => {
            this.blocked.add("remote processor outage");
          },
          RemoteProcessorRecovered: (i) => {
            this.blocked.delete("remote processor outage");
            if (this.blocked.size === 0) startChangeback(i);
          },
          Inhibited: () => {
            this.blocked.add("remotely inhibited");
          },
          Uninhibited: (i) => {
            this.blocked.delete("remotely inhibited");
            if (this.blocked.size === 0) startChangeback(i);
          },
          ...answerOnly,
        },
        ChangingBack: {
          Deactivate: (i) => {
            deactivate(i);
            leaveChangeback(i, "Inactive");
          },
          OutOfService: (i) => leaveChangeback(i, this.active ? "RestartDelay" : "Inactive"),
          RemoteProcessorOutage: (i) => {
            this.blocked.add("remote processor outage");
            leaveChangeback(i, "Blocked");
          },
          CBA: (i, p) => {
            if (p?.code === this.changebackCode) finishChangeback(i);
          },
          // Q.704 §6.5: no CBA within T4: send CBD once more and wait T5.
          T4: (i) => {
            ctx.sendSnmAbout(this, { type: "CBD", changebackCode: this.changebackCode, slc: this.slc });
            i.transition("ChangingBackRepeat");
          },
          COO: (i, p) => changeoverOrdered(i, p, false),
          ECO: (i, p) => changeoverOrdered(i, p, true),
          Inhibited: (i) => {
            this.blocked.add("remotely inhibited");
            leaveChangeback(i, "Blocked");
          },
          Uninhibited: () => undefined,
        },
        ChangingBackRepeat: {
          Deactivate: (i) => {
            deactivate(i);
            leaveChangeback(i, "Inactive");
          },
          OutOfService: (i) => leaveChangeback(i, this.active ? "RestartDelay" : "Inactive"),
          RemoteProcessorOutage: (i) => {
            this.blocked.add("remote processor outage");
            leaveChangeback(i, "Blocked");
          },
          CBA: (i, p) => {
            if (p?.code === this.changebackCode) finishChangeback(i);
          },
          // Q.704 §6.5: traffic is restarted on the link after the second attempt too.
          T5: (i) => finishChangeback(i),
          COO: (i, p) => changeoverOrdered(i, p, false),
          ECO: (i, p) => changeoverOrdered(i, p, true),
          Inhibited: (i) => {
            this.blocked.add("remotely inhibited");
            leaveChangeback(i, "Blocked");
          },
          Uninhibited: () => undefined,
        },
      }),
    });
  }

  get id(): string {
    return `${this.linkset}/${this.slc}`;
  }
  get state(): LinkState {
    return this.fsm.state;
  }
  /** Carries user traffic now (Q.704 §3.2: "available"). */
  get available(): boolean {
    return this.fsm.state === "Available";
  }
  /** In service at level 2 and past its test: may carry management messages about other links. */
  get canCarryManagement(): boolean {
    return this.available || this.fsm.state === "ChangingBack" || this.fsm.state === "ChangingBackRepeat";
  }
  get changingOver(): boolean {
    return this.fsm.state === "ChangeoverAwaitingAck" || this.fsm.state === "ChangeoverTimed";
  }
  get changingBack(): boolean {
    return this.fsm.state === "ChangingBack" || this.fsm.state === "ChangingBackRepeat";
  }
  get remotelyInhibited(): boolean {
    return this.blocked.has("remotely inhibited");
  }
  get isActive(): boolean {
    return this.active;
  }

  /** Deliver an event if the current state takes it (indications from MTP2 and received messages). */
  offer(ev: LinkEvent, payload?: LinkPayload): boolean {
    if (!this.fsm.accepts(ev)) {
      this.log.debug({ link: this.id, state: this.fsm.state, event: ev }, `MTP3-LINK(${this.id}){${this.fsm.state}}: ${ev} ignored`);
      return false;
    }
    return this.fsm.dispatch(ev, payload);
  }
}
