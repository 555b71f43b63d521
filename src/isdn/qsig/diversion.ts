/**
 * QSIG call diversion information (ECMA-174 = ISO/IEC 13873,
 * Call-Diversion-Operations-asn1-97, EXPLICIT TAGS): the arguments of
 * divertingLegInformation1 (local 20), divertingLegInformation2 (local 21)
 * and divertingLegInformation3 (local 22), the operations RFC 4497 relates
 * to SIP's diversion and history information.
 *
 *   DLI1 ::= SEQUENCE { diversionReason, subscriptionOption, nominatedNr PartyNumber, extension [9]/[10] OPTIONAL }
 *   DLI2 ::= SEQUENCE { diversionCounter INTEGER (1..15), diversionReason,
 *     originalDiversionReason [0] IMPLICIT DiversionReason OPTIONAL,
 *     divertingNr [1] PresentedNumberUnscreened OPTIONAL, originalCalledNr [2] ... OPTIONAL,
 *     redirectingName [3] Name OPTIONAL, originalCalledName [4] Name OPTIONAL, extension [5]/[6] OPTIONAL }
 *   DLI3 ::= SEQUENCE { presentationAllowedIndicator BOOLEAN, redirectionName [0] Name OPTIONAL, extension [1]/[2] OPTIONAL }
 *
 * Pure.
 */
import { EncodeError } from "../../core/errors.js";
import { BerShapeError, TagClass, UNIVERSAL, boolean, constructed, enumerated, expectConstructed, integer, isTag, readBoolean, readInteger, sequence } from "./ber.js";
import type { BerNode } from "./ber.js";
import { partyNumberNode, presentedNumberUnscreenedNode, readPartyNumber, readPresentedNumberUnscreened } from "./addressing.js";
import type { PartyNumber, PresentedNumberUnscreened } from "./addressing.js";
import { nameNode, readName } from "./names.js";
import type { QsigName } from "./names.js";

/** DiversionReason ::= ENUMERATED { unknown (0), cfu (1), cfb (2), cfnr (3) } */
export const DIVERSION_REASON = { unknown: 0, cfu: 1, cfb: 2, cfnr: 3 } as const;
/** SubscriptionOption ::= ENUMERATED { noNotification (0), notificationWithoutDivertedToNr (1), notificationWithDivertedToNr (2) } */
export const SUBSCRIPTION_OPTION = { noNotification: 0, notificationWithoutDivertedToNr: 1, notificationWithDivertedToNr: 2 } as const;

export interface DivertingLegInformation1 {
  readonly diversionReason: number;
  readonly subscriptionOption: number;
  readonly nominatedNr: PartyNumber;
  readonly extension?: BerNode;
}

export interface DivertingLegInformation2 {
  readonly diversionCounter: number;
  readonly diversionReason: number;
  readonly originalDiversionReason?: number;
  /** Mandatory except when interworking (ECMA-174 note). */
  readonly divertingNr?: PresentedNumberUnscreened;
  readonly originalCalledNr?: PresentedNumberUnscreened;
  readonly redirectingName?: QsigName;
  readonly originalCalledName?: QsigName;
  readonly extension?: BerNode;
}

export interface DivertingLegInformation3 {
  readonly presentationAllowedIndicator: boolean;
  readonly redirectionName?: QsigName;
  readonly extension?: BerNode;
}

function enumOf(n: BerNode | undefined, field: string): number {
  if (!isTag(n, TagClass.universal, UNIVERSAL.ENUMERATED)) throw new BerShapeError(field, "missing or not ENUMERATED");
  return readInteger(n, field);
}

function isExtension(n: BerNode | undefined, single: number): boolean {
  return n !== undefined && n.tagClass === TagClass.context && (n.tagNumber === single || n.tagNumber === single + 1);
}

/** One explicitly tagged Name ([n] Name in an EXPLICIT TAGS module). */
function explicitName(n: BerNode, field: string): QsigName {
  const c = expectConstructed(n, field);
  if (c.children.length !== 1) throw new BerShapeError(field, "explicit tag must hold exactly one Name");
  return readName(c.children[0], field);
}

function explicitNameNode(tag: number, name: QsigName): BerNode {
  return constructed(TagClass.context, tag, [nameNode(name)]);
}

function seq(n: BerNode | undefined, field: string): readonly BerNode[] {
  if (!isTag(n, TagClass.universal, UNIVERSAL.SEQUENCE)) throw new BerShapeError(field, "argument is not a SEQUENCE");
  return expectConstructed(n, field).children;
}

export function readDivertingLegInformation1(n: BerNode | undefined): DivertingLegInformation1 {
  const [reason, option, nominated, ext, extra] = seq(n, "divertingLegInformation1");
  if (ext && !isExtension(ext, 9)) throw new BerShapeError("divertingLegInformation1.extension", "not [9] or [10]");
  if (extra) throw new BerShapeError("divertingLegInformation1", "elements after the extension");
  return {
    diversionReason: enumOf(reason, "divertingLegInformation1.diversionReason"),
    subscriptionOption: enumOf(option, "divertingLegInformation1.subscriptionOption"),
    nominatedNr: readPartyNumber(nominated, "divertingLegInformation1.nominatedNr"),
    ...(ext ? { extension: ext } : {}),
  };
}

