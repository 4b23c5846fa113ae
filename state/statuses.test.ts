import { describe, expect, it } from "vitest";
import {
  can,
  deploymentEvents,
  deploymentMachine,
  deploymentStatuses,
  heldBy,
  isBusy,
  next,
  operationKinds,
  operationTransition,
  requestEvent,
  serverEvents,
  serverMachine,
  serverPolicy,
  serverStatuses,
  terminalStatuses,
  TransitionError,
  type StatusMachine,
} from "./statuses.ts";

/** What every machine must hold: known statuses only, every busy status can fail, and the final one is final. */
function wellFormed<S extends string, E extends string>(m: StatusMachine<S, E>, statuses: readonly S[], events: readonly E[], final: S) {
  for (const from of statuses) for (const to of Object.values(m.transitions[from]) as S[]) expect(statuses).toContain(to);
  for (const s of statuses) if (isBusy(m, s)) expect(can(m, s, m.failed), `${s} can fail`).toBe(true);
  for (const e of events) expect(can(m, final, e)).toBe(false);
  expect(Object.keys(m.heldBy).sort()).toEqual([...statuses].sort());
  for (const held of Object.values(m.heldBy)) if (held !== null) expect(operationKinds).toContain(held);
}

describe("the server status machine", () => {
  it("walks the happy path", () => {
    let s = next(serverMachine, "pending", "create_started");
    s = next(serverMachine, s, "configure_started");
    expect(s).toBe("configuring");
    expect(next(serverMachine, s, "succeeded")).toBe("ready");
  });

  it("lets a failed server be retried or destroyed, and refuses events that make no sense, naming them", () => {
    expect(next(serverMachine, "failed", "queued")).toBe("pending");
    expect(next(serverMachine, "failed", "destroy_requested")).toBe("destroying");
    expect(() => next(serverMachine, "ready", "configure_started")).toThrow(TransitionError);
    expect(() => next(serverMachine, "destroying", "queued")).toThrow("cannot queued while destroying");
  });

  it("is well formed", () => wellFormed(serverMachine, serverStatuses, serverEvents, "destroyed"));

  it("derives which statuses an operation holds, and which are busy, from one table", () => {
    expect(heldBy(serverMachine, "up").sort()).toEqual(["configuring", "creating", "pending", "updating"]);
    expect(heldBy(serverMachine, "power").sort()).toEqual(["starting", "stopping"]);
    expect(heldBy(serverMachine, "refresh")).toEqual([]);
    expect(serverStatuses.filter((s) => isBusy(serverMachine, s)).sort()).toEqual(["configuring", "creating", "destroying", "pending", "starting", "stopping", "updating"]);
  });

  it("answers its policies once: retry, node checks, offline when stopped", () => {
    expect(serverStatuses.filter(serverPolicy.canRetry)).toEqual(["failed"]);
    expect(serverStatuses.filter(serverPolicy.canCheck)).toEqual(["ready"]);
    expect(serverPolicy.offlineBecause("stopped")).toBe("the server is stopped");
    expect(serverStatuses.filter(serverPolicy.nodeCheckable).sort()).toEqual(["ready", "stopped"]);
  });
});

describe("the deployment status machine", () => {
  it("deploys, updates, restarts and is removed", () => {
    expect(next(deploymentMachine, next(deploymentMachine, "pending", "deploy_started"), "succeeded")).toBe("running");
    expect(next(deploymentMachine, "running", "update_requested")).toBe("updating");
    expect(next(deploymentMachine, "running", "restart_requested")).toBe("restarting");
    expect(next(deploymentMachine, "restarting", "restarted")).toBe("running");
    expect(next(deploymentMachine, "failed", "queued")).toBe("pending");
    expect(next(deploymentMachine, "removing", "removed")).toBe("removed");
    expect(() => next(deploymentMachine, "removed", "queued")).toThrow(TransitionError);
  });

  it("is well formed, and its operations hold their own statuses", () => {
    wellFormed(deploymentMachine, deploymentStatuses, deploymentEvents, "removed");
    expect(heldBy(deploymentMachine, "restart")).toEqual(["restarting"]);
    expect(heldBy(deploymentMachine, "destroy")).toEqual(["removing"]);
  });
});

describe("asking for an operation from an idle status (what a shell's `hoist up` moves)", () => {
  it("moves a server the way the console does: a ready one is updated, a failed one queued again, either destroyed", () => {
    expect(requestEvent(serverMachine, "ready", "up")).toBe("update_started");
    expect(requestEvent(serverMachine, "failed", "up")).toBe("queued");
    expect(requestEvent(serverMachine, "ready", "destroy")).toBe("destroy_requested");
    expect(requestEvent(serverMachine, "stopped", "destroy")).toBe("destroy_requested");
  });

  it("moves a deployment the way the console does", () => {
    expect(requestEvent(deploymentMachine, "running", "up")).toBe("update_requested");
    expect(requestEvent(deploymentMachine, "failed", "up")).toBe("queued");
    expect(requestEvent(deploymentMachine, "running", "destroy")).toBe("remove_requested");
  });

  it("finds no move from a busy status, nor where the machine has none (an up of a stopped server)", () => {
    expect(requestEvent(serverMachine, "stopped", "up")).toBeUndefined();
    expect(requestEvent(serverMachine, "pending", "up")).toBeUndefined();
    expect(requestEvent(serverMachine, "updating", "destroy")).toBeUndefined();
    expect(requestEvent(serverMachine, "destroyed", "destroy")).toBeUndefined();
    // Operations that hold no status move nothing.
    for (const s of serverStatuses) expect(requestEvent(serverMachine, s, "refresh")).toBeUndefined();
  });

  it("knows the statuses whose stack is gone", () => {
    expect(terminalStatuses(serverMachine)).toEqual(["destroyed"]);
    expect(terminalStatuses(deploymentMachine)).toEqual(["removed"]);
  });
});

describe("operations", () => {
  it("move from queued to one final status", () => {
    expect(operationTransition(operationTransition("queued", "start"), "succeed")).toBe("succeeded");
    expect(() => operationTransition("succeeded", "fail")).toThrow(TransitionError);
  });
});
