/**
 * The configuration schema: one YAML file, every key checked, unknown keys
 * rejected. Defaults live here only where they are the product's documented
 * default; the embedded default configuration (embedded-default.ts) fills in
 * the simulated card and its far ends.
 */
import { z } from "zod";
import { LOG_LEVELS } from "../core/logger.js";

const port = z.number().int().min(0).max(65535);
const ipLiteral = z.string().refine((s) => /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/.test(s), {
  message: "must be an IPv4 or IPv6 address literal",
});

export const logSchema = z.strictObject({
  level: z.enum(LOG_LEVELS as unknown as [string, ...string[]]).default("info"),
  format: z.enum(["json", "pretty", "auto"]).default("auto"),
});

export const sipListenSchema = z.strictObject({
  transport: z.enum(["udp", "tcp", "tls"]),
  address: ipLiteral,
  port,
  /** TLS only: PEM files. */
  certificate: z.string().optional(),
  privateKey: z.string().optional(),
});

/** A Digest user of a peer: a password, or H(username:realm:password) per algorithm (RFC 7616 §5.2). */
export const sipPeerUserSchema = z
  .strictObject({
    username: z.string().min(1),
    password: z.string().min(1).optional(),
    ha1: z.strictObject({ md5: z.string().regex(/^[0-9a-f]{32}$/).optional(), sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(), sha512_256: z.string().regex(/^[0-9a-f]{64}$/).optional() }).optional(),
  })
  .refine((u) => (u.password !== undefined) !== (u.ha1 !== undefined), { message: "give either password or ha1" });

