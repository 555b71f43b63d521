import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { RecordingLogger } from "../../core/logger.js";
import { resolveTimers } from "../../core/timers.js";
import type { LapdChannel } from "./channel.js";
import { decodeLapdFrame, describeControl, encodeLapdFrame } from "./codec/lapd-frame.js";
import type { LapdControl, LapdFrame } from "./codec/lapd-frame.js";
import { DataLink } from "./data-link.js";
import type { DlIndication, MdlErrorIndication } from "./primitives.js";
import { Q921_DEFAULT_PARAMETERS, q921Timers } from "./timers.js";
import type { Q921Parameters } from "./timers.js";

/** Both ends of a D-channel with a 1 ms delay and a fault injector. */
class Wire {
  readonly log: string[] = [];
  drop: (from: "net" | "user", f: LapdFrame) => boolean = () => false;
  private readonly rx: Record<"net" | "user", ((b: Uint8Array) => void) | undefined> = { net: undefined, user: undefined };
  constructor(private readonly clock: ManualClock) {}

  end(side: "net" | "user"): LapdChannel {
    const other = side === "net" ? "user" : "net";
    return {
      send: (frame) => {
        const d = decodeLapdFrame(frame);
        if (!d.ok) throw new Error(`sent an undecodable frame: ${d.error.reason}`);
        const command = side === "net" ? d.value.cr === 1 : d.value.cr === 0;
        const dropped = this.drop(side, d.value);
        this.log.push(`${this.clock.now()} ${side}->${other} ${describeControl(d.value.control, command)}${dropped ? " (dropped)" : ""}`);
        if (dropped) return;
        const copy = frame.slice();
        this.clock.setTimer(1, () => this.rx[other]?.(copy));
      },
      onFrame: (cb) => {
        this.rx[side] = cb;
      },
    };
  }

  /** Deliver a frame to one end as if the other end sent it. */
  inject(to: "net" | "user", f: LapdFrame): void {
    this.rx[to]?.(encodeLapdFrame(f));
  }
}

function setup(params: Partial<Q921Parameters> = {}) {
  const clock = new ManualClock();
  const log = new RecordingLogger();
  const wire = new Wire(clock);
  const timers = resolveTimers(q921Timers);
  const parameters = { ...Q921_DEFAULT_PARAMETERS, ...params };
  const ind: Record<"net" | "user", DlIndication[]> = { net: [], user: [] };
  const mdl: Record<"net" | "user", MdlErrorIndication[]> = { net: [], user: [] };
  const mk = (side: "net" | "user") => {
    const dl = new DataLink({
      channel: wire.end(side),
      networkSide: side === "net",
      clock,
      log: log.child({ side }),
      timers,
      parameters,
      id: side,
      onMdlError: (e) => mdl[side].push(e),
    });
    dl.onIndication((i) => ind[side].push(i));
    return dl;
  };
  const net = mk("net");
  const user = mk("user");
  return { clock, log, wire, net, user, ind, mdl };
}

const prims = (l: DlIndication[]): string[] => l.map((i) => i.primitive);
const data = (l: DlIndication[]): number[] => l.filter((i) => i.primitive === "DL-DATA.ind").map((i) => (i as { data: Uint8Array }).data[0] as number);
const msg = (n: number): Uint8Array => Uint8Array.of(n, 0x08, 0x02, 0x00, 0x01);

function up() {
  const t = setup();
  t.user.establish();
  t.clock.advance(10);
  return t;
}

