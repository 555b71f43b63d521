/** The package version, read once from package.json next to the build. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  for (const rel of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "sipt-gw" && pkg.version) return (cached = pkg.version);
    } catch {
      // try the next location (source tree vs dist/)
    }
  }
  return (cached = "0.0.0-unknown");
}

/** The package's root directory (source tree or installed package), found from this file. */
export function packageRoot(): string {
  for (const rel of ["../../", "../../../"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${rel}package.json`, import.meta.url), "utf8")) as { name?: string };
      if (pkg.name === "sipt-gw") return fileURLToPath(new URL(rel, import.meta.url));
    } catch {
      // try the next location
    }
  }
  throw new Error("cannot find the sipt-gw package root from " + import.meta.url);
}
