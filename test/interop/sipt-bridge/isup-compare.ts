/**
 * The ISUP messages on a gateway's signalling link (from its frame monitor)
 * and the parameter-by-parameter comparison of a message as one switch sent
 * it with the same message as the other switch received it after crossing
 * ISUP - SIP-T - ISUP.
 *
 * MSU layout: Q.703 §2.2 (BSN/BIB, FSN/FIB, LI), Q.704 §14.2 (SIO) and
 * §2.2 (ITU routing label, 4 octets), then the ISUP message (Q.763 §1.2:
 * CIC, message type, parameters).
 *
 * What the comparison leaves out, and why:
 *  - the CIC: it names the circuit of one hop (Q.763 §1.2; an
 *    application/ISUP body has none, RFC 3204 §3);
 *  - the called party number: the Request-URI overwrites it (RFC 3398
 *    §7.2.1.1, "the gateway MUST use the telephone number in the
 *    Request-URI"); compared instead as a number: digits, nature of
 *    address, numbering plan (the ST end-of-pulsing signal, Q.763 §3.9, is
 *    reported apart);
 *  - the calling party number: the From / P-Asserted-Identity / Privacy
 *    header fields overwrite it (RFC 3398 §7.2.1.1, "the relevant values of
 *    SIP header fields MUST 'overwrite' ... the parameter values that would
 *    have been set based on encapsulated ISUP"); compared instead as a
 *    number: digits, nature of address, numbering plan, presentation, and
 *    screening.
 *  - the hop counter (Q.763 §3.80): each exchange decrements it; the test
 *    checks, where one is sent, that the gateway takes exactly one off it;
 *  - the original called number when the To header field differs from the
 *    Request-URI (RFC 3398 §7.2.1.1); in these calls they do not differ, so
 *    it is compared like any other parameter.
 * Everything else, including the forward call indicators whose interworking
 * bits "MUST" equal those of the encapsulated IAM (RFC 3398 §7.2.1.1), must
 * arrive as it was sent.
 */
import { toHex } from "../../../src/core/bytes.js";
import type { SignallingFrame } from "../../../src/cli/ss7-card-channel.js";
import type { IsupMessage, IsupParameter } from "../../../src/ss7/isup/codec/index.js";
import { decodeIsup, isDecoded } from "../../../src/ss7/isup/codec/index.js";

/** An ISUP message seen on a link. */
export interface LinkIsup {
  /** Index in the frame list it came from. */
  readonly at: number;
  readonly direction: "tx" | "rx";
  /** MTP2 forward sequence number (Q.703 §2.3.2). */
  readonly fsn: number;
  /** The ISUP message octets, CIC first. */
  readonly octets: Uint8Array;
  readonly message: IsupMessage;
}

/** ISUP MSUs (service indicator 5, Q.704 §14.2.1) among `frames`, decoded (ITU routing label). */
export function linkIsup(frames: readonly SignallingFrame[], from = 0): LinkIsup[] {
  const out: LinkIsup[] = [];
  const lastFsn = { tx: -1, rx: -1 };
  for (let i = from; i < frames.length; i++) {
    const f = frames[i] as SignallingFrame;
    const su = f.frame.subarray(0, f.frame.length - 2); // the two FCS placeholder octets
    if (su.length < 9 || ((su[2] as number) & 0x3f) < 3) continue; // FISU or LSSU (Q.703 §2.3.3)
    if (((su[3] as number) & 0x0f) !== 5) continue;
    const fsn = (su[1] as number) & 0x7f;
    // Q.703 §5.2: a retransmitted MSU repeats its FSN; keep the first copy.
    if (fsn === lastFsn[f.direction]) continue;
    lastFsn[f.direction] = fsn;
    const octets = su.subarray(8);
    const r = decodeIsup(octets, { variant: "itu" });
    if (!r.ok) throw new Error(`ISUP on the link that our codec cannot decode (${f.direction}): ${r.error.reason} (${toHex(octets)})`);
    out.push({ at: i, direction: f.direction, fsn, octets: new Uint8Array(octets), message: r.value });
  }
  return out;
}

