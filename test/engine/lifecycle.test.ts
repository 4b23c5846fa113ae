// A server's whole life through the engine: create → ready (node online) → stop → start → destroy.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventsAfter, serverOperations } from "../../state/operations.ts";
import { nodeOfServer } from "../../state/nodes.ts";
import { startBed, waitForStatus, type HetznerBed as Bed } from "../support/provisioning.ts";

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
});
afterAll(async () => {
  await bed?.close();
});

it("creates a server, registers its node, and destroys it", async () => {
  const res = await bed.api.post("/servers", { credentialId: bed.credentialId, name: "web-1", region: "fsn1", size: "cx22", image: "ubuntu-24.04" });
  expect(res.status, res.text).toBe(202);
  const { server, operation } = res.json();
  const ready = await waitForStatus(bed, server.id, ["ready", "failed"]);
  expect(ready.status).toBe("ready");
  const events = eventsAfter(bed.console.deps.db, operation.id, 0).map((e) => e.payload as any);
  const statuses = events.filter((e) => e.type === "status").map((e) => e.status);
  expect(statuses).toEqual(["creating", "configuring", "ready"]);
  const node = nodeOfServer(bed.console.deps.db, server.id)!;
  expect(node.state).toBe("online");
  expect(node.address).toMatch(/^127\./);
  const hostRoot = bed.hetzner.host(Number(ready.outputs!.providerId))!.rootDir;
  expect(fs.readFileSync(path.join(hostRoot, "etc/hoist/node-id"), "utf8").trim()).toBe(node.id);

  const del = await bed.api.delete(`/servers/${server.id}`);
  expect(del.status, del.text).toBe(202);
  const gone = await waitForStatus(bed, server.id, ["destroyed", "failed"]);
  expect(gone.status, gone.errorReason ?? "").toBe("destroyed");
  expect(bed.hetzner.state.servers()).toEqual([]);
  expect(nodeOfServer(bed.console.deps.db, server.id)).toBeUndefined();
  expect(serverOperations(bed.console.deps.db, server.id).map((o) => o.status)).toEqual(["succeeded", "succeeded"]);
});
