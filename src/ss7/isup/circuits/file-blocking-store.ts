/**
 * A BlockingStore in a JSON file, written atomically: the new content goes to
 * a temporary file in the same directory, is flushed to disk, and is renamed
 * over the old file (rename is atomic within one file system), then the
 * directory is flushed so the rename itself survives a power loss. A reader
 * sees the old or the new snapshot, never a mix.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { DecodeResult } from "../../../core/result.js";
import { decodeFailed, decoded } from "../../../core/result.js";
import type { BlockingSnapshot, BlockingStore } from "./blocking-store.js";
import { EMPTY_SNAPSHOT, parseBlockingSnapshot } from "./blocking-store.js";

export class FileBlockingStore implements BlockingStore {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  load(): DecodeResult<BlockingSnapshot> {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return decoded(EMPTY_SNAPSHOT);
      return decodeFailed({ offset: 0, field: "blocking store", reason: `cannot read ${this.path}: ${(e as Error).message}` });
    }
    const r = parseBlockingSnapshot(text);
    if (!r.ok) return decodeFailed({ ...r.error, reason: `${this.path}: ${r.error.reason}` });
    return r;
  }

  save(snapshot: BlockingSnapshot): void {
    const dir = dirname(this.path);
    const tmp = join(dir, `.${basename(this.path)}.${process.pid}.tmp`);
    const text = `${JSON.stringify({ version: 1, circuits: snapshot.circuits }, null, 1)}\n`;
    const fd = openSync(tmp, "w", 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw e;
    }
    closeSync(fd);
    renameSync(tmp, this.path);
    const dfd = openSync(dir, "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }
}
