// Deployments moved from a shared node to a dedicated one through Hoist's JSON API, on the test
// bed (Hetzner emulator, servers as real sshd hosts with a real dockerd) with the real HAProxy
// Hoist runs: a deployment's route follows it; a stateless app moves under a bounded load loop
// through the gateway without a failed request; a copy failing its health check is rolled back
// with traffic never leaving the old copy; a migration paused and resumed finishes; a stateful
// app's data is on the new node after its move, with its downtime measured.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessOf } from "../../engine/nodes.ts";
import { runOnNode } from "../../engine/node-exec.ts";
import { itemsOf } from "../../state/app-migrations.ts";
import { deploymentById } from "../../state/deployments.ts";
import { insertSamples } from "../../state/usage-samples.ts";
import { allRoutes } from "../../state/gateway-routes.ts";
import { nodeOfServer, type Node } from "../../state/nodes.ts";
import { gatewayEnv, leaseLoopback, loadLoop, startBackend, viaGateway, type Backend } from "../support/gateway.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";

const catalog = path.resolve(import.meta.dirname, "../catalog");
let bed: Bed;
let gw: Awaited<ReturnType<typeof leaseLoopback>>;
let shared: Node;
let dedicated: Node;
const backends: Backend[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readyNode(name: string, extra: Record<string, unknown> = {}): Promise<Node> {
  const res = await bed.api.post("/servers", bed.serverRequest(name, extra));
  expect(res.status, res.text).toBe(202);
  const server = await waitForStatus(bed, res.json().server.id, ["ready", "failed"], 180_000);
  expect(server.status, server.errorReason ?? "").toBe("ready");
  return nodeOfServer(bed.console.deps.db, server.id)!;
}

beforeAll(async () => {
  gw = await leaseLoopback();
  bed = await startCloudBed(
    "hetzner",
    gatewayEnv(gw.address, { HOIST_CATALOG_DIRS: catalog, HOIST_MIGRATION_GRACE: "2", HOIST_MIGRATION_HEALTH_TIMEOUT: "15", HOIST_MIGRATION_WATCH: "8" }),
    { docker: true },
  );
  await bed.console.deps.gateway.start();
  [shared, dedicated] = await Promise.all([readyNode("shared-1"), readyNode("dedicated-1", { pool: "dedicated" })]);
  expect(dedicated.pool).toBe("dedicated");
}, 400_000);

afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
  await bed?.close();
  gw?.release();
});

async function deploymentIn(id: string, statuses: string[], ms = 120_000) {
  for (const until = Date.now() + ms; ; await sleep(200)) {
    const d = deploymentById(bed.console.deps.db, id)!;
    if (statuses.includes(d.status)) return d;
    if (Date.now() > until) throw new Error(`deployment ${d.name} is ${d.status} (${d.errorReason ?? "no error"}), expected ${statuses.join(" or ")}`);
  }
}

/** A running deployment of `app` on the shared node, and its gateway hostname. */
async function deploy(app: string, name: string, port: number, env: Record<string, string>) {
  const res = await bed.api.post("/deployments", { app, nodeId: shared.id, name, ports: { web: port }, env });
  expect(res.status, res.text).toBe(202);
  const id = res.json().deployment.id as string;
  expect((await deploymentIn(id, ["running", "failed"])).status).toBe("running");
  const json = (await bed.api.get(`/deployments/${id}`)).json();
  expect(json.gateway.hostname).toMatch(new RegExp(`^${name}-[a-z][a-z0-9]{5}\\.gw\\.localhost$`));
  return { id, hostname: json.gateway.hostname as string, slug: deploymentById(bed.console.deps.db, id)!.slug };
}

async function migrationIn(id: string, statuses: string[], ms = 180_000) {
  for (const until = Date.now() + ms; ; await sleep(250)) {
    const m = (await bed.api.get(`/migrations/${id}`)).json();
    if (statuses.includes(m.status)) return m;
    if (Date.now() > until) throw new Error(`migration is ${m.status}: ${JSON.stringify(m.items)}, expected ${statuses.join(" or ")}`);
  }
}

