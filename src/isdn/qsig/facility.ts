/**
 * The components of a Facility information element as QSIG carries them
 * (ECMA-165 = ISO/IEC 11582 §7-§8; Q.932 §8): protocol profile 0x1F
 * "networking extensions" with the Network Facility Extension [10], Network
 * Protocol Profile [18] and Interpretation APDU [11] ahead of the ROSE APDUs,
 * or profile 0x11 "remote operations" with ROSE APDUs only. Invokes of the
 * operations this layer knows (table QSIG_OPERATIONS) get their argument
 * decoded; everything else stays BER.
 *
 * Pure.
 */
import { decodeWith } from "../../core/bytes.js";
import { DecodeFailure, EncodeError } from "../../core/errors.js";
import type { DecodeResult } from "../../core/result.js";
import type { Facility } from "../q931/codec/information-elements.js";
import { BerShapeError, TagClass, constructed, decodeBer, encodeBer, enumerated, expectConstructed, integer, isTag, readInteger } from "./ber.js";
import type { BerNode } from "./ber.js";
import {
  divertingLegInformation1Node,
  divertingLegInformation2Node,
  divertingLegInformation3Node,
  readDivertingLegInformation1,
  readDivertingLegInformation2,
  readDivertingLegInformation3,
} from "./diversion.js";
import type { DivertingLegInformation1, DivertingLegInformation2, DivertingLegInformation3 } from "./diversion.js";
import { nameArgNode, readNameArg } from "./names.js";
import type { NameArg } from "./names.js";
import { isRoseApdu, readRoseApdu, roseApduNode } from "./rose.js";
import type { RoseApdu } from "./rose.js";

/** Facility protocol profiles (Q.932 §8.2, ECMA-165). */
export const PROTOCOL_PROFILE = { remoteOperations: 0x11, networkingExtensions: 0x1f } as const;

/** EntityType ::= ENUMERATED { endPINX (0), anyTypeOfPINX (1) } (ECMA-165). */
export const ENTITY_TYPE = { endPINX: 0, anyTypeOfPINX: 1 } as const;

/** InterpretationApdu (ECMA-165): what the receiver does with invokes it does not recognise. */
export const INTERPRETATION = { discardAnyUnrecognisedInvokePdu: 0, clearCallIfAnyInvokePduNotRecognised: 1, rejectAnyUnrecognisedInvokePdu: 2 } as const;

export interface NetworkFacilityExtension {
  readonly sourceEntity: number;
  /** AddressInformation, kept as BER. */
  readonly sourceEntityAddress?: BerNode;
  readonly destinationEntity: number;
  readonly destinationEntityAddress?: BerNode;
}

/** The QSIG operations this layer decodes, by local operation value (ECMA-164, ECMA-174). */
export type QsigOperation =
  | { readonly operation: "callingName" | "calledName" | "connectedName" | "busyName"; readonly argument: NameArg }
  | { readonly operation: "divertingLegInformation1"; readonly argument: DivertingLegInformation1 }
  | { readonly operation: "divertingLegInformation2"; readonly argument: DivertingLegInformation2 }
  | { readonly operation: "divertingLegInformation3"; readonly argument: DivertingLegInformation3 };

export type QsigOperationName = QsigOperation["operation"];

interface OperationDefinition {
  readonly local: number;
  readonly name: QsigOperationName;
  readonly clause: string;
  readonly read: (arg: BerNode | undefined) => QsigOperation["argument"];
  readonly node: (arg: never) => BerNode;
}

