// `hoist preview <stack>` from a shell: the same program and inputs as the console's operations.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { inject } from "vitest";
import { updateServer } from "../../state/servers.ts";
import { startBed, waitForStatus, type HetznerBed as Bed } from "../support/provisioning.ts";

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, "../..");
let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
});
afterAll(async () => {
  await bed?.close();
});

const hoist = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", path.join(repo, "server/cli.ts"), ...args], {
    cwd: repo,
    env: { ...process.env, HOIST_DATA_DIR: bed.console.dataDir, HOIST_PULUMI_HOME: inject("pulumiHome"), HOIST_ENDPOINT_HETZNER: bed.hetzner.url, HOIST_LOG_LEVEL: "warn" },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

it("previews a server's stack with the console's inputs", async () => {
  const id = (await bed.api.post("/servers", { credentialId: bed.credentialId, name: "previewed", region: "fsn1", size: "cx22", image: "ubuntu-24.04" })).json().server.id;
  expect((await waitForStatus(bed, id, ["ready", "failed"])).status).toBe("ready");

  const same = await hoist("preview", "server-previewed");
  expect(same.code, same.stderr).toBe(0);
  expect(same.stdout).toMatch(/no changes\n$/);

  // A resize the console has not applied yet shows up as Pulumi's own preview of an update.
  updateServer(bed.console.deps.db, id, { size: "cx32" });
  const resize = await hoist("preview", "server-previewed");
  expect(resize.code, resize.stderr).toBe(0);
  expect(resize.stdout).toMatch(/~ hcloud:index\/server:Server: \(update\)/);
  expect(resize.stdout).toMatch(/~ serverType\s*: "cx22" => "cx32"/);
  expect(resize.stdout).toMatch(/\b1 to update\b/);
  // Secrets stay secret in Pulumi's output too.
  expect(resize.stdout).toMatch(/connection\s*: \[secret\]/);
  expect(resize.stdout).not.toContain(bed.hetzner.token);
  // Nothing changed at the provider: it was only a preview.
  expect(bed.hetzner.state.servers().find((s) => s.name === "previewed")!.server_type.name).toBe("cx22");

  const unknown = await hoist("preview", "server-nope");
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain("no stack named server-nope (known: server-previewed)");
  expect((await hoist()).stderr).toContain("usage: hoist preview <stack>");

  updateServer(bed.console.deps.db, id, { size: "cx22" });
  await bed.api.delete(`/servers/${id}`);
  expect((await waitForStatus(bed, id, ["destroyed", "failed"])).status).toBe("destroyed");
});
