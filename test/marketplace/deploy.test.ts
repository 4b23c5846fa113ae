// A deployment's whole life through Hoist's JSON API and engine on the test bed: a server made
// ready, then an app from the marketplace deployed onto it within a minute, answering HTTP on the
// node's address; restarted; removed keeping its data, then with it.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessOf } from "../../engine/nodes.ts";
import { runOnNode } from "../../engine/node-exec.ts";
import { deploymentById } from "../../state/deployments.ts";
import { nodeOfServer, type Node } from "../../state/nodes.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";

const catalog = path.resolve(import.meta.dirname, "../catalog");
let bed: Bed;
let node: Node;

beforeAll(async () => {
  bed = await startCloudBed("hetzner", { HOIST_CATALOG_DIRS: catalog }, { docker: true });
  const res = await bed.api.post("/servers", bed.serverRequest("apps-1"));
  const server = await waitForStatus(bed, res.json().server.id, ["ready", "failed"], 180_000);
  expect(server.status, server.errorReason ?? "").toBe("ready");
  node = nodeOfServer(bed.console.deps.db, server.id)!;
});
afterAll(async () => {
  await bed?.close();
});

/** Waits until the deployment reaches one of `statuses`. */
async function deploymentIn(id: string, statuses: string[], ms = 120_000) {
  for (const until = Date.now() + ms; ; ) {
    const d = deploymentById(bed.console.deps.db, id)!;
    if (statuses.includes(d.status)) return d;
    if (Date.now() > until) throw new Error(`deployment ${d.name} is ${d.status} (${d.errorReason ?? "no error"}), expected ${statuses.join(" or ")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A command on the node as root, through Hoist's own key for it. */
async function onNode(line: string): Promise<string> {
  const res = await runOnNode(accessOf(bed.console.deps, node)!, line);
  return res.stdout;
}

/** Waits until the change reaches one of `statuses`. */
async function changeIn(deploymentId: string, id: string, statuses: string[], ms = 60_000) {
  for (const until = Date.now() + ms; ; ) {
    const c = (await bed.api.get(`/deployments/${deploymentId}/changes/${id}`)).json();
    if (statuses.includes(c.status)) return c;
    if (Date.now() > until) throw new Error(`change ${id} is ${c.status}, expected ${statuses.join(" or ")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("an app deployed from the marketplace", () => {
  it("runs on the new node, answers HTTP there, restarts, and is removed keeping its data when asked", async () => {
    const apps = (await bed.api.get("/catalog")).json().apps as { id: string }[];
    expect(apps.map((a) => a.id)).toEqual(expect.arrayContaining(["nginx", "redis", "test-httpd"]));

    const t0 = Date.now();
    const res = await bed.api.post("/deployments", { app: "test-httpd", nodeId: node.id, name: "hello", ports: { web: 8080 }, env: { GREETING: "hi there" } });
    expect(res.status, res.text).toBe(202);
    const { deployment, warnings } = res.json();
    expect(warnings).toEqual([]);
    expect(deployment).toMatchObject({ name: "hello", app: "test-httpd", status: "pending", url: `http://${node.address}:8080/`, ports: { web: 8080 }, env: { GREETING: "hi there", HOST: node.address, PORT: "8080" } });
    const running = await deploymentIn(deployment.id, ["running", "failed"]);
    expect(running.status, running.errorReason ?? "").toBe("running");
    expect(Date.now() - t0).toBeLessThan(60_000);
    const page = await fetch(`http://${node.address}:8080/`);
    expect(await page.text()).toContain("hi there");
    // Hoist's container, labelled with the deployment, restarting unless stopped.
    const inspect = await onNode(`docker inspect --format '{{.Config.Labels}} {{.HostConfig.RestartPolicy.Name}} {{.State.Running}}' hoist-${running.slug}`);
    expect(inspect).toContain(`hoist.deployment:${deployment.id}`);
    expect(inspect).toContain("unless-stopped true");

    // Its logs and usage, fetched over SSH on demand, through the API as the pages read them.
    const logs = await bed.api.get(`/deployments/${deployment.id}/logs?lines=50`);
    expect(logs.status, logs.text).toBe(200);
    // busybox httpd logs each request it answered.
    expect(logs.json()).toMatchObject({ lines: 50, text: expect.stringMatching(/response:200/) });
    const badLines = await bed.api.get(`/deployments/${deployment.id}/logs?lines=0`);
    expect(badLines.status).toBe(422);
    expect(badLines.json().error.fields).toEqual([{ field: "lines", message: "must be a whole number from 1 to 2000" }]);
    const usage = await bed.api.get(`/deployments/${deployment.id}/usage`);
    expect(usage.status, usage.text).toBe(200);
    expect(usage.json().usage.running).toBe(true);
    expect(usage.json().usage.memoryBytes).toBeGreaterThan(0);

    expect((await bed.api.post(`/deployments/${deployment.id}/restart`)).status).toBe(202);
    expect((await deploymentIn(deployment.id, ["running", "failed"])).status).toBe("running");
    expect(await (await fetch(`http://${node.address}:8080/`)).text()).toContain("hi there");

    const removed = await bed.api.delete(`/deployments/${deployment.id}`, { keepData: true });
    expect(removed.status, removed.text).toBe(202);
    expect((await deploymentIn(deployment.id, ["removed", "failed"])).status).toBe("removed");
    expect(await onNode(`docker ps -a --filter label=hoist.deployment=${deployment.id} --format '{{.Names}}'`)).toBe("");
    expect(await onNode(`docker volume ls --format '{{.Name}}'`)).toContain(`hoist-${running.slug}-data`);
    await expect(fetch(`http://${node.address}:8080/`)).rejects.toThrow();
  });

  it("updates a setting: the preview shows the change, applying it makes the app answer with the new value", async () => {
    const res = await bed.api.post("/deployments", { app: "test-httpd", nodeId: node.id, name: "greeter", ports: { web: 8081 }, env: { GREETING: "first" } });
    expect(res.status, res.text).toBe(202);
    const id = res.json().deployment.id as string;
    expect((await deploymentIn(id, ["running", "failed"])).status).toBe("running");

    const proposed = await bed.api.post(`/deployments/${id}/changes`, { env: { GREETING: "second" } });
    expect(proposed.status, proposed.text).toBe(202);
    const change = await changeIn(id, proposed.json().id, ["previewed", "failed"]);
    expect(change.status).toBe("previewed");
    const container = change.plan.steps.find((s: { name: string }) => s.name === "container");
    expect(container.op).toBe("update");
    const create = container.properties.find((p: { property: string }) => p.property === "create");
    expect(create.old).toContain("GREETING=first");
    expect(create.new).toContain("GREETING=second");
    // Nothing changed yet: the app still says the old greeting.
    expect(await (await fetch(`http://${node.address}:8081/`)).text()).toContain("first");

    expect((await bed.api.post(`/deployments/${id}/changes/${change.id}/apply`)).status).toBe(202);
    expect((await changeIn(id, change.id, ["applied", "failed", "stale"])).status).toBe("applied");
    expect((await deploymentIn(id, ["running", "failed"])).status).toBe("running");
    expect(await (await fetch(`http://${node.address}:8081/`)).text()).toContain("second");
    expect((await bed.api.get(`/deployments/${id}`)).json().env.GREETING).toBe("second");
  });

  it("refuses to apply a preview once the deployment changed in between, and keeps the app running", async () => {
    const id = (await bed.api.get("/deployments")).json().deployments.find((d: { name: string }) => d.name === "greeter").id as string;
    const a = await changeIn(id, (await bed.api.post(`/deployments/${id}/changes`, { env: { GREETING: "third" } })).json().id, ["previewed"]);
    const b = await changeIn(id, (await bed.api.post(`/deployments/${id}/changes`, { env: { GREETING: "fourth" } })).json().id, ["previewed"]);
    expect((await bed.api.post(`/deployments/${id}/changes/${b.id}/apply`)).status).toBe(202);
    expect((await changeIn(id, b.id, ["applied", "failed", "stale"])).status).toBe("applied");
    await deploymentIn(id, ["running"]);
    // `a` was previewed from inputs that are no longer the deployment's.
    expect((await bed.api.post(`/deployments/${id}/changes/${a.id}/apply`)).status).toBe(202);
    const refused = await changeIn(id, a.id, ["applied", "failed", "stale"]);
    expect(refused.status).toBe("stale");
    expect(refused.error).toBe("The deployment changed since this change was previewed");
    const d = await deploymentIn(id, ["running", "failed"]);
    expect(d.status).toBe("running");
    expect(await (await fetch(`http://${node.address}:8081/`)).text()).toContain("fourth");
    expect((await bed.api.post(`/deployments/${id}/changes`, { env: { GREETING: "fourth" } })).json().error.fields).toEqual([{ field: "body", message: "changes nothing: give a new tag or new settings" }]);
    expect((await bed.api.delete(`/deployments/${id}`)).status).toBe(202);
    expect((await deploymentIn(id, ["removed", "failed"])).status).toBe("removed");
  });
});
