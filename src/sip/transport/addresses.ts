/**
 * Addresses as the transport handles them: IP literals with and without the
 * brackets of an IPv6 reference (RFC 3261 §25.1 host, RFC 5954), their
 * comparison in canonical form, and the default ports (RFC 3261 §19.1.2:
 * 5060 for UDP and TCP, 5061 for TLS).
 */
import { isIPv4, isIPv6 } from "../syntax/host.js";
import type { TransportProtocol } from "./types.js";

export function defaultPort(protocol: TransportProtocol): number {
  return protocol === "tls" ? 5061 : 5060;
}

/** "[::1]" -> "::1"; anything else unchanged. */
export function stripBrackets(host: string): string {
  return host.length > 1 && host.charCodeAt(0) === 0x5b && host.charCodeAt(host.length - 1) === 0x5d ? host.slice(1, -1) : host;
}

/** An address as written in a Via or URI host: IPv6 in brackets. */
export function hostForHeader(address: string): string {
  return isIPv6(address) ? `[${address}]` : address;
}

export function isIpLiteral(host: string): boolean {
  const h = stripBrackets(host);
  return isIPv4(h) || isIPv6(h);
}

export function addressFamily(host: string): 4 | 6 | undefined {
  const h = stripBrackets(host);
  if (isIPv4(h)) return 4;
  if (isIPv6(h)) return 6;
  return undefined;
}

/** Expand an IPv6 address to eight groups of four hex digits (IPv4 tail folded in). */
function expandIPv6(text: string): string {
  let s = text.toLowerCase();
  const pct = s.indexOf("%");
  if (pct >= 0) s = s.slice(0, pct);
  const lastColon = s.lastIndexOf(":");
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    const o = tail.split(".").map(Number);
    const g1 = (((o[0] ?? 0) << 8) | (o[1] ?? 0)).toString(16);
    const g2 = (((o[2] ?? 0) << 8) | (o[3] ?? 0)).toString(16);
    s = `${s.slice(0, lastColon + 1)}${g1}:${g2}`;
  }
  const halves = s.split("::");
  const head = halves[0] === "" || halves[0] === undefined ? [] : halves[0].split(":");
  const rest = halves.length > 1 && halves[1] !== "" && halves[1] !== undefined ? halves[1].split(":") : [];
  const fill = halves.length > 1 ? new Array<string>(8 - head.length - rest.length).fill("0") : [];
  return [...head, ...fill, ...rest].map((g) => g.padStart(4, "0")).join(":");
}

/** Canonical text of an IP literal, for comparison and map keys; other hosts lower-cased. */
export function canonicalAddress(host: string): string {
  const h = stripBrackets(host);
  if (isIPv6(h)) return expandIPv6(h);
  return h.toLowerCase();
}

/** Whether two hosts name the same address (IPv6 forms compared canonically). */
export function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  return canonicalAddress(a) === canonicalAddress(b);
}

/** An IPv4-mapped IPv6 source (::ffff:a.b.c.d, from a dual-stack socket) as IPv4. */
export function unmapIPv4(address: string): string {
  return address.startsWith("::ffff:") && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** Key of a flow: protocol, canonical address, port. */
export function flowKey(protocol: TransportProtocol, host: string, port: number): string {
  return `${protocol}|${canonicalAddress(host)}|${port}`;
}

/**
 * A copy of `s` that does not keep the text it was cut from alive: values
 * read from a message are slices of its whole header section, and what is
 * kept for retransmissions (up to 64*T1) must not hold the message.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : `${s} `.slice(0, -1);
}