describe("Q.921 data link: establishment and release (Q.921 §5.5)", () => {
  it("SABME/UA brings both ends to multiple frame established with the right primitives", () => {
    const t = up();
    expect(t.user.state).toBe("MultipleFrameEstablished");
    expect(t.net.state).toBe("MultipleFrameEstablished");
    expect(prims(t.ind.user)).toEqual(["DL-ESTABLISH.conf"]);
    expect(prims(t.ind.net)).toEqual(["DL-ESTABLISH.ind"]);
    expect(t.wire.log).toEqual(["0 user->net SABME P", "1 net->user UA F"]);
  });

  it("simultaneous SABMEs both complete (Q.921 §5.5.1.3)", () => {
    const t = setup();
    t.user.establish();
    t.net.establish();
    t.clock.advance(10);
    expect([t.user.state, t.net.state]).toEqual(["MultipleFrameEstablished", "MultipleFrameEstablished"]);
    expect(prims(t.ind.user)).toEqual(["DL-ESTABLISH.conf"]);
    expect(prims(t.ind.net)).toEqual(["DL-ESTABLISH.conf"]);
  });

  it("retries SABME N200 times, then MDL-ERROR G and DL-RELEASE.ind", () => {
    const t = setup();
    t.wire.drop = () => true;
    t.user.establish();
    t.clock.advance(4 * 1000 + 5);
    expect(t.wire.log.filter((l) => l.includes("SABME"))).toHaveLength(4);
    expect(t.user.state).toBe("TeiAssigned");
    expect(t.mdl.user.map((m) => m.code)).toEqual(["G"]);
    expect(prims(t.ind.user)).toEqual(["DL-RELEASE.ind"]);
  });

  it("DISC/UA releases: DL-RELEASE.conf at the initiator, DL-RELEASE.ind at the peer", () => {
    const t = up();
    t.user.release();
    t.clock.advance(10);
    expect([t.user.state, t.net.state]).toEqual(["TeiAssigned", "TeiAssigned"]);
    expect(prims(t.ind.user).at(-1)).toBe("DL-RELEASE.conf");
    expect(prims(t.ind.net).at(-1)).toBe("DL-RELEASE.ind");
  });

  it("answers DISC with DM and polls with DM F=1 in the TEI-assigned state (Q.921 §5.4)", () => {
    const t = setup();
    t.wire.inject("net", { sapi: 0, cr: 0, tei: 0, control: { format: "U", type: "DISC", pf: true }, info: new Uint8Array(0) });
    t.wire.inject("net", { sapi: 0, cr: 0, tei: 0, control: { format: "S", type: "RR", nr: 0, pf: true }, info: new Uint8Array(0) });
    expect(t.wire.log).toEqual(["0 net->user DM F", "0 net->user DM F"]);
    expect(t.net.state).toBe("TeiAssigned");
  });

  it("holds a DL-DATA.req made while the link is down and establishes the link for it", () => {
    const t = setup();
    t.user.data(msg(7));
    t.clock.advance(20);
    expect(t.user.state).toBe("MultipleFrameEstablished");
    expect(data(t.ind.net)).toEqual([7]);
  });
});

