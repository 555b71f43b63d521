import { describe, expect, it } from "vitest";
import { validateDefinition } from "../../../core/fsm.js";
import type { CallEvent } from "./call-fsm.js";
import { CALL_FSM, CALL_STATES, EXTRA_TIMERS } from "./call-fsm.js";
import { isupTimers } from "./timers.js";

describe("the call control transition table", () => {
  it("is consistent: states, timers in the timer table, expiry events accepted", () => {
    expect(() => validateDefinition(CALL_FSM)).not.toThrow();
    for (const [name, st] of Object.entries(CALL_STATES)) {
      if (st.timer) expect(Object.keys(isupTimers.specs), name).toContain(st.timer.name);
      for (const t of st.extraTimers) expect(st.accepts, `${name} lets ${t} run but does not accept its expiry`).toContain(t as CallEvent);
    }
  });

  it("every extra timer's expiry is accepted only where the timer may run", () => {
    for (const t of EXTRA_TIMERS) {
      for (const [name, st] of Object.entries(CALL_STATES)) {
        if (st.accepts.includes(t as CallEvent)) expect(st.extraTimers, `${name} accepts ${t}`).toContain(t);
      }
    }
  });

  it("every state waiting for the far end runs a timer of its own or an extra one", () => {
    for (const [name, st] of Object.entries(CALL_STATES)) {
      if (st.awaitsFarEnd) expect(st.timer !== undefined || st.extraTimers.length > 0, name).toBe(true);
    }
  });

  it("every call state can be left: REL and reset are accepted everywhere but Idle", () => {
    for (const [name, st] of Object.entries(CALL_STATES)) {
      if (name === "Idle") continue;
      expect(st.accepts, name).toContain("REL");
      expect(st.accepts, name).toContain("reset");
      expect(st.to, name).toContain("Idle");
    }
  });
});