export type Verdict = "same" | "differs" | "missing" | "added" | "excluded";

export interface ParameterRow {
  readonly parameter: string;
  readonly sent: string;
  readonly received: string;
  readonly verdict: Verdict;
  /** Why an excluded parameter is excluded. */
  readonly clause?: string;
}

/** Parameters that belong to one hop whatever the message. */
const HOP_SPECIFIC: Readonly<Record<string, string>> = {
  hopCounter: "Q.763 §3.80: each exchange on the path decrements the hop counter",
};

/** Parameters a SIP header field overwrites (RFC 3398 §7.2.1.1), by message type. */
const OVERWRITTEN: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  IAM: {
    calledPartyNumber: "RFC 3398 §7.2.1.1: the Request-URI overwrites the called party number",
    callingPartyNumber: "RFC 3398 §7.2.1.1: From / P-Asserted-Identity / Privacy overwrite the calling party number",
  },
};

function show(p: IsupParameter | undefined): string {
  if (p === undefined) return "-";
  return isDecoded(p) ? JSON.stringify(p.value) : `raw ${p.raw}${p.code !== undefined ? ` (code ${p.code})` : ""}`;
}

/**
 * Every parameter of `sent` against `received` (same message type): the
 * CIC is hop-specific and not compared; parameters in OVERWRITTEN are
 * listed as excluded with their clause.
 */
export function compareParameters(sent: IsupMessage, received: IsupMessage): ParameterRow[] {
  if (sent.messageType !== received.messageType) throw new Error(`comparing a ${sent.messageType} with a ${received.messageType}`);
  const excluded = { ...HOP_SPECIFIC, ...(OVERWRITTEN[sent.messageType] ?? {}) };
  const rows: ParameterRow[] = [];
  const names = [...sent.parameters.map((p) => p.name), ...received.parameters.map((p) => p.name).filter((n) => !sent.parameters.some((p) => p.name === n))];
  for (const name of names) {
    const s = sent.parameters.find((p) => p.name === name);
    const r = received.parameters.find((p) => p.name === name);
    const clause = excluded[name];
    const verdict: Verdict = clause !== undefined ? "excluded" : s === undefined ? "added" : r === undefined ? "missing" : show(s) === show(r) ? "same" : "differs";
    rows.push({ parameter: name, sent: show(s), received: show(r), verdict, ...(clause !== undefined ? { clause } : {}) });
  }
  return rows;
}

export function formatRows(title: string, rows: readonly ParameterRow[]): string {
  const w = Math.max(9, ...rows.map((r) => r.parameter.length));
  return [
    title,
    ...rows.map((r) => `  ${r.parameter.padEnd(w)}  ${r.verdict.padEnd(8)}  sent ${r.sent}${r.verdict === "same" ? "" : `  received ${r.received}`}${r.clause ? `  [${r.clause}]` : ""}`),
  ].join("\n");
}

/** A number parameter (Q.763 §3.9, §3.10) as the fields that survive translation to a URI and back. */
export interface NumberView {
  readonly digits: string;
  /** Q.763 §3.9: address signal 1111 (ST) ended the digits. */
  readonly st: boolean;
  readonly nai: number;
  readonly npi: number;
  readonly apri?: number;
  readonly screening?: number;
}

export function numberOf(m: IsupMessage, name: "calledPartyNumber" | "callingPartyNumber"): NumberView | undefined {
  const p = m.parameters.find((q) => q.name === name);
  if (!p || !isDecoded(p)) return undefined;
  const v = p.value as Readonly<Record<string, unknown>>;
  const raw = String(v["digits"] ?? "");
  const st = /[Ff#]$/.test(raw);
  return {
    digits: st ? raw.slice(0, -1) : raw,
    st,
    nai: Number(v["natureOfAddressIndicator"]),
    npi: Number(v["numberingPlanIndicator"]),
    ...(v["addressPresentationRestrictedIndicator"] !== undefined ? { apri: Number(v["addressPresentationRestrictedIndicator"]) } : {}),
    ...(v["screeningIndicator"] !== undefined ? { screening: Number(v["screeningIndicator"]) } : {}),
  };
}