async function startMigration(deployments: string[]) {
  const res = await bed.api.post("/migrations", { nodeId: dedicated.id, deployments });
  expect(res.status, res.text).toBe(202);
  return res.json().migration.id as string;
}

/** A command on a node as root, through Hoist's own key for it. */
const onNode = async (node: Node, line: string) => (await runOnNode(accessOf(bed.console.deps, node)!, line)).stdout.trim();
const containersOf = (node: Node, id: string) => onNode(node, `docker ps -a --filter label=hoist.deployment=${id} --format '{{.Names}}'`);
const get = (hostname: string) => viaGateway(gw.address, hostname);

describe("deployments through the gateway", () => {
  it("declares a route when a deployment runs, shows it, and removes it with the deployment", async () => {
    const { id, hostname } = await deploy("test-secret", "routed", 8095, { GREETING: "routed-secret-1" });
    const page = await get(hostname);
    expect(page.status, `${page.body} ${JSON.stringify(allRoutes(bed.console.deps.db))}`).toBe(200);
    expect(page.body).toContain("routed-secret-1");
    expect((await bed.admin.get(`/deployments/${id}`)).text).toContain(hostname);
    expect((await bed.api.delete(`/deployments/${id}`)).status).toBe(202);
    expect((await deploymentIn(id, ["removed", "failed"])).status).toBe("removed");
    expect((await get(hostname)).status).toBe(404);
    expect((await bed.api.get(`/deployments/${id}`)).json().gateway).toBeNull();
  });
});

