// Hoist killed with SIGKILL in the middle of an `up`, while the provider is still creating the
// server; another server of the same name, made by someone else in the same account, sits beside
// it. After a restart the server is failed with "interrupted — retry", the half-made server was
// adopted by its node tag (never the foreign one by its name) into the stack, where Retry
// replaces it with a finished one, Destroy removes that, and the foreign server is never touched. Each cloud's crash file calls crashSuite.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { descendants, killHard, killMarked, processesMarked } from "../../engine/processes.ts";
import { STACK_MARK } from "../../engine/workspace.ts";
import { createCredential } from "../../server/actions/credentials.ts";
import { createToken } from "../../server/actions/tokens.ts";
import { createFirstAdmin } from "../../server/actions/users.ts";
import { loadConfig } from "../../server/config.ts";
import { createDeps } from "../../server/deps.ts";
import { scopeOf } from "../../state/scope.ts";
import { HostPool } from "../emulators/hosts.ts";
import { startCloud, type CloudId, type EmulatedCloud } from "../support/clouds.ts";
import { setupCode } from "../support/console.ts";
import { freePort, waitFor } from "../support/waiting.ts";

const repo = path.resolve(import.meta.dirname, "../..");

/** Whether the process exists and is not a zombie. */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/**
 * `slowMs`: how long the provider takes to create a server, so that the kill lands meanwhile;
 * `foreignName`: the foreign server's name — the same as Hoist's where the cloud allows it.
 */
export function crashSuite(cloudId: CloudId, opts: { slowMs: number; foreignName: string }) {
  let hosts: HostPool;
  let cloud: EmulatedCloud;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let token: string;
  let credentialId: string;
  let child: ChildProcess | undefined;
  let url: string;

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

  const serverIn = (id: string, statuses: string[]) =>
    waitFor(`server ${statuses.join("/")}`, async () => {
      const s = (await call("GET", `/servers/${id}`)).body;
      return statuses.includes(s.status) ? s : undefined;
    }, 240_000);

  beforeAll(async () => {
    hosts = await HostPool.create();
    cloud = await startCloud(cloudId, hosts);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-crash-"));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = { ...process.env, HOIST_DATA_DIR: dataDir, HOIST_PORT: String(port), [cloud.endpointEnv]: cloud.url, HOIST_PULUMI_HOME: inject("pulumiHome"), HOIST_LOG_LEVEL: "warn" };
    // An admin, an API token and a credential, made through the actions before Hoist runs.
    const deps = createDeps(loadConfig(env));
    const user = await createFirstAdmin(deps, { setupCode: setupCode(dataDir), email: "ops@example.com", name: "Ops", password: "a long enough password" });
    const actor = { user, scope: scopeOf(user), via: "session" as const };
    token = createToken(deps, actor, { name: "crash-test" }).token;
    credentialId = (await createCredential(deps, actor, { name: cloudId, provider: cloudId, ...cloud.credential })).id;
    deps.close();
  });

  afterAll(async () => {
    if (child?.pid) for (const p of [child.pid, ...descendants(child.pid)]) killHard(p);
    // Whatever a killed Hoist left working for the stack.
    killMarked(STACK_MARK, path.join(dataDir, "stacks", "server-crashy"));
    await cloud?.stop();
    await hosts?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`recovers a ${cloudId} server whose up was cut short by SIGKILL: its half-made server adopted by its tag, a foreign one of the same name left alone`, async () => {
    const foreign = await cloud.createForeign(opts.foreignName);
    const before = await cloud.resources();
    await startHoist();
    cloud.faults.set({ kind: "slow-actions", ms: opts.slowMs });
    const created = await call("POST", "/servers", { credentialId, name: "crashy", ...cloud.server });
    expect(created.status).toBe(202);
    const id = created.body.server.id as string;
    const mine = await waitFor("the cloud server to exist", async () => (await cloud.servers()).find((s) => s.name === "crashy" && s.id !== foreign));
    expect(mine.nodeId).toBeDefined();

    child!.kill("SIGKILL");
    await new Promise((r) => child!.once("exit", r));
    const stray = processesMarked(STACK_MARK, path.join(dataDir, "stacks", "server-crashy"));
    expect(stray.length, "the killed Hoist left Pulumi processes working for the stack").toBeGreaterThan(0);

    await startHoist();
    const failed = await serverIn(id, ["failed", "ready"]);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ code: "interrupted", retryable: true });
    // The provider was still creating it: the stack only had a pending create, and it was adopted.
    expect(failed.error.reason).toBe("The up was interrupted when Hoist stopped (adopted 1 resource(s) the provider had created)");
    expect(failed.error.action).toMatch(/^Interrupted — retry/);
    // Reconciliation stopped them: gone, or dead and waiting for their new parent to reap them.
    await waitFor("the strays to be stopped", async () => (stray.every((p) => !running(p)) ? true : undefined), 10_000);

    cloud.faults.clear();
    expect((await call("POST", `/servers/${id}/retry`)).status).toBe(202);
    const retried = await serverIn(id, ["ready", "failed"]);
    expect(retried.status, retried.error?.reason).toBe("ready");
    // The half-made server was in the stack's state, so the retry replaced it (its create never
    // finished): one server of this node at the provider, and the foreign one untouched.
    const after = await cloud.servers();
    expect(after.filter((s) => s.nodeId === mine.nodeId)).toHaveLength(1);
    expect(after.some((s) => s.id === mine.id)).toBe(false);
    expect(after.map((s) => s.id)).toContain(foreign);
    expect(after).toHaveLength(2);

    expect((await call("DELETE", `/servers/${id}`)).status).toBe(202);
    const destroyed = await serverIn(id, ["destroyed", "failed"]);
    expect(destroyed.status, destroyed.error?.reason).toBe("destroyed");
    expect((await cloud.servers()).map((s) => s.id)).toEqual([foreign]);
    expect(await cloud.resources()).toEqual(before);

    child!.kill("SIGTERM");
    await new Promise((r) => child!.once("exit", r));
  });
}
