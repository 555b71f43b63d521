/**
 * The ISUP <-> SIP interworking unit under one manual clock, deterministic:
 * ISUP node A (the gateway's) faces ISUP node B (the PSTN exchange) over the
 * in-memory MTP of test/scenarios/isup; the unit is A's ISUP user and the SIP
 * side of a loopback network where a SIP peer (the provider, 192.0.2.2) lives;
 * the media switch is an in-memory one that hands out ports and records what
 * it was asked. Every ISUP message, SIP packet and media request goes into one
 * transcript, compared with a golden file.
 */
import type { ManualClock } from "../../../src/core/clock.js";
import type { Logger } from "../../../src/core/logger.js";
import { silentLogger } from "../../../src/core/logger.js";
import { isupSipMapping } from "../../../src/interworking/calls/isup-sip-mapping.js";
import type { SipTrunkInfo } from "../../../src/interworking/calls/isup-sip-unit.js";
import { IsupSipUnit } from "../../../src/interworking/calls/isup-sip-unit.js";
import type { CallMediaPlane } from "../../../src/interworking/calls/media-plane.js";
import { Router } from "../../../src/gateway/routing/router.js";
import { MemoryMediaSwitch } from "../../../src/media/memory-switch.test-support.js";
import { TokenSource } from "../../../src/sip/transaction/branch.js";
import { TransactionLayer } from "../../../src/sip/transaction/transaction-layer.js";
import { LoopbackNetwork, LoopbackTransport } from "../../../src/sip/transport/loopback.js";
import { UserAgentCore } from "../../../src/sip/ua/index.js";
import { seeded } from "../../../src/sip/ua/ua-kit.test-support.js";
import { Pair } from "../isup/harness.js";

/** The in-memory media switch of src/media, noting each request into the transcript. */
export class MemoryMedia extends MemoryMediaSwitch {}

export interface Bench {
  readonly pair: Pair;
  readonly clock: ManualClock;
  readonly unit: IsupSipUnit;
  /** The SIP peer (provider) at 192.0.2.2:5060. */
  readonly peer: UserAgentCore;
  readonly media: MemoryMedia;
  note(s: string): void;
  /** Advance the clock in steps, letting promises (media requests) settle between them. */
  run(ms: number): Promise<void>;
  text(): string;
}

export function makeBench(o: { sipt?: SipTrunkInfo["sipt"]; overlap?: boolean } = {}): Bench {
  // With overlap, A (the gateway) receives addresses in overlap (Q.764 §2.1.2) and the route to SIP needs 10 digits.
  const pair = new Pair({ cics: [1, 2, 3, 4], ...(o.overlap ? { groupA: { addressing: "overlap" as const }, groupB: { addressing: "overlap" as const } } : {}) });
  const clock = pair.clock;
  const t = pair.t;
  const note = (s: string): void => t.add("--", s);
  const net = new LoopbackNetwork(clock, { latencyMs: 5 });
  net.addFault((p) => {
    t.add("SIP", `${p.fromAddress} -> ${p.toAddress} ${p.summary}`);
    return undefined;
  });
  const log: Logger = silentLogger;
  const side = (name: string, address: string): UserAgentCore => {
    const transport = new LoopbackTransport(net, { address, protocol: "udp", port: 5060 });
    const transactions = new TransactionLayer({ transport, clock, log, tokens: new TokenSource(name, seeded(name)) });
    return new UserAgentCore({ transactions, clock, log, contactUser: name, random: () => 0.5 });
  };
  const gwUa = side("gw", "192.0.2.1");
  const peer = side("provider", "192.0.2.2");
  const media = new MemoryMedia((s) => t.add("MEDIA", s));
  const plane: CallMediaPlane = {
    media,
    channelOf: (span, ts) => (span === 1 ? ts - 1 : undefined),
    lawOf: () => "alaw",
    rtpBindAddress: "192.0.2.1",
    defaults: { dtmfMode: "rfc4733", echoCanceller: { enabled: true, tailMs: 64 }, ptimeMs: 20 },
  };
  const router = new Router(
    [
      { name: "out", from: ["to-B"], prefix: "", to: ["provider"], strip: 0, prepend: "", minDigits: o.overlap ? 10 : 0 },
      { name: "in", from: ["provider"], prefix: "", to: ["to-B"], strip: 0, prepend: "", minDigits: 0 },
    ],
    new Map([
      ["to-B", "isup"],
      ["provider", "sip"],
    ]),
  );
  const unit = new IsupSipUnit({
    log: silentLogger,
    clock,
    routing: router,
    mapping: isupSipMapping,
    variant: "itu",
    isupTrunks: [{ name: "to-B", bearer: (cic) => ({ span: 1, timeslot: cic }) }],
    sipTrunks: [{ name: "provider", peers: [{ protocol: "udp", host: "192.0.2.2", port: 5060 }], sipt: o.sipt ?? "off", isupVersion: "itu-t92+", trusted: true, failoverOn: [408, 503], noAnswerMs: 0, acceptAnySource: false }],
    media: plane,
    countryCode: "1",
    interDigitMs: 4000,
    causeLocation: 2,
    localHost: "192.0.2.1",
  });
  // A's ISUP user is the unit (the transcript still shows what A's user hears).
  const recording = pair.a.user;
  recording.onIndication = (ind) => unit.indication(ind);
  unit.attach(pair.a.node);
  unit.attachSip(gwUa);
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return {
    pair,
    clock,
    unit,
    peer,
    media,
    note,
    async run(ms: number): Promise<void> {
      for (let left = ms; left > 0; left -= 5) {
        await flush();
        clock.advance(Math.min(5, left));
      }
      await flush();
    },
    text: () => t.text(),
  };
}
