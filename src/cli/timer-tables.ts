/**
 * Every layer's timer table, so configuration can check `timers.<layer>.<name>`.
 * A layer that adds a table registers it here.
 */
import type { TimerTable } from "../core/timers.js";
import { cardControlTimers } from "../../drivers/serial/timers.js";
import { mtp2Timers } from "../ss7/mtp2/timers.js";
import { mtp3Timers } from "../ss7/mtp3/timers.js";
import { sipTimers } from "../sip/transaction/timers.js";
import { sipPeerTimers } from "../sip/peers/timers.js";
import { isupTimers } from "../ss7/isup/call/timers.js";
import { q921Timers } from "../isdn/q921/timers.js";
import { q931Timers } from "../isdn/q931/timers.js";

export const TIMER_TABLES: readonly TimerTable[] = [sipTimers, sipPeerTimers, mtp2Timers, mtp3Timers, isupTimers, q921Timers, q931Timers, cardControlTimers];
