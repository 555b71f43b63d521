/**
 * The messages call control builds itself (ITU-T Q.763 §4 formats; Q.850
 * causes) and small readers of the parameters it acts on.
 */
import type { CauseValue, FieldValues, IsupMessage, IsupParameter } from "../codec/index.js";
import { getParameter } from "../codec/index.js";
import type { Notification } from "./compatibility.js";
import type { ContinuityRequirement } from "./primitives.js";

/** Q.850 §2.2.5 cause indicators, ITU-T coding standard. */
export function causeIndicators(cause: number, location: number, diagnostics?: string): CauseValue {
  return diagnostics !== undefined && diagnostics !== ""
    ? { codingStandard: 0, location, causeValue: cause, diagnostics }
    : { codingStandard: 0, location, causeValue: cause };
}

function fields(v: CauseValue): FieldValues {
  return v as unknown as FieldValues;
}

export function releaseMessage(cic: number, cause: number, location: number, diagnostics?: string): IsupMessage {
  return { messageType: "REL", cic, parameters: [{ name: "causeIndicators", value: fields(causeIndicators(cause, location, diagnostics)) }] };
}

/** Q.764 §2.9.5.3: a confusion message. */
export function confusionMessage(cic: number, n: Notification, location: number): IsupMessage {
  return { messageType: "CFN", cic, parameters: [{ name: "causeIndicators", value: fields(causeIndicators(n.cause, location, n.diagnostics)) }] };
}

/** Q.763 §3.18: COT with continuity (1) or continuity failure (0). */
export function continuityMessage(cic: number, passed: boolean): IsupMessage {
  return { messageType: "COT", cic, parameters: [{ name: "continuityIndicators", value: { continuityIndicator: passed ? 1 : 0 } }] };
}

/** A message with no parameters (RLC, CCR, UCIC, UPT, UPA, RSC, BLO, ...). */
export function bareMessage(messageType: string, cic: number): IsupMessage {
  return { messageType, cic, parameters: [] };
}

/** The same message on another circuit. */
export function onCircuit(m: IsupMessage, cic: number): IsupMessage {
  return m.cic === cic ? m : { ...m, cic };
}

function replaceParameter(m: IsupMessage, name: string, value: Readonly<Record<string, unknown>>): IsupMessage {
  return { ...m, parameters: m.parameters.map((p) => (p.name === name && "value" in p ? ({ name, value: { ...p.value, ...value } } as IsupParameter) : p)) };
}

/** Q.763 §3.35 continuity check indicator: 0 not required, 1 required on this circuit, 2 performed on a previous circuit. */
export function continuityRequirement(m: IsupMessage): ContinuityRequirement {
  const v = getParameter(m, "natureOfConnectionIndicators")?.continuityCheckIndicator;
  return v === 1 ? "required" : v === 2 ? "previous" : "not-required";
}

/** The IAM asking for a continuity check on this circuit (Q.764 §2.1.8). */
export function withContinuityCheck(iam: IsupMessage): IsupMessage {
  return replaceParameter(iam, "natureOfConnectionIndicators", { continuityCheckIndicator: 1 });
}

/** Address signals of the called party number (IAM) or subsequent number (SAM); "" when absent. */
export function addressDigits(m: IsupMessage): string {
  const p = m.messageType === "SAM" ? getParameter(m, "subsequentNumber") : getParameter(m, "calledPartyNumber");
  const d = (p as { digits?: unknown } | undefined)?.digits;
  return typeof d === "string" ? d : "";
}

/** Q.763 §3.9: the end-of-pulsing signal ST (code 15, "F") ends the address. */
export function endsWithSt(digits: string): boolean {
  return digits.endsWith("F");
}

/** The IAM with `digits` appended to its called party number (for a repeat attempt after overlap sending, Q.764 §2.8.1). */
export function appendCalledDigits(iam: IsupMessage, digits: string): IsupMessage {
  const cur = addressDigits(iam);
  return replaceParameter(iam, "calledPartyNumber", { digits: cur + digits });
}

/**
 * An ACM for the early ACM of an interworking exchange (Q.764 §2.1.4.6):
 * no indication of charge, status or category; interworking encountered;
 * ISDN user part not used all the way.
 */
export function earlyAcmMessage(): IsupMessage {
  return {
    messageType: "ACM",
    cic: 0,
    parameters: [
      {
        name: "backwardCallIndicators",
        value: {
          chargeIndicator: 0,
          calledPartysStatusIndicator: 0,
          calledPartysCategoryIndicator: 0,
          endToEndMethodIndicator: 0,
          interworkingIndicator: 1,
          endToEndInformationIndicator: 0,
          isdnUserPartIndicator: 0,
          holdingIndicator: 0,
          isdnAccessIndicator: 0,
          echoControlDeviceIndicator: 0,
          sccpMethodIndicator: 0,
        },
      },
    ],
  };
}
