// The `hoist` CLI on an app deployment's stack, beside a running console: stacks lists servers and
// deployments alike; a change proposed in the console and waiting is what preview shows and up
// applies (as the console's Apply would), `--declared` the deployment as it is; a server is not
// destroyed from the shell while deployments run on it; a deployment's destroy asks for its name.
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeById } from "../../state/changes.ts";
import { deploymentById, type Deployment } from "../../state/deployments.ts";
import { nodeOfServer, type Node } from "../../state/nodes.ts";
import { deploymentOperations } from "../../state/operations.ts";
import { ADMIN } from "../support/console.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";
import { auditOf, hoist } from "./support.ts";

const catalog = path.resolve(import.meta.dirname, "../catalog");
let bed: Bed;
let node: Node;
let serverId: string;
let d: Deployment;

async function deploymentIn(id: string, statuses: string[], ms = 120_000): Promise<Deployment> {
  for (const until = Date.now() + ms; ; ) {
    const found = deploymentById(bed.console.deps.db, id)!;
    if (statuses.includes(found.status)) return found;
    if (Date.now() > until) throw new Error(`deployment ${found.name} is ${found.status} (${found.errorReason ?? "no error"}), expected ${statuses.join(" or ")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function changeIn(id: string, statuses: string[], ms = 60_000) {
  for (const until = Date.now() + ms; ; ) {
    const c = changeById(bed.console.deps.db, id)!;
    if (statuses.includes(c.status)) return c;
    if (Date.now() > until) throw new Error(`change ${id} is ${c.status}, expected ${statuses.join(" or ")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const page = async () => (await fetch(`http://${node.address}:8090/`)).text();

beforeAll(async () => {
  bed = await startCloudBed("hetzner", { HOIST_CATALOG_DIRS: catalog }, { docker: true });
  const res = await bed.api.post("/servers", bed.serverRequest("apps-cli"));
  const server = await waitForStatus(bed, res.json().server.id, ["ready", "failed"], 180_000);
  expect(server.status, server.errorReason ?? "").toBe("ready");
  serverId = server.id;
  node = nodeOfServer(bed.console.deps.db, server.id)!;
  const deployed = await bed.api.post("/deployments", { app: "test-httpd", nodeId: node.id, name: "greeter", ports: { web: 8090 }, env: { GREETING: "first" } });
  expect(deployed.status, deployed.text).toBe(202);
  d = await deploymentIn(deployed.json().deployment.id, ["running", "failed"]);
  expect(d.status, d.errorReason ?? "").toBe("running");
});
afterAll(async () => {
  await bed?.close();
});

describe("hoist on a deployment's stack", () => {
  it("lists servers and deployments alike", async () => {
    const listed = await hoist(bed, ["stacks", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout).stacks as { stack: string; kind: string; owner: string; status: string }[];
    expect(rows.map((r) => [r.stack, r.kind, r.owner, r.status])).toEqual([
      ["server-apps-cli", "server", ADMIN.email, "ready"],
      [d.stack, "app", ADMIN.email, "running"],
    ]);
  });

  it("previews the change waiting in the console, and applies it on up as the console's Apply would", async () => {
    const proposed = await bed.api.post(`/deployments/${d.id}/changes`, { env: { GREETING: "second" } });
    expect(proposed.status, proposed.text).toBe(202);
    const change = await changeIn(proposed.json().id, ["previewed", "failed"]);
    expect(change.status).toBe("previewed");

    const preview = await hoist(bed, ["preview", d.stack]);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain(`Previewing the change proposed by ${ADMIN.email} on `);
    expect(preview.stdout).toContain(`(change ${change.id}, previewed): what the console's Apply runs.`);
    // Pulumi's own diff of the container, from the change's inputs (what is declared now plans nothing: below).
    expect(preview.stdout).toMatch(/~ command:remote:Command: \(update\)\n\s+\[id=container/);
    expect(preview.stdout).toMatch(/~ create\s+:/);
    expect(preview.stdout).toMatch(/\n1 to update\n$/);
    // Previewing changed nothing: the app answers as before, the change still waits.
    expect(await page()).toContain("first");
    expect(changeById(bed.console.deps.db, change.id)!.status).toBe("previewed");

    const declared = await hoist(bed, ["preview", d.stack, "--declared"]);
    expect(declared.code, declared.stderr).toBe(0);
    expect(declared.stdout).not.toContain("Previewing the change");
    expect(declared.stdout).toMatch(/\nno changes\n$/);

    const up = await hoist(bed, ["up", d.stack, "--yes"]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`${d.stack}: the deployment is running.`);
    expect(changeById(bed.console.deps.db, change.id)!.status).toBe("applied");
    expect(await page()).toContain("second");
    const ops = deploymentOperations(bed.console.deps.db, d.id);
    expect(ops[0]).toMatchObject({ kind: "up", status: "succeeded", params: { cli: os.userInfo().username, changeId: change.id } });
    expect(auditOf(bed, "cli.up")[0]!.detail).toContain(`applying change ${change.id}`);
  });

  it("refuses to destroy a server whose node runs deployments, then destroys the deployment when its name is typed", async () => {
    const refused = await hoist(bed, ["destroy", "server-apps-cli", "--yes"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`1 stack(s) run on server-apps-cli: ${d.stack}. Destroy them first`);
    expect((await waitForStatus(bed, serverId, ["ready"])).status).toBe("ready");

    const declined = await hoist(bed, ["destroy", d.stack], "n\n");
    expect(declined.code).toBe(1);
    expect((await deploymentIn(d.id, ["running"])).status).toBe("running");

    const removed = await hoist(bed, ["destroy", d.stack], `${d.stack}\n`);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain(`${d.stack}: the deployment is gone, and its stack with it.`);
    expect(deploymentById(bed.console.deps.db, d.id)!.status).toBe("removed");
    await expect(fetch(`http://${node.address}:8090/`)).rejects.toThrow();
    expect(auditOf(bed, "cli.destroy")[0]).toMatchObject({ actor: `cli:${os.userInfo().username}`, targetType: "deployment", targetId: d.id });
  });
});
