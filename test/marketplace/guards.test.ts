// What a deploy is refused for, before any stack runs (no operation is queued), each naming its
// field; a secret planted in a deployment that appears nowhere in plaintext; and a server destroy
// that asks before it takes the node's deployments along.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessOf } from "../../engine/nodes.ts";
import { runOnNode } from "../../engine/node-exec.ts";
import { deploymentById } from "../../state/deployments.ts";
import { nodeOfServer, type Node } from "../../state/nodes.ts";
import { eventsAfter, operationsWithStatus } from "../../state/operations.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";

const catalog = path.resolve(import.meta.dirname, "../catalog");
let bed: Bed;
let node: Node;
let serverId: string;

beforeAll(async () => {
  bed = await startCloudBed("hetzner", { HOIST_CATALOG_DIRS: catalog }, { docker: true });
  const res = await bed.api.post("/servers", bed.serverRequest("guarded"));
  serverId = res.json().server.id;
  expect((await waitForStatus(bed, serverId, ["ready", "failed"], 180_000)).status).toBe("ready");
  node = nodeOfServer(bed.console.deps.db, serverId)!;
});
afterAll(async () => {
  await bed?.close();
});

async function deploymentIn(id: string, statuses: string[], ms = 120_000) {
  for (const until = Date.now() + ms; ; ) {
    const d = deploymentById(bed.console.deps.db, id)!;
    if (statuses.includes(d.status)) return d;
    if (Date.now() > until) throw new Error(`deployment ${d.name} is ${d.status} (${d.errorReason ?? "no error"})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const operationCount = () => bed.console.deps.db.$client.prepare("select count(*) as n from operations where stack_kind = 'app'").get() as { n: number };

/** Every file below `dir`, as bytes. */
function filesUnder(dir: string): Buffer[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => fs.readFileSync(path.join(e.parentPath, e.name)));
}

describe("deploys refused before any stack runs", () => {
  it("names the field of a taken, duplicate or bad port, a bad or missing setting, a missing secret, an unknown app or node and a dedicated node", async () => {
    const first = await bed.api.post("/deployments", { app: "test-httpd", nodeId: node.id, name: "holder", ports: { web: 8100 } });
    expect(first.status, first.text).toBe(202);
    const holder = first.json().deployment.id as string;
    expect((await deploymentIn(holder, ["running", "failed"])).status).toBe("running");
    // Something that is not Hoist's listens on the node too.
    const access = accessOf(bed.console.deps, node)!;
    const started = await runOnNode(access, `httpd -f -p ${node.address}:8101 -h /tmp </dev/null >/dev/null 2>&1 & echo $!`);
    const outsider = Number(started.stdout.trim());
    expect(outsider).toBeGreaterThan(0);
    const before = operationCount().n;

    const refused = async (body: Record<string, unknown>) => {
      const res = await bed.api.post("/deployments", { app: "test-httpd", nodeId: node.id, name: "web", ...body });
      expect(res.status, res.text).toBe(422);
      return res.json().error.fields as { field: string; message: string }[];
    };
    expect(await refused({ ports: { web: 8100 } })).toEqual([{ field: "ports.web", message: "8100 is taken on this node (by the deployment holder)" }]);
    expect(await refused({ ports: { web: 8101 } })).toEqual([{ field: "ports.web", message: "8101 is taken on this node (something on the node listens there)" }]);
    expect(await refused({ ports: { web: 70000 } })).toEqual([{ field: "ports.web", message: "must be a port number from 1 to 65535" }]);
    expect(await refused({ env: { GREETING: "no\nnewlines" } })).toEqual([{ field: "env.GREETING", message: "must be one line" }]);
    expect(await refused({ env: { GREETING: "<script>" } })).toEqual([{ field: "env.GREETING", message: "must be 1 to 80 letters, digits, spaces or , . ! ? -" }]);
    expect(await refused({ name: "Bad Name" })).toEqual([{ field: "name", message: "must be lower-case letters, digits and hyphens, not starting or ending with a hyphen" }]);
    expect(await refused({ name: "holder", ports: { web: 8102 } })).toEqual([{ field: "name", message: 'you already have a deployment named "holder"' }]);
    const secret = await bed.api.post("/deployments", { app: "test-secret", nodeId: node.id, name: "nosecret" });
    expect(secret.json().error.fields).toEqual([{ field: "env.GREETING", message: "is required" }]);
    expect((await bed.api.post("/deployments", { app: "nope", nodeId: node.id, name: "x" })).json().error.fields).toEqual([{ field: "app", message: "is not an app of the marketplace" }]);
    expect((await bed.api.post("/deployments", { app: "test-httpd", nodeId: "3f2b9a4e-7c1d-4e8f-9a6b-2d5c8e1f0a7b", name: "x" })).json().error.fields).toEqual([{ field: "nodeId", message: "is not one of your nodes" }]);
    // A dedicated node takes only the deployments moved there, never a new one.
    const db = bed.console.deps.db.$client;
    db.prepare("update nodes set pool = 'dedicated' where id = ?").run(node.id);
    expect(await refused({ ports: { web: 8102 } })).toEqual([{ field: "nodeId", message: `${node.name} cannot take apps now: it is a dedicated node, reserved for the deployments moved there` }]);
    db.prepare("update nodes set pool = 'shared' where id = ?").run(node.id);
    expect(operationCount().n).toBe(before);

    await runOnNode(access, `kill ${outsider}`);
    expect((await bed.api.delete(`/deployments/${holder}`)).status).toBe(202);
    expect((await deploymentIn(holder, ["removed", "failed"])).status).toBe("removed");
  });
});

describe("a secret setting", () => {
  it("reaches the container and appears in no API answer, event, log line, database file or Pulumi state in plaintext", async () => {
    const planted = `s3cret-${Math.random().toString(36).slice(2, 12)}-planted`;
    const res = await bed.api.post("/deployments", { app: "test-secret", nodeId: node.id, name: "vault", ports: { web: 8110 }, env: { GREETING: planted } });
    expect(res.status, res.text).toBe(202);
    const id = res.json().deployment.id as string;
    const op = res.json().operation.id as string;
    expect((await deploymentIn(id, ["running", "failed"])).status).toBe("running");
    // It reached the app: the page shows it.
    expect(await (await fetch(`http://${node.address}:8110/`)).text()).toContain(planted);
    // A change of it is previewed with the value masked.
    const change = (await bed.api.post(`/deployments/${id}/changes`, { env: { GREETING: `${planted}-2` } })).json();
    for (let i = 0; i < 300 && (await bed.api.get(`/deployments/${id}/changes/${change.id}`)).json().status === "previewing"; i++) await new Promise((r) => setTimeout(r, 200));

    const answers = [
      (await bed.api.get(`/deployments/${id}`)).text,
      (await bed.api.get("/deployments")).text,
      (await bed.api.get(`/deployments/${id}/changes/${change.id}`)).text,
      (await bed.api.get(`/operations/${op}/events?after=0`)).text,
      (await bed.api.get(`/operations/${change.previewOperationId}/events?after=0`)).text,
      (await bed.admin.get(`/nodes`)).text,
      (await bed.api.get("/audit")).text,
    ];
    for (const a of answers) expect(a).not.toContain(planted);
    const events = eventsAfter(bed.console.deps.db, op, 0).map((e) => JSON.stringify(e.payload)).join("\n");
    expect(events).not.toContain(planted);
    expect(bed.console.logs.join("")).not.toContain(planted);
    expect(bed.console.databaseBytes().includes(Buffer.from(planted))).toBe(false);
    // Pulumi's state (the file backend) and the stacks' work folders hold it encrypted only.
    const pulumiFiles = [...filesUnder(path.join(bed.console.dataDir, "pulumi")), ...filesUnder(path.join(bed.console.dataDir, "stacks"))];
    expect(pulumiFiles.length).toBeGreaterThan(0);
    for (const f of pulumiFiles) expect(f.includes(Buffer.from(planted))).toBe(false);

    expect((await bed.api.delete(`/deployments/${id}`)).status).toBe(202);
    expect((await deploymentIn(id, ["removed", "failed"])).status).toBe("removed");
  });
});