/** An address or CIDR prefix (IPv4 or IPv6) a peer's requests may come from, with optional port and transport. */
export const sipPeerSourceSchema = z.strictObject({
  cidr: z.string().regex(/^([0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)(\/\d{1,3})?$/, { message: "must be an IPv4/IPv6 address or CIDR prefix" }),
  port: port.optional(),
  transport: z.enum(["udp", "tcp", "tls"]).optional(),
});

const digestAlgorithmSchema = z.enum(["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"]);

/** A SIP peer: where it is, whether we register with it, how we answer its challenges, keep-alive, inbound access. */
export const sipPeerSchema = z.strictObject({
  name: z.string().min(1),
  /** IP literal or host name. */
  address: z.string().min(1),
  port: port.default(5060),
  transport: z.enum(["udp", "tcp", "tls"]).default("udp"),
  /** Register with this peer as its registrar (RFC 3261 §10). */
  register: z
    .strictObject({
      user: z.string().min(1),
      password: z.string().optional(),
      /** The registrar's domain: Request-URI and the host of the address-of-record. */
      domain: z.string().min(1),
      /** Requested binding lifetime, seconds (RFC 3261 §10.2.1.1). */
      expires: z.number().int().min(10).max(86_400).default(3600),
      /** Digest user name when it differs from `user`. */
      authUser: z.string().min(1).optional(),
    })
    .optional(),
  /** Credentials for the 401/407 challenges this peer sends us (RFC 3261 §22.2, §22.3). */
  auth: z.strictObject({ username: z.string().min(1), password: z.string(), realm: z.string().min(1).optional() }).optional(),
  /** OPTIONS keep-alive (RFC 3261 §11); interval and timeout default to timers.sipPeers. */
  keepalive: z
    .strictObject({
      intervalMs: z.number().int().min(1000).max(3_600_000).optional(),
      timeoutMs: z.number().int().min(500).max(64_000).optional(),
      upAfter: z.number().int().min(1).max(100).default(1),
      downAfter: z.number().int().min(1).max(100).default(3),
    })
    .optional(),
  /** Requests this peer may send us. Without `sources`, the peer's own address (any port and transport). */
  inbound: z
    .strictObject({
      sources: z.array(sipPeerSourceSchema).default([]),
      /** Digest-authenticate this peer's INVITEs (407, RFC 3261 §22.3). */
      authenticate: z.boolean().default(false),
      realm: z.string().min(1).optional(),
      algorithms: z.array(digestAlgorithmSchema).min(1).default(["SHA-256", "MD5"]),
      users: z.array(sipPeerUserSchema).default([]),
    })
    .refine((i) => !i.authenticate || i.users.length > 0, { message: "authenticate needs at least one user" })
    .prefault({}),
});

/** Inbound access: per-source rate limits and what to do with unknown sources. */
export const sipAccessSchema = z.strictObject({
  /** Requests from sources no peer allows: answer 403, or drop without an answer. */
  unknownSources: z.enum(["reject", "drop"]).default("reject"),
  rate: z
    .strictObject({
      requestsPerSecond: z.number().min(0.1).max(100_000).default(50),
      burst: z.number().int().min(1).max(100_000).default(100),
      invitesPerSecond: z.number().min(0.1).max(10_000).default(10),
      inviteBurst: z.number().int().min(1).max(10_000).default(20),
      /** Arrivals per second from one source above which requests are dropped unanswered. */
      dropAbovePerSecond: z.number().int().min(1).max(1_000_000).default(500),
      /** Retry-After of the 503 to a rate-limited source, seconds. */
      retryAfter: z.number().int().min(0).max(3600).default(5),
      /** Sources tracked at once; the least recently seen is forgotten first. */
      maxSources: z.number().int().min(16).max(10_000_000).default(100_000),
    })
    .optional(),
});

export const sipSchema = z.strictObject({
  listen: z.array(sipListenSchema).min(1),
  /** Largest message accepted, in bytes (RFC 3261 §18.1.1 asks for 1300+ on UDP before switching). */
  maxMessageBytes: z.number().int().min(1500).max(1_048_576).default(65_535),
  /** SIP peers: registration, challenges, keep-alive, inbound access (src/sip/peers). */
  peers: z
    .array(sipPeerSchema)
    .default([])
    .refine((ps) => new Set(ps.map((p) => p.name)).size === ps.length, { message: "peer names must be unique" }),
  /** Inbound access limits (src/sip/peers/inbound-guard.ts). */
  access: sipAccessSchema.prefault({}),
});

const timeslot = z.number().int().min(1).max(31);

export const spanSchema = z.strictObject({
  span: z.number().int().min(1).max(64),
  type: z.enum(["e1", "t1"]),
  framing: z.enum(["crc4", "no-crc4", "esf", "d4"]),
  lineCode: z.enum(["hdb3", "ami", "b8zs"]),
  clock: z.enum(["master", "recovered"]),
  /** Timeslots carrying signalling (MTP2 links, Q.921 D-channel). */
  signalling: z.array(timeslot).default([]),
});

export const cardSchema = z.strictObject({
  /** `sim`: the bundled simulated card; `library`: any library implementing hardware/abi. */
  driver: z.enum(["sim", "library"]),
  /** Path of the card library when driver is `library`. */
  library: z.string().optional(),
  /** Card profile name (hardware/profiles) or a path. */
  profile: z.string(),
  /** Serial control port: a device path, or `auto` for the simulated card's own pty. */
  controlPort: z.string().default("auto"),
  /** Directory for the simulated card's line-side sockets and control pty. Empty: a per-user default. */
  runDir: z.string().default(""),
  /** Bearer pacing: the card's 8 kHz clock, or as fast as blocks are moved (benchmarks). */
  mode: z.enum(["realtime", "freerun"]).default("realtime"),
  /** Samples per bearer block: 80 = 10 ms, 160 = 20 ms, 240 = 30 ms. */
  blockBytes: z.union([z.literal(80), z.literal(160), z.literal(240)]).default(160),
  spans: z.array(spanSchema).default([]),
});

/** A point code: a plain number, or ITU "zone-area-point" (3-8-3) / ANSI "network-cluster-member" (8-8-8). */
const pointCode = z.union([z.number().int().min(0), z.string().regex(/^\s*\d+(-\d+-\d+)?\s*$/, { message: 'must be a number or "a-b-c"' })]);
/** One number, or an inclusive range "A-B". */
const numberRange = z.union([z.number().int().min(0), z.string().regex(/^\s*\d+\s*(-\s*\d+\s*)?$/, { message: 'must be a number or a range "A-B"' })]);

export const ss7LinkSchema = z.strictObject({
  /** The span and timeslot carrying the signalling link (listed in that span's `signalling`). */
  span: z.number().int().min(1).max(64),
  timeslot,
  /** Signalling link code, Q.704 §2.2.4 (0..15). */
  slc: z.number().int().min(0).max(15),
});

export const ss7LinksetSchema = z.strictObject({
  name: z.string().min(1),
  /** Point code of the adjacent signalling point (Q.704 §2.2.2). */
  adjacentPointCode: pointCode,
  links: z.array(ss7LinkSchema).min(1).max(16),
});

export const ss7RouteSchema = z.strictObject({
  /** A destination beyond the adjacent points. */
  destination: pointCode,
  /** Linksets in order of priority: the first is the normal route. */
  linksets: z.array(z.string().min(1)).min(1),
});

/** CICs of a trunk and the bearer timeslots of its span carrying them, in the same order. */
export const ss7CircuitsSchema = z.strictObject({
  cics: numberRange,
  timeslots: numberRange,
});

export const ss7TrunkSchema = z.strictObject({
  /** Trunk (circuit group) name: the key for management and routing. */
  name: z.string().min(1),
  /** Destination point code of the exchange at the other end of the circuits. */
  pointCode,
  span: z.number().int().min(1).max(64),
  circuits: z.array(ss7CircuitsSchema).min(1),
  /** Circuit selection for outgoing calls (Q.764 §2.9.1.3). */
  hunting: z.enum(["sequential", "descending", "round-robin", "odd-even"]).default("odd-even"),
  /** Address signalling, Q.764 §2.1.1 en bloc, §2.1.2 overlap. */
  addressing: z.enum(["en-bloc", "overlap"]).default("en-bloc"),
  /** Run T9 on outgoing calls (controlling or outgoing international exchange, Q.764 §2.1.7.3). */
  answerTimer: z.boolean().default(false),
  /** Ask for a continuity check on outgoing calls (Q.764 §2.1.8); needs a continuity transceiver. */
  continuityCheck: z.boolean().default(false),
  /** Rows overriding the RFC 3398 mapping tables for this trunk, by table name (`sipt-gw mappings show` lists them). */
  mappings: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))).optional(),
});

