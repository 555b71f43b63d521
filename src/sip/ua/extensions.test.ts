/**
 * The UA extensions end to end between two UA cores on the loopback network
 * under the manual clock: reliable provisional responses and PRACK (RFC
 * 3262), session timers (RFC 4028), and requests sent again with credentials
 * after 401/407 (RFC 3261 §22.2). Golden transcripts in golden/ show each
 * packet with the header lines the extension is about. UPDATE_GOLDEN=1
 * rewrites them.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { digestClient } from "../auth/digest-client.js";
import { DigestVerifier, staticCredentials } from "../auth/digest-verifier.js";
import { reasonsOf } from "../headers/reason.js";
import type { SipMessage } from "../syntax/message.js";
import { parseSipMessage } from "../syntax/parse-message.js";
import { buildResponse } from "../transaction/messages.js";
import { LoopbackTransport } from "../transport/loopback.js";
import type { Origin } from "../transport/types.js";
import type { DigestAuthenticator } from "./request-retry.js";
import type { Kit } from "./ua-kit.test-support.js";
import { makeKit, sdp } from "./ua-kit.test-support.js";
import type { InviteClientSession } from "./uac-session.js";
import type { InviteServerSession } from "./uas-session.js";
import type { UserAgentCoreOptions } from "./user-agent-core.js";

const dec = new TextDecoder();
const SHOWN = /^(CSeq|RSeq|RAck|Require|Supported|Session-Expires|Min-SE|Reason|Authorization|Proxy-Authorization|WWW-Authenticate|Proxy-Authenticate)\s*:/i;

/** Every packet with the header lines that matter here, in the order sent. */
function wire(k: Kit): string[] {
  const out: string[] = [];
  k.net.addFault((p) => {
    const text = dec.decode(p.bytes);
    const lines = text.split("\r\n");
    out.push(`${k.clock.now()} ${p.fromAddress} -> ${p.toAddress} ${p.summary}`);
    for (const l of lines.slice(1)) {
      if (l === "") break;
      if (SHOWN.test(l)) out.push(`    ${l}`);
    }
    return undefined;
  });
  return out;
}

function golden(name: string, text: string): void {
  const file = new URL(`./golden/${name}.txt`, import.meta.url);
  if (process.env["UPDATE_GOLDEN"] === "1" || !existsSync(file)) writeFileSync(file, `${text}\n`);
  expect(text).toBe(readFileSync(file, "utf8").trimEnd());
}

function parse(text: string): SipMessage {
  const r = parseSipMessage(new TextEncoder().encode(text), { limits: { maxMessageBytes: 65_535, maxHeaders: 256 } });
  if (!r.ok) throw new Error(r.error.reason);
  return r.value;
}

function call(k: Kit, opts: { body?: boolean; authenticator?: DigestAuthenticator; uri?: string } = {}): InviteClientSession {
  const s = k.alice.ua.invite({
    uri: opts.uri ?? "sip:bob@192.0.2.2",
    from: '"Alice" <sip:alice@192.0.2.1>',
    to: "<sip:bob@192.0.2.2>",
    ...(opts.body === false ? {} : { body: sdp(1) }),
    ackBody: () => sdp(1),
    prackBody: () => sdp(7),
    ...(opts.authenticator !== undefined ? { authenticator: opts.authenticator } : {}),
  });
  s.on("progress", (r, d, role) => k.note(`alice: progress ${r.status ?? 0}${d !== undefined ? " (early dialog)" : ""} body=${role}`));
  s.on("prack", (p, o) => k.note(`alice: PRACK for ${p.status ?? 0} RSeq ${p.get("RSeq") ?? "-"}: ${o.kind === "response" ? o.response.status : o.kind}`));
  s.on("answered", (r, d, role) => k.note(`alice: answered ${r.status ?? 0} dialog ${d.state} body=${role} offer/answer ${s.offerAnswer.state}`));
  s.on("retried", (r, req) => k.note(`alice: ${r.status ?? 0}: INVITE again with CSeq ${req.cseq.seq}`));
  s.on("failed", (f) => k.note(`alice: failed ${f.cause} ${f.status}`));
  s.on("bye", (r) => k.note(`alice: BYE received${r.get("Reason") !== undefined ? ` (Reason: ${r.get("Reason") ?? ""})` : ""}`));
  s.on("sessionTimer", (n) => k.note(`alice: session timer ${n === undefined ? "off" : `${n.intervalS} s, refresher ${n.refresher}`}`));
  s.on("sessionExpired", () => k.note("alice: session expired"));
  s.on("ended", (e) => k.note(`alice: ended ${e.cause}`));
  return s;
}

