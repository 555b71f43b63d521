/**
 * Whether the native media library is built. Tests that need it fail under CI when it is
 * missing and are skipped, with a line saying why, elsewhere.
 */
import { resolveMediaLibrary } from "../native-engine.js";

export function mediaLibraryMissing(): string | undefined {
  try {
    resolveMediaLibrary();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** True when the tests should be skipped (and says so); false under CI, where they must fail. */
export function skipWithoutMediaLibrary(suite: string): boolean {
  const missing = mediaLibraryMissing();
  if (missing === undefined || process.env["CI"] !== undefined) return false;
  console.warn(`[skip] ${suite}: ${missing}`);
  return true;
}
