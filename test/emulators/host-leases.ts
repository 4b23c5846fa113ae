// Loopback addresses for emulated servers, leased across processes (parallel test workers,
// `npm run testbed`) by atomic mkdir in <base>/leases, and the sweep of what dead owners left.
import fs from "node:fs";
import path from "node:path";
import { descendants, killHard as kill, processesRootedAt } from "../../engine/processes.ts";
import { portFree } from "./host-sshd.ts";

/** Takes the first free address from 127.0.1.1 up (127.0.0.x stays for emulators and the console). */
export async function leaseAddress(leases: string, owner: string): Promise<string> {
  for (let n = 257; n < 65_000; n++) {
    const address = `127.0.${n >> 8}.${n & 255}`;
    if ((n & 255) === 0 || (n & 255) === 255) continue;
    if (await tryLease(leases, owner, address)) return address;
  }
  throw new Error("test bed: no free loopback address");
}

/** Takes one given address, or returns false when another pool holds it or something listens on its port 22. */
export async function tryLease(leases: string, owner: string, address: string): Promise<boolean> {
  const lease = path.join(leases, address);
  try {
    fs.mkdirSync(lease);
  } catch {
    return false;
  }
  fs.writeFileSync(path.join(lease, "pid"), String(process.pid));
  fs.writeFileSync(path.join(lease, "pool"), owner);
  if (await portFree(address, 22)) return true;
  fs.rmSync(lease, { recursive: true, force: true });
  return false;
}

/** Who holds an address, for an error message: a pool folder, or undefined. */
export function leaseHolder(leases: string, address: string): string | undefined {
  const pool = readOr(path.join(leases, address, "pool"), "");
  return pool || undefined;
}

export function releaseAddress(leases: string, address: string): void {
  fs.rmSync(path.join(leases, address), { recursive: true, force: true });
}

/** Pools whose owner process is gone: stop their sshd, remove their folders, free their leases. */
export function reclaimStale(base: string): void {
  for (const name of fs.readdirSync(base)) {
    if (!name.startsWith("pool-")) continue;
    const dir = path.join(base, name);
    // The owner's pid is in the name too: a pool another process is creating this very moment
    // has no owner.pid file yet, and must not be taken for a stale one.
    const pid = Number(readOr(path.join(dir, "owner.pid"), name.split("-")[1] ?? "0"));
    if (pid && alive(pid)) continue;
    for (const host of fs.existsSync(dir) ? fs.readdirSync(dir) : []) stopLeftHost(dir, host);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const leases = path.join(base, "leases");
  for (const address of fs.readdirSync(leases)) {
    const lease = path.join(leases, address);
    const pid = Number(readOr(path.join(lease, "pid"), "0"));
    // A lease without its pid yet is being taken by another process right now, unless it is old.
    if (!pid && Date.now() - (fs.statSync(lease, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 60_000) continue;
    if (!pid || !alive(pid)) fs.rmSync(lease, { recursive: true, force: true });
  }
}

/** Kills the sshd (and sessions) a dead owner left for one host folder of a pool. */
export function stopLeftHost(poolDir: string, host: string): void {
  const sshdPid = Number(readOr(path.join(poolDir, host, "sshd.pid"), "0"));
  if (sshdPid && alive(sshdPid) && readOr(`/proc/${sshdPid}/cmdline`, "").includes(poolDir)) {
    for (const p of [sshdPid, ...descendants(sshdPid)]) kill(p);
  }
  for (const p of processesRootedAt(path.join(poolDir, host, "root"))) kill(p);
}

export function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return fallback;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
