// What a server's root gets mounted from this machine: the socket tables of the one network
// namespace every emulated server shares (/proc/net), so that `netstat` on a server sees what
// listens on its address, as on a real one. Mounted while the server runs; swept with its pool.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo, unescaped). */
export function mountsUnder(dir: string): string[] {
  const root = path.resolve(dir);
  return fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    // mountinfo escapes space, tab, newline and backslash as octal.
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === root || p.startsWith(root + path.sep))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts (lazily) everything mounted at or below `dir`. */
export function unmountUnder(dir: string): void {
  for (const point of mountsUnder(dir)) {
    try {
      execFileSync("umount", ["-l", point], { stdio: "ignore" });
    } catch {
      // gone already
    }
  }
}

/**
 * The server's /proc/net: this machine's (PID 1's namespace, which every server shares); and its
 * /proc/stat, this machine's CPU counters, so that CPU use measured on a server is a real one.
 */
export function mountProcNet(rootDir: string): void {
  const target = path.join(rootDir, "proc/net");
  if (!mountsUnder(target).length) {
    fs.mkdirSync(target, { recursive: true });
    execFileSync("mount", ["--bind", "/proc/1/net", target], { stdio: "ignore" });
  }
  const stat = path.join(rootDir, "proc/stat");
  if (!mountsUnder(stat).length) {
    fs.writeFileSync(stat, "");
    execFileSync("mount", ["--bind", "/proc/stat", stat], { stdio: "ignore" });
  }
}

export function unmountProcNet(rootDir: string): void {
  unmountUnder(path.join(rootDir, "proc/net"));
  unmountUnder(path.join(rootDir, "proc/stat"));
}
