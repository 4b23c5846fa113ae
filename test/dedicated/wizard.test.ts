// The dedicated node wizard on the test bed: deployments on a shared node measured (on demand
// when the monitor has no sample yet), a size recommended from the live catalog, an undersized
// choice warned about and refused until acknowledged, a move split in phases, the node provisioned
// as a dedicated server stack linking the migration screen once ready; and a size the provider
// has no room for in one region provisioned again in another.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploymentById } from "../../state/deployments.ts";
import { nodeOfServer, type Node } from "../../state/nodes.ts";
import { listServers } from "../../state/servers.ts";
import { insertSamples } from "../../state/usage-samples.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";

const catalog = path.resolve(import.meta.dirname, "../catalog");
let bed: Bed;
let shared: Node;
let sharedPrice: number;
let web: string;
let echo: string;

async function running(id: string) {
  for (const end = Date.now() + 120_000; ; ) {
    const d = deploymentById(bed.console.deps.db, id)!;
    if (d.status === "running") return d;
    if (d.status === "failed" || Date.now() > end) throw new Error(`deployment ${d.name} is ${d.status}: ${d.errorReason}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const serverCount = () => listServers(bed.console.deps.db, { all: true, userId: "" }).length;

beforeAll(async () => {
  bed = await startCloudBed("hetzner", { HOIST_CATALOG_DIRS: catalog }, { docker: true });
  const res = await bed.api.post("/servers", bed.serverRequest("shared-1"));
  const server = await waitForStatus(bed, res.json().server.id, ["ready", "failed"], 180_000);
  expect(server.status, server.errorReason ?? "").toBe("ready");
  shared = nodeOfServer(bed.console.deps.db, server.id)!;
  sharedPrice = Number(server.priceMonthly);
  const a = await bed.api.post("/deployments", { app: "test-httpd", nodeId: shared.id, name: "web", ports: { web: 8095 }, env: { GREETING: "moving" } });
  const b = await bed.api.post("/deployments", { app: "test-echo", nodeId: shared.id, name: "echo", ports: { echo: 7095 } });
  expect([a.status, b.status], a.text + b.text).toEqual([202, 202]);
  [web, echo] = [a.json().deployment.id, b.json().deployment.id];
  await running(web);
  await running(echo);
});
afterAll(async () => {
  await bed?.close();
});

describe("the dedicated node wizard", () => {
  it("measures the chosen deployments on demand, lists the stateful ones and recommends the cheapest size with headroom", async () => {
    const res = await bed.api.post("/dedicated-nodes/plan", { deployments: [web], credentialId: bed.credentialId, region: "fsn1" });
    expect(res.status, res.text).toBe(200);
    const plan = res.json();
    // No monitor ran: the container was sampled over SSH for the plan.
    expect(plan.deployments[0].measured.at).not.toBeNull();
    expect(plan.deployments[0].measured.memoryBytes).toBeGreaterThan(0);
    expect(plan.stateful).toEqual([web]);
    // Tiny apps: the declared minimums and 1.5× the measured use fit the emulator's cheapest x86
    // size (the node's architecture; the arm one at the same price would not run their images).
    expect(plan.recommended).toMatchObject({ id: "cx22", fit: "recommended-fit", monthly: expect.any(Number) });
    expect(plan.size.id).toBe("cx22");
    expect(plan.undersized).toBe(false);
    expect(plan.cost.monthly).toBe(plan.recommended.monthly);
    expect(plan.cost.now).toBeCloseTo(sharedPrice, 2);
    // The shared node stays: the new node's price is what is added.
    expect(plan.cost.difference).toBeCloseTo(plan.recommended.monthly, 2);
    expect(plan.cost.ifEmptiedDestroyed).toBeNull();
    expect(plan.headroom.after.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(plan.headroom.sources[0]).toMatchObject({ nodeId: shared.id, emptied: false });

    // Moving both would leave the shared node empty: what destroying it would save is said.
    const both = (await bed.api.post("/dedicated-nodes/plan", { deployments: [web, echo], credentialId: bed.credentialId, region: "fsn1" })).json();
    expect(both.cost.ifEmptiedDestroyed).toBeCloseTo(both.cost.monthly - sharedPrice, 2);

    const page = await bed.admin.get(`/nodes/dedicated/new?deployments=${web}&credentialId=${bed.credentialId}&region=fsn1`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Stateful (their volumes are copied while they are stopped, a short downtime): web");
    expect(page.text).toMatch(/id="recommended">CX22/);
    expect(page.text).toMatch(/id="cost">/);
  });

  it("warns when the size is below the measured use, refuses it unacknowledged, and offers to move in phases", async () => {
    const { db } = bed.console.deps;
    const GiB = 1024 ** 3;
    // The web app was measured using 3 GB and 1.2 of the node's 2 CPUs.
    insertSamples(db, [{ nodeId: shared.id, deploymentId: web, at: new Date(), cpuPercent: 60, memoryBytes: 3 * GiB, memoryTotalBytes: 4 * GiB, diskUsedBytes: null, diskTotalBytes: null }]);
    const plan = (await bed.api.post("/dedicated-nodes/plan", { deployments: [web, echo], credentialId: bed.credentialId, region: "fsn1", size: "cpx11" })).json();
    expect(plan.undersized).toBe(true);
    expect(plan.requirement.measured.memoryMb).toBeGreaterThanOrEqual(3072);
    // cpx11 has 2 GB. 1.5 × (1.2 CPU, 3 GB) needs 1.8 CPU and 4.5 GB: cx32 is the cheapest x86 size with that in fsn1.
    expect(plan.recommended.id).toBe("cx32");
    expect(plan.undersizeWarning).toContain("cx32 is the recommended size");
    expect(plan.phases).toEqual({ now: [echo], later: [web] });

    const before = serverCount();
    const refused = await bed.api.post("/dedicated-nodes", { deployments: [web, echo], credentialId: bed.credentialId, region: "fsn1", size: "cpx11", image: "ubuntu-24.04" });
    expect(refused.status).toBe(422);
    expect(refused.json().error.fields).toEqual([expect.objectContaining({ field: "acknowledgeUndersize" })]);
    expect(serverCount()).toBe(before);

    const query = `deployments=${web},${echo}&credentialId=${bed.credentialId}&region=fsn1&size=cpx11&image=ubuntu-24.04`;
    const page = await bed.admin.get(`/nodes/dedicated/new?${query}`);
    expect(page.text).toContain("Undersized:");
    expect(page.text).toContain('name="acknowledgeUndersize"');
    expect(page.text).toMatch(/Or move in phases: echo now, web later/);
    const form = await bed.admin.post("/nodes/dedicated", { deployments: `${web},${echo}`, credentialId: bed.credentialId, region: "fsn1", size: "cpx11", image: "ubuntu-24.04", name: "too-small" });
    expect(form.status).toBe(422);
    expect(form.text).toMatch(/id="f-acknowledgeUndersize-error"[^>]*>[^<]*below what the chosen deployments use/);
    expect(serverCount()).toBe(before);
  });

  it("provisions the node as a dedicated server stack and links the move once it is ready", async () => {
    const res = await bed.admin.post("/nodes/dedicated", { deployments: echo, later: web, credentialId: bed.credentialId, region: "fsn1", size: "cx22", image: "ubuntu-24.04", name: "dedicated-echo" });
    expect(res.status, res.text.slice(0, 500)).toBe(303);
    const serverId = /\/nodes\/cloud\/([0-9a-f-]{36})$/.exec(res.headers.get("location")!)![1]!;
    expect((await bed.api.get(`/dedicated-nodes/${serverId}`)).json()).toMatchObject({ deployments: [echo], later: [web], moveUrl: null });
    const server = await waitForStatus(bed, serverId, ["ready", "failed"], 180_000);
    expect(server.status, server.errorReason ?? "").toBe("ready");
    const node = nodeOfServer(bed.console.deps.db, serverId)!;
    expect(node.pool).toBe("dedicated");
    const moveUrl = `/migrations/new?node=${node.id}&deployments=${echo}`;
    expect((await bed.api.get(`/dedicated-nodes/${serverId}`)).json().moveUrl).toBe(moveUrl);
    const page = (await bed.admin.get(`/nodes/cloud/${serverId}`)).text;
    expect(page).toContain(`href="${moveUrl.replace(/&/g, "&amp;")}"`);
    expect(page).toContain("Move the deployments");
  });

  it("offers the same size in the cloud's other regions when one has no room, and provisions it there", async () => {
    bed.cloud.faults.set({ kind: "action-fails", message: "error during placement", code: "resource_unavailable" }, { times: 1 });
    const res = await bed.api.post("/dedicated-nodes", { deployments: [echo], credentialId: bed.credentialId, region: "fsn1", size: "cx22", image: "ubuntu-24.04", name: "no-room" });
    expect(res.status, res.text).toBe(202);
    const id = res.json().server.id;
    const failed = await waitForStatus(bed, id, ["ready", "failed"], 180_000);
    expect(failed.status).toBe("failed");
    expect(failed.errorCode).toBe("resource_unavailable");

    const regions = (await bed.api.get(`/servers/${id}/regions`)).json();
    expect(regions.refusedForRegion).toBe(true);
    expect(regions.options.map((o: { region: string }) => o.region).sort()).toEqual(["hel1", "nbg1"]);
    for (const o of regions.options) expect(o.difference).toBeCloseTo(o.monthly - Number(failed.priceMonthly), 2);
    const page = (await bed.admin.get(`/nodes/cloud/${id}`)).text;
    expect(page).toContain(`hx-get="/nodes/cloud/${id}/regions"`);
    const fragment = await bed.admin.request("GET", `/nodes/cloud/${id}/regions`, { headers: { "hx-request": "true" } });
    expect(fragment.text).toContain('id="relocate-nbg1"');
    expect((await bed.admin.post(`/nodes/cloud/${id}/relocate`, { region: failed.region })).status).toBe(422);

    const moved = await bed.admin.post(`/nodes/cloud/${id}/relocate`, { region: "nbg1" });
    expect(moved.status).toBe(303);
    const ready = await waitForStatus(bed, id, ["ready", "failed"], 180_000);
    expect(ready.status, ready.errorReason ?? "").toBe("ready");
    expect(ready.region).toBe("nbg1");
    const node = nodeOfServer(bed.console.deps.db, id)!;
    expect(node.pool).toBe("dedicated");
    // One server at the provider for this node, the refused attempt replaced.
    const atProvider = (await bed.cloud.servers()).filter((s) => s.nodeId === String(ready.spec.nodeId));
    expect(atProvider).toHaveLength(1);
    expect((await bed.api.get(`/dedicated-nodes/${id}`)).json().moveUrl).toBe(`/migrations/new?node=${node.id}&deployments=${echo}`);
  });
});
