// Master key rotation with live stacks on the test bed. The stacks' passphrase is sealed under the
// master key, not derived from it, so a new key leaves every stack readable: after the README's
// manual rotation (a new key first in the key file, then a restart) and after `hoist rotate-key`
// (while the console keeps running), the server can still be stopped, started and destroyed.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { loadMasterKeys } from "../../state/master-key.ts";
import { sealedValues } from "../../state/reseal.ts";
import { keyId, sealedBy } from "../../state/secrets.ts";
import { serverById, type Server } from "../../state/servers.ts";
import type { ServerStatus } from "../../state/statuses.ts";
import { api, startConsole, type TestConsole } from "../support/console.ts";
import { startBed, type HetznerBed as Bed } from "../support/provisioning.ts";

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, "../..");

let bed: Bed;
/** The console now running on the bed's data folder (restarts replace it). */
let current: TestConsole;
let client: ReturnType<typeof api>;
const restarted: TestConsole[] = [];

beforeAll(async () => {
  bed = await startBed();
  current = bed.console;
  client = bed.api;
});
afterAll(async () => {
  for (const t of restarted) {
    await t.deps.engine.stop();
    t.stop();
  }
  await bed?.close();
});

const env = () => ({ HOIST_ENDPOINT_HETZNER: bed.hetzner.url, HOIST_PULUMI_HOME: inject("pulumiHome") });
const keyFile = () => path.join(bed.console.dataDir, "master.key");

/** Stops the console and starts another on the same data folder, as a restart of `npm start` does. */
async function restart(): Promise<void> {
  await current.deps.engine.stop();
  current.stop();
  current = startConsole(env(), bed.console.dataDir);
  restarted.push(current);
  await current.deps.engine.start();
  client = api(current, bed.api.token.slice("Bearer ".length));
}

async function statusOf(id: string, statuses: ServerStatus[]): Promise<Server> {
  for (const until = Date.now() + 120_000; ; ) {
    const s = serverById(current.deps.db, id)!;
    if (statuses.includes(s.status)) return s;
    if (Date.now() > until) throw new Error(`server is ${s.status} (${s.errorReason ?? "no error"}), expected ${statuses.join(" or ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops and starts the server: both operations decrypt the stack's secrets and the credential. */
async function stopAndStart(id: string): Promise<void> {
  expect((await client.post(`/servers/${id}/stop`)).status).toBe(202);
  const stopped = await statusOf(id, ["stopped", "failed"]);
  expect(stopped.status, stopped.errorReason ?? "").toBe("stopped");
  expect((await client.post(`/servers/${id}/start`)).status).toBe(202);
  const ready = await statusOf(id, ["ready", "failed"]);
  expect(ready.status, ready.errorReason ?? "").toBe("ready");
}

const hoist = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", path.join(repo, "server/cli.ts"), ...args], {
    cwd: repo,
    env: { ...process.env, HOIST_DATA_DIR: bed.console.dataDir, ...env(), HOIST_LOG_LEVEL: "warn" },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

it("keeps every stack readable through a manual rotation and through hoist rotate-key, with the console running", async () => {
  const created = await client.post("/servers", { credentialId: bed.credentialId, name: "rotated", region: "fsn1", size: "cx22", image: "ubuntu-24.04" });
  expect(created.status, created.text).toBe(202);
  const id = created.json().server.id as string;
  expect((await statusOf(id, ["ready", "failed"])).status).toBe("ready");
  const original = loadMasterKeys({ masterKeyFile: keyFile() }).keys;
  expect(original).toHaveLength(1);

  // The README's manual steps: a new key first in the key file, the old one after it, restart.
  const manual = randomBytes(32);
  fs.writeFileSync(keyFile(), `${manual.toString("base64")}\n${original[0]!.toString("base64")}\n`, { mode: 0o600 });
  await restart();
  expect(sealedValues(current.deps.db).every((v) => sealedBy(v.value)?.keyId === keyId(manual))).toBe(true);
  await stopAndStart(id);

  // hoist rotate-key, while the console keeps running.
  const rotated = await hoist("rotate-key");
  expect(rotated.code, rotated.stderr).toBe(0);
  expect(rotated.stdout).toContain("Checking that everything opens with the current key:");
  expect(rotated.stdout).toMatch(/Proving that everything opens with the new key alone:\n {2}server-rotated: opens \([1-9]\d* secret config value\(s\) decrypted\)\n {2}\d+ sealed value\(s\) and 1 stack\(s\) open\./);
  expect(rotated.stdout + rotated.stderr).not.toContain(bed.hetzner.token);
  const keys = loadMasterKeys({ masterKeyFile: keyFile() }).keys;
  expect(keys.map(keyId).slice(1)).toEqual([keyId(manual), keyId(original[0]!)]);
  expect(rotated.stdout).toContain(`New key ${keyId(keys[0]!)} is first`);
  expect(sealedValues(current.deps.db).every((v) => sealedBy(v.value)?.keyId === keyId(keys[0]!))).toBe(true);
  // The running console follows the key file: it opens what is now sealed under the new key.
  await stopAndStart(id);

  const forgot = await hoist("rotate-key", "--forget-old");
  expect(forgot.code, forgot.stderr).toBe(0);
  expect(forgot.stdout).toContain("Removed 2 older key(s)");
  expect(loadMasterKeys({ masterKeyFile: keyFile() }).keys.map(keyId)).toEqual([keyId(keys[0]!)]);

  // A fresh start with the new key alone destroys the server.
  await restart();
  expect((await client.delete(`/servers/${id}`)).status).toBe(202);
  const gone = await statusOf(id, ["destroyed", "failed"]);
  expect(gone.status, gone.errorReason ?? "").toBe("destroyed");
  expect(bed.hetzner.state.servers()).toEqual([]);
});

it("refuses to rotate a key given in HOIST_MASTER_KEY, changing nothing", async () => {
  const before = fs.readFileSync(keyFile(), "utf8");
  const r = await run(process.execPath, ["--import", "tsx", path.join(repo, "server/cli.ts"), "rotate-key"], {
    cwd: repo,
    env: { ...process.env, HOIST_DATA_DIR: bed.console.dataDir, HOIST_MASTER_KEY: randomBytes(32).toString("base64"), HOIST_LOG_LEVEL: "warn" },
  }).then(
    () => ({ code: 0, stderr: "" }),
    (e: { code: number; stderr: string }) => e,
  );
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("HOIST_MASTER_KEY gives the master key");
  expect(fs.readFileSync(keyFile(), "utf8")).toBe(before);
});
