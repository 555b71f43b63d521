/**
 * Q.931 information elements (Q.931 §4.5; Q.850 §2 for Cause; Q.932 §8.2 for
 * Facility and Notification indicator; Q.951 §3 / ECMA-143 for Connected
 * number). One definition per element: identifier, name, clause and a field
 * codec. Elements of codeset 0 that are listed without a codec are kept as
 * bytes under their name; elements of other codesets are kept as bytes.
 *
 * Field codecs read an element's contents (octet 3 onwards) and throw
 * DecodeFailure through ByteReader on contents they cannot take; the message
 * walker turns that into an element kept as bytes with status "invalid", so
 * one bad element never loses the message (Q.931 §5.8.6.2, §5.8.7.2).
 */
import { ByteReader, ByteWriter } from "../../../core/bytes.js";
import { decodeIa5, encodeIa5 } from "../../../core/digits.js";
import { EncodeError } from "../../../core/errors.js";

// --- Field types --------------------------------------------------------------

/** Layer information of a Bearer capability: octet 5, 6 or 7 and its extension octets (5a-5d, 6a, 7a-7b) as sent. */
export interface BearerLayer {
  readonly protocol: number;
  /** Octets after the layer octet, kept with their extension bits. */
  readonly additional: Uint8Array;
}

/** Bearer capability, Q.931 §4.5.5. */
export interface BearerCapability {
  /** Octet 3 bits 7-6: 0 ITU-T. */
  readonly codingStandard: number;
  /** Octet 3 bits 5-1: 0 speech, 8 unrestricted digital, 9 restricted digital, 16 3.1 kHz audio, 17 7 kHz audio, 24 video. */
  readonly informationTransferCapability: number;
  /** Octet 4 bits 7-6: 0 circuit mode, 2 packet mode. */
  readonly transferMode: number;
  /** Octet 4 bits 5-1: 16 64 kbit/s, 17 2x64, 19 384, 21 1536, 23 1920, 24 multirate. */
  readonly informationTransferRate: number;
  /** Octet 4.1, present only with multirate (Q.931 §4.5.5 note). */
  readonly rateMultiplier?: number;
  /** Octet 5: user information layer 1 protocol (2 G.711 u-law, 3 G.711 A-law, ...). */
  readonly layer1?: BearerLayer;
  readonly layer2?: BearerLayer;
  readonly layer3?: BearerLayer;
}

/** B-channels or slots of a Channel identification on an interface other than basic (octets 3.2, 3.3). */
export interface ChannelList {
  /** Octet 3.2 bits 7-6. */
  readonly codingStandard: number;
  /** Octet 3.2 bits 4-1: 3 B-channel units, 6 H0, 8 H11, 9 H12. */
  readonly elementType: number;
  /** Channel numbers (number/map bit 0) or undefined when a slot map is used. */
  readonly numbers?: readonly number[];
  /** Slot map octets (number/map bit 1). */
  readonly slotMap?: Uint8Array;
}

/** Channel identification, Q.931 §4.5.13. */
export interface ChannelIdentification {
  /** Octets 3.1 as sent (with extension bits) when octet 3 bit 7 says the interface is identified explicitly. */
  readonly interfaceIdentifier?: Uint8Array;
  /** Octet 3 bit 6: basic or other (primary rate). */
  readonly interfaceType: "basic" | "primary";
  /** Octet 3 bit 4: 1 exclusive, 0 preferred. */
  readonly exclusive: boolean;
  /** Octet 3 bit 3: the D-channel is indicated. */
  readonly dChannel: boolean;
  /**
   * Octet 3 bits 2-1. Basic: 0 no channel, 1 B1, 2 B2, 3 any. Other:
   * 0 no channel, 1 as indicated in the following octets, 3 any channel.
   */
  readonly channelSelection: number;
  readonly channels?: ChannelList;
}

/** Called party number, Q.931 §4.5.8. */
export interface CalledPartyNumber {
  /** Octet 3 bits 7-5: 0 unknown, 1 international, 2 national, 3 network specific, 4 subscriber, 6 abbreviated. */
  readonly typeOfNumber: number;
  /** Octet 3 bits 4-1: 0 unknown, 1 ISDN/telephony E.164, 3 data, 4 telex, 8 national, 9 private. */
  readonly numberingPlan: number;
  /** IA5 digits (0-9, *, #, ...). */
  readonly digits: string;
}