export const QSIG_OPERATIONS: readonly OperationDefinition[] = [
  { local: 0, name: "callingName", clause: "ECMA-164 callingName", read: readNameArg, node: nameArgNode },
  { local: 1, name: "calledName", clause: "ECMA-164 calledName", read: readNameArg, node: nameArgNode },
  { local: 2, name: "connectedName", clause: "ECMA-164 connectedName", read: readNameArg, node: nameArgNode },
  { local: 3, name: "busyName", clause: "ECMA-164 busyName", read: readNameArg, node: nameArgNode },
  { local: 20, name: "divertingLegInformation1", clause: "ECMA-174 divertingLegInformation1", read: readDivertingLegInformation1, node: divertingLegInformation1Node },
  { local: 21, name: "divertingLegInformation2", clause: "ECMA-174 divertingLegInformation2", read: readDivertingLegInformation2, node: divertingLegInformation2Node },
  { local: 22, name: "divertingLegInformation3", clause: "ECMA-174 divertingLegInformation3", read: readDivertingLegInformation3, node: divertingLegInformation3Node },
];

const OP_BY_LOCAL = new Map(QSIG_OPERATIONS.map((o) => [o.local, o]));
const OP_BY_NAME = new Map(QSIG_OPERATIONS.map((o) => [o.name, o]));

export type FacilityComponent =
  | { readonly kind: "networkFacilityExtension"; readonly value: NetworkFacilityExtension }
  | { readonly kind: "networkProtocolProfile"; readonly value: number }
  | { readonly kind: "interpretation"; readonly value: number }
  | {
      readonly kind: "rose";
      readonly apdu: RoseApdu;
      /** The decoded operation of an invoke this layer knows. */
      readonly operation?: QsigOperation;
      /** Why the argument of a known operation could not be decoded. */
      readonly argumentError?: string;
    }
  | { readonly kind: "unknown"; readonly node: BerNode };

export interface QsigFacility {
  readonly protocolProfile: number;
  readonly components: readonly FacilityComponent[];
}

function shape<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BerShapeError) throw new DecodeFailure({ offset: 0, field: e.field || field, reason: e.message.slice(e.field.length + 2), clause: "ECMA-165" });
    throw e;
  }
}

function readNfe(n: BerNode): NetworkFacilityExtension {
  const c = expectConstructed(n, "networkFacilityExtension");
  let sourceEntity: number | undefined;
  let destinationEntity: number | undefined;
  let sourceEntityAddress: BerNode | undefined;
  let destinationEntityAddress: BerNode | undefined;
  for (const item of c.children) {
    if (item.tagClass !== TagClass.context) throw new BerShapeError("networkFacilityExtension", "element that is not context-tagged");
    if (item.tagNumber === 0) sourceEntity = readInteger(item, "networkFacilityExtension.sourceEntity");
    else if (item.tagNumber === 1) sourceEntityAddress = item;
    else if (item.tagNumber === 2) destinationEntity = readInteger(item, "networkFacilityExtension.destinationEntity");
    else if (item.tagNumber === 3) destinationEntityAddress = item;
    else throw new BerShapeError("networkFacilityExtension", `unexpected element [${item.tagNumber}]`);
  }
  if (sourceEntity === undefined || destinationEntity === undefined) throw new BerShapeError("networkFacilityExtension", "sourceEntity and destinationEntity are mandatory");
  return { sourceEntity, ...(sourceEntityAddress ? { sourceEntityAddress } : {}), destinationEntity, ...(destinationEntityAddress ? { destinationEntityAddress } : {}) };
}

function nfeNode(v: NetworkFacilityExtension): BerNode {
  return constructed(TagClass.context, 10, [
    enumerated(v.sourceEntity, TagClass.context, 0),
    ...(v.sourceEntityAddress ? [v.sourceEntityAddress] : []),
    enumerated(v.destinationEntity, TagClass.context, 2),
    ...(v.destinationEntityAddress ? [v.destinationEntityAddress] : []),
  ]);
}

