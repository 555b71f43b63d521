import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatAction, formatCircuits, parseCicRange } from "./circuits.js";
import { formatLinks } from "./links.js";

describe("sipt-gw circuits and links output", () => {
  it("parses a CIC or a range and says why it refuses one", () => {
    expect(parseCicRange("5")).toEqual({ first: 5, last: 5 });
    expect(parseCicRange(" 1 - 15 ")).toEqual({ first: 1, last: 15 });
    expect(parseCicRange("9-2")).toBe("CIC range 9-2 ends before it starts");
    expect(parseCicRange("16384")).toBe("CIC 16384 is above 16383");
    expect(parseCicRange("1,2")).toBe('"1,2" is not a CIC or a CIC range (e.g. 5 or 1-15)');
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (s) => {
        const r = parseCicRange(s);
        if (typeof r !== "string") expect(r.first).toBeLessThanOrEqual(r.last);
      }),
      { numRuns: 500 },
    );
  });

  it("prints one line per circuit with blocking and procedures", () => {
    const base = { trunk: "pstn", pointCode: "0-0-2", span: 1, callId: 0, localMaintenance: "unblocked", localHardware: "unblocked", remoteMaintenance: false, remoteHardware: false, remoteUnequipped: false, procedures: [] as string[] };
    const text = formatCircuits({
      circuits: [
        { ...base, cic: 3, timeslot: 3, callState: "Active", callId: 12 },
        { ...base, cic: 14, timeslot: 14, callState: "Idle", localMaintenance: "blocking", remoteHardware: true, procedures: ["BLO"] },
      ],
    });
    expect(text).toBe(
      [
        "TRUNK  CIC  SPAN/TS  CALL STATE  CALL  LOCAL BLOCKING        REMOTE BLOCKING  PROCEDURES",
        "pstn     3  1/3      Active      12    -                     -                -",
        "pstn    14  1/14     Idle        -     maintenance blocking  hardware         BLO",
        "",
      ].join("\n"),
    );
  });

  it("says what a procedure sent and what a query found", () => {
    const r = { trunk: "pstn", first: 1, last: 15, answered: true, discrepancies: [] as { cic: number; actions: string[] }[] };
    expect(formatAction({ ...r, first: 4, last: 4, procedure: "BLO" })).toBe("BLO sent for CIC 4 of trunk pstn\n");
    expect(formatAction({ ...r, procedure: "CGB" })).toBe("CGB sent for CICs 1-15 of trunk pstn\n");
    expect(formatAction({ ...r, procedure: "CQM", answered: false })).toBe("CQM for CICs 1-15 of trunk pstn: no CQR before T28 expired\n");
    expect(formatAction({ ...r, procedure: "CQM", discrepancies: [{ cic: 7, actions: ["set-remote-maintenance"] }] })).toBe(
      "CQM for CICs 1-15 of trunk pstn: 1 circuit(s) differed\n  CIC 7: set-remote-maintenance\n",
    );
  });

  it("prints linksets, links and destinations as tables", () => {
    const text = formatLinks({
      variant: "itu",
      pointCode: "0-0-1",
      linksets: [{ name: "pstn", adjacentPointCode: "0-0-2", state: "Unavailable" }],
      links: [{ linkset: "pstn", slc: 0, span: 1, timeslot: 16, state: "Aligning", level2: "InitialAlignment", framesTx: 3, framesRx: 0, msusTx: 0, msusRx: 0, suErrors: 1020 }],
      destinations: [{ pointCode: "0-0-2", accessible: false, via: "", routes: [{ linkset: "pstn", status: "allowed" }] }],
    });
    expect(text.split("\n")).toEqual([
      "SS7 ITU, own point code 0-0-1",
      "",
      "LINKSET  ADJACENT  STATE",
      "pstn     0-0-2     Unavailable",
      "",
      "LINK    SPAN/TS  MTP3      MTP2              FRAMES TX/RX  MSUS TX/RX  SU ERRORS",
      "pstn/0  1/16     Aligning  InitialAlignment  3/0           0/0         1020",
      "",
      "DESTINATION  ACCESSIBLE  VIA  ROUTES",
      "0-0-2        no          -    pstn:allowed",
      "",
    ]);
  });
});
