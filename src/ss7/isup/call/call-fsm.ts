/**
 * ISUP call control per circuit: the transition table (ITU-T Q.764 §2.1
 * successful call set-up, §2.1.8 continuity check, §2.2 unsuccessful set-up,
 * §2.3 release, §2.4 suspend/resume, §2.9.1 dual seizure, §2.9.6 T1/T5).
 * One machine per CIC lives as long as the circuit: Idle between calls.
 * The actions are in call-control.ts.
 *
 *                                   setup (IAM sent, T7)
 *          +-------------------------------+-----------------------------+
 *          |                               | continuity check            |
 *          |                               v on this circuit             v
 *          |                      +---------------+  COT sent   +-------------+
 *          |                      | OutContinuity |-----------> | OutAwaitAcm |--- CON/ANM ---+
 *          |                      |     (T24)     |             |   (T7)      |               |
 *          |                      +---------------+             +-------------+               |
 *          |                          | check failed:               | ACM (T9 if configured)  |
 *          |                          | COT(failure),               v                         |
 *          |                          | repeat attempt        +-------------+                 |
 *          |                          v                       | OutAlerting |---- ANM ------->+
 *          |        +----------------------+                  +-------------+                 |
 *          |        | OutRecheckWait (T25) |                                                  v
 *          |        +----------------------+   T25/T26: CCR                              +--------+
 *          |                 |          +-------------------+                            | Active |
 *          |                 +--------> | OutRecheck (T24)  |---- passed: REL ---+       +--------+
 *          |                            +-------------------+                    |        ^  |  SUS / suspend
 *          |   +----------------------------+   |  failed: COT(failure)          |        |  v
 *          |   | OutRecheckRepeatWait (T26) |<--+                                |   +----------------------+
 *          |   +----------------------------+                                    |   | SuspendedByUser (T2) |
 *          |                                                                     |   | SuspendedByNetwork   |
 *   +------+                                                                     |   |   (T6)               |
 *   | Idle |--- IAM, check required ---> +-------------------+                   |   | SuspendedLocally     |
 *   +------+                             | InAwaitContinuity |-- COT ok --+      |   +----------------------+
 *    ^  |  \                             |       (T8)        |            |      |          | RES / resume
 *    |  |   \--- IAM ------------------------------------------------+   |      |          v  (to Active)
 *    |  |                                |  COT failure              v   v      |
 *    |  |                                v                     +--------------+  |
 *    |  |                       +---------------------+        | InProceeding |--+-- answer (CON) --> Active
 *    |  |                       | AwaitRecheck (T27)  |        | (T35, T11)   |  |
 *    |  |                       +---------------------+        +--------------+  |
 *    |  |                          | CCR                             | ACM        |
 *    |  +--- CCR ----------------> v                                 v            |
 *    |                      +-----------------+              +-------------+      |
 *    |                      | InRecheck (T8)  |              | InAlerting  |-- answer (ANM) --> Active
 *    |                      +-----------------+              +-------------+      |
 *    |                                                                            v
 *    |          REL sent from any call state (release request, timer, failure)  +----------+
 *    +--------------------------- RLC (or RSC; T5: RSC) ------------------------- | AwaitRlc |
 *    |                                                                           |   (T1)   |--+ T1: REL again
 *    |                                                                           +----------+<-+
 *    +---- REL received in any call state: RLC sent
 *
 * Extra timers run beside the state timers in the states `extraTimers` lists;
 * entering any other state stops them.
 */
import type { FsmDefinition, StateDef } from "../../../core/fsm.js";

export type CallState =
  | "Idle"
  | "OutContinuity"
  | "OutAwaitAcm"
  | "OutAlerting"
  | "InAwaitContinuity"
  | "InProceeding"
  | "InAlerting"
  | "Active"
  | "SuspendedByUser"
  | "SuspendedByNetwork"
  | "SuspendedLocally"
  | "AwaitRlc"
  | "InRecheck"
  | "AwaitRecheck"
  | "OutRecheckWait"
  | "OutRecheckRepeatWait"
  | "OutRecheck";