describe("Q.921 data link: acknowledged transfer (Q.921 §5.6)", () => {
  it("numbers I frames, acknowledges them and keeps order", () => {
    const t = up();
    for (let i = 0; i < 5; i++) t.user.data(msg(i));
    t.clock.advance(20);
    expect(data(t.ind.net)).toEqual([0, 1, 2, 3, 4]);
    expect(t.user.variables).toMatchObject({ vs: 5, va: 5, unacknowledged: 0 });
    expect(t.net.variables).toMatchObject({ vr: 5 });
  });

  it("never has more than k frames outstanding", () => {
    const t = setup({ k: 2 });
    t.user.establish();
    t.clock.advance(10);
    for (let i = 0; i < 6; i++) t.user.data(msg(i));
    expect(t.user.variables).toMatchObject({ unacknowledged: 2, queued: 4 });
    t.clock.advance(50);
    expect(data(t.ind.net)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("wraps N(S) modulo 128", () => {
    const t = up();
    for (let i = 0; i < 300; i++) {
      t.user.data(msg(i & 0xff));
      t.clock.advance(3);
    }
    t.clock.advance(10);
    expect(data(t.ind.net)).toHaveLength(300);
    expect(t.user.variables).toMatchObject({ vs: 300 % 128, va: 300 % 128 });
  });

  it("recovers a lost I frame with REJ (Q.921 §5.6.2.1, §5.8.1)", () => {
    const t = up();
    let dropped = false;
    t.wire.drop = (from, f) => {
      if (!dropped && from === "user" && f.control.format === "I" && f.control.ns === 1) return (dropped = true);
      return false;
    };
    for (let i = 0; i < 4; i++) t.user.data(msg(i));
    t.clock.advance(50);
    expect(data(t.ind.net)).toEqual([0, 1, 2, 3]);
    expect(t.wire.log.some((l) => l.includes("net->user REJ N(R)=1"))).toBe(true);
    expect(t.user.counters.retransmittedI).toBeGreaterThan(0);
  });

  it("recovers a lost last I frame by T200 expiry, enquiry and timer recovery (Q.921 §5.6.7)", () => {
    const t = up();
    let dropped = false;
    t.wire.drop = (from, f) => {
      if (!dropped && from === "user" && f.control.format === "I") return (dropped = true);
      return false;
    };
    t.user.data(msg(9));
    t.clock.advance(500);
    expect(data(t.ind.net)).toEqual([]);
    t.clock.advance(600);
    // T200 runs from the I frame sent at 10 ms.
    expect(t.wire.log).toContain("1010 user->net RR N(R)=0 P");
    expect(t.wire.log).toContain("1011 net->user RR N(R)=0 F");
    expect(t.wire.log).toContain("1012 user->net I N(S)=0 N(R)=0");
    expect(data(t.ind.net)).toEqual([9]);
    expect(t.user.state).toBe("MultipleFrameEstablished");
  });

  it("polls the idle link when T203 expires and stays established", () => {
    const t = up();
    t.clock.advance(10_010);
    // T203 started when each end entered multiple frame established (net at 1 ms, user at 2 ms).
    expect(t.wire.log.slice(2)).toEqual(["10001 net->user RR N(R)=0 P", "10002 user->net RR N(R)=0 P", "10002 user->net RR N(R)=0 F", "10003 net->user RR N(R)=0 F"]);
    expect([t.user.state, t.net.state]).toEqual(["MultipleFrameEstablished", "MultipleFrameEstablished"]);
    expect([...t.mdl.user, ...t.mdl.net]).toEqual([]);
  });

  it("re-establishes after N200 unanswered enquiries (MDL-ERROR I)", () => {
    const t = up();
    t.wire.drop = (from) => from === "net";
    t.user.data(msg(1));
    t.clock.advance(1000 * 4 + 10);
    expect(t.mdl.user.map((m) => m.code)).toEqual(["I"]);
    expect(t.user.state).toBe("AwaitingEstablishment");
  });
});

describe("Q.921 data link: busy, errors and frame rejection (Q.921 §5.6.5, §5.7, §5.8)", () => {
  const fromNet = (control: LapdControl, info = new Uint8Array(0)): LapdFrame => ({ sapi: 0, cr: control.format === "I" ? 1 : 0, tei: 0, control, info });

  it("stops sending on RNR and resumes on RR", () => {
    const t = up();
    t.wire.inject("user", fromNet({ format: "S", type: "RNR", nr: 0, pf: false }));
    t.user.data(msg(1));
    expect(t.user.variables).toMatchObject({ queued: 1, peerBusy: true });
    t.wire.inject("user", fromNet({ format: "S", type: "RR", nr: 0, pf: false }));
    t.user.data(msg(2));
    t.clock.advance(10);
    expect(data(t.ind.net)).toEqual([1, 2]);
  });

  it("polls a busy peer with enquiries while it stays busy (Q.921 §5.6.5)", () => {
    const t = up();
    t.wire.inject("user", fromNet({ format: "S", type: "RNR", nr: 0, pf: false }));
    t.clock.advance(1001);
    // RNR arrived at 10 ms: T200 started then.
    expect(t.wire.log).toContain("1010 user->net RR N(R)=0 P");
    expect(t.user.state).toBe("TimerRecovery");
  });

  it("re-establishes on FRMR (MDL-ERROR K)", () => {
    const t = up();
    t.wire.inject("user", { sapi: 0, cr: 0, tei: 0, control: { format: "U", type: "FRMR", pf: false }, info: Uint8Array.of(0x01, 0x02, 0, 0, 1) });
    expect(t.mdl.user.map((m) => m.code)).toEqual(["K"]);
    expect(t.user.state).toBe("AwaitingEstablishment");
    t.clock.advance(10);
    expect(t.user.state).toBe("MultipleFrameEstablished");
  });

  it("re-establishes on an N(R) outside V(A)..V(S) (MDL-ERROR J)", () => {
    const t = up();
    t.wire.inject("user", fromNet({ format: "S", type: "RR", nr: 5, pf: false }));
    expect(t.mdl.user.map((m) => m.code)).toEqual(["J"]);
    expect(t.user.state).toBe("AwaitingEstablishment");
  });

  it("reports an undefined control field (L), an S frame with information (N) and an oversized I frame (O)", () => {
    for (const [f, code] of [
      [{ sapi: 0, cr: 1, tei: 0, control: { format: "undefined", octets: Uint8Array.of(0x0d, 0x00) }, info: new Uint8Array(0) }, "L"],
      [fromNet({ format: "S", type: "RR", nr: 0, pf: false }, Uint8Array.of(1)), "N"],
      [fromNet({ format: "I", ns: 0, nr: 0, pf: false }, new Uint8Array(261)), "O"],
      [{ sapi: 0, cr: 0, tei: 0, control: { format: "U", type: "SABME", pf: true }, info: Uint8Array.of(1) }, "L"],
    ] as const) {
      const t = up();
      t.wire.inject("user", f as LapdFrame);
      expect(t.mdl.user.map((m) => m.code)).toEqual([code]);
      expect(t.user.state).toBe("AwaitingEstablishment");
    }
  });

  it("takes a peer SABME in multiple frame operation as re-establishment (MDL-ERROR F) and drops unacknowledged frames", () => {
    const t = up();
    t.wire.drop = (from) => from === "user";
    t.user.data(msg(1));
    t.wire.drop = () => false;
    t.wire.inject("user", { sapi: 0, cr: 1, tei: 0, control: { format: "U", type: "SABME", pf: true }, info: new Uint8Array(0) });
    expect(t.mdl.user.map((m) => m.code)).toEqual(["F"]);
    expect(prims(t.ind.user)).toEqual(["DL-ESTABLISH.conf", "DL-ESTABLISH.ind"]);
    expect(t.user.variables).toMatchObject({ vs: 0, va: 0, vr: 0, unacknowledged: 0 });
  });

  it("discards frames for another TEI or SAPI and undecodable frames", () => {
    const t = up();
    t.wire.inject("user", { sapi: 0, cr: 1, tei: 5, control: { format: "I", ns: 0, nr: 0, pf: false }, info: msg(1) });
    t.wire.inject("user", { sapi: 63, cr: 1, tei: 127, control: { format: "U", type: "UI", pf: false }, info: msg(1) });
    t.user.receive(Uint8Array.of(0x03));
    expect(t.user.counters).toMatchObject({ otherAddress: 2, invalidFrames: 1 });
    expect(t.user.state).toBe("MultipleFrameEstablished");
  });

  it("releases everything when the physical layer goes down", () => {
    const t = up();
    t.user.physicalDeactivated();
    expect(t.user.state).toBe("TeiAssigned");
    expect(prims(t.ind.user).at(-1)).toBe("DL-RELEASE.ind");
  });
});

describe("Q.921 data link: golden transcript", () => {
  it("establish, transfer with one loss and REJ recovery, T203 poll, release", () => {
    const t = setup();
    let dropped = false;
    t.wire.drop = (from, f) => {
      if (!dropped && from === "net" && f.control.format === "I" && f.control.ns === 0) return (dropped = true);
      return false;
    };
    t.user.establish();
    t.clock.advance(5);
    t.net.data(msg(0x10));
    t.net.data(msg(0x11));
    t.user.data(msg(0x20));
    t.clock.advance(20);
    t.clock.advance(10_010);
    t.net.release();
    t.clock.advance(5);
    const text = `${t.wire.log.join("\n")}\n--\n${t.log.transcript()}\n`;
    const golden = new URL("./golden/data-link-transcript.txt", import.meta.url);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, "utf8"));
  });
});
