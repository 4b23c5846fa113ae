// The `hoist` CLI as a real child process on a test bed's data folder, beside the bed's running
// console: its exit status, its output, and stdin for the questions it asks.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { inject } from "vitest";
import { listAudit } from "../../state/audit.ts";
import { findOperation, type Operation } from "../../state/operations.ts";
import type { Bed } from "../support/provisioning.ts";

const repo = path.resolve(import.meta.dirname, "../..");

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  done: Promise<Finished>;
}

/** The settings a console of the bed runs with: its clouds' endpoints and the run's PULUMI_HOME. */
export const bedEnv = (bed: Bed): Record<string, string> => ({
  ...Object.fromEntries(bed.clouds.map(({ cloud }) => [cloud.endpointEnv, cloud.url])),
  HOIST_DATA_DIR: bed.console.dataDir,
  HOIST_PULUMI_HOME: inject("pulumiHome"),
  HOIST_LOG_LEVEL: "warn",
});

/** Starts `hoist …`; `input` is what is typed at its questions (none: stdin ends at once, which is no). */
export function startHoist(bed: Bed, args: string[], input = "", opts: { ownGroup?: boolean } = {}): Running {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repo, "server/cli.ts"), ...args], {
    cwd: repo,
    env: { ...process.env, ...bedEnv(bed), NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "pipe"],
    // In a process group of its own, it can be killed with everything it started (Pulumi, plugins).
    detached: opts.ownGroup === true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  child.stdin!.end(input);
  const done = new Promise<Finished>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, stdout: () => stdout, done };
}

export const hoist = (bed: Bed, args: string[], input = ""): Promise<Finished> => startHoist(bed, args, input).done;

/** The audit rows of one action, newest first. */
export const auditOf = (bed: Bed, action: string) => listAudit(bed.console.deps.db, { limit: 200 }).filter((a) => a.action === action);

/** Waits until `find` returns an operation (e.g. the CLI's, once it is claimed). */
export async function operationWhere(bed: Bed, find: () => Operation | undefined, ms = 60_000): Promise<Operation> {
  for (const until = Date.now() + ms; ; ) {
    const op = find();
    if (op) return findOperation(bed.console.deps.db, op.id)!;
    if (Date.now() > until) throw new Error("no such operation appeared");
    await new Promise((r) => setTimeout(r, 100));
  }
}
