// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "**/*.cjs", "**/build/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-constant-condition": ["error", { checkLoops: false }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      // Protocol code reaches time only through the injected Clock (STYLE.md).
      "no-restricted-globals": ["error", { name: "setTimeout", message: "Use the injected Clock" }, { name: "setInterval", message: "Use the injected Clock" }],
    },
  },
  {
    // The places allowed to touch real time: the system clock, I/O drivers, CLI, tests.
    files: ["src/core/clock.ts", "src/cli/**", "src/gateway/**", "drivers/**", "hardware/**", "test/**", "**/*.test.ts", "src/**/transport/**"],
    rules: { "no-restricted-globals": "off" },
  },
);
