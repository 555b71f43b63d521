/**
 * Call diversion information between ISUP and SIP: the redirecting number
 * (Q.763 §3.44), original called number (Q.763 §3.39) and redirection
 * information (Q.763 §3.45) <-> Diversion entries (RFC 5806) and History-Info
 * entries (RFC 7044, with the RFC 4458 "cause" of each redirection target and
 * the "mp" tag of a target reached by retargeting), as plain field arrays.
 * RFC 3398 §8.2.1.1 (the OCN gives the To of the INVITE) and §7.2.1.1 (a To
 * that differs from the Request-URI gives the OCN) are the base; the reasons
 * are data in mappings/rfc3398-redirection.ts (trunk override rows first).
 */
import type { Uri } from "../../sip/syntax/uri.js";
import {
  ORIGINAL_REDIRECTION_REASON_MAX,
  REDIRECTING_INDICATORS,
  REDIRECTION_COUNTER,
  REDIRECTION_REASON_DEFAULT,
  REDIRECTION_REASONS,
} from "../../../mappings/rfc3398-redirection.js";
import type { RedirectionReasonRow } from "../../../mappings/rfc3398-redirection.js";
import type { NumberingSettings, UriForm } from "./numbers.js";
import { isupNumberToTelephone, telephoneUri, uriToIsupNumber } from "./numbers.js";

/** Q.763 §3.39 / §3.44 number fields. */
export interface RedirectingNumberValue {
  readonly natureOfAddressIndicator: number;
  readonly numberingPlanIndicator: number;
  readonly addressPresentationRestrictedIndicator: number;
  readonly digits: string;
}

/** Q.763 §3.45 fields. */
export interface RedirectionInformationValue {
  readonly redirectingIndicator: number;
  readonly originalRedirectionReason: number;
  readonly redirectionCounter: number;
  readonly redirectingReason: number;
}

export interface IsupRedirection {
  readonly redirectingNumber?: RedirectingNumberValue;
  readonly originalCalledNumber?: RedirectingNumberValue;
  readonly redirectionInformation?: RedirectionInformationValue;
}

/** One Diversion header entry (RFC 5806): name-addr and its parameters. */
export interface DiversionEntry {
  readonly uri: string;
  readonly reason: string;
  readonly counter: number;
  /** privacy=full when the diverting number is presentation restricted. */
  readonly privacy?: "full";
}

/** One History-Info entry (RFC 7044). */
export interface HistoryInfoEntry {
  /** hi-targeted-to-uri, with the RFC 4458 cause as a URI parameter when `cause` is set. */
  readonly uri: string;
  readonly index: string;
  /** RFC 4458 cause (status code) of the redirection that reached this target. */
  readonly cause?: number;
  /** RFC 7044 "mp": the index this target was mapped from by the redirection. */
  readonly mp?: string;
  /** Privacy: history applies to this entry (presentation restricted). */
  readonly privacy: boolean;
}

export interface SipRedirection {
  /** Most recent diversion first (RFC 5806). */
  readonly diversion: readonly DiversionEntry[];
  /** In index order. */
  readonly historyInfo: readonly HistoryInfoEntry[];
  readonly ref: string;
}

function reasonRow(code: number | undefined, overrides: readonly RedirectionReasonRow[]): { diversionReason: string; historyInfoCause: number } {
  return [...overrides, ...REDIRECTION_REASONS].find((r) => r.redirectingReason === code) ?? REDIRECTION_REASON_DEFAULT;
}

function restricted(n: RedirectingNumberValue): boolean {
  return n.addressPresentationRestrictedIndicator === 1 || n.addressPresentationRestrictedIndicator === 3;
}

function clampCounter(n: number): number {
  return Math.min(REDIRECTION_COUNTER.max, Math.max(REDIRECTION_COUNTER.min, Number.isInteger(n) ? n : REDIRECTION_COUNTER.min));
}

const REF = "RFC 5806; RFC 7044; RFC 4458 §2; Q.763 §3.39, §3.44, §3.45";

/**
 * ISUP -> SIP: the redirection parameters of an IAM and the URI of the
 * current target (the Request-URI) -> Diversion and History-Info entries.
 * Numbers that cannot be written as a URI (RFC 3398 §12) are left out.
 */
export function redirectionToSip(r: IsupRedirection, targetUri: string, settings: NumberingSettings & { readonly form: UriForm }, overrides: readonly RedirectionReasonRow[] = []): SipRedirection {
  const ri = r.redirectionInformation;
  const indicator = REDIRECTING_INDICATORS.find((x) => x.indicator === ri?.redirectingIndicator);
  const allRestricted = indicator?.allRestricted ?? false;
  const toUri = (n: RedirectingNumberValue | undefined): { uri: string; restricted: boolean } | undefined => {
    if (n === undefined) return undefined;
    const t = isupNumberToTelephone(n, settings);
    if (!t.ok || (!t.global && t.phoneContext === undefined && settings.form.scheme === "tel")) return undefined;
    return { uri: telephoneUri(t, settings.form), restricted: allRestricted || restricted(n) };
  };
  const rgn = toUri(r.redirectingNumber);
  const ocn = toUri(r.originalCalledNumber);
  if (rgn === undefined && ocn === undefined) return { diversion: [], historyInfo: [], ref: REF };
  const counter = clampCounter(ri?.redirectionCounter ?? 1);
  const last = reasonRow(ri?.redirectingReason, overrides);
  const first = reasonRow(ri?.originalRedirectionReason, overrides);
  const two = rgn !== undefined && ocn !== undefined && rgn.uri !== ocn.uri;
  const diversion: DiversionEntry[] = [];
  const historyInfo: HistoryInfoEntry[] = [];
  const div = (n: { uri: string; restricted: boolean }, reason: string, c: number): DiversionEntry => ({ uri: n.uri, reason, counter: c, ...(n.restricted ? { privacy: "full" as const } : {}) });
  if (two) {
    diversion.push(div(rgn, last.diversionReason, Math.max(1, counter - 1)), div(ocn, first.diversionReason, 1));
    historyInfo.push(
      { uri: ocn.uri, index: "1", privacy: ocn.restricted },
      { uri: rgn.uri, index: "1.1", cause: first.historyInfoCause, mp: "1", privacy: rgn.restricted },
      { uri: targetUri, index: "1.1.1", cause: last.historyInfoCause, mp: "1.1", privacy: false },
    );
  } else {
    const only = (rgn ?? ocn) as { uri: string; restricted: boolean };
    diversion.push(div(only, last.diversionReason, counter));
    historyInfo.push({ uri: only.uri, index: "1", privacy: only.restricted }, { uri: targetUri, index: "1.1", cause: last.historyInfoCause, mp: "1", privacy: false });
  }
  return { diversion, historyInfo, ref: REF };
}

