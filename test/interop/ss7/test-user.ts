/**
 * A scriptable ISUP user for interop tests, in the interworking unit's place
 * (a CallSink): it records every indication and alert, answers or refuses
 * incoming calls by rule, and originates, answers and releases calls on
 * request. Messages follow Q.763 (IAM §4 Table 32, ACM Table 22, ANM
 * Table 24, CON Table 25); values are those of a national ISDN call.
 */
import type { IsupMessage } from "../../../src/ss7/isup/codec/index.js";
import type { IsupIndication, MaintenanceAlert, RequestResult, SetupResult } from "../../../src/ss7/isup/call/primitives.js";
import type { CallSink, IsupRequests } from "../../../src/cli/ss7-call-sink.js";

export type IncomingRule =
  /** ACM, then ANM after `afterMs`. */
  | { readonly action: "answer"; readonly afterMs?: number }
  /** ACM and nothing more. */
  | { readonly action: "ring" }
  /** REL with `cause` before any backward message. */
  | { readonly action: "release"; readonly cause: number }
  | { readonly action: "manual" };

export interface Recorded {
  readonly at: number;
  readonly ind: IsupIndication;
}

const BACKWARD_CALL_INDICATORS = {
  chargeIndicator: 2,
  calledPartysStatusIndicator: 1,
  calledPartysCategoryIndicator: 1,
  endToEndMethodIndicator: 0,
  interworkingIndicator: 0,
  endToEndInformationIndicator: 0,
  isdnUserPartIndicator: 1,
  holdingIndicator: 0,
  isdnAccessIndicator: 1,
  echoControlDeviceIndicator: 0,
  sccpMethodIndicator: 0,
};

export function iam(called: string, calling: string, category = 10): IsupMessage {
  return {
    messageType: "IAM",
    cic: 0,
    parameters: [
      { name: "natureOfConnectionIndicators", value: { satelliteIndicator: 0, continuityCheckIndicator: 0, echoControlDeviceIndicator: 0 } },
      {
        name: "forwardCallIndicators",
        value: {
          nationalInternationalCallIndicator: 0,
          endToEndMethodIndicator: 0,
          interworkingIndicator: 0,
          endToEndInformationIndicator: 0,
          isdnUserPartIndicator: 1,
          isdnUserPartPreferenceIndicator: 0,
          isdnAccessIndicator: 1,
          sccpMethodIndicator: 0,
        },
      },
      { name: "callingPartysCategory", value: { callingPartysCategory: category } },
      { name: "transmissionMediumRequirement", value: { transmissionMediumRequirement: 0 } },
      { name: "calledPartyNumber", value: { natureOfAddressIndicator: 3, internalNetworkNumberIndicator: 0, numberingPlanIndicator: 1, digits: called } },
      {
        name: "callingPartyNumber",
        value: { natureOfAddressIndicator: 3, numberIncompleteIndicator: 0, numberingPlanIndicator: 1, addressPresentationRestrictedIndicator: 0, screeningIndicator: 3, digits: calling },
      },
    ],
  };
}

export const ACM: IsupMessage = { messageType: "ACM", cic: 0, parameters: [{ name: "backwardCallIndicators", value: BACKWARD_CALL_INDICATORS }] };
export const ANM: IsupMessage = { messageType: "ANM", cic: 0, parameters: [] };
export const CON: IsupMessage = { messageType: "CON", cic: 0, parameters: [{ name: "backwardCallIndicators", value: BACKWARD_CALL_INDICATORS }] };

export class TestUser implements CallSink {
  readonly log: Recorded[] = [];
  readonly alerts: MaintenanceAlert[] = [];
  rule: IncomingRule = { action: "answer" };
  private isup: IsupRequests | undefined;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly waiters = new Set<() => void>();

  attach(isup: IsupRequests): void {
    this.isup = isup;
  }

  detach(): void {
    this.isup = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private get node(): IsupRequests {
    if (!this.isup) throw new Error("the test user is not attached to a running ISUP node");
    return this.isup;
  }

  indication(ind: IsupIndication): void {
    this.log.push({ at: Date.now(), ind });
    if (ind.primitive === "SETUP.ind") this.incoming(ind.call);
    for (const w of [...this.waiters]) w();
  }

  alert(alert: MaintenanceAlert): void {
    this.alerts.push(alert);
  }

  private incoming(call: number): void {
    const r = this.rule;
    switch (r.action) {
      case "answer": {
        this.must(this.node.addressCompleteRequest(call, ACM), `ACM on call ${call}`);
        const t = setTimeout(() => {
          this.timers.delete(t);
          if (this.isup) this.isup.answerRequest(call, ANM);
        }, r.afterMs ?? 0);
        this.timers.add(t);
        return;
      }
      case "ring":
        this.must(this.node.addressCompleteRequest(call, ACM), `ACM on call ${call}`);
        return;
      case "release":
        this.must(this.node.releaseRequest(call, { cause: r.cause, location: 2 }), `REL on call ${call}`);
        return;
      case "manual":
        return;
    }
  }

  private must(r: RequestResult, what: string): void {
    if (!r.ok) throw new Error(`${what} refused: ${r.reason}`);
  }

  originate(trunk: string, called: string, calling: string): SetupResult {
    return this.node.setupRequest({ group: trunk, iam: iam(called, calling) });
  }

  answer(call: number): RequestResult {
    return this.node.answerRequest(call, ANM);
  }

  release(call: number, cause = 16): RequestResult {
    return this.node.releaseRequest(call, { cause, location: 2 });
  }

  /** Indications of one call, by primitive name, in order. */
  primitives(call: number, from = 0): string[] {
    return this.log.slice(from).filter((r) => r.ind.call === call).map((r) => r.ind.primitive);
  }

  mark(): number {
    return this.log.length;
  }

  /** The first indication after `from` matching `pred`, waiting up to timeoutMs. */
  waitFor(pred: (i: IsupIndication) => boolean, timeoutMs: number, what: string, from = 0): Promise<IsupIndication> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.log.slice(from).find((r) => pred(r.ind));
        if (!hit) return false;
        cleanup();
        resolve(hit.ind);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${what} within ${timeoutMs} ms; indications: ${this.log.slice(from).map((r) => `${r.ind.primitive}(${r.ind.call}, CIC ${r.ind.circuit.cic})`).join(" ")}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = (): void => void check();
      if (check()) return;
      this.waiters.add(waiter);
    });
  }
}
