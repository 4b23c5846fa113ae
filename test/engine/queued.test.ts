// Operations that wait in the queue (the global limit is one here): destroying a server whose
// create has not started yet cancels that create, so nothing is made only to be deleted.
import { afterAll, beforeAll, expect, it } from "vitest";
import { serverOperations } from "../../state/operations.ts";
import { serverById } from "../../state/servers.ts";
import { startBed, waitForStatus, type HetznerBed as Bed } from "../support/provisioning.ts";

let bed: Bed;
beforeAll(async () => {
  bed = await startBed({ HOIST_CONCURRENCY: "1" });
});
afterAll(async () => {
  await bed?.close();
});

async function create(name: string): Promise<string> {
  const res = await bed.api.post("/servers", { credentialId: bed.credentialId, name, region: "fsn1", size: "cx22", image: "ubuntu-24.04" });
  expect(res.status, res.text).toBe(202);
  return res.json().server.id;
}

it("destroying a server whose create is still queued cancels the create before it starts", async () => {
  bed.hetzner.faults.set({ kind: "slow-actions", ms: 3000 });
  const first = await create("first");
  await waitForStatus(bed, first, ["creating"]);
  const second = await create("second");
  expect(serverById(bed.console.deps.db, second)!.status).toBe("pending");

  const del = await bed.api.delete(`/servers/${second}`);
  expect(del.status, del.text).toBe(202);
  const [up, destroy] = serverOperations(bed.console.deps.db, second).slice().reverse();
  expect(up).toMatchObject({ kind: "up", status: "cancelled", startedAt: null });
  expect(up!.error).toContain("destroy requested by");
  // The destroy owns the server now: the cancelled create did not mark it failed.
  expect(serverById(bed.console.deps.db, second)!.status).toBe("destroying");

  bed.hetzner.faults.clear();
  expect((await waitForStatus(bed, second, ["destroyed", "failed"])).status).toBe("destroyed");
  expect(serverOperations(bed.console.deps.db, destroy!.serverId!)[0]).toMatchObject({ id: destroy!.id, status: "succeeded" });
  expect((await waitForStatus(bed, first, ["ready", "failed"])).status).toBe("ready");
  // The provider was only ever asked for the first server.
  expect(bed.hetzner.state.servers().map((s) => s.name)).toEqual(["first"]);
  expect(bed.hetzner.requests().filter((r) => r.method === "POST" && r.path === "/servers")).toHaveLength(1);

  await bed.api.delete(`/servers/${first}`);
  expect((await waitForStatus(bed, first, ["destroyed", "failed"])).status).toBe("destroyed");
});
