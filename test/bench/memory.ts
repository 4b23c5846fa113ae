// Peak memory while a figure runs: this process's RSS (the console, and in the bench the
// emulators and SSH hosts' supervisor with it) and the summed RSS of its descendants, split into
// Hoist's Pulumi processes (the CLI, its language host and provider plugins, which carry the
// engine's HOIST_STACK_DIR mark) and the rest (the emulated servers' sshd). Read from /proc.
import fs from "node:fs";
import { STACK_MARK } from "../../engine/workspace.ts";

const PAGE = 4096;

interface Proc {
  pid: number;
  ppid: number;
  rss: number;
  /** pid and start time: a pid used again is another process. */
  key: string;
}

function readProcs(): Proc[] {
  const out: Proc[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      // The command name may hold spaces and parentheses; the fields after its last ")" do not.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.push({ pid: Number(name), ppid: Number(fields[1]), rss: Number(fields[21]) * PAGE, key: `${name}:${fields[19]}` });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

// Only the marked are remembered: a child read between its fork and its exec has no mark yet.
const marked = new Set<string>();
function isPulumi(p: Proc): boolean {
  if (marked.has(p.key)) return true;
  try {
    if (!fs.readFileSync(`/proc/${p.pid}/environ`, "utf8").split("\0").some((kv) => kv.startsWith(`${STACK_MARK}=`))) return false;
  } catch {
    return false;
  }
  marked.add(p.key);
  return true;
}

export interface MemoryPeaks {
  /** This process. */
  ownRss: number;
  /** Hoist's Pulumi processes together, at their largest. */
  pulumiRss: number;
  /** The most Pulumi processes alive at once. */
  pulumiProcesses: number;
  /** Everything: this process and all its descendants, at the largest. */
  totalRss: number;
}

/** Samples every `everyMs` until stopped; `stop()` gives the peaks. */
export function sampleMemory(everyMs = 250): { stop(): MemoryPeaks } {
  const peaks: MemoryPeaks = { ownRss: 0, pulumiRss: 0, pulumiProcesses: 0, totalRss: 0 };
  const sample = () => {
    const procs = readProcs();
    const children = new Map<number, Proc[]>();
    for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
    const own = process.memoryUsage().rss;
    let pulumi = 0;
    let pulumiCount = 0;
    let total = own;
    const stack = [...(children.get(process.pid) ?? [])];
    while (stack.length) {
      const p = stack.pop()!;
      total += p.rss;
      if (isPulumi(p)) {
        pulumi += p.rss;
        pulumiCount++;
      }
      stack.push(...(children.get(p.pid) ?? []));
    }
    peaks.ownRss = Math.max(peaks.ownRss, own);
    peaks.pulumiRss = Math.max(peaks.pulumiRss, pulumi);
    peaks.pulumiProcesses = Math.max(peaks.pulumiProcesses, pulumiCount);
    peaks.totalRss = Math.max(peaks.totalRss, total);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { ...peaks };
    },
  };
}
