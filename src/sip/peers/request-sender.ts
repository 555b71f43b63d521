/**
 * What the registration client and the keep-alive need to send requests
 * outside a dialog with a fixed Call-ID and CSeq (RFC 3261 §10.2: all
 * registrations of one binding share a Call-ID and count CSeq up; §8.1.1),
 * and its implementation on the UA core (`userAgentSender`): Via and Contact
 * from the core's transport, a client transaction per request.
 */
import type { FromTo } from "../syntax/header-values.js";
import { parseHeaderValue } from "../syntax/header-values.js";
import type { NameAddr } from "../syntax/name-addr.js";
import { param } from "../syntax/params.js";
import type { Uri } from "../syntax/uri.js";
import { parseUri } from "../syntax/uri.js";
import type { HeaderInit } from "../transaction/messages.js";
import { buildRequest } from "../transaction/messages.js";
import type { SendTarget } from "../transport/types.js";
import type { RequestOutcome } from "../ua/session-host.js";
import type { UserAgentCore } from "../ua/user-agent-core.js";

export interface PeerRequest {
  readonly method: string;
  readonly uri: string;
  /** From and To without tags (a From tag is added per request, §8.1.1.3). */
  readonly from: string;
  readonly to: string;
  readonly callId: string;
  readonly cseq: number;
  readonly target: SendTarget;
  /** Our Contact for the target (REGISTER, §10.2.1), with these header parameters. */
  readonly contact?: { readonly params?: readonly { readonly name: string; readonly value?: string }[] };
  readonly headers?: readonly HeaderInit[];
}

export interface PeerRequestSender {
  /** Send through a new client transaction; resolves on the final response, a timeout or a transport error. */
  send(request: PeerRequest): Promise<RequestOutcome>;
  /** Our Contact for a next hop, as the Contact of `send` writes it; undefined without a transport for it. */
  contactFor(target: SendTarget): NameAddr | undefined;
  newCallId(): string;
}

function fromTo(v: string, field: "from" | "to"): FromTo | undefined {
  const r = parseHeaderValue(field, v);
  return r.ok ? r.value : undefined;
}

/** A PeerRequestSender on a UA core (its transport, transaction layer and User-Agent header). */
export function userAgentSender(ua: UserAgentCore): PeerRequestSender {
  return {
    contactFor: (target) => ua.contact(target, false),
    newCallId: () => ua.tokens.callId(),
    send(r) {
      const uri: Uri | undefined = (() => {
        const p = parseUri(r.uri);
        return p.ok ? p.value : undefined;
      })();
      const from = fromTo(r.from, "from");
      const to = fromTo(r.to, "to");
      if (uri === undefined || from === undefined || to === undefined) return Promise.resolve({ kind: "not-sent", reason: `cannot build ${r.method}: bad Request-URI, From or To` });
      const via = ua.via(r.target);
      if (via === undefined) return Promise.resolve({ kind: "not-sent", reason: `no ${r.target.protocol.toUpperCase()} transport for ${r.target.host}` });
      let contact: NameAddr | undefined;
      if (r.contact !== undefined) {
        const base = ua.contact(r.target, false);
        if (base === undefined) return Promise.resolve({ kind: "not-sent", reason: "no Contact for the target" });
        contact = { ...base, params: [...base.params, ...(r.contact.params ?? []).map((p) => param(p.name, p.value))] };
      }
      const tag = ua.tokens.tag();
      const request = buildRequest({
        method: r.method,
        uri,
        via,
        from: { ...from, params: [...from.params.filter((p) => p.name.toLowerCase() !== "tag"), param("tag", tag)], tag },
        to: { ...to, tag: undefined, params: to.params.filter((p) => p.name.toLowerCase() !== "tag") },
        callId: r.callId,
        cseq: r.cseq,
        ...(contact !== undefined ? { contact } : {}),
        headers: [...ua.requestHeaders, ...(r.headers ?? [])],
      });
      return new Promise((resolve) => {
        ua.transactions.sendRequest(request, r.target, {
          onResponse: (m) => {
            if ((m.status ?? 0) >= 200) resolve({ kind: "response", response: m });
          },
          onTimeout: () => resolve({ kind: "timeout" }),
          onTransportError: (_t, error) => resolve({ kind: "transport-error", error }),
        });
      });
    },
  };
}
