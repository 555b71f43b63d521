/**
 * INVITE sessions end to end between two UA cores on the loopback network
 * (RFC 3261 §12-§15, RFC 3311, RFC 6086), with faults injected (loss,
 * duplication) and golden transcripts of the wire in golden/. Test names
 * carry the clause they check. UPDATE_GOLDEN=1 rewrites the golden files.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SipMessage } from "../syntax/message.js";
import { buildResponse } from "../transaction/messages.js";
import { LoopbackTransport } from "../transport/loopback.js";
import type { Kit } from "./ua-kit.test-support.js";
import { makeKit, sdp } from "./ua-kit.test-support.js";
import type { InviteClientSession } from "./uac-session.js";
import type { InviteServerSession } from "./uas-session.js";

function golden(name: string, text: string): void {
  const file = new URL(`./golden/${name}.txt`, import.meta.url);
  if (process.env["UPDATE_GOLDEN"] === "1" || !existsSync(file)) writeFileSync(file, `${text}\n`);
  expect(text).toBe(readFileSync(file, "utf8").trimEnd());
}

function call(k: Kit, opts: { body?: boolean; headers?: { name: string; value: string }[]; uri?: string } = {}): InviteClientSession {
  const s = k.alice.ua.invite({
    uri: opts.uri ?? "sip:bob@192.0.2.2",
    from: '"Alice" <sip:alice@192.0.2.1>',
    to: "<sip:bob@192.0.2.2>",
    ...(opts.body === false ? {} : { body: sdp(1) }),
    ...(opts.headers !== undefined ? { headers: opts.headers } : {}),
    ackBody: () => sdp(1),
  });
  s.on("progress", (r, d, role) => k.note(`alice: progress ${r.status ?? 0}${d !== undefined ? " (early dialog)" : ""} body=${role}`));
  s.on("earlyDialog", (d) => k.note(`alice: early dialog with tag ${d.id.remoteTag}`));
  s.on("answered", (r, d, role) => k.note(`alice: answered ${r.status ?? 0} dialog ${d.state} body=${role}`));
  s.on("failed", (f) => k.note(`alice: failed ${f.cause} ${f.status}`));
  s.on("bye", (r) => k.note(`alice: BYE received${r.get("Reason") !== undefined ? ` (Reason: ${r.get("Reason") ?? ""})` : ""}`));
  s.on("ended", (e) => k.note(`alice: ended ${e.cause}`));
  return s;
}

function watch(k: Kit, s: InviteServerSession): void {
  k.note(`bob: INVITE body=${s.bodyRole}`);
  s.on("cancelled", (c) => k.note(`bob: cancelled${c.get("Reason") !== undefined ? ` (Reason: ${c.get("Reason") ?? ""})` : ""}`));
  s.on("confirmed", (_a, role) => k.note(`bob: confirmed ack body=${role}`));
  s.on("bye", () => k.note("bob: BYE received"));
  s.on("ended", (e) => k.note(`bob: ended ${e.cause}`));
}

/** bob rings at once and answers after `answerMs`. */
function bobAnswers(k: Kit, answerMs: number, sessions: InviteServerSession[] = []): InviteServerSession[] {
  k.bob.ua.onInvite((s) => {
    sessions.push(s);
    watch(k, s);
    s.progress(180);
    k.clock.setTimer(answerMs, () => {
      if (s.pending) s.accept({ body: sdp(1, "192.0.2.2") });
    });
  });
  return sessions;
}