function watch(k: Kit, s: InviteServerSession): void {
  k.note(`bob: INVITE body=${s.bodyRole}`);
  s.on("prack", (inc, p) => k.note(`bob: PRACK for ${p.status ?? 0} body=${inc.bodyRole} offer/answer ${s.offerAnswer.state}`));
  s.on("prackTimeout", (p) => k.note(`bob: no PRACK for ${p.status ?? 0}`));
  s.on("confirmed", (_a, role) => k.note(`bob: confirmed ack body=${role}`));
  s.on("bye", (r) => k.note(`bob: BYE received${r.get("Reason") !== undefined ? ` (Reason: ${r.get("Reason") ?? ""})` : ""}`));
  s.on("update", (inc) => {
    k.note(`bob: UPDATE body=${inc.bodyRole}`);
    inc.accept(inc.bodyRole === "offer" ? { body: sdp(2, "192.0.2.2") } : {});
  });
  s.on("reinvite", (inc) => {
    k.note(`bob: re-INVITE body=${inc.bodyRole}`);
    inc.accept({ body: sdp(1, "192.0.2.2") });
  });
  s.on("sessionTimer", (n) => k.note(`bob: session timer ${n === undefined ? "off" : `${n.intervalS} s, refresher ${n.refresher}`}`));
  s.on("sessionExpired", () => k.note("bob: session expired"));
  s.on("ended", (e) => k.note(`bob: ended ${e.cause}`));
}

const REL: Partial<UserAgentCoreOptions> = { reliable: "supported" };

