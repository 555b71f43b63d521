/**
 * Call routing: routes by called-number prefix (longest match wins), limited
 * to the trunks a call may come from, each with an ordered list of trunks
 * (the first the normal route, the rest for failover) and number rewriting
 * (strip leading digits, then prepend). Overlap (RFC 3578, Q.764 §2.1.2):
 * `mayGrow` says whether more digits could still change the choice.
 */
import type { CallRouting, RouteDecision, RouteRequest, RouteTarget, TrunkKind } from "../../interworking/calls/routing.js";

export interface RouteRule {
  readonly name: string;
  /** Trunks the route applies to; empty: all. */
  readonly from: readonly string[];
  readonly prefix: string;
  readonly to: readonly string[];
  readonly strip: number;
  readonly prepend: string;
  readonly minDigits: number;
}

/** Q.850 cause 3: no route to destination. */
const NO_ROUTE = 3;
/** Q.850 cause 28: invalid number format (address incomplete). */
const ADDRESS_INCOMPLETE = 28;

export class Router implements CallRouting {
  private readonly rules: readonly RouteRule[];

  constructor(
    rules: readonly RouteRule[],
    /** The kind of each trunk by name. */
    private readonly trunks: ReadonlyMap<string, TrunkKind>,
  ) {
    for (const r of rules) {
      for (const t of [...r.to, ...r.from]) if (!trunks.has(t)) throw new Error(`route ${r.name} names trunk ${t}, which is not configured`);
    }
    // Longest prefix first; among equal prefixes, the order of configuration.
    this.rules = [...rules].map((r, i) => ({ r, i })).sort((a, b) => b.r.prefix.length - a.r.prefix.length || a.i - b.i).map((x) => x.r);
  }

  private applicable(req: RouteRequest): RouteRule[] {
    return this.rules.filter((r) => r.from.length === 0 || r.from.includes(req.fromTrunk));
  }

  route(req: RouteRequest): RouteDecision {
    const rule = this.applicable(req).find((r) => req.called.startsWith(r.prefix));
    if (!rule) return { ok: false, cause: NO_ROUTE, reason: `no route from trunk ${req.fromTrunk} for ${req.called || "an empty number"}` };
    if (digitCount(req.called) < rule.minDigits) {
      return { ok: false, cause: ADDRESS_INCOMPLETE, reason: `route ${rule.name} needs at least ${rule.minDigits} digits, got ${digitCount(req.called)}` };
    }
    const called = rule.prepend + req.called.slice(Math.min(rule.strip, req.called.length));
    const targets: RouteTarget[] = rule.to.filter((t) => t !== req.fromTrunk || rule.to.length === 1).map((t) => ({ trunk: t, kind: this.trunks.get(t) as TrunkKind, called }));
    return { ok: true, route: rule.name, targets };
  }

  mayGrow(req: RouteRequest): boolean {
    const rules = this.applicable(req);
    const matched = rules.find((r) => req.called.startsWith(r.prefix));
    if (matched && digitCount(req.called) < matched.minDigits) return true;
    // A longer prefix that the digits so far could still reach.
    return rules.some((r) => r !== matched && r.prefix.length > req.called.length && r.prefix.startsWith(req.called));
  }
}

function digitCount(n: string): number {
  return n.startsWith("+") ? n.length - 1 : n.length;
}
