/**
 * The transaction layer, RFC 3261 §17: it creates client transactions for
 * the TU, matches responses to them (§17.1.3: top Via branch and CSeq
 * method), creates server transactions for requests and matches
 * retransmissions, ACKs and CANCELs to them (§17.2.3, with the RFC 2543
 * fallback for branches without the magic cookie; §9.2 for CANCEL; RFC 6026
 * §6 for RFC 2543 ACKs in Accepted). Responses that match nothing are dropped
 * and counted (RFC 6026 §7.2, §18.1.2). ACKs that match nothing (the ACK
 * for a 2xx) go to the TU.
 */
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { TimerValues } from "../../core/timers.js";
import type { SipMessage } from "../syntax/message.js";
import type { Origin, SendTarget, TransportUser } from "../transport/types.js";
import { hasMagicCookie, TokenSource } from "./branch.js";
import type { TransactionContext } from "./context.js";
import { InviteClientTransaction } from "./invite-client.js";
import { InviteServerTransaction } from "./invite-server.js";
import { NonInviteClientTransaction } from "./non-invite-client.js";
import { NonInviteServerTransaction } from "./non-invite-server.js";
import { ServerIndex, legacyKey } from "./server-index.js";
import type { SipTimerName } from "./timers.js";
import { reliableTimers, transactionTimers } from "./timers.js";
import type { ClientTransaction, ClientTransactionUser, TransactionTransport, TransactionUser } from "./types.js";

export interface TransactionLayerOptions {
  readonly transport: TransactionTransport;
  readonly clock: Clock;
  readonly log: Logger;
  /** Effective timer values (`transactionTimers(config.timers.sip)`); defaults when absent. */
  readonly timers?: TimerValues<SipTimerName>;
  /** Branch source (tests pass a fixed seed for readable transcripts). */
  readonly tokens?: TokenSource;
  /**
   * Screening of new requests before any transaction exists for them (access
   * lists, rate limits: src/sip/peers): a refused request is answered
   * statelessly (RFC 3261 §8.2.7) or dropped, and costs no state.
   */
  readonly screen?: RequestScreen;
}

/** What becomes of a new request: taken, dropped unanswered, or answered at once without a transaction. */
export type ScreenDecision = { readonly action: "accept" } | { readonly action: "drop" } | { readonly action: "respond"; readonly response: SipMessage };
export type RequestScreen = (request: SipMessage, origin: Origin) => ScreenDecision;

export interface TransactionCounters {
  clientTransactions: number;
  serverTransactions: number;
  /** Responses that matched no client transaction, dropped (RFC 6026 §7.2). */
  strayResponses: number;
  /** Request retransmissions absorbed by a server transaction. */
  retransmissionsAbsorbed: number;
  /** New requests the screen dropped or answered itself. */
  screenedOut: number;
}

type ServerTx = InviteServerTransaction | NonInviteServerTransaction;
type ClientTx = InviteClientTransaction | NonInviteClientTransaction;

export class TransactionLayer implements TransportUser {
  readonly counters: TransactionCounters = { clientTransactions: 0, serverTransactions: 0, strayResponses: 0, retransmissionsAbsorbed: 0, screenedOut: 0 };
  readonly tokens: TokenSource;
  readonly timers: TimerValues<SipTimerName>;
  readonly transport: TransactionTransport;
  private readonly ctx: TransactionContext;
  private readonly log: Logger;
  private readonly clients = new Map<string, ClientTx>();
  private readonly servers = new ServerIndex<ServerTx>();
  private tu: TransactionUser | undefined;
  private readonly screen: RequestScreen | undefined;

  constructor(opts: TransactionLayerOptions) {
    this.screen = opts.screen;
    this.transport = opts.transport;
    this.log = opts.log;
    this.tokens = opts.tokens ?? new TokenSource();
    this.timers = opts.timers ?? transactionTimers();
    this.ctx = {
      transport: opts.transport,
      clock: opts.clock,
      log: opts.log,
      unreliable: this.timers,
      reliable: reliableTimers(this.timers),
      forget: (tx) => this.forget(tx as ClientTx | ServerTx),
    };
    opts.transport.setUser(this);
  }

  setUser(tu: TransactionUser): void {
    this.tu = tu;
  }

  /** A new branch for a request this side originates (§8.1.1.7). */
  newBranch(): string {
    return this.tokens.branch();
  }

