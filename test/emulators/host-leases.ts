// Loopback addresses for emulated servers, leased across processes (parallel test workers,
// `npm run testbed`) by atomic mkdir in <base>/leases, and the sweep of what dead owners left.
//
// A lease of a pool that keeps its servers also names the kept folder (`kept`): it outlives its
// process for as long as that folder holds a server at the address, so that no test takes the
// address while the test bed is down, and the next pool of that folder takes it over.
import fs from "node:fs";
import path from "node:path";
import { descendants, killHard as kill, processesRootedAt } from "../../engine/processes.ts";
import { portFree } from "./host-sshd.ts";

/**
 * Takes the first free address from 127.0.1.1 up (127.0.0.x stays for emulators and the
 * console). `kept`: the pool's kept folder, when it keeps its servers; those take 127.1.1.1 up,
 * out of the way of test runs on the same machine.
 */
export async function leaseAddress(leases: string, owner: string, kept?: string): Promise<string> {
  const first = kept ? 65_536 + 257 : 257;
  for (let n = first; n < first + 64_000; n++) {
    const address = `127.${n >> 16}.${(n >> 8) & 255}.${n & 255}`;
    if ((n & 255) === 0 || (n & 255) === 255 || ((n >> 8) & 255) === 0) continue;
    if (await tryLease(leases, owner, address, kept)) return address;
  }
  throw new Error("test bed: no free loopback address");
}

/**
 * Takes one given address, or returns false when another pool holds it or something listens on
 * its port 22. A lease that names `kept` and whose process is gone is taken over.
 */
export async function tryLease(leases: string, owner: string, address: string, kept?: string): Promise<boolean> {
  const lease = path.join(leases, address);
  let mine = true;
  try {
    fs.mkdirSync(lease);
  } catch {
    const pid = Number(readOr(path.join(lease, "pid"), "0"));
    if (!kept || readOr(path.join(lease, "kept"), "") !== kept || (pid && pid !== process.pid && alive(pid))) return false;
    mine = false;
  }
  fs.writeFileSync(path.join(lease, "pid"), String(process.pid));
  fs.writeFileSync(path.join(lease, "pool"), owner);
  if (kept) fs.writeFileSync(path.join(lease, "kept"), kept);
  if (await portFree(address, 22)) return true;
  // Something else listens there; a kept lease stays reserved for its server all the same.
  if (mine) fs.rmSync(lease, { recursive: true, force: true });
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

/**
 * Pools whose owner process is gone: stop their sshd, remove their folders, free their leases.
 * `beforeRemove` ends what else a dead pool runs in its folder.
 */
export function reclaimStale(base: string, beforeRemove: (poolDir: string) => void = () => {}): void {
  for (const name of fs.readdirSync(base)) {
    if (!name.startsWith("pool-")) continue;
    const dir = path.join(base, name);
    // The owner's pid is in the name too: a pool another process is creating this very moment
    // has no owner.pid file yet, and must not be taken for a stale one.
    const pid = Number(readOr(path.join(dir, "owner.pid"), name.split("-")[1] ?? "0"));
    if (pid && alive(pid)) continue;
    for (const host of fs.existsSync(dir) ? fs.readdirSync(dir) : []) stopLeftHost(dir, host);
    beforeRemove(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const leases = path.join(base, "leases");
  for (const address of fs.readdirSync(leases)) {
    const lease = path.join(leases, address);
    const pid = Number(readOr(path.join(lease, "pid"), "0"));
    // A lease without its pid yet is being taken by another process right now, unless it is old.
    if (!pid && Date.now() - (fs.statSync(lease, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 60_000) continue;
    if (pid && alive(pid)) continue;
    if (keepsServerAt(readOr(path.join(lease, "kept"), ""), address)) continue;
    fs.rmSync(lease, { recursive: true, force: true });
  }
}

/** Whether a kept folder still holds a server at that address (its host.json says so). */
function keepsServerAt(kept: string, address: string): boolean {
  if (!kept || !fs.existsSync(kept)) return false;
  return fs.readdirSync(kept).some((folder) => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(kept, folder, "host.json"), "utf8")) as { address?: string }).address === address;
    } catch {
      return false;
    }
  });
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
