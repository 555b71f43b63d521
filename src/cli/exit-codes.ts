/** Exit codes of every sipt-gw command. */
export const EXIT = {
  ok: 0,
  /** Runtime failure, or input rejected (a message that does not decode). */
  failure: 1,
  /** Usage or configuration error. */
  usage: 2,
} as const;
