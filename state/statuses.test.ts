import { describe, expect, it } from "vitest";
import { canTransition, operationTransition, serverEvents, serverStatuses, serverTransitions, transition, TransitionError } from "./statuses.ts";

describe("server status machine", () => {
  it("walks the happy path", () => {
    let s = transition("pending", "create_started");
    s = transition(s, "configure_started");
    expect(s).toBe("configuring");
    expect(transition(s, "succeeded")).toBe("ready");
  });

  it("lets a failed server be retried or destroyed, and nothing leaves destroyed", () => {
    expect(transition("failed", "queued")).toBe("pending");
    expect(transition("failed", "destroy_requested")).toBe("destroying");
    for (const e of serverEvents) expect(canTransition("destroyed", e)).toBe(false);
  });

  it("refuses events that make no sense, naming them", () => {
    expect(() => transition("ready", "configure_started")).toThrow(TransitionError);
    expect(() => transition("destroying", "queued")).toThrow("cannot queued while destroying");
  });

  it("only ever moves to known statuses, and every busy status can fail or be destroyed", () => {
    for (const from of serverStatuses) {
      for (const to of Object.values(serverTransitions[from])) expect(serverStatuses).toContain(to);
    }
    for (const busy of ["pending", "creating", "configuring", "updating"] as const) {
      expect(canTransition(busy, "failed")).toBe(true);
      expect(canTransition(busy, "destroy_requested")).toBe(true);
    }
  });

  it("moves operations from queued to one final status", () => {
    expect(operationTransition(operationTransition("queued", "start"), "succeed")).toBe("succeeded");
    expect(() => operationTransition("succeeded", "fail")).toThrow(TransitionError);
  });
});
