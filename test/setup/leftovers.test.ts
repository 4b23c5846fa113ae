// The teardown's search for processes a run left behind: by the run's mark in the environment,
// by its PULUMI_HOME, and never anything unmarked.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterEach, expect, inject, it } from "vitest";
import { HostPool, testbedBase } from "../emulators/hosts.ts";
import { findLeftovers, killAll, RUN_ENV } from "./leftovers.ts";

const children: ChildProcess[] = [];

function sleeper(env: Record<string, string>): ChildProcess {
  const child = spawn("sleep", ["60"], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: "ignore" });
  children.push(child);
  return child;
}

afterEach(() => {
  killAll(children.splice(0).flatMap((c) => (c.pid === undefined ? [] : [c.pid])));
});

it("finds the processes carrying a run's marks, and kills them", async () => {
  const runId = `test-${randomBytes(4).toString("hex")}`;
  const home = `/tmp/not-a-home-${runId}`;
  const marked = sleeper({ [RUN_ENV]: runId });
  const byHome = sleeper({ PULUMI_HOME: home });
  const unmarked = sleeper({ [RUN_ENV]: `${runId}-other` });
  await new Promise((r) => setTimeout(r, 100));

  const found = findLeftovers({ runId, pulumiHome: home });
  expect(found.map((p) => p.pid).sort()).toEqual([marked.pid, byHome.pid].sort());
  expect(found.every((p) => p.kind === "sleep")).toBe(true);
  expect(found.map((p) => p.pid)).not.toContain(unmarked.pid);

  const exited = [marked, byHome].map((c) => new Promise((r) => c.once("exit", r)));
  killAll(found.map((p) => p.pid));
  await Promise.all(exited);
  expect(findLeftovers({ runId, pulumiHome: home })).toEqual([]);
});

it("spares this process and its ancestors, which carry the real run's mark", () => {
  const runId = process.env[RUN_ENV];
  expect(runId, "global setup marks the run before workers start").toBeTruthy();
  const found = findLeftovers({ runId: runId! });
  expect(found.map((p) => p.pid)).not.toContain(process.pid);
  expect(found.map((p) => p.pid)).not.toContain(process.ppid);
});

it("counts a host pool's sshd as the run's, though sshd overwrites its environment", async () => {
  const pool = await HostPool.create();
  try {
    const host = await pool.start("leftover-probe", []);
    const sshd = findLeftovers({ runId: inject("runId") }).filter((p) => p.kind === "sshd" && p.cmdline.includes(pool.dir));
    // The listener, and for a moment the child that answered the pool's readiness probe.
    expect(sshd.length).toBeGreaterThanOrEqual(1);
    for (const p of sshd) expect(p.cmdline).toContain(`${host.id}/sshd_config`);
  } finally {
    await pool.close();
  }
  expect(findLeftovers({ runId: inject("runId") }).filter((p) => p.cmdline.includes(pool.dir))).toEqual([]);
});

it("counts a process under a pool folder as the run's only when the pool's owner is the run's, or gone", async () => {
  const runId = `test-${randomBytes(4).toString("hex")}`;
  const underPool = (owner: number) => {
    const dir = path.join(testbedBase, `pool-${owner}-${randomBytes(3).toString("hex")}`, "host", "root");
    const child = spawn("sh", ["-c", "sleep 60; :", dir], { stdio: "ignore" });
    children.push(child);
    return child;
  };
  const otherRunsOwner = sleeper({ [RUN_ENV]: `${runId}-other` });
  const ownersOwner = sleeper({ [RUN_ENV]: runId });
  const goneOwner = sleeper({});
  await new Promise((r) => goneOwner.once("exit", r).kill("SIGKILL"));
  const otherRuns = underPool(otherRunsOwner.pid!);
  const ours = underPool(ownersOwner.pid!);
  const orphaned = underPool(goneOwner.pid!);
  await new Promise((r) => setTimeout(r, 100));

  const found = findLeftovers({ runId }).map((p) => p.pid);
  expect(found).not.toContain(otherRuns.pid);
  expect(found).toContain(ours.pid);
  // Same process group as this worker, as a pool's sshd is once its owner exits.
  expect(found).toContain(orphaned.pid);
});
