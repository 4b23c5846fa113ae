// The monitor on the test bed: a real node (sshd with this machine's CPU counters) and a real
// container on it, sampled over SSH on the interval; samples shown as JSON, charts and the Nodes
// tab; one worker per node; a week kept, older samples purged.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Monitor } from "../../engine/monitor.ts";
import { deploymentById } from "../../state/deployments.ts";
import { nodeOfServer, type Node } from "../../state/nodes.ts";
import { usageSamples } from "../../state/schema.ts";
import { insertSamples, samplesOf } from "../../state/usage-samples.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";
import { sql } from "drizzle-orm";

const catalog = path.resolve(import.meta.dirname, "../catalog");
let bed: Bed;
let node: Node;
let deploymentId: string;

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  for (const end = Date.now() + ms; ; ) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  bed = await startCloudBed("hetzner", { HOIST_CATALOG_DIRS: catalog, HOIST_MONITOR_INTERVAL: "2" }, { docker: true });
  const res = await bed.api.post("/servers", bed.serverRequest("watched-1"));
  const server = await waitForStatus(bed, res.json().server.id, ["ready", "failed"], 180_000);
  expect(server.status, server.errorReason ?? "").toBe("ready");
  node = nodeOfServer(bed.console.deps.db, server.id)!;
  const dep = await bed.api.post("/deployments", { app: "test-httpd", nodeId: node.id, name: "watched-web", ports: { web: 8090 }, env: { GREETING: "watched" } });
  expect(dep.status, dep.text).toBe(202);
  deploymentId = dep.json().deployment.id;
  const running = await until("the deployment to run", () => {
    const d = deploymentById(bed.console.deps.db, deploymentId)!;
    return ["running", "failed"].includes(d.status) ? d : undefined;
  }, 120_000);
  expect(running.status, running.errorReason ?? "").toBe("running");
});
afterAll(async () => {
  await bed?.close();
});