  /** Start a client transaction for `request` (INVITE -> §17.1.1, other non-ACK -> §17.1.2). */
  sendRequest(request: SipMessage, target: SendTarget, user: ClientTransactionUser): ClientTransaction {
    const branch = request.branch;
    if (branch === undefined) throw new Error("a request without a Via branch cannot start a client transaction");
    const tx: ClientTx = request.method === "INVITE" ? new InviteClientTransaction(this.ctx, request, target, user) : new NonInviteClientTransaction(this.ctx, request, target, user);
    const key = `${branch}|${request.method}`;
    if (this.clients.has(key)) throw new Error(`client transaction ${key} already exists: branches must be unique (RFC 3261 §8.1.1.7)`);
    this.clients.set(key, tx);
    this.counters.clientTransactions++;
    return tx;
  }

  /** Send a request outside any transaction: the ACK for a 2xx (§13.2.2.4, §17.1.1.3). Returns what was sent, for retransmission. */
  sendStateless(request: SipMessage, target: SendTarget): ReturnType<TransactionTransport["sendRequest"]> {
    return this.transport.sendRequest(request, target, (o) => {
      if (!o.ok) this.log.warn({ method: request.method, callId: request.callId, reason: o.error.reason }, "SIP request sent without a transaction failed");
    });
  }

  /** Open server transactions (tests, metrics). */
  get serverCount(): number {
    return this.servers.size;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  receiveMessage(m: SipMessage, origin: Origin): void {
    if (m.isRequest) this.receiveRequest(m, origin);
    else this.receiveResponse(m);
  }

  flowFailed(connectionId: number, reason: string): void {
    this.tu?.flowFailed?.(connectionId, reason);
  }

  private receiveResponse(m: SipMessage): void {
    const branch = m.branch;
    const tx = branch !== undefined ? this.clients.get(`${branch}|${m.cseq.method}`) : undefined;
    if (tx === undefined) {
      this.counters.strayResponses++;
      return;
    }
    tx.receiveResponse(m);
  }

  private receiveRequest(m: SipMessage, origin: Origin): void {
    const method = m.method;
    const branch = m.branch;
    const cookie = hasMagicCookie(branch);
    // ------------------------------------------------------------ ACK
    if (method === "ACK") {
      const ist = this.servers.find(m, branch, cookie, "INVITE");
      // RFC 2543 ACKs also carry the To tag of the response they acknowledge.
      if (ist instanceof InviteServerTransaction && (cookie || ist.toTag === m.to.tag)) {
        ist.receiveAck(m);
        return;
      }
      this.tu?.receiveAck(m, origin);
      return;
    }
    // --------------------------------------------------- retransmission
    const existing = this.servers.find(m, branch, cookie, method);
    if (existing !== undefined && (cookie || existing.requestToTag === m.to.tag)) {
      this.counters.retransmissionsAbsorbed++;
      if (existing instanceof InviteServerTransaction) existing.receiveInvite();
      else existing.receiveRequest();
      return;
    }
    if (this.tu === undefined) {
      this.log.warn({ method, callId: m.callId }, "SIP request received before the transaction user was set: dropped");
      return;
    }
    if (this.screen !== undefined) {
      const d = this.screen(m, origin);
      if (d.action !== "accept") {
        this.counters.screenedOut++;
        if (d.action === "respond") this.transport.sendResponse(d.response, origin);
        return;
      }
    }
    const key = cookie ? branch : legacyKey(m, method);
    const id = cookie ? branch : `${m.callId}/${m.cseq.seq}`;
    // ------------------------------------------------------------ CANCEL
    if (method === "CANCEL") {
      const tx = new NonInviteServerTransaction(this.ctx, m, origin, key, id, !cookie);
      this.servers.add(tx);
      this.counters.serverTransactions++;
      // §9.2: the CANCEL matches the INVITE server transaction by the same rules, method aside.
      const inv = this.servers.find(m, branch, cookie, "INVITE");
      this.tu.receiveCancel(tx, inv instanceof InviteServerTransaction ? inv : undefined);
      return;
    }
    const tx = method === "INVITE" ? new InviteServerTransaction(this.ctx, m, origin, key, id, !cookie) : new NonInviteServerTransaction(this.ctx, m, origin, key, id, !cookie);
    this.servers.add(tx);
    this.counters.serverTransactions++;
    this.tu.receiveRequest(tx);
    if (tx instanceof InviteServerTransaction) tx.armTrying();
  }

  private forget(tx: ClientTx | ServerTx): void {
    if (tx instanceof InviteServerTransaction || tx instanceof NonInviteServerTransaction) {
      this.servers.remove(tx);
      return;
    }
    const key = `${tx.branch}|${tx.method}`;
    if (this.clients.get(key) === tx) this.clients.delete(key);
  }

  /** Stop every transaction without sending anything (shutdown). */
  shutdown(): void {
    for (const tx of [...this.clients.values()]) tx.terminate("shutdown");
    for (const tx of [...this.servers.values()]) tx.terminate("shutdown");
  }
}
