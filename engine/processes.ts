// Linux process bookkeeping from /proc: what runs below a process, and what runs in a folder.
// The engine uses it at start to stop Pulumi processes a crashed Hoist left behind.
import fs from "node:fs";
import type { Readable } from "node:stream";

function read(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function pids(): number[] {
  try {
    return fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e)).map(Number);
  } catch {
    return [];
  }
}

/** Every process below `pid`. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const p of pids()) {
    const stat = read(`/proc/${p}/stat`);
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!ppid) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), p]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Processes whose root folder (chroot) is `dir`. */
export function processesRootedAt(dir: string): number[] {
  return pids().filter((p) => {
    try {
      return fs.readlinkSync(`/proc/${p}/root`) === dir;
    } catch {
      return false;
    }
  });
}

/** Processes (other than this one) that carry `name=value` in their environment. */
export function processesMarked(name: string, value: string): number[] {
  const mark = `${name}=${value}`;
  return pids().filter((p) => p !== process.pid && read(`/proc/${p}/environ`).split("\0").includes(mark));
}

export function killHard(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Kills the processes carrying `name=value` and everything below them; returns how many. */
export function killMarked(name: string, value: string): number {
  const all = new Set(processesMarked(name, value).flatMap((p) => [p, ...descendants(p)]));
  all.forEach(killHard);
  return all.size;
}

/** Calls `onLine` with each whole line a child process writes to any of `streams`. */
export function eachLine(streams: Readable[], onLine: (line: string) => void): void {
  for (const stream of streams) {
    let buf = "";
    stream.on("data", (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      lines.forEach(onLine);
    });
  }
}
