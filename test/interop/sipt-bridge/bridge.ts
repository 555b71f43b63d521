/**
 * Two whole gateways in this process, bridged over SIP-T (RFC 3372):
 *
 *   libss7 switch A --E1--> gateway A --SIP/UDP--> relay --> gateway B --E1--> libss7 switch B
 *   (hardware/farend)       (sim card A)           (sip-relay.ts)   (sim card B)
 *
 * Each gateway is a GatewayRig (test/interop/gateway/rig.ts): its own
 * simulated card, run directory, control socket, ephemeral SIP port and
 * libss7 switch. A's SIP trunk points at the relay, which passes A's
 * datagrams to B and B's to A, recording each. Both trunks use the same
 * SIP-T mode. The SS7 frame monitor of each gateway keeps every frame of its
 * link, so the ISUP each switch sent and received can be read byte-exactly.
 */
import type { FarendRule } from "../../../hardware/farend/farend-process.js";
import type { SignallingFrame } from "../../../src/cli/ss7-card-channel.js";
import type { CallSummary } from "../../../src/interworking/calls/isup-sip-unit.js";
import { GatewayRig } from "../gateway/rig.js";
import { SipRelay } from "./sip-relay.js";

export type SiptMode = "optional" | "required";

/** One gateway of the pair with everything its link carried. */
export interface BridgeSide {
  readonly rig: GatewayRig;
  readonly frames: SignallingFrame[];
}

export class Bridge {
  private constructor(
    readonly relay: SipRelay,
    readonly a: BridgeSide,
    readonly b: BridgeSide,
    private readonly unmonitor: readonly (() => void)[],
  ) {}

  static async start(mode: SiptMode, rulesB: readonly FarendRule[]): Promise<Bridge> {
    const relay = await SipRelay.open();
    let a: GatewayRig | undefined;
    let b: GatewayRig | undefined;
    try {
      // One after the other: each brings up its link and resets its circuits (2 cores).
      a = await GatewayRig.start({ sipPeerPort: relay.portTowardB, sipt: mode });
      b = await GatewayRig.start({ sipPeerPort: relay.portTowardA, sipt: mode, rules: rulesB });
      relay.connect(a.sipPort, b.sipPort);
      const fa: SignallingFrame[] = [];
      const fb: SignallingFrame[] = [];
      const un = [a.gw.ss7?.monitor((f) => fa.push(f)), b.gw.ss7?.monitor((f) => fb.push(f))];
      if (un.some((u) => u === undefined)) throw new Error("a gateway has no SS7 component");
      return new Bridge(relay, { rig: a, frames: fa }, { rig: b, frames: fb }, un as (() => void)[]);
    } catch (e) {
      await b?.dispose();
      await a?.dispose();
      await relay.close();
      throw e;
    }
  }

  /** The calls the interworking unit of a gateway still holds. */
  static calls(side: BridgeSide): CallSummary[] {
    return side.rig.gw.calls?.unit.list() ?? [];
  }

  /** The ISUP call state of a CIC on a gateway ("Idle" when free). */
  static circuitState(side: BridgeSide, cic: number): string | undefined {
    return side.rig.gw.ss7?.isup?.status().find((c) => c.circuit.cic === cic)?.call;
  }

  async until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.transcript(25)}`);
      await new Promise((res) => setTimeout(res, 10));
    }
  }

  transcript(n: number): string {
    const sip = this.relay.datagrams.slice(-n).map((d) => `${d.from}->${d.from === "A" ? "B" : "A"} ${Buffer.from(d.octets).toString("latin1").split("\r\n")[0] ?? ""}`);
    return ["=== gateway A ===", this.a.rig.transcript(n), "=== gateway B ===", this.b.rig.transcript(n), "=== SIP via the relay ===", ...sip].join("\n");
  }

  async dispose(): Promise<void> {
    for (const u of this.unmonitor) u();
    await this.b.rig.dispose();
    await this.a.rig.dispose();
    await this.relay.close();
  }
}
