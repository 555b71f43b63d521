import { defineConfig } from "vitest/config";

// Two cores on every machine here. Tests that keep real time (the simulated
// card's 8 kHz clock, far ends answering every block, media ticks, live peers)
// run after the others, one file at a time, so CPU contention from parallel
// files cannot turn into slips and late events. Everything else runs two
// files at a time.
const realtime = [
  "test/hil/**/*.test.ts",
  "test/interop/**/*.test.ts",
  "hardware/**/*.test.ts",
  "drivers/card/**/*.test.ts",
  "drivers/media/**/*.test.ts",
  "drivers/serial/**/*.pty.test.ts",
  "test/demo/**/*.test.ts",
];

const common = {
  testTimeout: 30_000,
  hookTimeout: 30_000,
  pool: "forks" as const,
};

export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      {
        test: {
          ...common,
          name: "unit",
          include: ["src/**/*.test.ts", "drivers/**/*.test.ts", "mappings/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["node_modules/**", "dist/**", "test/bench/**", ...realtime],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...common,
          name: "realtime",
          include: realtime,
          exclude: ["node_modules/**", "dist/**", "test/bench/**"],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