/** Calling party number (Q.931 §4.5.10) and Connected number (Q.951 §3). */
export interface CallingPartyNumber extends CalledPartyNumber {
  /** Octet 3a bits 7-6: 0 allowed, 1 restricted, 2 not available due to interworking. Absent when octet 3a is. */
  readonly presentation?: number;
  /** Octet 3a bits 2-1: 0 user provided not screened, 1 verified and passed, 2 verified and failed, 3 network provided. */
  readonly screening?: number;
}

/** Cause, Q.931 §4.5.12 / Q.850 §2.2. */
export interface Cause {
  readonly codingStandard: number;
  /** Octet 3 bits 4-1: 0 user, 1 private network serving the local user, 2 public local, ... (Q.850 Table 1). */
  readonly location: number;
  /** Octet 3a, present only when sent. */
  readonly recommendation?: number;
  /** Q.850 cause value, octet 4 bits 7-1. */
  readonly value: number;
  readonly diagnostics: Uint8Array;
}

/** Progress indicator, Q.931 §4.5.23. */
export interface ProgressIndicator {
  readonly codingStandard: number;
  readonly location: number;
  /** 1 not end-to-end ISDN, 2 destination non-ISDN, 3 origination non-ISDN, 4 returned to ISDN, 8 in-band information available. */
  readonly description: number;
}

/** Facility (Q.932 §8.2): the protocol profile and the components, kept as bytes for the supplementary service layer. */
export interface Facility {
  /** Octet 3 bits 5-1: 0x11 remote operations (ROSE), 0x1F networking extensions (QSIG). */
  readonly protocolProfile: number;
  readonly components: Uint8Array;
}

/** Notification indicator, Q.931 §4.5.22 / Q.932. */
export interface NotificationIndicator {
  /** Octet 3 bits 7-1: 0 user suspended, 1 user resumed, 2 bearer service change, ... */
  readonly description: number;
  /** Octets after octet 3 (extended description), kept as bytes. */
  readonly extension: Uint8Array;
}

/** Restart indicator, Q.931 §4.5.25. */
export interface RestartIndicator {
  /** Octet 3 bits 3-1: 0 indicated channels, 6 single interface, 7 all interfaces. */
  readonly restartClass: number;
}

/** Call state, Q.931 §4.5.7. */
export interface CallStateIe {
  readonly codingStandard: number;
  /** Call state value (U0..U25, N0..N25; 0x3D REST 1, 0x3E REST 2 on the global call reference). */
  readonly value: number;
}

/** High layer compatibility, Q.931 §4.5.17. */
export interface HighLayerCompatibility {
  readonly codingStandard: number;
  readonly interpretation: number;
  readonly presentation: number;
  /** Octet 4 bits 7-1: 1 telephony, 4 fax group 2/3, ... */
  readonly identification: number;
  /** Octet 4a, present only when sent. */
  readonly extendedIdentification?: number;
}

/** The decoded value type of each element this codec understands. */
export interface IeValueMap {
  bearerCapability: BearerCapability;
  cause: Cause;
  callState: CallStateIe;
  channelIdentification: ChannelIdentification;
  facility: Facility;
  progressIndicator: ProgressIndicator;
  notificationIndicator: NotificationIndicator;
  display: string;
  connectedNumber: CallingPartyNumber;
  callingPartyNumber: CallingPartyNumber;
  calledPartyNumber: CalledPartyNumber;
  restartIndicator: RestartIndicator;
  highLayerCompatibility: HighLayerCompatibility;
}

export type DecodedIeName = keyof IeValueMap;

// --- Element definitions ---------------------------------------------------------

export interface IeCodec<V> {
  readonly decode: (r: ByteReader) => V;
  readonly encode: (v: V, w: ByteWriter) => void;
}

export interface IeDefinition {
  /** Identifier in codeset 0. */
  readonly id: number;
  readonly name: string;
  readonly clause: string;
  /** Absent: kept as bytes. */
  readonly codec?: IeCodec<unknown>;
}

function bits(v: number, hi: number, lo: number): number {
  return (v >> (lo - 1)) & ((1 << (hi - lo + 1)) - 1);
}

