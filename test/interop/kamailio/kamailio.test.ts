/**
 * Our SIP peers code against kamailio 5.6 (kamailio-config.ts says what the
 * generated configuration does), on 127.0.0.1 and ephemeral ports, every
 * wait bounded:
 *  - registration with Digest (RFC 3261 §10.2, §22.2; RFC 8760), once with
 *    kamailio's auth module on SHA-256 and once on MD5 (one algorithm per
 *    instance in 5.6): 401, retried REGISTER, 200; a refresh; the binding
 *    listed by a query REGISTER (§10.2.3); unREGISTER on stop, and the
 *    binding gone;
 *  - OPTIONS keep-alive (RFC 3261 §11): Up while kamailio answers, Down once
 *    it is killed;
 *  - a call from our UA through kamailio as an authenticating proxy (407,
 *    the INVITE retried with Proxy-Authorization, RFC 3261 §22.3) to a sipp
 *    UAS behind it (static route), with Record-Route: the BYE goes through
 *    kamailio too.
 * kamailio's own stdout/stderr are printed when a test fails.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it, onTestFailed } from "vitest";
import { SystemClock } from "../../../src/core/clock.js";
import { RecordingLogger, silentLogger } from "../../../src/core/logger.js";
import { digestClient } from "../../../src/sip/auth/digest-client.js";
import { OptionsKeepalive } from "../../../src/sip/peers/keepalive.js";
import { RegistrationClient } from "../../../src/sip/peers/registration.js";
import type { PeerRequest, PeerRequestSender } from "../../../src/sip/peers/request-sender.js";
import { userAgentSender } from "../../../src/sip/peers/request-sender.js";
import { peerTimers } from "../../../src/sip/peers/timers.js";
import type { SipMessage } from "../../../src/sip/syntax/message.js";
import { transactionTimers } from "../../../src/sip/transaction/timers.js";
import { TransactionLayer } from "../../../src/sip/transaction/transaction-layer.js";
import { SipTransport } from "../../../src/sip/transport/sip-transport.js";
import type { SendTarget } from "../../../src/sip/transport/types.js";
import { UserAgentCore } from "../../../src/sip/ua/user-agent-core.js";
import { PEERS, describeWithPeers } from "../../support/peers.js";
import { freePort } from "../../support/ports.js";
import type { Started } from "../../support/processes.js";
import { start } from "../../support/processes.js";
import { kamailioCfg } from "./kamailio-config.js";

const LOOP = "127.0.0.1";
const scenario = (name: string): string => fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url));
const PASSWORD = "interop-Secret-1";
const OFFER = "v=0\r\no=- 7 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

interface Ours {
  transport: SipTransport;
  ua: UserAgentCore;
  port: number;
}

interface Kamailio {
  proc: Started;
  port: number;
  target: SendTarget;
  dir: string;
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function ours(): Promise<Ours> {
  const port = await freePort();
  const clock = new SystemClock();
  const transport = new SipTransport({ listeners: [{ protocol: "udp", address: LOOP, port }], clock, log: silentLogger, idleTimeoutMs: 0 });
  await transport.start();
  const transactions = new TransactionLayer({ transport, clock, log: silentLogger, timers: transactionTimers({ T1: 100 }) });
  const ua = new UserAgentCore({ transactions, clock, log: silentLogger, contactUser: "gw", userAgent: "sipt-gw interop" });
  cleanups.push(async () => {
    ua.shutdown();
    await transport.close();
  });
  return { transport, ua, port };
}

/** Poll with OPTIONS until kamailio answers (bounded). */
async function answering(s: Ours, target: SendTarget, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  const sender = userAgentSender(s.ua);
  let cseq = 0;
  const callId = sender.newCallId();
  while (Date.now() < until) {
    const o = await sender.send({ method: "OPTIONS", uri: `sip:${LOOP}:${target.port}`, from: `<sip:probe@${LOOP}>`, to: `<sip:${LOOP}:${target.port}>`, callId, cseq: ++cseq, target });
    if (o.kind === "response" && o.response.status === 200) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function kamailio(s: Ours, algorithm: "MD5" | "SHA-256", uasPort = 9): Promise<Kamailio> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "sipt-kamailio-"));
  const cfg = join(dir, "kamailio.cfg");
  writeFileSync(cfg, kamailioCfg({ port, algorithm, password: PASSWORD, uasPort }));
  const proc = start("kamailio", ["-f", cfg, "-DD", "-E", "-m", "32", "-M", "8", "-Y", dir, "-P", join(dir, "kamailio.pid"), "-w", dir]);
  onTestFailed(() => {
    console.log(`---- kamailio (${algorithm}) stdout ----\n${proc.stdout().slice(-6000)}\n---- kamailio stderr ----\n${proc.stderr().slice(-12000)}`);
  });
  cleanups.push(async () => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const target: SendTarget = { protocol: "udp", host: LOOP, port };
  if (!(await answering(s, target, 10_000))) throw new Error(`kamailio did not answer OPTIONS on ${LOOP}:${port} within 10 s\n${proc.stderr().slice(-4000)}`);
  return { proc, port, target, dir };
}

