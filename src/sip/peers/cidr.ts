/**
 * Address prefixes for access lists: IPv4 (RFC 4632 CIDR notation) and IPv6
 * (RFC 4291 §2.2 text forms, §2.3 prefixes, §2.5.5.2 IPv4-mapped addresses:
 * a source seen as ::ffff:a.b.c.d matches IPv4 rules). Parsing returns
 * undefined for anything that is not an address or prefix; nothing throws.
 */

export interface Prefix {
  readonly family: 4 | 6;
  /** 4 or 16 octets, bits past the prefix length zeroed. */
  readonly octets: Uint8Array;
  readonly length: number;
  /** As written in configuration. */
  readonly text: string;
}

function parseV4(s: string): Uint8Array | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseV6(input: string): Uint8Array | undefined {
  let s = input;
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (s.length === 0 || s.length > 45) return undefined;
  const groups: number[] = [];
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const read = (part: string, allowV4: boolean): number[] | undefined => {
    if (part === "") return [];
    const items = part.split(":");
    const out: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const it = items[i] as string;
      if (allowV4 && i === items.length - 1 && it.includes(".")) {
        const v4 = parseV4(it);
        if (v4 === undefined) return undefined;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return undefined;
      out.push(parseInt(it, 16));
    }
    return out;
  };
  const head = read(halves[0] as string, halves.length === 1);
  if (head === undefined) return undefined;
  if (halves.length === 1) {
    if (head.length !== 8) return undefined;
    groups.push(...head);
  } else {
    const tail = read(halves[1] as string, true);
    if (tail === undefined || head.length + tail.length > 7) return undefined;
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = (groups[i] as number) >> 8;
    out[2 * i + 1] = (groups[i] as number) & 0xff;
  }
  return out;
}

/** An IP address as octets; IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) come back as IPv4. */
export function addressOctets(text: string): Uint8Array | undefined {
  const v4 = parseV4(text);
  if (v4 !== undefined) return v4;
  const v6 = parseV6(text);
  if (v6 === undefined) return undefined;
  const mapped = v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

function mask(octets: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(octets);
  for (let bit = length; bit < out.length * 8; bit++) out[bit >> 3] = (out[bit >> 3] as number) & ~(0x80 >> (bit & 7));
  return out;
}

/** "192.0.2.0/24", "2001:db8::/32", or a single address (a full-length prefix). */
export function parsePrefix(text: string): Prefix | undefined {
  const slash = text.indexOf("/");
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const v4 = parseV4(addr);
  const octets = v4 ?? parseV6(addr);
  if (octets === undefined) return undefined;
  const max = octets.length * 8;
  let length = max;
  if (slash >= 0) {
    const l = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(l) || Number(l) > max) return undefined;
    length = Number(l);
  }
  return { family: octets.length === 4 ? 4 : 6, octets: mask(octets, length), length, text };
}

/** Does the address fall inside the prefix? */
export function prefixContains(p: Prefix, address: string | Uint8Array): boolean {
  const a = typeof address === "string" ? addressOctets(address) : address;
  if (a === undefined || a.length !== p.octets.length) return false;
  const full = p.length >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== p.octets[i]) return false;
  const rest = p.length & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return ((a[full] as number) & m) === p.octets[full];
}

/** A canonical text key of an address (for per-source tables): IPv4 dotted, IPv6 as 8 full groups. */
export function addressKey(text: string): string | undefined {
  const o = addressOctets(text);
  if (o === undefined) return undefined;
  if (o.length === 4) return o.join(".");
  let s = "";
  for (let i = 0; i < 16; i += 2) s += `${i > 0 ? ":" : ""}${(((o[i] as number) << 8) | (o[i + 1] as number)).toString(16)}`;
  return s;
}