describe("basic call (RFC 3261 §13, §15)", () => {
  it("§13.2.2.4 / §13.3.1.4 / §15.1: INVITE, 180, 200, ACK end to end, BYE, 200", () => {
    const k = makeKit();
    bobAnswers(k, 1000);
    const s = call(k);
    s.once("answered", () => k.clock.setTimer(5000, () => s.bye()));
    k.clock.advance(70_000);
    expect(k.events.some((e) => e.endsWith("alice: ended local-bye"))).toBe(true);
    expect(k.events.some((e) => e.endsWith("bob: ended remote-bye"))).toBe(true);
    // Every transaction and dialog is gone once the timers ran out.
    expect(k.alice.transactions.clientCount + k.alice.transactions.serverCount + k.bob.transactions.clientCount + k.bob.transactions.serverCount).toBe(0);
    expect(k.alice.ua.dialogCount + k.bob.ua.dialogCount).toBe(0);
    golden("basic-call", k.transcript());
  });

  it("the dialog state: CSeq of the BYE, route set, remote target, tags", () => {
    const k = makeKit();
    bobAnswers(k, 0);
    const s = call(k);
    k.clock.advance(100);
    const d = s.dialog;
    expect(d?.state).toBe("Confirmed");
    expect(d?.localSeq).toBe(1);
    expect(d?.remoteTarget).toMatchObject({ user: "bob", host: "192.0.2.2", port: 5060 });
    s.bye();
    k.clock.advance(100);
    expect(k.net.trace.some((l) => / BYE sip:bob@192\.0\.2\.2:5060 /.test(l))).toBe(true);
    const bye = k.net.trace.find((l) => l.includes(" BYE "));
    expect(bye).toBeDefined();
  });

  it("works over a reliable transport (no retransmissions, zero wait timers)", () => {
    const k = makeKit({ protocol: "tcp" });
    bobAnswers(k, 500);
    const s = call(k, { uri: "sip:bob@192.0.2.2;transport=tcp" });
    s.once("answered", () => s.bye());
    k.clock.advance(1000);
    expect(k.events.some((e) => e.endsWith("alice: ended local-bye")), k.transcript()).toBe(true);
    // Timers J, K, D are zero over TCP; L and M (64*T1) remain.
    k.clock.advance(32_000);
    expect(k.alice.transactions.clientCount + k.bob.transactions.serverCount).toBe(0);
    golden("basic-call-tcp", k.transcript());
  });
});

describe("faults: loss and duplication (RFC 3261 §17, §13.3.1.4)", () => {
  it("recovers from the loss of the first INVITE, the first 200 and the first ACK", () => {
    const k = makeKit();
    bobAnswers(k, 1000);
    k.net.dropNext(/^INVITE/);
    k.net.dropNext(/^SIP\/2.0 200 OK/);
    k.net.dropNext(/^ACK/);
    const s = call(k);
    s.once("answered", () => k.clock.setTimer(5000, () => s.bye()));
    k.clock.advance(70_000);
    expect(k.events.filter((e) => e.includes("answered")).length).toBe(1);
    expect(k.events.filter((e) => e.includes("bob: confirmed")).length).toBe(1);
    expect(k.events.some((e) => e.endsWith("bob: ended remote-bye"))).toBe(true);
    golden("lossy-call", k.transcript());
  });

  it("absorbs every packet duplicated: one event each", () => {
    const k = makeKit();
    bobAnswers(k, 1000);
    k.net.addFault(() => ({ duplicates: 1 }));
    const s = call(k);
    s.once("answered", () => k.clock.setTimer(1000, () => s.bye()));
    k.clock.advance(70_000);
    const count = (p: string): number => k.events.filter((e) => e.includes(p)).length;
    // Every provisional response is passed up (§17.1.1.2): the duplicated 180s are, the rest once.
    expect(count("alice: progress 180")).toBeGreaterThanOrEqual(2);
    expect([count("alice: answered"), count("bob: confirmed"), count("alice: ended"), count("bob: ended")]).toEqual([1, 1, 1, 1]);
    expect(k.alice.transactions.clientCount + k.bob.transactions.serverCount).toBe(0);
  });

  it("§13.3.1.4: without an ACK the 2xx is retransmitted from T1 doubling to T2, then BYE after 64*T1", () => {
    const k = makeKit();
    bobAnswers(k, 0);
    k.net.addFault((p) => (p.summary.startsWith("ACK") ? { drop: true } : undefined));
    call(k);
    k.clock.advance(40_000);
    const times = k.net.trace.filter((l) => l.includes("-> 192.0.2.1:5060 UDP SIP/2.0 200 OK")).map((l) => Number(l.split(" ")[0]));
    // The INVITE arrives at 10 ms.
    expect(times).toEqual([10, 510, 1510, 3510, 7510, 11510, 15510, 19510, 23510, 27510, 31510]);
    expect(k.events.some((e) => e.endsWith("bob: ended no-ack"))).toBe(true);
    expect(k.net.trace.some((l) => l.startsWith("32010 192.0.2.2:5060 -> 192.0.2.1:5060 UDP BYE"))).toBe(true);
  });

  it("§8.1.3.1: INVITE to nobody: a transport error is a 503 failure; all INVITEs lost: Timer B is a 408", async () => {
    const k = makeKit();
    const s = k.alice.ua.invite({ uri: "sip:x@192.0.2.99", from: "<sip:alice@192.0.2.1>", to: "<sip:x@192.0.2.99>", body: sdp(1) });
    const failures: string[] = [];
    s.on("failed", (f) => failures.push(`${f.cause} ${f.status}`));
    await Promise.resolve();
    await Promise.resolve();
    k.net.addFault((p) => (p.summary.startsWith("INVITE") ? { drop: true } : undefined));
    const s2 = call(k);
    s2.on("failed", (f) => failures.push(`${f.cause} ${f.status}`));
    k.clock.advance(40_000);
    expect(failures).toEqual(["transport-error 503", "timeout 408"]);
  });
});