function checkField(field: string, v: number | undefined, max: number): number {
  if (v === undefined || !Number.isInteger(v) || v < 0 || v > max) throw new EncodeError(field, `${String(v)} is outside 0..${max}`);
  return v;
}

/** Octets up to and including the first one with bit 8 set (an extended octet group, Q.931 §4.5.1). */
function readExtended(r: ByteReader, field: string): Uint8Array {
  const out: number[] = [];
  for (;;) {
    const b = r.u8(field);
    out.push(b);
    if (b & 0x80) return Uint8Array.from(out);
    if (r.atEnd) r.fail(field, "extension bit says another octet follows but the element ends", "Q.931 §4.5.1");
  }
}

function ia5Digits(r: ByteReader, field: string): string {
  const at = r.offset;
  const s = decodeIa5(r.rest());
  if (s === undefined) {
    throw new ByteReader(new Uint8Array(0), 0, 0, at).fail(field, "a character has bit 8 set; IA5 characters have bit 8 = 0", "Q.931 §4.5.8");
  }
  return s;
}

const bearerCapability: IeCodec<BearerCapability> = {
  decode(r) {
    const o3 = r.u8("octet 3");
    const o4 = r.u8("octet 4");
    const itr = bits(o4, 5, 1);
    let rateMultiplier: number | undefined;
    // Q.931 §4.5.5: octet 4.1 only with information transfer rate "multirate" (11000).
    if (itr === 0x18) rateMultiplier = bits(r.u8("octet 4.1 rate multiplier"), 7, 1);
    const layers: Partial<Record<1 | 2 | 3, BearerLayer>> = {};
    let last = 0;
    while (!r.atEnd) {
      const o = r.u8("layer identification octet");
      const layer = bits(o, 7, 6) as 0 | 1 | 2 | 3;
      if (layer === 0) r.fail("layer identification", "bits 7-6 are 00; 01, 10 or 11 (layer 1, 2, 3) expected", "Q.931 §4.5.5");
      if (layer <= last) r.fail("layer identification", `layer ${layer} octet after layer ${last}; layers must be ascending and appear once`, "Q.931 §4.5.5");
      last = layer;
      const additional = o & 0x80 ? new Uint8Array(0) : readExtended(r, `octet ${layer + 4}a`);
      layers[layer as 1 | 2 | 3] = { protocol: bits(o, 5, 1), additional };
    }
    return {
      codingStandard: bits(o3, 7, 6),
      informationTransferCapability: bits(o3, 5, 1),
      transferMode: bits(o4, 7, 6),
      informationTransferRate: itr,
      ...(rateMultiplier !== undefined ? { rateMultiplier } : {}),
      ...(layers[1] ? { layer1: layers[1] } : {}),
      ...(layers[2] ? { layer2: layers[2] } : {}),
      ...(layers[3] ? { layer3: layers[3] } : {}),
    };
  },
  encode(v, w) {
    w.u8(0x80 | (checkField("coding standard", v.codingStandard, 3) << 5) | checkField("information transfer capability", v.informationTransferCapability, 31));
    w.u8(0x80 | (checkField("transfer mode", v.transferMode, 3) << 5) | checkField("information transfer rate", v.informationTransferRate, 31));
    if (v.informationTransferRate === 0x18) w.u8(0x80 | checkField("rate multiplier", v.rateMultiplier ?? 0, 127));
    else if (v.rateMultiplier !== undefined) throw new EncodeError("rate multiplier", "only allowed with information transfer rate multirate (24)");
    const layers: [number, BearerLayer | undefined][] = [
      [1, v.layer1],
      [2, v.layer2],
      [3, v.layer3],
    ];
    for (const [n, l] of layers) {
      if (!l) continue;
      w.u8((l.additional.length ? 0 : 0x80) | (n << 5) | checkField(`layer ${n} protocol`, l.protocol, 31));
      w.bytes(l.additional);
    }
  },
};

