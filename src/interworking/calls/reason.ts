/**
 * The Reason header as interworking uses it (RFC 3326 §2, RFC 3398 §7.2.4.1
 * and §8.2.6.1): the Q.850 cause (and its location, as the `location`
 * parameter that RFC 6432 §3.2 gives Q.850 reasons) carried on BYE, CANCEL
 * and final responses, and read back from them.
 */
import { Q850_CAUSES } from "../../../mappings/q850-causes.js";
import type { SipMessage } from "../../sip/syntax/message.js";
import type { HeaderInit } from "../../sip/transaction/messages.js";

const LOCATION_TOKENS = ["U", "LPN", "LN", "TN", "RLN", "RPN", "", "INTL", "", "", "BI"] as const;

export function q850Reason(cause: number, location?: number): HeaderInit {
  const name = Q850_CAUSES.find((c) => c.value === cause)?.name ?? "Unspecified";
  const loc = location !== undefined ? LOCATION_TOKENS[location] : undefined;
  return { name: "Reason", value: `Q.850;cause=${cause};text="${name.replace(/["\\]/g, "")}"${loc ? `;location=${loc}` : ""}` };
}

/** The Q.850 cause of a Reason header (RFC 3326 §2: the first Q.850 value), with its location when given. */
export function q850CauseOf(m: SipMessage | undefined): { cause: number; location?: number } | undefined {
  if (m === undefined) return undefined;
  const r = m.reason();
  if (!r.ok || r.value === undefined) return undefined;
  const q = r.value.find((v) => v.protocol.toUpperCase() === "Q.850" && v.cause !== undefined && v.cause >= 0 && v.cause <= 127);
  if (q === undefined || q.cause === undefined) return undefined;
  const token = q.params.find((p) => p.name.toLowerCase() === "location")?.value?.toUpperCase() ?? "";
  const location = token === "" ? -1 : (LOCATION_TOKENS as readonly string[]).indexOf(token);
  return location >= 0 ? { cause: q.cause, location } : { cause: q.cause };
}
