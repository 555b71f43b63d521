/** Reading the configuration file (or the embedded default) for the command line. */
import { readFileSync } from "node:fs";
import { EMBEDDED_DEFAULT_YAML } from "../config/embedded-default.js";
import type { ConfigResult } from "../config/load.js";
import { loadConfigText } from "../config/load.js";
import { TIMER_TABLES } from "./timer-tables.js";

export const EMBEDDED_NAME = "<embedded default>";

export function loadConfig(file: string | undefined): ConfigResult {
  if (file === undefined) return loadConfigText(EMBEDDED_DEFAULT_YAML, EMBEDDED_NAME, TIMER_TABLES);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    return { ok: false, problems: [{ file, line: undefined, keyPath: "", message: `cannot read the file (${code})` }] };
  }
  return loadConfigText(text, file, TIMER_TABLES);
}