describe("CANCEL (RFC 3261 §9)", () => {
  it("§9.1 / §9.2: CANCEL after 180: 200 to the CANCEL, 487 to the INVITE, ACK; the Reason passes through", () => {
    const k = makeKit();
    bobAnswers(k, 60_000);
    const s = call(k);
    s.once("progress", () => k.clock.setTimer(2000, () => s.cancel({ headers: [{ name: "Reason", value: "Q.850;cause=16;text=\"Normal call clearing\"" }] })));
    k.clock.advance(40_000);
    expect(k.events.some((e) => e.endsWith('bob: cancelled (Reason: Q.850;cause=16;text="Normal call clearing")'))).toBe(true);
    expect(k.events.some((e) => e.endsWith("alice: failed cancelled 487"))).toBe(true);
    golden("cancel", k.transcript());
  });

  it("§9.1: a CANCEL waits for a provisional response", () => {
    const k = makeKit();
    k.bob.ua.onInvite((s) => {
      watch(k, s);
      k.clock.setTimer(3000, () => {
        if (s.pending) s.progress(180);
      });
    });
    k.net.addFault((p) => (p.summary.includes("100 Trying") ? { drop: true } : undefined));
    const s = call(k);
    k.clock.advance(50);
    expect(s.cancel()).toBe(true);
    k.clock.advance(10_000);
    const cancelAt = Number(k.net.trace.find((l) => l.includes(" CANCEL "))?.split(" ")[0]);
    expect(cancelAt).toBe(3020);
    expect(k.events.some((e) => e.endsWith("alice: failed cancelled 487"))).toBe(true);
  });

  it("§9.1 race: the 200 crosses the CANCEL: the 200 wins, ACK then BYE; the CANCEL gets 200 and no 487", () => {
    const k = makeKit();
    bobAnswers(k, 2000);
    const s = call(k);
    // bob answers at 2010; alice cancels at 2005, before the 200 reaches her at 2020.
    s.once("progress", (r) => {
      if (r.status === 180) k.clock.setTimer(1985, () => s.cancel());
    });
    k.clock.advance(40_000);
    expect(k.net.trace.some((l) => l.includes("487"))).toBe(false);
    expect(k.events.some((e) => e.endsWith("alice: failed cancelled 200"))).toBe(true);
    expect(k.events.some((e) => e.endsWith("bob: ended remote-bye"))).toBe(true);
    golden("cancel-200-race", k.transcript());
  });

  it("§9.2: a CANCEL matching no INVITE gets 481", () => {
    const k = makeKit();
    bobAnswers(k, 0);
    const s = call(k);
    k.clock.advance(1000);
    expect(s.cancel()).toBe(false);
    const raw = new LoopbackTransport(k.net, { address: "192.0.2.3" });
    const got: SipMessage[] = [];
    raw.setUser({ receiveMessage: (m) => got.push(m) });
    raw.sendRequest(parse("CANCEL sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.3;branch=z9hG4bKnone\r\nMax-Forwards: 70\r\nFrom: <sip:c@192.0.2.3>;tag=c\r\nTo: <sip:bob@192.0.2.2>\r\nCall-ID: none\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n"), { protocol: "udp", host: "192.0.2.2", port: 5060 });
    k.clock.advance(100);
    expect(got.map((m) => m.status)).toEqual([481]);
  });
});

import { parseSipMessage } from "../syntax/parse-message.js";

function parse(text: string): SipMessage {
  const r = parseSipMessage(new TextEncoder().encode(text), { limits: { maxMessageBytes: 65_535, maxHeaders: 256 } });
  if (!r.ok) throw new Error(r.error.reason);
  return r.value;
}

