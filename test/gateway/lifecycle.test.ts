// The proxy lives and dies with Hoist: `npm start`'s own process (server/main.ts) starts it,
// stops it (and every worker) when it is stopped, and a Hoist killed outright leaves it running
// for the next start to adopt, serving all along, with nothing left over once that one stops.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { processesMarked } from "../../engine/processes.ts";
import { PROCESS_MARK } from "../../gateway/haproxy-process.ts";
import { startConsole } from "../support/console.ts";
import { gatewayEnv, leaseLoopback, viaGateway } from "../support/gateway.ts";

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-gw-life-"));
const gatewayDir = path.join(dataDir, "gateway");
let gw: Awaited<ReturnType<typeof leaseLoopback>>;
let consoleAt: Awaited<ReturnType<typeof leaseLoopback>>;
let hoist: ChildProcess | undefined;

const marked = () => processesMarked(PROCESS_MARK, gatewayDir);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const answers = () => viaGateway(gw.address, "nobody.gw.localhost", { timeoutMs: 1000 }).then((a) => a.status, () => 0);

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await check()) return;
  throw new Error(`${what} did not happen within ${ms} ms`);
}

/** `npm start`'s process on the shared data folder; resolves once its gateway answers. */
async function startHoist(): Promise<ChildProcess> {
  const env = { ...process.env, HOIST_DATA_DIR: dataDir, HOIST_BIND: consoleAt.address, HOIST_PORT: "3400", HOIST_PULUMI_HOME: inject("pulumiHome"), ...gatewayEnv(gw.address) };
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoDir, "server/main.ts")], { cwd: repoDir, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  await until("the gateway answering", async () => {
    if (child.exitCode !== null) throw new Error(`Hoist exited: ${output}`);
    return (await answers()) === 404;
  });
  return child;
}

const exited = (child: ChildProcess) => (child.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once("exit", () => r())));

beforeAll(async () => {
  [gw, consoleAt] = [await leaseLoopback(), await leaseLoopback()];
});

afterAll(async () => {
  hoist?.kill("SIGKILL");
  for (const pid of marked()) process.kill(pid, "SIGKILL");
  gw?.release();
  consoleAt?.release();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it("stops the proxy and its workers when Hoist stops", async () => {
  hoist = await startHoist();
  const master = Number(fs.readFileSync(path.join(gatewayDir, "haproxy.pid"), "utf8"));
  expect(marked()).toContain(master);
  expect(marked().length).toBeGreaterThanOrEqual(2); // the master and its worker
  hoist.kill("SIGTERM");
  await exited(hoist);
  expect(marked()).toEqual([]);
  expect(await answers()).toBe(0);
}, 120_000);

it("leaves the proxy serving when Hoist is killed, and the next start adopts it", async () => {
  hoist = await startHoist();
  const master = Number(fs.readFileSync(path.join(gatewayDir, "haproxy.pid"), "utf8"));
  hoist.kill("SIGKILL");
  await exited(hoist);
  hoist = undefined;
  expect(marked()).toContain(master);
  expect(await answers()).toBe(404);

  const t = startConsole(gatewayEnv(gw.address), dataDir);
  try {
    await t.deps.gateway.start();
    expect(t.deps.gateway.pid).toBe(master);
    expect(t.logs.join("")).toContain("adopted the gateway's HAProxy left running by an earlier Hoist");
    expect(await answers()).toBe(404);
    await t.deps.gateway.stop();
    expect(marked()).toEqual([]);
    expect(await answers()).toBe(0);
  } finally {
    await t.deps.gateway.stop();
    t.stop();
  }
}, 120_000);
