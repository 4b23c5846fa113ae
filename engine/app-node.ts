// What the console asks of a deployment's container on its node, on demand: its recent logs
// (followed as they come, when asked) and what it uses now. Over SSH, through node-exec.
import { containerName } from "../stacks/app.ts";
import { scriptLine } from "../stacks/shell.ts";
import type { Deployment } from "../state/deployments.ts";
import { findNodeById } from "../state/nodes.ts";
import type { KindContext } from "./kind.ts";
import { runOnNode, type NodeAccess } from "./node-exec.ts";
import { accessOf } from "./nodes.ts";
import { dockerBytes } from "./usage-probe.ts";

/** At most this many lines are fetched at once. */
export const MAX_LOG_LINES = 2000;

export class ContainerUnavailable extends Error {
  override name = "ContainerUnavailable";
}

function accessFor(ctx: Pick<KindContext, "db" | "keyring">, d: Deployment): NodeAccess {
  const node = d.nodeId ? findNodeById(ctx.db, d.nodeId) : undefined;
  const access = node && accessOf(ctx, node);
  if (!access) throw new ContainerUnavailable("the deployment's node is gone, or Hoist holds no key for it");
  return access;
}

/**
 * The container's last `lines` lines (stdout and stderr together); with `onData`, goes on
 * streaming new ones until `signal` ends it.
 */
export async function containerLogs(ctx: Pick<KindContext, "db" | "keyring">, d: Deployment, opts: { lines: number; follow?: boolean; signal?: AbortSignal; onData?: (chunk: string) => void }): Promise<string> {
  const access = accessFor(ctx, d);
  const lines = String(Math.max(1, Math.min(MAX_LOG_LINES, Math.floor(opts.lines))));
  const args = ["logs", "--tail", lines, ...(opts.follow ? ["--follow"] : []), containerName(d.slug)];
  const line = scriptLine('docker "$@" 2>&1', args, { sudo: access.user !== "root", name: "hoist-logs" });
  const res = await runOnNode(access, line, { timeoutMs: opts.follow ? 24 * 3600_000 : 20_000, signal: opts.signal, onData: opts.onData }).catch((err: Error) => {
    if (opts.signal?.aborted) return { stdout: "", stderr: "", code: 0 };
    throw new ContainerUnavailable(err.message);
  });
  if (res.code !== 0 && !opts.signal?.aborted) throw new ContainerUnavailable(res.stdout.trim().split("\n").at(-1) || `docker logs exited with ${res.code}`);
  return res.stdout;
}

export interface ContainerUsage {
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  running: boolean;
}

/** What the container uses now (`docker stats` once), and whether it runs. */
export async function containerUsage(ctx: Pick<KindContext, "db" | "keyring">, d: Deployment): Promise<ContainerUsage> {
  const access = accessFor(ctx, d);
  const line = scriptLine('docker stats --no-stream --format "{{.CPUPerc}}|{{.MemUsage}}" "$1" && docker inspect --format "{{.State.Running}}" "$1"', [containerName(d.slug)], { sudo: access.user !== "root", name: "hoist-stats" });
  const res = await runOnNode(access, line, { timeoutMs: 20_000 }).catch((err: Error) => {
    throw new ContainerUnavailable(err.message);
  });
  if (res.code !== 0) throw new ContainerUnavailable((res.stderr || res.stdout).trim().split("\n").at(-1) || "the container is not there");
  const [stats = "", running = ""] = res.stdout.trim().split("\n");
  const [cpu = "0", mem = ""] = stats.split("|");
  const [used = "0B", limit = "0B"] = mem.split("/");
  return { cpuPercent: Number.parseFloat(cpu) || 0, memoryBytes: dockerBytes(used), memoryLimitBytes: dockerBytes(limit), running: running.trim() === "true" };
}