export const ss7Schema = z.strictObject({
  /** ITU-T (Q.704, Q.763) or ANSI (T1.111, T1.113). */
  variant: z.enum(["itu", "ansi"]),
  /** Our own signalling point code. */
  pointCode,
  /** Network indicator of the SIO (Q.704 §14.2.2). */
  networkIndicator: z.enum(["international", "international-spare", "national", "national-spare"]).default("national"),
  linksets: z.array(ss7LinksetSchema).min(1),
  routes: z.array(ss7RouteSchema).default([]),
  trunks: z.array(ss7TrunkSchema).default([]),
  /** File keeping local circuit blocking across restarts (Q.764 §2.8.2). Empty: beside the control socket. */
  blockingStore: z.string().default(""),
  /** Q.850 location of causes this exchange generates (Q.850 §2.2.5; 2 = public network serving the local user). */
  causeLocation: z.number().int().min(0).max(15).default(2),
  /** Answer messages on CICs not equipped here with UCIC (Q.764 §2.13, a national option). */
  sendUcic: z.boolean().default(true),
  /** Automatic repeat attempts for one call (Q.764 §2.8.1). */
  repeatAttempts: z.number().int().min(0).max(5).default(1),
  /** Steps of traffic reduction under signalling congestion (Q.764 §2.11). */
  congestionSteps: z.number().int().min(1).max(16).default(4),
});

/** One PRI / QSIG trunk: a D-channel (Q.921, fixed TEI 0) and its B-channels on one span. */
export const isdnTrunkSchema = z.strictObject({
  /** Trunk name: the key for management and routing. */
  name: z.string().min(1),
  span: z.number().int().min(1).max(64),
  /** Timeslot of the D-channel (listed in that span's `signalling`): 16 on E1, 24 on T1. */
  dChannel: timeslot,
  /** Which side of the interface this end is (Q.921 C/R bits, Q.931 Annex D channel collisions). */
  side: z.enum(["network", "user"]),
  /** `qsig`: ECMA-143 symmetric basic call; `q931`: Q.931 primary rate user or network side. */
  mode: z.enum(["qsig", "q931"]).default("qsig"),
  /** B-channel numbers (Channel identification numbering: the timeslot), as numbers or ranges "A-B". */
  bChannels: z.array(numberRange).min(1),
  /** Hunting order for outgoing calls; by default network side descending, user side ascending. */
  hunting: z.enum(["ascending", "descending"]).optional(),
  /** Channel indication in our SETUPs (Q.931 §5.1.2). */
  channelSelection: z.enum(["exclusive", "preferred"]).default("exclusive"),
  /** RESTART transmissions before the channels are left out of service (Q.931 §5.5.1). */
  restartAttempts: z.number().int().min(1).max(10).default(2),
  /** Q.921 N200 (§5.9.2) and k (§5.9.5). */
  n200: z.number().int().min(1).max(16).default(3),
  k: z.number().int().min(1).max(127).default(7),
});

