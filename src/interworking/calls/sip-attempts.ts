/**
 * What the interworking units share on their SIP side:
 *
 *  - `SipAttempts`: the order a call tries its next hops in, each SIP trunk
 *    of its route and each peer of a trunk in turn (failover, RFC 3398 §8 and
 *    RFC 4497 §8.3: a final response of the trunk's `failoverOn` list, or no
 *    response at all, moves on), skipping peers whose keep-alive says they are
 *    down, with the credentials of a named peer for its challenges;
 *  - `afterMedia`: wait (bounded, on the call's clock) for the SDP the media
 *    engine is still preparing before a response that must carry it;
 *  - `reasonPhrase`: a Reason-Phrase that says why a call was refused.
 */
import type { Clock } from "../../core/clock.js";
import type { DigestAuthenticator } from "../../sip/auth/digest-client.js";
import type { SipMessage } from "../../sip/syntax/message.js";
import type { SendTarget } from "../../sip/transport/types.js";
import type { CallFailure } from "../../sip/ua/index.js";
import type { RouteTarget } from "./routing.js";

/** A next hop of a SIP trunk; `name` when it is a configured peer (credentials, keep-alive). */
export type SipTrunkPeer = SendTarget & { readonly name?: string };

/** The SIP trunk as the units see it (built from `routing.sipTrunks`). */
export interface SipTrunkInfo {
  readonly name: string;
  /** In failover order. */
  readonly peers: readonly SipTrunkPeer[];
  readonly sipt: "off" | "optional" | "required";
  readonly isupVersion: string;
  readonly trusted: boolean;
  readonly failoverOn: readonly number[];
  /** 0: no limit. */
  readonly noAnswerMs: number;
  readonly acceptAnySource: boolean;
}

/** What the units ask of the configured SIP peers (src/sip/peers PeerRegistry). */
export interface SipPeerHooks {
  /** The Digest client for the challenges this peer sends (RFC 3261 §22.2). */
  authenticatorFor(name: string): DigestAuthenticator | undefined;
  /** False while its OPTIONS keep-alive says it is down: it is skipped. */
  available(name: string): boolean;
  /** The peer the inbound guard matched this request to. */
  peerOf(request: SipMessage): string | undefined;
}

export interface SipAttempt {
  readonly target: RouteTarget;
  readonly trunk: SipTrunkInfo;
  /** Where the INVITE goes. */
  readonly peer: SendTarget;
  readonly peerName?: string;
  readonly authenticator?: DigestAuthenticator;
}

export class SipAttempts {
  private targetIndex = 0;
  private peerIndex = 0;
  /** Peers passed over because their keep-alive said they were down. */
  readonly skipped: string[] = [];

  constructor(
    private readonly targets: readonly RouteTarget[],
    private readonly trunkNamed: (name: string) => SipTrunkInfo | undefined,
    private readonly hooks: SipPeerHooks | undefined,
  ) {}

  /** The attempt to make now, the down peers before it skipped; undefined when none is left. */
  current(): SipAttempt | undefined {
    for (;;) {
      const target = this.targets[this.targetIndex];
      if (!target) return undefined;
      const trunk = this.trunkNamed(target.trunk);
      const p = trunk?.peers[this.peerIndex];
      if (!trunk || !p) {
        if (!this.step()) return undefined;
        continue;
      }
      if (p.name !== undefined && this.hooks && !this.hooks.available(p.name)) {
        this.skipped.push(p.name);
        if (!this.step()) return undefined;
        continue;
      }
      const peer: SendTarget = { protocol: p.protocol, host: p.host, port: p.port };
      const authenticator = p.name !== undefined ? this.hooks?.authenticatorFor(p.name) : undefined;
      return { target, trunk, peer, ...(p.name !== undefined ? { peerName: p.name } : {}), ...(authenticator ? { authenticator } : {}) };
    }
  }

  /** Move to the next peer of the trunk, then to the next trunk of the route; false when none is left. */
  step(): boolean {
    const trunk = this.targets[this.targetIndex] ? this.trunkNamed(this.targets[this.targetIndex]!.trunk) : undefined;
    if (trunk && this.peerIndex + 1 < trunk.peers.length) {
      this.peerIndex++;
      return true;
    }
    if (this.targetIndex + 1 < this.targets.length) {
      this.targetIndex++;
      this.peerIndex = 0;
      return true;
    }
    this.targetIndex = this.targets.length;
    return false;
  }

  /** Whether this failure moves the call on to the next hop: no response at all, or a status the trunk lists. */
  static failsOver(failure: CallFailure, trunk: SipTrunkInfo | undefined): boolean {
    const noResponse = failure.cause === "timeout" || failure.cause === "transport-error" || failure.cause === "no-route";
    return trunk !== undefined && (noResponse || trunk.failoverOn.includes(failure.status));
  }
}

/**
 * Run `fn` once `settled` (the media engine preparing the SDP) has settled,
 * or at once when `now()` already holds, and at the latest after `limitMs`
 * on the call's clock (then `fn` does without); `fn` runs once.
 */
export function afterMedia(clock: Clock, settled: Promise<unknown>, now: () => boolean, fn: () => void, limitMs = 1000): void {
  if (now()) {
    fn();
    return;
  }
  let ran = false;
  const once = (): void => {
    if (ran) return;
    ran = true;
    timer.cancel();
    fn();
  };
  const timer = clock.setTimer(limitMs, once);
  void settled.then(once, once);
}

const PHRASES: Readonly<Record<number, string>> = {
  403: "Forbidden",
  404: "Not Found",
  415: "Unsupported Media Type",
  484: "Address Incomplete",
  488: "Not Acceptable Here",
  500: "Server Internal Error",
  503: "Service Unavailable",
};

/** The status's own phrase with why in brackets (RFC 3261 §21: the phrase is for humans). */
export function reasonPhrase(status: number, why: string): string {
  const base = PHRASES[status] ?? "";
  const text = why.replace(/[\r\n]/g, " ").slice(0, 100);
  return base ? `${base} (${text})` : text;
}
