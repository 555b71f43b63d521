/**
 * QSIG name identification (ECMA-164 = ISO/IEC 13868, Name-Operations-asn1-97):
 * the Name type and the NameArg argument of callingName (local 0), calledName
 * (local 1), connectedName (local 2) and busyName (local 3).
 *
 *   NameArg ::= CHOICE { name Name, nameSequence SEQUENCE { name Name, extension NameExtension OPTIONAL } }
 *   Name ::= CHOICE { namePresentationAllowed, namePresentationRestricted, nameNotAvailable [4] IMPLICIT NULL }
 *     [0] IMPLICIT NameData allowed simple      [1] IMPLICIT NameSet allowed extended
 *     [2] IMPLICIT NameData restricted simple   [3] IMPLICIT NameSet restricted extended
 *     [7] IMPLICIT NULL restricted null
 *   NameData ::= OCTET STRING (SIZE (1..50)); NameSet ::= SEQUENCE { nameData, characterSet INTEGER OPTIONAL }
 *
 * Pure.
 */
import { EncodeError } from "../../core/errors.js";
import { BerShapeError, TagClass, UNIVERSAL, constructed, expectConstructed, expectPrimitive, integer, isTag, nullValue, octetString, readInteger, readNull, sequence } from "./ber.js";
import type { BerNode } from "./ber.js";

/** CharacterSet values of ECMA-164. */
export const CHARACTER_SET = { unknown: 0, iso8859_1: 1, iso8859_2: 3, iso8859_3: 4, iso8859_4: 5, iso8859_5: 6, iso8859_7: 7, bmpString: 8, utf8: 9 } as const;

export type QsigName =
  | {
      readonly presentation: "allowed" | "restricted";
      /** NameData, 1..50 octets in the character set (ISO 8859-1 when absent). */
      readonly nameData: Uint8Array;
      /** Present only in the extended (NameSet) form, and then only when sent. */
      readonly characterSet?: number;
      /** NameSet form ([1]/[3]) rather than the simple form ([0]/[2]). */
      readonly extended: boolean;
    }
  | { readonly presentation: "restrictedNull" }
  | { readonly presentation: "notAvailable" };

export interface NameArg {
  readonly name: QsigName;
  /** The nameSequence form of NameArg was used. */
  readonly sequence: boolean;
  /** NameExtension ([5] single / [6] multiple), kept as BER. */
  readonly extension?: BerNode;
}

export const NAME_DATA_MAX_OCTETS = 50;

export function readName(n: BerNode | undefined, field = "Name"): QsigName {
  if (!n || n.tagClass !== TagClass.context) throw new BerShapeError(field, "missing or not a context-tagged Name alternative");
  switch (n.tagNumber) {
    case 0:
    case 2: {
      const nameData = expectPrimitive(n, field).value;
      checkNameData(nameData, field);
      return { presentation: n.tagNumber === 0 ? "allowed" : "restricted", nameData, extended: false };
    }
    case 1:
    case 3: {
      const set = expectConstructed(n, field);
      const [data, cs, extra] = set.children;
      if (!isTag(data, TagClass.universal, UNIVERSAL.OCTET_STRING)) throw new BerShapeError(`${field}.nameData`, "missing or not an OCTET STRING");
      const nameData = expectPrimitive(data, `${field}.nameData`).value;
      checkNameData(nameData, field);
      if (extra) throw new BerShapeError(field, "elements after characterSet");
      let characterSet: number | undefined;
      if (cs) {
        if (!isTag(cs, TagClass.universal, UNIVERSAL.INTEGER)) throw new BerShapeError(`${field}.characterSet`, "not an INTEGER");
        characterSet = readInteger(cs, `${field}.characterSet`);
        if (characterSet < 0 || characterSet > 255) throw new BerShapeError(`${field}.characterSet`, `${characterSet} is outside 0..255`);
      }
      return { presentation: n.tagNumber === 1 ? "allowed" : "restricted", nameData, ...(characterSet !== undefined ? { characterSet } : {}), extended: true };
    }
    case 4:
      readNull(n, field);
      return { presentation: "notAvailable" };
    case 7:
      readNull(n, field);
      return { presentation: "restrictedNull" };
    default:
      throw new BerShapeError(field, `[${n.tagNumber}] is not a Name alternative`);
  }
}