const channelIdentification: IeCodec<ChannelIdentification> = {
  decode(r) {
    const o3 = r.u8("octet 3");
    const interfaceType = o3 & 0x20 ? "primary" : "basic";
    const interfaceIdentifier = o3 & 0x40 ? readExtended(r, "octet 3.1 interface identifier") : undefined;
    let channels: ChannelList | undefined;
    if (interfaceType === "primary" && !r.atEnd) {
      const o32 = r.u8("octet 3.2");
      if (!(o32 & 0x80)) r.fail("octet 3.2", "extension bit is 0; octet 3.2 has no continuation", "Q.931 §4.5.13");
      const codingStandard = bits(o32, 7, 6);
      const elementType = bits(o32, 4, 1);
      if (o32 & 0x10) {
        const slotMap = r.rest().slice();
        if (slotMap.length === 0) r.fail("octet 3.3 slot map", "slot map indicated but absent", "Q.931 §4.5.13");
        channels = { codingStandard, elementType, slotMap };
      } else {
        const numbers: number[] = [];
        for (;;) {
          const b = r.u8("octet 3.3 channel number");
          numbers.push(b & 0x7f);
          if (b & 0x80) break;
        }
        channels = { codingStandard, elementType, numbers };
      }
    }
    if (!r.atEnd) r.fail("channel identification", `${r.remaining} octets after the last field`, "Q.931 §4.5.13");
    return {
      ...(interfaceIdentifier ? { interfaceIdentifier } : {}),
      interfaceType,
      exclusive: (o3 & 0x08) !== 0,
      dChannel: (o3 & 0x04) !== 0,
      channelSelection: o3 & 0x03,
      ...(channels ? { channels } : {}),
    };
  },
  encode(v, w) {
    w.u8(
      0x80 |
        (v.interfaceIdentifier ? 0x40 : 0) |
        (v.interfaceType === "primary" ? 0x20 : 0) |
        (v.exclusive ? 0x08 : 0) |
        (v.dChannel ? 0x04 : 0) |
        checkField("information channel selection", v.channelSelection, 3),
    );
    if (v.interfaceIdentifier) w.bytes(v.interfaceIdentifier);
    const c = v.channels;
    if (!c) return;
    if (v.interfaceType !== "primary") throw new EncodeError("channel identification", "octets 3.2/3.3 exist only for an interface other than basic");
    const map = c.slotMap !== undefined;
    if (map === (c.numbers !== undefined)) throw new EncodeError("channel identification", "exactly one of numbers or slotMap is required");
    w.u8(0x80 | (checkField("coding standard", c.codingStandard, 3) << 5) | (map ? 0x10 : 0) | checkField("channel type", c.elementType, 15));
    if (c.slotMap) {
      if (c.slotMap.length === 0) throw new EncodeError("slot map", "empty");
      w.bytes(c.slotMap);
    } else {
      const nums = c.numbers as readonly number[];
      if (nums.length === 0) throw new EncodeError("channel numbers", "empty");
      nums.forEach((n, i) => w.u8((i === nums.length - 1 ? 0x80 : 0) | checkField("channel number", n, 127)));
    }
  },
};

const calledPartyNumber: IeCodec<CalledPartyNumber> = {
  decode(r) {
    const o3 = r.u8("octet 3");
    if (!(o3 & 0x80)) r.fail("octet 3", "extension bit is 0; the called party number has no octet 3a", "Q.931 §4.5.8");
    return { typeOfNumber: bits(o3, 7, 5), numberingPlan: bits(o3, 4, 1), digits: ia5Digits(r, "number digits") };
  },
  encode(v, w) {
    w.u8(0x80 | (checkField("type of number", v.typeOfNumber, 7) << 4) | checkField("numbering plan", v.numberingPlan, 15));
    w.bytes(encodeIa5(v.digits));
  },
};

const callingPartyNumber: IeCodec<CallingPartyNumber> = {
  decode(r) {
    const o3 = r.u8("octet 3");
    let pres: { presentation: number; screening: number } | undefined;
    if (!(o3 & 0x80)) {
      const o3a = r.u8("octet 3a");
      if (!(o3a & 0x80)) r.fail("octet 3a", "extension bit is 0; octet 3a is the last of the group", "Q.931 §4.5.10");
      pres = { presentation: bits(o3a, 7, 6), screening: bits(o3a, 2, 1) };
    }
    return { typeOfNumber: bits(o3, 7, 5), numberingPlan: bits(o3, 4, 1), ...(pres ?? {}), digits: ia5Digits(r, "number digits") };
  },
  encode(v, w) {
    const has3a = v.presentation !== undefined || v.screening !== undefined;
    w.u8((has3a ? 0 : 0x80) | (checkField("type of number", v.typeOfNumber, 7) << 4) | checkField("numbering plan", v.numberingPlan, 15));
    if (has3a) w.u8(0x80 | (checkField("presentation indicator", v.presentation ?? 0, 3) << 5) | checkField("screening indicator", v.screening ?? 0, 3));
    w.bytes(encodeIa5(v.digits));
  },
};

