/**
 * Timers of the card control client (hardware/proto/README.md), overridable
 * as `timers.cardctl.<name>` in the configuration.
 */
import { defineTimerTable } from "../../src/core/timers.js";

export const cardControlTimers = defineTimerTable("cardctl", {
  response: {
    defaultMs: 1000,
    minMs: 50,
    maxMs: 30_000,
    description: "wait for the card's response to a request",
    clause: "hardware/proto/README.md §Requests and responses",
  },
  reconnectInitial: {
    defaultMs: 100,
    minMs: 10,
    maxMs: 10_000,
    description: "first wait before reopening a port that failed or went away",
    clause: "hardware/proto/README.md §Link supervision",
  },
  reconnectMax: {
    defaultMs: 5000,
    minMs: 100,
    maxMs: 300_000,
    description: "longest wait between reopening attempts (the wait doubles up to it)",
    clause: "hardware/proto/README.md §Link supervision",
  },
  keepalive: {
    defaultMs: 1000,
    minMs: 100,
    maxMs: 60_000,
    description: "idle time on an open port after which the card is checked with Identify",
    clause: "hardware/proto/README.md §Link supervision",
  },
  interOctet: {
    defaultMs: 200,
    minMs: 20,
    maxMs: 5000,
    description: "gap inside a frame after which the incomplete frame is abandoned",
    clause: "hardware/proto/README.md §Framing",
  },
});

export type CardControlTimer = keyof typeof cardControlTimers.specs;