describe("a deploy onto a node that stopped answering", () => {
  it("fails with the reason in plain words, and Retry runs it once the node is back", async () => {
    const host = bed.hosts.list().find((h) => h.address === node.address)!;
    // Its server goes down behind Hoist's back: the node still reads online here.
    await bed.hosts.stop(host.id);
    try {
      const res = await bed.api.post("/deployments", { app: "test-httpd", nodeId: node.id, name: "late", ports: { web: 8120 } });
      expect(res.status, res.text).toBe(202);
      const failed = await deploymentIn(res.json().deployment.id, ["running", "failed"]);
      expect(failed.status).toBe("failed");
      expect(failed.errorCode).toBe("node_offline");
      expect(failed.errorReason).toMatch(new RegExp(`^The node ${node.name} is offline: `));
      expect(failed.errorAction).toBe("Start the node's server (or fix what keeps it offline), then retry.");
      expect(nodeOfServer(bed.console.deps.db, serverId)!.state).toBe("offline");
      // Offline now, it is refused before any stack runs.
      const refused = await bed.api.post("/deployments", { app: "test-httpd", nodeId: node.id, name: "later", ports: { web: 8121 } });
      expect(refused.status).toBe(422);
      expect(refused.json().error.fields[0].field).toBe("nodeId");
    } finally {
      await bed.hosts.resume(host.id);
    }
    const late = deploymentById(bed.console.deps.db, (await bed.api.get("/deployments")).json().deployments.find((d: { name: string }) => d.name === "late").id)!;
    expect((await bed.api.post(`/deployments/${late.id}/retry`)).status).toBe(202);
    expect((await deploymentIn(late.id, ["running", "failed"])).status).toBe("running");
    expect((await bed.api.delete(`/deployments/${late.id}`)).status).toBe(202);
    expect((await deploymentIn(late.id, ["removed", "failed"])).status).toBe("removed");
  });
});