const cause: IeCodec<Cause> = {
  decode(r) {
    const o3 = r.u8("octet 3");
    let recommendation: number | undefined;
    if (!(o3 & 0x80)) recommendation = bits(r.u8("octet 3a recommendation"), 7, 1);
    if (r.atEnd) r.fail("octet 4 cause value", "the cause value is missing", "Q.850 §2.2.5");
    const o4 = r.u8("octet 4 cause value");
    return {
      codingStandard: bits(o3, 7, 6),
      location: bits(o3, 4, 1),
      ...(recommendation !== undefined ? { recommendation } : {}),
      value: bits(o4, 7, 1),
      diagnostics: r.rest().slice(),
    };
  },
  encode(v, w) {
    const has3a = v.recommendation !== undefined;
    w.u8((has3a ? 0 : 0x80) | (checkField("coding standard", v.codingStandard, 3) << 5) | checkField("location", v.location, 15));
    if (has3a) w.u8(0x80 | checkField("recommendation", v.recommendation, 127));
    w.u8(0x80 | checkField("cause value", v.value, 127));
    w.bytes(v.diagnostics);
  },
};

const progressIndicator: IeCodec<ProgressIndicator> = {
  decode(r) {
    const o3 = r.u8("octet 3");
    const o4 = r.u8("octet 4 progress description");
    if (!r.atEnd) r.fail("progress indicator", `${r.remaining} octets after octet 4`, "Q.931 §4.5.23");
    return { codingStandard: bits(o3, 7, 6), location: bits(o3, 4, 1), description: bits(o4, 7, 1) };
  },
  encode(v, w) {
    w.u8(0x80 | (checkField("coding standard", v.codingStandard, 3) << 5) | checkField("location", v.location, 15));
    w.u8(0x80 | checkField("progress description", v.description, 127));
  },
};

const display: IeCodec<string> = {
  decode: (r) => ia5Digits(r, "display information"),
  encode: (v, w) => void w.bytes(encodeIa5(v)),
};

const facility: IeCodec<Facility> = {
  decode(r) {
    const o3 = r.u8("octet 3 protocol profile");
    return { protocolProfile: bits(o3, 5, 1), components: r.rest().slice() };
  },
  encode(v, w) {
    w.u8(0x80 | checkField("protocol profile", v.protocolProfile, 31));
    w.bytes(v.components);
  },
};

const notificationIndicator: IeCodec<NotificationIndicator> = {
  decode(r) {
    const o3 = r.u8("octet 3 notification description");
    const extension = r.rest().slice();
    if (!(o3 & 0x80) && extension.length === 0) r.fail("octet 3", "extension bit is 0 but no octet follows", "Q.931 §4.5.22");
    return { description: bits(o3, 7, 1), extension };
  },
  encode(v, w) {
    w.u8((v.extension.length ? 0 : 0x80) | checkField("notification description", v.description, 127));
    w.bytes(v.extension);
  },
};

const restartIndicator: IeCodec<RestartIndicator> = {
  decode(r) {
    const o3 = r.u8("octet 3 class");
    if (!r.atEnd) r.fail("restart indicator", `${r.remaining} octets after octet 3`, "Q.931 §4.5.25");
    return { restartClass: bits(o3, 3, 1) };
  },
  encode(v, w) {
    w.u8(0x80 | checkField("restart class", v.restartClass, 7));
  },
};

const callState: IeCodec<CallStateIe> = {
  decode(r) {
    const o3 = r.u8("octet 3 call state value");
    if (!r.atEnd) r.fail("call state", `${r.remaining} octets after octet 3`, "Q.931 §4.5.7");
    return { codingStandard: bits(o3, 8, 7), value: bits(o3, 6, 1) };
  },
  encode(v, w) {
    w.u8((checkField("coding standard", v.codingStandard, 3) << 6) | checkField("call state value", v.value, 63));
  },
};