function checkNameData(d: Uint8Array, field: string): void {
  if (d.length < 1 || d.length > NAME_DATA_MAX_OCTETS) throw new BerShapeError(`${field}.nameData`, `${d.length} octets; NameData is 1..${NAME_DATA_MAX_OCTETS}`);
}

export function nameNode(name: QsigName): BerNode {
  switch (name.presentation) {
    case "notAvailable":
      return nullValue(TagClass.context, 4);
    case "restrictedNull":
      return nullValue(TagClass.context, 7);
    case "allowed":
    case "restricted": {
      if (name.nameData.length < 1 || name.nameData.length > NAME_DATA_MAX_OCTETS) throw new EncodeError("NameData", `${name.nameData.length} octets; 1..${NAME_DATA_MAX_OCTETS} allowed`);
      const base = name.presentation === "allowed" ? 0 : 2;
      if (!name.extended) {
        if (name.characterSet !== undefined) throw new EncodeError("Name", "characterSet needs the extended (NameSet) form");
        return octetString(name.nameData, TagClass.context, base);
      }
      return constructed(TagClass.context, base + 1, [octetString(name.nameData), ...(name.characterSet !== undefined ? [integer(name.characterSet)] : [])]);
    }
  }
}

export function readNameArg(n: BerNode | undefined): NameArg {
  if (isTag(n, TagClass.universal, UNIVERSAL.SEQUENCE)) {
    const s = expectConstructed(n, "NameArg.nameSequence");
    const [name, extension, extra] = s.children;
    if (extra) throw new BerShapeError("NameArg.nameSequence", "elements after the extension");
    if (extension && !(extension.tagClass === TagClass.context && (extension.tagNumber === 5 || extension.tagNumber === 6))) {
      throw new BerShapeError("NameArg.extension", "not NameExtension [5] or [6]");
    }
    return { name: readName(name, "NameArg.name"), sequence: true, ...(extension ? { extension } : {}) };
  }
  return { name: readName(n, "NameArg"), sequence: false };
}

export function nameArgNode(a: NameArg): BerNode {
  if (!a.sequence) {
    if (a.extension) throw new EncodeError("NameArg", "an extension needs the nameSequence form");
    return nameNode(a.name);
  }
  return sequence([nameNode(a.name), ...(a.extension ? [a.extension] : [])]);
}

/** A name as text in its character set, or undefined when there is no text or the set is not one this decodes. */
export function nameText(name: QsigName): string | undefined {
  if (name.presentation !== "allowed" && name.presentation !== "restricted") return undefined;
  const cs = name.characterSet ?? CHARACTER_SET.iso8859_1;
  if (cs === CHARACTER_SET.iso8859_1) return String.fromCharCode(...name.nameData);
  if (cs === CHARACTER_SET.utf8) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(name.nameData);
    } catch {
      return undefined;
    }
  }
  if (cs === CHARACTER_SET.bmpString) {
    if (name.nameData.length % 2) return undefined;
    let s = "";
    for (let i = 0; i < name.nameData.length; i += 2) s += String.fromCharCode(((name.nameData[i] as number) << 8) | (name.nameData[i + 1] as number));
    return s;
  }
  return undefined;
}

/**
 * A presentation-allowed or -restricted name from text: ISO 8859-1 in the
 * simple form when every character fits, otherwise UTF-8 in the extended
 * form. Throws EncodeError when the text does not fit 50 octets.
 */
export function nameFromText(text: string, presentation: "allowed" | "restricted" = "allowed"): QsigName {
  const latin1 = [...text].every((c) => (c.codePointAt(0) as number) <= 0xff);
  if (latin1) return { presentation, nameData: Uint8Array.from([...text].map((c) => c.codePointAt(0) as number)), extended: false };
  return { presentation, nameData: new TextEncoder().encode(text), characterSet: CHARACTER_SET.utf8, extended: true };
}