describe("destroying a server with deployments", () => {
  it("asks first, then removes them before the server goes", async () => {
    const res = await bed.api.post("/deployments", { app: "test-echo", nodeId: node.id, name: "echoer", ports: { echo: 7107 } });
    const id = res.json().deployment.id as string;
    expect((await deploymentIn(id, ["running", "failed"])).status).toBe("running");

    // Nor is it rebuilt from under them.
    const images = (await bed.api.get(`/credentials/${bed.credentialId}/images`)).json().images as { id: string }[];
    const other = images.find((i) => i.id !== bed.cloud.server.image)!;
    const rebuild = await bed.api.post(`/servers/${serverId}/changes`, { image: other.id });
    expect(rebuild.status).toBe(422);
    expect(rebuild.json().error.fields).toEqual([{ field: "image", message: "the node runs echoer: remove them first, as a rebuild replaces the server and everything on it" }]);

    const asked = await bed.api.delete(`/servers/${serverId}`);
    expect(asked.status).toBe(422);
    expect(asked.json().error.fields).toEqual([{ field: "removeDeployments", message: "the node runs 1 deployment(s) (echoer): confirm that they are removed with the server" }]);
    const page = await bed.admin.get(`/nodes/cloud/${serverId}/destroy`);
    expect(page.text).toContain("Its node runs 1 app deployment(s)");
    expect(page.text).toContain('name="removeDeployments"');

    const confirmed = await bed.api.delete(`/servers/${serverId}`, { removeDeployments: true });
    expect(confirmed.status, confirmed.text).toBe(202);
    const gone = await waitForStatus(bed, serverId, ["destroyed", "failed"], 180_000);
    expect(gone.status, gone.errorReason ?? "").toBe("destroyed");
    const d = deploymentById(bed.console.deps.db, id)!;
    expect(d.status).toBe("removed");
    // The removal finished before the destroy began.
    const removal = bed.console.deps.db.$client.prepare("select finished_at from operations where deployment_id = ? and kind = 'destroy'").get(id) as { finished_at: number };
    const destroy = bed.console.deps.db.$client.prepare("select started_at from operations where server_id = ? and kind = 'destroy'").get(serverId) as { started_at: number };
    expect(removal.finished_at).toBeLessThanOrEqual(destroy.started_at);
    expect(operationsWithStatus(bed.console.deps.db, ["queued", "running"])).toEqual([]);
  });
});