/** Messages received (their mnemonic; CALLMSG for FAC, USR, APM, ... and passed-on unrecognised ones). */
export type ReceivedEvent = "IAM" | "SAM" | "ACM" | "CPG" | "ANM" | "CON" | "REL" | "RLC" | "SUS" | "RES" | "COT" | "CCR" | "INR" | "INF" | "CALLMSG";

/** Requests of the user (primitives.ts) and of management. */
export type RequestEvent =
  | "setup"
  | "subsequentAddress"
  | "sufficientAddress"
  | "addressComplete"
  | "progress"
  | "answer"
  | "release"
  | "suspend"
  | "resume"
  | "informationRequest"
  | "information"
  | "callMessage"
  | "continuityReport"
  | "continuityTest";

/** Media results, circuit supervision, failures decided by the node, timers. */
export type InternalEvent =
  | "checkPassed"
  | "checkFailed"
  | "reset"
  | "remoteBlocked"
  | "fail"
  | "T1"
  | "T2"
  | "T5"
  | "T6"
  | "T7"
  | "T8"
  | "T9"
  | "T11"
  | "T24"
  | "T25"
  | "T26"
  | "T27"
  | "T33"
  | "T35";

export type CallEvent = ReceivedEvent | RequestEvent | InternalEvent;

/** Timers started with `startTimer` (not tied to one state). */
export type ExtraTimer = "T5" | "T7" | "T9" | "T11" | "T33" | "T35";

export const EXTRA_TIMERS: readonly ExtraTimer[] = ["T5", "T7", "T9", "T11", "T33", "T35"];

interface CallStateDef extends StateDef<CallState, CallEvent> {
  /** Extra timers allowed to keep running in this state. */
  readonly extraTimers: readonly ExtraTimer[];
  /** Whether a timer must run in this state because it waits for the far end (audits). */
  readonly awaitsFarEnd: boolean;
}

/** Events every state with a call accepts. */
const CALL_COMMON: readonly CallEvent[] = ["REL", "release", "reset", "fail"];
const IN_CALL_MESSAGES: readonly CallEvent[] = ["CALLMSG", "callMessage"];

function st(
  accepts: readonly CallEvent[],
  to: readonly CallState[],
  extra: { timer?: { name: string; expiry: CallEvent }; extraTimers?: readonly ExtraTimer[]; awaitsFarEnd?: boolean } = {},
): CallStateDef {
  return {
    accepts,
    to,
    ...(extra.timer ? { timer: extra.timer } : {}),
    extraTimers: extra.extraTimers ?? [],
    awaitsFarEnd: extra.awaitsFarEnd ?? false,
  };
}

