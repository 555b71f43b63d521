export * from "./bytes.js";
export * from "./clock.js";
export * from "./digits.js";
export * from "./errors.js";
export * from "./fsm.js";
export * from "./logger.js";
export * from "./result.js";
export * from "./timers.js";
