// `npm run testbed:ssh`: a real SSH session on a ready server, with the key Hoist holds for it and
// only the host key Hoist pinned.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { serverById } from "../../state/servers.ts";
import { startBed, waitForStatus, type Bed } from "../support/provisioning.ts";

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const tsx = path.join(repoDir, "node_modules/.bin/tsx");

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
});
afterAll(async () => {
  await bed?.close();
});

const sshTo = (...args: string[]) =>
  spawnSync(tsx, [path.join(repoDir, "test/testbed/ssh.ts"), ...args], { env: { ...process.env, HOIST_DATA_DIR: bed.console.dataDir }, encoding: "utf8", timeout: 60_000 });

it("runs a command on the server over SSH, and names the servers when the name is wrong", async () => {
  const res = await bed.api.post("/servers", { credentialId: bed.credentialId, name: "shell", region: "fsn1", size: "cx22", image: "ubuntu-24.04" });
  const id = res.json().server.id as string;
  expect((await waitForStatus(bed, id, ["ready", "failed"])).status).toBe("ready");

  const ran = sshTo("shell", "cat", "/etc/hoist/node-id");
  expect(ran.stderr).toBe("");
  expect(ran.status).toBe(0);
  expect(ran.stdout.trim()).toBe(String(serverById(bed.console.deps.db, id)!.spec.nodeId));

  const wrong = sshTo("nope", "true");
  expect(wrong.status).toBe(2);
  expect(wrong.stderr).toContain('no server named "nope"; there are: shell');

  // Stopped, the server's sshd is gone: the helper says so instead of trusting another host.
  await bed.api.post(`/servers/${id}/stop`);
  expect((await waitForStatus(bed, id, ["stopped", "failed"])).status).toBe("stopped");
  const stopped = sshTo("shell", "true");
  expect(stopped.status).toBe(2);
  expect(stopped.stderr).toMatch(/does not present the host key Hoist pinned \(SHA256:.+\); is it running\?/);

  await bed.api.delete(`/servers/${id}`);
  expect((await waitForStatus(bed, id, ["destroyed", "failed"])).status).toBe("destroyed");
});
