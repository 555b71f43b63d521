/**
 * Every layer's timer table, so configuration can check `timers.<layer>.<name>`.
 * A layer that adds a table registers it here.
 */
import type { TimerTable } from "../core/timers.js";
import { sipTimers } from "../sip/transaction/timers.js";
import { isupTimers } from "../ss7/isup/call/timers.js";
import { q931Timers } from "../isdn/q931/timers.js";

export const TIMER_TABLES: readonly TimerTable[] = [sipTimers, isupTimers, q931Timers];