describe("forking (RFC 3261 §12.1.2, §13.2.2.4)", () => {
  it("two early dialogs; the 2xx of one confirms it; a late 2xx of the other is ACKed and released with BYE", () => {
    const k = makeKit();
    // A forking proxy at 192.0.2.5 answering for two phones.
    const proxy = new LoopbackTransport(k.net, { address: "192.0.2.5" });
    let invite: SipMessage | undefined;
    const origin = { protocol: "udp" as const, remoteAddress: "192.0.2.1", remotePort: 5060, localAddress: "192.0.2.5", localPort: 5060, listenerId: 0, connectionId: undefined };
    const contactOf = (n: string): { name: string; value: string }[] => [{ name: "Contact", value: `<sip:${n}@192.0.2.5>` }];
    proxy.setUser({
      receiveMessage: (m) => {
        if (m.method === "INVITE" && invite === undefined) invite = m;
        if (m.method === "BYE") proxy.sendResponse(buildResponse(m, 200), origin);
      },
    });
    const s = k.alice.ua.invite({ uri: "sip:bob@192.0.2.5", from: "<sip:alice@192.0.2.1>", to: "<sip:bob@192.0.2.5>", body: sdp(1) });
    const seen: string[] = [];
    s.on("earlyDialog", (d) => seen.push(`early ${d.id.remoteTag}`));
    s.on("answered", (_r, d) => seen.push(`answered ${d.id.remoteTag}`));
    k.clock.advance(20);
    if (invite === undefined) throw new Error("no INVITE at the proxy");
    const inv = invite;
    proxy.sendResponse(buildResponse(inv, 180, { toTag: "x1", headers: contactOf("x") }), origin);
    proxy.sendResponse(buildResponse(inv, 180, { toTag: "y2", headers: contactOf("y") }), origin);
    k.clock.advance(100);
    proxy.sendResponse(buildResponse(inv, 200, { toTag: "y2", headers: contactOf("y"), body: sdp(2, "192.0.2.5") }), origin);
    k.clock.advance(100);
    proxy.sendResponse(buildResponse(inv, 200, { toTag: "x1", headers: contactOf("x"), body: sdp(3, "192.0.2.5") }), origin);
    k.clock.advance(100);
    expect(seen).toEqual(["early x1", "early y2", "answered y2"]);
    const acks = k.net.trace.filter((l) => / ACK sip:[xy]@192\.0\.2\.5 /.test(l)).map((l) => /ACK sip:(.)@/.exec(l)?.[1]);
    expect(acks).toEqual(["y", "x"]);
    expect(k.net.trace.filter((l) => / BYE sip:x@192\.0\.2\.5 /.test(l)).length).toBe(1);
    expect(s.dialog?.id.remoteTag).toBe("y2");
    expect(s.state).toBe("Confirmed");
    k.clock.advance(40_000);
    expect(k.alice.ua.dialogCount).toBe(1);
  });
});

