/**
 * A scripted responder for the peers tests: a PeerRequestSender whose
 * requests are answered by a script on the ManualClock after a fixed
 * latency, and `run()`, which moves the clock in steps and lets promise
 * callbacks run between them.
 */
import type { ManualClock } from "../../core/clock.js";
import { makeVia } from "../syntax/header-values.js";
import type { SipMessage } from "../syntax/message.js";
import type { NameAddr } from "../syntax/name-addr.js";
import { param } from "../syntax/params.js";
import type { SipUri } from "../syntax/uri.js";
import { parseUri } from "../syntax/uri.js";
import { parseHeaderValue } from "../syntax/header-values.js";
import { buildRequest, buildResponse } from "../transaction/messages.js";
import type { RequestOutcome } from "../ua/session-host.js";
import type { PeerRequest, PeerRequestSender } from "./request-sender.js";

export const OUR_CONTACT: NameAddr = { displayName: undefined, uri: (parseUri("sip:gw@192.0.2.1:5060") as { ok: true; value: SipUri }).value, params: [] };

/** The request as it would go on the wire (Via of 192.0.2.1). */
export function requestMessage(r: PeerRequest, n: number): SipMessage {
  const uri = parseUri(r.uri);
  const from = parseHeaderValue("from", r.from);
  const to = parseHeaderValue("to", r.to);
  if (!uri.ok || !from.ok || !to.ok) throw new Error("bad request in the test");
  return buildRequest({
    method: r.method,
    uri: uri.value,
    via: makeVia("UDP", "192.0.2.1", "ipv4", 5060, [param("branch", `z9hG4bKtest${n}`)]),
    from: { ...from.value, params: [...from.value.params, param("tag", `t${n}`)], tag: `t${n}` },
    to: to.value,
    callId: r.callId,
    cseq: r.cseq,
    ...(r.contact !== undefined ? { contact: { ...OUR_CONTACT, params: (r.contact.params ?? []).map((p) => param(p.name, p.value)) } } : {}),
    headers: r.headers ?? [],
  });
}

export type Reply = { readonly status: number; readonly headers?: readonly { name: string; value: string }[] } | SipMessage | "timeout" | "transport-error" | "silence";

export class ScriptedSender implements PeerRequestSender {
  readonly sent: SipMessage[] = [];
  constructor(
    private readonly clock: ManualClock,
    private readonly script: (request: SipMessage, index: number) => Reply,
    private readonly latencyMs = 20,
  ) {}

  contactFor(): NameAddr {
    return OUR_CONTACT;
  }

  newCallId(): string {
    return "reg-call-1@192.0.2.1";
  }

  send(r: PeerRequest): Promise<RequestOutcome> {
    const index = this.sent.length;
    const m = requestMessage(r, index);
    this.sent.push(m);
    const reply = this.script(m, index);
    return new Promise((resolve) => {
      if (reply === "silence") return;
      this.clock.setTimer(this.latencyMs, () => {
        if (reply === "timeout") resolve({ kind: "timeout" });
        else if (reply === "transport-error") resolve({ kind: "transport-error", error: { code: "connect-failed", reason: "refused", protocol: "udp", host: "192.0.2.2", port: 5060 } });
        else if ("startLine" in reply) resolve({ kind: "response", response: reply });
        else resolve({ kind: "response", response: buildResponse(m, reply.status, { toTag: "reg", headers: reply.headers ?? [] }) });
      });
    });
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** Advance `ms` in steps of `stepMs`, letting promise callbacks run after each step. */
export async function run(clock: ManualClock, ms: number, stepMs = 10): Promise<void> {
  await flush();
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(Math.min(stepMs, ms - t));
    await flush();
  }
}
