// CPU time while a figure runs: this process's own (the console, and in the bench the emulators
// and the SSH hosts' supervisor with it) and that of the child processes it reaped meanwhile:
// Hoist's Pulumi CLIs, each with the provider plugins it started and waited for, read from
// /proc/self/stat. The emulated servers' sshd run until their bed closes, so what they spend
// serving the configure step and the SSH checks is in neither.
import fs from "node:fs";

/** Linux reports the children's times in clock ticks of USER_HZ, 100 a second. */
const TICK_MS = 10;

export interface CpuTime {
  /** This process, user and system. */
  ownMs: number;
  /** The children reaped while measured, with the descendants they reaped. */
  childrenMs: number;
}

function childrenMs(): number {
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  // After the command name's last ")": state, ppid, …; cutime and cstime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

/** Starts measuring; `stop()` gives the CPU time spent since. */
export function measureCpu(): { stop(): CpuTime } {
  const own = process.cpuUsage();
  const children = childrenMs();
  return {
    stop() {
      const used = process.cpuUsage(own);
      return { ownMs: (used.user + used.system) / 1000, childrenMs: childrenMs() - children };
    },
  };
}
