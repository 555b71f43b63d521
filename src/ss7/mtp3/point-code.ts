/**
 * Signalling point codes, Q.704 §2.2.2 (ITU: 14 bits) and ANSI T1.111.4
 * §2.2.2 (24 bits: network, cluster, member). Text forms: ITU "3-8-3"
 * (zone-area-point) or a plain number; ANSI "network-cluster-member".
 */

export type Mtp3Variant = "itu" | "ansi";

export const POINT_CODE_BITS: Readonly<Record<Mtp3Variant, number>> = { itu: 14, ansi: 24 };
/** SLS bits in the routing label (Q.704 §2.2.4; ANSI carries 8 with 5 in use in older networks). */
export const SLS_BITS: Readonly<Record<Mtp3Variant, number>> = { itu: 4, ansi: 8 };

export function isPointCode(pc: number, variant: Mtp3Variant): boolean {
  return Number.isInteger(pc) && pc >= 0 && pc < 2 ** POINT_CODE_BITS[variant];
}

/** "2-171-5" for ITU 3-8-3, "1-2-3" for ANSI network-cluster-member. */
export function formatPointCode(pc: number, variant: Mtp3Variant): string {
  if (variant === "itu") return `${(pc >> 11) & 0x7}-${(pc >> 3) & 0xff}-${pc & 0x7}`;
  return `${(pc >> 16) & 0xff}-${(pc >> 8) & 0xff}-${pc & 0xff}`;
}

/** Parse a plain number or the dashed form; undefined when it is not a point code of this variant. */
export function parsePointCode(text: string, variant: Mtp3Variant): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return isPointCode(n, variant) ? n : undefined;
  }
  const m = /^(\d+)-(\d+)-(\d+)$/.exec(t);
  if (!m) return undefined;
  const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (variant === "itu") {
    if (a > 7 || b > 255 || c > 7) return undefined;
    return (a << 11) | (b << 3) | c;
  }
  if (a > 255 || b > 255 || c > 255) return undefined;
  return a * 65536 + (b << 8) + c;
}
