// Drift of an app deployment: its container stopped by hand on the node (as an operator would with
// `docker stop`) is drift of the deployment's stack, though a refresh alone cannot see it; the
// report says so without any of the container's environment; Restore starts it again (the run
// command replaced), the app answers HTTP again, and the next check is clean.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessOf } from "../../engine/nodes.ts";
import { runOnNode } from "../../engine/node-exec.ts";
import { deploymentById } from "../../state/deployments.ts";
import { nodeOfServer, type Node } from "../../state/nodes.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";
import { apply, driftByName, openReports, preview, waitFor, waitOperation } from "./support.ts";

const catalog = path.resolve(import.meta.dirname, "../catalog");
const SECRET = "s3cret-greeting-value";
let bed: Bed;
let node: Node;

beforeAll(async () => {
  bed = await startCloudBed("hetzner", { HOIST_CATALOG_DIRS: catalog, HOIST_DRIFT_INTERVAL: "0" }, { docker: true });
  const res = await bed.api.post("/servers", bed.serverRequest("apps-drift"));
  const server = await waitForStatus(bed, res.json().server.id, ["ready", "failed"], 180_000);
  expect(server.status, server.errorReason ?? "").toBe("ready");
  node = nodeOfServer(bed.console.deps.db, server.id)!;
});
afterAll(async () => {
  await bed?.close();
});

const onNode = async (line: string) => (await runOnNode(accessOf(bed.console.deps, node)!, line)).stdout.trim();

/** Checks the deployment for drift now and waits for the check. */
async function check(deploymentId: string) {
  const res = await bed.api.post("/drift/checks", { deploymentId });
  expect(res.status, res.text).toBe(202);
  const op = await waitOperation(bed, res.json().operation.id);
  expect(op.status, op.error ?? "").toBe("succeeded");
  return (await bed.api.get(`/deployments/${deploymentId}`)).json().drift;
}

describe("drift of an app deployment", () => {
  it("a container stopped by hand shows as drift of its deployment; Restore starts it again", async () => {
    const res = await bed.api.post("/deployments", { app: "test-httpd", nodeId: node.id, name: "drifty", ports: { web: 8081 }, env: { GREETING: SECRET } });
    expect(res.status, res.text).toBe(202);
    const id = res.json().deployment.id as string;
    const running = await waitFor("the deployment running", () => {
      const d = deploymentById(bed.console.deps.db, id)!;
      if (d.status === "failed") throw new Error(`deploy failed: ${d.errorReason}`);
      return d.status === "running" ? d : undefined;
    });
    const container = `hoist-${running.slug}`;
    expect(await check(id)).toMatchObject({ state: "clean", reportId: null });

    await onNode(`docker stop ${container}`);
    expect(await onNode(`docker inspect --format '{{.State.Status}}' ${container}`)).toBe("exited");

    const drift = await check(id);
    expect(drift).toMatchObject({ state: "drifted", summary: { changed: 1 } });
    const reports = await openReports(bed);
    expect(driftByName(reports)).toEqual({ drifty: { container: { kind: "changed", properties: { state: ["running", "exited"] } } } });
    // Nothing of the container's environment is recorded.
    expect(JSON.stringify(reports)).not.toContain(SECRET);
    // Its page and the Deployments list show the badge linking to the report; the page has the drift card.
    const badge = `<a class="badge badge-warn drift-badge" href="/drift#report-${drift.reportId}"`;
    const page = await bed.admin.get(`/deployments/${id}`);
    expect(page.text).toContain(badge);
    expect(page.text).toContain('id="drift-card"');
    expect((await bed.admin.get("/deployments")).text).toContain(badge);

    const restore = await preview(bed, drift.reportId, "restore");
    expect(restore.plan.steps.find((s) => s.name === "container")?.op).toMatch(/replace/);
    const report = await apply(bed, restore.id);
    expect(report.state).toBe("restored");
    expect(await onNode(`docker inspect --format '{{.State.Status}}' ${container}`)).toBe("running");
    expect(await (await fetch(`http://${node.address}:8081/`)).text()).toContain(SECRET);
    expect((await bed.api.get(`/deployments/${id}`)).json()).toMatchObject({ status: "running", drift: { state: "clean", reportId: null } });
    expect(await openReports(bed)).toEqual([]);
    expect((await bed.admin.get("/deployments")).text).not.toContain("drift-badge");
  });
});
