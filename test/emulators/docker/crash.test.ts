// A pool whose process dies (a killed test worker, a crashed test bed) leaves a daemon, its
// containers and its mounts behind; the next pool created on this machine ends all of them and
// removes the folder.
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { HostPool } from "../hosts.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const tsxLoader = createRequire(import.meta.url).resolve("tsx");

/** Alive and not a zombie (a SIGKILLed orphan lingers as one until init reaps it). */
const alive = (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
};

async function dies(pid: number, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

it("the next pool ends a dead pool's daemon and containers, and unmounts what it mounted", async () => {
  const script = `import { HostPool } from ${JSON.stringify(path.join(here, "../hosts.ts"))};
const pool = await HostPool.create();
const host = await pool.start("crash", [], { docker: true });
const daemon = await pool.docker();
await daemon.cli(["run", "-d", "--network", "host", "--label", "hoist-testbed.host=crash", "-e", "HOST=" + host.address, "-e", "PORT=8080", "hoist-test/httpd:1"]);
console.log(JSON.stringify({ dir: pool.dir, daemon: daemon.pid, address: host.address }));
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--import", tsxLoader, "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let left: { dir: string; daemon: number; address: string };
  try {
    left = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0]!));
      });
      child.once("exit", (code) => reject(new Error(`the pool's process exited (${code}) before it was ready`)));
    });
    await new Promise((r) => setTimeout(r, 500));
    const answered = await fetch(`http://${left.address}:8080/`).then((r) => r.ok, () => false);
    expect(answered).toBe(true);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).toContain(left.dir);
  } finally {
    child.kill("SIGKILL");
  }
  await new Promise((r) => child.once("exit", r));
  expect(alive(left.daemon)).toBe(true);

  const next = await HostPool.create();
  await next.close();
  expect(await dies(left.daemon)).toBe(true);
  expect(fs.existsSync(left.dir)).toBe(false);
  expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(left.dir);
  expect(await fetch(`http://${left.address}:8080/`, { signal: AbortSignal.timeout(2000) }).then(() => "answered", () => "gone")).toBe("gone");
});
