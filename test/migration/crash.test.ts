// Hoist killed with SIGKILL in the middle of a migration, then started again: the migration's
// operation is taken over (its worker is gone) and goes on from the step the deployment reached,
// so the deployment ends moved (or rolled back) with the gateway, which the killed Hoist left
// serving and the new one adopts, on a healthy copy, and no copy left behind.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { descendants, killHard } from "../../engine/processes.ts";
import { createCredential } from "../../server/actions/credentials.ts";
import { createToken } from "../../server/actions/tokens.ts";
import { createFirstAdmin } from "../../server/actions/users.ts";
import { loadConfig } from "../../server/config.ts";
import { createDeps } from "../../server/deps.ts";
import { scopeOf } from "../../state/scope.ts";
import { HostPool } from "../emulators/hosts.ts";
import { startCloud, type EmulatedCloud } from "../support/clouds.ts";
import { setupCode } from "../support/console.ts";
import { gatewayEnv, leaseLoopback, viaGateway } from "../support/gateway.ts";
import { freePort, waitFor } from "../support/waiting.ts";

const repo = path.resolve(import.meta.dirname, "../..");
let hosts: HostPool;
let cloud: EmulatedCloud;
let gw: Awaited<ReturnType<typeof leaseLoopback>>;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let token: string;
let credentialId: string;
let child: ChildProcess | undefined;
let url: string;

async function startHoist(): Promise<void> {
  child = spawn(process.execPath, ["--import", "tsx", path.join(repo, "server/main.ts")], { cwd: repo, env, stdio: ["ignore", "ignore", "inherit"] });
  const proc = child;
  await waitFor("Hoist to answer", async () => {
    if (proc.exitCode !== null) throw new Error(`Hoist exited with ${proc.exitCode}`);
    return (await fetch(`${url}/login`).catch(() => undefined))?.ok ? true : undefined;
  });
}

const call = async (method: string, p: string, body?: unknown) => {
  const res = await fetch(`${url}/api/v1${p}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as any };
};

async function readyNode(name: string, pool: string) {
  const created = await call("POST", "/servers", { credentialId, name, pool, ...cloud.server });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  const server = await waitFor(`${name} ready`, async () => {
    const s = (await call("GET", `/servers/${created.body.server.id}`)).body;
    return ["ready", "failed"].includes(s.status) ? s : undefined;
  }, 240_000);
  expect(server.status, JSON.stringify(server.error)).toBe("ready");
  return server.node.id as string;
}

beforeAll(async () => {
  hosts = await HostPool.create();
  cloud = await startCloud("hetzner", hosts, { docker: true });
  gw = await leaseLoopback();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-migration-crash-"));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  env = {
    ...process.env,
    ...gatewayEnv(gw.address, { HOIST_MIGRATION_GRACE: "2", HOIST_MIGRATION_HEALTH_TIMEOUT: "30", HOIST_MIGRATION_WATCH: "10" }),
    HOIST_CATALOG_DIRS: path.resolve(import.meta.dirname, "../catalog"),
    HOIST_DATA_DIR: dataDir,
    HOIST_PORT: String(port),
    [cloud.endpointEnv]: cloud.url,
    HOIST_PULUMI_HOME: inject("pulumiHome"),
    HOIST_LOG_LEVEL: "warn",
  };
  const deps = createDeps(loadConfig(env));
  const user = await createFirstAdmin(deps, { setupCode: setupCode(dataDir), email: "ops@example.com", name: "Ops", password: "a long enough password" });
  const actor = { user, scope: scopeOf(user), via: "session" as const };
  token = createToken(deps, actor, { name: "crash-test" }).token;
  credentialId = (await createCredential(deps, actor, { name: "hetzner", provider: "hetzner", ...cloud.credential })).id;
  deps.close();
}, 120_000);

afterAll(async () => {
  if (child?.pid && child.exitCode === null) {
    child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 15_000).unref() && child!.once("exit", r));
  }
  if (child?.pid) for (const p of [child.pid, ...descendants(child.pid)]) killHard(p);
  // A killed Hoist leaves its gateway serving; the one started again adopted it and stopped it, unless it failed first.
  const pidFile = path.join(dataDir, "gateway", "haproxy.pid");
  if (fs.existsSync(pidFile)) for (const p of fs.readFileSync(pidFile, "utf8").split(/\s+/).filter(Boolean).map(Number)) killHard(p);
  await cloud?.stop();
  await hosts?.close();
  gw?.release();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it("resumes a migration cut short by SIGKILL, ending with the gateway on a healthy copy", async () => {
  await startHoist();
  const [shared, dedicated] = await Promise.all([readyNode("shared-1", "shared"), readyNode("dedicated-1", "dedicated")]);
  const deployed = await call("POST", "/deployments", { app: "test-secret", nodeId: shared, name: "crashy", ports: { web: 8090 }, env: { GREETING: "crashy-secret-1" } });
  expect(deployed.status, JSON.stringify(deployed.body)).toBe(202);
  const id = deployed.body.deployment.id as string;
  const running = await waitFor("the deployment to run", async () => {
    const d = (await call("GET", `/deployments/${id}`)).body;
    return ["running", "failed"].includes(d.status) ? d : undefined;
  });
  expect(running.status).toBe("running");
  const hostname = running.gateway.hostname as string;

  const started = await call("POST", "/migrations", { nodeId: dedicated, deployments: [id] });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const migrationId = started.body.migration.id as string;
  // Killed while the traffic is on the copy and the old copy not yet removed.
  await waitFor("the switch", async () => ((await call("GET", `/migrations/${migrationId}`)).body.items[0].step === "observing" ? true : undefined), 180_000);
  child!.kill("SIGKILL");
  await new Promise((r) => child!.once("exit", r));
  // The gateway the killed Hoist ran goes on serving meanwhile.
  expect((await viaGateway(gw.address, hostname)).body).toContain("crashy-secret-1");

  await startHoist();
  const done = await waitFor("the migration to end", async () => {
    const m = (await call("GET", `/migrations/${migrationId}`)).body;
    return ["succeeded", "failed", "cancelled", "paused"].includes(m.status) ? m : undefined;
  }, 300_000);
  expect(done.status, JSON.stringify(done)).toBe("succeeded");
  expect(done.items[0].step).toBe("moved");
  const d = (await call("GET", `/deployments/${id}`)).body;
  expect(d).toMatchObject({ status: "running", node: { id: dedicated }, gateway: { hostname } });
  expect((await viaGateway(gw.address, hostname)).body).toContain("crashy-secret-1");

  child!.kill("SIGTERM");
  await new Promise((r) => child!.once("exit", r));
}, 900_000);
