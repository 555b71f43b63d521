/**
 * The next hop of a request from a URI, RFC 3261 §8.1.2 and §19.1.1, with
 * the parts of RFC 3263 §4.1-§4.2 that need no DNS records: the `transport`
 * parameter names the protocol (and then fixes it), a SIPS URI means TLS,
 * `maddr` replaces the host, and a missing port is the protocol's default.
 *
 * Deviation: a host name without a port is sent to its address records at the
 * default port (no NAPTR or SRV lookup yet); a trunk names its next hop as an
 * address or a host with a port.
 */
import type { Uri } from "../syntax/uri.js";
import { uriParam } from "../syntax/uri.js";
import type { SendTarget, TransportProtocol } from "../transport/types.js";

const DEFAULT_PORT: Readonly<Record<TransportProtocol, number>> = { udp: 5060, tcp: 5060, tls: 5061 };

/** Undefined for a URI that is not a SIP or SIPS URI (tel: and others need a route from configuration). */
export function nextHopFor(uri: Uri): SendTarget | undefined {
  if (uri.kind !== "sip") return undefined;
  const t = uriParam(uri, "transport")?.value?.toLowerCase();
  let protocol: TransportProtocol;
  if (uri.scheme === "sips") protocol = "tls";
  else if (t === "tcp") protocol = "tcp";
  else if (t === "tls") protocol = "tls";
  else if (t === undefined || t === "udp") protocol = "udp";
  // A transport this stack does not run (sctp, ws, ...): no next hop.
  else return undefined;
  const maddr = uriParam(uri, "maddr")?.value;
  const host = maddr !== undefined && maddr.length > 0 ? maddr : uri.host;
  const port = uri.port ?? DEFAULT_PORT[protocol];
  return t !== undefined ? { protocol, host, port, protocolFixed: true } : { protocol, host, port };
}
