// What a node uses now, read over SSH in one session: CPU (two readings of /proc/stat a second
// apart), memory (/proc/meminfo), the root disk (df), and each Hoist container's share (docker
// stats, matched to its deployment by the label every Hoist container carries).
// The script is fixed text with no values in it; parsing is a pure function, tested without SSH.
import { DEPLOYMENT_LABEL } from "../stacks/app.ts";
import { scriptLine } from "../stacks/shell.ts";
import { runOnNode, type NodeAccess } from "./node-exec.ts";

export interface NodeUsage {
  cpuPercent: number;
  cpus: number;
  memoryBytes: number;
  memoryTotalBytes: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
  /** By the deployment id the container is labelled with; CPU as a percent of the whole node. */
  containers: Map<string, { cpuPercent: number; memoryBytes: number }>;
}

export class ProbeFailed extends Error {
  override name = "ProbeFailed";
}

// Sections are marked so that a missing one is named rather than misread; docker is optional
// (a node without apps may have none running), everything before it is not.
const SCRIPT = [
  "echo '#stat'; head -n1 /proc/stat; sleep 1; head -n1 /proc/stat",
  "echo '#mem'; grep -E '^(MemTotal|MemAvailable):' /proc/meminfo",
  "echo '#cpus'; grep -c '^processor' /proc/cpuinfo",
  "echo '#disk'; df -Pk / | tail -n1",
  "echo '#containers'; docker stats --no-stream --format '{{.ID}}|{{.CPUPerc}}|{{.MemUsage}}' 2>/dev/null || true",
  `echo '#labels'; docker ps --filter label=${DEPLOYMENT_LABEL} --format '{{.ID}}|{{.Label "${DEPLOYMENT_LABEL}"}}' 2>/dev/null || true`,
].join("\n");

/** The command line that reads a node's usage (run as root, or through sudo for another login user). */
export const usageCommand = (sudo: boolean) => scriptLine(SCRIPT, [], { sudo, name: "hoist-usage" });

function sections(out: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of out.split("\n")) {
    const m = /^#(\w+)$/.exec(line.trim());
    if (m) map.set(m[1]!, (current = []));
    else if (line.trim() && current) current.push(line.trim());
  }
  return map;
}

const required = (s: Map<string, string[]>, name: string, what: string) => {
  const lines = s.get(name);
  if (!lines?.length) throw new ProbeFailed(`the node did not report its ${what}`);
  return lines;
};

/** `cpu  user nice system idle iowait irq softirq steal …` → busy and total jiffies. */
function jiffies(line: string): { busy: number; total: number } {
  const f = line.split(/\s+/).slice(1).map(Number);
  if (!line.startsWith("cpu") || f.length < 4 || f.some((n) => !Number.isFinite(n))) throw new ProbeFailed(`unreadable /proc/stat line: ${line.slice(0, 80)}`);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = f[3]! + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** `12.5MiB / 1.9GiB` style sizes, as docker prints them. */
export function dockerBytes(s: string): number {
  const m = /^([\d.]+)\s*([KMGT]?i?B)$/i.exec(s.trim());
  if (!m) return 0;
  const unit = m[2]!.toUpperCase().replace("I", "");
  const power = { B: 0, KB: 1, MB: 2, GB: 3, TB: 4 }[unit] ?? 0;
  return Math.round(Number(m[1]) * (m[2]!.includes("i") ? 1024 : 1000) ** power);
}

const clampPercent = (n: number) => Math.max(0, Math.min(100, Math.round(n * 10) / 10));

/** Parses the script's output. */
export function parseUsage(out: string): NodeUsage {
  const s = sections(out);
  const stat = required(s, "stat", "CPU counters (/proc/stat)");
  if (stat.length < 2) throw new ProbeFailed("the node reported one CPU reading instead of two");
  const [a, b] = [jiffies(stat[0]!), jiffies(stat[1]!)];
  const dt = b.total - a.total;
  const cpuPercent = dt > 0 ? clampPercent((100 * (b.busy - a.busy)) / dt) : 0;
  const mem = Object.fromEntries(required(s, "mem", "memory (/proc/meminfo)").map((l) => [l.split(":")[0], Number(/(\d+)/.exec(l)?.[1] ?? NaN) * 1024]));
  const memoryTotalBytes = mem.MemTotal;
  if (!memoryTotalBytes || !Number.isFinite(mem.MemAvailable)) throw new ProbeFailed("the node's /proc/meminfo has no MemTotal or MemAvailable");
  const cpus = Math.max(1, Number(required(s, "cpus", "CPU count")[0]) || 1);
  const disk = required(s, "disk", "disk use (df)")[0]!.split(/\s+/);
  const [diskTotal, diskUsed] = [Number(disk[1]) * 1024, Number(disk[2]) * 1024];
  if (!Number.isFinite(diskTotal) || !Number.isFinite(diskUsed)) throw new ProbeFailed(`unreadable df line: ${disk.join(" ")}`);
  const deploymentOf = new Map((s.get("labels") ?? []).map((l) => l.split("|") as [string, string | undefined]));
  const containers = new Map<string, { cpuPercent: number; memoryBytes: number }>();
  for (const line of s.get("containers") ?? []) {
    const [id = "", cpu = "0", memUsage = ""] = line.split("|");
    const deployment = deploymentOf.get(id);
    if (!deployment) continue;
    // docker's CPU percent is of one CPU; a node's is of all of them.
    containers.set(deployment, { cpuPercent: clampPercent((Number.parseFloat(cpu) || 0) / cpus), memoryBytes: dockerBytes(memUsage.split("/")[0] ?? "") });
  }
  return { cpuPercent, cpus, memoryBytes: Math.max(0, memoryTotalBytes - mem.MemAvailable!), memoryTotalBytes, diskUsedBytes: diskUsed, diskTotalBytes: diskTotal, containers };
}

/** Reads the node's usage now; rejects with NodeUnreachable or ProbeFailed. */
export async function probeNode(access: NodeAccess, opts: { signal?: AbortSignal } = {}): Promise<NodeUsage> {
  const res = await runOnNode(access, usageCommand(access.user !== "root"), { timeoutMs: 30_000, signal: opts.signal });
  if (res.code !== 0) throw new ProbeFailed((res.stderr || res.stdout).trim().split("\n").at(-1) || `the usage script exited with ${res.code}`);
  return parseUsage(res.stdout);
}
