// What may outlive the test bed's orderly stop, found from /proc: processes carrying the run's
// mark or its PULUMI_HOME (test/setup/leftovers.ts), and processes living on an emulated server.
//
// The second kind exists because Ctrl-C signals the whole process group, sshd listeners
// included. A listener that dies before the host pool stops it leaves its SSH sessions behind:
// they run in sessions of their own, outside the group, and are no longer below the listener.
// Each one's commands are chrooted into its server's root, under the pool's folder.
import fs from "node:fs";
import path from "node:path";
import { findLeftovers, killAll } from "../setup/leftovers.ts";

export interface Straggler {
  pid: number;
  kind: string;
}

export function findStragglers(marks: { runId: string; pulumiHome: string; poolDir?: string }): Straggler[] {
  const marked = findLeftovers(marks).map(({ pid, kind }) => ({ pid, kind }));
  return marks.poolDir ? [...marked, ...chrootedIn(marks.poolDir)] : marked;
}

/** SIGKILLs each straggler and everything below it. */
export function killStragglers(list: Straggler[]): void {
  killAll(list.map((s) => s.pid));
}

function chrootedIn(dir: string): Straggler[] {
  const found: Straggler[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    // A listener of a kept pool (outside the test bed base, where leftovers.ts looks for them).
    if (readCmdline(entry).includes(`${dir}${path.sep}`) && /^sshd/.test(readCmdline(entry))) {
      found.push({ pid: Number(entry), kind: "sshd" });
      continue;
    }
    let root: string;
    try {
      // A removed server's root reads as "<path> (deleted)".
      root = fs.readlinkSync(`/proc/${entry}/root`).replace(/ \(deleted\)$/, "");
    } catch {
      continue;
    }
    if (root.startsWith(dir + path.sep)) found.push({ pid: Number(entry), kind: "ssh session" });
  }
  return found;
}

function readCmdline(pid: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}
