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

export const sipSchema = z.strictObject({
  listen: z.array(sipListenSchema).min(1),
  /** Largest message accepted, in bytes (RFC 3261 §18.1.1 asks for 1300+ on UDP before switching). */
  maxMessageBytes: z.number().int().min(1500).max(1_048_576).default(65_535),
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
  timers: timersSchema.default({}),
});

export type GatewayConfig = z.output<typeof configSchema>;
export type GatewayConfigInput = z.input<typeof configSchema>;