/** The sender, recording every request it is asked to send. */
function recording(inner: PeerRequestSender): PeerRequestSender & { readonly sent: PeerRequest[] } {
  const sent: PeerRequest[] = [];
  return { sent, contactFor: (t) => inner.contactFor(t), newCallId: () => inner.newCallId(), send: (r) => (sent.push(r), inner.send(r)) };
}

/** RFC 3261 §10.2.3: the bindings of the AOR, by a REGISTER without Contact (authenticated). */
async function bindings(sender: PeerRequestSender, k: Kamailio): Promise<string[]> {
  const auth = digestClient({ username: "gw", password: PASSWORD });
  const callId = sender.newCallId();
  const req = (cseq: number, headers: { name: string; value: string }[]): PeerRequest => ({ method: "REGISTER", uri: `sip:${LOOP}:${k.port}`, from: `<sip:gw@${LOOP}>`, to: `<sip:gw@${LOOP}>`, callId, cseq, target: k.target, headers });
  let o = await sender.send(req(1, []));
  if (o.kind === "response" && o.response.status === 401) {
    const a = auth.answer(o.response, { method: "REGISTER", uri: `sip:${LOOP}:${k.port}` });
    if (!a.ok) throw new Error(a.reason);
    o = await sender.send(req(2, [a.header]));
  }
  if (o.kind !== "response" || o.response.status !== 200) throw new Error(`binding query failed: ${o.kind === "response" ? o.response.status : o.kind}`);
  return o.response.values("Contact");
}