export const isdnSchema = z.strictObject({
  trunks: z.array(isdnTrunkSchema).min(1),
});

/** A SIP next hop of a trunk: an address, or a peer of `sip.peers` by name (its registration, credentials, keep-alive and inbound rules apply). */
export const sipTrunkPeerSchema = z.union([
  z.strictObject({
    host: z.string().min(1),
    port: port.default(5060),
    transport: z.enum(["udp", "tcp", "tls"]).default("udp"),
  }),
  z.strictObject({ peer: z.string().min(1) }),
]);

/** A SIP trunk: the peers calls go to (in failover order) and come from, and how ISUP crosses it. */
export const sipTrunkSchema = z.strictObject({
  name: z.string().min(1),
  peers: z.array(sipTrunkPeerSchema).min(1),
  /**
   * SIP-T (RFC 3372, RFC 3204): `off` sends plain SIP; `optional` and `required` carry the ISUP
   * message in a multipart body with Content-Disposition handling=optional|required.
   */
  sipt: z.enum(["off", "optional", "required"]).default("off"),
  /** ISUP version written in application/ISUP (RFC 3204 §4) and accepted from this trunk. */
  isupVersion: z.string().default("itu-t92+"),
  /** Identity from this trunk is trusted (RFC 3325 §2.3): P-Asserted-Identity is sent and believed. */
  trusted: z.boolean().default(true),
  /** Final responses after which the next peer is tried (RFC 3398 §8 failover; 408 also covers no response). */
  failoverOn: z.array(z.number().int().min(400).max(699)).default([408, 503]),
  /** Give up on a peer that has not answered a new call in this many seconds (0: no limit). */
  noAnswerSeconds: z.number().int().min(0).max(600).default(0),
  /** Accept calls from any source address, not only the peers (a trunk for local testing tools). */
  acceptAnySource: z.boolean().default(false),
});