const highLayerCompatibility: IeCodec<HighLayerCompatibility> = {
  decode(r) {
    const o3 = r.u8("octet 3");
    const o4 = r.u8("octet 4 high layer characteristics identification");
    let ext: number | undefined;
    if (!(o4 & 0x80)) ext = bits(r.u8("octet 4a"), 7, 1);
    if (!r.atEnd) r.fail("high layer compatibility", `${r.remaining} octets after the last field`, "Q.931 §4.5.17");
    return {
      codingStandard: bits(o3, 7, 6),
      interpretation: bits(o3, 5, 3),
      presentation: bits(o3, 2, 1),
      identification: bits(o4, 7, 1),
      ...(ext !== undefined ? { extendedIdentification: ext } : {}),
    };
  },
  encode(v, w) {
    w.u8(0x80 | (checkField("coding standard", v.codingStandard, 3) << 5) | (checkField("interpretation", v.interpretation, 7) << 2) | checkField("presentation", v.presentation, 3));
    const has4a = v.extendedIdentification !== undefined;
    w.u8((has4a ? 0 : 0x80) | checkField("identification", v.identification, 127));
    if (has4a) w.u8(0x80 | checkField("extended identification", v.extendedIdentification, 127));
  },
};

const defs: IeDefinition[] = [
  { id: 0x00, name: "segmentedMessage", clause: "Q.931 §4.5.26" },
  { id: 0x04, name: "bearerCapability", clause: "Q.931 §4.5.5", codec: bearerCapability as IeCodec<unknown> },
  { id: 0x08, name: "cause", clause: "Q.931 §4.5.12, Q.850 §2.2", codec: cause as IeCodec<unknown> },
  { id: 0x0d, name: "extendedFacility", clause: "Q.932 §8.2" },
  { id: 0x10, name: "callIdentity", clause: "Q.931 §4.5.6" },
  { id: 0x14, name: "callState", clause: "Q.931 §4.5.7", codec: callState as IeCodec<unknown> },
  { id: 0x18, name: "channelIdentification", clause: "Q.931 §4.5.13", codec: channelIdentification as IeCodec<unknown> },
  { id: 0x1c, name: "facility", clause: "Q.932 §8.2", codec: facility as IeCodec<unknown> },
  { id: 0x1e, name: "progressIndicator", clause: "Q.931 §4.5.23", codec: progressIndicator as IeCodec<unknown> },
  { id: 0x20, name: "networkSpecificFacilities", clause: "Q.931 §4.5.21" },
  { id: 0x27, name: "notificationIndicator", clause: "Q.931 §4.5.22", codec: notificationIndicator as IeCodec<unknown> },
  { id: 0x28, name: "display", clause: "Q.931 §4.5.16", codec: display as IeCodec<unknown> },
  { id: 0x29, name: "dateTime", clause: "Q.931 §4.5.15" },
  { id: 0x2c, name: "keypadFacility", clause: "Q.931 §4.5.18" },
  { id: 0x32, name: "informationRequest", clause: "Q.932 §8.2" },
  { id: 0x34, name: "signal", clause: "Q.931 §4.5.28" },
  { id: 0x38, name: "featureActivation", clause: "Q.932 §8.2" },
  { id: 0x39, name: "featureIndication", clause: "Q.932 §8.2" },
  { id: 0x3a, name: "serviceProfileIdentification", clause: "Q.932 §8.2" },
  { id: 0x3b, name: "endpointIdentifier", clause: "Q.932 §8.2" },
  { id: 0x40, name: "informationRate", clause: "Q.931 §4.6.3" },
  { id: 0x42, name: "endToEndTransitDelay", clause: "Q.931 §4.6.2" },
  { id: 0x43, name: "transitDelaySelectionAndIndication", clause: "Q.931 §4.6.8" },
  { id: 0x44, name: "packetLayerBinaryParameters", clause: "Q.931 §4.6.4" },
  { id: 0x45, name: "packetLayerWindowSize", clause: "Q.931 §4.6.5" },
  { id: 0x46, name: "packetSize", clause: "Q.931 §4.6.6" },
  { id: 0x47, name: "closedUserGroup", clause: "Q.931 §4.6.1" },
  { id: 0x4a, name: "reverseChargingIndication", clause: "Q.931 §4.6.7" },
  { id: 0x4c, name: "connectedNumber", clause: "Q.951 §3, ECMA-143", codec: callingPartyNumber as IeCodec<unknown> },
  { id: 0x4d, name: "connectedSubaddress", clause: "Q.951 §3" },
  { id: 0x6c, name: "callingPartyNumber", clause: "Q.931 §4.5.10", codec: callingPartyNumber as IeCodec<unknown> },
  { id: 0x6d, name: "callingPartySubaddress", clause: "Q.931 §4.5.11" },
  { id: 0x70, name: "calledPartyNumber", clause: "Q.931 §4.5.8", codec: calledPartyNumber as IeCodec<unknown> },
  { id: 0x71, name: "calledPartySubaddress", clause: "Q.931 §4.5.9" },
  { id: 0x73, name: "originalCalledNumber", clause: "Q.952" },
  { id: 0x74, name: "redirectingNumber", clause: "Q.952 §4.1" },
  { id: 0x76, name: "redirectionNumber", clause: "Q.952 §4.2" },
  { id: 0x78, name: "transitNetworkSelection", clause: "Q.931 §4.5.29" },
  { id: 0x79, name: "restartIndicator", clause: "Q.931 §4.5.25", codec: restartIndicator as IeCodec<unknown> },
  { id: 0x7c, name: "lowLayerCompatibility", clause: "Q.931 §4.5.19" },
  { id: 0x7d, name: "highLayerCompatibility", clause: "Q.931 §4.5.17", codec: highLayerCompatibility as IeCodec<unknown> },
  { id: 0x7e, name: "userUser", clause: "Q.931 §4.5.30" },
  { id: 0x7f, name: "escapeForExtension", clause: "Q.931 §4.5.1" },
];