describe("re-INVITE and glare (RFC 3261 §14)", () => {
  function established(k: Kit): { a: InviteClientSession; b: InviteServerSession } {
    const sessions = bobAnswers(k, 0);
    const a = call(k);
    k.clock.advance(100);
    const b = sessions[0];
    if (b === undefined || a.state !== "Confirmed" || b.state !== "Confirmed") throw new Error("call not established");
    return { a, b };
  }

  it("§14.1 / §14.2: a re-INVITE with a new offer, answered, ACKed; both directions", async () => {
    const k = makeKit();
    const { a, b } = established(k);
    b.on("reinvite", (inc) => {
      k.note(`bob: re-INVITE body=${inc.bodyRole}`);
      inc.accept({ body: sdp(2, "192.0.2.2") });
    });
    a.on("reinvite", (inc) => {
      k.note(`alice: re-INVITE body=${inc.bodyRole}`);
      inc.accept({ body: sdp(3) });
    });
    b.on("ack", (_ack, role) => k.note(`bob: ACK of re-INVITE body=${role}`));
    const p1 = a.reinvite({ body: sdp(2) });
    k.clock.advance(100);
    const r1 = await p1;
    const p2 = b.reinvite({ body: sdp(3, "192.0.2.2") });
    k.clock.advance(100);
    const r2 = await p2;
    expect([r1.kind === "response" ? r1.response.status : r1.kind, r2.kind === "response" ? r2.response.status : r2.kind]).toEqual([200, 200]);
    expect(a.offerAnswer.state).toBe("Stable");
    expect(b.offerAnswer.state).toBe("Stable");
    expect(k.net.trace.filter((l) => / INVITE sip:/.test(l)).length).toBe(3);
    expect(a.dialog?.localSeq).toBe(2);
    golden("reinvite", k.transcript());
  });

  it("§14.1: simultaneous re-INVITEs: both get 491, the backoff (Call-ID owner 2.1-4 s, other 0-2 s) lets both through", async () => {
    const k = makeKit({ random: () => 0.5 });
    const { a, b } = established(k);
    a.on("reinvite", (inc) => inc.accept({ body: sdp(5) }));
    b.on("reinvite", (inc) => inc.accept({ body: sdp(5, "192.0.2.2") }));
    const pa = a.reinvite({ body: sdp(2) });
    const pb = b.reinvite({ body: sdp(2, "192.0.2.2") });
    k.clock.advance(10_000);
    const [ra, rb] = await Promise.all([pa, pb]);
    expect([ra.kind === "response" ? ra.response.status : ra.kind, rb.kind === "response" ? rb.response.status : rb.kind]).toEqual([200, 200]);
    const inv = k.net.trace.filter((l) => / INVITE sip:/.test(l)).map((l) => `${l.split(" ")[0]} ${l.split(" ")[1]}`);
    // The 491s arrive at 120 ms; bob (not the Call-ID owner) retries 1000 ms later, alice 2100 + 950 ms later.
    expect(inv.slice(1)).toEqual(["100 192.0.2.1:5060", "100 192.0.2.2:5060", "1120 192.0.2.2:5060", "3170 192.0.2.1:5060"]);
    expect(k.net.trace.filter((l) => l.includes("491 Request Pending")).length).toBe(2);
  });

  it("§14.2: a re-INVITE while the previous one is unanswered gets 500 with Retry-After", async () => {
    const k = makeKit();
    const { a, b } = established(k);
    const held: { accept(o: { body: ReturnType<typeof sdp> }): void }[] = [];
    b.on("reinvite", (inc) => held.push(inc));
    void a.reinvite({ body: sdp(2) });
    k.clock.advance(50);
    // a second one, sent by hand in the dialog (the API refuses while one is pending)
    expect((await a.reinvite({ body: sdp(3) })).kind).toBe("not-sent");
    held[0]?.accept({ body: sdp(2, "192.0.2.2") });
    k.clock.advance(50);
    expect(a.offerAnswer.state).toBe("Stable");
  });

  it("delayed offer (§13.2.1): INVITE without SDP, offer in the 2xx, answer in the ACK", () => {
    const k = makeKit();
    k.bob.ua.onInvite((s) => {
      watch(k, s);
      s.accept({ body: sdp(1, "192.0.2.2") });
    });
    const s = call(k, { body: false });
    k.clock.advance(100);
    expect(k.events.some((e) => e.endsWith("alice: answered 200 dialog Confirmed body=offer"))).toBe(true);
    expect(k.events.some((e) => e.endsWith("bob: confirmed ack body=answer"))).toBe(true);
    expect(s.offerAnswer.state).toBe("Stable");
  });
});

