// Nodes are checked over real SSH, again and again: a server that dies at the provider shows its
// node offline with the reason, and online again once it is back.
import { afterAll, beforeAll, expect, it } from "vitest";
import { nodeOfServer } from "../../state/nodes.ts";
import { startBed, waitForStatus, type HetznerBed as Bed } from "../support/provisioning.ts";

let bed: Bed;
beforeAll(async () => {
  bed = await startBed({ HOIST_NODE_CHECK_INTERVAL: "5" });
});
afterAll(async () => {
  await bed?.close();
});

async function nodeState(serverId: string, state: "online" | "offline", ms = 30_000) {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    const n = nodeOfServer(bed.console.deps.db, serverId);
    if (n?.state === state) return n;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`node of ${serverId} did not become ${state}`);
}

it("re-checks nodes periodically over SSH, with the host key pinned", async () => {
  const res = await bed.api.post("/servers", { credentialId: bed.credentialId, name: "watched", region: "hel1", size: "cx22", image: "ubuntu-24.04" });
  const id = res.json().server.id as string;
  const ready = await waitForStatus(bed, id, ["ready", "failed"]);
  expect(ready.status).toBe("ready");
  const node = await nodeState(id, "online");
  expect(node.hostKeyFingerprint).toBe(bed.hetzner.host(Number(ready.outputs!.providerId))!.hostKeyFingerprint);
  expect(node.facts).toMatchObject({ os: "Hoist test bed (busybox)", cpus: 2, memoryMb: 4096 });
  expect(node.sshKeyId).toBe(ready.sshKeyId);
  const firstCheck = node.checkedAt!.getTime();

  await bed.hetzner.outOfBand.kill(Number(ready.outputs!.providerId));
  const down = await nodeState(id, "offline");
  expect(down.stateReason).toMatch(/^SSH to 127\.\S+:22 failed: .*ECONNREFUSED/);
  expect(down.checkedAt!.getTime()).toBeGreaterThan(firstCheck);

  await bed.api.delete(`/servers/${id}`);
  expect((await waitForStatus(bed, id, ["destroyed", "failed"])).status).toBe("destroyed");
});