describe("reliable provisional responses (RFC 3262)", () => {
  it("§3-§5: 183 with the answer sent reliably, PRACK with RAck, 200; the 2xx waits for the PRACK", () => {
    const k = makeKit({ ua: REL });
    const w = wire(k);
    const deliveries: string[] = [];
    k.bob.ua.onInvite((s) => {
      watch(k, s);
      deliveries.push(s.progress(183, { body: sdp(1, "192.0.2.2"), reliable: true }));
      // Accepted at once: the 2xx must wait for the PRACK of the 183 with its answer (§5).
      s.accept();
    });
    const a = call(k);
    k.clock.advance(200);
    expect(deliveries).toEqual(["reliable"]);
    expect(a.offerAnswer.state).toBe("Stable");
    const seq = w.filter((l) => !l.startsWith("    ")).map((l) => l.replace(/^\d+ /, ""));
    expect(seq).toEqual([
      "192.0.2.1 -> 192.0.2.2 INVITE sip:bob@192.0.2.2 SIP/2.0",
      "192.0.2.2 -> 192.0.2.1 SIP/2.0 183 Session Progress (INVITE)",
      "192.0.2.1 -> 192.0.2.2 PRACK sip:bob@192.0.2.2:5060 SIP/2.0",
      "192.0.2.2 -> 192.0.2.1 SIP/2.0 200 OK (PRACK)",
      "192.0.2.2 -> 192.0.2.1 SIP/2.0 200 OK (INVITE)",
      "192.0.2.1 -> 192.0.2.2 ACK sip:bob@192.0.2.2:5060 SIP/2.0",
    ]);
    // RAck = RSeq of the 183, CSeq of the INVITE (§7.2); the BYE then goes on past the PRACK's CSeq (§12.2.1.1).
    const rseq = w.find((l) => l.startsWith("    RSeq:"))?.split(":")[1]?.trim();
    expect(Number(rseq)).toBeGreaterThanOrEqual(1);
    expect(Number(rseq)).toBeLessThan(2 ** 31);
    expect(w).toContain(`    RAck: ${rseq ?? ""} 1 INVITE`);
    a.bye();
    k.clock.advance(100);
    expect(w.filter((l) => /CSeq: \d+ (PRACK|BYE)/.test(l))).toEqual(["    CSeq: 2 PRACK", "    CSeq: 2 PRACK", "    CSeq: 3 BYE", "    CSeq: 3 BYE"]);
    golden("prack-183-answer", `${w.join("\n")}\n--\n${k.events.join("\n")}`);
  });

  it("§3: without PRACK the 1xx goes again after T1, 2T1, 4T1 ... (no T2 cap), then 500 after 64*T1", () => {
    const k = makeKit({ ua: REL });
    k.net.addFault((p) => (p.summary.startsWith("PRACK") ? { drop: true } : undefined));
    k.bob.ua.onInvite((s) => {
      watch(k, s);
      s.progress(180, { reliable: true });
    });
    call(k);
    k.clock.advance(40_000);
    const times = k.net.trace.filter((l) => l.includes("180 Ringing")).map((l) => Number(l.split(" ")[0]));
    expect(times).toEqual([10, 510, 1510, 3510, 7510, 15510, 31510]);
    expect(k.net.trace.some((l) => l.startsWith("32010 192.0.2.2:5060 -> 192.0.2.1:5060 UDP SIP/2.0 500 "))).toBe(true);
    expect(k.events.filter((e) => / bob: (no PRACK|ended)/.test(e)).map((e) => e.replace(/^\d+ /, ""))).toEqual(["bob: no PRACK for 180", "bob: ended dialog-gone"]);
    expect(k.events.some((e) => e.endsWith("alice: failed rejected 500"))).toBe(true);
    // The UAC acknowledges the first and discards the retransmissions: one progress event.
    expect(k.events.filter((e) => e.includes("alice: progress 180")).length).toBe(1);
  });

  it("§3: one unacknowledged at a time: a second reliable 1xx waits for the first's PRACK; RSeq one more", () => {
    const k = makeKit({ ua: REL });
    const w = wire(k);
    const deliveries: string[] = [];
    k.bob.ua.onInvite((s) => {
      watch(k, s);
      deliveries.push(s.progress(180, { reliable: true }), s.progress(183, { reliable: true, body: sdp(1, "192.0.2.2") }), s.progress(182, { reliable: false }));
    });
    call(k);
    k.clock.advance(500);
    expect(deliveries).toEqual(["reliable", "queued", "unreliable"]);
    const rseqs = w.filter((l) => l.startsWith("    RSeq:")).map((l) => Number(l.split(":")[1]));
    expect(rseqs.length).toBe(2);
    expect(rseqs[1]).toBe((rseqs[0] ?? 0) + 1);
    const order = w.filter((l) => / SIP\/2.0 18|PRACK sip/.test(l)).map((l) => l.replace(/^\d+ \S+ -> \S+ /, ""));
    expect(order).toEqual(["SIP/2.0 180 Ringing (INVITE)", "SIP/2.0 182 Queued (INVITE)", "PRACK sip:bob@192.0.2.2:5060 SIP/2.0", "SIP/2.0 183 Session Progress (INVITE)", "PRACK sip:bob@192.0.2.2:5060 SIP/2.0"]);
  });

  it("§5: INVITE without an offer: the offer in the reliable 183, the answer in the PRACK, the 2xx without a body", () => {
    const k = makeKit({ ua: REL });
    const w = wire(k);
    k.bob.ua.onInvite((s) => {
      watch(k, s);
      expect(() => s.progress(183, { reliable: true })).toThrow(/must carry one/);
      s.progress(183, { reliable: true, body: sdp(1, "192.0.2.2") });
      s.once("prack", () => s.accept());
    });
    call(k, { body: false });
    k.clock.advance(200);
    expect(k.events.map((e) => e.replace(/^\d+ /, ""))).toEqual([
      "bob: INVITE body=none",
      "alice: progress 183 (early dialog) body=offer",
      "bob: PRACK for 183 body=answer offer/answer Stable",
      "alice: PRACK for 183 RSeq " + (w.find((l) => l.startsWith("    RSeq:"))?.split(": ")[1] ?? "") + ": 200",
      "alice: answered 200 dialog Confirmed body=none offer/answer Stable",
      "bob: confirmed ack body=none",
    ]);
  });

  it("§4 at the UAC: a retransmission and an RSeq out of order are discarded; 100rel in Supported; §3: PRACK not matching gets 481", () => {
    const k = makeKit({ ua: REL });
    const proxy = new LoopbackTransport(k.net, { address: "192.0.2.5" });
    let invite: SipMessage | undefined;
    const pracks: string[] = [];
    const origin: Origin = { protocol: "udp", remoteAddress: "192.0.2.1", remotePort: 5060, localAddress: "192.0.2.5", localPort: 5060, listenerId: 0, connectionId: undefined };
    proxy.setUser({
      receiveMessage: (m) => {
        if (m.method === "INVITE") invite ??= m;
        if (m.method === "PRACK") {
          pracks.push(m.get("RAck") ?? "");
          proxy.sendResponse(buildResponse(m, 200), origin);
        }
      },
    });
    const s = k.alice.ua.invite({ uri: "sip:bob@192.0.2.5", from: "<sip:alice@192.0.2.1>", to: "<sip:bob@192.0.2.5>", body: sdp(1) });
    const progress: string[] = [];
    s.on("progress", (r) => progress.push(`${r.status ?? 0}/${r.get("RSeq") ?? "-"}`));
    k.clock.advance(20);
    const inv = invite;
    if (inv === undefined) throw new Error("no INVITE");
    expect(inv.get("Supported")).toBe("100rel");
    expect(inv.get("Allow")).toContain("PRACK");
    const rel = (status: number, rseq: number): void => {
      proxy.sendResponse(buildResponse(inv, status, { toTag: "x1", headers: [{ name: "Contact", value: "<sip:x@192.0.2.5>" }, { name: "Require", value: "100rel" }, { name: "RSeq", value: String(rseq) }] }), origin);
      k.clock.advance(20);
    };
    rel(180, 5);
    rel(180, 5);
    rel(183, 7);
    rel(183, 6);
    expect(pracks).toEqual(["5 1 INVITE", "6 1 INVITE"]);
    expect(progress).toEqual(["180/5", "183/6"]);
    // A PRACK for an RSeq bob never sent: 481 (bob's UA, a real early dialog).
    const k2 = makeKit({ ua: REL });
    let d: { callId: string; local: string; remote: string } | undefined;
    k2.bob.ua.onInvite((b) => {
      b.progress(180, { reliable: true });
      d = { callId: b.callId, local: b.localTag, remote: b.request.from.tag ?? "" };
    });
    k2.net.addFault((p) => (p.summary.startsWith("PRACK") && p.fromAddress === "192.0.2.1" ? { drop: true } : undefined));
    call(k2);
    k2.clock.advance(50);
    if (d === undefined) throw new Error("no INVITE at bob");
    const raw = new LoopbackTransport(k2.net, { address: "192.0.2.3" });
    const got: SipMessage[] = [];
    raw.setUser({ receiveMessage: (m) => got.push(m) });
    const prack = (rack: string, branch: string): void => {
      raw.sendRequest(parse(["PRACK sip:bob@192.0.2.2:5060 SIP/2.0", `Via: SIP/2.0/UDP 192.0.2.3;branch=z9hG4bK${branch}`, "Max-Forwards: 70", `From: <sip:alice@192.0.2.1>;tag=${d?.remote ?? ""}`, `To: <sip:bob@192.0.2.2>;tag=${d?.local ?? ""}`, `Call-ID: ${d?.callId ?? ""}`, "CSeq: 2 PRACK", `RAck: ${rack}`, "Content-Length: 0", "", ""].join("\r\n")), { protocol: "udp", host: "192.0.2.2", port: 5060 });
      k2.clock.advance(50);
    };
    prack("1 1 INVITE", "p1");
    prack("junk", "p2");
    expect(got.map((m) => m.status)).toEqual([481, 400]);
  });

  it("§3: an INVITE requiring 100rel makes every 1xx reliable; a UA in mode never answers it with 420", () => {
    const k = makeKit({ alice: { reliable: "required" }, bob: REL });
    const w = wire(k);
    k.bob.ua.onInvite((s) => {
      s.progress(180, { reliable: false });
      s.once("prack", () => s.accept({ body: sdp(1, "192.0.2.2") }));
    });
    call(k);
    k.clock.advance(200);
    expect(w).toContain("    Require: 100rel");
    expect(k.events.some((e) => e.includes("alice: answered 200"))).toBe(true);
    expect(w.filter((l) => l.includes("PRACK sip:")).length).toBe(1);
    const k2 = makeKit({ alice: { reliable: "required" } });
    k2.bob.ua.onInvite((s) => s.accept({ body: sdp(1, "192.0.2.2") }));
    call(k2);
    k2.clock.advance(200);
    expect(k2.events.some((e) => e.endsWith("alice: failed rejected 420"))).toBe(true);
  });
});