function waitFor<T>(what: string, withinMs: number, subscribe: (done: (v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: not within ${withinMs} ms`)), withinMs);
    subscribe((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

describeWithPeers("kamailio interop (RFC 3261 §10, §11, §22; RFC 8760)", [PEERS.kamailio, PEERS.sipp], () => {
  for (const algorithm of ["SHA-256", "MD5"] as const) {
    it(`registers with ${algorithm} Digest, refreshes, and unregisters`, async () => {
      const s = await ours();
      const k = await kamailio(s, algorithm);
      const sender = recording(userAgentSender(s.ua));
      const log = new RecordingLogger();
      const reg = new RegistrationClient({
        name: "kamailio",
        sender,
        clock: new SystemClock(),
        log,
        timers: peerTimers({ registerRefreshMargin: 5_000 }),
        target: k.target,
        registrar: `sip:${LOOP}:${k.port}`,
        aor: `sip:gw@${LOOP}`,
        expiresS: 4,
        authenticator: digestClient({ username: "gw", password: PASSWORD }),
      });
      onTestFailed(() => console.log(log.transcript()));
      const granted: number[] = [];
      const twice = waitFor<void>("two registrations (initial and refresh)", 10_000, (done) =>
        reg.on("registered", (e) => {
          granted.push(e.expiresS);
          if (granted.length === 2) done();
        }),
      );
      const failed: string[] = [];
      reg.on("failed", (e) => failed.push(e.reason));
      reg.start();
      await twice;
      expect(failed).toEqual([]);
      expect(granted).toEqual([4, 4]);
      // Each registration: REGISTER, 401, REGISTER with Authorization of the offered algorithm.
      const auths = sender.sent.map((r) => r.headers?.find((h) => h.name === "Authorization")?.value);
      expect(auths.length).toBe(4);
      expect(auths[0]).toBeUndefined();
      expect(auths[1]).toContain(`algorithm=${algorithm}`);
      expect(auths[1]).toContain("qop=auth");
      expect(new Set(sender.sent.map((r) => r.callId)).size).toBe(1);
      expect(sender.sent.map((r) => r.cseq)).toEqual([1, 2, 3, 4]);
      const listed = await bindings(userAgentSender(s.ua), k);
      expect(listed.some((c) => c.includes(`sip:gw@${LOOP}:${s.port}`))).toBe(true);
      const unregistered = waitFor<string>("unREGISTER", 10_000, (done) => reg.on("unregistered", (e) => done(e.reason)));
      await reg.stop();
      expect(await unregistered).toBe("200 to REGISTER Expires: 0");
      expect(reg.state).toBe("Stopped");
      expect(sender.sent.at(-1)?.headers?.find((h) => h.name === "Expires")?.value).toBe("0");
      expect(await bindings(userAgentSender(s.ua), k)).toEqual([]);
    });
  }

  it("OPTIONS keep-alive: Up while kamailio answers, Down when it is killed", async () => {
    const s = await ours();
    const k = await kamailio(s, "SHA-256");
    const ka = new OptionsKeepalive({
      name: "kamailio",
      sender: userAgentSender(s.ua),
      clock: new SystemClock(),
      log: silentLogger,
      target: k.target,
      uri: `sip:${LOOP}:${k.port}`,
      from: `<sip:gw@${LOOP}:${s.port}>`,
      intervalMs: 400,
      timeoutMs: 300,
      upAfter: 2,
      downAfter: 2,
    });
    cleanups.push(() => ka.stop());
    const changes: string[] = [];
    const up = waitFor<void>("keep-alive Up", 5_000, (done) =>
      ka.onChange((c) => {
        changes.push(`${c.to}: ${c.reason}`);
        if (c.to === "Up") done();
      }),
    );
    ka.start();
    await up;
    const down = waitFor<void>("keep-alive Down", 5_000, (done) => ka.onChange((c) => c.to === "Down" && done()));
    await k.proc.stop();
    await down;
    expect(changes[0]).toBe("Up: 200 Keepalive");
    expect(changes[1]).toMatch(/^Down: /);
    expect(ka.status()).toMatchObject({ state: "Down", lastRttMs: expect.any(Number) as number });
  });

  it("a call through kamailio as an authenticating proxy: 407, the INVITE retried with Proxy-Authorization, answered by sipp", async () => {
    const s = await ours();
    const uasPort = await freePort();
    const k = await kamailio(s, "SHA-256", uasPort);
    const dir = mkdtempSync(join(tmpdir(), "sipt-sipp-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const sipp = start("sipp", ["-sf", scenario("uas-record-route.xml"), "-i", LOOP, "-p", String(uasPort), "-m", "1", "-nostdin", "-timeout", "20s", "-timeout_error", "-trace_err"], { cwd: dir });
    onTestFailed(() => console.log(`---- sipp ----\n${sipp.stdout().slice(-3000)}\n${sipp.stderr().slice(-2000)}`));
    await new Promise((r) => setTimeout(r, 300));
    const call = s.ua.invite({
      uri: `sip:uas@${LOOP}:${k.port}`,
      from: `<sip:gw@${LOOP}>`,
      to: `<sip:uas@${LOOP}>`,
      body: { contentType: "application/sdp", content: OFFER },
      authenticator: digestClient({ username: "gw", password: PASSWORD }),
    });
    const retried: SipMessage[] = [];
    call.on("retried", (response, request) => {
      retried.push(response, request);
    });
    const outcome = await waitFor<string>("answer", 15_000, (done) => {
      call.on("answered", () => done("answered"));
      call.on("failed", (f) => done(`failed ${f.status} ${f.reason}`));
    });
    expect(outcome).toBe("answered");
    expect(retried[0]?.status).toBe(407);
    expect(retried[1]?.get("Proxy-Authorization")).toContain("algorithm=SHA-256");
    const ended = waitFor<string>("call end", 10_000, (done) => call.on("ended", (e) => done(e.cause)));
    expect(call.bye()).toBe(true);
    expect(await ended).toBe("local-bye");
    expect(await sipp.exited(15_000)).toBe(0);
    expect(k.proc.stderr()).toContain("INVITE challenged");
    // The ACK and the BYE went through kamailio (Record-Route, loose routing, RFC 3261 §12.2.1.1).
    expect(k.proc.stderr()).toMatch(/IN ACK sip:/);
    expect(k.proc.stderr()).toMatch(/IN BYE sip:/);
  });
});
