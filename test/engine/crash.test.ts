// The Hoist process is killed (SIGKILL) in the middle of an `up`, while the provider is still
// creating the server. After a restart the server is failed with "interrupted — retry", nothing
// is orphaned at the provider, and Retry then Destroy work.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { inject } from "vitest";
import { descendants, killHard, killMarked, processesMarked } from "../../engine/processes.ts";
import { STACK_MARK } from "../../engine/workspace.ts";
import { createCredential } from "../../server/actions/credentials.ts";
import { createToken } from "../../server/actions/tokens.ts";
import { createFirstAdmin } from "../../server/actions/users.ts";
import { loadConfig } from "../../server/config.ts";
import { createDeps } from "../../server/deps.ts";
import { scopeOf } from "../../state/scope.ts";
import { startHetznerEmulator, type HetznerEmulator } from "../emulators/hetzner/emulator.ts";
import { HostPool } from "../emulators/hosts.ts";
import { setupCode } from "../support/console.ts";

const repo = path.resolve(import.meta.dirname, "../..");
let hosts: HostPool;
let hetzner: HetznerEmulator;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let token: string;
let credentialId: string;
let child: ChildProcess | undefined;
let url: string;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function startHoist(): Promise<void> {
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(repo, "server/main.ts")], { cwd: repo, env, stdio: ["ignore", "ignore", "inherit"] });
  child = proc;
  for (const until = Date.now() + 180_000; Date.now() < until; ) {
    if (proc.exitCode !== null) throw new Error(`Hoist exited with ${proc.exitCode} before it answered`);
    if ((await fetch(`${url}/login`).catch(() => undefined))?.ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("Hoist did not answer within 3 minutes");
}

const call = async (method: string, p: string, body?: unknown) => {
  const res = await fetch(`${url}/api/v1${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as any };
};

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const serverIn = (id: string, statuses: string[]) =>
  waitFor(`server ${statuses.join("/")}`, async () => {
    const s = (await call("GET", `/servers/${id}`)).body;
    return statuses.includes(s.status) ? s : undefined;
  });

beforeAll(async () => {
  hosts = await HostPool.create();
  hetzner = await startHetznerEmulator({ hosts });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-crash-"));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  env = {
    ...process.env,
    HOIST_DATA_DIR: dataDir,
    HOIST_PORT: String(port),
    HOIST_ENDPOINT_HETZNER: hetzner.url,
    HOIST_PULUMI_HOME: inject("pulumiHome"),
    HOIST_LOG_LEVEL: "warn",
  };
  // An admin, an API token and a credential, made through the actions before Hoist runs.
  const deps = createDeps(loadConfig(env));
  const user = await createFirstAdmin(deps, { setupCode: setupCode(dataDir), email: "ops@example.com", name: "Ops", password: "a long enough password" });
  const actor = { user, scope: scopeOf(user), via: "session" as const };
  token = createToken(deps, actor, { name: "crash-test" }).token;
  credentialId = (await createCredential(deps, actor, { name: "hetzner", provider: "hetzner", token: hetzner.token })).id;
  deps.close();
});

afterAll(async () => {
  if (child?.pid) {
    for (const p of [child.pid, ...descendants(child.pid)]) killHard(p);
  }
  // Whatever a killed Hoist left working for the stack.
  killMarked(STACK_MARK, path.join(dataDir, "stacks", "server-crashy"));
  await hetzner?.stop();
  await hosts?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it("recovers a server whose up was cut short by SIGKILL, with nothing orphaned at the provider", async () => {
  await startHoist();
  // Slow enough that the kill lands while Hetzner is still creating the server.
  hetzner.faults.set({ kind: "slow-actions", ms: 15_000 });
  const created = await call("POST", "/servers", { credentialId, name: "crashy", region: "fsn1", size: "cx22", image: "ubuntu-24.04" });
  expect(created.status).toBe(202);
  const id = created.body.server.id as string;
  await waitFor("the cloud server to exist", async () => (hetzner.state.servers().some((s) => s.name === "crashy") ? true : undefined));

  child!.kill("SIGKILL");
  await new Promise((r) => child!.once("exit", r));
  const stray = processesMarked(STACK_MARK, path.join(dataDir, "stacks", "server-crashy"));
  expect(stray.length, "the killed Hoist left Pulumi processes working for the stack").toBeGreaterThan(0);

  await startHoist();
  const failed = await serverIn(id, ["failed", "ready"]);
  expect(failed.status).toBe("failed");
  expect(failed.error).toMatchObject({ code: "interrupted", retryable: true });
  // Hetzner was still creating it: the stack only had a pending create, and the server was adopted.
  expect(failed.error.reason).toMatch(/^The up was interrupted when Hoist stopped \(adopted 1 resource\(s\) the provider had created\)$/);
  expect(failed.error.action).toMatch(/^Interrupted — retry/);
  const [up] = (await call("GET", `/servers/${id}`)).body.operations;
  expect(up).toMatchObject({ kind: "up", status: "failed" });
  expect(up.error).toMatch(/— retry$/);
  // The strays are gone: reconciliation stopped them.
  for (const p of stray) expect(() => process.kill(p, 0)).toThrow();

  hetzner.faults.clear();
  expect((await call("POST", `/servers/${id}/retry`)).status).toBe(202);
  expect((await serverIn(id, ["ready", "failed"])).status).toBe("ready");
  // The retry reused the server the provider had created: still exactly one.
  expect(hetzner.state.servers().filter((s) => s.name === "crashy")).toHaveLength(1);

  expect((await call("DELETE", `/servers/${id}`)).status).toBe(202);
  expect((await serverIn(id, ["destroyed", "failed"])).status).toBe("destroyed");
  expect(hetzner.state.servers()).toEqual([]);
  expect(hetzner.state.sshKeys()).toEqual([]);
  expect(hetzner.state.firewalls()).toEqual([]);

  child!.kill("SIGTERM");
  await new Promise((r) => child!.once("exit", r));
});