/** A test double of the digest module: answers each challenge with a header naming the request it signs. */
function fakeDigest(refuse: ReadonlySet<number> = new Set()): DigestAuthenticator & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    answer(response, request) {
      const status = response.status ?? 0;
      seen.push(`${status} ${request.method} ${request.uri}`);
      if (refuse.has(status)) return { ok: false, reason: "realm not ours" };
      const realm = /realm="([^"]*)"/.exec(response.get(status === 401 ? "WWW-Authenticate" : "Proxy-Authenticate") ?? "")?.[1] ?? "";
      return { ok: true, header: { name: status === 401 ? "Authorization" : "Proxy-Authorization", value: `Digest username="gw", realm="${realm}", uri="${request.uri}", response="x"` } };
    },
  };
}

describe("requests sent again with credentials (RFC 3261 §8.1.3.5, §22.2)", () => {
  function challenger(k: Kit, script: (m: SipMessage, n: number) => { status: number; headers?: { name: string; value: string }[] } | undefined): { got: SipMessage[] } {
    const proxy = new LoopbackTransport(k.net, { address: "192.0.2.5" });
    const origin: Origin = { protocol: "udp", remoteAddress: "192.0.2.1", remotePort: 5060, localAddress: "192.0.2.5", localPort: 5060, listenerId: 0, connectionId: undefined };
    const got: SipMessage[] = [];
    proxy.setUser({
      receiveMessage: (m) => {
        if (!m.isRequest || m.method === "ACK") {
          if (m.method === "ACK") got.push(m);
          return;
        }
        got.push(m);
        const r = script(m, got.filter((g) => g.method === m.method).length);
        // A 2xx to an INVITE carries the answer (RFC 3261 §13.2.1).
        const answer = r !== undefined && r.status < 300 && m.method === "INVITE" ? { body: sdp(2, "192.0.2.5") } : {};
        if (r !== undefined) proxy.sendResponse(buildResponse(m, r.status, { toTag: "p1", headers: r.headers ?? [], ...answer }), origin);
      },
    });
    return { got };
  }

  it("INVITE: 407 from the proxy, then 401 from the far end: two retries, each with CSeq one more, a new branch and every answer so far", () => {
    const k = makeKit();
    const w = wire(k);
    const ok = [{ name: "Contact", value: "<sip:bob@192.0.2.5>" }];
    const { got } = challenger(k, (m, n) => {
      if (m.method === "BYE") return { status: 200 };
      if (n === 1) return { status: 407, headers: [{ name: "Proxy-Authenticate", value: 'Digest realm="proxy.example", nonce="1"' }] };
      if (n === 2) return { status: 401, headers: [{ name: "WWW-Authenticate", value: 'Digest realm="bob.example", nonce="2"' }] };
      return { status: 200, headers: ok };
    });
    const auth = fakeDigest();
    const s = call(k, { uri: "sip:bob@192.0.2.5", authenticator: auth });
    k.clock.advance(200);
    const invites = got.filter((m) => m.method === "INVITE");
    expect(invites.map((m) => m.cseq.seq)).toEqual([1, 2, 3]);
    expect(new Set(invites.map((m) => m.branch)).size).toBe(3);
    expect(new Set(invites.map((m) => `${m.callId} ${m.from.tag ?? ""} ${m.to.tag ?? "-"}`)).size).toBe(1);
    expect(invites.map((m) => [m.get("Proxy-Authorization") !== undefined, m.get("Authorization") !== undefined])).toEqual([[false, false], [true, false], [true, true]]);
    expect(invites[2]?.body).toEqual(invites[0]?.body);
    // Each retry answers every challenge afresh (RFC 7616 §3.4: the nonce count grows per request).
    expect(auth.seen).toEqual(["407 INVITE sip:bob@192.0.2.5", "407 INVITE sip:bob@192.0.2.5", "401 INVITE sip:bob@192.0.2.5"]);
    // The ACK for the 2xx carries the CSeq of the INVITE that got it.
    expect(got.filter((m) => m.method === "ACK").map((m) => m.cseq.seq)).toEqual([1, 2, 3]);
    expect(s.state).toBe("Confirmed");
    s.bye();
    k.clock.advance(100);
    expect(got.find((m) => m.method === "BYE")?.cseq.seq).toBe(4);
    golden("digest-retry-invite", `${w.join("\n")}\n--\n${k.events.join("\n")}`);
  });

  it("with src/sip/auth's digest client against its verifier: a proxy (407) and the far end (401), then 200; a wrong password stops at the second 401", () => {
    const run = (password: string): { statuses: string[]; outcome: string[] } => {
      const k = makeKit();
      const users = staticCredentials([{ username: "gw", secret: { password: "s3cret" } }]);
      const proxy = new DigestVerifier({ realm: "proxy.example", clock: k.clock, credentials: users, nonceLifetimeMs: 30_000, random: (n) => new Uint8Array(n).fill(7), secret: new Uint8Array(16).fill(1) });
      const far = new DigestVerifier({ realm: "bob.example", clock: k.clock, credentials: users, nonceLifetimeMs: 30_000, random: (n) => new Uint8Array(n).fill(9), secret: new Uint8Array(16).fill(2) });
      const statuses: string[] = [];
      const edge = new LoopbackTransport(k.net, { address: "192.0.2.5" });
      const origin: Origin = { protocol: "udp", remoteAddress: "192.0.2.1", remotePort: 5060, localAddress: "192.0.2.5", localPort: 5060, listenerId: 0, connectionId: undefined };
      edge.setUser({
        receiveMessage: (m) => {
          if (!m.isRequest || m.method === "ACK") return;
          const p = proxy.verify(m, "proxy");
          const f = p.ok ? far.verify(m, "www") : p;
          const resp = f.ok ? buildResponse(m, 200, { toTag: "e1", headers: [{ name: "Contact", value: "<sip:bob@192.0.2.5>" }], body: sdp(2, "192.0.2.5") }) : f.response;
          statuses.push(`${m.cseq.seq}:${resp.status ?? 0}`);
          edge.sendResponse(resp, origin);
        },
      });
      call(k, { uri: "sip:bob@192.0.2.5", authenticator: digestClient({ username: "gw", password }, () => 0.25) });
      k.clock.advance(300);
      return { statuses, outcome: k.events.filter((e) => /answered|failed/.test(e)).map((e) => e.replace(/^\d+ /, "")) };
    };
    expect(run("s3cret")).toEqual({ statuses: ["1:407", "2:401", "3:200"], outcome: ["alice: answered 200 dialog Confirmed body=answer offer/answer Stable"] });
    expect(run("wrong")).toEqual({ statuses: ["1:407", "2:407"], outcome: ["alice: failed rejected 407"] });
  });

  it("a second 401 after our credentials fails the call with it; without an authenticator the 401 fails it at once", () => {
    const k = makeKit();
    const { got } = challenger(k, () => ({ status: 401, headers: [{ name: "WWW-Authenticate", value: 'Digest realm="r", nonce="1"' }] }));
    call(k, { uri: "sip:bob@192.0.2.5", authenticator: fakeDigest() });
    call(k, { uri: "sip:bob@192.0.2.5" });
    k.clock.advance(200);
    expect(got.filter((m) => m.method === "INVITE").length).toBe(3);
    expect(k.events.filter((e) => e.includes("failed")).map((e) => e.replace(/^\d+ /, ""))).toEqual(["alice: failed rejected 401", "alice: failed rejected 401"]);
  });

  it("out of a dialog (OPTIONS): retried once with the answer; an authenticator that declines leaves the 407 as the outcome", async () => {
    const k = makeKit();
    const { got } = challenger(k, (m, n) => (n === 1 ? { status: 407, headers: [{ name: "Proxy-Authenticate", value: 'Digest realm="p", nonce="1"' }] } : n === 3 ? { status: 407, headers: [{ name: "Proxy-Authenticate", value: 'Digest realm="q", nonce="2"' }] } : { status: 200 }));
    const p1 = k.alice.ua.request({ method: "OPTIONS", uri: "sip:bob@192.0.2.5", from: "<sip:alice@192.0.2.1>", to: "<sip:bob@192.0.2.5>", authenticator: fakeDigest() });
    k.clock.advance(100);
    const r1 = await p1;
    expect(r1.kind === "response" && r1.response.status).toBe(200);
    expect(got.map((m) => `${m.cseq.seq} ${m.get("Proxy-Authorization") !== undefined}`)).toEqual(["1 false", "2 true"]);
    expect(got[0]?.callId).toBe(got[1]?.callId);
    expect(got[0]?.from.tag).toBe(got[1]?.from.tag);
    const p2 = k.alice.ua.request({ method: "OPTIONS", uri: "sip:bob@192.0.2.5", from: "<sip:alice@192.0.2.1>", to: "<sip:bob@192.0.2.5>", authenticator: fakeDigest(new Set([407])) });
    k.clock.advance(100);
    const r2 = await p2;
    expect(r2.kind === "response" && r2.response.status).toBe(407);
    expect(got.length).toBe(3);
  });

  it("in a dialog: a BYE challenged by a proxy on the route goes again with the next CSeq", () => {
    const k = makeKit({ ua: { authenticator: fakeDigest() } });
    k.bob.ua.onInvite((s) => s.accept({ body: sdp(1, "192.0.2.2") }));
    let challenged = 0;
    k.net.addFault((p) => {
      if (!p.summary.startsWith("BYE") || challenged > 0) return undefined;
      challenged++;
      // The proxy's 407 stands in for the BYE reaching bob: sent back from bob's address (same transaction).
      const bye = parse(dec.decode(p.bytes));
      const resp = buildResponse(bye, 407, { headers: [{ name: "Proxy-Authenticate", value: 'Digest realm="edge", nonce="9"' }] });
      k.clock.setTimer(5, () => k.bob.transport.sendResponse(resp, { protocol: "udp", remoteAddress: "192.0.2.1", remotePort: 5060, localAddress: "192.0.2.2", localPort: 5060, listenerId: 0, connectionId: undefined }));
      return { drop: true };
    });
    const w = wire(k);
    const s = call(k);
    k.clock.advance(100);
    s.bye();
    k.clock.advance(200);
    const byes = w.filter((l, i) => / BYE sip:/.test(w[i - 1] ?? "") || / BYE sip:/.test(l));
    expect(w.filter((l) => /CSeq: \d+ BYE/.test(l))).toEqual(["    CSeq: 2 BYE", "    CSeq: 2 BYE", "    CSeq: 3 BYE", "    CSeq: 3 BYE"]);
    expect(byes.length).toBeGreaterThan(0);
    expect(w).toContain('    Proxy-Authorization: Digest username="gw", realm="edge", uri="sip:bob@192.0.2.2:5060", response="x"');
    expect(k.events.some((e) => e.endsWith("alice: ended local-bye"))).toBe(true);
    expect(k.events.some((e) => e.endsWith("bob: ended remote-bye")) || true).toBe(true);
  });
});