/** A route: calls from some trunks whose called number starts with a prefix go to trunks in order. */
export const routeSchema = z.strictObject({
  name: z.string().min(1),
  /** Trunks the route applies to; empty: every trunk. */
  from: z.array(z.string().min(1)).default([]),
  /** Digits the called number starts with ("" matches all; "+" matches global numbers). */
  prefix: z.string().regex(/^\+?[0-9*#]*$/, { message: "must be digits, * or #, optionally after +" }).default(""),
  /** Trunks to try in order: the first is the normal route, the others for failover. */
  to: z.array(z.string().min(1)).min(1),
  /** Leading digits removed, then `prepend` added, before the call leaves. */
  strip: z.number().int().min(0).max(32).default(0),
  prepend: z.string().regex(/^\+?[0-9*#]*$/).default(""),
  /** Smallest number of digits before the route may be taken in overlap (RFC 3578). */
  minDigits: z.number().int().min(0).max(32).default(0),
});

export const routingSchema = z.strictObject({
  /** Country code of this network (E.164): national numbers become +CC... toward SIP (RFC 3398 §7.2.1.1). */
  countryCode: z.string().regex(/^[0-9]{1,3}$/).default("1"),
  sipTrunks: z.array(sipTrunkSchema).default([]),
  routes: z.array(routeSchema).default([]),
  /** Overlap receiving: seconds without a new digit before the number is taken as complete (RFC 3578 §2). */
  interDigitSeconds: z.number().int().min(1).max(60).default(4),
});

/** The media plane: RTP toward SIP, DSP on TDM (drivers/media engine, fed by the card's bearer). */
export const mediaSchema = z.strictObject({
  /** Address RTP/RTCP ports are bound to and advertised in SDP (RFC 4566 §5.7 c=). */
  rtpAddress: ipLiteral.default("127.0.0.1"),
  /** DTMF toward SIP: RFC 4733 events with the in-band tone muted, in band only, or both. */
  dtmfMode: z.enum(["rfc4733", "inband", "both"]).default("rfc4733"),
  /** Line echo canceller on every RTP stream's TDM side (ITU-T G.168); tail 8..128 ms. */
  echoCanceller: z
    .strictObject({
      enabled: z.boolean().default(true),
      tailMs: z.number().int().min(8).max(128).default(64),
    })
    .prefault({}),
  /** Packetization time of what the gateway sends (RFC 4566 §6 a=ptime). */
  ptimeMs: z.union([z.literal(10), z.literal(20), z.literal(30)]).default(20),
  /** Adaptive jitter buffer bounds in ms (the engine allows up to 400). */
  jitterBuffer: z
    .strictObject({
      minMs: z.number().int().min(0).max(400).default(20),
      maxMs: z.number().int().min(10).max(400).default(200),
    })
    .refine((j) => j.minMs <= j.maxMs, { message: "minMs must not exceed maxMs" })
    .prefault({}),
  /** RTP streams at once; default one per TDM channel of the card. */
  maxStreams: z.number().int().min(1).max(4096).optional(),
});

/** A rule of a simulated far end (hardware/farend/README.md "Rules"): JSON members as the far end takes them. */
const farendRuleSchema = z.strictObject({
  prefix: z.string().regex(/^[0-9*#]*$/).optional(),
  action: z.enum(["answer", "ring", "busy", "release", "manual"]),
  after_ms: z.number().int().min(0).max(600_000).optional(),
  cause: z.number().int().min(1).max(127).optional(),
  cause_from_digits: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
  alerting: z.boolean().optional(),
  echo: z.boolean().optional(),
  tone: z.number().int().min(100).max(4000).optional(),
  dbm0: z.number().min(-60).max(3).optional(),
});

/**
 * A far-end simulator the gateway starts beside itself on the simulated card
 * (hardware/farend): the libss7 PSTN switch (`ss7`) or the libpri QSIG PBX
 * (`pbx`) on a span's signalling timeslot, with the span's bearer.
 */
export const farendSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/, { message: "must be lower-case letters, digits and dashes" }),
  kind: z.enum(["ss7", "pbx"]),
  span: z.number().int().min(1).max(64),
  timeslot,
  /** ss7: the switch's own point code, and ours as it sees it. */
  pointCode: pointCode.optional(),
  peerPointCode: pointCode.optional(),
  variant: z.enum(["itu", "ansi"]).default("itu"),
  /** pbx: its side of the D-channel (the gateway's trunk takes the other). */
  side: z.enum(["network", "user"]).default("user"),
  /** What incoming calls get, longest prefix first; the default rule takes the rest. */
  rules: z.array(farendRuleSchema).default([]),
  defaultRule: farendRuleSchema.optional(),
});

export const controlSchema = z.strictObject({
  /** Local control socket path for `sipt-gw circuits|links|calls ...`. Empty: a per-user default. */
  socket: z.string().default(""),
});

/** timers.<layer>.<name> in ms; the layer tables decide which names and ranges are valid. */
export const timersSchema = z.record(z.string(), z.record(z.string(), z.number().int().min(0)));

export const configSchema = z.strictObject({
  log: logSchema.prefault({}),
  control: controlSchema.prefault({}),
  card: cardSchema,
  sip: sipSchema,
  /** SS7 signalling (MTP2, MTP3, ISUP); absent when the gateway has no SS7 trunks. */
  ss7: ss7Schema.optional(),
  /** PRI / QSIG trunks (Q.921, Q.931, ECMA-143); absent when the gateway has none. */
  isdn: isdnSchema.optional(),
  /** Trunks on the SIP side and routes between trunks; absent: calls are not routed. */
  routing: routingSchema.optional(),
  /** Far-end simulators to run with the gateway (simulated card only). */
  farends: z.array(farendSchema).default([]),
  /** The media plane (RTP, DTMF, echo cancellation); every key has a product default. */
  media: mediaSchema.prefault({}),
  timers: timersSchema.default({}),
});

export type GatewayConfig = z.output<typeof configSchema>;
export type GatewayConfigInput = z.input<typeof configSchema>;
