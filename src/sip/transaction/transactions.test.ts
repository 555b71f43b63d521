/**
 * The four transaction state machines (RFC 3261 §17, RFC 6026) under the
 * manual clock, each compared with a golden transcript in golden/: the
 * state machines' canonical lines interleaved with every message sent and
 * received, with the time of each. Test names carry the clause they check.
 * UPDATE_GOLDEN=1 rewrites the files (then read the diff before keeping it).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { RecordingLogger } from "../../core/logger.js";
import type { SipMessage } from "../syntax/message.js";
import { parseSipMessage } from "../syntax/parse-message.js";
import type { Origin, SendTarget, TransportFailure } from "../transport/types.js";
import { TokenSource } from "./branch.js";
import { buildResponse } from "./messages.js";
import { RecordingTransport } from "./recording-transport.js";
import { TransactionLayer } from "./transaction-layer.js";
import type { ClientTransaction, ClientTransactionUser, ServerTransaction, TransactionUser } from "./types.js";

const LIMITS = { maxMessageBytes: 65_535, maxHeaders: 256 };

export function msg(lines: string[], body = ""): SipMessage {
  const text = `${lines.join("\r\n")}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const r = parseSipMessage(new TextEncoder().encode(text), { limits: LIMITS });
  if (!r.ok) throw new Error(`test message does not parse: ${r.error.reason}`);
  return r.value;
}

const UDP_PEER: SendTarget = { protocol: "udp", host: "192.0.2.2", port: 5060 };
const TCP_PEER: SendTarget = { protocol: "tcp", host: "192.0.2.2", port: 5060 };
const FROM_PEER_UDP: Origin = { protocol: "udp", remoteAddress: "192.0.2.2", remotePort: 5060, localAddress: "192.0.2.1", localPort: 5060, listenerId: 0, connectionId: undefined };
const FROM_PEER_TCP: Origin = { ...FROM_PEER_UDP, protocol: "tcp", remotePort: 40000, connectionId: 7 };

function outgoing(method: string, branch: string, transport = "UDP"): SipMessage {
  return msg([
    `${method} sip:bob@192.0.2.2 SIP/2.0`,
    `Via: SIP/2.0/${transport} 192.0.2.1:5060;branch=${branch};rport`,
    "Max-Forwards: 70",
    "From: <sip:alice@192.0.2.1>;tag=a1",
    "To: <sip:bob@192.0.2.2>",
    "Call-ID: c1@192.0.2.1",
    `CSeq: 1 ${method}`,
    "Contact: <sip:alice@192.0.2.1:5060>",
  ]);
}

function responseTo(req: SipMessage, status: number, reason: string, toTag = "b1"): SipMessage {
  return buildResponse(req, status, { reason, toTag });
}

function incoming(method: string, branch: string, opts: { transport?: string; cseq?: number; toTag?: string; cseqMethod?: string } = {}): SipMessage {
  return msg([
    `${method} sip:alice@192.0.2.1 SIP/2.0`,
    `Via: SIP/2.0/${opts.transport ?? "UDP"} 192.0.2.2:5060;branch=${branch}`,
    "Max-Forwards: 70",
    "From: <sip:bob@192.0.2.2>;tag=b9",
    `To: <sip:alice@192.0.2.1>${opts.toTag !== undefined ? `;tag=${opts.toTag}` : ""}`,
    "Call-ID: c2@192.0.2.2",
    `CSeq: ${opts.cseq ?? 1} ${opts.cseqMethod ?? method}`,
    "Contact: <sip:bob@192.0.2.2:5060>",
  ]);
}

interface Kit {
  clock: ManualClock;
  log: RecordingLogger;
  transport: RecordingTransport;
  layer: TransactionLayer;
  tuLines: string[];
  servers: ServerTransaction[];
  acks: SipMessage[];
  cancels: { tx: ServerTransaction; invite: ServerTransaction | undefined }[];
  clientUser: ClientTransactionUser;
}

function kit(): Kit {
  const clock = new ManualClock();
  const log = new RecordingLogger();
  const transport = new RecordingTransport(log, { clock });
  const layer = new TransactionLayer({ transport, clock, log, tokens: new TokenSource("t") });
  const tuLines: string[] = [];
  const servers: ServerTransaction[] = [];
  const acks: SipMessage[] = [];
  const cancels: Kit["cancels"] = [];
  const note = (s: string): void => {
    tuLines.push(s);
    log.info({ tu: true }, `TU: ${s}`);
  };
  const tu: TransactionUser = {
    receiveRequest: (tx) => {
      servers.push(tx);
      note(`new ${tx.request.method} server transaction`);
      tx.user = {
        onTimeout: () => note("server transaction timeout"),
        onTransportError: (_t, e: TransportFailure) => note(`server transport error ${e.code}`),
        onAck: (a) => note(`ACK ${a.cseq.seq} passed up by the transaction`),
        onTerminated: () => note("server transaction terminated"),
      };
    },
    receiveCancel: (tx, invite) => {
      cancels.push({ tx, invite });
      note(`CANCEL ${invite !== undefined ? "matches" : "matches no"} INVITE transaction`);
    },
    receiveAck: (ack) => {
      acks.push(ack);
      note(`ACK ${ack.cseq.seq} outside any transaction`);
    },
  };
  layer.setUser(tu);
  const clientUser: ClientTransactionUser = {
    onResponse: (r, tx: ClientTransaction) => note(`${r.status ?? 0} to ${tx.kind.toUpperCase()} (state ${tx.state})`),
    onTimeout: () => note("client timeout (408)"),
    onTransportError: (_t, e) => note(`client transport error ${e.code} (503)`),
    onTerminated: () => note("client transaction terminated"),
  };
  return { clock, log, transport, layer, tuLines, servers, acks, cancels, clientUser };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function golden(name: string, log: RecordingLogger): void {
  const file = new URL(`./golden/${name}.txt`, import.meta.url);
  const actual = log.transcript();
  if (process.env["UPDATE_GOLDEN"] === "1" || !existsSync(file)) writeFileSync(file, `${actual}\n`);
  expect(actual).toBe(readFileSync(file, "utf8").trimEnd());
}

function sentTimes(k: Kit, pattern: RegExp): number[] {
  return k.log.records.filter((r) => r.fields["wire"] === "out" && pattern.test(r.msg)).map((r) => Number(/^\[(\d+) ms\]/.exec(r.msg)?.[1]));
}

describe("INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §7.2)", () => {
  it("§17.1.1.2: Timer A doubles from T1 without a cap; Timer B at 64*T1 reports a timeout", () => {
    const k = kit();
    k.layer.sendRequest(outgoing("INVITE", "z9hG4bKict1"), UDP_PEER, k.clientUser);
    k.clock.advance(40_000);
    expect(sentTimes(k, /INVITE/)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(k.tuLines).toEqual(["client timeout (408)", "client transaction terminated"]);
    expect(k.layer.clientCount).toBe(0);
    golden("ict-timer-b", k.log);
  });

  it("§17.1.1.3: a 3xx-6xx is ACKed by the transaction, its retransmission gets the same ACK, Timer D ends it", () => {
    const k = kit();
    const tx = k.layer.sendRequest(outgoing("INVITE", "z9hG4bKict2"), UDP_PEER, k.clientUser);
    k.clock.advance(100);
    k.transport.receive(responseTo(tx.request, 180, "Ringing"), FROM_PEER_UDP);
    k.clock.advance(1000); // no retransmission in Proceeding
    const busy = responseTo(tx.request, 486, "Busy Here");
    k.transport.receive(busy, FROM_PEER_UDP);
    k.clock.advance(2000);
    k.transport.receive(busy, FROM_PEER_UDP);
    k.clock.advance(32_000);
    expect(sentTimes(k, /INVITE/)).toEqual([0]);
    expect(sentTimes(k, /^.*>> ACK/)).toEqual([1100, 3100]);
    const ack = k.transport.sent.find((s) => s.line.startsWith("ACK"));
    const ackText = new TextDecoder().decode(ack?.bytes);
    // One Via, equal to the INVITE's top Via; To from the response; CSeq number of the INVITE.
    expect(ackText).toContain("Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKict2;rport\r\n");
    expect(ackText).toContain("To: <sip:bob@192.0.2.2>;tag=b1\r\n");
    expect(ackText).toContain("CSeq: 1 ACK\r\n");
    expect(k.tuLines).toEqual(["180 to ICT (state Proceeding)", "486 to ICT (state Completed)", "client transaction terminated"]);
    golden("ict-486-ack", k.log);
  });

  it("RFC 6026 §7.2: a 2xx moves to Accepted; retransmitted 2xx go to the TU; Timer M ends it; no ACK from the transaction", () => {
    const k = kit();
    const tx = k.layer.sendRequest(outgoing("INVITE", "z9hG4bKict3"), UDP_PEER, k.clientUser);
    const invite = tx.request;
    const ok = responseTo(invite, 200, "OK");
    k.clock.advance(700);
    k.transport.receive(ok, FROM_PEER_UDP);
    k.clock.advance(500);
    k.transport.receive(ok, FROM_PEER_UDP);
    // another fork
    k.transport.receive(responseTo(invite, 200, "OK", "b2"), FROM_PEER_UDP);
    k.clock.advance(32_000);
    expect(sentTimes(k, /ACK/)).toEqual([]);
    expect(sentTimes(k, /INVITE/)).toEqual([0, 500]);
    expect(k.tuLines).toEqual(["200 to ICT (state Accepted)", "200 to ICT (state Accepted)", "200 to ICT (state Accepted)", "client transaction terminated"]);
    golden("ict-2xx-accepted", k.log);
  });

  it("§17.1.1.2: over TCP no retransmission and Timer D is zero", () => {
    const k = kit();
    const tx = k.layer.sendRequest(outgoing("INVITE", "z9hG4bKict4", "TCP"), TCP_PEER, k.clientUser);
    k.clock.advance(5000);
    k.transport.receive(responseTo(tx.request, 603, "Decline"), FROM_PEER_TCP);
    k.clock.advance(0);
    expect(sentTimes(k, /INVITE/)).toEqual([0]);
    expect(k.layer.clientCount).toBe(0);
    golden("ict-tcp-603", k.log);
  });

  it("§8.1.3.1 / §17.1.4: a transport error goes to the TU and ends the transaction", async () => {
    const k = kit();
    k.transport.failWith = "connect-failed";
    k.layer.sendRequest(outgoing("INVITE", "z9hG4bKict5", "TCP"), TCP_PEER, k.clientUser);
    await settle();
    expect(k.tuLines).toEqual(["client transport error connect-failed (503)", "client transaction terminated"]);
    expect(k.layer.clientCount).toBe(0);
  });
});

describe("non-INVITE client transaction (RFC 3261 §17.1.2)", () => {
  it("§17.1.2.2: Timer E doubles to T2 in Trying, is T2 in Proceeding; Timer K after the final response", () => {
    const k = kit();
    const tx = k.layer.sendRequest(outgoing("BYE", "z9hG4bKnict1"), UDP_PEER, k.clientUser);
    k.clock.advance(8000);
    expect(sentTimes(k, /BYE/)).toEqual([0, 500, 1500, 3500, 7500]);
    k.transport.receive(responseTo(tx.request, 100, "Trying"), FROM_PEER_UDP);
    k.clock.advance(8000);
    expect(sentTimes(k, /BYE/)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500]);
    const ok = responseTo(tx.request, 200, "OK");
    k.transport.receive(ok, FROM_PEER_UDP);
    k.transport.receive(ok, FROM_PEER_UDP);
    k.clock.advance(5000);
    expect(k.tuLines).toEqual(["100 to NICT (state Proceeding)", "200 to NICT (state Completed)", "client transaction terminated"]);
    golden("nict-e-k", k.log);
  });

  it("§17.1.2.2: Timer F at 64*T1 reports a timeout", () => {
    const k = kit();
    k.layer.sendRequest(outgoing("OPTIONS", "z9hG4bKnict2"), UDP_PEER, k.clientUser);
    k.clock.advance(32_000);
    expect(sentTimes(k, /OPTIONS/)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(k.tuLines).toEqual(["client timeout (408)", "client transaction terminated"]);
    golden("nict-timer-f", k.log);
  });
});

describe("INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1)", () => {
  it("§17.2.1: 100 after 200 ms, a 486 retransmitted by Timer G until the ACK, Timer I then ends it", () => {
    const k = kit();
    const inv = incoming("INVITE", "z9hG4bKist1");
    k.transport.receive(inv, FROM_PEER_UDP);
    const tx = k.servers[0] as ServerTransaction;
    k.clock.advance(300);
    k.transport.receive(inv, FROM_PEER_UDP); // retransmission: the 100 again
    tx.respond(buildResponse(inv, 486, { toTag: "a7" }));
    k.clock.advance(8000);
    expect(sentTimes(k, /486/)).toEqual([300, 800, 1800, 3800, 7800]);
    k.transport.receive(incoming("ACK", "z9hG4bKist1", { toTag: "a7", cseqMethod: "ACK" }), FROM_PEER_UDP);
    k.clock.advance(10_000);
    expect(sentTimes(k, /486/)).toEqual([300, 800, 1800, 3800, 7800]);
    expect(sentTimes(k, /100 Trying/)).toEqual([200, 300]);
    expect(k.acks).toEqual([]);
    golden("ist-486-g-ack-i", k.log);
  });

  it("§17.2.1: Timer H without an ACK tells the TU", () => {
    const k = kit();
    const inv = incoming("INVITE", "z9hG4bKist2");
    k.transport.receive(inv, FROM_PEER_UDP);
    const tx = k.servers[0] as ServerTransaction;
    tx.respond(buildResponse(inv, 480, { toTag: "a8" }));
    k.clock.advance(32_000);
    // G: T1 doubling to T2: 500, 1000, 2000, 4000, 4000 ...
    expect(sentTimes(k, /480/)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(k.tuLines).toEqual(["new INVITE server transaction", "server transaction timeout", "server transaction terminated"]);
    golden("ist-timer-h", k.log);
  });

  it("RFC 6026 §7.1: a 2xx moves to Accepted: INVITE retransmissions absorbed, TU 2xx retransmissions sent, Timer L ends it", () => {
    const k = kit();
    const inv = incoming("INVITE", "z9hG4bKist3");
    k.transport.receive(inv, FROM_PEER_UDP);
    const tx = k.servers[0] as ServerTransaction;
    tx.respond(buildResponse(inv, 180, { toTag: "a9" }));
    k.transport.receive(inv, FROM_PEER_UDP); // the 180 again
    tx.respond(buildResponse(inv, 200, { toTag: "a9" }));
    k.transport.receive(inv, FROM_PEER_UDP); // absorbed
    k.clock.advance(500);
    tx.retransmit();
    // The 2xx ACK has its own branch: it matches no transaction and goes to the TU.
    k.transport.receive(incoming("ACK", "z9hG4bKack3", { toTag: "a9", cseqMethod: "ACK" }), FROM_PEER_UDP);
    k.clock.advance(32_000);
    expect(sentTimes(k, /180/)).toEqual([0, 0]);
    expect(sentTimes(k, /200 OK/)).toEqual([0, 500]);
    expect(sentTimes(k, /100 Trying/)).toEqual([]);
    expect(k.acks.length).toBe(1);
    expect(k.layer.serverCount).toBe(0);
    golden("ist-2xx-accepted", k.log);
  });

  it("RFC 6026 §6: an RFC 2543 ACK matching the INVITE in Accepted is passed to the TU", () => {
    const k = kit();
    const inv = incoming("INVITE", "1234"); // no magic cookie
    k.transport.receive(inv, FROM_PEER_UDP);
    const tx = k.servers[0] as ServerTransaction;
    tx.respond(buildResponse(inv, 200, { toTag: "a10" }));
    k.transport.receive(incoming("ACK", "1234", { toTag: "a10", cseqMethod: "ACK" }), FROM_PEER_UDP);
    expect(k.tuLines).toEqual(["new INVITE server transaction", "ACK 1 passed up by the transaction"]);
  });

  it("RFC 6026 §7.1: a transport error does not end the transaction", async () => {
    const k = kit();
    const inv = incoming("INVITE", "z9hG4bKist4");
    k.transport.receive(inv, FROM_PEER_UDP);
    k.transport.failWith = "send-failed";
    (k.servers[0] as ServerTransaction).respond(buildResponse(inv, 500, { toTag: "a11" }));
    await settle();
    expect(k.tuLines).toEqual(["new INVITE server transaction", "server transport error send-failed"]);
    expect((k.servers[0] as ServerTransaction).state).toBe("Completed");
    expect(k.layer.serverCount).toBe(1);
  });
});

describe("non-INVITE server transaction (RFC 3261 §17.2.2)", () => {
  it("§17.2.2: retransmissions absorbed in Trying, answered with the last response after; Timer J", () => {
    const k = kit();
    const bye = incoming("BYE", "z9hG4bKnist1", { toTag: "x", cseq: 2 });
    k.transport.receive(bye, FROM_PEER_UDP);
    const tx = k.servers[0] as ServerTransaction;
    k.transport.receive(bye, FROM_PEER_UDP); // Trying: discarded
    tx.respond(buildResponse(bye, 100));
    k.transport.receive(bye, FROM_PEER_UDP); // the 100 again
    tx.respond(buildResponse(bye, 200));
    k.transport.receive(bye, FROM_PEER_UDP); // the 200 again
    k.clock.advance(31_999);
    expect(k.layer.serverCount).toBe(1);
    k.clock.advance(1);
    expect(k.layer.serverCount).toBe(0);
    expect(sentTimes(k, /100 Trying/)).toEqual([0, 0]);
    expect(sentTimes(k, /200 OK/)).toEqual([0, 0]);
    golden("nist-j", k.log);
  });

  it("§17.2.2: over TCP Timer J is zero", () => {
    const k = kit();
    const opt = incoming("OPTIONS", "z9hG4bKnist2", { transport: "TCP" });
    k.transport.receive(opt, FROM_PEER_TCP);
    (k.servers[0] as ServerTransaction).respond(buildResponse(opt, 200, { toTag: "o1" }));
    k.clock.advance(0);
    expect(k.layer.serverCount).toBe(0);
    // §18.2.2: the response goes back over the connection the request came on.
    expect(k.transport.sent[0]?.target).toEqual({ protocol: "tcp", host: "192.0.2.2", port: 5060, connectionId: 7 });
  });
});

describe("matching (RFC 3261 §17.1.3, §17.2.3, §9.2)", () => {
  it("§17.1.3: a response matches by branch and CSeq method; others are dropped and counted", () => {
    const k = kit();
    const tx = k.layer.sendRequest(outgoing("INVITE", "z9hG4bKm1"), UDP_PEER, k.clientUser);
    const wrongMethod = msg(["SIP/2.0 200 OK", "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKm1", "From: <sip:alice@192.0.2.1>;tag=a1", "To: <sip:bob@192.0.2.2>;tag=b1", "Call-ID: c1@192.0.2.1", "CSeq: 1 CANCEL"]);
    k.transport.receive(wrongMethod, FROM_PEER_UDP);
    const otherBranch = msg(["SIP/2.0 200 OK", "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKother", "From: <sip:alice@192.0.2.1>;tag=a1", "To: <sip:bob@192.0.2.2>;tag=b1", "Call-ID: c1@192.0.2.1", "CSeq: 1 INVITE"]);
    k.transport.receive(otherBranch, FROM_PEER_UDP);
    expect(k.layer.counters.strayResponses).toBe(2);
    expect(tx.state).toBe("Calling");
  });

  it("§17.2.3: the same branch from another sent-by is a new transaction", () => {
    const k = kit();
    k.transport.receive(incoming("OPTIONS", "z9hG4bKs1"), FROM_PEER_UDP);
    const other = msg(["OPTIONS sip:alice@192.0.2.1 SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.3:5060;branch=z9hG4bKs1", "Max-Forwards: 70", "From: <sip:carol@192.0.2.3>;tag=c9", "To: <sip:alice@192.0.2.1>", "Call-ID: c3@192.0.2.3", "CSeq: 1 OPTIONS"]);
    k.transport.receive(other, { ...FROM_PEER_UDP, remoteAddress: "192.0.2.3" });
    expect(k.servers.length).toBe(2);
  });

  it("§17.2.3 RFC 2543 fallback: no magic cookie: matched by Request-URI, tags, Call-ID, CSeq and top Via", () => {
    const k = kit();
    const old = incoming("OPTIONS", "abc");
    k.transport.receive(old, FROM_PEER_UDP);
    k.transport.receive(incoming("OPTIONS", "abc"), FROM_PEER_UDP);
    expect(k.servers.length).toBe(1);
    expect(k.layer.counters.retransmissionsAbsorbed).toBe(1);
    k.transport.receive(incoming("OPTIONS", "abc", { cseq: 2 }), FROM_PEER_UDP);
    expect(k.servers.length).toBe(2);
  });

  it("§9.2: a CANCEL matches its INVITE server transaction and gets its own", () => {
    const k = kit();
    k.transport.receive(incoming("INVITE", "z9hG4bKc1"), FROM_PEER_UDP);
    k.transport.receive(incoming("CANCEL", "z9hG4bKc1"), FROM_PEER_UDP);
    k.transport.receive(incoming("CANCEL", "z9hG4bKc2"), FROM_PEER_UDP);
    expect(k.cancels.map((c) => c.invite === k.servers[0])).toEqual([true, false]);
    expect(k.cancels[0]?.tx.kind).toBe("nist");
  });

  it("§17.2.3: a retransmitted request after the final response is released still matches", () => {
    const k = kit();
    const opt = incoming("OPTIONS", "z9hG4bKr1");
    k.transport.receive(opt, FROM_PEER_UDP);
    const tx = k.servers[0] as ServerTransaction;
    tx.respond(buildResponse(opt, 200, { toTag: "r1" }));
    expect(() => tx.request).toThrow(/released/);
    k.transport.receive(opt, FROM_PEER_UDP);
    expect(sentTimes(k, /200 OK/)).toEqual([0, 0]);
  });
});