export const CALL_STATES: Readonly<Record<CallState, CallStateDef>> = {
  Idle: st(["IAM", "CCR", "setup", "continuityTest", "fail"], ["OutContinuity", "OutAwaitAcm", "InAwaitContinuity", "InProceeding", "InRecheck", "OutRecheck", "AwaitRlc"]),
  OutContinuity: st(
    [...CALL_COMMON, ...IN_CALL_MESSAGES, "IAM", "INR", "information", "checkPassed", "checkFailed", "T24", "T7", "subsequentAddress", "remoteBlocked"],
    ["OutAwaitAcm", "OutRecheckWait", "AwaitRlc", "Idle"],
    { timer: { name: "T24", expiry: "T24" }, extraTimers: ["T7"], awaitsFarEnd: true },
  ),
  OutAwaitAcm: st(
    [...CALL_COMMON, ...IN_CALL_MESSAGES, "IAM", "ACM", "CON", "ANM", "INR", "information", "T7", "subsequentAddress", "continuityReport", "remoteBlocked"],
    ["OutAlerting", "Active", "AwaitRlc", "Idle"],
    { extraTimers: ["T7"], awaitsFarEnd: true },
  ),
  OutAlerting: st([...CALL_COMMON, ...IN_CALL_MESSAGES, "CPG", "ANM", "INR", "information", "T9"], ["Active", "AwaitRlc", "Idle"], { extraTimers: ["T9"] }),
  InAwaitContinuity: st([...CALL_COMMON, ...IN_CALL_MESSAGES, "COT", "SAM", "T8", "T35", "sufficientAddress"], ["InProceeding", "AwaitRecheck", "AwaitRlc", "Idle"], {
    timer: { name: "T8", expiry: "T8" },
    extraTimers: ["T35"],
    awaitsFarEnd: true,
  }),
  InProceeding: st(
    [...CALL_COMMON, ...IN_CALL_MESSAGES, "SAM", "INF", "T35", "T11", "T33", "addressComplete", "answer", "informationRequest", "sufficientAddress"],
    ["InAlerting", "Active", "AwaitRlc", "Idle"],
    { extraTimers: ["T35", "T11", "T33"] },
  ),
  InAlerting: st([...CALL_COMMON, ...IN_CALL_MESSAGES, "SAM", "INF", "T33", "progress", "answer", "informationRequest"], ["Active", "AwaitRlc", "Idle"], { extraTimers: ["T33"] }),
  Active: st([...CALL_COMMON, ...IN_CALL_MESSAGES, "SUS", "CPG", "progress", "suspend"], ["SuspendedByUser", "SuspendedByNetwork", "SuspendedLocally", "AwaitRlc", "Idle"]),
  SuspendedByUser: st([...CALL_COMMON, ...IN_CALL_MESSAGES, "RES", "T2"], ["Active", "AwaitRlc", "Idle"], { timer: { name: "T2", expiry: "T2" }, awaitsFarEnd: true }),
  SuspendedByNetwork: st([...CALL_COMMON, ...IN_CALL_MESSAGES, "RES", "T6"], ["Active", "AwaitRlc", "Idle"], { timer: { name: "T6", expiry: "T6" }, awaitsFarEnd: true }),
  SuspendedLocally: st([...CALL_COMMON, ...IN_CALL_MESSAGES, "resume"], ["Active", "AwaitRlc", "Idle"]),
  AwaitRlc: st(["RLC", "REL", "T1", "T5", "reset"], ["AwaitRlc", "Idle"], { timer: { name: "T1", expiry: "T1" }, extraTimers: ["T5"], awaitsFarEnd: true }),
  InRecheck: st(["REL", "COT", "CCR", "T8", "reset"], ["AwaitRecheck", "Idle"], { timer: { name: "T8", expiry: "T8" }, awaitsFarEnd: true }),
  AwaitRecheck: st(["CCR", "REL", "T27", "reset"], ["InRecheck", "Idle"], { timer: { name: "T27", expiry: "T27" }, awaitsFarEnd: true }),
  OutRecheckWait: st(["T25", "REL", "reset"], ["OutRecheck", "Idle"], { timer: { name: "T25", expiry: "T25" }, awaitsFarEnd: true }),
  OutRecheckRepeatWait: st(["T26", "REL", "reset"], ["OutRecheck", "Idle"], { timer: { name: "T26", expiry: "T26" }, awaitsFarEnd: true }),
  OutRecheck: st(["checkPassed", "checkFailed", "T24", "REL", "reset"], ["AwaitRlc", "OutRecheckRepeatWait", "Idle"], { timer: { name: "T24", expiry: "T24" }, awaitsFarEnd: true }),
};

export const CALL_FSM: FsmDefinition<CallState, CallEvent> = {
  name: "ISUP-CIC",
  initial: "Idle",
  states: CALL_STATES,
};

/** Outgoing states before any backward message: where dual seizure and automatic repeat attempts apply (Q.764 §2.8.1, §2.9.1). */
export function beforeBackwardMessage(s: CallState): boolean {
  return s === "OutContinuity" || s === "OutAwaitAcm";
}
