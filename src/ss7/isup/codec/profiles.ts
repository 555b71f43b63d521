/**
 * Variant profiles: the ITU-T Q.763 and ANSI T1.113.3 message and parameter
 * tables compiled into lookups by code and by name, with the CIC width
 * (Q.763 §1.2: 12 bits; T1.113.3: 14 bits, both in two octets).
 */
import type { MessageDef } from "./messages.js";
import { ANSI_MESSAGES, ITU_MESSAGES } from "./messages.js";
import type { ParameterDef } from "./parameters.js";
import { ANSI_PARAMETERS, ITU_PARAMETERS } from "./parameters.js";
import type { IsupVariant } from "./types.js";

export interface CompiledMessage {
  readonly def: MessageDef;
  readonly fixed: readonly ParameterDef[];
  readonly variable: readonly ParameterDef[];
}

export interface Profile {
  readonly variant: IsupVariant;
  readonly cicBits: number;
  readonly cicMask: number;
  readonly parameters: readonly ParameterDef[];
  readonly parametersByCode: readonly (ParameterDef | undefined)[];
  readonly parametersByName: ReadonlyMap<string, ParameterDef>;
  readonly messages: readonly CompiledMessage[];
  readonly messagesByCode: readonly (CompiledMessage | undefined)[];
  readonly messagesByMnemonic: ReadonlyMap<string, CompiledMessage>;
}

function compile(variant: IsupVariant, cicBits: number, parameters: readonly ParameterDef[], messages: readonly MessageDef[]): Profile {
  const parametersByCode: (ParameterDef | undefined)[] = new Array<ParameterDef | undefined>(256).fill(undefined);
  const parametersByName = new Map<string, ParameterDef>();
  for (const p of parameters) {
    if (p.code === 0 || parametersByCode[p.code] || parametersByName.has(p.name)) {
      throw new Error(`${variant} parameter table bug: duplicate or reserved ${p.name} 0x${p.code.toString(16)}`);
    }
    parametersByCode[p.code] = p;
    parametersByName.set(p.name, p);
  }
  const lookup = (m: MessageDef, name: string, fixed: boolean): ParameterDef => {
    const p = parametersByName.get(name);
    if (!p) throw new Error(`${variant} message table bug: ${m.mnemonic} names unknown parameter ${name}`);
    if (fixed && p.minLength !== p.maxLength) throw new Error(`${variant} message table bug: ${m.mnemonic} fixed parameter ${name} has no fixed length`);
    return p;
  };
  const compiled = messages.map((def) => ({
    def,
    fixed: def.fixed.map((n) => lookup(def, n, true)),
    variable: def.variable.map((n) => lookup(def, n, false)),
  }));
  const messagesByCode: (CompiledMessage | undefined)[] = new Array<CompiledMessage | undefined>(256).fill(undefined);
  const messagesByMnemonic = new Map<string, CompiledMessage>();
  for (const m of compiled) {
    if (messagesByCode[m.def.code] || messagesByMnemonic.has(m.def.mnemonic)) throw new Error(`${variant} message table bug: duplicate ${m.def.mnemonic}`);
    messagesByCode[m.def.code] = m;
    messagesByMnemonic.set(m.def.mnemonic, m);
  }
  return {
    variant,
    cicBits,
    cicMask: (1 << cicBits) - 1,
    parameters,
    parametersByCode,
    parametersByName,
    messages: compiled,
    messagesByCode,
    messagesByMnemonic,
  };
}

export const ITU_PROFILE: Profile = compile("itu", 12, ITU_PARAMETERS, ITU_MESSAGES);
export const ANSI_PROFILE: Profile = compile("ansi", 14, ANSI_PARAMETERS, ANSI_MESSAGES);

export function profileOf(variant: IsupVariant): Profile {
  if (variant === "itu") return ITU_PROFILE;
  if (variant === "ansi") return ANSI_PROFILE;
  throw new Error(`unknown ISUP variant ${JSON.stringify(variant)}`);
}
