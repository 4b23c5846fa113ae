// Finds the processes a test run left behind. A run marks everything it starts through the
// environment: HOIST_TESTBED_RUN=<run id> is set in the vitest process before any worker forks,
// so workers, moto servers, the Pulumi CLI and the plugins it starts all inherit it;
// PULUMI_HOME=<the run's home> and the run folder on the command line catch what was started
// with an environment of its own. sshd overwrites its environment with its process title, so a
// test-bed sshd (config under <testbed>/pool-<owner pid>-…) counts as the run's when its pool's
// owner carries the mark or, once that owner has gone, it is in the run's process group (a live
// owner without the mark is another run's, though vitest's workers all share one group).
import fs from "node:fs";
import path from "node:path";
import { descendants } from "../../engine/processes.ts";
import { alive } from "../emulators/host-leases.ts";
import { testbedBase } from "../emulators/hosts.ts";

export const RUN_ENV = "HOIST_TESTBED_RUN";

export interface Leftover {
  pid: number;
  /** What it is, for the report: sshd, moto, pulumi-plugin, pulumi, or the program's name. */
  kind: string;
  cmdline: string;
}

export interface RunMarks {
  runId: string;
  pulumiHome?: string;
  runDir?: string;
}

/** Processes carrying the run's marks, except this process, its ancestors and vitest's own workers. */
export function findLeftovers(marks: RunMarks): Leftover[] {
  const spared = new Set(ancestors(process.pid));
  const runGroup = processGroup(process.pid);
  const poolPrefix = path.join(testbedBase, "pool-");
  const carriesMark = (pid: number) => read(`/proc/${pid}/environ`).split("\0").includes(`${RUN_ENV}=${marks.runId}`);
  const found: Leftover[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (spared.has(pid)) continue;
    const argv = read(`/proc/${pid}/cmdline`).split("\0").filter(Boolean);
    if (argv.length === 0) continue; // kernel threads and zombies
    const cmdline = argv.join(" ");
    if (/[\\/]vitest[\\/]/.test(cmdline)) continue;
    const env = read(`/proc/${pid}/environ`).split("\0");
    const poolOwner = cmdline.includes(poolPrefix) ? Number(/pool-(\d+)-/.exec(cmdline.slice(cmdline.indexOf(poolPrefix)))?.[1]) : NaN;
    const marked =
      env.includes(`${RUN_ENV}=${marks.runId}`) ||
      (marks.pulumiHome !== undefined && env.includes(`PULUMI_HOME=${marks.pulumiHome}`)) ||
      (marks.runDir !== undefined && cmdline.includes(marks.runDir)) ||
      (poolOwner > 0 && (alive(poolOwner) ? carriesMark(poolOwner) : processGroup(pid) === runGroup));
    if (marked) found.push({ pid, kind: kindOf(argv), cmdline });
  }
  return found;
}

function kindOf(argv: string[]): string {
  const cmdline = argv.join(" ");
  // sshd rewrites its argv into one title ("sshd: /usr/sbin/sshd -D … [listener] …").
  const exe = (argv[0] ?? "").split(" ")[0]!.split("/").pop()!;
  if (exe === "sshd" || exe === "sshd:") return "sshd";
  if (/moto/.test(cmdline)) return "moto";
  if (exe.startsWith("pulumi-resource-") || /[\\/]plugins[\\/]resource-/.test(cmdline)) return "pulumi-plugin";
  if (exe === "pulumi") return "pulumi";
  return exe;
}

/** SIGKILLs each process and everything below it. */
export function killAll(pids: number[]): void {
  const all = new Set<number>();
  for (const pid of pids) for (const p of [pid, ...descendants(pid)]) all.add(p);
  for (const pid of all) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

function ancestors(pid: number): number[] {
  const out: number[] = [];
  for (let p = pid; p > 1; p = parentOf(p)) out.push(p);
  return out;
}

/** Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session, … */
function statFields(pid: number): string[] {
  const stat = read(`/proc/${pid}/stat`);
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

function parentOf(pid: number): number {
  return Number(statFields(pid)[1]) || 0;
}

function processGroup(pid: number): number {
  return Number(statFields(pid)[2]) || -1;
}

function read(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