describe("UPDATE, INFO, OPTIONS (RFC 3311, RFC 6086, RFC 3261 §11)", () => {
  it("RFC 3311: UPDATE with an offer in the confirmed dialog is answered; UPDATE during an offer gets 491", async () => {
    const k = makeKit();
    const sessions = bobAnswers(k, 0);
    const a = call(k);
    k.clock.advance(100);
    const b = sessions[0] as InviteServerSession;
    b.on("update", (inc) => {
      k.note(`bob: UPDATE body=${inc.bodyRole}`);
      inc.accept({ body: sdp(9, "192.0.2.2") });
    });
    const p = a.update({ body: sdp(2) });
    k.clock.advance(100);
    const r = await p;
    expect(r.kind === "response" ? r.response.status : r.kind).toBe(200);
    expect(a.offerAnswer.state).toBe("Stable");
    // bob holds an UPDATE offer unanswered; alice's UPDATE offer then meets 500 + Retry-After (RFC 3311 §5.2).
    const held: { accept(o: object): void }[] = [];
    a.on("update", (inc) => held.push(inc));
    void b.update({ body: sdp(10, "192.0.2.2") });
    k.clock.advance(50);
    const p2 = a.update({ body: sdp(3), glareRetries: 0 });
    expect((await p2).kind).toBe("not-sent");
  });

  it("RFC 6086: INFO is passed up with its body; an unknown Info-Package gets 469 with Recv-Info", async () => {
    const k = makeKit({ ua: { recvInfo: ["dtmf"] } });
    const sessions = bobAnswers(k, 0);
    const a = call(k);
    k.clock.advance(100);
    const b = sessions[0] as InviteServerSession;
    const got: string[] = [];
    b.on("info", (inc) => {
      got.push(`${inc.request.get("Content-Type") ?? ""}: ${new TextDecoder().decode(inc.request.body)}`);
      inc.accept();
    });
    const p1 = a.info({ body: { contentType: "application/isup", content: new Uint8Array([0x2c, 0x00]) }, headers: [] });
    const p2 = a.info({ headers: [{ name: "Info-Package", value: "foo" }] });
    k.clock.advance(100);
    const [r1, r2] = await Promise.all([p1, p2]);
    expect(got).toEqual(["application/isup: ,\u0000"]);
    expect([r1.kind === "response" ? r1.response.status : 0, r2.kind === "response" ? r2.response.status : 0]).toEqual([200, 469]);
    expect(r2.kind === "response" ? r2.response.get("Recv-Info") : "").toBe("dtmf");
  });

  it("§11.2: OPTIONS is answered by the core with Allow, Accept and Supported", async () => {
    const k = makeKit({ ua: { supported: ["timer"] } });
    const p = k.alice.ua.request({ method: "OPTIONS", uri: "sip:bob@192.0.2.2", from: "<sip:alice@192.0.2.1>", to: "<sip:bob@192.0.2.2>" });
    k.clock.advance(100);
    const r = await p;
    if (r.kind !== "response") throw new Error(r.kind);
    expect(r.response.status).toBe(200);
    expect(r.response.get("Allow")).toBe("INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE");
    expect(r.response.get("Accept")).toBe("application/sdp, multipart/mixed, application/isup, application/qsig");
    expect(r.response.get("Supported")).toBe("timer");
  });
});

