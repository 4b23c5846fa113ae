// A configure step that reports no SSH host key fails the create (a node whose key is not pinned
// could never be checked safely); the retry runs the configure step again and pins the key.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { nodeOfServer } from "../../state/nodes.ts";
import { startBed, waitForStatus, type HetznerBed as Bed } from "../support/provisioning.ts";

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
});
afterAll(async () => {
  await bed?.close();
});

it("fails a create whose configure step reports no host key, and pins it on the retry", async () => {
  // Slow actions leave time to take the host key away before the configure step runs.
  bed.hetzner.faults.set({ kind: "slow-actions", ms: 2000 });
  const res = await bed.api.post("/servers", { credentialId: bed.credentialId, name: "keyless", region: "fsn1", size: "cx22", image: "ubuntu-24.04" });
  expect(res.status, res.text).toBe(202);
  const id = res.json().server.id as string;
  let hostKeyFile = "";
  for (const until = Date.now() + 60_000; !hostKeyFile; ) {
    const created = bed.hetzner.state.servers().find((s) => s.name === "keyless");
    const host = created && bed.hetzner.host(created.id);
    if (host) hostKeyFile = path.join(host.rootDir, "etc/ssh/ssh_host_ed25519_key.pub");
    else if (Date.now() > until) throw new Error("the emulated server never appeared");
    else await new Promise((r) => setTimeout(r, 50));
  }
  const hostKey = fs.readFileSync(hostKeyFile, "utf8");
  fs.rmSync(hostKeyFile);
  bed.hetzner.faults.clear();

  const failed = await waitForStatus(bed, id, ["ready", "failed"]);
  expect(failed.status).toBe("failed");
  expect(failed).toMatchObject({ errorCode: "no_host_key", retryable: true, errorReason: "The configure step reported no SSH host key for the server, so Hoist cannot pin it" });
  expect(nodeOfServer(bed.console.deps.db, id)).toBeUndefined();

  fs.writeFileSync(hostKeyFile, hostKey);
  expect((await bed.api.post(`/servers/${id}/retry`)).status).toBe(202);
  const ready = await waitForStatus(bed, id, ["ready", "failed"]);
  expect(ready.status, ready.errorReason ?? "").toBe("ready");
  const node = nodeOfServer(bed.console.deps.db, id)!;
  expect(node.hostKeyFingerprint).toBe(bed.hetzner.host(Number(ready.outputs!.providerId))!.hostKeyFingerprint);
  expect(node.state).toBe("online");

  await bed.api.delete(`/servers/${id}`);
  expect((await waitForStatus(bed, id, ["destroyed", "failed"])).status).toBe("destroyed");
});
