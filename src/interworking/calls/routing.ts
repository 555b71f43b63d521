/**
 * What interworking asks of call routing (implemented in src/gateway/routing):
 * given the trunk a call came in on and its called number, the trunks to try
 * in order (failover), with the number each one gets after rewriting.
 */

export type TrunkKind = "isup" | "sip" | "qsig";

export interface RouteRequest {
  /** Name of the trunk the call came in on. */
  readonly fromTrunk: string;
  /** Called number as digits (a leading "+" for a global number). */
  readonly called: string;
  readonly calling?: string;
}

export interface RouteTarget {
  readonly trunk: string;
  readonly kind: TrunkKind;
  /** Called number for this trunk, after the route's rewriting. */
  readonly called: string;
}

export type RouteDecision =
  | { readonly ok: true; readonly route: string; readonly targets: readonly RouteTarget[] }
  /** `cause`: Q.850 cause for the caller (3 no route to destination, 28 invalid number format, ...). */
  | { readonly ok: false; readonly cause: number; readonly reason: string };

export interface CallRouting {
  route(req: RouteRequest): RouteDecision;
  /**
   * Overlap (RFC 3578, Q.764 §2.1.2): whether a longer number could match a
   * route other than the one `called` already matches, so digits should
   * still be collected.
   */
  mayGrow(req: RouteRequest): boolean;
}
