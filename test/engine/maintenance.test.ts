// While changes are paused, the engine starts no queued operation; those already running finish.
import { afterAll, beforeAll, expect, it } from "vitest";
import { findOperation } from "../../state/operations.ts";
import { insertServer, serverById } from "../../state/servers.ts";
import { startBed, waitForStatus, type HetznerBed as Bed } from "../support/provisioning.ts";

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
});
afterAll(async () => {
  await bed?.close();
});

it("lets the running create finish and holds the queued operation until changes resume", async () => {
  bed.hetzner.faults.set({ kind: "slow-actions", ms: 3000 });
  const res = await bed.api.post("/servers", { credentialId: bed.credentialId, name: "running", region: "fsn1", size: "cx22", image: "ubuntu-24.04" });
  const running = res.json().server.id as string;
  await waitForStatus(bed, running, ["creating"]);
  expect((await bed.api.put("/maintenance", { paused: true, reason: "upgrade" })).status).toBe(200);

  // An operation queued before the pause (written as the create action writes one).
  const admin = (await bed.api.get("/me")).json().id as string;
  const waiting = insertServer(bed.console.deps.db, { userId: admin, credentialId: bed.credentialId, sshKeyId: null, name: "waiting", stack: "server-waiting", cloud: "hetzner", region: "fsn1", size: "cx22", image: "ubuntu-24.04", spec: {}, priceMonthly: null });
  const queued = bed.console.deps.engine.enqueue({ kind: "up", stackKind: "server", stack: waiting.stack, serverId: waiting.id, userId: admin });

  bed.hetzner.faults.clear();
  expect((await waitForStatus(bed, running, ["ready", "failed"])).status).toBe("ready");
  await new Promise((r) => setTimeout(r, 3000)); // longer than the engine's queue tick
  expect(findOperation(bed.console.deps.db, queued.id)!.status).toBe("queued");
  expect(serverById(bed.console.deps.db, waiting.id)!.status).toBe("pending");

  expect((await bed.api.put("/maintenance", { paused: false })).status).toBe(200);
  // It starts (and fails at once: the row has no SSH key, which is beside the point here).
  for (const until = Date.now() + 30_000; findOperation(bed.console.deps.db, queued.id)!.status === "queued"; ) {
    if (Date.now() > until) throw new Error("the queued operation did not start after resuming");
    await new Promise((r) => setTimeout(r, 100));
  }
  await bed.console.deps.engine.idle();
  expect(findOperation(bed.console.deps.db, queued.id)!.status).toBe("failed");

  await bed.api.delete(`/servers/${running}`);
  expect((await waitForStatus(bed, running, ["destroyed", "failed"])).status).toBe("destroyed");
});