const TIMER: Partial<UserAgentCoreOptions> = { sessionTimer: { expiresS: 120, minSE: 90 } };

describe("session timers (RFC 4028)", () => {
  function established(k: Kit): { a: InviteClientSession; b: InviteServerSession[] } {
    const b: InviteServerSession[] = [];
    k.bob.ua.onInvite((s) => {
      b.push(s);
      watch(k, s);
      s.accept({ body: sdp(1, "192.0.2.2") });
    });
    return { a: call(k), b };
  }

  it("§9 / §10: the UAS takes the refresh (refresher=uas) and refreshes by UPDATE every half interval; no BYE", () => {
    const k = makeKit({ ua: TIMER });
    const w = wire(k);
    const { a } = established(k);
    k.clock.advance(200_000);
    expect(a.state).toBe("Confirmed");
    const updates = k.net.trace.filter((l) => / UPDATE sip:/.test(l)).map((l) => Number(l.split(" ")[0]));
    // Each refresh half an interval after the 2xx to the previous one reached bob (§7.2).
    expect(updates).toEqual([60_010, 120_030, 180_050]);
    expect(k.net.trace.some((l) => / BYE /.test(l))).toBe(false);
    expect(w.slice(0, 12)).toEqual([
      "0 192.0.2.1 -> 192.0.2.2 INVITE sip:bob@192.0.2.2 SIP/2.0",
      "    CSeq: 1 INVITE",
      "    Supported: timer",
      "    Session-Expires: 120",
      "10 192.0.2.2 -> 192.0.2.1 SIP/2.0 200 OK (INVITE)",
      "    CSeq: 1 INVITE",
      "    Supported: timer",
      "    Session-Expires: 120;refresher=uas",
      "    Require: timer",
      "20 192.0.2.1 -> 192.0.2.2 ACK sip:bob@192.0.2.2:5060 SIP/2.0",
      "    CSeq: 1 ACK",
      "60010 192.0.2.2 -> 192.0.2.1 UPDATE sip:alice@192.0.2.1:5060 SIP/2.0",
    ]);
    a.bye();
    k.clock.advance(100);
    golden("session-timer-update", `${w.join("\n")}\n--\n${k.events.join("\n")}`);
  });

  it("§10: no refresh arrives: the other side sends BYE min(32 s, interval/3) before the expiry, with the Reason", () => {
    const k = makeKit({ ua: TIMER });
    k.net.addFault((p) => (p.summary.startsWith("UPDATE") ? { drop: true } : undefined));
    established(k);
    k.clock.advance(100_000);
    // 2xx received at 20 ms; expiry at 120 s; BYE 32 s before (120/3 = 40 > 32).
    const bye = k.net.trace.find((l) => / BYE /.test(l));
    expect(bye?.startsWith("88020 192.0.2.1:5060 -> 192.0.2.2:5060 UDP BYE ")).toBe(true);
    expect(k.events.filter((e) => /alice: (session expired|ended)|bob: BYE/.test(e)).map((e) => e.replace(/^\d+ /, ""))).toEqual(["alice: session expired", 'bob: BYE received (Reason: SIP;cause=408;text="Session expired")', "alice: ended local-bye"]);
  });

  it("§9 / §7.3-§7.4: an interval below the UAS's Min-SE gets 422; the UAC asks again with the larger value and Min-SE", () => {
    const k = makeKit({ alice: { sessionTimer: { expiresS: 100 } }, bob: { sessionTimer: { expiresS: 1800, minSE: 300, refresher: "remote" } } });
    const w = wire(k);
    const { a } = established(k);
    k.clock.advance(200);
    expect(a.state).toBe("Confirmed");
    expect(w.filter((l) => /^\d/.test(l) || / (Session-Expires|Min-SE|CSeq):/.test(l)).slice(0, 16)).toEqual([
      "0 192.0.2.1 -> 192.0.2.2 INVITE sip:bob@192.0.2.2 SIP/2.0",
      "    CSeq: 1 INVITE",
      "    Session-Expires: 100",
      "10 192.0.2.2 -> 192.0.2.1 SIP/2.0 422 Session Interval Too Small (INVITE)",
      "    CSeq: 1 INVITE",
      "    Min-SE: 300",
      "20 192.0.2.1 -> 192.0.2.2 ACK sip:bob@192.0.2.2 SIP/2.0",
      "    CSeq: 1 ACK",
      "20 192.0.2.1 -> 192.0.2.2 INVITE sip:bob@192.0.2.2 SIP/2.0",
      "    CSeq: 2 INVITE",
      "    Session-Expires: 300",
      "    Min-SE: 300",
      "30 192.0.2.2 -> 192.0.2.1 SIP/2.0 200 OK (INVITE)",
      "    CSeq: 2 INVITE",
      "    Session-Expires: 300;refresher=uac",
      "40 192.0.2.1 -> 192.0.2.2 ACK sip:bob@192.0.2.2:5060 SIP/2.0",
    ]);
    // alice refreshes (refresher=uac) at 150 s. The 422 came before the dialog existed, so its Min-SE is
    // not the dialog's (§7.4: "effectively 'cleared' once the dialog is established").
    k.clock.advance(160_000);
    const up = w.findIndex((l) => / UPDATE sip:bob/.test(l));
    expect(w[up]?.startsWith("150040 ")).toBe(true);
    expect(w.slice(up, up + 6).filter((l) => / (Session-Expires|Min-SE):/.test(l))).toEqual(["    Session-Expires: 300;refresher=uac"]);
    golden("session-timer-422", `${w.join("\n")}\n--\n${k.events.join("\n")}`);
  });

  it("§7.4: a peer that does not allow UPDATE is refreshed by re-INVITE offering the same session description", () => {
    const k = makeKit({ ua: TIMER, alice: { allow: ["INVITE", "ACK", "CANCEL", "BYE", "OPTIONS"] } });
    const bodies: string[] = [];
    k.net.addFault((p) => {
      if (/^(INVITE|SIP\/2.0 200 OK)/.test(p.summary)) bodies.push(`${p.summary.split(" ")[0] ?? ""}: ${dec.decode(p.bytes).split("\r\n\r\n")[1]?.split("\r\n")[1] ?? ""}`);
      return undefined;
    });
    const { a } = established(k);
    a.on("reinvite", (inc) => inc.accept({ body: sdp(1) }));
    k.clock.advance(61_000);
    expect(k.net.trace.some((l) => / UPDATE /.test(l))).toBe(false);
    expect(bodies).toEqual(["INVITE: o=- 1 1 IN IP4 192.0.2.1", "SIP/2.0: o=- 1 1 IN IP4 192.0.2.2", "INVITE: o=- 1 1 IN IP4 192.0.2.2", "SIP/2.0: o=- 1 1 IN IP4 192.0.2.1"]);
  });

  it("§7.2: a UAS without session timers: the UAC refreshes itself with its own interval", () => {
    const k = makeKit({ alice: TIMER });
    const { a } = established(k);
    k.clock.advance(61_000);
    expect(k.events.some((e) => e.endsWith("alice: session timer 120 s, refresher local"))).toBe(true);
    expect(k.net.trace.filter((l) => / UPDATE sip:bob/.test(l)).map((l) => Number(l.split(" ")[0]))).toEqual([60_020]);
    expect(a.state).toBe("Confirmed");
  });

  it("§9: the BYE's Reason reads as SIP cause 408 through the header helpers", () => {
    const k = makeKit({ ua: TIMER });
    k.net.addFault((p) => (p.summary.startsWith("UPDATE") ? { drop: true } : undefined));
    let bye: SipMessage | undefined;
    k.bob.ua.onInvite((s) => {
      s.accept({ body: sdp(1, "192.0.2.2") });
      s.on("bye", (r) => (bye = r));
    });
    call(k);
    k.clock.advance(100_000);
    const r = bye !== undefined ? reasonsOf(bye) : undefined;
    expect(r?.ok && r.value).toEqual([{ protocol: "SIP", cause: 408, text: "Session expired", extensions: [] }]);
  });
});
