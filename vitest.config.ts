import { defineConfig } from "vitest/config";

// Two cores on every machine here: keep the worker pool at two and let tests
// that need ports take ephemeral ones.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "drivers/**/*.test.ts", "hardware/**/*.test.ts", "mappings/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**", "test/bench/**"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
