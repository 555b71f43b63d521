/**
 * The demo's ladder diagram: every message that crossed the gateway's two
 * sides during one call, in time order, in three columns
 * `PSTN (ISUP) | gateway | SIP` (or `PBX (QSIG) | gateway | SIP` for a call
 * on the QSIG trunk), one line per message with its direction and its time
 * from the start of the call; notes of the gateway (what its call logic did)
 * sit on the gateway's line.
 */

/** Which side of the gateway a message crossed: the SS7 link, the QSIG D-channel or SIP; "gateway" for a note. */
export type Lane = "isup" | "qsig" | "sip" | "gateway";

/** What the left column of a ladder is: the PSTN switch on SS7 or the PBX on QSIG. */
export type LeftSide = "pstn" | "pbx";

export const LEFT_HEADING: Readonly<Record<LeftSide, string>> = { pstn: "PSTN (ISUP)", pbx: "PBX (QSIG)" };

export interface LadderEntry {
  /** Milliseconds since the start of the call model. */
  readonly atMs: number;
  readonly lane: Lane;
  /** "in": towards the gateway; "out": from it; "note": the gateway's own line. */
  readonly dir: "in" | "out" | "note";
  readonly label: string;
}

/** Collects entries with their time on one clock. */
export class LadderRecorder {
  private readonly entries: { readonly at: number; readonly lane: Lane; readonly dir: LadderEntry["dir"]; readonly label: string }[] = [];
  /** Older entries are dropped past this many (a long demo run keeps bounded memory). */
  private static readonly MAX = 5000;

  constructor(private readonly now: () => number) {}

  add(lane: Lane, dir: LadderEntry["dir"], label: string): void {
    if (this.entries.length >= LadderRecorder.MAX) this.entries.shift();
    this.entries.push({ at: this.now(), lane, dir, label });
  }

  /** Entries from `startMs` on (times relative to it), in time order. */
  since(startMs: number): LadderEntry[] {
    return this.entries
      .filter((e) => e.at >= startMs)
      .map((e) => ({ atMs: e.at - startMs, lane: e.lane, dir: e.dir, label: e.label }))
      .sort((a, b) => a.atMs - b.atMs);
  }
}

const TIME_WIDTH = 9;
/** Characters between two bars. */
const GAP = 36;
const PSTN_COL = TIME_WIDTH + 7;
const GW_COL = PSTN_COL + GAP + 1;
const SIP_COL = GW_COL + GAP + 1;

function fit(label: string, max: number): string {
  return label.length <= max ? label : `${label.slice(0, max - 1)}~`;
}

/** An arrow filling `width` characters, its label in the middle. */
export function arrow(width: number, label: string, rightwards: boolean): string {
  const text = ` ${fit(label, width - 6)} `;
  const dashes = width - 1 - text.length;
  const before = Math.floor(dashes / 2);
  const after = dashes - before;
  return rightwards ? `${"-".repeat(before)}${text}${"-".repeat(after)}>` : `<${"-".repeat(before)}${text}${"-".repeat(after)}`;
}

function blankRow(): string[] {
  const row = Array.from({ length: SIP_COL + 1 }, () => " ");
  row[PSTN_COL] = "|";
  row[GW_COL] = "|";
  row[SIP_COL] = "|";
  return row;
}

function place(row: string[], at: number, text: string): void {
  for (let i = 0; i < text.length; i++) row[at + i] = text[i] as string;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

/** The ladder as text lines: a heading, then one line per entry. */
export function renderLadder(entries: readonly LadderEntry[], left: LeftSide = "pstn"): string[] {
  const head = Array.from({ length: SIP_COL + 6 }, () => " ");
  place(head, TIME_WIDTH - 4, "time");
  place(head, PSTN_COL - 5, LEFT_HEADING[left]);
  place(head, GW_COL - 3, "gateway");
  place(head, SIP_COL - 1, "SIP");
  const lines = [head.join("").trimEnd()];
  for (const e of entries) {
    const row = blankRow();
    place(row, 0, seconds(e.atMs).padStart(TIME_WIDTH));
    if ((e.lane === "isup" || e.lane === "qsig") && e.dir !== "note") {
      // PSTN or PBX on the left: a message to the gateway points right.
      place(row, PSTN_COL + 1, arrow(GAP, e.label, e.dir === "in"));
    } else if (e.lane === "sip" && e.dir !== "note") {
      // SIP on the right: a message to the gateway points left.
      place(row, GW_COL + 1, arrow(GAP, e.label, e.dir === "out"));
    } else {
      place(row, GW_COL, `* ${e.label}`);
    }
    lines.push(row.join("").trimEnd());
  }
  return lines;
}
