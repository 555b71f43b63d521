/**
 * Where a response goes, RFC 3261 §18.2.2 with RFC 3581 §4 (rport):
 *
 *  - reliable transport: over the connection the request arrived on while it
 *    is open; otherwise a new connection to `received` (else the sent-by
 *    host) at the sent-by port (else the default port);
 *  - `maddr` present: to that address at the sent-by port (else 5060);
 *  - unreliable with `received`: to that address, at the `rport` value when
 *    the request asked for rport, else the sent-by port (else the default);
 *  - otherwise the sent-by host and port.
 *
 * The datagram leaves from the socket the request arrived on (RFC 3581 §4).
 */
import type { Via } from "../syntax/header-values.js";
import { defaultPort, detach, stripBrackets } from "./addresses.js";
import type { Origin, SendTarget } from "./types.js";

/** The target; its host is a copy, so a transaction keeping it does not keep the request's text. */
export function responseTarget(top: Via, origin: Origin): SendTarget {
  const protocol = origin.protocol;
  const sentByPort = top.port ?? defaultPort(protocol);
  if (protocol !== "udp") {
    const host = detach(top.received ?? stripBrackets(top.host));
    return origin.connectionId !== undefined ? { protocol, host, port: sentByPort, connectionId: origin.connectionId } : { protocol, host, port: sentByPort };
  }
  if (top.maddr !== undefined) return { protocol, host: detach(stripBrackets(top.maddr)), port: top.port ?? 5060 };
  if (top.received !== undefined) {
    const port = typeof top.rport === "number" ? top.rport : sentByPort;
    return { protocol, host: detach(top.received), port };
  }
  return { protocol, host: detach(stripBrackets(top.host)), port: sentByPort };
}