/** Codeset 0 variable-length elements by identifier. */
export const IE_BY_ID: ReadonlyMap<number, IeDefinition> = new Map(defs.map((d) => [d.id, d]));
/** Codeset 0 variable-length elements by name. */
export const IE_BY_NAME: ReadonlyMap<string, IeDefinition> = new Map(defs.map((d) => [d.name, d]));

/** Single-octet elements of codeset 0 (Q.931 §4.5.1, Table 4-3/Q.931), by the octet with value bits masked. */
export const SINGLE_OCTET_IES: readonly { readonly match: (o: number) => boolean; readonly name: SingleOctetName; readonly clause: string }[] = [
  { match: (o) => o === 0xa0, name: "moreData", clause: "Q.931 §4.5.20" },
  { match: (o) => o === 0xa1, name: "sendingComplete", clause: "Q.931 §4.5.27" },
  { match: (o) => (o & 0xf0) === 0xb0, name: "congestionLevel", clause: "Q.931 §4.5.14" },
  { match: (o) => (o & 0xf0) === 0xd0, name: "repeatIndicator", clause: "Q.931 §4.5.24" },
];

export type SingleOctetName = "moreData" | "sendingComplete" | "congestionLevel" | "repeatIndicator" | "unknown";

/**
 * Q.931 §4.5.1 (Table 4-3/Q.931 note): variable-length elements of codeset 0
 * whose identifier has bits 8-5 = 0000 are "comprehension required".
 */
export function isComprehensionRequired(codeset: number, id: number): boolean {
  return codeset === 0 && (id & 0xf0) === 0;
}

export function ieName(codeset: number, id: number): string {
  if (codeset === 0) {
    const d = IE_BY_ID.get(id);
    if (d) return d.name;
  }
  return `codeset${codeset}-0x${id.toString(16).padStart(2, "0")}`;
}

/** Encode a decoded element's contents (octet 3 onwards). Throws EncodeError on our own bad values. */
export function encodeIeContents(name: DecodedIeName, value: unknown): Uint8Array {
  const def = IE_BY_NAME.get(name);
  if (!def?.codec) throw new EncodeError(name, "no codec for this element");
  const w = new ByteWriter(32);
  def.codec.encode(value, w);
  return w.finish();
}
