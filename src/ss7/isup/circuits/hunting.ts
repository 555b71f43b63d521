/**
 * Circuit selection for outgoing calls (ITU-T Q.764 §2.9.1.3, preventive
 * action against dual seizure):
 *
 * - sequential: lowest available CIC first;
 * - descending: highest first (the far end hunting upwards: Q.764 §2.9.1.3
 *   method 1, selection in opposite order);
 * - round-robin: the next available after the last one taken;
 * - odd-even: the circuits this exchange controls (Q.764 §2.9.1.4: even ones
 *   when its point code is the higher) first, lowest first, then the others
 *   (method 2, priority to the circuits it controls).
 *
 * Scans the group without allocating.
 */
import type { Circuit, CircuitGroup } from "./circuit-group.js";
import { controlsCircuit } from "./circuit-group.js";

export function huntCircuit(group: CircuitGroup, opc: number, available: (c: Circuit) => boolean, exclude?: Circuit): Circuit | undefined {
  const list = group.circuits;
  const n = list.length;
  const ok = (c: Circuit | undefined): c is Circuit => c !== undefined && c !== exclude && available(c);
  switch (group.config.hunting) {
    case "sequential":
      for (let i = 0; i < n; i++) if (ok(list[i])) return list[i];
      return undefined;
    case "descending":
      for (let i = n - 1; i >= 0; i--) if (ok(list[i])) return list[i];
      return undefined;
    case "round-robin":
      for (let k = 0; k < n; k++) {
        const i = (group.nextHunt + k) % n;
        const c = list[i];
        if (ok(c)) {
          group.nextHunt = (i + 1) % n;
          return c;
        }
      }
      return undefined;
    case "odd-even": {
      const dpc = group.config.dpc;
      for (let i = 0; i < n; i++) {
        const c = list[i];
        if (c !== undefined && controlsCircuit(opc, dpc, c.cic) && ok(c)) return c;
      }
      for (let i = 0; i < n; i++) {
        const c = list[i];
        if (c !== undefined && !controlsCircuit(opc, dpc, c.cic) && ok(c)) return c;
      }
      return undefined;
    }
  }
}
