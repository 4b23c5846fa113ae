// Every operation has a deadline: past it, the operation is cancelled gracefully, killed if it
// does not stop within the grace period, and the server ends failed with a reason and Retry.
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventsAfter, serverOperations } from "../../state/operations.ts";
import { startBed, waitForStatus, type HetznerBed as Bed } from "../support/provisioning.ts";

let bed: Bed;
beforeAll(async () => {
  bed = await startBed({ HOIST_OPERATION_TIMEOUT: "30", HOIST_CANCEL_GRACE: "5" });
});
afterAll(async () => {
  await bed?.close();
});

it("fails an operation that outlives its deadline, even when the provider never answers", async () => {
  // The create action outlasts deadline and grace together: only the forced stop ends it.
  bed.hetzner.faults.set({ kind: "slow-actions", ms: 600_000 });
  const res = await bed.api.post("/servers", { credentialId: bed.credentialId, name: "late", region: "fsn1", size: "cx22", image: "ubuntu-24.04" });
  const id = res.json().server.id as string;
  const s = await waitForStatus(bed, id, ["failed", "ready"], 150_000);
  expect(s.status).toBe("failed");
  expect(s.errorCode).toBe("deadline");
  expect(s.errorReason).toBe("The operation was stopped: its deadline of 30 s passed");
  expect(s.retryable).toBe(true);
  // The stack stays busy until the forced stop's recovery is done.
  await bed.console.deps.engine.idle();
  const [up] = serverOperations(bed.console.deps.db, id);
  // Nobody cancelled it: an operation past its deadline failed.
  expect(up!.status).toBe("failed");
  const took = up!.finishedAt!.getTime() - up!.startedAt!.getTime();
  expect(took).toBeGreaterThanOrEqual(30_000);
  expect(took).toBeLessThan(90_000);
  const events = eventsAfter(bed.console.deps.db, up!.id, 0).map((e) => e.payload as { type: string; text?: string });
  expect(events.some((e) => e.type === "log" && /^Stopped by force after the grace period; the stack was recovered \(adopted 1 resource\(s\)\)\.$/.test(e.text ?? ""))).toBe(true);

  bed.hetzner.faults.clear();
  await bed.api.delete(`/servers/${id}`);
  expect((await waitForStatus(bed, id, ["destroyed", "failed"])).status).toBe("destroyed");
  expect(bed.hetzner.state.servers()).toEqual([]);
});
