// The emulator leaves nothing behind: stop() ends moto and the sockets the front holds back, and
// a moto whose parent process dies (a crashed or killed test worker) exits on its own.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { HostPool } from "../hosts.ts";
import { awsFailure, ec2Client } from "./clients.ts";
import { startAwsEmulator } from "./front.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const tsxLoader = createRequire(import.meta.url).resolve("tsx");

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe("emulator lifecycle", () => {
  it("moto exits by itself when the process that started it is killed", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-moto-orphan-"));
    const script = `import { startMoto } from ${JSON.stringify(path.join(here, "moto.ts"))};
const moto = await startMoto(${JSON.stringify(dir)});
console.log(moto.pid);
setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ["--import", tsxLoader, "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const motoPid = await new Promise<number>((resolve, reject) => {
        parent.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
        parent.once("exit", (code) => reject(new Error(`the parent exited (${code}) before moto started`)));
      });
      expect(alive(motoPid)).toBe(true);
      parent.kill("SIGKILL");
      expect(await waitUntil(() => !alive(motoPid), 10_000)).toBe(true);
    } finally {
      parent.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stop() closes answers held back by a catalog timeout, and moto is gone", async () => {
    const hosts = await HostPool.create();
    const emu = await startAwsEmulator({ hosts });
    const ec2 = ec2Client(emu);
    try {
      emu.faults.set({ kind: "catalog-down", mode: "timeout" });
      const hanging = awsFailure(ec2.send(new DescribeRegionsCommand({})));
      await new Promise((r) => setTimeout(r, 300));
      const t1 = Date.now();
      await emu.stop();
      const err = await hanging;
      expect(Date.now() - t1).toBeLessThan(5000);
      expect(err.message).toMatch(/socket hang up|ECONNRESET|closed/i);
      expect(alive(emu.motoPid)).toBe(false);
    } finally {
      ec2.destroy();
      await emu.stop();
      await hosts.close();
    }
  });
});
