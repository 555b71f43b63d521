/**
 * ROSE APDUs as they travel in a Facility information element: Invoke,
 * ReturnResult, ReturnError and Reject (ITU-T X.880 ROS ::= CHOICE, as
 * Q.932 §8 and ECMA-165 (ISO/IEC 11582) carry them), with local and global
 * operation and error codes. Arguments and results stay BER nodes; the
 * operation modules (names, diversion) read them.
 *
 * Pure.
 */
import { EncodeError } from "../../core/errors.js";
import {
  BerShapeError,
  TagClass,
  UNIVERSAL,
  constructed,
  expectConstructed,
  integer,
  isTag,
  nullValue,
  oidOctets,
  primitive,
  readInteger,
  readNull,
  readOid,
  sequence,
} from "./ber.js";
import type { BerNode } from "./ber.js";

export type OperationCode = { readonly local: number } | { readonly global: string };

export type RejectProblemKind = "general" | "invoke" | "returnResult" | "returnError";

export type RoseApdu =
  | { readonly type: "invoke"; readonly invokeId: number; readonly linkedId?: number; readonly operation: OperationCode; readonly argument?: BerNode }
  | { readonly type: "returnResult"; readonly invokeId: number; readonly result?: { readonly operation: OperationCode; readonly value: BerNode } }
  | { readonly type: "returnError"; readonly invokeId: number; readonly error: OperationCode; readonly parameter?: BerNode }
  | { readonly type: "reject"; readonly invokeId: number | null; readonly problem: { readonly kind: RejectProblemKind; readonly code: number } };

/** Context tags of the ROSE APDU choice (X.880 ROS ::= CHOICE). */
export const ROSE_TAG = { invoke: 1, returnResult: 2, returnError: 3, reject: 4 } as const;
const PROBLEM_TAGS: readonly RejectProblemKind[] = ["general", "invoke", "returnResult", "returnError"];

export function isRoseApdu(n: BerNode): boolean {
  return n.tagClass === TagClass.context && n.constructed && n.tagNumber >= 1 && n.tagNumber <= 4;
}

function readCode(n: BerNode | undefined, field: string): OperationCode {
  if (isTag(n, TagClass.universal, UNIVERSAL.INTEGER)) return { local: readInteger(n, field) };
  if (isTag(n, TagClass.universal, UNIVERSAL.OBJECT_IDENTIFIER)) return { global: readOid(n, field) };
  throw new BerShapeError(field, "neither a local (INTEGER) nor a global (OBJECT IDENTIFIER) code");
}

function codeNode(c: OperationCode): BerNode {
  return "local" in c ? integer(c.local) : primitive(TagClass.universal, UNIVERSAL.OBJECT_IDENTIFIER, oidOctets(c.global));
}

/** Read one ROSE APDU. Throws BerShapeError when the node is not one. */
export function readRoseApdu(n: BerNode): RoseApdu {
  const c = expectConstructed(n, "ROSE APDU");
  const [a, b, d, e] = c.children;
  switch (n.tagClass === TagClass.context ? n.tagNumber : -1) {
    case ROSE_TAG.invoke: {
      const invokeId = readInteger(a, "invoke.invokeId");
      let i = 1;
      let linkedId: number | undefined;
      if (isTag(c.children[1], TagClass.context, 0)) {
        linkedId = readInteger(c.children[1], "invoke.linkedId");
        i = 2;
      }
      const operation = readCode(c.children[i], "invoke.opcode");
      const argument = c.children[i + 1];
      if (c.children.length > i + 2) throw new BerShapeError("invoke", `${c.children.length - i - 2} elements after the argument`);
      return { type: "invoke", invokeId, ...(linkedId !== undefined ? { linkedId } : {}), operation, ...(argument ? { argument } : {}) };
    }
    case ROSE_TAG.returnResult: {
      const invokeId = readInteger(a, "returnResult.invokeId");
      if (!b) return { type: "returnResult", invokeId };
      const r = expectConstructed(b, "returnResult.result");
      if (!isTag(b, TagClass.universal, UNIVERSAL.SEQUENCE) || r.children.length !== 2) throw new BerShapeError("returnResult.result", "not a SEQUENCE of opcode and result");
      if (d) throw new BerShapeError("returnResult", "elements after the result");
      return { type: "returnResult", invokeId, result: { operation: readCode(r.children[0], "returnResult.opcode"), value: r.children[1] as BerNode } };
    }
    case ROSE_TAG.returnError: {
      const invokeId = readInteger(a, "returnError.invokeId");
      const error = readCode(b, "returnError.errcode");
      if (e) throw new BerShapeError("returnError", "elements after the parameter");
      return { type: "returnError", invokeId, error, ...(d ? { parameter: d } : {}) };
    }
    case ROSE_TAG.reject: {
      let invokeId: number | null;
      if (isTag(a, TagClass.universal, UNIVERSAL.NULL)) {
        readNull(a, "reject.invokeId");
        invokeId = null;
      } else {
        invokeId = readInteger(a, "reject.invokeId");
      }
      if (!b || b.tagClass !== TagClass.context || b.tagNumber > 3) throw new BerShapeError("reject.problem", "missing or not one of [0]..[3]");
      if (d) throw new BerShapeError("reject", "elements after the problem");
      return { type: "reject", invokeId, problem: { kind: PROBLEM_TAGS[b.tagNumber] as RejectProblemKind, code: readInteger(b, "reject.problem") } };
    }
    default:
      throw new BerShapeError("ROSE APDU", `tag ${n.tagClass}/${n.tagNumber} is not invoke [1], returnResult [2], returnError [3] or reject [4]`);
  }
}

export function roseApduNode(a: RoseApdu): BerNode {
  switch (a.type) {
    case "invoke":
      return constructed(TagClass.context, ROSE_TAG.invoke, [
        integer(a.invokeId),
        ...(a.linkedId !== undefined ? [integer(a.linkedId, TagClass.context, 0)] : []),
        codeNode(a.operation),
        ...(a.argument ? [a.argument] : []),
      ]);
    case "returnResult":
      return constructed(TagClass.context, ROSE_TAG.returnResult, [integer(a.invokeId), ...(a.result ? [sequence([codeNode(a.result.operation), a.result.value])] : [])]);
    case "returnError":
      return constructed(TagClass.context, ROSE_TAG.returnError, [integer(a.invokeId), codeNode(a.error), ...(a.parameter ? [a.parameter] : [])]);
    case "reject": {
      const tag = PROBLEM_TAGS.indexOf(a.problem.kind);
      if (tag < 0) throw new EncodeError("reject.problem", `unknown kind ${a.problem.kind}`);
      return constructed(TagClass.context, ROSE_TAG.reject, [a.invokeId === null ? nullValue() : integer(a.invokeId), integer(a.problem.code, TagClass.context, tag)]);
    }
  }
}