/** Decode an invoke's argument when the operation is one QSIG_OPERATIONS lists. */
export function interpretInvoke(apdu: RoseApdu): { operation?: QsigOperation; argumentError?: string } {
  if (apdu.type !== "invoke" || !("local" in apdu.operation)) return {};
  const def = OP_BY_LOCAL.get(apdu.operation.local);
  if (!def) return {};
  try {
    return { operation: { operation: def.name, argument: def.read(apdu.argument) } as QsigOperation };
  } catch (e) {
    if (e instanceof BerShapeError) return { argumentError: e.message };
    throw e;
  }
}

/** Decode the components of a Facility element. */
export function decodeQsigFacility(f: Facility): DecodeResult<QsigFacility> {
  const ber = decodeBer(f.components);
  if (!ber.ok) return { ok: false, error: { ...ber.error, offset: ber.error.offset + 1, field: `facility components: ${ber.error.field}` } };
  return decodeWith(() =>
    shape("facility components", () => {
      const components: FacilityComponent[] = [];
      const nx = f.protocolProfile === PROTOCOL_PROFILE.networkingExtensions;
      for (const n of ber.value) {
        if (nx && isTag(n, TagClass.context, 10) && n.constructed) components.push({ kind: "networkFacilityExtension", value: readNfe(n) });
        else if (nx && isTag(n, TagClass.context, 18) && !n.constructed) components.push({ kind: "networkProtocolProfile", value: readInteger(n, "networkProtocolProfile") });
        else if (nx && isTag(n, TagClass.context, 11) && !n.constructed) components.push({ kind: "interpretation", value: readInteger(n, "interpretationApdu") });
        else if (isRoseApdu(n)) {
          const apdu = readRoseApdu(n);
          components.push({ kind: "rose", apdu, ...interpretInvoke(apdu) });
        } else components.push({ kind: "unknown", node: n });
      }
      return { protocolProfile: f.protocolProfile, components };
    }),
  );
}

/** Encode components into a Facility element's value. */
export function encodeQsigFacility(f: QsigFacility): Facility {
  const nodes = f.components.map((c): BerNode => {
    switch (c.kind) {
      case "networkFacilityExtension":
        return nfeNode(c.value);
      case "networkProtocolProfile":
        return integer(c.value, TagClass.context, 18);
      case "interpretation":
        return enumerated(c.value, TagClass.context, 11);
      case "rose":
        return roseApduNode(c.apdu);
      case "unknown":
        return c.node;
    }
  });
  return { protocolProfile: f.protocolProfile, components: encodeBer(nodes) };
}

/** An Invoke of a QSIG operation with its argument encoded. */
export function invokeOf(op: QsigOperation, invokeId: number): RoseApdu {
  const def = OP_BY_NAME.get(op.operation);
  if (!def) throw new EncodeError("operation", `unknown QSIG operation ${op.operation}`);
  return { type: "invoke", invokeId, operation: { local: def.local }, argument: (def.node as (a: QsigOperation["argument"]) => BerNode)(op.argument) };
}

/**
 * A Facility element carrying QSIG operations end PINX to end PINX, with the
 * interpretation "discard unrecognised invokes" that the name and diversion
 * information operations use (ECMA-164, ECMA-174: no result, no error).
 */
export function qsigFacilityOf(ops: readonly QsigOperation[], firstInvokeId: number): Facility {
  return encodeQsigFacility({
    protocolProfile: PROTOCOL_PROFILE.networkingExtensions,
    components: [
      { kind: "networkFacilityExtension", value: { sourceEntity: ENTITY_TYPE.endPINX, destinationEntity: ENTITY_TYPE.endPINX } },
      { kind: "interpretation", value: INTERPRETATION.discardAnyUnrecognisedInvokePdu },
      ...ops.map((op, i) => ({ kind: "rose" as const, apdu: invokeOf(op, firstInvokeId + i) })),
    ],
  });
}

/** The decoded QSIG operations of a facility, in order. */
export function operationsOf(f: QsigFacility): QsigOperation[] {
  return f.components.flatMap((c) => (c.kind === "rose" && c.operation ? [c.operation] : []));
}