describe("a migration to a dedicated node", () => {
  it("moves a stateless app under load without a failed request, and shows before and after", async () => {
    const { id, hostname } = await deploy("test-secret", "shop", 8090, { GREETING: "shop-secret-1" });
    // The confirmation the dedicated node wizard links to: what moves, and how.
    const confirm = await bed.admin.get(`/migrations/new?node=${dedicated.id}&deployments=${id}`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain("Without downtime");
    expect(confirm.text).toContain('id="start-migration"');
    // Deployments move to a dedicated node only, each named field saying why not.
    const refused = await bed.api.post("/migrations", { nodeId: shared.id, deployments: [id, "nope"] });
    expect(refused.status).toBe(422);
    expect(refused.json().error.fields).toEqual([
      { field: "nodeId", message: "shared-1 cannot take deployments now: it is a shared node; deployments move to a dedicated one" },
      { field: "deployments", message: "shop already runs on shared-1" },
      { field: "deployments", message: "nope is not one of your deployments" },
    ]);
    const load = loadLoop((agent) => viaGateway(gw.address, hostname, { agent }));
    await sleep(500);
    const migrationId = await startMigration([id]);
    const done = await migrationIn(migrationId, ["succeeded", "failed", "paused", "cancelled"]);
    await sleep(500);
    const result = await load.stop();
    expect(done.status, JSON.stringify(done)).toBe("succeeded");
    expect(result.failed, JSON.stringify(result.failures)).toBe(0);
    expect(result.ok).toBeGreaterThan(20);
    expect(Object.keys(result.bodies).every((b) => b.includes("shop-secret-1"))).toBe(true);

    const [item] = done.items;
    expect(item).toMatchObject({ deploymentId: id, step: "moved", stateful: false, hostname });
    expect(item.beforeMs).toBeGreaterThanOrEqual(0);
    expect(item.afterMs).toBeGreaterThanOrEqual(0);
    // It lives on the dedicated node now: its container there, none left on the shared one.
    const json = (await bed.api.get(`/deployments/${id}`)).json();
    expect(json).toMatchObject({ status: "running", node: { id: dedicated.id }, gateway: { hostname } });
    expect(json.env.HOST).toBe(dedicated.address);
    expect(await containersOf(dedicated, id)).not.toBe("");
    expect(await containersOf(shared, id)).toBe("");
    expect((await get(hostname)).body).toContain("shop-secret-1");
    const page = (await bed.admin.get(`/migrations/${migrationId}`)).text;
    expect(page).toContain("Moved");
    expect(page).toContain("shop");
    const list = (await bed.admin.get("/migrations")).text;
    expect(list).toContain(`/migrations/${migrationId}`);
    expect(list).toContain("succeeded");

    // The summary's headroom: the shared node's sampled when the migration started, the dedicated
    // node's first one after the move (samples placed a millisecond either side of those moments).
    const GiB = 1024 ** 3;
    const sample = (nodeId: string, at: Date, cpuPercent: number, memoryBytes: number) =>
      insertSamples(bed.console.deps.db, [{ nodeId, deploymentId: null, at, cpuPercent, memoryBytes, memoryTotalBytes: 4 * GiB, diskUsedBytes: null, diskTotalBytes: null }]);
    sample(shared.id, new Date(new Date(done.createdAt).getTime() - 1), 72.5, 3 * GiB);
    sample(dedicated.id, new Date(itemsOf(bed.console.deps.db, migrationId)[0]!.updatedAt!.getTime() + 1), 10, 1 * GiB);
    const summary = (await bed.api.get(`/migrations/${migrationId}`)).json().items[0].headroom;
    expect(summary.before).toMatchObject({ cpuPercent: 27.5, memoryPercent: 25 });
    expect(summary.after).toMatchObject({ cpuPercent: 90, memoryPercent: 75 });
    const withHeadroom = (await bed.admin.get(`/migrations/${migrationId}`)).text;
    expect(withHeadroom).toContain("CPU 27.5% free, memory 25% free");
    expect(withHeadroom).toContain("CPU 90% free, memory 75% free");
  });

  it("rolls a deployment back when its copy fails its health check: traffic never leaves the old copy", async () => {
    const { id, hostname } = await deploy("test-secret", "sick", 8091, { GREETING: "sick-secret-1" });
    // Something answering 503 on /health holds the port on the dedicated node: the copy cannot be healthy.
    const squatter = await startBackend(dedicated.address, "squatter", { port: 8091 });
    backends.push(squatter);
    squatter.healthy = false;
    const load = loadLoop((agent) => viaGateway(gw.address, hostname, { agent }));
    const migrationId = await startMigration([id]);
    const done = await migrationIn(migrationId, ["succeeded", "failed", "paused", "cancelled"]);
    const result = await load.stop();
    expect(done.status).toBe("failed");
    expect(done.items[0].step).toBe("rolled_back");
    expect(done.items[0].cause).toMatch(/health check/);
    expect(done.items[0].action).toMatch(/docker logs/);
    expect(result.failed, JSON.stringify(result.failures)).toBe(0);
    expect(Object.keys(result.bodies).every((b) => b.includes("sick-secret-1"))).toBe(true);
    expect(squatter.served).toBe(0);
    const json = (await bed.api.get(`/deployments/${id}`)).json();
    expect(json).toMatchObject({ status: "running", node: { id: shared.id } });
    expect(await containersOf(dedicated, id)).toBe("");
    expect((await get(hostname)).body).toContain("sick-secret-1");
    await squatter.close();
  });

  it("pauses when asked, keeps serving from where it paused, and finishes once resumed", async () => {
    const { id, hostname } = await deploy("test-secret", "paced", 8092, { GREETING: "paced-secret-1" });
    const migrationId = await startMigration([id]);
    expect((await bed.api.post(`/migrations/${migrationId}/pause`)).status).toBe(202);
    // While it is in the migration, the deployment says so and refuses other changes.
    expect((await bed.api.get(`/deployments/${id}`)).json()).toMatchObject({ status: "migrating", migration: migrationId });
    expect((await bed.admin.get(`/deployments/${id}`)).text).toContain(`/migrations/${migrationId}`);
    expect((await bed.api.post(`/deployments/${id}/restart`)).status).toBe(409);
    const paused = await migrationIn(migrationId, ["paused", "succeeded", "failed"]);
    expect(paused.status).toBe("paused");
    expect(paused.pauseReason).toMatch(/Paused by/);
    expect(["waiting", "deploying_copy", "checking_copy", "switching", "observing", "removing_old"]).toContain(paused.items[0].step);
    await sleep(1500);
    // Nothing moves while paused, and the app still answers through the gateway.
    expect((await bed.api.get(`/migrations/${migrationId}`)).json().items[0].step).toBe(paused.items[0].step);
    expect((await get(hostname)).body).toContain("paced-secret-1");
    expect((await bed.api.post(`/migrations/${migrationId}/resume`)).status).toBe(202);
    const done = await migrationIn(migrationId, ["succeeded", "failed", "cancelled"]);
    expect(done.status, JSON.stringify(done)).toBe("succeeded");
    expect((await bed.api.get(`/deployments/${id}`)).json()).toMatchObject({ status: "running", node: { id: dedicated.id }, migration: null });
    expect((await get(hostname)).body).toContain("paced-secret-1");
  });

  it("moves a stateful app's data to the new node, its downtime measured", async () => {
    const { id, hostname, slug } = await deploy("test-httpd", "keeper", 8093, { GREETING: "keeper" });
    const confirm = await bed.admin.get(`/migrations/new?node=${dedicated.id}&deployments=${id}`);
    expect(confirm.text).toContain("Announced downtime");
    await onNode(shared, `printf precious-data > /tmp/precious && docker cp /tmp/precious hoist-${slug}:/data/precious`);
    const migrationId = await startMigration([id]);
    const done = await migrationIn(migrationId, ["succeeded", "failed", "paused", "cancelled"]);
    expect(done.status, JSON.stringify(done)).toBe("succeeded");
    expect(done.items[0]).toMatchObject({ stateful: true, step: "moved" });
    expect(done.items[0].downtimeMs).toBeGreaterThan(0);
    const data = await onNode(dedicated, `docker run --rm --network host -v hoist-${slug}-data:/data hoist-test/httpd:1 cat /data/precious`);
    expect(data).toBe("precious-data");
    expect(await containersOf(shared, id)).toBe("");
    expect((await get(hostname)).body).toContain("keeper");
  });
});

describe("a migration watching its traffic", () => {
  it("pauses itself when the copy answers slowly through the gateway, saying why; cancel moves the traffic back", async () => {
    const { id, hostname, slug } = await deploy("test-slow", "tortoise", 8100, { GREETING: "tortoise" });
    const migrationId = await startMigration([id]);
    // Once the copy runs on the dedicated node it is made slow: its answers wait 1.5 s (its health check stays quick).
    for (const until = Date.now() + 120_000; ; await sleep(200)) {
      const step = (await bed.api.get(`/migrations/${migrationId}`)).json().items[0].step;
      if (step === "checking_copy" || step === "switching") break;
      if (Date.now() > until || !["waiting", "deploying_copy"].includes(step)) throw new Error(`the copy never ran: the step is ${step}`);
    }
    await onNode(dedicated, `printf 1.5 > /tmp/slow && docker cp /tmp/slow hoist-${slug}:/tmp/slow`);
    const paused = await migrationIn(migrationId, ["paused", "succeeded", "failed", "cancelled"]);
    expect(paused.status, JSON.stringify(paused)).toBe("paused");
    expect(paused.pauseReason).toMatch(/^Paused by Hoist while moving tortoise: the response time through the gateway rose to \d+ ms/);
    // It stopped before removing the old copy, which still runs on the shared node.
    expect(paused.items[0].step).toBe("removing_old");
    expect(await containersOf(shared, id)).not.toBe("");

    expect((await bed.api.post(`/migrations/${migrationId}/cancel`)).status).toBe(202);
    const cancelled = await migrationIn(migrationId, ["cancelled", "failed", "succeeded"]);
    expect(cancelled.status, JSON.stringify(cancelled)).toBe("cancelled");
    expect(cancelled.items[0]).toMatchObject({ step: "rolled_back", cause: "The migration was cancelled" });
    expect((await bed.api.get(`/deployments/${id}`)).json()).toMatchObject({ status: "running", node: { id: shared.id } });
    expect(await containersOf(dedicated, id)).toBe("");
    // The gateway is back on the old copy, which answers at once.
    expect(bed.console.deps.gateway.routes.info(id)!.target).toEqual({ address: shared.address, port: 8100 });
    expect((await get(hostname)).body).toContain("tortoise");
  });
});