/** Diversion and History-Info entries as parsed by the SIP layer. */
export interface SipRedirectionIn {
  /** Most recent first (RFC 5806). */
  readonly diversion?: readonly { readonly uri: Uri; readonly reason?: string; readonly counter?: number; readonly privacy?: string }[];
  readonly historyInfo?: readonly { readonly uri: Uri; readonly index: string; readonly cause?: number; readonly privacy?: boolean }[];
}

function toCode(diversionReason: string | undefined, cause: number | undefined, overrides: readonly RedirectionReasonRow[]): number {
  const rows = [...overrides, ...REDIRECTION_REASONS];
  const row = diversionReason !== undefined ? rows.find((r) => r.diversionReason === diversionReason.toLowerCase()) : rows.find((r) => r.historyInfoCause === cause);
  return row?.redirectingReason ?? REDIRECTION_REASON_DEFAULT.redirectingReason;
}

function original(code: number): number {
  return code <= ORIGINAL_REDIRECTION_REASON_MAX.max ? code : ORIGINAL_REDIRECTION_REASON_MAX.fallback;
}

function indexKey(index: string): number[] {
  return index.split(".").map((x) => Number(x));
}

function compareIndex(a: string, b: string): number {
  const x = indexKey(a);
  const y = indexKey(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * SIP -> ISUP: History-Info (when it shows a redirection, an entry with a
 * cause) or else Diversion -> redirecting number, original called number
 * and redirection information for the IAM. Nothing when neither shows one.
 */
export function sipToRedirection(s: SipRedirectionIn, settings: NumberingSettings, overrides: readonly RedirectionReasonRow[] = []): IsupRedirection & { readonly ref: string } {
  const number = (u: Uri, priv: boolean): RedirectingNumberValue | undefined => {
    const n = uriToIsupNumber(u, settings);
    if (!n.ok) return undefined;
    return { natureOfAddressIndicator: n.number.natureOfAddressIndicator, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: priv ? 1 : 0, digits: n.number.digits };
  };
  const info = (firstCode: number, lastCode: number, count: number, anyPrivate: boolean): RedirectionInformationValue => ({
    redirectingIndicator: anyPrivate ? 4 : 3,
    originalRedirectionReason: original(firstCode),
    redirectionCounter: clampCounter(count),
    redirectingReason: lastCode,
  });
  const hi = [...(s.historyInfo ?? [])].sort((a, b) => compareIndex(a.index, b.index));
  const causeAt = hi.map((e, i) => (e.cause !== undefined && i > 0 ? i : -1)).filter((i) => i > 0);
  const firstCause = causeAt[0];
  const lastCause = causeAt[causeAt.length - 1];
  if (firstCause !== undefined && lastCause !== undefined) {
    const originalEntry = hi[0];
    const redirecting = hi[lastCause - 1];
    if (originalEntry !== undefined && redirecting !== undefined) {
      const ocn = number(originalEntry.uri, originalEntry.privacy === true);
      const rgn = number(redirecting.uri, redirecting.privacy === true);
      const lastCode = toCode(undefined, hi[lastCause]?.cause, overrides);
      const firstCode = toCode(undefined, hi[firstCause]?.cause, overrides);
      return {
        ...(rgn !== undefined ? { redirectingNumber: rgn } : {}),
        ...(ocn !== undefined ? { originalCalledNumber: ocn } : {}),
        redirectionInformation: info(firstCode, lastCode, causeAt.length, hi.some((e) => e.privacy === true)),
        ref: "RFC 7044; RFC 4458 §2; Q.763 §3.45",
      };
    }
  }
  const dv = s.diversion ?? [];
  const newest = dv[0];
  const oldest = dv[dv.length - 1];
  if (newest === undefined || oldest === undefined) return { ref: "RFC 5806; RFC 7044 (no redirection)" };
  const priv = (p: string | undefined): boolean => p !== undefined && p.toLowerCase() !== "off";
  const rgn = number(newest.uri, priv(newest.privacy));
  const ocn = dv.length > 1 ? number(oldest.uri, priv(oldest.privacy)) : undefined;
  const count = dv.reduce((sum, d) => sum + (d.counter !== undefined && d.counter > 0 ? d.counter : 1), 0);
  return {
    ...(rgn !== undefined ? { redirectingNumber: rgn } : {}),
    ...(ocn !== undefined ? { originalCalledNumber: ocn } : {}),
    redirectionInformation: info(toCode(oldest.reason ?? "unknown", undefined, overrides), toCode(newest.reason ?? "unknown", undefined, overrides), count, dv.some((d) => priv(d.privacy))),
    ref: "RFC 5806; Q.763 §3.45",
  };
}
