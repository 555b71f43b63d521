/**
 * The card conformance suite against a real card library, named by
 * SIPT_CARD_LIBRARY (path of a library implementing hardware/abi/sipt_card.h)
 * with its open parameters in SIPT_CARD_PARAMS ("key=value;..."). Without a
 * library the suite is skipped, with the reason printed. A real card has no
 * scripted far end or alarm source: those tests skip unless a loop is wired.
 */
import { existsSync } from "node:fs";
import type { ConformanceTarget } from "../api/conformance.js";
import { cardConformance } from "../api/conformance.js";
import { KoffiCard } from "./koffi-card.js";

const library = process.env["SIPT_CARD_LIBRARY"];
const params = process.env["SIPT_CARD_PARAMS"] ?? "";

function unavailable(): string | undefined {
  if (library === undefined || library === "") return "SIPT_CARD_LIBRARY does not name a card library";
  if (!existsSync(library)) return `SIPT_CARD_LIBRARY names ${library}, which does not exist`;
  return undefined;
}

const reason = unavailable();
const target: ConformanceTarget = {
  name: `card library ${library ?? "(none)"}`,
  ...(reason !== undefined ? { unavailable: reason } : {}),
  supportsFreerun: false,
  async open(mode) {
    const p = [params, `mode=${mode}`].filter((s) => s !== "").join(";");
    return { card: await KoffiCard.open({ library: library ?? "", params: p }) };
  },
};

cardConformance(target);