describe("the monitor", () => {
  it("samples the node's CPU, memory and disk and its container over SSH on the interval", async () => {
    bed.console.deps.monitor.start();
    const samples = await until("three node samples", async () => {
      const r = (await bed.api.get(`/nodes/${node.id}/samples?window=1h`)).json();
      return r.samples.length >= 3 ? r.samples : undefined;
    });
    const facts = node.facts as { memoryMb: number };
    for (const s of samples) {
      expect(s.cpuPercent).toBeGreaterThanOrEqual(0);
      expect(s.cpuPercent).toBeLessThanOrEqual(100);
      // The emulated server's /proc/meminfo says the size's memory.
      expect(s.memoryTotalBytes).toBe(facts.memoryMb * 1024 * 1024);
      expect(s.memoryBytes).toBeGreaterThanOrEqual(0);
      expect(s.memoryBytes).toBeLessThanOrEqual(s.memoryTotalBytes);
      expect(s.diskTotalBytes).toBeGreaterThan(0);
      expect(s.diskUsedBytes).toBeGreaterThan(0);
      expect(s.diskUsedBytes).toBeLessThanOrEqual(s.diskTotalBytes);
      expect(s.diskPercent).toBeCloseTo((100 * s.diskUsedBytes) / s.diskTotalBytes, 0);
    }
    // Taken on the interval (2 s), not more often.
    const times = samples.map((s: { at: string }) => Date.parse(s.at));
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1900);

    const container = await until("a container sample", async () => {
      const r = (await bed.api.get(`/deployments/${deploymentId}/samples`)).json();
      return r.samples[0];
    });
    expect(container.memoryBytes).toBeGreaterThan(0);
    expect(container.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(container.diskTotalBytes).toBeNull();
  });

  it("puts the latest use in the node and deployment JSON, the pages' charts and the Nodes tab", async () => {
    // Still, so that every view below shows the same latest sample.
    await bed.console.deps.monitor.stop();
    const server = (await bed.api.get(`/servers/${node.serverId}`)).json();
    expect(server.node).toMatchObject({ id: node.id, pool: "shared" });
    expect(server.node.usage.memoryTotalBytes).toBeGreaterThan(0);
    // The node's CPU is this machine's, busy or not; a share at 80% or more is flagged.
    const u = server.node.usage;
    expect(server.node.nearCapacity).toEqual([["cpu", u.cpuPercent], ["memory", u.memoryPercent], ["disk", u.diskPercent]].filter(([, p]) => p >= 80).map(([r]) => r));
    const nodes = (await bed.api.get("/nodes")).json().nodes;
    expect(nodes.find((n: { id: string }) => n.id === node.id).usage.cpuPercent).toEqual(expect.any(Number));
    const dep = (await bed.api.get(`/deployments/${deploymentId}`)).json();
    expect(dep.usage.memoryBytes).toBeGreaterThan(0);

    const page = (await bed.admin.get(`/nodes/cloud/${node.serverId}`)).text;
    expect(page).toMatch(/<svg[^>]*aria-label="CPU over time, now [\d.]+%"/);
    expect(page).toMatch(/aria-label="Disk over time/);
    expect(page).toMatch(/<polyline points="[\d.]+,[\d.]+ [\d.]+,[\d.]+/);
    const depPage = (await bed.admin.get(`/deployments/${deploymentId}`)).text;
    expect(depPage).toContain("Usage over time");
    expect(depPage).toMatch(/aria-label="Memory over time, now \d+ MB of/);
    expect(depPage).not.toMatch(/aria-label="Disk over time/);
    const tab = (await bed.admin.get("/nodes")).text;
    const row = new RegExp(`<tr id="node-${node.id}"[^>]*>([\\s\\S]*?)</tr>`).exec(tab)![1]!;
    expect(row).toContain("shared");
    expect(row).toMatch(/CPU [\d.]+%/);
    expect(row.includes("near capacity")).toBe(server.node.nearCapacity.length > 0);
  });

  it("refuses an unknown window by name", async () => {
    const res = await bed.api.get(`/nodes/${node.id}/samples?window=3y`);
    expect(res.status).toBe(422);
    expect(res.text).toContain("window");
  });

  it("samples a node once when two workers are due at the same moment", async () => {
    const { db, keyring, log } = bed.console.deps;
    await bed.console.deps.monitor.stop();
    const before = samplesOf(db, { nodeId: node.id }, new Date(0)).length;
    db.run(sql`update monitor_schedule set due_at = 0`);
    const a = new Monitor({ db, keyring, log, intervalSeconds: 60, workerId: "worker-a" });
    const b = new Monitor({ db, keyring, log, intervalSeconds: 60, workerId: "worker-b" });
    const [na, nb] = await Promise.all([a.pass(), b.pass()]);
    expect(na + nb).toBe(1);
    expect(samplesOf(db, { nodeId: node.id }, new Date(0)).length).toBe(before + 1);
  });

  it("keeps a week of samples and purges older ones", async () => {
    const { db, keyring, log } = bed.console.deps;
    const day = 24 * 3600_000;
    const row = { nodeId: node.id, deploymentId: null, cpuPercent: 1, memoryBytes: 1, memoryTotalBytes: 2, diskUsedBytes: 1, diskTotalBytes: 2 };
    insertSamples(db, [
      { ...row, at: new Date(Date.now() - 8 * day) },
      { ...row, at: new Date(Date.now() - 6 * day) },
    ]);
    const old = () => db.select().from(usageSamples).where(sql`${usageSamples.at} < ${Date.now() - 7 * day}`).all().length;
    expect(old()).toBe(1);
    await new Monitor({ db, keyring, log, intervalSeconds: 60, workerId: "worker-c" }).pass();
    expect(old()).toBe(0);
    expect((await bed.api.get(`/nodes/${node.id}/samples?window=7d`)).json().samples.some((s: { at: string }) => Date.now() - Date.parse(s.at) > 5 * day)).toBe(true);
  });

  it("highlights a shared node near its capacity", async () => {
    const { db } = bed.console.deps;
    insertSamples(db, [{ nodeId: node.id, deploymentId: null, at: new Date(), cpuPercent: 95, memoryBytes: 1, memoryTotalBytes: 4, diskUsedBytes: 1, diskTotalBytes: 4 }]);
    expect((await bed.api.get(`/nodes/${node.id}`)).json().nearCapacity).toEqual(["cpu"]);
    const tab = (await bed.admin.get("/nodes")).text;
    expect(tab).toMatch(new RegExp(`<tr id="node-${node.id}" class="node-near"`));
    expect(tab).toContain("near capacity");
  });
});
