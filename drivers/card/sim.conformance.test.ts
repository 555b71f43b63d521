/**
 * The card conformance suite (drivers/api/conformance.ts) against the
 * simulated card, with E1 and with T1 spans.
 */
import { cardConformance } from "../api/conformance.js";
import { simConformanceTarget } from "./sim-harness.js";

cardConformance(simConformanceTarget("sim-2e1-4fxs-4fxo.json"));
cardConformance(simConformanceTarget("sim-2t1-2fxs.json"));