describe("the UAS core's refusals (RFC 3261 §8.2, §12.2.2)", () => {
  function raw(k: Kit): { send(text: string): void; got: SipMessage[] } {
    const t = new LoopbackTransport(k.net, { address: "192.0.2.3" });
    const got: SipMessage[] = [];
    t.setUser({ receiveMessage: (m) => got.push(m) });
    let n = 0;
    return {
      got,
      send: (text: string) => {
        n++;
        t.sendRequest(parse(text.replaceAll("BRANCH", `z9hG4bKraw${n}`)), { protocol: "udp", host: "192.0.2.2", port: 5060 });
        k.clock.advance(100);
      },
    };
  }
  const head = (method: string, extra: string[] = [], cseqMethod = method): string =>
    [`${method} sip:bob@192.0.2.2 SIP/2.0`, "Via: SIP/2.0/UDP 192.0.2.3;branch=BRANCH", "Max-Forwards: 70", "From: <sip:c@192.0.2.3>;tag=c1", "To: <sip:bob@192.0.2.2>", `Call-ID: r${Math.random()}`, `CSeq: 1 ${cseqMethod}`, "Contact: <sip:c@192.0.2.3>", ...extra].join("\r\n");

  it("405 with Allow for a known method not implemented, 501 for an unknown one (§8.2.1)", () => {
    const k = makeKit();
    const r = raw(k);
    r.send(`${head("MESSAGE")}\r\nContent-Length: 0\r\n\r\n`);
    r.send(`${head("FROB")}\r\nContent-Length: 0\r\n\r\n`);
    expect(r.got.map((m) => m.status)).toEqual([405, 501]);
    expect(r.got[0]?.get("Allow")).toBe("INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE");
  });

  it("420 with Unsupported for a Require we lack (§8.2.2.3); 415 with Accept for a body we cannot take (§8.2.3)", () => {
    const k = makeKit();
    bobAnswers(k, 0);
    const r = raw(k);
    r.send(`${head("INVITE", ["Require: 100rel, foo"])}\r\nContent-Length: 0\r\n\r\n`);
    r.send(`${head("INVITE", ["Content-Type: text/html"])}\r\nContent-Length: 4\r\n\r\n<p/>`);
    expect(r.got.map((m) => m.status)).toEqual([420, 415]);
    expect(r.got[0]?.get("Unsupported")).toBe("100rel, foo");
    expect(r.got[1]?.get("Accept")).toContain("application/sdp");
  });

  it("481 for BYE and re-INVITE outside any dialog (§12.2.2, §15.1.2)", () => {
    const k = makeKit();
    bobAnswers(k, 0);
    const r = raw(k);
    r.send(`${head("BYE")}\r\nContent-Length: 0\r\n\r\n`);
    r.send(`${head("INVITE").replace("To: <sip:bob@192.0.2.2>", "To: <sip:bob@192.0.2.2>;tag=nope")}\r\nContent-Length: 0\r\n\r\n`);
    expect(r.got.map((m) => m.status)).toEqual([481, 481]);
  });

  it("416 for a Request-URI scheme it does not handle (§8.2.2.1); 400 for an INVITE without Contact (§8.1.1.8)", () => {
    const k = makeKit();
    bobAnswers(k, 0);
    const r = raw(k);
    r.send(`${head("INVITE").replace("INVITE sip:bob@192.0.2.2", "INVITE urn:service:sos")}\r\nContent-Length: 0\r\n\r\n`);
    r.send(`${head("INVITE").replace("\r\nContact: <sip:c@192.0.2.3>", "")}\r\nContent-Length: 0\r\n\r\n`);
    expect(r.got.map((m) => `${m.status ?? 0} ${m.startLine.kind === "response" ? m.startLine.reason : ""}`)).toEqual(["416 Unsupported URI Scheme", "400 Bad Request - Missing Contact"]);
  });

  it("500 for a request in the dialog with a lower CSeq (§12.2.2)", () => {
    const k = makeKit();
    const sessions = bobAnswers(k, 0);
    const a = call(k);
    k.clock.advance(100);
    void a.info({});
    k.clock.advance(100);
    const d = a.dialog;
    if (d === undefined) throw new Error("no dialog");
    // A request in the dialog with the INVITE's CSeq (1), below the INFO's (2).
    const r = raw(k);
    r.send(
      [`INFO sip:bob@192.0.2.2 SIP/2.0`, "Via: SIP/2.0/UDP 192.0.2.3;branch=BRANCH", "Max-Forwards: 70", `From: <sip:alice@192.0.2.1>;tag=${d.id.localTag}`, `To: <sip:bob@192.0.2.2>;tag=${d.id.remoteTag}`, `Call-ID: ${d.id.callId}`, "CSeq: 1 INFO", "Content-Length: 0", "", ""].join("\r\n"),
    );
    expect(r.got.map((m) => m.status)).toEqual([500]);
    expect(sessions.length).toBe(1);
  });

  it("482 for the same INVITE arriving by a second path while the first is pending (§8.2.2.2)", () => {
    const k = makeKit();
    k.bob.ua.onInvite((s) => s.progress(180));
    const r = raw(k);
    const text = `${head("INVITE").replace(/Call-ID: .*/, "Call-ID: merged")}\r\nContent-Length: 0\r\n\r\n`;
    r.send(text);
    r.send(text); // new branch each time: a second path
    expect(r.got.map((m) => m.status)).toEqual([180, 482]);
  });

  it("§15.1.2: BYE on an early dialog at the UAS: 200 to the BYE, 487 to the INVITE", () => {
    const k = makeKit();
    bobAnswers(k, 60_000);
    const s = call(k);
    k.clock.advance(100);
    const d = s.dialog;
    if (d === undefined) throw new Error("no early dialog");
    const r = raw(k);
    r.send(
      [`BYE sip:bob@192.0.2.2 SIP/2.0`, "Via: SIP/2.0/UDP 192.0.2.3;branch=BRANCH", "Max-Forwards: 70", `From: <sip:alice@192.0.2.1>;tag=${d.id.localTag}`, `To: <sip:bob@192.0.2.2>;tag=${d.id.remoteTag}`, `Call-ID: ${d.id.callId}`, "CSeq: 2 BYE", "Content-Length: 0", "", ""].join("\r\n"),
    );
    expect(r.got.map((m) => m.status)).toEqual([200]);
    expect(k.events.some((e) => e.endsWith("alice: failed rejected 487"))).toBe(true);
    expect(k.events.some((e) => e.endsWith("bob: ended remote-bye"))).toBe(true);
  });
});
