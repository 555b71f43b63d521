/**
 * Finding the server transaction a request belongs to, RFC 3261 §17.2.3:
 * with a magic-cookie branch, by branch, sent-by and method (an ACK by its
 * INVITE's); otherwise (RFC 2543) by Request-URI, From tag, Call-ID, CSeq
 * number and top Via, the To tag checked by the caller. Indexed by branch
 * first, so matching builds no composite key on the fast path.
 */
import { formatVia } from "../syntax/header-values.js";
import type { SipMessage } from "../syntax/message.js";
import { formatUri } from "../syntax/uri.js";

export interface IndexedServerTransaction {
  /** The branch (magic cookie) or the RFC 2543 key. */
  readonly key: string;
  readonly legacy: boolean;
  /** The request's method (what an ACK or CANCEL is matched against). */
  readonly method: string;
  /** Top Via sent-by of the request, host lower-cased. */
  readonly sentByHost: string;
  readonly sentByPort: number | undefined;
}

/** RFC 2543 (§17.2.3 fallback): Request-URI, From tag, Call-ID, CSeq number and top Via. */
export function legacyKey(m: SipMessage, method: string): string {
  const top = m.via[0];
  const uri = m.requestUri;
  return `2543|${uri !== undefined ? formatUri(uri) : ""}|${m.from.tag ?? ""}|${m.callId}|${m.cseq.seq}|${top !== undefined ? formatVia(top) : ""}|${method}`;
}

function sameHost(a: string, b: string): boolean {
  return a === b || a === b.toLowerCase();
}

export class ServerIndex<T extends IndexedServerTransaction> {
  private readonly byBranch = new Map<string, T | T[]>();
  private readonly byLegacyKey = new Map<string, T>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The transaction of `method` that `m` (with this branch, or none) matches. */
  find(m: SipMessage, branch: string | undefined, cookie: boolean, method: string): T | undefined {
    if (!cookie || branch === undefined) return this.byLegacyKey.get(legacyKey(m, method));
    const hit = this.byBranch.get(branch);
    if (hit === undefined) return undefined;
    const top = m.via[0];
    if (top === undefined) return undefined;
    const list = Array.isArray(hit) ? hit : [hit];
    for (const tx of list) {
      if (tx.method === method && tx.sentByPort === top.port && sameHost(tx.sentByHost, top.host)) return tx;
    }
    return undefined;
  }

  add(tx: T): void {
    this.count++;
    if (tx.legacy) {
      this.byLegacyKey.set(tx.key, tx);
      return;
    }
    const hit = this.byBranch.get(tx.key);
    if (hit === undefined) this.byBranch.set(tx.key, tx);
    else if (Array.isArray(hit)) hit.push(tx);
    else this.byBranch.set(tx.key, [hit, tx]);
  }

  remove(tx: T): void {
    if (tx.legacy) {
      if (this.byLegacyKey.get(tx.key) === tx) {
        this.byLegacyKey.delete(tx.key);
        this.count--;
      }
      return;
    }
    const hit = this.byBranch.get(tx.key);
    if (hit === tx) {
      this.byBranch.delete(tx.key);
      this.count--;
    } else if (Array.isArray(hit)) {
      const i = hit.indexOf(tx);
      if (i < 0) return;
      hit.splice(i, 1);
      this.count--;
      if (hit.length === 1) this.byBranch.set(tx.key, hit[0] as T);
    }
  }

  *values(): IterableIterator<T> {
    for (const v of this.byBranch.values()) {
      if (Array.isArray(v)) yield* v;
      else yield v;
    }
    yield* this.byLegacyKey.values();
  }
}
