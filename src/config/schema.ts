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
  timers: timersSchema.default({}),
});

export type GatewayConfig = z.output<typeof configSchema>;
export type GatewayConfigInput = z.input<typeof configSchema>;