export function divertingLegInformation1Node(a: DivertingLegInformation1): BerNode {
  return sequence([enumerated(a.diversionReason), enumerated(a.subscriptionOption), partyNumberNode(a.nominatedNr), ...(a.extension ? [a.extension] : [])]);
}

export function readDivertingLegInformation2(n: BerNode | undefined): DivertingLegInformation2 {
  const items = seq(n, "divertingLegInformation2");
  const [counter, reason] = items;
  if (!isTag(counter, TagClass.universal, UNIVERSAL.INTEGER)) throw new BerShapeError("divertingLegInformation2.diversionCounter", "missing or not an INTEGER");
  const diversionCounter = readInteger(counter, "divertingLegInformation2.diversionCounter");
  if (diversionCounter < 1 || diversionCounter > 15) throw new BerShapeError("divertingLegInformation2.diversionCounter", `${diversionCounter} is outside 1..15`);
  const out: { -readonly [K in keyof DivertingLegInformation2]: DivertingLegInformation2[K] } = {
    diversionCounter,
    diversionReason: enumOf(reason, "divertingLegInformation2.diversionReason"),
  };
  let last = -1;
  for (const item of items.slice(2)) {
    if (item.tagClass !== TagClass.context || item.tagNumber <= last || item.tagNumber > 6) throw new BerShapeError("divertingLegInformation2", `unexpected or out-of-order element [${item.tagNumber}]`);
    last = item.tagNumber === 5 ? 6 : item.tagNumber;
    switch (item.tagNumber) {
      case 0:
        out.originalDiversionReason = readInteger(item, "divertingLegInformation2.originalDiversionReason");
        break;
      case 1:
      case 2: {
        const field = item.tagNumber === 1 ? "divertingNr" : "originalCalledNr";
        const c = expectConstructed(item, `divertingLegInformation2.${field}`);
        if (c.children.length !== 1) throw new BerShapeError(`divertingLegInformation2.${field}`, "explicit tag must hold exactly one PresentedNumberUnscreened");
        out[field] = readPresentedNumberUnscreened(c.children[0], `divertingLegInformation2.${field}`);
        break;
      }
      case 3:
        out.redirectingName = explicitName(item, "divertingLegInformation2.redirectingName");
        break;
      case 4:
        out.originalCalledName = explicitName(item, "divertingLegInformation2.originalCalledName");
        break;
      default:
        out.extension = item;
    }
  }
  return out;
}

export function divertingLegInformation2Node(a: DivertingLegInformation2): BerNode {
  if (!Number.isInteger(a.diversionCounter) || a.diversionCounter < 1 || a.diversionCounter > 15) throw new EncodeError("diversionCounter", `${a.diversionCounter} is outside 1..15`);
  return sequence([
    integer(a.diversionCounter),
    enumerated(a.diversionReason),
    ...(a.originalDiversionReason !== undefined ? [enumerated(a.originalDiversionReason, TagClass.context, 0)] : []),
    ...(a.divertingNr ? [constructed(TagClass.context, 1, [presentedNumberUnscreenedNode(a.divertingNr)])] : []),
    ...(a.originalCalledNr ? [constructed(TagClass.context, 2, [presentedNumberUnscreenedNode(a.originalCalledNr)])] : []),
    ...(a.redirectingName ? [explicitNameNode(3, a.redirectingName)] : []),
    ...(a.originalCalledName ? [explicitNameNode(4, a.originalCalledName)] : []),
    ...(a.extension ? [a.extension] : []),
  ]);
}

export function readDivertingLegInformation3(n: BerNode | undefined): DivertingLegInformation3 {
  const [pai, ...rest] = seq(n, "divertingLegInformation3");
  if (!isTag(pai, TagClass.universal, UNIVERSAL.BOOLEAN)) throw new BerShapeError("divertingLegInformation3.presentationAllowedIndicator", "missing or not a BOOLEAN");
  let redirectionName: QsigName | undefined;
  let extension: BerNode | undefined;
  for (const item of rest) {
    if (isTag(item, TagClass.context, 0) && !redirectionName && !extension) redirectionName = explicitName(item, "divertingLegInformation3.redirectionName");
    else if (isExtension(item, 1) && !extension) extension = item;
    else throw new BerShapeError("divertingLegInformation3", `unexpected element [${item.tagNumber}]`);
  }
  return {
    presentationAllowedIndicator: readBoolean(pai, "divertingLegInformation3.presentationAllowedIndicator"),
    ...(redirectionName ? { redirectionName } : {}),
    ...(extension ? { extension } : {}),
  };
}

export function divertingLegInformation3Node(a: DivertingLegInformation3): BerNode {
  return sequence([boolean(a.presentationAllowedIndicator), ...(a.redirectionName ? [explicitNameNode(0, a.redirectionName)] : []), ...(a.extension ? [a.extension] : [])]);
}
